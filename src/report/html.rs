//! `--format html`: one self-contained page a CI job publishes as an artifact. A summary per pack
//! and per environment, the findings with the human report's redacted code frames, filters by
//! rule, severity and environment (kept in the address's `#fragment`, so a filtered view can be
//! linked), the notices, and a picture of each environment's secret graph.
//!
//! Self-contained means no request of any kind: inline CSS and script, a Content-Security-Policy
//! that forbids loading anything, the graph drawn as inline SVG. Everything from the scan is
//! escaped; secret material never gets here (frames are redacted before they are escaped).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{self, Write};

use super::graph::SecretNode;
use super::{Report, human};
use crate::finding::{Finding, Severity};
use crate::rules;

/// Secrets drawn per environment: a picture of thousands helps nobody; unresolved ones first.
const GRAPH_LIMIT: usize = 120;

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut page = String::with_capacity(64 * 1024 + report.findings.len() * 1024);
    head(&mut page);
    summary(&mut page, report);
    filters(&mut page, report);
    findings(&mut page, report);
    notices(&mut page, report);
    graphs(&mut page, report);
    let _ = write!(page, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out.write_all(page.as_bytes())
}

/// Escapes text for HTML element content and (double-quoted) attribute values.
fn esc(s: &str) -> String {
    super::escape_markup(s, true)
}

fn head(page: &mut String) {
    page.push_str(concat!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        // Nothing may be fetched: the page works from a CI artifact, offline.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; ",
        "script-src 'unsafe-inline'; img-src data:\">\n",
        "<title>secretgate report</title>\n<style>",
    ));
    page.push_str(STYLE);
    page.push_str("</style>\n</head>\n<body>\n");
}

fn counts<'a>(findings: impl Iterator<Item = &'a Finding>) -> [usize; 3] {
    let mut c = [0; 3];
    for f in findings {
        c[match f.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Note => 2,
        }] += 1;
    }
    c
}

/// A table of error/warning/note counts, one row per name.
fn count_table<'a>(page: &mut String, id: &str, what: &str, rows: impl Iterator<Item = (&'a str, [usize; 3])>) {
    let _ = writeln!(
        page,
        "<table id=\"{id}\"><caption>By {what}</caption><thead><tr><th>{what}</th><th>errors</th><th>warnings</th><th>notes</th></tr></thead><tbody>"
    );
    for (name, c) in rows {
        let _ = writeln!(
            page,
            "<tr><th scope=\"row\">{}</th><td class=\"error\">{}</td><td class=\"warning\">{}</td><td class=\"note\">{}</td></tr>",
            esc(name),
            c[0],
            c[1],
            c[2]
        );
    }
    page.push_str("</tbody></table>\n");
}

fn summary(page: &mut String, report: &Report) {
    let s = &report.summary;
    let _ = writeln!(
        page,
        "<header><h1>secretgate</h1><p id=\"totals\">{}</p><p id=\"coverage\">{}</p></header>",
        esc(&human::summary_line(s, false)),
        esc(&human::coverage_line(&s.coverage))
    );
    page.push_str("<section id=\"summary\"><h2>Summary</h2><div class=\"tables\">\n");
    let mut by_pack: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_pack.entry(rules::meta(f.rule).map_or("other", |m| m.pack.as_str())).or_default().push(f);
    }
    count_table(page, "by-pack", "pack", by_pack.iter().map(|(pack, fs)| (*pack, counts(fs.iter().copied()))));
    let envs = environments(report);
    if !envs.is_empty() {
        let rows =
            envs.iter().map(|env| (*env, counts(report.findings.iter().filter(|f| f.envs.iter().any(|e| e == env)))));
        count_table(page, "by-env", "environment", rows);
    }
    page.push_str("</div></section>\n");
}

/// Every environment the scan knows or a finding names.
fn environments(report: &Report) -> BTreeSet<&str> {
    report
        .environments
        .iter()
        .map(String::as_str)
        .chain(report.findings.iter().flat_map(|f| f.envs.iter().map(String::as_str)))
        .collect()
}

