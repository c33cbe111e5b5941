//! Snapshots of every report format for the demo repository (`testdata/demo-repo`).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use secretgate::app::{CheckOptions, run_check};
use secretgate::report::{self, Format, HumanOptions, Report};

fn demo() -> Report {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/demo-repo");
    let mut report = run_check(&CheckOptions { paths: vec![dir], ..Default::default() }).unwrap();
    report.summary.duration_ms = 0;
    report
}

fn render(format: Format) -> String {
    let mut out = Vec::new();
    let opts = HumanOptions { color: false, width: 100, show_timing: false };
    report::write(format, &demo(), &opts, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn human() {
    insta::assert_snapshot!(render(Format::Human));
}

#[test]
fn json() {
    insta::assert_snapshot!(render(Format::Json));
}

#[test]
fn sarif() {
    insta::assert_snapshot!(render(Format::Sarif));
}
