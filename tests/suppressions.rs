//! The suppress stage end to end: inline comments, the annotation, expiries, unused
//! suppressions, the baseline (stable under inserted lines and renames, not blind to a new
//! secret) and the changed-files mode.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;
use support::{git, write};

use std::path::Path;
use std::process::Command;

use secretgate::app::{CheckOptions, run_check};
use secretgate::report::Report;
use secretgate::suppress::Baseline;

fn check(dir: &Path, baseline: Option<&Path>) -> Report {
    run_check(&CheckOptions {
        paths: vec![dir.to_path_buf()],
        baseline: baseline.map(Path::to_path_buf),
        ..Default::default()
    })
    .unwrap()
}

fn rules(r: &Report) -> Vec<String> {
    r.findings.iter().map(|f| format!("{} {}:{}", f.rule, f.path, f.start.line)).collect()
}

const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: Xq7Lm2Pz9Rt4Wv8K\n";

#[test]
fn inline_comments_annotations_expiry_and_unused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "a.yaml", &SECRET.replace("Rt4Wv8K\n", "Rt4Wv8K # secretgate:ignore inline-secret-value -- fixture\n"));
    write(
        d,
        "b.yaml",
        &SECRET.replace("  password:", "  # secretgate:ignore inline-secret-value -- fixture\n  password:"),
    );
    write(
        d,
        "c.yaml",
        &SECRET.replace("{name: db}", "\n  name: db\n  annotations: {secretgate.io/ignore: inline-secret-value}"),
    );
    write(
        d,
        "d.yaml",
        &SECRET.replace("Rt4Wv8K\n", "Rt4Wv8K # secretgate:ignore inline-secret-value until=2020-01-01 -- old\n"),
    );
    write(d, "e.yaml", "# secretgate:ignore inline-secret-value -- nothing left here\nname: x\n");
    let r = check(d, None);
    assert_eq!(rules(&r), vec!["inline-secret-value d.yaml:5", "unused-suppression e.yaml:1"]);
    assert_eq!(r.summary.suppressed, 3);
    let d_finding = &r.findings[0];
    assert!(d_finding.help.as_deref().unwrap().contains("expired on 2020-01-01"));
}

/// Runs the binary with a fingerprint key (a keyed fingerprint lets the baseline tell one secret
/// from another without holding any) and returns `rule path:line` of each finding.
fn cli(args: &[&str]) -> (Vec<String>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_secretgate"))
        .env("SECRETGATE_FINGERPRINT_KEY", "test-key-for-baselines")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&stdout) else { return (Vec::new(), stdout) };
    let mut got: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}:{}", f["rule"].as_str().unwrap(), f["path"].as_str().unwrap(), f["line"]))
        .collect();
    got.sort();
    (got, stdout)
}

#[test]
fn baseline_survives_moves_and_inserted_lines_but_not_a_new_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("repo");
    write(&d, "env/prod/db.yaml", SECRET);
    let file = tmp.path().join("baseline.json");
    let (d_s, f_s) = (d.to_str().unwrap(), file.to_str().unwrap());
    let out = Command::new(env!("CARGO_BIN_EXE_secretgate"))
        .env("SECRETGATE_FINGERPRINT_KEY", "test-key-for-baselines")
        .args(["baseline", d_s, "-o", f_s])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&file).unwrap();
    let baseline: Baseline = serde_json::from_str(&text).unwrap();
    assert_eq!(baseline.findings.len(), 1);
    assert!(!text.contains("Xq7Lm2Pz") && !text.contains("\"line\""), "{text}");

    let check = |extra: &[&str]| cli(&[&["check", "--format", "json", "--baseline", f_s], extra, &[d_s]].concat());
    // Lines inserted above: still baselined.
    write(&d, "env/prod/db.yaml", &format!("# owner: team-a\n# reviewed\n{SECRET}"));
    let (got, stdout) = check(&[]);
    assert_eq!(got, Vec::<String>::new());
    assert!(stdout.contains("\"baselined\": 1"), "{stdout}");
    // Renamed within its folder: still baselined.
    std::fs::rename(d.join("env/prod/db.yaml"), d.join("env/prod/database.yaml")).unwrap();
    assert_eq!(check(&[]).0, Vec::<String>::new());
    // A different secret on the same line: reported, and the old entry is stale.
    write(&d, "env/prod/database.yaml", &SECRET.replace("Xq7Lm2Pz9Rt4Wv8K", "Nw3Kd8Hs2Jq5Yt7B"));
    let (got, _) = check(&[]);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].starts_with("inline-secret-value env/prod/database.yaml:5"), "{got:?}");
    assert!(got[1].starts_with("unused-suppression "), "{got:?}");
}

#[test]
fn changed_files_mode_reports_only_what_changed_and_keeps_the_model_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "old/secret.yaml", SECRET);
    write(
        d,
        "app/es.yaml",
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db-sync, namespace: app}\nspec:\n  target: {name: db}\n  data: [{secretKey: password, remoteRef: {key: db-password}}]\n",
    );
    git(d, &["init", "-q"]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "init"]);
    // A new consumer whose key only the (unchanged) ExternalSecret can tell is wrong.
    write(
        d,
        "app/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: app}\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          env:\n            - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: pass}}}\n",
    );
    git(d, &["add", "app/deploy.yaml"]);
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_secretgate"))
            .args(["check", "--format", "json"])
            .args(args)
            .arg(d)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut got: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["path"].as_str().unwrap()))
            .collect();
        got.sort();
        got
    };
    assert_eq!(run(&["--staged"]), vec!["secret-key-missing app/deploy.yaml"]);
    assert_eq!(run(&["--since", "HEAD"]), vec!["secret-key-missing app/deploy.yaml"]);
    assert_eq!(run(&[]), vec!["inline-secret-value old/secret.yaml", "secret-key-missing app/deploy.yaml"]);
}
