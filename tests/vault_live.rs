//! `secretgate vault verify` against a real OpenBao server (the Vault API).
//!
//! Every test starts its own servers on free loopback ports and stops them through a drop guard,
//! also when it panics. The `bao` binary is `SECRETGATE_BAO`, else `.tools/bin/bao`
//! (`scripts/start-openbao.sh install`). Without it the tests print `SKIP:` and pass, unless `CI`
//! is set, where they fail.
//!
//! Writes to Vault happen only here, in the harness, with the root token; secretgate itself only
//! reads (the `-v` request log proves it in [`approle_plain_and_wrapped_secret_ids`]).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/gitops-repo");
/// The shared dev literal the gitops-repo fixture map holds for `grafana-admin-password`.
const DEV_LITERAL: &str = "Shared-Grafana-Literal-3q";
/// A public, self-signed certificate (no key anywhere): Kubernetes auth needs some CA PEM.
const FAKE_K8S_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBkDCCATegAwIBAgIUUxOV10kkf71MFndP3Nfs9tCDCJIwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSZmFrZS1rdWJlcm5ldGVzLWNhMCAXDTI2MTIwNjA1NTU1OFoY
DzIxMjYxMTEyMDU1NTU4WjAdMRswGQYDVQQDDBJmYWtlLWt1YmVybmV0ZXMtY2Ew
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAS5aPkUQyFc1P3bw6N0MZuHpOGAcFt9
9I/reM9p49S0DM22J9xj85znhEW86acBDAgbdnFOXq27P4gs2MhC9KMwo1MwUTAd
BgNVHQ4EFgQUIdMwSmMNK/rhUI9hdCksUUk4KfwwHwYDVR0jBBgwFoAUIdMwSmMN
K/rhUI9hdCksUUk4KfwwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBE
AiAK10ydm8+l1K7ayW7R6cRycn/Vq9QkPYd9NMTynYodrgIgJM7VKbLFY+SDLIlN
NSBcZ8BsQyUxkUki+eg9H/Ye3wI=
-----END CERTIFICATE-----
";

// ---------------------------------------------------------------------------------------------
// Processes and servers

/// The `bao` binary, or `None` (after printing `SKIP:`) when it is absent outside CI.
fn bao() -> Option<PathBuf> {
    let path = std::env::var_os("SECRETGATE_BAO")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/bao"));
    if path.is_file() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("CI is set but OpenBao is missing at {}: run scripts/start-openbao.sh install", path.display());
    }
    eprintln!("SKIP: OpenBao not installed ({}); run scripts/start-openbao.sh install", path.display());
    None
}

/// A child process killed and reaped on drop.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom").unwrap().read_exact(&mut buf).unwrap();
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

struct Bao {
    addr: String,
    root: String,
    api: Api,
    _home: tempfile::TempDir,
    _proc: Guard,
}

impl Bao {
    /// A dev server (in-memory, `secret/` is KV v2) with a random root token.
    fn dev(bin: &Path) -> Bao {
        let port = free_port();
        let root = format!("root-{}", random_hex(16));
        let home = tempfile::tempdir().unwrap();
        let child = Command::new(bin)
            .args([
                "server",
                "-dev",
                "-dev-no-store-token",
                &format!("-dev-root-token-id={root}"),
                &format!("-dev-listen-address=127.0.0.1:{port}"),
            ])
            .env_clear()
            .env("HOME", home.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let proc = Guard(child);
        let addr = format!("http://127.0.0.1:{port}");
        let api = Api::new(&addr);
        api.wait_status(&[200]);
        Bao { addr, root, api, _home: home, _proc: proc }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.api.call(method, path, Some(&self.root), body, &[])
    }

    fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (s, v) = self.call(method, path, body);
        assert!((200..300).contains(&s), "{method} {path}: HTTP {s}: {v}");
        v
    }

    fn policy(&self, name: &str, hcl: &str) {
        self.ok("PUT", &format!("sys/policies/acl/{name}"), Some(json!({"policy": hcl})));
    }

