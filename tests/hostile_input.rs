//! Bad input gets a clear finding or notice: never a panic, a hang or a silent skip.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;
use support::write;

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use secretgate::app::{CheckOptions, run_check};
use secretgate::report::Report;

fn scan(dir: &Path) -> Report {
    // A hang guard, not a performance assertion: benchmarks live in bench/.
    let dir = dir.to_path_buf();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(run_check(&CheckOptions { paths: vec![dir], ..Default::default() }).unwrap());
    });
    rx.recv_timeout(Duration::from_secs(60)).expect("scan hung or panicked")
}

fn rules_for<'a>(r: &'a Report, path: &str) -> Vec<&'a str> {
    r.findings.iter().filter(|f| f.path == path).map(|f| f.rule).collect()
}

fn notice_for<'a>(r: &'a Report, path: &str) -> Option<&'a str> {
    r.notices.iter().find(|n| n.path == path).map(|n| n.message.as_str())
}

#[test]
fn alias_bomb_is_a_parse_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 9].join(", ")));
    }
    write(tmp.path(), "bomb.yaml", text.as_bytes());
    let r = scan(tmp.path());
    assert_eq!(rules_for(&r, "bomb.yaml"), vec!["parse-error"]);
    assert!(r.findings[0].message.contains("alias"), "{}", r.findings[0].message);
}

#[test]
fn deep_nesting_is_a_parse_error() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "flow.yaml", format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).as_bytes());
    let block: String = (0..3_000).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
    write(tmp.path(), "block.yaml", block.as_bytes());
    let json = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    write(tmp.path(), "deep.json", json.as_bytes());
    let r = scan(tmp.path());
    for p in ["flow.yaml", "block.yaml", "deep.json"] {
        assert_eq!(rules_for(&r, p), vec!["parse-error"], "{p}");
    }
}

#[test]
fn invalid_utf8_is_a_parse_error_at_its_position() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "latin1.yaml", b"a: 1\nname: caf\xe9\n");
    let r = scan(tmp.path());
    let f = r.findings.iter().find(|f| f.path == "latin1.yaml").expect("finding");
    assert_eq!(f.rule, "parse-error");
    assert!(f.message.contains("UTF-8"));
    assert_eq!((f.start.line, f.start.column), (2, 10));
}

#[test]
fn huge_and_binary_files_get_a_notice() {
    let tmp = tempfile::tempdir().unwrap();
    // 100 MB on a single line: over the default 5 MiB cap, so it is skipped with a notice
    // without being read.
    let f = std::fs::File::create(tmp.path().join("huge.yaml")).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap();
    write(tmp.path(), "image.json", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let r = scan(tmp.path());
    assert!(notice_for(&r, "huge.yaml").is_some_and(|m| m.contains("limit")), "{:?}", r.notices);
    assert!(notice_for(&r, "image.json").is_some_and(|m| m.contains("binary")), "{:?}", r.notices);
    assert!(r.findings.is_empty());
    // The coverage says so: nothing was checked, two files were skipped.
    assert_eq!(r.summary.coverage.skipped, 2, "{:?}", r.summary.coverage);
    assert_eq!(r.summary.coverage.files_by_class.values().sum::<usize>(), 0);
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_escapes_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    write(&root, "dir/a.yaml", b"a: 1\n");
    std::os::unix::fs::symlink(&root, root.join("dir/loop")).unwrap();
    write(tmp.path(), "outside/secret.yaml", b"kind: Secret\nstringData: {password: Zx8Qw3Er6Ty}\n");
    std::os::unix::fs::symlink(tmp.path().join("outside"), root.join("escape")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("outside/secret.yaml"), root.join("escape.yaml")).unwrap();
    let r = scan(&root);
    assert!(r.findings.is_empty(), "followed a link out of the root: {:?}", r.findings);
    assert!(r.notices.iter().any(|n| n.message.contains("loop")), "{:?}", r.notices);
    assert!(notice_for(&r, "escape").is_some_and(|m| m.contains("outside")), "{:?}", r.notices);
    assert!(notice_for(&r, "escape.yaml").is_some_and(|m| m.contains("outside")), "{:?}", r.notices);
}

#[test]
fn ignore_files_are_honoured_like_git() {
    let tmp = tempfile::tempdir().unwrap();
    let secret = b"kind: Secret\nstringData: {password: Pq9Wm2Xn7Lk4}\n";
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    write(tmp.path(), ".gitignore", b"ignored/\n");
    write(tmp.path(), "sub/.gitignore", b"*.local.yaml\n");
    write(tmp.path(), ".secretgateignore", b"vendored/\n");
    write(tmp.path(), "sub/ignored/a.yaml", secret);
    write(tmp.path(), "sub/kept/b.local.yaml", secret);
    write(tmp.path(), "vendored/c.yaml", secret);
    write(tmp.path(), "sub/kept/d.yaml", secret);
    let r = scan(tmp.path());
    let paths: Vec<&str> = r.findings.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, vec!["sub/kept/d.yaml"]);
    // The report says how many files the Git rules kept out (not `.secretgateignore`'s).
    assert!(r.notices.iter().any(|n| n.message.starts_with("2 files skipped by Git ignore rules")), "{:?}", r.notices);

    // `--no-ignore` checks them; our own ignore file still applies.
    let r = run_check(&CheckOptions { paths: vec![tmp.path().to_path_buf()], no_ignore: true, ..Default::default() })
        .unwrap();
    let mut paths: Vec<&str> = r.findings.iter().map(|f| f.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, vec!["sub/ignored/a.yaml", "sub/kept/b.local.yaml", "sub/kept/d.yaml"]);
    assert!(r.notices.iter().all(|n| !n.message.contains("Git ignore rules")), "{:?}", r.notices);

    // Outside a work tree `.gitignore` means nothing to git, and nothing to us: only our own
    // ignore file still applies.
    std::fs::remove_dir(tmp.path().join(".git")).unwrap();
    let r = scan(tmp.path());
    let mut paths: Vec<&str> = r.findings.iter().map(|f| f.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, vec!["sub/ignored/a.yaml", "sub/kept/b.local.yaml", "sub/kept/d.yaml"]);
}

