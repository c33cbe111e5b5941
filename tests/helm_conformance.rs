//! Helm's own `helm template` conformance cases (`../shared/helm-conformance/cases.tsv`, read
//! from the shared data folder, never copied): byte-identical stdout for `ok` cases, a failure
//! for `error` cases. Skips loudly when the shared folder is absent.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::PathBuf;
use std::process::Command;

fn conformance_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/helm-conformance");
    if dir.join("cases.tsv").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP: ../shared/helm-conformance is not present; Helm conformance cases need the shared data folder"
        );
        None
    }
}

/// POSIX-shell word splitting with single/double quotes, no globbing (what the TSV promises).
fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => cur.extend(chars.next()),
                        c => cur.push(c),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

#[test]
fn helm_template_conformance() {
    let Some(dir) = conformance_dir() else { return };
    let cases = std::fs::read_to_string(dir.join("cases.tsv")).unwrap();
    let mut failures = Vec::new();
    let mut total = 0;
    for line in cases.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [name, args, golden, expect] = cols[..] else { panic!("bad case line: {line}") };
        total += 1;
        let mut argv = shell_words(args);
        // Helm's test build defaults, passed explicitly as the TSV asks.
        if !argv.iter().any(|a| a.starts_with("--kube-version")) {
            argv.extend(["--kube-version".to_string(), "1.20.0".to_string()]);
        }
        let out = Command::new(env!("CARGO_BIN_EXE_secretgate"))
            .arg("render")
            .args(&argv)
            .current_dir(&dir)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        match expect {
            "ok" => {
                let want = std::fs::read_to_string(dir.join(golden)).unwrap();
                if !out.status.success() || stdout != want {
                    failures.push(format!(
                        "{name}: exit {:?}\n--- stderr\n{}\n--- diff (want/got first differing line)\n{}",
                        out.status.code(),
                        String::from_utf8_lossy(&out.stderr),
                        first_diff(&want, &stdout)
                    ));
                }
            }
            _ => {
                if out.status.success() {
                    failures.push(format!("{name}: expected a failure, got success"));
                }
                // With --debug Helm prints the rendered output before the error; that part must
                // match too (the error's wording comes from a different YAML parser).
                let golden = std::fs::read_to_string(dir.join(golden)).unwrap();
                let printed = golden.split("Error: ").next().unwrap_or("");
                if stdout != printed {
                    failures.push(format!("{name}: stdout before the error differs\n{}", first_diff(printed, &stdout)));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} conformance cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn first_diff(want: &str, got: &str) -> String {
    for (i, (w, g)) in want.lines().zip(got.lines()).enumerate() {
        if w != g {
            return format!("line {}: want {w:?}\n         got  {g:?}", i + 1);
        }
    }
    format!("lengths differ: want {} lines, got {} lines", want.lines().count(), got.lines().count())
}
