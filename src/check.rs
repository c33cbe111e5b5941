//! Runs the rules over one file and turns raw hits into findings with positions, environments
//! and fingerprints.

use std::collections::HashSet;
use std::sync::Arc;

use crate::config::Config;
use crate::discover::{Candidate, FileClass};
use crate::env::EnvInfo;
use crate::finding::Notice;
use crate::finding::{Finding, Fingerprinter, Severity};
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
    /// Kept only when there are findings or model facts, for code frames.
    pub source: Option<Arc<SourceFile>>,
    /// Whether the file's content was checked.
    pub scanned: bool,
    /// What the file tells the repository model (declarations, secret facts, fixtures).
    pub model: Option<crate::model::RawFile>,
    /// Inline suppressions and `secretgate.io/ignore` annotations in the file.
    pub suppressions: Vec<crate::suppress::Suppression>,
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
    let file = Arc::new(SourceFile::new(c.rel.clone(), text));
    let mut hits = Vec::new();
    let mut model = None;
    let mut file_notice = None;
    let mut suppressions = crate::suppress::comments_in(&file);
    // With no document rule enabled (e.g. `--pack source`), YAML is not parsed at all; a file
    // that does not parse is then nobody's business but `parse-error`'s, which is off too.
    if c.class.is_structured() && documents_wanted(cx) {
        if let Some(at) = utf8_error {
            hits.push(parse_error_hit(Span::new(at, at), "invalid UTF-8"));
        } else if !(c.class == FileClass::Ansible && file.text.trim_start().starts_with("$ANSIBLE_VAULT;")) {
            // (An encrypted Ansible vault file is exactly what we want; there is nothing to parse.)
            let (mut doc_hits, loaded) = check_documents(&file, c.class, env, cx);
            if loaded.error.is_some() && looks_templated(&file.text) {
                // A template outside a chart (Jinja, Go templates in docs or test data) is not
                // a broken manifest: it is checked as text, and the report says so.
                doc_hits.retain(|h| h.rule != rules::manifests::parse_error::ID);
                file_notice = Some(Notice {
                    path: c.rel.clone(),
                    message: "not parsed as YAML: template syntax outside a Helm chart; checked as text only".into(),
                });
            }
            hits.extend(doc_hits);
            if file.text.contains("secretgate.io/ignore") {
                for doc in &loaded.documents {
                    suppressions.extend(crate::suppress::annotations_in(&file, &doc.root));
                }
            }
            model = crate::model::RawFile::read(&file, c.class, &loaded.documents, cx.config);
        }
    }
    hits.extend(check_file_rules(&file, c.class, env, cx));
    if let Some(layer) = model.as_ref().and_then(|m| m.fixtures.as_ref()) {
        hits.retain(|h| !fixture_business(h, layer));
    }
    let hits = cap(dedupe(hits), &file.path);
    let findings = finish(&file, hits, env, cx);
    let source = (!findings.is_empty() || model.is_some() || !suppressions.is_empty()).then_some(file);
    FileOutcome { findings, notice: file_notice, source, scanned: true, model, suppressions }
}

/// Whether a text uses template syntax that makes it invalid YAML until rendered: Go/Helm
/// `{{ … }}` actions or Jinja `{% … %}` blocks.
fn looks_templated(text: &str) -> bool {
    (text.contains("{{") && text.contains("}}")) || (text.contains("{%") && text.contains("%}"))
}

/// The fixture map holds dev values by design: generic credential rules leave its values to the
/// `fixtures` pack (which knows which environments may hold literals). Provider-specific token
/// rules still fire there: a real cloud key is never a fixture.
fn fixture_business(hit: &Hit, layer: &crate::model::fixtures::FixtureLayer) -> bool {
    const GENERIC: &[&str] = &["generic-credential-assignment", "placeholder-credential", "credential-in-url"];
    let at = hit.secret.unwrap_or(hit.span);
    GENERIC.contains(&hit.rule)
        && layer
            .entries
            .iter()
            .any(|e| e.value.span.start <= at.start && at.start <= e.value.span.end.max(e.value.span.start))
}

