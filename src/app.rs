//! Orchestration of `check`: discover → load → check → suppress → report.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::check::{self, ScanContext};
use crate::config::{Config, ConfigError};
use crate::discover;
use crate::env::{self, Environments};
use crate::finding::Fingerprinter;
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
    let paths = if opts.paths.is_empty() { vec![PathBuf::from(".")] } else { opts.paths.clone() };
    for p in &paths {
        if !p.exists() {
            return Err(CheckError::MissingPath(p.display().to_string()));
        }
    }
    let base = scan_base(&paths);
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
    let render_charts = opts.packs.is_empty() || opts.packs.iter().any(|p| p == "helm" || p == "manifests");
    let threads =
        if opts.threads == 0 { std::thread::available_parallelism().map_or(2, |n| n.get()) } else { opts.threads };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(CheckError::Threads)?;

    let discovered = discover::discover(&base, &paths, &config, threads);
    let key = std::env::var(&config.fingerprint_key_env).ok().map(String::into_bytes);
    let fingerprinter = Fingerprinter::new(key);
    let repo_files: HashSet<String> = discovered.files.iter().map(|c| c.rel.clone()).collect();

    let file_envs: Vec<Option<String>> = discovered.files.iter().map(|c| env::env_of(&config, &c.rel)).collect();
    let environments = Environments::new(&config, file_envs.iter().flatten().map(String::as_str));
    let selected = |e: &Option<String>| opts.envs.is_empty() || e.as_ref().is_none_or(|e| opts.envs.contains(e));

    let cx = ScanContext { config: &config, fingerprinter: &fingerprinter, repo_files: &repo_files };
    let outcomes: Vec<_> = pool.install(|| {
        discovered
            .files
            .par_iter()
            .zip(file_envs.par_iter())
            .filter(|(_, e)| selected(e))
            .map(|(c, e)| check::scan_file(c, &environments.info(&config, e.as_deref()), &cx))
            .collect()
    });

    let mut report = Report { notices: discovered.notices, ..Report::default() };
    for o in outcomes {
        report.summary.files += usize::from(o.scanned);
        report.findings.extend(o.findings);
        report.notices.extend(o.notice);
        if let Some(src) = o.source {
            report.sources.insert(src.path.clone(), src);
        }
    }
    // Charts render per environment; their findings point back at templates and values lines.
    let charts = if render_charts {
        crate::helm::scan::scan_charts(&base, &discovered.files, &environments, &opts.envs, &cx)
    } else {
        crate::helm::scan::ChartOutcome::default()
    };
    report.findings.extend(charts.findings);
    report.notices.extend(charts.notices);
    for src in charts.sources {
        report.sources.entry(src.path.clone()).or_insert(src);
    }
    if let Some(target) = &opts.check_permissions {
        report.findings.extend(audit_permissions(target, opts.owner.as_deref(), &config)?);
    }
    report.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    report.notices.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    report.count();
    report.summary.duration_ms = started.elapsed().as_millis();
    Ok(report)
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

/// Writes the starter config into `dir`, refusing to overwrite one.
pub fn init(dir: &Path) -> std::io::Result<PathBuf> {
    let path = dir.join(crate::config::CONFIG_NAMES[0]);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&path)?;
    std::io::Write::write_all(&mut f, crate::config::STARTER.as_bytes())?;
    Ok(path)
}
