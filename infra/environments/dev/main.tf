module "platform" {
  source = "../../modules/ovh-kubernetes"

  project_id           = var.project_id
  environment          = "dev"
  region               = var.region
  database_region      = var.database_region
  database_flavor      = "db1-7"
  database_allowed_ips = var.cluster_egress_cidrs

  system_pool       = { flavor = "b2-7", min = 3, max = 5 }
  applications_pool = { flavor = "b2-15", min = 3, max = 5 }
}
