//! Value classes and key shapes shared by the rules (RULES.md, "Value classes").

use std::sync::LazyLock;

use regex::Regex;

use crate::source::yaml::{Node, Scalar, Value};

/// Normalised suffixes (lowercase, `-_.` dropped) that make a key credential-like.
pub const DEFAULT_CREDENTIAL_SUFFIXES: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "token",
    "secret",
    "clientsecret",
    "privatekey",
    "apikey",
    "accesskey",
    "secretkey",
    "secretaccesskey",
    "sensitivepropskey",
    "dockerconfigjson",
    "dockercfg",
    "connectionstring",
    "databaseurl",
    "dsn",
    "tlskey",
    "credentials",
];

/// Known defaults and placeholders that must never reach a credential slot (compared
/// case-insensitively).
pub const DEFAULT_PLACEHOLDERS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "change.me",
    "changeit",
    "replace_me",
    "replace-me",
    "replaceme",
    "minioadmin",
    "admin",
    "password",
    "passw0rd",
    "secret",
    "dbpassword",
    "default",
    "example",
    "todo",
    "tbd",
    "fixme",
    "test",
    "prom-operator",
    "strongpassword",
    "missing",
];

/// The user-tunable part of the value model, built from the config.
#[derive(Clone, Debug)]
pub struct Policy {
    pub credential_suffixes: Vec<String>,
    pub placeholders: Vec<String>,
    /// Declarative rules loaded from the config's `rule-packs:` files.
    pub rule_packs: Option<std::sync::Arc<super::pack::PackSet>>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            credential_suffixes: DEFAULT_CREDENTIAL_SUFFIXES.iter().map(|s| s.to_string()).collect(),
            placeholders: DEFAULT_PLACEHOLDERS.iter().map(|s| s.to_string()).collect(),
            rule_packs: None,
        }
    }
}

impl Policy {
    /// Whether `key` names a credential: its normalised form ends with a credential suffix and it
    /// is not reference-shaped.
    pub fn is_credential_key(&self, key: &str) -> bool {
        // Hot path (every key of every document): test the suffixes first, without allocating.
        // `cert-manager.io/inject-ca-from-secret` and other annotation or label keys name
        // behaviour, never a credential.
        self.credential_suffixes.iter().any(|s| norm_ends_with(key, s))
            && !key.contains('/')
            && !is_reference_key(key)
            && !is_flag_key(key)
            && !is_named_setting(key)
    }

    /// Whether a value is a known default or placeholder: an exact (case-insensitive) match, an
    /// angle-bracket placeholder such as `<DB_PASSWORD>`, or `placeholder…`/`dummy…`/`your-…`.
    pub fn is_placeholder(&self, value: &str) -> bool {
        let v = value.trim();
        // Runs on every scalar in a credential slot: no allocation.
        is_marked_fill_in(v) || self.placeholders.iter().any(|p| p.eq_ignore_ascii_case(v) || unleet_eq(v, p))
    }

    /// A value that cannot work as a credential (`<DB_PASSWORD>`, `XXXX`, `CLIENT_SECRET`,
    /// `your-token`), unlike a weak default such as `changeme`, which works and is a leak
    /// wherever it is stored.
    /// An upper-case name such as `CLIENT_SECRET` counts here only: in a credential slot of a
    /// values file it may also name a key of a Secret (`secretKeys: {password: DB_PASSWORD}`).
    pub fn is_fill_in(&self, value: &str) -> bool {
        let v = value.trim();
        is_marked_fill_in(v) || self.names_a_credential(v)
    }

    /// `CLIENT_SECRET`, `DB_PASSWORD`: a value that spells out what belongs there.
    /// Generated and hand-made credentials do not look like upper-case identifiers naming
    /// themselves.
    fn names_a_credential(&self, v: &str) -> bool {
        let upper_name = v.len() >= 6
            && v.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
            && v.bytes().next().is_some_and(|b| b.is_ascii_uppercase());
        upper_name && self.credential_suffixes.iter().any(|s| norm_ends_with(v, s))
    }
}

