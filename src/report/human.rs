//! The terminal report: a rustc-style header per finding over a miette code frame.
//!
//! Code frames are the one place a reporter shows file text, so they are never cut from the file
//! itself: each frame is rendered from a small copy of the lines around the finding in which every
//! known secret of that file has been replaced by a fixed mask before miette sees a single byte.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::{self, Write};
use std::ops::Range;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};

use super::{Notice, Report, Summary};
use crate::finding::{Finding, Severity};
use crate::rules;
use crate::rules::manifests::parse_error;
use crate::source::{SourceFile, Span};

/// Stands in for secret material in code frames. Always the same text, so a frame tells nothing
/// about the value, not even its length.
const MASK: &str = "«redacted»";

/// Lines shown above and below a finding.
const CONTEXT_LINES: usize = 2;

/// A frame line longer than this (in bytes) is cut: around the finding on its own line, after
/// this many bytes on the others. A minified bundle must not fill the terminal.
const MAX_LINE: usize = 160;

/// How far past the shown part of a cut line the frame still looks for secrets: a token that
/// crosses the cut is found whole, and masked.
const SAFETY_MARGIN: usize = 512;

/// Stands in for the part of a long line a frame leaves out.
const CUT: &str = "…";

#[derive(Debug, Clone)]
pub struct HumanOptions {
    /// ANSI colours for the severity words and the frames.
    pub color: bool,
    /// Terminal width used to wrap messages.
    pub width: usize,
    /// Print the scan duration in the summary; snapshot tests turn it off.
    pub show_timing: bool,
}

impl Default for HumanOptions {
    fn default() -> Self {
        HumanOptions { color: false, width: 100, show_timing: true }
    }
}

pub fn write(report: &Report, opts: &HumanOptions, out: &mut dyn Write) -> io::Result<()> {
    let secrets = secrets_by_path(report);
    // In a file that failed to parse, no rule saw the values, so nobody could mark where its
    // secrets are: its frames show keys and layout only.
    let unparsed = unparsed_files(report);
    let theme = if opts.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        .with_links(false)
        .with_context_lines(CONTEXT_LINES);

    for finding in &report.findings {
        let source = report.sources.get(&finding.path);
        let path_secrets = secrets.get(finding.path.as_str()).map_or(&[][..], Vec::as_slice);
        let hide_values = unparsed.contains(finding.path.as_str());
        let all_envs = report.environments.len() > 1 && {
            let mut e: Vec<&str> = finding.envs.iter().map(String::as_str).collect();
            e.sort_unstable();
            e.dedup();
            e.len() == report.environments.len()
        };
        let place = Place { source: source.map(|s| &**s), secrets: path_secrets, hide_values, all_envs };
        write_finding(out, &handler, opts, finding, &place)?;
        writeln!(out)?;
    }

    for notice in &report.notices {
        writeln!(out, "{}: {}", paint(Severity::Note, opts.color), notice_text(notice))?;
    }
    if !report.notices.is_empty() {
        writeln!(out)?;
    }

    if let Some(tally) = rule_tally(&report.findings) {
        writeln!(out, "{tally}")?;
    }
    writeln!(out, "{}", coverage_line(&report.summary.coverage))?;
    writeln!(out, "{}", summary_line(&report.summary, opts.show_timing))
}

/// `by rule: inline-secret-value 3, private-key 1`, most frequent first.
fn rule_tally(findings: &[Finding]) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        *counts.entry(f.rule).or_default() += 1;
    }
    let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    (!counts.is_empty())
        .then(|| format!("by rule: {}", counts.iter().map(|(r, n)| format!("{r} {n}")).collect::<Vec<_>>().join(", ")))
}

