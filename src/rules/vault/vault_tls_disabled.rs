//! `vault-tls-disabled`: Vault traffic in clear text.

use std::sync::LazyLock;

use regex::Regex;

use crate::finding::Severity;
use crate::rules::vault::{env_severity, hcl_file, is_comment, is_loopback_host, is_prose, lines, url_host};
use crate::rules::{FileContext, Hits, Pack, Rule, RuleMeta, Scope};
use crate::source::Span;
use crate::source::hcl::{Literal, label, literal};

pub struct VaultTlsDisabled;

static META: RuleMeta = RuleMeta {
    id: "vault-tls-disabled",
    pack: Pack::Vault,
    severity: Severity::Error,
    summary: "A Vault/OpenBao listener disables TLS, or clients reach Vault over `http://`.",
    docs: r#"
## What it does
Flags, in Vault and OpenBao server configs (`.hcl`, and configs embedded in Helm values or
ConfigMaps), a `listener` with `tls_disable = true` (also `1`, `"true"`, `"1"`), the Vault Helm
chart's `tlsDisable: true`, and clients pointed at Vault over plain HTTP: `VAULT_ADDR`/`BAO_ADDR`
set to `http://` with a host that is not loopback (in env files, scripts, compose files,
manifests, workflows), and a Terraform `provider "vault"` whose `address` is `http://`.

It is an error in managed environments (staging, production, and shared files those use) and a
warning elsewhere. Loopback addresses (`127.0.0.1`, `localhost`, `[::1]`) are fine: that traffic
never leaves the machine. Documentation files are not checked.

## Why is this bad?
Every request to Vault carries a token and most responses carry secrets. Without TLS, anyone on
the path (a compromised pod, a node, a mirrored port) reads them, and can replay the token.

## Example
```hcl
listener "tcp" {
  address     = "0.0.0.0:8200"
  tls_disable = 1
}
```

## Use instead
```hcl
listener "tcp" {
  address       = "0.0.0.0:8200"
  tls_cert_file = "/vault/tls/tls.crt"
  tls_key_file  = "/vault/tls/tls.key"
}
```
and `VAULT_ADDR=https://vault.example.internal:8200` with `VAULT_CACERT` for the clients.
"#,
};

static TLS_DISABLE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"^\s*(tls_disable\s*=\s*"?(?i:true|1)"?|tlsDisable\s*:\s*["']?(?i:true)["']?)\s*(?:$|#|,|\})"#)
        .unwrap()
});

static ADDR_INLINE: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"\b(VAULT_ADDR|BAO_ADDR)\b["']?\s*[:=]\s*["']?(http://)"#).unwrap()
});

static ENV_NAME: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"^\s*(?:-\s*)?name\s*:\s*["']?(VAULT_ADDR|BAO_ADDR)["']?\s*$"#).unwrap()
});

static ENV_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"^\s*value\s*:\s*["']?(http://)"#).unwrap()
});

