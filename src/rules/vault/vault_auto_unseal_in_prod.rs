//! `vault-auto-unseal-in-prod`: a managed environment relies on the dev bootstrap to unseal Vault.

use std::sync::LazyLock;

use regex::Regex;

use crate::finding::Severity;
use crate::rules::vault::{hcl_file, in_managed_env, is_comment, is_prose, lines};
use crate::rules::{FileContext, Hits, Pack, Rule, RuleMeta, Scope};
use crate::source::Span;
use crate::source::hcl::literal;

pub struct VaultAutoUnsealInProd;

static META: RuleMeta = RuleMeta {
    id: "vault-auto-unseal-in-prod",
    pack: Pack::Vault,
    severity: Severity::Error,
    summary: "A managed environment's Vault has no KMS/HSM `seal` stanza, or runs the dev auto init/unseal bootstrap.",
    docs: r#"
## What it does
In files that belong to a managed environment (staging, production, any the config marks) by
their path or config, flags:

- a Vault/OpenBao server config (a `storage` and a `listener` stanza, in an `.hcl` file or
  embedded in Helm values or a ConfigMap) without a `seal` stanza, or whose `seal` is
  `disabled`;
- a bootstrap that initialises or unseals Vault by itself: `autoInit: true`, `autoInitialize`,
  `autoUnseal: true` in a bootstrap job's values, and `vault operator init` / `vault operator
  unseal` in a manifest or script.

Shared files are not judged here: an environment's overlay may turn the bootstrap off or add the
seal. Documentation files are not checked.

## Why is this bad?
Without auto-unseal through a KMS or HSM, every restart needs unseal keys, and automation that
provides them has to keep the keys (and usually the root token) next to Vault — in a Kubernetes
Secret, a CronJob, a file. Whoever reads that Secret can unseal and take over Vault. Dev
bootstraps do exactly this for convenience; production must not.

## Example
```hcl
# env/production/vault/vault.hcl
storage "raft" { path = "/vault/data" }
listener "tcp" { address = "0.0.0.0:8200" }
```

## Use instead
```hcl
storage "raft" { path = "/vault/data" }
listener "tcp" { address = "0.0.0.0:8200" }
seal "awskms" {
  region     = "eu-west-1"
  kms_key_id = "alias/vault-unseal"
}
```
Initialise once in an audited ceremony and keep the recovery keys outside the cluster.
"#,
};

static STORAGE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"^\s*(storage|backend)\s+"[A-Za-z0-9_-]+"\s*\{"#).unwrap()
});

static BOOTSTRAP_FLAG: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"^\s*(?:-\s*)?["']?([A-Za-z_]+)["']?\s*:\s*["']?(?i:true|yes|on)["']?\s*(?:#.*)?$"#).unwrap()
});

static OPERATOR: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"\b(?:vault|bao)\s+operator\s+(init|unseal)\b"#).unwrap()
});

/// Normalised keys of bootstrap flags that initialise Vault (always a dev shortcut) and that
/// unseal it (a dev shortcut when a bootstrap job does it with stored keys).
const INIT_FLAGS: &[&str] = &["autoinit", "autoinitialize", "autoinitialise", "autoinitunseal", "initandunseal"];
const UNSEAL_FLAGS: &[&str] = &["autounseal", "unsealenabled"];

impl Rule for VaultAutoUnsealInProd {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::File
    }

    fn check_file(&self, cx: &FileContext<'_>, hits: &mut Hits) {
        let parsed = hcl_file(cx, hits);
        if !in_managed_env(cx) {
            return;
        }
        let env = cx.env.envs.first().map_or("", String::as_str);
        if let Some(parsed) = parsed {
            let storage = parsed.blocks("storage").chain(parsed.blocks("backend")).next();
            let Some(storage) = storage.filter(|_| parsed.blocks("listener").next().is_some()) else { return };
            let seals: Vec<_> = parsed.blocks("seal").collect();
            if seals.is_empty() {
                if let Some(span) = parsed.span(&storage.ident) {
                    report_no_seal(hits, span, env);
                }
                return;
            }
            for seal in seals {
                let Some(attr) = seal.body.get_attribute("disabled") else { continue };
                if literal(&attr.value).is_some_and(|l| l.is_truthy())
                    && let Some(span) = parsed.attr_span(attr)
                {
                    hits.report(span, format!("Vault `seal` is disabled in managed environment `{env}`"))
                        .identity("seal.disabled")
                        .help("keep the KMS/HSM seal enabled; seal migration belongs to a one-off change, not to Git");
                }
            }
            return;
        }
        if is_prose(&cx.file.path) {
            return;
        }
        let text = &cx.file.text;
        let path_bootstrap = cx.file.path.to_ascii_lowercase().contains("bootstrap");
        let lower = text.to_ascii_lowercase();
        // The line patterns below need one of these; most manifests have none.
        if !["storage \"", "backend \"", "init", "unseal", "operator"].iter().any(|w| lower.contains(w)) {
            return;
        }
        let text_bootstrap = path_bootstrap || lower.contains("bootstrap");
        let mut storage_at = None;
        let (mut listener, mut seal) = (false, false);
        for (start, line) in lines(text) {
            if is_comment(line) {
                continue;
            }
            let t = line.trim_start();
            listener |= t.starts_with("listener ");
            seal |= t.starts_with("seal ");
            if storage_at.is_none() && STORAGE_LINE.is_match(line) {
                let indent = line.len() - t.len();
                let word = t.split_whitespace().next().unwrap_or("storage").len();
                storage_at = Some(Span::new(start + indent, start + indent + word));
            }
            if let Some(c) = BOOTSTRAP_FLAG.captures(line)
                && let Some(key) = c.get(1)
            {
                let norm = crate::rules::values::normalize_key(key.as_str());
                if INIT_FLAGS.contains(&norm.as_str()) || (text_bootstrap && UNSEAL_FLAGS.contains(&norm.as_str())) {
                    hits.report(
                        Span::new(start + key.start(), start + key.end()),
                        format!(
                            "`{}` turns on the dev auto init/unseal bootstrap in managed environment `{env}`",
                            key.as_str()
                        ),
                    )
                    .identity(format!("bootstrap:{norm}"))
                    .help("turn the bootstrap's init/unseal off in this environment and rely on a KMS/HSM seal");
                }
            }
            for m in OPERATOR.captures_iter(line) {
                let (Some(all), Some(op)) = (m.get(0), m.get(1)) else { continue };
                hits.report(
                    Span::new(start + all.start(), start + all.end()),
                    format!(
                        "`operator {}` runs from a committed job or script in managed environment `{env}`",
                        op.as_str()
                    ),
                )
                .identity(format!("operator:{}", op.as_str()))
                .help("initialise once in an audited ceremony; unseal through a KMS/HSM `seal` stanza");
            }
        }
        if let Some(span) = storage_at.filter(|_| listener && !seal) {
            report_no_seal(hits, span, env);
        }
    }
}

fn report_no_seal(hits: &mut Hits, span: Span, env: &str) {
    hits.report(span, format!("Vault server config in managed environment `{env}` has no `seal` stanza"))
        .identity("seal.missing")
        .help("add a `seal \"awskms\"` (or `azurekeyvault`, `gcpckms`, `transit`, `pkcs11`) stanza");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::RuleTester;

    const NO_SEAL: &str =
        "storage \"raft\" {\n  path = \"/vault/data\"\n}\nlistener \"tcp\" {\n  address = \"0.0.0.0:8200\"\n}\n";

    #[test]
    fn vault_auto_unseal_in_prod() {
        RuleTester::new(&VaultAutoUnsealInProd)
            .path("env/production/vault/vault.hcl")
            .managed(true)
            .pass(&[
                "storage \"raft\" {}\nlistener \"tcp\" {}\nseal \"awskms\" {\n  kms_key_id = \"alias/v\"\n}\n",
                "path \"secret/*\" {\n  capabilities = [\"read\"]\n}\n",
            ])
            .fail(&[
                NO_SEAL,
                "storage \"raft\" {}\nlistener \"tcp\" {}\nseal \"awskms\" {\n  disabled = \"true\"\n}\n",
            ]);
        // Not managed: a dev server config without a seal is fine.
        RuleTester::new(&VaultAutoUnsealInProd).path("env/dev/vault/vault.hcl").managed(false).pass(&[NO_SEAL]);
        RuleTester::new(&VaultAutoUnsealInProd)
            .path("env/production/foundation/vault-bootstrap.yaml")
            .managed(true)
            .pass(&[
                "bootstrap:\n  autoInit: false\n  autoUnseal: false\n",
                "server:\n  ha:\n    config: |\n      storage \"raft\" {}\n      listener \"tcp\" {}\n      seal \"azurekeyvault\" {}\n",
            ])
            .fail(&[
                "bootstrap:\n  autoInit: true\n",
                "vaultBootstrap:\n  autoUnseal: true\n",
                "command: [sh, -c, \"vault operator unseal $KEY\"]\n",
                "server:\n  ha:\n    config: |\n      storage \"raft\" {}\n      listener \"tcp\" {}\n",
            ]);
        // `autoUnseal` outside a bootstrap is the KMS feature some charts name that way.
        RuleTester::new(&VaultAutoUnsealInProd)
            .path("env/production/vault/values.yaml")
            .managed(true)
            .pass(&["server:\n  autoUnseal: true\n  seal: awskms\n"]);
    }

    #[test]
    fn points_at_the_storage_stanza() {
        let t = RuleTester::new(&VaultAutoUnsealInProd).path("env/production/vault/vault.hcl").managed(true);
        let hits = t.run(NO_SEAL);
        assert_eq!((hits[0].start.line, hits[0].start.column, hits[0].text.as_str()), (1, 1, "storage"));
        assert_eq!(hits[0].hit.message, "Vault server config in managed environment `production` has no `seal` stanza");
    }
}
