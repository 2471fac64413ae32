output "kube_id" {
  description = "Managed Kubernetes cluster id."
  value       = ovh_cloud_project_kube.cluster.id
}

output "kubeconfig" {
  description = "Admin kubeconfig of the cluster (register it in Argo CD as keiko-<environment>)."
  value       = ovh_cloud_project_kube.cluster.kubeconfig
  sensitive   = true
}

locals {
  domain_endpoints = {
    for name, db in ovh_cloud_project_database.domain :
    name => [for e in db.endpoints : e if e.component == "postgresql"][0]
  }
  platform_endpoint = [for e in ovh_cloud_project_database.platform.endpoints : e if e.component == "postgresql"][0]
}

output "database_urls" {
  description = "Per process, the DATABASE_URL of its Secret keiko-<process>-database (server URL; the process picks its database)."
  sensitive   = true
  value = merge(
    {
      for name, user in ovh_cloud_project_database_postgresql_user.domain :
      name => "postgresql://${user.name}:${urlencode(user.password)}@${local.domain_endpoints[name].domain}:${local.domain_endpoints[name].port}/keiko_${name}?sslmode=require"
    },
    {
      for name, user in ovh_cloud_project_database_postgresql_user.platform :
      name => "postgresql://${user.name}:${urlencode(user.password)}@${local.platform_endpoint.domain}:${local.platform_endpoint.port}/keiko_control?sslmode=require"
    },
  )
}
