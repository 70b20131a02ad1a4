# A deploy token as it should be declared: ephemeral, so tofu keeps it out of plan files and state
# and asks for it again at apply; the provisioner proves it arrived by writing its sha256.
variable "token" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "terraform_data" "deploy" {
  input = "v1"

  provisioner "local-exec" {
    command     = "printf %s \"$T\" | sha256sum > token.sha256"
    environment = { T = var.token }
  }
}
