//! Which environment a file belongs to, and whether that environment is managed (strict).

use std::collections::BTreeSet;

use crate::config::Config;

/// Path segments after which the next folder names an environment, whatever its name.
const ENV_PARENTS: &[&str] = &["env", "envs", "environments", "clusters"];
/// Path segments after which the next folder names an environment only when it looks like one:
/// Kustomize overlays are as often components (`overlays/cert-manager/`) as environments.
const MAYBE_ENV_PARENTS: &[&str] = &["overlays"];
/// Words that make a name environment-shaped (`prod`, `staging-eu`, `dev2`, `us-east-prod`).
const ENV_WORDS: &[&str] = &[
    "local",
    "dev",
    "devel",
    "develop",
    "development",
    "test",
    "testing",
    "qa",
    "uat",
    "int",
    "integration",
    "sit",
    "stage",
    "staging",
    "stg",
    "preprod",
    "prod",
    "production",
    "prd",
    "live",
    "sandbox",
    "demo",
    "perf",
    "canary",
    "preview",
    "nonprod",
    "dr",
    "e2e",
    "ci",
];

/// Whether a folder or file-name part names an environment.
pub fn env_shaped(name: &str) -> bool {
    name.to_ascii_lowercase().split(['-', '_', '.']).any(|token| {
        let word = token.trim_end_matches(|c: char| c.is_ascii_digit());
        ENV_WORDS.contains(&word)
    })
}
/// Folder names that mean "shared by every environment", not an environment of their own.
const SHARED_NAMES: &[&str] = &["_shared", "shared", "base", "common", "all", "default", "_base"];

/// The environment facts rules and findings need for one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvInfo {
    /// The environments the file belongs to: one for an environment's own file, every known
    /// environment for a shared file, none when the repository defines no environments.
    pub envs: Vec<String>,
    /// Whether the strict checks apply: the file's environment is managed, or the file is shared
    /// and some environment using it is managed (shared files count as the strictest user).
    pub managed: bool,
    /// The file belongs to no environment of its own (base values, `_shared/`, plain manifests).
    pub shared: bool,
}

/// The environment a folder layout (or the config) names: like [`env_of`] without the
/// `values-<env>.yaml` file-name rule, which makes an environment of one file, not of the
/// repository.
pub fn folder_env_of(config: &Config, rel: &str) -> Option<String> {
    let env = env_of(config, rel)?;
    let file = rel.rsplit('/').next().unwrap_or(rel);
    let from_file_name = file.starts_with("values-") || file.starts_with("values.");
    (!from_file_name || config.environments.iter().any(|e| e.name == env) || rel.split('/').any(|s| s == env))
        .then_some(env)
}

/// Resolves a relative path to an environment name, from the config first, then the defaults.
pub fn env_of(config: &Config, rel: &str) -> Option<String> {
    if let Some(def) = config.environments.iter().find(|e| e.globs.is_match(rel)) {
        return Some(def.name.clone());
    }
    let segments: Vec<&str> = rel.split('/').collect();
    let (dirs, file) = segments.split_at(segments.len().saturating_sub(1));
    for (i, seg) in dirs.iter().enumerate() {
        let Some(name) = dirs.get(i + 1).filter(|n| !SHARED_NAMES.contains(n)) else { continue };
        if ENV_PARENTS.contains(seg) || (MAYBE_ENV_PARENTS.contains(seg) && env_shaped(name)) {
            return Some((*name).to_string());
        }
    }
    let file = file.first().copied().unwrap_or("");
    let stem = file.strip_suffix(".yaml").or_else(|| file.strip_suffix(".yml"))?;
    let name = stem.strip_prefix("values-").or_else(|| stem.strip_prefix("values."))?;
    (!name.is_empty() && !SHARED_NAMES.contains(&name) && env_shaped(name)).then(|| name.to_string())
}

/// All environments of one scan: configured ones plus those found in paths.
#[derive(Debug, Default)]
pub struct Environments {
    pub known: BTreeSet<String>,
    any_managed: bool,
}

impl Environments {
    pub fn new<'a>(config: &Config, found: impl IntoIterator<Item = &'a str>) -> Self {
        let mut known: BTreeSet<String> = config.environments.iter().map(|e| e.name.clone()).collect();
        known.extend(found.into_iter().map(str::to_string));
        let any_managed = known.iter().any(|e| config.is_managed(e));
        Environments { known, any_managed }
    }

    pub fn info(&self, config: &Config, env: Option<&str>) -> EnvInfo {
        match env {
            Some(name) => EnvInfo { envs: vec![name.to_string()], managed: config.is_managed(name), shared: false },
            None => {
                // Strictest first: reporters that show one environment show the managed one.
                let mut envs: Vec<String> = self.known.iter().cloned().collect();
                envs.sort_by_key(|e| !config.is_managed(e));
                EnvInfo { envs, managed: self.any_managed, shared: true }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_layouts() {
        let c = Config::default();
        assert_eq!(env_of(&c, "deploy/env/prod/secret.yaml").as_deref(), Some("prod"));
        assert_eq!(env_of(&c, "sources/values/env/dev/apps/x.yaml").as_deref(), Some("dev"));
        assert_eq!(env_of(&c, "environments/staging/a.yaml").as_deref(), Some("staging"));
        assert_eq!(env_of(&c, "app/overlays/production/kustomization.yaml").as_deref(), Some("production"));
        assert_eq!(env_of(&c, "charts/db/values-staging.yaml").as_deref(), Some("staging"));
        assert_eq!(env_of(&c, "sources/values/_shared/apps/x.yaml"), None);
        assert_eq!(env_of(&c, "environments/_shared/x.yaml"), None);
        assert_eq!(env_of(&c, "charts/db/values.yaml"), None);
        // A file directly under `env/` is not in an environment folder.
        assert_eq!(env_of(&c, "env/README.yaml"), None);
        // Only environment-shaped names count where the layout is ambiguous.
        assert_eq!(env_of(&c, "charts/x/values-2.yaml"), None);
        assert_eq!(env_of(&c, "charts/x/values-ci.yaml").as_deref(), Some("ci"));
        assert_eq!(env_of(&c, "apps/x/overlays/cert-manager/kustomization.yaml"), None);
        assert_eq!(env_of(&c, "apps/x/overlays/prod-eu/kustomization.yaml").as_deref(), Some("prod-eu"));
        assert_eq!(env_of(&c, "clusters/home/apps.yaml").as_deref(), Some("home"));
    }

    #[test]
    fn config_globs_win_and_shared_files_take_the_strictest() {
        let c = Config::parse("c", "environments:\n  qa:\n    paths: ['k8s/qa-*/**']\n".into()).unwrap();
        assert_eq!(env_of(&c, "k8s/qa-1/x.yaml").as_deref(), Some("qa"));
        let envs = Environments::new(&c, ["dev", "production"]);
        let shared = envs.info(&c, None);
        assert_eq!(shared.envs, vec!["production", "dev", "qa"]);
        assert!(shared.managed);
        assert!(!envs.info(&c, Some("dev")).managed);
    }
}