fn select(page: &mut String, id: &str, label: &str, options: &[(String, String)]) {
    let _ = write!(page, "<label>{label} <select id=\"{id}\"><option value=\"\">all</option>");
    for (value, text) in options {
        let _ = write!(page, "<option value=\"{}\">{}</option>", esc(value), esc(text));
    }
    page.push_str("</select></label>\n");
}

fn filters(page: &mut String, report: &Report) {
    page.push_str("<section id=\"filters\" aria-label=\"Filters\">\n");
    let mut rule_counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &report.findings {
        *rule_counts.entry(f.rule).or_default() += 1;
    }
    let rules: Vec<(String, String)> = rule_counts.iter().map(|(r, n)| (r.to_string(), format!("{r} ({n})"))).collect();
    select(page, "f-rule", "Rule", &rules);
    let severities: Vec<(String, String)> =
        ["error", "warning", "note"].iter().map(|s| (s.to_string(), s.to_string())).collect();
    select(page, "f-severity", "Severity", &severities);
    let envs: Vec<(String, String)> = environments(report).iter().map(|e| (e.to_string(), e.to_string())).collect();
    if !envs.is_empty() {
        select(page, "f-env", "Environment", &envs);
    }
    let n = report.findings.len();
    let _ = writeln!(page, "<output id=\"shown\">{n} of {n} findings shown</output>\n</section>");
}

fn findings(page: &mut String, report: &Report) {
    page.push_str("<section id=\"findings\"><h2>Findings</h2>\n");
    if report.findings.is_empty() {
        page.push_str("<p class=\"empty\">No findings.</p>\n");
    }
    let secrets = human::secrets_by_path(report);
    let unparsed = human::unparsed_files(report);
    let all = report.environments.len();
    for (i, f) in report.findings.iter().enumerate() {
        let sev = f.severity.as_str();
        let _ = writeln!(
            page,
            "<article class=\"finding {sev}\" id=\"finding-{}\" data-rule=\"{}\" data-severity=\"{sev}\" data-envs=\" {} \">",
            i + 1,
            esc(f.rule),
            esc(&f.envs.join(" "))
        );
        let _ = writeln!(
            page,
            "<h3><span class=\"sev {sev}\">{sev}</span> <code class=\"rule\">{}</code> {}</h3>",
            esc(f.rule),
            esc(&f.message)
        );
        let _ = writeln!(page, "<p class=\"loc\">{}:{}:{}</p>", esc(&f.path), f.start.line, f.start.column);
        if let Some(source) = report.sources.get(&f.path) {
            let file_secrets = secrets.get(f.path.as_str()).map_or(&[][..], Vec::as_slice);
            let (first, text) = human::redacted_frame(source, f, file_secrets, unparsed.contains(f.path.as_str()));
            page.push_str("<pre class=\"frame\">");
            // Block spans, one per line, with no newline between them: inside <pre> a newline
            // would be a second line break.
            for (n, line) in text.trim_end_matches('\n').split('\n').enumerate() {
                let number = first + n;
                let class = if number == f.start.line { " class=\"hit\"" } else { "" };
                let _ = write!(page, "<span{class}><span class=\"ln\">{number:>5}</span> {}</span>", esc(line));
            }
            page.push_str("</pre>\n");
        }
        if let Some(help) = f.help.as_deref().or_else(|| rules::meta(f.rule).map(|m| m.summary)) {
            let _ = writeln!(page, "<p class=\"help\">{}</p>", esc(help));
        }
        match f.envs.len() {
            0 => {}
            n if n == all && all > 1 => page.push_str("<p class=\"envs\">environments: all</p>\n"),
            _ => {
                let _ = writeln!(page, "<p class=\"envs\">environments: {}</p>", esc(&f.envs.join(", ")));
            }
        }
        if !f.related.is_empty() {
            page.push_str("<ul class=\"related\">");
            for r in &f.related {
                let _ =
                    write!(page, "<li>{}:{}:{} {}</li>", esc(&r.path), r.start.line, r.start.column, esc(&r.message));
            }
            page.push_str("</ul>\n");
        }
        page.push_str("</article>\n");
    }
    page.push_str("</section>\n");
}

