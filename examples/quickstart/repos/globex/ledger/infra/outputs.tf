output "bucket_name" {
  description = "Where the ledger's daily exports are written."
  value       = terraform_data.bucket.output.name
}
