//! GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

use std::io::{self, Write};

use super::Report;
use crate::finding::Severity;

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&f.path),
            f.start.line,
            f.start.column,
            f.end.line,
            f.end.column,
            property(f.rule),
            data(&f.message),
        )?;
    }
    for notice in &report.notices {
        if notice.path.is_empty() {
            writeln!(out, "::notice::{}", data(&notice.message))?;
        } else {
            writeln!(out, "::notice file={}::{}", property(&notice.path), data(&notice.message))?;
        }
    }
    writeln!(out, "secretgate: {}", super::human::coverage_line(&report.summary.coverage))?;
    writeln!(out, "secretgate: {}", super::human::summary_line(&report.summary, true))
}

/// Escapes a command's message. Without this a newline in a message would end the command and
/// let the rest of the line be read as a new one.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value, where `,` and `:` also delimit.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
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
    fn one_annotation_per_finding_and_no_secret() {
        let out = render(&sample_report());
        assert_no_secret(&out);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "::error file=deploy/prod/db secret.yaml,line=6,col=13,endLine=6,endColumn=32,\
             title=inline-secret-value::Secret `db` holds a literal value for credential key `password`"
        );
        assert!(lines[1].starts_with("::warning file=deploy/prod/db secret.yaml,line=7,col=3,"));
        assert_eq!(lines[2], "::notice file=big.yaml::skipped: larger than 1 MiB");
        assert_eq!(lines[3], "::notice::1 Helm template files were not rendered");
        assert!(lines[4].starts_with("secretgate: checked 0 files; 0 charts"), "{}", lines[4]);
        assert!(lines[5].starts_with("secretgate: 1 error, 1 warning, 0 notes in 12 files"));
        assert_eq!(lines.len(), 6);
    }

    #[test]
    fn escapes_data_and_properties() {
        let mut report = sample_report();
        report.findings[0].message = "a,b:c%d\ne\rf".into();
        report.findings[0].path = "x,y:z%.yaml".into();
        report.findings[0].severity = Severity::Note;
        let out = render(&report);
        let first = out.lines().next().unwrap();
        assert!(first.starts_with("::notice file=x%2Cy%3Az%25.yaml,line=6,"), "{first}");
        assert!(first.ends_with("::a,b:c%25d%0Ae%0Df"), "{first}");
        assert_eq!(data("%\r\n,:"), "%25%0D%0A,:");
        assert_eq!(property("%\r\n,:"), "%25%0D%0A%2C%3A");
    }
}
