//! Authentication for `vault verify`: a token (environment, file or stdin, never a flag value),
//! AppRole (plain or response-wrapped secret id) or Kubernetes auth; then `lookup-self` and the
//! root-token refusal.
//!
//! The only `POST`s are here: `auth/<mount>/login` and `sys/wrapping/unwrap`. Credentials stay in
//! [`Secret`]s; answers holding them are wiped as soon as the token is taken out.

use std::path::{Path, PathBuf};

use super::client::{AuthCall, Client, Secret};
use super::{VerifyError, wipe};

/// The in-cluster service account token, Kubernetes auth's default JWT.
pub const IN_CLUSTER_JWT: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/// Where the credentials come from, chosen from flags and environment by [`AuthSource::resolve`].
#[derive(Debug)]
pub enum AuthSource {
    Token(Secret),
    AppRole { role_id: Secret, secret_id_file: PathBuf, mount: String },
    Kubernetes { role: String, jwt_file: PathBuf, mount: String },
}

/// The auth-related flags.
#[derive(Debug, Default, Clone)]
pub struct AuthFlags {
    pub token_file: Option<PathBuf>,
    pub token_stdin: bool,
    pub k8s_role: Option<String>,
    /// Mount of the AppRole or Kubernetes auth method (default `approle` / `kubernetes`).
    pub auth_mount: Option<String>,
}

impl AuthSource {
    /// Order: `--token-file`, `--token-stdin`, `--k8s-role`, `VAULT_ROLE_ID`, `VAULT_TOKEN`.
    pub fn resolve(flags: &AuthFlags, env: &dyn Fn(&str) -> Option<String>) -> Result<AuthSource, VerifyError> {
        if let Some(f) = &flags.token_file {
            return Ok(AuthSource::Token(read_secret(f, "--token-file")?));
        }
        if flags.token_stdin {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text)
                .map_err(|e| VerifyError::Usage(format!("cannot read the token from stdin: {e}")))?;
            let t = Secret::new(text);
            if t.is_empty() {
                return Err(VerifyError::Usage("--token-stdin: stdin is empty".into()));
            }
            return Ok(AuthSource::Token(t));
        }
        if let Some(role) = &flags.k8s_role {
            let jwt_file = env("VAULT_K8S_JWT_FILE").map_or_else(|| PathBuf::from(IN_CLUSTER_JWT), PathBuf::from);
            let mount = flags.auth_mount.clone().unwrap_or_else(|| "kubernetes".into());
            return Ok(AuthSource::Kubernetes { role: role.clone(), jwt_file, mount });
        }
        if let Some(role_id) = env("VAULT_ROLE_ID").filter(|r| !r.trim().is_empty()) {
            let Some(file) = env("VAULT_SECRET_ID_FILE").filter(|f| !f.is_empty()) else {
                return Err(VerifyError::Usage("VAULT_ROLE_ID is set but VAULT_SECRET_ID_FILE is not".into()));
            };
            let mount = flags.auth_mount.clone().unwrap_or_else(|| "approle".into());
            return Ok(AuthSource::AppRole { role_id: Secret::new(role_id), secret_id_file: file.into(), mount });
        }
        if let Some(t) = env("VAULT_TOKEN").map(Secret::new).filter(|t| !t.is_empty()) {
            return Ok(AuthSource::Token(t));
        }
        Err(VerifyError::Usage(
            "no Vault credentials: set VAULT_TOKEN, use --token-file FILE or --token-stdin, AppRole \
             (VAULT_ROLE_ID + VAULT_SECRET_ID_FILE) or Kubernetes auth (--k8s-role)"
                .into(),
        ))
    }

    pub fn method(&self) -> &'static str {
        match self {
            AuthSource::Token(_) => "token",
            AuthSource::AppRole { .. } => "approle",
            AuthSource::Kubernetes { .. } => "kubernetes",
        }
    }
}

fn read_secret(path: &Path, what: &str) -> Result<Secret, VerifyError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| VerifyError::Usage(format!("{what} {}: cannot read: {}", path.display(), e.kind())))?;
    let s = Secret::new(text);
    if s.is_empty() {
        return Err(VerifyError::Usage(format!("{what} {} is empty", path.display())));
    }
    Ok(s)
}

/// Logs in (when the source is not a plain token) and sets the client's token.
pub fn login(client: &mut Client, source: AuthSource) -> Result<(), VerifyError> {
    let token = match source {
        AuthSource::Token(t) => t,
        AuthSource::AppRole { role_id, secret_id_file, mount } => {
            let raw = read_secret(&secret_id_file, "VAULT_SECRET_ID_FILE")?;
            let secret_id = match wrapping_token(&raw) {
                Some(wrap) => unwrap_secret_id(client, &wrap)?,
                None => raw,
            };
            let body = serde_json::json!({"role_id": role_id.expose(), "secret_id": secret_id.expose()});
            auth_login(client, &AuthCall::Login { mount }, body, "AppRole")?
        }
        AuthSource::Kubernetes { role, jwt_file, mount } => {
            let jwt = read_secret(&jwt_file, "the Kubernetes service account token")?;
            let body = serde_json::json!({"role": role, "jwt": jwt.expose()});
            auth_login(client, &AuthCall::Login { mount }, body, "Kubernetes")?
        }
    };
    client.set_token(token);
    Ok(())
}

