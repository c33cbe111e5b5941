//! `check` over Helm charts: render every release the repository declares (and every chart no
//! release uses, with its own defaults), run the document rules on the rendered manifests, and
//! report findings at the template line that produced them, with the values line the offending
//! value came from as a related location. The rendered objects' secret facts go to the model.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use crate::check::{self, ScanContext};
use crate::discover::{Candidate, FileClass};
use crate::env::{EnvInfo, Environments};
use crate::finding::{Finding, Notice, Related};
use crate::gitops::{ChartRef, ValuesSource};
use crate::model::facts::{Loc, Locator};
use crate::model::graph::RenderedFacts;
use crate::rules;
use crate::source::yaml::{self, Node, Value as YamlValue};
use crate::source::{Position, SourceFile, Span};

use super::render::{self, RenderError, RenderOptions};
use super::values;
use crate::cache::{RenderBody, RenderCache};

/// What rendering the charts produced.
#[derive(Debug, Default)]
pub struct ChartOutcome {
    pub findings: Vec<Finding>,
    pub notices: Vec<Notice>,
    pub sources: BTreeMap<String, Arc<SourceFile>>,
    /// Secret facts of the rendered objects, per render.
    pub rendered: Vec<RenderedFacts>,
    /// Renders done (chart × environment), for the coverage summary.
    pub renders: usize,
    /// Template files (relative to the scan base) that keep generated values through `lookup`,
    /// directly or through named templates: `helm-random-secret` does not apply to them.
    pub keeps_values: BTreeSet<String>,
}

/// One render of a chart.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Chart folder relative to the scan base, with a trailing `/`.
    pub chart: String,
    pub env: EnvInfo,
    /// Layers over the chart's own `values.yaml`, lowest precedence first.
    pub values: Vec<ValuesSource>,
    pub release_name: Option<String>,
    pub namespace: String,
    /// Index of the discovered release this render is.
    pub release: Option<usize>,
    /// Flux `postBuild` variables for `${VAR}` in inline values.
    pub vars: Arc<BTreeMap<String, String>>,
}

/// One values layer used by a render, kept with spans so that rendered values can be traced.
struct ValuesLayer {
    /// The file a reader opens: the values file, or the file declaring inline values.
    file: Arc<SourceFile>,
    root: Option<Node>,
    /// Values text embedded in `file` (parsed on its own), and where the text starts there.
    embedded: Option<(SourceFile, Position)>,
    /// A single `--set`-style value and where it is written.
    set: Option<(String, Span)>,
}

impl ValuesLayer {
    /// The location in `file` of a span of `root`.
    fn loc(&self, span: Span) -> Loc {
        match &self.embedded {
            Some((text, start)) => {
                let p = text.position(span.start);
                let line = start.line + p.line - 1;
                let column = start.column + p.column - 1;
                let off = self.file.offset_of(line, column.saturating_sub(1));
                Loc { file: self.file.clone(), span: Span::new(off, off) }
            }
            None => Loc { file: self.file.clone(), span },
        }
    }
}

/// The render plans of a scan: one per release with a chart in the tree, plus the defaults of
/// every chart that no release uses.
pub fn plans(
    discovery: &crate::gitops::Discovery,
    files: &[Candidate],
    environments: &Environments,
    cx: &ScanContext<'_>,
    notices: &mut Vec<Notice>,
) -> Vec<Plan> {
    let chart_dirs: Vec<&str> = files
        .iter()
        .filter(|c| c.class == FileClass::ChartMeta)
        .map(|c| c.rel.strip_suffix("Chart.yaml").unwrap_or(""))
        .collect();
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for dir in &discovery.unexpanded_charts {
        if used.insert(dir.as_str()) {
            notices.push(Notice {
                path: format!("{dir}Chart.yaml"),
                message:
                    "not rendered: an ApplicationSet deploys this chart through a generator that needs a live cluster"
                        .into(),
            });
        }
    }
    for (i, r) in discovery.releases.iter().enumerate() {
        let ChartRef::Local(dir) = &r.chart else { continue };
        if !chart_dirs.contains(&dir.as_str()) {
            notices.push(Notice {
                path: r.declared_path.clone(),
                message: format!("release `{}`: chart folder `{dir}` has no Chart.yaml in the scan", r.name),
            });
            continue;
        }
        used.insert(dir.as_str());
        out.push(Plan {
            chart: dir.clone(),
            env: environments.info(cx.config, r.env.as_deref()),
            values: r.values.clone(),
            release_name: Some(r.name.clone()),
            namespace: r.namespace.clone(),
            release: Some(i),
            vars: r.vars.clone(),
        });
    }
    for dir in &chart_dirs {
        // A chart vendored under another chart's `charts/` is rendered as part of its parent.
        if used.contains(dir)
            || chart_dirs.iter().any(|p| p != dir && dir.starts_with(p) && dir[p.len()..].starts_with("charts/"))
        {
            continue;
        }
        out.extend(default_plans(dir, files, environments, cx));
    }
    out
}

