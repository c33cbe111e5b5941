//! Runs the YAML loader over an extracted yaml-test-suite `data` tree (see bench/yaml_suite.sh):
//! valid cases must load, error cases must be rejected. Prints and writes a markdown summary.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: yaml_suite DATA_DIR OUT.md");
        std::process::exit(2);
    };
    let mut cases: Vec<_> = walk(Path::new(&dir));
    cases.sort();
    let (mut valid_ok, mut valid_total, mut error_ok, mut error_total) = (0, 0, 0, 0);
    let mut wrong = Vec::new();
    for case in &cases {
        let Ok(text) = std::fs::read_to_string(case.join("in.yaml")) else { continue };
        let expect_error = case.join("error").exists();
        let loaded = secretgate::source::yaml::load_str(&text);
        let rejected = loaded.error.is_some();
        let name = case.strip_prefix(&dir).unwrap_or(case).display().to_string();
        if expect_error {
            error_total += 1;
            if rejected {
                error_ok += 1;
            } else {
                wrong.push(format!("{name}: accepted an invalid document"));
            }
        } else {
            valid_total += 1;
            if rejected {
                let msg = loaded.error.map(|e| e.message).unwrap_or_default();
                wrong.push(format!("{name}: rejected a valid document ({msg})"));
            } else {
                valid_ok += 1;
            }
        }
    }
    let pct = |a: usize, b: usize| if b == 0 { 0.0 } else { 100.0 * a as f64 / b as f64 };
    let mut md = String::new();
    let _ = writeln!(md, "# YAML loader against the yaml-test-suite\n");
    let _ = writeln!(
        md,
        "`bench/yaml_suite.sh` (pinned `data` commit inside): every valid case must load (no parse-error), every error case must be rejected.\n"
    );
    let _ = writeln!(md, "| cases | passed | rate |\n|---|---|---|");
    let _ = writeln!(md, "| valid YAML loads | {valid_ok}/{valid_total} | {:.1}% |", pct(valid_ok, valid_total));
    let _ = writeln!(md, "| invalid YAML rejected | {error_ok}/{error_total} | {:.1}% |", pct(error_ok, error_total));
    let _ = writeln!(
        md,
        "\nThe parse-error false-error rate on valid YAML is {:.1}%.\n",
        100.0 - pct(valid_ok, valid_total)
    );
    let _ = writeln!(md, "## Cases that differ\n");
    for w in &wrong {
        let _ = writeln!(md, "- {w}");
    }
    print!("{md}");
    if let Err(e) = std::fs::write(&out, md) {
        eprintln!("cannot write {out}: {e}");
        std::process::exit(2);
    }
}

/// Every folder holding an `in.yaml` (cases with several documents have numbered subfolders).
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.join("in.yaml").exists() {
                out.push(p.clone());
            }
            out.extend(walk(&p));
        }
    }
    out
}
