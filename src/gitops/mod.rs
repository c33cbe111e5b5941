//! What a repository declares about its own deployment: the Helm releases of every environment
//! (Argo CD `Application`s and `ApplicationSet`s, Flux `HelmRelease`s, Helmfile, the config's
//! `releases:`) and the Kustomize/Flux trees that put raw manifests into namespaces.
//!
//! Everything is derived from files already in the scan; nothing is fetched. What cannot be
//! resolved from the tree (a remote chart, a values file in another repository, a generator
//! that needs a live cluster) becomes a notice, never a guess.

pub mod appset;
pub mod argocd;
pub mod flux;
pub mod helmfile;
pub mod kustomize;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::config::Config;
use crate::discover::FileClass;
use crate::finding::Notice;
use crate::source::yaml::Node;
use crate::source::{Position, SourceFile, Span};

/// A document that declares deployment, kept from the per-file pass.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Decl {
    pub kind: DeclKind,
    #[serde(with = "crate::cache::file_ref")]
    pub file: Arc<SourceFile>,
    pub root: Node,
    /// The declaring file's own environment (from its path), if any.
    pub env: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum DeclKind {
    Application,
    ApplicationSet,
    HelmRelease,
    FluxKustomization,
    /// A `kustomization.yaml`.
    Kustomization,
    Helmfile,
    /// A ConfigMap or Secret carrying a values file, for Flux `valuesFrom`.
    ValuesObject,
}

impl DeclKind {
    /// Which declaration a document is, if any.
    pub fn of(class: FileClass, rel: &str, root: &Node) -> Option<DeclKind> {
        if class == FileClass::Kustomization {
            return Some(DeclKind::Kustomization);
        }
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if (name.starts_with("helmfile") || rel.contains("helmfile.d/")) && root.get("releases").is_some() {
            return Some(DeclKind::Helmfile);
        }
        let kind = root.get_str("kind")?;
        let api = root.get_str("apiVersion").unwrap_or("");
        match kind {
            "Application" if api.starts_with("argoproj.io/") => Some(DeclKind::Application),
            "ApplicationSet" if api.starts_with("argoproj.io/") => Some(DeclKind::ApplicationSet),
            "HelmRelease" if api.starts_with("helm.toolkit.fluxcd.io/") => Some(DeclKind::HelmRelease),
            "Kustomization" if api.starts_with("kustomize.toolkit.fluxcd.io/") => Some(DeclKind::FluxKustomization),
            "ConfigMap" | "Secret" => {
                let carries_values = ["data", "stringData"].iter().any(|s| {
                    root.get(s)
                        .and_then(Node::as_map)
                        .is_some_and(|m| m.iter().any(|e| e.key.as_str().is_some_and(|k| k.contains("values"))))
                });
                carries_values.then_some(DeclKind::ValuesObject)
            }
            _ => None,
        }
    }
}

/// Where a release's chart lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChartRef {
    /// A chart folder in the scanned tree, relative with a trailing `/` (empty for the root).
    Local(String),
    /// A chart outside the tree (Helm or OCI repository, another Git repository): described,
    /// not fetched.
    Remote(String),
}

impl ChartRef {
    pub fn describe(&self) -> &str {
        match self {
            ChartRef::Local(d) if d.is_empty() => ".",
            ChartRef::Local(d) => d.trim_end_matches('/'),
            ChartRef::Remote(r) => r,
        }
    }
}

/// One layer of a release's values, lowest precedence first.
#[derive(Clone, Debug)]
pub enum ValuesSource {
    /// A values file in the tree (relative path).
    File(String),
    /// A mapping inside a declaring file (`helm.valuesObject`, `HelmRelease.spec.values`, an
    /// inline Helmfile values entry).
    Inline { file: Arc<SourceFile>, node: Node },
    /// YAML text inside a declaring file (`helm.values`, a ConfigMap for `valuesFrom`);
    /// `span` is where the text is written.
    Text { file: Arc<SourceFile>, span: Span, text: String },
    /// One `--set`-style assignment (`helm.parameters`, `valuesFrom.targetPath`).
    Set { file: Arc<SourceFile>, span: Span, path: String, value: String, string: bool },
}

impl ValuesSource {
    /// A short description for listings: the file, or `file:line (kind)` for inline values.
    pub fn describe(&self) -> String {
        let at = |file: &SourceFile, span: Span| {
            let p = file.position(span.start);
            format!("{}:{}", file.path, p.line)
        };
        match self {
            ValuesSource::File(rel) => rel.clone(),
            ValuesSource::Inline { file, node } => format!("{} (inline values)", at(file, node.span)),
            ValuesSource::Text { file, span, .. } => format!("{} (values text)", at(file, *span)),
            ValuesSource::Set { file, span, path, .. } => format!("{} (parameter {path})", at(file, *span)),
        }
    }
}