    /// A token with only `policies`.
    fn token(&self, policies: &[&str]) -> String {
        let v = self.ok("POST", "auth/token/create", Some(json!({"policies": policies, "ttl": "10m"})));
        v["auth"]["client_token"].as_str().unwrap().to_string()
    }
}

/// The read-only policy `vault verify` needs (KV v2 and v1 paths).
const VERIFY_POLICY: &str = r#"
path "secret/data/*" { capabilities = ["read"] }
path "secret/metadata/*" { capabilities = ["read", "list"] }
path "secret/*" { capabilities = ["read", "list"] }
"#;

/// A tiny HTTP client for the harness (it writes; secretgate never does).
struct Api {
    base: String,
    agent: ureq::Agent,
}

impl Api {
    fn new(addr: &str) -> Api {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into();
        Api { base: format!("{addr}/v1/"), agent }
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut req = ureq::http::Request::builder().method(method).uri(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("X-Vault-Token", t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let bytes = body.map(|b| serde_json::to_vec(&b).unwrap()).unwrap_or_default();
        let req = req.header("Content-Type", "application/json").body(bytes.as_slice()).unwrap();
        match self.agent.run(req) {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let text = resp.into_body().read_to_string().unwrap_or_default();
                (status, serde_json::from_str(&text).unwrap_or(Value::Null))
            }
            Err(_) => (0, Value::Null),
        }
    }

    /// Waits until `sys/health` answers one of `statuses`.
    fn wait_status(&self, statuses: &[u16]) {
        let start = Instant::now();
        loop {
            let (s, _) = self.call("GET", "sys/health", None, None, &[]);
            if statuses.contains(&s) {
                return;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "OpenBao not ready (last status {s})");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// secretgate

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    /// `(rule, first backticked name in the message)` of every finding of a JSON report.
    fn findings(&self) -> BTreeSet<(String, String)> {
        let v: Value =
            serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", self.stdout, self.stderr));
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let msg = f["message"].as_str().unwrap();
                let key = msg.split('`').nth(1).unwrap_or("").to_string();
                (f["rule"].as_str().unwrap().to_string(), key)
            })
            .collect()
    }
}

fn secretgate(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_secretgate"));
    cmd.args(args).env_clear().stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn verify(env_name: &str, addr: &str, token: &str, extra: &[&str]) -> Out {
    let mut args = vec!["vault", "verify", REPO, "--env", env_name, "--format", "json"];
    args.extend_from_slice(extra);
    secretgate(&args, &[("VAULT_ADDR", addr), ("VAULT_TOKEN", token)], None)
}

/// The keys `vault verify` expects for an environment: `(mount, key, properties)`.
fn expected(env_name: &str) -> Vec<(String, String, Vec<Option<String>>)> {
    let out = secretgate(&["vault", "expected", REPO, "--env", env_name], &[], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let props = k["properties"].as_array().unwrap().iter().map(|p| p.as_str().map(str::to_string)).collect();
            (k["mount"].as_str().unwrap().to_string(), k["key"].as_str().unwrap().to_string(), props)
        })
        .collect()
}

/// The key the repository reads but plants as missing from every fixture map (#15).
const PLANTED_MISSING: &str = "platform-session-secret";

/// Seeds every expected key of `env_name` except the planted missing one, each property with a
/// fresh random value (the harness plays the bootstrap and its generator). `kv1`: the mount is
/// KV v1. `value_of` overrides a key's values. Returns every value written.
fn seed(b: &Bao, env_name: &str, kv1: bool, value_of: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let mut written = Vec::new();
    for (mount, key, props) in expected(env_name) {
        if key == PLANTED_MISSING {
            continue;
        }
        let mut data = serde_json::Map::new();
        for p in props.iter().flatten() {
            let v = value_of(&key).unwrap_or_else(|| format!("v-{}", random_hex(12)));
            written.push(v.clone());
            data.insert(p.clone(), Value::String(v));
        }
        if data.is_empty() {
            let v = format!("v-{}", random_hex(12));
            written.push(v.clone());
            data.insert("value".into(), Value::String(v));
        }
        if kv1 {
            b.ok("POST", &format!("{mount}/{key}"), Some(Value::Object(data)));
        } else {
            b.ok("POST", &format!("{mount}/data/{key}"), Some(json!({ "data": data })));
        }
    }
    written
}

fn set(rule: &str, key: &str) -> (String, String) {
    (rule.to_string(), key.to_string())
}

/// What a correctly seeded dev Vault yields: only the key the repository itself plants as missing.
fn baseline() -> BTreeSet<(String, String)> {
    [set("vault-live-missing-key", PLANTED_MISSING)].into()
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn token_auth_dev_is_clean_except_the_planted_missing_key() {
    let Some(bin) = bao() else { return };
    let b = Bao::dev(&bin);
    b.policy("verify", VERIFY_POLICY);
    seed(&b, "dev", false, &|_| None);
    let token = b.token(&["verify"]);
    let out = verify("dev", &b.addr, &token, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.findings(), baseline(), "{}", out.stdout);
    // The finding sits at the remoteRef key that reads it.
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let f = &v["findings"][0];
    assert_eq!(f["path"], "sources/charts/apps/platform/templates/externalsecrets.yaml");
    assert_eq!(f["line"], 79);
    assert_eq!(f["env"], "dev");

    // --token-file works alike.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, format!("{token}\n")).unwrap();
    let out = secretgate(
        &["vault", "verify", REPO, "--env", "dev", "--format", "json", "--token-file", file.to_str().unwrap()],
        &[("VAULT_ADDR", &b.addr)],
        None,
    );
    assert_eq!(out.findings(), baseline(), "{}", out.stderr);

    // A bogus token is refused: exit 3.
    let out = verify("dev", &b.addr, "s.not-a-real-token", &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("lookup-self"), "{}", out.stderr);

    // Root tokens: refused by default, allowed in dev with the flag, never in a managed env.
    let out = verify("dev", &b.addr, &b.root, &[]);
    assert_eq!(out.code, 3);
    assert!(out.stderr.contains("refusing a root token"), "{}", out.stderr);
    let out = verify("dev", &b.addr, &b.root, &["--allow-root-token"]);
    assert_eq!(out.findings(), baseline(), "{}", out.stderr);
    let out = verify("staging", &b.addr, &b.root, &["--allow-root-token"]);
    assert_eq!(out.code, 3);
    assert!(out.stderr.contains("managed environment staging"), "{}", out.stderr);
}

#[test]
fn a_deleted_key_a_missing_property_a_generate_marker_and_an_orphan_are_each_reported() {
    let Some(bin) = bao() else { return };
    let b = Bao::dev(&bin);
    b.policy("verify", VERIFY_POLICY);
    seed(&b, "dev", false, &|_| None);
    let token = b.token(&["verify"]);
    assert_eq!(verify("dev", &b.addr, &token, &[]).findings(), baseline());

    // 1. Soft-delete the current version of one key.
    b.ok("DELETE", "secret/data/minio-root-user", None);
    let mut want = baseline();
    want.insert(set("vault-live-missing-key", "minio-root-user"));
    assert_eq!(verify("dev", &b.addr, &token, &[]).findings(), want);
    b.ok("POST", "secret/data/minio-root-user", Some(json!({"data": {"value": "restored-user"}})));
    assert_eq!(verify("dev", &b.addr, &token, &[]).findings(), baseline());

    // 2. A key without the property the repository reads.
    b.ok("POST", "secret/data/gitlab-api-token", Some(json!({"data": {"token": random_hex(8)}})));
    let mut want = baseline();
    want.insert(set("vault-live-missing-property", "gitlab-api-token"));
    assert_eq!(verify("dev", &b.addr, &token, &[]).findings(), want);
    // …or with it empty.
    b.ok("POST", "secret/data/gitlab-api-token", Some(json!({"data": {"value": ""}})));
    assert_eq!(verify("dev", &b.addr, &token, &[]).findings(), want);
    b.ok("POST", "secret/data/gitlab-api-token", Some(json!({"data": {"value": random_hex(8)}})));

    // 3. The generate marker stored verbatim (the generator never ran), even in dev.
    b.ok("POST", "secret/data/backstage-db-password", Some(json!({"data": {"value": "__generate__"}})));
    let mut want = baseline();
    want.insert(set("vault-live-placeholder", "backstage-db-password"));
    assert_eq!(verify("dev", &b.addr, &token, &[]).findings(), want);
    b.ok("POST", "secret/data/backstage-db-password", Some(json!({"data": {"value": random_hex(8)}})));

    // 4. Keys nothing expects, at the top and in a folder the repository uses: notes, exit 1 only
    // because of the planted missing key; and a folder nobody uses is not listed.
    b.ok("POST", "secret/data/stale-token", Some(json!({"data": {"value": "x"}})));
    b.ok("POST", "secret/data/platform/dev/gitlab/old-provider", Some(json!({"data": {"value": "x"}})));
    let mut want = baseline();
    want.insert(set("vault-live-orphan-key", "stale-token"));
    want.insert(set("vault-live-orphan-key", "platform/dev/gitlab/old-provider"));
    let out = verify("dev", &b.addr, &token, &[]);
    assert_eq!(out.findings(), want);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let notes = v["findings"].as_array().unwrap().iter().filter(|f| f["severity"] == "note").count();
    assert_eq!(notes, 2);
}

#[test]
fn a_managed_env_still_holding_the_shared_dev_literal() {
    let Some(bin) = bao() else { return };
    let b = Bao::dev(&bin);
    b.policy("verify", VERIFY_POLICY);
    let token = b.token(&["verify"]);
    seed(&b, "staging", false, &|k| (k == "grafana-admin-password").then(|| DEV_LITERAL.to_string()));
    let out = verify("staging", &b.addr, &token, &[]);
    let mut want = baseline();
    want.insert(set("vault-live-placeholder", "grafana-admin-password"));
    assert_eq!(out.findings(), want, "{}", out.stderr);
    assert!(out.stdout.contains("the fixture map's dev literal"));
    // The same value in dev is the dev value: fine.
    let b2 = Bao::dev(&bin);
    b2.policy("verify", VERIFY_POLICY);
    seed(&b2, "dev", false, &|k| (k == "grafana-admin-password").then(|| DEV_LITERAL.to_string()));
    assert_eq!(verify("dev", &b2.addr, &b2.token(&["verify"]), &[]).findings(), baseline());
}

#[test]
fn a_kv_v1_mount() {
    let Some(bin) = bao() else { return };
    let b = Bao::dev(&bin);
    b.ok("DELETE", "sys/mounts/secret", None);
    b.ok("POST", "sys/mounts/secret", Some(json!({"type": "kv", "options": {"version": "1"}})));
    b.policy("verify", VERIFY_POLICY);
    seed(&b, "dev", true, &|_| None);
    let token = b.token(&["verify"]);
    let out = verify("dev", &b.addr, &token, &["-v"]);
    assert_eq!(out.findings(), baseline(), "{}", out.stderr);
    assert!(out.stderr.contains("GET /v1/secret/grafana-admin-password"), "{}", out.stderr);
    // Missing key, missing property and orphan on v1 too.
    b.ok("DELETE", "secret/minio-root-user", None);
    b.ok("POST", "secret/gitlab-api-token", Some(json!({"token": "x"})));
    b.ok("POST", "secret/stale-token", Some(json!({"value": "x"})));
    let mut want = baseline();
    want.insert(set("vault-live-missing-key", "minio-root-user"));
    want.insert(set("vault-live-missing-property", "gitlab-api-token"));
    want.insert(set("vault-live-orphan-key", "stale-token"));
    assert_eq!(verify("dev", &b.addr, &token, &[]).findings(), want);
}

#[test]
fn a_403_is_unverifiable_not_missing() {
    let Some(bin) = bao() else { return };
    let b = Bao::dev(&bin);
    b.policy(
        "narrow",
        &format!(
            "{VERIFY_POLICY}\npath \"secret/data/gitlab-api-token\" {{ capabilities = [\"deny\"] }}\n\
             path \"secret/metadata/platform/*\" {{ capabilities = [\"deny\"] }}\n"
        ),
    );
    seed(&b, "dev", false, &|_| None);
    let token = b.token(&["narrow"]);
    let out = verify("dev", &b.addr, &token, &[]);
    let mut want = baseline();
    want.insert(set("vault-live-unverifiable", "gitlab-api-token"));
    want.insert(set("vault-live-unverifiable", "platform/dev/gitlab/oidc-provider"));
    want.insert(set("vault-live-unverifiable", "platform/"));
    assert_eq!(out.findings(), want, "{}", out.stdout);
    assert!(out.stdout.contains("no permission to verify Vault key `gitlab-api-token`"));
}

/// Every request of a `-v` log: `(method, path)`.
fn requests(stderr: &str) -> Vec<(String, String)> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("vault: "))
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            Some((it.next()?.to_string(), it.next()?.trim_start_matches("/v1/").to_string()))
        })
        .collect()
}

