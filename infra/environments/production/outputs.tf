output "kubeconfig" {
  description = "Admin kubeconfig of this environment's cluster."
  value       = module.platform.kubeconfig
  sensitive   = true
}

output "database_urls" {
  description = "DATABASE_URL per process, for the keiko-<process>-database Secrets."
  value       = module.platform.database_urls
  sensitive   = true
}
