//! `eso-template-binding`: an ExternalSecret template reads a variable nothing binds, or a Helm
//! template leaves ESO's braces for Helm to render away.

use std::collections::BTreeSet;

use crate::finding::Severity;
use crate::rules::{ModelContext, ModelHits, Pack, Rule, RuleMeta, Scope};

pub struct EsoTemplateBinding;

static META: RuleMeta = RuleMeta {
    id: "eso-template-binding",
    pack: Pack::ExternalSecrets,
    severity: Severity::Error,
    summary: "An ExternalSecret template uses `{{ .x }}` that no `data[].secretKey` binds, or unescaped ESO braces in a Helm template.",
    docs: r#"
## What it does
Two checks on `spec.target.template.data`:
- every `{{ .name }}` (or `{{ index . "name" }}`) must be a `data[].secretKey` of the same
  ExternalSecret (when it has no `dataFrom`/`templateFrom`, which bind keys at run time);
- in an ExternalSecret written inside a Helm chart, ESO's braces must be escaped
  (`{{ "{{ .password }}" }}` or ``{{`{{ .password }}`}}``). Unescaped, Helm evaluates
  `{{ .password }}` itself at render time and leaves an empty string for ESO.

## Why is this bad?
An unbound variable renders as an empty value: the Secret exists, looks healthy, and holds a
broken connection string. Braces that Helm renders away produce the same broken value in every
environment, and Argo CD shows no error.

## Example
```yaml
target:
  template:
    data:
      GITLAB_API_TOKEN: "{{ .GITLAB_TOKEN }}"
data:
  - secretKey: token
    remoteRef: {key: gitlab/tokens/dev/backstage, property: value}
```

## Use instead
```yaml
target:
  template:
    data:
      GITLAB_API_TOKEN: "{{ .token }}"
```
"#,
};

impl Rule for EsoTemplateBinding {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Model
    }

    fn check_model(&self, cx: &ModelContext<'_>, hits: &mut ModelHits) {
        for (o, es) in cx.env.external_secrets() {
            if !es.has_data_from && !es.has_template_from {
                let bound: BTreeSet<&str> = es.secret_keys.iter().map(|k| k.text.as_str()).collect();
                for var in es.template_vars.iter().filter(|v| !bound.contains(v.text.as_str())) {
                    hits.report(
                        &var.loc.narrowed(&var.text),
                        format!(
                            "{}: the target template reads `.{}`, which no `data[].secretKey` binds",
                            o.facts.describe(),
                            var.text
                        ),
                    )
                    .identity(format!("{}/{}:template:{}", o.facts.describe(), o.ns_label(), var.text))
                    .help(format!("add a `data[]` entry with `secretKey: {}` or use a key it does bind", var.text));
                }
            }
            if o.release.is_none() {
                continue;
            }
            for at in &es.template_values {
                let f = &at.file;
                let line = at.position().line;
                let text = f.text.get(f.line_start(line)..f.line_end(line)).unwrap_or("");
                if let Some(var) = unescaped_eso_braces(text) {
                    hits.report(
                        at,
                        format!(
                            "{}: `{{{{ .{var} }}}}` is ESO template syntax, but Helm renders it first and leaves it empty",
                            o.facts.describe()
                        ),
                    )
                    .identity(format!("{}/{}:helm-braces:{line}", o.facts.describe(), o.ns_label()))
                    .help(format!("escape it for Helm: {{{{ \"{{{{ .{var} }}}}\" }}}}"));
                }
            }
        }
    }
}

/// The first `{{ .lowercase }}` action on a Helm template line that is not inside a quoted
/// string (the escaped forms `{{ "{{ .x }}" }}` and ``{{`{{ .x }}`}}``). Helm's own objects
/// (`.Values`, `.Release`, …) are capitalised.
fn unescaped_eso_braces(line: &str) -> Option<String> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while let Some(rel) = line[i..].find("{{") {
        let at = i + rel;
        i = at + 2;
        if at > 0 && matches!(bytes[at - 1], b'"' | b'`') {
            continue;
        }
        let rest = line[at + 2..].trim_start_matches('-').trim_start();
        let Some(field) = rest.strip_prefix('.') else { continue };
        let name: String = field.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
            return Some(name);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::ModelTester;

    fn es(template: &str, data: &str) -> String {
        format!(
            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {{name: gitlab}}\nspec:\n  target:\n    name: gitlab\n    template:\n      data:\n        TOKEN: \"{template}\"\n  data:\n{data}"
        )
    }

    #[test]
    fn eso_template_binding() {
        let bound = es("{{ .token }}", "    - {secretKey: token, remoteRef: {key: k, property: value}}\n");
        let unbound = es("{{ .GITLAB_TOKEN }}", "    - {secretKey: token, remoteRef: {key: k, property: value}}\n");
        let data_from = format!("{}  dataFrom: [{{extract: {{key: k}}}}]\n", es("{{ .anything }}", "    []\n"));
        ModelTester::new(&EsoTemplateBinding)
            .pass(&[&[("env/dev/es.yaml", &bound)], &[("env/dev/es.yaml", &data_from)]])
            .fail(&[&[("env/dev/es.yaml", &unbound)]]);
        let hits = ModelTester::new(&EsoTemplateBinding).run(&[("env/dev/es.yaml", &unbound)]);
        assert_eq!((hits[0].start.line, hits[0].start.column), (9, 21));
    }

    #[test]
    fn helm_escaping() {
        assert_eq!(
            unescaped_eso_braces(r#"  URL: "postgres://{{ .username }}:{{ .password }}@db""#).as_deref(),
            Some("username")
        );
        assert_eq!(unescaped_eso_braces(r#"  URL: "postgres://{{ "{{ .username }}" }}@{{ .Values.host }}""#), None);
        assert_eq!(unescaped_eso_braces("  URL: {{`{{ .password }}`}}"), None);
        assert_eq!(unescaped_eso_braces("  name: {{ .Release.Name }}"), None);
    }
}
