//! Declarative rule packs (`rules/*.yaml`): provider token formats and credential assignments as
//! data (keywords, a regex, entropy and other randomness checks, allowlists, examples), embedded in
//! the binary and extendable from disk with `rule-packs:` in the config.
//!
//! A scan prefilters the text with one search for every rule's keywords (see [`super::keywords`])
//! and runs only the regexes of rules whose keywords occur, so most files cost one linear pass.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, LazyLock, OnceLock, RwLock};

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use super::keywords::KeywordFinder;
use super::values::{self, Policy};
use super::{Pack, RuleMeta};
use crate::finding::Severity;
use crate::source::{SourceFile, Span, de, yaml};

/// The built-in packs, in catalogue order: when two rules flag the same secret the earlier one
/// wins, so the specific formats come first and the catch-all assignment rule last.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("rules/cloud.yaml", include_str!("../../rules/cloud.yaml")),
    ("rules/vcs-ci.yaml", include_str!("../../rules/vcs-ci.yaml")),
    ("rules/saas.yaml", include_str!("../../rules/saas.yaml")),
    ("rules/vault.yaml", include_str!("../../rules/vault.yaml")),
    ("rules/keys.yaml", include_str!("../../rules/keys.yaml")),
    ("rules/generic.yaml", include_str!("../../rules/generic.yaml")),
];

/// Pattern sizes stay small so that a user pack cannot make every scan slow.
const REGEX_SIZE_LIMIT: usize = 4 * 1024 * 1024;

