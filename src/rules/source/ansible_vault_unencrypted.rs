//! `ansible-vault-unencrypted`: Ansible vault files in clear text, and committed vault passwords.

use std::sync::LazyLock;

use regex::Regex;

use crate::finding::Severity;
use crate::model::walk;
use crate::rules::values::literal_scalar;
use crate::rules::{FileContext, Hits, Pack, Rule, RuleMeta, Scope};
use crate::source::{Span, yaml};

pub struct AnsibleVaultUnencrypted;

static META: RuleMeta = RuleMeta {
    id: "ansible-vault-unencrypted",
    pack: Pack::Source,
    severity: Severity::Error,
    summary: "An Ansible vault file is not encrypted, or the vault password file is committed.",
    docs: r#"
## What it does
Flags:

- an Ansible vault file that lacks the `$ANSIBLE_VAULT;` header and holds literal values:
  `vault.yml`/`vault.yaml` anywhere (unless it is a Kubernetes manifest), and `*vault*` or
  `secrets*` files under `group_vars/` or `host_vars/`. Files whose every value is encrypted
  inline (`!vault |`) or templated are fine;
- a committed vault password file: `.vault_pass`, `.vault_pass.txt`, `.vault-pass`,
  `vault_password`, `vault-password`, `.vault-password-file`, … (a `#!` script that fetches the
  password from a manager is fine);
- `vault_password_file = <path>` in `ansible.cfg`, and `--vault-password-file <path>` /
  `--vault-pass-file` / `ANSIBLE_VAULT_PASSWORD_FILE=<path>` in scripts, CI workflows and
  Makefiles, when the path points at a file committed to the repository.

## Why is this bad?
An unencrypted vault file is a plain-text secrets file with a reassuring name. A committed vault
password decrypts every vault file in the repository and its history: the encryption is void.

## Example
```yaml
# inventory/group_vars/all/vault.yml
vault_db_password: fake-db-password
```

## Use instead
```sh
ansible-vault encrypt inventory/group_vars/all/vault.yml
```
Keep the vault password outside the repository (mode 0600 on the control host, or a
`--vault-id` script that reads it from a secrets manager).
"#,
};

const PASSWORD_FILES: &[&str] = &[
    ".vault_pass",
    ".vault_pass.txt",
    ".vault-pass",
    ".vault-pass.txt",
    "vault_pass",
    "vault_pass.txt",
    "vault-pass",
    "vault-pass.txt",
    ".vault_password",
    ".vault-password",
    "vault_password",
    "vault-password",
    "vault_password.txt",
    "vault-password.txt",
    ".vault-password-file",
    ".vault_password_file",
    "vault-password-file",
];

/// Whether `rel` names an Ansible vault file by the usual conventions.
pub fn is_vault_file(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    let segs: Vec<&str> = lower.split('/').collect();
    let name = segs.last().copied().unwrap_or("");
    let yamlish = name.ends_with(".yml") || name.ends_with(".yaml") || !name.contains('.');
    if !yamlish {
        return false;
    }
    let stem = name.trim_end_matches(".yml").trim_end_matches(".yaml");
    let in_vars = segs.iter().any(|s| matches!(*s, "group_vars" | "host_vars"));
    stem == "vault" || (in_vars && (stem.contains("vault") || stem.starts_with("secrets")))
}

static CFG_PASSWORD_FILE: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"^\s*vault_password_file\s*[=:]\s*(\S+)"#).unwrap()
});

static CLI_PASSWORD_FILE: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"(?:--vault-password-file|--vault-pass-file|ANSIBLE_VAULT_PASSWORD_FILE)(?:\s*=\s*|\s+|:\s*)["']?([^\s"';]+)"#)
        .unwrap()
});

/// Resolves `target` (as written in `from`) to a repository path, if it names a committed file.
fn committed(cx: &FileContext<'_>, target: &str) -> Option<String> {
    if target.starts_with('/') || target.starts_with('~') || target.starts_with('$') || target.contains("{{") {
        return None;
    }
    let dir = cx.file.path.rsplit_once('/').map_or("", |(d, _)| d);
    let normalize = crate::discover::normalize;
    let candidates = [normalize(&format!("{dir}/{target}")), normalize(target)];
    candidates.into_iter().flatten().find(|p| cx.repo_files.contains(p))
}

