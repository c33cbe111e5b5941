//! No report format may contain a detected secret, a fragment of it, its length or a hash of it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;
use support::write;

use std::path::Path;

use secretgate::app::{CheckOptions, run_check};
use secretgate::report::{self, Format, HumanOptions};
use sha2::{Digest, Sha256};

/// Synthetic secrets, each unique in the fixture so that any fragment found in a report can only
/// have come from the secret itself.
const SECRETS: &[&str] = &[
    "Zq7vX2mW9pL4kR8tBn",
    "Hj3Kd9Qw2Ls8Pz5Vx1",
    "Mn4Bv7Cx2Zl9Kj6Hg3",
    "Rt5Yu8Io1Pa4Sd7Fg0",
    "Wq2Er5Ty8Ui1Op4As7",
    "Gh6Jk9Lz3Xc5Vb8Nm1",
    "Ty7Ui0Op3As6Df9Gh2",
    "Kp4Zq7Wx2Vb",
];

const PEM_LINES: &[&str] = &["Ab1Cd2Ef3Gh4Ij5Kl6Mn7", "Op8Qr9St0Uv1Wx2Yz3Ab4"];

fn fixture(dir: &Path) {
    let s = SECRETS;
    write(
        dir,
        "env/production/secret.yaml",
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: db}}\nstringData:\n  password: {}\n  token: \"{}\"\n  tls.key: |\n    -----BEGIN PRIVATE KEY-----\n    {}\n    {}\n    -----END PRIVATE KEY-----\n  app.json: '{{\"clientSecret\": \"{}\"}}'\n",
            s[0], s[1], PEM_LINES[0], PEM_LINES[1], s[2]
        ),
    );
    write(
        dir,
        "env/dev/deploy.yaml",
        &format!(
            "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          env:\n            - {{name: API_TOKEN, value: {}}}\n            - {{name: DB_URL_X, value: \"postgres://u:{}@db/app\"}}\n",
            s[3], s[4]
        ),
    );
    write(dir, "env/dev/cm.yaml", &format!("kind: ConfigMap\ndata:\n  app.properties: |\n    db.password={}\n", s[5]));
    write(
        dir,
        "overlays/staging/kustomization.yaml",
        &format!("secretGenerator:\n  - name: x\n    literals: [key={}]\n", s[6]),
    );
    // A site-specific placeholder, declared in the config.
    write(dir, ".secretgate.yaml", &format!("placeholders: [{}]\n", s[7]));
    write(dir, "charts/objstore/values-production.yaml", &format!("rootPassword: {}\n", s[7]));
}

fn fragments(secret: &str) -> Vec<String> {
    // Every substring of 5+ characters (the whole secret for shorter ones).
    let chars: Vec<char> = secret.chars().collect();
    let n = 5.min(chars.len());
    (0..=chars.len() - n).map(|i| chars[i..i + n].iter().collect()).collect()
}

#[test]
fn no_report_format_leaks_secret_material() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path());
    let report =
        run_check(&CheckOptions { paths: vec![tmp.path().to_path_buf()], graph: true, ..Default::default() }).unwrap();
    assert!(report.findings.len() >= 9, "fixture should trip every rule: {:#?}", report.findings);

    let mut all = Vec::new();
    for fmt in [Format::Human, Format::Json, Format::Sarif, Format::Github, Format::Junit, Format::Html] {
        for color in [false, true] {
            let mut out = Vec::new();
            report::write(fmt, &report, &HumanOptions { color, ..HumanOptions::default() }, &mut out).unwrap();
            all.push((fmt, String::from_utf8(out).unwrap()));
        }
    }
    for (fmt, text) in &all {
        for secret in SECRETS.iter().chain(PEM_LINES) {
            for frag in fragments(secret) {
                assert!(!text.contains(&frag), "{fmt:?} output contains `{frag}`, a fragment of a secret:\n{text}");
            }
            let digest: String = Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
            assert!(!text.contains(&digest[..16]), "{fmt:?} output contains a hash of a secret");
        }
    }
    // Regions of secret findings are points: an end column would give away the secret's length.
    for f in &report.findings {
        if !f.secret_spans.is_empty() {
            assert_eq!(f.start, f.end, "{} region discloses the extent of the secret", f.rule);
        }
    }
}
