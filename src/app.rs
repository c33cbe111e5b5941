//! Orchestration of `check`: discover → load → check → suppress → report.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::cache::{self, ModelCache};
use crate::check::{self, ScanContext};
use crate::config::{Config, ConfigError};
use crate::discover::{self, FileClass};
use crate::env::{self, Environments};
use crate::finding::Fingerprinter;
use crate::gitops::{self, Decl, Discovery};
use crate::model::{Model, RawFile};
use crate::report::Report;

#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub paths: Vec<PathBuf>,
    pub config: Option<PathBuf>,
    /// Only files of these environments (and shared files) are scanned; empty = all.
    pub envs: Vec<String>,
    pub threads: usize,
    /// A deployed secrets folder to audit for permissions and ownership (`--check-permissions`).
    pub check_permissions: Option<PathBuf>,
    /// Expected owner of the audited files, a user name or uid (default: the running user).
    pub owner: Option<String>,
    /// Only rules of these packs run (`--pack`); empty = all.
    pub packs: Vec<String>,
    /// Accepted findings to hide (`--baseline`).
    pub baseline: Option<PathBuf>,
    /// Only report findings in these files, relative to the scanned folder (`--staged`,
    /// `--since`); the model still sees the whole repository.
    pub changed: Option<Vec<String>>,
    /// Also check the files Git ignore rules skip (`--no-ignore`).
    pub no_ignore: bool,
    /// Do not read or write the model cache that `changed` runs use (`--no-cache`).
    pub no_cache: bool,
    /// Put each environment's secret graph in the report (for the HTML report).
    pub graph: bool,
    /// Counts for a progress display (the CLI sets it on a terminal).
    pub progress: Option<std::sync::Arc<crate::progress::Progress>>,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CheckError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] ConfigError),
    #[error("path does not exist: {0}")]
    #[diagnostic(code(secretgate::usage))]
    MissingPath(String),
    #[error("cannot start worker threads")]
    Threads(#[source] rayon::ThreadPoolBuildError),
    #[error("cannot read the baseline {0}: {1}")]
    #[diagnostic(code(secretgate::usage))]
    Baseline(String, String),
    #[error("--check-permissions {0}: {1}")]
    #[diagnostic(code(secretgate::usage))]
    Permissions(String, String),
}

/// The folder paths are reported relative to: the single directory scanned, else the current one.
pub fn scan_base(paths: &[PathBuf]) -> PathBuf {
    match paths {
        [one] if one.is_dir() => one.clone(),
        _ => PathBuf::from("."),
    }
}

