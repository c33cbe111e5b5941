//! `secretgate vault verify`: compares an environment's expected Vault state, built from the
//! static model, with a running Vault or OpenBao, strictly read-only.
//!
//! 1. [`expected`] lists what the repository expects: every key an ExternalSecret of the
//!    environment reads through the environment's Vault (normalised, with its property), every
//!    key of the effective fixture map (property `value`), and which of them a declared writer
//!    provides later (those may be absent).
//! 2. Preflight: `GET sys/health` (unreachable, 501 uninitialised, 503 sealed → exit code 3),
//!    authentication ([`auth`]), `GET auth/token/lookup-self` (a root token is refused unless
//!    `--allow-root-token` in an unmanaged environment), the KV version of each mount
//!    (`GET sys/internal/ui/mounts/<mount>`).
//! 3. Forward parity per key, on a small thread pool: metadata, then data read in memory
//!    (property present and non-empty, value classified against the repository's defaults and
//!    wiped).
//! 4. Reverse parity: recursive LIST under the folders the expected keys use → orphans.
//!
//! Findings go through the normal pipeline ([`crate::check::model_finding`]): they sit at the
//! `remoteRef.key` (or fixture entry) that expects the key and name environment, key, property and
//! classification only. No value read from Vault, no token and no response body reaches any
//! output, log or error.

pub mod auth;
pub mod cli;
pub mod client;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use zeroize::Zeroize;

use crate::app::{self, CheckOptions, Stage};
use crate::check::ScanContext;
use crate::finding::Fingerprinter;
use crate::model::facts::{Loc, RefFrom};
use crate::model::fixtures::{FIXTURE_PROPERTY, ValueClass, normalize_key};
use crate::model::graph::EnvModel;
use crate::report::Report;
use crate::rules::ModelHits;
use crate::rules::vault::vault_live_missing_key::{self as missing_key, KeyState};
use crate::rules::vault::vault_live_missing_property::{self as missing_prop, PropertyState};
use crate::rules::vault::vault_live_orphan_key as orphan;
use crate::rules::vault::vault_live_placeholder as placeholder;
use crate::rules::vault::vault_live_unverifiable::{self as unverifiable, Access};
use client::{Client, ClientConfig, ClientError, escape_path};

/// Why `vault verify` stopped without a verdict.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Bad flags or environment, unreadable files: exit code 2.
    #[error("{0}")]
    Usage(String),
    /// No usable Vault (unreachable, sealed, uninitialised, auth refused): exit code 3.
    #[error("{0}")]
    Unusable(String),
    /// The static analysis failed: exit code 2.
    #[error("{0}")]
    Analysis(String),
}

impl From<ClientError> for VerifyError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Tls(m) => VerifyError::Usage(format!("invalid TLS configuration: {m}")),
            other => VerifyError::Unusable(other.to_string()),
        }
    }
}

impl VerifyError {
    pub fn exit_code(&self) -> i32 {
        match self {
            VerifyError::Unusable(_) => 3,
            _ => 2,
        }
    }
}

/// Overwrites every string in a parsed answer before it is dropped.
pub(crate) fn wipe(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => s.zeroize(),
        serde_json::Value::Array(a) => a.iter_mut().for_each(wipe),
        serde_json::Value::Object(m) => m.values_mut().for_each(wipe),
        _ => {}
    }
}

/// One property the repository reads from a key, and where.
#[derive(Clone, Debug)]
pub struct ExpectedProperty {
    /// `None`: the whole secret (`dataFrom.extract`, `remoteRef` without `property`).
    pub name: Option<String>,
    pub at: Loc,
}

/// One key the environment expects in Vault.
#[derive(Clone, Debug)]
pub struct ExpectedKey {
    pub mount: String,
    /// Normalised (`secret/data/x` → `x`).
    pub key: String,
    /// Where the key is expected: the first `remoteRef.key` reading it, else the fixture entry.
    pub at: Loc,
    pub properties: Vec<ExpectedProperty>,
    /// Written by a declared writer (a `vaultKey:` patcher, a PushSecret): may be absent.
    pub optional: bool,
    /// In the effective fixture map.
    pub in_fixtures: bool,
    /// Literal values the environment's fixture layers hold for this key (repository text,
    /// compared with live values in managed environments).
    dev_literals: Vec<String>,
}

