//! Argo CD `ApplicationSet`s: the list, git (directories and files), matrix and merge generators
//! expand into parameter sets; each set renders the template into an Application (Go templates
//! through the built-in engine when `goTemplate: true`, `{{param}}` substitution otherwise).
//! Generators that need a live cluster or an API (clusters, SCM, pull requests, plugins) are
//! reported as a notice and not guessed.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use super::kustomize::Entry;
use super::{Ctx, Decl, DeclKind, Discovery, notice};
use crate::finding::Notice;
use crate::source::yaml::{Node, Scalar, Style, Value as YamlValue};

type Params = Map<String, Json>;

/// Parameter sets beyond this per ApplicationSet are dropped with a notice (a matrix of two
/// large directory generators can explode).
const MAX_PARAM_SETS: usize = 2000;

/// Parameter keys whose values name an environment.
const ENV_KEYS: &[&str] = &["env", "environment", "envName", "env_name", "valuesEnvironment", "stage"];

pub fn application_set(decl: &Decl, tree: &Ctx<'_>, out: &mut Discovery, entries: &mut Vec<Entry>) {
    let Some(spec) = decl.root.get("spec") else { return };
    let Some(template) = spec.get("template") else { return };
    let go = spec.get("goTemplate").and_then(Node::as_scalar).and_then(|s| s.as_bool()) == Some(true);
    let mut sets = Vec::new();
    let before = out.notices.len();
    for g in spec.get("generators").and_then(Node::as_seq).unwrap_or(&[]) {
        sets.extend(generate(decl, g, go, tree, &mut out.notices, 0));
    }
    if out.notices[before..].iter().any(|n| n.message.contains("needs a cluster or an API")) {
        // Applications we cannot derive still deploy their charts: keep those from being
        // rendered with defaults only.
        for src in template_sources(template) {
            let dir = match (src.get_str("chart"), src.get_str("path")) {
                (Some(chart), _) => tree.chart_named(chart).map(str::to_string),
                (None, Some(path)) if !path.contains("{{") => {
                    super::normalize(path).filter(|d| tree.is_chart(d)).map(|d| super::dir_key(&d))
                }
                _ => None,
            };
            out.unexpanded_charts.extend(dir);
        }
    }
    if sets.len() > MAX_PARAM_SETS {
        out.notices.push(notice(
            &decl.file,
            &decl.root,
            format!("ApplicationSet has {} parameter sets; only the first {MAX_PARAM_SETS} are expanded", sets.len()),
        ));
        sets.truncate(MAX_PARAM_SETS);
    }
    for params in sets {
        let app = match render_node(template, &params, go) {
            Ok(n) => n,
            Err(e) => {
                out.notices.push(notice(&decl.file, template, format!("ApplicationSet template does not render: {e}")));
                continue;
            }
        };
        let env = decl.env.clone().or_else(|| env_param(&params, tree));
        super::argocd::application(decl, &app, env, tree, out, entries);
    }
}

/// The sources of an Application template (`spec.source`, `spec.sources[]`).
fn template_sources(template: &Node) -> Vec<&Node> {
    let spec = template.get("spec");
    match (spec.and_then(|s| s.get("sources")).and_then(Node::as_seq), spec.and_then(|s| s.get("source"))) {
        (Some(list), _) => list.iter().collect(),
        (None, Some(one)) => vec![one],
        _ => Vec::new(),
    }
}