pub fn run_check(opts: &CheckOptions) -> Result<Report, CheckError> {
    let started = Instant::now();
    if opts.paths.is_empty()
        && let Some(target) = &opts.check_permissions
    {
        // An audit of a host folder alone: no content scan of the current directory.
        let config = match &opts.config {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        let findings = audit_permissions(target, opts.owner.as_deref(), &config)?;
        let mut report = Report { findings, ..Report::default() };
        report.count();
        report.summary.duration_ms = started.elapsed().as_millis();
        return Ok(report);
    }
    let Analysis { config, mut report, discovery, model, envs, suppressions, base, cache_write } =
        analyze(opts, Stage::Model)?;
    report.environments = envs;
    report.root_prefix = root_prefix(&base);
    let key = std::env::var(&config.fingerprint_key_env).ok().map(String::into_bytes);
    let fingerprinter = Fingerprinter::new(key);
    let repo_files = HashSet::new();
    let cx = ScanContext { config: &config, fingerprinter: &fingerprinter, repo_files: &repo_files };
    let _ = &base;
    let mut clock = crate::progress::Timings::start();
    let (findings, files) = check::check_model(&model, &discovery.releases, &opts.envs, &cx);
    clock.mark("model rules");
    if opts.graph {
        report.graph = model
            .envs
            .iter()
            .filter(|e| opts.envs.is_empty() || e.name.as_ref().is_none_or(|n| opts.envs.contains(n)))
            .map(|e| (e.name.clone().unwrap_or_else(|| "all".into()), crate::report::graph::build(e)))
            .collect();
    }
    report.findings.extend(findings);
    for f in files {
        report.sources.entry(f.path.clone()).or_insert(f);
    }
    if let Some(target) = &opts.check_permissions {
        report.findings.extend(audit_permissions(target, opts.owner.as_deref(), &config)?);
    }
    check::demote_tests_and_docs(&mut report.findings, &config);
    let ran = |rule: &str| config.is_enabled(rule) && crate::rules::meta(rule).is_some();
    let fp = |path: &str, identity: &str| fingerprinter.fingerprint(crate::suppress::UNUSED, path, identity, None);
    // Suppressions apply before the change filter: one in an unchanged file hides that file's
    // findings, and its `unused-suppression` (it saw none) is then filtered out with them.
    report.summary.suppressed = crate::suppress::apply(
        &mut report.findings,
        &suppressions,
        &ran,
        &crate::suppress::today(),
        &report.sources,
        &fp,
    );
    if let Some(changed) = &opts.changed {
        only_changed(&mut report, changed, &discovery);
    }
    if let Some(path) = &opts.baseline {
        apply_baseline(&mut report, path, &base, opts.changed.as_deref())?;
    }
    if let Some(Ok(Err(e))) = cache_write.map(std::thread::JoinHandle::join) {
        report.notices.push(crate::finding::Notice {
            path: String::new(),
            message: format!("the model cache was not saved ({e}); the next run reads every file"),
        });
    }
    report.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    report.notices.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    report.notices.dedup();
    report.count();
    report.summary.duration_ms = started.elapsed().as_millis();
    clock.mark("suppress, baseline, sort");
    Ok(report)
}

/// `base` relative to the enclosing Git work tree's root, with a trailing `/` (empty when `base`
/// is the root or no work tree encloses it).
fn root_prefix(base: &Path) -> String {
    let Ok(abs) = base.canonicalize() else { return String::new() };
    let mut dir = abs.as_path();
    loop {
        if dir.join(".git").exists() {
            let rel = abs.strip_prefix(dir).map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
            return if rel.is_empty() { rel } else { format!("{rel}/") };
        }
        match dir.parent() {
            Some(p) => dir = p,
            None => return String::new(),
        }
    }
}

/// Keeps the findings that concern `changed` files: found in one, related to one, or rendered
/// from a chart whose release reads a changed values file.
fn only_changed(report: &mut Report, changed: &[String], discovery: &Discovery) {
    let prefixes = widened_charts(changed, discovery);
    let changed: BTreeSet<&str> = changed.iter().map(String::as_str).collect();
    report.findings.retain(|f| {
        changed.contains(f.path.as_str())
            || f.related.iter().any(|r| changed.contains(r.path.as_str()))
            || prefixes.iter().any(|p| f.path.starts_with(p.as_str()))
    });
}

/// The folders of the local charts whose releases read a changed file (values, or the
/// declaration itself): a change there concerns every finding of the chart.
fn widened_charts(changed: &[String], discovery: &Discovery) -> Vec<String> {
    let changed: BTreeSet<&str> = changed.iter().map(String::as_str).collect();
    let mut prefixes: Vec<String> = Vec::new();
    for r in &discovery.releases {
        let reads_changed = r.values.iter().any(|v| match v {
            gitops::ValuesSource::File(rel) => changed.contains(rel.as_str()),
            gitops::ValuesSource::Inline { file, .. }
            | gitops::ValuesSource::Text { file, .. }
            | gitops::ValuesSource::Set { file, .. } => changed.contains(file.path.as_str()),
        }) || changed.contains(r.declared_path.as_str());
        if reads_changed && let gitops::ChartRef::Local(dir) = &r.chart {
            prefixes.push(dir.clone());
        }
    }
    prefixes
}

/// Hides baselined findings; entries that match nothing become `unused-suppression` findings
/// at their line of the baseline file.
/// With `changed` (`--staged`, `--since`), only entries for changed files can be stale: the
/// others' findings were not looked for.
fn apply_baseline(report: &mut Report, path: &Path, base: &Path, changed: Option<&[String]>) -> Result<(), CheckError> {
    let fail = |e: String| CheckError::Baseline(path.display().to_string(), e);
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let baseline: crate::suppress::Baseline = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let (hidden, stale) = baseline.apply(&mut report.findings, &|f| f.content.clone());
    report.summary.baselined = hidden;
    let rel = path.strip_prefix(base).unwrap_or(path).to_string_lossy().replace('\\', "/");
    let file = std::sync::Arc::new(crate::source::SourceFile::new(rel.clone(), text));
    for e in stale.into_iter().filter(|e| changed.is_none_or(|c| c.contains(&e.path))) {
        let at = file.text.find(&e.fingerprint).unwrap_or(0);
        let pos = file.position(at);
        report.findings.push(crate::finding::Finding {
            rule: crate::suppress::UNUSED,
            severity: crate::finding::Severity::Warning,
            path: rel.clone(),
            span: crate::source::Span::new(at, at),
            start: pos,
            end: pos,
            message: format!("baseline entry for `{}` in {} matches no finding", e.rule, e.path),
            help: Some("regenerate the baseline with `secretgate baseline`".into()),
            envs: Vec::new(),
            fingerprint: e.fingerprint.clone(),
            content: e.fingerprint.clone(),
            related: Vec::new(),
            secret_spans: Vec::new(),
        });
    }
    report.sources.entry(rel).or_insert(file);
    Ok(())
}

/// Everything a scan learns before the cross-file rules run.
pub struct Analysis {
    pub base: PathBuf,
    pub config: Config,
    /// Findings and notices of the files and of the chart renders.
    pub report: Report,
    pub discovery: Discovery,
    pub model: Model,
    /// Every environment: configured, from paths, and declared (ApplicationSets, Helmfile).
    pub envs: Vec<String>,
    /// Inline suppressions of every file.
    pub suppressions: Vec<crate::suppress::Suppression>,
    /// The model cache being written, if anything in it changed (join before exiting).
    pub cache_write: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

/// How far [`analyze`] goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Stop after release discovery (`secretgate releases`).
    Releases,
    /// Render and build the model (`check`, `graph`).
    Model,
}

/// discover → load and check each file → release discovery → values files re-read as values →
/// render → model.
pub fn analyze(opts: &CheckOptions, stage: Stage) -> Result<Analysis, CheckError> {
    let paths = if opts.paths.is_empty() { vec![PathBuf::from(".")] } else { opts.paths.clone() };
    for p in &paths {
        if !p.exists() {
            return Err(CheckError::MissingPath(p.display().to_string()));
        }
    }
    let base = scan_base(&paths);
    let mut clock = crate::progress::Timings::start();
    let mut config = match &opts.config {
        Some(p) => Config::load(p)?,
        None => Config::discover(&base)?,
    };
    if !opts.packs.is_empty() {
        for m in crate::rules::catalog() {
            if !opts.packs.iter().any(|p| p == m.pack.as_str()) {
                config.rules.insert(m.id.to_string(), crate::config::RuleSetting::Off);
            }
        }
    }
    let render_charts = opts.packs.is_empty()
        || opts
            .packs
            .iter()
            .any(|p| matches!(p.as_str(), "helm" | "manifests" | "external-secrets" | "fixtures" | "references"));
    let threads =
        if opts.threads == 0 { std::thread::available_parallelism().map_or(2, |n| n.get()) } else { opts.threads };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(CheckError::Threads)?;

    // Runs that report on changed files only take what unchanged files yield from the cache,
    // read while the tree is walked.
    let opening = match &opts.changed {
        Some(_) if !opts.no_cache => {
            let (base, settings) = (base.clone(), cache_settings(&config, opts));
            Some(std::thread::spawn(move || ModelCache::open(&base, &settings)))
        }
        _ => None,
    };
    let mut discovered = discover::discover(&base, &paths, &config, threads, opts.no_ignore);
    let key = std::env::var(&config.fingerprint_key_env).ok().map(String::into_bytes);
    let fingerprinter = Fingerprinter::new(key);
    let repo_files: HashSet<String> = discovered.files.iter().map(|c| c.rel.clone()).collect();
    clock.mark("discover");

    let file_envs: Vec<Option<String>> = discovered.files.iter().map(|c| env::env_of(&config, &c.rel)).collect();
    // The repository's environments come from its folders and config; a `values-production.yaml`
    // beside one chart makes an environment for that file only.
    let folder_envs: Vec<String> =
        discovered.files.iter().filter_map(|c| env::folder_env_of(&config, &c.rel)).collect();
    let environments = Environments::new(&config, folder_envs.iter().map(String::as_str));
    // With several trees scanned side by side, a shared file belongs to the environments of its
    // own tree only.
    let roots: Vec<PathBuf> = paths.iter().filter(|p| p.is_dir()).cloned().collect();
    let root_of = |c: &discover::Candidate| roots.iter().position(|r| c.abs.starts_with(r));
    let per_root: Vec<Environments> = if roots.len() > 1 {
        (0..roots.len())
            .map(|i| {
                let found = discovered
                    .files
                    .iter()
                    .zip(&file_envs)
                    .filter(|(c, _)| root_of(c) == Some(i) && env::folder_env_of(&config, &c.rel).is_some())
                    .filter_map(|(_, e)| e.as_deref());
                Environments::new(&config, found)
            })
            .collect()
    } else {
        Vec::new()
    };
    let selected = |e: &Option<String>| opts.envs.is_empty() || e.as_ref().is_none_or(|e| opts.envs.contains(e));

    let cx = ScanContext { config: &config, fingerprinter: &fingerprinter, repo_files: &repo_files };
    let mut cache = opening.and_then(|h| h.join().ok().flatten());
    let changed: HashSet<&str> = opts.changed.iter().flatten().map(String::as_str).collect();
    clock.mark("environments, cache");
    // Per file: the entry to store next time (`None`: the outcome came from the cache, whose
    // entry is carried over as read).
    let mut stored: BTreeMap<String, Option<cache::Entry>> = BTreeMap::new();
    let scan = |files: &[discover::Candidate],
                envs: &[Option<String>],
                environments: &Environments,
                fresh: &BTreeSet<String>,
                cache: Option<&ModelCache>| {
        pool.install(|| {
            files
                .par_iter()
                .zip(envs.par_iter())
                .filter(|(_, e)| selected(e))
                .map(|(c, e)| {
                    let cached = cache
                        .filter(|_| !changed.contains(c.rel.as_str()) && !fresh.contains(&c.rel))
                        .and_then(|cache| cache.lookup(&c.rel, c.class));
                    let (outcome, entry) = match cached {
                        Some(outcome) => (outcome, Origin::Cache),
                        None => {
                            let envs = root_of(c).and_then(|i| per_root.get(i)).unwrap_or(environments);
                            let outcome = check::scan_file(c, &envs.info(&config, e.as_deref()), &cx);
                            let entry = cache.and_then(|cache| cache.entry(&c.rel, c.class, &outcome));
                            (outcome, Origin::Scan(entry))
                        }
                    };
                    if let Some(p) = &opts.progress {
                        p.tick();
                    }
                    (c.rel.clone(), outcome, entry)
                })
                .collect::<Vec<_>>()
        })
    };
    if let Some(p) = &opts.progress {
        p.phase("checking files", discovered.files.len());
    }
    let outcomes =
        keep(scan(&discovered.files, &file_envs, &environments, &BTreeSet::new(), cache.as_ref()), &mut stored);

    let mut report = Report { notices: std::mem::take(&mut discovered.notices), ..Report::default() };
    let mut raw: BTreeMap<String, RawFile> = BTreeMap::new();
    let mut suppressions = Vec::new();
    let mut scanned: BTreeSet<String> = BTreeSet::new();
    let absorb = |report: &mut Report,
                  raw: &mut BTreeMap<String, RawFile>,
                  suppressions: &mut Vec<crate::suppress::Suppression>,
                  scanned: &mut BTreeSet<String>,
                  outcomes: Vec<(String, check::FileOutcome)>| {
        for (rel, o) in outcomes {
            suppressions.extend(o.suppressions);
            report.summary.files += usize::from(o.scanned);
            if o.scanned {
                scanned.insert(rel.clone());
            } else {
                report.summary.coverage.skipped += 1;
            }
            report.findings.extend(o.findings);
            report.notices.extend(o.notice);
            if let Some(src) = o.source {
                report.sources.insert(src.path.clone(), src);
            }
            match o.model {
                Some(m) => {
                    raw.insert(rel, m);
                }
                None => {
                    raw.remove(&rel);
                }
            }
        }
    };
    absorb(&mut report, &mut raw, &mut suppressions, &mut scanned, outcomes);
    clock.mark("check files");
    crate::rules::pack::report_timings();

    // What the repository declares about its releases.
    // Declarations in examples, tests and docs describe someone else's deployment.
    let decls: Vec<Decl> =
        raw.values().filter(|f| !check::is_test_or_doc(&f.file.path)).flat_map(|f| f.decls.iter().cloned()).collect();
    let all_files: BTreeSet<String> = discovered.files.iter().map(|c| c.rel.clone()).collect();
    let chart_dirs: BTreeSet<String> = discovered
        .files
        .iter()
        .filter(|c| c.class == FileClass::ChartMeta)
        .filter_map(|c| c.rel.strip_suffix("Chart.yaml").map(str::to_string))
        .collect();
    let mut known: BTreeSet<String> = environments.known.clone();
    known.extend(gitops::appset::declared_envs(&decls));
    let read = |rel: &str| std::fs::read_to_string(base.join(rel)).ok();
    let tree =
        gitops::Tree { files: &all_files, chart_dirs: &chart_dirs, known_envs: &known, config: &config, read: &read };
    let mut discovery = gitops::discover(&decls, &tree);
    drop(decls);
    report.notices.append(&mut discovery.notices);
    known.extend(discovery.releases.iter().filter_map(|r| r.env.clone()));
    let environments = Environments::new(&config, known.iter().map(String::as_str));
    clock.mark("discover releases");
    if stage == Stage::Releases {
        let envs = environments.known.iter().cloned().collect();
        return Ok(Analysis {
            base,
            config,
            report,
            discovery,
            model: Model::default(),
            envs,
            suppressions,
            cache_write: None,
        });
    }

    // Files a release uses as values are values files, whatever their name: check them again as
    // such. Files of a chart that a changed file widens to were taken from the cache without
    // their findings: read them again for those.
    let widened: BTreeSet<String> = match &opts.changed {
        Some(changed) if cache.is_some() => {
            let prefixes = widened_charts(changed, &discovery);
            stored
                .iter()
                .filter(|(rel, entry)| entry.is_none() && prefixes.iter().any(|p| rel.starts_with(p.as_str())))
                .map(|(rel, _)| rel.clone())
                .collect()
        }
        _ => BTreeSet::new(),
    };
    let used: BTreeSet<&str> = discovery
        .releases
        .iter()
        .flat_map(|r| r.values.iter())
        .filter_map(|v| match v {
            gitops::ValuesSource::File(rel) => Some(rel.as_str()),
            _ => None,
        })
        .collect();
    let mut again = Vec::new();
    let mut again_envs = Vec::new();
    for (c, e) in discovered.files.iter_mut().zip(&file_envs) {
        let reclassified = used.contains(c.rel.as_str()) && c.class != FileClass::Values && c.class.is_structured();
        if reclassified {
            c.class = FileClass::Values;
        }
        if reclassified || widened.contains(&c.rel) {
            again.push(c.clone());
            again_envs.push(e.clone());
        }
    }
    if !again.is_empty() {
        let redo: BTreeSet<&str> = again.iter().map(|c| c.rel.as_str()).collect();
        report.findings.retain(|f| !redo.contains(f.path.as_str()));
        report.summary.files -= again.len().min(report.summary.files);
        let outcomes = keep(scan(&again, &again_envs, &environments, &widened, cache.as_ref()), &mut stored);
        absorb(&mut report, &mut raw, &mut suppressions, &mut scanned, outcomes);
    }
    clock.mark("values files");
    report.summary.coverage.cached = stored.values().filter(|e| e.is_none()).count();
    let file_entries: Vec<cache::Entry> = match cache.as_mut() {
        Some(cache) => std::mem::take(&mut stored)
            .into_iter()
            .filter_map(|(rel, entry)| entry.or_else(|| cache.take(&rel)))
            .collect(),
        None => Vec::new(),
    };
    let coverage = &mut report.summary.coverage;
    for c in discovered.files.iter().filter(|c| scanned.contains(&c.rel)) {
        *coverage.files_by_class.entry(c.class.as_str().to_string()).or_default() += 1;
    }
    coverage.charts = chart_dirs.len();
    coverage.releases = discovery.releases.len();
    coverage.environments = environments.known.len();

    // Charts render per release (and with their defaults when no release uses them).
    let mut rendered = Vec::new();
    let mut render_entries = Vec::new();
    if render_charts {
        let plans = crate::helm::scan::plans(&discovery, &discovered.files, &environments, &cx, &mut report.notices);
        if let Some(p) = &opts.progress {
            p.phase("rendering charts", 0);
        }
        let render_cache = cache.as_ref().map(|c| cache::RenderCache::new(c, &base, &chart_dirs));
        let charts = pool.install(|| {
            crate::helm::scan::render_plans(&base, &discovered.files, &plans, &opts.envs, &cx, render_cache.as_ref())
        });
        render_entries = render_cache.map(cache::RenderCache::finish).unwrap_or_default();
        report.summary.coverage.renders = charts.renders;
        report.findings.extend(charts.findings);
        report.findings.retain(|f| f.rule != "helm-random-secret" || !charts.keeps_values.contains(&f.path));
        report.notices.extend(charts.notices);
        for (path, src) in charts.sources {
            report.sources.entry(path).or_insert(src);
        }
        rendered = charts.rendered;
    }
    clock.mark("render charts");
    let cache_write = cache.take().and_then(|c| c.save_in_background(file_entries, render_entries));
    let envs: Vec<String> = environments.known.iter().cloned().collect();
    let sources = &report.sources;
    let read_values = |rel: &str| -> Option<std::sync::Arc<crate::source::SourceFile>> {
        if let Some(f) = sources.get(rel) {
            return Some(f.clone());
        }
        let text = std::fs::read_to_string(base.join(rel)).ok()?;
        Some(std::sync::Arc::new(crate::source::SourceFile::new(rel.to_string(), text)))
    };
    // Stores a chart we could not render may define: the model cannot call those missing.
    let mut unseen_store_kinds = BTreeSet::new();
    for dir in &discovery.unexpanded_charts {
        let templates = format!("{dir}templates/");
        for c in crate::helm::scan::under(&discovered.files, &templates) {
            let text = std::fs::read_to_string(&c.abs).unwrap_or_default();
            for kind in ["ClusterSecretStore", "SecretStore"] {
                if text.contains(&format!("kind: {kind}")) {
                    unseen_store_kinds.insert(kind.to_string());
                }
            }
        }
    }
    raw.retain(|path, _| !discovery.not_manifests.contains(path));
    if let Some(p) = &opts.progress {
        p.phase("building the secret graph", 0);
    }
    let mut model = Model::build(
        raw.into_values().collect(),
        rendered,
        &crate::model::graph::Inputs {
            placement: &discovery.placement,
            releases: &discovery.releases,
            envs: &envs,
            config: &config,
            read: &read_values,
        },
    );
    model.unseen_store_kinds = unseen_store_kinds;
    clock.mark("build model");
    suppressions.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    suppressions.dedup();
    Ok(Analysis { base, config, report, discovery, model, envs, suppressions, cache_write })
}

/// Where a file's outcome came from, and what the cache keeps of it.
enum Origin {
    /// The model cache: its entry is carried over as read.
    Cache,
    /// A scan; the entry to store, if the file has a content key and its facts can be stored.
    Scan(Option<cache::Entry>),
}

/// Splits off what the cache needs (`stored`: `None` for an outcome the cache gave).
fn keep(
    scanned: Vec<(String, check::FileOutcome, Origin)>,
    stored: &mut BTreeMap<String, Option<cache::Entry>>,
) -> Vec<(String, check::FileOutcome)> {
    let mut out = Vec::with_capacity(scanned.len());
    for (rel, outcome, origin) in scanned {
        match origin {
            Origin::Cache => stored.insert(rel.clone(), None),
            Origin::Scan(Some(entry)) => stored.insert(rel.clone(), Some(entry)),
            Origin::Scan(None) => stored.remove(&rel),
        };
        out.push((rel, outcome));
    }
    out
}

/// What besides a file's content changes what scanning it yields: the configuration file, the
/// options that turn rules on or off, and the fingerprint key (only its digest is stored).
fn cache_settings(config: &Config, opts: &CheckOptions) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(text) = config.path.as_ref().and_then(|p| std::fs::read(p).ok()) {
        out.extend_from_slice(&text);
    }
    out.push(0);
    out.extend_from_slice(opts.packs.join(",").as_bytes());
    out.push(0);
    out.push(u8::from(opts.no_ignore));
    // Cached render findings carry fingerprints, which a fingerprint key changes.
    if let Some(key) = std::env::var_os(&config.fingerprint_key_env) {
        out.extend_from_slice(key.as_encoded_bytes());
    }
    out
}

