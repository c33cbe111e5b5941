//! Rules: metadata, the two rule scopes, and the explicit registry.
//!
//! A native rule lives in one file under a pack folder (`manifests/`, …) holding its docs
//! (What it does / Why is this bad? / Example / Use instead), its check and its pass/fail tests.
//! Adding a rule means adding that file and one line to [`REGISTRY`].

pub mod context;
pub mod external_secrets;
pub mod fixtures;
pub mod helm;
mod keywords;
pub mod manifests;
pub mod meta;
pub mod pack;
pub mod references;
pub mod source;
#[cfg(test)]
pub mod testgen;
#[cfg(test)]
pub mod testing;
pub mod values;
pub mod vault;

pub use context::{DocContext, FileContext, Hit, Hits, ModelContext, ModelHit, ModelHits};

use crate::finding::Severity;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pack {
    Manifests,
    Helm,
    ExternalSecrets,
    Fixtures,
    References,
    Vault,
    Source,
    Meta,
}

impl Pack {
    pub fn as_str(self) -> &'static str {
        match self {
            Pack::Manifests => "manifests",
            Pack::Helm => "helm",
            Pack::ExternalSecrets => "external-secrets",
            Pack::Fixtures => "fixtures",
            Pack::References => "references",
            Pack::Vault => "vault",
            Pack::Source => "source",
            Pack::Meta => "meta",
        }
    }
}

/// Static description of a rule. `docs` is Markdown with the fixed headings; it is what
/// `secretgate explain` prints and what SARIF carries as `help.markdown`.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable kebab-case id, named after the offending pattern.
    pub id: &'static str,
    pub pack: Pack,
    pub severity: Severity,
    /// One line, ends with a period.
    pub summary: &'static str,
    pub docs: &'static str,
}

impl RuleMeta {
    pub fn help_uri(&self) -> String {
        format!("https://secretgate.dev/rules/{}", self.id)
    }
}

/// A rule: it looks at one YAML/JSON document, one file's text, or one environment of the
/// repository model, as its [`Scope`] says.
pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;

    fn scope(&self) -> Scope {
        Scope::Document
    }

    /// Reports hits in one document ([`Scope::Document`] rules).
    fn check(&self, _cx: &DocContext<'_>, _hits: &mut Hits) {}

    /// Reports hits in one file's text ([`Scope::File`] rules): runs on every readable text file,
    /// structured or not.
    fn check_file(&self, _cx: &FileContext<'_>, _hits: &mut Hits) {}

    /// Reports hits in one environment of the repository model ([`Scope::Model`] rules).
    fn check_model(&self, _cx: &ModelContext<'_>, _hits: &mut ModelHits) {}
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Sees one parsed document.
    Document,
    /// Sees the text of one file (any class).
    File,
    /// Sees one environment of the repository model (cross-file rules).
    Model,
    /// Produced by the engine itself (loader errors); has no check of its own.
    Engine,
    /// Produced by `secretgate vault verify` against a running Vault; no static check.
    Live,
}

/// Every native rule, in documentation order. Order also breaks ties when two rules flag the same
/// secret: the earlier, more specific rule wins.
pub static REGISTRY: &[&dyn Rule] = &[
    &manifests::inline_secret_value::InlineSecretValue,
    &manifests::configmap_credential::ConfigmapCredential,
    &manifests::env_literal_credential::EnvLiteralCredential,
    &manifests::secret_generator_literal::SecretGeneratorLiteral,
    &manifests::sealed_secret_forbidden::SealedSecretForbidden,
    &manifests::credential_in_url::CredentialInUrl,
    &manifests::placeholder_credential::PlaceholderCredential,
    &manifests::parse_error::ParseError,
    &helm::helm_render_error::HelmRenderError,
    &helm::create_secret_toggle::CreateSecretToggle,
    &helm::existing_secret_unset::ExistingSecretUnset,
    &helm::helm_random_secret::HelmRandomSecret,
    &helm::no_local_fallback::NoLocalFallback,
    &external_secrets::eso_store_missing::EsoStoreMissing,
    &external_secrets::eso_store_policy::EsoStorePolicy,
    &external_secrets::eso_remote_property::EsoRemoteProperty,
    &external_secrets::eso_refresh_interval::EsoRefreshInterval,
    &external_secrets::eso_template_binding::EsoTemplateBinding,
    &external_secrets::secret_store_provider::SecretStoreProvider,
    &external_secrets::pushsecret_mirror_only::PushsecretMirrorOnly,
    &fixtures::fixture_missing_key::FixtureMissingKey,
    &fixtures::fixture_orphan_key::FixtureOrphanKey,
    &fixtures::fixture_key_naming::FixtureKeyNaming,
    &fixtures::fixture_literal_in_managed_env::FixtureLiteralInManagedEnv,
    &references::secret_ref_unresolved::SecretRefUnresolved,
    &references::secret_key_missing::SecretKeyMissing,
    &references::secret_multiple_owners::SecretMultipleOwners,
    &references::cnpg_role_secret::CnpgRoleSecret,
    &references::dev_only_in_managed_env::DevOnlyInManagedEnv,
    &source::pattern_packs::PatternPacks,
    &vault::vault_policy_overbroad::VaultPolicyOverbroad,
    &vault::vault_role_ttl::VaultRoleTtl,
    &vault::vault_tls_disabled::VaultTlsDisabled,
    &vault::vault_auto_unseal_in_prod::VaultAutoUnsealInProd,
    &vault::vault_root_token_stored::VaultRootTokenStored,
    &vault::vault_dev_server::VaultDevServer,
    &vault::vault_live_missing_key::VaultLiveMissingKey,
    &vault::vault_live_missing_property::VaultLiveMissingProperty,
    &vault::vault_live_placeholder::VaultLivePlaceholder,
    &vault::vault_live_orphan_key::VaultLiveOrphanKey,
    &vault::vault_live_unverifiable::VaultLiveUnverifiable,
    &source::dotenv_credential::DotenvCredential,
    &source::ansible_vault_unencrypted::AnsibleVaultUnencrypted,
    &source::secret_file_permissions::SecretFilePermissions,
    &meta::unused_suppression::UnusedSuppression,
];

pub fn find(id: &str) -> Option<&'static dyn Rule> {
    REGISTRY.iter().copied().find(|r| r.meta().id == id)
}

/// Every rule the binary knows, for listings and reports: the native rules in registry order,
/// then the rules of the declarative packs embedded from `rules/*.yaml`.
pub fn catalog() -> &'static [&'static RuleMeta] {
    static CATALOG: std::sync::LazyLock<Vec<&'static RuleMeta>> = std::sync::LazyLock::new(|| {
        let mut all: Vec<&'static RuleMeta> = REGISTRY.iter().map(|r| r.meta()).collect();
        all.extend(pack::metas());
        all
    });
    &CATALOG
}

