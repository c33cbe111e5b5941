//! Argo CD `Application`s: one Helm release per Helm source (`spec.source` or each of
//! `spec.sources`), with `valueFiles` resolved through multi-source `$ref/` prefixes or relative
//! to the chart path, then `values`, `valuesObject` and `parameters` in Argo's precedence order.
//! A source whose path is not a chart is a Kustomize/plain-manifest entry point.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::kustomize::Entry;
use super::{ChartRef, Ctx, Decl, Discovery, Release, Source, ValuesSource, notice, position_of};
use crate::source::yaml::Node;

/// Interprets `app` (an Application document, or an ApplicationSet's rendered template) declared
/// in `decl`'s file.
pub fn application(
    decl: &Decl,
    app: &Node,
    env: Option<String>,
    tree: &Ctx<'_>,
    out: &mut Discovery,
    entries: &mut Vec<Entry>,
) {
    let file = &decl.file;
    let source_kind =
        if decl.kind == super::DeclKind::ApplicationSet { Source::ArgoApplicationSet } else { Source::ArgoApplication };
    let Some(spec) = app.get("spec") else { return };
    let name = app.at(&["metadata", "name"]).and_then(Node::as_str).unwrap_or("application").to_string();
    let namespace = spec.at(&["destination", "namespace"]).and_then(Node::as_str).map(str::to_string);
    let cluster = spec.at(&["destination", "name"]).and_then(Node::as_str).unwrap_or("");
    let env = tree.infer_env(env.as_deref(), &[cluster, &name, namespace.as_deref().unwrap_or("")]);
    let sources: Vec<&Node> = match (spec.get("sources").and_then(Node::as_seq), spec.get("source")) {
        (Some(list), _) => list.iter().collect(),
        (None, Some(one)) => vec![one],
        _ => Vec::new(),
    };
    // `ref: values` sources name the repositories `$values/...` value files point into. They are
    // read from the scanned tree: a repository layout like this one keeps charts and values together.
    let refs: BTreeSet<&str> = sources.iter().filter_map(|s| s.get_str("ref")).collect();
    for src in sources {
        let helm = src.get("helm");
        let url = src.get_str("repoURL");
        let chart = match (src.get_str("chart"), src.get_str("path")) {
            (Some(chart), _) => {
                let version = src.get_str("targetRevision").unwrap_or("*");
                match tree.chart_named(chart) {
                    Some(dir) => {
                        out.notices.push(notice(
                            file,
                            src,
                            format!("chart `{chart}` of `{name}` is rendered from its source in the tree, `{dir}`"),
                        ));
                        ChartRef::Local(dir.to_string())
                    }
                    None => ChartRef::Remote(format!("{} {chart}@{version}", url.unwrap_or("?"))),
                }
            }
            // A path in another repository (an upstream install bundle, say) is not in the tree.
            (None, Some(_)) if !tree.is_self(url) => continue,
            (None, Some(path)) => {
                let Some(dir) = super::normalize(path) else {
                    out.notices.push(notice(file, src, format!("source path `{path}` leaves the repository")));
                    continue;
                };
                if !tree.is_chart(&dir) {
                    if helm.is_some() && tree.has_dir(&dir) {
                        out.notices.push(notice(
                            file,
                            src,
                            format!("source path `{dir}` has helm settings but no Chart.yaml"),
                        ));
                    }
                    if src.get_str("ref").is_none() && tree.has_dir(&dir) {
                        let directory = src.get("directory");
                        let globs = |key: &str| {
                            directory.and_then(|d| d.get_str(key)).and_then(|p| {
                                globset::GlobBuilder::new(p)
                                    .literal_separator(true)
                                    .build()
                                    .ok()
                                    .map(|g| g.compile_matcher())
                            })
                        };
                        let recurse = directory
                            .and_then(|d| d.get("recurse"))
                            .and_then(Node::as_scalar)
                            .and_then(|s| s.as_bool())
                            == Some(true);
                        entries.push(Entry {
                            dir,
                            namespace: namespace.clone(),
                            force_namespace: false,
                            env: env.clone(),
                            vars: Arc::default(),
                            components: Vec::new(),
                            filter: Some(super::kustomize::DirFilter {
                                recurse,
                                include: globs("include"),
                                exclude: globs("exclude"),
                            }),
                        });
                    }
                    continue;
                }
                ChartRef::Local(super::dir_key(&dir))
            }
            (None, None) => continue,
        };
        let mut values = Vec::new();
        if let Some(helm) = helm {
            let ignore_missing =
                helm.get("ignoreMissingValueFiles").and_then(Node::as_scalar).and_then(|s| s.as_bool()) == Some(true);
            for vf in helm.get("valueFiles").and_then(Node::as_seq).unwrap_or(&[]) {
                let Some(text) = vf.as_str() else { continue };
                match resolve_value_file(text, &chart, &refs) {
                    Ok(rel) if tree.has_file(&rel) => values.push(ValuesSource::File(rel)),
                    Ok(rel) => {
                        let what = if ignore_missing { "skipped (ignoreMissingValueFiles)" } else { "not in the tree" };
                        out.notices.push(notice(file, vf, format!("values file `{rel}` of `{name}` {what}")));
                    }
                    // The remote chart's own values.yaml is its defaults: nothing to read or say.
                    Err(_) if text == "values.yaml" && matches!(chart, ChartRef::Remote(_)) => {}
                    Err(why) => out.notices.push(notice(file, vf, format!("values file `{text}` of `{name}`: {why}"))),
                }
            }
            if let Some(v) = helm.get("values") {
                match v.as_str() {
                    Some(text) => {
                        values.push(ValuesSource::Text { file: file.clone(), span: v.span, text: text.into() })
                    }
                    // Argo accepts a mapping here too (the older form of valuesObject).
                    None => values.push(ValuesSource::Inline { file: file.clone(), node: v.clone() }),
                }
            }
            if let Some(v) = helm.get("valuesObject") {
                values.push(ValuesSource::Inline { file: file.clone(), node: v.clone() });
            }
            for p in helm.get("parameters").and_then(Node::as_seq).unwrap_or(&[]) {
                let (Some(path), Some(value)) = (p.get_str("name"), p.get_str("value")) else { continue };
                let string = p.get("forceString").and_then(Node::as_scalar).and_then(|s| s.as_bool()) == Some(true);
                values.push(ValuesSource::Set {
                    file: file.clone(),
                    span: p.span,
                    path: path.into(),
                    value: value.into(),
                    string,
                });
            }
        }
        let release_name = helm.and_then(|h| h.get_str("releaseName")).unwrap_or(&name).to_string();
        out.releases.push(Release {
            name: release_name,
            namespace: namespace.clone().unwrap_or_else(|| "default".into()),
            env: env.clone(),
            chart,
            values,
            source: source_kind,
            declared_path: file.path.clone(),
            declared_at: position_of(file, app.get("metadata").unwrap_or(app)),
            vars: Arc::default(),
        });
    }
}