/// The expected state of one environment.
#[derive(Debug)]
pub struct Expected {
    pub env: String,
    pub managed: bool,
    pub keys: Vec<ExpectedKey>,
    /// Where orphan and folder findings sit: the effective fixture map, else the first key.
    pub anchor: Option<Loc>,
}

fn loc_order(l: &Loc) -> (String, usize) {
    (l.path().to_string(), l.span.start)
}

/// Builds the expected state of `env` from the model.
pub fn expected(env: &EnvModel, config: &crate::config::Config) -> Expected {
    let writers = env.writers();
    let mut keys: BTreeMap<(String, String), ExpectedKey> = BTreeMap::new();
    let mut es_mounts: BTreeMap<String, usize> = BTreeMap::new();
    let mut refs: Vec<(String, String, Option<String>, Loc)> = Vec::new();
    for (o, es) in env.external_secrets() {
        let Some(mount) = env.fixture_mount(o, es) else { continue };
        let mount = mount.trim_matches('/').to_string();
        for r in es.refs.iter().filter(|r| r.from != RefFrom::Find) {
            if r.key.text.contains("{{") || r.key.text.trim().is_empty() {
                continue;
            }
            let key = normalize_key(&r.key.text, &mount);
            let prop = if r.from == RefFrom::Extract { None } else { r.property.as_ref().map(|p| p.text.clone()) };
            *es_mounts.entry(mount.clone()).or_default() += 1;
            refs.push((mount.clone(), key, prop, r.key.loc.clone()));
        }
    }
    refs.sort_by(|a, b| (&a.0, &a.1, loc_order(&a.3)).cmp(&(&b.0, &b.1, loc_order(&b.3))));
    // The fixture bootstrap writes into the mount the environment's ExternalSecrets use most.
    let fixture_mount = es_mounts
        .iter()
        .max_by_key(|(m, n)| (**n, std::cmp::Reverse((*m).clone())))
        .map_or("secret", |(m, _)| m)
        .to_string();
    let add = |mount: &str, key: String, prop: Option<String>, at: &Loc, keys: &mut BTreeMap<_, ExpectedKey>| {
        let e = keys.entry((mount.to_string(), key.clone())).or_insert_with(|| ExpectedKey {
            mount: mount.to_string(),
            optional: writers.contains(&key) || config.fixture_writers.is_match(&key),
            key,
            at: at.clone(),
            properties: Vec::new(),
            in_fixtures: false,
            dev_literals: Vec::new(),
        });
        if !e.properties.iter().any(|p| p.name == prop) {
            e.properties.push(ExpectedProperty { name: prop, at: at.clone() });
        }
    };
    for (mount, key, prop, at) in &refs {
        add(mount, key.clone(), prop.clone(), at, &mut keys);
    }
    let mut fixture_entries: Vec<_> = env.fixture_entries().collect();
    fixture_entries.sort_by_key(|e| loc_order(&e.key.loc));
    for e in fixture_entries {
        let key = normalize_key(&e.key.text, &fixture_mount);
        add(&fixture_mount, key.clone(), Some(FIXTURE_PROPERTY.to_string()), &e.key.loc, &mut keys);
        if let Some(k) = keys.get_mut(&(fixture_mount.clone(), key)) {
            k.in_fixtures = true;
        }
    }
    // Literals of every layer (the shared dev value a managed overlay overrides included).
    for layer in &env.fixture_layers {
        for e in layer.entries.iter().filter(|e| e.class == ValueClass::Literal) {
            let key = normalize_key(&e.key.text, &fixture_mount);
            if let (Some(k), Some(text)) = (keys.get_mut(&(fixture_mount.clone(), key)), scalar_text(&e.value)) {
                k.dev_literals.push(text);
            }
        }
    }
    let anchor = env
        .fixture_layers
        .last()
        .and_then(|l| l.entries.first())
        .map(|e| e.key.loc.clone())
        .or_else(|| keys.values().map(|k| k.at.clone()).min_by_key(loc_order));
    Expected { env: env.label().to_string(), managed: env.managed, keys: keys.into_values().collect(), anchor }
}

