//! `secret-multiple-owners`: two things create the same Secret.

use std::collections::BTreeMap;

use crate::finding::Severity;
use crate::model::facts::ProducerKind;
use crate::rules::external_secrets::templated;
use crate::rules::{ModelContext, ModelHits, Pack, Rule, RuleMeta, Scope};

pub struct SecretMultipleOwners;

static META: RuleMeta = RuleMeta {
    id: "secret-multiple-owners",
    pack: Pack::References,
    severity: Severity::Error,
    summary: "Two producers (ExternalSecrets, Secrets, charts, operators) create the same Secret in one environment and namespace.",
    docs: r#"
## What it does
Groups every producer of an environment by namespace and Secret name — ExternalSecret targets
(`creationPolicy: Owner`/`Orphan`), Secrets, SealedSecrets, Certificates, CNPG-generated Secrets
— and reports each extra owner. The finding points at the producer that is not an ExternalSecret
(or at the later one), with the other owner as a related location. ExternalSecrets with
`creationPolicy: Merge` or `None` only add keys, and those with `refreshPolicy: CreatedOnce` only
seed the Secret once (restoring a backup for cert-manager, say); neither counts. Manifests under a
`bootstrap/` folder are one-shot seeds applied before the controllers take over.

## Why is this bad?
Two owners fight: ESO overwrites the chart's Secret, Helm or Argo CD puts it back, and the value
a pod sees depends on which reconciled last. "Ambiguous ownership" hides rotations and makes
incidents unreproducible.

## Example
```yaml
# minio chart, production overlay: auth.createSecret: true → Secret minio-root-credentials
# and ExternalSecret minio-root-credentials-sync → target minio-root-credentials
```

## Use instead
Keep one owner: turn the chart's `createSecret` off and let the ExternalSecret create the Secret.
"#,
};

impl Rule for SecretMultipleOwners {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Model
    }

    fn check_model(&self, cx: &ModelContext<'_>, hits: &mut ModelHits) {
        let env = cx.env;
        let mut groups: BTreeMap<(&str, &str), Vec<(&crate::model::PlacedObject, &crate::model::facts::Producer)>> =
            BTreeMap::new();
        for o in &env.objects {
            // Manifests under a `bootstrap/` folder are applied once to bring a cluster up; the
            // controllers that own the Secret afterwards are the ones that count.
            if o.hypothetical
                || o.facts.loc.path().split('/').any(|s| s == "bootstrap")
                || crate::check::is_test_or_doc(o.facts.loc.path())
            {
                continue;
            }
            for p in o.facts.producers.iter().filter(|p| p.owns && !templated(&p.secret.text)) {
                // A ClusterExternalSecret's namespaces are decided at run time.
                if p.kind == ProducerKind::ClusterExternalSecret {
                    continue;
                }
                let group = groups.entry((o.ns_label(), p.secret.text.as_str())).or_default();
                // The same object placed twice (two entry points reaching one file) is one owner.
                if !group
                    .iter()
                    .any(|(_, q)| q.secret.loc.path() == p.secret.loc.path() && q.secret.loc.span == p.secret.loc.span)
                {
                    group.push((o, p));
                }
            }
        }
        for ((ns, name), mut owners) in groups {
            // Producers whose namespace nothing decides may well land in different namespaces.
            if owners.len() < 2 || owners.iter().any(|(o, _)| o.namespace.is_none()) {
                continue;
            }
            // The ExternalSecret is the intended owner in a Vault setup; report the others.
            owners.sort_by_key(|(_, p)| {
                (p.kind != ProducerKind::ExternalSecret, p.secret.loc.path().to_string(), p.secret.loc.span.start)
            });
            for (i, (o, p)) in owners.iter().enumerate().skip(1) {
                // Alternative installs (one overlay or the other) never create it twice.
                let Some(&(first_obj, first)) = owners[..i].iter().find(|(q, _)| q.deployed_with(o)) else {
                    continue;
                };
                hits.report(
                    &p.secret.loc,
                    format!(
                        "{} creates Secret `{name}` in namespace `{ns}`, which {} also creates",
                        o.facts.describe(),
                        first_obj.facts.describe()
                    ),
                )
                .identity(format!("{ns}/{name}:{}", o.facts.describe()))
                .help("keep one owner: disable the duplicate (for a chart, its createSecret-style toggle)")
                .related(&first.secret.loc, format!("also created by {}", first_obj.facts.describe()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::ModelTester;

    const ES: (&str, &str) = (
        "env/dev/es.yaml",
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db-sync, namespace: app}\nspec:\n  target: {name: db}\n  data: [{secretKey: password, remoteRef: {key: db-password}}]\n",
    );
    const SECRET: (&str, &str) = (
        "env/dev/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: app}\ndata: {password: \"\"}\n",
    );

    #[test]
    fn secret_multiple_owners() {
        let merge = (
            "env/dev/es2.yaml",
            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db-extra, namespace: app}\nspec:\n  target: {name: db, creationPolicy: Merge}\n",
        );
        let other_ns =
            ("env/dev/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: other}\n");
        let seed = (
            "env/dev/es2.yaml",
            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db-restore, namespace: app}\nspec:\n  refreshPolicy: CreatedOnce\n  target: {name: db, creationPolicy: Orphan}\n",
        );
        let bootstrap =
            ("bootstrap/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: app}\n");
        ModelTester::new(&SecretMultipleOwners)
            .pass(&[&[ES, merge], &[ES, other_ns], &[ES], &[ES, seed], &[ES, bootstrap]])
            .fail(&[&[ES, SECRET]]);
        let hits = ModelTester::new(&SecretMultipleOwners).run(&[ES, SECRET]);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].path, "env/dev/secret.yaml", "reported at the Secret, not the ExternalSecret");
    }

    #[test]
    fn alternative_installs_are_never_deployed_together() {
        let mysql = ("parts/mysql/kustomization.yaml", "resources: [secret.yaml]\n");
        let secret = ("parts/mysql/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\n");
        let cert_k = ("parts/cert/kustomization.yaml", "resources: [cert.yaml]\n");
        let cert = (
            "parts/cert/cert.yaml",
            "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: db}\nspec: {secretName: db}\n",
        );
        let a = ("installs/a/kustomization.yaml", "namespace: app\nresources: [../../parts/mysql]\n");
        let b = ("installs/b/kustomization.yaml", "namespace: app\nresources: [../../parts/cert]\n");
        let both =
            ("installs/c/kustomization.yaml", "namespace: app\nresources: [../../parts/mysql, ../../parts/cert]\n");
        // An install's own secretGenerator belongs to that install only.
        let generated = (
            "installs/b/kustomization.yaml",
            "namespace: app\nresources: [../../parts/cert]\nsecretGenerator:\n  - name: other\n    envs: [s.env]\n",
        );
        let gen_a = (
            "installs/a/kustomization.yaml",
            "namespace: app\nresources: [../../parts/mysql]\nsecretGenerator:\n  - name: other\n    envs: [s.env]\n",
        );
        ModelTester::new(&SecretMultipleOwners)
            .pass(&[&[mysql, secret, cert_k, cert, a, b], &[mysql, secret, cert_k, cert, gen_a, generated]])
            .fail(&[&[mysql, secret, cert_k, cert, a, b, both]]);
    }
}
