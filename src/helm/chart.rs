//! Loading charts the way Helm's loader does: `Chart.yaml`, `values.yaml`, `templates/`,
//! `crds/`, other files (for `.Files`), and `charts/` subcharts as folders or `.tgz` archives,
//! honouring `.helmignore`. Then dependency processing: aliases, `condition`, `tags`, and
//! `import-values`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::value::Value;
use super::values::{self, Values};

/// Largest file we accept inside a chart (Helm's own limit is 5 MiB decompressed per file).
const MAX_CHART_FILE: u64 = 5 * 1024 * 1024;
/// Largest total size we decompress from one archive, against zip bombs.
const MAX_ARCHIVE_TOTAL: u64 = 100 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct ChartError(pub String);

/// A file inside a chart, named relative to the chart root with `/`.
#[derive(Clone, Debug)]
pub struct ChartFile {
    pub name: String,
    pub data: Vec<u8>,
}

#[derive(Clone, Debug, Default)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    pub repository: String,
    pub condition: String,
    pub tags: Vec<String>,
    pub alias: String,
    pub import_values: Vec<Value>,
    pub enabled: bool,
}

/// A dependency of `Chart.yaml` that is neither vendored under `charts/` nor packaged there,
/// nor (with [`load_with`]) found in the scanned tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingDependency {
    pub name: String,
    /// The version constraint `Chart.yaml` asks for.
    pub version: String,
}

impl std::fmt::Display for MissingDependency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// Lets callers compare a dependency name (`&str`) with a missing dependency.
impl PartialEq<&MissingDependency> for &str {
    fn eq(&self, other: &&MissingDependency) -> bool {
        *self == other.name
    }
}

#[derive(Clone, Debug)]
pub struct Chart {
    /// `Chart.yaml` as a map, for `.Chart` (Helm exposes the Go struct's field names).
    pub metadata: BTreeMap<String, Value>,
    pub name: String,
    pub version: String,
    pub api_version: String,
    pub chart_type: String,
    pub kube_version: String,
    pub dependencies_meta: Vec<Dependency>,
    pub values: Values,
    pub schema: Option<Vec<u8>>,
    pub templates: Vec<ChartFile>,
    /// Every other file: `.Files`, and `crds/`.
    pub files: Vec<ChartFile>,
    pub dependencies: Vec<Chart>,
    /// Where the chart's files live on disk, when it was loaded from a folder (for findings).
    pub dir: Option<PathBuf>,
    /// `parent/charts/name` path used in template names.
    pub full_path: String,
    /// Where this chart's files sit relative to the root chart's folder: empty for the root,
    /// `charts/<dir>/` for a vendored folder, `charts/<name>.tgz` for an archive (whose files
    /// cannot be pointed at).
    pub origin: String,
}

impl Chart {
    pub fn is_library(&self) -> bool {
        self.chart_type == "library"
    }

    /// `crds/` manifests of this chart and its enabled subcharts, with their output names.
    pub fn crd_objects(&self) -> Vec<(String, &ChartFile)> {
        let mut out: Vec<(String, &ChartFile)> = self
            .files
            .iter()
            .filter(|f| f.name.starts_with("crds/") && has_manifest_extension(&f.name))
            .map(|f| (format!("{}/{}", self.full_path, f.name), f))
            .collect();
        for d in &self.dependencies {
            out.extend(d.crd_objects());
        }
        out
    }

    fn set_origin(&mut self, prefix: &str) {
        self.origin = if self.origin.is_empty() || prefix.ends_with(".tgz") {
            prefix.to_string()
        } else if self.origin.ends_with(".tgz") {
            self.origin.clone()
        } else {
            format!("{prefix}{}", self.origin)
        };
        for d in &mut self.dependencies {
            d.set_origin(prefix);
        }
    }

    /// The file a template of this chart was read from, relative to the root chart folder, when
    /// there is one (archived subcharts have none).
    pub fn template_origin(&self, template: &str) -> Option<String> {
        if self.origin.ends_with(".tgz") { None } else { Some(format!("{}{template}", self.origin)) }
    }