/// The decoded text of a plain or quoted YAML scalar at `loc` (simple escapes only).
fn scalar_text(loc: &Loc) -> Option<String> {
    let raw = loc.file.text.get(loc.span.range())?.trim();
    if raw.len() >= 2 && raw.starts_with('\'') && raw.ends_with('\'') {
        return Some(raw[1..raw.len() - 1].replace("''", "'"));
    }
    if raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
        return Some(raw[1..raw.len() - 1].replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    Some(raw.to_string())
}

/// Everything `vault verify` needs besides the credentials.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    pub path: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub env: String,
    pub client: ClientConfig,
    pub concurrency: usize,
    pub allow_root_token: bool,
}

/// What the run did, for the summary line.
#[derive(Debug, Default)]
pub struct Stats {
    pub keys: usize,
    pub listed: usize,
    pub requests: usize,
}

/// Analyses the repository and returns the expected state of `opts.env`.
pub fn expected_for(opts: &VerifyOptions) -> Result<(Expected, crate::config::Config), VerifyError> {
    let check = CheckOptions {
        paths: opts.path.iter().cloned().collect(),
        config: opts.config.clone(),
        envs: vec![opts.env.clone()],
        ..CheckOptions::default()
    };
    let a = app::analyze(&check, Stage::Model)
        .map_err(|e| VerifyError::Analysis(format!("{:?}", miette::Report::new(e))))?;
    let Some(env) = a.model.envs.iter().find(|e| e.name.as_deref() == Some(opts.env.as_str())) else {
        return Err(VerifyError::Usage(format!(
            "unknown environment `{}`; the repository has: {}",
            opts.env,
            a.envs.join(", ")
        )));
    };
    let exp = expected(env, &a.config);
    Ok((exp, a.config))
}

/// Runs the whole verification.
pub fn verify(opts: &VerifyOptions, source: auth::AuthSource) -> Result<(Report, Stats), VerifyError> {
    let started = std::time::Instant::now();
    let (exp, config) = expected_for(opts)?;
    let mut client = Client::new(opts.client.clone())?;
    preflight(&client)?;
    auth::login(&mut client, source)?;
    let info = auth::lookup_self(&client)?;
    if info.is_root() {
        if !opts.allow_root_token {
            return Err(VerifyError::Unusable(
                "refusing a root token: use a read-only token (`read` on <mount>/data/*, `read`,`list` on \
                 <mount>/metadata/*); --allow-root-token allows one in an unmanaged environment"
                    .into(),
            ));
        }
        if exp.managed {
            return Err(VerifyError::Unusable(format!(
                "refusing a root token in managed environment {}, even with --allow-root-token",
                exp.env
            )));
        }
    }
    let mut hits = Hits::default();
    let mounts: BTreeSet<&str> = exp.keys.iter().map(|k| k.mount.as_str()).collect();
    let mut versions: BTreeMap<String, MountKind> = BTreeMap::new();
    for m in mounts {
        versions.insert(m.to_string(), kv_version(&client, m)?);
    }
    let outcomes = check_keys(&client, &exp, &versions, &config.policy, opts.concurrency.max(1))?;
    for o in outcomes {
        hits.extend(o);
    }
    let listed = reverse_parity(&client, &exp, &versions, &mut hits)?;

    let key = std::env::var(&config.fingerprint_key_env).ok().map(String::into_bytes);
    let fingerprinter = Fingerprinter::new(key);
    let repo_files = std::collections::HashSet::new();
    let cx = ScanContext { config: &config, fingerprinter: &fingerprinter, repo_files: &repo_files };
    let mut report = Report::default();
    for (_, list) in hits.by_rule {
        for hit in list.into_vec() {
            if let Some((f, file)) = crate::check::model_finding(hit, Some(&exp.env), &cx) {
                report.findings.push(f);
                report.sources.entry(file.path.clone()).or_insert(file);
            }
        }
    }
    report.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    report.count();
    report.summary.duration_ms = started.elapsed().as_millis();
    let stats = Stats { keys: exp.keys.len(), listed, requests: client.sent().len() };
    Ok((report, stats))
}