/// Looks a rule's metadata up by id, native or declarative.
pub fn meta(id: &str) -> Option<&'static RuleMeta> {
    catalog().iter().copied().find(|m| m.id == id).or_else(|| pack::user_meta(id))
}

/// When two rules flag the same secret, the one with the lower priority wins.
pub fn priority(id: &str) -> usize {
    catalog().iter().position(|m| m.id == id).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod registry_tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_kebab_case() {
        let mut seen = BTreeSet::new();
        for rule in REGISTRY {
            let id = rule.meta().id;
            assert!(seen.insert(id), "duplicate rule id {id}");
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !id.starts_with('-')
                    && !id.ends_with('-'),
                "{id} is not kebab-case"
            );
        }
    }

    #[test]
    fn every_rule_is_documented_with_the_fixed_headings() {
        for rule in REGISTRY {
            let m = rule.meta();
            for heading in ["## What it does", "## Why is this bad?", "## Example", "## Use instead"] {
                assert!(m.docs.contains(heading), "{} docs lack `{heading}`", m.id);
            }
            assert!(m.summary.ends_with('.'), "{} summary must end with a period", m.id);
        }
    }

    /// Every rule file under a pack folder must be registered; catches a file added without its
    /// registry line.
    /// Rule files in every pack folder under `src/rules/` (folder, file name), minus `mod.rs`.
    fn rule_files() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let mut out = Vec::new();
        for folder in std::fs::read_dir(&root).unwrap() {
            let folder = folder.unwrap();
            if !folder.file_type().unwrap().is_dir() {
                continue;
            }
            let fname = folder.file_name().into_string().unwrap();
            for entry in std::fs::read_dir(folder.path()).unwrap() {
                let name = entry.unwrap().file_name().into_string().unwrap();
                if name.ends_with(".rs") && name != "mod.rs" && !NOT_RULES.contains(&name.as_str()) {
                    out.push((fname.clone(), name));
                }
            }
        }
        out
    }

    /// Helper modules inside pack folders that are not rules themselves.
    const NOT_RULES: &[&str] = &["hcl.rs", "common.rs"];

    #[test]
    fn every_rule_file_is_registered() {
        for (folder, name) in rule_files() {
            let id = name.trim_end_matches(".rs").replace('_', "-");
            assert!(find(&id).is_some(), "src/rules/{folder}/{name} defines no registered rule `{id}`");
        }
    }

    /// Each rule's tests register their pass and fail cases here through `RuleTester`; this test
    /// only checks that the per-rule test modules exist by looking for them in the source.
    #[test]
    fn every_rule_has_pass_and_fail_cases() {
        let files = rule_files();
        for rule in REGISTRY {
            let name = format!("{}.rs", rule.meta().id.replace('-', "_"));
            let Some((folder, _)) = files.iter().find(|(_, n)| *n == name) else {
                panic!("no file {name} for rule {} in any pack folder", rule.meta().id);
            };
            let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules").join(folder).join(&name);
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                (text.contains(".pass(") || text.contains("let pass"))
                    && (text.contains(".fail(") || text.contains("let fail")),
                "{} lacks pass/fail cases",
                file.display()
            );
        }
    }
}
