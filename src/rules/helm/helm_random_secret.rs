//! `helm-random-secret`: a template generates Secret data at render time without preserving it.

use crate::discover::FileClass;
use crate::finding::Severity;
use crate::rules::{FileContext, Hits, Pack, Rule, RuleMeta, Scope};
use crate::source::Span;

pub struct HelmRandomSecret;

static META: RuleMeta = RuleMeta {
    id: "helm-random-secret",
    pack: Pack::Helm,
    severity: Severity::Warning,
    summary: "A Secret template generates values with `randAlphaNum`/`genPrivateKey`/`uuidv4` and no `lookup` to keep them.",
    docs: r#"
## What it does
Flags calls to `randAlphaNum`, `randAlpha`, `randNumeric`, `randAscii`, `genPrivateKey`,
`genCA`, `genSelfSignedCert` and `uuidv4` in chart templates that emit a `kind: Secret`, when the
template has no `lookup` that would keep the value already in the cluster.

## Why is this bad?
Every render produces a new value: each `helm upgrade` or Argo CD sync rotates the password under
the running application, and GitOps tools show a permanent diff. Stable secrets belong in Vault
(generated once, e.g. a fixture marked `__generate__`) and reach the cluster through an
ExternalSecret.

## Example
```yaml
kind: Secret
stringData:
  password: {{ randAlphaNum 32 | quote }}
```

## Use instead
An ExternalSecret reading a Vault key that is generated once; or, if the chart must generate,
`lookup` the existing Secret and reuse its value.
"#,
};

const GENERATORS: &[&str] =
    &["randAlphaNum", "randAlpha", "randNumeric", "randAscii", "genPrivateKey", "genCA", "genSelfSignedCert", "uuidv4"];

impl Rule for HelmRandomSecret {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::File
    }

    fn check_file(&self, cx: &FileContext<'_>, hits: &mut Hits) {
        if cx.class != FileClass::HelmTemplate {
            return;
        }
        let text = &cx.file.text;
        if !text.contains("kind: Secret") || text.contains("lookup ") || text.contains("(lookup") {
            return;
        }
        for name in GENERATORS {
            let mut from = 0;
            while let Some(i) = text[from..].find(name) {
                let start = from + i;
                from = start + name.len();
                // Whole identifiers only (`randAlpha` is a prefix of `randAlphaNum`).
                let before = text[..start].chars().next_back();
                let after = text[from..].chars().next();
                let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
                if ident(before) || ident(after) || !inside_action(text, start) {
                    continue;
                }
                let line = cx.file.position(start).line;
                hits.report(Span::new(start, from), format!("`{name}` generates Secret data on every render"))
                    .identity(format!("template:{name}:{line}"))
                    .help("generate the value once in Vault and deliver it with an ExternalSecret, or `lookup` the existing Secret");
            }
        }
    }
}

/// Whether `at` is inside a `{{ … }}` action (not in literal YAML or a comment).
fn inside_action(text: &str, at: usize) -> bool {
    let open = text[..at].rfind("{{");
    let close = text[..at].rfind("}}");
    match (open, close) {
        (Some(o), Some(c)) => o > c && !text[o..at].starts_with("{{/*") && !text[o..at].starts_with("{{- /*"),
        (Some(o), None) => !text[o..at].starts_with("{{/*"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::RuleTester;

    #[test]
    fn helm_random_secret() {
        RuleTester::new(&HelmRandomSecret)
            .class(FileClass::HelmTemplate)
            .pass(&[
                "kind: Secret\nstringData:\n  password: {{ .Values.password | quote }}\n",
                "kind: ConfigMap\ndata:\n  id: {{ uuidv4 }}\n",
                "{{- $s := lookup \"v1\" \"Secret\" .Release.Namespace \"x\" }}\nkind: Secret\ndata:\n  p: {{ randAlphaNum 16 | b64enc }}\n",
                "kind: Secret\n# randAlphaNum 32 is mentioned in a comment only\n",
            ])
            .fail(&[
                "kind: Secret\nstringData:\n  password: {{ randAlphaNum 32 | quote }}\n",
                "apiVersion: v1\nkind: Secret\ndata:\n  tls.key: {{ genPrivateKey \"rsa\" | b64enc }}\n",
            ]);
        let hits = RuleTester::new(&HelmRandomSecret)
            .class(FileClass::HelmTemplate)
            .run("kind: Secret\nstringData:\n  password: {{ randAlphaNum 32 | quote }}\n");
        assert_eq!((hits[0].start.line, hits[0].start.column), (3, 16));
    }
}
