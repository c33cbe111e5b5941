//! `check` over Helm charts: render each chart per environment, run the document rules on the
//! rendered manifests, and report findings at the template line that produced them, with the
//! values line the offending value came from as a related location.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use crate::check::{self, ScanContext};
use crate::discover::{Candidate, FileClass};
use crate::env::{EnvInfo, Environments};
use crate::finding::{Finding, Related};
use crate::report::Notice;
use crate::rules;
use crate::source::yaml::{self, Node, Value as YamlValue};
use crate::source::{Position, SourceFile, Span};

use super::render::{self, RenderError, RenderOptions};
use super::values;

/// What scanning the charts produced.
#[derive(Debug, Default)]
pub struct ChartOutcome {
    pub findings: Vec<Finding>,
    pub notices: Vec<Notice>,
    pub sources: Vec<Arc<SourceFile>>,
}

/// One values layer used by a render, kept with spans so that rendered values can be traced.
struct ValuesLayer {
    file: SourceFile,
    root: Option<Node>,
}

/// Renders every chart root among `files` (subcharts render with their parent).
/// `only_envs` restricts the renders to those environments (`--env`); empty means all.
pub fn scan_charts(
    base: &Path,
    files: &[Candidate],
    environments: &Environments,
    only_envs: &[String],
    cx: &ScanContext<'_>,
) -> ChartOutcome {
    let mut out = ChartOutcome::default();
    let chart_dirs: Vec<&str> = files
        .iter()
        .filter(|c| c.class == FileClass::ChartMeta)
        .map(|c| c.rel.strip_suffix("Chart.yaml").unwrap_or(""))
        .collect();
    for dir in &chart_dirs {
        // A chart vendored under another chart's `charts/` is rendered as part of its parent.
        if chart_dirs.iter().any(|p| p != dir && dir.starts_with(p) && dir[p.len()..].starts_with("charts/")) {
            continue;
        }
        let Some(chart_file) = files.iter().find(|c| c.rel == format!("{dir}Chart.yaml")) else { continue };
        let Some(abs_dir) = chart_file.abs.parent() else { continue };
        let scan = Scan { base, files, environments, only_envs, cx };
        scan.chart(dir, abs_dir, &mut out);
    }
    collapse(&mut out.findings);
    out
}

/// What every chart render of one `check` shares.
struct Scan<'a> {
    base: &'a Path,
    files: &'a [Candidate],
    environments: &'a Environments,
    only_envs: &'a [String],
    cx: &'a ScanContext<'a>,
}

impl Scan<'_> {
    fn chart(&self, dir: &str, abs_dir: &Path, out: &mut ChartOutcome) {
        let Scan { base, files, environments, only_envs, cx } = *self;
        let chart = match super::chart::load(abs_dir) {
            Ok(c) => c,
            Err(e) => {
                push_error(out, cx, base, &format!("{dir}Chart.yaml"), None, &e.0, &EnvInfo::default());
                return;
            }
        };
        if chart.is_library() {
            return;
        }
        let base_layer = read_layer(abs_dir.join("values.yaml"), &format!("{dir}values.yaml"));
        for plan in plans(dir, files, base, environments, cx) {
            if !only_envs.is_empty()
                && !plan.env.envs.is_empty()
                && !plan.env.envs.iter().any(|e| only_envs.contains(e))
            {
                continue;
            }
            let mut layers: Vec<&ValuesLayer> = base_layer.iter().collect();
            let extra: Vec<ValuesLayer> =
                plan.values.iter().filter_map(|(abs, rel)| read_layer(abs.clone(), rel)).collect();
            let mut user = values::Values::new();
            let mut broken = false;
            for l in &extra {
                match values::parse_values(&l.file.text) {
                    Ok(v) => values::merge_maps(&mut user, v),
                    // The values file's own parse-error finding covers it.
                    Err(_) => broken = true,
                }
            }
            if broken {
                continue;
            }
            layers.extend(extra.iter());
            let opts = RenderOptions {
                release_name: plan.release.unwrap_or_else(|| chart.name.clone()),
                namespace: plan.namespace,
                values: user,
                ..RenderOptions::default()
            };
            match render::render(chart.clone(), &opts) {
                Ok(rendered) => check_rendered(dir, base, &rendered, &layers, &plan.env, cx, out),
                Err(RenderError::Schema(msg)) => {
                    let (path, at) = schema_location(dir, &msg, &layers);
                    let message = format!(
                        "chart cannot render: values don't meet the chart's values.schema.json: {}",
                        msg.replace('\n', " ")
                    );
                    push_error(out, cx, base, &path, at, &message, &plan.env);
                }
                Err(e) => {
                    let (at, message) = error_location(dir, abs_dir, &e);
                    push_error(out, cx, base, &at.0, at.1, &message, &plan.env);
                }
            }
        }
    }
}

