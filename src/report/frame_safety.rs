//! What a code frame may show. Rules mark the secrets they report, but a frame also prints the
//! lines around a finding, and those can hold a key nobody flagged (a Fernet key in a README
//! beside a flagged line, a private JWK beside a flagged PEM, a comment repeating the value).
//! Every line a frame prints therefore goes through secret detection of its own: the pattern
//! packs, credential-shaped keys with literal values, JWK private members and long high-entropy
//! tokens are masked; so is whatever trails a masked value on its line.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::rules::pack;
use crate::rules::values::{Policy, is_non_literal_text};
use crate::source::Span;

/// Tokens shorter than this are not judged by entropy (words, short ids, versions).
const MIN_TOKEN: usize = 20;
/// Shannon entropy (bits per character) above which a long token is treated as key material.
const MIN_ENTROPY: f64 = 3.0;

/// JWK members that hold private key material.
const JWK_PRIVATE: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "k", "oth"];

/// Spans of `text[range]` (whole lines) that a frame must not show.
pub fn unsafe_spans(path: &str, text: &str, range: Range<usize>) -> Vec<Span> {
    let Some(window) = text.get(range.clone()) else { return Vec::new() };
    let policy = Policy::default();
    let mut out = Vec::new();
    let mut found = Vec::new();
    pack::embedded().scan(path, window, &policy, &mut found);
    out.extend(found.iter().map(|m| Span::new(range.start + m.secret.start, range.start + m.secret.end)));
    let jwk = window.contains("\"kty\"") || window.contains("kty:");
    let mut line_start = range.start;
    for line in window.split('\n') {
        let line_end = line_start + line.len();
        for value in credential_values(line, &policy, jwk) {
            out.push(Span::new(line_start + value.start, line_start + value.end));
        }
        for t in high_entropy_tokens(line) {
            out.push(Span::new(line_start + t.start, line_start + t.end));
        }
        // Whatever follows a masked value on its line (a comment that repeats or decodes it, the
        // rest of an inline map) is not shown either.
        let masked_end = out
            .iter()
            .filter(|s| s.start >= line_start && s.start < line_end.max(line_start + 1))
            .map(|s| s.end.min(line_end))
            .max();
        if let Some(end) = masked_end
            && !line[end - line_start..].trim().trim_matches(|c| matches!(c, '"' | '\'' | ',' | '}' | ']')).is_empty()
        {
            out.push(Span::new(end, line_end));
        }
        line_start = line_end + 1;
    }
    out
}

/// `key: value`, `"key": "value"`, `KEY=value`, `key = value`, anywhere on a line (flow maps
/// and one-line JSON hold several).
static PAIR: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"(?:^|[\s{,\[(])["']?([A-Za-z_][A-Za-z0-9_.\-]*)["']?[ \t]*(?::|=)[ \t]*(?:"([^"]*)"|'([^']*)'|([^\s,}\]#]+))"#)
        .unwrap()
});

/// The literal values of pairs whose key names a credential (or a JWK private member).
fn credential_values(line: &str, policy: &Policy, jwk: bool) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for c in PAIR.captures_iter(line) {
        let Some(key) = c.get(1).map(|m| m.as_str()) else { continue };
        if !(policy.is_credential_key(key) || (jwk && JWK_PRIVATE.contains(&key))) {
            continue;
        }
        let Some(value) = c.get(2).or_else(|| c.get(3)).or_else(|| c.get(4)) else { continue };
        let shown = value.as_str().trim();
        if shown.is_empty()
            || is_non_literal_text(shown)
            || matches!(shown, "true" | "false" | "null" | "~" | "|" | ">" | "|-" | ">-")
        {
            continue;
        }
        // An unquoted value runs to the end of the line: a YAML plain scalar may hold spaces.
        let end = if c.get(4).is_some() { line.trim_end().len().max(value.end()) } else { value.end() };
        out.push(value.start()..end);
    }
    out
}

/// Runs of base64/hex/URL-safe characters long and random enough to be key material.
fn high_entropy_tokens(line: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    // `=` separates `key=value` more often than it pads base64; a padded value loses only its
    // padding to the split.
    let is_token = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-');
    let mut i = 0;
    while i < bytes.len() {
        if !is_token(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_token(bytes[i]) {
            i += 1;
        }
        let token = &line[start..i];
        if token.len() >= MIN_TOKEN
            && entropy(token) >= MIN_ENTROPY
            && (has_digit_and_letter(token) || random_case(token))
        {
            out.push(start..i);
        }
    }
    out
}

fn has_digit_and_letter(token: &str) -> bool {
    token.bytes().any(|b| b.is_ascii_digit()) && token.bytes().any(|b| b.is_ascii_alphabetic())
}

/// A random letters-only token (about half its letters upper case), which an identifier in
/// camel case (`AbstractProxyFactoryBean`: one capital per word) is not.
fn random_case(token: &str) -> bool {
    let upper = token.bytes().filter(u8::is_ascii_uppercase).count();
    let lower = token.bytes().filter(u8::is_ascii_lowercase).count();
    let letters = upper + lower;
    token.len() >= 16 && letters > 0 && upper * 4 >= letters && upper * 4 <= letters * 3
}

fn entropy(s: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        let mut spans = unsafe_spans("x.yaml", text, 0..text.len());
        spans.sort_by_key(|s| std::cmp::Reverse(s.start));
        let mut out = text.to_string();
        let mut last = usize::MAX;
        for s in spans {
            let end = s.end.min(last);
            if s.start < end {
                out.replace_range(s.start..end, "#");
                last = s.start;
            }
        }
        out
    }

    #[test]
    fn neighbours_are_masked() {
        let t = "fernet: Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWpr\nname: app\n";
        assert!(!masked(t).contains("Zm9vYmFy"), "{}", masked(t));
        let jwk = r#"{"kty": "RSA", "n": "abc", "d": "Xk92LmQ3pZq8", "e": "AQAB"}"#;
        assert!(!masked(jwk).contains("Xk92LmQ3pZq8"), "{}", masked(jwk));
        let comment = "MYSQL_ROOT_PASSWORD: c2VjcmV0  # \"test-value\"\n";
        let m = masked(comment);
        assert!(!m.contains("test-value") && !m.contains("c2VjcmV0"), "{m}");
        assert_eq!(masked("image: nginx:1.25\nreplicas: 2\n"), "image: nginx:1.25\nreplicas: 2\n");
        assert_eq!(masked("password: \"{{ .Values.pw }}\"\n"), "password: \"{{ .Values.pw }}\"\n");
        // Random letters without a digit are key material too; a camel-case name is not.
        let letters = "annotations: {build-id: HeLnTTgrnaxCGrmAwvqtiWyLZwwkAivE}\n";
        assert!(!masked(letters).contains("HeLnTTgr"), "{}", masked(letters));
        let class = "factory: AbstractSingletonProxyFactoryBean\n";
        assert_eq!(masked(class), class);
    }
}
