# Replaced whenever n changes; its provisioner sleeps `pause` seconds while tofu holds the state lock.
variable "n" {
  type = string
}

variable "pause" {
  type    = number
  default = 0
}

resource "terraform_data" "slow" {
  triggers_replace = var.n

  provisioner "local-exec" {
    command = "sleep ${var.pause}"
  }
}
