//! Helmfile: `releases` per `environments` entry, with `values` lists (files relative to the
//! helmfile, or inline maps) and `installed: false` releases left out. Templated strings
//! (`{{ .Environment.Name }}`) are rendered per environment with the built-in engine.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{ChartRef, Ctx, Decl, Discovery, Release, Source, ValuesSource, notice, position_of};
use crate::helm::value::Value;
use crate::source::yaml::Node;

/// Environment names a helmfile declares (`default` means "no environment").
pub fn environment_names(root: &Node) -> Vec<String> {
    root.get("environments")
        .and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| e.key.as_str())
        .filter(|n| *n != "default")
        .map(str::to_string)
        .collect()
}

pub fn releases(d: &Decl, tree: &Ctx<'_>, out: &mut Discovery) {
    let file = &d.file;
    let dir = file.path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let envs: Vec<Option<String>> = {
        let names = environment_names(&d.root);
        if names.is_empty() { vec![d.env.clone()] } else { names.into_iter().map(Some).collect() }
    };
    let mut warned = BTreeSet::new();
    for env in envs {
        let env_name = env.clone().unwrap_or_else(|| "default".into());
        let render = |text: &str, release: &str, ns: &str| -> Result<String, String> {
            if !text.contains("{{") {
                return Ok(text.to_string());
            }
            template(text, &env_name, release, ns)
        };
        for r in d.root.get("releases").and_then(Node::as_seq).unwrap_or(&[]) {
            let Some(raw_name) = r.get_str("name") else { continue };
            let name = render(raw_name, raw_name, "").unwrap_or_else(|_| raw_name.to_string());
            let namespace = r.get_str("namespace").map(|n| render(n, &name, n).unwrap_or_else(|_| n.to_string()));
            let namespace = namespace.unwrap_or_else(|| "default".into());
            if let Some(installed) = r.get("installed").and_then(Node::as_scalar) {
                let value = render(&installed.text, &name, &namespace).unwrap_or_default();
                if matches!(value.trim(), "false" | "no") {
                    continue;
                }
            }
            let Some(chart_text) = r.get_str("chart") else { continue };
            let chart_text = render(chart_text, &name, &namespace).unwrap_or_else(|_| chart_text.to_string());
            let chart = match super::join(dir, &chart_text) {
                Some(p) if chart_text.starts_with('.') && tree.is_chart(&p) => ChartRef::Local(super::dir_key(&p)),
                _ => ChartRef::Remote(chart_text.clone()),
            };
            let mut values = Vec::new();
            for v in r.get("values").and_then(Node::as_seq).unwrap_or(&[]) {
                match v.as_str() {
                    Some(p) => {
                        let p = match render(p, &name, &namespace) {
                            Ok(p) => p,
                            Err(e) => {
                                out.notices.push(notice(file, v, format!("values entry does not render: {e}")));
                                continue;
                            }
                        };
                        let Some(rel) = super::join(dir, &p) else { continue };
                        if rel.ends_with(".gotmpl") {
                            if warned.insert(rel.clone()) {
                                out.notices.push(notice(file, v, format!("values template `{rel}` is not rendered")));
                            }
                        } else if tree.has_file(&rel) {
                            values.push(ValuesSource::File(rel));
                        } else if warned.insert(rel.clone()) {
                            out.notices.push(notice(file, v, format!("values file `{rel}` is not in the tree")));
                        }
                    }
                    None if v.as_map().is_some() => {
                        values.push(ValuesSource::Inline { file: file.clone(), node: v.clone() })
                    }
                    None => {}
                }
            }
            out.releases.push(Release {
                name,
                namespace,
                env: env.clone(),
                chart,
                values,
                source: Source::Helmfile,
                declared_path: file.path.clone(),
                declared_at: position_of(file, r),
                vars: Arc::default(),
            });
        }
    }
}

/// Renders a helmfile template string with `.Environment.Name`, `.Release.Name` and
/// `.Release.Namespace`.
fn template(text: &str, env: &str, release: &str, namespace: &str) -> Result<String, String> {
    use crate::helm::funcs::FuncEnv;
    use crate::helm::template::{FuncTable, Templates};
    let obj = |pairs: &[(&str, &str)]| Value::map(pairs.iter().map(|(k, v)| (k.to_string(), Value::str(*v))).collect());
    let dot = Value::map(
        [
            ("Environment".to_string(), obj(&[("Name", env)])),
            ("Release".to_string(), obj(&[("Name", release), ("Namespace", namespace)])),
            ("Values".to_string(), Value::empty_map()),
            ("StateValues".to_string(), Value::empty_map()),
        ]
        .into(),
    );
    let mut t = Templates::new(FuncTable::helm());
    t.add("helmfile", text).map_err(|e| e.message)?;
    t.execute("helmfile", &dot, &mut FuncEnv::default()).map(|r| r.text).map_err(|e| e.message)
}

#[cfg(test)]
mod tests {
    use crate::gitops::testing::{Repo, summary};

    #[test]
    fn releases_per_environment() {
        let repo = Repo::new(&[
            ("charts/api/Chart.yaml", "apiVersion: v2\nname: api\nversion: 1.0.0\n"),
            ("values/dev/api.yaml", "a: 1\n"),
            ("values/prod/api.yaml", "a: 1\n"),
            (
                "helmfile.yaml",
                r#"environments:
  dev: {}
  prod: {}
releases:
  - name: api
    namespace: "api-{{ .Environment.Name }}"
    chart: ./charts/api
    values:
      - "values/{{ .Environment.Name }}/api.yaml"
      - {replicas: 2}
  - name: debug
    chart: ./charts/api
    installed: '{{ eq .Environment.Name "dev" }}'
  - name: redis
    chart: bitnami/redis
"#,
            ),
        ]);
        let d = repo.discover();
        assert_eq!(
            summary(&d),
            vec![
                "api@dev api-dev charts/api [values/dev/api.yaml, helmfile.yaml:10 (inline values)]",
                "debug@dev default charts/api []",
                "redis@dev default bitnami/redis []",
                "api@prod api-prod charts/api [values/prod/api.yaml, helmfile.yaml:10 (inline values)]",
                "redis@prod default bitnami/redis []",
            ]
        );
    }
}
