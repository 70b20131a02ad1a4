# Credentials are never variables here: the AWS provider reads AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY from the environment codemonkeys gives tofu (a product's secret
# environment), or uses the instance role it runs under.
provider "aws" {
  region = var.region

  default_tags {
    tags = merge({ "managed-by" = "codemonkeys", site = var.site_name }, var.tags)
  }
}

resource "aws_s3_bucket" "site" {
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_ownership_controls" "site" {
  bucket = aws_s3_bucket.site.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Public reads come from the bucket policy below; ACLs stay blocked.
resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = false
  restrict_public_buckets = false
}

resource "aws_s3_bucket_website_configuration" "site" {
  bucket = aws_s3_bucket.site.id

  index_document {
    suffix = "index.html"
  }
}

data "aws_iam_policy_document" "public_read" {
  statement {
    sid       = "PublicRead"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

resource "aws_s3_bucket_policy" "public_read" {
  bucket = aws_s3_bucket.site.id
  policy = data.aws_iam_policy_document.public_read.json

  # S3 refuses a public policy while the public access block still blocks it.
  depends_on = [aws_s3_bucket_public_access_block.site]
}

locals {
  index_html = templatefile("${path.module}/index.html.tftpl", {
    site_name    = var.site_name
    tagline      = var.tagline
    site_version = var.site_version
  })
}

resource "aws_s3_object" "index" {
  bucket       = aws_s3_bucket.site.id
  key          = "index.html"
  content      = local.index_html
  content_type = "text/html; charset=utf-8"
  # A changed page is a changed etag, so an edit in the console shows up as drift.
  etag = md5(local.index_html)
}
