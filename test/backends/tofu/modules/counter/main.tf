variable "n" {
  type = string
}

resource "terraform_data" "a" {
  input = var.n
}
