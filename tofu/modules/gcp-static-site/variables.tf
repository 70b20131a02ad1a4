variable "site_name" {
  description = "Name of the site, shown as its title; usually the product's name."
  type        = string
}

variable "project" {
  description = "Google Cloud project that owns the bucket."
  type        = string
}

variable "bucket_name" {
  description = "Name of the Cloud Storage bucket that serves the site; globally unique."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of lowercase letters, digits, dots, hyphens and underscores, starting and ending with a letter or digit."
  }
}

variable "location" {
  description = "Location of the bucket: a region (europe-west3) or a multi-region (EU)."
  type        = string
  default     = "EU"
}

variable "credentials" {
  description = "Service account key (JSON). Give it as a secret variable; null: Application Default Credentials."
  type        = string
  default     = null
  # Ephemeral: used only to configure the provider, so tofu keeps it out of plan files and state.
  sensitive = true
  ephemeral = true
}

variable "tagline" {
  description = "One line under the title."
  type        = string
  default     = "Shipped by Code Monkeys Ship."
}

variable "site_version" {
  description = "Version of the product the site describes; empty when there is none yet."
  type        = string
  default     = ""
}

variable "labels" {
  description = "Labels added to the bucket, beside managed-by."
  type        = map(string)
  default     = {}
}

variable "force_destroy" {
  description = "Whether destroying the site may delete a bucket that still holds objects."
  type        = bool
  default     = false
}
