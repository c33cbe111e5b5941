//! `eso-store-policy`: a managed environment reads secrets through a cluster-wide store.

use super::templated;
use crate::finding::Severity;
use crate::rules::{ModelContext, ModelHits, Pack, Rule, RuleMeta, Scope};

pub struct EsoStorePolicy;

static META: RuleMeta = RuleMeta {
    id: "eso-store-policy",
    pack: Pack::ExternalSecrets,
    severity: Severity::Error,
    summary: "An ExternalSecret in a managed environment uses a ClusterSecretStore instead of a namespaced SecretStore.",
    docs: r#"
## What it does
In managed environments (staging, production and any the config marks), flags an ExternalSecret
whose `secretStoreRef.kind` is `ClusterSecretStore`. ClusterExternalSecrets, which exist to fan
out across namespaces, are left alone, and so are environments that define no namespaced
SecretStore at all (the repository has chosen cluster-wide stores; the rule guards a namespaced
setup against regressions).

## Why is this bad?
A ClusterSecretStore answers every namespace of the cluster with the same Vault identity: any
team that can create an ExternalSecret can read any key the store's role can read. A
per-namespace `SecretStore` bound to a namespace-scoped Vault role keeps one team's keys out of
another team's reach — the isolation managed environments rely on.

## Example
```yaml
# environments/production/manifests/grafana-admin-sync.yaml
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: vault-cluster}
```

## Use instead
```yaml
spec:
  secretStoreRef: {kind: SecretStore, name: ameide-vault}
```
"#,
};

impl Rule for EsoStorePolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Model
    }

    fn check_model(&self, cx: &ModelContext<'_>, hits: &mut ModelHits) {
        // A repository that has no namespaced store at all has chosen cluster-wide stores; the
        // rule guards a namespaced setup against regressions.
        let namespaced = cx.env.objects.iter().any(|o| o.facts.store.as_ref().is_some_and(|s| !s.is_cluster));
        if !cx.env.managed || !namespaced {
            return;
        }
        for (o, es) in cx.env.external_secrets() {
            let Some(r) = &es.store else { continue };
            if es.is_cluster || !r.is_cluster() || templated(&r.name.text) {
                continue;
            }
            hits.report(
                r.kind_loc.as_ref().unwrap_or(&r.name.loc),
                format!(
                    "{} in managed environment {} reads through ClusterSecretStore `{}`",
                    o.facts.describe(),
                    cx.env.label(),
                    r.name.text
                ),
            )
            .identity(format!("{}/{}:cluster-store:{}", o.facts.describe(), o.ns_label(), r.name.text))
            .help("use a SecretStore in the ExternalSecret's namespace, bound to a namespace-scoped Vault role");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::ModelTester;

    fn es(kind: &str) -> String {
        format!(
            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {{name: db, namespace: app}}\nspec:\n  secretStoreRef: {{kind: {kind}, name: vault}}\n"
        )
    }

    const STORE: (&str, &str) = (
        "env/production/store.yaml",
        "apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata: {name: vault, namespace: app}\nspec: {provider: {vault: {server: https://v}}}\n",
    );

    #[test]
    fn eso_store_policy() {
        let cluster = es("ClusterSecretStore");
        let namespaced = es("SecretStore");
        let ces = "apiVersion: external-secrets.io/v1\nkind: ClusterExternalSecret\nmetadata: {name: pull}\nspec:\n  externalSecretSpec:\n    secretStoreRef: {kind: ClusterSecretStore, name: vault}\n";
        ModelTester::new(&EsoStorePolicy)
            .pass(&[
                &[STORE, ("env/production/es.yaml", &namespaced)],
                &[STORE, ("env/dev/es.yaml", &cluster)],
                &[STORE, ("env/production/ces.yaml", ces)],
                // Cluster-wide stores only: the repository's choice.
                &[("env/production/es.yaml", &cluster)],
            ])
            .fail(&[&[STORE, ("env/production/es.yaml", &cluster)]]);
    }
}