/// A response-wrapping token in a secret id file: the JSON `-wrap-ttl` output
/// (`wrap_info.token`), or anything that is not a plain secret id (a UUID).
fn wrapping_token(raw: &Secret) -> Option<Secret> {
    let text = raw.expose();
    if text.starts_with('{') {
        let mut v: serde_json::Value = serde_json::from_str(text).ok()?;
        let t = v.pointer("/wrap_info/token").and_then(|t| t.as_str()).map(|t| Secret::new(t.to_string()));
        wipe(&mut v);
        return t;
    }
    (!is_uuid(text)).then(|| raw.clone())
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
}

fn unwrap_secret_id(client: &Client, wrap: &Secret) -> Result<Secret, VerifyError> {
    let resp = client.auth_post(&AuthCall::Unwrap, &serde_json::json!({}), Some(wrap)).map_err(VerifyError::from)?;
    let status = resp.status;
    let Some(mut json) = resp.json else {
        return Err(VerifyError::Unusable(format!("unwrapping the AppRole secret id failed (HTTP {status})")));
    };
    let id = json.pointer("/data/secret_id").and_then(|v| v.as_str()).map(|s| Secret::new(s.to_string()));
    wipe(&mut json);
    match (status, id) {
        (200, Some(id)) => Ok(id),
        _ => Err(VerifyError::Unusable(format!(
            "unwrapping the AppRole secret id was refused (HTTP {status}); a wrapping token works once and expires"
        ))),
    }
}

fn auth_login(
    client: &Client,
    call: &AuthCall,
    mut body: serde_json::Value,
    what: &str,
) -> Result<Secret, VerifyError> {
    let resp = client.auth_post(call, &body, None);
    wipe(&mut body);
    let resp = resp.map_err(VerifyError::from)?;
    let status = resp.status;
    let mut json = resp.json.unwrap_or_default();
    let token = json.pointer("/auth/client_token").and_then(|v| v.as_str()).map(|s| Secret::new(s.to_string()));
    // Vault's error texts (`invalid role or secret ID`, `namespace not authorized`) hold no secret.
    let reason = errors_of(&json);
    wipe(&mut json);
    match (status, token) {
        (200, Some(t)) if !t.is_empty() => Ok(t),
        _ => Err(VerifyError::Unusable(format!("{what} login refused (HTTP {status}){reason}"))),
    }
}

/// `: <first error>` from a Vault error answer, or nothing.
pub(crate) fn errors_of(json: &serde_json::Value) -> String {
    json.get("errors")
        .and_then(|e| e.as_array())
        .and_then(|a| a.first())
        .and_then(|e| e.as_str())
        .map(|e| format!(": {}", e.lines().next().unwrap_or("").chars().take(200).collect::<String>()))
        .unwrap_or_default()
}

/// What `auth/token/lookup-self` says about the token.
#[derive(Debug)]
pub struct TokenInfo {
    pub policies: Vec<String>,
}

impl TokenInfo {
    pub fn is_root(&self) -> bool {
        self.policies.iter().any(|p| p == "root")
    }
}

pub fn lookup_self(client: &Client) -> Result<TokenInfo, VerifyError> {
    let resp = client.get("auth/token/lookup-self").map_err(VerifyError::from)?;
    let status = resp.status;
    let mut json = resp.json.unwrap_or_default();
    let policies: Vec<String> = json
        .pointer("/data/policies")
        .and_then(|p| p.as_array())
        .map(|a| a.iter().filter_map(|p| p.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let reason = errors_of(&json);
    // The answer repeats the token's id: wipe it.
    wipe(&mut json);
    if status != 200 {
        return Err(VerifyError::Unusable(format!(
            "the Vault token was refused by auth/token/lookup-self (HTTP {status}){reason}"
        )));
    }
    Ok(TokenInfo { policies })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn resolves_sources_in_order() {
        let f = AuthFlags::default();
        assert!(matches!(AuthSource::resolve(&f, &env_of(&[("VAULT_TOKEN", "t")])), Ok(AuthSource::Token(_))));
        let both = env_of(&[("VAULT_TOKEN", "t"), ("VAULT_ROLE_ID", "r"), ("VAULT_SECRET_ID_FILE", "/x")]);
        assert!(matches!(AuthSource::resolve(&f, &both), Ok(AuthSource::AppRole { .. })));
        let k = AuthFlags { k8s_role: Some("linter".into()), ..AuthFlags::default() };
        match AuthSource::resolve(&k, &both) {
            Ok(AuthSource::Kubernetes { jwt_file, mount, .. }) => {
                assert_eq!(jwt_file, PathBuf::from(IN_CLUSTER_JWT));
                assert_eq!(mount, "kubernetes");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(AuthSource::resolve(&f, &env_of(&[])), Err(VerifyError::Usage(_))));
        assert!(matches!(AuthSource::resolve(&f, &env_of(&[("VAULT_ROLE_ID", "r")])), Err(VerifyError::Usage(_))));
    }

    #[test]
    fn detects_wrapped_secret_ids() {
        assert!(wrapping_token(&Secret::new("6f1c8a9e-1b2c-4d3e-8f9a-0b1c2d3e4f5a".into())).is_none());
        assert!(wrapping_token(&Secret::new("s.wrappingtoken123".into())).is_some());
        let json = Secret::new(r#"{"wrap_info":{"token":"s.abc","ttl":60}}"#.into());
        assert_eq!(wrapping_token(&json).map(|s| s.expose().to_string()).as_deref(), Some("s.abc"));
    }
}
