//! Pack `source`: hard-coded credentials in any text file (source trees, host files).

pub mod ansible_vault_unencrypted;
pub mod dotenv_credential;
pub mod pattern_packs;
pub mod secret_file_permissions;
