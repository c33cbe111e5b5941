//! `check` renders charts per environment and reports findings at the template line, with the
//! values line a value came from as a related location.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;

mod support;
use support::write;

use secretgate::app::{CheckOptions, run_check};
use secretgate::report::{self, Format, HumanOptions, Report};

/// `check` over a tree the test wrote.
fn check_tree(dir: &Path) -> Report {
    run_check(&CheckOptions { paths: vec![dir.to_path_buf()], ..Default::default() }).unwrap()
}

fn check(dir: &str) -> Report {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    run_check(&CheckOptions { paths: vec![path], ..Default::default() }).unwrap()
}

fn render(format: Format, report: &Report) -> serde_json::Value {
    let mut out = Vec::new();
    report::write(format, report, &HumanOptions::default(), &mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn inline_password_through_two_overlays_points_at_template_and_overlay() {
    let report = check("testdata/helm-repo");
    let rendered: Vec<_> = report.findings.iter().filter(|f| f.path == "charts/app/templates/secret.yaml").collect();
    assert_eq!(rendered.len(), 1, "{:#?}", report.findings);
    let f = rendered[0];
    assert_eq!(f.rule, "inline-secret-value");
    assert_eq!((f.start.line, f.start.column), (10, 3));
    assert_eq!(f.envs, vec!["production"], "staging keeps existingSecret and must not be reported");
    assert_eq!(f.related.len(), 1);
    assert_eq!(
        (f.related[0].path.as_str(), f.related[0].start.line, f.related[0].start.column),
        ("env/production/app.yaml", 3, 13)
    );

    let json = render(Format::Json, &report);
    let jf =
        json["findings"].as_array().unwrap().iter().find(|x| x["path"] == "charts/app/templates/secret.yaml").unwrap();
    assert_eq!(jf["line"], 10);
    assert_eq!(jf["related"][0]["path"], "env/production/app.yaml");
    assert_eq!(jf["related"][0]["line"], 3);

    let sarif = render(Format::Sarif, &report);
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "testdata/helm-repo/charts/app/templates/secret.yaml"
        })
        .unwrap();
    assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 10);
    let related = &result["relatedLocations"][0]["physicalLocation"];
    assert_eq!(related["artifactLocation"]["uri"], "testdata/helm-repo/env/production/app.yaml");
    assert_eq!(related["region"]["startLine"], 3);

    // The overlay's literal never reaches a report.
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github, Format::Junit] {
        let mut out = Vec::new();
        report::write(format, &report, &HumanOptions::default(), &mut out).unwrap();
        assert!(!String::from_utf8(out).unwrap().contains("Prod-Overlay"), "{format:?} leaks the overlay's password");
    }
}

#[test]
fn renders_cleanly() {
    let report = check("testdata/helm-repo");
    assert!(report.findings.iter().all(|f| f.rule != "helm-render-error"), "{:#?}", report.findings);
}

#[test]
fn required_value_missing_is_a_finding() {
    let report = check("testdata/helm-errors");
    let f = report.findings.iter().find(|f| f.path == "charts/needs-value/templates/secret-ref.yaml").unwrap();
    assert_eq!(f.rule, "helm-render-error");
    assert_eq!((f.start.line, f.start.column), (6, 18));
    assert!(f.message.contains("auth.existingSecret is required"), "{}", f.message);
}

#[test]
fn required_value_of_a_chart_no_release_deploys_is_a_notice() {
    let tmp = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/helm-errors/charts/needs-value");
    let dst = tmp.path().join("charts/needs-value");
    std::fs::create_dir_all(dst.join("templates")).unwrap();
    for rel in ["Chart.yaml", "values.yaml", "templates/secret-ref.yaml"] {
        std::fs::copy(src.join(rel), dst.join(rel)).unwrap();
    }
    let report = check(tmp.path().to_str().unwrap());
    assert!(report.findings.iter().all(|f| f.rule != "helm-render-error"), "{:#?}", report.findings);
    assert!(
        report.notices.iter().any(|n| n.path == "charts/needs-value/Chart.yaml"
            && n.message.contains("auth.existingSecret is required")),
        "{:#?}",
        report.notices
    );
}