/// What the scan covered: files by class, charts and renders, releases, environments, skipped.
pub(super) fn coverage_line(c: &super::Coverage) -> String {
    let files: usize = c.files_by_class.values().sum();
    let mut classes: Vec<(&String, &usize)> = c.files_by_class.iter().collect();
    classes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let classes = classes.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", ");
    let mut line = format!("checked {}", plural(files, "file"));
    if !classes.is_empty() {
        line.push_str(&format!(" ({classes})"));
    }
    line.push_str(&format!(
        "; {} with {}; {}; {}; {} skipped",
        plural(c.charts, "chart"),
        plural(c.renders, "render"),
        plural(c.releases, "release"),
        plural(c.environments, "environment"),
        c.skipped
    ));
    if c.cached > 0 {
        line.push_str(&format!("; {} unchanged, from the model cache", plural(c.cached, "file")));
    }
    line
}

/// What a finding's frame and trailer need from the rest of the report.
struct Place<'a> {
    source: Option<&'a SourceFile>,
    /// Secret spans of the file (sorted, disjoint).
    secrets: &'a [Span],
    /// The file did not parse: no rule saw its values.
    hide_values: bool,
    /// The finding holds in every environment of the scan.
    all_envs: bool,
}

fn write_finding(
    out: &mut dyn Write,
    handler: &GraphicalReportHandler,
    opts: &HumanOptions,
    finding: &Finding,
    place: &Place<'_>,
) -> io::Result<()> {
    let Place { source, secrets, hide_values, all_envs } = *place;
    writeln!(out, "{}[{}]: {}", paint(finding.severity, opts.color), finding.rule, finding.message)?;

    let help = finding.help.as_deref().or_else(|| rules::meta(finding.rule).map(|m| m.summary));

    match source {
        Some(source) => {
            let window = Window::new(source, finding, secrets, hide_values);
            let frame = Frame { window: &window, severity: finding.severity, help };
            let mut rendered = String::new();
            handler
                .render_report(&mut rendered, &frame)
                .map_err(|_| io::Error::other("could not render a code frame"))?;
            // miette always opens with the diagnostic's message on a `×` line. The message is
            // already in our header, so the frame carries an empty one and that line is dropped.
            let body = rendered.split_once('\n').map_or("", |(_, rest)| rest);
            out.write_all(body.as_bytes())?;
        }
        None => {
            writeln!(out, "  --> {}:{}:{}", finding.path, finding.start.line, finding.start.column)?;
            if let Some(help) = help {
                writeln!(out, "  help: {help}")?;
            }
        }
    }

    match finding.envs.as_slice() {
        [] => {}
        _ if all_envs => writeln!(out, "  = envs: all environments")?,
        [env] => writeln!(out, "  = env: {env}")?,
        envs => writeln!(out, "  = envs: {}", envs.join(", "))?,
    }
    for related in &finding.related {
        writeln!(
            out,
            "  = related: {}:{}:{} {}",
            related.path, related.start.line, related.start.column, related.message
        )?;
    }
    Ok(())
}

/// `path: message`, or just the message for a notice about the whole scan (empty path).
pub(super) fn notice_text(notice: &Notice) -> String {
    if notice.path.is_empty() { notice.message.clone() } else { format!("{}: {}", notice.path, notice.message) }
}

/// The redacted lines around `finding` exactly as the human report frames them (every secret of
/// the file masked, every shown line checked on its own, long lines cut): the 1-based number of
/// the first line, and the text. `secrets` as [`secrets_by_path`] gives them for the file.
pub(super) fn redacted_frame(
    source: &SourceFile,
    finding: &Finding,
    secrets: &[Span],
    unparsed: bool,
) -> (usize, String) {
    let window = Window::new(source, finding, secrets, unparsed);
    (window.first_line, window.text)
}

/// Files with a `parse-error`: no rule saw their values, so frames show keys and layout only.
pub(super) fn unparsed_files(report: &Report) -> BTreeSet<&str> {
    report.findings.iter().filter(|f| f.rule == parse_error::ID).map(|f| f.path.as_str()).collect()
}

