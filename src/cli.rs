//! Command-line interface: clap types and the thin layer that maps them onto the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};

use crate::app::{self, CheckOptions};
use crate::check::fails;
use crate::finding::Severity;
use crate::report::{self, Format, HumanOptions};
use crate::rules;

#[derive(Debug, Parser)]
#[command(name = "secretgate", version, about = "Guardrail linter for secrets in Kubernetes/GitOps repositories")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan paths (default `.`) and report findings.
    Check(CheckArgs),
    /// List every rule: id, pack, default severity, summary.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Print a rule's full documentation.
    Explain {
        /// A rule id, as printed by `secretgate rules`.
        rule: String,
    },
    /// List the Helm releases the repository declares (Argo CD, Flux, Helmfile, config), per
    /// environment, with their values layers in order.
    Releases(GraphArgs<crate::report::releases::ReleasesFormat>),
    /// Print an environment's secret graph: per namespace, each Secret with its producers, the
    /// Vault keys they read and its consumers.
    Graph(GraphArgs<crate::report::graph::GraphFormat>),
    /// Render a Helm chart like `helm template` (same flags), with the built-in engine.
    Render(crate::helm::command::RenderArgs),
    /// Check a running Vault or OpenBao against the repository, read-only (`vault verify`).
    #[command(subcommand)]
    Vault(crate::vault::cli::VaultCommand),
    /// Write a baseline of today's findings (no secret material): `check --baseline` then
    /// reports only new ones.
    Baseline {
        /// Folder to scan (default `.`).
        path: Option<PathBuf>,
        /// Where to write it (default `.secretgate-baseline.json` in the folder).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Config file (default: `.secretgate.yaml` in the folder).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Write a `.secretgate.yaml` for the repository: the environments it detects, the Helm
    /// releases it declares (commented out), and the commented defaults.
    Init {
        /// Folder to write it in (the repository to analyse).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Overwrite an existing config.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Files or folders to scan.
    pub paths: Vec<PathBuf>,
    /// Report format; repeat together with `--output` to write several reports.
    #[arg(long, value_enum)]
    pub format: Vec<Format>,
    /// Write the report to FILE instead of stdout (pairs with `--format` in order).
    #[arg(short, long, value_name = "FILE")]
    pub output: Vec<PathBuf>,
    /// Config file (default: `.secretgate.yaml` in the scanned folder).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Only scan files of this environment (and shared files); repeatable.
    #[arg(long = "env", value_name = "NAME")]
    pub envs: Vec<String>,
    /// Lowest severity that makes the run fail (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Never colour the human report (`NO_COLOR` is honoured too).
    #[arg(long)]
    pub no_color: bool,
    /// Only run the rules of this pack (`manifests`, `helm`, `source`, `vault`, …); repeatable.
    #[arg(long = "pack", value_name = "PACK", value_parser = ["manifests", "helm", "external-secrets", "fixtures", "references", "vault", "source", "meta"])]
    pub packs: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, default_value_t = 0)]
    pub threads: usize,
    /// Hide the findings accepted in this baseline (written by `secretgate baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Report only findings concerning the files staged in Git (pre-commit); cross-file rules
    /// still see the whole repository.
    #[arg(long, conflicts_with = "since")]
    pub staged: bool,
    /// Report only findings concerning the files changed since REV (committed, uncommitted or
    /// new).
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
    /// With --staged or --since: read every file again instead of taking what unchanged files
    /// tell the repository model from the cache in the Git directory.
    #[arg(long)]
    pub no_cache: bool,
    /// Also audit a deployed secrets folder (or file) on this host: files 0600, folders 0700,
    /// owned by `--owner`. Without positional paths, only the audit runs.
    #[arg(long, value_name = "PATH")]
    pub check_permissions: Option<PathBuf>,
    /// Expected owner for `--check-permissions`: a user name or uid (default: the user running
    /// the check).
    #[arg(long, value_name = "USER", requires = "check_permissions")]
    pub owner: Option<String>,
    /// Keep running: check again whenever a file under the scanned paths changes (polled every
    /// 300 ms), printing a separator line with a timestamp before each report.
    #[arg(long)]
    pub watch: bool,
    /// Also check files that `.gitignore` rules skip (an ignored `.env` is still on disk, and
    /// still leaks if it is copied into an image or an artifact).
    #[arg(long)]
    pub no_ignore: bool,
}

