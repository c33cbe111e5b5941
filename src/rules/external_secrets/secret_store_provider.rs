//! `secret-store-provider`: a Vault SecretStore authenticates or connects in a way the platform
//! does not allow.

use crate::finding::Severity;
use crate::model::facts::Named;
use crate::rules::{ModelContext, ModelHits, Pack, Rule, RuleMeta, Scope};

pub struct SecretStoreProvider;

static META: RuleMeta = RuleMeta {
    id: "secret-store-provider",
    pack: Pack::ExternalSecrets,
    severity: Severity::Error,
    summary: "A Vault SecretStore uses static-token auth, a KV version other than the fixtures', plain HTTP in a managed environment, or another environment's Vault.",
    docs: r#"
## What it does
Checks the `spec.provider.vault` of every SecretStore and ClusterSecretStore of an environment:
- `auth.tokenSecretRef`: authentication with a long-lived token kept in a Kubernetes Secret;
- `version` other than `v2` while the environment's fixture map seeds KV v2;
- `server` over `http://` to a non-loopback host in a managed environment;
- `server` naming another environment of the repository (`vault-core-staging` in production).

## Why is this bad?
A static token in a Secret is typically the root token of a dev bootstrap and never expires. A
KV version mismatch makes every read fail. Plain HTTP sends tokens and values unencrypted. A
store pointing at another environment's Vault silently serves that environment's credentials:
production reading staging's database password works until the day staging is rebuilt.

## Example
```yaml
provider:
  vault:
    server: http://vault-core-staging.ameide-staging.svc.cluster.local:8200   # in production
    auth: {tokenSecretRef: {name: vault-auto-credentials, key: root-token}}
```

## Use instead
```yaml
provider:
  vault:
    server: https://vault-core-production.ameide-production.svc.cluster.local:8200
    path: secret
    version: v2
    auth: {kubernetes: {mountPath: kubernetes, role: external-secrets, serviceAccountRef: {name: default}}}
```
"#,
};

impl Rule for SecretStoreProvider {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Model
    }

    fn check_model(&self, cx: &ModelContext<'_>, hits: &mut ModelHits) {
        let env = cx.env;
        let others: Vec<&str> = cx
            .model
            .envs
            .iter()
            .filter_map(|e| e.name.as_deref())
            .filter(|n| Some(*n) != env.name.as_deref())
            .collect();
        for o in &env.objects {
            let Some(vault) = o.facts.store.as_ref().and_then(|s| s.vault.as_ref()) else { continue };
            let what = o.facts.describe();
            let id = |p: &str| format!("{what}/{}:{p}", o.ns_label());
            if let Some(at) = &vault.token_auth {
                hits.report(at, format!("{what} authenticates to Vault with a static token from a Secret"))
                    .identity(id("token"))
                    .help("use Kubernetes auth (`auth.kubernetes` with a namespace-scoped role) instead of `tokenSecretRef`");
            }
            if let Some(v) = &vault.version
                && env.has_fixtures()
                && v.text != "v2"
                && !super::templated(&v.text)
            {
                hits.report(&v.loc, format!("{what} reads KV `{}`, but the fixture map seeds KV v2", v.text))
                    .identity(id("version"))
                    .help("set `version: v2` (or seed the mount the store reads)");
            }
            let Some(server) = &vault.server else { continue };
            if super::templated(&server.text) {
                continue;
            }
            let host = host_of(&server.text);
            if env.managed && server.text.starts_with("http://") && !is_loopback(host) {
                report(
                    hits,
                    server,
                    format!("{what} talks to Vault over plain HTTP in managed environment {}", env.label()),
                    id("http"),
                    "use https:// with the Vault CA (`caProvider`/`caBundle`)",
                );
            }
            if let Some(other) = foreign_env(host, env.name.as_deref(), &others) {
                report(
                    hits,
                    server,
                    format!("{what} in {} points at {other}'s Vault (`{host}`)", env.label()),
                    id("foreign"),
                    "use this environment's own Vault",
                );
            }
        }
    }
}

fn report(hits: &mut ModelHits, server: &Named, message: String, identity: String, help: &str) {
    let hit = hits.report(&server.loc, message).identity(identity).help(help);
    if let Some(origin) = &server.origin {
        hit.related(origin, "the server comes from here");
    }
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?']).next().unwrap_or(rest);
    host.rsplit_once(':').map_or(host, |(h, port)| if port.chars().all(|c| c.is_ascii_digit()) { h } else { host })
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1" | "[::1]") || host.starts_with("127.")
}

/// Another environment named by a token of `host` (`prod` stands for `production`).
fn foreign_env<'a>(host: &str, own: Option<&str>, others: &[&'a str]) -> Option<&'a str> {
    // Kubernetes' own DNS suffix names no environment.
    let host = host.strip_suffix(".cluster.local").unwrap_or(host);
    let host = host.strip_suffix(".svc").unwrap_or(host);
    let same =
        |t: &str| own.is_some_and(|o| t == o || (o == "production" && t == "prod") || (o == "staging" && t == "stage"));
    host.split(['.', '-', '_']).filter(|t| !same(t)).find_map(|t| {
        others
            .iter()
            .copied()
            .find(|e| *e == t || (*e == "production" && t == "prod") || (*e == "staging" && t == "stage"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::ModelTester;

    fn store(server: &str, extra: &str) -> String {
        format!(
            "apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata: {{name: vault, namespace: app}}\nspec:\n  provider:\n    vault:\n      server: {server}\n      path: secret\n{extra}"
        )
    }

    #[test]
    fn secret_store_provider() {
        let good = store("https://vault-production.vault.svc:8200", "      version: v2\n");
        let foreign = store("https://vault-core-staging.ameide-staging.svc:8200", "");
        let http = store("http://vault.vault.svc:8200", "");
        let token = store("https://vault-production:8200", "      auth: {tokenSecretRef: {name: root, key: token}}\n");
        let dev_http = store("http://vault.vault.svc:8200", "");
        let other = ("env/staging/x.yaml", "kind: ConfigMap\n");
        ModelTester::new(&SecretStoreProvider)
            .pass(&[&[("env/production/store.yaml", &good), other], &[("env/dev/store.yaml", &dev_http)]])
            .fail(&[
                &[("env/production/store.yaml", &foreign), other],
                &[("env/production/store.yaml", &http)],
                &[("env/production/store.yaml", &token)],
            ]);
        assert_eq!(
            host_of("http://vault-core-staging.ameide-staging.svc.cluster.local:8200"),
            "vault-core-staging.ameide-staging.svc.cluster.local"
        );
        assert_eq!(foreign_env("vault-core-prod.ameide-prod.svc", Some("production"), &["staging", "dev"]), None);
        assert_eq!(foreign_env("vault.vault.svc.cluster.local", Some("dev"), &["local"]), None);
        assert_eq!(
            foreign_env("vault-core-prod.ameide-prod.svc", Some("staging"), &["production", "dev"]),
            Some("production")
        );
    }
}
