//! `action.yml` metadata (which actionlint does not lint) and the workflows: well-formed YAML, a
//! composite action with the documented inputs, and every `uses:` pinned by a full commit SHA.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use secretgate::source::yaml::{Node, Value, load_str};

fn root(path: &str) -> Node {
    let text = std::fs::read_to_string(path).unwrap();
    let loaded = load_str(&text);
    assert!(loaded.error.is_none(), "{path}: {:?}", loaded.error);
    assert_eq!(loaded.documents.len(), 1, "{path}: one document");
    loaded.documents.into_iter().next().unwrap().root
}

/// Every `uses:` value anywhere in the tree.
fn uses(node: &Node, out: &mut Vec<String>) {
    match &node.value {
        Value::Map(entries) => {
            for e in entries {
                if e.key.as_str() == Some("uses") {
                    out.push(e.value.as_str().unwrap().to_string());
                }
                uses(&e.value, out);
            }
        }
        Value::Seq(items) => items.iter().for_each(|n| uses(n, out)),
        Value::Scalar(_) => {}
    }
}

fn assert_pinned(path: &str, node: &Node) -> usize {
    let mut all = Vec::new();
    uses(node, &mut all);
    for u in &all {
        if u.starts_with("./") {
            continue; // this repository's own action, at the checked-out commit
        }
        let (_, rev) = u.split_once('@').unwrap_or_else(|| panic!("{path}: `{u}` has no ref"));
        assert!(
            rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
            "{path}: `{u}` is not pinned by a full commit SHA"
        );
    }
    all.len()
}

#[test]
fn action_is_composite_with_documented_inputs_and_pinned_actions() {
    let action = root("action.yml");
    assert_eq!(action.at(&["runs", "using"]).and_then(Node::as_str), Some("composite"));
    for key in ["name", "description"] {
        assert!(action.get_str(key).is_some_and(|s| !s.is_empty()), "action.yml needs `{key}`");
    }
    let inputs = action.get("inputs").and_then(Node::as_map).unwrap();
    let defaults: Vec<(&str, Option<&str>)> =
        inputs.iter().map(|e| (e.key.as_str().unwrap(), e.value.get_str("default"))).collect();
    assert_eq!(
        defaults,
        [
            ("paths", Some(".")),
            ("config", Some("")),
            ("fail-on", Some("error")),
            ("format", Some("sarif")),
            ("sarif-file", Some("secretgate.sarif")),
            ("upload-sarif", Some("true")),
            ("version", Some("")),
            ("sha256", Some("")),
        ]
    );
    for e in inputs {
        assert!(e.value.get_str("description").is_some(), "input {:?} needs a description", e.key.as_str());
    }
    let steps = action.at(&["runs", "steps"]).and_then(Node::as_seq).unwrap();
    for step in steps {
        assert!(step.get("uses").is_some() || step.get_str("shell").is_some(), "a composite run step needs `shell`");
    }
    assert_eq!(assert_pinned("action.yml", &action), 1, "one action used: upload-sarif");
    let upload = steps.iter().find(|s| s.get("uses").is_some()).unwrap();
    assert!(upload.get_str("uses").unwrap().starts_with("github/codeql-action/upload-sarif@"));
    assert_eq!(upload.at(&["with", "category"]).and_then(Node::as_str), Some("secretgate"));
    assert!(upload.get_str("if").unwrap().starts_with("always()"), "SARIF is uploaded even when findings fail");
    let last = steps.last().unwrap();
    assert_eq!(last.get_str("if"), Some("always()"), "the exit code is propagated last");
}

#[test]
fn workflows_and_hooks_are_well_formed_and_pinned() {
    let mut seen = 0;
    for entry in std::fs::read_dir(".github/workflows").unwrap() {
        let path = entry.unwrap().path();
        let path = path.to_str().unwrap();
        let wf = root(path);
        assert!(wf.get("jobs").and_then(Node::as_map).is_some_and(|j| !j.is_empty()), "{path}: jobs");
        assert!(wf.get("permissions").is_some(), "{path}: explicit top-level permissions");
        assert_pinned(path, &wf);
        seen += 1;
    }
    assert_eq!(seen, 3, "ci, action and release workflows");
    let hooks = root(".pre-commit-hooks.yaml");
    let hook = &hooks.as_seq().unwrap()[0];
    assert_eq!(hook.get_str("id"), Some("secretgate"));
    assert_eq!(hook.get_str("language"), Some("rust"));
    assert_eq!(hook.get_str("entry"), Some("secretgate check --staged"));
    assert_eq!(hook.get("pass_filenames").and_then(Node::as_scalar).and_then(|s| s.as_bool()), Some(false));
    assert_eq!(hook.get("always_run").and_then(Node::as_scalar).and_then(|s| s.as_bool()), Some(true));
}

