//! `vault-policy-overbroad`: ACL policies that grant `sudo` or write access to whole mounts.

use std::sync::LazyLock;

use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;
use regex::Regex;

use crate::finding::Severity;
use crate::rules::vault::{hcl_file, is_prose};
use crate::rules::{FileContext, Hits, Pack, Rule, RuleMeta, Scope};
use crate::source::Span;
use crate::source::hcl::{self, Literal, Parsed, label, literal, string_items};

pub struct VaultPolicyOverbroad;

static META: RuleMeta = RuleMeta {
    id: "vault-policy-overbroad",
    pack: Pack::Vault,
    severity: Severity::Error,
    summary: "A Vault ACL policy grants `sudo`, or write access to a whole mount or privileged path.",
    docs: r#"
## What it does
Reads Vault/OpenBao ACL policies — `.hcl` policy files, Terraform `vault_policy` resources (the
heredoc `policy`), `vault_policy_document` data sources, and policies embedded in scripts or
ConfigMaps (`vault policy write x - <<EOF … EOF`) — and flags:

- `sudo` in `capabilities` on any path;
- `create`, `update`, `patch` or `delete` (or the legacy `policy = "write"`) on a broad path: one
  whose fixed part stops at the mount, such as `*`, `+/*`, `secret/*`, `secret/data/*`,
  `kv/+/*`, `sys/*`, `auth/*`;
- the same write capabilities on privileged system paths (`sys/policy`, `sys/policies`,
  `sys/auth`, `sys/mounts`, `sys/seal`, `sys/raw`, `auth/token/root`).

## Why is this bad?
A policy is the blast radius of every token that carries it. Write access to a whole mount lets
one service overwrite every other service's secrets; `sudo` and the `sys/` paths let a token
change policies and auth methods, which is root in all but name.

## Example
```hcl
path "secret/*" {
  capabilities = ["create", "read", "update", "delete", "list", "sudo"]
}
```

## Use instead
Scope each service to its own prefix and only the capabilities it needs:
```hcl
path "secret/data/troubleshooting-agent/*" {
  capabilities = ["read"]
}
```
"#,
};

const WRITE_CAPS: &[&str] = &["create", "update", "patch", "delete"];
/// Path segments after a KV v2 mount that address the whole mount's keys.
const KV_API: &[&str] = &["data", "metadata", "delete", "destroy", "undelete", "subkeys"];
const PRIVILEGED: &[&str] =
    &["sys/policy", "sys/policies", "sys/auth", "sys/mounts", "sys/seal", "sys/raw", "auth/token/root"];

/// One `path` stanza: its glob and the capabilities it grants, with their spans.
struct Grant {
    path: String,
    path_span: Span,
    caps: Vec<(String, Span)>,
}

/// Whether a policy path's fixed part ends at the mount (or before it).
pub fn is_broad(path: &str) -> bool {
    if !path.contains(['*', '+']) {
        return false;
    }
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let fixed: Vec<&str> = segs.iter().take_while(|s| !s.contains(['*', '+'])).copied().collect();
    match fixed.as_slice() {
        [] | [_] => true,
        [_, api] => KV_API.contains(api),
        _ => false,
    }
}

fn is_privileged(path: &str) -> bool {
    let p = path.trim_start_matches('/');
    PRIVILEGED.iter().any(|pre| p.starts_with(pre))
}

/// Capabilities meant by the legacy `policy = "…"` shorthand.
fn legacy_caps(policy: &str) -> &'static [&'static str] {
    match policy {
        "write" => &["create", "read", "update", "delete", "list"],
        "sudo" => &["create", "read", "update", "delete", "list", "sudo"],
        _ => &[],
    }
}

