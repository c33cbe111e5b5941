//! The pre-commit hook end to end with the real `pre-commit` (from PyPI; `.ci/run` installs it
//! into `.tools/venv`): a clean commit passes, a staged planted secret is refused, and the
//! secret is never echoed.
//!
//! The hook runs as `repo: local`, `language: system`, with the `entry` of
//! `.pre-commit-hooks.yaml` pointed at the binary under test: `language: rust` would make
//! pre-commit `cargo install` this repository from source in its cache, a full release build
//! per CI run (minutes on a 2-core machine). The published manifest itself is checked with
//! `pre-commit validate-manifest`, so its `language: rust` hook stays valid.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pre_commit() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/venv/bin/pre-commit");
    if venv.is_file() {
        return Some(venv);
    }
    let found = Command::new("pre-commit").arg("--version").output().is_ok_and(|o| o.status.success());
    found.then(|| PathBuf::from("pre-commit"))
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

fn git(dir: &Path, args: &[&str]) -> Output {
    run(Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=secretgate-test",
            "-c",
            "user.email=test@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args))
}

#[test]
fn hook_passes_clean_commits_and_refuses_a_planted_secret() {
    let Some(pre_commit) = pre_commit() else {
        assert!(std::env::var_os("CI").is_none(), "CI is set but pre-commit is not installed (.ci/run installs it)");
        eprintln!("SKIP: pre-commit is not installed (.tools/venv/bin/pre-commit or PATH); `.ci/run` installs it");
        return;
    };
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let valid = run(Command::new(&pre_commit).arg("validate-manifest").arg(&manifest));
    assert!(valid.status.success(), "validate-manifest: {}", String::from_utf8_lossy(&valid.stdout));

    let home = tempfile::tempdir().unwrap();
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    assert!(git(dir, &["init", "-q", "-b", "main"]).status.success());
    let text = std::fs::read_to_string(&manifest).unwrap();
    let entry = text.lines().find_map(|l| l.trim().strip_prefix("entry: ")).unwrap();
    let args = entry.strip_prefix("secretgate ").unwrap();
    let config = format!(
        "repos:\n  - repo: local\n    hooks:\n      - id: secretgate\n        name: secretgate\n        language: system\n        entry: {} {args}\n        pass_filenames: false\n        always_run: true\n",
        env!("CARGO_BIN_EXE_secretgate")
    );
    std::fs::write(dir.join(".pre-commit-config.yaml"), config).unwrap();
    let env = |cmd: &mut Command| {
        cmd.env("PRE_COMMIT_HOME", home.path()).env("PRE_COMMIT_COLOR", "never").env_remove("SKIP");
    };
    let mut install = Command::new(&pre_commit);
    install.current_dir(dir).arg("install");
    env(&mut install);
    let installed = run(&mut install);
    assert!(installed.status.success(), "pre-commit install: {}", String::from_utf8_lossy(&installed.stderr));

    // A clean commit passes the hook.
    std::fs::write(
        dir.join("app.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  color: blue\n",
    )
    .unwrap();
    assert!(git(dir, &["add", "-A"]).status.success());
    let mut commit = Command::new("git");
    commit.current_dir(dir).args(["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "clean"]);
    env(&mut commit);
    let clean = run(&mut commit);
    assert!(
        clean.status.success(),
        "clean commit refused:\n{}{}",
        String::from_utf8_lossy(&clean.stdout),
        String::from_utf8_lossy(&clean.stderr)
    );

    // A staged planted secret (built at run time) is refused, and not echoed.
    let planted: String = ["Hk4", "tW9q", "Lz2xR", "7vNe"].concat();
    std::fs::write(
        dir.join("secret.yaml"),
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {planted}\n"),
    )
    .unwrap();
    assert!(git(dir, &["add", "secret.yaml"]).status.success());
    let mut commit = Command::new("git");
    commit.current_dir(dir).args([
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.invalid",
        "commit",
        "-qm",
        "secret",
    ]);
    env(&mut commit);
    let refused = run(&mut commit);
    let output = format!("{}{}", String::from_utf8_lossy(&refused.stdout), String::from_utf8_lossy(&refused.stderr));
    assert!(!output.contains(&planted), "the secret was echoed");
    assert!(!refused.status.success(), "the commit with a secret went through");
    assert!(output.contains("inline-secret-value"), "the hook names the rule: {output}");
    let log = git(dir, &["log", "--oneline"]);
    assert_eq!(String::from_utf8_lossy(&log.stdout).lines().count(), 1, "only the clean commit");
}
