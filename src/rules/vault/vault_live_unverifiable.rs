//! `vault-live-unverifiable`: the token may not read a path the check needs (403), so the key or
//! folder could not be verified. Reported by `secretgate vault verify`.

use crate::finding::Severity;
use crate::rules::{Pack, Rule, RuleMeta, Scope};

pub struct VaultLiveUnverifiable;

pub const ID: &str = "vault-live-unverifiable";

static META: RuleMeta = RuleMeta {
    id: ID,
    pack: Pack::Vault,
    severity: Severity::Warning,
    summary: "The Vault token has no permission to read a path `vault verify` needs, so that key or folder was not verified.",
    docs: r#"
## What it does
Only `secretgate vault verify --env ENV` reports it. A `403 permission denied` on a key's metadata
or data, or on a folder list, is not evidence that the key is missing: the command reports the key
(or folder) as unverifiable instead, at the `remoteRef.key` or fixture entry that expects it.

## Why is this bad?
A verification that silently skips what it cannot see gives false confidence. Either the token's
policy is too narrow for the check, or the key lives where the environment's readers cannot reach
it either (ESO's role has the same kind of policy).

## Example
```hcl
# policy of the verify role
path "secret/data/app/*"     { capabilities = ["read"] }
path "secret/metadata/app/*" { capabilities = ["read", "list"] }
# ExternalSecret reads secret/other/token  ->  403
```

## Use instead
Give the verify role `read` on `<mount>/data/*` and `read`, `list` on `<mount>/metadata/*` (KV v1:
`read`, `list` on `<mount>/*`) for the environment's keys, nothing more.
"#,
};

impl Rule for VaultLiveUnverifiable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Live
    }
}

/// What an HTTP status on a read means for the check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Found,
    NotFound,
    /// 403: no permission; unverifiable, never "missing".
    Denied,
    /// Anything else (5xx after retries, 400, …).
    Failed(u16),
}

pub fn access(status: u16) -> Access {
    match status {
        200..=299 => Access::Found,
        404 => Access::NotFound,
        403 => Access::Denied,
        s => Access::Failed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_live_unverifiable() {
        let pass = [(200, Access::Found), (204, Access::Found), (404, Access::NotFound)];
        for (s, want) in pass {
            assert_eq!(access(s), want);
        }
        let fail = [(403, Access::Denied), (500, Access::Failed(500)), (400, Access::Failed(400))];
        for (s, want) in fail {
            assert_eq!(access(s), want);
        }
    }
}
