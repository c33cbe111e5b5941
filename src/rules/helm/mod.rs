//! Pack `helm`: charts, templates and values overlays.

pub mod create_secret_toggle;
pub mod existing_secret_unset;
pub mod helm_random_secret;
pub mod helm_render_error;
pub mod no_local_fallback;

use crate::discover::FileClass;
use crate::rules::DocContext;
use crate::source::yaml::Node;

/// The values trees in a document: a whole values file, or the inline values of a Flux
/// `HelmRelease` (`spec.values`) or an Argo CD `Application` (`spec.source.helm.valuesObject`).
pub(crate) fn values_roots<'a>(cx: &DocContext<'a>) -> Vec<&'a Node> {
    let root = &cx.doc.root;
    if cx.class == FileClass::Values {
        return vec![root];
    }
    match root.get_str("kind") {
        Some("HelmRelease") => root.at(&["spec", "values"]).into_iter().collect(),
        Some("Application") => root.at(&["spec", "source", "helm", "valuesObject"]).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// A chart's own `values.yaml` (beside its `Chart.yaml`).
pub(crate) fn is_chart_defaults(path: &str, repo_files: &std::collections::HashSet<String>) -> bool {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    matches!(name, "values.yaml" | "values.yml")
        && repo_files.contains(&if dir.is_empty() { "Chart.yaml".to_string() } else { format!("{dir}/Chart.yaml") })
}