/// The environment an element names (`env: dev`), if any.
fn env_param(params: &Params, tree: &Ctx<'_>) -> Option<String> {
    ENV_KEYS.iter().find_map(|k| params.get(*k)?.as_str()).map(str::to_string).filter(|e| {
        tree.known_envs.contains(e) || !e.contains(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    })
}

/// Environments named by list elements of every ApplicationSet and by Helmfile `environments:`,
/// known before discovery so that releases can be attributed to them.
pub fn declared_envs(decls: &[Decl]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for d in decls {
        match d.kind {
            DeclKind::ApplicationSet => {
                let mut stack: Vec<&Node> =
                    d.root.at(&["spec", "generators"]).and_then(Node::as_seq).unwrap_or(&[]).iter().collect();
                while let Some(g) = stack.pop() {
                    for el in g.at(&["list", "elements"]).and_then(Node::as_seq).unwrap_or(&[]) {
                        for k in ENV_KEYS {
                            if let Some(e) = el.get_str(k).filter(|e| !e.contains("{{") && !e.is_empty()) {
                                out.insert(e.to_string());
                            }
                        }
                    }
                    for nested in ["matrix", "merge"] {
                        stack.extend(g.at(&[nested, "generators"]).and_then(Node::as_seq).unwrap_or(&[]));
                    }
                }
            }
            DeclKind::Helmfile => out.extend(super::helmfile::environment_names(&d.root)),
            _ => {}
        }
    }
    out
}

fn generate(decl: &Decl, g: &Node, go: bool, tree: &Ctx<'_>, notices: &mut Vec<Notice>, depth: usize) -> Vec<Params> {
    let Some(entry) = g.as_map().and_then(|m| m.first()) else { return Vec::new() };
    let kind = entry.key.as_str().unwrap_or("");
    let body = &entry.value;
    match kind {
        "list" => body
            .get("elements")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|el| match to_json(el) {
                Json::Object(m) => Some(m),
                _ => None,
            })
            .collect(),
        "git" => git(decl, body, go, tree, notices),
        "matrix" | "merge" if depth < 4 => {
            let children: Vec<&Node> = body.get("generators").and_then(Node::as_seq).unwrap_or(&[]).iter().collect();
            if kind == "matrix" {
                matrix(decl, &children, go, tree, notices, depth)
            } else {
                merge(decl, body, &children, go, tree, notices, depth)
            }
        }
        other => {
            notices.push(notice(
                &decl.file,
                g,
                format!(
                    "ApplicationSet generator `{other}` needs a cluster or an API; its applications are not derived"
                ),
            ));
            Vec::new()
        }
    }
}

fn matrix(
    decl: &Decl,
    children: &[&Node],
    go: bool,
    tree: &Ctx<'_>,
    notices: &mut Vec<Notice>,
    depth: usize,
) -> Vec<Params> {
    let [first, second] = children else {
        notices.push(notice(&decl.file, &decl.root, "a matrix generator needs exactly two generators".into()));
        return Vec::new();
    };
    let mut out = Vec::new();
    for p1 in generate(decl, first, go, tree, notices, depth + 1) {
        // The second generator may use the first one's parameters.
        let second = match render_node(second, &p1, go) {
            Ok(n) => n,
            Err(_) => (*second).clone(),
        };
        for p2 in generate(decl, &second, go, tree, notices, depth + 1) {
            let mut m = p1.clone();
            m.extend(p2);
            out.push(m);
            if out.len() > MAX_PARAM_SETS {
                return out;
            }
        }
    }
    out
}

fn merge(
    decl: &Decl,
    body: &Node,
    children: &[&Node],
    go: bool,
    tree: &Ctx<'_>,
    notices: &mut Vec<Notice>,
    depth: usize,
) -> Vec<Params> {
    let keys: Vec<&str> =
        body.get("mergeKeys").and_then(Node::as_seq).unwrap_or(&[]).iter().filter_map(Node::as_str).collect();
    let Some((base, rest)) = children.split_first() else { return Vec::new() };
    let mut out = generate(decl, base, go, tree, notices, depth + 1);
    for other in rest {
        for q in generate(decl, other, go, tree, notices, depth + 1) {
            for p in out.iter_mut().filter(|p| keys.iter().all(|k| lookup(p, k, go) == lookup(&q, k, go))) {
                p.extend(q.clone());
            }
        }
    }
    out
}

/// The git generator over this tree: `directories` (folders matching a glob) and `files` (JSON
/// or YAML files whose keys become parameters).
fn git(decl: &Decl, body: &Node, go: bool, tree: &Ctx<'_>, notices: &mut Vec<Notice>) -> Vec<Params> {
    let mut out = Vec::new();
    let globs = |section: &str, want_exclude: bool| -> Vec<globset::GlobMatcher> {
        body.get(section)
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter(|d| {
                (d.get("exclude").and_then(Node::as_scalar).and_then(|s| s.as_bool()) == Some(true)) == want_exclude
            })
            .filter_map(|d| d.get_str("path"))
            .filter_map(|p| globset::GlobBuilder::new(p.trim_start_matches("./")).literal_separator(true).build().ok())
            .map(|g| g.compile_matcher())
            .collect()
    };
    let (dirs_in, dirs_out) = (globs("directories", false), globs("directories", true));
    if !dirs_in.is_empty() {
        let dirs: BTreeSet<&str> = tree.files.iter().filter_map(|f| f.rsplit_once('/').map(|(d, _)| d)).collect();
        let mut all_dirs = BTreeSet::new();
        for d in dirs {
            // Every ancestor is a folder too.
            let mut cur = d;
            loop {
                all_dirs.insert(cur);
                match cur.rsplit_once('/') {
                    Some((parent, _)) => cur = parent,
                    None => break,
                }
            }
        }
        for d in all_dirs {
            if dirs_in.iter().any(|g| g.is_match(d)) && !dirs_out.iter().any(|g| g.is_match(d)) {
                out.push(path_params(d, None, go));
            }
        }
    }
    let files_in = globs("files", false);
    for f in tree.files.iter().filter(|f| files_in.iter().any(|g| g.is_match(f.as_str()))) {
        let Some(text) = (tree.read)(f) else {
            notices.push(Notice { path: f.clone(), message: "git file generator cannot read it".into() });
            continue;
        };
        let loaded = crate::source::yaml::load_str(&text);
        let docs: Vec<Json> = loaded.documents.iter().map(|d| to_json(&d.root)).collect();
        if loaded.error.is_some() {
            notices.push(notice(&decl.file, body, format!("git file generator: `{f}` does not parse")));
            continue;
        }
        for doc in docs {
            let Json::Object(mut m) = doc else { continue };
            let dir = f.rsplit_once('/').map_or("", |(d, _)| d);
            if !go {
                m = flatten(&m);
            }
            m.extend(path_params(dir, Some(f), go));
            out.push(m);
        }
    }
    out
}

