//! SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! Deliberately absent: `snippet` and `contextRegion` (they would copy file text, secrets
//! included, into the log), an absolute `originalUriBaseIds` URI (it would leak the checkout
//! path: `%SRCROOT%` is described, not located) and `helpUri` (the docs travel in `help`).
//! URIs are relative to the repository root, whatever folder was scanned, so that code scanning
//! finds the files; every rule carries a `security-severity` for GitHub's severity gates.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use crate::finding::{Finding, Related, Severity};
use crate::rules::{self, RuleMeta};
use crate::source::Position;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
/// Key of our entry in `partialFingerprints`; the suffix versions the fingerprint scheme.
const FINGERPRINT_KEY: &str = "secretgate/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    original_uri_base_ids: BTreeMap<&'static str, BaseId>,
    invocations: [Invocation; 1],
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct BaseId {
    description: Message,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    short_description: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: DescriptorProperties<'a>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct DescriptorProperties<'a> {
    tags: Vec<&'a str>,
    /// GitHub's 0.0–10.0 scale: 9+ critical, 7+ high, 4+ medium.
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    message: Message,
    level: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: [Location; 1],
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation {
    id: usize,
    physical_location: PhysicalLocation,
    message: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    envs: &'a [String],
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let (descriptors, index) = descriptors(&report.findings);
    let prefix = report.root_prefix.as_str();
    let results = report.findings.iter().map(|f| result(f, &index, prefix)).collect();
    let notifications = report
        .notices
        .iter()
        .map(|n| Notification { message: Message { text: super::human::notice_text(n) }, level: "note" })
        .collect();

    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "secretgate",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://secretgate.dev",
                    rules: descriptors,
                },
            },
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                BaseId { description: Message { text: "The root of the repository that was checked.".into() } },
            )]),
            invocations: [Invocation { execution_successful: true, tool_execution_notifications: notifications }],
            results,
            // Our columns count Unicode scalar values, not UTF-16 code units (the SARIF default).
            column_kind: "unicodeCodePoints",
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// Every registered rule, in registry order, so viewers can show docs for rules that found
/// nothing; then any rule a finding names that the registry lacks, so every `ruleIndex` resolves.
fn descriptors(findings: &[Finding]) -> (Vec<Descriptor<'_>>, HashMap<&str, usize>) {
    let mut descriptors = Vec::new();
    let mut index = HashMap::new();
    for rule in rules::catalog() {
        let meta: &RuleMeta = rule;
        if !index.contains_key(meta.id) {
            index.insert(meta.id, descriptors.len());
            descriptors.push(registered(meta));
        }
    }
    for finding in findings {
        if !index.contains_key(finding.rule) {
            index.insert(finding.rule, descriptors.len());
            descriptors.push(Descriptor {
                id: finding.rule,
                name: camel_case(finding.rule),
                short_description: None,
                full_description: None,
                help: None,
                help_uri: None,
                default_configuration: Configuration { level: level(finding.severity) },
                properties: DescriptorProperties { tags: vec!["security"], security_severity: "5.0" },
            });
        }
    }
    (descriptors, index)
}

fn registered(meta: &'static RuleMeta) -> Descriptor<'static> {
    Descriptor {
        id: meta.id,
        name: camel_case(meta.id),
        short_description: Some(Text { text: meta.summary }),
        full_description: Some(Text { text: meta.summary }),
        help: Some(Help { text: meta.docs, markdown: meta.docs }),
        help_uri: None,
        default_configuration: Configuration { level: level(meta.severity) },
        properties: DescriptorProperties {
            tags: vec!["security", meta.pack.as_str()],
            security_severity: security_severity(meta),
        },
    }
}

/// A credential in the repository is critical; a broken or unsafe secret wiring is high; what
/// the default severity calls a warning is medium; notes are low.
fn security_severity(meta: &RuleMeta) -> &'static str {
    use crate::rules::Pack;
    match (meta.severity, meta.pack) {
        (Severity::Error, Pack::Source | Pack::Manifests) if meta.id != "parse-error" => "9.0",
        (Severity::Error, Pack::Vault) if meta.id == "vault-root-token-stored" || meta.id == "vault-token-literal" => {
            "9.5"
        }
        (Severity::Error, _) => "7.5",
        (Severity::Warning, _) => "5.0",
        (Severity::Note, _) => "2.0",
    }
}

fn result<'a>(f: &'a Finding, index: &HashMap<&str, usize>, prefix: &str) -> SarifResult<'a> {
    SarifResult {
        rule_id: f.rule,
        // `descriptors` registered every rule a finding names, so the fallback is never taken.
        rule_index: index.get(f.rule).copied().unwrap_or_default(),
        level: level(f.severity),
        message: Message { text: f.message.clone() },
        locations: [Location { physical_location: physical(prefix, &f.path, region(f.start, Some(f.end))) }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, f.fingerprint.as_str())]),
        related_locations: f.related.iter().enumerate().map(|(i, r)| related(prefix, i + 1, r)).collect(),
        properties: (!f.envs.is_empty()).then_some(ResultProperties { envs: &f.envs }),
    }
}

