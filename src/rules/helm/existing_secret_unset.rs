//! `existing-secret-unset`: an `existingSecret` slot is empty while a sibling literal credential
//! is set, so the chart inlines the credential.

use super::values_roots;
use crate::finding::Severity;
use crate::model::{path_string, walk};
use crate::rules::values::{literal_scalar, normalize_key};
use crate::rules::{DocContext, Hits, Pack, Rule, RuleMeta};
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
`existingSecret` is unset.

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
        if literal_scalar(&e.value).is_none() || !cx.policy.is_credential_key(key) {
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
}