/// `GET sys/health` with the default status codes.
fn preflight(client: &Client) -> Result<(), VerifyError> {
    let resp = client.get("sys/health")?;
    match resp.status {
        200 | 429 | 472 | 473 => Ok(()),
        501 => Err(VerifyError::Unusable(format!("Vault at {} is not initialised (sys/health: 501)", client.addr()))),
        503 => Err(VerifyError::Unusable(format!("Vault at {} is sealed (sys/health: 503)", client.addr()))),
        s => Err(VerifyError::Unusable(format!("Vault at {} is not ready (sys/health: {s})", client.addr()))),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MountKind {
    KvV1,
    KvV2,
    /// The mount does not exist.
    Absent,
    /// Not a KV engine.
    NotKv,
}

fn kv_version(client: &Client, mount: &str) -> Result<MountKind, VerifyError> {
    let resp = client.get(&format!("sys/internal/ui/mounts/{}", escape_path(mount)))?;
    check_sealed(resp.status)?;
    let json = resp.json.unwrap_or_default();
    Ok(match resp.status {
        200 => {
            let ty = json.pointer("/data/type").and_then(|t| t.as_str()).unwrap_or("");
            let version = json.pointer("/data/options/version").and_then(|v| v.as_str()).unwrap_or("1");
            match (ty, version) {
                ("kv", "2") | ("kv-v2", _) => MountKind::KvV2,
                ("kv", _) | ("generic", _) => MountKind::KvV1,
                _ => MountKind::NotKv,
            }
        }
        // 400 "no secret engine mount found" / 404.
        400 | 404 => MountKind::Absent,
        // No permission to look: assume KV v2, as the Vault CLI does when it cannot tell.
        _ => MountKind::KvV2,
    })
}

fn check_sealed(status: u16) -> Result<(), VerifyError> {
    if status == 503 {
        return Err(VerifyError::Unusable(
            "Vault became unavailable (sealed or in maintenance) during the check".into(),
        ));
    }
    Ok(())
}

/// Hits per rule, in registry order of the rules.
#[derive(Default)]
struct Hits {
    by_rule: BTreeMap<usize, ModelHits>,
}

impl Hits {
    fn get(&mut self, rule: &str) -> &mut ModelHits {
        let meta = crate::rules::meta(rule).unwrap_or_else(|| unreachable!("vault-live rules are registered"));
        self.by_rule.entry(crate::rules::priority(rule)).or_insert_with(|| ModelHits::new(meta))
    }

    fn extend(&mut self, other: Hits) {
        for (p, h) in other.by_rule {
            match self.by_rule.get_mut(&p) {
                Some(mine) => mine.hits.extend(h.hits),
                None => {
                    self.by_rule.insert(p, h);
                }
            }
        }
    }
}

fn check_keys(
    client: &Client,
    exp: &Expected,
    versions: &BTreeMap<String, MountKind>,
    policy: &crate::rules::values::Policy,
    workers: usize,
) -> Result<Vec<Hits>, VerifyError> {
    let next = AtomicUsize::new(0);
    let results: Vec<Result<Hits, VerifyError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.min(exp.keys.len().max(1)))
            .map(|_| {
                s.spawn(|| {
                    let mut hits = Hits::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(k) = exp.keys.get(i) else { break };
                        let kind = versions.get(&k.mount).copied().unwrap_or(MountKind::KvV2);
                        if let Err(e) = check_key(client, exp, k, kind, policy, &mut hits) {
                            // Stop the other workers too.
                            next.store(usize::MAX / 2, Ordering::Relaxed);
                            return Err(e);
                        }
                    }
                    Ok(hits)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(VerifyError::Usage("worker panicked".into()))))
            .collect()
    });
    results.into_iter().collect()
}

