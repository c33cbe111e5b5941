//! `.secretgate.yaml`: parsed with spans (an unknown key is an error that points at the key),
//! then validated into compiled globs, regexes and rule settings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use miette::{NamedSource, SourceSpan};
use regex::Regex;
use serde::Deserialize;

use crate::finding::Severity;
use crate::rules::values::Policy;
use crate::source::{SourceFile, Span, de, yaml};

pub const CONFIG_NAMES: &[&str] = &[".secretgate.yaml", ".secretgate.yml"];
pub const DEFAULT_MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;
const DEFAULT_MANAGED: &[&str] = &["staging", "stage", "prod", "production"];

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConfigError {
    #[error("cannot read config file {path}")]
    #[diagnostic(code(secretgate::config::io))]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<InvalidConfig>),
}

/// A config problem with the span of the offending key or value.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("invalid config: {message}")]
#[diagnostic(code(secretgate::config::invalid))]
pub struct InvalidConfig {
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{label}")]
    pub span: SourceSpan,
    pub label: String,
}

/// The file as written. Every field is optional; zero config works.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
struct RawConfig {
    /// Only scan paths matching these globs (relative to the root).
    include: Vec<String>,
    /// Never scan paths matching these globs.
    exclude: Vec<String>,
    /// Files larger than this are skipped with a notice. Bytes, or a string like `10MiB`.
    max_file_size: Option<ByteSize>,
    /// Environment name → path globs and whether it gets the strict checks.
    environments: BTreeMap<String, RawEnv>,
    /// Rule id → `off`, `error`, `warning` or `note`.
    rules: BTreeMap<String, RuleSetting>,
    /// Extra normalised suffixes that make a key credential-like.
    credential_keys: Vec<String>,
    /// Extra known placeholder values.
    placeholders: Vec<String>,
    allowlist: RawAllowlist,
    /// Name of the environment variable holding the fingerprint key.
    fingerprint_key_env: Option<String>,
    /// Helm releases to render per environment instead of the chart's defaults.
    releases: Vec<RawRelease>,
    /// Extra declarative rule packs (`rules/*.yaml` format), relative to the config file.
    rule_packs: Vec<String>,
    /// Secrets created outside the repository (by hand, Terraform, an operator the model does
    /// not know), so that references to them resolve.
    declared_secrets: Vec<DeclaredSecret>,
    /// Vault keys written by something other than the fixture bootstrap (globs, `*` within a
    /// segment), and keys read by something other than ExternalSecrets.
    fixtures: RawFixtures,
    /// Findings in tests, fixtures, examples and docs: `note` (default), `keep` or `off`.
    tests_and_docs: Option<TestsAndDocs>,
}

/// What becomes of findings in test, fixture, example and documentation files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestsAndDocs {
    /// Reported as notes: visible, never failing a run at the default threshold.
    #[default]
    Note,
    /// Reported with the rule's severity.
    Keep,
    /// Not reported.
    Off,
}

/// A Secret that exists without a producer in the repository.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct DeclaredSecret {
    pub name: String,
    /// Namespace it lives in; any when absent.
    pub namespace: Option<String>,
    /// Environments it exists in; all when empty.
    pub environments: Vec<String>,
    /// Keys it holds; any when empty.
    pub keys: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
