# Synthetic test policy: far too broad.
path "secret/*" {
  capabilities = ["create", "read", "update", "delete", "list", "sudo"]
}
