//! What a document rule sees, and what it hands back.

use std::collections::HashSet;

use crate::discover::FileClass;
use crate::env::EnvInfo;
use crate::finding::Severity;
use crate::model::Object;
use crate::source::yaml::Document;
use crate::source::{SourceFile, Span};

use super::RuleMeta;
use super::values::Policy;

pub struct DocContext<'a> {
    pub file: &'a SourceFile,
    pub class: FileClass,
    pub doc: &'a Document,
    pub env: &'a EnvInfo,
    pub policy: &'a Policy,
    /// Relative paths of every file the walk found (after ignores), for rules that ask whether a
    /// referenced file is committed.
    pub repo_files: &'a HashSet<String>,
}

impl<'a> DocContext<'a> {
    /// The Kubernetes objects in this document (`kind: List` items flattened).
    pub fn objects(&self) -> Vec<Object<'a>> {
        Object::all(&self.doc.root)
    }

    /// Text of the file at `span`.
    pub fn text(&self, span: Span) -> &'a str {
        self.file.text.get(span.range()).unwrap_or("")
    }
}

/// What a file rule sees: the whole text of one file.
pub struct FileContext<'a> {
    pub file: &'a SourceFile,
    pub class: FileClass,
    pub env: &'a EnvInfo,
    pub policy: &'a Policy,
    pub repo_files: &'a HashSet<String>,
}

/// One raw result of a rule, before the engine adds positions, environments and a fingerprint.
#[derive(Clone, Debug)]
pub struct Hit {
    pub rule: &'static str,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    /// Stable identity of the offending thing: object identity plus key path.
    pub identity: String,
    /// Where the secret value itself sits, for masking and the keyed fingerprint digest.
    pub secret: Option<Span>,
    /// Overrides the rule's default severity (e.g. stricter in managed environments).
    pub severity: Option<Severity>,
}

/// Collects the hits of one rule.
pub struct Hits {
    meta: &'static RuleMeta,
    pub(crate) hits: Vec<Hit>,
}

impl Hits {
    pub fn new(meta: &'static RuleMeta) -> Self {
        Hits { meta, hits: Vec::new() }
    }

    /// Like [`Hits::report`], for a rule that reports under several ids (a declarative pack).
    pub fn report_as(&mut self, rule: &'static str, span: Span, message: impl Into<String>) -> &mut Hit {
        let hit = self.report(span, message);
        hit.rule = rule;
        hit
    }

    /// Starts a hit at `span`; chain `.identity()`, `.secret()`, `.help()` on the result.
    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Hit {
        self.hits.push(Hit {
            rule: self.meta.id,
            span,
            message: message.into(),
            help: None,
            identity: String::new(),
            secret: None,
            severity: None,
        });
        let last = self.hits.len() - 1;
        &mut self.hits[last]
    }

    pub fn into_vec(self) -> Vec<Hit> {
        self.hits
    }
}

impl Hit {
    pub fn identity(&mut self, id: impl Into<String>) -> &mut Self {
        self.identity = id.into();
        self
    }

    pub fn secret(&mut self, span: Span) -> &mut Self {
        self.secret = Some(span);
        self
    }

    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    pub fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = Some(severity);
        self
    }
}

/// What a model rule sees: one environment of the repository model, and the whole model for
/// rules that compare across environments.
pub struct ModelContext<'a> {
    pub env: &'a crate::model::EnvModel,
    pub model: &'a crate::model::Model,
    pub releases: &'a [crate::gitops::Release],
    pub config: &'a crate::config::Config,
}

impl ModelContext<'_> {
    pub fn policy(&self) -> &Policy {
        &self.config.policy
    }
}

/// One raw result of a model rule: like [`Hit`], but anywhere in the repository.
#[derive(Clone, Debug)]
pub struct ModelHit {
    pub rule: &'static str,
    pub at: crate::model::facts::Loc,
    pub message: String,
    pub help: Option<String>,
    pub identity: String,
    /// Secret material at `at` (a literal fixture value), masked in frames.
    pub secret: Option<Span>,
    pub severity: Option<Severity>,
    pub related: Vec<crate::finding::Related>,
}

/// Collects the hits of one model rule.
pub struct ModelHits {
    meta: &'static RuleMeta,
    pub(crate) hits: Vec<ModelHit>,
}

impl ModelHits {
    pub fn new(meta: &'static RuleMeta) -> Self {
        ModelHits { meta, hits: Vec::new() }
    }

    /// Starts a hit at `at`; chain `.identity()`, `.related()`, `.help()` on the result.
    pub fn report(&mut self, at: &crate::model::facts::Loc, message: impl Into<String>) -> &mut ModelHit {
        self.hits.push(ModelHit {
            rule: self.meta.id,
            at: at.clone(),
            message: message.into(),
            help: None,
            identity: String::new(),
            secret: None,
            severity: None,
            related: Vec::new(),
        });
        let last = self.hits.len() - 1;
        &mut self.hits[last]
    }

    pub fn into_vec(self) -> Vec<ModelHit> {
        self.hits
    }
}

impl ModelHit {
    pub fn identity(&mut self, id: impl Into<String>) -> &mut Self {
        self.identity = id.into();
        self
    }

    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    pub fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = Some(severity);
        self
    }

    pub fn secret(&mut self, span: Span) -> &mut Self {
        self.secret = Some(span);
        self
    }

    /// Adds a related location (what the finding was compared with).
    pub fn related(&mut self, at: &crate::model::facts::Loc, message: impl Into<String>) -> &mut Self {
        let r = at.related(message);
        if !self.related.contains(&r) {
            self.related.push(r);
        }
        self
    }
}