/// `<DB_PASSWORD>`, `placeholder…`, `dummy…`, `your-…`, `XXXX`.
fn is_marked_fill_in(v: &str) -> bool {
    if v.len() > 2 && v.starts_with('<') && v.ends_with('>') {
        return true;
    }
    let starts = |p: &str| v.len() >= p.len() && v.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    starts("placeholder")
        || starts("dummy")
        || (v.len() > 5 && (starts("your-") || starts("your_") || starts("your.")))
        || (v.len() > 7 && (starts("insert_") || starts("insert-")))
        // `yourpassword`, `yourtoken`: "your" glued to the credential's name.
        || (starts("your") && v.len() > 8 && ["password", "token", "secret", "key"].iter().any(|w| v.to_ascii_lowercase().ends_with(w)))
        // Sentinels a template writes when nothing was set: `default "MISSING"`.
        || ["missing", "unset", "notset", "undefined", "none", "null"].iter().any(|w| v.eq_ignore_ascii_case(w))
        // `YourPingdomApiToken`: camel-case "your …" naming what belongs there.
        || (starts("your") && v.len() > 8 && v.bytes().all(|b| b.is_ascii_alphabetic()) && v.as_bytes()[4].is_ascii_uppercase())
        || is_masked_value(v)
}

/// `XXXX`, `xxxx-xxxx`, `****`: a value masked or left for the user to fill in.
pub fn is_masked_value(v: &str) -> bool {
    let marks = v.bytes().filter(|b| matches!(b, b'x' | b'X' | b'*')).count();
    marks >= 3 && v.bytes().all(|b| matches!(b, b'x' | b'X' | b'*' | b'-' | b'_' | b'.' | b' '))
}

/// Whether `v` is a leetspeak spelling of the lower-case `word` (`p@55w0rd` for `password`):
/// the same default.
fn unleet_eq(v: &str, word: &str) -> bool {
    v.len() == word.len()
        && v.bytes().zip(word.bytes()).all(|(c, w)| {
            let plain = match c {
                b'@' | b'4' => b'a',
                b'0' => b'o',
                b'5' | b'$' => b's',
                b'3' => b'e',
                b'1' | b'!' => b'i',
                b'7' => b't',
                c => c.to_ascii_lowercase(),
            };
            plain == w.to_ascii_lowercase()
        })
}

/// Whether `normalize_key(key)` ends with `suffix` (given normalised), without allocating.
pub fn norm_ends_with(key: &str, suffix: &str) -> bool {
    if !key.is_ascii() {
        return normalize_key(key).ends_with(suffix);
    }
    let mut k = key.bytes().rev().filter(|b| !matches!(b, b'-' | b'_' | b'.'));
    suffix.bytes().rev().all(|s| k.next().is_some_and(|c| c.to_ascii_lowercase() == s))
}

/// Lowercase with `-`, `_` and `.` removed: `DB_PASSWORD` → `dbpassword`.
pub fn normalize_key(key: &str) -> String {
    key.chars().filter(|c| !matches!(c, '-' | '_' | '.')).flat_map(char::to_lowercase).collect()
}

/// Keys that *name* a credential held elsewhere: `existingSecret`, `secretName`,
/// `rootPasswordSecretKey`, `passwordSecret`, `secretKeyRef`, `*_FILE`, …
pub fn is_reference_key(key: &str) -> bool {
    const REF_SUFFIXES: &[&str] = &[
        "existingsecret",
        "existingsecrets",
        "secretname",
        "secretnames",
        "secretref",
        "secretkeyref",
        "secretsref",
        "file",
        "path",
        "vaultkey",
        "remotekey",
        "remotekeys",
    ];
    if REF_SUFFIXES.iter().any(|s| norm_ends_with(key, s))
        || ["passwordsecret", "tokensecret"].iter().any(|r| norm_ends_with(key, r) && normalize_key(key) == *r)
    {
        return true;
    }
    // camelCase `<prefix>SecretKey`/`<prefix>PasswordSecret` name a key or a Secret; the bare
    // `secretKey` (S3/MinIO) and `SECRET_KEY` env names stay credentials.
    for suffix in ["SecretKey", "PasswordSecret", "TokenSecret", "KeySecret", "CredentialsSecret", "AuthSecret"] {
        if let Some(prefix) = key.strip_suffix(suffix)
            && prefix.chars().last().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return true;
        }
    }
    false
}

