//! `eso-remote-property`: a `remoteRef` asks a fixture-seeded Vault key for a field it does not
//! have, or for no field at all.

use super::{templated, vault_key};
use crate::finding::Severity;
use crate::model::facts::RefFrom;
use crate::model::fixtures::FIXTURE_PROPERTY;
use crate::rules::{ModelContext, ModelHits, Pack, Rule, RuleMeta, Scope};

pub struct EsoRemoteProperty;

static META: RuleMeta = RuleMeta {
    id: "eso-remote-property",
    pack: Pack::ExternalSecrets,
    severity: Severity::Error,
    summary: "A `remoteRef` to a fixture-seeded Vault key lacks `property`, or names a property the fixture does not write.",
    docs: r#"
## What it does
The Vault bootstrap writes each fixture key as a single field, `value`
(`vault kv put secret/<key> value=…`). For an ExternalSecret reading such a key through a Vault
store, each `data[].remoteRef` must say `property: value`: without a property ESO returns the
whole secret as a JSON document, and any other property does not exist. Keys that no fixture
map seeds are left to `fixture-missing-key`.

## Why is this bad?
A missing property puts `{"value":"…"}` into the Secret instead of the value, so the workload
starts with a wrong credential; a property the key lacks makes the sync fail
(`SecretSyncedError`) and the Secret never appears.

## Example
```yaml
data:
  - secretKey: gitlab-oidc.json
    remoteRef: {key: platform/dev/gitlab/oidc-provider, property: gitlab-oidc.json}
```

## Use instead
```yaml
data:
  - secretKey: gitlab-oidc.json
    remoteRef: {key: platform/dev/gitlab/oidc-provider, property: value}
```
"#,
};

impl Rule for EsoRemoteProperty {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Model
    }

    fn check_model(&self, cx: &ModelContext<'_>, hits: &mut ModelHits) {
        let env = cx.env;
        if !env.has_fixtures() {
            return;
        }
        for (o, es) in env.external_secrets() {
            let Some(mount) = env.fixture_mount(o, es) else { continue };
            for r in es.refs.iter().filter(|r| r.from == RefFrom::Data) {
                if templated(&r.key.text) || env.fixture(&vault_key(&r.key.text, &mount)).is_none() {
                    continue;
                }
                let id = format!("{}/{}:{}", o.facts.describe(), o.ns_label(), r.key.text);
                match &r.property {
                    None => {
                        hits.report(
                            &r.loc,
                            format!(
                                "{} reads fixture key `{}` without `property`: ESO would return the whole secret, not its `{FIXTURE_PROPERTY}`",
                                o.facts.describe(),
                                r.key.text
                            ),
                        )
                        .identity(id)
                        .help(format!("add `property: {FIXTURE_PROPERTY}`"));
                    }
                    Some(p) if p.text != FIXTURE_PROPERTY && !templated(&p.text) => {
                        hits.report(
                            &p.loc,
                            format!(
                                "{} reads property `{}` of fixture key `{}`, which the bootstrap writes only as `{FIXTURE_PROPERTY}`",
                                o.facts.describe(),
                                p.text,
                                r.key.text
                            ),
                        )
                        .identity(format!("{id}:{}", p.text))
                        .help(format!("use `property: {FIXTURE_PROPERTY}`"));
                    }
                    Some(_) => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::ModelTester;

    const FIXTURES: (&str, &str) = ("values/_shared/vault-bootstrap.yaml", "fixtures:\n  gitlab-oidc: \"\"\n");

    fn es(remote_ref: &str) -> String {
        format!(
            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {{name: oidc, namespace: app}}\nspec:\n  data:\n    - secretKey: oidc.json\n      remoteRef: {remote_ref}\n"
        )
    }

    #[test]
    fn eso_remote_property() {
        let good = es("{key: gitlab-oidc, property: value}");
        let missing = es("{key: gitlab-oidc}");
        let wrong = es("{key: gitlab-oidc, property: oidc.json}");
        let unseeded = es("{key: other}");
        ModelTester::new(&EsoRemoteProperty)
            .pass(&[
                &[FIXTURES, ("env/dev/es.yaml", &good)],
                &[FIXTURES, ("env/dev/es.yaml", &unseeded)],
                &[("env/dev/es.yaml", &missing)],
            ])
            .fail(&[&[FIXTURES, ("env/dev/es.yaml", &missing)], &[FIXTURES, ("env/dev/es.yaml", &wrong)]]);
        let hits = ModelTester::new(&EsoRemoteProperty).run(&[FIXTURES, ("env/dev/es.yaml", &wrong)]);
        assert_eq!((hits[0].start.line, hits[0].start.column), (7, 47));
    }
}