/// One render of a chart: for which environments, with which values files on top of the chart's
/// own `values.yaml`.
struct Plan {
    env: EnvInfo,
    /// (absolute path, path relative to the scan base)
    values: Vec<(std::path::PathBuf, String)>,
    release: Option<String>,
    namespace: String,
}

/// Configured releases of this chart, else the chart's defaults for environments without an
/// overlay plus one render per `values-<env>.yaml` beside `Chart.yaml`.
fn plans(dir: &str, files: &[Candidate], base: &Path, environments: &Environments, cx: &ScanContext<'_>) -> Vec<Plan> {
    let releases: Vec<_> = cx.config.releases.iter().filter(|r| r.chart == dir).collect();
    if !releases.is_empty() {
        let mut out = Vec::new();
        for r in releases {
            let envs: Vec<String> = if r.environments.is_empty() {
                environments.known.iter().cloned().collect()
            } else {
                r.environments.clone()
            };
            for env in envs {
                let values = r
                    .values
                    .iter()
                    .map(|v| {
                        let rel = v.replace("{env}", &env);
                        (base.join(&rel), rel)
                    })
                    .collect();
                out.push(Plan {
                    env: environments.info(cx.config, Some(&env)),
                    values,
                    release: r.name.clone(),
                    namespace: r.namespace.as_deref().unwrap_or("default").replace("{env}", &env),
                });
            }
        }
        return out;
    }
    let overlays: BTreeMap<String, &Candidate> = files
        .iter()
        .filter(|c| c.class == FileClass::Values && c.rel.starts_with(dir) && !c.rel[dir.len()..].contains('/'))
        .filter_map(|c| {
            let name =
                c.rel[dir.len()..].strip_prefix("values-").or_else(|| c.rel[dir.len()..].strip_prefix("values."))?;
            let env = name.strip_suffix(".yaml").or_else(|| name.strip_suffix(".yml"))?;
            environments.known.contains(env).then(|| (env.to_string(), c))
        })
        .collect();
    let mut out = Vec::new();
    let without: Vec<String> = environments.known.iter().filter(|e| !overlays.contains_key(*e)).cloned().collect();
    if overlays.is_empty() || !without.is_empty() {
        let mut env = environments.info(cx.config, None);
        if !overlays.is_empty() {
            env.envs = without.clone();
            env.managed = without.iter().any(|e| cx.config.is_managed(e));
        }
        out.push(Plan { env, values: Vec::new(), release: None, namespace: "default".into() });
    }
    for (env, c) in overlays {
        out.push(Plan {
            env: environments.info(cx.config, Some(&env)),
            values: vec![(c.abs.clone(), c.rel.clone())],
            release: None,
            namespace: "default".into(),
        });
    }
    out
}

fn read_layer(abs: std::path::PathBuf, rel: &str) -> Option<ValuesLayer> {
    let text = std::fs::read_to_string(abs).ok()?;
    let file = SourceFile::new(rel.to_string(), text);
    let root = yaml::load(&file).documents.into_iter().next().map(|d| d.root);
    Some(ValuesLayer { file, root })
}

/// A schema violation points at the values line of the offending key (`- at '/a/b'`), searching
/// the layers from the last; else at the chart's `values.schema.json`.
fn schema_location(dir: &str, msg: &str, layers: &[&ValuesLayer]) -> (String, Option<(usize, usize)>) {
    let path: Option<Vec<String>> = msg.split_once("- at '").and_then(|(_, r)| r.split_once('\'')).map(|(p, _)| {
        p.split('/').filter(|s| !s.is_empty()).map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
    });
    if let Some(path) = path.filter(|p| !p.is_empty()) {
        for layer in layers.iter().rev() {
            let Some(root) = &layer.root else { continue };
            let keys: Vec<&str> = path.iter().map(String::as_str).collect();
            if let Some(node) = root.at(&keys) {
                let p = layer.file.position(node.span.start);
                return (layer.file.path.clone(), Some((p.line, p.column)));
            }
        }
    }
    (format!("{dir}values.schema.json"), None)
}

