//! Pack `vault`: Vault and OpenBao configuration and bootstrap safety.
//!
//! Server configs, ACL policies and Terraform are read with the span-keeping HCL parser
//! ([`crate::source::hcl`]); scripts, compose files, Dockerfiles, workflows and configs embedded
//! in YAML are read line by line, which is enough for command lines and `KEY=value` pairs.
//!
//! The `vault-live-*` rules have no static check ([`crate::rules::Scope::Live`]): only
//! `secretgate vault verify` reports them, against a running Vault ([`crate::vault`]).

pub mod vault_auto_unseal_in_prod;
pub mod vault_dev_server;
pub mod vault_live_missing_key;
pub mod vault_live_missing_property;
pub mod vault_live_orphan_key;
pub mod vault_live_placeholder;
pub mod vault_live_unverifiable;
pub mod vault_policy_overbroad;
pub mod vault_role_ttl;
pub mod vault_root_token_stored;
pub mod vault_tls_disabled;

use crate::discover::FileClass;
use crate::finding::Severity;
use crate::rules::{FileContext, Hits};
use crate::source::Span;
use crate::source::hcl::{self, Parsed};

/// Parses an HCL file for a vault rule; a syntax error becomes a `parse-error` hit. Every HCL rule
/// reports the same hit and the engine keeps one, so the error shows as long as any runs.
pub(crate) fn hcl_file(cx: &FileContext<'_>, hits: &mut Hits) -> Option<Parsed> {
    if cx.class != FileClass::Hcl {
        return None;
    }
    match hcl::parse(&cx.file.text, 0) {
        Ok(parsed) => Some(parsed),
        Err(e) => {
            let span = hcl::error_span(&cx.file.text, e.offset);
            hits.report_as(crate::rules::manifests::parse_error::ID, span, format!("cannot parse HCL: {}", e.message))
                .identity(format!("parse:{}", e.message))
                .help("fix the syntax; nothing in this file was checked");
            None
        }
    }
}

/// Documentation and prose: command lines there are examples, not things that run.
pub(crate) fn is_prose(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".md", ".markdown", ".rst", ".adoc", ".txt", ".html", ".org"].iter().any(|e| lower.ends_with(e))
}

/// Error where the strict checks apply, warning elsewhere.
pub(crate) fn env_severity(cx: &FileContext<'_>) -> Severity {
    if cx.env.managed { Severity::Error } else { Severity::Warning }
}

/// Whether the file belongs to a managed environment by its own path or config, not merely by
/// being shared with one (a shared file may be overridden by the environment's overlay).
pub(crate) fn in_managed_env(cx: &FileContext<'_>) -> bool {
    cx.env.managed && cx.env.envs.len() == 1
}

/// Lines of `text` with the byte offset each starts at (line terminators excluded).
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    text.split_inclusive('\n').map(move |raw| {
        let start = at;
        at += raw.len();
        (start, raw.trim_end_matches(['\n', '\r']))
    })
}

/// Whether a line is a comment in the shell/YAML/HCL/Dockerfile sense.
pub(crate) fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#') || t.starts_with("//")
}

/// A Vault duration in seconds: a bare integer (seconds) or a sequence such as `1h30m`, `768h`,
/// `7d` (Vault accepts `d`).
pub(crate) fn duration_secs(text: &str) -> Option<f64> {
    let t = text.trim().trim_matches(|c| c == '"' || c == '\'');
    if t.is_empty() {
        return None;
    }
    if let Ok(n) = t.parse::<f64>() {
        return Some(n);
    }
    let mut total = 0.0;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => return None,
        };
        total += n * factor;
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// Human form of a number of seconds for messages: `86400` → `24h`.
pub(crate) fn fmt_secs(secs: f64) -> String {
    let s = secs.round() as u64;
    match s {
        0 => "0".into(),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The host of an `http://…` URL is a loopback address (traffic never leaves the machine).
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    h == "localhost" || h.ends_with(".localhost") || h.starts_with("127.") || h == "::1" || h == "0.0.0.0"
}

/// The host part of what follows `http://` in `rest`, and its span relative to `rest`.
pub(crate) fn url_host(rest: &str) -> &str {
    let end =
        rest.find(|c: char| c == '/' || c.is_whitespace() || matches!(c, '"' | '\'' | '#' | '?')).unwrap_or(rest.len());
    let authority = &rest[..end];
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if authority.starts_with('[') {
        return authority.find(']').map_or(authority, |i| &authority[..=i]);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// A token (shell word, list item) with its byte span.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Token<'a> {
    pub text: &'a str,
    pub span: Span,
    /// Index of the line the token is on.
    pub line: usize,
}

/// Splits `text` into shell-ish words, dropping quotes, brackets, commas and comments, so that
/// `vault server -dev`, `["vault", "server", "-dev"]` and a YAML list of args read alike.
pub(crate) fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    for (line_idx, (start, line)) in lines(text).enumerate() {
        if is_comment(line) {
            continue;
        }
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let sep =
                |b: u8| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b',' | b'[' | b']' | b'(' | b')' | b';');
            while i < bytes.len() && sep(bytes[i]) {
                i += 1;
            }
            if i < bytes.len() && bytes[i] == b'#' {
                break;
            }
            let from = i;
            while i < bytes.len() && !sep(bytes[i]) {
                i += 1;
            }
            if i > from {
                out.push(Token { text: &line[from..i], span: Span::new(start + from, start + i), line: line_idx });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_secs("3600"), Some(3600.0));
        assert_eq!(duration_secs("\"1h30m\""), Some(5400.0));
        assert_eq!(duration_secs("768h"), Some(768.0 * 3600.0));
        assert_eq!(duration_secs("7d"), Some(7.0 * 86400.0));
        assert_eq!(duration_secs("30m"), Some(1800.0));
        assert_eq!(duration_secs("soon"), None);
        assert_eq!(fmt_secs(86400.0), "24h");
        assert_eq!(fmt_secs(1800.0), "30m");
    }

    #[test]
    fn hosts() {
        assert_eq!(url_host("vault.example.com:8200/v1"), "vault.example.com");
        assert_eq!(url_host("[::1]:8200"), "[::1]");
        assert_eq!(url_host("user@127.0.0.1:8200"), "127.0.0.1");
        assert!(is_loopback_host("[::1]"));
        assert!(is_loopback_host("127.0.0.1"));
        assert!(!is_loopback_host("vault"));
    }

    #[test]
    fn tokenizer_reads_lists_and_commands_alike() {
        let t: Vec<_> = tokens("command: [\"vault\", \"server\", \"-dev\"] # x\nargs:\n  - -dev\n")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(t, ["command:", "vault", "server", "-dev", "args:", "-", "-dev"]);
    }
}