impl Rule for AnsibleVaultUnencrypted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::File
    }

    fn check_file(&self, cx: &FileContext<'_>, hits: &mut Hits) {
        let text = &cx.file.text;
        let rel = cx.file.path.as_str();
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let content = Span::new(text.len() - text.trim_start().len(), text.trim_end().len());
        if PASSWORD_FILES.contains(&name.to_ascii_lowercase().as_str()) {
            if content.end > content.start && !text.trim_start().starts_with("#!") {
                hits.report(
                    Span::new(content.start, content.start),
                    format!("Ansible vault password file `{name}` is committed"),
                )
                .identity(format!("password-file:{name}"))
                .secret(content)
                .help("remove it from Git and its history, change the vault password and re-key the vault files");
            }
            return;
        }
        if is_vault_file(rel) {
            self.check_vault_file(cx, hits, name, content);
            return;
        }
        // Every file of the tree passes here: vectorised substring search, not `str::contains`.
        let has = |needle: &str| memchr::memmem::find(text.as_bytes(), needle.as_bytes()).is_some();
        if !has("vault_password_file") && !has("--vault-pass") && !has("ANSIBLE_VAULT_PASSWORD_FILE") {
            return;
        }
        let is_cfg = name == "ansible.cfg" || name == ".ansible.cfg";
        let mut at = 0;
        for raw in text.split_inclusive('\n') {
            let start = at;
            at += raw.len();
            let line = raw.trim_end_matches(['\n', '\r']);
            if line.trim_start().starts_with(['#', ';']) {
                continue;
            }
            let found = if is_cfg { CFG_PASSWORD_FILE.captures(line) } else { None };
            let found = found.or_else(|| CLI_PASSWORD_FILE.captures(line));
            let Some(path) = found.and_then(|c| c.get(1)) else { continue };
            let Some(target) = committed(cx, path.as_str()) else { continue };
            hits.report(
                Span::new(start + path.start(), start + path.end()),
                format!("the Ansible vault password is read from `{target}`, a file committed to the repository"),
            )
            .identity(format!("password-file-ref:{target}"))
            .help("keep the vault password outside the repository, or use a `--vault-id` script that fetches it");
        }
    }
}

impl AnsibleVaultUnencrypted {
    fn check_vault_file(&self, cx: &FileContext<'_>, hits: &mut Hits, name: &str, content: Span) {
        let text = &cx.file.text;
        if content.end <= content.start || text.trim_start().starts_with("$ANSIBLE_VAULT;") {
            return;
        }
        let loaded = yaml::load(cx.file);
        let mut literals: Vec<Span> = Vec::new();
        for doc in &loaded.documents {
            let is_k8s = doc.root.get("apiVersion").is_some() && doc.root.get("kind").is_some();
            if is_k8s {
                return;
            }
            let mut path = Vec::new();
            walk(&doc.root, &mut path, &mut |_, key, node| {
                if key.is_some() && literal_scalar(node).is_some() {
                    literals.push(node.span);
                }
            });
        }
        // A file that does not parse may still be clear text: treat all of it as the secret.
        let secret = match (literals.first(), literals.last(), &loaded.error) {
            (_, _, Some(_)) => content,
            (Some(first), Some(last), None) => Span::new(first.start, last.end),
            _ => return,
        };
        hits.report(
            Span::new(0, 0),
            format!("Ansible vault file `{name}` is not encrypted (no `$ANSIBLE_VAULT;` header)"),
        )
        .identity(format!("unencrypted:{name}"))
        .secret(secret)
        .help("encrypt it with `ansible-vault encrypt`, then rotate every value it held in clear text");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::RuleTester;

    #[test]
    fn vault_file_names() {
        for p in [
            "group_vars/all/vault.yml",
            "inventory/host_vars/web1/vault",
            "roles/db/vars/vault.yaml",
            "group_vars/prod/secrets.yml",
            "group_vars/all/app_vault.yml",
        ] {
            assert!(is_vault_file(p), "{p}");
        }
        for p in ["group_vars/all/main.yml", "secrets.yml", "deploy/vault.json", "vault/config.hcl"] {
            assert!(!is_vault_file(p), "{p}");
        }
    }

    #[test]
    fn ansible_vault_unencrypted() {
        RuleTester::new(&AnsibleVaultUnencrypted)
            .path("inventory/group_vars/all/vault.yml")
            .pass(&[
                "$ANSIBLE_VAULT;1.1;AES256\n62313365396662343061393464336163383764373764613633653634306231386433626436623361\n",
                "vault_db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6231336539\n",
                "vault_db_password: \"{{ lookup('env', 'DB_PASSWORD') }}\"\n",
                "\n",
            ])
            .fail(&["vault_db_password: fake-db-password\n", "vault_api_token: [unclosed\n"]);
        RuleTester::new(&AnsibleVaultUnencrypted)
            .path("k8s/vault.yaml")
            .pass(&["apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: vault}\n"]);
        RuleTester::new(&AnsibleVaultUnencrypted)
            .path("ansible/.vault_pass")
            .pass(&["#!/bin/sh\nexec op read op://ops/ansible/vault-password\n"])
            .fail(&["fake-vault-password\n"]);
        RuleTester::new(&AnsibleVaultUnencrypted)
            .path("ansible/ansible.cfg")
            .repo_file("ansible/.vault_pass")
            .pass(&[
                "[defaults]\nvault_password_file = ~/.vault_pass\n",
                "[defaults]\nvault_password_file = missing.txt\n",
            ])
            .fail(&["[defaults]\nvault_password_file = .vault_pass\n"]);
        RuleTester::new(&AnsibleVaultUnencrypted)
            .path("scripts/deploy.sh")
            .repo_file("ansible/.vault_pass")
            .pass(&["ansible-playbook site.yml --vault-password-file /etc/ansible/vault_pass\n"])
            .fail(&["ansible-playbook site.yml --vault-password-file=ansible/.vault_pass\n"]);
    }

    #[test]
    fn reports_at_the_start_and_masks_every_value() {
        let t = RuleTester::new(&AnsibleVaultUnencrypted).path("group_vars/all/vault.yml");
        let text = "---\nvault_db_user: app\nvault_db_password: fake-pw\n";
        let hits = t.run(text);
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].start.line, hits[0].start.column), (1, 1));
        let secret = hits[0].hit.secret.unwrap();
        assert_eq!(&text[secret.range()], "app\nvault_db_password: fake-pw");
    }
}
