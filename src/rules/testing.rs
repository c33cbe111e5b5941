//! `RuleTester`: pass/fail cases for one rule, run through the real loader.

use std::collections::HashSet;

use crate::discover::FileClass;
use crate::env::EnvInfo;
use crate::source::{Position, SourceFile, yaml};

use super::values::Policy;
use super::{DocContext, FileContext, Hit, Hits, Rule, Scope};

pub struct RuleTester {
    rule: &'static dyn Rule,
    env: EnvInfo,
    class: FileClass,
    repo_files: HashSet<String>,
    /// Path of the case file; file-scope rules read it (classification, file names).
    path: String,
}

/// A hit with the position of its span, for assertions.
#[derive(Debug)]
pub struct Located {
    pub hit: Hit,
    pub start: Position,
    pub text: String,
}

impl RuleTester {
    pub fn new(rule: &'static dyn Rule) -> Self {
        RuleTester {
            rule,
            env: EnvInfo::default(),
            class: FileClass::Manifest,
            repo_files: HashSet::new(),
            path: "case.yaml".into(),
        }
    }

    pub fn managed(mut self, managed: bool) -> Self {
        self.env.managed = managed;
        self.env.envs = vec![if managed { "production" } else { "dev" }.to_string()];
        self
    }

    pub fn class(mut self, class: FileClass) -> Self {
        self.class = class;
        self
    }

    pub fn repo_file(mut self, rel: &str) -> Self {
        self.repo_files.insert(rel.to_string());
        self
    }

    /// Names the case file (relative path) and classifies it the way discovery would; for
    /// file-scope rules, which look at names and classes.
    pub fn path(mut self, rel: &str) -> Self {
        self.path = rel.to_string();
        self.class = crate::discover::classify(rel, &Default::default());
        self
    }

    /// Runs a file-scope rule over the whole of `text`, as the file at [`RuleTester::path`].
    pub fn run_file(&self, text: &str) -> Vec<Located> {
        let file = SourceFile::new(self.path.clone(), text.to_string());
        let policy = Policy::default();
        let cx = FileContext {
            file: &file,
            class: self.class,
            env: &self.env,
            policy: &policy,
            repo_files: &self.repo_files,
        };
        let mut hits = Hits::new(self.rule.meta());
        self.rule.check_file(&cx, &mut hits);
        hits.into_vec().into_iter().map(|hit| locate_hit(&file, hit)).collect()
    }

    /// Runs the rule over every document of `text` (over the whole file for file-scope rules).
    pub fn run(&self, text: &str) -> Vec<Located> {
        if self.rule.scope() == Scope::File {
            return self.run_file(text);
        }
        let file = SourceFile::new(self.path.clone(), text.to_string());
        let loaded = yaml::load(&file);
        assert!(loaded.error.is_none(), "test case does not parse: {:?}\n{text}", loaded.error);
        let policy = Policy::default();
        let mut out = Vec::new();
        for doc in &loaded.documents {
            let cx = DocContext {
                file: &file,
                class: self.class,
                doc,
                env: &self.env,
                policy: &policy,
                repo_files: &self.repo_files,
            };
            let mut hits = Hits::new(self.rule.meta());
            self.rule.check(&cx, &mut hits);
            for hit in hits.into_vec() {
                let secret = hit.secret.map(|s| file.text[s.range()].to_string());
                if let Some(secret) = secret.filter(|s| s.len() >= 3) {
                    assert!(!hit.message.contains(&secret), "message leaks the secret: {}", hit.message);
                    assert!(!hit.identity.contains(&secret), "identity leaks the secret: {}", hit.identity);
                }
                assert!(!hit.identity.is_empty(), "hit without identity: {hit:?}");
                out.push(Located {
                    start: file.position(hit.span.start),
                    text: file.text[hit.span.range()].to_string(),
                    hit,
                });
            }
        }
        out
    }

    /// Every case must produce no hit.
    pub fn pass(&self, cases: &[&str]) -> &Self {
        for case in cases {
            let hits = self.run(case);
            assert!(hits.is_empty(), "{} fired on a pass case:\n{case}\n{hits:#?}", self.rule.meta().id);
        }
        self
    }

    /// Every case must produce at least one hit.
    pub fn fail(&self, cases: &[&str]) -> &Self {
        for case in cases {
            let hits = self.run(case);
            assert!(!hits.is_empty(), "{} missed a fail case:\n{case}", self.rule.meta().id);
        }
        self
    }
}