/// Substrings (lowercase) that mark documentation placeholders rather than live credentials. A
/// random token contains one of them with negligible probability.
const PLACEHOLDER_MARKERS: &[&str] = &[
    "example",
    "xxxxx",
    "*****",
    "…",
    "...",
    "0123456",
    "1234567",
    "abcdefgh",
    "placeholder",
    "redacted",
    "changeme",
    "{{",
    "${",
    "<",
    ">",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPack {
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRule {
    id: String,
    #[serde(default = "default_pack")]
    pack: PackName,
    #[serde(default = "default_severity")]
    severity: Severity,
    /// Noun phrase for messages ("GitHub token"); never the secret.
    name: String,
    summary: String,
    docs: String,
    keywords: Vec<String>,
    regex: String,
    /// The regex is run only on the lines that hold one of the keywords. Only for a regex whose
    /// matches never cross a line break and always contain a keyword (ASCII case aside): then
    /// it finds exactly what a search of the whole file finds, without reading most of it.
    #[serde(default)]
    line_scoped: bool,
    #[serde(default)]
    entropy: Option<f64>,
    #[serde(default)]
    checks: Vec<Check>,
    #[serde(default)]
    allowlist: RawAllowlist,
    #[serde(default)]
    examples: Examples,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum PackName {
    Source,
    Vault,
}

fn default_pack() -> PackName {
    PackName::Source
}

fn default_severity() -> Severity {
    Severity::Error
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
struct RawAllowlist {
    /// Regexes matched against the secret.
    regexes: Vec<String>,
    /// The secret (lowercased) contains one of these → not a finding.
    stopwords: Vec<String>,
    /// Regexes matched against the text of the `key` group, when the rule has one.
    keys: Vec<String>,
    /// Path globs where the rule does not run.
    paths: Vec<String>,
}

/// True-positive examples (with generator placeholders such as `ghp_{alnum:36}` and the expected
/// secret between `«` and `»`) and literal false-positive examples; CI runs both.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Examples {
    pub tp: Vec<String>,
    pub fp: Vec<String>,
}

/// Randomness and shape tests on the secret, beyond the regex and the entropy floor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// The `key` group names a credential (the config's `credential-keys` included) and is not
    /// reference-shaped (`existingSecret`, `*_FILE`).
    CredentialKey,
    /// The value is a literal: not a template, substitution, reference, path, URL, code
    /// expression, known placeholder or a plain word.
    PlainValue,
    /// Contains an ASCII digit.
    HasDigit,
    /// Contains an uppercase letter, a lowercase letter and a digit.
    MixedCaseDigit,
    /// A JWT whose header decodes to JSON with an `alg`.
    Jwt,
    /// Base64 of `user:password` with a literal password (Docker `auth`, HTTP basic auth).
    BasicAuth,
}

/// One compiled pack rule.
pub struct PatternRule {
    pub meta: &'static RuleMeta,
    pub name: &'static str,
    pattern: String,
    /// Compiled on first use: a scan only compiles the rules whose keywords occur, which keeps the
    /// start-up cost of 88 large regexes off small runs. Packs are validated when loaded.
    compiled: OnceLock<Option<Compiled>>,
    pub entropy: Option<f64>,
    pub checks: Vec<Check>,
    allow_regexes: Vec<Regex>,
    stopwords: Vec<String>,
    allow_keys: Vec<Regex>,
    allow_paths: GlobSet,
    pub keywords: Vec<String>,
    /// Searched only on lines with a keyword (see the pack field `line-scoped`).
    pub line_scoped: bool,
    pub examples: Examples,
}

/// A rule's regex with the capture groups that matter.
struct Compiled {
    regex: Regex,
    /// Capture indexes that may hold the secret, in order; the first that participates wins.
    secret_groups: Vec<usize>,
    key_group: Option<usize>,
}

impl Compiled {
    fn new(pattern: &str) -> Result<Compiled, String> {
        let regex = RegexBuilder::new(&ascii_word_boundaries(pattern))
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| format!("bad regex: {e}"))?;
        let names: Vec<(usize, &str)> =
            regex.capture_names().enumerate().filter_map(|(i, n)| n.map(|n| (i, n))).collect();
        let mut secret_groups: Vec<usize> =
            names.iter().filter(|(_, n)| n.starts_with("secret")).map(|(i, _)| *i).collect();
        if secret_groups.is_empty() {
            if regex.captures_len() < 2 {
                return Err("the regex needs a capture group for the secret (named `secret`, or group 1)".into());
            }
            secret_groups.push(1);
        }
        let key_group = names.iter().find(|(_, n)| *n == "key").map(|(i, _)| *i);
        Ok(Compiled { regex, secret_groups, key_group })
    }
}

/// `\b` and `\B` as ASCII word boundaries, as in RE2 (where gitleaks-style patterns come
/// from). A Unicode boundary stops the regex crate's lazy DFA at the first non-ASCII byte and
/// falls back to a far slower engine for the whole file; the two differ only next to non-ASCII
/// letters.
fn ascii_word_boundaries(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(b @ ('b' | 'B')) => {
                out.push_str("(?-u:\\");
                out.push(b);
                out.push(')');
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// What a scan found: the rule, the secret, and the key that names it when the rule captures one.
#[derive(Clone, Copy)]
pub struct PackMatch<'a> {
    pub rule: &'a PatternRule,
    pub secret: Span,
    pub key: Option<Span>,
}

/// A compiled set of pack rules with their keyword prefilter.
pub struct PackSet {
    pub rules: Vec<PatternRule>,
    prefilter: Option<KeywordFinder>,
    /// Keyword pattern index → rules that list it.
    by_keyword: Vec<Vec<usize>>,
    /// Some rule is line-scoped: the prefilter then reads the whole text to find its lines.
    any_line_scoped: bool,
}

impl std::fmt::Debug for PackSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackSet").field("rules", &self.rules.len()).finish()
    }
}

/// A pack that does not load, with the position of the offending node in the pack file.
#[derive(Debug)]
pub struct PackError {
    pub path: String,
    pub text: String,
    pub message: String,
    pub span: Span,
}

