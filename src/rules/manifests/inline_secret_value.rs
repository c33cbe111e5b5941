//! `inline-secret-value`: a Kubernetes Secret carries a literal credential.

use crate::finding::Severity;
use crate::rules::values::{embedded_pairs, literal_scalar, locate_assignment};
use crate::rules::{DocContext, Hits, Pack, Rule, RuleMeta};

pub struct InlineSecretValue;

static META: RuleMeta = RuleMeta {
    id: "inline-secret-value",
    pack: Pack::Manifests,
    severity: Severity::Error,
    summary: "A `kind: Secret` holds a literal value for a credential-like key.",
    docs: r#"
## What it does
Flags `data` and `stringData` entries of a `kind: Secret` whose key looks like a credential
(`password`, `token`, `clientSecret`, `.dockerconfigjson`, …) and whose value is a literal. When a
`stringData` value is itself JSON or YAML (an OIDC client file, an app config), the keys inside it
are checked too.

Templates (`{{ … }}`), substitutions (`${VAR}`, `$(VAR)`) and empty values are not literals.

## Why is this bad?
A literal in a committed Secret is readable by everyone with access to the repository, its forks
and its history, and it bypasses rotation: the value in Vault and the value in Git drift apart.

## Example
```yaml
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData:
  password: dbpassword
```

## Use instead
Let External Secrets Operator create the Secret from Vault:
```yaml
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: db}
spec:
  secretStoreRef: {kind: SecretStore, name: vault}
  target: {name: db}
  data:
    - secretKey: password
      remoteRef: {key: app/db, property: password}
```
"#,
};

impl Rule for InlineSecretValue {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DocContext<'_>, hits: &mut Hits) {
        for obj in cx.objects() {
            if !obj.is("Secret") || obj.api_version.is_some_and(|v| v != "v1") {
                continue;
            }
            for section in ["data", "stringData"] {
                let Some(entries) = obj.node.get(section).and_then(|n| n.as_map()) else { continue };
                for e in entries {
                    let Some(key) = e.key.as_str() else { continue };
                    let Some(value) = literal_scalar(&e.value) else { continue };
                    // `data` is base64: a fill-in (`your.password`, `XXXX`) stays one when encoded.
                    let plain = match section {
                        "data" => crate::rules::pack::base64_decode(value.text.trim())
                            .and_then(|b| String::from_utf8(b).ok())
                            .unwrap_or_default(),
                        _ => value.text.clone(),
                    };
                    if cx.policy.is_fill_in(&plain) {
                        continue;
                    }
                    if cx.policy.is_credential_key(key) {
                        hits.report(
                            e.value.span,
                            format!("{} holds a literal value for credential key `{key}`", obj.describe()),
                        )
                        .identity(format!("{}:{section}.{key}", obj.identity()))
                        .secret(e.value.span)
                        .help("deliver this value from Vault through an ExternalSecret, not from Git");
                        continue;
                    }
                    if section != "stringData" {
                        continue;
                    }
                    // A file-shaped value: look inside it.
                    for (inner, inner_value) in embedded_pairs(&value.text) {
                        let leaf = inner.rsplit('.').next().unwrap_or(&inner);
                        if !cx.policy.is_credential_key(leaf) {
                            continue;
                        }
                        let at = locate_assignment(&cx.file.text, e.value.span, &inner, &inner_value)
                            .unwrap_or(e.value.span);
                        hits.report(at, format!("{} embeds a literal credential `{inner}` in `{key}`", obj.describe()))
                            .identity(format!("{}:{section}.{key}/{inner}", obj.identity()))
                            .secret(at)
                            .help("keep the file in Vault and render it with an ExternalSecret template");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::RuleTester;

    #[test]
    fn inline_secret_value() {
        RuleTester::new(&InlineSecretValue)
            .pass(&[
                "kind: Secret\nstringData:\n  password: \"{{ required \\\"pw\\\" .Values.pw }}\"\n  token: ${GHCR_TOKEN}\n",
                "kind: Secret\nstringData:\n  username: admin\n  url: https://example.com\n",
                "kind: Secret\ntype: kubernetes.io/service-account-token\nmetadata:\n  annotations: {kubernetes.io/service-account.name: default}\n",
                "kind: Secret\ndata:\n  password: \"\"\n",
                "kind: Secret\nstringData:\n  token: |-\n    op://kubernetes/1password/OP_CONNECT_TOKEN\n",
                "kind: Secret\nstringData:\n  password: <your-password>\n",
                "kind: ConfigMap\ndata:\n  password: x\n",
                "apiVersion: external-secrets.io/v1\nkind: Secret\nstringData: {password: x}\n",
                "kind: Secret\nstringData:\n  config.json: '{\"clientId\": \"a\", \"secretName\": \"b\"}'\n",
                // `your.password` and `XXXXXXXX`, base64-encoded as a chart's defaults render them.
                "kind: Secret\ndata:\n  password: eW91ci5wYXNzd29yZA==\n  token: WFhYWFhYWFg=\n",
            ])
            .fail(&[
                "kind: Secret\nstringData: {password: dbpassword}\n",
                "apiVersion: v1\nkind: Secret\ndata:\n  .dockerconfigjson: eyJhdXRocyI6e319\n",
                "kind: List\nitems:\n  - kind: Secret\n    stringData: {api-key: abc123}\n",
                "kind: Secret\nstringData:\n  gitlab-oidc.json: |\n    {\"name\": \"gitlab\", \"secret\": \"s3cr3tvalue\"}\n",
            ]);
    }

    #[test]
    fn points_at_the_value_and_the_embedded_value() {
        let t = RuleTester::new(&InlineSecretValue);
        let hits = t.run("kind: Secret\nmetadata: {name: db}\nstringData:\n  password: dbpassword\n");
        assert_eq!((hits[0].start.line, hits[0].start.column), (4, 13));
        assert_eq!(hits[0].hit.message, "Secret `db` holds a literal value for credential key `password`");
        let hits = t.run("kind: Secret\nstringData:\n  app.yaml: |\n    db:\n      password: s3cr3t\n");
        assert_eq!((hits[0].start.line, hits[0].start.column), (5, 17));
        assert_eq!(hits[0].text, "s3cr3t");
    }
}
