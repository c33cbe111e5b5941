//! The model cache behind `--staged`/`--since`: a warm cache gives the report a cold run gives,
//! and no stale, damaged or foreign cache ever hides a finding.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;
use support::{git, write};

use std::path::Path;
use std::process::Command;

/// The JSON report of a check: its findings array, whole (messages, related locations,
/// environments), and how many files came from the cache.
fn findings_json(dir: &Path, args: &[&str]) -> (serde_json::Value, u64) {
    let out = Command::new(env!("CARGO_BIN_EXE_secretgate"))
        .args(["check", "--format", "json", "--fail-on", "never"])
        .args(args)
        .arg(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (v["findings"].clone(), v["summary"]["coverage"]["cached"].as_u64().unwrap_or(0))
}

/// Findings as `rule path:line`, sorted, and how many files came from the cache.
fn check(dir: &Path, args: &[&str]) -> (Vec<String>, u64) {
    let (findings, cached) = findings_json(dir, args);
    let mut got: Vec<String> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}:{}", f["rule"].as_str().unwrap(), f["path"].as_str().unwrap(), f["line"]))
        .collect();
    got.sort();
    (got, cached)
}

const PRODUCER: &str = "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db-sync, namespace: app}\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: vault}\n  target: {name: db}\n  data: [{secretKey: password, remoteRef: {key: db-password}}]\n";

fn consumer(key: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: api, namespace: app}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          env:\n            - {{name: DB_PASSWORD, valueFrom: {{secretKeyRef: {{name: db, key: {key}}}}}}}\n"
    )
}

fn repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "app/es.yaml", PRODUCER);
    write(d, "app/deploy.yaml", &consumer("password"));
    for i in 0..20 {
        write(
            d,
            &format!("other/cm-{i}.yaml"),
            &format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n"),
        );
    }
    git(d, &["init", "-q"]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "init"]);
    tmp
}

#[test]
fn a_warm_cache_reads_only_what_changed_and_reports_the_same() {
    let tmp = repo();
    let d = tmp.path();
    write(d, "app/deploy.yaml", &consumer("pass"));
    git(d, &["add", "app/deploy.yaml"]);
    let (cold, cached) = check(d, &["--staged"]);
    assert_eq!(cold, vec!["secret-key-missing app/deploy.yaml:10"]);
    assert_eq!(cached, 0, "the first run has no cache");
    let (warm, cached) = check(d, &["--staged"]);
    assert_eq!(warm, cold);
    assert_eq!(cached, 21, "every file but the staged one comes from the cache");
    assert_eq!(check(d, &["--staged", "--no-cache"]), (cold.clone(), 0));
    assert_eq!(check(d, &["--since", "HEAD"]).0, cold);
}

#[test]
fn a_stale_cache_never_hides_a_finding() {
    let tmp = repo();
    let d = tmp.path();
    write(d, "app/deploy.yaml", &consumer("password"));
    write(d, "other/cm-0.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c0}\ndata: {a: b}\n");
    git(d, &["add", "other/cm-0.yaml"]);
    assert_eq!(check(d, &["--staged"]).0, Vec::<String>::new(), "clean; the cache is now warm");
    assert!(check(d, &["--staged"]).1 > 0);

    // The producer changes in the work tree only (not staged): Git no longer vouches for the
    // content the cache holds under its blob id, so it is read again, and the consumer's key is
    // missing.
    write(d, "app/es.yaml", &PRODUCER.replace("secretKey: password", "secretKey: token"));
    write(d, "app/deploy.yaml", &consumer("password").replace("name: api", "name: api2"));
    git(d, &["add", "app/deploy.yaml"]);
    let expected = vec!["secret-key-missing app/deploy.yaml:10".to_string()];
    assert_eq!(check(d, &["--staged", "--no-cache"]).0, expected);
    assert_eq!(check(d, &["--staged"]).0, expected);

    // Committed: a new blob id, never the cached one.
    git(d, &["add", "app/es.yaml"]);
    git(d, &["commit", "-q", "-m", "rename the key"]);
    write(d, "app/deploy.yaml", &consumer("password").replace("name: api", "name: api3"));
    git(d, &["add", "app/deploy.yaml"]);
    assert_eq!(check(d, &["--staged"]).0, expected);

    // A damaged cache is a cold one.
    let cache_dir = d.join(".git/secretgate");
    let files: Vec<_> = std::fs::read_dir(&cache_dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "one cache file per scanned folder, no temporary left behind");
    for damage in [&b""[..], b"SGMODEL\0garbage", &std::fs::read(&files[0]).unwrap()[..100]] {
        std::fs::write(&files[0], damage).unwrap();
        assert_eq!(check(d, &["--staged"]), (expected.clone(), 0));
    }

    // Another configuration is another cache.
    assert!(check(d, &["--staged"]).1 > 0);
    write(d, ".secretgate.yaml", "rules:\n  secret-key-missing: off\n");
    assert_eq!(check(d, &["--staged"]), (Vec::<String>::new(), 0));
}

#[cfg(unix)]
#[test]
fn the_cache_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = repo();
    let d = tmp.path();
    write(d, "app/deploy.yaml", &consumer("pass"));
    git(d, &["add", "app/deploy.yaml"]);
    check(d, &["--staged"]);
    let file = std::fs::read_dir(d.join(".git/secretgate")).unwrap().next().unwrap().unwrap().path();
    assert_eq!(std::fs::metadata(file).unwrap().permissions().mode() & 0o777, 0o600);
}

/// Every file under `from` copied to `to`.
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn cached_renders_report_what_rendering_again_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/gitops-repo"), d);
    git(d, &["init", "-q"]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "init"]);
    // A staged overlay change widens to every render of the platform chart.
    let overlay = "sources/values/env/dev/apps/platform.yaml";
    let text = std::fs::read_to_string(d.join(overlay)).unwrap();
    write(d, overlay, &format!("{text}# reviewed\n"));
    git(d, &["add", overlay]);

    let (cold, _) = findings_json(d, &["--staged", "--no-cache"]);
    let rendered = |v: &serde_json::Value, line: u64| {
        v.as_array().unwrap().iter().any(|f| {
            f["rule"] == "inline-secret-value"
                && f["path"] == "sources/charts/apps/platform/templates/secret.yaml"
                && f["line"] == line
        })
    };
    assert!(rendered(&cold, 15), "the overlay literal renders into the chart's Secret: {cold:#}");
    findings_json(d, &["--staged"]);
    let (warm, cached) = findings_json(d, &["--staged"]);
    assert!(cached > 0);
    assert_eq!(warm, cold, "a warm cache changes nothing in the report");

    // The template changes in the work tree only: the chart is rendered again, and the finding
    // moves with the line that renders it.
    let template = "sources/charts/apps/platform/templates/secret.yaml";
    let text = std::fs::read_to_string(d.join(template)).unwrap();
    write(d, template, &format!("{{{{- /* one */}}}}\n{{{{- /* two */}}}}\n{text}"));
    let (moved, _) = findings_json(d, &["--staged"]);
    assert!(rendered(&moved, 17) && !rendered(&moved, 15), "{moved:#}");
    assert_eq!(moved, findings_json(d, &["--staged", "--no-cache"]).0);
}
