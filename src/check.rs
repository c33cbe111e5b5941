//! Runs the rules over one file and turns raw hits into findings with positions, environments
//! and fingerprints.

use std::collections::HashSet;
use std::sync::Arc;

use crate::config::Config;
use crate::discover::{Candidate, FileClass};
use crate::env::EnvInfo;
use crate::finding::{Finding, Fingerprinter, Severity};
use crate::report::Notice;
use crate::rules::{self, DocContext, FileContext, Hit, Hits, Scope};
use crate::source::{SourceFile, Span, yaml};

/// Shared, read-only state for every worker.
pub struct ScanContext<'a> {
    pub config: &'a Config,
    pub fingerprinter: &'a Fingerprinter,
    pub repo_files: &'a HashSet<String>,
}

/// What one file produced.
#[derive(Debug, Default)]
pub struct FileOutcome {
    pub findings: Vec<Finding>,
    pub notice: Option<Notice>,
    /// Kept only when there are findings, for code frames.
    pub source: Option<Arc<SourceFile>>,
    /// Whether the file's content was checked.
    pub scanned: bool,
}

/// Bytes of a file's head inspected for NUL to decide it is binary (the heuristic git uses).
const BINARY_SNIFF: usize = 8000;

pub fn scan_file(c: &Candidate, env: &EnvInfo, cx: &ScanContext<'_>) -> FileOutcome {
    let notice = |message: String| FileOutcome {
        notice: Some(Notice { path: c.rel.clone(), message }),
        ..FileOutcome::default()
    };
    let bytes = match read_capped(&c.abs, cx.config.max_file_size) {
        Ok(Ok(b)) => b,
        Ok(Err(size)) => {
            return notice(format!(
                "not scanned: {size} bytes is over the {} byte limit (max-file-size)",
                cx.config.max_file_size
            ));
        }
        Err(e) => return notice(format!("not scanned: cannot read ({e})")),
    };
    if bytes[..bytes.len().min(BINARY_SNIFF)].contains(&0) {
        // Only files we would parse deserve a notice; binaries among other files are expected.
        return if c.class.is_structured() {
            notice("not scanned: binary file".into())
        } else {
            FileOutcome::default()
        };
    }
    let (text, utf8_error) = match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
        }
    };
    let file = SourceFile::new(c.rel.clone(), text);
    let mut hits = Vec::new();
    // With no document rule enabled (e.g. `--pack source`), YAML is not parsed at all; a file
    // that does not parse is then nobody's business but `parse-error`'s, which is off too.
    if c.class.is_structured() && documents_wanted(cx) {
        if let Some(at) = utf8_error {
            hits.push(parse_error_hit(Span::new(at, at), "invalid UTF-8"));
        } else if !(c.class == FileClass::Ansible && file.text.trim_start().starts_with("$ANSIBLE_VAULT;")) {
            // (An encrypted Ansible vault file is exactly what we want; there is nothing to parse.)
            hits.extend(check_documents(&file, c.class, env, cx));
        }
    }
    hits.extend(check_file_rules(&file, c.class, env, cx));
    let hits = dedupe(hits);
    let findings = finish(&file, hits, env, cx);
    let source = (!findings.is_empty()).then(|| Arc::new(file));
    FileOutcome { findings, notice: None, source, scanned: true }
}

/// Whether any document rule (or `parse-error`) is enabled.
fn documents_wanted(cx: &ScanContext<'_>) -> bool {
    rules::REGISTRY
        .iter()
        .filter(|r| r.scope() == Scope::Document || r.meta().id == rules::manifests::parse_error::ID)
        .any(|r| cx.config.is_enabled(r.meta().id))
}

/// Reads a file unless it is larger than `limit` (then `Ok(Err(size))`), with one open and one
/// fstat: the walker does not stat files, which saves a path lookup per file.
fn read_capped(path: &std::path::Path, limit: u64) -> std::io::Result<Result<Vec<u8>, u64>> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let size = f.metadata()?.len();
    if size > limit {
        return Ok(Err(size));
    }
    let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // `take` guards against a file that grows while we read it.
    let read = (&mut f).take(limit + 1).read_to_end(&mut buf)?;
    if read as u64 > limit {
        return Ok(Err(read as u64));
    }
    Ok(Ok(buf))
}

