//! `vault-live-missing-key`: a key the repository expects is absent from the running Vault (or
//! its current version is deleted or destroyed). Reported by `secretgate vault verify`.

use crate::finding::Severity;
use crate::rules::{Pack, Rule, RuleMeta, Scope};

pub struct VaultLiveMissingKey;

pub const ID: &str = "vault-live-missing-key";

static META: RuleMeta = RuleMeta {
    id: ID,
    pack: Pack::Vault,
    severity: Severity::Error,
    summary: "A Vault key the environment's ExternalSecrets or fixture map expect is missing, deleted or destroyed in the running Vault.",
    docs: r#"
## What it does
Only `secretgate vault verify --env ENV` reports it. The expected state of the environment is
built from the repository (every key an ExternalSecret reads through the environment's Vault,
every key of the effective fixture map); for each key the command reads the KV metadata
(`GET <mount>/metadata/<key>` on KV v2, `GET <mount>/<key>` on KV v1). A key that does not exist,
or whose current version is deleted or destroyed, is reported at the `remoteRef.key` that reads it
(or at the fixture map entry). Keys that something declared writes later (a `vaultKey:` patcher, a
PushSecret) may be absent.

## Why is this bad?
ESO cannot sync a key that is not there: the ExternalSecret goes `SecretSyncedError`, the
Kubernetes Secret is never created or keeps a stale value, and the workload fails to start. A
fixture key missing in Vault means the bootstrap has not converged.

## Example
```yaml
data:
  - secretKey: SESSION_SECRET
    remoteRef: {key: platform-session-secret, property: value}
# vault kv get secret/platform-session-secret  ->  No value found
```

## Use instead
Seed the key (add it to the fixture map with `__generate__`, or write it with the process that
owns it), then run `secretgate vault verify` again.
"#,
};

impl Rule for VaultLiveMissingKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Live
    }
}

/// What KV v2 metadata says about a key's current version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyState {
    Present,
    /// No version at all (metadata without versions).
    NoVersion,
    /// The current version is soft-deleted (`deletion_time` set and in the past).
    Deleted,
    Destroyed,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Present => "present",
            KeyState::NoVersion => "has no version",
            KeyState::Deleted => "current version deleted",
            KeyState::Destroyed => "current version destroyed",
        }
    }
}

/// Reads the `data` of a KV v2 metadata answer (`current_version`, `versions`).
pub fn kv2_state(meta: &serde_json::Value) -> KeyState {
    let data = meta.get("data").unwrap_or(meta);
    let current = data.get("current_version").and_then(serde_json::Value::as_u64).unwrap_or(0);
    if current == 0 {
        return KeyState::NoVersion;
    }
    let Some(v) = data.get("versions").and_then(|v| v.get(current.to_string())) else {
        return KeyState::NoVersion;
    };
    if v.get("destroyed").and_then(serde_json::Value::as_bool).unwrap_or(false) {
        return KeyState::Destroyed;
    }
    // A future deletion_time (delete_version_after) is a scheduled deletion: still readable.
    match v.get("deletion_time").and_then(serde_json::Value::as_str) {
        Some(t) if !t.is_empty() && !in_future(t) => KeyState::Deleted,
        _ => KeyState::Present,
    }
}

/// Whether an RFC 3339 UTC time (`2026-11-22T10:00:00.123Z`) lies after now. Compared as text
/// against now's RFC 3339 form, which orders correctly for the UTC `Z` form Vault writes.
fn in_future(t: &str) -> bool {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    t.get(..19).is_some_and(|head| head > crate::helm::funcs::dates::utc_datetime(now).as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vault_live_missing_key() {
        let pass = [
            json!({"data": {"current_version": 1, "versions": {"1": {"deletion_time": "", "destroyed": false}}}}),
            json!({"data": {"current_version": 2, "versions": {
                "1": {"deletion_time": "2020-01-01T00:00:00Z", "destroyed": false},
                "2": {"deletion_time": "", "destroyed": false}}}}),
            // Scheduled for deletion (delete_version_after), still readable.
            json!({"data": {"current_version": 1, "versions": {"1": {"deletion_time": "2999-01-01T00:00:00Z", "destroyed": false}}}}),
        ];
        for m in &pass {
            assert_eq!(kv2_state(m), KeyState::Present, "{m}");
        }
        let fail = [
            (
                json!({"data": {"current_version": 1, "versions": {"1": {"deletion_time": "2021-03-04T05:06:07.1Z", "destroyed": false}}}}),
                KeyState::Deleted,
            ),
            (
                json!({"data": {"current_version": 1, "versions": {"1": {"deletion_time": "", "destroyed": true}}}}),
                KeyState::Destroyed,
            ),
            (json!({"data": {"current_version": 0, "versions": {}}}), KeyState::NoVersion),
        ];
        for (m, want) in &fail {
            assert_eq!(kv2_state(m), *want, "{m}");
        }
    }
}