impl PackSet {
    fn new(rules: Vec<PatternRule>) -> PackSet {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut by_keyword: Vec<Vec<usize>> = Vec::new();
        let mut patterns: Vec<String> = Vec::new();
        for (r, rule) in rules.iter().enumerate() {
            for kw in &rule.keywords {
                let k = *index.entry(kw.clone()).or_insert_with(|| {
                    patterns.push(kw.clone());
                    by_keyword.push(Vec::new());
                    patterns.len() - 1
                });
                by_keyword[k].push(r);
            }
        }
        let prefilter = KeywordFinder::new(&patterns);
        let any_line_scoped = rules.iter().any(|r| r.line_scoped);
        PackSet { rules, prefilter, by_keyword, any_line_scoped }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Finds every accepted secret in `text` (the file at `path`), in rule order.
    pub fn scan<'s>(&'s self, path: &str, text: &str, policy: &Policy, out: &mut Vec<PackMatch<'s>>) {
        let Some(keywords) = &self.prefilter else { return };
        let mut wanted = vec![false; self.rules.len()];
        let mut seen = vec![false; self.by_keyword.len()];
        let mut left = seen.len();
        // Where each line-scoped rule's keywords occur: the lines its regex will read.
        let mut hits: Vec<Vec<usize>> = vec![Vec::new(); self.rules.len()];
        keywords.each(text, |k, start| {
            for &r in &self.by_keyword[k] {
                if self.rules[r].line_scoped {
                    hits[r].push(start);
                }
            }
            if !seen[k] {
                seen[k] = true;
                for &r in &self.by_keyword[k] {
                    wanted[r] = true;
                }
                left -= 1;
            }
            left > 0 || self.any_line_scoped
        });
        // Only texts where some regex matched need their PEM bodies found.
        let armoured = std::cell::OnceCell::new();
        for (i, (rule, _)) in self.rules.iter().zip(&wanted).enumerate().filter(|(_, (_, w))| **w) {
            if !rule.allow_paths.is_empty() && rule.allow_paths.is_match(path) {
                continue;
            }
            let Some(c) = rule.compiled() else { continue };
            // Base64 inside a PEM block (a certificate's body) spells token prefixes by chance;
            // only the rules about PEM blocks look there.
            let pem_rule = rule.pattern.contains("-----BEGIN");
            let _timed = TIMED.then(|| Timed(rule.meta.id, std::time::Instant::now()));
            let whole = 0..text.len();
            let regions = if rule.line_scoped {
                // The prefilter reports keywords in no particular order.
                hits[i].sort_unstable();
                keyword_lines(text, &hits[i])
            } else {
                vec![whole]
            };
            for region in regions {
                let base = region.start;
                for caps in c.regex.captures_iter(&text[region]) {
                    let Some(secret) = c.secret_groups.iter().find_map(|&g| caps.get(g)) else { continue };
                    let secret = Span::new(base + secret.start(), base + secret.end());
                    if !pem_rule
                        && armoured
                            .get_or_init(|| armoured_bodies(text))
                            .iter()
                            .any(|b: &std::ops::Range<usize>| b.start <= secret.start && secret.end <= b.end)
                    {
                        continue;
                    }
                    let key = c.key_group.and_then(|g| caps.get(g));
                    let secret_text = &text[secret.range()];
                    if rule.accepts(secret_text, key.map(|k| k.as_str()), policy) {
                        out.push(PackMatch {
                            rule,
                            secret,
                            key: key.map(|k| Span::new(base + k.start(), base + k.end())),
                        });
                    }
                }
            }
        }
    }
}

/// The lines (without their line break) that hold the keyword occurrences at `starts` (sorted),
/// in order, each once.
fn keyword_lines(text: &str, starts: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    for &at in starts {
        if out.last().is_some_and(|l| l.start <= at && at <= l.end) {
            continue;
        }
        let start = memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |i| at + i);
        out.push(start..end);
    }
    out.sort_by_key(|r| r.start);
    out.dedup();
    out
}

/// Byte ranges between `-----BEGIN …-----` and `-----END …-----` lines.
fn armoured_bodies(text: &str) -> Vec<std::ops::Range<usize>> {
    use memchr::memmem::find;
    let (mut out, bytes) = (Vec::new(), text.as_bytes());
    let mut from = 0;
    while let Some(i) = find(&bytes[from..], b"-----BEGIN ") {
        let begin = from + i;
        let Some(body) = find(&bytes[begin + 11..], b"-----").map(|j| begin + 11 + j + 5) else { break };
        let Some(end) = find(&bytes[body..], b"-----END ").map(|j| body + j) else { break };
        out.push(body..end);
        from = end + 9;
    }
    out
}

/// `istio-system/cacerts`: a Kubernetes object reference.
fn is_namespaced_name(s: &str) -> bool {
    let Some((ns, name)) = s.split_once('/') else { return false };
    let dns = |p: &str| {
        !p.is_empty()
            && p.len() <= 63
            && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    };
    dns(ns) && dns(name)
}

impl PatternRule {
    /// The compiled regex; `None` only for a pattern that failed validation, which loading
    /// already rejects.
    fn compiled(&self) -> Option<&Compiled> {
        self.compiled.get_or_init(|| Compiled::new(&self.pattern).ok()).as_ref()
    }