/// The secret spans of every finding, grouped by file: a frame must hide every secret that falls
/// in its lines, including those another finding pointed at. Each list is sorted and merged into
/// disjoint spans so a frame can find its own by binary search.
pub(super) fn secrets_by_path(report: &Report) -> BTreeMap<&str, Vec<Span>> {
    let mut by_path: BTreeMap<&str, Vec<Span>> = BTreeMap::new();
    for finding in &report.findings {
        by_path
            .entry(finding.path.as_str())
            .or_default()
            .extend(finding.secret_spans.iter().copied().filter(|s| !s.is_empty()));
    }
    for spans in by_path.values_mut() {
        spans.sort_unstable();
        let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
        for &s in spans.iter() {
            match merged.last_mut() {
                Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
                _ => merged.push(s),
            }
        }
        *spans = merged;
    }
    by_path
}

fn paint(severity: Severity, color: bool) -> String {
    if !color {
        return severity.as_str().to_owned();
    }
    let code = match severity {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Note => "1;36",
    };
    format!("\x1b[{code}m{}\x1b[0m", severity.as_str())
}

pub(super) fn summary_line(summary: &Summary, show_timing: bool) -> String {
    let files = plural(summary.files, "file");
    let mut line = if summary.findings == 0 {
        format!("no findings in {files}")
    } else {
        format!(
            "{}, {}, {} in {files}",
            plural(summary.errors, "error"),
            plural(summary.warnings, "warning"),
            plural(summary.notes, "note"),
        )
    };
    if show_timing {
        line.push_str(&format!(" ({} ms)", summary.duration_ms));
    }
    line
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

/// A masked piece of the window: where it was in the file and where the mask sits in the window.
#[derive(Debug)]
struct Mask {
    file: Range<usize>,
    window: Range<usize>,
}

/// The redacted lines around one finding, as miette's source for the frame.
#[derive(Debug)]
struct Window<'a> {
    name: &'a str,
    /// The lines, with secret material replaced by [`MASK`]. Nothing else of the file is kept.
    text: String,
    /// 1-based file line of the window's first line.
    first_line: usize,
    label: SourceSpan,
    /// 0-based character column of the finding in the file.
    label_column: usize,
}

impl<'a> Window<'a> {
    /// `secrets` must be sorted and disjoint, as [`secrets_by_path`] leaves them.
    fn new(source: &SourceFile, finding: &'a Finding, secrets: &[Span], hide_values: bool) -> Self {
        let lines = source.line_count().max(1);
        let first_line = finding.start.line.saturating_sub(CONTEXT_LINES).clamp(1, lines);
        let last_line = (finding.end.line.max(finding.start.line) + CONTEXT_LINES).clamp(first_line, lines);
        let lo = source.line_start(first_line);
        let hi = source.line_end(last_line).max(lo);
        let text = source.text.as_str();

        let nearby = secrets.partition_point(|s| s.end <= lo);
        let mut hidden: Vec<Span> = secrets[nearby..].iter().take_while(|s| s.start < hi).copied().collect();
        if hide_values {
            hidden.extend((first_line..=last_line).filter_map(|line| value_span(source, line)));
        }
        let cuts = long_line_cuts(source, first_line..=last_line, finding.span.start);
        // Lines no rule flagged can hold secrets too: the frame checks every line it shows —
        // what it shows of a long line, with a margin for a token that crosses a cut, not the
        // whole of a minified line once per finding on it.
        let mut from = lo;
        for cut in &cuts {
            let (a, b) = (cut.start + SAFETY_MARGIN, cut.end.saturating_sub(SAFETY_MARGIN));
            if b > a {
                let (a, b) = (floor_boundary(text, a), ceil_boundary(text, b));
                hidden.extend(super::frame_safety::unsafe_spans(&finding.path, text, from..a));
                from = b;
            }
        }
        hidden.extend(super::frame_safety::unsafe_spans(&finding.path, text, from..hi));
        let (redacted, masks) = redact(text, lo..hi, &hidden, &cuts);
        let to_window = |offset: usize, is_end: bool| window_offset(offset.clamp(lo, hi), lo, &masks, is_end);
        let start = to_window(finding.span.start, false);
        let mut end = to_window(finding.span.end.max(finding.span.start), true).max(start);
        // Rules point at a secret with an empty span (a span's width would tell its length).
        // Underlining the whole mask says no more and reads better than a caret.
        if end == start
            && let Some(mask) = masks.iter().find(|m| m.window.start == start)
        {
            end = mask.window.end;
        }

        Window {
            name: &finding.path,
            text: redacted,
            first_line,
            label: SourceSpan::new(start.into(), end - start),
            label_column: finding.start.column.saturating_sub(1),
        }
    }
}