/// Keys that name who or where rather than hold a secret: `client-id`, `username`, `host`.
/// A credential key (`secret-id`, `AWS_SECRET_KEY`) is never one.
pub fn is_identifier_key(key: &str, policy: &Policy) -> bool {
    const IDS: &[&str] = &[
        "clientid",
        "appid",
        "applicationid",
        "tenantid",
        "accountid",
        "projectid",
        "username",
        "user",
        "login",
        "email",
        "host",
        "hostname",
        "port",
        "region",
        "database",
        "dbname",
        "endpoint",
        "namespace",
        "issuer",
        "audience",
        "realm",
        "domain",
        "bucket",
    ];
    let norm = normalize_key(key);
    !policy.is_credential_key(key) && IDS.iter().any(|s| norm.ends_with(s))
}

/// Settings whose names end in a credential word but hold none: etcd's
/// `ETCD_INITIAL_CLUSTER_TOKEN` is a cluster identifier, `ETCD_AUTH_TOKEN` the token provider's
/// options (`jwt,pub-key=…`).
fn is_named_setting(key: &str) -> bool {
    norm_ends_with(key, "initialclustertoken") || normalize_key(key) == "etcdauthtoken"
}

/// Keys that configure how a credential is handled rather than holding one:
/// `MYSQL_ALLOW_EMPTY_PASSWORD`, `generateRandomPassword`, `PASSWORD_REQUIRED`.
fn is_flag_key(key: &str) -> bool {
    const FLAGS: &[&str] = &[
        "allowempty",
        "allow",
        "enable",
        "disable",
        "require",
        "skip",
        "generate",
        "random",
        "reset",
        "rotate",
        "expire",
    ];
    let norm = normalize_key(key);
    FLAGS.iter().any(|f| norm.contains(f))
}

/// A value that switches something rather than being a credential: `yes`, `off`, `1`, …
pub fn is_flag_value(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "yes" | "no" | "on" | "off" | "true" | "false" | "0" | "1" | "y" | "n" | "enabled" | "disabled"
    )
}

/// A value that names a file holding the secret (`/etc/ssl/private/key.pem`) rather than being one.
pub fn is_file_path(text: &str) -> bool {
    let t = text.trim();
    ((t.starts_with('/') || t.starts_with("./") || t.starts_with("~/"))
        && !t.contains(char::is_whitespace)
        && t.matches('/').count() >= 2)
        || is_key_file_name(t)
}

/// `tls.crt`, `ca.pem`, `client-key.json`: the name of a file or of a Secret's key, which is how
/// configs point at where the credential lives.
fn is_key_file_name(t: &str) -> bool {
    const EXT: &[&str] =
        &["crt", "cert", "pem", "key", "der", "p12", "pfx", "jks", "json", "yaml", "yml", "txt", "conf"];
    let Some((stem, ext)) = t.rsplit_once('.') else { return false };
    EXT.contains(&ext)
        && !stem.is_empty()
        && stem.len() <= 40
        && stem.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'))
}

/// URI schemes of secret references resolved at deploy time (1Password `op inject`, helmfile
/// vals `ref+…`, argocd-vault-plugin `<path:…>`, bank-vaults `vault:…`, cloud secret ARNs).
const REFERENCE_PREFIXES: &[&str] = &[
    "op://",
    "ref+",
    "<path:",
    "vault:",
    "arn:aws:secretsmanager:",
    "arn:aws:ssm:",
    "awssm://",
    "akv://",
    "gcpsm://",
    "bws://",
    "keeper://",
    "doppler://",
];

