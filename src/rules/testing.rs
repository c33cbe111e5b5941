//! `RuleTester`: pass/fail cases for one rule, run through the real loader.

use std::collections::HashSet;

use crate::discover::FileClass;
use crate::env::EnvInfo;
use crate::source::{Position, SourceFile, yaml};

use super::values::Policy;
use super::{DocContext, Hit, Hits, Rule};

pub struct RuleTester {
    rule: &'static dyn Rule,
    env: EnvInfo,
    class: FileClass,
    repo_files: HashSet<String>,
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
        RuleTester { rule, env: EnvInfo::default(), class: FileClass::Manifest, repo_files: HashSet::new() }
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

    /// Runs the rule over every document of `text`.
    pub fn run(&self, text: &str) -> Vec<Located> {
        let file = SourceFile::new("case.yaml".into(), text.to_string());
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
