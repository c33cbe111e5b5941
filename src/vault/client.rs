//! A small, read-only Vault/OpenBao HTTP client.
//!
//! Every request to a secret or system path is a `GET` (a LIST is `GET …?list=true`, which Vault
//! treats exactly like the `LIST` verb). The only other requests are the two authentication steps
//! in [`AuthCall`]: an auth method's `login` and `sys/wrapping/unwrap`, both `POST`s, and the type
//! makes it impossible to send a `POST` anywhere else.
//!
//! Tokens live in [`Secret`] (zeroized on drop, redacted in `Debug`); response bodies are read
//! into zeroizing buffers and parsed in memory. Nothing here logs a body or a header.

use std::io::Read;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use zeroize::{Zeroize, Zeroizing};

/// Secret text (a token, a secret id, a JWT): wiped from memory on drop, never printed.
#[derive(Clone, Default)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Takes `text` (trimmed of surrounding whitespace; the original buffer is wiped).
    pub fn new(mut text: String) -> Self {
        let s = text.trim().to_string();
        text.zeroize();
        Secret(Zeroizing::new(s))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(«redacted»)")
    }
}

/// The only non-`GET` requests the client can send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthCall {
    /// `POST auth/<mount>/login` (AppRole, Kubernetes).
    Login { mount: String },
    /// `POST sys/wrapping/unwrap` with the wrapping token as the request token.
    Unwrap,
}

impl AuthCall {
    fn path(&self) -> String {
        match self {
            AuthCall::Login { mount } => format!("auth/{}/login", mount.trim_matches('/')),
            AuthCall::Unwrap => "sys/wrapping/unwrap".into(),
        }
    }
}

/// Transport settings: `VAULT_ADDR`, `VAULT_NAMESPACE`, TLS, timeouts, retries.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub addr: String,
    pub namespace: Option<String>,
    /// PEM certificates to trust instead of the built-in roots (`VAULT_CACERT`, `VAULT_CAPATH`).
    pub ca_pem: Vec<Vec<u8>>,
    pub skip_verify: bool,
    pub timeout: Duration,
    /// Retries after the first attempt, on connection errors and 5xx answers.
    pub retries: u32,
    pub backoff: Duration,
    /// Log every request (method, path, status, time) to stderr.
    pub verbose: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            addr: "http://127.0.0.1:8200".into(),
            namespace: None,
            ca_pem: Vec::new(),
            skip_verify: false,
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(100),
            verbose: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No answer: connection refused, DNS, TLS, timeout (after the retries).
    #[error("cannot reach Vault at {addr}: {reason}")]
    Unreachable { addr: String, reason: String },
    #[error("invalid TLS configuration: {0}")]
    Tls(String),
    #[error("Vault answered {path} with an unreadable body")]
    Body { path: String },
}

/// An answer: its status and, for a JSON body, the parsed document. The raw bytes were in a
/// zeroizing buffer and are gone; `json` may hold secret values and is the caller's to drop.
pub struct Response {
    pub status: u16,
    pub json: Option<serde_json::Value>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response").field("status", &self.status).field("json", &"«redacted»").finish()
    }
}

/// One request as sent, for the verbose log and for tests: method and path only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub method: &'static str,
    pub path: String,
    pub status: Option<u16>,
}

pub struct Client {
    agent: ureq::Agent,
    cfg: ClientConfig,
    base: String,
    token: Option<Secret>,
    /// Every request sent, in order.
    log: Mutex<Vec<Sent>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("addr", &self.cfg.addr)
            .field("token", &self.token.as_ref().map(|_| "«redacted»"))
            .finish()
    }
}

/// Largest body read (a LIST of a big folder stays far below).
const MAX_BODY: u64 = 64 << 20;

