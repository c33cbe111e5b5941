//! `secret-ref-unresolved`: a consumer names a Secret nothing produces.

use crate::finding::Severity;
use crate::rules::external_secrets::templated;
use crate::rules::{ModelContext, ModelHits, Pack, Rule, RuleMeta, Scope};

pub struct SecretRefUnresolved;

static META: RuleMeta = RuleMeta {
    id: "secret-ref-unresolved",
    pack: Pack::References,
    severity: Severity::Error,
    summary: "A consumer (`secretKeyRef`, `envFrom`, volume, `imagePullSecrets`, `existingSecret`, CR reference) names a Secret nothing produces in that environment and namespace.",
    docs: r#"
## What it does
For every environment, resolves each Secret reference — container `env[].valueFrom.secretKeyRef`
and `envFrom[].secretRef`, `volumes[].secret` and projected secrets, `imagePullSecrets`,
`existingSecret` values of releases whose chart is not in the tree, CloudNativePG and Keycloak
references — against the producers deployed in the same namespace of that environment: an
ExternalSecret's target, a Secret, a SealedSecret, a cert-manager Certificate's `secretName`, the
Secrets a CNPG `Cluster` and other known operators generate, and the config's
`declared-secrets` (Secrets made outside the repository). References marked `optional: true`
are skipped, and so are environments that manage no Secret declaratively (no ExternalSecret,
SealedSecret or `declared-secrets` entry: an application's own repository, whose Secrets the
operator provides) and charts no release deploys, and so are names that start with the name of a release whose chart is not in the
tree (charts name their own Secrets `<release>-…`, and that chart could not be rendered).

## Why is this bad?
Kubernetes does not validate references: the pod is created and sits in
`CreateContainerConfigError` until someone reads the events. The usual causes are a typo in an
environment overlay, an ExternalSecret disabled in one environment, or a producer that lives in a
chart installed later.

## Example
```yaml
# env/production/apps/platform.yaml
database:
  existingSecret: platform-db-credentials-prod   # nothing creates this Secret
```

## Use instead
Point the reference at the Secret the environment's ExternalSecret creates
(`platform-db-credentials`), or add the ExternalSecret.
"#,
};

impl Rule for SecretRefUnresolved {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Model
    }

    fn check_model(&self, cx: &ModelContext<'_>, hits: &mut ModelHits) {
        let env = cx.env;
        if !env.manages_secrets() {
            return;
        }
        for o in env.objects.iter().filter(|o| !o.hypothetical) {
            let ns = o.namespace.as_deref();
            for c in o.facts.consumers.iter().filter(|c| !c.optional && !templated(&c.secret.text)) {
                if env.producers_of(ns, &c.secret.text).next().is_some()
                    || env.maybe_from_unrendered_chart(ns, &c.secret.text)
                {
                    continue;
                }
                let hit = hits
                    .report(
                        &c.secret.loc,
                        format!(
                            "{} needs Secret `{}` ({}), which nothing produces in namespace `{}`",
                            o.facts.describe(),
                            c.secret.text,
                            c.via.as_str(),
                            o.ns_label()
                        ),
                    )
                    .identity(format!("{}/{}:{}:{}", o.facts.describe(), o.ns_label(), c.via.as_str(), c.secret.text))
                    .help("create it with an ExternalSecret in this namespace, or reference a Secret that exists here");
                if let Some(origin) = &c.secret.origin {
                    hit.related(origin, "the name comes from here");
                }
                // The same name produced elsewhere is the usual explanation.
                if let Some((p, prod)) = env.producers_of(None, &c.secret.text).next() {
                    hit.related(
                        &prod.secret.loc,
                        format!("produced by {} in namespace `{}`", p.facts.describe(), p.ns_label()),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::ModelTester;

    fn deploy(secret: &str, extra: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: api, namespace: app}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          env:\n            - name: DB_PASSWORD\n              valueFrom: {{secretKeyRef: {{name: {secret}, key: password{extra}}}}}\n"
        )
    }

    const ES: (&str, &str) = (
        "env/dev/es.yaml",
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db-sync, namespace: app}\nspec:\n  target: {name: db}\n  data: [{secretKey: password, remoteRef: {key: db-password}}]\n",
    );

    #[test]
    fn secret_ref_unresolved() {
        let good = deploy("db", "");
        let typo = deploy("db-prod", "");
        let optional = deploy("db-prod", ", optional: true");
        let other_ns = ES.1.replace("namespace: app", "namespace: other");
        ModelTester::new(&SecretRefUnresolved)
            .pass(&[
                &[ES, ("env/dev/deploy.yaml", &good)],
                &[ES, ("env/dev/deploy.yaml", &optional)],
                // No Secret is managed declaratively: the application's operator provides them.
                &[("env/dev/deploy.yaml", &typo)],
            ])
            .fail(&[
                &[ES, ("env/dev/deploy.yaml", &typo)],
                &[("env/dev/es.yaml", &other_ns), ("env/dev/deploy.yaml", &good)],
                // Produced in dev only; consumed in prod too.
                &[
                    ES,
                    ("deploy/shared.yaml", &good),
                    ("env/prod/es.yaml", &ES.1.replace("db-sync", "other-sync").replace("name: db}", "name: other}")),
                ],
            ]);
        let hits = ModelTester::new(&SecretRefUnresolved).run(&[ES, ("env/dev/deploy.yaml", &typo)]);
        assert_eq!((hits[0].start.line, hits[0].start.column), (11, 48));
    }
}
