//! `env-literal-credential`: a container env var named like a credential set to a literal.

use crate::finding::Severity;
use crate::model::{Object, Seg, path_string, walk};
use crate::rules::values::literal_scalar;
use crate::rules::{DocContext, Hits, Pack, Rule, RuleMeta};

pub struct EnvLiteralCredential;

static META: RuleMeta = RuleMeta {
    id: "env-literal-credential",
    pack: Pack::Manifests,
    severity: Severity::Error,
    summary: "An `env` entry named like a credential is set to a literal `value`.",
    docs: r#"
## What it does
Flags `env` lists, in workloads (`containers[].env`, `initContainers[].env`) and in values files
(`env`, `extraEnv`, `extraEnvVars`, …), whose entry `name` looks like a credential
(`*_PASSWORD`, `*_TOKEN`, `*_SECRET_KEY`, `*_API_KEY`, `*_DATABASE_URL`, …) and whose `value` is
a literal. `valueFrom.secretKeyRef`, `$(VAR)` expansions, templates and `*_FILE` names are fine.

## Why is this bad?
The literal ends up in Git, in the rendered Deployment, in `kubectl describe` output and in every
tool that reads pod specs; the credential cannot be rotated without a commit.

## Example
```yaml
env:
  - name: MINIO_SECRET_KEY
    value: minioadmin
```

## Use instead
```yaml
env:
  - name: MINIO_SECRET_KEY
    valueFrom:
      secretKeyRef: {name: minio-root-credentials, key: root-password}
```
"#,
};

impl Rule for EnvLiteralCredential {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DocContext<'_>, hits: &mut Hits) {
        let obj = Object::new(&cx.doc.root);
        let mut path = Vec::new();
        walk(&cx.doc.root, &mut path, &mut |p, key, list| {
            let Some(key) = key.and_then(|k| k.as_str()) else { return };
            // Cheap tests first: this runs for every key of every document.
            let Some(items) = list.as_seq() else { return };
            if !key.as_bytes().windows(3).any(|w| w.eq_ignore_ascii_case(b"env")) {
                return;
            }
            for (i, item) in items.iter().enumerate() {
                let (Some(name), Some(value)) = (item.get_str("name"), item.get("value")) else { continue };
                // A fill-in (`INSERT_TOKEN`, `<key>`) is `placeholder-credential`'s business.
                if literal_scalar(value).is_none_or(|v| cx.policy.is_fill_in(&v.text))
                    || !cx.policy.is_credential_key(name)
                {
                    continue;
                }
                let mut at = p.to_vec();
                at.push(Seg::Index(i));
                hits.report(value.span, format!("env var `{name}` is set to a literal value"))
                    .identity(format!("{}:{}:{name}", obj.identity(), path_string(&at)))
                    .secret(value.span)
                    .help("use `valueFrom.secretKeyRef` pointing at a Secret delivered from Vault");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::RuleTester;

    #[test]
    fn env_literal_credential() {
        RuleTester::new(&EnvLiteralCredential)
            .pass(&[
                "env:\n  - name: MINIO_SECRET_KEY\n    valueFrom:\n      secretKeyRef: {name: minio, key: root-password}\n",
                "env:\n  - {name: LOG_LEVEL, value: debug}\n",
                "env:\n  - {name: DB_PASSWORD, value: $(DB_PASS)}\n  - {name: VAULT_SECRET_ID_FILE, value: /run/secret-id}\n",
                "extraEnv:\n  - {name: API_TOKEN, value: \"{{ .Values.token }}\"}\n",
                "env:\n  - {name: POSTGRES_PASSWORD, value: \"\"}\n",
                "containers:\n  - name: app\n    args: [--password, x]\n",
            ])
            .fail(&[
                "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - name: MINIO_SECRET_KEY\n              value: minioadmin\n",
                "extraEnv:\n  - name: GITHUB_TOKEN\n    value: \"abc123\"\n",
                "initContainers:\n  - env: [{name: DATABASE_URL, value: 'postgres://a:b@c/d'}]\n",
            ]);
    }

    #[test]
    fn points_at_the_value() {
        let hits = RuleTester::new(&EnvLiteralCredential).run("env:\n  - name: DB_PASSWORD\n    value: hunter2\n");
        assert_eq!((hits[0].start.line, hits[0].start.column), (3, 12));
    }
}
