# A Kafka platform on Tessera, in plain HCL (OpenTofu or Terraform >= 1.0).
# Fits examples/inventory/lab.yaml: brokers k1-k3 sit in rack-a, which sees both storage groups.
#
#   export TESSERA_ENDPOINT=http://127.0.0.1:7420 TESSERA_TOKEN=...
#   tofu apply -var kafka_secret="$(cat kafka.secret)"
#
# The key policy's secret goes through the write-only attribute secret_wo from an ephemeral
# variable: it is in neither the state nor a saved plan (`tofu plan -out` then
# `tofu apply -var kafka_secret=... <plan>`; OpenTofu >= 1.11, Terraform >= 1.11). Bump
# kafka_secret_version with a new secret to rotate the key in place.
#
# Each broker gets a RAID1 ssd log volume mirrored across storage groups (sg_resiliency) and
# enclosures (jbod_resiliency), LUKS2-encrypted under the kafka key policy, and a slice volume
# (an SSD extent) for its cache tier that can grow in place.
terraform {
  required_providers {
    tessera = {
      source = "tessera/tessera"
    }
  }
}

variable "endpoint" {
  type        = string
  default     = null
  description = "Composer URL; null falls back to TESSERA_ENDPOINT."
}

variable "kafka_secret" {
  type        = string
  sensitive   = true
  ephemeral   = true
  description = "Customer secret the log volumes' LUKS keys derive from (>= 16 characters). Ephemeral: never stored in the state or a plan file."
}

variable "kafka_secret_version" {
  type        = number
  default     = 1
  description = "Bump it together with a new kafka_secret to rotate the key (the write-only secret is sent only when this changes)."
}

variable "brokers" {
  type    = list(string)
  default = ["k1", "k2", "k3"]
}

variable "attach" {
  type        = bool
  default     = true
  description = "Stage the volumes on the brokers (their agents must be running). false: compose only."
}

variable "log_size_gib" {
  type    = number
  default = 1000
}

variable "cache_type" {
  type    = string
  default = "slice"
}

variable "cache_size_gib" {
  type    = number
  default = 100
}

variable "cache_allow_data_loss" {
  type        = bool
  default     = false
  description = "Opt in to changes that replace the cache volumes (e.g. cache_type), which deletes their data first; plans refuse them otherwise."
}

variable "cache_size_overrides" {
  type        = map(number)
  default     = {}
  description = "Per-broker cache sizes, e.g. { k3 = 150 }: slices grow in place while the SSD extent after them is free."
}

provider "tessera" {
  endpoint = var.endpoint
}

resource "tessera_key_policy" "kafka" {
  name = "kafka-keys"
  # Write-only: sent to the provider, never stored. (The `secret` attribute also exists for
  # engines without write-only attributes, but it is PLAINTEXT in the state and in saved plans,
  # only marked sensitive: avoid it.)
  secret_wo         = var.kafka_secret
  secret_wo_version = var.kafka_secret_version
}

resource "tessera_cluster" "kafka" {
  name       = "kafka"
  servers    = var.brokers
  key_policy = tessera_key_policy.kafka.id
}

resource "tessera_volume" "log" {
  for_each = toset(var.brokers)

  cluster         = tessera_cluster.kafka.id
  name            = "log-${each.key}"
  type            = "ssd"
  size_gib        = var.log_size_gib
  redundancy      = true
  sg_resiliency   = true
  jbod_resiliency = true
  encrypt         = true
  key_policy      = tessera_key_policy.kafka.id
  required_tags   = ["nvme"]
  fs_type         = "xfs"
  server          = var.attach ? each.key : null
  mount_path      = var.attach ? "/srv/kafka/data" : null
}

resource "tessera_volume" "cache" {
  for_each = toset(var.brokers)

  cluster    = tessera_cluster.kafka.id
  name       = "cache-${each.key}"
  type       = var.cache_type
  size_gib   = lookup(var.cache_size_overrides, each.key, var.cache_size_gib)
  server     = var.attach ? each.key : null
  mount_path = var.attach ? "/srv/kafka/cache" : null

  allow_data_loss = var.cache_allow_data_loss
}

# Read after the volumes, so it reports what is left for the next mirrored volume.
data "tessera_capacity" "mirrored_ssd" {
  type       = "ssd"
  redundancy = true

  depends_on = [tessera_volume.log, tessera_volume.cache]
}

output "log_volumes" {
  value = { for b, v in tessera_volume.log : b => { id = v.id, raid = v.raid_level, members = [for m in v.members : "${m.storage_group}/${m.enclosure}/${m.serial}"] } }
}

output "cache_volumes" {
  value = { for b, v in tessera_volume.cache : b => { id = v.id, capacity_gib = v.capacity_gib } }
}

output "largest_mirrored_ssd_gib" {
  value = data.tessera_capacity.mirrored_ssd.maximum_volume_size_gib
}