/// Whether any document or model rule (or `parse-error`) is enabled.
pub(crate) fn documents_wanted(cx: &ScanContext<'_>) -> bool {
    rules::REGISTRY
        .iter()
        .filter(|r| {
            matches!(r.scope(), Scope::Document | Scope::Model) || r.meta().id == rules::manifests::parse_error::ID
        })
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

/// Loads `file` and runs every enabled document rule on each document; returns the hits and
/// the loaded documents.
pub fn check_documents(
    file: &SourceFile,
    class: FileClass,
    env: &EnvInfo,
    cx: &ScanContext<'_>,
) -> (Vec<Hit>, yaml::Loaded) {
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
    if let Some(e) = &loaded.error {
        // Errors detected at end of input point at the last real character instead, so that the
        // code frame shows the line that is actually unfinished.
        let trimmed = file.text.trim_end();
        let span = match trimmed.char_indices().next_back() {
            Some((last, c)) if e.offset >= trimmed.len() => Span::new(last, last + c.len_utf8()),
            _ => Span::new(e.offset, e.offset),
        };
        hits.push(parse_error_hit(span, &e.message));
    }
    (hits, loaded)
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
/// Linear-logarithmic: kept secrets are disjoint intervals, so one look at the interval that
/// starts last before a hit's end tells whether it overlaps.
pub(crate) fn dedupe(mut hits: Vec<Hit>) -> Vec<Hit> {
    use std::collections::{BTreeMap, HashSet};
    hits.sort_by_key(|h| rules::priority(h.rule));
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    let mut secrets: BTreeMap<usize, usize> = BTreeMap::new();
    let mut plain: HashSet<(Span, &'static str)> = HashSet::new();
    for h in hits {
        match h.secret {
            Some(s) => {
                let end = s.end.max(s.start + 1);
                let overlaps = secrets
                    .range(..end)
                    .next_back()
                    .is_some_and(|(&start, &kept_end)| start < end && kept_end > s.start);
                if !overlaps {
                    secrets.insert(s.start, end);
                    kept.push(h);
                }
            }
            None => {
                if plain.insert((h.span, h.rule)) {
                    kept.push(h);
                }
            }
        }
    }
    kept
}

/// Findings one rule may report in one file; beyond it the rest are summed up in one finding (a
/// minified bundle or a log must not turn a report into a list of thousands).
pub const MAX_PER_RULE_PER_FILE: usize = 100;

/// Keeps the first [`MAX_PER_RULE_PER_FILE`] hits of each rule (in file order); the rest become
/// one hit at the first one left out, which says how many there are.
fn cap(mut hits: Vec<Hit>, _path: &str) -> Vec<Hit> {
    use std::collections::HashMap;
    let mut per_rule: HashMap<&'static str, usize> = HashMap::new();
    for h in &hits {
        *per_rule.entry(h.rule).or_default() += 1;
    }
    if per_rule.values().all(|&n| n <= MAX_PER_RULE_PER_FILE) {
        return hits;
    }
    hits.sort_by_key(|h| h.span.start);
    let mut seen: HashMap<&'static str, usize> = HashMap::new();
    let mut out = Vec::with_capacity(hits.len().min(per_rule.len() * (MAX_PER_RULE_PER_FILE + 1)));
    for mut h in hits {
        let n = seen.entry(h.rule).or_default();
        *n += 1;
        if *n <= MAX_PER_RULE_PER_FILE {
            out.push(h);
        } else if *n == MAX_PER_RULE_PER_FILE + 1 {
            let rest = per_rule[h.rule] - MAX_PER_RULE_PER_FILE;
            h.message = format!("{} more findings of this rule in this file are not listed (first shown here)", rest);
            h.identity = format!("capped:{}", h.rule);
            out.push(h);
        }
    }
    out
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
        let content = cx.fingerprinter.fingerprint(meta.id, "", &hit.identity, secret_text.map(str::as_bytes));
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
            content,
            related: Vec::new(),
            secret_spans: hit.secret.into_iter().collect(),
        });
    }
    out
}