/// Which kind of declaration a release came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    ArgoApplication,
    ArgoApplicationSet,
    FluxHelmRelease,
    Helmfile,
    Config,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::ArgoApplication => "argocd-application",
            Source::ArgoApplicationSet => "argocd-applicationset",
            Source::FluxHelmRelease => "flux-helmrelease",
            Source::Helmfile => "helmfile",
            Source::Config => "config",
        }
    }
}

/// One Helm release of one environment, as the repository declares it.
#[derive(Clone, Debug)]
pub struct Release {
    pub name: String,
    pub namespace: String,
    /// `None`: the release is shared by every environment.
    pub env: Option<String>,
    pub chart: ChartRef,
    /// Over the chart's own `values.yaml`, lowest precedence first.
    pub values: Vec<ValuesSource>,
    pub source: Source,
    /// The declaring file (relative path) and where in it.
    pub declared_path: String,
    pub declared_at: Position,
    /// Flux `postBuild.substitute` variables in effect (`${VAR}` in values).
    pub vars: Arc<BTreeMap<String, String>>,
}

/// What release discovery found.
#[derive(Debug, Default)]
pub struct Discovery {
    pub releases: Vec<Release>,
    /// Where raw manifests land: namespaces and environments per file.
    pub placement: kustomize::Placement,
    /// Environment names the declarations introduced (ApplicationSet elements, Helmfile).
    pub envs: BTreeSet<String>,
    /// In-tree charts that a declaration deploys in a way discovery cannot expand (an
    /// ApplicationSet cluster generator): rendering them with their defaults would be a guess.
    pub unexpanded_charts: BTreeSet<String>,
    /// Files a kustomization uses as patches or generator inputs: not manifests of their own.
    pub not_manifests: BTreeSet<String>,
    pub notices: Vec<Notice>,
}

/// The repository tree as discovery sees it.
pub struct Tree<'a> {
    /// Every scanned file, relative.
    pub files: &'a BTreeSet<String>,
    /// Chart folders (`dir/`), for deciding whether a source path is a chart.
    pub chart_dirs: &'a BTreeSet<String>,
    /// Environments known from paths and config.
    pub known_envs: &'a BTreeSet<String>,
    pub config: &'a Config,
    /// Reads a file of the tree (git file generators, Helmfile values lookups).
    pub read: &'a (dyn Fn(&str) -> Option<String> + Sync),
}

impl Tree<'_> {
    pub fn is_chart(&self, dir: &str) -> bool {
        self.chart_dirs.contains(&dir_key(dir))
    }

    pub fn has_file(&self, rel: &str) -> bool {
        self.files.contains(rel)
    }

    /// Whether any scanned file sits under `dir`.
    pub fn has_dir(&self, dir: &str) -> bool {
        let key = dir_key(dir);
        key.is_empty() || self.files.range(key.clone()..).next().is_some_and(|f| f.starts_with(&key))
    }

    /// The environment of a declaration: its file's, else one named by a token of one of
    /// `hints` (an Application name `dev-platform`, a namespace `ameide-prod`).
    pub fn infer_env(&self, file_env: Option<&str>, hints: &[&str]) -> Option<String> {
        if let Some(e) = file_env {
            return Some(e.to_string());
        }
        for hint in hints {
            for token in hint.split(['-', '_', '.', '/']) {
                if self.known_envs.contains(token) {
                    return Some(token.to_string());
                }
                // `prod` stands for `production` (and `stage` for `staging`) in derived names.
                for (short, long) in [("prod", "production"), ("stage", "staging"), ("stg", "staging")] {
                    if token == short && self.known_envs.contains(long) {
                        return Some(long.to_string());
                    }
                }
            }
        }
        None
    }
}

/// What discovery knows beyond the tree: which Git URLs are this repository, and the chart
/// folders by chart name.
pub struct Ctx<'a> {
    pub tree: &'a Tree<'a>,
    /// Normalised URLs that point at the scanned repository.
    pub self_urls: BTreeSet<String>,
    charts_by_name: std::cell::OnceCell<BTreeMap<String, Vec<String>>>,
}

impl<'a> std::ops::Deref for Ctx<'a> {
    type Target = Tree<'a>;
    fn deref(&self) -> &Tree<'a> {
        self.tree
    }
}