impl Client {
    pub fn new(cfg: ClientConfig) -> Result<Client, ClientError> {
        use ureq::tls::{Certificate, RootCerts, TlsConfig};
        let mut tls = TlsConfig::builder();
        if cfg.skip_verify {
            tls = tls.disable_verification(true);
        } else if !cfg.ca_pem.is_empty() {
            let mut certs = Vec::new();
            for pem in &cfg.ca_pem {
                for item in ureq::tls::parse_pem(pem) {
                    match item {
                        Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
                        Ok(_) => {}
                        Err(e) => return Err(ClientError::Tls(e.to_string())),
                    }
                }
            }
            if certs.is_empty() {
                return Err(ClientError::Tls("VAULT_CACERT/VAULT_CAPATH hold no PEM certificate".into()));
            }
            let certs: Vec<Certificate<'static>> = certs;
            tls = tls.root_certs(RootCerts::new_with_certs(&certs));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls.build())
            .timeout_global(Some(cfg.timeout))
            .timeout_connect(Some(cfg.timeout.min(Duration::from_secs(10))))
            .max_redirects(0)
            .max_idle_connections_per_host(32)
            .user_agent(concat!("secretgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let base = format!("{}/v1/", cfg.addr.trim_end_matches('/'));
        Ok(Client { agent, cfg, base, token: None, log: Mutex::new(Vec::new()) })
    }

    pub fn addr(&self) -> &str {
        &self.cfg.addr
    }

    pub fn set_token(&mut self, token: Secret) {
        self.token = Some(token);
    }

    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// Every request sent so far (method and path; no header, no body).
    pub fn sent(&self) -> Vec<Sent> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// `GET <path>` (path relative to `/v1/`, already escaped), with retries.
    pub fn get(&self, path: &str) -> Result<Response, ClientError> {
        self.send("GET", path, || {
            let mut req = self.agent.get(format!("{}{}", self.base, path));
            if let Some(t) = &self.token {
                req = req.header("X-Vault-Token", t.expose());
            }
            if let Some(ns) = &self.cfg.namespace {
                req = req.header("X-Vault-Namespace", ns.as_str());
            }
            req.call()
        })
    }

    /// `LIST <path>`, sent as `GET <path>?list=true`.
    pub fn list(&self, path: &str) -> Result<Response, ClientError> {
        let p = format!("{}?list=true", path.trim_end_matches('/').to_string() + "/");
        self.get(&p)
    }

    /// One of the two authentication `POST`s, with `body` (a JSON object holding credentials) and
    /// an optional request token (the wrapping token for an unwrap). Not retried on a 4xx.
    pub fn auth_post(
        &self,
        call: &AuthCall,
        body: &serde_json::Value,
        token: Option<&Secret>,
    ) -> Result<Response, ClientError> {
        let path = call.path();
        let payload = Zeroizing::new(serde_json::to_vec(body).unwrap_or_default());
        self.send("POST", &path, || {
            let mut req = self.agent.post(format!("{}{}", self.base, path)).header("Content-Type", "application/json");
            if let Some(t) = token {
                req = req.header("X-Vault-Token", t.expose());
            }
            if let Some(ns) = &self.cfg.namespace {
                req = req.header("X-Vault-Namespace", ns.as_str());
            }
            req.send(payload.as_slice())
        })
    }

    fn send(
        &self,
        method: &'static str,
        path: &str,
        call: impl Fn() -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Response, ClientError> {
        let mut attempt = 0;
        loop {
            let started = Instant::now();
            let outcome = call();
            let status = outcome.as_ref().ok().map(|r| r.status().as_u16());
            self.record(method, path, status, started.elapsed());
            let retry = match &outcome {
                Ok(r) => {
                    let s = r.status().as_u16();
                    // 501 (not initialised) and 503 (sealed) are answers, not glitches.
                    s >= 500 && s != 501 && s != 503
                }
                Err(_) => true,
            };
            if retry && attempt < self.cfg.retries {
                std::thread::sleep(self.cfg.backoff * 2u32.saturating_pow(attempt));
                attempt += 1;
                continue;
            }
            return match outcome {
                Ok(resp) => self.read(path, resp),
                Err(e) => Err(ClientError::Unreachable { addr: self.cfg.addr.clone(), reason: describe(&e) }),
            };
        }
    }

    fn read(&self, path: &str, resp: ureq::http::Response<ureq::Body>) -> Result<Response, ClientError> {
        let status = resp.status().as_u16();
        let mut buf = Zeroizing::new(Vec::new());
        let mut reader = resp.into_body().into_with_config().limit(MAX_BODY).reader();
        reader.read_to_end(&mut buf).map_err(|_| ClientError::Body { path: path.to_string() })?;
        let json = if buf.iter().all(u8::is_ascii_whitespace) { None } else { serde_json::from_slice(&buf).ok() };
        Ok(Response { status, json })
    }

    fn record(&self, method: &'static str, path: &str, status: Option<u16>, took: Duration) {
        // The query string is ours (`list=true`); the path holds key names, never values.
        let path = path.to_string();
        if self.cfg.verbose {
            let st = status.map_or_else(|| "no answer".to_string(), |s| s.to_string());
            eprintln!("vault: {method} /v1/{path} -> {st} ({} ms)", took.as_millis());
        }
        if let Ok(mut l) = self.log.lock() {
            l.push(Sent { method, path, status });
        }
    }
}

/// A transport error in words, without any header or body.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
            std::io::ErrorKind::TimedOut => "timed out".into(),
            k => format!("I/O error ({k})"),
        },
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        other => {
            // ureq's own messages name the URL at most; keep them, they carry no credentials.
            let s = other.to_string();
            if s.to_ascii_lowercase().contains("token") { "request failed".into() } else { s }
        }
    }
}

/// Escapes a Vault key for a URL path, segment by segment (`/` stays a separator).
pub fn escape_path(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("  s.abcdef-token\n".into());
        assert_eq!(s.expose(), "s.abcdef-token");
        assert!(!format!("{s:?}").contains("abcdef"));
        let mut c = Client::new(ClientConfig::default()).unwrap();
        c.set_token(s);
        assert!(!format!("{c:?}").contains("abcdef"));
        let r = Response { status: 200, json: Some(serde_json::json!({"data": {"value": "hunter2"}})) };
        assert!(!format!("{r:?}").contains("hunter2"));
    }

    #[test]
    fn auth_calls_have_fixed_paths() {
        assert_eq!(AuthCall::Login { mount: "/approle/".into() }.path(), "auth/approle/login");
        assert_eq!(AuthCall::Unwrap.path(), "sys/wrapping/unwrap");
    }

    #[test]
    fn escapes_keys() {
        assert_eq!(escape_path("platform/dev/a b"), "platform/dev/a%20b");
        assert_eq!(escape_path("GHCR_TOKEN"), "GHCR_TOKEN");
        assert_eq!(escape_path("a?b#c"), "a%3Fb%23c");
    }

    #[test]
    fn refused_connection_is_unreachable_after_retries() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cfg = ClientConfig {
            addr: format!("http://127.0.0.1:{port}"),
            retries: 2,
            backoff: Duration::from_millis(1),
            ..ClientConfig::default()
        };
        let c = Client::new(cfg).unwrap();
        assert!(matches!(c.get("sys/health"), Err(ClientError::Unreachable { .. })));
        assert_eq!(c.sent().len(), 3, "one attempt and two retries");
    }
}
