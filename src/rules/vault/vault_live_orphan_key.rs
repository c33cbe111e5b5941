//! `vault-live-orphan-key`: a key in the running Vault, under a folder the repository uses, that
//! nothing in the repository expects. Reported by `secretgate vault verify`.

use std::collections::BTreeSet;

use crate::finding::Severity;
use crate::rules::{Pack, Rule, RuleMeta, Scope};

pub struct VaultLiveOrphanKey;

pub const ID: &str = "vault-live-orphan-key";

static META: RuleMeta = RuleMeta {
    id: ID,
    pack: Pack::Vault,
    severity: Severity::Note,
    summary: "The running Vault holds a key, under a folder the repository uses, that no ExternalSecret, fixture or declared writer expects.",
    docs: r#"
## What it does
Only `secretgate vault verify --env ENV` reports it. The command lists the KV mount recursively
(`LIST <mount>/metadata/<folder>`) under every folder the expected keys live in, and reports each
key that is neither read by an ExternalSecret, in the effective fixture map, nor written by a
declared writer. It is a note: the key may belong to something outside the repository.

## Why is this bad?
Orphaned credentials are still valid credentials: a leftover database password or API token is
attack surface nobody rotates, and it hides drift (a renamed key whose old copy still works).

## Example
```text
secret/legacy-keycloak-secret   # the realm import that used it was removed in 2025
```

## Use instead
Delete the key (after checking nothing outside the repository reads it), or declare who reads it.
"#,
};

impl Rule for VaultLiveOrphanKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Live
    }
}

/// The folders to list recursively for the expected `keys` (`a/b/c` lives in `a/b/`; a top-level
/// key in the mount's root, `""`), with folders inside another listed folder dropped.
pub fn list_roots<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let folders: BTreeSet<String> =
        keys.into_iter().map(|k| k.rfind('/').map_or_else(String::new, |i| k[..=i].to_string())).collect();
    let mut out: Vec<String> = Vec::new();
    for f in folders {
        // Sorted order puts a folder before everything inside it.
        if !out.iter().any(|o| f.starts_with(o.as_str())) {
            out.push(f);
        }
    }
    out
}

/// Listed keys nothing expects, sorted.
pub fn orphans(listed: &BTreeSet<String>, expected: &BTreeSet<String>) -> Vec<String> {
    listed.difference(expected).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_live_orphan_key() {
        assert_eq!(list_roots(["a/b/c", "a/b/d", "a/x", "z/y"]), vec!["a/".to_string(), "z/".to_string()]);
        assert_eq!(list_roots(["top", "a/b"]), vec![String::new()]);
        let expected: BTreeSet<String> = ["db-password", "platform/dev/oidc"].map(String::from).into();
        let pass: BTreeSet<String> = ["db-password", "platform/dev/oidc"].map(String::from).into();
        assert!(orphans(&pass, &expected).is_empty());
        let fail: BTreeSet<String> =
            ["db-password", "legacy-keycloak-secret", "platform/dev/old"].map(String::from).into();
        assert_eq!(orphans(&fail, &expected), vec!["legacy-keycloak-secret", "platform/dev/old"]);
    }
}
