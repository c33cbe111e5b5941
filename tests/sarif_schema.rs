//! SARIF output validates against the official OASIS SARIF 2.1.0 schema (a copy is in testdata).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use secretgate::app::{CheckOptions, run_check};
use secretgate::report::{self, Format, HumanOptions};

fn sarif_for(path: &str) -> serde_json::Value {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let report = run_check(&CheckOptions { paths: vec![dir], ..Default::default() }).unwrap();
    let mut out = Vec::new();
    report::write(Format::Sarif, &report, &HumanOptions::default(), &mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sarif-schema-2.1.0.json")).unwrap();
    // The official schema's `language` pattern is not a valid ECMA-262 regex (`…]?$`); patch it
    // the way the SARIF TC's later errata do, so the rest of the schema can be enforced.
    let schema_text =
        schema_text.replace(r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#, r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#);
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let sarif = sarif_for("testdata/demo-repo");
    let errors: Vec<String> =
        validator.iter_errors(&sarif).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF does not validate:\n{}", errors.join("\n"));
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());

    // And a document the schema must reject, so we know the validator is really checking.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn sarif_meets_github_code_scanning_constraints() {
    let sarif = sarif_for("testdata/demo-repo");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let mut ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "rule ids must be unique");
    for r in run["results"].as_array().unwrap() {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.contains("://"), "uri must be relative: {uri}");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc.get("contextRegion").is_none() && loc["region"].get("snippet").is_none());
        assert!(r["partialFingerprints"]["secretgate/v1"].as_str().unwrap().starts_with("sg1:"));
    }
}
