//! Where raw manifests land: the Kustomize trees reached from Flux `Kustomization`s and Argo CD
//! path sources (with their target namespace, environment and `postBuild` variables), plus every
//! top-level `kustomization.yaml` nothing else includes. Patches are not applied: the model
//! needs names, namespaces and keys, which patches rarely change.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::Tree;
use crate::source::yaml::Node;

/// A `kustomization.yaml`, with paths resolved against the repository root.
#[derive(Clone, Debug, Default)]
pub struct Kustomization {
    pub namespace: Option<String>,
    /// `resources` and `components` entries that stay inside the tree (remote URLs dropped).
    pub includes: Vec<String>,
    /// Patch files and generator inputs: read by kustomize, never deployed as they are.
    pub inputs: Vec<String>,
}

impl Kustomization {
    pub fn from_node(root: &Node, dir: &str) -> Kustomization {
        let mut includes = Vec::new();
        for section in ["resources", "components", "bases"] {
            for item in root.get(section).and_then(Node::as_seq).unwrap_or(&[]) {
                let Some(p) = item.as_str() else { continue };
                if p.contains("://") || p.starts_with("github.com/") {
                    continue;
                }
                if let Some(rel) = super::join(dir, p) {
                    includes.push(rel);
                }
            }
        }
        let mut inputs = Vec::new();
        let mut add = |p: &str| {
            let p = p.rsplit_once('=').map_or(p, |(_, f)| f);
            if let Some(rel) = super::join(dir, p) {
                inputs.push(rel);
            }
        };
        for section in ["patches", "patchesStrategicMerge", "patchesJson6902"] {
            for item in root.get(section).and_then(Node::as_seq).unwrap_or(&[]) {
                match (item.as_str(), item.get_str("path")) {
                    (Some(p), _) | (None, Some(p)) => add(p),
                    _ => {}
                }
            }
        }
        for section in ["configMapGenerator", "secretGenerator"] {
            for g in root.get(section).and_then(Node::as_seq).unwrap_or(&[]) {
                for key in ["files", "envs"] {
                    for f in g.get(key).and_then(Node::as_seq).unwrap_or(&[]).iter().filter_map(Node::as_str) {
                        add(f);
                    }
                }
            }
        }
        Kustomization { namespace: root.get_str("namespace").map(str::to_string), includes, inputs }
    }
}

/// Something that deploys a folder: a Flux Kustomization's `spec.path`, an Argo CD path source.
#[derive(Clone, Debug)]
pub struct Entry {
    pub dir: String,
    /// Flux `targetNamespace` (overrides every object's namespace) or Argo's destination
    /// namespace (a default for objects without one).
    pub namespace: Option<String>,
    /// Whether `namespace` overrides the objects' own (Flux) or only fills it in (Argo CD).
    pub force_namespace: bool,
    pub env: Option<String>,
    pub vars: Arc<BTreeMap<String, String>>,
    /// Flux `spec.components`, relative to `dir`.
    pub components: Vec<String>,
    /// Argo CD's plain-directory options; `None` for Flux (every manifest, recursively).
    pub filter: Option<DirFilter>,
}

/// Argo CD `source.directory`: recurse into subfolders or not (the default), and which files.
#[derive(Clone, Debug, Default)]
pub struct DirFilter {
    pub recurse: bool,
    pub include: Option<globset::GlobMatcher>,
    pub exclude: Option<globset::GlobMatcher>,
}

impl DirFilter {
    fn takes(&self, rel: &str) -> bool {
        self.include.as_ref().is_none_or(|g| g.is_match(rel)) && !self.exclude.as_ref().is_some_and(|g| g.is_match(rel))
    }
}

/// One way a file is deployed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub namespace: Option<String>,
    /// The namespace overrides what the object says (Kustomize `namespace:`, Flux
    /// `targetNamespace`); otherwise it only fills in a missing one.
    pub forced: bool,
    pub env: Option<String>,
    pub vars: Arc<BTreeMap<String, String>>,
}

/// Placements per file; files nothing reaches have none.
#[derive(Debug, Default)]
pub struct Placement {
    map: BTreeMap<String, Vec<Placed>>,
    /// For files that only alternative installs reach (top-level kustomizations no GitOps entry
    /// deploys, such as kubeflow's `installs/katib-standalone` beside `installs/katib-external-db`):
    /// the installs that include them. Two such files are deployed together only when one
    /// install includes both.
    installs: BTreeMap<String, BTreeSet<String>>,
}

