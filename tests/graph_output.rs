//! `secretgate graph` output is well-formed for every environment of the GitOps test repo, and
//! marks unresolved edges. (Byte-exact outputs are the CLI cases under `testdata/cli/graph-*`.)

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeSet;
use std::path::Path;

use secretgate::app::{CheckOptions, Stage, analyze};
use secretgate::report::graph::{self, GraphFormat};

fn outputs(format: GraphFormat) -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/gitops-repo");
    let a = analyze(&CheckOptions { paths: vec![path], ..Default::default() }, Stage::Model).unwrap();
    a.model
        .envs
        .iter()
        .map(|env| {
            let mut out = Vec::new();
            graph::write(env, format, &mut out).unwrap();
            (env.label().to_string(), String::from_utf8(out).unwrap())
        })
        .collect()
}

fn ident(s: &str) -> String {
    s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

#[test]
fn dot_edges_join_declared_nodes() {
    for (env, dot) in outputs(GraphFormat::Dot) {
        assert_eq!(dot.matches('{').count(), dot.matches('}').count(), "{env}: unbalanced braces");
        let mut declared = BTreeSet::new();
        let mut edges = Vec::new();
        for line in dot.lines().map(str::trim) {
            if let Some((a, rest)) = line.split_once(" -> ") {
                edges.push((ident(a), ident(rest)));
            } else if line.contains(" [label=") {
                declared.insert(ident(line));
            }
        }
        assert!(!edges.is_empty(), "{env}: no edges");
        for (a, b) in &edges {
            assert!(declared.contains(a) && declared.contains(b), "{env}: edge {a} -> {b} joins an undeclared node");
        }
    }
    let (_, production) = outputs(GraphFormat::Dot).into_iter().find(|(e, _)| e == "production").unwrap();
    let line = production.lines().find(|l| l.contains("Secret platform-db-credentials-prod")).unwrap();
    assert!(line.contains("style=dashed") && line.contains("color=red"), "unresolved Secret not marked: {line}");
}

#[test]
fn mermaid_edges_join_declared_nodes() {
    for (env, text) in outputs(GraphFormat::Mermaid) {
        assert!(text.lines().nth(1) == Some("flowchart LR"), "{env}");
        assert_eq!(text.matches("subgraph").count(), text.lines().filter(|l| l.trim() == "end").count());
        let mut declared = BTreeSet::new();
        for line in text.lines().map(str::trim) {
            // Every `id[...]`, `id([...])`, `id[(...)]` declares a node, inline in edges too.
            for (i, _) in line.match_indices('[') {
                let start = line[..i].rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '(')).map_or(0, |j| j + 1);
                let id = ident(&line[start..i]);
                if !id.is_empty() && !line[..start].ends_with('|') {
                    declared.insert(id);
                }
            }
        }
        for line in text.lines().map(str::trim).filter(|l| l.contains("-->") || l.contains("-.->")) {
            let first = ident(line);
            assert!(declared.contains(&first), "{env}: `{first}` used before it is declared: {line}");
        }
    }
    let (_, production) = outputs(GraphFormat::Mermaid).into_iter().find(|(e, _)| e == "production").unwrap();
    assert!(production.contains("-.->"), "unresolved consumer edge not dashed");
    assert!(production.contains("class ") && production.contains(" unresolved"));
}

#[test]
fn json_lists_missing_vault_keys_and_unresolved_secrets() {
    let (_, json) = outputs(GraphFormat::Json).into_iter().find(|(e, _)| e == "staging").unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let secrets = v["secrets"].as_array().unwrap();
    let auth = secrets.iter().find(|s| s["name"] == "platform-auth").unwrap();
    let statuses: Vec<&str> =
        auth["producers"][0]["vault"].as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"missing"), "{statuses:?}");
    assert!(
        secrets
            .iter()
            .all(|s| !s["producers"].as_array().unwrap().is_empty() || !s["consumers"].as_array().unwrap().is_empty())
    );
}
