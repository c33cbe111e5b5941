//! Flux: `Kustomization`s are entry points that place manifests (target namespace, `postBuild`
//! variables, components); `HelmRelease`s are releases whose namespace and environment come from
//! where the tree places them, with `valuesFrom` read from ConfigMaps and Secrets in the repo.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::kustomize::Entry;
use super::{ChartRef, Ctx, Decl, DeclKind, Discovery, Release, Source, ValuesSource, notice, position_of};
use crate::source::yaml::Node;

pub fn kustomization_entry(d: &Decl, tree: &Ctx<'_>, entries: &mut Vec<Entry>) {
    let Some(spec) = d.root.get("spec") else { return };
    // OCI artifacts and buckets are built elsewhere; only Git sources can be this tree.
    if spec.at(&["sourceRef", "kind"]).and_then(Node::as_str).is_some_and(|k| k != "GitRepository") {
        return;
    }
    let name = d.root.at(&["metadata", "name"]).and_then(Node::as_str).unwrap_or("");
    let Some(dir) = super::normalize(spec.get_str("path").unwrap_or("./")) else { return };
    let namespace = spec.get_str("targetNamespace").map(str::to_string);
    let vars: BTreeMap<String, String> = spec
        .at(&["postBuild", "substitute"])
        .and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| Some((e.key.as_str()?.to_string(), e.value.as_str()?.to_string())))
        .collect();
    let components = spec
        .get("components")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::as_str)
        .map(str::to_string);
    entries.push(Entry {
        env: tree.infer_env(d.env.as_deref(), &[name, namespace.as_deref().unwrap_or(""), &dir]),
        dir,
        namespace,
        force_namespace: true,
        vars: Arc::new(vars),
        components: components.collect(),
        filter: None,
    });
}

pub fn helm_release(d: &Decl, decls: &[Decl], tree: &Ctx<'_>, out: &mut Discovery) {
    let file = &d.file;
    let Some(spec) = d.root.get("spec") else { return };
    let name = d.root.at(&["metadata", "name"]).and_then(Node::as_str).unwrap_or("release");
    let own_ns = d.root.at(&["metadata", "namespace"]).and_then(Node::as_str);
    let chart = chart_ref(spec, tree);
    let placements = out.placement.of(&file.path).to_vec();
    let placements = if placements.is_empty() {
        vec![super::kustomize::Placed { namespace: None, forced: false, env: d.env.clone(), vars: Arc::default() }]
    } else {
        placements
    };
    for pl in placements {
        let object_ns =
            if pl.forced { pl.namespace.clone() } else { own_ns.map(str::to_string).or(pl.namespace.clone()) };
        let target = spec.get_str("targetNamespace").map(str::to_string);
        let namespace = target.clone().or(object_ns.clone()).unwrap_or_else(|| "default".into());
        let env = tree.infer_env(pl.env.as_deref().or(d.env.as_deref()), &[name, &namespace]);
        let mut values = Vec::new();
        for vf in spec.get("valuesFrom").and_then(Node::as_seq).unwrap_or(&[]) {
            values.extend(values_from(d, vf, object_ns.as_deref(), decls, out));
        }
        if let Some(v) = spec.get("values") {
            values.push(ValuesSource::Inline { file: file.clone(), node: v.clone() });
        }
        let release_name = match (spec.get_str("releaseName"), &target) {
            (Some(r), _) => r.to_string(),
            (None, Some(t)) => format!("{t}-{name}"),
            (None, None) => name.to_string(),
        };
        out.releases.push(Release {
            name: super::kustomize::substitute(&release_name, &pl.vars),
            namespace: super::kustomize::substitute(&namespace, &pl.vars),
            env,
            chart: chart.clone(),
            values,
            source: Source::FluxHelmRelease,
            declared_path: file.path.clone(),
            declared_at: position_of(file, d.root.get("metadata").unwrap_or(&d.root)),
            vars: pl.vars.clone(),
        });
    }
}