    /// Entropy, stopwords, allowlists and checks on one candidate.
    pub fn accepts(&self, secret: &str, key: Option<&str>, policy: &Policy) -> bool {
        // An annotation or label key names behaviour (`cert-manager.io/inject-ca-from-secret`);
        // a `namespace/name` or a Markdown page names a thing, not a credential.
        if key.is_some_and(|k| k.contains('/')) || secret.ends_with(".md") || is_namespaced_name(secret) {
            return false;
        }
        let lower = secret.to_ascii_lowercase();
        if PLACEHOLDER_MARKERS.iter().any(|m| lower.contains(m)) || self.stopwords.iter().any(|w| lower.contains(w)) {
            return false;
        }
        if self.entropy.is_some_and(|min| shannon_entropy(secret) < min) {
            return false;
        }
        if self.allow_regexes.iter().any(|r| r.is_match(secret)) {
            return false;
        }
        if let Some(k) = key
            && self.allow_keys.iter().any(|r| r.is_match(k))
        {
            return false;
        }
        // Kubernetes `data:` values are base64: a placeholder stays a placeholder when encoded.
        if self.checks.contains(&Check::PlainValue)
            && let Some(decoded) = decode_printable(secret)
        {
            let d = decoded.to_ascii_lowercase();
            if PLACEHOLDER_MARKERS.iter().any(|m| d.contains(m))
                || self.stopwords.iter().any(|w| d.contains(w))
                || !is_plain_value(decoded.trim_end(), policy)
            {
                return false;
            }
        }
        self.checks.iter().all(|c| c.passes(secret, key, policy))
    }
}

impl Check {
    fn passes(self, secret: &str, key: Option<&str>, policy: &Policy) -> bool {
        match self {
            Check::CredentialKey => key.is_some_and(|k| policy.is_credential_key(k)),
            Check::PlainValue => is_plain_value(secret, policy),
            Check::HasDigit => secret.bytes().any(|b| b.is_ascii_digit()),
            Check::MixedCaseDigit => {
                secret.bytes().any(|b| b.is_ascii_uppercase())
                    && secret.bytes().any(|b| b.is_ascii_lowercase())
                    && secret.bytes().any(|b| b.is_ascii_digit())
            }
            Check::Jwt => is_jwt(secret),
            Check::BasicAuth => is_basic_auth(secret, policy),
        }
    }
}

