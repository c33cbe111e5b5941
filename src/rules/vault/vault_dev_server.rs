//! `vault-dev-server`: Vault/OpenBao started in dev mode.

use crate::finding::Severity;
use crate::rules::vault::{Token, env_severity, is_prose, lines, tokens};
use crate::rules::{FileContext, Hits, Pack, Rule, RuleMeta, Scope};

pub struct VaultDevServer;

static META: RuleMeta = RuleMeta {
    id: "vault-dev-server",
    pack: Pack::Vault,
    severity: Severity::Error,
    summary: "Vault or OpenBao is started in dev mode (`server -dev`).",
    docs: r#"
## What it does
Flags `vault server -dev` and `bao server -dev` (also `-dev-root-token-id=…`, `-dev-tls`, …) in
manifests, Helm values, compose files, scripts, Dockerfiles and CI workflows, whether written as
one command line, a JSON array (`["vault", "server", "-dev"]`) or a YAML list of `args`. A bare
`server -dev` after `command:`/`args:`/`CMD`/`ENTRYPOINT` counts when the file mentions Vault or
OpenBao (the official images put the binary in the entrypoint).

It is an error in managed environments (staging, production, and shared files those use) and a
warning elsewhere. Documentation files are not checked.

## Why is this bad?
A dev-mode server keeps everything in memory, starts unsealed with a single unseal key, listens
without TLS and hands out a root token that is often fixed (`root`) and printed in the logs.
Anything written to it is lost on restart; anyone who reaches it owns it.

## Example
```yaml
services:
  vault:
    image: hashicorp/vault:1.15
    command: server -dev -dev-root-token-id=root
```

## Use instead
```yaml
services:
  vault:
    image: hashicorp/vault:1.15
    command: server -config=/vault/config/vault.hcl
```
with persistent storage, TLS and a `seal` stanza, initialised once out of band.
"#,
};

/// Keys and Dockerfile instructions after which a bare `server` is the Vault binary's argument.
const COMMAND_KEYS: &[&str] =
    &["command:", "args:", "entrypoint:", "cmd", "entrypoint", "command", "args", "-command", "-args"];

impl Rule for VaultDevServer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::File
    }

    fn check_file(&self, cx: &FileContext<'_>, hits: &mut Hits) {
        let text = &cx.file.text;
        if is_prose(&cx.file.path) || !text.contains("-dev") || !text.contains("server") {
            return;
        }
        let lower = text.to_ascii_lowercase();
        let mentions_vault = lower.contains("vault") || lower.contains("openbao");
        let line_texts: Vec<&str> = lines(text).map(|(_, l)| l).collect();
        let toks = tokens(text);
        for (i, tok) in toks.iter().enumerate() {
            if tok.text != "server" {
                continue;
            }
            let Some(prev) = toks[..i].iter().rev().find(|t| t.text != "-") else { continue };
            let binary = prev.text.rsplit('/').next().unwrap_or(prev.text);
            let by_binary = matches!(binary, "vault" | "bao" | "vault.exe");
            let by_context = mentions_vault && COMMAND_KEYS.contains(&prev.text.to_ascii_lowercase().as_str());
            if !(by_binary || by_context) {
                continue;
            }
            let Some(flag) = dev_flag(&toks[i + 1..], tok, &line_texts) else { continue };
            let tool = if binary == "bao" { "bao" } else { "vault" };
            hits.report(flag.span, format!("`{tool} server` runs in dev mode (`{}`)", flag_name(flag.text)))
                .identity(format!("dev-server:{tool}"))
                .severity(env_severity(cx))
                .help("run a real server with `-config`, persistent storage, TLS and a `seal` stanza");
        }
    }
}

/// The `-dev…` flag among the arguments that follow `server`, as long as they stay in the same
/// command: the same line, a `\` continuation, or the next items of a YAML/JSON list.
fn dev_flag<'a>(rest: &[Token<'a>], server: &Token<'a>, line_texts: &[&str]) -> Option<Token<'a>> {
    let mut line = server.line;
    for tok in rest.iter().take(16) {
        if tok.line != line {
            let prev = line_texts.get(tok.line.wrapping_sub(1)).map_or("", |l| l.trim_end());
            let this = line_texts.get(tok.line).map_or("", |l| l.trim_start());
            let continues =
                prev.ends_with('\\') || prev.ends_with(',') || this.starts_with('-') || this.starts_with('"');
            if !continues || tok.line != line + 1 {
                return None;
            }
            line = tok.line;
        }
        if tok.text == "-" {
            continue;
        }
        if matches!(tok.text, "&&" | "||" | "|" | "&") || tok.text.ends_with(':') {
            return None;
        }
        if is_dev_flag(tok.text) {
            return Some(*tok);
        }
    }
    None
}

fn is_dev_flag(word: &str) -> bool {
    let w = word.strip_prefix("--").or_else(|| word.strip_prefix('-')).unwrap_or("");
    w == "dev" || w.starts_with("dev-") || w.starts_with("dev=")
}

/// The flag without its value: `-dev-root-token-id=root` → `-dev-root-token-id` (the value may be
/// the root token).
fn flag_name(word: &str) -> &str {
    word.split('=').next().unwrap_or(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::RuleTester;

    #[test]
    fn vault_dev_server() {
        RuleTester::new(&VaultDevServer)
            .path("docker-compose.yml")
            .pass(&[
                "services:\n  vault:\n    image: hashicorp/vault:1.15\n    command: server -config=/vault/config\n",
                "services:\n  api:\n    image: example/api\n    command: server -dev\n",
                "services:\n  consul:\n    image: hashicorp/consul\n    command: agent -dev\n",
                "services:\n  vault:\n    image: hashicorp/vault\n    command: server\n  ui:\n    command: npm run -dev\n",
            ])
            .fail(&[
                "services:\n  vault:\n    image: hashicorp/vault:1.15\n    command: server -dev -dev-root-token-id=root\n",
                "services:\n  vault:\n    image: hashicorp/vault\n    entrypoint: [\"vault\", \"server\", \"-dev\"]\n",
                "containers:\n  - name: vault\n    image: hashicorp/vault\n    args:\n      - server\n      - -dev\n",
                "services:\n  bao:\n    image: openbao/openbao\n    command: [\"server\", \"-dev\"]\n",
            ]);
        RuleTester::new(&VaultDevServer)
            .path("scripts/start.sh")
            .pass(&["vault server -config=/etc/vault.hcl\necho -dev\n", "# vault server -dev\n"])
            .fail(&["vault server \\\n  -log-level=debug \\\n  -dev\n", "/usr/bin/bao server -dev &\n"]);
        RuleTester::new(&VaultDevServer)
            .path("Dockerfile")
            .fail(&["FROM hashicorp/vault\nCMD [\"server\", \"-dev\"]\n"]);
        RuleTester::new(&VaultDevServer).path("README.md").pass(&["Run `vault server -dev` locally.\n"]);
    }

    #[test]
    fn points_at_the_flag_without_its_value() {
        let t = RuleTester::new(&VaultDevServer).path("ci/vault.sh").managed(true);
        let hits = t.run("set -e\nvault server -dev-root-token-id=root &\n");
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].start.line, hits[0].start.column), (2, 14));
        assert_eq!(hits[0].hit.message, "`vault server` runs in dev mode (`-dev-root-token-id`)");
        assert_eq!(hits[0].hit.severity, Some(Severity::Error));
        let hits = RuleTester::new(&VaultDevServer).path("ci/vault.sh").run("vault server -dev\n");
        assert_eq!(hits[0].hit.severity, Some(Severity::Warning));
    }
}
