//! Pack `external-secrets`: how ExternalSecrets, PushSecrets and their stores are wired, checked
//! on the per-environment model.

pub mod eso_refresh_interval;
pub mod eso_remote_property;
pub mod eso_store_missing;
pub mod eso_store_policy;
pub mod eso_template_binding;
pub mod pushsecret_mirror_only;
pub mod secret_store_provider;

use crate::model::fixtures::normalize_key;

pub(crate) use crate::model::facts::templated;

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
