//! Pack `references`: who produces and who consumes each Secret, per environment and namespace.

pub mod cnpg_role_secret;
pub mod dev_only_in_managed_env;
pub mod secret_key_missing;
pub mod secret_multiple_owners;
pub mod secret_ref_unresolved;