/// Shannon entropy of `s` in bits per byte.
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// A literal value rather than something that names or computes one.
fn is_plain_value(v: &str, policy: &Policy) -> bool {
    let lower = v.to_ascii_lowercase();
    let code_like = |c: char| matches!(c, '(' | ')' | '[' | ']' | '{' | '}');
    if values::is_non_literal_text(v)
        || values::is_fill_in_marker(v)
        || policy.is_placeholder(v)
        || v.starts_with(['$', '%', '@', '/', '~', '&', '*', '!', '.', '#'])
        || v.contains(code_like)
        || v.contains("://")
        || lower.starts_with("env.")
        || lower.starts_with("file:")
        || lower.starts_with("secret:")
        || lower.starts_with("vault")
        || lower.contains("process.env")
        || lower.contains("environ")
        || lower.starts_with("sha256:")
        || lower.starts_with("sha512:")
        || lower.starts_with("sha1:")
    {
        return false;
    }
    // A dotted identifier (`settings.api_key`, `self.password`) is a reference in code.
    let dotted = v.contains('.')
        && v.split('.').all(|p| {
            !p.is_empty()
                && p.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    // `signing-key:passphrase`: a secret store's `name:key` reference, the key naming the credential.
    let store_reference = v.split_once(':').is_some_and(|(name, key)| {
        !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && policy.is_credential_key(key)
    });
    if store_reference {
        return false;
    }
    // Words, identifiers and kebab names without a digit or a symbol are names, not secrets.
    let has_letter = v.bytes().any(|b| b.is_ascii_alphabetic());
    let has_other = v.bytes().any(|b| !b.is_ascii_alphabetic() && b != b'-' && b != b'_');
    let digits_only = v.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
    !dotted && has_letter && has_other && !digits_only && !is_identifier(v) && !is_uuid_like(v) && !is_hex_digest(v)
}

/// Names rather than values: `MY_ENV_VAR1`, `source-key1`, `db.password2`, `clientSecret2`.
fn is_identifier(v: &str) -> bool {
    let words = |lower: bool| {
        let mut parts = v.split(['-', '_', '.']);
        parts.clone().count() > 1
            && parts.all(|p| {
                !p.is_empty()
                    && p.bytes().all(|b| {
                        b.is_ascii_digit() || if lower { b.is_ascii_lowercase() } else { b.is_ascii_uppercase() }
                    })
                    && p.bytes().next().is_some_and(|b| !b.is_ascii_digit() || p.len() <= 4)
            })
    };
    let camel = v.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && v.bytes().all(|b| b.is_ascii_alphanumeric())
        && v.bytes().filter(|b| b.is_ascii_digit()).count() <= 2
        && v.bytes().rev().skip_while(u8::is_ascii_digit).all(|b| b.is_ascii_alphabetic())
        && v.split(|c: char| c.is_ascii_uppercase()).skip(1).all(|w| w.len() >= 2);
    words(true) || words(false) || (camel && v.bytes().any(|b| b.is_ascii_uppercase()))
}

/// The text a base64 value encodes, when it is printable (a Secret's `data:` entry).
fn decode_printable(v: &str) -> Option<String> {
    if v.len() < 8
        || !v.len().is_multiple_of(4)
        || !v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return None;
    }
    let text = String::from_utf8(base64_decode(v)?).ok()?;
    text.chars().all(|c| !c.is_control() || c == '\n').then_some(text)
}

/// A UUID is an identifier far more often than a credential.
fn is_uuid_like(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    parts.len() == 5
        && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Hex of an MD5/SHA length: checksums and commit ids, not credentials.
fn is_hex_digest(v: &str) -> bool {
    matches!(v.len(), 32 | 40 | 64 | 128) && v.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_jwt(s: &str) -> bool {
    let mut parts = s.split('.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else { return false };
    let decoded = |p: &str| base64_decode(p).and_then(|b| String::from_utf8(b).ok());
    decoded(header).is_some_and(|h| h.trim_start().starts_with('{') && h.contains("\"alg\""))
        && decoded(payload).is_some_and(|p| p.trim_start().starts_with('{'))
}

fn is_basic_auth(s: &str, policy: &Policy) -> bool {
    let Some(text) = base64_decode(s).and_then(|b| String::from_utf8(b).ok()) else { return false };
    let Some((user, password)) = text.split_once(':') else { return false };
    !user.is_empty()
        && !password.is_empty()
        && !password.chars().any(char::is_control)
        && !values::is_non_literal_text(password)
        && !policy.is_placeholder(password)
}

/// Decodes standard or URL-safe base64, with or without padding.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Loading

/// Parses, validates and compiles one pack file. `taken` holds the ids already defined (native
/// rules and earlier packs); each new id is added.
fn load_pack(path: &str, text: &str, taken: &mut Vec<String>) -> Result<Vec<PatternRule>, PackError> {
    let file = SourceFile::new(path.to_string(), text.to_string());
    let loaded = yaml::load(&file);
    let err = |message: String, span: Span| PackError { path: path.to_string(), text: text.to_string(), message, span };
    if let Some(e) = &loaded.error {
        return Err(err(e.message.clone(), Span::new(e.offset, e.offset)));
    }
    let Some(doc) = loaded.documents.first() else { return Ok(Vec::new()) };
    let raw: RawPack = de::from_node(&doc.root).map_err(|e| err(e.message.clone(), e.span.unwrap_or_default()))?;
    let rule_nodes = doc.root.get("rules").and_then(|n| n.as_seq()).unwrap_or_default();
    let mut out = Vec::with_capacity(raw.rules.len());
    for (i, r) in raw.rules.into_iter().enumerate() {
        let node = rule_nodes.get(i);
        let at = |field: &str| node.and_then(|n| n.get(field)).or(node).map(|n| n.span).unwrap_or_default();
        let item_at = |field: &str, j: usize| {
            node.and_then(|n| n.at(&["allowlist", field]))
                .and_then(|n| n.as_seq())
                .and_then(|s| s.get(j))
                .map_or_else(|| at("allowlist"), |n| n.span)
        };
        let kebab = !r.id.is_empty()
            && r.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !r.id.starts_with('-')
            && !r.id.ends_with('-');
        if !kebab {
            return Err(err(format!("rule id `{}` is not kebab-case", r.id), at("id")));
        }
        if taken.contains(&r.id) {
            return Err(err(format!("rule id `{}` is already defined", r.id), at("id")));
        }
        if !r.summary.ends_with('.') || r.summary.contains('\n') {
            return Err(err("`summary` must be one line ending with a period".into(), at("summary")));
        }
        for heading in ["## What it does", "## Why is this bad?", "## Example", "## Use instead"] {
            if !r.docs.contains(heading) {
                return Err(err(format!("`docs` lacks the heading `{heading}`"), at("docs")));
            }
        }
        if r.keywords.is_empty() {
            return Err(err("`keywords` must not be empty: the prefilter needs them".into(), at("keywords")));
        }
        if let Some(k) = r.keywords.iter().find(|k| k.is_empty() || k.chars().any(|c| c.is_ascii_uppercase())) {
            return Err(err(format!("keyword `{k}` must be a non-empty lowercase literal"), at("keywords")));
        }
        if r.entropy.is_some_and(|e| !(0.0..=8.0).contains(&e)) {
            return Err(err("`entropy` is in bits per byte, between 0 and 8".into(), at("entropy")));
        }
        // Validate the regex cheaply (syntax and groups, no automaton); compile on first use.
        let ast = regex_syntax::ast::parse::Parser::new()
            .parse(&r.regex)
            .map_err(|e| err(format!("bad regex: {e}"), at("regex")))?;
        regex_syntax::hir::translate::Translator::new()
            .translate(&r.regex, &ast)
            .map_err(|e| err(format!("bad regex: {e}"), at("regex")))?;
        let (names, groups) = capture_groups(&ast);
        if !names.iter().any(|n| n.starts_with("secret")) && groups == 0 {
            return Err(err(
                "the regex needs a capture group for the secret (named `secret`, or group 1)".into(),
                at("regex"),
            ));
        }
        if r.checks.contains(&Check::CredentialKey) && !names.iter().any(|n| n == "key") {
            return Err(err("the `credential-key` check needs a capture group named `key`".into(), at("checks")));
        }
        let compile_all = |field: &str, pats: &[String]| -> Result<Vec<Regex>, PackError> {
            pats.iter()
                .enumerate()
                .map(|(j, p)| {
                    RegexBuilder::new(p)
                        .size_limit(REGEX_SIZE_LIMIT)
                        .build()
                        .map_err(|e| err(format!("bad regex: {e}"), item_at(field, j)))
                })
                .collect()
        };
        let allow_regexes = compile_all("regexes", &r.allowlist.regexes)?;
        let allow_keys = compile_all("keys", &r.allowlist.keys)?;
        let mut globs = GlobSetBuilder::new();
        for (j, p) in r.allowlist.paths.iter().enumerate() {
            globs.add(Glob::new(p).map_err(|e| err(format!("bad glob `{p}`: {}", e.kind()), item_at("paths", j)))?);
        }
        let allow_paths = globs.build().map_err(|e| err(e.to_string(), at("allowlist")))?;

        taken.push(r.id.clone());
        let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
            id: r.id.leak(),
            pack: match r.pack {
                PackName::Source => Pack::Source,
                PackName::Vault => Pack::Vault,
            },
            severity: r.severity,
            summary: r.summary.leak(),
            docs: r.docs.leak(),
        }));
        out.push(PatternRule {
            meta,
            name: r.name.leak(),
            pattern: r.regex,
            compiled: OnceLock::new(),
            entropy: r.entropy,
            checks: r.checks,
            allow_regexes,
            stopwords: r.allowlist.stopwords.iter().map(|s| s.to_ascii_lowercase()).collect(),
            allow_keys,
            allow_paths,
            keywords: r.keywords,
            line_scoped: r.line_scoped,
            examples: r.examples,
        });
    }
    Ok(out)
}

/// Names of the named groups and the number of capturing groups in a parsed regex.
fn capture_groups(ast: &regex_syntax::ast::Ast) -> (Vec<String>, usize) {
    use regex_syntax::ast::{Ast, GroupKind};
    let (mut names, mut count) = (Vec::new(), 0usize);
    let mut stack = vec![ast];
    while let Some(node) = stack.pop() {
        match node {
            Ast::Group(g) => {
                match &g.kind {
                    GroupKind::CaptureIndex(_) => count += 1,
                    GroupKind::CaptureName { name, .. } => {
                        count += 1;
                        names.push(name.name.clone());
                    }
                    GroupKind::NonCapturing(_) => {}
                }
                stack.push(&g.ast);
            }
            Ast::Repetition(r) => stack.push(&r.ast),
            Ast::Alternation(a) => stack.extend(a.asts.iter()),
            Ast::Concat(c) => stack.extend(c.asts.iter()),
            _ => {}
        }
    }
    (names, count)
}

fn native_ids() -> Vec<String> {
    super::REGISTRY.iter().map(|r| r.meta().id.to_string()).collect()
}

/// The embedded packs, or the first error in them (a bug the tests catch).
fn load_embedded() -> Result<PackSet, PackError> {
    let mut taken = native_ids();
    let mut rules = Vec::new();
    for (path, text) in EMBEDDED {
        rules.extend(load_pack(path, text, &mut taken)?);
    }
    Ok(PackSet::new(rules))
}

static EMBEDDED_SET: LazyLock<Result<PackSet, PackError>> = LazyLock::new(load_embedded);

/// The compiled embedded packs. An invalid embedded pack yields an empty set here and fails
/// `embedded_packs_load` in the tests.
pub fn embedded() -> &'static PackSet {
    static EMPTY: LazyLock<PackSet> = LazyLock::new(|| PackSet::new(Vec::new()));
    EMBEDDED_SET.as_ref().unwrap_or(&EMPTY)
}

