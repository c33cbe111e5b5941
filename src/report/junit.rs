//! JUnit XML, for CI front ends that only understand test results: every rule is a test case,
//! and a rule with findings is a failed one.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::Report;
use crate::finding::Finding;
use crate::rules::{self, RuleMeta};

struct Case<'a> {
    classname: String,
    name: &'a str,
    findings: Vec<&'a Finding>,
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut by_rule: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_rule.entry(f.rule).or_default().push(f);
    }

    let mut cases = Vec::new();
    for rule in rules::catalog() {
        let meta: &RuleMeta = rule;
        if cases.iter().any(|c: &Case<'_>| c.name == meta.id) {
            continue;
        }
        let findings = by_rule.remove(meta.id).unwrap_or_default();
        cases.push(Case { classname: format!("secretgate.{}", meta.pack.as_str()), name: meta.id, findings });
    }
    // A finding from a rule the registry lacks must still fail the build, not vanish.
    for (name, findings) in by_rule {
        cases.push(Case { classname: "secretgate".to_owned(), name, findings });
    }

    let tests = cases.len();
    let failures = cases.iter().filter(|c| !c.findings.is_empty()).count();

    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<testsuites name="secretgate" tests="{tests}" failures="{failures}" errors="0">"#)?;
    writeln!(out, r#"  <testsuite name="secretgate" tests="{tests}" failures="{failures}" errors="0" skipped="0">"#)?;
    for case in &cases {
        let open = format!(
            r#"    <testcase classname="{}" name="{}""#,
            super::escape_markup(&case.classname, true),
            super::escape_markup(case.name, true)
        );
        let Some(worst) = case.findings.iter().map(|f| f.severity).max() else {
            writeln!(out, "{open}/>")?;
            continue;
        };
        writeln!(out, "{open}>")?;
        let n = case.findings.len();
        let noun = if n == 1 { "finding" } else { "findings" };
        write!(out, r#"      <failure type="{}" message="{n} {noun}">"#, worst.as_str())?;
        // Findings arrive sorted by path and line, so the text lists them in file order.
        for f in &case.findings {
            let line = format!("{}:{}:{}: {}: {}", f.path, f.start.line, f.start.column, f.severity, f.message);
            writeln!(out, "{}", super::escape_markup(&line, false))?;
        }
        writeln!(out, "</failure>")?;
        writeln!(out, "    </testcase>")?;
    }
    if !report.notices.is_empty() {
        write!(out, "    <system-out>")?;
        for notice in &report.notices {
            writeln!(out, "{}", super::escape_markup(&super::human::notice_text(notice), false))?;
        }
        writeln!(out, "</system-out>")?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::human::tests::{assert_no_secret, sample_report};

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_case_per_rule_and_no_secret() {
        let out = render(&sample_report());
        assert_no_secret(&out);
        let n = rules::catalog().len();
        assert!(out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
        assert!(out.contains(&format!(r#"<testsuites name="secretgate" tests="{n}" failures="1""#)), "{out}");
        assert_eq!(out.matches("<testcase ").count(), n);
        assert!(
            out.contains(
                "    <testcase classname=\"secretgate.manifests\" name=\"inline-secret-value\">\n      \
             <failure type=\"error\" message=\"2 findings\">\
             deploy/prod/db secret.yaml:6:13: error: Secret `db` holds a literal value for credential key `password`\n\
             deploy/prod/db secret.yaml:7:3: warning: Secret `db` holds a literal value for credential key `token`\n\
             </failure>\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("<system-out>big.yaml: skipped: larger than 1 MiB\n1 Helm template files were not rendered\n</system-out>"),
            "{out}"
        );
        assert!(out.ends_with("  </testsuite>\n</testsuites>\n"));
    }

    #[test]
    fn escapes_markup_and_keeps_unregistered_rules() {
        let mut report = sample_report();
        report.findings[1].rule = "zz-unregistered";
        report.findings[1].message = "<a href=\"x\">&'</a>\u{1}".into();
        let out = render(&report);
        assert!(out.contains("&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;\u{FFFD}"), "{out}");
        assert!(out.contains(r#"<testcase classname="secretgate" name="zz-unregistered">"#), "{out}");
        assert!(out.contains(r#"failures="2""#), "{out}");
        assert_eq!(crate::report::escape_markup("a\nb\tc\"", true), "a&#10;b&#9;c&quot;");
    }
}
