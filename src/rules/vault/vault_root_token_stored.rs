//! `vault-root-token-stored`: root tokens and unseal/recovery keys committed to the repository.

use std::sync::LazyLock;

use regex::Regex;

use crate::finding::Severity;
use crate::rules::values::{is_fill_in_marker, is_non_literal_text, is_reference_key, normalize_key};
use crate::rules::vault::{is_comment, lines};
use crate::rules::{FileContext, Hits, Pack, Rule, RuleMeta, Scope};
use crate::source::Span;

pub struct VaultRootTokenStored;

static META: RuleMeta = RuleMeta {
    id: "vault-root-token-stored",
    pack: Pack::Vault,
    severity: Severity::Error,
    summary: "A Vault root token or unseal/recovery keys are stored in a committed file.",
    docs: r#"
## What it does
Flags Vault/OpenBao root tokens and unseal or recovery keys kept in the repository:

- key files by name: `.vault-keys`, `vault-keys*`, `vault-init*`, `init-keys.json`,
  `cluster-keys.json`, `unseal-keys*`, `.vault-token`;
- `vault operator init` output (`Unseal Key 1: …`, `Recovery Key 1: …`, `Initial Root Token: …`)
  in any file;
- keys named like `root_token`, `rootToken`, `root-token`, `unseal_keys_b64`, `unseal-key`,
  `recovery_keys_hex`, `VAULT_TOKEN`, `VAULT_DEV_ROOT_TOKEN_ID`, `BAO_TOKEN` with a literal value
  — in init JSON, env files, scripts, compose files, Helm values and Secrets.

Substitutions (`${VAULT_TOKEN}`, `$(cat …)`), templates, empty values, fill-in markers
(`<root-token>`) and masked values (`xxxx`, `****`) are not findings, nor are keys that name where
a token lives (`rootTokenSecretName`, `VAULT_TOKEN_FILE`).

## Why is this bad?
The root token can do anything in Vault, forever, and unseal keys let whoever holds them unseal a
copy of the storage. In Git they are readable by everyone with access to the repository and its
history, and they cannot be taken back: the only fix is a new root token and rekeying.

## Example
```json
{
  "unseal_keys_b64": ["dGhpcyBpcyBub3QgYSByZWFsIGtleQ=="],
  "root_token": "hvs.EXAMPLEEXAMPLEEXAMPLE"
}
```

## Use instead
Use a KMS/HSM `seal` (no unseal keys to keep), encrypt the init output to PGP keys
(`vault operator init -pgp-keys=… -root-token-pgp-key=…`), hand the shares to their holders,
and revoke the root token after the bootstrap. Gitignore any file a local dev bootstrap writes.
"#,
};

/// File names whose whole content is key material.
fn is_key_file(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with(".vault-keys")
        || n.starts_with("vault-keys")
        || n.starts_with("vault-init")
        || n.starts_with(".vault-init")
        || n.starts_with("unseal-keys")
        || matches!(n.as_str(), "init-keys.json" | "cluster-keys.json" | ".vault-token" | "vault-token")
}

/// Normalised key names (see [`normalize_key`]) that hold a token or key shares.
const SECRET_KEYS: &[&str] = &[
    "roottoken",
    "roottokenid",
    "vaulttoken",
    "baotoken",
    "unsealkey",
    "unsealkeys",
    "unsealkeysb64",
    "unsealkeyshex",
    "recoverykey",
    "recoverykeys",
    "recoverykeysb64",
    "recoverykeyshex",
];

fn is_secret_key(key: &str) -> bool {
    if is_reference_key(key) {
        return false;
    }
    let norm = normalize_key(key);
    let digits = norm.trim_end_matches(|c: char| c.is_ascii_digit());
    SECRET_KEYS.iter().any(|k| norm.ends_with(k) || (digits.len() < norm.len() && digits.ends_with(k)))
}

