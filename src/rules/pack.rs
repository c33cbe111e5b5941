//! Declarative rule packs (`rules/*.yaml`): embedded in the binary, extendable from disk.

use super::RuleMeta;

/// Metadata of every rule in the embedded packs.
pub fn metas() -> Vec<&'static RuleMeta> {
    Vec::new()
}
