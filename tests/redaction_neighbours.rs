//! A code frame prints the lines around a finding. Secrets on those lines — ones no rule
//! reported — must not reach any report either: each finding kind below has unflagged secrets of
//! several shapes planted right beside it (a Fernet key, a private JWK, a base64 blob, a token in
//! a comment on the flagged line, a long minified line).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;
use support::write;

use secretgate::app::{CheckOptions, run_check};
use secretgate::report::{self, Format, HumanOptions};

/// A random alphanumeric string, different on every run, so that a match in a report can only
/// come from the planted value.
fn random(len: usize, seed: &mut u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    (0..len)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            ALPHABET[(*seed % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

#[test]
fn no_secret_on_a_neighbouring_line_reaches_any_format() {
    let mut seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    let mut planted: Vec<String> = Vec::new();
    let mut next = |len: usize, planted: &mut Vec<String>| {
        let s = random(len, &mut seed);
        planted.push(s.clone());
        s
    };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();

    // A flagged Secret literal with a token in an annotation above and a comment on its line.
    let (a, b, c) = (next(32, &mut planted), next(16, &mut planted), next(12, &mut planted));
    write(
        d,
        "env/production/secret.yaml",
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations: {{build-id: {a}}}\nstringData:\n  password: {b}  # \"{c}\"\n  username: app\n"
        ),
    );
    // A flagged env literal between two unflagged high-entropy values.
    let (e1, e2, e3) = (next(40, &mut planted), next(20, &mut planted), next(44, &mut planted));
    write(
        d,
        "env/dev/deploy.yaml",
        &format!(
            "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          env:\n            - {{name: CACHE_KEY_MATERIAL, value: \"{e1}\"}}\n            - {{name: API_TOKEN, value: {e2}}}\n            - {{name: SIGNING_BLOB, value: \"{e3}\"}}\n"
        ),
    );
    // A flagged PEM beside a private JWK in a Go test.
    let (p1, p2, jwk_d, jwk_p) =
        (next(48, &mut planted), next(48, &mut planted), next(43, &mut planted), next(22, &mut planted));
    write(
        d,
        "pkg/auth/keys_test.go",
        &format!(
            "package auth\n\nvar jwk = `{{\"kty\": \"RSA\", \"n\": \"sXch\", \"e\": \"AQAB\", \"d\": \"{jwk_d}\", \"p\": \"{jwk_p}\"}}`\n\nconst pem = `-----BEGIN RSA PRIVATE KEY-----\n{p1}\n{p2}\n-----END RSA PRIVATE KEY-----`\n"
        ),
    );
    // A README with a flagged provider token beside a Fernet key.
    let fernet = format!("{}=", next(43, &mut planted));
    let gh = format!("ghp_{}", next(36, &mut planted));
    write(
        d,
        "docs/README.md",
        &format!("# Setup\n\nAIRFLOW__CORE__FERNET_KEY={fernet}\nexport GITHUB_TOKEN={gh}\nThen run make.\n"),
    );
    // A long minified line holding a token far from the flagged one.
    let (far, near) = (next(30, &mut planted), next(20, &mut planted));
    let filler = "x=1;".repeat(300);
    let near_token = format!("ghp_{near}{}", next(16, &mut planted));
    write(d, "web/app.min.js", &format!("var a=\"{far}\";{filler}var t=\"{near_token}\";\n"));
    // A file that does not parse: no rule saw its values.
    let (u1, u2) = (next(24, &mut planted), next(24, &mut planted));
    write(
        d,
        "env/staging/broken.yaml",
        &format!("kind: Secret\nstringData:\n  token: {u1}\n  key: [unclosed\n  other: {u2}\n"),
    );

    let report = run_check(&CheckOptions { paths: vec![d.to_path_buf()], graph: true, ..Default::default() }).unwrap();
    let rules: std::collections::BTreeSet<&str> = report.findings.iter().map(|f| f.rule).collect();
    for expected in ["inline-secret-value", "env-literal-credential", "parse-error"] {
        assert!(rules.contains(expected), "fixture should trip {expected}: {rules:?}");
    }
    assert!(report.findings.iter().any(|f| f.path == "docs/README.md"), "{:#?}", report.findings);
    assert!(report.findings.iter().any(|f| f.path == "pkg/auth/keys_test.go"), "{:#?}", report.findings);
    assert!(report.findings.iter().any(|f| f.path == "web/app.min.js"), "{:#?}", report.findings);

    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github, Format::Junit, Format::Html] {
        for color in [false, true] {
            let mut out = Vec::new();
            report::write(format, &report, &HumanOptions { color, ..HumanOptions::default() }, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            for secret in &planted {
                // Every 8-character window of a planted value.
                let chars: Vec<char> = secret.chars().collect();
                for w in chars.windows(8) {
                    let frag: String = w.iter().collect();
                    assert!(
                        !text.contains(&frag),
                        "{format:?} (color {color}) leaks `{frag}` of a planted secret:\n{text}"
                    );
                }
            }
            if format == Format::Human {
                assert!(text.lines().all(|l| l.chars().count() < 400), "a frame printed a whole minified line");
            }
        }
    }
}
