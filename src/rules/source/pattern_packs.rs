//! `pattern-packs`: runs the declarative rules of `rules/*.yaml` (and `rule-packs:` files) over
//! the text of every file and reports each secret under the id of the rule that found it.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::finding::Severity;
use crate::rules::pack::{self, PackMatch};
use crate::rules::{FileContext, Hits, Pack, Rule, RuleMeta, Scope};
use crate::source::SourceFile;

pub struct PatternPacks;

static META: RuleMeta = RuleMeta {
    id: "pattern-packs",
    pack: Pack::Source,
    severity: Severity::Error,
    summary: "Runs the declarative token and credential rules of `rules/*.yaml` over every text file.",
    docs: r#"
## What it does
Scans the text of every readable file (code, scripts, config, docs, manifests) with the
declarative rules of the `source` and `vault` packs: provider token formats (`ghp_…`, `AKIA…`,
`xoxb-…`, `sk_live_…`, PEM private keys, …) and credential assignments. Each rule has keywords
(a file without them is skipped), a regex, an entropy floor and allowlists, and reports under its
own id (`secretgate rules` lists them). Extra packs load from `rule-packs:` in the config.
Turning this id `off` turns every pattern rule off; turn single rules off by their own ids.

## Why is this bad?
A credential committed to Git is readable by everyone with access to the repository, its forks
and its history, and stays valid until someone rotates it.

## Example
```python
GITHUB_TOKEN = "ghp_…"   # a live token committed with the code
```

## Use instead
Revoke the credential, then read it at runtime from Vault (or an ExternalSecret, or the CI's
secret store):
```python
GITHUB_TOKEN = os.environ["GITHUB_TOKEN"]
```
"#,
};

impl Rule for PatternPacks {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::File
    }

    fn check_file(&self, cx: &FileContext<'_>, hits: &mut Hits) {
        let text = cx.file.text.as_str();
        let mut found = Vec::new();
        pack::embedded().scan(&cx.file.path, text, cx.policy, &mut found);
        if let Some(user) = &cx.policy.rule_packs {
            user.scan(&cx.file.path, text, cx.policy, &mut found);
        }
        report(cx.file, &found, hits);
    }
}

/// A YAML comment line: in a values file that is a commented-out example (`# password: p@55w0rd`),
/// which documents a setting far more often than it leaks one. The line start comes from the
/// file's line index, so many matches on one long line stay linear.
fn in_yaml_comment(file: &SourceFile, at: usize) -> bool {
    let yaml = file.path.ends_with(".yaml") || file.path.ends_with(".yml");
    yaml && {
        let line_start = file.line_start(file.position(at).line);
        file.text.get(line_start..at).is_some_and(|l| l.trim_start().starts_with('#'))
    }
}

/// Turns matches into hits with content-free identities: the key that names the secret on its
/// line (or the line above), numbered when the same key repeats, else the match's ordinal.
fn report(file: &SourceFile, found: &[PackMatch<'_>], hits: &mut Hits) {
    let text = file.text.as_str();
    let mut seen: HashMap<(&str, String), usize> = HashMap::new();
    let mut ordered: Vec<&PackMatch<'_>> = found.iter().collect();
    ordered.sort_by_key(|m| (m.secret.start, m.secret.end));
    for m in ordered {
        let id = m.rule.meta.id;
        let secret_text = text.get(m.secret.range()).unwrap_or("");
        let key = m
            .key
            .and_then(|k| text.get(k.range()))
            .or_else(|| key_before(text, m.secret.start))
            .filter(|k| secret_text.len() < 3 || !k.contains(secret_text))
            .unwrap_or("");
        let n = seen.entry((id, key.to_string())).or_insert(0);
        *n += 1;
        let identity = match (key.is_empty(), *n) {
            (true, n) => format!("#{n}"),
            (false, 1) => key.to_string(),
            (false, n) => format!("{key}#{n}"),
        };
        // A key-named guess in a commented-out example is a note; a provider token is a token
        // wherever it sits.
        let commented = m.rule.checks.contains(&pack::Check::CredentialKey) && in_yaml_comment(file, m.secret.start);
        let what = if commented { " in a YAML comment" } else { "" };
        let hit = hits
            .report_as(id, m.secret, format!("hard-coded {}{what}", m.rule.name))
            .identity(identity)
            .secret(m.secret)
            .help(format!(
                "revoke it (it stays in the Git history), then load it at runtime from Vault or a Secret reference; see `secretgate explain {id}`"
            ));
        if commented {
            hit.severity(Severity::Note);
        }
    }
}

/// `name` followed by an assignment operator: `key:`, `"key":`, `KEY=`, `key :=`, `key =>`.
static KEY_OP: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"([A-Za-z_][A-Za-z0-9_.\-]*)\\?["']?[ \t]*(?::=|=>|=|:)"#).unwrap()
});

