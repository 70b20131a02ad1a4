variable "ledger_name" {
  description = "Name of the ledger; the export bucket is named after it."
  type        = string
}

variable "retention_days" {
  description = "How long daily exports are kept."
  type        = number
  default     = 30
}

variable "backup_cron" {
  description = "When the bucket is backed up (cron syntax, UTC)."
  type        = string
  default     = "15 2 * * *"
}