/// The part of a line that may be a value, for files whose secrets are unknown: everything after
/// a leading `key:` (plain or quoted, behind any `- ` markers), or the whole content when the line
/// does not start with a key. Indentation, keys and document markers stay, which is what one needs
/// to find a syntax error; anything the guess is unsure of is hidden.
fn value_span(source: &SourceFile, line: usize) -> Option<Span> {
    let start = source.line_start(line);
    let text = source.text.get(start..source.line_end(line))?;
    let mut i = text.len() - text.trim_start().len();
    while text[i..] == *"-" || text[i..].starts_with("- ") {
        i += 1;
        i += text[i..].len() - text[i..].trim_start().len();
    }
    let rest = &text[i..];
    if matches!(rest.trim_end(), "" | "---" | "...") {
        return None;
    }
    if let Some(key) = key_len(rest) {
        i += key;
        i += text[i..].len() - text[i..].trim_start().len();
    }
    (i < text.len()).then(|| Span::new(start + i, start + text.len()))
}

/// Length of a `key:` at the start of `s`, colon included, if `s` starts with one.
fn key_len(s: &str) -> Option<usize> {
    let key = match s.chars().next()? {
        quote @ ('"' | '\'') => s[1..].find(quote)? + 2,
        _ => s.find(|c: char| c == ':' || c.is_whitespace() || "{}[],#&*!|>'\"%@`".contains(c))?,
    };
    let after = &s[key..];
    let colon_ends_key = after.starts_with(':') && after[1..].chars().next().is_none_or(char::is_whitespace);
    (key > 0 && colon_ends_key).then_some(key + 1)
}

/// The parts of over-long lines a frame leaves out: around the finding on its line, the tail
/// of every other line.
fn long_line_cuts(source: &SourceFile, lines: std::ops::RangeInclusive<usize>, at: usize) -> Vec<Span> {
    let mut cuts = Vec::new();
    for line in lines {
        let (start, end) = (source.line_start(line), source.line_end(line));
        if end - start <= MAX_LINE {
            continue;
        }
        let (keep_start, keep_end) = if (start..=end).contains(&at) {
            let from = at.saturating_sub(MAX_LINE / 3).max(start);
            (from, (from + MAX_LINE).min(end))
        } else {
            (start, start + MAX_LINE)
        };
        let keep_start = floor_boundary(&source.text, keep_start);
        let keep_end = ceil_boundary(&source.text, keep_end);
        if keep_start > start {
            cuts.push(Span::new(start, keep_start));
        }
        if keep_end < end {
            cuts.push(Span::new(keep_end, end));
        }
    }
    cuts
}

