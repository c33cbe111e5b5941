//! Which templates keep a generated value across renders: a template that calls `lookup`
//! itself, or includes a named template (`include`/`template`) that does — directly or through
//! other named templates, in any file of the chart or its subcharts (Bitnami's
//! `common.secrets.passwords.manage`, `common.secrets.lookup`) — and which named templates make
//! a value at render time, so that what they return is not taken for a literal from Git.

use std::collections::{BTreeMap, BTreeSet};

use super::chart::Chart;

/// Functions that make a value at render time.
pub const GENERATORS: &[&str] = &[
    "randAlphaNum",
    "randAlpha",
    "randAscii",
    "randNumeric",
    "randBytes",
    "genPrivateKey",
    "genCA",
    "genSelfSignedCert",
    "genSignedCert",
    "uuidv4",
    "derivePassword",
    "bcrypt",
    "htpasswd",
];

/// Named template → body (up to the next `define`: an over-approximation).
fn defines(files: &[(Option<String>, String)]) -> BTreeMap<String, String> {
    let mut defines: BTreeMap<String, String> = BTreeMap::new();
    for (_, text) in files {
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
    defines
}

/// The defines whose body satisfies `direct`, and those that include one of them (transitively).
fn closure(defines: &BTreeMap<String, String>, direct: impl Fn(&str) -> bool) -> BTreeSet<String> {
    let mut set: BTreeSet<String> = defines.iter().filter(|(_, b)| direct(b)).map(|(n, _)| n.clone()).collect();
    loop {
        let more: Vec<String> = defines
            .iter()
            .filter(|(n, body)| !set.contains(*n) && includes_any(body, &set))
            .map(|(n, _)| n.clone())
            .collect();
        if more.is_empty() {
            return set;
        }
        set.extend(more);
    }
}

/// Whether a template line uses a named template of `names` (or, for a library chart that is
/// not loaded, one named for managing passwords).
pub fn line_includes(line: &str, names: &BTreeSet<String>) -> bool {
    includes_any(line, names) || line.contains("passwords.manage")
}

/// A chart's template texts (its subcharts' included) and named templates, read once for the
/// questions below.
pub struct Templates {
    files: Vec<(Option<String>, String)>,
    defines: BTreeMap<String, String>,
}

impl Templates {
    pub fn of(chart: &Chart) -> Self {
        let mut files = Vec::new();
        collect(chart, &mut files);
        let defines = defines(&files);
        Templates { files, defines }
    }

    /// Template files (relative to the root chart folder, as [`Chart::template_origin`] names
    /// them) that call `lookup`, directly or through named templates.
    pub fn keeping_values(&self) -> BTreeSet<String> {
        let keeping = closure(&self.defines, calls_lookup);
        self.files
            .iter()
            .filter(|(_, text)| calls_lookup(text) || includes_any(text, &keeping))
            .filter_map(|(origin, _)| origin.clone())
            .collect()
    }

    /// Named templates that return a value made at render time: they call a generator, or
    /// include a named template that does (Bitnami's `common.secrets.passwords.manage`).
    pub fn generating_defines(&self) -> BTreeSet<String> {
        closure(&self.defines, |body| GENERATORS.iter().any(|g| body.contains(g)))
    }
}

/// Whether a template line uses a variable that the template assigned from a generator
/// (`{{- $cert := genSignedCert … }}` … `tls.key: {{ b64enc $cert.Key }}`), directly or through
/// another such variable or a generating named template.
pub fn uses_generated_variable(template: &str, line: &str, generating: &BTreeSet<String>) -> bool {
    if !line.contains('$') {
        return false;
    }
    let mut made: Vec<&str> = Vec::new();
    for assignment in template.lines() {
        let Some((lhs, rhs)) = assignment.split_once(":=").or_else(|| assignment.split_once(" = ")) else {
            continue;
        };
        let Some(var) = lhs.rsplit('$').next().map(str::trim).filter(|v| !v.is_empty() && lhs.contains('$')) else {
            continue;
        };
        if !var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        if GENERATORS.iter().any(|g| rhs.contains(g))
            || line_includes(rhs, generating)
            || made.iter().any(|m| mentions_variable(rhs, m))
        {
            made.push(var);
        }
    }
    made.iter().any(|m| mentions_variable(line, m))
}

/// `$name` in `text`, not as the prefix of a longer variable name.
fn mentions_variable(text: &str, name: &str) -> bool {
    let needle = format!("${name}");
    text.match_indices(&needle)
        .any(|(i, _)| !text[i + needle.len()..].chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_'))
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
        let keeping = Templates::of(&c).keeping_values();
        assert!(keeping.contains("templates/secret.yaml"), "{keeping:?}");
        assert!(!keeping.contains("templates/random.yaml"), "{keeping:?}");
    }

    #[test]
    fn generated_through_variables() {
        let tpl = "{{- $ca := genCA \"ca\" 365 }}\n{{- $cert := genSignedCert \"x\" nil nil 365 $ca }}\n{{- $name := .Values.name }}\ndata:\n  tls.key: {{ b64enc $cert.Key }}\n  user: {{ $name }}\n  other: {{ $certificate }}\n";
        let none = BTreeSet::new();
        assert!(uses_generated_variable(tpl, "  tls.key: {{ b64enc $cert.Key }}", &none));
        assert!(!uses_generated_variable(tpl, "  user: {{ $name }}", &none));
        assert!(!uses_generated_variable(tpl, "  other: {{ $certificate }}", &none));
    }

    #[test]
    fn generated_through_helpers() {
        let c = chart(&[(
            "templates/_helpers.tpl",
            "{{- define \"app.secret\" -}}\n{{ include \"app.random\" . }}\n{{- end -}}\n{{- define \"app.random\" -}}\n{{ randAlphaNum 16 }}\n{{- end -}}\n{{- define \"app.name\" -}}\n{{ .Chart.Name }}\n{{- end -}}\n",
        )]);
        let generating = Templates::of(&c).generating_defines();
        assert!(generating.contains("app.random") && generating.contains("app.secret"), "{generating:?}");
        assert!(!generating.contains("app.name"), "{generating:?}");
        assert!(line_includes("  password: {{ include \"app.secret\" . | b64enc }}", &generating));
        assert!(!line_includes("  name: {{ include \"app.name\" . }}", &generating));
    }
}
