//! `dotenv-credential`: a committed `.env` file holds a credential.

use crate::discover::FileClass;
use crate::finding::Severity;
use crate::rules::values::{is_fill_in_marker, is_non_literal_text};
use crate::rules::{FileContext, Hits, Pack, Rule, RuleMeta, Scope};
use crate::source::Span;

pub struct DotenvCredential;

static META: RuleMeta = RuleMeta {
    id: "dotenv-credential",
    pack: Pack::Source,
    severity: Severity::Error,
    summary: "A committed `.env` file holds a literal credential, or an example env file holds a real-looking one.",
    docs: r#"
## What it does
Reads committed env files (`.env`, `.env.*`, `*.env`) line by line (`KEY=value`,
`export KEY=value`, quoted values, trailing `# comments`) and flags a credential-like key
(`DB_PASSWORD`, `API_TOKEN`, `AWS_SECRET_ACCESS_KEY`, …) with a literal value. Substitutions
(`${VAR}`, `$(cmd)`), templates, secret references (`op://…`, `vault:…`), empty values and
fill-in markers (`<db-password>`, `your-token`) are not literals; reference-shaped keys
(`*_FILE`, `*_PATH`, `*_SECRET_NAME`) are not credentials.

Example files (`.env.example`, `.env.sample`, `.env.template`, `.env.dist`, and `*.env` files
named `example`/`sample`/`template`) are meant to be committed: there only values that look
real are flagged — at least 12 characters, high entropy, mixing letters and digits, and not a
placeholder (`changeme`, `<…>`, `your-…`, `xxxx`).

Files the walk does not see (gitignored, as `.env` files should be) are not checked.

## Why is this bad?
`.env` files travel: into images, into backups, into forks, into the history forever. A committed
`.env` is the most common way production credentials end up public, and it bypasses the
rotation and audit trail Vault gives you.

## Example
```sh
# .env
DATABASE_URL=postgres://app@db:5432/app
DB_PASSWORD=s3cr3t-from-laptop
```

## Use instead
Commit a `.env.example` with empty or placeholder values, gitignore `.env`, and load the real
values from Vault at start-up (`vault kv get -field=…`, Vault Agent, External Secrets):
```sh
# .env.example
DB_PASSWORD=
```
"#,
};

/// Whether the file is an example/template meant to be committed.
pub fn is_example(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["example", "sample", "template", "dist", "tpl", "defaults"]
        .iter()
        .any(|w| n.split(['.', '-', '_']).any(|part| part == *w))
}

/// Shannon entropy in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let n = s.chars().count() as f64;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    counts.values().map(|&k| k as f64 / n).map(|p| -p * p.log2()).sum()
}

/// Whether an example file's value looks like a real secret rather than a placeholder.
fn looks_real(cx: &FileContext<'_>, v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    let fake_words = ["example", "change", "xxxx", "your", "placeholder", "dummy", "fake", "sample", "replace", "todo"];
    v.chars().count() >= 12
        && !cx.policy.is_placeholder(v)
        && !fake_words.iter().any(|w| lower.contains(w))
        && v.chars().any(|c| c.is_ascii_digit())
        && v.chars().any(|c| c.is_ascii_alphabetic())
        && entropy(v) >= 3.5
}

/// One `KEY=value` line: the key, and the value's span within the line (quotes excluded).
fn parse_line(line: &str) -> Option<(&str, std::ops::Range<usize>)> {
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') {
        return None;
    }
    let lead = line.len() - trimmed.len();
    let (lead, body) = match trimmed.strip_prefix("export ") {
        Some(rest) => (lead + 7 + (rest.len() - rest.trim_start().len()), rest.trim_start()),
        None => (lead, trimmed),
    };
    let eq = body.find('=')?;
    let key = body[..eq].trim_end();
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        return None;
    }
    let after = &body[eq + 1..];
    let ws = after.len() - after.trim_start().len();
    let v_at = lead + eq + 1 + ws;
    let v = &line[v_at..];
    let range = match v.chars().next() {
        Some(q @ ('"' | '\'')) => {
            let close = v[1..].find(q)?;
            v_at + 1..v_at + 1 + close
        }
        Some(_) => {
            let end = v.find(" #").or_else(|| v.find("\t#")).unwrap_or(v.len());
            v_at..v_at + v[..end].trim_end().len()
        }
        None => return None,
    };
    Some((key, range))
}

