//! `secretgate graph`: one environment's secret graph — per namespace, each Secret with its
//! producers, the Vault keys they read, and its consumers — as text, Graphviz DOT, Mermaid or
//! JSON. Unresolved edges (a Secret nobody produces, a Vault key nothing seeds) are marked, so a
//! user can see why a finding fired.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::model::facts::{Keys, RefFrom, templated};
use crate::model::fixtures::normalize_key as vault_key;
use crate::model::graph::Backend;
use crate::model::{EnvModel, PlacedObject};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Text,
    Dot,
    Mermaid,
    Json,
}

/// One Secret of one namespace.
#[derive(Debug, Default, Serialize)]
pub struct SecretNode {
    pub namespace: String,
    pub name: String,
    pub producers: Vec<ProducerEdge>,
    pub consumers: Vec<ConsumerEdge>,
}

#[derive(Debug, Serialize)]
pub struct ProducerEdge {
    pub kind: String,
    pub by: String,
    pub at: String,
    /// Keys the Secret gets (`None`: decided at run time).
    pub keys: Option<Vec<String>>,
    pub vault: Vec<VaultEdge>,
}

#[derive(Debug, Serialize)]
pub struct VaultEdge {
    pub key: String,
    pub property: Option<String>,
    /// `generated`, `required`, `placeholder`, `literal` (fixture classes), `written` (a declared
    /// writer), `missing` (nothing seeds it), `external` (not a Vault store).
    pub status: String,
}

#[derive(Debug, Serialize)]
pub struct ConsumerEdge {
    pub by: String,
    pub via: String,
    pub key: Option<String>,
    pub at: String,
    pub optional: bool,
}

impl SecretNode {
    pub fn resolved(&self) -> bool {
        !self.producers.is_empty()
    }
}

/// The secret graph of `env`, by namespace then name.
pub fn build(env: &EnvModel) -> Vec<SecretNode> {
    let mut nodes: BTreeMap<(String, String), SecretNode> = BTreeMap::new();
    let writers = env.writers();
    let node = |nodes: &mut BTreeMap<(String, String), SecretNode>, ns: &str, name: &str| -> (String, String) {
        let key = (ns.to_string(), name.to_string());
        nodes.entry(key.clone()).or_insert_with(|| SecretNode {
            namespace: ns.to_string(),
            name: name.to_string(),
            ..SecretNode::default()
        });
        key
    };
    for o in &env.objects {
        for p in &o.facts.producers {
            let key = node(&mut nodes, o.ns_label(), &p.secret.text);
            let vault = vault_edges(env, o, &writers);
            let keys = match &p.keys {
                Keys::Known(k) => Some(k.clone()),
                Keys::Open => None,
            };
            if let Some(n) = nodes.get_mut(&key) {
                n.producers.push(ProducerEdge {
                    kind: p.kind.as_str().to_string(),
                    by: p.by.clone(),
                    at: p.secret.loc.describe(),
                    keys,
                    vault,
                });
            }
        }
    }
    for o in &env.objects {
        for c in o.facts.consumers.iter().filter(|c| !templated(&c.secret.text)) {
            // Attach to the producer's node when one resolves (a consumer in an unknown namespace
            // joins the Secret it reaches), else to an unresolved node of its own namespace.
            let ns = env
                .producers_of(o.namespace.as_deref(), &c.secret.text)
                .next()
                .map_or_else(|| o.ns_label().to_string(), |(p, _)| p.ns_label().to_string());
            let key = node(&mut nodes, &ns, &c.secret.text);
            if let Some(n) = nodes.get_mut(&key) {
                n.consumers.push(ConsumerEdge {
                    by: c.by.clone(),
                    via: c.via.as_str().to_string(),
                    key: c.key.as_ref().map(|k| k.text.clone()),
                    at: c.secret.loc.describe(),
                    optional: c.optional,
                });
            }
        }
    }
    nodes.into_values().collect()
}