/// `path "…" { … }` stanzas of a policy body, and policies nested in Terraform.
fn grants_in(parsed: &Parsed, text: &str, out: &mut Vec<Grant>) {
    for block in parsed.body.get_blocks("path") {
        let (Some(path), Some(label_node)) = (label(block, 0), block.labels.first()) else { continue };
        let Some(path_span) = parsed.span(label_node) else { continue };
        out.push(Grant { path: path.to_string(), path_span, caps: caps_of(parsed, &block.body) });
    }
    for res in parsed.body.get_blocks("resource").filter(|b| label(b, 0) == Some("vault_policy")) {
        let Some(attr) = res.body.get_attribute("policy") else { continue };
        let Expression::HeredocTemplate(heredoc) = &attr.value else { continue };
        let Some(inner) = parsed.span(&heredoc.template) else { continue };
        let Some(inner_text) = text.get(inner.range()) else { continue };
        // A policy that does not parse is left to `vault policy fmt`; the Terraform file is fine.
        if let Ok(nested) = hcl::parse(inner_text, inner.start) {
            grants_in(&nested, text, out);
        }
    }
    for doc in parsed.body.get_blocks("data").filter(|b| label(b, 0) == Some("vault_policy_document")) {
        for rule in doc.body.get_blocks("rule") {
            let Some(attr) = rule.body.get_attribute("path") else { continue };
            let Some(Literal::Str(path)) = literal(&attr.value) else { continue };
            let Some(path_span) = parsed.span(&attr.value) else { continue };
            out.push(Grant { path: path.to_string(), path_span, caps: caps_of(parsed, &rule.body) });
        }
    }
}

fn caps_of(parsed: &Parsed, body: &Body) -> Vec<(String, Span)> {
    let mut caps = Vec::new();
    if let Some(attr) = body.get_attribute("capabilities") {
        for (cap, expr) in string_items(&attr.value) {
            if let Some(span) = parsed.span(expr) {
                caps.push((cap.to_ascii_lowercase(), span));
            }
        }
    }
    if let Some(attr) = body.get_attribute("policy")
        && let Some(Literal::Str(p)) = literal(&attr.value)
        && let Some(span) = parsed.span(&attr.value)
    {
        caps.extend(legacy_caps(p).iter().map(|c| (c.to_string(), span)));
    }
    caps
}

static PATH_STANZA: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"(?m)^[ \t]*path[ \t]+"([^"\n]+)"[ \t]*\{([^}]*)\}"#).unwrap()
});

static CAPS: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"(capabilities|policy)\s*=\s*(\[[^\]]*\]|"[a-z]+")"#).unwrap()
});

static QUOTED: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#""([A-Za-z]+)""#).unwrap()
});

/// Policies embedded in non-HCL files (heredocs in scripts, ConfigMap data), read textually.
fn grants_in_text(text: &str, out: &mut Vec<Grant>) {
    for stanza in PATH_STANZA.captures_iter(text) {
        let (Some(path), Some(body)) = (stanza.get(1), stanza.get(2)) else { continue };
        let mut caps = Vec::new();
        for c in CAPS.captures_iter(body.as_str()) {
            let (Some(kind), Some(list)) = (c.get(1), c.get(2)) else { continue };
            let list_at = body.start() + list.start();
            for q in QUOTED.captures_iter(list.as_str()) {
                let Some(word) = q.get(1) else { continue };
                let span = Span::new(list_at + word.start() - 1, list_at + word.end() + 1);
                let word = word.as_str().to_ascii_lowercase();
                if kind.as_str() == "policy" {
                    caps.extend(legacy_caps(&word).iter().map(|c| (c.to_string(), span)));
                } else {
                    caps.push((word, span));
                }
            }
        }
        let path_span = Span::new(path.start() - 1, path.end() + 1);
        out.push(Grant { path: path.as_str().to_string(), path_span, caps });
    }
}

