//! Which templates keep a generated value across renders: a template that calls `lookup`
//! itself, or includes a named template (`include`/`template`) that does — directly or through
//! other named templates, in any file of the chart or its subcharts (Bitnami's
//! `common.secrets.passwords.manage`, `common.secrets.lookup`).

use std::collections::{BTreeMap, BTreeSet};

use super::chart::Chart;

/// Template files (relative to the root chart folder, as [`Chart::template_origin`] names them)
/// that call `lookup`, directly or through named templates.
pub fn templates_keeping_values(chart: &Chart) -> BTreeSet<String> {
    let mut files: Vec<(Option<String>, String)> = Vec::new();
    collect(chart, &mut files);
    // Named template → its body (up to the next `define`: an over-approximation that only ever
    // adds calls, which errs towards "keeps the value").
    let mut defines: BTreeMap<String, String> = BTreeMap::new();
    for (_, text) in &files {
        let mut rest = text.as_str();
        while let Some(i) = rest.find("define \"") {
            let after = &rest[i + 8..];
            let Some(end) = after.find('"') else { break };
            let name = after[..end].to_string();
            let body_end = after[end..].find("define \"").map_or(after.len(), |j| end + j);
            defines.entry(name).or_default().push_str(&after[end..body_end]);
            rest = &after[end..];
        }
    }
    // Fixed point: a define keeps values when it looks up or includes one that does.
    let mut keeping: BTreeSet<String> =
        defines.iter().filter(|(_, body)| calls_lookup(body)).map(|(n, _)| n.clone()).collect();
    loop {
        let more: Vec<String> = defines
            .iter()
            .filter(|(n, body)| !keeping.contains(*n) && includes_any(body, &keeping))
            .map(|(n, _)| n.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        keeping.extend(more);
    }
    files
        .into_iter()
        .filter_map(|(origin, text)| (calls_lookup(&text) || includes_any(&text, &keeping)).then_some(origin).flatten())
        .collect()
}

fn collect(chart: &Chart, out: &mut Vec<(Option<String>, String)>) {
    for t in &chart.templates {
        let name = t.name.clone();
        out.push((chart.template_origin(&name), String::from_utf8_lossy(&t.data).into_owned()));
    }
    for dep in &chart.dependencies {
        collect(dep, out);
    }
}

fn calls_lookup(text: &str) -> bool {
    text.match_indices("lookup").any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + 6..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
            && after.is_some_and(|c| c == ' ' || c == '(' || c == '\t')
    })
}

fn includes_any(text: &str, names: &BTreeSet<String>) -> bool {
    ["include \"", "template \""].iter().any(|call| {
        text.match_indices(call).any(|(i, _)| {
            let after = &text[i + call.len()..];
            // A library chart that is not loaded (a dependency not vendored) still names its
            // helpers for what they do: `common.secrets.lookup`, `…passwords.manage`.
            after.find('"').is_some_and(|end| {
                let name = &after[..end];
                names.contains(name) || name.ends_with(".lookup") || name.ends_with("passwords.manage")
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helm::chart::ChartFile;

    fn chart(files: &[(&str, &str)]) -> Chart {
        let text = "apiVersion: v2\nname: app\nversion: 1.0.0\n";
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Chart.yaml"), text).unwrap();
        let mut chart = crate::helm::chart::load(dir.path()).unwrap();
        chart.templates =
            files.iter().map(|(n, t)| ChartFile { name: n.to_string(), data: t.as_bytes().to_vec() }).collect();
        chart
    }

    #[test]
    fn lookup_through_helpers() {
        let c = chart(&[
            (
                "templates/_helpers.tpl",
                "{{- define \"app.password\" -}}\n{{ include \"app.lookup\" . }}{{ randAlphaNum 10 }}\n{{- end -}}\n{{- define \"app.lookup\" -}}\n{{ (lookup \"v1\" \"Secret\" .Release.Namespace \"x\").data }}\n{{- end -}}\n",
            ),
            ("templates/secret.yaml", "kind: Secret\ndata:\n  password: {{ include \"app.password\" . }}\n"),
            ("templates/random.yaml", "kind: Secret\ndata:\n  password: {{ randAlphaNum 10 | b64enc }}\n"),
        ]);
        let keeping = templates_keeping_values(&c);
        assert!(keeping.contains("templates/secret.yaml"), "{keeping:?}");
        assert!(!keeping.contains("templates/random.yaml"), "{keeping:?}");
    }
}