/// Argo's `path` parameters of a folder (and file).
fn path_params(dir: &str, file: Option<&str>, go: bool) -> Params {
    let segments: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let basename = segments.last().copied().unwrap_or("");
    let normalized: String =
        basename.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let mut m = Params::new();
    if go {
        let mut p = Params::new();
        p.insert("path".into(), dir.into());
        p.insert("basename".into(), basename.into());
        p.insert("basenameNormalized".into(), normalized.into());
        p.insert("segments".into(), Json::Array(segments.iter().map(|s| Json::from(*s)).collect()));
        if let Some(f) = file {
            p.insert("filename".into(), f.rsplit('/').next().unwrap_or(f).into());
        }
        m.insert("path".into(), Json::Object(p));
    } else {
        m.insert("path".into(), dir.into());
        m.insert("path.basename".into(), basename.into());
        m.insert("path.basenameNormalized".into(), normalized.into());
        for (i, s) in segments.iter().enumerate() {
            m.insert(format!("path[{i}]"), (*s).into());
        }
        if let Some(f) = file {
            m.insert("path.filename".into(), f.rsplit('/').next().unwrap_or(f).into());
        }
    }
    m
}

/// Flattens nested objects into dotted keys, as the non-Go template mode sees them.
fn flatten(m: &Params) -> Params {
    fn go(prefix: &str, v: &Json, out: &mut Params) {
        match v {
            Json::Object(m) => {
                for (k, v) in m {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    go(&key, v, out);
                }
            }
            other => {
                out.insert(prefix.to_string(), other.clone());
            }
        }
    }
    let mut out = Params::new();
    go("", &Json::Object(m.clone()), &mut out);
    out
}

fn lookup<'a>(p: &'a Params, key: &str, go: bool) -> Option<&'a Json> {
    if !go {
        return p.get(key);
    }
    let mut parts = key.split('.');
    let mut cur = p.get(parts.next()?)?;
    for part in parts {
        cur = cur.get(part)?;
    }
    Some(cur)
}

/// A YAML node as JSON (scalars stay strings except booleans and numbers written plainly).
fn to_json(n: &Node) -> Json {
    match &n.value {
        YamlValue::Scalar(s) if s.style == Style::Plain => {
            if s.is_null() {
                Json::Null
            } else if let Some(b) = s.as_bool() {
                Json::Bool(b)
            } else if let Ok(i) = s.text.parse::<i64>() {
                Json::from(i)
            } else {
                Json::String(s.text.clone())
            }
        }
        YamlValue::Scalar(s) => Json::String(s.text.clone()),
        YamlValue::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        YamlValue::Map(entries) => Json::Object(
            entries.iter().map(|e| (e.key.as_str().unwrap_or("").to_string(), to_json(&e.value))).collect(),
        ),
    }
}

/// A copy of `node` with every templated string rendered with `params`.
fn render_node(node: &Node, params: &Params, go: bool) -> Result<Node, String> {
    let mut out = node.clone();
    let mut ctx = Renderer { params, go, dot: None };
    ctx.walk(&mut out)?;
    Ok(out)
}

struct Renderer<'a> {
    params: &'a Params,
    go: bool,
    /// The parameters as a template value, built on first use.
    dot: Option<crate::helm::value::Value>,
}