/// Copies `text[range]`, replacing every part of a secret span that falls in it by [`MASK`] and
/// every cut by [`CUT`] (a cut that overlaps a secret swallows it whole). A secret running over
/// several lines leaves one mask per line, so line numbers stay true.
fn redact(text: &str, range: Range<usize>, secrets: &[Span], cuts: &[Span]) -> (String, Vec<Mask>) {
    let clip = |s: &Span| {
        // Widen to character boundaries: a span that splits a character must not leave half
        // of it, or the rest of the secret, in view.
        floor_boundary(text, s.start.max(range.start))..ceil_boundary(text, s.end.min(range.end))
    };
    let mut clipped: Vec<(Range<usize>, bool)> = secrets
        .iter()
        .filter(|s| s.start < range.end && s.end > range.start)
        .map(|s| (clip(s), false))
        .chain(cuts.iter().filter(|s| s.start < range.end && s.end > range.start).map(|s| (clip(s), true)))
        .collect();
    clipped.sort_by_key(|(r, _)| (r.start, r.end));
    let mut merged: Vec<(Range<usize>, bool)> = Vec::with_capacity(clipped.len());
    for (r, cut) in clipped {
        match merged.last_mut() {
            Some((last, last_cut)) if r.start <= last.end => {
                last.end = last.end.max(r.end);
                *last_cut |= cut;
            }
            _ => merged.push((r, cut)),
        }
    }

    let mut out = String::with_capacity(range.len() + 16);
    let mut masks = Vec::new();
    let mut pos = range.start;
    for (secret, cut) in merged {
        let replacement = if cut { CUT } else { MASK };
        out.push_str(&text[pos..secret.start]);
        let mut seg_start = secret.start;
        while seg_start < secret.end {
            let newline = text[seg_start..secret.end].find('\n').map(|i| seg_start + i);
            let seg_end = newline.unwrap_or(secret.end);
            // Keep a CR that belongs to a CRLF line ending: it is layout, not secret.
            let content_end =
                if newline.is_some() && text[seg_start..seg_end].ends_with('\r') { seg_end - 1 } else { seg_end };
            if content_end > seg_start {
                let at = out.len();
                out.push_str(replacement);
                masks.push(Mask { file: seg_start..content_end, window: at..out.len() });
            }
            out.push_str(&text[content_end..seg_end]);
            match newline {
                Some(nl) => {
                    out.push('\n');
                    seg_start = nl + 1;
                }
                None => seg_start = seg_end,
            }
        }
        pos = secret.end;
    }
    out.push_str(&text[pos..range.end]);
    (out, masks)
}

/// Maps a file offset in a window starting at file offset `lo` to an offset in the redacted text.
/// An offset inside a mask snaps to the mask's start (`is_end` false) or end (`is_end` true), so a
/// label over a secret underlines exactly the mask.
fn window_offset(offset: usize, lo: usize, masks: &[Mask], is_end: bool) -> usize {
    let mut mapped = offset - lo;
    for mask in masks {
        if offset <= mask.file.start {
            break;
        }
        if offset < mask.file.end {
            return if is_end { mask.window.end } else { mask.window.start };
        }
        mapped = mask.window.end + (offset - mask.file.end);
    }
    mapped
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

impl SourceCode for Window<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.as_bytes().read_span(span, context_lines_before, context_lines_after)?;
        // miette counts the label's column in bytes of the window, which masks skew; the frame
        // header must show the finding's real column.
        let column = if context_lines_before == 0 && span.offset() == self.label.offset() {
            self.label_column
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_owned(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line - 1,
            column,
            inner.line_count(),
        )))
    }
}

/// One finding as miette sees it. Its message is empty on purpose: see [`write_finding`].
#[derive(Debug)]
struct Frame<'a> {
    window: &'a Window<'a>,
    severity: Severity,
    help: Option<&'a str>,
}

impl fmt::Display for Frame<'_> {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

impl std::error::Error for Frame<'_> {}

impl Diagnostic for Frame<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help.map(|h| Box::new(h) as Box<dyn fmt::Display + 'b>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.window)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(None, self.window.label))))
    }
}

