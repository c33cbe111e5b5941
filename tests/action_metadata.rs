//! `action.yml` metadata (which actionlint does not lint) and the workflows: well-formed YAML, a
//! composite action with the documented inputs, and every `uses:` pinned by a full commit SHA.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use secretgate::source::yaml::{Node, Value, load_str};

fn root(path: &str) -> Node {
    let text = std::fs::read_to_string(path).unwrap();
    let loaded = load_str(&text);
    assert!(loaded.error.is_none(), "{path}: {:?}", loaded.error);
    assert_eq!(loaded.documents.len(), 1, "{path}: one document");
    loaded.documents.into_iter().next().unwrap().root
}

/// Every `uses:` value anywhere in the tree.
fn uses(node: &Node, out: &mut Vec<String>) {
    match &node.value {
        Value::Map(entries) => {
            for e in entries {
                if e.key.as_str() == Some("uses") {
                    out.push(e.value.as_str().unwrap().to_string());
                }
                uses(&e.value, out);
            }
        }
        Value::Seq(items) => items.iter().for_each(|n| uses(n, out)),
        Value::Scalar(_) => {}
    }
}

fn assert_pinned(path: &str, node: &Node) -> usize {
    let mut all = Vec::new();
    uses(node, &mut all);
    for u in &all {
        if u.starts_with("./") {
            continue; // this repository's own action, at the checked-out commit
        }
        let (_, rev) = u.split_once('@').unwrap_or_else(|| panic!("{path}: `{u}` has no ref"));
        assert!(
            rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
            "{path}: `{u}` is not pinned by a full commit SHA"
        );
    }
    all.len()
}

#[test]
fn action_is_composite_with_documented_inputs_and_pinned_actions() {
    let action = root("action.yml");
    assert_eq!(action.at(&["runs", "using"]).and_then(Node::as_str), Some("composite"));
    for key in ["name", "description"] {
        assert!(action.get_str(key).is_some_and(|s| !s.is_empty()), "action.yml needs `{key}`");
    }
    let inputs = action.get("inputs").and_then(Node::as_map).unwrap();
    let defaults: Vec<(&str, Option<&str>)> =
        inputs.iter().map(|e| (e.key.as_str().unwrap(), e.value.get_str("default"))).collect();
    assert_eq!(
        defaults,
        [
            ("paths", Some(".")),
            ("config", Some("")),
            ("fail-on", Some("error")),
            ("format", Some("sarif")),
            ("sarif-file", Some("secretgate.sarif")),
            ("upload-sarif", Some("true")),
            ("version", Some("")),
        ]
    );
    for e in inputs {
        assert!(e.value.get_str("description").is_some(), "input {:?} needs a description", e.key.as_str());
    }
    let steps = action.at(&["runs", "steps"]).and_then(Node::as_seq).unwrap();
    for step in steps {
        assert!(step.get("uses").is_some() || step.get_str("shell").is_some(), "a composite run step needs `shell`");
    }
    assert_eq!(assert_pinned("action.yml", &action), 1, "one action used: upload-sarif");
    let upload = steps.iter().find(|s| s.get("uses").is_some()).unwrap();
    assert!(upload.get_str("uses").unwrap().starts_with("github/codeql-action/upload-sarif@"));
    assert_eq!(upload.at(&["with", "category"]).and_then(Node::as_str), Some("secretgate"));
    assert!(upload.get_str("if").unwrap().starts_with("always()"), "SARIF is uploaded even when findings fail");
    let last = steps.last().unwrap();
    assert_eq!(last.get_str("if"), Some("always()"), "the exit code is propagated last");
}

#[test]
fn workflows_and_hooks_are_well_formed_and_pinned() {
    let mut seen = 0;
    for entry in std::fs::read_dir(".github/workflows").unwrap() {
        let path = entry.unwrap().path();
        let path = path.to_str().unwrap();
        let wf = root(path);
        assert!(wf.get("jobs").and_then(Node::as_map).is_some_and(|j| !j.is_empty()), "{path}: jobs");
        assert!(wf.get("permissions").is_some(), "{path}: explicit top-level permissions");
        assert_pinned(path, &wf);
        seen += 1;
    }
    assert_eq!(seen, 3, "ci, action and release workflows");
    let hooks = root(".pre-commit-hooks.yaml");
    let hook = &hooks.as_seq().unwrap()[0];
    assert_eq!(hook.get_str("id"), Some("secretgate"));
    assert_eq!(hook.get_str("language"), Some("rust"));
    assert_eq!(hook.get_str("entry"), Some("secretgate check --staged"));
    assert_eq!(hook.get("pass_filenames").and_then(Node::as_scalar).and_then(|s| s.as_bool()), Some(false));
    assert_eq!(hook.get("always_run").and_then(Node::as_scalar).and_then(|s| s.as_bool()), Some(true));
}