/// Where a `valueFiles` entry points in the tree.
fn resolve_value_file(vf: &str, chart: &ChartRef, refs: &BTreeSet<&str>) -> Result<String, String> {
    if vf.contains("://") {
        return Err("a remote URL is not read (offline)".into());
    }
    if let Some(rest) = vf.strip_prefix('$') {
        let (r, path) = rest.split_once('/').unwrap_or((rest, ""));
        if !refs.contains(r) {
            return Err(format!("no source has `ref: {r}`"));
        }
        return super::normalize(path).ok_or_else(|| "the path leaves the repository".into());
    }
    match chart {
        ChartRef::Local(dir) => {
            super::join(dir.trim_end_matches('/'), vf).ok_or_else(|| "the path leaves the repository".into())
        }
        ChartRef::Remote(_) => Err("relative to a chart outside the tree".into()),
    }
}

#[cfg(test)]
mod tests {
    use crate::gitops::testing::{Repo, summary};

    const CHART: &str = "apiVersion: v2\nname: app\nversion: 1.0.0\n";

    #[test]
    fn multi_source_values_refs_and_relative_files() {
        let repo = Repo::new(&[
            ("charts/app/Chart.yaml", CHART),
            ("values/_shared/app.yaml", "a: 1\n"),
            ("values/env/dev/app.yaml", "a: 2\n"),
            (
                "environments/dev/apps/app.yaml",
                r#"apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: dev-app}
spec:
  destination: {namespace: team-dev}
  sources:
    - repoURL: https://git.example.com/r.git
      path: charts/app
      helm:
        releaseName: app
        valueFiles: [$values/values/_shared/app.yaml, $values/values/env/dev/app.yaml, $values/values/env/dev/missing.yaml]
        valuesObject: {b: 1}
        parameters: [{name: image.tag, value: v1}]
    - repoURL: https://git.example.com/r.git
      ref: values
"#,
            ),
            (
                "environments/staging/apps/app.yaml",
                r#"apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: app}
spec:
  destination: {namespace: team-staging}
  source:
    path: charts/app
    helm:
      valueFiles: [../../values/_shared/app.yaml]
      values: |
        c: 3
"#,
            ),
        ]);
        let d = repo.discover();
        assert_eq!(
            summary(&d),
            vec![
                "app@dev team-dev charts/app [values/_shared/app.yaml, values/env/dev/app.yaml, environments/dev/apps/app.yaml:12 (inline values), environments/dev/apps/app.yaml:13 (parameter image.tag)]",
                "app@staging team-staging charts/app [values/_shared/app.yaml, environments/staging/apps/app.yaml:11 (values text)]",
            ]
        );
        assert!(d.notices.iter().any(|n| n.message.contains("values/env/dev/missing.yaml")), "{:?}", d.notices);
    }

    #[test]
    fn env_from_name_or_namespace_and_remote_charts() {
        let repo = Repo::new(&[
            ("env/production/x.yaml", "a: 1\n"),
            ("env/dev/x.yaml", "a: 1\n"),
            (
                "argocd/apps.yaml",
                r#"apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: redis-prod}
spec:
  destination: {namespace: cache}
  source:
    repoURL: https://charts.example.com
    chart: redis
    targetRevision: 1.2.3
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: manifests}
spec:
  destination: {namespace: platform-dev}
  source: {path: deploy/raw}
"#,
            ),
            ("deploy/raw/cm.yaml", "kind: ConfigMap\n"),
        ]);
        let d = repo.discover();
        assert_eq!(summary(&d), vec!["redis-prod@production cache https://charts.example.com redis@1.2.3 []"]);
        let placed = d.placement.of("deploy/raw/cm.yaml");
        assert_eq!(placed.len(), 1);
        assert_eq!((placed[0].namespace.as_deref(), placed[0].env.as_deref()), (Some("platform-dev"), Some("dev")));
    }
}
