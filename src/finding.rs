//! The finding model shared by every rule and every reporter.
//!
//! A finding never holds secret material: rules hand the engine the *span* of a secret, the engine
//! derives what it needs (a keyed digest for the fingerprint, a mask in code frames) and the
//! value itself is dropped with the file.

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::source::{Position, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something the scan did not look at, or decided on the user's behalf, and why. Never silent:
/// every reporter shows these.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Notice {
    pub path: String,
    pub message: String,
}

/// A secondary location: the values line a rendered value came from, the other producer of a
/// Secret, and so on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Related {
    pub path: String,
    pub start: Position,
    pub end: Position,
    pub message: String,
}

/// Serialized for the render cache only; reports build their own shapes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// Relative to the scanned root, `/`-separated.
    pub path: String,
    /// The offending key or value.
    pub span: Span,
    pub start: Position,
    pub end: Position,
    /// Redaction-safe: built from keys, kinds and names only.
    pub message: String,
    pub help: Option<String>,
    /// Environments this file belongs to; empty when the repository defines none.
    pub envs: Vec<String>,
    pub fingerprint: String,
    /// The fingerprint without the path: what a baseline matches on (with the folder), so that
    /// a file renamed within its folder keeps its accepted findings.
    pub content: String,
    pub related: Vec<Related>,
    /// Byte ranges of secret material in this file; reporters mask them in code frames.
    pub secret_spans: Vec<Span>,
}

/// A finding as the render cache reads it back: the rule id is looked up in the registry, so
/// that it is the registry's own `&'static str` (an unknown id is an error).
#[derive(serde::Deserialize)]
struct Stored {
    rule: String,
    severity: Severity,
    path: String,
    span: Span,
    start: Position,
    end: Position,
    message: String,
    help: Option<String>,
    envs: Vec<String>,
    fingerprint: String,
    content: String,
    related: Vec<Related>,
    secret_spans: Vec<Span>,
}

impl<'de> serde::Deserialize<'de> for Finding {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Finding, D::Error> {
        use serde::de::Error as _;
        Finding::try_from(Stored::deserialize(d)?).map_err(D::Error::custom)
    }
}

impl TryFrom<Stored> for Finding {
    type Error = String;

    fn try_from(s: Stored) -> Result<Finding, String> {
        let rule = crate::rules::meta(&s.rule).map(|m| m.id).ok_or_else(|| format!("unknown rule {}", s.rule))?;
        Ok(Finding {
            rule,
            severity: s.severity,
            path: s.path,
            span: s.span,
            start: s.start,
            end: s.end,
            message: s.message,
            help: s.help,
            envs: s.envs,
            fingerprint: s.fingerprint,
            content: s.content,
            related: s.related,
            secret_spans: s.secret_spans,
        })
    }
}

impl Finding {
    /// Ordering contract: path, line, column, rule.
    pub fn sort_key(&self) -> (&str, usize, usize, &str) {
        (&self.path, self.start.line, self.start.column, self.rule)
    }
}

/// Computes content-based fingerprints.
///
/// The fingerprint covers the rule, the path, the object's identity (kind/namespace/name) and the
/// key path, so it survives line shifts. When a fingerprint key is configured, a keyed MAC of the
/// secret value is mixed in too, so that a *different* secret at the same place gets a new
/// fingerprint. Without a key the value is left out entirely: an unkeyed hash of a low-entropy
/// password can be brute-forced from the report, which is exactly what we promise not to allow.
#[derive(Clone, Default)]
pub struct Fingerprinter {
    key: Option<Vec<u8>>,
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fingerprinter").field("keyed", &self.key.is_some()).finish()
    }
}

impl Fingerprinter {
    pub fn new(key: Option<Vec<u8>>) -> Self {
        Fingerprinter { key: key.filter(|k| !k.is_empty()) }
    }

    pub fn is_keyed(&self) -> bool {
        self.key.is_some()
    }

    pub fn fingerprint(&self, rule: &str, path: &str, identity: &str, secret: Option<&[u8]>) -> String {
        let mut h = Sha256::new();
        for part in [b"sg1".as_slice(), rule.as_bytes(), path.as_bytes(), identity.as_bytes()] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        if let (Some(key), Some(secret)) = (&self.key, secret) {
            // HMAC accepts keys of any length, so this cannot fail.
            if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) {
                mac.update(secret);
                h.update(mac.finalize().into_bytes());
            }
        }
        let digest = h.finalize();
        let mut out = String::with_capacity(36);
        out.push_str("sg1:");
        for b in &digest[..16] {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_stable_and_value_free_without_key() {
        let fp = Fingerprinter::new(None);
        let a = fp.fingerprint("r", "p", "Secret/ns/x:stringData.password", Some(b"one"));
        let b = fp.fingerprint("r", "p", "Secret/ns/x:stringData.password", Some(b"two"));
        assert_eq!(a, b, "unkeyed fingerprints must not depend on the value");
        assert!(a.starts_with("sg1:") && a.len() == 36);
    }

    #[test]
    fn keyed_fingerprint_tracks_the_value() {
        let fp = Fingerprinter::new(Some(b"k".to_vec()));
        let a = fp.fingerprint("r", "p", "id", Some(b"one"));
        let b = fp.fingerprint("r", "p", "id", Some(b"two"));
        assert_ne!(a, b);
        assert_eq!(a, fp.fingerprint("r", "p", "id", Some(b"one")));
    }

    #[test]
    fn severity_orders_by_strictness() {
        assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Note);
    }
}