fn what(key: &str) -> &'static str {
    let norm = normalize_key(key);
    if norm.contains("unseal") {
        "Vault unseal keys"
    } else if norm.contains("recovery") {
        "Vault recovery keys"
    } else if norm.contains("root") {
        "a Vault root token"
    } else {
        "a Vault token"
    }
}

/// Source code, where an unquoted value after `key:`/`key =` is an expression (a variable, a
/// call), not a stored token.
fn is_code(path: &str) -> bool {
    const EXT: &[&str] = &[
        "py", "go", "js", "mjs", "cjs", "ts", "tsx", "jsx", "java", "kt", "rb", "rs", "cs", "php", "scala", "swift",
        "c", "cc", "cpp", "h", "hpp", "lua", "groovy",
    ];
    path.rsplit_once('.').is_some_and(|(_, ext)| EXT.contains(&ext.to_ascii_lowercase().as_str()))
}

static KEY: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"(?:^|[\s{,\[;])["']?([A-Za-z][A-Za-z0-9_.-]*)["']?[ \t]*([:=])[ \t]*"#).unwrap()
});

static INIT_OUTPUT: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"^\s*(Unseal Key \d+|Recovery Key \d+|Initial Root Token)\s*:\s*(\S+)\s*$"#).unwrap()
});

static QUOTED_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#""([^"]*)"|'([^']*)'"#).unwrap()
});

/// A value that stands for "no value here": masked, redacted, null.
fn is_masked(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    let body = lower.trim_start_matches("hvs.").trim_start_matches("s.");
    matches!(lower.as_str(), "null" | "~" | "true" | "false" | "none" | "nil")
        || lower.contains("xxxx")
        || lower.contains("****")
        || lower.contains("...")
        || lower.contains("redacted")
        || body.chars().all(|c| c == body.chars().next().unwrap_or('x'))
}

fn is_literal_secret(cx: &FileContext<'_>, v: &str) -> bool {
    let v = v.trim();
    // Tokens and key shares are single words: a value with spaces is a message or a sentence
    // (`errVaultToken = "cannot parse Vault authentication token: %w"`).
    let sentence = v.lines().count() == 1 && v.contains(char::is_whitespace);
    !(v.is_empty()
        || sentence
        || is_non_literal_text(v)
        || is_fill_in_marker(v)
        || is_masked(v)
        || cx.policy.is_placeholder(v))
}