/// Whether a path is a test, fixture, example or documentation file: its secrets are samples far
/// more often than leaks, so its findings are notes unless the config says otherwise.
pub fn is_test_or_doc(path: &str) -> bool {
    const DIRS: &[&str] = &[
        "test",
        "tests",
        "testdata",
        "test-data",
        "__tests__",
        "spec",
        "fixtures",
        "e2e",
        "examples",
        "example",
        "samples",
        "sample",
        "docs",
        "doc",
        "documentation",
        "fake",
        "fakes",
        "mock",
        "mocks",
        "_archived",
        "archived",
    ];
    let lower = path.to_ascii_lowercase();
    let (dirs, name) = lower.rsplit_once('/').unwrap_or(("", &lower));
    // `_testdata`, `testcerts`, `test-cert`, `e2e-tests`, `integration_test` (not `latest`,
    // not the `testlink` chart).
    let test_like = |d: &str| {
        let d = d.trim_start_matches(['_', '.']);
        ["test-", "test_", "testdata", "testcert", "testutil", "testing", "testfixture"]
            .iter()
            .any(|p| d.starts_with(p))
            || ["-test", "_test", "-tests", "_tests"].iter().any(|s| d.ends_with(s))
    };
    // Helm chart-testing's `ci/*-values.yaml` render a chart in CI, with throwaway values.
    let chart_ci_values = dirs.rsplit('/').next() == Some("ci") && name.contains("values") && name.ends_with(".yaml");
    chart_ci_values
        || dirs.split('/').any(|d| DIRS.contains(&d) || test_like(d))
        || name.starts_with("readme")
        || name == "notes.txt"
        || name.ends_with(".md")
        || name.ends_with("_test.go")
        || name.starts_with("test_")
        || name.contains(".test.")
        || name.contains(".spec.")
        || name.ends_with("_test.py")
}

/// Findings in test, fixture, example and documentation files become notes (`tests-and-docs:
/// note`, the default), keep their severity (`keep`), or are dropped (`off`).
pub fn demote_tests_and_docs(findings: &mut Vec<Finding>, config: &Config) {
    use crate::config::TestsAndDocs;
    match config.tests_and_docs {
        TestsAndDocs::Keep => {}
        TestsAndDocs::Note => {
            for f in findings.iter_mut().filter(|f| is_test_or_doc(&f.path)) {
                f.severity = Severity::Note;
            }
        }
        TestsAndDocs::Off => findings.retain(|f| !is_test_or_doc(&f.path)),
    }
}

/// Whether `severity` reaches the fail threshold (`None` = never fail).
pub fn fails(severity: Severity, threshold: Option<Severity>) -> bool {
    threshold.is_some_and(|t| severity >= t)
}