impl Renderer<'_> {
    fn walk(&mut self, node: &mut Node) -> Result<(), String> {
        match &mut node.value {
            YamlValue::Scalar(s) => {
                if s.text.contains("{{") {
                    let text = self.render(&s.text)?;
                    *s = Scalar { text, style: if s.style == Style::Plain { Style::Quoted } else { s.style } };
                }
            }
            YamlValue::Seq(items) => {
                for i in items {
                    self.walk(i)?;
                }
            }
            YamlValue::Map(entries) => {
                for e in entries {
                    self.walk(&mut e.value)?;
                }
            }
        }
        Ok(())
    }

    fn render(&mut self, text: &str) -> Result<String, String> {
        if !self.go {
            return Ok(fast_template(text, self.params));
        }
        use crate::helm::funcs::FuncEnv;
        use crate::helm::template::{FuncTable, Templates};
        if self.dot.is_none() {
            let json = serde_json::to_string(&Json::Object(self.params.clone())).map_err(|e| e.to_string())?;
            self.dot = Some(crate::helm::funcs::yaml::parse_json(&json)?);
        }
        let mut t = Templates::new(FuncTable::helm());
        t.add("applicationset", text).map_err(|e| e.message)?;
        let dot = self.dot.clone().unwrap_or_default();
        t.execute("applicationset", &dot, &mut FuncEnv::default()).map(|r| r.text).map_err(|e| e.message)
    }
}

/// Argo's fasttemplate mode: `{{key}}` and `{{ key }}` with flattened keys; unknown keys stay.
fn fast_template(text: &str, params: &Params) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let Some(end) = rest[i..].find("}}") else {
            out.push_str(&rest[i..]);
            return out;
        };
        let key = rest[i + 2..i + end].trim();
        match params.get(key) {
            Some(Json::String(s)) => out.push_str(s),
            Some(other) if !other.is_null() => out.push_str(&other.to_string()),
            _ => out.push_str(&rest[i..i + end + 2]),
        }
        rest = &rest[i + end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use crate::gitops::testing::{Repo, summary};

    const CHART: &str = "apiVersion: v2\nname: app\nversion: 1.0.0\n";

    #[test]
    fn list_generator_with_go_templates() {
        let repo = Repo::new(&[
            ("charts/platform/Chart.yaml", CHART),
            ("values/_shared/platform.yaml", "a: 1\n"),
            ("values/env/dev/platform.yaml", "a: 1\n"),
            ("values/env/prod/platform.yaml", "a: 1\n"),
            (
                "argocd/platform.yaml",
                r#"apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: platform}
spec:
  goTemplate: true
  generators:
    - list:
        elements:
          - {env: dev, namespace: ameide-dev}
          - {env: prod, namespace: ameide-prod}
  template:
    metadata: {name: "platform-{{ .env }}"}
    spec:
      destination: {namespace: "{{ .namespace }}"}
      sources:
        - path: charts/platform
          helm:
            releaseName: platform
            valueFiles: [$values/values/_shared/platform.yaml, "$values/values/env/{{ .env }}/platform.yaml"]
        - {repoURL: x, ref: values}
"#,
            ),
        ]);
        assert_eq!(
            summary(&repo.discover()),
            vec![
                "platform@dev ameide-dev charts/platform [values/_shared/platform.yaml, values/env/dev/platform.yaml]",
                "platform@prod ameide-prod charts/platform [values/_shared/platform.yaml, values/env/prod/platform.yaml]",
            ]
        );
    }

    #[test]
    fn git_directories_matrix_and_unknown_generators() {
        let repo = Repo::new(&[
            ("apps/api/Chart.yaml", CHART),
            ("apps/web/Chart.yaml", CHART),
            ("apps/web/values-staging.yaml", "a: 1\n"),
            ("apps/api/values-staging.yaml", "a: 1\n"),
            (
                "argocd/apps.yaml",
                r#"apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: apps}
spec:
  generators:
    - matrix:
        generators:
          - git: {repoURL: x, revision: HEAD, directories: [{path: "apps/*"}]}
          - list: {elements: [{env: staging}]}
    - clusters: {}
  template:
    metadata: {name: "{{path.basename}}-{{env}}"}
    spec:
      destination: {namespace: "{{path.basename}}"}
      source: {path: "{{path}}", helm: {valueFiles: ["values-{{env}}.yaml"]}}
"#,
            ),
        ]);
        let d = repo.discover();
        assert_eq!(
            summary(&d),
            vec![
                "api-staging@staging api apps/api [apps/api/values-staging.yaml]",
                "web-staging@staging web apps/web [apps/web/values-staging.yaml]",
            ]
        );
        assert!(d.notices.iter().any(|n| n.message.contains("generator `clusters`")), "{:?}", d.notices);
    }
}