fn notices(page: &mut String, report: &Report) {
    if report.notices.is_empty() {
        return;
    }
    let _ = writeln!(page, "<section id=\"notices\"><h2>Notices ({})</h2><ul>", report.notices.len());
    for n in &report.notices {
        let _ = writeln!(page, "<li>{}</li>", esc(&human::notice_text(n)));
    }
    page.push_str("</ul></section>\n");
}

fn graphs(page: &mut String, report: &Report) {
    if report.graph.iter().all(|(_, nodes)| nodes.is_empty()) {
        return;
    }
    page.push_str("<section id=\"graph\"><h2>Secret graph</h2>\n<p class=\"legend\">Vault key → producer → Secret → consumer. <span class=\"bad\">Red</span>: nothing produces the Secret, or nothing seeds the Vault key.</p>\n");
    for (env, nodes) in &report.graph {
        if nodes.is_empty() {
            continue;
        }
        let _ = writeln!(page, "<details open><summary>{} ({} Secrets)</summary>", esc(env), nodes.len());
        svg(page, nodes);
        page.push_str("</details>\n");
    }
    page.push_str("</section>\n");
}

/// Truncates a label for a box (by characters, never inside one).
fn label(s: &str) -> String {
    // What fits a box at the page's 12px monospace.
    const MAX: usize = 34;
    if s.chars().count() <= MAX { s.to_string() } else { format!("{}…", s.chars().take(MAX - 1).collect::<String>()) }
}

/// Draws the graph as four columns, one band of rows per Secret.
fn svg(page: &mut String, nodes: &[SecretNode]) {
    const ROW: usize = 24;
    const COL: [usize; 4] = [10, 290, 570, 850];
    const BOX_W: usize = 260;
    let mut order: Vec<&SecretNode> = nodes.iter().collect();
    order.sort_by_key(|n| n.resolved() && n.producers.iter().all(|p| p.vault.iter().all(|v| v.status != "missing")));
    let shown = &order[..order.len().min(GRAPH_LIMIT)];
    let mut body = String::new();
    let mut y = 30;
    let rect = |body: &mut String, x: usize, y: usize, text: &str, class: &str| {
        let _ = write!(
            body,
            "<g class=\"{class}\"><rect x=\"{x}\" y=\"{}\" width=\"{BOX_W}\" height=\"{}\" rx=\"4\"/><text x=\"{}\" y=\"{}\">{}</text></g>",
            y,
            ROW - 6,
            x + 6,
            y + ROW - 11,
            esc(&label(text))
        );
    };
    let edge = |body: &mut String, x1: usize, y1: usize, x2: usize, y2: usize, bad: bool| {
        let class = if bad { "edge bad" } else { "edge" };
        let mid = (ROW - 6) / 2;
        let _ =
            write!(body, "<line class=\"{class}\" x1=\"{x1}\" y1=\"{}\" x2=\"{x2}\" y2=\"{}\"/>", y1 + mid, y2 + mid);
    };
    for node in shown {
        let vault: Vec<(usize, &super::graph::VaultEdge)> =
            node.producers.iter().enumerate().flat_map(|(i, p)| p.vault.iter().map(move |v| (i, v))).collect();
        let rows = vault.len().max(node.producers.len()).max(node.consumers.len()).max(1);
        let secret_y = y;
        let secret_class = if node.resolved() { "secret" } else { "secret bad" };
        rect(&mut body, COL[2], secret_y, &format!("{}/{}", node.namespace, node.name), secret_class);
        let mut producer_y = Vec::new();
        for (i, p) in node.producers.iter().enumerate() {
            let py = y + i * ROW;
            producer_y.push(py);
            rect(&mut body, COL[1], py, &p.by, "producer");
            edge(&mut body, COL[1] + BOX_W, py, COL[2], secret_y, false);
        }
        if node.producers.is_empty() {
            rect(&mut body, COL[1], y, "no producer", "producer bad");
            edge(&mut body, COL[1] + BOX_W, y, COL[2], secret_y, true);
        }
        for (j, (i, v)) in vault.iter().enumerate() {
            let vy = y + j * ROW;
            let bad = v.status == "missing";
            let text = match &v.property {
                Some(p) => format!("{}#{} ({})", v.key, p, v.status),
                None => format!("{} ({})", v.key, v.status),
            };
            rect(&mut body, COL[0], vy, &text, if bad { "vault bad" } else { "vault" });
            edge(&mut body, COL[0] + BOX_W, vy, COL[1], producer_y.get(*i).copied().unwrap_or(y), bad);
        }
        for (k, c) in node.consumers.iter().enumerate() {
            let cy = y + k * ROW;
            let key = c.key.as_deref().map(|k| format!(" [{k}]")).unwrap_or_default();
            rect(&mut body, COL[3], cy, &format!("{} via {}{key}", c.by, c.via), "consumer");
            edge(&mut body, COL[2] + BOX_W, secret_y, COL[3], cy, false);
        }
        y += rows * ROW + 8;
    }
    let height = y + 10;
    let width = COL[3] + BOX_W + 10;
    let _ = writeln!(
        page,
        "<svg class=\"graph\" role=\"img\" aria-label=\"secret graph\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">\
<text class=\"col\" x=\"{}\" y=\"16\">Vault key</text><text class=\"col\" x=\"{}\" y=\"16\">producer</text><text class=\"col\" x=\"{}\" y=\"16\">Secret</text><text class=\"col\" x=\"{}\" y=\"16\">consumer</text>{body}</svg>",
        COL[0], COL[1], COL[2], COL[3]
    );
    if order.len() > shown.len() {
        let _ = writeln!(
            page,
            "<p class=\"more\">{} more Secrets not drawn; <code>secretgate graph --env ENV</code> lists them all.</p>",
            order.len() - shown.len()
        );
    }
}

