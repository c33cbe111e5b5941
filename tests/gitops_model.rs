//! The GitOps model end to end on `testdata/gitops-repo`: every planted violation is found, in
//! the right environments and at the right line (`expected.tsv`), and nothing else; the clean
//! twin `testdata/gitops-clean` gives no finding at all.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;

use secretgate::app::{CheckOptions, run_check};
use secretgate::report::{self, Format, HumanOptions, Report};

const ALL_ENVS: &str = "dev,local,production,staging";

fn check(dir: &str) -> Report {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    run_check(&CheckOptions { paths: vec![path], ..Default::default() }).unwrap()
}

fn render(format: Format, report: &Report) -> String {
    let mut out = Vec::new();
    report::write(format, report, &HumanOptions { color: false, width: 120, show_timing: false }, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// `rule path:line [envs]`, sorted, for the report and for `expected.tsv`.
fn rows_of(report: &Report) -> Vec<String> {
    let mut rows: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            let mut envs = f.envs.clone();
            envs.sort();
            format!("{} {}:{} [{}]", f.rule, f.path, f.start.line, envs.join(","))
        })
        .collect();
    rows.sort();
    rows
}

fn expected_rows() -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/gitops-repo/expected.tsv"))
        .unwrap();
    let mut rows: Vec<String> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let envs = if cols[1] == "*" {
                ALL_ENVS.to_string()
            } else {
                let mut e: Vec<&str> = cols[1].split(',').collect();
                e.sort();
                e.join(",")
            };
            format!("{} {}:{} [{envs}]", cols[0], cols[2], cols[3])
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn every_planted_violation_and_nothing_else() {
    let report = check("testdata/gitops-repo");
    assert_eq!(rows_of(&report), expected_rows());
}

#[test]
fn the_clean_twin_is_clean() {
    let report = check("testdata/gitops-clean");
    assert_eq!(rows_of(&report), Vec::<String>::new());
}

#[test]
fn cross_file_findings_point_at_the_consumer_and_the_values_line() {
    let report = check("testdata/gitops-repo");
    let f = report.findings.iter().find(|f| f.rule == "secret-ref-unresolved" && f.envs == ["production"]).unwrap();
    assert_eq!(
        (f.path.as_str(), f.start.line, f.start.column),
        ("sources/charts/apps/platform/templates/deployment.yaml", 44, 19)
    );
    assert_eq!(f.related[0].path, "sources/values/env/production/apps/platform.yaml");
    assert_eq!(f.related[0].start.line, 8);

    let json: serde_json::Value = serde_json::from_str(&render(Format::Json, &report)).unwrap();
    let jf = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| {
            x["rule"] == "secret-ref-unresolved" && x["line"] == 44 && x["message"].as_str().unwrap().contains("-prod")
        })
        .unwrap();
    assert_eq!(jf["related"][0]["path"], "sources/values/env/production/apps/platform.yaml");
    assert_eq!(jf["related"][0]["line"], 8);

    let sarif: serde_json::Value = serde_json::from_str(&render(Format::Sarif, &report)).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let multi = results.iter().find(|r| r["ruleId"] == "secret-multiple-owners").unwrap();
    let loc = &multi["locations"][0]["physicalLocation"];
    // URIs are relative to the repository root (this checkout), whatever folder was scanned.
    assert_eq!(loc["artifactLocation"]["uri"], "testdata/gitops-repo/sources/charts/data/minio/templates/secret.yaml");
    assert_eq!(loc["region"]["startLine"], 5);
    let rel = &multi["relatedLocations"][0]["physicalLocation"];
    assert_eq!(
        rel["artifactLocation"]["uri"],
        "testdata/gitops-repo/sources/charts/data/minio/templates/externalsecret.yaml"
    );
}

#[test]
fn planted_literals_never_reach_a_report() {
    let report = check("testdata/gitops-repo");
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github, Format::Junit] {
        let out = render(format, &report);
        for literal in ["Dev-Db-Literal", "Stg-Db-Literal", "Shared-Grafana-Literal"] {
            assert!(!out.contains(literal), "{format:?} leaks {literal}");
        }
    }
}
