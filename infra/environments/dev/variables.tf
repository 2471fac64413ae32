variable "project_id" {
  description = "OVHcloud Public Cloud project of this environment."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{32}$", var.project_id))
    error_message = "project_id must be the 32 hexadecimal characters of an OVHcloud Public Cloud project."
  }
}

variable "region" {
  description = "Managed Kubernetes region."
  type        = string
  default     = "GRA7"

  validation {
    condition     = contains(["GRA7", "GRA9", "SBG5", "BHS5", "DE1", "UK1", "WAW1"], var.region)
    error_message = "region must be an OVHcloud Managed Kubernetes region (GRA7, GRA9, SBG5, BHS5, DE1, UK1, WAW1)."
  }
}

variable "database_region" {
  description = "Managed Databases region."
  type        = string
  default     = "GRA"

  validation {
    condition     = contains(["GRA", "SBG", "BHS", "DE", "UK", "WAW"], var.database_region)
    error_message = "database_region must be GRA, SBG, BHS, DE, UK or WAW."
  }
}

variable "cluster_egress_cidrs" {
  description = "The cluster's egress addresses, the only ones the databases accept."
  type        = list(string)

  validation {
    condition     = length(var.cluster_egress_cidrs) > 0 && alltrue([for ip in var.cluster_egress_cidrs : can(cidrhost(ip, 0)) && ip != "0.0.0.0/0"])
    error_message = "cluster_egress_cidrs must list at least one CIDR, and never 0.0.0.0/0."
  }
}
