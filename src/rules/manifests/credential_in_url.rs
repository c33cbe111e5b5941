//! `credential-in-url`: `scheme://user:password@host` with a literal password.

use crate::finding::Severity;
use crate::model::{path_string, walk};
use crate::rules::values::{credential_url_passwords, locate};
use crate::rules::{DocContext, Hits, Pack, Rule, RuleMeta};
use crate::source::Span;
use crate::source::yaml::Style;

pub struct CredentialInUrl;

static META: RuleMeta = RuleMeta {
    id: "credential-in-url",
    pack: Pack::Manifests,
    severity: Severity::Error,
    summary: "A URL embeds a literal password (`scheme://user:password@host`).",
    docs: r#"
## What it does
Looks at every scalar of every YAML/JSON document (manifests, values files, anything) for URLs of
the form `scheme://user:password@host` whose password part is a literal. Templated passwords
(`{{ .password | urlquery }}`, `${DB_PASSWORD}`) are fine.

## Why is this bad?
Connection strings are copied into logs, dashboards, error messages and ConfigMaps; a password
inside one leaks with every copy. It also cannot be rotated without editing the repository.

## Example
```yaml
env:
  - name: DATABASE_URL
    value: postgres://app:dbpassword@postgres:5432/app
```

## Use instead
Build the URL from a Secret at runtime (an ExternalSecret template, URL-encoding the password):
```yaml
target:
  template:
    data:
      DATABASE_URL: "postgres://{{ .username }}:{{ .password | urlquery }}@postgres:5432/app"
```
"#,
};

impl Rule for CredentialInUrl {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DocContext<'_>, hits: &mut Hits) {
        let identity = crate::model::Object::new(&cx.doc.root).identity();
        let mut path = Vec::new();
        walk(&cx.doc.root, &mut path, &mut |p, _key, value| {
            let Some(s) = value.as_scalar() else { return };
            for range in credential_url_passwords(&s.text) {
                let password = &s.text[range.clone()];
                // Plain and single-line scalars map one-to-one onto the file; otherwise search.
                let direct = Span::new(value.span.start + range.start, value.span.start + range.end);
                let at = if s.style == Style::Plain && cx.text(direct) == password {
                    direct
                } else {
                    locate(&cx.file.text, value.span, password).unwrap_or(value.span)
                };
                let key = path_string(p);
                hits.report(at, format!("`{key}` holds a URL with a literal password"))
                    .identity(format!("{identity}:{key}"))
                    .secret(at)
                    .help("keep the password in a Secret and assemble the URL at runtime");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::RuleTester;

    #[test]
    fn credential_in_url() {
        RuleTester::new(&CredentialInUrl)
            .pass(&[
                "url: https://example.com/path\n",
                "DATABASE_URL: \"postgres://{{ .username }}:{{ .password | urlquery }}@db:5432/app\"\n",
                "redis: redis://:${REDIS_PASSWORD}@redis:6379/0\n",
                "git: git@github.com:org/repo.git\n",
                "note: see https://user@example.com/x\n",
            ])
            .fail(&[
                "DATABASE_URL: postgres://dbuser:dbpassword@postgres-rw:5432/graph\n",
                "env:\n  - name: X\n    value: \"amqp://guest:guest@rabbit:5672\"\n",
                "cfg: |\n  [db]\n  url = mysql://root:hunter22@mysql/app\n",
            ]);
    }

    #[test]
    fn points_at_the_password_only() {
        let hits = RuleTester::new(&CredentialInUrl).run("a:\n  url: postgres://u:pw123@h/db\n");
        assert_eq!(hits[0].text, "pw123");
        assert_eq!((hits[0].start.line, hits[0].start.column), (2, 21));
        let hits = RuleTester::new(&CredentialInUrl).run("cfg: |\n  x\n  url = mysql://root:hunter22@mysql/app\n");
        assert_eq!(hits[0].text, "hunter22");
        assert_eq!(hits[0].start.line, 3);
    }
}