impl Rule for DotenvCredential {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::File
    }

    fn check_file(&self, cx: &FileContext<'_>, hits: &mut Hits) {
        if cx.class != FileClass::Dotenv {
            return;
        }
        let name = cx.file.path.rsplit('/').next().unwrap_or(&cx.file.path);
        let example = is_example(name);
        let mut at = 0;
        for raw in cx.file.text.split_inclusive('\n') {
            let start = at;
            at += raw.len();
            let line = raw.trim_end_matches(['\n', '\r']);
            let Some((key, range)) = parse_line(line) else { continue };
            if !cx.policy.is_credential_key(key) {
                continue;
            }
            let value = &line[range.clone()];
            if value.trim().is_empty() || is_non_literal_text(value) || is_fill_in_marker(value) {
                continue;
            }
            let lower = value.to_ascii_lowercase();
            if ["your-", "your_", "placeholder", "dummy"].iter().any(|p| lower.starts_with(p)) {
                continue;
            }
            if example && !looks_real(cx, value) {
                continue;
            }
            let span = Span::new(start + range.start, start + range.end);
            let message = if example {
                format!("example env file `{name}` holds a real-looking value for `{key}`")
            } else {
                format!("env file `{name}` commits a literal value for credential key `{key}`")
            };
            hits.report(span, message).identity(format!("dotenv:{key}")).secret(span).help(if example {
                "leave the value empty or use an obvious placeholder such as `<db-password>`"
            } else {
                "gitignore the file, commit a `.env.example` with empty values, and load the secret from Vault"
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::RuleTester;

    #[test]
    fn dotenv_credential() {
        RuleTester::new(&DotenvCredential)
            .path("app/.env")
            .pass(&[
                "DB_HOST=db\nDB_USER=app\nLOG_LEVEL=debug\n",
                "DB_PASSWORD=\nAPI_TOKEN=${API_TOKEN}\nSECRET_KEY=$(vault kv get -field=key secret/app)\n",
                "# DB_PASSWORD=hunter2\nDB_PASSWORD_FILE=/run/secrets/db\n",
                "DB_PASSWORD=<db-password>\nAPI_TOKEN=your-token-here\n",
                "DB_PASSWORD=op://vault/db/password\n",
            ])
            .fail(&[
                "DB_PASSWORD=fake-password-1\n",
                "export API_TOKEN=\"fake-token-value\"\n",
                "KEYCLOAK_ADMIN_PASSWORD='n0t-a-real-pw' # local only\n",
            ]);
        RuleTester::new(&DotenvCredential)
            .path(".env.example")
            .pass(&[
                "DB_PASSWORD=changeme\nAPI_TOKEN=<token>\nSECRET_KEY=your-secret-key\nAWS_SECRET_ACCESS_KEY=\n",
                "JWT_SECRET=replace-with-a-long-random-string\n",
            ])
            .fail(&["AWS_SECRET_ACCESS_KEY=Zk9Qb3Rlc3RPbmx5Rk4x7Ab9Kq2LmXw\n"]);
        // Not an env file: other rules' business.
        RuleTester::new(&DotenvCredential).path("config/app.properties").pass(&["DB_PASSWORD=fake-password-1\n"]);
    }

    #[test]
    fn points_at_the_value_inside_quotes() {
        let t = RuleTester::new(&DotenvCredential).path(".env.production");
        let hits = t.run("APP=x\nexport  DB_PASSWORD = \"fake-pw-value\" # comment\n");
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].start.line, hits[0].start.column), (2, 24));
        assert_eq!(hits[0].text, "fake-pw-value");
        assert_eq!(
            hits[0].hit.message,
            "env file `.env.production` commits a literal value for credential key `DB_PASSWORD`"
        );
    }
}
