//! Finds the files to scan: a parallel, ignore-aware walk, then classification.
//!
//! The walk honours `.gitignore` (nested, as git does, inside a git work tree only),
//! `.secretgateignore` and the config's include/exclude globs. It follows symlinks only while
//! they stay inside the root, and reports loops and escapes as notices instead of dropping them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

use crate::config::Config;
use crate::finding::Notice;

pub const IGNORE_FILE: &str = ".secretgateignore";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum FileClass {
    /// A YAML or JSON file: Kubernetes manifests and anything else structured.
    Manifest,
    /// A Helm chart's `Chart.yaml`.
    ChartMeta,
    /// A Helm values file (`values*.yaml`).
    Values,
    /// A Kustomize `kustomization.yaml`.
    Kustomization,
    /// A Helm template (`templates/` of a chart, `*.tpl`): not YAML until rendered.
    HelmTemplate,
    /// Ansible YAML (`group_vars/`, `host_vars/`, `vault.yml`, …).
    Ansible,
    Hcl,
    Dotenv,
    /// Any other file; read by the source pack.
    Other,
}

impl FileClass {
    /// Classes whose content is loaded as YAML/JSON and checked by the manifest pack.
    pub fn is_structured(self) -> bool {
        matches!(
            self,
            FileClass::Manifest
                | FileClass::ChartMeta
                | FileClass::Values
                | FileClass::Kustomization
                | FileClass::Ansible
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FileClass::Manifest => "manifest",
            FileClass::ChartMeta => "chart",
            FileClass::Values => "values",
            FileClass::Kustomization => "kustomization",
            FileClass::HelmTemplate => "helm-template",
            FileClass::Ansible => "ansible",
            FileClass::Hcl => "hcl",
            FileClass::Dotenv => "dotenv",
            FileClass::Other => "other",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Candidate {
    pub abs: PathBuf,
    /// Relative to the scan base, `/`-separated.
    pub rel: String,
    pub class: FileClass,
}

#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<Candidate>,
    pub notices: Vec<Notice>,
}

/// Walks `roots` (files or directories) and returns every candidate, sorted by path.
/// `base` is what paths are reported relative to.
/// `threads` walk in parallel; `no_ignore` also takes the files Git ignore rules would skip
/// (`.gitignore`, `.git/info/exclude`; `.secretgateignore` and the config still apply).
pub fn discover(base: &Path, roots: &[PathBuf], config: &Config, threads: usize, no_ignore: bool) -> Discovered {
    let found: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());
    let notices: Mutex<Vec<Notice>> = Mutex::new(Vec::new());
    let canon_base = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
    let mut git_ignored = 0;

    for root in roots {
        let canon_root = root.canonicalize().unwrap_or_else(|_| root.clone());
        let builder = walker(root, threads, !no_ignore);
        // Asking Git is one fast index read, done while the tree is walked; the metadata walk is
        // the fallback when Git cannot answer inside a work tree.
        let from_git = std::thread::scope(|s| {
            let asking = (!no_ignore).then(|| s.spawn(|| ignored_by_git(root, config, &canon_base, base)));
            builder.build_parallel().run(|| {
                let found = &found;
                let notices = &notices;
                let canon_root = &canon_root;
                let canon_base = &canon_base;
                Box::new(move |entry| {
                    let entry = match entry {
                        Ok(e) => e,
                        Err(err) => {
                            let path = error_path(&err).map(|p| rel_path(canon_base, base, &p)).unwrap_or_default();
                            push(notices, Notice { path, message: format!("not scanned: {}", error_text(&err)) });
                            return WalkState::Continue;
                        }
                    };
                    let Some(ft) = entry.file_type() else { return WalkState::Continue };
                    if entry.path_is_symlink() {
                        // Followed links must stay inside the scanned root.
                        match entry.path().canonicalize() {
                            Ok(target) if target.starts_with(canon_root) => {}
                            Ok(_) => {
                                push(
                                    notices,
                                    Notice {
                                        path: rel_path(canon_base, base, entry.path()),
                                        message: "not scanned: symlink points outside the scanned root".into(),
                                    },
                                );
                                return if ft.is_dir() { WalkState::Skip } else { WalkState::Continue };
                            }
                            Err(e) => {
                                push(
                                    notices,
                                    Notice {
                                        path: rel_path(canon_base, base, entry.path()),
                                        message: format!("not scanned: broken symlink ({e})"),
                                    },
                                );
                                return WalkState::Continue;
                            }
                        }
                    }
                    if !ft.is_file() {
                        return WalkState::Continue;
                    }
                    let rel = rel_path(canon_base, base, entry.path());
                    if config.exclude.is_match(&rel) || config.include.as_ref().is_some_and(|inc| !inc.is_match(&rel)) {
                        return WalkState::Continue;
                    }
                    if let Ok(mut f) = found.lock() {
                        f.push((entry.into_path(), rel));
                    }
                    WalkState::Continue
                })
            });
            asking.and_then(|h| h.join().ok()).flatten()
        });
        let ignored = match (&from_git, no_ignore) {
            (Some(_), _) | (None, true) => Vec::new(),
            (None, false) => git_ignored_files(root, threads, config, &canon_base, base),
        };
        if let Some(git) = from_git
            && let Ok(mut f) = found.lock()
        {
            let taken: BTreeSet<&str> = f.iter().map(|(_, rel)| rel.as_str()).collect();
            let extra: Vec<(PathBuf, String)> =
                git.tracked.into_iter().filter(|(_, rel)| !taken.contains(rel.as_str())).collect();
            git_ignored += git.untracked.iter().filter(|rel| !taken.contains(rel.as_str())).count();
            f.extend(extra);
        }
        // As git does: a tracked file is in the repository whatever `.gitignore` says (it was
        // committed before the rule, or with `git add -f`), so it is scanned.
        if !ignored.is_empty()
            && let Ok(mut f) = found.lock()
        {
            let taken: BTreeSet<&str> = f.iter().map(|(_, rel)| rel.as_str()).collect();
            let tracked = tracked_files(root);
            let mut extra = Vec::new();
            for (abs, rel, in_root) in ignored {
                if taken.contains(rel.as_str()) {
                    continue;
                }
                if tracked.contains(&in_root) {
                    extra.push((abs, rel));
                } else {
                    git_ignored += 1;
                }
            }
            f.extend(extra);
        }
    }

    let mut found = found.into_inner().unwrap_or_default();
    found.sort_by(|a, b| a.1.cmp(&b.1));
    found.dedup_by(|a, b| a.1 == b.1);
    let chart_dirs: BTreeSet<String> = found
        .iter()
        .filter_map(|(_, rel)| {
            rel.strip_suffix("Chart.yaml").filter(|d| d.is_empty() || d.ends_with('/')).map(str::to_string)
        })
        .collect();
    let files = found
        .into_iter()
        .map(|(abs, rel)| {
            let class = classify(&rel, &chart_dirs);
            Candidate { abs, rel, class }
        })
        .collect();
    let mut notices = notices.into_inner().unwrap_or_default();
    notices.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    notices.dedup();
    if git_ignored > 0 {
        notices.push(Notice {
            path: String::new(),
            message: format!(
                "{git_ignored} file{} skipped by Git ignore rules (`--no-ignore` checks them too)",
                if git_ignored == 1 { "" } else { "s" }
            ),
        });
    }
    Discovered { files, notices }
}

fn walker(root: &Path, threads: usize, git_ignores: bool) -> WalkBuilder {
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .git_ignore(git_ignores)
        .git_exclude(git_ignores)
        .git_global(false)
        // As git does: `.gitignore` applies inside a work tree only. A tree copied out of one
        // (an archive, a CI artifact) is scanned whole, ignored-looking files included.
        .require_git(true)
        .parents(true)
        .follow_links(true)
        .threads(threads.max(1))
        .add_custom_ignore_filename(IGNORE_FILE)
        .filter_entry(|e| e.file_name() != ".git");
    builder
}

/// Every regular file under `root` when Git ignore rules are left out (a metadata-only walk):
/// (absolute path, path relative to the scan base, path relative to `root`). Empty outside a
/// Git work tree, where those rules do not apply. The caller keeps what the first walk did not
/// take.
fn git_ignored_files(
    root: &Path,
    threads: usize,
    config: &Config,
    canon_base: &Path,
    base: &Path,
) -> Vec<(PathBuf, String, String)> {
    let in_work_tree = root.canonicalize().ok().is_some_and(|r| r.ancestors().any(|a| a.join(".git").exists()));
    if !in_work_tree || !root.is_dir() {
        return Vec::new();
    }
    let all: Mutex<Vec<(PathBuf, String, String)>> = Mutex::new(Vec::new());
    walker(root, threads, false).build_parallel().run(|| {
        let all = &all;
        Box::new(move |entry| {
            if let Ok(e) = entry
                && e.file_type().is_some_and(|t| t.is_file())
                && !e.path_is_symlink()
            {
                let rel = rel_path(canon_base, base, e.path());
                let in_root = e.path().strip_prefix(root).map(|p| p.to_string_lossy().replace('\\', "/"));
                if let Ok(in_root) = in_root
                    && !config.exclude.is_match(&rel)
                    && config.include.as_ref().is_none_or(|inc| inc.is_match(&rel))
                    && let Ok(mut v) = all.lock()
                {
                    v.push((e.into_path(), rel, in_root));
                }
            }
            WalkState::Continue
        })
    });
    all.into_inner().unwrap_or_default()
}

/// What Git's ignore rules take out of the walk under `root`.
struct GitIgnored {
    /// Tracked files that match an ignore rule: scanned all the same (absolute, relative).
    tracked: Vec<(PathBuf, String)>,
    /// Untracked ignored files (relative), for the count in the notice.
    untracked: Vec<String>,
}

/// Asks Git which files under `root` its ignore rules match, tracked and untracked (`None`
/// outside a work tree, or when Git cannot tell). `.secretgateignore` and the config's
/// include/exclude still apply to tracked files.
fn ignored_by_git(root: &Path, config: &Config, canon_base: &Path, base: &Path) -> Option<GitIgnored> {
    let in_work_tree = root.canonicalize().ok().is_some_and(|r| r.ancestors().any(|a| a.join(".git").exists()));
    if !in_work_tree || !root.is_dir() {
        return None;
    }
    let list = |which: &str| -> Option<Vec<String>> {
        let out = git_stdout(root, &["ls-files", "-z", "--ignored", "--exclude-standard", which])?;
        Some(nul_separated(&out).collect())
    };
    let tracked = list("--cached")?;
    let untracked = list("--others")?;
    let wanted =
        |rel: &str| !config.exclude.is_match(rel) && config.include.as_ref().is_none_or(|inc| inc.is_match(rel));
    let tracked = tracked
        .into_iter()
        .map(|in_root| root.join(in_root))
        .filter(|abs| std::fs::symlink_metadata(abs).is_ok_and(|m| m.is_file()))
        .filter(|abs| !secretgate_ignored(root, abs))
        .map(|abs| {
            let rel = rel_path(canon_base, base, &abs);
            (abs, rel)
        })
        .filter(|(_, rel)| wanted(rel))
        .collect();
    let untracked = untracked.into_iter().map(|in_root| rel_path(canon_base, base, &root.join(in_root))).collect();
    Some(GitIgnored { tracked, untracked })
}

/// Whether a `.secretgateignore` between `root` and `abs` ignores `abs`.
fn secretgate_ignored(root: &Path, abs: &Path) -> bool {
    let mut dir = abs.parent();
    while let Some(d) = dir {
        let file = d.join(IGNORE_FILE);
        if file.is_file() {
            let mut b = ignore::gitignore::GitignoreBuilder::new(d);
            b.add(&file);
            if let Ok(gi) = b.build()
                && gi.matched_path_or_any_parents(abs, false).is_ignore()
            {
                return true;
            }
        }
        if d == root {
            break;
        }
        dir = d.parent();
    }
    false
}

/// Paths (relative to `root`) Git tracks under `root`; empty when `git` cannot tell (not
/// installed, not a real repository).
fn tracked_files(root: &Path) -> BTreeSet<String> {
    git_stdout(root, &["ls-files", "-z", "--cached"]).map_or_else(BTreeSet::new, |out| nul_separated(&out).collect())
}

/// Stdout of `git -C dir ARGS…`, or `None` when Git is missing or fails (its stderr is dropped).
pub(crate) fn git_stdout(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// The records of a `git … -z` listing.
pub(crate) fn nul_separated(out: &[u8]) -> impl Iterator<Item = String> + '_ {
    out.split(|b| *b == 0).filter(|p| !p.is_empty()).map(|p| String::from_utf8_lossy(p).into_owned())
}

fn push(notices: &Mutex<Vec<Notice>>, n: Notice) {
    if let Ok(mut v) = notices.lock() {
        v.push(n);
    }
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

fn error_text(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => error_text(err),
        ignore::Error::Loop { .. } => "symlink loop".to_string(),
        other => other.to_string(),
    }
}

/// Normalises a relative path: drops `.` and empty segments, resolves `..`; `None` when it
/// climbs out of the root.
pub fn normalize(path: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            s => out.push(s),
        }
    }
    Some(out.join("/"))
}