#[cfg(unix)]
#[test]
fn unreadable_chart_files_are_named_inside_the_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let chart = tmp.path().join("charts/app");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: app\nversion: 0.1.0\n").unwrap();
    std::fs::write(chart.join("templates/cm.yaml"), "kind: ConfigMap\n").unwrap();
    std::os::unix::fs::symlink(tmp.path().join("gone"), chart.join("link")).unwrap();
    let report = check(tmp.path().to_str().unwrap());
    let f = report.findings.iter().find(|f| f.rule == "helm-render-error").unwrap();
    assert!(f.message.contains("`link` in the chart folder"), "{}", f.message);
    assert!(!f.message.contains(tmp.path().to_str().unwrap()), "machine path in {}", f.message);
}

#[test]
fn missing_dependency_is_a_finding_at_its_entry() {
    let report = check("testdata/helm-errors");
    let f = report.findings.iter().find(|f| f.path == "charts/missing-dep/Chart.yaml").unwrap();
    assert_eq!(f.rule, "helm-render-error");
    assert_eq!((f.start.line, f.start.column), (5, 3));
    assert!(f.message.contains("missing in charts/ directory: postgresql"), "{}", f.message);
}

#[test]
fn missing_dependency_of_a_chart_no_release_deploys_is_a_notice() {
    // A chart source repository: nothing deploys the chart, its dependencies live elsewhere.
    let tmp = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/helm-errors/charts/missing-dep");
    let dst = tmp.path().join("charts/missing-dep");
    std::fs::create_dir_all(&dst).unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), dst.join(entry.file_name())).unwrap();
        }
    }
    let report = run_check(&CheckOptions { paths: vec![tmp.path().to_path_buf()], ..Default::default() }).unwrap();
    assert!(report.findings.iter().all(|f| f.rule != "helm-render-error"), "{:#?}", report.findings);
    assert!(
        report.notices.iter().any(|n| n.path == "charts/missing-dep/Chart.yaml" && n.message.contains("postgresql"))
    );
}

#[test]
fn schema_violation_points_at_the_values_line() {
    let report = check("testdata/helm-errors");
    let f = report.findings.iter().find(|f| f.path == "charts/schema-bound/values-production.yaml").unwrap();
    assert_eq!(f.rule, "helm-render-error");
    assert_eq!((f.start.line, f.start.column), (1, 11));
    assert!(f.message.contains("values.schema.json") && f.message.contains("/replicas"), "{}", f.message);
    assert_eq!(f.envs, vec!["production"]);
    // The chart's own defaults satisfy the schema: no finding for the other environments.
    assert_eq!(report.findings.iter().filter(|f| f.path.starts_with("charts/schema-bound")).count(), 1);
}

/// A Secret line whose key comes from a named template and whose value comes from the calling
/// template (stable/pomerium's TLS Secrets): a value generated there (`genSignedCert`) is not a
/// literal from Git, and a value the other branch takes from the values still is.
#[test]
fn a_helper_key_with_a_generated_value_from_the_caller_is_not_a_literal() {
    let tmp = tempfile::tempdir().unwrap();
    let chart = tmp.path().join("app");
    write(&chart, "Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n");
    write(
        &chart,
        "templates/_helpers.tpl",
        "{{- define \"app.keyName\" -}}\n{{- printf \"%s\" (ternary \"tls.key\" \"legacy-key\" true) -}}\n{{- end -}}\n",
    );
    write(
        &chart,
        "templates/tls.yaml",
        "{{- if .Values.generateTLS }}\n{{- $ca := genCA \"ca\" 365 }}\n{{- $kp := genSignedCert \"app\" nil nil 365 $ca }}\n\
         apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-tls\ntype: Opaque\ndata:\n  {{ template \"app.keyName\" . }}: {{ $kp.Key | b64enc }}\n\
         {{- else }}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: app-tls\ntype: Opaque\ndata:\n  {{ template \"app.keyName\" . }}: {{ .Values.tls.key | b64enc }}\n{{- end }}\n",
    );
    let run = |values: &str| {
        write(&chart, "values.yaml", values);
        let report = check_tree(tmp.path());
        report.findings.into_iter().filter(|f| f.rule == "inline-secret-value").collect::<Vec<_>>()
    };
    let generated = run("generateTLS: true\ntls:\n  key: \"\"\n");
    assert!(generated.is_empty(), "a generated key is not a literal: {generated:#?}");
    // Built at run time so that no literal secret sits in the test source.
    let literal: String = ["Zx8k", "P2mQ7", "vLw9Rt4Yq"].concat();
    let from_values = run(&format!("generateTLS: false\ntls:\n  key: \"{literal}\"\n"));
    assert_eq!(from_values.len(), 1, "{from_values:#?}");
    assert_eq!(from_values[0].related[0].path, "app/values.yaml");
}