/// The files under folder `dir` (with its trailing `/`), from `files` sorted by path as discovery
/// returns them: a binary search, not a scan of the whole tree per chart.
pub(crate) fn under<'a>(files: &'a [Candidate], dir: &str) -> &'a [Candidate] {
    let start = files.partition_point(|c| c.rel.as_str() < dir);
    let len = files[start..].partition_point(|c| c.rel.starts_with(dir));
    &files[start..start + len]
}

/// A chart no release uses: its defaults for environments without an overlay, plus one render
/// per `values-<env>.yaml` beside `Chart.yaml`.
fn default_plans(dir: &str, files: &[Candidate], environments: &Environments, cx: &ScanContext<'_>) -> Vec<Plan> {
    let overlays: BTreeMap<String, &Candidate> = under(files, dir)
        .iter()
        .filter(|c| c.class == FileClass::Values && !c.rel[dir.len()..].contains('/'))
        .filter_map(|c| {
            let name =
                c.rel[dir.len()..].strip_prefix("values-").or_else(|| c.rel[dir.len()..].strip_prefix("values."))?;
            let env = name.strip_suffix(".yaml").or_else(|| name.strip_suffix(".yml"))?;
            (environments.known.contains(env) || crate::env::env_shaped(env)).then(|| (env.to_string(), c))
        })
        .collect();
    let plan = |env: EnvInfo, values: Vec<ValuesSource>| Plan {
        chart: dir.to_string(),
        env,
        values,
        release_name: None,
        namespace: "default".into(),
        release: None,
        vars: Arc::default(),
    };
    let mut out = Vec::new();
    let without: Vec<String> = environments.known.iter().filter(|e| !overlays.contains_key(*e)).cloned().collect();
    if overlays.is_empty() || !without.is_empty() {
        let mut env = environments.info(cx.config, None);
        if !overlays.is_empty() {
            env.envs = without.clone();
            env.managed = without.iter().any(|e| cx.config.is_managed(e));
        }
        out.push(plan(env, Vec::new()));
    }
    for (env, c) in overlays {
        out.push(plan(environments.info(cx.config, Some(&env)), vec![ValuesSource::File(c.rel.clone())]));
    }
    out
}

/// Renders every plan; `only_envs` restricts the renders to those environments (`--env`).
pub fn render_plans(
    base: &Path,
    files: &[Candidate],
    plans: &[Plan],
    only_envs: &[String],
    cx: &ScanContext<'_>,
    cache: Option<&RenderCache<'_>>,
) -> ChartOutcome {
    let mut out = ChartOutcome::default();
    let tree = super::chart::TreeCharts::new(
        files
            .iter()
            .filter(|c| c.class == FileClass::ChartMeta)
            .filter_map(|c| Some((c.abs.parent()?.to_path_buf(), c.rel.strip_suffix("Chart.yaml")?.to_string())))
            .collect(),
    );
    let mut by_chart: BTreeMap<&str, Vec<&Plan>> = BTreeMap::new();
    for p in plans {
        if !only_envs.is_empty() && !p.env.envs.is_empty() && !p.env.envs.iter().any(|e| only_envs.contains(e)) {
            continue;
        }
        by_chart.entry(p.chart.as_str()).or_default().push(p);
    }
    // Work for the thread pool: each chart, its plans cut into one run per thread when it has
    // many (one chart rendered for hundreds of releases). The engine's values are not `Send`,
    // so every run loads its chart and parses its templates once, on its own thread.
    let threads = rayon::current_num_threads().max(1);
    let mut units: Vec<(&str, &Path, &[&Plan])> = Vec::new();
    for (dir, plans) in &by_chart {
        let meta = format!("{dir}Chart.yaml");
        let Ok(at) = files.binary_search_by(|c| c.rel.as_str().cmp(&meta)) else { continue };
        let chart_file = &files[at];
        let Some(abs_dir) = chart_file.abs.parent() else { continue };
        let per_run = if plans.len() >= 8 * threads { plans.len().div_ceil(threads) } else { plans.len() };
        units.extend(plans.chunks(per_run.max(1)).map(|chunk| (*dir, abs_dir, chunk)));
    }
    use rayon::prelude::*;
    let done: Vec<ChartOutcome> = units
        .par_iter()
        .map(|&(dir, abs_dir, plans)| {
            let scan = Scan {
                base,
                cx,
                cache,
                tree: &tree,
                files: RefCell::default(),
                parsed: RefCell::default(),
                templates: RefCell::default(),
            };
            let mut one = ChartOutcome::default();
            scan.chart(dir, abs_dir, plans, &mut one);
            one.sources.extend(scan.templates.into_inner());
            one
        })
        .collect();
    for one in done {
        merge(&mut out, one);
    }
    out.notices.dedup();
    check::collapse(&mut out.findings);
    out
}

/// A values file and its first document.
type ParsedFile = (Arc<SourceFile>, Option<Node>);