fn vault_edges(env: &EnvModel, o: &PlacedObject, writers: &std::collections::BTreeSet<String>) -> Vec<VaultEdge> {
    let Some(es) = &o.facts.external_secret else { return Vec::new() };
    let fixture_mount = env.fixture_mount(o, es);
    let external = matches!(env.backend(o, es), Backend::Other);
    es.refs
        .iter()
        .map(|r| {
            let key = match &fixture_mount {
                Some(m) => vault_key(&r.key.text, m),
                None => r.key.text.clone(),
            };
            let status = if external || r.from == RefFrom::Find {
                "external".to_string()
            } else if let Some(e) = env.fixture(&key) {
                e.class.as_str().to_string()
            } else if writers.contains(&key) {
                "written".to_string()
            } else if env.has_fixtures() && fixture_mount.is_some() {
                "missing".to_string()
            } else {
                "external".to_string()
            };
            VaultEdge { key, property: r.property.as_ref().map(|p| p.text.clone()), status }
        })
        .collect()
}

pub fn write(env: &EnvModel, format: GraphFormat, out: &mut dyn Write) -> io::Result<()> {
    let nodes = build(env);
    match format {
        GraphFormat::Text => text(env, &nodes, out),
        GraphFormat::Dot => dot(env, &nodes, out),
        GraphFormat::Mermaid => mermaid(env, &nodes, out),
        GraphFormat::Json => {
            let v = serde_json::json!({"environment": env.label(), "secrets": nodes});
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)
        }
    }
}

fn vault_label(v: &VaultEdge) -> String {
    match &v.property {
        Some(p) => format!("{}#{p}", v.key),
        None => v.key.clone(),
    }
}

fn text(env: &EnvModel, nodes: &[SecretNode], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "environment {}", env.label())?;
    let mut ns = None;
    for n in nodes {
        if ns != Some(&n.namespace) {
            writeln!(out, "\nnamespace {}", n.namespace)?;
            ns = Some(&n.namespace);
        }
        let mark = if n.resolved() { "" } else { "  ✗ nothing produces it" };
        writeln!(out, "  Secret {}{mark}", n.name)?;
        for p in &n.producers {
            let keys = match &p.keys {
                Some(k) if !k.is_empty() => format!(" keys: {}", k.join(", ")),
                Some(_) => String::new(),
                None => " keys: (at run time)".into(),
            };
            writeln!(out, "    ← {} ({}){keys}", p.by, p.at)?;
            for v in &p.vault {
                let mark = if v.status == "missing" { "  ✗" } else { "" };
                writeln!(out, "        vault {} [{}]{mark}", vault_label(v), v.status)?;
            }
        }
        for c in &n.consumers {
            let key = c.key.as_deref().map_or_else(String::new, |k| format!(" key {k}"));
            let optional = if c.optional { " (optional)" } else { "" };
            writeln!(out, "    → {} via {}{key}{optional} ({})", c.by, c.via, c.at)?;
        }
    }
    if nodes.is_empty() {
        writeln!(out, "\n(no Secrets produced or consumed)")?;
    }
    Ok(())
}

/// Node identifiers for DOT and Mermaid: stable, from the position in the graph.
struct Ids {
    secret: Vec<String>,
}

