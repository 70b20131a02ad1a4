# The ledger's storage, described for OpenTofu. It uses only the built-in terraform_data
# resource, so `tofu init` needs no provider download and the quickstart works offline.

terraform {
  required_version = ">= 1.6"
}

resource "terraform_data" "bucket" {
  input = {
    name           = "${var.ledger_name}-exports"
    retention_days = var.retention_days
  }
}

resource "terraform_data" "backup_schedule" {
  input = {
    bucket = terraform_data.bucket.output.name
    cron   = var.backup_cron
  }
}
