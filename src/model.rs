//! Typed views over parsed documents: Kubernetes objects and the few shapes the rules care about.

use crate::source::yaml::Node;

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
