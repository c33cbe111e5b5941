//! `vault-live-missing-property`: a Vault key exists but lacks the property an ExternalSecret (or
//! the fixture bootstrap) expects, or holds it empty. Reported by `secretgate vault verify`.

use crate::finding::Severity;
use crate::rules::{Pack, Rule, RuleMeta, Scope};

pub struct VaultLiveMissingProperty;

pub const ID: &str = "vault-live-missing-property";

static META: RuleMeta = RuleMeta {
    id: ID,
    pack: Pack::Vault,
    severity: Severity::Error,
    summary: "A Vault key exists but the property the repository reads from it is absent or empty.",
    docs: r#"
## What it does
Only `secretgate vault verify --env ENV` reports it. For each expected key that exists, the
command reads the secret's data in memory (`GET <mount>/data/<key>` on KV v2) and checks that the
property the ExternalSecret names in `remoteRef.property` (for fixture keys: `value`, the one field
the bootstrap writes) is present and not empty. The value itself is compared and dropped; it is
never printed, hashed or stored.

## Why is this bad?
ESO fails the whole ExternalSecret when one property is missing (`key … does not exist`), and an
empty property produces an empty Kubernetes Secret entry: the application starts with a blank
password or token.

## Example
```yaml
remoteRef: {key: gitlab-api-token, property: value}
# vault kv get secret/gitlab-api-token  ->  token=…   (no `value`)
```

## Use instead
Write the property the repository reads (`vault kv patch secret/gitlab-api-token value=…`), or
point `remoteRef.property` at the property that exists.
"#,
};

impl Rule for VaultLiveMissingProperty {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Live
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropertyState {
    Ok,
    Missing,
    Empty,
}

/// Checks `property` (or, with `None`, that the secret has any non-empty property) in a secret's
/// data map. Reads values only to test emptiness.
pub fn property_state(data: &serde_json::Map<String, serde_json::Value>, property: Option<&str>) -> PropertyState {
    let empty = |v: &serde_json::Value| match v {
        serde_json::Value::Null => true,
        serde_json::Value::String(s) => s.is_empty(),
        serde_json::Value::Object(m) => m.is_empty(),
        serde_json::Value::Array(a) => a.is_empty(),
        _ => false,
    };
    match property {
        Some(p) => match data.get(p) {
            None => PropertyState::Missing,
            Some(v) if empty(v) => PropertyState::Empty,
            Some(_) => PropertyState::Ok,
        },
        None if data.is_empty() => PropertyState::Missing,
        None if data.values().all(empty) => PropertyState::Empty,
        None => PropertyState::Ok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn vault_live_missing_property() {
        let pass = [
            (json!({"value": "x"}), Some("value")),
            (json!({"value": "x", "other": ""}), Some("value")),
            (json!({"n": 5}), Some("n")),
            (json!({"a": "", "b": "x"}), None),
        ];
        for (d, p) in &pass {
            assert_eq!(property_state(&map(d.clone()), *p), PropertyState::Ok, "{d} {p:?}");
        }
        let fail = [
            (json!({"token": "x"}), Some("value"), PropertyState::Missing),
            (json!({"value": ""}), Some("value"), PropertyState::Empty),
            (json!({"value": null}), Some("value"), PropertyState::Empty),
            (json!({}), None, PropertyState::Missing),
            (json!({"a": ""}), None, PropertyState::Empty),
        ];
        for (d, p, want) in &fail {
            assert_eq!(property_state(&map(d.clone()), *p), *want, "{d} {p:?}");
        }
    }
}