/// Whether a scalar's text is non-literal: a template, a placeholder for substitution, a secret
/// reference, or empty.
pub fn is_non_literal_text(text: &str) -> bool {
    let t = text.trim();
    REFERENCE_PREFIXES.iter().any(|p| t.starts_with(p))
        || t.is_empty()
        || t.contains("{{")
        || t.contains("${")
        || t.contains("$(")
        || t.starts_with("$__")
        || t.starts_with("ENC[")
        // `$1`, `$@`: a shell script's positional parameters.
        || (t.len() == 2 && t.starts_with('$') && t[1..].starts_with(|c: char| c.is_ascii_digit() || c == '@' || c == '*'))
        // Argo CD's `$secret:key` / `$oidc.clientSecret` references into its own Secret.
        || (t.starts_with('$')
            && t.len() > 2
            && t[1..].chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && t[1..].chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'))
            && t[1..].contains(['.', ':']))
        // `$VAR`, `$your_token`: a shell or template variable (`$ecret` stays a value).
        || (t.starts_with('$')
            && t.len() > 1
            && t[1..].chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && t[1..].chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && (t[1..].chars().all(|c| !c.is_ascii_lowercase()) || t[1..].contains('_')))
}

/// A fill-me-in marker rather than a value: `<REQUIRED>`, `<your-client-private-key>`, also when
/// wrapped in PEM armour. Such values are `placeholder-credential`'s business, not a leak.
pub fn is_fill_in_marker(text: &str) -> bool {
    let mut rest = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("-----"));
    match (rest.next(), rest.next()) {
        (Some(one), None) => one.len() > 2 && one.starts_with('<') && one.ends_with('>') && !one.contains("</"),
        _ => false,
    }
}

/// A tag that makes the scalar a reference resolved at load time: `!vault`, CloudFormation
/// `!Ref`, the env/secret indirections of recyclarr (`!env_var`), Home Assistant (`!secret`)
/// and PyYAML-env loaders (`!ENV`).
pub fn has_indirect_tag(node: &Node) -> bool {
    node.tag.as_deref().is_some_and(|t| {
        let t = t.to_ascii_lowercase();
        t.contains("vault") || t.starts_with("!ref") || t.starts_with("!env") || t == "!secret"
    })
}

/// A literal credential value: a non-null, non-boolean scalar whose text is not a template,
/// substitution, secret reference or fill-in marker. Mappings (e.g. `valueFrom`) and sequences
/// are never literal.
pub fn literal_scalar(node: &Node) -> Option<&Scalar> {
    let Value::Scalar(s) = &node.value else { return None };
    if s.is_null()
        || s.as_bool().is_some()
        || is_non_literal_text(&s.text)
        || is_fill_in_marker(&s.text)
        || is_flag_value(&s.text)
        || is_file_path(&s.text)
    {
        return None;
    }
    if has_indirect_tag(node) {
        return None;
    }
    Some(s)
}

static CREDENTIAL_URL: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r"(?i)\b[a-z][a-z0-9+.\-]*://([^/\s:@'\x22]+):([^@\s/'\x22]+)@").unwrap()
});

/// Byte ranges (within `text`) of literal passwords in `scheme://user:password@host` URLs.
pub fn credential_url_passwords(text: &str) -> Vec<std::ops::Range<usize>> {
    if !text.contains("://") {
        return Vec::new();
    }
    CREDENTIAL_URL
        .captures_iter(text)
        .filter_map(|c| c.get(2))
        .filter(|m| {
            let pw = m.as_str();
            !is_non_literal_text(pw)
                && !pw.starts_with(['%', '<'])
                && !pw.chars().all(|c| c == '*' || c == 'x' || c == 'X')
        })
        .map(|m| m.range())
        .collect()
}

/// Finds where `needle` (a scalar's decoded text, or part of it) sits inside the file slice of a
/// node, so that findings point at the exact bytes even inside block scalars. Falls back to
/// `None` when escapes make the text differ from the source.
pub fn locate(file_text: &str, node_span: crate::source::Span, needle: &str) -> Option<crate::source::Span> {
    if needle.is_empty() {
        return None;
    }
    let slice = file_text.get(node_span.range())?;
    let at = slice.find(needle)?;
    let start = node_span.start + at;
    Some(crate::source::Span::new(start, start + needle.len()))
}

