//! `check --watch`: a file added under the scanned folder triggers a second report with the new
//! finding, within a generous timeout.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
#![cfg(unix)] // SIGINT

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SEPARATOR: &str = "──── secretgate check · ";

/// Waits until `done` holds for the output so far, or panics after `timeout`.
fn wait_for(out: &Mutex<String>, timeout: Duration, what: &str, done: impl Fn(&str) -> bool) {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if done(&out.lock().unwrap()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}; {} bytes of output so far", out.lock().unwrap().len());
}

#[test]
fn a_new_secret_triggers_a_second_report() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  color: blue\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_secretgate"))
        .args(["check", "--watch", "--format", "json"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = Arc::new(Mutex::new(String::new()));
    let mut stdout = child.stdout.take().unwrap();
    let sink = out.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });

    // The first report: clean.
    wait_for(&out, Duration::from_secs(60), "the first report", |s| s.contains("\"summary\""));
    assert_eq!(out.lock().unwrap().matches(SEPARATOR).count(), 1);
    assert!(!out.lock().unwrap().contains("inline-secret-value"));

    // A planted secret (built at run time, never printed by the test).
    let planted: String = ["Qx7", "vLm2", "Rt9pW", "4zKe"].concat();
    std::fs::write(
        dir.path().join("secret.yaml"),
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {planted}\n"),
    )
    .unwrap();
    wait_for(&out, Duration::from_secs(10), "a second report with the new finding", |s| {
        s.split(SEPARATOR)
            .nth(2)
            .is_some_and(|second| second.contains("inline-secret-value") && second.contains("\"summary\""))
    });

    // Ctrl-C ends the loop the way a terminal expects: killed by SIGINT, which shells report as
    // exit status 130 (128 + 2).
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if stopped.elapsed() > Duration::from_secs(10) {
            child.kill().unwrap();
            panic!("--watch did not stop within 10 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    use std::os::unix::process::ExitStatusExt;
    assert!(
        status.signal() == Some(2) || status.code() == Some(130),
        "SIGINT ends --watch with status 130 or by the signal itself, got {status:?}"
    );
    reader.join().unwrap();
    let text = out.lock().unwrap();
    assert!(text.contains("secret.yaml"), "the separator or report names the new file");
    assert!(!text.contains(&planted), "the secret never reaches the output");
}