    /// Helm's `CheckDependencies`: every dependency in `Chart.yaml` must be vendored (by name).
    pub fn missing_dependencies(&self) -> Vec<MissingDependency> {
        self.dependencies_meta
            .iter()
            .filter(|r| !self.dependencies.iter().any(|d| d.name == r.name))
            .map(|r| MissingDependency { name: r.name.clone(), version: r.version.clone() })
            .collect()
    }

    /// Sets `full_path` on this chart and its subcharts.
    fn set_paths(&mut self, parent: Option<&str>) {
        self.full_path = match parent {
            None => self.name.clone(),
            Some(p) => format!("{p}/charts/{}", self.name),
        };
        let path = self.full_path.clone();
        for d in &mut self.dependencies {
            d.set_paths(Some(&path));
        }
    }
}

fn has_manifest_extension(name: &str) -> bool {
    matches!(Path::new(name).extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json"))
}

/// Loads a chart from a folder or a `.tgz` archive.
pub fn load(path: &Path) -> Result<Chart, ChartError> {
    let mut chart = if path.is_dir() {
        let files = read_dir(path)?;
        let mut c = load_files(files)?;
        c.dir = Some(path.to_path_buf());
        c
    } else {
        // Name the archive, not where the scanned tree happens to sit on this machine.
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let data = std::fs::read(path).map_err(|e| ChartError(format!("cannot read {name}: {e}")))?;
        load_archive(&data)?
    };
    chart.set_paths(None);
    Ok(chart)
}

/// The chart folders of a scanned tree, where a dependency that is neither vendored nor packaged
/// is looked for: as `helm dependency build` would fetch it, from its `file://` path first, then
/// by name anywhere in the tree.
#[derive(Debug, Default)]
pub struct TreeCharts {
    /// (absolute folder, folder as the scan names it, with a trailing `/`)
    dirs: Vec<(PathBuf, String)>,
    /// `name` and `version` of each folder's `Chart.yaml`, read on first use.
    meta: std::sync::OnceLock<Vec<Option<(String, String)>>>,
}

/// Where a dependency was found in the tree, for the notice saying so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The dependency's name as `Chart.yaml` writes it.
    pub name: String,
    /// The version constraint asked for.
    pub constraint: String,
    /// The chart's version.
    pub version: String,
    /// The chart folder used (as the scan names it when it is one of its charts).
    pub dir: String,
    /// Found through the `file://` repository path (else by name).
    pub by_path: bool,
}

impl std::fmt::Display for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let constraint = if self.constraint.is_empty() { "any version" } else { self.constraint.as_str() };
        write!(
            f,
            "dependency `{}` ({constraint}) is not vendored under charts/: rendered with the chart `{}` version {} found {} in the scanned tree",
            self.name,
            self.dir,
            self.version,
            if self.by_path { "at the local path its repository names" } else { "by name" },
        )
    }
}

impl TreeCharts {
    /// `dirs`: every chart folder of the scan, absolute and as the scan names it.
    pub fn new(dirs: Vec<(PathBuf, String)>) -> Self {
        TreeCharts { dirs, meta: std::sync::OnceLock::new() }
    }

    fn metas(&self) -> &[Option<(String, String)>] {
        self.meta.get_or_init(|| self.dirs.iter().map(|(d, _)| chart_name_version(d)).collect())
    }