/// `--check-permissions`: audits `target` and applies the config's severity for the rule.
fn audit_permissions(
    target: &Path,
    owner: Option<&str>,
    config: &Config,
) -> Result<Vec<crate::finding::Finding>, CheckError> {
    use crate::rules::source::secret_file_permissions as perms;
    let fail = |e: String| CheckError::Permissions(target.display().to_string(), e);
    if !target.exists() {
        return Err(CheckError::MissingPath(target.display().to_string()));
    }
    #[cfg(unix)]
    {
        let uid = match owner {
            Some(spec) => perms::resolve_owner(spec).map_err(fail)?,
            None => perms::current_uid(),
        };
        let key = std::env::var(&config.fingerprint_key_env).ok().map(String::into_bytes);
        let found = perms::audit(target, uid, &Fingerprinter::new(key)).map_err(|e| fail(e.to_string()))?;
        Ok(found
            .into_iter()
            .filter_map(|mut f| {
                f.severity = config.severity(f.rule, f.severity)?;
                Some(f)
            })
            .collect())
    }
    #[cfg(not(unix))]
    {
        let _ = (owner, config, perms::ID);
        Err(fail("file permissions can only be audited on Unix".into()))
    }
}

/// The config file already in `dir`, if any (`.secretgate.yaml` or `.secretgate.yml`).
pub fn existing_config(dir: &Path) -> Option<PathBuf> {
    crate::config::CONFIG_NAMES.iter().map(|n| dir.join(n)).find(|p| p.exists())
}

