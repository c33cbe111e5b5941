//! The suppress stage: inline `# secretgate:ignore RULE[,RULE] [until=YYYY-MM-DD] -- reason`
//! comments (at the end of the offending line or alone on the line above it; `//` in source
//! files), the `secretgate.io/ignore: "RULE,RULE"` annotation on Kubernetes objects, and the
//! baseline of accepted findings. What they hide is counted, and what hides nothing is reported
//! as `unused-suppression`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::finding::{Finding, Severity};
use crate::source::{Position, SourceFile, Span};

pub const MARKER: &str = "secretgate:ignore";
pub const UNUSED: &str = "unused-suppression";

/// One inline suppression.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub path: String,
    /// Line of the comment (1-based).
    pub line: usize,
    pub column: usize,
    /// Alone on its line: it covers the next line; else it covers its own line.
    pub alone: bool,
    /// Rule ids (`all` matches every rule).
    pub rules: Vec<String>,
    /// `until=YYYY-MM-DD`: past that day it no longer hides anything.
    pub until: Option<String>,
    pub reason: Option<String>,
    /// For an object annotation: the lines of the object (inclusive).
    pub object_lines: Option<(usize, usize)>,
}

impl Suppression {
    fn covers(&self, f: &Finding) -> bool {
        if f.path != self.path || !(self.rules.iter().any(|r| r == f.rule || r == "all")) {
            return false;
        }
        let line = f.start.line;
        match self.object_lines {
            Some((a, b)) => (a..=b).contains(&line),
            None if self.alone => line == self.line + 1,
            None => line == self.line,
        }
    }

    fn expired(&self, today: &str) -> bool {
        self.until.as_deref().is_some_and(|u| u < today)
    }
}

/// Finds the suppression comments of one file (a cheap substring test first: almost no file
/// has one).
pub fn comments_in(file: &SourceFile) -> Vec<Suppression> {
    if memchr::memmem::find(file.text.as_bytes(), MARKER.as_bytes()).is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, line) in file.text.lines().enumerate() {
        let Some(at) = line.find(MARKER) else { continue };
        let before = &line[..at];
        let comment_start = before.rfind('#').or_else(|| before.rfind("//"));
        let Some(cs) = comment_start else { continue };
        let alone = line[..cs].trim().is_empty();
        let rest = &line[at + MARKER.len()..];
        let (spec, reason) = match rest.split_once("--") {
            Some((s, r)) => (s, Some(r.trim().to_string()).filter(|r| !r.is_empty())),
            None => (rest, None),
        };
        let mut rules = Vec::new();
        let mut until = None;
        for word in spec.split_whitespace() {
            if let Some(d) = word.strip_prefix("until=") {
                until = Some(d.to_string());
            } else {
                rules.extend(word.split(',').filter(|r| !r.is_empty()).map(str::to_string));
            }
        }
        if rules.is_empty() {
            continue;
        }
        out.push(Suppression {
            path: file.path.clone(),
            line: i + 1,
            column: line[..at].chars().count() + 1,
            alone,
            rules,
            until,
            reason,
            object_lines: None,
        });
    }
    out
}

/// `secretgate.io/ignore` annotations of the objects of a parsed document.
pub fn annotations_in(file: &SourceFile, root: &crate::source::yaml::Node) -> Vec<Suppression> {
    let mut out = Vec::new();
    for o in crate::model::Object::all(root) {
        let Some(ann) = o.node.at(&["metadata", "annotations"]) else { continue };
        let Some(entry) = ann.entry("secretgate.io/ignore") else { continue };
        let Some(value) = entry.value.as_str() else { continue };
        let rules: Vec<String> = value.split([',', ' ']).filter(|r| !r.is_empty()).map(str::to_string).collect();
        if rules.is_empty() {
            continue;
        }
        let at = file.position(entry.key.span.start);
        let first = file.position(o.node.span.start).line;
        let last = file.position(o.node.span.end.saturating_sub(1)).line;
        out.push(Suppression {
            path: file.path.clone(),
            line: at.line,
            column: at.column,
            alone: false,
            rules,
            until: None,
            reason: None,
            object_lines: Some((first.min(at.line), last.max(at.line))),
        });
    }
    out
}

/// Today's date as `YYYY-MM-DD` (UTC), for expiries.
pub fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut date = crate::helm::funcs::dates::utc_datetime(secs);
    date.truncate(10);
    date
}

/// What the suppress stage did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub suppressed: usize,
    pub baselined: usize,
}

