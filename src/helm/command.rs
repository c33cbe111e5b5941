//! `secretgate render`: the `helm template` command line on top of the renderer.

use std::path::PathBuf;

use super::render::{self, RenderError, RenderOptions};
use super::values::{self, Values};

/// Flags mirror `helm template`.
#[derive(Debug, Clone, clap::Args)]
pub struct RenderArgs {
    /// `[NAME] CHART`: an optional release name, then the chart folder or archive.
    #[arg(num_args = 1..=2, value_name = "[NAME] CHART")]
    pub args: Vec<String>,
    /// Values files, layered in order.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Set values (`a.b=c,d=e`).
    #[arg(long = "set", value_name = "KEY=VAL")]
    pub set: Vec<String>,
    /// Set string values.
    #[arg(long = "set-string", value_name = "KEY=VAL")]
    pub set_string: Vec<String>,
    /// Set values from files (`key=path`).
    #[arg(long = "set-file", value_name = "KEY=PATH")]
    pub set_file: Vec<String>,
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
    /// Kubernetes version for `.Capabilities.KubeVersion`.
    #[arg(long = "kube-version")]
    pub kube_version: Option<String>,
    /// Extra API versions for `.Capabilities.APIVersions` (repeatable, comma-separated).
    #[arg(short = 'a', long = "api-versions", value_delimiter = ',')]
    pub api_versions: Vec<String>,
    /// Include CRDs from `crds/` in the output.
    #[arg(long = "include-crds")]
    pub include_crds: bool,
    /// Only show manifests rendered from these templates (globs).
    #[arg(short = 's', long = "show-only")]
    pub show_only: Vec<String>,
    /// Skip test hooks.
    #[arg(long = "skip-tests")]
    pub skip_tests: bool,
    /// Template for the release name.
    #[arg(long = "name-template")]
    pub name_template: Option<String>,
    /// Render as an upgrade (`.Release.IsUpgrade`).
    #[arg(long = "is-upgrade")]
    pub is_upgrade: bool,
    /// Print rendered output even when it is not valid YAML.
    #[arg(long)]
    pub debug: bool,
}

/// A failed render: what goes to stdout anyway (`--debug` output), and Helm's error text.
#[derive(Debug)]
pub struct Failure {
    pub stdout: String,
    pub message: String,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure { stdout: String::new(), message }
    }
}

/// Runs the command: the rendered text on success, Helm's error text otherwise.
pub fn run(args: &RenderArgs) -> Result<String, Failure> {
    let (name, chart_path) = match args.args.as_slice() {
        [chart] => (None, chart.clone()),
        [name, chart] => (Some(name.clone()), chart.clone()),
        _ => return Err(Failure::from("\"secretgate render\" requires at least 1 argument".to_string())),
    };
    let mut user = Values::new();
    for f in &args.values {
        let text = std::fs::read_to_string(f).map_err(|e| format!("open {}: {e}", f.display()))?;
        let parsed = values::parse_values(&text).map_err(|e| format!("failed to parse {}: {e}", f.display()))?;
        values::merge_maps(&mut user, parsed);
    }
    for s in &args.set {
        values::parse_set(&mut user, s, false).map_err(|e| format!("failed parsing --set data: {e}"))?;
    }
    for s in &args.set_string {
        values::parse_set(&mut user, s, true).map_err(|e| format!("failed parsing --set-string data: {e}"))?;
    }
    for s in &args.set_file {
        values::parse_set_file(&mut user, s).map_err(|e| format!("failed parsing --set-file data: {e}"))?;
    }
    let release_name = match (&args.name_template, name) {
        (Some(t), _) => render_name_template(t)?,
        (None, Some(n)) => n,
        (None, None) => "release-name".to_string(),
    };
    let chart = super::chart::load(std::path::Path::new(&chart_path)).map_err(|e| e.0)?;
    let opts = RenderOptions {
        release_name,
        namespace: args.namespace.clone(),
        kube_version: args.kube_version.clone(),
        api_versions: args.api_versions.clone(),
        include_crds: args.include_crds,
        skip_tests: args.skip_tests,
        show_only: args.show_only.clone(),
        is_upgrade: args.is_upgrade,
        values: user,
    };
    match render::render(chart, &opts) {
        Ok(out) => Ok(out.text),
        Err(RenderError::InvalidYaml { message, partial }) if args.debug => Err(Failure { stdout: partial, message }),
        Err(RenderError::InvalidYaml { message, .. }) => {
            Err(format!("{message}\n\nUse --debug flag to render out invalid YAML").into())
        }
        Err(e) => Err(e.to_string().into()),
    }
}

fn render_name_template(text: &str) -> Result<String, String> {
    let mut t = super::template::Templates::new(super::template::FuncTable::helm());
    t.add("name-template", text).map_err(|e| e.message)?;
    let mut env = super::funcs::FuncEnv::default();
    let out = t.execute("name-template", &super::value::Value::Nil, &mut env).map_err(|e| e.message)?;
    Ok(out.text)
}
