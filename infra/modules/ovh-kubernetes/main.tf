# OVHcloud Managed Kubernetes: one cluster per environment with two autoscaled node pools.
resource "ovh_cloud_project_kube" "cluster" {
  service_name  = var.project_id
  name          = "keiko-${var.environment}"
  region        = var.region
  version       = var.kubernetes_version
  update_policy = "MINIMAL_DOWNTIME"
}

resource "ovh_cloud_project_kube_nodepool" "system" {
  service_name  = var.project_id
  kube_id       = ovh_cloud_project_kube.cluster.id
  name          = "system"
  flavor_name   = var.system_pool.flavor
  desired_nodes = var.system_pool.min
  min_nodes     = var.system_pool.min
  max_nodes     = var.system_pool.max
  autoscale     = true
  anti_affinity = true

  template {
    metadata {
      labels      = { "keiko.io/pool" = "system" }
      annotations = {}
      finalizers  = []
    }
    spec {
      unschedulable = false
      # only what tolerates it (Argo CD, ingress, observability) lands here
      taints = [{ key = "keiko.io/pool", value = "system", effect = "PreferNoSchedule" }]
    }
  }
}

resource "ovh_cloud_project_kube_nodepool" "applications" {
  service_name  = var.project_id
  kube_id       = ovh_cloud_project_kube.cluster.id
  name          = "applications"
  flavor_name   = var.applications_pool.flavor
  desired_nodes = var.applications_pool.min
  min_nodes     = var.applications_pool.min
  max_nodes     = var.applications_pool.max
  autoscale     = true

  template {
    metadata {
      labels      = { "keiko.io/pool" = "applications" }
      annotations = {}
      finalizers  = []
    }
    spec {
      unschedulable = false
      taints        = []
    }
  }
}
