//! The dev bootstrap's Vault fixture map: `fixtures:` (Vault key → value) in a vault-bootstrap
//! values file, shared and per environment, merged the way the bootstrap job reads them. Each
//! value is classified without ever being kept: generate marker, required (empty), placeholder or
//! literal.

use std::sync::Arc;

use super::facts::{Loc, Named};
use crate::rules::values::Policy;
use crate::source::yaml::Node;
use crate::source::{SourceFile, Span};

/// The sentinel the bootstrap replaces with a generated, stable per-cluster value.
pub const GENERATE_MARKER: &str = "__generate__";

/// The one field the bootstrap writes per key (`vault kv put secret/<key> value=…`).
pub const FIXTURE_PROPERTY: &str = "value";

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ValueClass {
    /// `__generate__`: the bootstrap generates it.
    Generate,
    /// Empty or null: required, injected from outside (Key Vault, an operator).
    Required,
    /// A known placeholder (`placeholder_*`, `CHANGEME`, …) that a writer replaces.
    Placeholder,
    /// A literal value: a dev credential.
    Literal,
}

impl ValueClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueClass::Generate => "generated",
            ValueClass::Required => "required",
            ValueClass::Placeholder => "placeholder",
            ValueClass::Literal => "literal",
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FixtureEntry {
    pub key: Named,
    pub class: ValueClass,
    /// Where the value is written; for literals this is secret material (masked in frames).
    pub value: Loc,
}

/// One file's fixture map.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FixtureLayer {
    #[serde(with = "crate::cache::file_ref")]
    pub file: Arc<SourceFile>,
    pub entries: Vec<FixtureEntry>,
}

/// Whether a path looks like it holds the bootstrap's fixture map.
pub fn is_fixture_path(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    lower.contains("fixture") || (lower.contains("vault") && lower.contains("bootstrap"))
}

/// Reads `fixtures:` (at the top or one level down) from a values document.
pub fn read(file: &Arc<SourceFile>, root: &Node, policy: &Policy) -> Option<FixtureLayer> {
    let map = root
        .get("fixtures")
        .or_else(|| root.as_map()?.iter().find_map(|e| e.value.get("fixtures").filter(|f| f.as_map().is_some())))?;
    let entries: Vec<FixtureEntry> = map
        .as_map()?
        .iter()
        .filter_map(|e| {
            let key = e.key.as_str()?;
            let scalar = e.value.as_scalar()?;
            Some(FixtureEntry {
                key: Named { text: key.to_string(), loc: Loc { file: file.clone(), span: e.key.span }, origin: None },
                class: classify(&e.value, &scalar.text, policy),
                value: Loc { file: file.clone(), span: e.value.span },
            })
        })
        .collect();
    (!entries.is_empty()).then(|| FixtureLayer { file: file.clone(), entries })
}

fn classify(node: &Node, text: &str, policy: &Policy) -> ValueClass {
    let t = text.trim();
    if node.is_null() || t.is_empty() {
        ValueClass::Required
    } else if t == GENERATE_MARKER {
        ValueClass::Generate
    } else if policy.is_placeholder(t) || t.to_ascii_lowercase().contains("placeholder") {
        ValueClass::Placeholder
    } else {
        ValueClass::Literal
    }
}

impl FixtureEntry {
    /// The value's span when it is secret material, for masking.
    pub fn secret_span(&self) -> Option<Span> {
        (self.class == ValueClass::Literal).then_some(self.value.span)
    }
}

/// Normalises a Vault key as ExternalSecrets write it against a KV mount: `secret/data/x`,
/// `secret/x`, `/x` → `x`.
pub fn normalize_key(key: &str, mount: &str) -> String {
    let k = key.trim_start_matches('/');
    let mount = mount.trim_matches('/');
    let k = if mount.is_empty() { k } else { k.strip_prefix(mount).and_then(|r| r.strip_prefix('/')).unwrap_or(k) };
    k.strip_prefix("data/").unwrap_or(k).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::yaml;

    #[test]
    fn classes_and_keys() {
        let file = Arc::new(SourceFile::new(
            "values/_shared/vault-bootstrap.yaml".into(),
            "fixtures:\n  a: __generate__\n  b: \"\"\n  c: placeholder_x\n  d: C1tr0n3lla!\n  e:\n".into(),
        ));
        let root = &yaml::load(&file).documents[0].root;
        let l = read(&file, root, &Policy::default()).unwrap();
        let classes: Vec<_> = l.entries.iter().map(|e| (e.key.text.as_str(), e.class)).collect();
        assert_eq!(
            classes,
            vec![
                ("a", ValueClass::Generate),
                ("b", ValueClass::Required),
                ("c", ValueClass::Placeholder),
                ("d", ValueClass::Literal),
                ("e", ValueClass::Required),
            ]
        );
        assert!(l.entries[3].secret_span().is_some() && l.entries[0].secret_span().is_none());
        assert_eq!(normalize_key("secret/data/app/db", "secret"), "app/db");
        assert_eq!(normalize_key("secret/app/db", "secret"), "app/db");
        assert_eq!(normalize_key("app/db", "secret"), "app/db");
        assert!(is_fixture_path("sources/values/env/dev/foundation/foundation-vault-bootstrap.yaml"));
        assert!(!is_fixture_path("sources/values/env/dev/apps/platform.yaml"));
    }
}