struct RawFixtures {
    writers: Vec<String>,
    readers: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
struct RawEnv {
    paths: Vec<String>,
    managed: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
struct RawRelease {
    /// Chart folder, relative to the scanned root.
    chart: String,
    /// Release name (default: the chart's name).
    name: Option<String>,
    /// Namespace; `{env}` is replaced by the environment name.
    namespace: Option<String>,
    /// Values files layered in order over the chart's `values.yaml`; `{env}` is replaced.
    values: Vec<String>,
    /// Environments the release is rendered for (default: every known environment).
    environments: Vec<String>,
}

/// A configured Helm release.
#[derive(Debug, Clone, Default)]
pub struct Release {
    /// Chart folder relative to the scanned root, with a trailing `/` (empty for the root).
    pub chart: String,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub values: Vec<String>,
    pub environments: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
struct RawAllowlist {
    /// Findings in files matching these globs are dropped.
    paths: Vec<String>,
    /// Findings whose secret value or key path matches one of these are dropped.
    regexes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSetting {
    Off,
    Error,
    Warning,
    Note,
}

#[derive(Debug, Clone, Copy)]
struct ByteSize(u64);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_size(&text).map(ByteSize).ok_or_else(|| {
            serde::de::Error::custom(format!("expected a size such as `5242880`, `512KiB` or `10MiB`, found `{text}`"))
        })
    }
}

fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        "g" | "gb" | "gib" => 1024 * 1024 * 1024,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// A configured environment.
#[derive(Debug)]
pub struct EnvDef {
    pub name: String,
    pub globs: GlobSet,
    pub managed: Option<bool>,
}

/// The validated configuration.
#[derive(Debug)]
pub struct Config {
    /// Where it was read from, if anywhere.
    pub path: Option<PathBuf>,
    pub include: Option<GlobSet>,
    pub exclude: GlobSet,
    pub max_file_size: u64,
    pub environments: Vec<EnvDef>,
    pub rules: BTreeMap<String, RuleSetting>,
    pub policy: Policy,
    pub allow_paths: GlobSet,
    pub allow_regexes: Vec<Regex>,
    pub fingerprint_key_env: String,
    pub releases: Vec<Release>,
    pub declared_secrets: Vec<DeclaredSecret>,
    pub tests_and_docs: TestsAndDocs,
    /// Vault keys other writers write (`fixtures.writers`).
    pub fixture_writers: GlobSet,
    /// Vault keys other readers read (`fixtures.readers`).
    pub fixture_readers: GlobSet,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            path: None,
            include: None,
            exclude: GlobSet::empty(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            environments: Vec::new(),
            rules: BTreeMap::new(),
            policy: Policy::default(),
            allow_paths: GlobSet::empty(),
            allow_regexes: Vec::new(),
            fingerprint_key_env: "SECRETGATE_FINGERPRINT_KEY".into(),
            releases: Vec::new(),
            declared_secrets: Vec::new(),
            tests_and_docs: TestsAndDocs::default(),
            fixture_writers: GlobSet::empty(),
            fixture_readers: GlobSet::empty(),
        }
    }
}

impl Config {
    /// Finds `.secretgate.yaml` in `root`; zero config when there is none.
    pub fn discover(root: &Path) -> Result<Config, ConfigError> {
        for name in CONFIG_NAMES {
            let p = root.join(name);
            if p.is_file() {
                return Config::load(&p);
            }
        }
        Ok(Config::default())
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Io { path: path.display().to_string(), source })?;
        let mut cfg = Config::parse(&path.display().to_string(), text)?;
        cfg.path = Some(path.to_path_buf());
        Ok(cfg)
    }

