//! The JSON report, in the shape CONTRACT.md fixes (`version: 1`).

use std::io::{self, Write};

use serde::Serialize;

use super::{Notice, Report, Summary};
use crate::finding::{Finding, Related, Severity};

/// Bumped only with a migration note: consumers key on it.
const VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    findings: Vec<JsonFinding<'a>>,
    notices: &'a [Notice],
    summary: &'a Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: Severity,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    /// The first environment, for consumers that only know one; `envs` has them all.
    env: Option<&'a str>,
    envs: &'a [String],
    help: Option<&'a str>,
    fingerprint: &'a str,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(f: &'a Finding) -> Self {
        JsonFinding {
            rule: f.rule,
            severity: f.severity,
            path: &f.path,
            line: f.start.line,
            column: f.start.column,
            end_line: f.end.line,
            end_column: f.end.column,
            message: &f.message,
            env: f.envs.first().map(String::as_str),
            envs: &f.envs,
            help: f.help.as_deref(),
            fingerprint: &f.fingerprint,
            related: f.related.iter().map(JsonRelated::from).collect(),
        }
    }
}

impl<'a> From<&'a Related> for JsonRelated<'a> {
    fn from(r: &'a Related) -> Self {
        JsonRelated { path: &r.path, line: r.start.line, column: r.start.column, message: &r.message }
    }
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonReport {
        version: VERSION,
        tool: Tool { name: "secretgate", version: env!("CARGO_PKG_VERSION") },
        findings: report.findings.iter().map(JsonFinding::from).collect(),
        notices: &report.notices,
        summary: &report.summary,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::report::human::tests::{assert_no_secret, sample_report};

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn has_the_contract_fields_and_no_secret() {
        let out = render(&sample_report());
        assert_no_secret(&out);
        assert!(out.ends_with("}\n"));
        assert!(out.starts_with("{\n  \"version\": 1,\n"), "two-space pretty print:\n{out}");

        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["tool"]["name"], "secretgate");
        assert_eq!(v["tool"]["version"], env!("CARGO_PKG_VERSION"));

        let f = &v["findings"][0];
        assert_eq!(f["rule"], "inline-secret-value");
        assert_eq!(f["severity"], "error");
        assert_eq!(f["path"], "deploy/prod/db secret.yaml");
        assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(6), Some(13)));
        assert_eq!((f["end_line"].as_u64(), f["end_column"].as_u64()), (Some(6), Some(32)));
        assert_eq!(f["env"], "production");
        assert_eq!(f["envs"], serde_json::json!(["production"]));
        assert_eq!(f["help"], Value::Null);
        assert!(f["fingerprint"].as_str().unwrap().starts_with("sg1:"));
        assert_eq!(
            f["related"],
            serde_json::json!([{"path": "values/prod.yaml", "line": 3, "column": 5, "message": "rendered from"}])
        );

        let g = &v["findings"][1];
        assert_eq!(g["severity"], "warning");
        assert_eq!(g["env"], Value::Null);
        assert_eq!(g["envs"], serde_json::json!([]));
        assert_eq!(g["help"], "Move it to Vault and reference it from an ExternalSecret.");

        assert_eq!(v["notices"][0], serde_json::json!({"path": "big.yaml", "message": "skipped: larger than 1 MiB"}));
        assert_eq!(
            v["summary"],
            serde_json::json!({"files": 12, "findings": 2, "errors": 1, "warnings": 1, "notes": 0, "suppressed": 0, "baselined": 0, "duration_ms": 85,
                "coverage": {"files_by_class": {}, "skipped": 0, "charts": 0, "renders": 0, "releases": 0, "environments": 0}})
        );
    }

    #[test]
    fn empty_report_still_has_every_section() {
        let v: Value = serde_json::from_str(&render(&Report::default())).unwrap();
        assert_eq!(v["findings"], serde_json::json!([]));
        assert_eq!(v["notices"], serde_json::json!([]));
        assert_eq!(v["summary"]["findings"], 0);
    }
}