fn ident(exp: &Expected, k: &ExpectedKey, prop: Option<&str>) -> String {
    format!("vault:{}:{}:{}:{}", exp.env, k.mount, k.key, prop.unwrap_or("*"))
}

fn check_key(
    client: &Client,
    exp: &Expected,
    k: &ExpectedKey,
    kind: MountKind,
    policy: &crate::rules::values::Policy,
    hits: &mut Hits,
) -> Result<(), VerifyError> {
    let env = &exp.env;
    let key = &k.key;
    let mount = &k.mount;
    let missing = |hits: &mut Hits, why: &str| {
        if k.optional {
            return;
        }
        hits.get(missing_key::ID)
            .report(&k.at, format!("Vault key `{key}` (mount `{mount}`, env {env}) {why}"))
            .identity(ident(exp, k, None))
            .help(if k.in_fixtures {
                "the fixture bootstrap has not converged: re-run it, or write the key".to_string()
            } else {
                format!("seed `{key}` (add it to the fixture map) or write it with its owner")
            });
    };
    let denied = |hits: &mut Hits, what: &str| {
        hits.get(unverifiable::ID)
            .report(
                &k.at,
                format!("no permission to verify Vault key `{key}` (mount `{mount}`, env {env}): {what} answered 403"),
            )
            .identity(ident(exp, k, None))
            .help("grant the verify token `read` on the key's data and `read`, `list` on its metadata");
    };
    let failed = |hits: &mut Hits, what: &str, status: u16| {
        hits.get(unverifiable::ID)
            .report(
                &k.at,
                format!("cannot verify Vault key `{key}` (mount `{mount}`, env {env}): {what} answered {status}"),
            )
            .identity(ident(exp, k, None));
    };
    let data_path = match kind {
        MountKind::Absent => {
            missing(hits, "is missing: the mount does not exist");
            return Ok(());
        }
        MountKind::NotKv => {
            failed(hits, "the mount (not a KV engine)", 400);
            return Ok(());
        }
        MountKind::KvV2 => {
            let resp = client.get(&format!("{}/metadata/{}", escape_path(mount), escape_path(key)))?;
            check_sealed(resp.status)?;
            match unverifiable::access(resp.status) {
                Access::Found => {
                    let state = missing_key::kv2_state(&resp.json.unwrap_or_default());
                    if state != KeyState::Present {
                        missing(hits, &format!("is missing: {}", state.as_str()));
                        return Ok(());
                    }
                }
                Access::NotFound => {
                    missing(hits, "is missing");
                    return Ok(());
                }
                Access::Denied => {
                    denied(hits, "metadata");
                    return Ok(());
                }
                Access::Failed(s) => {
                    failed(hits, "metadata", s);
                    return Ok(());
                }
            }
            format!("{}/data/{}", escape_path(mount), escape_path(key))
        }
        MountKind::KvV1 => format!("{}/{}", escape_path(mount), escape_path(key)),
    };
    let resp = client.get(&data_path)?;
    check_sealed(resp.status)?;
    let mut json = resp.json.unwrap_or_default();
    match unverifiable::access(resp.status) {
        Access::Found => {}
        Access::NotFound => {
            wipe(&mut json);
            missing(hits, "is missing");
            return Ok(());
        }
        Access::Denied => {
            denied(hits, "data");
            return Ok(());
        }
        Access::Failed(s) => {
            wipe(&mut json);
            failed(hits, "data", s);
            return Ok(());
        }
    }
    let pointer = if kind == MountKind::KvV2 { "/data/data" } else { "/data" };
    let empty = serde_json::Map::new();
    let data = json.pointer(pointer).and_then(|d| d.as_object()).unwrap_or(&empty);
    let literals: Vec<&str> = k.dev_literals.iter().map(String::as_str).collect();
    for p in &k.properties {
        let name = p.name.as_deref();
        let shown = name.map_or_else(|| "(any)".to_string(), |n| format!("`{n}`"));
        match missing_prop::property_state(data, name) {
            PropertyState::Ok => {}
            state => {
                let what = if state == PropertyState::Missing { "has no property" } else { "has an empty property" };
                hits.get(missing_prop::ID)
                    .report(&p.at, format!("Vault key `{key}` (mount `{mount}`, env {env}) {what} {shown}"))
                    .identity(ident(exp, k, name))
                    .help("write the property the repository reads, or fix `remoteRef.property`");
                continue;
            }
        }
        let values: Vec<&serde_json::Value> = match name {
            Some(n) => data.get(n).into_iter().collect(),
            None => data.values().collect(),
        };
        let class = values
            .iter()
            .filter_map(|v| v.as_str())
            .find_map(|v| placeholder::classify(v, &literals, exp.managed, policy));
        if let Some(class) = class {
            hits.get(placeholder::ID)
                .report(
                    &p.at,
                    format!(
                        "Vault key `{key}` property {shown} (mount `{mount}`, env {env}) holds {}",
                        class.describe()
                    ),
                )
                .identity(ident(exp, k, name))
                .help("inject the real value (or let the generator run), then verify again");
        }
    }
    wipe(&mut json);
    Ok(())
}