/// Arguments of `releases` and `graph`.
#[derive(Debug, clap::Args)]
pub struct GraphArgs<F: ValueEnum + Clone + Send + Sync + 'static> {
    /// Folder to analyse (default `.`).
    pub path: Option<PathBuf>,
    /// Environment (required for `graph` when the repository has several).
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    #[arg(long, value_enum)]
    pub format: Option<F>,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Config file (default: `.secretgate.yaml` in the folder).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    pub(crate) fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
    Markdown,
}

/// A library diagnostic already rendered by miette (code frame included); printed as is.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Rendered(pub String);

/// Runs the command; returns the process exit code. Errors become exit code 2 in `main`.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules { format } => {
            print_rules(format, &mut std::io::stdout().lock())?;
            Ok(0)
        }
        Command::Explain { rule } => {
            let Some(m) = rules::meta(&rule) else {
                bail!("unknown rule `{rule}`; `secretgate rules` lists them");
            };
            print!("{}", explain(m));
            Ok(0)
        }
        Command::Releases(args) => releases(&args),
        Command::Baseline { path, output, config } => {
            let dir = path.clone().unwrap_or_else(|| PathBuf::from("."));
            let opts = CheckOptions { paths: path.into_iter().collect(), config, ..CheckOptions::default() };
            let report = app::run_check(&opts).map_err(|e| Rendered(format!("{:?}", miette::Report::new(e))))?;
            let baseline = crate::suppress::Baseline::of(&report.findings, &|f| f.content.clone());
            let target = output.unwrap_or_else(|| dir.join(".secretgate-baseline.json"));
            let text = serde_json::to_string_pretty(&baseline)? + "\n";
            std::fs::write(&target, text).with_context(|| format!("cannot write {}", target.display()))?;
            eprintln!("wrote {} ({} findings)", target.display(), baseline.findings.len());
            Ok(0)
        }
        Command::Graph(args) => graph(&args),
        Command::Render(args) => match crate::helm::command::run(&args) {
            Ok(text) => {
                use std::io::Write as _;
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes())?;
                out.flush()?;
                Ok(0)
            }
            Err(failure) => {
                use std::io::Write as _;
                let mut out = std::io::stdout().lock();
                out.write_all(failure.stdout.as_bytes())?;
                out.flush()?;
                Err(anyhow::Error::new(Rendered(format!("Error: {}", failure.message))))
            }
        },
        Command::Vault(cmd) => crate::vault::cli::run(cmd),
        Command::Init { dir, force } => {
            let path = app::init(&dir, force).map_err(|e| match e {
                app::InitError::Check(e) => anyhow::Error::new(Rendered(format!("{:?}", miette::Report::new(e)))),
                e => anyhow::Error::new(e),
            })?;
            eprintln!("wrote {}", path.display());
            Ok(0)
        }
    }
}

fn check(args: CheckArgs) -> anyhow::Result<i32> {
    if args.watch {
        return watch::run(&args);
    }
    check_once(&args)
}

