//! `vault-live-placeholder`: a live Vault value is still a fixture default: the generate marker
//! (the generator never ran), or, in a managed environment, the fixture map's dev literal or a
//! known placeholder. Reported by `secretgate vault verify`.

use crate::finding::Severity;
use crate::model::fixtures::GENERATE_MARKER;
use crate::rules::values::Policy;
use crate::rules::{Pack, Rule, RuleMeta, Scope};

pub struct VaultLivePlaceholder;

pub const ID: &str = "vault-live-placeholder";

static META: RuleMeta = RuleMeta {
    id: ID,
    pack: Pack::Vault,
    severity: Severity::Error,
    summary: "A live Vault value is still a fixture default: the generate marker, or in a managed environment a dev literal or placeholder.",
    docs: r#"
## What it does
Only `secretgate vault verify --env ENV` reports it. Each expected property is compared in memory
with what the repository knows to be a default, and only the classification is reported:

- the literal `__generate__` in any environment: the bootstrap stored the marker verbatim, so its
  generator never ran;
- in a managed environment (staging, production, any the config marks): a value equal to a
  literal the environment's fixture layers hold for that key (the shared dev literal), or a known
  placeholder (`CHANGEME`, `placeholder_*`, `<SECRET>`, the config's `placeholders`, anything
  containing `placeholder`).

Values are compared by equality and dropped at once: never printed, hashed or stored.

## Why is this bad?
A dev literal is readable by everyone with access to the repository; a placeholder or the marker
is not a credential at all. In a managed environment either means the real value was never
injected and the service runs with a known secret (or fails to authenticate, as a placeholder
registry token does).

## Example
```yaml
# _shared fixture map: grafana-admin-password: "<dev literal>"
# env/staging overrides it with "" (injected) — but staging's Vault still holds the dev literal
```

## Use instead
Inject the real value (Key Vault sync, the owning operator, `__generate__`), then verify again.
"#,
};

impl Rule for VaultLivePlaceholder {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Live
    }
}

/// Why a live value counts as a default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveClass {
    GenerateMarker,
    DevLiteral,
    Placeholder,
}

impl LiveClass {
    pub fn describe(self) -> &'static str {
        match self {
            LiveClass::GenerateMarker => "the literal generate marker (the generator never ran)",
            LiveClass::DevLiteral => "the fixture map's dev literal",
            LiveClass::Placeholder => "a known placeholder",
        }
    }
}

/// Classifies a live value. `dev_literals` are the literal fixture values the environment's
/// layers hold for the key; they and placeholders only count in a managed environment.
pub fn classify(value: &str, dev_literals: &[&str], managed: bool, policy: &Policy) -> Option<LiveClass> {
    let v = value.trim();
    if v == GENERATE_MARKER {
        return Some(LiveClass::GenerateMarker);
    }
    if !managed || v.is_empty() {
        return None;
    }
    if dev_literals.contains(&value) {
        return Some(LiveClass::DevLiteral);
    }
    if policy.is_placeholder(v) || v.to_ascii_lowercase().contains("placeholder") {
        return Some(LiveClass::Placeholder);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_live_placeholder() {
        let p = Policy::default();
        let lit = ["Shared-Grafana-Literal-3q"];
        let pass = [
            ("k9Zq-generated-3f8a1c", true),
            ("Shared-Grafana-Literal-3q", false), // a dev literal is fine in dev
            ("placeholder_legacy", false),
            ("", true),
        ];
        for (v, managed) in pass {
            assert_eq!(classify(v, &lit, managed, &p), None, "{v} managed={managed}");
        }
        let fail = [
            ("__generate__", false, LiveClass::GenerateMarker),
            ("__generate__", true, LiveClass::GenerateMarker),
            ("Shared-Grafana-Literal-3q", true, LiveClass::DevLiteral),
            ("placeholder_minio_root_user", true, LiveClass::Placeholder),
            ("CHANGEME", true, LiveClass::Placeholder),
            ("my-PLACEHOLDER-token", true, LiveClass::Placeholder),
        ];
        for (v, managed, want) in fail {
            assert_eq!(classify(v, &lit, managed, &p), Some(want), "{v} managed={managed}");
        }
    }
}
