//! `create-secret-toggle`: values turn on chart-created Secrets.

use super::values_roots;
use crate::finding::Severity;
use crate::model::{path_string, walk};
use crate::rules::values::normalize_key;
use crate::rules::{DocContext, Hits, Pack, Rule, RuleMeta};

pub struct CreateSecretToggle;

static META: RuleMeta = RuleMeta {
    id: "create-secret-toggle",
    pack: Pack::Helm,
    severity: Severity::Error,
    summary: "Values turn on a chart-created Secret (`createSecret: true`, `secret.create: true`).",
    docs: r#"
## What it does
Flags values (values files, Flux `HelmRelease.spec.values`, Argo CD `valuesObject`) that switch on
a chart's own Secret: `createSecret: true`, `secret.create: true`, `secrets.create: true`,
`auth.createSecret: true` and the like.

## Why is this bad?
A chart-created Secret is filled from values, so the credential has to be in the values, in Git.
It also competes with the ExternalSecret that should own the Secret: two producers, one of them
holding a stale or placeholder value.

## Example
```yaml
migrations:
  createSecret: true
  secretName: db-migrations
  password: x
```

## Use instead
```yaml
migrations:
  existingSecrets: [platform-db-credentials]
```
"#,
};

impl Rule for CreateSecretToggle {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DocContext<'_>, hits: &mut Hits) {
        // A chart's own defaults are its author's business; the overlays that deploy it are ours.
        if super::is_chart_defaults(&cx.file.path, cx.repo_files) {
            return;
        }
        for root in values_roots(cx) {
            let mut path = Vec::new();
            walk(root, &mut path, &mut |p, key, value| {
                let Some(key) = key.and_then(|k| k.as_str()) else { return };
                if value.as_scalar().and_then(|s| s.as_bool()) != Some(true) {
                    return;
                }
                let norm = normalize_key(key);
                let parent = p.len().checked_sub(2).and_then(|i| match p[i] {
                    crate::model::Seg::Key(k) => Some(normalize_key(k)),
                    crate::model::Seg::Index(_) => None,
                });
                let toggles = matches!(norm.as_str(), "createsecret" | "createsecrets")
                    || (norm == "create" && parent.as_deref().is_some_and(|p| matches!(p, "secret" | "secrets")));
                if toggles {
                    let at = path_string(p);
                    hits.report(value.span, format!("`{at}` makes the chart create its own Secret from values"))
                        .identity(format!("values:{at}"))
                        .help("turn it off and point the chart at a Secret from an ExternalSecret (`existingSecret`)");
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
    fn create_secret_toggle() {
        RuleTester::new(&CreateSecretToggle)
            .class(FileClass::Values)
            .pass(&[
                "migrations: {existingSecrets: [db]}\n",
                "secret: {create: false}\n",
                "serviceAccount: {create: true}\n",
                "createSecret: \"{{ .Values.x }}\"\n",
            ])
            .fail(&[
                "migrations: {createSecret: true, secretName: db, password: x}\n",
                "secret:\n  create: true\n",
                "auth:\n  createSecret: yes\n",
            ]);
        // Outside values files only HelmRelease/Application values count.
        RuleTester::new(&CreateSecretToggle)
            .pass(&["kind: ConfigMap\ndata: {createSecret: \"true\"}\n"])
            .fail(&["kind: HelmRelease\nspec:\n  values:\n    secret: {create: true}\n"]);
    }
}