/// One `check` run: scan, write every report, return the exit code.
fn check_once(args: &CheckArgs) -> anyhow::Result<i32> {
    let args = args.clone();
    let mut formats = args.format.clone();
    if formats.is_empty() {
        formats.push(Format::Human);
    }
    if args.output.len() > formats.len() {
        bail!(
            "{} --output given for {} --format; pair each --output with a --format",
            args.output.len(),
            formats.len()
        );
    }
    let dir = app::scan_base(&if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() });
    let changed = match (args.staged, &args.since) {
        (true, _) => Some(git_changed(&dir, &["diff", "--cached", "--name-only", "--relative", "--diff-filter=d"])?),
        (false, Some(rev)) => {
            let mut files = git_changed(&dir, &["diff", "--name-only", "--relative", "--diff-filter=d", rev.as_str()])?;
            files.extend(git_changed(&dir, &["ls-files", "--others", "--exclude-standard"])?);
            Some(files)
        }
        (false, None) => None,
    };
    let opts = CheckOptions {
        paths: args.paths,
        config: args.config,
        envs: args.envs,
        threads: args.threads,
        check_permissions: args.check_permissions,
        owner: args.owner,
        packs: args.packs,
        baseline: args.baseline,
        changed,
        no_ignore: args.no_ignore,
        no_cache: args.no_cache,
        graph: formats.contains(&Format::Html),
        progress: None,
    };
    // A progress line on a terminal only: CI logs and pipes stay clean.
    let progress = std::io::stderr().is_terminal().then(|| std::sync::Arc::new(crate::progress::Progress::default()));
    let opts = CheckOptions { progress: progress.clone(), ..opts };
    let display = progress.map(crate::progress::Display::start);
    let report = app::run_check(&opts).map_err(|e| Rendered(format!("{:?}", miette::Report::new(e))));
    drop(display);
    let report = report?;

    write_reports(&report, &formats, &args.output, args.no_color, args.fail_on)
}

/// Writes `report` once per format (to its paired `--output` file, else stdout) and returns the
/// exit code `--fail-on` gives it.
pub(crate) fn write_reports(
    report: &report::Report,
    formats: &[Format],
    outputs: &[PathBuf],
    no_color: bool,
    fail_on: FailOn,
) -> anyhow::Result<i32> {
    let no_color = no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    for (i, format) in formats.iter().enumerate() {
        match outputs.get(i) {
            Some(path) => {
                let mut f = std::io::BufWriter::new(
                    std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
                );
                let human = HumanOptions { color: false, ..HumanOptions::default() };
                report::write(*format, report, &human, &mut f)?;
                f.flush()?;
            }
            None => {
                let stdout = std::io::stdout();
                let human = HumanOptions { color: !no_color && stdout.is_terminal(), ..HumanOptions::default() };
                let mut lock = stdout.lock();
                report::write(*format, report, &human, &mut lock)?;
                lock.flush()?;
            }
        }
    }
    let threshold = fail_on.threshold();
    Ok(i32::from(report.findings.iter().any(|f| fails(f.severity, threshold))))
}

mod watch {
    //! `check --watch`: std-only polling of modification times, debounced.