/// Marks a file some GitOps entry deploys: it is there whatever else is installed.
const DEPLOYED: &str = "";

/// Key of a kustomization (by folder) in [`Placement::installs`], apart from file paths.
fn kustomization_key(dir: &str) -> String {
    format!("{dir}\0kustomization")
}

impl Placement {
    pub fn of(&self, rel: &str) -> &[Placed] {
        self.map.get(rel).map_or(&[], Vec::as_slice)
    }

    /// The alternative installs that reach `rel`; `None` when an entry deploys it or nothing
    /// decides (it may be deployed with anything).
    pub fn installs_of(&self, rel: &str) -> Option<Arc<BTreeSet<String>>> {
        // A kustomization's own generators go wherever the kustomization goes.
        let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        let key = match name.to_ascii_lowercase().as_str() {
            "kustomization.yaml" | "kustomization.yml" | "kustomization" => kustomization_key(dir),
            _ => rel.to_string(),
        };
        self.installs.get(&key).filter(|s| !s.contains(DEPLOYED)).map(|s| Arc::new(s.clone()))
    }

    fn reach(&mut self, key: String, install: &str) {
        self.installs.entry(key).or_default().insert(install.to_string());
    }

    fn add(&mut self, rel: &str, p: Placed, install: &str) {
        self.reach(rel.to_string(), install);
        let list = self.map.entry(rel.to_string()).or_default();
        if !list.contains(&p) {
            list.push(p);
        }
    }
}

/// Deepest include chain followed; deeper (or cyclic) trees are cut off.
const MAX_DEPTH: usize = 32;

pub fn place(entries: &[Entry], kustomizations: &BTreeMap<String, Kustomization>, tree: &Tree<'_>) -> Placement {
    let mut out = Placement::default();
    for e in entries {
        let start = Placed {
            namespace: e.namespace.clone(),
            forced: e.force_namespace && e.namespace.is_some(),
            env: e.env.clone(),
            vars: e.vars.clone(),
        };
        let mut v = Visit {
            ks: kustomizations,
            tree,
            out: &mut out,
            filter: e.filter.as_ref(),
            root: &e.dir,
            install: DEPLOYED,
        };
        v.visit(&e.dir, &start, 0, &mut BTreeSet::new());
        for c in &e.components {
            if let Some(dir) = super::join(&e.dir, c) {
                v.visit(&dir, &start, 0, &mut BTreeSet::new());
            }
        }
    }
    // Top-level kustomizations that no entry and no other kustomization reaches deploy on their
    // own (`kubectl apply -k`), with their own namespace.
    let included: BTreeSet<&str> =
        kustomizations.values().flat_map(|k| k.includes.iter().map(String::as_str)).collect();
    for (dir, _) in kustomizations.iter().filter(|(d, _)| !included.contains(d.as_str())) {
        // The files under `dir` are one run of the sorted set.
        let prefix = super::dir_key(dir);
        let reached = tree
            .files
            .range::<String, _>(&prefix..)
            .take_while(|f| f.starts_with(&prefix))
            .any(|f| !out.of(f).is_empty());
        if reached {
            continue;
        }
        let env = tree.infer_env(crate::env::env_of(tree.config, &format!("{dir}/kustomization.yaml")).as_deref(), &[]);
        let start = Placed { namespace: None, forced: false, env, vars: Arc::default() };
        let mut v = Visit { ks: kustomizations, tree, out: &mut out, filter: None, root: dir, install: dir };
        v.visit(dir, &start, 0, &mut BTreeSet::new());
    }
    out
}

struct Visit<'v, 't> {
    ks: &'v BTreeMap<String, Kustomization>,
    tree: &'v Tree<'t>,
    out: &'v mut Placement,
    /// Argo CD's directory options, for a plain folder entry.
    filter: Option<&'v DirFilter>,
    root: &'v str,
    /// The alternative install being walked, or [`DEPLOYED`] for a GitOps entry.
    install: &'v str,
}