/// The key naming the value that starts at `at`: the last assignment on its line before it,
/// else (for a value alone on its line, like a PEM block under `tls.key: |`) the previous line's.
fn key_before(text: &str, at: usize) -> Option<&str> {
    // The key sits right before its value: look back a bounded distance, so that thousands of
    // matches on one minified line stay linear.
    let mut from = at.saturating_sub(KEY_LOOKBACK);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let line_start = text.get(from..at)?.rfind('\n').map_or(from, |i| from + i + 1);
    let prefix = text.get(line_start..at)?;
    if let Some(k) = key_in(prefix) {
        return Some(k);
    }
    if !prefix.trim().trim_matches(['"', '\'']).is_empty()
        || line_start == 0
        || text.as_bytes()[line_start - 1] != b'\n'
    {
        return None;
    }
    let mut prev_from = (line_start - 1).saturating_sub(KEY_LOOKBACK);
    while !text.is_char_boundary(prev_from) {
        prev_from += 1;
    }
    let prev_start = text.get(prev_from..line_start - 1)?.rfind('\n').map_or(prev_from, |i| prev_from + i + 1);
    key_in(text.get(prev_start..line_start - 1)?)
}

/// How far before a value its key is looked for.
const KEY_LOOKBACK: usize = 256;

fn key_in(line: &str) -> Option<&str> {
    KEY_OP
        .captures_iter(line)
        .filter(|c| {
            let (Some(all), Some(key)) = (c.get(0), c.get(1)) else { return false };
            // `scheme://user:` is part of a URL, not an assignment.
            let after_url = line[all.end()..].starts_with("//");
            let in_url = line[..key.start()].ends_with(['/', '@', ':']);
            !after_url && !in_url
        })
        .last()
        .and_then(|c| c.get(1))
        .map(|k| k.as_str())
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashSet};

    use super::*;
    use crate::check::{self, ScanContext};
    use crate::config::Config;
    use crate::discover::{Candidate, FileClass};
    use crate::env::EnvInfo;
    use crate::finding::Severity as Sev;
    use crate::finding::{Finding, Fingerprinter};
    use crate::rules::pack::PatternRule;
    use crate::rules::testgen::{Rng, expand, seed_of};
    use crate::source::{SourceFile, Span};

    /// Seeds per true-positive example: each run of the suite sees the same tokens, and several
    /// different ones per example.
    const SEEDS: u64 = 4;

    fn scan_with(config: &Config, name: &str, text: &str) -> Vec<Finding> {
        let dir = tempfile::tempdir().unwrap();
        let abs = dir.path().join(name);
        std::fs::write(&abs, text).unwrap();
        let c = Candidate { abs, rel: name.into(), class: FileClass::Other };
        let fingerprinter = Fingerprinter::new(None);
        let repo_files = HashSet::new();
        let cx = ScanContext { config, fingerprinter: &fingerprinter, repo_files: &repo_files };
        check::scan_file(&c, &EnvInfo::default(), &cx).findings
    }

    fn scan(text: &str) -> Vec<Finding> {
        scan_with(&Config::default(), "example.txt", text)
    }

    /// Raw hits of the file rules, for identity assertions.
    fn hits(text: &str) -> Vec<crate::rules::Hit> {
        let config = Config::default();
        let fingerprinter = Fingerprinter::new(None);
        let repo_files = HashSet::new();
        let cx = ScanContext { config: &config, fingerprinter: &fingerprinter, repo_files: &repo_files };
        let file = SourceFile::new("example.txt".into(), text.into());
        check::check_file_rules(&file, FileClass::Other, &EnvInfo::default(), &cx)
    }

    fn rules() -> &'static [PatternRule] {
        &pack::embedded().rules
    }

    #[test]
    fn embedded_packs_load() {
        if let Some(e) = pack::embedded_error() {
            let file = SourceFile::new(e.path.clone(), e.text.clone());
            panic!("{}:{:?}: {}", e.path, file.position(e.span.start), e.message);
        }
        assert!(!rules().is_empty());
    }

    #[test]
    fn every_pack_rule_is_documented_and_has_examples() {
        for r in rules() {
            let m = r.meta;
            for heading in ["## What it does", "## Why is this bad?", "## Example", "## Use instead"] {
                assert!(m.docs.contains(heading), "{} docs lack `{heading}`", m.id);
            }
            assert!(m.summary.ends_with('.') && !m.summary.contains('\n'), "{}: summary", m.id);
            assert!(!r.keywords.is_empty(), "{} has no keywords", m.id);
            assert!(!r.examples.tp.is_empty() && !r.examples.fp.is_empty(), "{} needs tp and fp examples", m.id);
            for tp in &r.examples.tp {
                assert!(tp.contains('«') && tp.contains('»'), "{}: tp example without «secret» markers: {tp}", m.id);
            }
        }
    }

    #[test]
    fn ids_are_unique_across_native_and_pack_rules() {
        let mut seen = BTreeSet::new();
        for m in crate::rules::catalog() {
            assert!(seen.insert(m.id), "duplicate rule id {}", m.id);
        }
    }

    #[test]
    fn at_least_sixty_source_rules_are_listed() {
        let source = crate::rules::catalog().iter().filter(|m| m.pack == Pack::Source && m.id != META.id).count();
        assert!(source >= 60, "only {source} source rules");
        assert_eq!(crate::rules::meta("vault-token-literal").map(|m| m.pack), Some(Pack::Vault));
    }

    /// gitleaks' `Validate(rule, tps, fps)`: every true positive fires its rule on exactly the
    /// marked secret, through the real engine; every false positive fires nothing.
    #[test]
    fn pack_examples_fire_exactly_as_labelled() {
        let mut failures = Vec::new();
        for r in rules() {
            let id = r.meta.id;
            for (i, tp) in r.examples.tp.iter().enumerate() {
                for seed in 0..SEEDS {
                    let mut rng = Rng::new(seed_of(&format!("{id}/{i}/{seed}")));
                    let (text, range) = expand(tp, &mut rng);
                    let Some(range) = range else { continue };
                    let want = Span::new(range.start, range.end);
                    let found = scan(&text);
                    if !found.iter().any(|f| f.rule == id && f.secret_spans == [want]) {
                        let got: Vec<_> = found.iter().map(|f| (f.rule, f.secret_spans.clone())).collect();
                        failures.push(format!("{id}: tp #{i} (seed {seed}) missed {want:?}: got {got:?}\n  {text}"));
                    }
                }
            }
            for fp in &r.examples.fp {
                let found = scan(fp);
                if !found.is_empty() {
                    let got: Vec<_> = found.iter().map(|f| f.rule).collect();
                    failures.push(format!("{id}: fp fired {got:?}\n  {fp}"));
                }
            }
        }
        assert!(failures.is_empty(), "{} example failures:\n{}", failures.len(), failures.join("\n"));
    }

    /// No message, help or identity carries the secret or any 8-character piece of it (a provider's
    /// public prefix, like `ghp_`, may appear in a rule id).
    #[test]
    fn secrets_never_reach_messages_or_identities() {
        for r in rules() {
            for (i, tp) in r.examples.tp.iter().enumerate() {
                let mut rng = Rng::new(seed_of(&format!("leak/{}/{i}", r.meta.id)));
                let (text, _) = expand(tp, &mut rng);
                for h in hits(&text).into_iter().filter(|h| h.rule == r.meta.id) {
                    let Some(secret) = h.secret.and_then(|s| text.get(s.range())) else { continue };
                    let chars: Vec<char> = secret.chars().collect();
                    let public = format!("{} {}", h.rule, r.name).to_ascii_lowercase().replace('-', "_");
                    for w in chars.windows(8.min(chars.len())) {
                        let piece: String = w.iter().collect();
                        // A provider's public prefix (`rubygems_`) may be named by its rule.
                        if public.contains(&piece.to_ascii_lowercase().replace('-', "_")) {
                            continue;
                        }
                        for (what, s) in [("message", &h.message), ("identity", &h.identity)] {
                            assert!(!s.contains(&piece), "{}: {what} `{s}` contains `{piece}` of the secret", h.rule);
                        }
                        assert!(!h.help.as_deref().unwrap_or("").contains(&piece), "{}: help leaks", h.rule);
                    }
                }
            }
        }
    }

    #[test]
    fn realistic_files() {
        let mut rng = Rng::new(7);
        let pass = [
            "# Settings come from the environment.\nDB_PASSWORD = os.environ[\"DB_PASSWORD\"]\nAPI_TOKEN = \"${API_TOKEN}\"\n",
            "resource \"aws_iam_access_key\" \"ci\" {\n  user = aws_iam_user.ci.name\n}\noutput \"secret\" {\n  value     = aws_iam_access_key.ci.secret\n  sensitive = true\n}\n",
            "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/app\n    password: ${DB_PASSWORD}\n",
            "## Configure\nSet `GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx` and `AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE`.\n",
        ];
        let fail = [
            expand("import boto3\nclient = boto3.client(\n    \"s3\",\n    aws_access_key_id=\"AKIA{b32:16}\",\n    aws_secret_access_key=\"{base64:40}\",\n)\n", &mut rng).0,
            expand("[Unit]\nDescription=runner\n[Service]\nEnvironment=RUNNER_TOKEN=glrt-{base64url:20}\n", &mut rng).0,
            expand("variable \"db\" {\n  default = {\n    password = \"{alnum:20}4\"\n  }\n}\n", &mut rng).0,
        ];
        for case in pass {
            let found = scan(case);
            assert!(found.is_empty(), "fired on a pass case:\n{case}\n{found:#?}");
        }
        for case in &fail {
            assert!(!scan(case).is_empty(), "missed a fail case:\n{case}");
        }
        // The AWS pair is two findings, the id and the secret.
        let rules: Vec<&str> = scan(&fail[0]).iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["aws-access-key-id", "aws-secret-access-key"]);
    }

    #[test]
    fn commented_examples_are_notes_and_pem_bodies_are_not_tokens() {
        let mut rng = Rng::new(11);
        let (values, _) = expand("auth:\n  # password: \"{alnum:12}7x\"\n  password: \"{alnum:12}7y\"\n", &mut rng);
        let found = scan_with(&Config::default(), "values.yaml", &values);
        let got: Vec<(usize, Sev)> = found.iter().map(|f| (f.start.line, f.severity)).collect();
        assert_eq!(got, [(2, Sev::Note), (3, Sev::Error)], "{found:#?}");
        // A provider token is a token in a comment too.
        let (token, _) = expand("# token: ghp_{alnum:36}\n", &mut rng);
        let found = scan_with(&Config::default(), "values.yaml", &token);
        assert_eq!(found.iter().map(|f| f.severity).collect::<Vec<_>>(), [Sev::Error]);
        // Base64 of a certificate can spell `EAAA…` (Square) by chance.
        let body = "EAAAQb7kX2mP9zR4wL8nT6vY3cH5jF1sD0gK7eU2iO9aZ4xB8qN3rM6tW1yV5pE0";
        assert!(scan(&format!("key = {body}\n")).iter().any(|f| f.rule == "square-token"));
        let cert = format!("-----BEGIN CERTIFICATE-----\nMIIB{}\n{body}\n-----END CERTIFICATE-----\n", "A".repeat(60));
        assert!(scan(&cert).iter().all(|f| f.rule != "square-token"), "{:#?}", scan(&cert));
    }

    #[test]
    fn identities_name_the_key_and_survive_line_shifts() {
        let mut rng = Rng::new(3);
        let (text, _) = expand("GITHUB_TOKEN=ghp_{alnum:36}\nother: 1\ntoken: ghp_{alnum:36}\n", &mut rng);
        let ids = |t: &str, rule: &str| -> Vec<String> {
            hits(t).into_iter().filter(|h| h.rule == rule).map(|h| h.identity).collect()
        };
        assert_eq!(ids(&text, "github-token"), ["GITHUB_TOKEN", "token"]);
        let shifted = format!("# a comment\n\n{text}");
        assert_eq!(ids(&text, "github-token"), ids(&shifted, "github-token"));
        // A PEM block under `tls.key: |` is named by the key on the line above.
        let (pem, _) = expand(
            "tls.key: |\n  -----BEGIN PRIVATE KEY-----\n  {pem_body:2}\n  -----END PRIVATE KEY-----\n",
            &mut rng,
        );
        assert_eq!(ids(&pem, "private-key"), ["tls.key"]);
        // A URL's user is not a key; a repeated key is numbered.
        let (urls, _) =
            expand("url: postgres://app:{alnum:12}9@db/app\nurl: postgres://app:{alnum:12}8@db/app\n", &mut rng);
        assert_eq!(ids(&urls, "postgres-url-password"), ["url", "url#2"]);
    }

    #[test]
    fn severity_overrides_and_off_apply_to_pack_ids() {
        let mut rng = Rng::new(5);
        let (text, _) = expand("GITHUB_TOKEN=ghp_{alnum:36}\n", &mut rng);
        let warn = Config::parse("c", "rules:\n  github-token: warning\n".into()).unwrap();
        let found = scan_with(&warn, "a.env.txt", &text);
        assert_eq!(found.iter().map(|f| f.severity).collect::<Vec<_>>(), [Sev::Warning]);
        let off = Config::parse("c", "rules:\n  github-token: off\n".into()).unwrap();
        assert!(scan_with(&off, "a.txt", &text).iter().all(|f| f.rule != "github-token"));
        let all_off = Config::parse("c", "rules:\n  pattern-packs: off\n".into()).unwrap();
        assert!(scan_with(&all_off, "a.txt", &text).is_empty());
    }

    #[test]
    fn user_rule_packs_load_from_the_config_and_reach_the_engine() {
        let dir = tempfile::tempdir().unwrap();
        let pack = r###"rules:
  - id: acme-internal-token
    name: ACME internal token
    summary: An ACME internal token is committed.
    keywords: [acme_]
    regex: '\b(?P<secret>acme_[a-z0-9]{24})\b'
    entropy: 3.0
    docs: "## What it does\nx\n## Why is this bad?\nx\n## Example\nx\n## Use instead\nx\n"
"###;
        std::fs::create_dir(dir.path().join("policy")).unwrap();
        std::fs::write(dir.path().join("policy/acme.yaml"), pack).unwrap();
        std::fs::write(
            dir.path().join(".secretgate.yaml"),
            "rule-packs: [policy/acme.yaml]\nrules:\n  acme-internal-token: warning\n",
        )
        .unwrap();
        let mut rng = Rng::new(9);
        let (text, _) = expand("ACME=acme_{lower_digit:24}\n", &mut rng);
        std::fs::write(dir.path().join("app.conf"), text).unwrap();
        let opts = crate::app::CheckOptions { paths: vec![dir.path().to_path_buf()], ..Default::default() };
        let report = crate::app::run_check(&opts).unwrap();
        let found: Vec<_> = report.findings.iter().map(|f| (f.rule, f.severity, f.path.as_str())).collect();
        assert_eq!(found, [("acme-internal-token", Sev::Warning, "app.conf")]);
    }

    #[test]
    fn bad_rule_packs_are_spanned_errors() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join(".secretgate.yaml");
        std::fs::write(&cfg, "rule-packs:\n  - missing.yaml\n").unwrap();
        let e = Config::load(&cfg).unwrap_err();
        let crate::config::ConfigError::Invalid(inv) = &e else { panic!("{e:?}") };
        assert!(inv.message.contains("cannot read rule pack `missing.yaml`"), "{}", inv.message);
        assert_eq!(inv.span.offset(), "rule-packs:\n  - ".len());

        let pack = "rules:\n  - id: bad-regex\n    name: x\n    summary: X.\n    keywords: [x]\n    regex: '(unclosed'\n    docs: x\n";
        std::fs::write(dir.path().join("p.yaml"), pack).unwrap();
        std::fs::write(&cfg, "rule-packs: [p.yaml]\n").unwrap();
        let e = Config::load(&cfg).unwrap_err();
        let crate::config::ConfigError::Invalid(inv) = &e else { panic!("{e:?}") };
        assert!(inv.message.contains("`docs` lacks the heading"), "{}", inv.message);

        let docs = "\"## What it does\\n## Why is this bad?\\n## Example\\n## Use instead\\n\"";
        let pack = format!(
            "rules:\n  - id: bad-regex\n    name: x\n    summary: X.\n    keywords: [x]\n    regex: '(unclosed'\n    docs: {docs}\n"
        );
        std::fs::write(dir.path().join("p.yaml"), &pack).unwrap();
        let e = Config::load(&cfg).unwrap_err();
        let crate::config::ConfigError::Invalid(inv) = &e else { panic!("{e:?}") };
        assert!(inv.message.contains("bad regex"), "{}", inv.message);
        assert_eq!(inv.span.offset(), pack.find("'(unclosed'").unwrap());

        std::fs::write(dir.path().join("p.yaml"), "rules:\n  - id: github-token\n").unwrap();
        let e = Config::load(&cfg).unwrap_err();
        assert!(e.to_string().contains("missing field") || format!("{e:?}").contains("missing field"), "{e:?}");
    }

    #[test]
    fn prefilter_skips_rules_without_keywords_in_the_file() {
        // A file with no keyword of any rule costs one automaton pass and no regex.
        assert!(scan("just some text\nwith nothing in it\n").is_empty());
        let mut found = Vec::new();
        pack::embedded().scan("x", "nothing here", &crate::rules::values::Policy::default(), &mut found);
        assert!(found.is_empty());
    }
}
