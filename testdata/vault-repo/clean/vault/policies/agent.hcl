path "secret/data/troubleshooting-agent/*" {
  capabilities = ["read"]
}

path "secret/metadata/troubleshooting-agent/*" {
  capabilities = ["read", "list"]
}
