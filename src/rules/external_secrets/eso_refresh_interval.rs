//! `eso-refresh-interval`: an ExternalSecret never refreshes, or refreshes too rarely.

use super::{duration_secs, templated};
use crate::finding::Severity;
use crate::rules::{ModelContext, ModelHits, Pack, Rule, RuleMeta, Scope};

pub struct EsoRefreshInterval;

/// The longest refresh interval accepted: a rotated credential reaches the cluster within an hour.
pub const MAX_REFRESH_SECS: f64 = 3600.0;

static META: RuleMeta = RuleMeta {
    id: "eso-refresh-interval",
    pack: Pack::ExternalSecrets,
    severity: Severity::Warning,
    summary: "An ExternalSecret's `refreshInterval` is `0` (never refresh) or longer than one hour.",
    docs: r#"
## What it does
Reads `spec.refreshInterval` of every ExternalSecret and ClusterExternalSecret: `0` turns
refreshing off after the first sync, and anything above `1h` leaves a rotated or corrected value
out of the cluster for longer than an hour. A missing interval is ESO's default (`1h`) and is
fine; ExternalSecrets that read a generator (where `0` keeps a generated password stable) or use
`refreshPolicy: CreatedOnce` are not synced from a store and are left alone.

## Why is this bad?
Vault is the source of truth only if the cluster follows it. With refreshing off or rare, a
rotation, a revocation or the replacement of a bootstrap placeholder by the real value does not
reach the workloads; teams then "fix" it by force-syncing by hand, which GitOps is meant to
avoid.

## Example
```yaml
spec:
  refreshInterval: 168h
```

## Use instead
```yaml
spec:
  refreshInterval: 1h   # or shorter for keys that rotate often
```
"#,
};

impl Rule for EsoRefreshInterval {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Model
    }

    fn check_model(&self, cx: &ModelContext<'_>, hits: &mut ModelHits) {
        for (o, es) in cx.env.external_secrets() {
            // Generated values (`refreshInterval: 0` keeps a generated password stable) and
            // one-time restores are not synced from a store.
            if es.uses_generator || es.seed_only {
                continue;
            }
            let Some(r) = &es.refresh else { continue };
            if templated(&r.text) {
                continue;
            }
            let Some(secs) = duration_secs(&r.text) else { continue };
            let problem = if secs == 0.0 {
                "is `0`: the Secret is never refreshed after its first sync".to_string()
            } else if secs > MAX_REFRESH_SECS {
                format!("is `{}`, longer than one hour", r.text)
            } else {
                continue;
            };
            hits.report(&r.loc, format!("{}: refreshInterval {problem}", o.facts.describe()))
                .identity(format!("{}/{}:refreshInterval", o.facts.describe(), o.ns_label()))
                .help("set `refreshInterval: 1h` or shorter");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::ModelTester;

    fn es(interval: &str) -> String {
        format!(
            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {{name: db}}\nspec:\n{interval}  target: {{name: db}}\n"
        )
    }

    #[test]
    fn eso_refresh_interval() {
        let cases: Vec<String> =
            ["", "  refreshInterval: 1h\n", "  refreshInterval: 15m\n", "  refreshInterval: \"{{ .Values.r }}\"\n"]
                .iter()
                .map(|i| es(i))
                .collect();
        let generator = "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: pw}\nspec:\n  refreshInterval: \"0\"\n  dataFrom: [{sourceRef: {generatorRef: {kind: Password, name: pw}}}]\n";
        ModelTester::new(&EsoRefreshInterval).pass(&[&[("deploy/es.yaml", generator)]]);
        let bad: Vec<String> = ["  refreshInterval: 168h\n", "  refreshInterval: \"0\"\n", "  refreshInterval: 0s\n"]
            .iter()
            .map(|i| es(i))
            .collect();
        let t = ModelTester::new(&EsoRefreshInterval);
        for c in &cases {
            t.pass(&[&[("deploy/es.yaml", c)]]);
        }
        for c in &bad {
            t.fail(&[&[("deploy/es.yaml", c)]]);
        }
    }
}
