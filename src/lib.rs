//! secretgate: a CI guardrail for secrets in Kubernetes/GitOps repositories.
//!
//! The pipeline, one module per stage:
//!
//! 1. [`discover`]: parallel, ignore-aware walk; classifies every file.
//!    [`cache`]: with `--staged`/`--since`, what unchanged files told the model last time.
//! 2. [`source`]: loads YAML/JSON into a tree with byte spans on every key and value.
//! 3. [`model`]: typed views (Kubernetes objects) over those trees; [`env`] places each file in
//!    an environment.
//! 4. [`rules`] + [`check`]: every enabled rule runs on every document; hits become findings.
//! 5. [`check`] applies config overrides and allowlists; [`suppress`] inline suppressions and
//!    the baseline.
//! 6. [`report`]: human, JSON, SARIF, GitHub annotations, JUnit.
//!
//! `secretgate vault verify` ([`vault`]) compares the model with a running Vault, read-only.
//!
//! No reporter ever sees a secret's value: findings carry spans and the reporters mask them.

pub mod app;
pub mod cache;
pub mod check;
pub mod cli;
pub mod config;
pub mod discover;
pub mod env;
pub mod finding;
pub mod gitops;
pub mod helm;
pub mod model;
pub mod progress;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod vault;
