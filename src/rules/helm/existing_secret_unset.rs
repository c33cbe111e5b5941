//! `existing-secret-unset`: an `existingSecret` slot is empty while a sibling literal credential
//! is set, so the chart inlines the credential.

use super::values_roots;
use crate::finding::Severity;
use crate::model::facts::Loc;
use crate::model::{path_string, walk};
use crate::rules::values::{literal_scalar, normalize_key};
use crate::rules::{DocContext, Hits, ModelContext, ModelHits, Pack, Rule, RuleMeta};
use crate::source::yaml::Entry;

pub struct ExistingSecretUnset;

static META: RuleMeta = RuleMeta {
    id: "existing-secret-unset",
    pack: Pack::Helm,
    severity: Severity::Error,
    summary: "An `existingSecret` slot is empty while a sibling literal credential is set.",
    docs: r#"
## What it does
Flags a values mapping whose `existingSecret` (or `existingSecretName`) is empty or null while a
sibling key that looks like a credential (`password`, `rootPassword`, `token`, …) holds a literal.
Charts that follow the Bitnami convention render their own Secret from that literal whenever
`existingSecret` is unset. The values layers of each release are checked together too: an
environment overlay that empties `existingSecret` above a shared layer holding a literal (or
the other way round) is reported at the literal, with the emptying line as related location.

## Why is this bad?
The credential is in the values file, in Git, and the chart turns it into a Secret that nothing
rotates. Setting `existingSecret` is the switch that keeps the chart from doing that.

## Example
```yaml
postgresql:
  auth:
    existingSecret: ""
    password: dbpassword
```

## Use instead
```yaml
postgresql:
  auth:
    existingSecret: platform-db-credentials
```
"#,
};

impl Rule for ExistingSecretUnset {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DocContext<'_>, hits: &mut Hits) {
        for root in values_roots(cx) {
            if let Some(entries) = root.as_map() {
                check_mapping(cx, entries, "", hits);
            }
            let mut path = Vec::new();
            walk(root, &mut path, &mut |p, _key, node| {
                if let Some(entries) = node.as_map() {
                    check_mapping(cx, entries, &path_string(p), hits);
                }
            });
        }
    }

    fn check_model(&self, cx: &ModelContext<'_>, hits: &mut ModelHits) {
        self.check_layers(cx, hits);
    }
}

impl ExistingSecretUnset {
    /// Across the values layers of each release: an `existingSecret` emptied in one layer while
    /// a sibling literal credential comes from another (one file alone is `check`'s business).
    fn check_layers(&self, cx: &ModelContext<'_>, hits: &mut ModelHits) {
        for &r in &cx.env.releases {
            let Some(values) = cx.model.release_values.get(r) else { continue };
            let leaves = values.leaves();
            for (path, &(layer, node)) in &leaves {
                let (parent, key) = path.rsplit_once('.').unwrap_or(("", path.as_str()));
                if !matches!(normalize_key(key).as_str(), "existingsecret" | "existingsecretname")
                    || !(node.is_null() || node.as_str() == Some(""))
                {
                    continue;
                }
                let prefix = if parent.is_empty() { String::new() } else { format!("{parent}.") };
                for (other, &(other_layer, value)) in leaves.range(prefix.clone()..) {
                    let Some(sibling) = other.strip_prefix(&prefix) else { break };
                    if other_layer == layer
                        || sibling.contains(['.', '['])
                        || literal_scalar(value).is_none_or(|v| cx.policy().is_fill_in(&v.text))
                    {
                        continue;
                    }
                    if !cx.policy().is_credential_key(sibling) {
                        continue;
                    }
                    let file = values.layers[other_layer].file.clone();
                    let at = Loc { file, span: value.span };
                    let empty = Loc { file: values.layers[layer].file.clone(), span: node.span };
                    hits.report(
                        &at,
                        format!("`{other}` is a literal credential and `existingSecret` beside it is empty"),
                    )
                    .identity(format!("values:{other}"))
                    .secret(value.span)
                    .help("set `existingSecret` to a Secret delivered from Vault and remove the literal")
                    .related(&empty, "`existingSecret` is emptied here");
                }
            }
        }
    }
}

fn check_mapping(cx: &DocContext<'_>, entries: &[Entry], prefix: &str, hits: &mut Hits) {
    let unset = entries.iter().any(|e| {
        e.key.as_str().is_some_and(|k| matches!(normalize_key(k).as_str(), "existingsecret" | "existingsecretname"))
            && (e.value.is_null() || e.value.as_str() == Some(""))
    });
    if !unset {
        return;
    }
    for e in entries {
        let Some(key) = e.key.as_str() else { continue };
        // A fill-in (`XXXXXXXX`) is not a working credential.
        if literal_scalar(&e.value).is_none_or(|v| cx.policy.is_fill_in(&v.text)) || !cx.policy.is_credential_key(key) {
            continue;
        }
        let at = if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") };
        hits.report(e.value.span, format!("`{at}` is a literal credential and `existingSecret` beside it is empty"))
            .identity(format!("values:{at}"))
            .secret(e.value.span)
            .help("set `existingSecret` to a Secret delivered from Vault and remove the literal");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::FileClass;
    use crate::rules::testing::RuleTester;

    #[test]
    fn existing_secret_unset() {
        RuleTester::new(&ExistingSecretUnset)
            .class(FileClass::Values)
            .pass(&[
                "postgresql:\n  auth: {existingSecret: platform-db-credentials, password: \"\"}\n",
                "auth: {existingSecret: \"\", password: \"\"}\n",
                "auth: {existingSecret: \"\", username: app}\n",
                "auth: {existingSecret: \"\", password: \"{{ .Values.pw }}\"}\n",
            ])
            .fail(&[
                "postgresql:\n  auth:\n    existingSecret: \"\"\n    password: dbpassword\n",
                "existingSecret: ~\nrootPassword: s3cr3t-value\n",
            ]);
        let hits = RuleTester::new(&ExistingSecretUnset)
            .class(FileClass::Values)
            .run("postgresql:\n  auth:\n    existingSecret: \"\"\n    password: dbpassword\n");
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].start.line, hits[0].start.column), (4, 15));
    }

    #[test]
    fn across_the_layers_of_a_release() {
        use crate::rules::testing::ModelTester;
        let chart = ("charts/db/Chart.yaml", "apiVersion: v2\nname: db\nversion: 1.0.0\n");
        let app = (
            "env/prod/app.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: db}\nspec:\n  source:\n    path: charts/db\n    helm: {valueFiles: [../../values/shared/db.yaml, ../../values/prod/db.yaml]}\n",
        );
        let shared_literal = ("values/shared/db.yaml", "auth:\n  password: Shared-Literal-9\n");
        let overlay_empties = ("values/prod/db.yaml", "auth:\n  existingSecret: \"\"\n");
        let overlay_sets = ("values/prod/db.yaml", "auth:\n  existingSecret: db-credentials\n");
        ModelTester::new(&ExistingSecretUnset).pass(&[&[chart, app, shared_literal, overlay_sets]]).fail(&[&[
            chart,
            app,
            shared_literal,
            overlay_empties,
        ]]);
        let hits = ModelTester::new(&ExistingSecretUnset).run(&[chart, app, shared_literal, overlay_empties]);
        assert_eq!((hits[0].path.as_str(), hits[0].start.line), ("values/shared/db.yaml", 2));
        assert_eq!(hits[0].hit.related[0].path, "values/prod/db.yaml");
    }
}
