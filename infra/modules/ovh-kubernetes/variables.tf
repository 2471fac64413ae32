variable "project_id" {
  description = "OVHcloud Public Cloud project (service name) that holds the cluster and the databases."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{32}$", var.project_id))
    error_message = "project_id must be the 32 hexadecimal characters of an OVHcloud Public Cloud project."
  }
}

variable "environment" {
  description = "dev, staging or production: names the cluster, the node pools' labels and the databases."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "production"], var.environment)
    error_message = "environment must be dev, staging or production."
  }
}

variable "region" {
  description = "Managed Kubernetes region, e.g. GRA7."
  type        = string
  default     = "GRA7"

  validation {
    condition     = can(regex("^[A-Z]{3,4}[0-9]*$", var.region))
    error_message = "region must be an OVHcloud region code such as GRA7 or SBG5."
  }
}

variable "database_region" {
  description = "Managed Databases region, e.g. GRA (databases use regions without a number)."
  type        = string
  default     = "GRA"

  validation {
    condition     = can(regex("^[A-Z]{3,4}$", var.database_region))
    error_message = "database_region must be a region code such as GRA or SBG."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the managed cluster."
  type        = string
  default     = "1.31"

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.31."
  }
}

variable "system_pool" {
  description = "The system node pool (Argo CD, ingress, observability): b2-7, 3 to 5 nodes."
  type = object({
    flavor = string
    min    = number
    max    = number
  })
  default = { flavor = "b2-7", min = 3, max = 5 }

  validation {
    condition     = var.system_pool.min >= 3 && var.system_pool.max <= 5 && var.system_pool.min <= var.system_pool.max
    error_message = "system_pool must keep 3 <= min <= max <= 5."
  }
}

variable "applications_pool" {
  description = "The applications node pool (the Keiko processes): b2-15, 3 to 10 nodes."
  type = object({
    flavor = string
    min    = number
    max    = number
  })
  default = { flavor = "b2-15", min = 3, max = 10 }

  validation {
    condition     = var.applications_pool.min >= 3 && var.applications_pool.max <= 10 && var.applications_pool.min <= var.applications_pool.max
    error_message = "applications_pool must keep 3 <= min <= max <= 10."
  }
}

variable "database_flavor" {
  description = "Managed PostgreSQL node flavor (business plan: two nodes each)."
  type        = string
  default     = "db1-7"

  validation {
    condition     = can(regex("^db1-(4|7|15|30|60|120)$", var.database_flavor))
    error_message = "database_flavor must be a db1-* flavor such as db1-7."
  }
}

variable "database_allowed_ips" {
  description = "CIDRs allowed to reach the databases: the cluster's egress addresses (and nothing else)."
  type        = list(string)

  validation {
    condition     = length(var.database_allowed_ips) > 0 && alltrue([for ip in var.database_allowed_ips : can(cidrhost(ip, 0)) && ip != "0.0.0.0/0"])
    error_message = "database_allowed_ips must list at least one CIDR, and never 0.0.0.0/0."
  }
}
