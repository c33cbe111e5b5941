//! Scans the shared real-world corpus (public GitOps repos and charts nobody here wrote): the run
//! must finish without a panic or an internal error, and every parse failure must be a
//! positioned `parse-error` finding. Skips, loudly, when `../shared/corpus` is absent (a user's
//! clone); CI always has it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::PathBuf;

use secretgate::app::{CheckOptions, run_check};
use secretgate::report::{self, Format, HumanOptions};

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIP: ../shared/corpus is not present; the corpus scan test needs the shared data folder");
        None
    }
}

#[test]
fn corpus_scan_completes_with_positioned_findings() {
    let Some(dir) = corpus() else { return };
    let report = run_check(&CheckOptions { paths: vec![dir], ..Default::default() }).expect("scan must not fail");
    assert!(report.summary.files > 1000, "expected the whole corpus to be scanned, got {}", report.summary.files);
    for f in &report.findings {
        assert!(f.start.line >= 1 && f.start.column >= 1, "{f:?}");
        assert!(report.sources.contains_key(&f.path), "no source kept for {}", f.path);
    }
    for n in &report.notices {
        assert!(!n.message.contains("panic"), "{n:?}");
    }
    // Every reporter copes with the real thing.
    for fmt in [Format::Human, Format::Json, Format::Sarif, Format::Github, Format::Junit] {
        let mut out = Vec::new();
        report::write(fmt, &report, &HumanOptions::default(), &mut out).unwrap();
        assert!(!out.is_empty());
    }
    let mut per_rule = std::collections::BTreeMap::<&str, usize>::new();
    for f in &report.findings {
        *per_rule.entry(f.rule).or_default() += 1;
    }
    eprintln!(
        "corpus: {} files, findings per rule: {per_rule:?}, notices: {}",
        report.summary.files,
        report.notices.len()
    );
}