impl Rule for VaultRootTokenStored {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::File
    }

    fn check_file(&self, cx: &FileContext<'_>, hits: &mut Hits) {
        let text = &cx.file.text;
        let name = cx.file.path.rsplit('/').next().unwrap_or(&cx.file.path);
        if is_key_file(name) {
            let start = text.len() - text.trim_start().len();
            let end = text.trim_end().len();
            if end > start {
                hits.report(Span::new(start, start), format!("`{name}` commits Vault unseal keys or a root token"))
                    .identity(format!("file:{name}"))
                    .secret(Span::new(start, end))
                    .help("remove the file from Git and its history, revoke the root token and rekey Vault");
            }
            return;
        }
        let lower = text.to_ascii_lowercase();
        if !["token", "unseal", "recovery"].iter().any(|w| lower.contains(w)) {
            return;
        }
        let all: Vec<(usize, &str)> = lines(text).collect();
        for (i, &(start, line)) in all.iter().enumerate() {
            // Every key this rule knows, and every line of `vault operator init` output, has one
            // of these words: other lines need no regex (most files that say "token" once are
            // long, and the key regex with captures on every line was a seventh of a full scan).
            let lower_line = lower.get(start..start + line.len()).unwrap_or("");
            if is_comment(line) || !["token", "unseal", "recovery"].iter().any(|w| lower_line.contains(w)) {
                continue;
            }
            if let Some(c) = INIT_OUTPUT.captures(line)
                && let (Some(label), Some(value)) = (c.get(1), c.get(2))
            {
                if is_literal_secret(cx, value.as_str()) {
                    let span = Span::new(start + value.start(), start + value.end());
                    hits.report(span, format!("`vault operator init` output stored: `{}`", label.as_str()))
                        .identity(format!("init:{}", label.as_str()))
                        .secret(span)
                        .help("remove it from Git and its history, revoke the root token and rekey Vault");
                }
                continue;
            }
            for c in KEY.captures_iter(line) {
                let (Some(key), Some(whole)) = (c.get(1), c.get(0)) else { continue };
                if !is_secret_key(key.as_str()) {
                    continue;
                }
                let Some(secret) = value_span(&all, i, whole.end()) else { continue };
                let Some(value) = text.get(secret.range()) else { continue };
                let quoted = value.starts_with(['"', '\'', '`'])
                    || secret
                        .start
                        .checked_sub(1)
                        .and_then(|i| text.as_bytes().get(i))
                        .is_some_and(|b| b"\"'`".contains(b));
                if is_code(&cx.file.path) && !quoted {
                    continue;
                }
                let items: Vec<&str> = if value.contains('\n') || value.starts_with('"') || value.starts_with('\'') {
                    QUOTED_ITEM
                        .captures_iter(value)
                        .filter_map(|q| q.get(1).or_else(|| q.get(2)).map(|m| m.as_str()))
                        .collect()
                } else {
                    vec![value]
                };
                let items = if items.is_empty() { vec![value] } else { items };
                if !items.iter().any(|v| is_literal_secret(cx, v)) {
                    continue;
                }
                let key_span = Span::new(start + key.start(), start + key.end());
                let key = key.as_str();
                hits.report(key_span, format!("{} stored under `{key}`", what(key)))
                    .identity(format!("key:{key}"))
                    .secret(secret)
                    .help("keep tokens and key shares out of Git: use a KMS/HSM seal and short-lived scoped tokens");
            }
        }
    }
}