/// Runs every enabled file-scope rule over the text of `file`.
pub fn check_file_rules(file: &SourceFile, class: FileClass, env: &EnvInfo, cx: &ScanContext<'_>) -> Vec<Hit> {
    let fcx = FileContext { file, class, env, policy: &cx.config.policy, repo_files: cx.repo_files };
    let mut hits = Vec::new();
    for rule in rules::REGISTRY {
        if rule.scope() != Scope::File || !cx.config.is_enabled(rule.meta().id) {
            continue;
        }
        let mut h = Hits::new(rule.meta());
        rule.check_file(&fcx, &mut h);
        // Disabled ids are dropped after dedupe, so that turning a specific rule off does not let a
        // catch-all rule report the same secret instead.
        hits.extend(h.into_vec());
    }
    hits
}

/// Loads `file` and runs every enabled document rule on each document.
pub fn check_documents(file: &SourceFile, class: FileClass, env: &EnvInfo, cx: &ScanContext<'_>) -> Vec<Hit> {
    let loaded = yaml::load(file);
    let mut hits = Vec::new();
    for doc in &loaded.documents {
        let dcx = DocContext { file, class, doc, env, policy: &cx.config.policy, repo_files: cx.repo_files };
        for rule in rules::REGISTRY {
            if rule.scope() != Scope::Document || !cx.config.is_enabled(rule.meta().id) {
                continue;
            }
            let mut h = Hits::new(rule.meta());
            rule.check(&dcx, &mut h);
            hits.extend(h.into_vec());
        }
    }
    if let Some(e) = loaded.error {
        // Errors detected at end of input point at the last real character instead, so that the
        // code frame shows the line that is actually unfinished.
        let trimmed = file.text.trim_end();
        let span = match trimmed.char_indices().next_back() {
            Some((last, c)) if e.offset >= trimmed.len() => Span::new(last, last + c.len_utf8()),
            _ => Span::new(e.offset, e.offset),
        };
        hits.push(parse_error_hit(span, &e.message));
    }
    hits
}

fn parse_error_hit(span: Span, message: &str) -> Hit {
    Hit {
        rule: rules::manifests::parse_error::ID,
        span,
        message: format!("cannot parse: {message}"),
        help: Some("fix the syntax; nothing else in this file after this point was checked".into()),
        identity: format!("parse:{message}"),
        secret: None,
        severity: None,
    }
}

/// When two rules flag the same secret, keep the more specific one (earlier in the registry).
pub(crate) fn dedupe(mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort_by_key(|h| rules::priority(h.rule));
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    for h in hits {
        let overlaps = |k: &Hit| match (h.secret, k.secret) {
            (Some(a), Some(b)) => a.start < b.end.max(b.start + 1) && b.start < a.end.max(a.start + 1),
            _ => k.span == h.span && k.rule == h.rule,
        };
        if !kept.iter().any(overlaps) {
            kept.push(h);
        }
    }
    kept
}

/// Turns hits into findings: severity overrides, allowlists, positions, fingerprints.
fn finish(file: &SourceFile, hits: Vec<Hit>, env: &EnvInfo, cx: &ScanContext<'_>) -> Vec<Finding> {
    let cfg = cx.config;
    if cfg.allow_paths.is_match(&file.path) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(hits.len());
    for hit in hits {
        let Some(meta) = rules::meta(hit.rule) else { continue };
        let default = hit.severity.unwrap_or(meta.severity);
        let Some(severity) = cfg.severity(meta.id, default) else { continue };
        let secret_text = hit.secret.and_then(|s| file.text.get(s.range()));
        if !cfg.allow_regexes.is_empty()
            && cfg.allow_regexes.iter().any(|r| r.is_match(&hit.identity) || secret_text.is_some_and(|t| r.is_match(t)))
        {
            continue;
        }
        // A region that ends where the secret ends would disclose its length (and, for block
        // scalars, its line count): secret-bearing findings are reported as a point at the start
        // of the offending value.
        let span = match hit.secret {
            Some(secret)
                if hit.span.start < secret.end.max(secret.start + 1)
                    && secret.start < hit.span.end.max(hit.span.start + 1) =>
            {
                Span::new(hit.span.start, hit.span.start)
            }
            _ => hit.span,
        };
        let start = file.position(span.start);
        let end = file.position(span.end);
        let fingerprint =
            cx.fingerprinter.fingerprint(meta.id, &file.path, &hit.identity, secret_text.map(str::as_bytes));
        out.push(Finding {
            rule: meta.id,
            severity,
            path: file.path.clone(),
            span,
            start,
            end,
            message: hit.message,
            help: hit.help,
            envs: env.envs.clone(),
            fingerprint,
            related: Vec::new(),
            secret_spans: hit.secret.into_iter().collect(),
        });
    }
    out
}

/// Whether `severity` reaches the fail threshold (`None` = never fail).
pub fn fails(severity: Severity, threshold: Option<Severity>) -> bool {
    threshold.is_some_and(|t| severity >= t)
}