/// Applies inline suppressions to `findings`. Unused ones become `unused-suppression` findings
/// when every rule they name ran (`ran`), so that `--pack` or a disabled rule does not make a
/// suppression look stale. Expired ones hide nothing, and the finding says so.
pub fn apply(
    findings: &mut Vec<Finding>,
    suppressions: &[Suppression],
    ran: &dyn Fn(&str) -> bool,
    today: &str,
    sources: &BTreeMap<String, Arc<SourceFile>>,
    fingerprint: &dyn Fn(&str, &str) -> String,
) -> usize {
    let mut used = vec![false; suppressions.len()];
    let before = findings.len();
    findings.retain_mut(|f| {
        let mut hide = false;
        for (i, s) in suppressions.iter().enumerate() {
            if !s.covers(f) {
                continue;
            }
            used[i] = true;
            if s.expired(today) {
                let until = s.until.as_deref().unwrap_or("");
                let note = format!("its suppression at line {} expired on {until}", s.line);
                f.help = Some(match f.help.take() {
                    Some(h) => format!("{h}; {note}"),
                    None => note,
                });
            } else {
                hide = true;
            }
        }
        !hide
    });
    let hidden = before - findings.len();
    for (s, used) in suppressions.iter().zip(used) {
        if used || !s.rules.iter().all(|r| r != "all" && ran(r)) {
            continue;
        }
        let pos = Position { line: s.line, column: s.column };
        let span = sources.get(&s.path).map_or(Span::default(), |f| {
            let off = f.offset_of(s.line, s.column.saturating_sub(1));
            Span::new(off, off)
        });
        let what = s.rules.join(",");
        findings.push(Finding {
            rule: UNUSED,
            severity: Severity::Warning,
            path: s.path.clone(),
            span,
            start: pos,
            end: pos,
            message: format!("suppression of `{what}` matches no finding"),
            help: Some("remove it: the problem it was written for is gone (or the rule id is misspelled)".into()),
            envs: Vec::new(),
            fingerprint: fingerprint(&s.path, &format!("suppression:{what}:{}", s.line)),
            content: fingerprint("", &format!("suppression:{what}")),
            related: Vec::new(),
            secret_spans: Vec::new(),
        });
    }
    hidden
}

/// The accepted findings of a repository (`secretgate baseline`): content fingerprints only —
/// no secret material, no line numbers, no timestamps — sorted, so that it never churns.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub rule: String,
    /// Where it was when the baseline was written (for people; matching uses the fingerprint).
    pub path: String,
    pub fingerprint: String,
}

/// A finding's baseline identity: the rule, the folder (a file renamed or moved within its
/// folder keeps it), and the finding's content fingerprint without the file name. The content
/// fingerprint already holds the object identity, the key path and, when a fingerprint key is
/// configured, a keyed MAC of the value — so a new secret at the same place is a new finding.
pub fn baseline_fingerprint(f: &Finding, content: &str) -> String {
    let dir = f.path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut h = Sha256::new();
    for part in ["sgb1", f.rule, dir, content] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    let digest = h.finalize();
    let mut out = String::from("sgb1:");
    for b in &digest[..16] {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

impl Baseline {
    pub fn of(findings: &[Finding], content: &dyn Fn(&Finding) -> String) -> Baseline {
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .filter(|f| f.rule != UNUSED)
            .map(|f| BaselineEntry {
                rule: f.rule.to_string(),
                path: f.path.clone(),
                fingerprint: baseline_fingerprint(f, &content(f)),
            })
            .collect();
        entries.sort();
        Baseline { version: 1, findings: entries }
    }

    /// Hides baselined findings (each entry hides one finding); returns how many, and the
    /// entries that matched nothing.
    pub fn apply(
        &self,
        findings: &mut Vec<Finding>,
        content: &dyn Fn(&Finding) -> String,
    ) -> (usize, Vec<&BaselineEntry>) {
        let mut left: HashMap<&str, Vec<&BaselineEntry>> = HashMap::new();
        for e in &self.findings {
            left.entry(e.fingerprint.as_str()).or_default().push(e);
        }
        let before = findings.len();
        findings.retain(|f| {
            let fp = baseline_fingerprint(f, &content(f));
            left.get_mut(fp.as_str()).and_then(Vec::pop).is_none()
        });
        let mut stale: Vec<&BaselineEntry> = left.into_values().flatten().collect();
        stale.sort();
        (before - findings.len(), stale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_dates() {
        let f = SourceFile::new(
            "a.yaml".into(),
            "a: b # secretgate:ignore inline-secret-value -- test fixture\n# secretgate:ignore x,y until=2020-01-01\nc: d\n"
                .into(),
        );
        let s = comments_in(&f);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].line, s[0].alone, s[0].rules.clone()), (1, false, vec!["inline-secret-value".to_string()]));
        assert_eq!(s[0].reason.as_deref(), Some("test fixture"));
        assert_eq!((s[1].line, s[1].alone, s[1].until.as_deref()), (2, true, Some("2020-01-01")));
        assert!(s[1].expired("2026-12-06") && !s[0].expired("2026-12-06"));
        let t = today();
        assert_eq!(t.len(), 10);
        assert!(t.as_str() > "2025-01-01");
    }
}
