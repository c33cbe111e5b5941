//! `no-local-fallback`: an environment overlay switches off ExternalSecrets or turns on local,
//! inline credentials.

use super::values_roots;
use crate::finding::Severity;
use crate::model::{Seg, path_string, walk};
use crate::rules::values::normalize_key;
use crate::rules::{DocContext, Hits, Pack, Rule, RuleMeta};

pub struct NoLocalFallback;

static META: RuleMeta = RuleMeta {
    id: "no-local-fallback",
    pack: Pack::Helm,
    severity: Severity::Error,
    summary: "An environment overlay disables ExternalSecrets or enables local inline credentials.",
    docs: r#"
## What it does
Flags values in an environment's own overlay (`values-<env>.yaml`, `env/<env>/…`) that switch
the Vault path off for that environment — `externalSecrets.enabled: false`,
`externalSecret.enabled: false`, `secrets.enabled: false`, `vault.enabled: false` — or switch a
local fallback on: `localCredentials.enabled: true`, `localSecrets.enabled: true`,
`inlineSecrets.enabled: true`.

## Why is this bad?
"Even for dev overlays, do not disable ExternalSecrets or inject ad-hoc fixture Secrets": an
environment that skips the Vault path never exercises it, drifts from the others, and hides
missing Vault keys until a managed environment fails at deploy time.

## Example
```yaml
# env/local/platform/langfuse.yaml
externalSecrets:
  enabled: false
localCredentials:
  enabled: true
```

## Use instead
No override: the environment consumes the same ExternalSecret and Vault fixture as the others.
"#,
};

const VAULT_PATH_TOGGLES: &[&str] = &["externalsecrets", "externalsecret", "secrets", "vault", "vaultsecrets"];
const LOCAL_TOGGLES: &[&str] = &["localcredentials", "localsecrets", "inlinesecrets", "localsecret", "devsecrets"];

impl Rule for NoLocalFallback {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DocContext<'_>, hits: &mut Hits) {
        // Base values decide the default; only an environment's own overlay can fall back.
        if cx.env.shared {
            return;
        }
        for root in values_roots(cx) {
            let mut path = Vec::new();
            walk(root, &mut path, &mut |p, key, value| {
                if key.and_then(|k| k.as_str()) != Some("enabled") {
                    return;
                }
                let Some(flag) = value.as_scalar().and_then(|s| s.as_bool()) else { return };
                let Some(Seg::Key(parent)) = p.len().checked_sub(2).map(|i| p[i]) else { return };
                let parent = normalize_key(parent);
                let bad = (!flag && VAULT_PATH_TOGGLES.contains(&parent.as_str()))
                    || (flag && LOCAL_TOGGLES.contains(&parent.as_str()));
                if bad {
                    let at = path_string(p);
                    let env = cx.env.envs.first().map_or("this environment", String::as_str);
                    hits.report(value.span, format!("`{at}: {flag}` makes {env} skip the Vault/ExternalSecret path"))
                        .identity(format!("values:{at}"))
                        .help("remove the override: every environment reconciles the same ExternalSecrets");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::FileClass;
    use crate::rules::testing::RuleTester;

    #[test]
    fn no_local_fallback() {
        let overlay = RuleTester::new(&NoLocalFallback).class(FileClass::Values).managed(false);
        overlay
            .pass(&[
                "externalSecrets:\n  enabled: true\n",
                "ingress:\n  enabled: false\n",
                "localCredentials:\n  enabled: false\n",
            ])
            .fail(&[
                "externalSecrets:\n  enabled: false\n",
                "localCredentials:\n  enabled: true\n  LANGFUSE_SECRET_KEY: lf_api_secret\n",
                "secrets: {enabled: false}\n",
            ]);
    }
}
