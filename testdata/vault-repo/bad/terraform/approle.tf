resource "vault_approle_auth_backend_role" "agent" {
  backend        = "approle"
  role_name      = "troubleshooting-agent"
  token_policies = ["troubleshooting-agent"]
  token_ttl      = 86400
  token_max_ttl  = 2592000
  secret_id_ttl  = 0
}
