locals {
  root = var.root_dir != "" ? var.root_dir : "${path.root}/site"
}

# Every file is a real file on disk: edit or delete one behind tofu's back and the next plan
# shows it (the provider compares the file with its recorded checksum on refresh).
resource "local_file" "index" {
  filename             = "${local.root}/index.html"
  file_permission      = "0644"
  directory_permission = "0755"
  content = templatefile("${path.module}/index.html.tftpl", {
    site_name    = var.site_name
    tagline      = var.tagline
    site_version = var.site_version
  })
}

resource "local_file" "version" {
  filename             = "${local.root}/version.json"
  file_permission      = "0644"
  directory_permission = "0755"
  content = jsonencode({
    site    = var.site_name
    version = var.site_version
  })
}