impl Visit<'_, '_> {
    fn visit(&mut self, path: &str, at: &Placed, depth: usize, seen: &mut BTreeSet<String>) {
        if depth > MAX_DEPTH || !seen.insert(path.to_string()) {
            return;
        }
        if self.tree.has_file(path) {
            self.out.add(path, at.clone(), self.install);
            return;
        }
        if let Some(k) = self.ks.get(path) {
            self.out.reach(kustomization_key(path), self.install);
            let here = match (&k.namespace, at.forced) {
                (Some(ns), false) => Placed { namespace: Some(ns.clone()), forced: true, ..at.clone() },
                _ => at.clone(),
            };
            // Below a kustomization, its own resources decide; the directory filter no longer applies.
            let filter = self.filter.take();
            for inc in &k.includes {
                self.visit(inc, &here, depth + 1, seen);
            }
            self.filter = filter;
            return;
        }
        // A folder without a kustomization.yaml: its manifests (Flux: and every folder below, as
        // the kustomization Flux generates; Argo CD: as `directory` says).
        let key = super::dir_key(path);
        let root = super::dir_key(self.root);
        let mut subdirs = BTreeSet::new();
        for f in self.tree.files.range(key.clone()..).take_while(|f| f.starts_with(&key)) {
            let rest = &f[key.len()..];
            match rest.split_once('/') {
                Some((sub, _)) => {
                    subdirs.insert(format!("{key}{sub}"));
                }
                None if is_manifest_name(rest) => {
                    let rel = f.strip_prefix(&root).unwrap_or(f);
                    if self.filter.is_none_or(|flt| flt.takes(rel)) {
                        self.out.add(f, at.clone(), self.install);
                    }
                }
                None => {}
            }
        }
        if self.filter.is_some_and(|flt| !flt.recurse) {
            return;
        }
        for sub in subdirs {
            self.visit(&sub, at, depth + 1, seen);
        }
    }
}

fn is_manifest_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json"))
        && !lower.starts_with("kustomization.")
        && !lower.starts_with("values")
        && lower != "chart.yaml"
}

/// Applies Flux `postBuild.substitute` variables: `${VAR}`, `${VAR:=default}`, `${VAR:-default}`;
/// an unknown variable without a default is left as written.
pub fn substitute(text: &str, vars: &BTreeMap<String, String>) -> String {
    if !text.contains("${") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let inner = &after[..end];
        let (name, default) = match inner.find(":=").or_else(|| inner.find(":-")) {
            Some(j) => (&inner[..j], Some(&inner[j + 2..])),
            None => (inner, None),
        };
        match (vars.get(name), default) {
            (Some(v), _) => out.push_str(v),
            (None, Some(d)) => out.push_str(d),
            (None, None) => out.push_str(&rest[i..i + 2 + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gitops::testing::Repo;

    #[test]
    fn flux_target_namespace_and_kustomize_namespace() {
        let repo = Repo::new(&[
            (
                "clusters/main/apps.yaml",
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app}\nspec:\n  path: ./apps/app\n  targetNamespace: media\n  postBuild:\n    substitute: {APP: radarr}\n  components: [../../components/volsync]\n",
            ),
            ("apps/app/kustomization.yaml", "resources: [./es.yaml]\n"),
            ("apps/app/es.yaml", "kind: ExternalSecret\n"),
            ("components/volsync/kustomization.yaml", "kind: Component\nresources: [./secret.yaml]\n"),
            ("components/volsync/secret.yaml", "kind: Secret\n"),
            ("standalone/kustomization.yaml", "namespace: tools\nresources: [deploy.yaml]\n"),
            ("standalone/deploy.yaml", "kind: Deployment\n"),
        ]);
        let d = repo.discover();
        let es = d.placement.of("apps/app/es.yaml");
        assert_eq!(es.len(), 1);
        assert_eq!((es[0].namespace.as_deref(), es[0].forced), (Some("media"), true));
        assert_eq!(es[0].vars.get("APP").map(String::as_str), Some("radarr"));
        assert_eq!(d.placement.of("components/volsync/secret.yaml")[0].namespace.as_deref(), Some("media"));
        let s = d.placement.of("standalone/deploy.yaml");
        assert_eq!((s[0].namespace.as_deref(), s[0].forced), (Some("tools"), true));
    }

    #[test]
    fn substitution() {
        let vars: BTreeMap<String, String> = [("APP".to_string(), "radarr".to_string())].into();
        assert_eq!(substitute("${APP}-secret", &vars), "radarr-secret");
        assert_eq!(substitute("${MISSING:=x}-${APP}", &vars), "x-radarr");
        assert_eq!(substitute("${MISSING}", &vars), "${MISSING}");
        assert_eq!(substitute("plain", &vars), "plain");
    }
}
