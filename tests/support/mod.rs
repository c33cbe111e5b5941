//! Helpers shared by the integration tests (`mod support;` in each test file that needs them).

#![allow(dead_code)] // each test crate uses a subset
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;
use std::process::Command;

/// Writes `contents` to `dir/rel`, creating its folders.
pub fn write(dir: &Path, rel: &str, contents: &(impl AsRef<[u8]> + ?Sized)) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, contents.as_ref()).unwrap();
}

/// Runs `git -C dir args…` with a throwaway identity and no signing; fails the test on error.
pub fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .unwrap();
    assert!(ok.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&ok.stderr));
}
