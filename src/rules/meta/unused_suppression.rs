//! `unused-suppression`: an inline suppression or a baseline entry that hides nothing.
//! Produced by the suppress stage (`crate::suppress`), not by a check of its own.

use crate::finding::Severity;
use crate::rules::{Pack, Rule, RuleMeta, Scope};

pub struct UnusedSuppression;

static META: RuleMeta = RuleMeta {
    id: crate::suppress::UNUSED,
    pack: Pack::Meta,
    severity: Severity::Warning,
    summary: "An inline suppression or baseline entry that matches no finding.",
    docs: r#"
## What it does
Reports a `# secretgate:ignore RULE -- reason` comment (or a `secretgate.io/ignore` annotation)
that hides no finding of the rules it names, and a baseline entry (`--baseline`) that no current
finding matches. Suppressions naming a rule that did not run (`--pack`, a rule turned off) are
left alone. A suppression with `until=YYYY-MM-DD` stops hiding its finding after that day; the
finding then says so.

## Why is this bad?
A stale suppression is a hole waiting for the next secret: it silently hides whatever appears on
that line later. A stale baseline entry does the same for its location.

## Example
```yaml
# secretgate:ignore inline-secret-value -- migrated to Vault in March
password: "{{ .Values.password }}"
```

## Use instead
Delete the comment (or regenerate the baseline with `secretgate baseline`).
"#,
};

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Engine
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::finding::{Finding, Severity};
    use crate::source::{Position, SourceFile, Span};
    use crate::suppress::{apply, comments_in};

    fn finding(line: usize) -> Finding {
        let p = Position { line, column: 3 };
        Finding {
            rule: "inline-secret-value",
            severity: Severity::Error,
            path: "s.yaml".into(),
            span: Span::default(),
            start: p,
            end: p,
            message: String::new(),
            help: None,
            envs: Vec::new(),
            fingerprint: String::new(),
            content: String::new(),
            related: Vec::new(),
            secret_spans: Vec::new(),
        }
    }

    fn run(text: &str, lines: &[usize]) -> Vec<Finding> {
        let file = SourceFile::new("s.yaml".into(), text.into());
        let mut findings: Vec<Finding> = lines.iter().map(|&l| finding(l)).collect();
        let fp = |_: &str, _: &str| String::new();
        apply(&mut findings, &comments_in(&file), &|_| true, "2026-12-06", &BTreeMap::new(), &fp);
        findings
    }

    #[test]
    fn unused_suppression() {
        let pass = [
            ("a: b\npassword: x # secretgate:ignore inline-secret-value -- fixture\n", 2),
            ("# secretgate:ignore inline-secret-value -- fixture\npassword: x\n", 2),
        ];
        for (text, line) in pass {
            assert!(run(text, &[line]).is_empty(), "{text}");
        }
        let fail = [
            // Nothing on the line it covers.
            ("# secretgate:ignore inline-secret-value -- stale\nname: x\n", 1),
            // Expired: the finding is back and the suppression counts as used.
            ("password: x # secretgate:ignore inline-secret-value until=2026-01-01\n", 1),
        ];
        let stale = run(fail[0].0, &[]);
        assert_eq!((stale.len(), stale[0].rule), (1, "unused-suppression"));
        let expired = run(fail[1].0, &[fail[1].1]);
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].rule, "inline-secret-value");
        assert!(expired[0].help.as_deref().is_some_and(|h| h.contains("expired on 2026-01-01")));
    }
}