/// Where a render error points: the template file and line named in Helm's message, else the
/// chart's `Chart.yaml`.
fn error_location(dir: &str, abs_dir: &Path, e: &RenderError) -> ((String, Option<(usize, usize)>), String) {
    let message = e.to_string();
    if let RenderError::MissingDependencies(missing) = e {
        // Point at the first missing dependency's entry in Chart.yaml.
        let at = std::fs::read_to_string(abs_dir.join("Chart.yaml")).ok().and_then(|text| {
            let name = missing.first()?;
            text.lines().enumerate().find_map(|(i, l)| {
                let t = l.trim_start().trim_start_matches("- ").trim_start();
                let v = t.strip_prefix("name:")?.trim().trim_matches(|c| c == '"' || c == '\'');
                (v == name).then(|| (i + 1, l.len() - l.trim_start().len() + 1))
            })
        });
        return ((format!("{dir}Chart.yaml"), at), format!("chart cannot render: {message}"));
    }
    // `… at (chart/templates/x.yaml:12:5): …` or `chart/templates/x.yaml:12:5\n  executing …`
    let loc =
        message.split_once(" at (").and_then(|(_, r)| r.split_once(')')).map(|(l, _)| l.to_string()).or_else(|| {
            message.lines().next().filter(|l| l.contains(".yaml:") || l.contains(".tpl:")).map(str::to_string)
        });
    if let Some(loc) = loc {
        let mut parts = loc.split(':');
        let tpl = parts.next().unwrap_or("");
        let line = parts.next().and_then(|l| l.parse().ok());
        let col = parts.next().and_then(|c| c.parse().ok()).unwrap_or(1);
        if let Some((_, rest)) = tpl.split_once('/') {
            return ((format!("{dir}{rest}"), line.map(|l| (l, col))), format!("chart cannot render: {message}"));
        }
    }
    ((format!("{dir}Chart.yaml"), None), format!("chart cannot render: {message}"))
}

#[allow(clippy::too_many_arguments)]
fn push_error(
    out: &mut ChartOutcome,
    cx: &ScanContext<'_>,
    base: &Path,
    path: &str,
    at: Option<(usize, usize)>,
    message: &str,
    env: &EnvInfo,
) {
    let (line, column) = at.unwrap_or((1, 1));
    // Load the file for a code frame (templates and Chart.yaml hold no secret values).
    let mut span = Span::default();
    if let Ok(text) = std::fs::read_to_string(base.join(path)) {
        let file = SourceFile::new(path.to_string(), text);
        let off = file.offset_of(line, column.saturating_sub(1));
        span = Span::new(off, off);
        if !out.sources.iter().any(|s| s.path == path) {
            out.sources.push(Arc::new(file));
        }
    }
    let Some(meta) = rules::meta("helm-render-error") else { return };
    let Some(severity) = cx.config.severity(meta.id, meta.severity) else { return };
    let first_line = message.lines().next().unwrap_or(message);
    let pos = Position { line, column };
    out.findings.push(Finding {
        rule: meta.id,
        severity,
        path: path.to_string(),
        span,
        start: pos,
        end: pos,
        message: first_line.to_string(),
        help: Some(message.lines().skip(1).map(str::trim).collect::<Vec<_>>().join(" ")).filter(|h| !h.is_empty()),
        envs: env.envs.clone(),
        fingerprint: cx.fingerprinter.fingerprint(meta.id, path, first_line, None),
        related: Vec::new(),
        secret_spans: Vec::new(),
    });
}

fn check_rendered(
    dir: &str,
    base: &Path,
    rendered: &render::Output,
    layers: &[&ValuesLayer],
    env: &EnvInfo,
    cx: &ScanContext<'_>,
    out: &mut ChartOutcome,
) {
    for f in &rendered.files {
        if f.text.trim().is_empty() || f.name.ends_with("NOTES.txt") {
            continue;
        }
        let file = SourceFile::new(f.name.clone(), f.text.clone());
        let hits = check::dedupe(check::check_documents(&file, FileClass::Manifest, env, cx));
        for hit in hits {
            let Some(meta) = rules::meta(hit.rule) else { continue };
            // Rendered YAML that does not parse is Helm's error too; report it as a render error.
            if hit.rule == "parse-error" {
                let line = file.position(hit.span.start).line;
                let (tpl, tpl_line) = map_line(f, line, dir, &rendered.origins);
                let msg = format!("chart renders invalid YAML in {}: {}", f.name, hit.message);
                push_error(out, cx, base, &tpl, Some((tpl_line, 1)), &msg, env);
                continue;
            }
            let Some(severity) = cx.config.severity(meta.id, hit.severity.unwrap_or(meta.severity)) else { continue };
            let rendered_line = file.position(hit.span.start).line;
            let (path, tpl_line) = map_line(f, rendered_line, dir, &rendered.origins);
            // One read per template, however many findings and renders point into it.
            let tpl_file = match out.sources.iter().find(|s| s.path == path) {
                Some(loaded) => loaded.clone(),
                None => {
                    let text = std::fs::read_to_string(base.join(&path)).unwrap_or_default();
                    let loaded = Arc::new(SourceFile::new(path.clone(), text));
                    out.sources.push(loaded.clone());
                    loaded
                }
            };
            let secret = hit.secret.and_then(|s| file.text.get(s.range()));
            let rendered_line_text = &file.text[file.line_start(rendered_line)..file.line_end(rendered_line)];
            let (column, secret_spans) = template_column(&tpl_file, tpl_line, rendered_line_text, secret);
            let pos = Position { line: tpl_line, column };
            let offset = tpl_file.offset_of(tpl_line, column.saturating_sub(1));
            let related = secret.and_then(|s| trace_value(layers, s)).into_iter().collect();
            let fingerprint = cx.fingerprinter.fingerprint(meta.id, &path, &hit.identity, secret.map(str::as_bytes));
            out.findings.push(Finding {
                rule: meta.id,
                severity,
                path: path.clone(),
                span: Span::new(offset, offset),
                start: pos,
                end: pos,
                message: format!("{} (rendered)", hit.message),
                help: hit.help,
                envs: env.envs.clone(),
                fingerprint,
                related,
                secret_spans,
            });
        }
    }
}