impl Ids {
    fn new(nodes: &[SecretNode]) -> Ids {
        Ids { secret: (0..nodes.len()).map(|i| format!("s{i}")).collect() }
    }
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn dot(env: &EnvModel, nodes: &[SecretNode], out: &mut dyn Write) -> io::Result<()> {
    let ids = Ids::new(nodes);
    writeln!(out, "digraph \"secrets-{}\" {{", dot_escape(env.label()))?;
    writeln!(out, "  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];")?;
    let mut by_ns: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        by_ns.entry(&n.namespace).or_default().push(i);
    }
    let mut other = 0usize;
    for (c, (ns, list)) in by_ns.iter().enumerate() {
        writeln!(out, "  subgraph cluster_{c} {{\n    label=\"namespace {}\";", dot_escape(ns))?;
        for &i in list {
            let n = &nodes[i];
            let style = if n.resolved() { "shape=box" } else { "shape=box, style=dashed, color=red" };
            writeln!(out, "    {} [label=\"Secret {}\", {style}];", ids.secret[i], dot_escape(&n.name))?;
        }
        writeln!(out, "  }}")?;
    }
    for (i, n) in nodes.iter().enumerate() {
        for p in &n.producers {
            other += 1;
            let pid = format!("p{other}");
            writeln!(out, "  {pid} [label=\"{}\", shape=ellipse];", dot_escape(&p.by))?;
            writeln!(out, "  {pid} -> {};", ids.secret[i])?;
            for v in &p.vault {
                other += 1;
                let style = if v.status == "missing" { ", style=dashed, color=red" } else { "" };
                writeln!(
                    out,
                    "  v{other} [label=\"vault {} [{}]\", shape=cylinder{style}];",
                    dot_escape(&vault_label(v)),
                    v.status
                )?;
                writeln!(out, "  v{other} -> {pid};")?;
            }
        }
        for c in &n.consumers {
            other += 1;
            let style = if n.resolved() { "" } else { ", style=dashed, color=red" };
            writeln!(out, "  c{other} [label=\"{}\", shape=component];", dot_escape(&c.by))?;
            let key = c.key.as_deref().map_or_else(String::new, |k| format!(" {k}"));
            writeln!(out, "  {} -> c{other} [label=\"{}{}\"{style}];", ids.secret[i], c.via, dot_escape(&key))?;
        }
    }
    writeln!(out, "}}")
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
}

fn mermaid(env: &EnvModel, nodes: &[SecretNode], out: &mut dyn Write) -> io::Result<()> {
    let ids = Ids::new(nodes);
    writeln!(out, "%% secret graph of environment {}", env.label())?;
    writeln!(out, "flowchart LR")?;
    let mut by_ns: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        by_ns.entry(&n.namespace).or_default().push(i);
    }
    for (c, (ns, list)) in by_ns.iter().enumerate() {
        writeln!(out, "  subgraph ns{c}[\"namespace {}\"]", mermaid_text(ns))?;
        for &i in list {
            writeln!(out, "    {}[\"Secret {}\"]", ids.secret[i], mermaid_text(&nodes[i].name))?;
        }
        writeln!(out, "  end")?;
    }
    let mut other = 0usize;
    let mut unresolved = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        if !n.resolved() {
            unresolved.push(ids.secret[i].clone());
        }
        for p in &n.producers {
            other += 1;
            let pid = format!("p{other}");
            writeln!(out, "  {pid}([\"{}\"]) --> {}", mermaid_text(&p.by), ids.secret[i])?;
            for v in &p.vault {
                other += 1;
                let vid = format!("v{other}");
                writeln!(out, "  {vid}[(\"vault {} [{}]\")] --> {pid}", mermaid_text(&vault_label(v)), v.status)?;
                if v.status == "missing" {
                    unresolved.push(vid);
                }
            }
        }
        for c in &n.consumers {
            other += 1;
            let key = c.key.as_deref().map_or_else(String::new, |k| format!(" {k}"));
            let arrow = if n.resolved() { "-->" } else { "-.->" };
            writeln!(
                out,
                "  {} {arrow}|\"{}{}\"| c{other}[\"{}\"]",
                ids.secret[i],
                c.via,
                mermaid_text(&key),
                mermaid_text(&c.by)
            )?;
        }
    }
    if !unresolved.is_empty() {
        writeln!(out, "  classDef unresolved stroke:#d00,stroke-dasharray:4 3")?;
        writeln!(out, "  class {} unresolved", unresolved.join(","))?;
    }
    Ok(())
}
