//! Pack `external-secrets`: how ExternalSecrets, PushSecrets and their stores are wired, checked
//! on the per-environment model.

pub mod eso_refresh_interval;
pub mod eso_remote_property;
pub mod eso_store_missing;
pub mod eso_store_policy;
pub mod eso_template_binding;
pub mod pushsecret_mirror_only;
pub mod secret_store_provider;

use crate::model::facts::ExternalSecret;
use crate::model::fixtures::normalize_key;
use crate::model::{EnvModel, PlacedObject};

/// A name or key still holding a template or a variable: nothing to compare statically.
pub(crate) fn templated(text: &str) -> bool {
    text.contains("{{") || text.contains("${")
}

/// What serves an ExternalSecret's keys.
pub(crate) enum Backend {
    /// A Vault/OpenBao store; the KV mount its keys are relative to.
    Vault { mount: String },
    /// Another provider (1Password, AWS, …): Vault fixtures do not apply.
    Other,
    /// The store is not in the model.
    Unknown,
}

pub(crate) fn backend(env: &EnvModel, o: &PlacedObject, es: &ExternalSecret) -> Backend {
    let Some(r) = &es.store else { return Backend::Unknown };
    let Some(store) = env.store_for(o.namespace.as_deref(), r).and_then(|s| s.facts.store.as_ref()) else {
        return Backend::Unknown;
    };
    match &store.vault {
        Some(v) => Backend::Vault { mount: v.path.as_ref().map_or_else(|| "secret".into(), |p| p.text.clone()) },
        None => Backend::Other,
    }
}

/// Whether an ExternalSecret's keys come from the environment's Vault (and so from its
/// fixture map): its store is a Vault store, or unknown while the environment has fixtures.
pub(crate) fn reads_fixtures(env: &EnvModel, o: &PlacedObject, es: &ExternalSecret) -> Option<String> {
    match backend(env, o, es) {
        Backend::Vault { mount } => Some(mount),
        Backend::Unknown if env.has_fixtures() => Some("secret".into()),
        _ => None,
    }
}

/// The Vault key a remote reference names, relative to the mount.
pub(crate) fn vault_key(key: &str, mount: &str) -> String {
    normalize_key(key, mount)
}

/// `1h30m`, `90s`, `0` → seconds (Go durations as ESO reads them).
pub(crate) fn duration_secs(text: &str) -> Option<f64> {
    let t = text.trim();
    if t == "0" {
        return Some(0.0);
    }
    let mut total = 0.0;
    let mut num = String::new();
    let mut chars = t.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if matches!(c, 'm' | 'u' | 'µ' | 'n') && chars.peek() == Some(&'s') {
            unit.push('s');
            chars.next();
        }
        let n: f64 = num.parse().ok()?;
        num.clear();
        total += n * match unit.as_str() {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            "us" | "µs" => 0.000_001,
            "ns" => 0.000_000_001,
            _ => return None,
        };
        any = true;
    }
    (any && num.is_empty()).then_some(total)
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations() {
        assert_eq!(super::duration_secs("1h30m"), Some(5400.0));
        assert_eq!(super::duration_secs("168h"), Some(604_800.0));
        assert_eq!(super::duration_secs("0"), Some(0.0));
        assert_eq!(super::duration_secs("0s"), Some(0.0));
        assert_eq!(super::duration_secs("15s"), Some(15.0));
        assert_eq!(super::duration_secs("1d"), None);
        assert_eq!(super::duration_secs("10"), None);
    }
}
