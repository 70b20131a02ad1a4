output "bucket" {
  description = "Name of the bucket that serves the site."
  value       = google_storage_bucket.site.name
}

output "url" {
  description = "The site's address."
  value       = "https://storage.googleapis.com/${google_storage_bucket.site.name}/index.html"
}