    pub fn parse(name: &str, text: String) -> Result<Config, ConfigError> {
        let file = SourceFile::new(name.to_string(), text);
        let loaded = yaml::load(&file);
        let err = |message: String, span: Span, label: &str| {
            ConfigError::Invalid(Box::new(InvalidConfig {
                message,
                src: NamedSource::new(name, file.text.clone()),
                span: (span.start, span.len().max(1)).into(),
                label: label.to_string(),
            }))
        };
        if let Some(e) = &loaded.error {
            return Err(err(e.message.clone(), Span::new(e.offset, e.offset), "here"));
        }
        let Some(doc) = loaded.documents.first() else { return Ok(Config::default()) };
        if doc.root.is_null() {
            return Ok(Config::default());
        }
        let raw: RawConfig = de::from_node(&doc.root)
            .map_err(|e| err(e.message.clone(), e.span.unwrap_or_default(), "this key or value"))?;

        // Spans of the entries, for validation errors below.
        let key_span = |section: &str, key: &str| -> Span {
            doc.root.get(section).and_then(|n| n.entry(key)).map(|e| e.key.span).unwrap_or_default()
        };
        let item_span = |section: &[&str], idx: usize| -> Span {
            doc.root.at(section).and_then(|n| n.as_seq()).and_then(|s| s.get(idx)).map(|n| n.span).unwrap_or_default()
        };
        let globs = |section: &[&str], pats: &[String]| -> Result<GlobSet, ConfigError> {
            let mut b = GlobSetBuilder::new();
            for (i, p) in pats.iter().enumerate() {
                let g = Glob::new(p)
                    .map_err(|e| err(format!("bad glob `{p}`: {}", e.kind()), item_span(section, i), "this glob"))?;
                b.add(g);
            }
            b.build().map_err(|e| err(e.to_string(), item_span(section, 0), "these globs"))
        };

        // Before the `rules:` check, so that settings for the packs' own ids validate.
        let base = Path::new(name).parent().unwrap_or(Path::new(""));
        let rule_packs = crate::rules::pack::load_user_packs(base, &raw.rule_packs).map_err(|e| match e {
            crate::rules::pack::UserPackError::Read { index, message } => {
                err(message, item_span(&["rule-packs"], index), "this rule pack")
            }
            crate::rules::pack::UserPackError::Invalid(p) => ConfigError::Invalid(Box::new(InvalidConfig {
                message: format!("rule pack {}: {}", p.path, p.message),
                src: NamedSource::new(p.path, p.text),
                span: (p.span.start, p.span.len().max(1)).into(),
                label: "here".into(),
            })),
        })?;
        for id in raw.rules.keys() {
            if crate::rules::meta(id).is_none() {
                return Err(err(
                    format!("unknown rule `{id}` (see `secretgate rules`)"),
                    key_span("rules", id),
                    "no such rule",
                ));
            }
        }
        let mut environments = Vec::new();
        for (name, env) in &raw.environments {
            let set = {
                let mut b = GlobSetBuilder::new();
                for p in &env.paths {
                    let g = Glob::new(p).map_err(|e| {
                        err(
                            format!("bad glob `{p}`: {}", e.kind()),
                            key_span("environments", name),
                            "in this environment",
                        )
                    })?;
                    b.add(g);
                }
                b.build().map_err(|e| err(e.to_string(), key_span("environments", name), "in this environment"))?
            };
            environments.push(EnvDef { name: name.clone(), globs: set, managed: env.managed });
        }
        let mut allow_regexes = Vec::new();
        for (i, r) in raw.allowlist.regexes.iter().enumerate() {
            allow_regexes.push(
                Regex::new(r).map_err(|e| {
                    err(format!("bad regex: {e}"), item_span(&["allowlist", "regexes"], i), "this regex")
                })?,
            );
        }
        let mut policy = Policy::default();
        policy.credential_suffixes.extend(raw.credential_keys.iter().map(|k| crate::rules::values::normalize_key(k)));
        policy.placeholders.extend(raw.placeholders.iter().cloned());
        policy.rule_packs = rule_packs;

        Ok(Config {
            path: None,
            include: if raw.include.is_empty() { None } else { Some(globs(&["include"], &raw.include)?) },
            exclude: globs(&["exclude"], &raw.exclude)?,
            max_file_size: raw.max_file_size.map_or(DEFAULT_MAX_FILE_SIZE, |s| s.0),
            environments,
            rules: raw.rules,
            policy,
            allow_paths: globs(&["allowlist", "paths"], &raw.allowlist.paths)?,
            allow_regexes,
            declared_secrets: raw.declared_secrets,
            tests_and_docs: raw.tests_and_docs.unwrap_or_default(),
            fixture_writers: globs(&["fixtures", "writers"], &raw.fixtures.writers)?,
            fixture_readers: globs(&["fixtures", "readers"], &raw.fixtures.readers)?,
            fingerprint_key_env: raw.fingerprint_key_env.unwrap_or_else(|| "SECRETGATE_FINGERPRINT_KEY".into()),
            releases: raw
                .releases
                .into_iter()
                .map(|r| {
                    let chart = r.chart.trim_matches('/').trim_start_matches("./").to_string();
                    Release {
                        chart: if chart.is_empty() || chart == "." { String::new() } else { format!("{chart}/") },
                        name: r.name,
                        namespace: r.namespace,
                        values: r.values,
                        environments: r.environments,
                    }
                })
                .collect(),
        })
    }

    /// The effective severity of a rule, or `None` when it is turned off.
    pub fn severity(&self, id: &str, default: Severity) -> Option<Severity> {
        match self.rules.get(id) {
            None => Some(default),
            Some(RuleSetting::Off) => None,
            Some(RuleSetting::Error) => Some(Severity::Error),
            Some(RuleSetting::Warning) => Some(Severity::Warning),
            Some(RuleSetting::Note) => Some(Severity::Note),
        }
    }

    pub fn is_enabled(&self, id: &str) -> bool {
        self.rules.get(id) != Some(&RuleSetting::Off)
    }

    /// Whether an environment gets the strict checks: the config decides, else the defaults
    /// (staging, stage, prod, production).
    pub fn is_managed(&self, env: &str) -> bool {
        self.environments
            .iter()
            .find(|e| e.name == env)
            .and_then(|e| e.managed)
            .unwrap_or_else(|| DEFAULT_MANAGED.contains(&env))
    }
}