/// The only non-GET requests are auth logins and the unwrap; every secret path is read with GET.
fn assert_read_only(stderr: &str) {
    let reqs = requests(stderr);
    assert!(!reqs.is_empty(), "no request log in {stderr}");
    for (method, path) in &reqs {
        if method != "GET" {
            assert_eq!(method, "POST", "{method} {path}");
            assert!(
                matches!(path.as_str(), "auth/approle/login" | "auth/kubernetes/login" | "sys/wrapping/unwrap"),
                "POST to {path}"
            );
        }
        if path.starts_with("secret/") {
            assert_eq!(method, "GET", "{method} {path}");
        }
    }
}

#[test]
fn approle_plain_and_wrapped_secret_ids() {
    let Some(bin) = bao() else { return };
    let b = Bao::dev(&bin);
    b.policy("verify", VERIFY_POLICY);
    seed(&b, "dev", false, &|_| None);
    b.ok("POST", "sys/auth/approle", Some(json!({"type": "approle"})));
    b.ok("POST", "auth/approle/role/linter", Some(json!({"token_policies": ["verify"], "token_ttl": "5m"})));
    let role_id =
        b.ok("GET", "auth/approle/role/linter/role-id", None)["data"]["role_id"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let sid_file = dir.path().join("secret-id");
    let run = |sid_file: &Path| {
        secretgate(
            &["vault", "verify", REPO, "--env", "dev", "--format", "json", "-v"],
            &[
                ("VAULT_ADDR", &b.addr),
                ("VAULT_ROLE_ID", &role_id),
                ("VAULT_SECRET_ID_FILE", sid_file.to_str().unwrap()),
            ],
            None,
        )
    };

    // Plain secret id.
    let sid =
        b.ok("POST", "auth/approle/role/linter/secret-id", None)["data"]["secret_id"].as_str().unwrap().to_string();
    std::fs::write(&sid_file, &sid).unwrap();
    let out = run(&sid_file);
    assert_eq!(out.findings(), baseline(), "{}", out.stderr);
    assert!(out.stderr.contains("approle auth"), "{}", out.stderr);
    assert_read_only(&out.stderr);
    assert!(!out.stderr.contains(&sid) && !out.stdout.contains(&sid));

    // Response-wrapped secret id: unwrapped in memory, once.
    let (s, v) =
        b.api.call("POST", "auth/approle/role/linter/secret-id", Some(&b.root), None, &[("X-Vault-Wrap-TTL", "120s")]);
    assert_eq!(s, 200, "{v}");
    let wrap = v["wrap_info"]["token"].as_str().unwrap().to_string();
    std::fs::write(&sid_file, &wrap).unwrap();
    let out = run(&sid_file);
    assert_eq!(out.findings(), baseline(), "{}", out.stderr);
    assert_read_only(&out.stderr);
    let posts: Vec<String> = requests(&out.stderr).into_iter().filter(|(m, _)| m == "POST").map(|(_, p)| p).collect();
    assert_eq!(posts, ["sys/wrapping/unwrap", "auth/approle/login"]);
    assert!(!out.stderr.contains(&wrap) && !out.stdout.contains(&wrap));
    // A wrapping token works once: the second run is refused, exit 3.
    let out = run(&sid_file);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("unwrapping"), "{}", out.stderr);

    // A wrong secret id: login refused, exit 3.
    std::fs::write(&sid_file, "00000000-0000-0000-0000-000000000000").unwrap();
    let out = run(&sid_file);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("AppRole login refused"), "{}", out.stderr);
}