    use std::collections::BTreeMap;
    use std::io::Write;
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant, SystemTime};

    use super::{CheckArgs, check_once};

    const POLL: Duration = Duration::from_millis(300);
    /// Changes keep coming for this long: check anyway.
    const MAX_SETTLE: Duration = Duration::from_secs(3);
    /// Folders never watched: VCS data, build output, tool caches.
    const SKIP_DIRS: &[&str] = &[".git", "target", "node_modules", ".tools"];

    type Snapshot = BTreeMap<PathBuf, (Option<SystemTime>, u64)>;

    /// Runs the check, then again after every change, until interrupted.
    pub(super) fn run(args: &CheckArgs) -> anyhow::Result<i32> {
        let roots = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
        // Reports written under a scanned folder must not trigger the next run.
        let outputs: Vec<PathBuf> = args.output.iter().map(|p| absolute(p)).collect();
        let mut seen = snapshot(&roots, &outputs);
        report(args, None);
        loop {
            std::thread::sleep(POLL);
            let now = snapshot(&roots, &outputs);
            if now == seen {
                continue;
            }
            // Debounce: wait until one poll sees no further change (an editor's save, a checkout).
            let started = Instant::now();
            let mut settled = now;
            loop {
                std::thread::sleep(POLL);
                let next = snapshot(&roots, &outputs);
                if next == settled || started.elapsed() > MAX_SETTLE {
                    settled = next;
                    break;
                }
                settled = next;
            }
            let changed = diff(&seen, &settled);
            seen = settled;
            report(args, Some(changed));
        }
    }

    fn report(args: &CheckArgs, changed: Option<Vec<PathBuf>>) {
        let what = match changed.as_deref() {
            None => String::new(),
            Some([]) => " · changed".to_string(),
            Some([one]) => format!(" · changed: {}", one.display()),
            Some([first, rest @ ..]) => format!(" · changed: {} and {} more", first.display(), rest.len()),
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "──── secretgate check · {}{what} ────", timestamp());
        let _ = out.flush();
        drop(out);
        match check_once(args) {
            Ok(code) => eprintln!("(exit code {code}; watching for changes, Ctrl-C to stop)"),
            Err(e) => match e.downcast_ref::<super::Rendered>() {
                Some(r) => eprintln!("{r}\n(watching for changes, Ctrl-C to stop)"),
                None => eprintln!("error: {e:#}\n(watching for changes, Ctrl-C to stop)"),
            },
        }
    }

    fn absolute(p: &Path) -> PathBuf {
        std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
    }

    /// Modification time and size of every file under `roots`.
    fn snapshot(roots: &[PathBuf], outputs: &[PathBuf]) -> Snapshot {
        let mut files = Snapshot::new();
        let mut stack: Vec<PathBuf> = roots.to_vec();
        while let Some(path) = stack.pop() {
            let Ok(meta) = std::fs::metadata(&path) else { continue };
            if meta.is_dir() {
                let skip = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| SKIP_DIRS.contains(&n));
                if skip && !roots.contains(&path) {
                    continue;
                }
                if let Ok(entries) = std::fs::read_dir(&path) {
                    stack.extend(entries.flatten().map(|e| e.path()));
                }
            } else if !outputs.contains(&absolute(&path)) {
                files.insert(path, (meta.modified().ok(), meta.len()));
            }
        }
        files
    }

    /// Files added, changed or removed between two snapshots.
    fn diff(before: &Snapshot, after: &Snapshot) -> Vec<PathBuf> {
        let mut changed: Vec<PathBuf> =
            after.iter().filter(|(p, m)| before.get(*p) != Some(m)).map(|(p, _)| p.clone()).collect();
        changed.extend(before.keys().filter(|p| !after.contains_key(*p)).cloned());
        changed
    }

    /// `YYYY-MM-DD HH:MM:SS UTC`.
    fn timestamp() -> String {
        let secs = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let day = secs % 86_400;
        format!("{} {:02}:{:02}:{:02} UTC", crate::suppress::today(), day / 3600, day / 60 % 60, day % 60)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn snapshot_sees_new_and_changed_files_but_not_outputs() {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let root = dir.path().to_path_buf();
            std::fs::write(root.join("a.yaml"), "a: 1\n").unwrap_or_else(|e| panic!("{e}"));
            std::fs::create_dir(root.join(".git")).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(root.join(".git/index"), "x").unwrap_or_else(|e| panic!("{e}"));
            let out = root.join("report.sarif");
            let outputs = vec![absolute(&out)];
            let before = snapshot(std::slice::from_ref(&root), &outputs);
            assert_eq!(before.len(), 1);
            std::fs::write(&out, "{}").unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(root.join(".git/index"), "yy").unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(snapshot(std::slice::from_ref(&root), &outputs), before);
            std::fs::write(root.join("b.yaml"), "b: 2\n").unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(root.join("a.yaml"), "a: 10\n").unwrap_or_else(|e| panic!("{e}"));
            let after = snapshot(std::slice::from_ref(&root), &outputs);
            assert_eq!(diff(&before, &after), vec![root.join("a.yaml"), root.join("b.yaml")]);
        }
    }
}