impl Rule for VaultPolicyOverbroad {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::File
    }

    fn check_file(&self, cx: &FileContext<'_>, hits: &mut Hits) {
        let mut grants = Vec::new();
        if let Some(parsed) = hcl_file(cx, hits) {
            grants_in(&parsed, &cx.file.text, &mut grants);
        } else if cx.class != crate::discover::FileClass::Hcl
            && !is_prose(&cx.file.path)
            && cx.file.text.contains("capabilities")
        {
            grants_in_text(&cx.file.text, &mut grants);
        }
        for g in grants {
            if g.caps.iter().any(|(c, _)| c == "deny") {
                continue;
            }
            if let Some((_, span)) = g.caps.iter().find(|(c, _)| c == "sudo") {
                hits.report(*span, format!("policy grants `sudo` on `{}`", g.path))
                    .identity(format!("policy:{}:sudo", g.path))
                    .help("drop `sudo`; root-protected endpoints belong to a break-glass policy used out of band");
            }
            let mut writes: Vec<&str> =
                g.caps.iter().map(|(c, _)| c.as_str()).filter(|c| WRITE_CAPS.contains(c)).collect();
            writes.dedup();
            if writes.is_empty() {
                continue;
            }
            let what = if is_broad(&g.path) {
                "the broad path"
            } else if is_privileged(&g.path) {
                "the privileged path"
            } else {
                continue;
            };
            let list = writes.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
            hits.report(g.path_span, format!("policy grants {list} on {what} `{}`", g.path))
                .identity(format!("policy:{}:write", g.path))
                .help("scope write access to the service's own prefix, e.g. `secret/data/<service>/*`");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::RuleTester;

    #[test]
    fn broad_paths() {
        for p in ["*", "+/*", "secret/*", "secret/data/*", "kv/+/*", "sys/*", "secret*", "secret/data/+/*"] {
            assert!(is_broad(p), "{p}");
        }
        for p in ["secret/data/app/*", "secret/data/app", "secret/metadata/app/+/config", "auth/token/lookup-self"] {
            assert!(!is_broad(p), "{p}");
        }
    }

    #[test]
    fn vault_policy_overbroad() {
        RuleTester::new(&VaultPolicyOverbroad)
            .path("vault/policies/app.hcl")
            .pass(&[
                "path \"secret/data/app/*\" {\n  capabilities = [\"create\", \"read\", \"update\"]\n}\n",
                "path \"secret/*\" {\n  capabilities = [\"read\", \"list\"]\n}\n",
                "path \"secret/*\" {\n  capabilities = [\"deny\"]\n}\n",
                "path \"auth/token/lookup-self\" {\n  capabilities = [\"read\"]\n}\n",
            ])
            .fail(&[
                "path \"secret/*\" {\n  capabilities = [\"create\", \"update\"]\n}\n",
                "path \"secret/data/app/*\" {\n  capabilities = [\"read\", \"sudo\"]\n}\n",
                "path \"+/*\" {\n  capabilities = [\"delete\"]\n}\n",
                "path \"sys/policies/acl/*\" {\n  capabilities = [\"update\"]\n}\n",
                "path \"secret/*\" {\n  policy = \"write\"\n}\n",
            ]);
        RuleTester::new(&VaultPolicyOverbroad)
            .path("terraform/policies.tf")
            .pass(&["resource \"vault_policy\" \"app\" {\n  name = \"app\"\n  policy = <<EOT\npath \"secret/data/app/*\" {\n  capabilities = [\"read\"]\n}\nEOT\n}\n"])
            .fail(&[
                "resource \"vault_policy\" \"admin\" {\n  name = \"admin\"\n  policy = <<-EOT\n    path \"secret/*\" {\n      capabilities = [\"create\", \"update\"]\n    }\n  EOT\n}\n",
                "data \"vault_policy_document\" \"d\" {\n  rule {\n    path = \"kv/*\"\n    capabilities = [\"delete\"]\n  }\n}\n",
            ]);
        RuleTester::new(&VaultPolicyOverbroad)
            .path("charts/bootstrap/files/policies.sh")
            .pass(&["vault policy write app - <<EOF\npath \"secret/data/app/*\" { capabilities = [\"read\"] }\nEOF\n"])
            .fail(&["vault policy write admin - <<EOF\npath \"secret/*\" {\n  capabilities = [\"create\", \"sudo\"]\n}\nEOF\n"]);
    }

    #[test]
    fn points_at_the_path_and_at_sudo() {
        let t = RuleTester::new(&VaultPolicyOverbroad).path("policy.hcl");
        let hits = t.run("# admin\npath \"secret/*\" {\n  capabilities = [\"create\", \"update\", \"sudo\"]\n}\n");
        let at: Vec<_> = hits.iter().map(|h| (h.start.line, h.start.column, h.text.as_str())).collect();
        assert_eq!(at, [(3, 39, "\"sudo\""), (2, 6, "\"secret/*\"")]);
        assert_eq!(hits[1].hit.message, "policy grants `create`, `update` on the broad path `secret/*`");
        // Inside a Terraform heredoc the positions are those of the .tf file.
        let t = RuleTester::new(&VaultPolicyOverbroad).path("main.tf");
        let hits = t.run("resource \"vault_policy\" \"a\" {\n  policy = <<EOT\npath \"kv/*\" {\n  capabilities = [\"update\"]\n}\nEOT\n}\n");
        assert_eq!((hits[0].start.line, hits[0].start.column, hits[0].text.as_str()), (3, 6, "\"kv/*\""));
        let t = RuleTester::new(&VaultPolicyOverbroad).path("job.yaml");
        let hits = t.run("script: |\n  path \"secret/*\" {\n    capabilities = [\"sudo\"]\n  }\n");
        assert_eq!((hits[0].start.line, hits[0].start.column, hits[0].text.as_str()), (3, 21, "\"sudo\""));
    }
}
