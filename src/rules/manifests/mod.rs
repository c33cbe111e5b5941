//! Pack `manifests`: checks that apply to any YAML/JSON document, raw or rendered.

pub mod configmap_credential;
pub mod credential_in_url;
pub mod env_literal_credential;
pub mod inline_secret_value;
pub mod parse_error;
pub mod placeholder_credential;
pub mod sealed_secret_forbidden;
pub mod secret_generator_literal;
