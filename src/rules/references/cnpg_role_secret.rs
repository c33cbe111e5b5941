//! `cnpg-role-secret`: a CloudNativePG login role has no password Secret.

use crate::finding::Severity;
use crate::rules::{ModelContext, ModelHits, Pack, Rule, RuleMeta, Scope};

pub struct CnpgRoleSecret;

static META: RuleMeta = RuleMeta {
    id: "cnpg-role-secret",
    pack: Pack::References,
    severity: Severity::Error,
    summary: "A CloudNativePG login role without `passwordSecret`.",
    docs: r#"
## What it does
Checks `spec.managed.roles[]` of every CloudNativePG `Cluster` (`postgresql.cnpg.io/v1`): a role
that can log in (`login: true`) and is not `ensure: absent` must name its password Secret in
`passwordSecret.name`. Whether that Secret exists is `secret-ref-unresolved`'s check.

## Why is this bad?
Without a password Secret, CNPG creates the role without a password (or keeps whatever was set by
hand): the application cannot log in, or logs in with a credential nobody manages, rotates or can
find in Vault.

## Example
```yaml
managed:
  roles:
    - {name: backstage, ensure: present, login: true}
```

## Use instead
```yaml
managed:
  roles:
    - name: backstage
      ensure: present
      login: true
      passwordSecret: {name: backstage-db-credentials}   # created by an ExternalSecret
```
"#,
};

impl Rule for CnpgRoleSecret {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Model
    }

    fn check_model(&self, cx: &ModelContext<'_>, hits: &mut ModelHits) {
        for o in &cx.env.objects {
            for role in o.facts.cnpg_roles.iter().filter(|r| r.login && !r.absent && r.password_secret.is_none()) {
                hits.report(
                    &role.name.loc,
                    format!("{}: login role `{}` has no passwordSecret", o.facts.describe(), role.name.text),
                )
                .identity(format!("{}/{}:role:{}", o.facts.describe(), o.ns_label(), role.name.text))
                .help("add `passwordSecret: {name: <role>-db-credentials}` backed by an ExternalSecret");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::ModelTester;

    fn cluster(role: &str) -> String {
        format!(
            "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {{name: pg}}\nspec:\n  managed:\n    roles:\n      - {role}\n"
        )
    }

    #[test]
    fn cnpg_role_secret() {
        let good = cluster("{name: app, login: true, passwordSecret: {name: app-db}}");
        let no_login = cluster("{name: readonly, login: false}");
        let absent = cluster("{name: old, login: true, ensure: absent}");
        let bad = cluster("{name: backstage, ensure: present, login: true}");
        ModelTester::new(&CnpgRoleSecret)
            .pass(&[&[("db/pg.yaml", &good)], &[("db/pg.yaml", &no_login)], &[("db/pg.yaml", &absent)]])
            .fail(&[&[("db/pg.yaml", &bad)]]);
    }
}
