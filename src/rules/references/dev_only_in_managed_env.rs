//! `dev-only-in-managed-env`: something meant for development is switched on in a managed
//! environment.

use crate::finding::Severity;
use crate::rules::values::normalize_key;
use crate::rules::{ModelContext, ModelHits, Pack, Rule, RuleMeta, Scope};

pub struct DevOnlyInManagedEnv;

/// Values toggles (`<name>.enabled`, normalised) that turn on dev-only machinery.
const DEV_ONLY_TOGGLES: &[&str] = &[
    "clustersecretstore",
    "passwordreconcile",
    "testpersonas",
    "personas",
    "devdata",
    "autounseal",
    "autoinit",
    "writertoken",
];

static META: RuleMeta = RuleMeta {
    id: "dev-only-in-managed-env",
    pack: Pack::References,
    severity: Severity::Error,
    summary: "A resource or values toggle meant for development only is enabled in a managed environment.",
    docs: r#"
## What it does
In managed environments, flags:
- objects labelled or annotated `secretgate.io/dev-only: "true"`;
- release values that turn dev-only machinery on: `clusterSecretStore.enabled`,
  `passwordReconcile.enabled`, `testPersonas.enabled`/`personas.enabled`, `devData.enabled`,
  `autoUnseal.enabled`/`autoInit.enabled`, `writerToken.enabled` set to `true` in any values
  layer of a release of that environment.

## Why is this bad?
Test personas, writer tokens, a cluster-wide store for developer workspaces or a password
reconciler are conveniences for throwaway clusters. In staging or production they are standing
credentials and privileges nobody reviews: "production does not ship default test personas or
their secrets".

## Example
```yaml
# sources/values/env/staging/foundation/foundation-vault-secret-store.yaml
vault:
  clusterSecretStore:
    enabled: true
```

## Use instead
Set it only in the `local`/`dev` overlays; keep the shared default `false`.
"#,
};

impl Rule for DevOnlyInManagedEnv {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Model
    }

    fn check_model(&self, cx: &ModelContext<'_>, hits: &mut ModelHits) {
        let env = cx.env;
        if !env.managed {
            return;
        }
        for o in env.objects.iter().filter(|o| o.facts.dev_only) {
            hits.report(
                &o.facts.loc,
                format!(
                    "{} is marked dev-only but deployed in managed environment {}",
                    o.facts.describe(),
                    env.label()
                ),
            )
            .identity(format!("{}/{}:dev-only", o.facts.describe(), o.ns_label()))
            .help("deploy it only in local/dev environments");
        }
        for &r in &env.releases {
            let (Some(release), Some(values)) = (cx.releases.get(r), cx.model.release_values.get(r)) else { continue };
            for (path, (layer, node)) in values.leaves() {
                let Some(toggle) = path.strip_suffix(".enabled") else { continue };
                let name = toggle.rsplit('.').next().unwrap_or(toggle);
                if !DEV_ONLY_TOGGLES.contains(&normalize_key(name).as_str())
                    || node.as_scalar().and_then(|s| s.as_bool()) != Some(true)
                {
                    continue;
                }
                let file = values.layers[layer].file.clone();
                let at = crate::model::facts::Loc { file, span: node.span };
                hits.report(
                    &at,
                    format!(
                        "release `{}` enables dev-only `{path}` in managed environment {}",
                        release.name,
                        env.label()
                    ),
                )
                .identity(format!("release:{}:{path}", release.name))
                .help("enable it only in the local/dev overlays");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::ModelTester;

    const CHART: (&str, &str) = ("charts/store/Chart.yaml", "apiVersion: v2\nname: store\nversion: 1.0.0\n");

    fn app(env: &str) -> String {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: store}}\nspec:\n  destination: {{namespace: ns}}\n  source:\n    path: charts/store\n    helm: {{valueFiles: [../../values/{env}/store.yaml]}}\n"
        )
    }

    #[test]
    fn dev_only_in_managed_env() {
        let on = "vault:\n  clusterSecretStore:\n    enabled: true\n";
        let off = "vault:\n  clusterSecretStore:\n    enabled: false\n";
        let staging_app = app("staging");
        let dev_app = app("dev");
        let labelled =
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: personas\n  labels: {secretgate.io/dev-only: \"true\"}\n";
        ModelTester::new(&DevOnlyInManagedEnv)
            .pass(&[
                &[CHART, ("env/dev/app.yaml", &dev_app), ("values/dev/store.yaml", on)],
                &[CHART, ("env/staging/app.yaml", &staging_app), ("values/staging/store.yaml", off)],
                &[("env/dev/personas.yaml", labelled)],
            ])
            .fail(&[
                &[CHART, ("env/staging/app.yaml", &staging_app), ("values/staging/store.yaml", on)],
                &[("env/production/personas.yaml", labelled)],
            ]);
        let hits = ModelTester::new(&DevOnlyInManagedEnv).run(&[
            CHART,
            ("env/staging/app.yaml", &staging_app),
            ("values/staging/store.yaml", on),
        ]);
        assert_eq!((hits[0].path.as_str(), hits[0].start.line), ("values/staging/store.yaml", 3));
    }
}