/// Like [`locate`] for a value assigned to `key` inside a file payload: the occurrence that
/// follows the key on its line (`password: express-gateway`), not an earlier one inside another
/// value (`host: release-express-gateway-master`).
pub fn locate_assignment(
    file_text: &str,
    node_span: crate::source::Span,
    key: &str,
    needle: &str,
) -> Option<crate::source::Span> {
    let slice = file_text.get(node_span.range())?;
    let leaf = key.rsplit('.').next().unwrap_or(key);
    let hit = slice.match_indices(needle).map(|(i, _)| i).find(|&i| {
        let line_start = slice[..i].rfind('\n').map_or(0, |j| j + 1);
        let before = slice[line_start..i].trim_end_matches([' ', '\t', '"', '\'']);
        before.ends_with([':', '=']) && before[..before.len() - 1].trim_end_matches(['"', '\'', ' ']).ends_with(leaf)
    });
    match hit {
        Some(at) => Some(crate::source::Span::new(node_span.start + at, node_span.start + at + needle.len())),
        None => locate(file_text, node_span, needle),
    }
}

/// Key/value pairs inside a text payload (a stringData value, a ConfigMap file): structured
/// YAML/JSON mappings are walked, otherwise `KEY=VALUE`/`key: value` lines are read.
/// Returns (key path, value text) for every literal value.
pub fn embedded_pairs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || (text.contains('\n') && text.contains(':')) {
        let loaded = crate::source::yaml::load_str(text);
        if loaded.error.is_none() {
            for doc in &loaded.documents {
                if doc.root.as_map().is_none() {
                    continue;
                }
                let mut path = Vec::new();
                crate::model::walk(&doc.root, &mut path, &mut |p, key, value| {
                    if key.is_none() {
                        return;
                    }
                    if let Some(s) = literal_scalar(value) {
                        out.push((crate::model::path_string(p), s.text.clone()));
                    }
                });
            }
            return out;
        }
    }
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.starts_with("//") {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some(idx) = line.find(['=', ':']) else { continue };
        let (k, v) = (line[..idx].trim(), line[idx + 1..].trim());
        if k.is_empty() || k.contains(char::is_whitespace) || v.is_empty() {
            continue;
        }
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        if !is_non_literal_text(v) {
            out.push((k.to_string(), v.to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_keys_and_references() {
        let p = Policy::default();
        for k in [
            "password",
            "DB_PASSWORD",
            "clientSecret",
            "api-key",
            "secretKey",
            "AWS_SECRET_KEY",
            "privateKey",
            ".dockerconfigjson",
            "DATABASE_URL",
            "tls.key",
        ] {
            assert!(p.is_credential_key(k), "{k} should be a credential key");
        }
        for k in [
            "existingSecret",
            "secretName",
            "rootPasswordSecretKey",
            "clientSecretKey",
            "passwordSecret",
            "secretKeyRef",
            "VAULT_SECRET_ID_FILE",
            "username",
            "tokenTTL",
            "adminPasswordSecret",
            "passwordFile",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "generateRandomPassword",
        ] {
            assert!(!p.is_credential_key(k), "{k} should not be a credential key");
        }
    }

    #[test]
    fn identifier_keys() {
        let p = Policy::default();
        for k in ["client-id", "CLIENT_ID", "username", "DB_HOST", "oidc-issuer"] {
            assert!(is_identifier_key(k, &p), "{k}");
        }
        for k in ["client-secret", "secret-id", "password", "AWS_SECRET_KEY", "cookie-secret"] {
            assert!(!is_identifier_key(k, &p), "{k}");
        }
    }

    #[test]
    fn non_literal_values() {
        for v in
            ["{{ .Values.pw }}", "${GHCR_TOKEN}", "$(DB_PASS)", "", "  ", "$__file{/x}", "ENC[AES256_GCM,data:...]"]
        {
            assert!(is_non_literal_text(v), "{v:?}");
        }
        assert!(is_non_literal_text("$oidc.clientSecret") && is_non_literal_text("$argocd-secret:admin.password"));
        assert!(is_flag_value("yes") && is_file_path("/etc/hyperledger/fabric/tls/server.key"));
        assert!(is_file_path("tls.crt") && is_file_path("client-key.pem") && !is_file_path("s3cr3t.Key9"));
        for v in ["hunter2", "dbpassword", "$ecret"] {
            assert!(!is_non_literal_text(v), "{v:?}");
        }
    }

    #[test]
    fn assignments_are_located_after_their_key() {
        let text = "cfg: |\n  - host: r-express-gateway-master\n  password: express-gateway\n";
        let span = crate::source::Span::new(0, text.len());
        let at = locate_assignment(text, span, "redis.password", "express-gateway").unwrap();
        assert_eq!(&text[..at.start].matches('\n').count(), &2);
        assert!(locate(text, span, "express-gateway").is_some_and(|s| s.start < at.start));
    }

    #[test]
    fn settings_and_fill_ins() {
        let p = Policy::default();
        assert!(!p.is_credential_key("ETCD_INITIAL_CLUSTER_TOKEN") && !p.is_credential_key("ETCD_AUTH_TOKEN"));
        assert!(p.is_credential_key("ETCD_ROOT_PASSWORD"));
        for v in ["INSERT_ETCD_DISCOVERY_TOKEN", "YourPingdomApiToken", "MISSING", "yourpassword"] {
            assert!(p.is_placeholder(v) && p.is_fill_in(v), "{v}");
        }
        assert!(is_non_literal_text("$6") && !is_non_literal_text("$6x"));
        assert!(credential_url_passwords("ldap://<adminDN>:<adminPassword>@<host>:389").is_empty());
    }

    #[test]
    fn fill_in_markers() {
        assert!(is_fill_in_marker("<REQUIRED>"));
        assert!(is_fill_in_marker("-----BEGIN PRIVATE KEY-----\n<your-key>\n-----END PRIVATE KEY-----\n"));
        assert!(!is_fill_in_marker("<b>x</b>"));
        assert!(!is_fill_in_marker("hunter2"));
    }

    #[test]
    fn url_passwords() {
        let t = "postgres://dbuser:dbpassword@postgres:5432/app";
        let r = credential_url_passwords(t);
        assert_eq!(&t[r[0].clone()], "dbpassword");
        assert!(credential_url_passwords("postgres://{{ .user }}:{{ .password | urlquery }}@db/app").is_empty());
        assert!(credential_url_passwords("https://example.com/a:b@c").is_empty());
        assert!(credential_url_passwords("redis://:${REDIS_PASSWORD}@redis:6379").is_empty());
    }

    #[test]
    fn placeholders() {
        let p = Policy::default();
        for v in ["CHANGEME", "changeit", "<KEYCLOAK_CLIENT_SECRET>", "placeholder_token", "minioadmin"] {
            assert!(p.is_placeholder(v), "{v}");
        }
        assert!(!p.is_placeholder("x8f!k2"));
        for v in ["XXXX", "xxxx-xxxx", "your.password", "p@55w0rd", "change.me", "********"] {
            assert!(p.is_placeholder(v), "{v}");
        }
        assert!(p.is_fill_in("CLIENT_SECRET") && !p.is_placeholder("DB_PASSWORD"));
        // Real-looking values stay values: mixed case, digits, or an upper-case word that does
        // not name a credential.
        for v in ["Xk9xX2", "SUPERSECRET_9", "PRODUCTION", "hunter2"] {
            assert!(!p.is_placeholder(v), "{v}");
        }
        // Weak defaults work as credentials; fill-ins do not.
        assert!(p.is_fill_in("XXXXXXXX") && !p.is_fill_in("dbpassword") && !p.is_fill_in("changeme"));
    }

    #[test]
    fn embedded_json_and_properties() {
        let json = embedded_pairs(r#"{"client_id": "a", "secret": "s3"}"#);
        assert!(json.iter().any(|(k, _)| k == "secret"));
        let props = embedded_pairs("spring.datasource.password=abc\n# x=y\nurl = ${URL}\n");
        assert_eq!(props, vec![("spring.datasource.password".to_string(), "abc".to_string())]);
    }
}