/// Most keys one listing may return in total (a safety bound).
const MAX_LISTED: usize = 1_000_000;
/// Page size for LIST pagination (`limit`/`after`, ignored by servers without pagination).
const PAGE: usize = 1000;

/// Lists the folders the expected keys use and reports keys nothing expects.
fn reverse_parity(
    client: &Client,
    exp: &Expected,
    versions: &BTreeMap<String, MountKind>,
    hits: &mut Hits,
) -> Result<usize, VerifyError> {
    let mut total = 0;
    let mut by_mount: BTreeMap<&str, Vec<&ExpectedKey>> = BTreeMap::new();
    for k in &exp.keys {
        by_mount.entry(k.mount.as_str()).or_default().push(k);
    }
    for (mount, keys) in by_mount {
        let kind = versions.get(mount).copied().unwrap_or(MountKind::KvV2);
        let prefix = match kind {
            MountKind::KvV2 => format!("{}/metadata/", escape_path(mount)),
            MountKind::KvV1 => format!("{}/", escape_path(mount)),
            _ => continue,
        };
        let expected: BTreeSet<String> = keys.iter().map(|k| k.key.clone()).collect();
        let mut listed = BTreeSet::new();
        for root in orphan::list_roots(keys.iter().map(|k| k.key.as_str())) {
            let mut stack = vec![root];
            while let Some(folder) = stack.pop() {
                match list_folder(client, &prefix, &folder)? {
                    Listing::Keys(entries) => {
                        for e in entries {
                            let full = format!("{folder}{e}");
                            if e.ends_with('/') {
                                if full.matches('/').count() <= 64 {
                                    stack.push(full);
                                }
                            } else if listed.len() < MAX_LISTED {
                                listed.insert(full);
                            }
                        }
                    }
                    Listing::Denied => {
                        let at = keys
                            .iter()
                            .filter(|k| k.key.starts_with(folder.as_str()))
                            .map(|k| &k.at)
                            .min_by_key(|l| loc_order(l))
                            .or(exp.anchor.as_ref());
                        if let Some(at) = at {
                            let shown = if folder.is_empty() { "(root)".to_string() } else { format!("`{folder}`") };
                            hits.get(unverifiable::ID)
                                .report(
                                    at,
                                    format!(
                                        "no permission to list Vault folder {shown} (mount `{mount}`, env {}): orphan keys there were not checked",
                                        exp.env
                                    ),
                                )
                                .identity(format!("vault:{}:{mount}:list:{folder}", exp.env))
                                .help("grant the verify token `list` on the mount's metadata");
                        }
                    }
                }
            }
        }
        total += listed.len();
        for key in orphan::orphans(&listed, &expected) {
            let Some(at) = exp.anchor.as_ref() else { continue };
            hits.get(orphan::ID)
                .report(
                    at,
                    format!(
                        "Vault key `{key}` (mount `{mount}`, env {}) is expected by no ExternalSecret, fixture or declared writer",
                        exp.env
                    ),
                )
                .identity(format!("vault:{}:{mount}:{key}:orphan", exp.env));
        }
    }
    Ok(total)
}

