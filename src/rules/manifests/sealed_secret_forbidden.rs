//! `sealed-secret-forbidden`: a SealedSecret where the platform delivers secrets from Vault.

use crate::finding::Severity;
use crate::rules::{DocContext, Hits, Pack, Rule, RuleMeta};

pub struct SealedSecretForbidden;

static META: RuleMeta = RuleMeta {
    id: "sealed-secret-forbidden",
    pack: Pack::Manifests,
    severity: Severity::Error,
    summary: "A `kind: SealedSecret` is committed where secrets must come from Vault.",
    docs: r#"
## What it does
Flags every `kind: SealedSecret` document (`bitnami.com/*`). Teams that do use Sealed Secrets turn
the rule off in `.secretgate.yaml` (`rules: {sealed-secret-forbidden: off}`).

## Why is this bad?
A SealedSecret is ciphertext bound to one cluster's key: it cannot be rotated from Vault, it must
be re-sealed per cluster, and it hides the value from every parity check between the repository
and Vault. Platforms that standardise on Vault + External Secrets Operator forbid it so that there
is one path for every secret.

## Example
```yaml
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata: {name: db}
spec:
  encryptedData: {password: AgBy8hC...}
```

## Use instead
```yaml
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: db}
spec:
  secretStoreRef: {kind: SecretStore, name: vault}
  data:
    - secretKey: password
      remoteRef: {key: app/db, property: password}
```
"#,
};

impl Rule for SealedSecretForbidden {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DocContext<'_>, hits: &mut Hits) {
        for obj in cx.objects() {
            if !obj.is("SealedSecret") {
                continue;
            }
            let Some(kind) = obj.node.get("kind") else { continue };
            hits.report(
                kind.span,
                format!(
                    "SealedSecret `{}` is forbidden; secrets come from Vault through ExternalSecrets",
                    obj.name.unwrap_or("-")
                ),
            )
            .identity(obj.identity())
            .help("replace it with an ExternalSecret that reads the value from Vault");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::RuleTester;

    #[test]
    fn sealed_secret_forbidden() {
        RuleTester::new(&SealedSecretForbidden)
            .pass(&[
                "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db}\n",
                "kind: Secret\nmetadata: {name: sealed-secret}\n",
                "sealedSecret: {enabled: true}\n",
            ])
            .fail(&[
                "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: db}\nspec:\n  encryptedData: {password: AgBy}\n",
                "kind: List\nitems:\n  - {kind: SealedSecret, metadata: {name: a}}\n",
            ]);
        let hits =
            RuleTester::new(&SealedSecretForbidden).run("apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\n");
        assert_eq!((hits[0].start.line, hits[0].start.column), (2, 7));
    }
}
