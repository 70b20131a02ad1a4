variable "site_name" {
  description = "Name of the site, shown as its title; usually the product's name."
  type        = string
}

variable "bucket_name" {
  description = "Name of the S3 bucket that serves the site; globally unique."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }
}

variable "region" {
  description = "AWS region of the bucket."
  type        = string
  default     = "eu-central-1"
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

variable "tags" {
  description = "Tags added to every resource, beside managed-by and site."
  type        = map(string)
  default     = {}
}

variable "force_destroy" {
  description = "Whether destroying the site may delete a bucket that still holds objects."
  type        = bool
  default     = false
}
