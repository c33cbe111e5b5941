//! `configmap-credential`: a credential stored in a ConfigMap.

use crate::finding::Severity;
use crate::rules::values::{credential_url_passwords, embedded_pairs, literal_scalar, locate, locate_assignment};
use crate::rules::{DocContext, Hits, Pack, Rule, RuleMeta};

pub struct ConfigmapCredential;

static META: RuleMeta = RuleMeta {
    id: "configmap-credential",
    pack: Pack::Manifests,
    severity: Severity::Error,
    summary: "A ConfigMap holds a literal credential or a URL with a password.",
    docs: r#"
## What it does
Flags `kind: ConfigMap` `data` entries whose key looks like a credential and whose value is a
literal, entries holding a `scheme://user:password@host` URL, and config files inside `data`
(`application.properties`, `config.json`, `.ini`) that assign a literal to a credential key.

## Why is this bad?
ConfigMaps are not secret: any workload or person with read access to the namespace can read
them, they are printed by `kubectl describe`, and they are not encrypted at rest. Settings belong
in ConfigMaps; credentials belong in Secrets fed from Vault.

## Example
```yaml
kind: ConfigMap
data:
  PLATFORM_DATABASE_URL: postgres://app:dbpassword@postgres:5432/platform
  AUTH_SECRET: abc
```

## Use instead
Keep the settings in the ConfigMap and move the credentials into an ExternalSecret-managed Secret,
consumed with `envFrom.secretRef` or `secretKeyRef`.
"#,
};

impl Rule for ConfigmapCredential {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DocContext<'_>, hits: &mut Hits) {
        for obj in cx.objects() {
            if !obj.is("ConfigMap") {
                continue;
            }
            let Some(entries) = obj.node.get("data").and_then(|n| n.as_map()) else { continue };
            for e in entries {
                let (Some(key), Some(value)) = (e.key.as_str(), literal_scalar(&e.value)) else { continue };
                let id = format!("{}:data.{key}", obj.identity());
                // A file under a credential-named key (`credentials: |` holding JSON) is judged by
                // what it assigns, below: it may hold names of Secrets rather than secrets.
                let structured = value.text.trim_start().starts_with('{') || value.text.contains('\n');
                if cx.policy.is_fill_in(&value.text) {
                    continue;
                }
                if cx.policy.is_credential_key(key) && !structured {
                    hits.report(
                        e.value.span,
                        format!("{} holds a literal value for credential key `{key}`", obj.describe()),
                    )
                    .identity(id)
                    .secret(e.value.span)
                    .help("move the credential to a Secret delivered from Vault");
                    continue;
                }
                for range in credential_url_passwords(&value.text) {
                    let at = locate(&cx.file.text, e.value.span, &value.text[range]).unwrap_or(e.value.span);
                    hits.report(at, format!("{} key `{key}` holds a URL with a literal password", obj.describe()))
                        .identity(format!("{id}#url"))
                        .secret(at)
                        .help("move the connection string to a Secret delivered from Vault");
                }
                if !structured {
                    continue;
                }
                for (inner, inner_value) in embedded_pairs(&value.text) {
                    let leaf = inner.rsplit('.').next().unwrap_or(&inner);
                    // Pinniped's `names: {impersonationSignerSecret: …}` names objects.
                    let names_objects = inner.split('.').any(|seg| seg.eq_ignore_ascii_case("names"));
                    if !cx.policy.is_credential_key(leaf) && !cx.policy.is_credential_key(&inner)
                        || cx.policy.is_fill_in(&inner_value)
                        || names_objects
                    {
                        continue;
                    }
                    let at =
                        locate_assignment(&cx.file.text, e.value.span, &inner, &inner_value).unwrap_or(e.value.span);
                    hits.report(at, format!("{} file `{key}` assigns a literal to `{inner}`", obj.describe()))
                        .identity(format!("{id}/{inner}"))
                        .secret(at)
                        .help("inject the credential from a Secret (env var or mounted file) instead");
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
    fn configmap_credential() {
        RuleTester::new(&ConfigmapCredential)
            .pass(&[
                "kind: ConfigMap\ndata:\n  AUTH_URL: https://platform.dev.example.io\n  AUTH_TRUST_HOST: \"true\"\n",
                "kind: ConfigMap\ndata:\n  app.properties: |\n    spring.datasource.password=${DB_PASSWORD}\n    server.port=8080\n",
                "kind: ConfigMap\ndata:\n  grafana.ini: |\n    [security]\n    admin_password = $__file{/etc/secrets/pw}\n",
                "kind: Secret\ndata:\n  AUTH_SECRET: abc\n",
                "kind: ConfigMap\ndata:\n  existingSecret: db-credentials\n",
                // Names of Secrets and of their keys, and placeholders, under credential words.
                "kind: ConfigMap\ndata:\n  credentials: |-\n    {\"storageSpecSecretName\": \"storage-config\"}\n",
                "kind: ConfigMap\ndata:\n  cfg.json: '{\"secret\": {\"name\": \"ca\", \"key\": \"tls.crt\"}}'\n",
                "kind: ConfigMap\ndata:\n  k.json: '{\"credentials\": {\"secret\": \"CLIENT_SECRET\"}}'\n",
                "kind: ConfigMap\ndata:\n  kubewatch.yaml: |\n    slack:\n      token: XXXX\n",
                "kind: ConfigMap\ndata:\n  SLACK_TOKEN: XXXXXXXX\n",
                "kind: ConfigMap\ndata:\n  pinniped.yaml: |\n    names:\n      impersonationSignerSecret: pc-impersonation-proxy-signer\n",
                "kind: ConfigMap\ndata:\n  git-sync.sh: |\n    PRIVATE_KEY=$6\n",
                "kind: ConfigMap\ndata:\n  ldap.yaml: |\n    url: ldap://<adminDN>:<adminPassword>@<host>:389\n",
            ])
            .fail(&[
                "kind: ConfigMap\ndata:\n  AUTH_SECRET: abc\n",
                "kind: ConfigMap\ndata:\n  PLATFORM_DATABASE: postgres://app:dbpassword@postgres:5432/platform\n",
                "kind: ConfigMap\ndata:\n  application.properties: |\n    spring.datasource.password=hunter2\n",
                "kind: ConfigMap\ndata:\n  config.json: '{\"auth\": {\"clientSecret\": \"abc\"}}'\n",
                "kind: ConfigMap\ndata:\n  credentials: |\n    [default]\n    aws_secret_access_key = hunter2x9\n",
            ]);
    }

    #[test]
    fn points_inside_the_embedded_file() {
        let hits = RuleTester::new(&ConfigmapCredential)
            .run("kind: ConfigMap\ndata:\n  app.properties: |\n    a=b\n    db.password=hunter2\n");
        assert_eq!((hits[0].start.line, hits[0].start.column), (5, 17));
        // The value also occurs earlier, inside a host name: the finding is at the assignment.
        let hits = RuleTester::new(&ConfigmapCredential).run(
            "kind: ConfigMap\ndata:\n  gateway.yml: |\n    redis:\n      sentinels:\n      - host: r-express-gateway-master\n      password: express-gateway\n",
        );
        assert_eq!((hits[0].start.line, hits[0].start.column), (7, 17));
    }
}