/// What the renders of one run share: values files (read and parsed once) and templates.
struct Scan<'a> {
    base: &'a Path,
    cx: &'a ScanContext<'a>,
    cache: Option<&'a RenderCache<'a>>,
    /// The scan's chart folders, where dependencies that are not vendored are looked for.
    tree: &'a super::chart::TreeCharts,
    files: RefCell<HashMap<String, Option<ParsedFile>>>,
    /// Values files as the engine reads them (`None`: does not parse).
    parsed: RefCell<HashMap<String, Option<values::Values>>>,
    templates: RefCell<BTreeMap<String, Arc<SourceFile>>>,
}

impl Scan<'_> {
    /// Renders `plans` of the chart in `dir`, taking unchanged renders from the cache.
    fn chart(&self, dir: &str, abs_dir: &Path, plans: &[&Plan], out: &mut ChartOutcome) {
        let mut todo: Vec<(&Plan, Option<String>)> = Vec::new();
        for &plan in plans {
            let key = self.cache.and_then(|c| plan_key(c, dir, plan));
            match key.as_deref().and_then(|k| self.cache?.lookup(k)) {
                Some((body, files)) => merge(out, cached_outcome(body, files, plan)),
                None => todo.push((plan, key)),
            }
        }
        if todo.is_empty() {
            return;
        }
        let mut head = ChartOutcome::default();
        let mut each: Vec<ChartOutcome> = todo.iter().map(|_| ChartOutcome::default()).collect();
        let todo_plans: Vec<&Plan> = todo.iter().map(|(p, _)| *p).collect();
        self.render_all(dir, abs_dir, &todo_plans, &mut head, &mut each);
        if let Some(cache) = self.cache {
            for ((_, key), one) in todo.iter().zip(&each) {
                if let Some(key) = key {
                    self.store(cache, key, &head, one);
                }
            }
        }
        for one in each {
            merge(out, one);
        }
        merge(out, head);
    }

    /// Stores one render with what its chart contributed (load notices and errors, templates
    /// keeping values), so that a hit needs no chart at all.
    fn store(&self, cache: &RenderCache<'_>, key: &str, head: &ChartOutcome, one: &ChartOutcome) {
        let findings: Vec<Finding> = head.findings.iter().chain(&one.findings).cloned().collect();
        let mut sources: Vec<Arc<SourceFile>> = Vec::new();
        let paths = findings.iter().flat_map(|f| std::iter::once(&f.path).chain(f.related.iter().map(|r| &r.path)));
        for path in paths {
            if sources.iter().any(|s| &s.path == path) {
                continue;
            }
            let found = one
                .sources
                .get(path)
                .or_else(|| head.sources.get(path))
                .cloned()
                .or_else(|| self.templates.borrow().get(path).cloned())
                .or_else(|| self.files.borrow().get(path).cloned().flatten().map(|(f, _)| f));
            match found {
                Some(f) => sources.push(f),
                None => return,
            }
        }
        let body = RenderBody {
            findings,
            notices: head.notices.iter().chain(&one.notices).cloned().collect(),
            facts: one.rendered.first().map(|r| r.facts.clone()),
            renders: one.renders,
            keeps_values: head.keeps_values.iter().cloned().collect(),
        };
        cache.store(key.to_string(), &body, sources);
    }

    /// Loads the chart once and renders each plan into its own outcome (`each`, in order);
    /// what the chart itself yields goes to `out`.
    fn render_all(
        &self,
        dir: &str,
        abs_dir: &Path,
        plans: &[&Plan],
        out: &mut ChartOutcome,
        each: &mut [ChartOutcome],
    ) {
        let cx = self.cx;
        let chart = match super::chart::load_with(abs_dir, self.tree) {
            Ok((c, resolved)) => {
                let path = format!("{dir}Chart.yaml");
                out.notices.extend(resolved.iter().map(|r| Notice { path: path.clone(), message: r.to_string() }));
                c
            }
            Err(e) => {
                self.push_error(out, &format!("{dir}Chart.yaml"), None, &e.0, &EnvInfo::default());
                return;
            }
        };
        if chart.is_library() {
            return;
        }
        let templates = super::lookups::Templates::of(&chart);
        out.keeps_values.extend(templates.keeping_values().into_iter().map(|t| format!("{dir}{t}")));
        let generating = templates.generating_defines();
        let base_values = format!("{dir}values.yaml");
        for (plan, out) in plans.iter().zip(each.iter_mut()) {
            let mut layers: Vec<ValuesLayer> = self.file_layer(&base_values).into_iter().collect();
            let Some(user) = self.user_values(plan, &mut layers, out) else { continue };
            let layers: Vec<&ValuesLayer> = layers.iter().collect();
            let opts = RenderOptions {
                release_name: plan.release_name.clone().unwrap_or_else(|| chart.name.clone()),
                namespace: plan.namespace.clone(),
                values: user,
                ..RenderOptions::default()
            };
            out.renders += 1;
            match render::render(chart.clone(), &opts) {
                Ok(rendered) => self.check_rendered(dir, &rendered, &layers, plan, &generating, out),
                Err(RenderError::Schema(msg)) => {
                    let (path, at) = schema_location(dir, &msg, &layers);
                    let message = format!(
                        "chart cannot render: values don't meet the chart's values.schema.json: {}",
                        msg.replace('\n', " ")
                    );
                    self.push_error(out, &path, at, &message, &plan.env);
                }
                // A chart source repository never commits its dependencies: for a chart no
                // release deploys, that is not a finding, only a chart that was not checked.
                Err(RenderError::MissingDependencies(missing)) if plan.release.is_none() => {
                    out.notices.push(Notice {
                        path: format!("{dir}Chart.yaml"),
                        message: format!(
                            "not rendered: dependencies {} are neither vendored nor in the tree, and no release deploys this chart",
                            missing.iter().map(|m| format!("{} {}", m.name, m.version)).collect::<Vec<_>>().join(", ")
                        ),
                    });
                }
                // `required`/`fail` with the chart's own values files (its defaults, its sample
                // `values-production.yaml`): the chart asks its user for a value, which a chart no
                // release deploys has not been given. Not a broken chart.
                Err(RenderError::Template(msg))
                    if plan.release.is_none()
                        && plan.values.iter().all(|v| matches!(v, ValuesSource::File(f) if f.starts_with(dir)))
                        && msg.contains("execution error at (") =>
                {
                    out.notices.push(Notice {
                        path: format!("{dir}Chart.yaml"),
                        message: format!(
                            "not rendered with the chart's own values, which ask for a value no release supplies: {}",
                            msg.lines().next().unwrap_or("")
                        ),
                    });
                }
                Err(e) => {
                    let (at, message) = error_location(dir, abs_dir, &e);
                    self.push_error(out, &at.0, at.1, &message, &plan.env);
                }
            }
        }
        let _ = cx;
    }

    /// Reads and parses a values file of the tree once per run.
    fn file_layer(&self, rel: &str) -> Option<ValuesLayer> {
        let (file, root) = self
            .files
            .borrow_mut()
            .entry(rel.to_string())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(self.base.join(rel)).ok()?;
                let file = Arc::new(SourceFile::new(rel.to_string(), text));
                let root = yaml::load(&file).documents.into_iter().next().map(|d| d.root);
                Some((file, root))
            })
            .clone()?;
        Some(ValuesLayer { file, root, embedded: None, set: None })
    }

    /// A values file as the engine reads it: parsed once per run, a fresh copy per render
    /// (a render may change its values).
    fn engine_values(&self, file: &SourceFile) -> Option<values::Values> {
        self.parsed
            .borrow_mut()
            .entry(file.path.clone())
            .or_insert_with(|| values::parse_values(&file.text).ok())
            .as_ref()
            .map(values::deep_copy_map)
    }

    /// Layers the plan's values in order into the user values; `None` when a layer is broken
    /// (its own finding or notice says why).
    fn user_values(
        &self,
        plan: &Plan,
        layers: &mut Vec<ValuesLayer>,
        out: &mut ChartOutcome,
    ) -> Option<values::Values> {
        let mut user = values::Values::new();
        for source in &plan.values {
            match source {
                ValuesSource::File(rel) => {
                    let Some(layer) = self.file_layer(rel) else {
                        out.notices.push(Notice { path: rel.clone(), message: "values file cannot be read".into() });
                        return None;
                    };
                    // A values file that does not parse has a parse-error finding of its own.
                    values::merge_maps(&mut user, self.engine_values(&layer.file)?);
                    layers.push(layer);
                }
                ValuesSource::Inline { file, node } => {
                    let node = substitute_node(node, &plan.vars);
                    match super::funcs::yaml::yaml_to_value(&node) {
                        super::value::Value::Map(m) => values::merge_maps(&mut user, m.borrow().clone()),
                        super::value::Value::Nil => {}
                        _ => {
                            out.notices.push(inline_notice(file, node.span, "inline values are not a mapping"));
                            return None;
                        }
                    }
                    layers.push(ValuesLayer { file: file.clone(), root: Some(node), embedded: None, set: None });
                }
                ValuesSource::Text { file, span, text } => {
                    let text = crate::gitops::kustomize::substitute(text, &plan.vars);
                    match values::parse_values(&text) {
                        Ok(v) => values::merge_maps(&mut user, v),
                        Err(e) => {
                            out.notices.push(inline_notice(file, *span, &format!("values text does not parse: {e}")));
                            return None;
                        }
                    }
                    let own = SourceFile::new(file.path.clone(), text);
                    let root = yaml::load(&own).documents.into_iter().next().map(|d| d.root);
                    let start = file.position(span.start);
                    layers.push(ValuesLayer { file: file.clone(), root, embedded: Some((own, start)), set: None });
                }
                ValuesSource::Set { file, span, path, value, string } => {
                    if let Err(e) = values::parse_set(&mut user, &format!("{path}={value}"), *string) {
                        out.notices.push(inline_notice(file, *span, &format!("parameter `{path}`: {e}")));
                        return None;
                    }
                    layers.push(ValuesLayer {
                        file: file.clone(),
                        root: None,
                        embedded: None,
                        set: Some((value.clone(), *span)),
                    });
                }
            }
        }
        Some(user)
    }

    /// Whether a rendered secret whose line starts in a named template (`{{ template "x.keyName" . }}:
    /// {{ $kp.Key | b64enc }}`: the key from a helper, the value from the caller) was generated by
    /// the calling template: a line of the rendered file's own template calls that helper and
    /// writes a generated value (a generator call, or a variable assigned from one). Only for a
    /// value no values layer holds and no template writes literally, so a branch that renders a
    /// key from the values (`{{ .Values.tls.key | b64enc }}`) is still reported.
    #[allow(clippy::too_many_arguments)]
    fn generated_by_caller(
        &self,
        dir: &str,
        f: &render::RenderedFile,
        origins: &BTreeMap<String, String>,
        helper: &SourceFile,
        line: usize,
        secret: &str,
        generating: &BTreeSet<String>,
    ) -> bool {
        let own_path = template_path(&f.name, dir, origins);
        if own_path == helper.path {
            return false;
        }
        let Some(name) = enclosing_define(helper, line) else { return false };
        let own = self.template(&own_path);
        if helper.text.contains(secret) || own.text.contains(secret) {
            return false;
        }
        let call = format!("\"{name}\"");
        own.text.lines().filter(|l| l.contains(&call) && (l.contains("template") || l.contains("include"))).any(|l| {
            generated_at_render(l)
                || super::lookups::line_includes(l, generating)
                || super::lookups::uses_generated_variable(&own.text, l, generating)
        })
    }

    /// Where rendered line `rendered_line` (text `text`) points: the template line that wrote it,
    /// or, when a named template merely printed data handed to it (`common.tplvalues.render`
    /// writing a values block: the helper line names neither the key nor the value), the line
    /// that printed the helper's result, where that data was chosen. The helper line moved away
    /// from comes back for a related location.
    fn locate(
        &self,
        f: &render::RenderedFile,
        rendered_line: usize,
        text: &str,
        secret: Option<&str>,
        dir: &str,
        origins: &BTreeMap<String, String>,
    ) -> (String, usize, Option<Loc>) {
        let (path, line) = map_line(f, rendered_line, dir, origins);
        let Some((call_path, call_line)) = call_site(f, rendered_line, dir, origins).filter(|(p, _)| *p != path) else {
            return (path, line, None);
        };
        let helper = self.template(&path);
        let written = helper.text.get(helper.line_start(line)..helper.line_end(line)).unwrap_or("");
        let key = line_key(text);
        let names_key = key.len() >= 2 && written.contains(key);
        let names_value = secret.is_some_and(|s| s.len() >= 3 && written.contains(s));
        if names_key || names_value || helper.text.is_empty() {
            return (path, line, None);
        }
        let off = helper.offset_of(line, 0);
        (call_path, call_line, Some(Loc { file: helper, span: Span::new(off, off) }))
    }

    /// A template file of the tree, read once per scan.
    fn template(&self, rel: &str) -> Arc<SourceFile> {
        self.templates
            .borrow_mut()
            .entry(rel.to_string())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(self.base.join(rel)).unwrap_or_default();
                Arc::new(SourceFile::new(rel.to_string(), text))
            })
            .clone()
    }

    fn push_error(&self, out: &mut ChartOutcome, path: &str, at: Option<(usize, usize)>, message: &str, env: &EnvInfo) {
        let cx = self.cx;
        let (line, column) = at.unwrap_or((1, 1));
        // Load the file for a code frame (templates and Chart.yaml hold no secret values).
        let mut span = Span::default();
        let file = if path.ends_with(".yaml") && !path.contains("/templates/") && !path.ends_with("Chart.yaml") {
            self.file_layer(path).map(|l| l.file)
        } else {
            Some(self.template(path))
        };
        if let Some(file) = file.filter(|f| !f.text.is_empty()) {
            let off = file.offset_of(line, column.saturating_sub(1));
            span = Span::new(off, off);
            out.sources.entry(path.to_string()).or_insert(file);
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
            content: cx.fingerprinter.fingerprint(meta.id, "", first_line, None),
            related: Vec::new(),
            secret_spans: Vec::new(),
        });
    }

    fn check_rendered(
        &self,
        dir: &str,
        rendered: &render::Output,
        layers: &[&ValuesLayer],
        plan: &Plan,
        generating: &BTreeSet<String>,
        out: &mut ChartOutcome,
    ) {
        let cx = self.cx;
        let env = &plan.env;
        let mut facts = Vec::new();
        for f in &rendered.files {
            if f.text.trim().is_empty() || f.name.ends_with("NOTES.txt") {
                continue;
            }
            let file = SourceFile::new(f.name.clone(), f.text.clone());
            let (hits, loaded) = check::check_documents(&file, FileClass::Manifest, env, cx);
            let locator = RenderedLocator { scan: self, rendered: &file, f, dir, origins: &rendered.origins, layers };
            for doc in &loaded.documents {
                facts.extend(crate::model::facts::extract(&doc.root, &locator));
            }
            for hit in check::dedupe(hits) {
                let Some(meta) = rules::meta(hit.rule) else { continue };
                // Rendered YAML that does not parse is Helm's error too; report it as a render error.
                if hit.rule == "parse-error" {
                    let line = file.position(hit.span.start).line;
                    let (tpl, tpl_line) = map_line(f, line, dir, &rendered.origins);
                    let msg = format!("chart renders invalid YAML in {}: {}", f.name, hit.message);
                    self.push_error(out, &tpl, Some((tpl_line, 1)), &msg, env);
                    continue;
                }
                let Some(severity) = cx.config.severity(meta.id, hit.severity.unwrap_or(meta.severity)) else {
                    continue;
                };
                let rendered_line = file.position(hit.span.start).line;
                let rendered_line_text = &file.text[file.line_start(rendered_line)..file.line_end(rendered_line)];
                let secret = hit.secret.and_then(|s| file.text.get(s.range()));
                let (path, tpl_line, helper) =
                    self.locate(f, rendered_line, rendered_line_text, secret, dir, &rendered.origins);
                let tpl_file = self.template(&path);
                let tpl_line_text =
                    tpl_file.text.get(tpl_file.line_start(tpl_line)..tpl_file.line_end(tpl_line)).unwrap_or("");
                // A generated credential written into a ConfigMap is still readable by anyone who
                // can read the namespace: only where a value comes from Git does generation clear it.
                if secret.is_some()
                    && hit.rule != "configmap-credential"
                    && (generated_at_render(tpl_line_text)
                        || super::lookups::line_includes(tpl_line_text, generating)
                        || super::lookups::uses_generated_variable(&tpl_file.text, tpl_line_text, generating))
                {
                    // Made by the render (randAlphaNum, genCA, …), not a literal from Git;
                    // helm-random-secret judges whether it is kept.
                    continue;
                }
                let traced = secret.and_then(|s| trace_value(layers, s));
                if traced.as_ref().is_some_and(|l| crate::model::fixtures::is_fixture_path(l.path())) {
                    // A fixture value passing through the bootstrap chart: the fixtures pack's business.
                    continue;
                }
                if let Some(secret) = secret
                    && traced.is_none()
                    && hit.rule != "configmap-credential"
                    && self.generated_by_caller(dir, f, &rendered.origins, &tpl_file, tpl_line, secret, generating)
                {
                    continue;
                }
                let (column, secret_spans) = template_column(&tpl_file, tpl_line, rendered_line_text, secret);
                let pos = Position { line: tpl_line, column };
                let offset = tpl_file.offset_of(tpl_line, column.saturating_sub(1));
                let related: Vec<Related> = traced
                    .map(|l| l.related("value comes from here"))
                    .into_iter()
                    .chain(helper.map(|l| l.related("printed by the named template here")))
                    .collect();
                let fingerprint =
                    cx.fingerprinter.fingerprint(meta.id, &path, &hit.identity, secret.map(str::as_bytes));
                let content = cx.fingerprinter.fingerprint(meta.id, "", &hit.identity, secret.map(str::as_bytes));
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
                    content,
                    related,
                    secret_spans,
                });
            }
        }
        out.rendered.push(rendered_facts(plan, facts));
    }
}

