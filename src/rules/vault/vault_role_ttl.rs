//! `vault-role-ttl`: auth roles that hand out long-lived or unbounded credentials.

use std::sync::LazyLock;

use hcl_edit::expr::Expression;
use regex::Regex;

use crate::finding::Severity;
use crate::rules::values::is_non_literal_text;
use crate::rules::vault::{duration_secs, fmt_secs, hcl_file, is_comment, is_prose, lines};
use crate::rules::{FileContext, Hits, Pack, Rule, RuleMeta, Scope};
use crate::source::Span;
use crate::source::hcl::{Literal, label, literal, string_items};

pub struct VaultRoleTtl;

/// Default ceilings (seconds): 30 minutes per token, 8 hours including renewals.
pub const MAX_TOKEN_TTL: f64 = 30.0 * 60.0;
pub const MAX_TOKEN_MAX_TTL: f64 = 8.0 * 3600.0;

static META: RuleMeta = RuleMeta {
    id: "vault-role-ttl",
    pack: Pack::Vault,
    severity: Severity::Warning,
    summary: "A Vault auth role issues long-lived tokens, never-expiring SecretIDs, or binds every service account.",
    docs: r#"
## What it does
Checks AppRole and Kubernetes auth roles (and the other `vault_*_auth_backend_role` Terraform
resources, which share the token fields) declared in Terraform or with `vault write
auth/<mount>/role/<name> …` in scripts and manifests:

- `token_ttl` (or the legacy `ttl`) above 30 minutes;
- `token_max_ttl` / `token_explicit_max_ttl` (or `max_ttl`) above 8 hours;
- `secret_id_ttl = 0` (SecretIDs never expire) or `secret_id_num_uses = 0` (unlimited uses);
- `bound_service_account_names` or `bound_service_account_namespaces` containing `*`.

Durations may be seconds or Vault durations (`45m`, `24h`, `7d`). Only values written in the file
are judged; templated values and unset fields (which inherit the mount's defaults) are not.
Documentation files are not checked.

## Why is this bad?
A leaked token is useful to an attacker for as long as it lives, and a SecretID without expiry
or use limit is a permanent password. A role bound to every service account of every namespace
lets any pod in the cluster log in with that role's policies.

## Example
```hcl
resource "vault_approle_auth_backend_role" "app" {
  role_name      = "app"
  token_ttl      = 86400
  token_max_ttl  = 2592000
  secret_id_ttl  = 0
}
```

## Use instead
```hcl
resource "vault_approle_auth_backend_role" "app" {
  role_name          = "app"
  token_ttl          = 1800
  token_max_ttl      = 28800
  secret_id_ttl      = 604800
  secret_id_num_uses = 1
}
```
"#,
};

/// `vault write [flags] auth/<mount>/role/<name>`; the arguments follow on the line and on `\`
/// continuation lines.
static WRITE_ROLE: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(
        r#"\b(?:vault|bao)\s+write\s+(?:-\S+\s+)*["']?auth/([A-Za-z0-9_.-]+)/role/([A-Za-z0-9_.-]+)["']?(?:\s|$)"#,
    )
    .unwrap()
});

static ARG: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"(?:^|\s)([a-z_]+)=("[^"]*"|'[^']*'|[^\s"'\\]+)"#).unwrap()
});

/// What is wrong with one role field, if anything.
fn judge(key: &str, value: &str) -> Option<String> {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    if v.is_empty() || is_non_literal_text(v) {
        return None;
    }
    match key {
        "token_ttl" | "ttl" => {
            let secs = duration_secs(v)?;
            (secs > MAX_TOKEN_TTL).then(|| format!("`{key}` of {} exceeds 30m", fmt_secs(secs)))
        }
        "token_max_ttl" | "token_explicit_max_ttl" | "max_ttl" => {
            let secs = duration_secs(v)?;
            (secs > MAX_TOKEN_MAX_TTL).then(|| format!("`{key}` of {} exceeds 8h", fmt_secs(secs)))
        }
        "secret_id_ttl" => {
            (duration_secs(v) == Some(0.0)).then(|| "`secret_id_ttl = 0`: SecretIDs never expire".into())
        }
        "secret_id_num_uses" => (v.parse::<f64>().ok() == Some(0.0))
            .then(|| "`secret_id_num_uses = 0`: SecretIDs can be used forever".into()),
        "bound_service_account_names" | "bound_service_account_namespaces" => {
            v.split(',').any(|p| p.trim() == "*").then(|| format!("`{key}` is `*`: every service account can log in"))
        }
        _ => None,
    }
}

const FIELDS: &[&str] = &[
    "token_ttl",
    "ttl",
    "token_max_ttl",
    "token_explicit_max_ttl",
    "max_ttl",
    "secret_id_ttl",
    "secret_id_num_uses",
    "bound_service_account_names",
    "bound_service_account_namespaces",
];