#[cfg(test)]
pub fn embedded_error() -> Option<&'static PackError> {
    EMBEDDED_SET.as_ref().err()
}

/// Metadata of every rule in the embedded packs.
pub fn metas() -> Vec<&'static RuleMeta> {
    embedded().rules.iter().map(|r| r.meta).collect()
}

/// Rules loaded from `rule-packs:` files, by id, so that `rules::meta` (severity overrides,
/// `rules:` validation, reports) knows them. Process-wide because metadata is `'static`.
static USER_METAS: LazyLock<RwLock<HashMap<&'static str, &'static RuleMeta>>> = LazyLock::new(Default::default);

pub fn user_meta(id: &str) -> Option<&'static RuleMeta> {
    USER_METAS.read().ok()?.get(id).copied()
}

/// Loads user packs (paths as written, resolved against `base`, the config file's folder) and
/// registers their rules' metadata.
pub fn load_user_packs(base: &Path, paths: &[String]) -> Result<Option<Arc<PackSet>>, UserPackError> {
    if paths.is_empty() {
        return Ok(None);
    }
    let mut taken = native_ids();
    taken.extend(embedded().rules.iter().map(|r| r.meta.id.to_string()));
    let mut rules = Vec::new();
    for (i, p) in paths.iter().enumerate() {
        let full = base.join(p);
        let text = std::fs::read_to_string(&full)
            .map_err(|e| UserPackError::Read { index: i, message: format!("cannot read rule pack `{p}`: {e}") })?;
        rules.extend(load_pack(&full.display().to_string(), &text, &mut taken).map_err(UserPackError::Invalid)?);
    }
    if let Ok(mut m) = USER_METAS.write() {
        for r in &rules {
            m.insert(r.meta.id, r.meta);
        }
    }
    Ok(Some(Arc::new(PackSet::new(rules))))
}

