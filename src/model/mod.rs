//! The repository model: typed views over parsed documents (Kubernetes objects and the shapes
//! rules care about), the secret-relevant facts of each object, the fixture map, and the
//! per-environment graph of who produces and who consumes each Secret.

pub mod facts;
pub mod fixtures;
pub mod graph;

use std::sync::Arc;

use crate::config::Config;
use crate::discover::FileClass;
use crate::gitops::{Decl, DeclKind};
use crate::source::SourceFile;
use crate::source::yaml::{Document, Node};

pub use graph::{EnvModel, Model, PlacedObject};

/// What one scanned file contributes to the repository model.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct RawFile {
    #[serde(with = "crate::cache::file_ref")]
    pub file: Arc<SourceFile>,
    pub class: FileClass,
    /// The file's environment from its path (`None`: shared).
    pub env: Option<String>,
    pub decls: Vec<Decl>,
    pub facts: Vec<facts::ObjectFacts>,
    pub fixtures: Option<fixtures::FixtureLayer>,
    /// `vaultKey:` values: keys something other than the bootstrap writes to Vault.
    pub vault_keys: Vec<facts::Named>,
    /// Indices of the documents to extract again under Flux `postBuild` variables (those with
    /// facts, when the file uses `${…}`). Only indices: the file is parsed again in the rare
    /// case a Flux Kustomization substitutes into it, rather than every tree kept in memory.
    pub templated: Vec<usize>,
}

impl RawFile {
    pub fn read(file: &Arc<SourceFile>, class: FileClass, docs: &[Document], config: &Config) -> Option<RawFile> {
        let env = crate::env::env_of(config, &file.path);
        let mut out = RawFile {
            file: file.clone(),
            class,
            env: env.clone(),
            decls: Vec::new(),
            facts: Vec::new(),
            fixtures: None,
            vault_keys: Vec::new(),
            templated: Vec::new(),
        };
        let vars = Default::default();
        let locator = facts::RawLocator { file, vars: &vars };
        let fixture_path = fixtures::is_fixture_path(&file.path);
        for (index, doc) in docs.iter().enumerate() {
            if let Some(kind) = DeclKind::of(class, &file.path, &doc.root) {
                out.decls.push(Decl { kind, file: file.clone(), root: doc.root.clone(), env: env.clone() });
            }
            let mut found = facts::extract(&doc.root, &locator);
            if class == FileClass::Kustomization {
                found.extend(facts::secret_generators(&doc.root, &locator));
            }
            if !found.is_empty() && file.text.contains("${") {
                out.templated.push(index);
            }
            out.facts.extend(found);
            if doc.root.get("kind").is_none() {
                if fixture_path && out.fixtures.is_none() {
                    out.fixtures = fixtures::read(file, &doc.root, &config.policy);
                }
                collect_vault_keys(file, &doc.root, &mut out.vault_keys);
            }
        }
        let empty = out.decls.is_empty() && out.facts.is_empty() && out.fixtures.is_none() && out.vault_keys.is_empty();
        (!empty).then_some(out)
    }
}

/// `vaultKey: some/key` anywhere in a values document (a Keycloak client patcher writing client
/// secrets, a reconciler writing tokens).
fn collect_vault_keys(file: &Arc<SourceFile>, root: &Node, out: &mut Vec<facts::Named>) {
    let mut path = Vec::new();
    walk(root, &mut path, &mut |_, key, value| {
        if key.and_then(Node::as_str).is_some_and(|k| k == "vaultKey")
            && let Some(text) = value.as_str().filter(|t| !t.is_empty() && !t.contains("{{"))
        {
            out.push(facts::Named {
                text: text.to_string(),
                loc: facts::Loc { file: file.clone(), span: value.span },
                origin: None,
            });
        }
    });
}

/// A Kubernetes-shaped mapping (`kind` + `metadata`). Values files and other YAML have no kind.
#[derive(Clone, Copy, Debug)]
pub struct Object<'a> {
    pub node: &'a Node,
    pub kind: Option<&'a str>,
    pub api_version: Option<&'a str>,
    pub name: Option<&'a str>,
    pub namespace: Option<&'a str>,
}

impl<'a> Object<'a> {
    pub fn new(node: &'a Node) -> Self {
        let meta = node.get("metadata");
        Object {
            node,
            kind: node.get_str("kind"),
            api_version: node.get_str("apiVersion"),
            name: meta.and_then(|m| m.get_str("name")),
            namespace: meta.and_then(|m| m.get_str("namespace")),
        }
    }

    /// The document's objects, with `kind: List` (and `*List`) items flattened.
    pub fn all(root: &'a Node) -> Vec<Object<'a>> {
        let obj = Object::new(root);
        match (obj.kind, root.get("items").and_then(Node::as_seq)) {
            (Some(kind), Some(items)) if kind.ends_with("List") => items.iter().map(Object::new).collect(),
            _ => vec![obj],
        }
    }

    pub fn is(&self, kind: &str) -> bool {
        self.kind == Some(kind)
    }

    /// `Kind/namespace/name`, the identity fingerprints and messages use.
    pub fn identity(&self) -> String {
        format!("{}/{}/{}", self.kind.unwrap_or("-"), self.namespace.unwrap_or("-"), self.name.unwrap_or("-"))
    }

    /// `Kind `name``, for messages.
    pub fn describe(&self) -> String {
        match (self.kind, self.name) {
            (Some(k), Some(n)) => format!("{k} `{n}`"),
            (Some(k), None) => k.to_string(),
            _ => "document".to_string(),
        }
    }
}

/// One step of a key path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// Renders a key path as `a.b[0].c`.
pub fn path_string(path: &[Seg<'_>]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The callback of [`walk`]: `(key path, mapping key if any, value)`.
pub type Visit<'a, 'f> = dyn FnMut(&[Seg<'a>], Option<&'a Node>, &'a Node) + 'f;

/// Walks every node depth-first, calling `f(path, key, value)` for each mapping value and
/// sequence item. The loader bounds nesting, so the recursion is bounded too.
pub fn walk<'a>(node: &'a Node, path: &mut Vec<Seg<'a>>, f: &mut Visit<'a, '_>) {
    use crate::source::yaml::Value;
    match &node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                f(path, None, item);
                walk(item, path, f);
                path.pop();
            }
        }
        Value::Map(entries) => {
            for e in entries {
                path.push(Seg::Key(e.key.as_str().unwrap_or("?")));
                f(path, Some(&e.key), &e.value);
                walk(&e.value, path, f);
                path.pop();
            }
        }
    }
}