/// Identical findings from several renders or environments become one with the union of their
/// environments (and the strictest severity).
pub fn collapse(findings: &mut Vec<Finding>) {
    use std::collections::{BTreeMap, BTreeSet};
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

/// Runs every enabled model rule over the environments of `model` (all, or `only` when given);
/// returns the findings, collapsed across environments, and the files they point into.
pub fn check_model(
    model: &crate::model::Model,
    releases: &[crate::gitops::Release],
    only: &[String],
    cx: &ScanContext<'_>,
) -> (Vec<Finding>, Vec<Arc<SourceFile>>) {
    use rayon::prelude::*;
    // Per-rule wall time for `SECRETGATE_TIMINGS`.
    let timed = std::env::var_os("SECRETGATE_TIMINGS").is_some();
    let envs = model.envs.iter().filter(|env| only.is_empty() || env.name.as_ref().is_none_or(|n| only.contains(n)));
    // Every rule may look at the model: model rules always, document rules for what spans files
    // (the layers of a release). Each (environment, rule) pair is a task; results keep their order.
    let pairs: Vec<_> = envs
        .flat_map(|env| {
            rules::REGISTRY.iter().filter(|r| cx.config.is_enabled(r.meta().id)).map(move |rule| (env, rule))
        })
        .collect();
    let results: Vec<_> = pairs
        .par_iter()
        .map(|(env, rule)| {
            let mcx = rules::ModelContext { env, model, releases, config: cx.config };
            let mut hits = rules::ModelHits::new(rule.meta());
            let started = timed.then(std::time::Instant::now);
            rule.check_model(&mcx, &mut hits);
            let spent = started.map(|t| t.elapsed()).unwrap_or_default();
            let found: Vec<_> =
                hits.into_vec().into_iter().filter_map(|hit| model_finding(hit, env.name.as_deref(), cx)).collect();
            (rule.meta().id, spent, found)
        })
        .collect();
    let mut findings = Vec::new();
    let mut files: Vec<Arc<SourceFile>> = Vec::new();
    let mut seen_files = std::collections::HashSet::new();
    let mut spent: std::collections::BTreeMap<&'static str, std::time::Duration> = Default::default();
    for (id, took, found) in results {
        *spent.entry(id).or_default() += took;
        for (finding, file) in found {
            findings.push(finding);
            if seen_files.insert(file.path.clone()) {
                files.push(file);
            }
        }
    }
    if timed {
        let mut top: Vec<_> = spent.into_iter().collect();
        top.sort_by_key(|t| std::cmp::Reverse(t.1));
        for (id, t) in top.iter().take(5) {
            eprintln!("secretgate timing:   {id:<32} {:>7.1} ms", t.as_secs_f64() * 1000.0);
        }
    }
    collapse(&mut findings);
    (findings, files)
}

pub(crate) fn model_finding(
    hit: rules::ModelHit,
    env: Option<&str>,
    cx: &ScanContext<'_>,
) -> Option<(Finding, Arc<SourceFile>)> {
    let cfg = cx.config;
    let file = hit.at.file.clone();
    if cfg.allow_paths.is_match(&file.path) {
        return None;
    }
    let meta = rules::meta(hit.rule)?;
    let severity = cfg.severity(meta.id, hit.severity.unwrap_or(meta.severity))?;
    let secret_text = hit.secret.and_then(|s| file.text.get(s.range()));
    if !cfg.allow_regexes.is_empty()
        && cfg.allow_regexes.iter().any(|r| r.is_match(&hit.identity) || secret_text.is_some_and(|t| r.is_match(t)))
    {
        return None;
    }
    // As for file findings: a secret-bearing finding is a point, so that no region discloses the
    // value's length.
    let span = if hit.secret.is_some() { Span::new(hit.at.span.start, hit.at.span.start) } else { hit.at.span };
    let fingerprint = cx.fingerprinter.fingerprint(meta.id, &file.path, &hit.identity, secret_text.map(str::as_bytes));
    let content = cx.fingerprinter.fingerprint(meta.id, "", &hit.identity, secret_text.map(str::as_bytes));
    let finding = Finding {
        rule: meta.id,
        severity,
        path: file.path.clone(),
        span,
        start: file.position(span.start),
        end: file.position(span.end),
        message: hit.message,
        help: hit.help,
        envs: env.map(|e| vec![e.to_string()]).unwrap_or_default(),
        fingerprint,
        content,
        related: hit.related,
        secret_spans: hit.secret.into_iter().collect(),
    };
    Some((finding, file))
}

#[cfg(test)]
mod tests {
    use super::is_test_or_doc;

    #[test]
    fn test_and_doc_paths() {
        for p in [
            "runtime/template/v2/_testdata/root-ca.key",
            "pkg/testcerts/testcerts.go",
            "pilot/cmd/pilot-agent/status/test-cert/cert.key",
            "stable/distribution/ci/test-values.yaml",
            "providers/v1/chef/fake/fake.go",
            "_archived/storage/minio/minio-standalone-deployment.yaml",
            "tests/e2e/values.yaml",
            "docs/install.md",
        ] {
            assert!(is_test_or_doc(p), "{p}");
        }
        for p in [
            "charts/app/values.yaml",
            "images/latest/config.yaml",
            "ci/deploy.sh",
            ".github/workflows/ci.yml",
            "contest/app.yaml",
            "stable/testlink/templates/secrets.yaml",
        ] {
            assert!(!is_test_or_doc(p), "{p}");
        }
    }
}