#[derive(Debug)]
pub enum UserPackError {
    Read { index: usize, message: String },
    Invalid(PackError),
}

/// With `SECRETGATE_TIMINGS`, the time each pattern rule's regex spends, summed over threads.
static TIMED: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| std::env::var_os("SECRETGATE_TIMINGS").is_some());
static SPENT: std::sync::Mutex<std::collections::BTreeMap<&'static str, std::time::Duration>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// Adds the time since it was made to its rule's total when dropped.
struct Timed(&'static str, std::time::Instant);

impl Drop for Timed {
    fn drop(&mut self) {
        let mut spent = SPENT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *spent.entry(self.0).or_default() += self.1.elapsed();
    }
}

/// Prints the pattern rules that took longest (`SECRETGATE_TIMINGS` only).
pub fn report_timings() {
    if !*TIMED {
        return;
    }
    let spent = SPENT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut top: Vec<_> = spent.iter().collect();
    top.sort_by_key(|(_, d)| std::cmp::Reverse(**d));
    for (id, d) in top.iter().take(5) {
        eprintln!("secretgate timing:   pattern {id:<24} {:>7.1} ms (all threads)", d.as_secs_f64() * 1000.0);
    }
}

#[cfg(test)]
mod line_scoped_tests {
    use super::*;

    /// Pack regexes get RE2's ASCII word boundaries; an escaped backslash before `b` is a
    /// literal and stays one.
    #[test]
    fn word_boundaries_are_ascii() {
        assert_eq!(ascii_word_boundaries(r"\bAKIA\B"), r"(?-u:\b)AKIA(?-u:\B)");
        assert_eq!(ascii_word_boundaries(r"a\\b\d"), r"a\\b\d");
        let c = Compiled::new(r"\b(?P<secret>hvs\.[a-z]{3})\b").expect("compiles");
        // `é` is a word character to Unicode, not to RE2: a token right after it still starts a word.
        assert!(c.regex.is_match("éhvs.abc é"));
    }

    /// Secret and key spans a rule's regex finds in `regions` of `text`.
    fn spans(rule: &PatternRule, text: &str, regions: &[std::ops::Range<usize>]) -> Vec<(Span, Option<Span>)> {
        let c = rule.compiled().expect("compiles");
        let mut out = Vec::new();
        for r in regions {
            for caps in c.regex.captures_iter(&text[r.clone()]) {
                let Some(s) = c.secret_groups.iter().find_map(|&g| caps.get(g)) else { continue };
                let key =
                    c.key_group.and_then(|g| caps.get(g)).map(|k| Span::new(r.start + k.start(), r.start + k.end()));
                out.push((Span::new(r.start + s.start(), r.start + s.end()), key));
            }
        }
        out
    }

    /// Every occurrence of every keyword, ASCII case aside (what the prefilter reports).
    fn keyword_starts(rule: &PatternRule, text: &str) -> Vec<usize> {
        let lower = text.to_ascii_lowercase();
        let mut starts: Vec<usize> = rule
            .keywords
            .iter()
            .flat_map(|k| {
                let k = k.to_ascii_lowercase();
                lower.match_indices(k.as_str()).map(|(i, _)| i).collect::<Vec<_>>()
            })
            .collect();
        starts.sort_unstable();
        starts
    }

    /// A line-scoped rule finds on its keywords' lines exactly what it finds in the whole text:
    /// hand-written edge cases, then thousands of texts stitched from fragments at random.
    #[test]
    fn line_scoped_rules_find_what_a_whole_text_search_finds() {
        const PIECES: &[&str] = &[
            "password: Zq8Lm2Pw9Xr4",
            "PASSWORD=Zq8Lm2Pw9Xr4Tt",
            "db.api.key = 'Ab3dEf6hIj9kLm'",
            "access-key:",
            " Qw7Er8Ty9Ui0Op",
            "private.key: \"Zx1Cv2Bn3Mm4Kk\"",
            "\n",
            "\r\n",
            "\n  ",
            "# token: Aa1Bb2Cc3Dd4 ",
            "token",
            "vault_addr=https://vault:8200",
            "VAULT_TOKEN=hvs.CAESIabcdefghijklmnopqrstuvwxyz012345",
            "x s.abcdefghijklmnopqrstuvwx y",
            "bao-token: s.ABCDEFGHIJKLMNOPQRSTUVWX",
            "https://user:Sup3rS3cret99@db.example.com",
            "git+https://u:p4ssw0rdXYZ@h/x.git",
            "://",
            "@",
            ":",
            "=",
            "\"",
            "'",
            "`",
            " ",
            "\t",
            "secret",
            "secret_key",
            "\\\"",
            ";",
            "credentials: {{ .Values.x }}",
            "hvr.",
            "é",
            "passphrase=\"Mn5Bv6Cx7Zl8Kj\" # old",
        ];
        let mut texts: Vec<String> = vec![
            "password:\n  Zq8Lm2Pw9Xr4Tt\n".into(),
            "token on this line\ns.abcdefghijklmnopqrstuvwx\n".into(),
            "api.key: Ab3dEf6hIj9kLmNo\r\nother: x\r\n".into(),
            "\nPRIVATE-KEY=Zx1Cv2Bn3Mm4Kk5\n".into(),
            "see https://user:Sup3rS3cret99@db.example.com/path and https://a:b@c\n".into(),
        ];
        let mut seed: u64 = 0x5eed_cafe;
        for _ in 0..3000 {
            let mut t = String::new();
            for _ in 0..(seed % 12 + 1) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                t.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            texts.push(t);
        }
        let rules: Vec<&PatternRule> = embedded().rules.iter().filter(|r| r.line_scoped).collect();
        assert!(rules.len() >= 2, "the assignment and URL rules are line-scoped");
        let mut found = 0;
        for rule in &rules {
            for text in &texts {
                let starts = keyword_starts(rule, text);
                if starts.is_empty() {
                    continue; // the rule does not run on this text at all
                }
                let all = 0..text.len();
                let whole = spans(rule, text, std::slice::from_ref(&all));
                let lines = spans(rule, text, &keyword_lines(text, &starts));
                assert_eq!(lines, whole, "{} on {text:?}", rule.meta.id);
                found += whole.len();
            }
        }
        assert!(found > 500, "the texts exercise the rules: {found} matches");
    }
}
