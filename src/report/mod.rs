//! Reporters: one file per output format, all fed the same sorted [`Report`].

mod frame_safety;
mod github;
pub mod graph;
mod html;
mod human;
mod json;
mod junit;
pub mod releases;
mod sarif;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

pub use crate::finding::Notice;
use crate::finding::{Finding, Severity};
use crate::source::SourceFile;

pub use human::HumanOptions;

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Summary {
    pub files: usize,
    pub findings: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings hidden by inline suppressions and by the baseline.
    pub suppressed: usize,
    pub baselined: usize,
    pub duration_ms: u128,
    /// What the scan covered, so that "no findings" says of what.
    pub coverage: Coverage,
}

/// What a scan looked at.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Coverage {
    /// Files checked, per class (`manifest`, `values`, `helm-template`, `hcl`, `other`, …).
    pub files_by_class: BTreeMap<String, usize>,
    /// Files found but not checked (binary, too large, unreadable); each has a notice.
    pub skipped: usize,
    /// Helm charts in the tree, and the renders (chart × release or environment) checked.
    pub charts: usize,
    pub renders: usize,
    /// Releases declared by Argo CD, Flux, Helmfile or the config.
    pub releases: usize,
    pub environments: usize,
    /// Of the files checked, those unchanged since a cached run (`--staged`, `--since`): what
    /// they tell the repository model came from the cache.
    #[serde(skip_serializing_if = "is_zero")]
    pub cached: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Everything a reporter needs. `findings` is sorted by (path, line, column, rule).
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub notices: Vec<Notice>,
    pub summary: Summary,
    /// Text of every file that has a finding, for code frames. Keyed by relative path.
    pub sources: BTreeMap<String, Arc<SourceFile>>,
    /// Every environment of the scan: a finding in all of them says so instead of listing them.
    pub environments: Vec<String>,
    /// The scanned folder relative to the repository root (`deploy/`), for SARIF URIs; empty
    /// when the root itself was scanned or no repository encloses it.
    pub root_prefix: String,
    /// Each environment's secret graph, when a report draws it (HTML).
    pub graph: Vec<(String, Vec<graph::SecretNode>)>,
}

impl Report {
    /// Fills the summary counts from the findings.
    pub fn count(&mut self) {
        let count = |s| self.findings.iter().filter(|f| f.severity == s).count();
        self.summary.findings = self.findings.len();
        self.summary.errors = count(Severity::Error);
        self.summary.warnings = count(Severity::Warning);
        self.summary.notes = count(Severity::Note);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Junit,
    /// One self-contained page (`--format html -o report.html`).
    Html,
}

/// Writes `report` in `format`.
pub fn write(format: Format, report: &Report, human: &HumanOptions, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, human, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => github::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Html => html::write(report, out),
    }
}

/// Escapes text for XML 1.0 and HTML (JUnit, the HTML report). Characters XML cannot carry at all (most C0 controls) become U+FFFD
/// so that a stray byte in a file name cannot make the whole report unparseable; in attributes,
/// whitespace is escaped too, since parsers would otherwise fold it into spaces.
pub(super) fn escape_markup(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
