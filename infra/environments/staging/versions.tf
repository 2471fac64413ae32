terraform {
  required_version = "~> 1.11.0"

  required_providers {
    ovh = {
      source  = "ovh/ovh"
      version = "2.1.0"
    }
  }

  # State on OVHcloud Object Storage (S3-compatible); credentials come from AWS_ACCESS_KEY_ID
  # and AWS_SECRET_ACCESS_KEY (an Object Storage user's S3 keys), never from this file.
  backend "s3" {
    bucket                      = "keiko-terraform-state"
    key                         = "staging/terraform.tfstate"
    region                      = "gra"
    endpoints                   = { s3 = "https://s3.gra.io.cloud.ovh.net" }
    use_lockfile                = true
    skip_credentials_validation = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
    skip_s3_checksum            = true
  }
}

# Credentials from OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY.
provider "ovh" {
  endpoint = "ovh-eu"
}
