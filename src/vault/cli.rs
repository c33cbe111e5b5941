//! `secretgate vault …`: flags and the thin layer from them to [`super::verify`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::auth::{AuthFlags, AuthSource};
use super::client::ClientConfig;
use super::{VerifyError, VerifyOptions};
use crate::cli::FailOn;
use crate::report::Format;

#[derive(Debug, clap::Subcommand)]
pub enum VaultCommand {
    /// Compare an environment's expected Vault state (ExternalSecret keys, fixture map) with a
    /// running Vault or OpenBao, read-only. Exit code 3 when no usable Vault is reached.
    Verify(VerifyArgs),
    /// Print, as JSON, the keys `vault verify` would expect for an environment (no Vault needed).
    Expected(ExpectedArgs),
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Repository folder (default `.`).
    pub path: Option<PathBuf>,
    /// The environment whose Vault this is.
    #[arg(long = "env", value_name = "NAME")]
    pub env: String,
    /// Vault address (default: `VAULT_ADDR`, else http://127.0.0.1:8200).
    #[arg(long, value_name = "URL")]
    pub addr: Option<String>,
    /// Read the token from FILE (instead of `VAULT_TOKEN`).
    #[arg(long, value_name = "FILE", conflicts_with = "token_stdin")]
    pub token_file: Option<PathBuf>,
    /// Read the token from stdin.
    #[arg(long)]
    pub token_stdin: bool,
    /// Log in with Kubernetes auth as ROLE, with the JWT in `VAULT_K8S_JWT_FILE` (default: the
    /// in-cluster service account token).
    #[arg(long, value_name = "ROLE")]
    pub k8s_role: Option<String>,
    /// Mount of the AppRole or Kubernetes auth method (default `approle` / `kubernetes`).
    #[arg(long, value_name = "MOUNT")]
    pub auth_mount: Option<String>,
    /// Accept a root token, in an unmanaged environment only.
    #[arg(long)]
    pub allow_root_token: bool,
    /// Report format; repeat together with `--output` to write several reports.
    #[arg(long, value_enum)]
    pub format: Vec<Format>,
    /// Write the report to FILE instead of stdout (pairs with `--format` in order).
    #[arg(short, long, value_name = "FILE")]
    pub output: Vec<PathBuf>,
    /// Config file (default: `.secretgate.yaml` in the folder).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Lowest severity that makes the run fail (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Parallel requests.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Timeout of one request, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,
    /// Retries of a request after a connection error or a 5xx answer (with backoff).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,
    /// Log every request (method, path, status; never a header or body) to stderr.
    #[arg(short, long)]
    pub verbose: bool,
    /// Never colour the human report.
    #[arg(long)]
    pub no_color: bool,
}