impl Rule for VaultTlsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::File
    }

    fn check_file(&self, cx: &FileContext<'_>, hits: &mut Hits) {
        let severity = env_severity(cx);
        if let Some(parsed) = hcl_file(cx, hits) {
            // Boundary shares Vault's listener syntax; its configs are not Vault's.
            let boundary = parsed.blocks("controller").next().is_some() || parsed.blocks("worker").next().is_some();
            // A `unix` socket listener has no TLS to disable.
            for listener in parsed.blocks("listener").filter(|l| !boundary && label(l, 0) != Some("unix")) {
                let Some(attr) = listener.body.get_attribute("tls_disable") else { continue };
                if !literal(&attr.value).is_some_and(|l| l.is_truthy()) {
                    continue;
                }
                let Some(span) = parsed.attr_span(attr) else { continue };
                let kind = label(listener, 0).unwrap_or("tcp");
                hits.report(span, format!("Vault listener `{kind}` disables TLS (`tls_disable`)"))
                    .identity(format!("listener.{kind}.tls_disable"))
                    .severity(severity)
                    .help("configure `tls_cert_file` and `tls_key_file` and remove `tls_disable`");
            }
            for provider in parsed.blocks("provider").filter(|b| label(b, 0) == Some("vault")) {
                let Some(attr) = provider.body.get_attribute("address") else { continue };
                let Some(Literal::Str(addr)) = literal(&attr.value) else { continue };
                let Some(rest) = addr.strip_prefix("http://") else { continue };
                if is_loopback_host(url_host(rest)) {
                    continue;
                }
                let Some(span) = parsed.span(&attr.value) else { continue };
                hits.report(span, "Terraform's Vault provider talks to Vault over `http://`")
                    .identity("provider.vault.address")
                    .severity(severity)
                    .help("use an `https://` address and `ca_cert_file`");
            }
            return;
        }
        if is_prose(&cx.file.path) {
            return;
        }
        let text = &cx.file.text;
        // Every line pattern below needs one of these literals; most files have none.
        if !["tls_disable", "tlsDisable", "VAULT_ADDR", "BAO_ADDR"].iter().any(|w| text.contains(w)) {
            return;
        }
        let embedded_config = text.contains("listener");
        let mut pending_env: Option<&str> = None;
        let mut in_unix_listener = false;
        for (start, line) in lines(text) {
            if is_comment(line) {
                pending_env = None;
                continue;
            }
            if let Some(rest) = line.trim_start().strip_prefix("listener") {
                in_unix_listener = rest.trim_start().starts_with("\"unix\"");
            }
            if let Some(c) = TLS_DISABLE_LINE.captures(line)
                && let Some(m) = c.get(1)
                && (embedded_config || m.as_str().starts_with("tlsDisable"))
                && !in_unix_listener
            {
                let key = if m.as_str().starts_with("tlsDisable") { "tlsDisable" } else { "tls_disable" };
                hits.report(Span::new(start + m.start(), start + m.end()), format!("Vault TLS is disabled (`{key}`)"))
                    .identity(format!("tls:{key}"))
                    .severity(severity)
                    .help("serve Vault with a certificate; keep `tls_disable` out of every non-local config");
            }
            for c in ADDR_INLINE.captures_iter(line) {
                let (Some(name), Some(scheme)) = (c.get(1), c.get(2)) else { continue };
                report_addr(hits, severity, name.as_str(), start, line, scheme.end(), scheme.start());
            }
            if let Some(name) = pending_env.take()
                && let Some(c) = ENV_VALUE.captures(line)
                && let Some(scheme) = c.get(1)
            {
                report_addr(hits, severity, name, start, line, scheme.end(), scheme.start());
            }
            if let Some(c) = ENV_NAME.captures(line) {
                pending_env = c.get(1).map(|m| if m.as_str() == "VAULT_ADDR" { "VAULT_ADDR" } else { "BAO_ADDR" });
            }
        }
    }
}