fn rendered_facts(plan: &Plan, facts: Vec<crate::model::facts::ObjectFacts>) -> RenderedFacts {
    let envs = if plan.env.shared { None } else { Some(plan.env.envs.clone()) };
    RenderedFacts { release: plan.release, envs, namespace: plan.namespace.clone(), facts }
}

fn merge(out: &mut ChartOutcome, one: ChartOutcome) {
    out.findings.extend(one.findings);
    out.notices.extend(one.notices);
    for (path, src) in one.sources {
        out.sources.entry(path).or_insert(src);
    }
    out.rendered.extend(one.rendered);
    out.renders += one.renders;
    out.keeps_values.extend(one.keeps_values);
}

/// A cached render as the outcome rendering it again would give.
fn cached_outcome(body: RenderBody, files: Vec<Arc<SourceFile>>, plan: &Plan) -> ChartOutcome {
    ChartOutcome {
        findings: body.findings,
        notices: body.notices,
        sources: files.into_iter().map(|f| (f.path.clone(), f)).collect(),
        rendered: body.facts.map(|facts| rendered_facts(plan, facts)).into_iter().collect(),
        renders: body.renders,
        keeps_values: body.keeps_values.into_iter().collect(),
    }
}

/// The render cache key of `plan`: every chart file (in the digest already), the chart, the
/// release, its environment and variables, and each values layer by content. `None` when a
/// values file cannot be read (the render reports that itself).
fn plan_key(cache: &RenderCache<'_>, dir: &str, plan: &Plan) -> Option<String> {
    let mut d = cache.digest();
    d.add(dir.as_bytes())
        .add(format!("{:?}", plan.release_name).as_bytes())
        .add(plan.namespace.as_bytes())
        .add(&[u8::from(plan.release.is_some())])
        .add(format!("{:?}", plan.env).as_bytes())
        .add(format!("{:?}", plan.vars).as_bytes());
    // Inline values, values text and parameters: by the declaring file's text and by their own
    // content, which an ApplicationSet generator fills from other files (git `files` parameters).
    let own = |d: &mut crate::cache::KeyDigest, file: &SourceFile| {
        use sha2::Digest;
        d.add(file.path.as_bytes()).add(&sha2::Sha256::digest(file.text.as_bytes()));
    };
    for v in &plan.values {
        match v {
            ValuesSource::File(rel) => {
                d.add(b"file").add(rel.as_bytes()).add(&cache.file_identity(rel)?);
            }
            ValuesSource::Inline { file, node } => {
                own(d.add(b"inline"), file);
                d.add(format!("{node:?}").as_bytes());
            }
            ValuesSource::Text { file, span, text } => {
                own(d.add(b"text"), file);
                d.add(format!("{span:?}").as_bytes()).add(text.as_bytes());
            }
            ValuesSource::Set { file, span, path, value, string } => {
                own(d.add(b"set"), file);
                d.add(format!("{span:?}").as_bytes())
                    .add(path.as_bytes())
                    .add(value.as_bytes())
                    .add(&[u8::from(*string)]);
            }
        }
    }
    Some(d.finish())
}

