output "bucket" {
  description = "Name of the bucket that serves the site."
  value       = aws_s3_bucket.site.id
}

output "url" {
  description = "The site's S3 website address."
  value       = "http://${aws_s3_bucket_website_configuration.site.website_endpoint}"
}
