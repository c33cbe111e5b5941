//! `secret-file-permissions`: a host audit of a deployed secrets folder (`check --check-permissions`).

use std::path::{Path, PathBuf};

use crate::finding::{Finding, Fingerprinter, Severity};
use crate::rules::{Pack, Rule, RuleMeta, Scope};
use crate::source::{Position, Span};

pub const ID: &str = "secret-file-permissions";

pub struct SecretFilePermissions;

static META: RuleMeta = RuleMeta {
    id: ID,
    pack: Pack::Source,
    severity: Severity::Error,
    summary: "With `--check-permissions`: a secret file not 0600, a secrets folder not 0700, or not owned by the expected user.",
    docs: r#"
## What it does
`secretgate check --check-permissions PATH` audits a deployed secrets folder on the host (the
folder, every file and every sub-folder under it, without following symlinks):

- every file must be mode `0600` or stricter (`0400`): no execute bit, nothing for group or world;
- every folder must be `0700` or stricter (`0500`);
- everything must be owned by the expected user: the user running the check, or `--owner
  NAME|UID` (e.g. `--owner root` when the check runs as a deploy user but the files belong to
  root).

Findings name the path relative to the parent of `PATH` (so the audited folder appears by its
own name) at line 1, column 1 — permissions belong to the file, not to a line — and state the
mode found and the mode expected. Modes and owners are not secrets; file contents are never
read. Without positional paths only the audit runs; with them, the usual scan runs as well.

## Why is this bad?
A secret file readable by the group or by everyone is readable by every process and user on the
host that shares it: a compromised container, a monitoring agent, a backup job. A file owned by
another user can be rewritten by that user, who then controls what your service trusts.

## Example
```text
drwxr-xr-x root root /opt/app/secrets
-rw-r--r-- root root /opt/app/secrets/aws.env
```

## Use instead
```sh
chown -R root:root /opt/app/secrets
chmod 0700 /opt/app/secrets
chmod 0600 /opt/app/secrets/*
```
"#,
};

impl Rule for SecretFilePermissions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    /// Produced by the host audit, not by a content check.
    fn scope(&self) -> Scope {
        Scope::Engine
    }
}

/// The effective user id of this process: the default expected owner.
#[cfg(unix)]
pub fn current_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Resolves `--owner`: a numeric uid, or a user name from `/etc/passwd`.
pub fn resolve_owner(spec: &str) -> Result<u32, String> {
    if let Ok(uid) = spec.parse::<u32>() {
        return Ok(uid);
    }
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| format!("cannot read /etc/passwd: {e}"))?;
    uid_of(&passwd, spec).ok_or_else(|| format!("unknown user `{spec}` (give a numeric uid)"))
}

fn uid_of(passwd: &str, name: &str) -> Option<u32> {
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next()? == name).then_some(())?;
        f.nth(1)?.parse().ok()
    })
}

fn name_of(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 2 && f[2].parse::<u32>().ok() == Some(uid)).then(|| f[0].to_string())
    })
}

fn describe_uid(uid: u32) -> String {
    match name_of(uid) {
        Some(name) => format!("uid {uid} ({name})"),
        None => format!("uid {uid}"),
    }
}

/// What is too open in `mode` for a file or a folder, e.g. `group-readable, world-readable`.
fn excess(mode: u32, dir: bool) -> Vec<&'static str> {
    let mut out = Vec::new();
    if !dir && mode & 0o100 != 0 {
        out.push("executable");
    }
    for (bit, what) in [
        (0o040, "group-readable"),
        (0o020, "group-writable"),
        (0o010, "group-executable"),
        (0o004, "world-readable"),
        (0o002, "world-writable"),
        (0o001, "world-executable"),
        (0o4000, "setuid"),
        (0o2000, "setgid"),
        (0o1000, "sticky"),
    ] {
        if mode & bit != 0 {
            out.push(what);
        }
    }
    out
}