/// Locations of rendered objects: the template line that produced each node, and the values
/// line a rendered name came from.
struct RenderedLocator<'a> {
    scan: &'a Scan<'a>,
    rendered: &'a SourceFile,
    f: &'a render::RenderedFile,
    dir: &'a str,
    origins: &'a BTreeMap<String, String>,
    layers: &'a [&'a ValuesLayer],
}

impl Locator for RenderedLocator<'_> {
    fn loc(&self, node: &Node) -> Loc {
        let line = self.rendered.position(node.span.start).line;
        let line_text = &self.rendered.text[self.rendered.line_start(line)..self.rendered.line_end(line)];
        let (path, tpl_line, _) = self.scan.locate(self.f, line, line_text, None, self.dir, self.origins);
        let tpl = self.scan.template(&path);
        let (column, _) = template_column(&tpl, tpl_line, line_text, node.as_str());
        let off = tpl.offset_of(tpl_line, column.saturating_sub(1));
        Loc { file: tpl, span: Span::new(off, off) }
    }

    fn origin(&self, node: &Node) -> Option<Loc> {
        let text = node.as_str().filter(|t| t.len() >= 2)?;
        let line = self.rendered.position(node.span.start).line;
        let (path, tpl_line) = map_line(self.f, line, self.dir, self.origins);
        let tpl = self.scan.template(&path);
        let written = tpl.text.get(tpl.line_start(tpl_line)..tpl.line_end(tpl_line)).unwrap_or("");
        // A name written literally in the template comes from the template, not the values.
        if written.contains(text) {
            return None;
        }
        trace_value(self.layers, text)
    }
}

