output "root_dir" {
  description = "Absolute path of the folder the site is in."
  value       = abspath(local.root)
}

output "url" {
  description = "Where to open the site."
  value       = "file://${abspath(local_file.index.filename)}"
}

output "index_sha256" {
  description = "sha256 of index.html as written."
  value       = local_file.index.content_sha256
}