#[test]
fn documents_are_not_parsed_when_no_document_rule_runs() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "broken.yaml", b"a: [1, 2\n");
    let opts = |packs: &[&str]| CheckOptions {
        paths: vec![tmp.path().to_path_buf()],
        packs: packs.iter().map(|p| p.to_string()).collect(),
        ..Default::default()
    };
    let only_source = run_check(&opts(&["source"])).unwrap();
    assert!(only_source.findings.is_empty(), "{:?}", only_source.findings);
    let with_manifests = run_check(&opts(&["manifests"])).unwrap();
    assert_eq!(with_manifests.findings.iter().map(|f| f.rule).collect::<Vec<_>>(), vec!["parse-error"]);
}

#[test]
fn thousands_of_matches_on_one_line_are_capped_per_rule() {
    // A minified bundle with 20k AWS-key-shaped tokens on one line: the report lists the first
    // findings of the rule and sums the rest up in one.
    let tmp = tempfile::tempdir().unwrap();
    let mut line = String::new();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..20_000u32 {
        line.push_str("k=\"AKIA");
        for _ in 0..16 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            line.push(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[(seed >> 59) as usize] as char);
        }
        line.push_str("\";");
    }
    line.push('\n');
    write(tmp.path(), "bundle.min.js", line.as_bytes());
    let r = scan(tmp.path());
    let found: Vec<_> = r.findings.iter().filter(|f| f.path == "bundle.min.js").collect();
    let cap = secretgate::check::MAX_PER_RULE_PER_FILE;
    assert!(!found.is_empty() && found.len() <= cap + 1, "{} findings", found.len());
    let last = found.iter().max_by_key(|f| f.start.column).unwrap();
    assert!(last.message.contains("more findings of this rule"), "{}", last.message);
}

#[test]
fn templates_outside_charts_are_text_with_a_notice() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "docs/snippet.yaml", b"kind: ConfigMap\n{% raw %}\ndata:\n  {{ .Values.x }}: y\n{% endraw %}\n");
    write(tmp.path(), "broken.yaml", b"a: [b\n");
    let r = scan(tmp.path());
    assert!(rules_for(&r, "docs/snippet.yaml").is_empty(), "{:?}", r.findings);
    assert!(notice_for(&r, "docs/snippet.yaml").is_some_and(|n| n.contains("template syntax")));
    assert_eq!(rules_for(&r, "broken.yaml"), vec!["parse-error"], "a broken manifest is still a finding");
}