/// `path` relative to the base, `/`-separated.
fn rel_path(canon_base: &Path, base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).ok().or_else(|| path.strip_prefix(canon_base).ok()).unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Classifies a relative path; `chart_dirs` holds every folder (with trailing `/`, or empty for
/// the root) that has a `Chart.yaml`.
pub fn classify(rel: &str, chart_dirs: &BTreeSet<String>) -> FileClass {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let in_chart_templates =
        // Each `templates/` segment of the path, looked up by the folder before it: a handful of
        // set lookups, not one comparison per chart (a tree can hold thousands).
        rel.match_indices("templates/")
            .filter(|(i, _)| *i == 0 || rel.as_bytes()[i - 1] == b'/')
            .any(|(i, _)| chart_dirs.contains(&rel[..i]));
    if in_chart_templates || ext == "tpl" {
        return FileClass::HelmTemplate;
    }
    if name == "Chart.yaml" {
        return FileClass::ChartMeta;
    }
    if lower == ".env" || lower.starts_with(".env.") || ext == "env" {
        return FileClass::Dotenv;
    }
    if matches!(ext, "hcl" | "tf" | "tfvars") {
        return FileClass::Hcl;
    }
    if !matches!(ext, "yaml" | "yml" | "json") {
        return FileClass::Other;
    }
    if matches!(lower.as_str(), "kustomization.yaml" | "kustomization.yml" | "kustomization") {
        return FileClass::Kustomization;
    }
    let segs: Vec<&str> = rel.split('/').collect();
    if segs.iter().any(|s| matches!(*s, "group_vars" | "host_vars")) || lower == "vault.yml" || lower == "vault.yaml" {
        return FileClass::Ansible;
    }
    if lower.starts_with("values") && ext != "json" {
        return FileClass::Values;
    }
    FileClass::Manifest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_paths() {
        assert_eq!(normalize("./a//b/../c").as_deref(), Some("a/c"));
        assert_eq!(normalize("../x"), None);
    }

    #[test]
    fn classification() {
        let charts: BTreeSet<String> = ["charts/db/".to_string()].into();
        assert_eq!(classify("charts/db/templates/secret.yaml", &charts), FileClass::HelmTemplate);
        assert_eq!(classify("charts/db/templates/_helpers.tpl", &charts), FileClass::HelmTemplate);
        assert_eq!(classify("charts/db/Chart.yaml", &charts), FileClass::ChartMeta);
        assert_eq!(classify("charts/db/values-prod.yaml", &charts), FileClass::Values);
        assert_eq!(classify("other/templates/x.yaml", &charts), FileClass::Manifest);
        assert_eq!(classify("app/kustomization.yaml", &charts), FileClass::Kustomization);
        assert_eq!(classify(".env.production", &charts), FileClass::Dotenv);
        assert_eq!(classify("vault/policy.hcl", &charts), FileClass::Hcl);
        assert_eq!(classify("inventory/group_vars/all/vault.yml", &charts), FileClass::Ansible);
        assert_eq!(classify("dash.json", &charts), FileClass::Manifest);
        assert_eq!(classify("README.md", &charts), FileClass::Other);
    }
}