/// Whether a template line computes a value at render time: random or generated key material.
fn generated_at_render(line: &str) -> bool {
    line.contains("{{") && super::lookups::GENERATORS.iter().any(|g| line.contains(g))
}

/// `${VAR}` substitution in every scalar of an inline values tree.
fn substitute_node(node: &Node, vars: &BTreeMap<String, String>) -> Node {
    let mut n = node.clone();
    if vars.is_empty() {
        return n;
    }
    fn walk(n: &mut Node, vars: &BTreeMap<String, String>) {
        match &mut n.value {
            YamlValue::Scalar(s) => s.text = crate::gitops::kustomize::substitute(&s.text, vars),
            YamlValue::Seq(items) => items.iter_mut().for_each(|i| walk(i, vars)),
            YamlValue::Map(entries) => entries.iter_mut().for_each(|e| walk(&mut e.value, vars)),
        }
    }
    walk(&mut n, vars);
    n
}

fn inline_notice(file: &SourceFile, span: Span, message: &str) -> Notice {
    Notice { path: file.path.clone(), message: format!("line {}: {message}", file.position(span.start).line) }
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
                let loc = layer.loc(node.span);
                let p = loc.position();
                return (loc.file.path.clone(), Some((p.line, p.column)));
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

fn map_line(
    f: &render::RenderedFile,
    rendered_line: usize,
    dir: &str,
    origins: &BTreeMap<String, String>,
) -> (String, usize) {
    let (tpl, line) = match f.lines.get(rendered_line.saturating_sub(1)).cloned().flatten() {
        Some(l) => (l.src.to_string(), l.line as usize),
        None => (f.name.clone(), 1),
    };
    (template_path(&tpl, dir, origins), line.max(1))
}

/// The template path and line that printed an `include` result holding `rendered_line`.
fn call_site(
    f: &render::RenderedFile,
    rendered_line: usize,
    dir: &str,
    origins: &BTreeMap<String, String>,
) -> Option<(String, usize)> {
    let l = f.lines.get(rendered_line.saturating_sub(1))?.as_ref()?;
    let (src, line) = l.call.as_ref()?;
    Some((template_path(src, dir, origins), (*line as usize).max(1)))
}

/// The key a rendered line writes (`key: v`, `key = v`, `- key: v`, `"key": v` with its quotes).
fn line_key(rendered_line: &str) -> &str {
    let t = rendered_line.trim_start().trim_start_matches("- ").trim_start();
    &t[..t.find([':', '=', ' ', '\t']).unwrap_or(t.len())]
}

/// The path (relative to the scan base) of the template Helm names `tpl`.
fn template_path(tpl: &str, dir: &str, origins: &BTreeMap<String, String>) -> String {
    let path = match origins.get(tpl) {
        Some(origin) => format!("{dir}{origin}"),
        // Archived subcharts: point at the archive's template name under the chart folder.
        None => format!("{dir}{}", tpl.split_once('/').map_or(tpl, |(_, r)| r)),
    };
    // A dependency taken from elsewhere in the tree (`file://../common`) is named by its own
    // path, as every other finding in that file is, not through the parent chart's folder.
    if path.split('/').any(|s| s == ".." || s == ".") {
        return crate::discover::normalize(&path).unwrap_or(path);
    }
    path
}

/// The name of the `define` block that holds 1-based `line` of `file`, if any.
fn enclosing_define(file: &SourceFile, line: usize) -> Option<String> {
    let before = file.text.get(..file.line_end(line))?;
    // The nearest define above the line: helpers are written one block after another, and an
    // `{{ end }}` of an `if` inside a block cannot be told from the block's own here.
    let at = before.rfind("define \"")?;
    let rest = &before[at + "define \"".len()..];
    rest.split_once('"').map(|(name, _)| name.to_string())
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
    let key = line_key(rendered_line);
    let at = (!key.is_empty()).then(|| text.find(key)).flatten().or_else(|| text.find(|c: char| !c.is_whitespace()));
    (at.map_or(1, |i| tpl.position(start + i).column), Vec::new())
}

/// Finds the values line a rendered value came from: the last layer holding that exact scalar
/// (or, for Secret `data`, its base64 decoding).
fn trace_value(layers: &[&ValuesLayer], value: &str) -> Option<Loc> {
    let value = value.trim_matches(|c| c == '"' || c == '\'');
    // Secret `data` is base64 of the values string (`b64enc`).
    let decoded = super::funcs::encoding::base64_decode(value).ok().and_then(|b| String::from_utf8(b).ok());
    let candidates: Vec<&str> = std::iter::once(value).chain(decoded.as_deref()).collect();
    for layer in layers.iter().rev() {
        if let Some((v, span)) = &layer.set {
            if candidates.contains(&v.as_str()) {
                return Some(Loc { file: layer.file.clone(), span: Span::new(span.start, span.start) });
            }
            continue;
        }
        let Some(root) = &layer.root else { continue };
        if let Some(span) = candidates.iter().find_map(|c| find_scalar(root, c)) {
            let loc = layer.loc(span);
            return Some(Loc { span: Span::new(loc.span.start, loc.span.start), ..loc });
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The render key follows what the render reads: an ApplicationSet generator fills inline
    /// values from other files (git `files` parameters) while the declaring file stays the same.
    #[test]
    fn the_render_key_follows_inline_values_and_release_parameters() {
        let cache = crate::cache::ModelCache::empty();
        let dir = tempfile::tempdir().expect("tempdir");
        let charts = BTreeSet::new();
        let renders = RenderCache::new(&cache, dir.path(), &charts);
        let appset = Arc::new(SourceFile::new("appset.yaml".into(), "kind: ApplicationSet\n".into()));
        let values = |password: &str| {
            let file = SourceFile::new("appset.yaml".into(), format!("password: {password}\n"));
            yaml::load(&file).documents.into_iter().next().expect("a document").root
        };
        let plan = |password: &str, namespace: &str| Plan {
            chart: "charts/app/".into(),
            env: EnvInfo::default(),
            values: vec![ValuesSource::Inline { file: appset.clone(), node: values(password) }],
            release_name: Some("app".into()),
            namespace: namespace.into(),
            release: Some(0),
            vars: Arc::default(),
        };
        let key = |p: &Plan| plan_key(&renders, "charts/app/", p).expect("a key");
        assert_eq!(key(&plan("aaaa", "prod")), key(&plan("aaaa", "prod")));
        assert_ne!(key(&plan("aaaa", "prod")), key(&plan("bbbb", "prod")), "same file, other generated values");
        assert_ne!(key(&plan("aaaa", "prod")), key(&plan("aaaa", "dev")));
    }
}
