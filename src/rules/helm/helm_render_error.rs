//! `helm-render-error`: a chart fails to render for an environment. Produced by the chart scan.

use crate::finding::Severity;
use crate::rules::{Pack, Rule, RuleMeta, Scope};

pub struct HelmRenderError;

static META: RuleMeta = RuleMeta {
    id: "helm-render-error",
    pack: Pack::Helm,
    severity: Severity::Error,
    summary: "A chart fails to render for an environment; its manifests were not checked.",
    docs: r#"
## What it does
Renders every chart in the repository per environment (its `values.yaml`, plus the
`values-<env>.yaml` beside it) with secretgate's built-in Helm engine, and reports any failure at
the template position Helm names: a `required` value that is missing, a `fail`, a template or YAML
error, or a dependency listed in `Chart.yaml` that is found nowhere. A dependency that is neither
vendored under `charts/` nor packaged there is taken from the scanned tree, as
`helm dependency build` would fetch it: from the local path its `repository` names, else a chart
of that name and a matching version anywhere in the scan (a notice says which); conditions,
tags, aliases and `import-values` then apply as usual. The finding's help names each missing
chart and version.

## Why is this bad?
A chart that does not render for an environment will fail at deploy time, and a guardrail that
cannot render it cannot check the Secrets, env vars and ConfigMaps it would produce.

## Example
```yaml
# templates/secret.yaml
password: {{ required "auth.existingSecret or auth.password is required" .Values.auth.password }}
```
with neither value set for `production`.

## Use instead
Set the required value in the environment's overlay (preferably `existingSecret`), or vendor the
dependency (`helm dependency build`) and commit `charts/`, or keep the dependency's chart in the
repository (for example beside the chart, named by a local `repository` path).
"#,
};

impl Rule for HelmRenderError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Engine
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::helm::{chart, render};

    fn render_chart(dir: &str) -> Result<render::Output, render::RenderError> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        render::render(chart::load(&path)?, &render::RenderOptions::default())
    }

    /// The rule's cases are charts rendered through the real engine; `check` turns each failure
    /// into a finding at the position Helm names (see `tests/helm_check.rs`).
    #[test]
    fn helm_render_error() {
        let pass = ["testdata/helm-repo/charts/app", "testdata/demo-repo/charts/minio"];
        let fail = [
            ("testdata/helm-errors/charts/needs-value", "auth.existingSecret is required"),
            ("testdata/helm-errors/charts/missing-dep", "missing in charts/ directory: postgresql"),
        ];
        for dir in pass {
            assert!(render_chart(dir).is_ok(), "{dir} should render");
        }
        for (dir, message) in fail {
            let err = render_chart(dir).expect_err(dir).to_string();
            assert!(err.contains(message), "{dir}: {err}");
        }
    }
}
