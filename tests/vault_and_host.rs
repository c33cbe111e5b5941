//! The `vault` and `source` packs end to end over `testdata/vault-repo/` (a repository that breaks
//! each rule once, and its clean counterpart), and the host audit of `--check-permissions`.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use secretgate::app::{CheckOptions, run_check};
use secretgate::finding::Severity;
use secretgate::report::{self, Format, HumanOptions, Report};

const OURS: &[&str] = &[
    "vault-policy-overbroad",
    "vault-role-ttl",
    "vault-tls-disabled",
    "vault-auto-unseal-in-prod",
    "vault-root-token-stored",
    "vault-dev-server",
    "dotenv-credential",
    "ansible-vault-unencrypted",
    "secret-file-permissions",
    "parse-error",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/vault-repo").join(name)
}

fn check(opts: CheckOptions) -> Report {
    run_check(&opts).unwrap()
}

/// (rule, path, line, column) of the findings of this test's rules.
fn located(report: &Report) -> Vec<(&str, &str, usize, usize)> {
    report
        .findings
        .iter()
        .filter(|f| OURS.contains(&f.rule))
        .map(|f| (f.rule, f.path.as_str(), f.start.line, f.start.column))
        .collect()
}

#[test]
fn every_rule_fires_once_at_its_position() {
    let report = check(CheckOptions { paths: vec![fixture("bad")], ..Default::default() });
    assert_eq!(
        located(&report),
        [
            ("ansible-vault-unencrypted", "ansible/inventory/group_vars/all/vault.yml", 1, 1),
            ("dotenv-credential", "app/.env", 3, 13),
            ("vault-dev-server", "compose/docker-compose.yml", 6, 21),
            ("vault-auto-unseal-in-prod", "env/production/vault/vault.hcl", 1, 1),
            ("vault-tls-disabled", "env/production/vault/vault.hcl", 7, 3),
            ("vault-root-token-stored", "opt/vault/.vault-keys", 1, 1),
            ("vault-role-ttl", "terraform/approle.tf", 5, 3),
            ("vault-role-ttl", "terraform/approle.tf", 6, 3),
            ("vault-role-ttl", "terraform/approle.tf", 7, 3),
            ("vault-policy-overbroad", "vault/policies/admin.hcl", 2, 6),
            ("vault-policy-overbroad", "vault/policies/admin.hcl", 3, 65),
        ]
    );
    // The repository has a production environment: shared files count as managed, so the
    // environment-dependent rules are errors; role TTLs stay warnings.
    for f in &report.findings {
        let want = if f.rule == "vault-role-ttl" { Severity::Warning } else { Severity::Error };
        assert_eq!(f.severity, want, "{}", f.rule);
    }
}

#[test]
fn the_clean_counterpart_has_no_finding() {
    let report = check(CheckOptions { paths: vec![fixture("clean")], ..Default::default() });
    let found: Vec<_> = report.findings.iter().map(|f| (f.rule, &f.path, f.start.line, &f.message)).collect();
    assert!(found.is_empty(), "{found:#?}");
    assert!(report.summary.files >= 7);
}

#[test]
fn no_report_carries_the_synthetic_secrets() {
    let report = check(CheckOptions { paths: vec![fixture("bad")], ..Default::default() });
    for fmt in [Format::Human, Format::Json, Format::Sarif, Format::Github, Format::Junit] {
        let mut out = Vec::new();
        report::write(fmt, &report, &HumanOptions::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for secret in ["FAKE-UNSEAL-KEY", "FAKE-ROOT-TOKEN", "fake-password-for-tests", "fake-db-password-for-tests"] {
            assert!(!text.contains(secret), "{fmt:?} report leaks {secret}");
        }
    }
}

#[test]
fn an_hcl_syntax_error_is_a_positioned_parse_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("policy.hcl"), "path \"secret/*\" {\n  capabilities = [\"read\",\n}\n").unwrap();
    let report = check(CheckOptions { paths: vec![tmp.path().to_path_buf()], ..Default::default() });
    let parse: Vec<_> = located(&report).into_iter().filter(|f| f.0 == "parse-error").collect();
    assert_eq!(parse.len(), 1, "{:#?}", report.findings);
    assert_eq!((parse[0].1, parse[0].2), ("policy.hcl", 3));
}

#[cfg(unix)]
mod host {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// `<tmp>/secrets` (0755) with `aws.env` (0644), `cloudflare.env` (0600) and `vault-password`
    /// (0640): the layout the seed's `audit` command checks.
    fn deployed() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("secrets");
        std::fs::create_dir(&dir).unwrap();
        for (name, mode) in [("aws.env", 0o644), ("cloudflare.env", 0o600), ("vault-password", 0o640)] {
            std::fs::write(dir.join(name), "FAKE=not-a-secret\n").unwrap();
            chmod(&dir.join(name), mode);
        }
        chmod(&dir, 0o755);
        tmp
    }

    #[test]
    fn audit_alone_reports_modes_and_nothing_else() {
        let tmp = deployed();
        let report = check(CheckOptions { check_permissions: Some(tmp.path().join("secrets")), ..Default::default() });
        let got: Vec<_> =
            report.findings.iter().map(|f| (f.rule, f.path.as_str(), f.start.line, f.start.column)).collect();
        assert_eq!(
            got,
            [
                ("secret-file-permissions", "secrets", 1, 1),
                ("secret-file-permissions", "secrets/aws.env", 1, 1),
                ("secret-file-permissions", "secrets/vault-password", 1, 1),
            ]
        );
        assert_eq!(
            report.findings[1].message,
            "secret file has mode 0644 (group-readable, world-readable); expected 0600 or stricter"
        );
        assert_eq!(report.summary.errors, 3);
        // Contents are never read, let alone reported.
        let mut out = Vec::new();
        report::write(Format::Json, &report, &HumanOptions::default(), &mut out).unwrap();
        assert!(!String::from_utf8(out).unwrap().contains("not-a-secret"));
    }

    #[test]
    fn audit_combines_with_the_scan_and_checks_the_owner() {
        let tmp = deployed();
        let dir = tmp.path().join("secrets");
        chmod(&dir.join("aws.env"), 0o600);
        chmod(&dir.join("vault-password"), 0o400);
        chmod(&dir, 0o700);
        let me = secretgate::rules::source::secret_file_permissions::current_uid();
        let clean = check(CheckOptions { check_permissions: Some(dir.clone()), ..Default::default() });
        assert!(clean.findings.is_empty(), "{:#?}", clean.findings);

        let other = me.wrapping_add(1).to_string();
        let report = check(CheckOptions {
            paths: vec![fixture("bad")],
            check_permissions: Some(dir),
            owner: Some(other),
            ..Default::default()
        });
        let owners = report.findings.iter().filter(|f| f.rule == "secret-file-permissions").count();
        assert_eq!(owners, 4, "the folder and its three files have the wrong owner");
        assert!(report.findings.iter().any(|f| f.rule == "vault-tls-disabled"), "the scan ran too");
    }

    #[test]
    fn an_unknown_owner_is_a_usage_error() {
        let tmp = deployed();
        let err = run_check(&CheckOptions {
            check_permissions: Some(tmp.path().join("secrets")),
            owner: Some("no-such-user-here".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("unknown user"), "{err}");
    }
}
