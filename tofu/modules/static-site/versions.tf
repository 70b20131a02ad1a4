terraform {
  required_version = ">= 1.11.0"

  required_providers {
    # Runs offline: scripts/setup.sh builds this provider into the filesystem mirror codemonkeys
    # points tofu at. With network access tofu would take it from the registry instead.
    local = {
      source  = "hashicorp/local"
      version = "~> 2.5"
    }
  }
}
