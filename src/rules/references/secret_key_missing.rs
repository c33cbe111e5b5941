//! `secret-key-missing`: a consumer asks a Secret for a key its producer does not provide.

use crate::finding::Severity;
use crate::model::facts::Keys;
use crate::rules::external_secrets::templated;
use crate::rules::{ModelContext, ModelHits, Pack, Rule, RuleMeta, Scope};

pub struct SecretKeyMissing;

static META: RuleMeta = RuleMeta {
    id: "secret-key-missing",
    pack: Pack::References,
    severity: Severity::Error,
    summary: "A consumer asks for a key that the producing ExternalSecret or Secret does not provide.",
    docs: r#"
## What it does
For each `secretKeyRef.key` (and each `items[].key` of a secret volume) whose Secret has
producers in the environment and namespace, checks that some producer yields that key: the
`data[].secretKey`s or template keys of an ExternalSecret, the `data`/`stringData` keys of a
Secret, the keys a Certificate or a CNPG Cluster writes. Producers whose keys are only known at
run time (`dataFrom`, `templateFrom`) satisfy any key.

## Why is this bad?
The Secret exists, so nothing looks wrong in Argo CD, but the container fails with
`couldn't find key pass in Secret` (or mounts an empty file) — "fail fast" only if someone reads
the pod events.

## Example
```yaml
valueFrom: {secretKeyRef: {name: platform-db-credentials, key: pass}}
# the ExternalSecret yields `username` and `password`
```

## Use instead
```yaml
valueFrom: {secretKeyRef: {name: platform-db-credentials, key: password}}
```
"#,
};

impl Rule for SecretKeyMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Model
    }

    fn check_model(&self, cx: &ModelContext<'_>, hits: &mut ModelHits) {
        let env = cx.env;
        for o in &env.objects {
            for c in o.facts.consumers.iter().filter(|c| !c.optional) {
                let Some(key) = c.key.as_ref().filter(|k| !templated(&k.text)) else { continue };
                let producers: Vec<_> = env.producers_of(o.namespace.as_deref(), &c.secret.text).collect();
                if producers.is_empty() || producers.iter().any(|(_, p)| p.keys.has(&key.text)) {
                    continue;
                }
                let hit = hits
                    .report(
                        &key.loc,
                        format!(
                            "{} reads key `{}` of Secret `{}`, which its producer does not provide",
                            o.facts.describe(),
                            key.text,
                            c.secret.text
                        ),
                    )
                    .identity(format!("{}/{}:{}:{}", o.facts.describe(), o.ns_label(), c.secret.text, key.text))
                    .help("use one of the keys the producer yields, or add the key to the producer");
                for (p, prod) in producers {
                    let keys = match &prod.keys {
                        Keys::Known(k) if !k.is_empty() => k.join(", "),
                        _ => "no keys".into(),
                    };
                    hit.related(&prod.secret.loc, format!("{} yields {keys}", p.facts.describe()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::ModelTester;

    fn deploy(key: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: api, namespace: app}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          env:\n            - name: DB_PASSWORD\n              valueFrom: {{secretKeyRef: {{name: db, key: {key}}}}}\n"
        )
    }

    const ES: (&str, &str) = (
        "env/dev/es.yaml",
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db-sync, namespace: app}\nspec:\n  target: {name: db}\n  data: [{secretKey: password, remoteRef: {key: db-password}}, {secretKey: username, remoteRef: {key: db-user}}]\n",
    );

    #[test]
    fn secret_key_missing() {
        let good = deploy("password");
        let bad = deploy("pass");
        let open = (
            "env/dev/es.yaml",
            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db, namespace: app}\nspec:\n  dataFrom: [{extract: {key: db}}]\n",
        );
        ModelTester::new(&SecretKeyMissing)
            .pass(&[&[ES, ("env/dev/d.yaml", &good)], &[open, ("env/dev/d.yaml", &bad)], &[("env/dev/d.yaml", &bad)]])
            .fail(&[&[ES, ("env/dev/d.yaml", &bad)]]);
    }
}
