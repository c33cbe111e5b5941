//! Regression tests against output recorded with the real Helm v4.3.1 (`helm template`), for
//! divergences fixed after the differential runs: `.Chart.Dependencies`, `.Files.Glob` as a map,
//! numbers in `Chart.yaml` string fields, Go's regex classes, `int` vs `int64` (`ints.yaml`),
//! templates sharing the top-level map (`set $ "Values"`), and dependencies taken from the
//! scanned tree. When `.tools/helm` is
//! installed (`scripts/install-helm.sh`) the fidelity chart is also compared live.

use std::path::{Path, PathBuf};

use super::chart::{self, TreeCharts};
use super::render::{self, RenderError, RenderOptions};
use super::values;

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/helm/testdata").join(rel)
}

fn opts(sets: &[&str]) -> RenderOptions {
    let mut user = values::Values::new();
    for s in sets {
        values::parse_set(&mut user, s, false).unwrap();
    }
    RenderOptions {
        release_name: "rel".into(),
        kube_version: Some("1.30.0".into()),
        values: user,
        ..RenderOptions::default()
    }
}

fn expected(rel: &str) -> String {
    std::fs::read_to_string(testdata(rel)).unwrap()
}

#[test]
fn fidelity_chart_matches_recorded_helm_output() {
    for (sets, want) in [(&[][..], "fidelity.expected"), (&["other.enabled=true"][..], "fidelity-other.expected")] {
        let chart = chart::load(&testdata("fidelity")).unwrap();
        let out = render::render(chart, &opts(sets)).unwrap();
        assert_eq!(out.text, expected(want), "{want}");
    }
}

#[test]
fn fidelity_chart_matches_live_helm_when_installed() {
    let helm = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/helm");
    if !helm.is_file() {
        return;
    }
    for sets in [&[][..], &["other.enabled=true"][..]] {
        let mut cmd = std::process::Command::new(&helm);
        cmd.args(["template", "rel"]).arg(testdata("fidelity")).args(["--kube-version", "1.30.0"]);
        for s in sets {
            cmd.args(["--set", s]);
        }
        let Ok(o) = cmd.output() else { return };
        let chart = chart::load(&testdata("fidelity")).unwrap();
        let ours = render::render(chart, &opts(sets)).unwrap();
        assert_eq!(ours.text, String::from_utf8_lossy(&o.stdout), "{sets:?}");
    }
}

#[test]
fn chart_yaml_numbers_are_strings_like_helm() {
    let chart = chart::load(&testdata("fidelity")).unwrap();
    assert_eq!(chart.version, "1");
    assert_eq!(chart.metadata["AppVersion"].as_str(), Some("1.2"));
    assert_eq!(chart.metadata["Description"].as_str(), Some("16"));
}

fn tree() -> TreeCharts {
    let root = testdata("tree");
    let dirs = ["app-missing/", "app-name/", "app-path/", "common/", "old/common/", "sub/"];
    TreeCharts::new(dirs.iter().map(|d| (root.join(d), d.to_string())).collect())
}

#[test]
fn dependency_from_file_path_in_the_tree() {
    let (chart, resolved) = chart::load_with(&testdata("tree/app-path"), &tree()).unwrap();
    assert_eq!(resolved.len(), 1);
    assert!(resolved[0].by_path);
    assert_eq!((resolved[0].dir.as_str(), resolved[0].version.as_str()), ("common/", "2.3.0"));
    assert!(resolved[0].to_string().contains("`common` (2.x.x) is not vendored"), "{}", resolved[0]);
    // Templates of the library point at its own folder, relative to the chart.
    assert_eq!(chart.dependencies[0].origin, "../common/");
    let out = render::render(chart, &opts(&[])).unwrap();
    assert_eq!(out.text, expected("tree-expected/app-path.expected"));
}

#[test]
fn dependency_by_name_in_the_tree_with_alias_condition_tags_and_import_values() {
    let (chart, resolved) = chart::load_with(&testdata("tree/app-name"), &tree()).unwrap();
    let found: Vec<(&str, &str, bool)> =
        resolved.iter().map(|r| (r.name.as_str(), r.dir.as_str(), r.by_path)).collect();
    // The highest matching version wins (common 2.3.0 over old/common 2.1.0); one `sub` serves
    // both aliases.
    assert_eq!(found, [("common", "common/", false), ("sub", "sub/", false)]);
    let out = render::render(chart.clone(), &opts(&[])).unwrap();
    assert_eq!(out.text, expected("tree-expected/app-name.expected"));
    let out = render::render(chart, &opts(&["tags.extra=true", "subby.enabled=false"])).unwrap();
    assert_eq!(out.text, expected("tree-expected/app-name-tags.expected"));
}

#[test]
fn dependency_found_nowhere_is_a_render_error_naming_chart_and_version() {
    let (chart, resolved) = chart::load_with(&testdata("tree/app-missing"), &tree()).unwrap();
    assert!(resolved.is_empty());
    let err = render::render(chart, &opts(&[])).unwrap_err();
    assert!(matches!(err, RenderError::MissingDependencies(_)));
    let text = err.to_string();
    let (first, help) = text.split_once('\n').unwrap();
    assert!(first.ends_with("missing in charts/ directory: nowhere"), "{first}");
    assert!(help.contains("`nowhere` version 9.9.9"), "{help}");
}