/// [`STARTER`] around its `environments:` example: everything before it, and everything after
/// it (with the sample `rules:` entry commented out), for `secretgate init` to fill in.
pub fn starter_sections() -> (&'static str, String) {
    let env_at = STARTER.find("# Environments:").unwrap_or(STARTER.len());
    let rules_at = STARTER.find("# Turn rules off").unwrap_or(STARTER.len());
    let tail = STARTER[rules_at..].replacen(
        "rules:\n  sealed-secret-forbidden: error\n",
        "rules: {}\n#  sealed-secret-forbidden: off\n",
        1,
    );
    (&STARTER[..env_at], tail)
}

/// The commented starter config (its sections outside `environments:` are what `secretgate
/// init` writes around the environments and releases it detects).
pub const STARTER: &str = r#"# secretgate configuration. Every key is optional; delete what you do not need.
# Docs: `secretgate rules`, `secretgate explain <rule>`.

# Only scan these paths (globs relative to this file's folder). Empty: everything.
include: []
# Never scan these paths.
exclude:
  - "**/third_party/**"

# Files above this size are skipped with a notice.
max-file-size: 5MiB

# Environments: path globs, and whether they get the strict checks. Without this section,
# env/<name>/, environments/<name>/, overlays/<name>/ and values-<name>.yaml are recognised,
# and staging, stage, prod and production are managed.
environments:
  production:
    paths: ["deploy/prod/**"]
    managed: true

# Turn rules off or change their severity: off | error | warning | note.
rules:
  sealed-secret-forbidden: error

# Extra key suffixes (lowercase, without - _ .) that mark a credential, and extra placeholders.
credential-keys: []
placeholders: []

# Extra declarative rule packs (the format of the built-in rules/*.yaml), relative to this file.
rule-packs: []

# Secrets that exist without a producer in this repository (made by hand, Terraform, an
# operator secretgate does not model): references to them resolve.
declared-secrets: []
#  - {name: registry-credentials, namespace: ci, environments: [production], keys: [.dockerconfigjson]}

# Vault keys written or read by something other than the fixture bootstrap and ExternalSecrets.
fixtures:
  writers: []   # e.g. ["gitlab/tokens/*"]
  readers: []

# Findings to drop: by path glob, or by a regex matched against the key path or value.
allowlist:
  paths: []
  regexes: []
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn position(text: &str, e: &ConfigError) -> (usize, usize) {
        let ConfigError::Invalid(inv) = e else { panic!("{e:?}") };
        let f = SourceFile::new("c".into(), text.into());
        let p = f.position(inv.span.offset());
        (p.line, p.column)
    }

    #[test]
    fn zero_config_and_starter_parse() {
        let c = Config::parse("c", String::new()).unwrap();
        assert_eq!(c.max_file_size, DEFAULT_MAX_FILE_SIZE);
        let s = Config::parse("c", STARTER.into()).unwrap();
        assert!(s.is_managed("production") && s.is_managed("staging") && !s.is_managed("dev"));
    }

    #[test]
    fn unknown_key_error_points_at_the_key() {
        let text = "exclude: []\nenvironments:\n  prod:\n    paths: []\n    manged: true\n";
        let e = Config::parse("c", text.into()).unwrap_err();
        assert!(e.to_string().contains("unknown field `manged`"), "{e}");
        assert_eq!(position(text, &e), (5, 5));
    }

    #[test]
    fn unknown_rule_and_bad_glob_are_spanned() {
        let text = "rules:\n  no-such-rule: off\n";
        let e = Config::parse("c", text.into()).unwrap_err();
        assert_eq!(position(text, &e), (2, 3));
        let text = "exclude: [\"a/**\", \"b/[\"]\n";
        let e = Config::parse("c", text.into()).unwrap_err();
        assert_eq!(position(text, &e), (1, 19));
    }

    #[test]
    fn sizes_and_overrides() {
        let c = Config::parse(
            "c",
            "max-file-size: 1MiB\nrules:\n  sealed-secret-forbidden: off\n  placeholder-credential: note\n".into(),
        )
        .unwrap();
        assert_eq!(c.max_file_size, 1024 * 1024);
        assert_eq!(c.severity("sealed-secret-forbidden", Severity::Error), None);
        assert_eq!(c.severity("placeholder-credential", Severity::Error), Some(Severity::Note));
        assert!(Config::parse("c", "max-file-size: lots\n".into()).is_err());
    }
}