/// The span of the value that starts at byte `at` of line `i`: a quoted or bare scalar, a
/// (possibly multi-line) `[…]` array, or a YAML block scalar (`|`, `>`).
fn value_span(all: &[(usize, &str)], i: usize, at: usize) -> Option<Span> {
    let (start, line) = all[i];
    let rest = line.get(at..)?;
    let first = rest.chars().next()?;
    match first {
        '[' => {
            // From the first quote to the last one before `]`: the items, not the layout.
            let (mut first, mut last) = (None, None);
            for &(s, l) in &all[i..] {
                let from = if s == start { at + 1 } else { 0 };
                let seg = l.get(from..).unwrap_or("");
                let close = seg.find(']');
                let seg = &seg[..close.unwrap_or(seg.len())];
                if first.is_none() {
                    first = seg.find(['"', '\'']).map(|q| s + from + q);
                }
                if let Some(q) = seg.rfind(['"', '\'']) {
                    last = Some(s + from + q + 1);
                }
                if close.is_some() {
                    break;
                }
            }
            let (from, to) = (first?, last?);
            (to > from + 1).then(|| Span::new(from, to))
        }
        '|' | '>' => {
            let indent = line.len() - line.trim_start().len();
            let mut span: Option<Span> = None;
            for &(s, l) in &all[i + 1..] {
                let t = l.trim_start();
                if t.is_empty() {
                    continue;
                }
                if l.len() - t.len() <= indent {
                    break;
                }
                let from = s + (l.len() - t.len());
                span = Some(Span::new(span.map_or(from, |sp| sp.start), s + l.trim_end().len()));
            }
            span
        }
        '"' | '\'' => {
            let close = rest[1..].find(first)?;
            (close > 0).then(|| Span::new(start + at + 1, start + at + 1 + close))
        }
        _ => {
            let stop = rest.find([',', '}', ']', ';']).unwrap_or(rest.len());
            let stop = rest.find(" #").map_or(stop, |c| c.min(stop));
            let v = rest[..stop].trim_end();
            (!v.is_empty()).then(|| Span::new(start + at, start + at + v.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::RuleTester;

    #[test]
    fn vault_root_token_stored() {
        RuleTester::new(&VaultRootTokenStored).path("ops/vault/values.yaml").pass(&[
            "vault:\n  rootTokenSecretName: vault-root\n  unsealKeySecretKey: key\n",
            "env:\n  VAULT_TOKEN: ${VAULT_TOKEN}\n  VAULT_TOKEN_FILE: /run/secrets/vault-token\n",
            "root_token: \"\"\nunseal_keys_b64: []\n",
            "root_token: <root-token>\nunseal_threshold: 3\n",
            "VAULT_TOKEN: hvs.XXXXXXXXXXXXXXXX\n",
            "errVaultToken: \"cannot parse Vault authentication token: %w\"\n",
        ]);
        RuleTester::new(&VaultRootTokenStored)
            .path("ops/init.json")
            .fail(&[
                "{\n  \"unseal_keys_b64\": [\n    \"ZmFrZS11bnNlYWwta2V5LW9uZQ==\"\n  ],\n  \"root_token\": \"fake-root-token\"\n}\n",
                "{\"root_token\": \"fake-root-token\"}\n",
            ]);
        RuleTester::new(&VaultRootTokenStored)
            .path(".env")
            .pass(&["VAULT_TOKEN=$(cat /run/vault/token)\n", "# VAULT_TOKEN=fake-token-value\n"])
            .fail(&["VAULT_TOKEN=fake-token-value\n", "export ROOT_TOKEN='fake-root'\n"]);
        RuleTester::new(&VaultRootTokenStored)
            .path("values.yaml")
            .fail(&["vault:\n  root-token: fake-root-token\n  unseal-key: |\n    ZmFrZS1rZXk=\n"]);
        RuleTester::new(&VaultRootTokenStored)
            .path("notes/init.txt")
            .pass(&["Unseal Key 1: <redacted>\nInitial Root Token: hvs.****\n"])
            .fail(&["Unseal Key 1: ZmFrZS11bnNlYWw=\nInitial Root Token: fake-root-token\n"]);
        // In code, an unquoted value is an expression; a quoted one is a literal.
        RuleTester::new(&VaultRootTokenStored)
            .path("app/client.py")
            .pass(&["r = requests.get(url, headers={\"X-Vault-Token\": vault_token})\n"])
            .fail(&["r = requests.get(url, headers={\"X-Vault-Token\": \"hvs.CAESIQx7Lm2Pz9Rt4Wv8Kd3Jq\"})\n"]);
        RuleTester::new(&VaultRootTokenStored)
            .path("opt/vault/.vault-keys")
            .pass(&["\n\n"])
            .fail(&["UNSEAL_KEY=fake\nROOT_TOKEN=fake\n"]);
    }

    #[test]
    fn points_at_the_key_and_masks_the_whole_value() {
        let t = RuleTester::new(&VaultRootTokenStored).path("init.json");
        let text = "{\n  \"unseal_keys_b64\": [\n    \"ZmFrZS1vbmU=\",\n    \"ZmFrZS10d28=\"\n  ],\n  \"root_token\": \"fake-root\"\n}\n";
        let hits = t.run(text);
        assert_eq!(hits.len(), 2);
        assert_eq!((hits[0].start.line, hits[0].start.column), (2, 4));
        assert_eq!(hits[0].hit.message, "Vault unseal keys stored under `unseal_keys_b64`");
        let secret = hits[0].hit.secret.unwrap();
        assert!(
            text[secret.range()].starts_with("\"ZmFrZS1vbmU=\"") && text[secret.range()].ends_with("\"ZmFrZS10d28=\"")
        );
        assert_eq!((hits[1].start.line, hits[1].start.column), (6, 4));
        assert_eq!(&text[hits[1].hit.secret.unwrap().range()], "fake-root");
    }
}
