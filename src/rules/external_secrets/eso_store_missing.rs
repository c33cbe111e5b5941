//! `eso-store-missing`: an ExternalSecret or PushSecret names a store the environment does not
//! define.

use super::templated;
use crate::finding::Severity;
use crate::rules::{ModelContext, ModelHits, Pack, Rule, RuleMeta, Scope};

pub struct EsoStoreMissing;

static META: RuleMeta = RuleMeta {
    id: "eso-store-missing",
    pack: Pack::ExternalSecrets,
    severity: Severity::Error,
    summary: "A `secretStoreRef` names a SecretStore or ClusterSecretStore that the environment does not define.",
    docs: r#"
## What it does
For every ExternalSecret and PushSecret of an environment, looks up the store its
`secretStoreRef` names: a `SecretStore` (the default kind) must exist in the same namespace, a
`ClusterSecretStore` anywhere in the environment — among the raw manifests deployed there and the
output of every Helm release of that environment. When the repository defines no store at all,
stores are managed elsewhere and the rule stays silent; so it does for a store kind that a chart
the scan could not render (deployed through an ApplicationSet cluster generator) defines.

## Why is this bad?
External Secrets Operator cannot sync an ExternalSecret whose store does not exist: the Secret is
never created and every workload that needs it fails to start. This typically happens when an
ExternalSecret moves to a new namespace (`argocd`, `clickhouse-system`) and nobody adds the store
there.

## Example
```yaml
# environments/dev/manifests/argocd-secret-sync.yaml
kind: ExternalSecret
metadata: {name: argocd-secret-sync, namespace: argocd}
spec:
  secretStoreRef: {kind: SecretStore, name: ameide-vault}   # no SecretStore ameide-vault in argocd
```

## Use instead
Render the store in that namespace too (for example through the store chart's
`extraSecretStores: [argocd]`), or reference a store that exists there.
"#,
};

impl Rule for EsoStoreMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Model
    }

    fn check_model(&self, cx: &ModelContext<'_>, hits: &mut ModelHits) {
        let any_store = cx.model.envs.iter().any(|e| e.objects.iter().any(|o| o.facts.store.is_some()));
        if !any_store {
            return;
        }
        let env = cx.env;
        for o in &env.objects {
            let refs: Vec<&crate::model::facts::StoreRef> = match (&o.facts.external_secret, &o.facts.push_secret) {
                (Some(es), _) => es.store.iter().collect(),
                (None, Some(ps)) => ps.stores.iter().collect(),
                _ => continue,
            };
            for r in refs {
                // A ClusterExternalSecret's namespaced store is resolved in each target namespace.
                let is_cluster_es = o.facts.external_secret.as_ref().is_some_and(|es| es.is_cluster);
                if templated(&r.name.text)
                    || (is_cluster_es && !r.is_cluster())
                    || cx.model.unseen_store_kinds.contains(&r.kind)
                {
                    continue;
                }
                if env.store_for(o.namespace.as_deref(), r).is_some() {
                    continue;
                }
                let place = if r.is_cluster() { String::new() } else { format!(" in namespace `{}`", o.ns_label()) };
                let hit = hits
                    .report(
                        &r.name.loc,
                        format!(
                            "{} uses {} `{}`, which the environment does not define{place}",
                            o.facts.describe(),
                            r.kind,
                            r.name.text,
                        ),
                    )
                    .identity(format!("{}/{}:store:{}/{}", o.facts.describe(), o.ns_label(), r.kind, r.name.text))
                    .help("deploy the store in that namespace (or reference one that exists there)");
                // Where a store of that name does exist, for comparison.
                for other in env.stores_named(&r.name.text) {
                    hit.related(
                        &other.facts.loc,
                        format!(
                            "{} `{}` is defined in namespace `{}`",
                            other.facts.kind,
                            r.name.text,
                            other.ns_label()
                        ),
                    );
                }
                if let Some(origin) = &r.name.origin {
                    hit.related(origin, "the store name comes from here");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::ModelTester;

    const STORE: (&str, &str) = (
        "env/dev/store.yaml",
        "apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata: {name: vault, namespace: app}\nspec: {provider: {vault: {server: https://vault:8200}}}\n",
    );

    fn es(ns: &str, kind: &str) -> String {
        format!(
            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {{name: db, namespace: {ns}}}\nspec:\n  secretStoreRef: {{kind: {kind}, name: vault}}\n  data: [{{secretKey: p, remoteRef: {{key: db}}}}]\n"
        )
    }

    #[test]
    fn eso_store_missing() {
        let same_ns = es("app", "SecretStore");
        let other_ns = es("argocd", "SecretStore");
        let cluster = es("app", "ClusterSecretStore");
        ModelTester::new(&EsoStoreMissing)
            .pass(&[
                &[STORE, ("env/dev/es.yaml", &same_ns)],
                // No store anywhere: stores are managed outside the repository.
                &[("env/dev/es.yaml", &other_ns)],
            ])
            .fail(&[&[STORE, ("env/dev/es.yaml", &other_ns)], &[STORE, ("env/dev/es.yaml", &cluster)]]);
        // The store of another environment does not count.
        let hits = ModelTester::new(&EsoStoreMissing).run(&[STORE, ("env/prod/es.yaml", &same_ns)]);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].env.as_deref(), Some("prod"));
        assert_eq!((hits[0].path.as_str(), hits[0].start.line), ("env/prod/es.yaml", 5));
    }
}
