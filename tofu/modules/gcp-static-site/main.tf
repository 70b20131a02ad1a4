provider "google" {
  project     = var.project
  credentials = var.credentials
}

resource "google_storage_bucket" "site" {
  name                        = var.bucket_name
  location                    = var.location
  uniform_bucket_level_access = true
  force_destroy               = var.force_destroy
  labels                      = merge({ "managed-by" = "codemonkeys" }, var.labels)

  website {
    main_page_suffix = "index.html"
  }
}

resource "google_storage_bucket_iam_member" "public_read" {
  bucket = google_storage_bucket.site.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "google_storage_bucket_object" "index" {
  name         = "index.html"
  bucket       = google_storage_bucket.site.name
  content_type = "text/html; charset=utf-8"
  content = templatefile("${path.module}/index.html.tftpl", {
    site_name    = var.site_name
    tagline      = var.tagline
    site_version = var.site_version
  })
}