impl Ctx<'_> {
    /// Whether a source `repoURL` is the scanned repository (unknown URLs count as remote once
    /// the repository's own URL is known; templated ones as local).
    pub fn is_self(&self, url: Option<&str>) -> bool {
        match url {
            None => true,
            Some(u) if u.contains("{{") || u.contains("${") => true,
            Some(u) => self.self_urls.is_empty() || self.self_urls.contains(&normalize_url(u)),
        }
    }

    /// The in-tree chart folder of a chart named `name`, when exactly one exists: a repository
    /// that publishes its own charts carries their source.
    pub fn chart_named(&self, name: &str) -> Option<&str> {
        let map = self.charts_by_name.get_or_init(|| {
            let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for dir in self.tree.chart_dirs {
                let Some(text) = (self.tree.read)(&format!("{dir}Chart.yaml")) else { continue };
                let loaded = crate::source::yaml::load_str(&text);
                if let Some(n) = loaded.documents.first().and_then(|d| d.root.get_str("name")) {
                    m.entry(n.to_string()).or_default().push(dir.clone());
                }
            }
            m
        });
        match map.get(name).map(Vec::as_slice) {
            Some([one]) => Some(one.as_str()),
            _ => None,
        }
    }
}

/// `https://github.com/a/b.git`, `git@github.com:a/b` → `github.com/a/b`.
pub fn normalize_url(url: &str) -> String {
    let u = url.trim().to_ascii_lowercase();
    let u = u.split_once("://").map_or(u.as_str(), |(_, r)| r).to_string();
    let u = match u.strip_prefix("git@") {
        Some(r) => r.replacen(':', "/", 1),
        None => u,
    };
    let u = u.rsplit_once('@').map_or(u.as_str(), |(_, r)| r);
    u.trim_end_matches('/').trim_end_matches(".git").to_string()
}

/// URLs that name this repository: its Git `origin` when the scan root is a checkout, and every
/// Argo CD source `repoURL` whose (non-root) `path` exists in the tree.
fn self_urls(decls: &[Decl], tree: &Tree<'_>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(cfg) = (tree.read)(".git/config") {
        let mut in_origin = false;
        for line in cfg.lines().map(str::trim) {
            if line.starts_with('[') {
                in_origin = line == "[remote \"origin\"]";
            } else if in_origin && let Some(url) = line.strip_prefix("url =") {
                out.insert(normalize_url(url));
            }
        }
    }
    for d in decls.iter().filter(|d| matches!(d.kind, DeclKind::Application | DeclKind::ApplicationSet)) {
        let mut path = Vec::new();
        crate::model::walk(&d.root, &mut path, &mut |_, _, node| {
            let (Some(url), Some(p)) = (node.get_str("repoURL"), node.get_str("path")) else { return };
            if url.contains("{{") || p.contains("{{") {
                return;
            }
            if let Some(dir) = normalize(p).filter(|d| !d.is_empty())
                && tree.has_dir(&dir)
            {
                out.insert(normalize_url(url));
            }
        });
    }
    out
}

pub use crate::discover::normalize;

/// `a/b` → `a/b/`; `""`, `.` and `./` → `""`.
pub fn dir_key(dir: &str) -> String {
    let d = dir.trim_start_matches("./").trim_end_matches('/');
    if d.is_empty() || d == "." { String::new() } else { format!("{d}/") }
}

/// `join("a/b", "../c")` → `a/c`.
pub fn join(dir: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') {
        return normalize(rel);
    }
    normalize(&format!("{dir}/{rel}"))
}

/// Collects releases, placements and notices from every declaration.
pub fn discover(decls: &[Decl], tree: &Tree<'_>) -> Discovery {
    let cx = Ctx { tree, self_urls: self_urls(decls, tree), charts_by_name: std::cell::OnceCell::new() };
    let tree = &cx;
    let mut out = Discovery::default();
    let mut entries = Vec::new();
    for d in decls {
        match d.kind {
            DeclKind::Application => argocd::application(d, &d.root, d.env.clone(), tree, &mut out, &mut entries),
            DeclKind::ApplicationSet => appset::application_set(d, tree, &mut out, &mut entries),
            DeclKind::FluxKustomization => flux::kustomization_entry(d, tree, &mut entries),
            DeclKind::Helmfile => helmfile::releases(d, tree, &mut out),
            DeclKind::HelmRelease | DeclKind::Kustomization | DeclKind::ValuesObject => {}
        }
    }
    let kustomizations: BTreeMap<String, kustomize::Kustomization> = decls
        .iter()
        .filter(|d| d.kind == DeclKind::Kustomization)
        .map(|d| {
            let dir = d.file.path.rsplit_once('/').map_or("", |(dir, _)| dir).to_string();
            (dir.clone(), kustomize::Kustomization::from_node(&d.root, &dir))
        })
        .collect();
    out.placement = kustomize::place(&entries, &kustomizations, tree);
    out.not_manifests = kustomizations.values().flat_map(|k| k.inputs.iter().cloned()).collect();
    // Flux HelmReleases get their namespace and environment from where the tree places them.
    for d in decls.iter().filter(|d| d.kind == DeclKind::HelmRelease) {
        flux::helm_release(d, decls, tree, &mut out);
    }
    config_releases(tree, &mut out);
    out.releases.sort_by(|a, b| {
        (a.env.as_deref(), &a.namespace, &a.name, &a.declared_path).cmp(&(
            b.env.as_deref(),
            &b.namespace,
            &b.name,
            &b.declared_path,
        ))
    });
    out
}

