//! The HTML report in a real headless Chromium (`tests/browser/html_report.py`, Selenium from
//! `.tools/venv`, Debian's chromium and chromedriver; `.ci/run` installs all three): loads with no
//! console error and no request, filters match the JSON report of the same run, a filtered view
//! survives a reload, and a screenshot lands in `target/html-report/`.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;
use std::process::Command;

#[test]
fn the_html_report_works_in_a_real_browser() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".tools/venv/bin/python3");
    let have_selenium = python.is_file()
        && Command::new(&python).args(["-c", "import selenium"]).output().is_ok_and(|o| o.status.success());
    let have_browser = Path::new("/usr/bin/chromium").is_file() && Path::new("/usr/bin/chromedriver").is_file();
    if !(have_selenium && have_browser) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but chromium, chromedriver or selenium is missing (.ci/run installs them)"
        );
        eprintln!(
            "SKIP: needs /usr/bin/chromium, /usr/bin/chromedriver (apt-get install chromium chromium-driver) and selenium in .tools/venv (`.ci/run` installs them)"
        );
        return;
    }
    let out = root.join("target/html-report");
    std::fs::create_dir_all(&out).unwrap();
    let (html, json) = (out.join("report.html"), out.join("report.json"));
    let run = Command::new(env!("CARGO_BIN_EXE_secretgate"))
        .args(["check", "--fail-on", "never", "--format", "html", "-o"])
        .arg(&html)
        .args(["--format", "json", "-o"])
        .arg(&json)
        .arg(root.join("testdata/gitops-repo"))
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let browser = Command::new(&python)
        .arg(root.join("tests/browser/html_report.py"))
        .args([&html, &json, &out.join("screenshot.png")])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&browser.stdout);
    println!("{log}");
    assert!(browser.status.success(), "{log}\n{}", String::from_utf8_lossy(&browser.stderr));
    assert!(log.contains("ok: no console error"), "{log}");
}
