//! Differential cases: each template in `testdata/helm_conformance.jsonl` was rendered by the
//! real Helm v4.3.1 (as the NOTES.txt of `helm install --dry-run=client -o json`, whose
//! `info.notes` holds the exact bytes); here the same template goes through our engine and
//! function library. Cases whose Go output is not reproducible (random values, `now`, fresh
//! keys) are not in the file. For failing templates only the function's own message (the text
//! after `error calling NAME: `) is compared. A case with a `values` field renders with those
//! values (a values.yaml) as `.Values`.
//!
//! To add cases, write templates to a file, separated by `----` lines, and append the output of
//! `HELM=… testdata/render_with_helm.py FILE [values.yaml]` to the data file (a helm v4.3.1
//! binary: see the Helm conformance README in the shared folder).

use super::super::template::{FuncTable, Templates};
use super::super::value::Value;
use super::FuncEnv;
use super::yaml::parse_yaml;

/// Helm's values coalescing deletes keys whose value is null; the chart layer does that for
/// real renders, this stands in for it here.
fn drop_nulls(v: Value) -> Value {
    match v {
        Value::Map(m) => {
            let kept = m
                .borrow()
                .iter()
                .filter(|(_, x)| !matches!(x, Value::Nil))
                .map(|(k, x)| (k.clone(), drop_nulls(x.clone())))
                .collect();
            Value::map(kept)
        }
        other => other,
    }
}

#[test]
fn helm_rendered_templates_match() {
    let data = include_str!("testdata/helm_conformance.jsonl");
    let mut failures = Vec::new();
    let mut total = 0;
    for line in data.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let Ok(case) = serde_json::from_str::<serde_json::Value>(line) else {
            failures.push(format!("unreadable case: {line}"));
            continue;
        };
        let tpl = case["tpl"].as_str().unwrap_or_default();
        total += 1;
        let mut t = Templates::new(FuncTable::helm());
        let name = "c/templates/NOTES.txt";
        // Cases with "values" see them as `.Values`, loaded the way Helm loads values.yaml.
        let mut dot = std::collections::BTreeMap::new();
        if let Some(values) = case.get("values").and_then(|v| v.as_str()) {
            match parse_yaml(values) {
                Ok(v) => dot.insert("Values".to_string(), drop_nulls(v)),
                Err(e) => {
                    failures.push(format!("{tpl}: bad values: {e}"));
                    continue;
                }
            };
        }
        let got = t
            .add(name, tpl)
            .and_then(|()| t.execute(name, &Value::map(dot), &mut FuncEnv::default()))
            .map(|r| r.text)
            .map_err(|e| e.message);
        match (&got, case.get("out").and_then(|v| v.as_str()), case.get("err").and_then(|v| v.as_str())) {
            (Ok(text), Some(want), _) if text == want => {}
            (Err(msg), _, Some(want)) if msg.ends_with(want) => {}
            (got, want_out, want_err) => failures.push(format!(
                "{tpl}\n    want: {:?}\n    got:  {got:?}",
                want_out.map(str::to_string).or(want_err.map(|e| format!("ERR …{e}")))
            )),
        }
    }
    assert!(failures.is_empty(), "{} of {total} cases differ:\n{}", failures.len(), failures.join("\n"));
}
