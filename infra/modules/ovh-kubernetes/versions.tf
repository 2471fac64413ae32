terraform {
  required_version = ">= 1.6.0, < 2.0.0"

  required_providers {
    ovh = {
      source  = "ovh/ovh"
      version = ">= 2.1.0, < 3.0.0"
    }
  }
}