/// The action's install step run for real, with `curl` replaced by a shim that serves a release
/// archive laid out the way `release.yml` packages one (GitHub is out of reach from tests): the
/// binary is installed when the pinned SHA-256 matches, and the job fails with exit 2, before
/// anything is extracted, when it does not.
#[cfg(unix)]
#[test]
fn install_step_verifies_a_pinned_release_binary() {
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;
    let action = root("action.yml");
    let steps = action.at(&["runs", "steps"]).and_then(Node::as_seq).unwrap();
    let install = steps.iter().find(|s| s.get_str("name") == Some("Install secretgate")).unwrap();
    let script = install.get_str("run").unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let tag = "v9.9.9";
    let name = format!("secretgate-{tag}-x86_64-unknown-linux-musl");
    let dist = t.join("dist");
    std::fs::create_dir_all(dist.join(&name)).unwrap();
    // A stand-in executable keeps the archive small; what is under test is the install logic.
    let exe = dist.join(&name).join("secretgate");
    std::fs::write(&exe, format!("#!/bin/sh\necho 'secretgate {}'\n", &tag[1..])).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let archive = dist.join(format!("{name}.tar.gz"));
    let tar = Command::new("tar").arg("-C").arg(&dist).arg("-czf").arg(&archive).arg(&name).status().unwrap();
    assert!(tar.success());
    let sum = String::from_utf8(Command::new("sha256sum").arg(&archive).output().unwrap().stdout).unwrap();
    let sum = sum.split_whitespace().next().unwrap().to_string();

    // `curl -fsSL --retry 3 -o OUT URL`: copies the archive when the URL names it.
    let shims = t.join("shims");
    std::fs::create_dir_all(&shims).unwrap();
    let curl = shims.join("curl");
    std::fs::write(
        &curl,
        format!(
            "#!/bin/sh\nout=\"\"; url=\"\"\nwhile [ $# -gt 0 ]; do case \"$1\" in -o) out=\"$2\"; shift 2;; -*) shift;; *) url=\"$1\"; shift;; esac; done\n\
             echo \"$url\" >> \"{log}\"\n\
             case \"$url\" in https://github.com/owner/secretgate/releases/download/{tag}/{name}.tar.gz) cp \"{archive}\" \"$out\";; *) exit 22;; esac\n",
            log = t.join("curl.log").display(),
            archive = archive.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&curl, std::fs::Permissions::from_mode(0o755)).unwrap();

    let run = |sha: &str, runner: &str| {
        let runner_temp = t.join(format!("runner-{runner}"));
        std::fs::create_dir_all(&runner_temp).unwrap();
        let out = Command::new("bash")
            .arg("-c")
            .arg(script)
            .env("PATH", format!("{}:{}", shims.display(), std::env::var("PATH").unwrap()))
            .env("RUNNER_TEMP", &runner_temp)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("GITHUB_PATH", t.join("github_path"))
            .env("VERSION", tag)
            .env("SHA256", sha)
            .env("ACTION_REPOSITORY", "owner/secretgate")
            .output()
            .unwrap();
        (out, runner_temp.join("secretgate/bin/secretgate"))
    };
    let (ok, bin) = run(&sum, "good");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("secretgate "), "the installed binary runs");
    assert!(bin.is_file());

    let wrong = format!("{}{}", if sum.starts_with('0') { "1" } else { "0" }, &sum[1..]);
    let (bad, bin) = run(&wrong, "bad");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("does not match the pinned sha256"));
    assert!(!bin.exists(), "nothing is installed from an archive that does not match");
    let log = std::fs::read_to_string(t.join("curl.log")).unwrap();
    assert_eq!(log.lines().count(), 2, "one download per run, from the release of the tag: {log}");
}