fn b64url(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// An unsigned service-account JWT (the fake TokenReview trusts its claims).
fn sa_jwt(ns: &str, sa: &str) -> String {
    let header = b64url(br#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = json!({
        "iss": "kubernetes/serviceaccount",
        "sub": format!("system:serviceaccount:{ns}:{sa}"),
        "kubernetes.io/serviceaccount/namespace": ns,
        "kubernetes.io/serviceaccount/service-account.name": sa,
        "kubernetes.io/serviceaccount/service-account.uid": format!("uid-{}", random_hex(4)),
    });
    format!("{header}.{}.{}", b64url(payload.to_string().as_bytes()), random_hex(16))
}

#[test]
fn kubernetes_auth_with_a_tokenreview_stand_in() {
    let Some(bin) = bao() else { return };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/fake_tokenreview.py");
    let mut child = Command::new("python3").arg(&script).arg("0").stdout(Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let _review = Guard(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let port: u16 = line.trim().strip_prefix("PORT ").unwrap().parse().unwrap();

    let b = Bao::dev(&bin);
    b.policy("verify", VERIFY_POLICY);
    seed(&b, "dev", false, &|_| None);
    b.ok("POST", "sys/auth/kubernetes", Some(json!({"type": "kubernetes"})));
    b.ok(
        "POST",
        "auth/kubernetes/config",
        Some(json!({
            "kubernetes_host": format!("http://127.0.0.1:{port}"),
            "disable_local_ca_jwt": true,
            "kubernetes_ca_cert": FAKE_K8S_CA,
        })),
    );
    b.ok(
        "POST",
        "auth/kubernetes/role/linter",
        Some(json!({
            "bound_service_account_names": ["linter"],
            "bound_service_account_namespaces": ["ci"],
            "token_policies": ["verify"],
            "token_ttl": "5m",
        })),
    );
    let dir = tempfile::tempdir().unwrap();
    let jwt_file = dir.path().join("token");
    let run = |jwt: &str| {
        std::fs::write(&jwt_file, jwt).unwrap();
        secretgate(
            &["vault", "verify", REPO, "--env", "dev", "--format", "json", "--k8s-role", "linter", "-v"],
            &[("VAULT_ADDR", &b.addr), ("VAULT_K8S_JWT_FILE", jwt_file.to_str().unwrap())],
            None,
        )
    };
    let jwt = sa_jwt("ci", "linter");
    let out = run(&jwt);
    assert_eq!(out.findings(), baseline(), "{}", out.stderr);
    assert!(out.stderr.contains("kubernetes auth"));
    assert_read_only(&out.stderr);
    assert!(!out.stderr.contains(&jwt) && !out.stdout.contains(&jwt));
    // The wrong namespace is refused: exit 3.
    let out = run(&sa_jwt("other", "linter"));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("Kubernetes login refused"), "{}", out.stderr);
}

#[test]
fn uninitialised_sealed_and_stopped_servers_exit_3() {
    let Some(bin) = bao() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (port, cport) = (free_port(), free_port());
    let config = dir.path().join("bao.hcl");
    std::fs::create_dir(dir.path().join("raft")).unwrap();
    std::fs::write(
        &config,
        format!(
            "storage \"raft\" {{\n  path = \"{}\"\n  node_id = \"n1\"\n}}\n\
             listener \"tcp\" {{\n  address = \"127.0.0.1:{port}\"\n  cluster_address = \"127.0.0.1:{cport}\"\n  tls_disable = true\n}}\n\
             api_addr = \"http://127.0.0.1:{port}\"\ncluster_addr = \"http://127.0.0.1:{cport}\"\n",
            dir.path().join("raft").display()
        ),
    )
    .unwrap();
    let child = Command::new(&bin)
        .args(["server", &format!("-config={}", config.display())])
        .env_clear()
        .env("HOME", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Guard(child);
    let addr = format!("http://127.0.0.1:{port}");
    let api = Api::new(&addr);
    api.wait_status(&[501]);
    let out = verify("dev", &addr, "s.any", &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("not initialised"), "{}", out.stderr);

    let (s, init) = api.call("PUT", "sys/init", None, Some(json!({"secret_shares": 1, "secret_threshold": 1})), &[]);
    assert_eq!(s, 200, "{init}");
    let key = init["keys"][0].as_str().unwrap().to_string();
    let root = init["root_token"].as_str().unwrap().to_string();
    let out = verify("dev", &addr, &root, &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("sealed"), "{}", out.stderr);
    let (s, _) = api.call("PUT", "sys/unseal", None, Some(json!({"key": key})), &[]);
    assert_eq!(s, 200);
    api.wait_status(&[200]);
    // Unsealed and usable: it gets past the preflight (the root token is then refused).
    let out = verify("dev", &addr, &root, &[]);
    assert!(out.stderr.contains("refusing a root token"), "{}", out.stderr);
    let (s, v) = api.call("PUT", "sys/seal", Some(&root), None, &[]);
    assert!((200..300).contains(&s), "{v}");
    api.wait_status(&[503]);
    let out = verify("dev", &addr, &root, &["--allow-root-token"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("is sealed"), "{}", out.stderr);
    assert!(!out.stderr.contains(&root) && !out.stdout.contains(&root));

    // Stopped: connection refused.
    drop(server);
    let started = Instant::now();
    let out = verify("dev", &addr, &root, &["--retries", "1"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("cannot reach Vault"), "{}", out.stderr);
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn no_value_and_no_token_in_any_output() {
    let Some(bin) = bao() else { return };
    let b = Bao::dev(&bin);
    b.policy("verify", VERIFY_POLICY);
    let token = b.token(&["verify"]);
    let mut values = seed(&b, "staging", false, &|k| (k == "grafana-admin-password").then(|| DEV_LITERAL.to_string()));
    // A key without its property, one with the marker, an orphan: every rule has a finding.
    let junk = format!("junk-{}", random_hex(12));
    b.ok("POST", "secret/data/gitlab-api-token", Some(json!({"data": {"other": junk}})));
    b.ok("POST", "secret/data/backstage-db-password", Some(json!({"data": {"value": "__generate__"}})));
    let orphan = format!("orphan-{}", random_hex(12));
    b.ok("POST", "secret/data/stale-token", Some(json!({"data": {"value": orphan}})));
    values.extend([junk, orphan, DEV_LITERAL.to_string()]);
    values.retain(|v| v.len() >= 8);
    let secrets: Vec<&str> = values.iter().map(String::as_str).chain([token.as_str(), b.root.as_str()]).collect();

    for format in ["human", "json", "sarif", "github", "junit"] {
        let out = secretgate(
            &["vault", "verify", REPO, "--env", "staging", "--format", format, "-v", "--token-stdin"],
            &[("VAULT_ADDR", &b.addr), ("RUST_LOG", "trace"), ("RUST_BACKTRACE", "1")],
            Some(&token),
        );
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        for s in &secrets {
            assert!(!out.stdout.contains(s), "{format}: stdout leaks a secret");
            assert!(!out.stderr.contains(s), "{format}: stderr leaks a secret");
        }
        assert!(out.stdout.contains("vault-live-missing-property"), "{format}");
        assert!(out.stdout.contains("vault-live-placeholder"), "{format}");
    }
}
