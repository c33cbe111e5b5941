//! `parse-error`: a YAML/JSON file that cannot be parsed. Produced by the loader, not a check.

use crate::finding::Severity;
use crate::rules::{Pack, Rule, RuleMeta, Scope};

pub const ID: &str = "parse-error";

pub struct ParseError;

static META: RuleMeta = RuleMeta {
    id: ID,
    pack: Pack::Manifests,
    severity: Severity::Error,
    summary: "A YAML/JSON file cannot be parsed; it was not (fully) checked.",
    docs: r#"
## What it does
Reports, at the exact line and column, why a YAML or JSON file could not be parsed: a syntax
error, invalid UTF-8, nesting deeper than 256 levels, or an alias expansion that would blow up
("billion laughs"). Documents before the error in a multi-document file are still checked.

## Why is this bad?
A file the scanner cannot read is a file nobody checked: a secret in it would pass the gate
silently. Kubernetes and Argo CD would reject it too, usually at the worst possible moment.

## Example
```yaml
stringData:
  password: [unclosed
```

## Use instead
```yaml
stringData:
  password: "{{ .Values.password }}"
```
"#,
};

impl Rule for ParseError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Engine
    }
}

#[cfg(test)]
mod tests {
    use crate::source::{SourceFile, yaml};

    /// The rule has no check of its own; its pass and fail cases run through the loader.
    #[test]
    fn parse_error() {
        let pass = ["a: 1\n---\nb: [1, 2]\n", "{\"a\": {\"b\": null}}"];
        let fail = ["a: [1, 2\n", "a: b: c\n", "- a\nb: 1\n"];
        for case in pass {
            assert!(yaml::load(&SourceFile::new("t".into(), case.into())).error.is_none(), "{case}");
        }
        for case in fail {
            assert!(yaml::load(&SourceFile::new("t".into(), case.into())).error.is_some(), "{case}");
        }
        // Documented for the registry meta-test: cases above are the .pass(/.fail( of this rule.
    }
}
