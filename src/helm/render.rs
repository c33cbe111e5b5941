//! Rendering a loaded chart the way `helm template` does: values coalescing, scoped dot per
//! (sub)chart, template parse order, execution, manifest splitting, hook separation, kind
//! ordering and the final output format.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::chart::{self, Chart, ChartError};
use super::funcs::FuncEnv;
use super::objects::{Capabilities, DEFAULT_API_VERSIONS, Files, KubeVersion, VersionSet};
use super::template::{Rendered, Templates};
use super::value::Value;
use super::values::{self, Values};

/// Kubernetes version `helm template` assumes without `--kube-version` (Helm v4.3.1's client-go).
pub const DEFAULT_KUBE_VERSION: &str = "v1.37.0";

/// Helm's install order of kinds; unknown kinds sort after, alphabetically.
const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

const HOOK_EVENTS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
    "test-success",
];

#[derive(Clone, Debug)]
pub struct RenderOptions {
    pub release_name: String,
    pub namespace: String,
    pub kube_version: Option<String>,
    pub api_versions: Vec<String>,
    pub include_crds: bool,
    pub skip_tests: bool,
    pub show_only: Vec<String>,
    pub is_upgrade: bool,
    /// User values after `-f`/`--set` layering.
    pub values: Values,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            release_name: "release-name".into(),
            namespace: "default".into(),
            kube_version: None,
            api_versions: Vec::new(),
            include_crds: false,
            skip_tests: false,
            show_only: Vec::new(),
            is_upgrade: false,
            values: Values::new(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RenderError {
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// A template failed to parse or execute, in Helm's message shape.
    #[error("{0}")]
    Template(String),
    /// A rendered manifest is not valid YAML; `partial` is what Helm prints with `--debug`.
    #[error("{message}")]
    InvalidYaml { message: String, partial: String },
    /// The values do not meet a chart's `values.schema.json`.
    #[error("values don't meet the specifications of the schema(s) in the following chart(s):\n{0}")]
    Schema(String),
    /// Dependencies named in `Chart.yaml` but not vendored under `charts/` (Helm's message, then
    /// the charts and versions that are missing).
    #[error("An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {}\n{}", names(.0), wanted(.0))]
    MissingDependencies(Vec<chart::MissingDependency>),
    #[error("{0}")]
    Other(String),
}

fn names(missing: &[chart::MissingDependency]) -> String {
    missing.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn wanted(missing: &[chart::MissingDependency]) -> String {
    let each: Vec<String> = missing
        .iter()
        .map(|m| {
            let v = if m.version.is_empty() { "any version".to_string() } else { format!("version {}", m.version) };
            format!("`{}` {v}", m.name)
        })
        .collect();
    format!(
        "missing: {}; neither vendored under charts/, nor packaged there, nor a chart of that name and version in the scanned tree",
        each.join(", ")
    )
}

/// One rendered template file with its line map back to template sources.
#[derive(Debug, Clone)]
pub struct RenderedFile {
    /// `chart/templates/x.yaml` (subcharts: `chart/charts/sub/templates/x.yaml`).
    pub name: String,
    pub text: String,
    /// For each line of `text`, the template (name, line) that produced it.
    pub lines: Vec<Option<super::template::LineSource>>,
}

/// A manifest document in output order.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Template file it came from.
    pub name: String,
    pub content: String,
    pub kind: String,
    pub is_hook: bool,
    pub is_test_hook: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Output {
    /// Exactly what `helm template` prints.
    pub text: String,
    /// Every rendered template file (partials excluded), for source mapping.
    pub files: Vec<RenderedFile>,
    /// Template name → file relative to the root chart folder (absent for archived subcharts).
    pub origins: BTreeMap<String, String>,
    pub manifests: Vec<Manifest>,
    pub notes: String,
}

/// Renders `chart` (already loaded) like `helm template`.
pub fn render(mut chart: Chart, opts: &RenderOptions) -> Result<Output, RenderError> {
    if chart.is_library() {
        return Err(RenderError::Other("library charts are not installable".into()));
    }
    let missing = chart.missing_dependencies();
    if !missing.is_empty() {
        return Err(RenderError::MissingDependencies(missing));
    }
    chart::process_dependencies(&mut chart, &opts.values)?;
    let kube =
        KubeVersion::parse(opts.kube_version.as_deref().unwrap_or(DEFAULT_KUBE_VERSION)).map_err(RenderError::Other)?;
    if !chart.kube_version.is_empty() && !chart::version_compatible(&chart.kube_version, &kube.normalized) {
        return Err(RenderError::Other(format!(
            "chart requires kubeVersion: {} which is incompatible with Kubernetes {}",
            chart.kube_version, kube.version
        )));
    }
    let mut api_versions: Vec<String> = DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect();
    api_versions.extend(opts.api_versions.iter().cloned());
    let caps =
        Value::Object(Rc::new(Capabilities { kube: Rc::new(kube), api_versions: Rc::new(VersionSet(api_versions)) }));
    let release = Value::map(BTreeMap::from([
        ("Name".to_string(), Value::str(opts.release_name.as_str())),
        ("Namespace".to_string(), Value::str(opts.namespace.as_str())),
        ("IsUpgrade".to_string(), Value::Bool(opts.is_upgrade)),
        ("IsInstall".to_string(), Value::Bool(!opts.is_upgrade)),
        ("Revision".to_string(), Value::int(1)),
        ("Service".to_string(), Value::str("Helm")),
    ]));
    let vals = values::coalesce_values(&chart, &opts.values);
    let mut schema_errors = String::new();
    validate_schemas(&chart, &vals, &mut schema_errors);
    if !schema_errors.is_empty() {
        return Err(RenderError::Schema(schema_errors));
    }

    // Collect templates with their scoped dot, as Helm's recAllTpls does.
    // (template name, text, shared dot of its chart, the chart's path for `.Template.BasePath`)
    let mut renderables: Vec<(String, String, Value, String)> = Vec::new();
    let mut origins = BTreeMap::new();
    let top = Value::map(BTreeMap::from([("Values".to_string(), Value::map(vals))]));
    collect(&chart, true, top, &release, &caps, &mut renderables, &mut origins);

    // Helm parses templates deepest path first (then reverse-alphabetical), so definitions in
    // the parent chart, parsed last, win.
    let mut order: Vec<usize> = (0..renderables.len()).collect();
    order.sort_by(|&a, &b| {
        let (na, nb) = (&renderables[a].0, &renderables[b].0);
        let (ca, cb) = (na.matches('/').count(), nb.matches('/').count());
        cb.cmp(&ca).then_with(|| nb.cmp(na))
    });
    let mut templates = Templates::new(super::template::FuncTable::helm());
    for &i in &order {
        let (name, text, _, _) = &renderables[i];
        templates.add(name, text).map_err(|e| RenderError::Template(e.message))?;
    }
    let mut env = FuncEnv::default();
    let mut files = Vec::new();
    for &i in &order {
        let (name, _, dot, base) = &renderables[i];
        if name.rsplit('/').next().is_some_and(|b| b.starts_with('_')) {
            continue;
        }
        if let Value::Map(m) = dot {
            m.borrow_mut().insert(
                "Template".into(),
                Value::map(BTreeMap::from([
                    ("Name".to_string(), Value::str(name.as_str())),
                    ("BasePath".to_string(), Value::str(format!("{base}/templates"))),
                ])),
            );
        }
        let Rendered { text, lines } =
            templates.execute(name, dot, &mut env).map_err(|e| RenderError::Template(e.message))?;
        files.push(RenderedFile { name: name.clone(), text: text.replace("<no value>", ""), lines });
    }
    let mut out = assemble(&chart, files, opts)?;
    out.origins = origins;
    Ok(out)
}

fn collect(
    c: &Chart,
    is_root: bool,
    values: Value,
    release: &Value,
    caps: &Value,
    out: &mut Vec<(String, String, Value, String)>,
    origins: &mut BTreeMap<String, String>,
) -> Value {
    let mut chart_meta = c.metadata.clone();
    chart_meta.insert("IsRoot".into(), Value::Bool(is_root));
    let subcharts = Value::empty_map();
    let scoped_values = if is_root {
        values.get("Values").unwrap_or_else(Value::empty_map)
    } else {
        match values.get("Values").and_then(|v| v.get(&c.name)) {
            Some(v @ Value::Map(_)) => v,
            _ => Value::empty_map(),
        }
    };
    let next = Value::map(BTreeMap::from([
        ("Chart".to_string(), Value::map(chart_meta)),
        ("Files".to_string(), Value::Object(Rc::new(Files::new(&c.files)))),
        ("Release".to_string(), release.clone()),
        ("Capabilities".to_string(), caps.clone()),
        ("Values".to_string(), scoped_values),
        ("Subcharts".to_string(), subcharts.clone()),
    ]));
    for dep in &c.dependencies {
        let sub = collect(dep, false, next.clone(), release, caps, out, origins);
        if let Value::Map(m) = &subcharts {
            m.borrow_mut().insert(dep.name.clone(), sub);
        }
    }
    for t in &c.templates {
        if c.is_library() && !t.name.rsplit('/').next().is_some_and(|b| b.starts_with('_')) {
            continue;
        }
        let name = format!("{}/{}", c.full_path, t.name);
        if let Some(origin) = c.template_origin(&t.name) {
            origins.insert(name.clone(), origin);
        }
        // All templates of a chart share one top-level map, as in Helm: `.Template` is set on it
        // before each executes, and a template that does `set $ "Values" …` changes what the
        // templates executed after it see (istio's profiles rely on this).
        out.push((name, String::from_utf8_lossy(&t.data).into_owned(), next.clone(), c.full_path.clone()));
    }
    next
}

/// Helm's `ValidateAgainstSchema`: each chart's `values.schema.json` against its values scope,
/// recursively. Offline: remote `$ref`s are not fetched (a schema that needs one is skipped).
fn validate_schemas(chart: &Chart, vals: &Values, out: &mut String) {
    if let Some(schema) = &chart.schema
        && let Ok(schema) = serde_json::from_slice::<serde_json::Value>(schema)
        && let Ok(validator) = jsonschema::validator_for(&schema)
    {
        let instance = to_json(&Value::map(vals.clone()));
        let errors: Vec<String> =
            validator.iter_errors(&instance).map(|e| format!("- at '{}': {}", e.instance_path(), e)).collect();
        if !errors.is_empty() {
            out.push_str(&format!("{}:\n{}\n", chart.name, errors.join("\n")));
        }
    }
    for sub in &chart.dependencies {
        match vals.get(&sub.name) {
            Some(Value::Map(m)) => {
                let scope = m.borrow().clone();
                validate_schemas(sub, &scope, out);
            }
            None | Some(Value::Nil) => {}
            Some(other) => {
                out.push_str(&format!(
                    "{}:\ninvalid type for values: expected object (map), got {}\n",
                    sub.name,
                    other.type_name()
                ));
            }
        }
    }
}

/// Values as JSON, for schema validation.
fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Nil | Value::Object(_) => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i, _) => serde_json::Value::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Str(s) => serde_json::Value::String(s.to_string()),
        Value::List(l) => serde_json::Value::Array(l.iter().map(to_json).collect()),
        Value::Map(m) => serde_json::Value::Object(m.borrow().iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}

/// `releaseutil.SplitManifests`: split on `---` at line starts, drop empty documents.
pub fn split_manifests(text: &str) -> Vec<String> {
    // Go: `(?m)^---[ \t]*` splits, so any line starting with `---` separates documents and
    // what follows the dashes and blanks stays with the next document.
    let trimmed = text.trim_start();
    let mut docs = Vec::new();
    let mut cur = String::new();
    for line in trimmed.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("---") {
            docs.push(std::mem::take(&mut cur));
            cur.push_str(rest.trim_start_matches([' ', '\t']));
            continue;
        }
        cur.push_str(line);
    }
    docs.push(cur);
    docs.into_iter().filter(|d| !d.trim().is_empty()).map(|d| d.trim_start().to_string()).collect()
}

fn kind_rank(kind: &str) -> Option<usize> {
    INSTALL_ORDER.iter().position(|k| *k == kind)
}

fn kind_less(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (kind_rank(a), kind_rank(b)) {
        (None, None) => a.cmp(b),
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x.cmp(&y),
    }
}

fn assemble(chart: &Chart, mut files: Vec<RenderedFile>, opts: &RenderOptions) -> Result<Output, RenderError> {
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let mut notes = String::new();
    let root_notes = format!("{}/templates/NOTES.txt", chart.name);
    let mut manifests = Vec::new();
    let mut hooks = Vec::new();
    for f in &files {
        if f.name.ends_with("NOTES.txt") {
            if f.name == root_notes {
                notes.push_str(&f.text);
            }
            continue;
        }
        if f.text.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(&f.text) {
            let head = super::funcs::yaml::parse_yaml(&doc).map_err(|e| RenderError::InvalidYaml {
                message: format!("YAML parse error on {}: {e}", f.name),
                partial: debug_dump(&files),
            })?;
            // Helm decodes each document into a struct: a scalar or a list document fails.
            let json_kind = match &head {
                Value::Str(_) => Some("string"),
                Value::Int(_, _) | Value::Float(_) => Some("number"),
                Value::Bool(_) => Some("bool"),
                Value::List(_) => Some("array"),
                _ => None,
            };
            if let Some(json_kind) = json_kind {
                return Err(RenderError::InvalidYaml {
                    message: format!(
                        "YAML parse error on {}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {json_kind} into Go value of type util.SimpleHead",
                        f.name
                    ),
                    partial: debug_dump(&files),
                });
            }
            let kind = head.get("kind").and_then(|k| k.as_str().map(str::to_string)).unwrap_or_default();
            let annotations = head.get("metadata").and_then(|m| m.get("annotations"));
            let hook =
                annotations.as_ref().and_then(|a| a.get("helm.sh/hook")).and_then(|h| h.as_str().map(str::to_string));
            match hook {
                None => manifests.push(Manifest {
                    name: f.name.clone(),
                    content: doc,
                    kind,
                    is_hook: false,
                    is_test_hook: false,
                }),
                Some(events) => {
                    let events: Vec<String> = events.split(',').map(|e| e.trim().to_ascii_lowercase()).collect();
                    if events.iter().any(|e| !HOOK_EVENTS.contains(&e.as_str())) {
                        continue; // Helm skips hooks of unknown type.
                    }
                    let is_test = events.iter().any(|e| e == "test" || e == "test-success");
                    hooks.push(Manifest {
                        name: f.name.clone(),
                        content: doc,
                        kind,
                        is_hook: true,
                        is_test_hook: is_test,
                    });
                }
            }
        }
    }
    manifests.sort_by(|a, b| kind_less(&a.kind, &b.kind));
    hooks.sort_by(|a, b| kind_less(&a.kind, &b.kind));

    let mut body = String::new();
    if opts.include_crds {
        for (name, file) in chart.crd_objects() {
            body.push_str(&format!("---\n# Source: {name}\n{}\n", String::from_utf8_lossy(&file.data)));
        }
    }
    for m in &manifests {
        body.push_str(&format!("---\n# Source: {}\n{}\n", m.name, m.content));
    }
    let mut text = String::new();
    text.push_str(body.trim());
    text.push('\n');
    for h in &hooks {
        if opts.skip_tests && h.is_test_hook {
            continue;
        }
        text.push_str(&format!("---\n# Source: {}\n{}\n", h.name, h.content));
    }
    if !opts.show_only.is_empty() {
        text = show_only(&text, &opts.show_only)?;
    }
    let mut all = manifests;
    all.extend(hooks.into_iter().filter(|h| !(opts.skip_tests && h.is_test_hook)));
    Ok(Output { text, files, manifests: all, notes, origins: BTreeMap::new() })
}

/// What `helm template --debug` prints when the output is not valid YAML: every rendered file,
/// trimmed as the release manifest is.
fn debug_dump(files: &[RenderedFile]) -> String {
    let all: String = files
        .iter()
        .filter(|f| !f.name.ends_with("NOTES.txt") && !f.text.trim().is_empty())
        .map(|f| format!("---\n# Source: {}\n{}\n", f.name, f.text))
        .collect();
    format!("{}\n", all.trim())
}

/// `--show-only`: keep the documents whose `# Source:` path (without the chart name) matches.
fn show_only(text: &str, patterns: &[String]) -> Result<String, RenderError> {
    let docs = split_manifests(text);
    let mut out = String::new();
    for pattern in patterns {
        let glob = globset::GlobBuilder::new(pattern).literal_separator(true).build().map(|g| g.compile_matcher());
        let mut missing = true;
        for d in &docs {
            let Some(source) = d.lines().find_map(|l| l.strip_prefix("# Source: ")) else { continue };
            let Some((_, path)) = source.split_once('/') else { continue };
            let matched = match &glob {
                Ok(g) => g.is_match(path),
                Err(_) => false,
            };
            if matched {
                out.push_str(&format!("---\n{d}\n"));
                missing = false;
            }
        }
        if missing {
            return Err(RenderError::Other(format!("could not find template {pattern} in chart")));
        }
    }
    Ok(out)
}