#[derive(Debug, clap::Args)]
pub struct ExpectedArgs {
    /// Repository folder (default `.`).
    pub path: Option<PathBuf>,
    #[arg(long = "env", value_name = "NAME")]
    pub env: String,
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn run(cmd: VaultCommand) -> anyhow::Result<i32> {
    match cmd {
        VaultCommand::Verify(args) => verify(&args),
        VaultCommand::Expected(args) => expected(&args),
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn truthy(v: &str) -> bool {
    !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false" | "no" | "off")
}

/// `VAULT_CACERT` (a PEM file) and `VAULT_CAPATH` (a folder of PEM files).
fn ca_pems() -> Result<Vec<Vec<u8>>, VerifyError> {
    let mut out = Vec::new();
    let read = |p: &Path| {
        std::fs::read(p).map_err(|e| VerifyError::Usage(format!("cannot read CA file {}: {}", p.display(), e.kind())))
    };
    if let Some(f) = env_var("VAULT_CACERT") {
        out.push(read(Path::new(&f))?);
    }
    if let Some(d) = env_var("VAULT_CAPATH") {
        let dir = std::fs::read_dir(&d)
            .map_err(|e| VerifyError::Usage(format!("cannot read VAULT_CAPATH {d}: {}", e.kind())))?;
        let mut files: Vec<PathBuf> = dir.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
        files.sort();
        for f in files {
            out.push(read(&f)?);
        }
    }
    Ok(out)
}

fn client_config(args: &VerifyArgs) -> Result<ClientConfig, VerifyError> {
    let addr = args.addr.clone().or_else(|| env_var("VAULT_ADDR")).unwrap_or_else(|| "http://127.0.0.1:8200".into());
    if !(addr.starts_with("http://") || addr.starts_with("https://")) {
        return Err(VerifyError::Usage(format!("Vault address `{addr}` must start with http:// or https://")));
    }
    if let Some(rest) = addr.strip_prefix("http://")
        && !crate::rules::vault::is_loopback_host(crate::rules::vault::url_host(rest))
    {
        eprintln!("warning: {addr} is plain http: the Vault token crosses the network unencrypted");
    }
    let skip_verify = env_var("VAULT_SKIP_VERIFY").is_some_and(|v| truthy(&v));
    if skip_verify {
        eprintln!(
            "WARNING: VAULT_SKIP_VERIFY is set: the Vault server's TLS certificate is NOT verified. Anyone \
             on the network path can impersonate Vault and capture the token. Use VAULT_CACERT instead."
        );
    }
    Ok(ClientConfig {
        addr,
        namespace: env_var("VAULT_NAMESPACE"),
        ca_pem: if skip_verify { Vec::new() } else { ca_pems()? },
        skip_verify,
        timeout: Duration::from_secs(args.timeout.max(1)),
        retries: args.retries,
        backoff: Duration::from_millis(100),
        verbose: args.verbose,
    })
}

fn verify(args: &VerifyArgs) -> anyhow::Result<i32> {
    let outcome = (|| {
        let client = client_config(args)?;
        let flags = AuthFlags {
            token_file: args.token_file.clone(),
            token_stdin: args.token_stdin,
            k8s_role: args.k8s_role.clone(),
            auth_mount: args.auth_mount.clone(),
        };
        let source = AuthSource::resolve(&flags, &env_var)?;
        let method = source.method();
        let opts = VerifyOptions {
            path: args.path.clone(),
            config: args.config.clone(),
            env: args.env.clone(),
            client,
            concurrency: usize::from(args.concurrency),
            allow_root_token: args.allow_root_token,
        };
        super::verify(&opts, source).map(|r| (r, method))
    })();
    let ((report, stats), method) = match outcome {
        Ok(r) => r,
        Err(e) => {
            let what = match e {
                VerifyError::Unusable(_) => "error: no usable Vault",
                _ => "error",
            };
            eprintln!("{what}: {e}");
            return Ok(e.exit_code());
        }
    };
    eprintln!(
        "vault verify: env {}, {} expected keys, {} keys listed, {} requests, {} auth, {} finding(s) in {} ms",
        args.env, stats.keys, stats.listed, stats.requests, method, report.summary.findings, report.summary.duration_ms
    );
    let mut formats = args.format.clone();
    if formats.is_empty() {
        formats.push(Format::Human);
    }
    if args.output.len() > formats.len() {
        anyhow::bail!(
            "{} --output given for {} --format; pair each --output with a --format",
            args.output.len(),
            formats.len()
        );
    }
    crate::cli::write_reports(&report, &formats, &args.output, args.no_color, args.fail_on)
}

fn expected(args: &ExpectedArgs) -> anyhow::Result<i32> {
    let opts = VerifyOptions {
        path: args.path.clone(),
        config: args.config.clone(),
        env: args.env.clone(),
        client: ClientConfig::default(),
        concurrency: 1,
        allow_root_token: false,
    };
    let exp = match super::expected_for(&opts) {
        Ok((exp, _)) => exp,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(e.exit_code());
        }
    };
    let keys: Vec<serde_json::Value> = exp
        .keys
        .iter()
        .map(|k| {
            let p = k.at.position();
            serde_json::json!({
                "mount": k.mount,
                "key": k.key,
                "properties": k.properties.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
                "optional": k.optional,
                "fixture": k.in_fixtures,
                "path": k.at.path(),
                "line": p.line,
                "column": p.column,
            })
        })
        .collect();
    let doc = serde_json::json!({"env": exp.env, "managed": exp.managed, "keys": keys});
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &doc)?;
    writeln!(out)?;
    Ok(0)
}