/// A generic helper of a library chart taken from the tree (`file://../common`) that prints a
/// values block it is handed (Bitnami's `common.tplvalues.render`): the finding points at the
/// caller's line, where the block was chosen, with the values line and the helper line as
/// related locations; no path climbs through the parent chart (`app/../common`).
#[test]
fn data_printed_by_a_library_helper_points_at_the_caller() {
    let tmp = tempfile::tempdir().unwrap();
    let (app, common) = (tmp.path().join("app"), tmp.path().join("common"));
    write(&common, "Chart.yaml", "apiVersion: v2\nname: common\nversion: 2.0.0\ntype: library\n");
    write(
        &common,
        "templates/_tplvalues.tpl",
        "{{- define \"common.tplvalues.render\" -}}\n{{- $value := typeIs \"string\" .value | ternary .value (.value | toYaml) }}\n\
         {{- if contains \"{{\" (toJson .value) }}\n    {{- tpl $value .context }}\n{{- else }}\n    {{- $value }}\n{{- end }}\n{{- end -}}\n",
    );
    write(
        &app,
        "Chart.yaml",
        "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: common\n    version: 2.x.x\n    repository: file://../common\n",
    );
    write(
        &app,
        "templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  \
         {{- include \"common.tplvalues.render\" (dict \"value\" .Values.extraConfig \"context\" $) | nindent 2 }}\n",
    );
    // Built at run time so that no literal secret sits in the test source.
    let literal: String = ["Zq8x", "LmR3v", "T9wKp2N"].concat();
    write(&app, "values.yaml", &format!("extraConfig:\n  db_user: app\n  db_password: {literal}\n"));
    let report = check_tree(tmp.path());
    let found: Vec<_> = report.findings.iter().filter(|f| f.rule == "configmap-credential").collect();
    assert_eq!(found.len(), 1, "{:#?}", report.findings);
    let f = found[0];
    assert_eq!((f.path.as_str(), f.start.line, f.start.column), ("app/templates/cm.yaml", 6, 3));
    let related: Vec<_> = f.related.iter().map(|r| (r.path.as_str(), r.start.line)).collect();
    assert_eq!(related, vec![("app/values.yaml", 3), ("common/templates/_tplvalues.tpl", 6)]);
    assert!(report.findings.iter().all(|f| !f.path.contains("..")), "{:#?}", report.findings);
}

/// A template that renders one ConfigMap per node in a `range` (incubator/burrow): a finding in
/// the embedded config file points at the template line of its key, not lines before it.
#[test]
fn a_finding_inside_a_range_points_at_its_template_line() {
    let tmp = tempfile::tempdir().unwrap();
    let chart = tmp.path().join("chain");
    write(&chart, "Chart.yaml", "apiVersion: v2\nname: chain\nversion: 1.0.0\n");
    write(&chart, "values.yaml", "nodes: 2\nport: 26658\n");
    let literal: String = ["Wq7z", "Pm4Kx", "R8tYv2L"].concat();
    let template = format!(
        "{{{{ range (until (.Values.nodes | int)) }}}}\n{{{{- $n := printf \"%03d\" . }}}}\n---\nkind: ConfigMap\n\
         apiVersion: v1\nmetadata:\n  name: chain-config-{{{{ $n }}}}\ndata:\n  config.toml: |-\n    [servers]\n      \
         port = {{{{ $.Values.port }}}}\n      [servers.tls]\n      tls = false\n      cert_path = \"\"\n      \
         allow_credentials = false\n      admin_password = \"{literal}\"\n{{{{ end }}}}\n"
    );
    write(&chart, "templates/config.yaml", &template);
    let report = check_tree(tmp.path());
    let found: Vec<_> = report.findings.iter().filter(|f| f.rule == "configmap-credential").collect();
    assert!(!found.is_empty(), "{:#?}", report.findings);
    for f in found {
        assert_eq!((f.path.as_str(), f.start.line, f.start.column), ("chain/templates/config.yaml", 16, 25));
    }
}