fn chart_ref(spec: &Node, tree: &Ctx<'_>) -> ChartRef {
    if let Some(r) = spec.get("chartRef") {
        let kind = r.get_str("kind").unwrap_or("?");
        return ChartRef::Remote(format!("{kind}/{}", r.get_str("name").unwrap_or("?")));
    }
    let Some(cs) = spec.at(&["chart", "spec"]) else { return ChartRef::Remote("?".into()) };
    let chart = cs.get_str("chart").unwrap_or("?");
    let kind = cs.at(&["sourceRef", "kind"]).and_then(Node::as_str).unwrap_or("HelmRepository");
    let source = cs.at(&["sourceRef", "name"]).and_then(Node::as_str).unwrap_or("?");
    if kind == "GitRepository"
        && let Some(dir) = super::normalize(chart)
        && tree.is_chart(&dir)
    {
        return ChartRef::Local(super::dir_key(&dir));
    }
    let version = cs.get_str("version").unwrap_or("*");
    ChartRef::Remote(format!("{kind}/{source} {chart}@{version}"))
}

/// One `valuesFrom` entry: the values text of a ConfigMap or Secret of the repository.
fn values_from(d: &Decl, vf: &Node, ns: Option<&str>, decls: &[Decl], out: &mut Discovery) -> Vec<ValuesSource> {
    let (Some(kind), Some(name)) = (vf.get_str("kind"), vf.get_str("name")) else { return Vec::new() };
    let key = vf.get_str("valuesKey").unwrap_or("values.yaml");
    let optional = vf.get("optional").and_then(Node::as_scalar).and_then(|s| s.as_bool()) == Some(true);
    let found = decls.iter().filter(|o| o.kind == DeclKind::ValuesObject).find_map(|o| {
        let meta = o.root.get("metadata")?;
        let same = o.root.get_str("kind") == Some(kind)
            && meta.get_str("name") == Some(name)
            && (ns.is_none() || meta.get_str("namespace").is_none() || meta.get_str("namespace") == ns);
        if !same {
            return None;
        }
        if let Some(v) = o.root.get("stringData").and_then(|m| m.get(key)) {
            return Some((o, v, v.as_str()?.to_string()));
        }
        let v = o.root.get("data").and_then(|m| m.get(key))?;
        let text = if kind == "Secret" {
            let bytes = crate::helm::funcs::encoding::base64_decode(v.as_str()?.trim()).ok()?;
            String::from_utf8(bytes).ok()?
        } else {
            v.as_str()?.to_string()
        };
        Some((o, v, text))
    });
    let Some((o, node, text)) = found else {
        if !optional {
            out.notices.push(notice(&d.file, vf, format!("valuesFrom {kind} `{name}` is not in the repository")));
        }
        return Vec::new();
    };
    match vf.get_str("targetPath") {
        Some(path) => vec![ValuesSource::Set {
            file: o.file.clone(),
            span: node.span,
            path: path.to_string(),
            value: text.trim_end().to_string(),
            string: false,
        }],
        None => vec![ValuesSource::Text { file: o.file.clone(), span: node.span, text }],
    }
}

#[cfg(test)]
mod tests {
    use crate::gitops::testing::{Repo, summary};

    #[test]
    fn helm_release_from_git_repository_with_values_from() {
        let repo = Repo::new(&[
            ("charts/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n"),
            (
                "clusters/production/apps.yaml",
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps}\nspec:\n  path: ./deploy/production\n  targetNamespace: shop\n",
            ),
            (
                "deploy/production/release.yaml",
                r#"apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: app}
spec:
  releaseName: app
  chart:
    spec:
      chart: ./charts/app
      sourceRef: {kind: GitRepository, name: flux-system}
  valuesFrom:
    - {kind: ConfigMap, name: app-values}
    - {kind: Secret, name: missing}
  values:
    replicas: 2
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app-values}
data:
  values.yaml: |
    image: {tag: v1}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: redis}
spec:
  chartRef: {kind: OCIRepository, name: redis}
"#,
            ),
        ]);
        let d = repo.discover();
        assert_eq!(
            summary(&d),
            vec![
                "app@production shop charts/app [deploy/production/release.yaml:21 (values text), deploy/production/release.yaml:14 (inline values)]",
                "redis@production shop OCIRepository/redis []",
            ]
        );
        assert!(d.notices.iter().any(|n| n.message.contains("valuesFrom Secret `missing`")), "{:?}", d.notices);
    }
}