fn related(prefix: &str, id: usize, r: &Related) -> RelatedLocation {
    RelatedLocation {
        id,
        physical_location: physical(prefix, &r.path, region(r.start, None)),
        message: Message { text: r.message.clone() },
    }
}

/// `prefix` is the scanned folder relative to the repository root (`deploy/`, or empty).
fn physical(prefix: &str, path: &str, region: Region) -> PhysicalLocation {
    let path = if prefix.is_empty() || path.starts_with('/') { path.to_string() } else { format!("{prefix}{path}") };
    PhysicalLocation { artifact_location: ArtifactLocation { uri: uri(&path), uri_base_id: SRCROOT }, region }
}

/// SARIF requires 1-based positions and an end at or after the start; a position the engine could
/// not pin down (0) is moved to the start of the file rather than producing an invalid log.
fn region(start: Position, end: Option<Position>) -> Region {
    let start_line = start.line.max(1);
    let start_column = start.column.max(1);
    let (end_line, end_column) = match end {
        Some(end) => {
            let end_line = end.line.max(start_line);
            let end_column = if end_line == start_line { end.column.max(start_column) } else { end.column.max(1) };
            (Some(end_line), Some(end_column))
        }
        None => (None, None),
    };
    Region { start_line, start_column, end_line, end_column }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// `inline-secret-value` → `InlineSecretValue`, the form SARIF viewers expect for `name`.
fn camel_case(id: &str) -> String {
    id.split(['-', '_'])
        .flat_map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(chars)
        })
        .collect()
}

/// Percent-encodes a relative path into a URI reference: everything but RFC 3986 unreserved
/// characters and `/` is escaped, which also keeps a `:` in the first segment from reading as a
/// scheme.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::report::human::tests::{assert_no_secret, sample_report};

    fn render(report: &Report) -> (String, Value) {
        let mut out = Vec::new();
        write(report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let value = serde_json::from_str(&text).unwrap();
        (text, value)
    }

    #[test]
    fn results_point_at_their_rules_and_hold_no_secret() {
        let (text, v) = render(&sample_report());
        assert_no_secret(&text);
        assert!(text.ends_with("}\n"));
        assert!(!text.contains("snippet") && !text.contains("contextRegion") && !text.contains("file://"));

        assert_eq!(v["$schema"], SCHEMA);
        assert_eq!(v["version"], "2.1.0");
        let runs = v["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");

        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        let registry: Vec<&str> = rules::catalog().iter().map(|m| m.id).collect();
        assert_eq!(ids, registry);

        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        for result in results {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"]);
            assert_eq!(result["ruleId"], "inline-secret-value");
        }
        let rule = &rules[results[0]["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["name"], "InlineSecretValue");
        assert!(rule.get("helpUri").is_none(), "no page exists to link to");
        assert_eq!(rule["properties"]["security-severity"], "9.0");
        assert_eq!(rule["properties"]["tags"][0], "security");

        let first = &results[0];
        assert_eq!(first["level"], "error");
        let location = &first["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "deploy/prod/db%20secret.yaml");
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(
            location["region"],
            serde_json::json!({"startLine": 6, "startColumn": 13, "endLine": 6, "endColumn": 32})
        );
        assert_eq!(first["partialFingerprints"]["secretgate/v1"], "sg1:00112233445566778899aabbccddeeff");
        assert_eq!(first["relatedLocations"][0]["id"], 1);
        assert_eq!(first["relatedLocations"][0]["message"]["text"], "rendered from");
        assert_eq!(first["properties"]["envs"], serde_json::json!(["production"]));
        assert!(results[1].get("relatedLocations").is_none() && results[1].get("properties").is_none());

        let notes = &run["invocations"][0]["toolExecutionNotifications"];
        assert_eq!(notes[0]["message"]["text"], "big.yaml: skipped: larger than 1 MiB");
        assert_eq!(notes[1]["message"]["text"], "1 Helm template files were not rendered");
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    }

    #[test]
    fn unregistered_rules_get_a_descriptor() {
        let mut report = sample_report();
        report.findings[1].rule = "not-a-registered-rule";
        let (_, v) = render(&report);
        let run = &v["runs"][0];
        let result = &run["results"][1];
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(index, rules::catalog().len());
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "not-a-registered-rule");
    }

    #[test]
    fn empty_report_keeps_results() {
        let (_, v) = render(&Report::default());
        assert_eq!(v["runs"][0]["results"], serde_json::json!([]));
    }

    #[test]
    fn helpers() {
        assert_eq!(camel_case("inline-secret-value"), "InlineSecretValue");
        assert_eq!(uri("a b/c:d/é#%.yaml"), "a%20b/c%3Ad/%C3%A9%23%25.yaml");
        let r = region(Position { line: 0, column: 0 }, Some(Position { line: 0, column: 0 }));
        assert_eq!((r.start_line, r.start_column, r.end_line, r.end_column), (1, 1, Some(1), Some(1)));
    }
}
