resource "vault_approle_auth_backend_role" "agent" {
  backend            = "approle"
  role_name          = "troubleshooting-agent"
  token_policies     = ["troubleshooting-agent"]
  token_ttl          = 1800
  token_max_ttl      = 28800
  secret_id_ttl      = 604800
  secret_id_num_uses = 1
}