/// Releases declared in `.secretgate.yaml` win over discovered ones for the same chart.
fn config_releases(tree: &Tree<'_>, out: &mut Discovery) {
    let configured: BTreeSet<&str> = tree.config.releases.iter().map(|r| r.chart.as_str()).collect();
    if configured.is_empty() {
        return;
    }
    out.releases.retain(|r| !matches!(&r.chart, ChartRef::Local(d) if configured.contains(d.as_str())));
    let path = tree.config.path.as_ref().map_or_else(|| ".secretgate.yaml".to_string(), |p| p.display().to_string());
    for r in &tree.config.releases {
        let envs: Vec<String> =
            if r.environments.is_empty() { tree.known_envs.iter().cloned().collect() } else { r.environments.clone() };
        for env in envs {
            let name = r
                .name
                .clone()
                .unwrap_or_else(|| r.chart.trim_end_matches('/').rsplit('/').next().unwrap_or("release").to_string());
            out.releases.push(Release {
                name,
                namespace: r.namespace.as_deref().unwrap_or("default").replace("{env}", &env),
                env: Some(env.clone()),
                chart: ChartRef::Local(r.chart.clone()),
                values: r.values.iter().map(|v| ValuesSource::File(v.replace("{env}", &env))).collect(),
                source: Source::Config,
                declared_path: path.clone(),
                declared_at: Position { line: 1, column: 1 },
                vars: Arc::default(),
            });
        }
    }
}

/// Position of a node in its file, for "declared at".
pub(crate) fn position_of(file: &SourceFile, node: &Node) -> Position {
    file.position(node.span.start)
}

/// A notice about a declaration, at its line.
pub(crate) fn notice(file: &SourceFile, node: &Node, message: String) -> Notice {
    let p = file.position(node.span.start);
    Notice { path: file.path.clone(), message: format!("line {}: {message}", p.line) }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Builds a discovery over an in-memory tree.

    use super::*;
    use crate::source::yaml;

    pub struct Repo {
        pub files: BTreeMap<String, String>,
        pub config: Config,
    }

    impl Repo {
        pub fn new(files: &[(&str, &str)]) -> Repo {
            Repo {
                files: files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect(),
                config: Config::default(),
            }
        }

        pub fn discover(&self) -> Discovery {
            let paths: BTreeSet<String> = self.files.keys().cloned().collect();
            let chart_dirs: BTreeSet<String> =
                paths.iter().filter_map(|p| p.strip_suffix("Chart.yaml")).map(str::to_string).collect();
            let mut known: BTreeSet<String> =
                paths.iter().filter_map(|p| crate::env::env_of(&self.config, p)).collect();
            let mut decls = Vec::new();
            for (path, text) in &self.files {
                let file = Arc::new(SourceFile::new(path.clone(), text.clone()));
                let class = crate::discover::classify(path, &chart_dirs);
                let env = crate::env::env_of(&self.config, path);
                for doc in yaml::load(&file).documents {
                    if let Some(kind) = DeclKind::of(class, path, &doc.root) {
                        decls.push(Decl { kind, file: file.clone(), root: doc.root, env: env.clone() });
                    }
                }
            }
            let pre = appset::declared_envs(&decls);
            known.extend(pre);
            let read = |p: &str| self.files.get(p).cloned();
            let tree =
                Tree { files: &paths, chart_dirs: &chart_dirs, known_envs: &known, config: &self.config, read: &read };
            let mut d = discover(&decls, &tree);
            d.envs.extend(known);
            d
        }
    }

    /// `name@env ns chart [values…]` per release, for compact assertions.
    pub fn summary(d: &Discovery) -> Vec<String> {
        d.releases
            .iter()
            .map(|r| {
                let values: Vec<String> = r.values.iter().map(ValuesSource::describe).collect();
                format!(
                    "{}@{} {} {} [{}]",
                    r.name,
                    r.env.as_deref().unwrap_or("*"),
                    r.namespace,
                    r.chart.describe(),
                    values.join(", ")
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(join("sources/charts/minio", "../../values/x.yaml").as_deref(), Some("sources/values/x.yaml"));
        assert_eq!(dir_key("./"), "");
        assert_eq!(dir_key("a/b/"), "a/b/");
    }
}
