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

/// The secret graph on a real Flux repository (onedr0p/home-ops: 36 ExternalSecrets, a
/// 1Password ClusterSecretStore, app-template HelmReleases consuming the targets): the model
/// resolves its consumers and reports at most one finding per three ExternalSecrets.
#[test]
fn home_ops_graph_resolves_and_stays_quiet() {
    use secretgate::app::{Stage, analyze};
    let Some(dir) = corpus() else { return };
    let home_ops = dir.join("home-ops");
    let a = analyze(&CheckOptions { paths: vec![home_ops.clone()], ..Default::default() }, Stage::Model).unwrap();
    let env = &a.model.envs[0];
    let es = env.external_secrets().count();
    assert!(es >= 36, "expected home-ops' ExternalSecrets in the model, got {es}");
    let graph = secretgate::report::graph::build(env);
    let consumers: usize = graph.iter().filter(|s| s.resolved()).map(|s| s.consumers.len()).sum();
    assert!(consumers >= 5, "consumers resolved against ExternalSecret targets: {consumers}");
    let report = run_check(&CheckOptions { paths: vec![home_ops], ..Default::default() }).unwrap();
    let packs = ["external-secrets", "fixtures", "references"];
    let graph_findings: Vec<_> = report
        .findings
        .iter()
        .filter(|f| secretgate::rules::meta(f.rule).is_some_and(|m| packs.contains(&m.pack.as_str())))
        .collect();
    assert!(
        graph_findings.len() * 3 <= es,
        "{} graph findings for {es} ExternalSecrets: {graph_findings:#?}",
        graph_findings.len()
    );
}
