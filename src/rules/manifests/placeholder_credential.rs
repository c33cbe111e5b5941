//! `placeholder-credential`: a well-known default or placeholder in a credential slot.

use crate::finding::Severity;
use crate::model::{Object, path_string, walk};
use crate::rules::values::{is_fill_in_marker, is_non_literal_text};
use crate::rules::{DocContext, Hits, Pack, Rule, RuleMeta};

pub struct PlaceholderCredential;

static META: RuleMeta = RuleMeta {
    id: "placeholder-credential",
    pack: Pack::Manifests,
    severity: Severity::Error,
    summary: "A credential slot holds a known default or placeholder (`CHANGEME`, `admin`, `minioadmin`, …).",
    docs: r#"
## What it does
Flags values under credential-like keys (and `env` entries named like credentials) that are known
defaults or placeholders: `CHANGEME`, `changeit`, `REPLACE_ME`, `minioadmin`, `admin`,
`password`, `<KEYCLOAK_CLIENT_SECRET>`, `placeholder_*`, … (extend the list with `placeholders:`
in `.secretgate.yaml`).

It is an error in managed environments (staging, production, and shared files those use) and a
warning elsewhere, where dev fixtures are expected.

## Why is this bad?
Placeholders get deployed. A `CHANGEME` that reaches production is a credential every attacker
tries first, and a default like `minioadmin` is published in the vendor's documentation.

## Example
```yaml
config:
  sensitivePropsKey: CHANGEME
```

## Use instead
Leave the slot empty and make the chart fail when it is missing, or reference a Secret:
```yaml
config:
  existingSecret: nifi-sensitive-props
```
"#,
};

impl Rule for PlaceholderCredential {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DocContext<'_>, hits: &mut Hits) {
        // A fill-in (`XXXX`, `<api-key>`) in a chart's own defaults (`values.yaml` beside
        // `Chart.yaml`) outside a managed environment documents what the chart's user must
        // supply: a note. A weak default (`strongpassword`) works, and deploys as it is.
        let chart_defaults = cx
            .file
            .path
            .rsplit_once('/')
            .map_or(cx.file.path == "values.yaml" && cx.repo_files.contains("Chart.yaml"), |(dir, name)| {
                name == "values.yaml" && cx.repo_files.contains(&format!("{dir}/Chart.yaml"))
            });
        let severity_of = |value: &str| match (cx.env.managed, chart_defaults && cx.policy.is_fill_in(value)) {
            (true, _) => Severity::Error,
            (false, true) => Severity::Note,
            (false, false) => Severity::Warning,
        };
        let obj = Object::new(&cx.doc.root);
        let identity = obj.identity();
        let is_eso = obj.api_version.is_some_and(|v| v.contains("external-secrets.io"));
        let mut path = Vec::new();
        walk(&cx.doc.root, &mut path, &mut |p, key, node| {
            // `key: value` slots and `{name: KEY, value: v}` env entries.
            let (slot, value) = match (key.and_then(|k| k.as_str()), node.get_str("name"), node.get("value")) {
                (Some(k), _, _) if node.as_scalar().is_some() => (k, node),
                (_, Some(name), Some(v)) => (name, v),
                _ => return,
            };
            // ESO's `data[].secretKey` names a key of the target Secret; it holds no credential.
            if slot == "secretKey" && is_eso {
                return;
            }
            let Some(s) = value.as_scalar() else { return };
            // Value test first: it rejects almost every scalar, and cheaply.
            if !(cx.policy.is_placeholder(&s.text) || is_fill_in_marker(&s.text))
                || s.is_null()
                || is_non_literal_text(&s.text)
                || crate::rules::values::has_indirect_tag(value)
                || !cx.policy.is_credential_key(slot)
            {
                return;
            }
            let at = path_string(p);
            hits.report(value.span, format!("credential `{slot}` is set to a known placeholder or default"))
                .identity(format!("{identity}:{at}"))
                .secret(value.span)
                .severity(severity_of(&s.text))
                .help("leave it empty and require a real value, or reference a Secret");
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::RuleTester;

    #[test]
    fn placeholder_credential() {
        RuleTester::new(&PlaceholderCredential)
            .pass(&[
                "config: {sensitivePropsKey: \"\"}\n",
                "auth: {adminUser: admin, existingSecret: admin}\n",
                "minio: {rootPassword: Xq9-real-looking}\n",
                "env:\n  - {name: LOG_LEVEL, value: admin}\n",
                "sonarr:\n  main:\n    api_key: !env_var SONARR_API_KEY\n",
                "database:\n  secretKeys: {password: DB_PASSWORD}\n",
                "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nspec:\n  data:\n    - secretKey: password\n      remoteRef: {key: db}\n",
            ])
            .fail(&[
                "config:\n  sensitivePropsKey: CHANGEME\n",
                "auth: {rootPassword: admin}\n",
                "env:\n  - {name: MINIO_SECRET_KEY, value: minioadmin}\n",
                "keycloak: {clientSecret: <KEYCLOAK_CLIENT_SECRET>}\n",
                "extraEnv:\n  - {name: GRAFANA_CLOUD_API_KEY, value: <REQUIRED>}\n",
                "kind: Secret\nstringData:\n  tls.key: |\n    -----BEGIN PRIVATE KEY-----\n    <your-client-private-key>\n    -----END PRIVATE KEY-----\n",
            ]);
    }

    #[test]
    fn stricter_in_managed_environments() {
        let case = "auth: {adminPassword: changeme}\n";
        let dev = RuleTester::new(&PlaceholderCredential).managed(false).run(case);
        assert_eq!(dev[0].hit.severity, Some(Severity::Warning));
        let prod = RuleTester::new(&PlaceholderCredential).managed(true).run(case);
        assert_eq!(prod[0].hit.severity, Some(Severity::Error));
        // A chart's own defaults document what its user must supply.
        let chart = |managed, case| {
            RuleTester::new(&PlaceholderCredential)
                .path("charts/app/values.yaml")
                .repo_file("charts/app/Chart.yaml")
                .managed(managed)
                .run(case)
        };
        let fill_in = "auth: {adminPassword: XXXXXXXX}\n";
        assert_eq!(chart(false, fill_in)[0].hit.severity, Some(Severity::Note));
        assert_eq!(chart(true, fill_in)[0].hit.severity, Some(Severity::Error));
        // A weak default works: it deploys as it is.
        assert_eq!(chart(false, case)[0].hit.severity, Some(Severity::Warning));
    }
}