/// Writes a config for the repository in `dir`, derived from what it declares (see
/// [`init_config`]). Refuses to overwrite an existing config unless `force`.
pub fn init(dir: &Path, force: bool) -> Result<PathBuf, InitError> {
    if !force && let Some(existing) = existing_config(dir) {
        return Err(InitError::Exists(existing.display().to_string()));
    }
    let text = init_config(dir)?;
    let path = existing_config(dir).unwrap_or_else(|| dir.join(crate::config::CONFIG_NAMES[0]));
    std::fs::write(&path, text).map_err(|e| InitError::Io(path.display().to_string(), e))?;
    Ok(path)
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum InitError {
    #[error("{0} already exists; pass --force to overwrite it")]
    #[diagnostic(code(secretgate::usage))]
    Exists(String),
    #[error("cannot write {0}")]
    Io(String, #[source] std::io::Error),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(#[from] CheckError),
}

/// The config `secretgate init` writes for the repository in `dir`: the environments it
/// detects with whether each is managed, the Helm releases discovery found as commented-out
/// `releases:` entries, and the commented defaults of [`crate::config::STARTER`] for the rest.
pub fn init_config(dir: &Path) -> Result<String, CheckError> {
    let a = analyze(&CheckOptions { paths: vec![dir.to_path_buf()], ..CheckOptions::default() }, Stage::Releases)?;
    let (head, tail) = crate::config::starter_sections();
    let mut out = String::new();
    out.push_str("# secretgate configuration, written by `secretgate init` from what it found in this\n");
    out.push_str("# repository. Every key is optional. Docs: `secretgate rules`, `secretgate explain <rule>`.\n");
    out.push_str(head.split_once('\n').map_or("", |(_, rest)| rest).split_once('\n').map_or("", |(_, rest)| rest));
    out.push_str(
        "# Environments found in this repository: folder names (env/<name>/, environments/<name>/,\n\
         # clusters/<name>/, overlays/<name>/), ApplicationSet elements, Helmfile environments and\n\
         # name or namespace tokens. `managed: true` turns on the strict checks (placeholders and\n\
         # dev-only settings are errors). Add `paths:` globs for files the conventions miss.\n",
    );
    if a.envs.is_empty() {
        out.push_str(
            "# None found. For example:\n#   production:\n#     paths: [\"deploy/prod/**\"]\n#     managed: true\n",
        );
        out.push_str("environments: {}\n");
    } else {
        out.push_str("environments:\n");
        for env in &a.envs {
            out.push_str(&format!("  {}:\n    managed: {}\n", yaml_key(env), a.config.is_managed(env)));
        }
    }
    out.push('\n');
    out.push_str(&releases_block(&a.discovery.releases));
    out.push('\n');
    out.push_str(&tail);
    Ok(out)
}

/// A mapping key, quoted unless it is a plain word.
fn yaml_key(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// Discovered releases as commented-out `releases:` entries (a configured release wins for its
/// chart, so they are only written for reference).
fn releases_block(releases: &[gitops::Release]) -> String {
    let mut out = String::from(
        "# Helm releases to render instead of what the repository declares (they win for their\n\
         # chart). Discovery found the ones below; uncomment an entry to pin it.\n",
    );
    if releases.is_empty() {
        out.push_str("# None found.\n");
    }
    out.push_str("releases: []\n");
    for r in releases {
        let at = format!("{}:{}", r.declared_path, r.declared_at.line);
        match &r.chart {
            gitops::ChartRef::Local(dir) => {
                let chart = if dir.is_empty() { ".".to_string() } else { dir.trim_end_matches('/').to_string() };
                out.push_str(&format!("#  - chart: {}   # {} {at}\n", json_str(&chart), r.source.as_str()));
                out.push_str(&format!("#    name: {}\n", json_str(&r.name)));
                if !r.namespace.is_empty() {
                    out.push_str(&format!("#    namespace: {}\n", json_str(&r.namespace)));
                }
                if let Some(env) = &r.env {
                    out.push_str(&format!("#    environments: [{}]\n", json_str(env)));
                }
                let files: Vec<String> = r
                    .values
                    .iter()
                    .filter_map(|v| match v {
                        gitops::ValuesSource::File(rel) => Some(json_str(rel)),
                        _ => None,
                    })
                    .collect();
                out.push_str(&format!("#    values: [{}]\n", files.join(", ")));
                let inline = r.values.iter().filter(|v| !matches!(v, gitops::ValuesSource::File(_))).count();
                if inline > 0 {
                    out.push_str(&format!(
                        "#    # plus {inline} inline values layer(s) declared in {}\n",
                        r.declared_path
                    ));
                }
            }
            gitops::ChartRef::Remote(chart) => {
                let env = r.env.as_deref().map(|e| format!(" ({e})")).unwrap_or_default();
                out.push_str(&format!(
                    "#  release {}{env}: chart {chart} is outside the repository ({} {at}); not configurable here\n",
                    r.name,
                    r.source.as_str()
                ));
            }
        }
    }
    out
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_config_lists_detected_environments_and_releases() {
        let text = init_config(Path::new("testdata/gitops-repo")).unwrap_or_else(|e| panic!("{e}"));
        let config = Config::parse("init", text.clone()).unwrap_or_else(|e| panic!("{e}"));
        for (env, managed) in [("dev", false), ("local", false), ("production", true), ("staging", true)] {
            assert!(text.contains(&format!("  {env}:\n    managed: {managed}\n")), "{env} in\n{text}");
            assert_eq!(config.is_managed(env), managed);
        }
        assert!(text.contains("releases: []\n#  - chart: "), "{text}");
        assert!(text.contains("rules: {}\n#  sealed-secret-forbidden: off\n"), "{text}");
        assert!(text.contains("allowlist:"), "{text}");
        assert!(!text.contains("deploy/prod/**\"]\n    managed"), "no sample environment: {text}");
    }

    #[test]
    fn init_refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join(".secretgate.yml"), "exclude: []\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(init(dir.path(), false), Err(InitError::Exists(_))));
        let path = init(dir.path(), true).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(path, dir.path().join(".secretgate.yml"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(text.contains("written by `secretgate init`"));
        assert!(text.contains("environments: {}"), "{text}");
    }
}
