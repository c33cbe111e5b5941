//! Sprig's function library and Helm's additions, as pure functions over [`Value`].
//!
//! Functions that need the template engine (`include`, `tpl`) or the chart (`.Files`, `lookup`)
//! live with the engine and the chart layer; everything here is a plain function of its
//! arguments plus a seedable random source.

use super::value::Value;

/// State shared by the functions of one render: a deterministic random source (seedable so that
/// `randAlphaNum` and friends render reproducibly).
#[derive(Debug, Clone)]
pub struct FuncEnv {
    pub rng_state: u64,
}

impl Default for FuncEnv {
    fn default() -> Self {
        FuncEnv { rng_state: 0x5eed_5eed_5eed_5eed }
    }
}

/// A template function. Errors are the message Go would put after `error calling NAME: `.
pub type Func = fn(&mut FuncEnv, &[Value]) -> Result<Value, String>;

/// Every pure function, by template name.
pub fn all() -> Vec<(&'static str, Func)> {
    Vec::new()
}