/// Files Git reports for `args`, relative to `dir`.
fn git_changed(dir: &std::path::Path, args: &[&str]) -> anyhow::Result<Vec<String>> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .with_context(|| "cannot run git (needed for --staged/--since)")?;
    if !out.status.success() {
        bail!("git {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.is_empty()).map(str::to_string).collect())
}

fn analysis_options<F: ValueEnum + Clone + Send + Sync + 'static>(args: &GraphArgs<F>) -> CheckOptions {
    CheckOptions {
        paths: args.path.iter().cloned().collect(),
        config: args.config.clone(),
        envs: args.env.iter().cloned().collect(),
        ..CheckOptions::default()
    }
}

/// Runs `write` against the `--output` file or stdout.
fn emit(output: Option<&PathBuf>, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
            );
            write(&mut f)?;
            f.flush()?;
        }
        None => {
            let mut lock = std::io::stdout().lock();
            write(&mut lock)?;
            lock.flush()?;
        }
    }
    Ok(())
}

fn releases(args: &GraphArgs<report::releases::ReleasesFormat>) -> anyhow::Result<i32> {
    let a = app::analyze(&analysis_options(args), app::Stage::Releases)
        .map_err(|e| Rendered(format!("{:?}", miette::Report::new(e))))?;
    if let Some(env) = &args.env
        && !a.envs.contains(env)
    {
        bail!("unknown environment `{env}`; the repository has: {}", a.envs.join(", "));
    }
    let list: Vec<&crate::gitops::Release> = a
        .discovery
        .releases
        .iter()
        .filter(|r| args.env.as_ref().is_none_or(|e| r.env.is_none() || r.env.as_ref() == Some(e)))
        .collect();
    let format = args.format.unwrap_or(report::releases::ReleasesFormat::Text);
    emit(args.output.as_ref(), |out| report::releases::write(&list, format, out))?;
    Ok(0)
}

fn graph(args: &GraphArgs<report::graph::GraphFormat>) -> anyhow::Result<i32> {
    let a = app::analyze(&analysis_options(args), app::Stage::Model)
        .map_err(|e| Rendered(format!("{:?}", miette::Report::new(e))))?;
    let env = match (&args.env, a.model.envs.as_slice()) {
        (None, [only]) => only,
        (None, _) => bail!("the repository has several environments; pick one with --env ({})", a.envs.join(", ")),
        (Some(name), envs) => match envs.iter().find(|e| e.name.as_deref() == Some(name.as_str())) {
            Some(e) => e,
            None => bail!("unknown environment `{name}`; the repository has: {}", a.envs.join(", ")),
        },
    };
    let format = args.format.unwrap_or(report::graph::GraphFormat::Text);
    emit(args.output.as_ref(), |out| report::graph::write(env, format, out))?;
    Ok(0)
}

/// The docs `secretgate explain` prints (and the website shows).
pub fn explain(m: &rules::RuleMeta) -> String {
    format!(
        "# {}\n\npack: {} · default severity: {}\n\n{}\n\n{}\n",
        m.id,
        m.pack.as_str(),
        m.severity,
        m.summary,
        m.docs.trim()
    )
}

fn print_rules(format: RulesFormat, out: &mut dyn Write) -> std::io::Result<()> {
    let all = rules::catalog().iter().copied();
    match format {
        RulesFormat::Text => {
            for m in all {
                writeln!(out, "{:<34} {:<16} {:<8} {}", m.id, m.pack.as_str(), m.severity.as_str(), m.summary)?;
            }
        }
        RulesFormat::Json => {
            let v: Vec<_> = all
                .map(|m| serde_json::json!({"id": m.id, "pack": m.pack, "severity": m.severity, "summary": m.summary, "help_uri": m.help_uri()}))
                .collect();
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)?;
        }
        RulesFormat::Markdown => {
            writeln!(out, "| id | pack | severity | summary |\n|---|---|---|---|")?;
            for m in all {
                writeln!(out, "| `{}` | {} | {} | {} |", m.id, m.pack.as_str(), m.severity, m.summary)?;
            }
        }
    }
    Ok(())
}
