# A secret that is only `sensitive`: tofu hides it on screen but writes it into the plan file.
variable "password" {
  type      = string
  sensitive = true
}

resource "terraform_data" "db" {
  input = var.password
}
