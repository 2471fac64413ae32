# Database per service (docs/DESIGN.md): one managed PostgreSQL 14 cluster per domain, and one
# for the platform's own databases (keiko_control and keiko_legacy).
locals {
  domains = ["identity", "learning", "reputation", "passport", "governance", "marketplace"]
}

resource "ovh_cloud_project_database" "domain" {
  for_each = toset(local.domains)

  service_name = var.project_id
  description  = "keiko-${var.environment}-${each.key}"
  engine       = "postgresql"
  version      = "14"
  plan         = "business"
  flavor       = var.database_flavor

  # the business plan runs two nodes
  nodes {
    region = var.database_region
  }
  nodes {
    region = var.database_region
  }

  dynamic "ip_restrictions" {
    for_each = toset(var.database_allowed_ips)
    content {
      ip          = ip_restrictions.value
      description = "keiko-${var.environment} cluster egress"
    }
  }
}

resource "ovh_cloud_project_database_database" "domain" {
  for_each = toset(local.domains)

  service_name = var.project_id
  engine       = "postgresql"
  cluster_id   = ovh_cloud_project_database.domain[each.key].id
  name         = "keiko_${each.key}"
}

resource "ovh_cloud_project_database_postgresql_user" "domain" {
  for_each = toset(local.domains)

  service_name = var.project_id
  cluster_id   = ovh_cloud_project_database.domain[each.key].id
  name         = each.key
  roles        = []
}

resource "ovh_cloud_project_database" "platform" {
  service_name = var.project_id
  description  = "keiko-${var.environment}-platform"
  engine       = "postgresql"
  version      = "14"
  plan         = "business"
  flavor       = var.database_flavor

  nodes {
    region = var.database_region
  }
  nodes {
    region = var.database_region
  }

  dynamic "ip_restrictions" {
    for_each = toset(var.database_allowed_ips)
    content {
      ip          = ip_restrictions.value
      description = "keiko-${var.environment} cluster egress"
    }
  }
}

resource "ovh_cloud_project_database_database" "platform" {
  for_each = toset(["keiko_control", "keiko_legacy"])

  service_name = var.project_id
  engine       = "postgresql"
  cluster_id   = ovh_cloud_project_database.platform.id
  name         = each.key
}

resource "ovh_cloud_project_database_postgresql_user" "platform" {
  for_each = toset(["console", "api_gateway", "legacy_runtime", "outbox_relay", "data_sync"])

  service_name = var.project_id
  cluster_id   = ovh_cloud_project_database.platform.id
  name         = each.key
  roles        = []
}