/// The sample report every format's tests share: a Secret with a one-line and a block-scalar
/// secret, plus a notice.
#[cfg(test)]
pub(super) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::finding::Notice;
    use crate::finding::Related;
    use crate::source::Position;

    const TEXT: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-very-secret\n  token: |\n    multi\n    line\n";

    /// Fails if `out` holds any piece of the sample's secret values.
    pub(in crate::report) fn assert_no_secret(out: &str) {
        // The block scalar's words also occur in rule docs ("multi-document"), so they are
        // matched with the line breaks around them, raw and JSON-escaped.
        for fragment in ["hunter", "very-secret", "multi\n", "multi\\n", "\n    line", "\\n    line"] {
            assert!(!out.contains(fragment), "output leaks `{fragment}`:\n{out}");
        }
    }

    fn finding(source: &SourceFile, severity: Severity, needle: &str, message: &str) -> Finding {
        let start = source.text.find(needle).unwrap();
        let span = Span::new(start, start + needle.len());
        Finding {
            rule: "inline-secret-value",
            severity,
            path: source.path.clone(),
            span,
            start: source.position(span.start),
            end: source.position(span.end),
            message: message.into(),
            help: None,
            envs: vec![],
            fingerprint: "sg1:00112233445566778899aabbccddeeff".into(),
            content: String::new(),
            related: vec![],
            secret_spans: vec![],
        }
    }

    pub(in crate::report) fn sample_report() -> Report {
        let source = SourceFile::new("deploy/prod/db secret.yaml".into(), TEXT.into());
        let pw = source.text.find("hunter2").unwrap();
        let pw = Span::new(pw, pw + "hunter2-very-secret".len());
        let tok = source.text.find("multi").unwrap();
        let tok = Span::new(tok, source.text.len());

        let key = "Secret `db` holds a literal value for credential key";
        let mut a = finding(&source, Severity::Error, "hunter2-very-secret", &format!("{key} `password`"));
        a.envs = vec!["production".into()];
        a.related = vec![Related {
            path: "values/prod.yaml".into(),
            start: Position { line: 3, column: 5 },
            end: Position { line: 3, column: 9 },
            message: "rendered from".into(),
        }];
        a.secret_spans = vec![pw];
        let mut b = finding(&source, Severity::Warning, "token", &format!("{key} `token`"));
        b.help = Some("Move it to Vault and reference it from an ExternalSecret.".into());
        b.secret_spans = vec![tok];

        let mut report = Report {
            findings: vec![a, b],
            notices: vec![
                Notice { path: "big.yaml".into(), message: "skipped: larger than 1 MiB".into() },
                Notice { path: String::new(), message: "1 Helm template files were not rendered".into() },
            ],
            sources: [(source.path.clone(), Arc::new(source))].into_iter().collect(),
            ..Report::default()
        };
        report.summary.files = 12;
        report.summary.duration_ms = 85;
        report.count();
        report
    }

    fn render(report: &Report, opts: &HumanOptions) -> String {
        let mut out = Vec::new();
        write(report, opts, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn opts() -> HumanOptions {
        HumanOptions { color: false, width: 80, show_timing: false }
    }

    #[test]
    fn frames_mask_every_secret_and_keep_real_line_numbers() {
        let out = render(&sample_report(), &opts());
        assert_no_secret(&out);
        assert!(out.contains("«redacted»"), "{out}");
        assert!(out.contains(" 6 │   password: «redacted»"), "{out}");
        assert!(out.contains("[deploy/prod/db secret.yaml:6:13]"), "{out}");
        assert!(out.contains("error[inline-secret-value]: Secret `db`"), "{out}");
        assert!(out.contains("= env: production"), "{out}");
        assert!(out.contains("= related: values/prod.yaml:3:5 rendered from"), "{out}");
        assert!(out.contains("note: big.yaml: skipped: larger than 1 MiB\nnote: 1 Helm template"), "{out}");
        assert!(out.ends_with("1 error, 1 warning, 0 notes in 12 files\n"), "{out}");
    }

    #[test]
    fn color_and_timing() {
        let out = render(&sample_report(), &HumanOptions { color: true, width: 80, show_timing: true });
        assert!(out.contains("\x1b[1;31merror\x1b[0m[inline-secret-value]"), "{out}");
        assert!(out.contains("(85 ms)"), "{out}");
        assert_no_secret(&out);
    }

    #[test]
    fn empty_span_on_a_secret_underlines_the_mask() {
        let mut report = sample_report();
        let f = &mut report.findings[0];
        f.span = Span::new(f.span.start, f.span.start);
        f.end = f.start;
        let out = render(&report, &opts());
        assert!(out.contains(" 6 │   password: «redacted»\n   ·             ──────────\n"), "{out}");
    }

    #[test]
    fn frames_of_unparsed_files_hide_every_value() {
        let text = "stringData:\n  \"pw\": \"hunter2\n  - token: [very-secret\n  # multi: x\n  url: http://a:b@c\n";
        let source = SourceFile::new("bad.yaml".into(), text.into());
        let at = text.find("[very").unwrap();
        let f = Finding {
            rule: parse_error::ID,
            severity: Severity::Error,
            path: "bad.yaml".into(),
            span: Span::new(at, at),
            start: source.position(at),
            end: source.position(at),
            message: "cannot parse".into(),
            help: None,
            envs: vec![],
            fingerprint: String::new(),
            content: String::new(),
            related: vec![],
            secret_spans: vec![],
        };
        let report = Report {
            findings: vec![f],
            sources: [("bad.yaml".to_owned(), Arc::new(source))].into_iter().collect(),
            ..Report::default()
        };
        let out = render(&report, &opts());
        assert_no_secret(&out);
        for line in [
            " 1 │ stringData:\n",
            " 2 │   \"pw\": «redacted»\n",
            " 3 │   - token: «redacted»\n",
            " 4 │   «redacted»\n",
            " 5 │   url: «redacted»\n",
        ] {
            assert!(out.contains(line), "{line:?} missing from\n{out}");
        }
        assert!(out.contains("[bad.yaml:3:12]"), "{out}");
    }

    #[test]
    fn value_spans_keep_keys_and_markers() {
        let text = "a: 1\n- - b:\n---\n-\nplain\n'k': v\nhttp://x\nk:v\n";
        let source = SourceFile::new("f".into(), text.into());
        let hidden: Vec<Option<&str>> =
            (1..=8).map(|l| value_span(&source, l).map(|s| &text[s.start..s.end])).collect();
        assert_eq!(hidden, [Some("1"), None, None, None, Some("plain"), Some("v"), Some("http://x"), Some("k:v")]);
    }

    #[test]
    fn secrets_of_all_findings_in_a_file_are_merged() {
        let mut report = sample_report();
        report.findings[0].secret_spans.push(Span::new(3, 8));
        report.findings[1].secret_spans.push(Span::new(5, 12));
        report.findings[1].secret_spans.push(Span::new(12, 12));
        let by_path = secrets_by_path(&report);
        let spans = &by_path["deploy/prod/db secret.yaml"];
        assert_eq!(spans[0], Span::new(3, 12));
        assert_eq!(spans.len(), 3);
    }

    #[test]
    fn no_findings_summary() {
        let report =
            Report { summary: Summary { files: 3, duration_ms: 7, ..Summary::default() }, ..Report::default() };
        assert_eq!(
            render(&report, &HumanOptions::default()),
            "checked 0 files; 0 charts with 0 renders; 0 releases; 0 environments; 0 skipped\nno findings in 3 files (7 ms)\n"
        );
    }

    #[test]
    fn missing_source_prints_location_only() {
        let mut report = sample_report();
        report.sources.clear();
        let out = render(&report, &opts());
        assert!(out.contains("  --> deploy/prod/db secret.yaml:6:13\n"), "{out}");
        assert_no_secret(&out);
    }

    #[test]
    fn redaction_keeps_lines_and_masks_each_covered_part() {
        let text = "a: x\r\nb: |\r\n  one\r\n  two\r\nc: y\r\n";
        let start = text.find("one").unwrap();
        let end = text.find("c:").unwrap();
        let (out, masks) = redact(text, 0..text.len(), &[Span::new(start, end)], &[]);
        assert_eq!(out, "a: x\r\nb: |\r\n  «redacted»\r\n«redacted»\r\nc: y\r\n");
        assert_eq!(masks.len(), 2);
        // Offsets after a mask shift by the difference in length; offsets inside snap to its ends.
        let c = text.find("c:").unwrap();
        assert_eq!(&out[window_offset(c, 0, &masks, false)..][..2], "c:");
        assert_eq!(window_offset(start + 1, 0, &masks, false), masks[0].window.start);
        assert_eq!(window_offset(start + 1, 0, &masks, true), masks[0].window.end);
    }

    #[test]
    fn overlapping_and_multibyte_spans_are_masked_whole() {
        let text = "k: pässwörd\n";
        let p = text.find('p').unwrap();
        // The second span ends inside `ö`: the mask must swallow the whole character.
        let (out, _) = redact(text, 0..text.len(), &[Span::new(p, p + 3), Span::new(p + 2, p + 7)], &[]);
        assert_eq!(out, "k: «redacted»rd\n");
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&sample_report(), &opts()));
    }
}