impl Rule for VaultRoleTtl {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::File
    }

    fn check_file(&self, cx: &FileContext<'_>, hits: &mut Hits) {
        if let Some(parsed) = hcl_file(cx, hits) {
            for res in parsed.blocks("resource") {
                let Some(kind) = label(res, 0).filter(|k| k.starts_with("vault_") && k.ends_with("_auth_backend_role"))
                else {
                    continue;
                };
                let name = label(res, 1).unwrap_or("");
                for attr in res.body.attributes() {
                    let key = attr.key.as_str();
                    if !FIELDS.contains(&key) {
                        continue;
                    }
                    let value = match (&attr.value, literal(&attr.value)) {
                        (_, Some(Literal::Number(n))) => n.to_string(),
                        (_, Some(Literal::Str(s))) => s.to_string(),
                        (Expression::Array(_), _) => {
                            string_items(&attr.value).iter().map(|(s, _)| *s).collect::<Vec<_>>().join(",")
                        }
                        _ => continue,
                    };
                    let Some(problem) = judge(key, &value) else { continue };
                    let Some(span) = parsed.attr_span(attr) else { continue };
                    hits.report(span, format!("{kind} `{name}`: {problem}"))
                        .identity(format!("{kind}.{name}.{key}"))
                        .help("keep token TTLs short (30m, 8h max) and SecretIDs bounded; bind named service accounts");
                }
            }
            return;
        }
        if is_prose(&cx.file.path) || !cx.file.text.contains("/role/") {
            return;
        }
        let all: Vec<(usize, &str)> = lines(&cx.file.text).collect();
        for (i, &(start, line)) in all.iter().enumerate() {
            if is_comment(line) {
                continue;
            }
            let Some(c) = WRITE_ROLE.captures(line) else { continue };
            let (Some(whole), Some(mount), Some(role)) = (c.get(0), c.get(1), c.get(2)) else { continue };
            let role_id = format!("auth/{}/role/{}", mount.as_str(), role.as_str());
            // The command's arguments: the rest of this line and every `\`-continued line.
            let mut segments = vec![(start + whole.end(), &line[whole.end()..])];
            let mut j = i;
            while all[j].1.trim_end().ends_with('\\') && j + 1 < all.len() {
                j += 1;
                segments.push(all[j]);
            }
            for (seg_start, seg) in segments {
                for a in ARG.captures_iter(seg) {
                    let (Some(k), Some(v)) = (a.get(1), a.get(2)) else { continue };
                    let Some(problem) = judge(k.as_str(), v.as_str()) else { continue };
                    hits.report(
                        Span::new(seg_start + k.start(), seg_start + v.end()),
                        format!("role `{role_id}`: {problem}"),
                    )
                    .identity(format!("{role_id}:{}", k.as_str()))
                    .help("keep token TTLs short (30m, 8h max) and SecretIDs bounded; bind named service accounts");
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
    fn vault_role_ttl() {
        RuleTester::new(&VaultRoleTtl)
            .path("terraform/vault.tf")
            .pass(&[
                "resource \"vault_approle_auth_backend_role\" \"app\" {\n  role_name = \"app\"\n  token_ttl = 1800\n  token_max_ttl = 28800\n  secret_id_ttl = 600\n  secret_id_num_uses = 1\n}\n",
                "resource \"vault_kubernetes_auth_backend_role\" \"eso\" {\n  bound_service_account_names = [\"external-secrets\"]\n  bound_service_account_namespaces = [\"eso\"]\n  token_ttl = var.ttl\n}\n",
                "resource \"aws_iam_role\" \"x\" {\n  max_session_duration = 43200\n}\n",
            ])
            .fail(&[
                "resource \"vault_approle_auth_backend_role\" \"app\" {\n  token_ttl = 86400\n}\n",
                "resource \"vault_approle_auth_backend_role\" \"app\" {\n  token_max_ttl = 2592000\n}\n",
                "resource \"vault_approle_auth_backend_role\" \"app\" {\n  secret_id_ttl = 0\n}\n",
                "resource \"vault_approle_auth_backend_role\" \"app\" {\n  secret_id_num_uses = 0\n}\n",
                "resource \"vault_kubernetes_auth_backend_role\" \"r\" {\n  bound_service_account_names = [\"*\"]\n}\n",
            ]);
        RuleTester::new(&VaultRoleTtl)
            .path("scripts/bootstrap.sh")
            .pass(&[
                "vault write auth/approle/role/app token_ttl=30m token_max_ttl=8h secret_id_ttl=24h\n",
                "vault write auth/approle/role/app token_ttl=$TTL\n",
                "vault read auth/approle/role/app\n",
                "# vault write auth/approle/role/app token_ttl=24h\n",
                "vault write -f auth/approle/role/app/secret-id\n",
            ])
            .fail(&[
                "vault write auth/approle/role/app token_ttl=24h\n",
                "vault write auth/kubernetes/role/eso \\\n  bound_service_account_names='*' \\\n  policies=eso\n",
                "bao write auth/approle/role/app secret_id_num_uses=0\n",
            ]);
    }

    #[test]
    fn points_at_each_offending_field() {
        let t = RuleTester::new(&VaultRoleTtl).path("infra/roles.tf");
        let hits = t.run(
            "resource \"vault_approle_auth_backend_role\" \"app\" {\n  role_name     = \"app\"\n  token_ttl     = 86400\n  token_max_ttl = 2592000\n}\n",
        );
        let at: Vec<_> = hits.iter().map(|h| (h.start.line, h.start.column, h.hit.message.as_str())).collect();
        assert_eq!(
            at,
            [
                (3, 3, "vault_approle_auth_backend_role `app`: `token_ttl` of 24h exceeds 30m"),
                (4, 3, "vault_approle_auth_backend_role `app`: `token_max_ttl` of 720h exceeds 8h"),
            ]
        );
        let t = RuleTester::new(&VaultRoleTtl).path("bootstrap.sh");
        let hits = t.run("vault write auth/approle/role/ci \\\n    token_ttl=1h \\\n    token_max_ttl=4h\n");
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].start.line, hits[0].start.column), (2, 5));
        assert_eq!(hits[0].text, "token_ttl=1h");
    }
}
