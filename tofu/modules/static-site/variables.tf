variable "site_name" {
  description = "Name of the site, shown as its title; usually the product's name."
  type        = string

  validation {
    condition     = length(trimspace(var.site_name)) > 0
    error_message = "site_name must not be empty."
  }
}

variable "root_dir" {
  description = "Folder the site is written to. Empty: a folder named site in the working directory codemonkeys keeps for the product."
  type        = string
  default     = ""
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