/// Checks a file-scope hit for leaks the way [`RuleTester::run`] does, and locates it.
fn locate_hit(file: &SourceFile, hit: Hit) -> Located {
    let secret = hit.secret.map(|s| file.text[s.range()].to_string());
    if let Some(secret) = secret.filter(|s| s.len() >= 3) {
        assert!(!hit.message.contains(&secret), "message leaks the secret: {}", hit.message);
        assert!(!hit.identity.contains(&secret), "identity leaks the secret: {}", hit.identity);
    }
    assert!(!hit.identity.is_empty(), "hit without identity: {hit:?}");
    Located { start: file.position(hit.span.start), text: file.text[hit.span.range()].to_string(), hit }
}

/// Pass/fail cases for a model rule: each case is a small repository (path, text) whose
/// environments come from the paths, as in a real scan.
pub struct ModelTester {
    rule: &'static dyn Rule,
    config: crate::config::Config,
}

/// A model hit with its environment and position, for assertions.
#[derive(Debug)]
pub struct ModelLocated {
    pub env: Option<String>,
    pub hit: super::ModelHit,
    pub path: String,
    pub start: Position,
}

impl ModelTester {
    pub fn new(rule: &'static dyn Rule) -> Self {
        ModelTester { rule, config: crate::config::Config::default() }
    }

    pub fn config(mut self, yaml: &str) -> Self {
        #[allow(clippy::unwrap_used)] // test input
        let c = crate::config::Config::parse("test-config", yaml.to_string()).unwrap();
        self.config = c;
        self
    }

    pub fn run(&self, files: &[(&str, &str)]) -> Vec<ModelLocated> {
        use std::collections::BTreeSet;
        use std::sync::Arc;
        let paths: BTreeSet<String> = files.iter().map(|(p, _)| p.to_string()).collect();
        let chart_dirs: BTreeSet<String> =
            paths.iter().filter_map(|p| p.strip_suffix("Chart.yaml")).map(str::to_string).collect();
        let mut raw = Vec::new();
        for (path, text) in files {
            let file = Arc::new(SourceFile::new(path.to_string(), text.to_string()));
            let class = crate::discover::classify(path, &chart_dirs);
            let loaded = yaml::load(&file);
            assert!(loaded.error.is_none(), "test file {path} does not parse: {:?}", loaded.error);
            if let Some(r) = crate::model::RawFile::read(&file, class, &loaded.documents, &self.config) {
                raw.push(r);
            }
        }
        let decls: Vec<crate::gitops::Decl> = raw.iter().flat_map(|r| r.decls.iter().cloned()).collect();
        let mut known: BTreeSet<String> = paths.iter().filter_map(|p| crate::env::env_of(&self.config, p)).collect();
        known.extend(crate::gitops::appset::declared_envs(&decls));
        let texts: std::collections::BTreeMap<&str, &str> = files.iter().copied().collect();
        let read = |p: &str| texts.get(p).map(|t| t.to_string());
        let tree = crate::gitops::Tree {
            files: &paths,
            chart_dirs: &chart_dirs,
            known_envs: &known,
            config: &self.config,
            read: &read,
        };
        let discovery = crate::gitops::discover(&decls, &tree);
        let envs: Vec<String> = known.into_iter().collect();
        let inputs = crate::model::graph::Inputs {
            placement: &discovery.placement,
            releases: &discovery.releases,
            envs: &envs,
            config: &self.config,
            read: &|p: &str| texts.get(p).map(|t| Arc::new(SourceFile::new(p.to_string(), t.to_string()))),
        };
        let model = crate::model::Model::build(raw, Vec::new(), &inputs);
        let mut out = Vec::new();
        for env in &model.envs {
            let cx = super::ModelContext { env, model: &model, releases: &discovery.releases, config: &self.config };
            let mut hits = super::ModelHits::new(self.rule.meta());
            self.rule.check_model(&cx, &mut hits);
            for hit in hits.into_vec() {
                assert!(!hit.identity.is_empty(), "hit without identity: {hit:?}");
                if let Some(s) = hit.secret {
                    let secret = &hit.at.file.text[s.range()];
                    if secret.len() >= 3 {
                        assert!(!hit.message.contains(secret), "message leaks the secret: {}", hit.message);
                    }
                }
                out.push(ModelLocated {
                    env: env.name.clone(),
                    path: hit.at.path().to_string(),
                    start: hit.at.position(),
                    hit,
                });
            }
        }
        out
    }

    /// Every case must produce no hit.
    pub fn pass(&self, cases: &[&[(&str, &str)]]) -> &Self {
        for case in cases {
            let hits = self.run(case);
            assert!(hits.is_empty(), "{} fired on a pass case:\n{case:#?}\n{hits:#?}", self.rule.meta().id);
        }
        self
    }

    /// Every case must produce at least one hit.
    pub fn fail(&self, cases: &[&[(&str, &str)]]) -> &Self {
        for case in cases {
            let hits = self.run(case);
            assert!(!hits.is_empty(), "{} missed a fail case:\n{case:#?}", self.rule.meta().id);
        }
        self
    }
}