/// Reports an `http://` Vault address whose host (after `host_at` in `line`) is not loopback.
fn report_addr(hits: &mut Hits, severity: Severity, name: &str, start: usize, line: &str, host_at: usize, at: usize) {
    let host = url_host(&line[host_at..]);
    let templated = host.starts_with('$') || host.starts_with("{{") || host.is_empty();
    if templated || is_loopback_host(host) {
        return;
    }
    hits.report(Span::new(start + at, start + host_at + host.len()), format!("`{name}` reaches Vault over `http://`"))
        .identity(format!("addr:{name}"))
        .severity(severity)
        .help("use `https://` and set `VAULT_CACERT` to the CA that signed Vault's certificate");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::RuleTester;

    #[test]
    fn vault_tls_disabled() {
        RuleTester::new(&VaultTlsDisabled)
            .path("vault/config.hcl")
            .pass(&[
                "listener \"tcp\" {\n  address = \"0.0.0.0:8200\"\n  tls_cert_file = \"/t/tls.crt\"\n}\n",
                "listener \"tcp\" {\n  tls_disable = false\n}\n",
                "listener \"tcp\" {\n  tls_disable = \"0\"\n}\n",
                "controller {\n  name = \"c\"\n}\nlistener \"tcp\" {\n  purpose = \"api\"\n  tls_disable = true\n}\n",
                "provider \"vault\" {\n  address = \"http://127.0.0.1:8200\"\n}\n",
                "provider \"vault\" {\n  address = \"https://vault.example.com:8200\"\n}\n",
                "listener \"unix\" {\n  address = \"/var/run/vault/agent.sock\"\n  tls_disable = true\n}\n",
            ])
            .fail(&[
                "listener \"tcp\" {\n  tls_disable = 1\n}\n",
                "listener \"tcp\" {\n  tls_disable = true\n}\n",
                "listener \"tcp\" {\n  tls_disable = \"true\"\n}\n",
                "provider \"vault\" {\n  address = \"http://vault.example.com:8200\"\n}\n",
            ]);
        RuleTester::new(&VaultTlsDisabled)
            .path("deploy/vault-values.yaml")
            .pass(&[
                "env:\n  - name: VAULT_ADDR\n    value: https://vault.vault.svc:8200\n",
                "env:\n  - name: VAULT_ADDR\n    value: http://127.0.0.1:8200\n",
                "VAULT_ADDR: http://localhost:8200\n",
                "VAULT_ADDR: http://${VAULT_HOST}:8200\n",
                "# VAULT_ADDR=http://vault:8200\n",
                "config: |\n  storage \"raft\" {}\n",
                "config: |\n  listener \"unix\" {\n    address = \"/run/agent.sock\"\n    tls_disable = true\n  }\n",
            ])
            .fail(&[
                "env:\n  - name: VAULT_ADDR\n    value: http://vault.vault.svc:8200\n",
                "environment:\n  - VAULT_ADDR=http://vault:8200\n",
                "global:\n  tlsDisable: true\n",
                "server:\n  standalone:\n    config: |\n      listener \"tcp\" {\n        tls_disable = 1\n      }\n",
            ]);
        RuleTester::new(&VaultTlsDisabled).path(".env").fail(&["VAULT_ADDR=\"http://10.0.0.5:8200\"\n"]);
        RuleTester::new(&VaultTlsDisabled).path("docs/vault.md").pass(&["export VAULT_ADDR=http://vault:8200\n"]);
    }

    #[test]
    fn points_at_the_attribute_and_follows_the_environment() {
        let t = RuleTester::new(&VaultTlsDisabled).path("vault/config.hcl").managed(true);
        let hits = t.run("ui = true\nlistener \"tcp\" {\n  address     = \"0.0.0.0:8200\"\n  tls_disable = 1\n}\n");
        assert_eq!((hits[0].start.line, hits[0].start.column), (4, 3));
        assert_eq!(hits[0].text, "tls_disable = 1");
        assert_eq!(hits[0].hit.severity, Some(Severity::Error));
        let t = RuleTester::new(&VaultTlsDisabled).path("scripts/env.sh").managed(false);
        let hits = t.run("#!/bin/sh\nexport VAULT_ADDR=http://vault.internal:8200\n");
        assert_eq!((hits[0].start.line, hits[0].start.column), (2, 19));
        assert_eq!(hits[0].text, "http://vault.internal");
        assert_eq!(hits[0].hit.severity, Some(Severity::Warning));
    }

    #[test]
    fn a_syntax_error_is_a_parse_error_at_its_position() {
        let t = RuleTester::new(&VaultTlsDisabled).path("vault/config.hcl");
        let hits = t.run("listener \"tcp\" {\n  tls_disable = = 1\n}\n");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].hit.rule, "parse-error");
        assert_eq!(hits[0].start.line, 2);
    }
}