enum Listing {
    Keys(Vec<String>),
    Denied,
}

/// One folder, all pages. A 404 is an empty folder.
fn list_folder(client: &Client, prefix: &str, folder: &str) -> Result<Listing, VerifyError> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut after: Option<String> = None;
    loop {
        let mut path = format!("{prefix}{}?list=true&limit={PAGE}", escape_path(folder));
        if let Some(a) = &after {
            path.push_str("&after=");
            path.push_str(&escape_path(a).replace('/', "%2F"));
        }
        let resp = client.get(&path)?;
        check_sealed(resp.status)?;
        match unverifiable::access(resp.status) {
            Access::Found => {}
            Access::NotFound => return Ok(Listing::Keys(out)),
            Access::Denied => return Ok(Listing::Denied),
            Access::Failed(s) => {
                return Err(VerifyError::Unusable(format!("listing `{folder}` failed with HTTP {s}")));
            }
        }
        let keys: Vec<String> = resp
            .json
            .as_ref()
            .and_then(|j| j.pointer("/data/keys"))
            .and_then(|k| k.as_array())
            .map(|a| a.iter().filter_map(|k| k.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let n = keys.len();
        let mut progressed = false;
        for k in keys {
            if seen.insert(k.clone()) {
                progressed = true;
                out.push(k);
            }
        }
        // A full page may continue; a server without pagination repeats itself: stop then.
        if n < PAGE || !progressed || out.len() >= MAX_LISTED {
            return Ok(Listing::Keys(out));
        }
        after = out.last().cloned();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wipe_clears_every_string() {
        let mut v = serde_json::json!({"data": {"data": {"a": "secret-1", "b": ["secret-2"]}}});
        wipe(&mut v);
        assert!(!v.to_string().contains("secret"));
    }

    #[test]
    fn scalar_text_decodes_quotes() {
        let file = std::sync::Arc::new(crate::source::SourceFile::new(
            "f.yaml".into(),
            "a: \"q\\\"x\"\nb: 'it''s'\nc: plain\n".into(),
        ));
        let at = |s: usize, e: usize| Loc { file: file.clone(), span: crate::source::Span::new(s, e) };
        assert_eq!(scalar_text(&at(3, 9)).as_deref(), Some("q\"x"));
        assert_eq!(scalar_text(&at(13, 20)).as_deref(), Some("it's"));
        assert_eq!(scalar_text(&at(24, 29)).as_deref(), Some("plain"));
    }

    #[test]
    fn expected_state_of_the_gitops_repo() {
        let opts = VerifyOptions {
            path: Some(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/gitops-repo"))),
            config: None,
            env: "dev".into(),
            client: ClientConfig::default(),
            concurrency: 1,
            allow_root_token: false,
        };
        let (exp, _) = expected_for(&opts).unwrap();
        assert!(!exp.managed);
        let find = |k: &str| exp.keys.iter().find(|e| e.key == k);
        let session = find("platform-session-secret").expect("read by the platform chart");
        assert!(!session.in_fixtures && !session.optional);
        let grafana = find("grafana-admin-password").expect("fixture key");
        assert!(grafana.in_fixtures && grafana.dev_literals == ["Shared-Grafana-Literal-3q"]);
        assert!(exp.keys.iter().all(|k| k.mount == "secret"));
        assert!(exp.anchor.is_some());
    }
}