    /// The chart folder for `dep`, declared by the chart in `from` (a folder, when known).
    fn find(&self, from: Option<&Path>, dep: &Dependency) -> Option<(PathBuf, Resolved)> {
        let resolved = |dir: String, version: String, by_path: bool| Resolved {
            name: dep.name.clone(),
            constraint: dep.version.clone(),
            version,
            dir,
            by_path,
        };
        if let (Some(from), Some(rel)) = (from, dep.repository.strip_prefix("file://")) {
            let dir = from.join(rel);
            if let Some((name, version)) = chart_name_version(&dir)
                && name == dep.name
                && version_compatible(&dep.version, &version)
            {
                let canon = dir.canonicalize().unwrap_or_else(|_| dir.clone());
                let shown = self
                    .dirs
                    .iter()
                    .find(|(d, _)| d.canonicalize().is_ok_and(|d| d == canon))
                    .map_or_else(|| dir.display().to_string(), |(_, r)| r.clone());
                return Some((dir, resolved(shown, version, true)));
            }
        }
        // By name: the highest matching version, the first folder on a tie.
        let mut best: Option<(usize, super::funcs::semver::Version)> = None;
        for (i, m) in self.metas().iter().enumerate() {
            let Some((name, version)) = m else { continue };
            if *name != dep.name || !version_compatible(&dep.version, version) {
                continue;
            }
            if from.is_some_and(|f| same_dir(f, &self.dirs[i].0)) {
                continue;
            }
            let Ok(v) = super::funcs::semver::Version::parse(version) else { continue };
            if best.as_ref().is_none_or(|(_, b)| v.compare(b) > 0) {
                best = Some((i, v));
            }
        }
        let (i, _) = best?;
        let (dir, shown) = &self.dirs[i];
        let version = self.metas()[i].as_ref().map(|(_, v)| v.clone()).unwrap_or_default();
        Some((dir.clone(), resolved(shown.clone(), version, false)))
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// `name` and `version` of the `Chart.yaml` in `dir`, when it has a readable one.
fn chart_name_version(dir: &Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(dir.join("Chart.yaml")).ok()?;
    let meta = super::funcs::yaml::parse_yaml(&text).ok()?;
    let get = |k: &str| meta.get(k).as_ref().and_then(yaml_string);
    Some((get("name")?, get("version")?))
}

/// Deepest chain of dependencies taken from the tree (a chart from the tree may need others).
const MAX_TREE_DEPTH: usize = 8;

/// Loads a chart like [`load`], then takes every dependency that is neither vendored under
/// `charts/` nor packaged there from `tree`, as `helm dependency build` would have fetched it:
/// from its `file://` path, else a chart of that name and a matching version anywhere in the
/// tree. A chart taken from the tree gets its own missing dependencies the same way. Returns
/// what was taken from where; a dependency found nowhere stays missing (rendering reports it).
pub fn load_with(path: &Path, tree: &TreeCharts) -> Result<(Chart, Vec<Resolved>), ChartError> {
    let mut chart = load(path)?;
    let mut resolved = Vec::new();
    let root = path.is_dir().then(|| path.to_path_buf());
    resolve_from_tree(&mut chart, root.as_deref(), root.as_deref(), tree, 0, &mut resolved)?;
    chart.set_paths(None);
    Ok((chart, resolved))
}

fn resolve_from_tree(
    chart: &mut Chart,
    dir: Option<&Path>,
    root: Option<&Path>,
    tree: &TreeCharts,
    depth: usize,
    out: &mut Vec<Resolved>,
) -> Result<(), ChartError> {
    if depth >= MAX_TREE_DEPTH {
        return Ok(());
    }
    let missing: Vec<String> = chart.missing_dependencies().into_iter().map(|m| m.name).collect();
    let wanted: Vec<Dependency> =
        chart.dependencies_meta.iter().filter(|r| missing.contains(&r.name)).cloned().collect();
    let vendored = chart.dependencies.len();
    for req in &wanted {
        // One chart serves every entry (aliases) whose version it matches.
        if chart.dependencies[vendored..]
            .iter()
            .any(|d| d.name == req.name && version_compatible(&req.version, &d.version))
        {
            continue;
        }
        let Some((found, how)) = tree.find(dir, req) else { continue };
        let mut sub = load(&found)
            .map_err(|e| ChartError(format!("error loading dependency {} from {}: {}", req.name, how.dir, e.0)))?;
        resolve_from_tree(&mut sub, Some(&found), root, tree, depth + 1, out)?;
        let prefix = root.map_or_else(|| format!("{}/", how.dir.trim_end_matches('/')), |r| relative_dir(r, &found));
        sub.set_origin(&prefix);
        out.push(how);
        chart.dependencies.push(sub);
    }
    Ok(())
}

/// `to` relative to `from`, with `..` where needed and a trailing `/`.
fn relative_dir(from: &Path, to: &Path) -> String {
    let (from, to) =
        (from.canonicalize().unwrap_or_else(|_| from.into()), to.canonicalize().unwrap_or_else(|_| to.into()));
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(b[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    parts.iter().map(|p| format!("{p}/")).collect()
}

fn read_dir(top: &Path) -> Result<Vec<ChartFile>, ChartError> {
    let mut builder = ignore::gitignore::GitignoreBuilder::new(top);
    let ignore_file = top.join(".helmignore");
    if ignore_file.is_file()
        && let Some(e) = builder.add(&ignore_file)
    {
        return Err(ChartError(format!("cannot read .helmignore: {e}")));
    }
    // Helm always ignores its own ignore file.
    let _ = builder.add_line(None, ".helmignore");
    let rules = builder.build().map_err(|e| ChartError(format!("bad .helmignore: {e}")))?;
    let mut out = Vec::new();
    let mut stack = vec![top.to_path_buf()];
    while let Some(dir) = stack.pop() {
        // Paths in messages are relative to the chart folder: an absolute path would name the
        // machine's layout (and differ between a laptop and CI).
        let in_chart = |p: &Path| p.strip_prefix(top).unwrap_or(p).to_string_lossy().replace('\\', "/");
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| ChartError(format!("cannot read `{}/` in the chart folder: {e}", in_chart(&dir))))?;
        for entry in entries {
            let entry = entry.map_err(|e| ChartError(e.to_string()))?;
            let path = entry.path();
            let rel = in_chart(&path);
            let meta = std::fs::metadata(&path)
                .map_err(|e| ChartError(format!("cannot read `{rel}` in the chart folder: {e}")))?;
            if rules.matched_path_or_any_parents(&rel, meta.is_dir()).is_ignore() {
                continue;
            }
            if meta.is_dir() {
                stack.push(path);
                continue;
            }
            if meta.len() > MAX_CHART_FILE {
                return Err(ChartError(format!(
                    "chart file {rel:?} is larger than the maximum file size {MAX_CHART_FILE}"
                )));
            }
            let mut data = std::fs::read(&path).map_err(|e| ChartError(format!("error reading {rel}: {e}")))?;
            if data.starts_with(b"\xEF\xBB\xBF") {
                data.drain(..3);
            }
            out.push(ChartFile { name: rel, data });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Loads a gzipped tar chart archive (`name/Chart.yaml`, …).
pub fn load_archive(data: &[u8]) -> Result<Chart, ChartError> {
    let gz = flate2::read::GzDecoder::new(data);
    let mut archive = tar::Archive::new(gz);
    let mut files = Vec::new();
    let mut total = 0u64;
    let entries = archive.entries().map_err(|e| ChartError(format!("cannot read chart archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| ChartError(format!("cannot read chart archive: {e}")))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().map_err(|e| ChartError(e.to_string()))?.to_string_lossy().replace('\\', "/");
        // Archives hold one top-level folder; names are relative to it.
        let Some((_, rel)) = path.split_once('/') else { continue };
        let size = entry.header().size().unwrap_or(0);
        total += size;
        if size > MAX_CHART_FILE || total > MAX_ARCHIVE_TOTAL {
            return Err(ChartError(format!("chart archive entry {rel:?} is too large")));
        }
        let mut buf = Vec::with_capacity(size as usize);
        entry.by_ref().take(MAX_CHART_FILE + 1).read_to_end(&mut buf).map_err(|e| ChartError(e.to_string()))?;
        files.push(ChartFile { name: rel.to_string(), data: buf });
    }
    load_files(files)
}

fn load_files(files: Vec<ChartFile>) -> Result<Chart, ChartError> {
    let chart_yaml =
        files.iter().find(|f| f.name == "Chart.yaml").ok_or_else(|| ChartError("Chart.yaml file is missing".into()))?;
    let meta_text = String::from_utf8_lossy(&chart_yaml.data);
    let meta =
        super::funcs::yaml::parse_yaml(&meta_text).map_err(|e| ChartError(format!("cannot load Chart.yaml: {e}")))?;
    let get = |k: &str| meta.get(k).as_ref().and_then(yaml_string).unwrap_or_default();
    let mut api_version = get("apiVersion");
    if api_version.is_empty() {
        api_version = "v1".into();
    }
    let name = get("name");
    if name.is_empty() {
        return Err(ChartError("validation: chart.metadata.name is required".into()));
    }
    let version = get("version");
    if version.is_empty() {
        return Err(ChartError("validation: chart.metadata.version is required".into()));
    }
    let chart_type = get("type");
    if !chart_type.is_empty() && chart_type != "application" && chart_type != "library" {
        return Err(ChartError("validation: chart.metadata.type must be application or library".into()));
    }

    let mut chart = Chart {
        metadata: BTreeMap::new(),
        name,
        version,
        api_version,
        chart_type,
        kube_version: get("kubeVersion"),
        dependencies_meta: Vec::new(),
        values: Values::new(),
        schema: None,
        templates: Vec::new(),
        files: Vec::new(),
        dependencies: Vec::new(),
        dir: None,
        full_path: String::new(),
        origin: String::new(),
    };
    chart.dependencies_meta = parse_dependencies(meta.get("dependencies"));
    let mut subcharts: BTreeMap<String, Vec<ChartFile>> = BTreeMap::new();
    for f in files {
        match f.name.as_str() {
            "Chart.yaml" | "Chart.lock" | "requirements.lock" => {}
            "values.yaml" => {
                let text = String::from_utf8_lossy(&f.data);
                chart.values =
                    values::parse_values(&text).map_err(|e| ChartError(format!("cannot load values.yaml: {e}")))?;
            }
            "values.schema.json" => chart.schema = Some(f.data),
            "requirements.yaml" => {
                if chart.api_version == "v1" {
                    let text = String::from_utf8_lossy(&f.data);
                    if let Ok(req) = super::funcs::yaml::parse_yaml(&text) {
                        chart.dependencies_meta = parse_dependencies(req.get("dependencies"));
                    }
                    chart.files.push(f);
                }
            }
            n if n.starts_with("templates/") => chart.templates.push(f),
            n if n.starts_with("charts/") => {
                if n.ends_with(".prov") {
                    chart.files.push(f);
                    continue;
                }
                let rest = &n["charts/".len()..];
                let (cname, inner) = rest.split_once('/').unwrap_or((rest, ""));
                let inner_name = if inner.is_empty() { cname.to_string() } else { inner.to_string() };
                subcharts.entry(cname.to_string()).or_default().push(ChartFile { name: inner_name, data: f.data });
            }
            _ => chart.files.push(f),
        }
    }
    chart.metadata = metadata_map(&meta, &chart);
    for (n, files) in subcharts {
        if n.starts_with('_') || n.starts_with('.') {
            continue;
        }
        let sub = if n.ends_with(".tgz") {
            let Some(file) = files.into_iter().find(|f| f.name == n) else { continue };
            load_archive(&file.data)
        } else {
            load_files(files)
        }
        .map_err(|e| ChartError(format!("error unpacking subchart {n} in {}: {}", chart.name, e.0)))?;
        let mut sub = sub;
        let prefix = if n.ends_with(".tgz") { format!("charts/{n}") } else { format!("charts/{n}/") };
        sub.set_origin(&prefix);
        chart.dependencies.push(sub);
    }
    Ok(chart)
}

fn parse_dependencies(v: Option<Value>) -> Vec<Dependency> {
    let Some(Value::List(items)) = v else { return Vec::new() };
    items
        .iter()
        .filter_map(|d| {
            let s = |k: &str| d.get(k).as_ref().and_then(yaml_string).unwrap_or_default();
            let name = s("name");
            if name.is_empty() {
                return None;
            }
            let tags = match d.get("tags") {
                Some(Value::List(t)) => t.iter().filter_map(|t| t.as_str().map(str::to_string)).collect(),
                _ => Vec::new(),
            };
            let import_values = match d.get("import-values") {
                Some(Value::List(l)) => l.to_vec(),
                _ => Vec::new(),
            };
            Some(Dependency {
                name,
                version: s("version"),
                repository: s("repository"),
                condition: s("condition"),
                tags,
                alias: s("alias"),
                import_values,
                enabled: true,
            })
        })
        .collect()
}

/// A string field of `Chart.yaml` as Helm reads it: `sigs.k8s.io/yaml` turns a number or a
/// bool in a string slot into its text (`appVersion: 1.20` is `"1.2"`, `010` is `"8"`).
fn yaml_string(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.to_string()),
        Value::Int(i, _) => Some(i.to_string()),
        Value::Float(f) => Some(super::funcs::common::format_float32_g(*f)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `.Chart.Dependencies`: the `Chart.yaml` dependencies as Helm leaves them after processing
/// (aliases as names, disabled ones dropped, `import-values` in `child`/`parent` form), keyed
/// by Go field names.
fn dependencies_value(deps: &[Dependency]) -> Value {
    Value::list(
        deps.iter()
            .map(|d| {
                Value::map(BTreeMap::from([
                    ("Name".to_string(), Value::str(d.name.as_str())),
                    ("Version".to_string(), Value::str(d.version.as_str())),
                    ("Repository".to_string(), Value::str(d.repository.as_str())),
                    ("Condition".to_string(), Value::str(d.condition.as_str())),
                    ("Tags".to_string(), Value::list(d.tags.iter().map(|t| Value::str(t.as_str())).collect())),
                    ("Enabled".to_string(), Value::Bool(d.enabled)),
                    ("ImportValues".to_string(), Value::list(d.import_values.clone())),
                    ("Alias".to_string(), Value::str(d.alias.as_str())),
                ]))
            })
            .collect(),
    )
}

/// `.Chart`: Helm turns the `Metadata` struct into a map keyed by Go field names, zero values
/// included.
fn metadata_map(meta: &Value, chart: &Chart) -> BTreeMap<String, Value> {
    let s = |k: &str| Value::str(meta.get(k).as_ref().and_then(yaml_string).unwrap_or_default());
    let list = |k: &str| match meta.get(k) {
        Some(Value::List(l)) => Value::List(l),
        _ => Value::list(Vec::new()),
    };
    let mut m = BTreeMap::new();
    m.insert("Name".into(), s("name"));
    m.insert("Home".into(), s("home"));
    m.insert("Sources".into(), list("sources"));
    m.insert("Version".into(), s("version"));
    m.insert("Description".into(), s("description"));
    m.insert("Keywords".into(), list("keywords"));
    m.insert(
        "Maintainers".into(),
        match meta.get("maintainers") {
            Some(Value::List(l)) => Value::list(
                l.iter()
                    .map(|mt| {
                        let f = |k: &str| Value::str(mt.get(k).as_ref().and_then(yaml_string).unwrap_or_default());
                        Value::map(BTreeMap::from([
                            ("Name".into(), f("name")),
                            ("Email".into(), f("email")),
                            ("URL".into(), f("url")),
                        ]))
                    })
                    .collect(),
            ),
            _ => Value::list(Vec::new()),
        },
    );
    m.insert("Icon".into(), s("icon"));
    m.insert("APIVersion".into(), Value::str(chart.api_version.as_str()));
    m.insert("Condition".into(), s("condition"));
    m.insert("Tags".into(), s("tags"));
    m.insert("AppVersion".into(), s("appVersion"));
    m.insert("Deprecated".into(), Value::Bool(matches!(meta.get("deprecated"), Some(Value::Bool(true)))));
    m.insert(
        "Annotations".into(),
        match meta.get("annotations") {
            Some(v @ Value::Map(_)) => v.deep_copy(),
            _ => Value::empty_map(),
        },
    );
    m.insert("KubeVersion".into(), s("kubeVersion"));
    m.insert("Dependencies".into(), dependencies_value(&chart.dependencies_meta));
    m.insert("Type".into(), s("type"));
    m
}

/// Helm's `ProcessDependencies`: resolve aliases, drop subcharts disabled by `condition`/`tags`,
/// then apply `import-values`. `user` are the user-supplied values (files and `--set`).
pub fn process_dependencies(chart: &mut Chart, user: &Values) -> Result<(), ChartError> {
    process_enabled(chart, user, "")?;
    process_import_values_rec(chart);
    let parent = None;
    chart.set_paths(parent);
    Ok(())
}

fn process_enabled(c: &mut Chart, v: &Values, path: &str) -> Result<(), ChartError> {
    if c.dependencies_meta.is_empty() {
        return Ok(());
    }
    let existing = std::mem::take(&mut c.dependencies);
    let mut deps: Vec<Chart> = existing
        .iter()
        .filter(|e| !c.dependencies_meta.iter().any(|r| r.name == e.name && version_compatible(&r.version, &e.version)))
        .cloned()
        .collect();
    for req in &mut c.dependencies_meta {
        if let Some(found) =
            existing.iter().find(|e| e.name == req.name && version_compatible(&req.version, &e.version))
        {
            let mut copy = found.clone();
            if !req.alias.is_empty() {
                copy.name = req.alias.clone();
                copy.metadata.insert("Name".into(), Value::str(req.alias.as_str()));
            }
            deps.push(copy);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
        req.enabled = true;
    }
    c.dependencies = deps;
    let cvals = values::coalesce_values(c, v);
    // tags
    if let Some(Value::Map(tags)) = cvals.get("tags") {
        let tags = tags.borrow();
        for r in &mut c.dependencies_meta {
            let (mut has_true, mut has_false) = (false, false);
            for t in &r.tags {
                match tags.get(t) {
                    Some(Value::Bool(true)) => has_true = true,
                    Some(Value::Bool(false)) => has_false = true,
                    _ => {}
                }
            }
            r.enabled = has_true || !has_false;
        }
    }
    // conditions: the first condition path that resolves to a bool decides.
    for r in &mut c.dependencies_meta {
        for cond in r.condition.trim().split(',') {
            let cond = cond.trim();
            if cond.is_empty() {
                continue;
            }
            if let Some(Value::Bool(b)) = values::path_value(&cvals, &format!("{path}{cond}")) {
                r.enabled = b;
                break;
            }
        }
    }
    let disabled: Vec<String> = c.dependencies_meta.iter().filter(|r| !r.enabled).map(|r| r.name.clone()).collect();
    c.dependencies.retain(|d| !disabled.contains(&d.name));
    c.dependencies_meta.retain(|r| !disabled.contains(&r.name));
    for d in &mut c.dependencies {
        let sub = format!("{path}{}.", d.name);
        process_enabled(d, &cvals, &sub)?;
    }
    Ok(())
}

fn process_import_values_rec(c: &mut Chart) {
    for d in &mut c.dependencies {
        process_import_values_rec(d);
    }
    process_import_values(c);
    c.metadata.insert("Dependencies".into(), dependencies_value(&c.dependencies_meta));
}

fn process_import_values(c: &mut Chart) {
    if c.dependencies_meta.is_empty() {
        return;
    }
    let cvals = values::merge_chart_values(c);
    let mut b = Values::new();
    for r in &mut c.dependencies_meta {
        let mut normalized = Vec::new();
        for iv in &r.import_values {
            let (child, parent) = match iv {
                Value::Map(m) => {
                    let m = m.borrow();
                    let g = |k: &str| m.get(k).map(super::funcs::common::go_string).unwrap_or_else(|| "<nil>".into());
                    (g("child"), g("parent"))
                }
                Value::Str(s) => (format!("exports.{s}"), ".".to_string()),
                _ => continue,
            };
            normalized.push(Value::map(BTreeMap::from([
                ("child".to_string(), Value::str(child.as_str())),
                ("parent".to_string(), Value::str(parent.as_str())),
            ])));
            let Some(Value::Map(table)) = values::path_value(&cvals, &format!("{}.{child}", r.name)) else { continue };
            let table = table.borrow().clone();
            let src = if parent == "." { table } else { values::path_to_map(&parent, table) };
            values::merge_tables(&mut b, values::deep_copy_map(&src));
        }
        r.import_values = normalized;
    }
    let mut merged = values::deep_copy_map(&cvals);
    values::merge_tables(&mut merged, b);
    c.values = merged;
}

/// Masterminds semver constraint check used to match dependencies to vendored charts; an
/// unparsable constraint or version does not match, as in Helm.
pub fn version_compatible(constraint: &str, version: &str) -> bool {
    if constraint.trim().is_empty() {
        return true;
    }
    use super::funcs::semver::{Constraints, Version};
    match (Constraints::parse(constraint), Version::parse(version)) {
        (Ok(c), Ok(v)) => c.check(&v),
        _ => false,
    }
}
