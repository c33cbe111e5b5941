//! `pushsecret-mirror-only`: a PushSecret does more than mirror a cluster-made Secret into Vault.

use super::{templated, vault_key};
use crate::finding::Severity;
use crate::model::facts::ProducerKind;
use crate::rules::{ModelContext, ModelHits, Pack, Rule, RuleMeta, Scope};

pub struct PushsecretMirrorOnly;

static META: RuleMeta = RuleMeta {
    id: "pushsecret-mirror-only",
    pack: Pack::ExternalSecrets,
    severity: Severity::Error,
    summary: "A PushSecret does not use `updatePolicy: Replace`, pushes to a key an ExternalSecret reads, or pushes a Secret an ExternalSecret creates.",
    docs: r#"
## What it does
A PushSecret copies a Secret the cluster makes (a CNPG password, a generated key) into Vault as a
mirror. The rule flags a PushSecret of an environment that
- sets `updatePolicy` to anything but `Replace` (the mirror goes stale after a rotation),
- pushes to a Vault key that an ExternalSecret of the same environment reads (two sources of
  truth for one key), or
- pushes a Secret that an ExternalSecret creates from Vault (a loop).

## Why is this bad?
"Never combine ExternalSecret and PushSecret for the same secret path": whichever writes last
wins, rotations flap, and a replica ends up feeding the original.

## Example
```yaml
kind: PushSecret
spec:
  updatePolicy: IfNotExists
  selector: {secret: {name: platform-db-credentials}}
  data:
    - match: {secretKey: password, remoteRef: {remoteKey: platform-db-password}}
```

## Use instead
```yaml
kind: PushSecret
spec:
  updatePolicy: Replace
  selector: {secret: {name: postgres-ameide-app}}     # made by CNPG, read by nobody from Vault
  data:
    - match: {secretKey: password, remoteRef: {remoteKey: postgres-ameide-app-password}}
```
"#,
};

impl Rule for PushsecretMirrorOnly {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Model
    }

    fn check_model(&self, cx: &ModelContext<'_>, hits: &mut ModelHits) {
        let env = cx.env;
        for o in &env.objects {
            let Some(ps) = &o.facts.push_secret else { continue };
            let what = o.facts.describe();
            if let Some(p) = ps.update_policy.as_ref().filter(|p| p.text != "Replace" && !templated(&p.text)) {
                hits.report(
                    &p.loc,
                    format!("{what} uses updatePolicy `{}`: the Vault copy goes stale after a rotation", p.text),
                )
                .identity(format!("{what}/{}:updatePolicy", o.ns_label()))
                .help("set `updatePolicy: Replace`");
            }
            for rk in ps.remote_keys.iter().filter(|k| !templated(&k.text)) {
                let pushed = vault_key(&rk.text, "secret");
                let readers: Vec<_> = env
                    .external_secrets()
                    // A CreatedOnce ExternalSecret restores the mirror once: the backup/restore pattern.
                    .filter(|(_, es)| !es.seed_only)
                    .flat_map(|(e, es)| es.refs.iter().map(move |r| (e, r)))
                    .filter(|(_, r)| vault_key(&r.key.text, "secret") == pushed)
                    .collect();
                if let Some((reader, r)) = readers.first() {
                    hits.report(&rk.loc, format!("{what} pushes to Vault key `{}`, which {} also reads", rk.text, reader.facts.describe()))
                        .identity(format!("{what}/{}:remoteKey:{}", o.ns_label(), rk.text))
                        .help("push mirrors only: read the original Secret directly, or push to a key no ExternalSecret reads")
                        .related(&r.key.loc, "read here");
                }
            }
            if let Some(sel) = &ps.selector
                && let Some((p, prod)) = env.producers_of(o.namespace.as_deref(), &sel.text).find(|(p, prod)| {
                    matches!(prod.kind, ProducerKind::ExternalSecret | ProducerKind::ClusterExternalSecret)
                        && p.facts.external_secret.as_ref().is_some_and(|es| !es.seed_only)
                })
            {
                hits.report(
                    &sel.loc,
                    format!(
                        "{what} pushes Secret `{}`, which {} creates from Vault: a loop",
                        sel.text,
                        p.facts.describe()
                    ),
                )
                .identity(format!("{what}/{}:selector:{}", o.ns_label(), sel.text))
                .help("push only Secrets the cluster makes (operators, generators), never ExternalSecret targets")
                .related(&prod.secret.loc, "created here");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::ModelTester;

    fn push(policy: &str, secret: &str, key: &str) -> String {
        format!(
            "apiVersion: external-secrets.io/v1alpha1\nkind: PushSecret\nmetadata: {{name: mirror, namespace: app}}\nspec:\n  updatePolicy: {policy}\n  selector: {{secret: {{name: {secret}}}}}\n  data:\n    - match: {{secretKey: password, remoteRef: {{remoteKey: {key}}}}}\n"
        )
    }

    const ES: (&str, &str) = (
        "env/dev/es.yaml",
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db-sync, namespace: app}\nspec:\n  target: {name: db}\n  data: [{secretKey: password, remoteRef: {key: db-password, property: value}}]\n",
    );

    #[test]
    fn pushsecret_mirror_only() {
        let good = push("Replace", "pg-app", "pg-app-password");
        let policy = push("IfNotExists", "pg-app", "pg-app-password");
        let shared_key = push("Replace", "pg-app", "db-password");
        let shared_key_prefixed = push("Replace", "pg-app", "secret/data/db-password");
        let cycle = push("Replace", "db", "other");
        ModelTester::new(&PushsecretMirrorOnly).pass(&[&[ES, ("env/dev/push.yaml", &good)]]).fail(&[
            &[ES, ("env/dev/push.yaml", &policy)],
            &[ES, ("env/dev/push.yaml", &shared_key)],
            &[ES, ("env/dev/push.yaml", &shared_key_prefixed)],
            &[ES, ("env/dev/push.yaml", &cycle)],
        ]);
    }
}