/// Audits `root` (a folder or a single file). `expected_uid`: the owner everything must have.
#[cfg(unix)]
pub fn audit(root: &Path, expected_uid: u32, fingerprinter: &Fingerprinter) -> std::io::Result<Vec<Finding>> {
    use std::os::unix::fs::MetadataExt;

    let canon = root.canonicalize()?;
    let parent = canon.parent().map(Path::to_path_buf).unwrap_or_else(|| canon.clone());
    let mut findings = Vec::new();
    let mut stack: Vec<PathBuf> = vec![canon.clone()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path)?;
        let rel = path.strip_prefix(&parent).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        let rel = if rel.is_empty() { "/".to_string() } else { rel };
        if meta.file_type().is_symlink() {
            continue;
        }
        let dir = meta.is_dir();
        if dir {
            let mut children: Vec<PathBuf> =
                std::fs::read_dir(&path)?.filter_map(Result::ok).map(|e| e.path()).collect();
            children.sort();
            stack.extend(children.into_iter().rev());
        }
        let mode = meta.mode() & 0o7777;
        let kind = if dir { "folder" } else { "file" };
        let expected = if dir { "0700" } else { "0600" };
        let too_open = excess(mode, dir);
        if !too_open.is_empty() {
            findings.push(finding(
                fingerprinter,
                &rel,
                "mode",
                format!("secret {kind} has mode {mode:04o} ({}); expected {expected} or stricter", too_open.join(", ")),
                format!("chmod {expected} {rel}"),
            ));
        }
        if meta.uid() != expected_uid {
            findings.push(finding(
                fingerprinter,
                &rel,
                "owner",
                format!(
                    "secret {kind} is owned by {}; expected {}",
                    describe_uid(meta.uid()),
                    describe_uid(expected_uid)
                ),
                format!("chown {expected_uid} {rel}"),
            ));
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(findings)
}

fn finding(fp: &Fingerprinter, rel: &str, what: &str, message: String, help: String) -> Finding {
    let at = Position { line: 1, column: 1 };
    Finding {
        rule: ID,
        severity: META.severity,
        path: rel.to_string(),
        span: Span::new(0, 0),
        start: at,
        end: at,
        message,
        help: Some(help),
        envs: Vec::new(),
        fingerprint: fp.fingerprint(ID, rel, what, None),
        content: fp.fingerprint(ID, "", what, None),
        related: Vec::new(),
        secret_spans: Vec::new(),
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Builds `secrets/` (mode `dir_mode`) with `aws.env` (`file_mode`) and `sub/` (0700) holding
    /// `key.pem` (0600).
    fn tree(dir_mode: u32, file_mode: u32) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        let secrets = tmp.path().join("secrets");
        std::fs::create_dir_all(secrets.join("sub")).unwrap();
        std::fs::write(secrets.join("aws.env"), "AWS_SECRET_ACCESS_KEY=fake\n").unwrap();
        std::fs::write(secrets.join("sub/key.pem"), "fake\n").unwrap();
        chmod(&secrets.join("aws.env"), file_mode);
        chmod(&secrets.join("sub/key.pem"), 0o600);
        chmod(&secrets.join("sub"), 0o700);
        chmod(&secrets, dir_mode);
        tmp
    }

    #[test]
    fn secret_file_permissions() {
        let fp = Fingerprinter::new(None);
        let me = current_uid();
        // pass: strict modes, owned by the user running the check.
        let pass = [tree(0o700, 0o600), tree(0o500, 0o400)];
        for t in &pass {
            let found = audit(&t.path().join("secrets"), me, &fp).unwrap();
            assert!(found.is_empty(), "{found:#?}");
        }
        // fail: open modes.
        let fail = tree(0o755, 0o644);
        let found = audit(&fail.path().join("secrets"), me, &fp).unwrap();
        let got: Vec<_> =
            found.iter().map(|f| (f.path.as_str(), f.start.line, f.start.column, f.message.as_str())).collect();
        assert_eq!(
            got,
            [
                (
                    "secrets",
                    1,
                    1,
                    "secret folder has mode 0755 (group-readable, group-executable, world-readable, world-executable); expected 0700 or stricter"
                ),
                (
                    "secrets/aws.env",
                    1,
                    1,
                    "secret file has mode 0644 (group-readable, world-readable); expected 0600 or stricter"
                ),
            ]
        );
        assert!(found.iter().all(|f| f.rule == ID && !f.message.contains("fake")));
    }

    #[test]
    fn wrong_owner() {
        let fp = Fingerprinter::new(None);
        let t = tree(0o700, 0o600);
        let other = current_uid().wrapping_add(1);
        let found = audit(&t.path().join("secrets/aws.env"), other, &fp).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, "aws.env");
        assert!(found[0].message.starts_with("secret file is owned by uid "), "{}", found[0].message);
    }

    #[test]
    fn owners_by_name_or_number() {
        assert_eq!(uid_of("root:x:0:0:root:/root:/bin/sh\nops:x:1001:1001::/home/ops:/bin/sh\n", "ops"), Some(1001));
        assert_eq!(resolve_owner("42"), Ok(42));
        assert_eq!(excess(0o600, false), Vec::<&str>::new());
        assert_eq!(excess(0o700, false), ["executable"]);
    }
}