/// Maps a rendered line to the template file (relative to the scan base) and line.
fn map_line(
    f: &render::RenderedFile,
    rendered_line: usize,
    dir: &str,
    origins: &BTreeMap<String, String>,
) -> (String, usize) {
    let (tpl, line) = match f.lines.get(rendered_line.saturating_sub(1)).cloned().flatten() {
        Some((name, line)) => (name.to_string(), line as usize),
        None => (f.name.clone(), 1),
    };
    let path = match origins.get(&tpl) {
        Some(origin) => format!("{dir}{origin}"),
        // Archived subcharts: point at the archive's template name under the chart folder.
        None => format!("{dir}{}", tpl.split_once('/').map_or(tpl.as_str(), |(_, r)| r)),
    };
    (path, line.max(1))
}

/// The column on the template line: where the offending value is written (a literal secret in
/// the template, masked in frames), else where the rendered line's key is, else the first
/// non-blank character.
fn template_column(tpl: &SourceFile, line: usize, rendered_line: &str, secret: Option<&str>) -> (usize, Vec<Span>) {
    let (start, end) = (tpl.line_start(line), tpl.line_end(line));
    let Some(text) = tpl.text.get(start..end) else { return (1, Vec::new()) };
    if let Some(secret) = secret.filter(|s| s.len() >= 3)
        && let Some(i) = text.find(secret)
    {
        let span = Span::new(start + i, start + i + secret.len());
        return (tpl.position(span.start).column, vec![span]);
    }
    let key = rendered_line.trim_start().trim_start_matches("- ").split(':').next().unwrap_or("").trim();
    let at = (!key.is_empty()).then(|| text.find(key)).flatten().or_else(|| text.find(|c: char| !c.is_whitespace()));
    (at.map_or(1, |i| tpl.position(start + i).column), Vec::new())
}

/// Finds the values line a rendered secret came from: the last layer holding that exact scalar.
fn trace_value(layers: &[&ValuesLayer], secret: &str) -> Option<Related> {
    let secret = secret.trim_matches(|c| c == '"' || c == '\'');
    // Secret `data` is base64 of the values string (`b64enc`).
    let decoded = super::funcs::encoding::base64_decode(secret).ok().and_then(|b| String::from_utf8(b).ok());
    let candidates: Vec<&str> = std::iter::once(secret).chain(decoded.as_deref()).collect();
    for layer in layers.iter().rev() {
        let Some(root) = &layer.root else { continue };
        if let Some(span) = candidates.iter().find_map(|c| find_scalar(root, c)) {
            return Some(Related {
                path: layer.file.path.clone(),
                start: layer.file.position(span.start),
                end: layer.file.position(span.start),
                message: "value comes from here".into(),
            });
        }
    }
    None
}

fn find_scalar(node: &Node, text: &str) -> Option<Span> {
    match &node.value {
        YamlValue::Scalar(s) => (s.text == text).then_some(node.span),
        YamlValue::Seq(items) => items.iter().find_map(|n| find_scalar(n, text)),
        YamlValue::Map(entries) => entries.iter().find_map(|e| find_scalar(&e.value, text)),
    }
}

/// Identical findings from several renders (environments) become one with the union of envs.
fn collapse(findings: &mut Vec<Finding>) {
    let mut seen: BTreeMap<(String, usize, usize, &'static str, String), usize> = BTreeMap::new();
    let mut kept: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings.drain(..) {
        let key = (f.path.clone(), f.start.line, f.start.column, f.rule, f.message.clone());
        match seen.get(&key) {
            Some(&i) => {
                let envs: BTreeSet<String> = kept[i].envs.iter().chain(&f.envs).cloned().collect();
                kept[i].envs = envs.into_iter().collect();
                if f.severity > kept[i].severity {
                    kept[i].severity = f.severity;
                }
                for r in f.related {
                    if !kept[i].related.contains(&r) {
                        kept[i].related.push(r);
                    }
                }
            }
            None => {
                seen.insert(key, kept.len());
                kept.push(f);
            }
        }
    }
    *findings = kept;
}