const STYLE: &str = r#"
:root { --error: #b3261e; --warning: #8a5a00; --note: #1f5f99; --fg: #1b1b1b; --muted: #5f6368; --bg: #fff; --line: #dadce0; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1200px; padding: 0 1.5rem 3rem; }
header h1 { margin: 1.2rem 0 .2rem; font-size: 1.6rem; }
#totals { font-weight: 600; margin: 0; } #coverage { color: var(--muted); margin: .2rem 0 1rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
.tables { display: flex; gap: 2rem; flex-wrap: wrap; }
table { border-collapse: collapse; } caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
th, td { padding: .2rem .7rem; border-bottom: 1px solid var(--line); text-align: right; } th[scope=row], thead th:first-child { text-align: left; }
td.error { color: var(--error); } td.warning { color: var(--warning); } td.note { color: var(--note); }
#filters { position: sticky; top: 0; background: var(--bg); padding: .6rem 0; display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; border-bottom: 1px solid var(--line); z-index: 1; }
#shown { color: var(--muted); margin-left: auto; }
article.finding { border: 1px solid var(--line); border-left: 4px solid var(--note); border-radius: 4px; padding: .5rem .9rem; margin: .8rem 0; }
article.error { border-left-color: var(--error); } article.warning { border-left-color: var(--warning); }
article h3 { font-size: 1rem; margin: .2rem 0; font-weight: 600; }
.sev { text-transform: uppercase; font-size: .75rem; padding: .05rem .35rem; border-radius: 3px; color: #fff; background: var(--note); }
.sev.error { background: var(--error); } .sev.warning { background: var(--warning); }
.loc { font-family: ui-monospace, monospace; color: var(--muted); margin: .2rem 0; }
pre.frame { background: #f6f8fa; padding: .5rem; overflow-x: auto; font-size: 13px; margin: .4rem 0; }
pre.frame > span { display: block; } pre.frame .hit { background: #fff3c4; } .ln { color: var(--muted); user-select: none; }
.help { margin: .3rem 0; } .envs { color: var(--muted); margin: .2rem 0; } ul.related { margin: .2rem 0; color: var(--muted); }
svg.graph { font: 12px ui-monospace, monospace; max-width: 100%; height: auto; }
svg.graph rect { fill: #f1f3f4; stroke: #9aa0a6; } svg.graph .secret rect { fill: #e8f0fe; }
svg.graph .bad rect { fill: #fce8e6; stroke: var(--error); stroke-dasharray: 4 3; }
svg.graph line.edge { stroke: #9aa0a6; } svg.graph line.bad { stroke: var(--error); stroke-dasharray: 4 3; }
svg.graph .col { font-weight: 600; fill: var(--muted); } .bad { color: var(--error); } .more { color: var(--muted); }
"#;

/// Filters: each select narrows the findings; the choice lives in the address's fragment
/// (`#rule=…&severity=…&env=…`) so that a filtered view can be shared and reloaded.
const SCRIPT: &str = r##"
(function () {
  "use strict";
  var ids = { rule: "f-rule", severity: "f-severity", env: "f-env" };
  var articles = Array.prototype.slice.call(document.querySelectorAll("article.finding"));
  var shown = document.getElementById("shown");
  function selects() {
    var out = {};
    Object.keys(ids).forEach(function (k) { var el = document.getElementById(ids[k]); if (el) { out[k] = el; } });
    return out;
  }
  function apply() {
    var s = selects(), want = {}, visible = 0;
    Object.keys(s).forEach(function (k) { want[k] = s[k].value; });
    articles.forEach(function (a) {
      var ok = (!want.rule || a.dataset.rule === want.rule) &&
        (!want.severity || a.dataset.severity === want.severity) &&
        (!want.env || a.dataset.envs.indexOf(" " + want.env + " ") !== -1);
      a.hidden = !ok;
      if (ok) { visible += 1; }
    });
    shown.textContent = visible + " of " + articles.length + " findings shown";
    var parts = Object.keys(want).filter(function (k) { return want[k]; }).map(function (k) {
      return k + "=" + encodeURIComponent(want[k]);
    });
    var hash = parts.length ? "#" + parts.join("&") : "";
    if (location.hash !== hash) { history.replaceState(null, "", hash || location.pathname + location.search); }
  }
  function fromHash() {
    var s = selects();
    location.hash.replace(/^#/, "").split("&").forEach(function (p) {
      var kv = p.split("="), el = s[kv[0]];
      if (el && kv.length === 2) {
        var v = decodeURIComponent(kv[1]);
        if (Array.prototype.some.call(el.options, function (o) { return o.value === v; })) { el.value = v; }
      }
    });
  }
  var s = selects();
  Object.keys(s).forEach(function (k) { s[k].addEventListener("change", apply); });
  fromHash();
  apply();
})();
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(esc(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
    }

    #[test]
    fn labels_are_cut_on_characters() {
        let long = "é".repeat(50);
        let cut = label(&long);
        assert_eq!(cut.chars().count(), 34);
        assert!(cut.ends_with('…'));
        assert_eq!(label("short"), "short");
    }

    #[test]
    fn an_empty_report_is_a_whole_page_with_no_external_reference() {
        let mut out = Vec::new();
        write(&Report::default(), &mut out).expect("write");
        let page = String::from_utf8(out).expect("utf-8");
        assert!(page.starts_with("<!doctype html>"));
        assert!(page.trim_end().ends_with("</html>"));
        assert!(page.contains("No findings."));
        // The SVG namespace is a name, not a request.
        let page = page.replace("http://www.w3.org/2000/svg", "");
        for reference in ["http://", "https://", " src=", "<link", "@import", "url("] {
            assert!(!page.contains(reference), "external reference `{reference}`");
        }
    }
}
