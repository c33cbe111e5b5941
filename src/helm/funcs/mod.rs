//! Sprig's function library and Helm's additions, as pure functions over [`Value`].
//!
//! Functions that need the template engine (`include`, `tpl`) or the chart (`.Files`, `lookup`)
//! live with the engine and the chart layer; everything here is a plain function of its
//! arguments plus a seedable random source.
//!
//! Rendering is reproducible: the random functions (`randAlphaNum`, `uuidv4`, `shuffle`, the
//! IV of `encryptAES`, generated keys and certificates) draw from [`FuncEnv::rng_state`], and
//! `now` returns a fixed instant ([`dates::DEFAULT_NOW`], changeable per thread with
//! [`dates::set_now`]) instead of reading the clock. Key and certificate generators and
//! `bcrypt` return well-formed placeholders (see `crypto.rs`). `getHostByName` returns `""`, as
//! `helm template` does without `--enable-dns`.
//!
//! Families: `strings` (and Go's `path`), `lists`, `dicts`, `math`, `defaults`, `encoding`,
//! `reflect`, `regex`, `yaml` (also JSON), `toml`, `semver`, `dates`, `random`, `crypto`,
//! `network` (`getHostByName`, `urlParse`, `urlJoin`); shared Go semantics live in `common`.

use super::value::Value;

pub mod common;
#[cfg(test)]
mod conformance;
mod crypto;
pub mod dates;
mod defaults;
pub mod dicts;
pub mod encoding;
mod lists;
mod math;
mod network;
mod random;
mod reflect;
mod regex;
pub mod semver;
pub mod strings;
mod toml;
pub mod yaml;

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
    let mut out = Vec::new();
    strings::register(&mut out);
    lists::register(&mut out);
    dicts::register(&mut out);
    math::register(&mut out);
    defaults::register(&mut out);
    encoding::register(&mut out);
    reflect::register(&mut out);
    regex::register(&mut out);
    yaml::register(&mut out);
    semver::register(&mut out);
    dates::register(&mut out);
    random::register(&mut out);
    crypto::register(&mut out);
    network::register(&mut out);
    toml::register(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name of Helm v4's function map that is a pure function: sprig v3.3's map minus
    /// `env`/`expandenv` (Helm deletes them) and `fail` (the engine's), plus Helm's additions.
    const HELM_PURE_FUNCTIONS: &[&str] = &[
        "abbrev",
        "abbrevboth",
        "add",
        "add1",
        "add1f",
        "addf",
        "adler32sum",
        "ago",
        "all",
        "any",
        "append",
        "atoi",
        "b32dec",
        "b32enc",
        "b64dec",
        "b64enc",
        "base",
        "bcrypt",
        "biggest",
        "buildCustomCert",
        "camelcase",
        "cat",
        "ceil",
        "chunk",
        "clean",
        "coalesce",
        "compact",
        "concat",
        "contains",
        "date",
        "dateInZone",
        "dateModify",
        "date_in_zone",
        "date_modify",
        "decryptAES",
        "deepCopy",
        "deepEqual",
        "default",
        "derivePassword",
        "dict",
        "dig",
        "dir",
        "div",
        "divf",
        "duration",
        "durationDays",
        "durationHours",
        "durationMicroseconds",
        "durationMilliseconds",
        "durationMinutes",
        "durationNanoseconds",
        "durationRound",
        "durationRoundTo",
        "durationSeconds",
        "durationTruncateTo",
        "durationWeeks",
        "empty",
        "encryptAES",
        "ext",
        "first",
        "float64",
        "floor",
        "fromJson",
        "fromJsonArray",
        "fromToml",
        "fromYaml",
        "fromYamlArray",
        "genCA",
        "genCAWithKey",
        "genPrivateKey",
        "genSelfSignedCert",
        "genSelfSignedCertWithKey",
        "genSignedCert",
        "genSignedCertWithKey",
        "get",
        "getHostByName",
        "has",
        "hasKey",
        "hasPrefix",
        "hasSuffix",
        "hello",
        "htmlDate",
        "htmlDateInZone",
        "htpasswd",
        "indent",
        "initial",
        "initials",
        "int",
        "int64",
        "isAbs",
        "join",
        "kebabcase",
        "keys",
        "kindIs",
        "kindOf",
        "last",
        "list",
        "lower",
        "max",
        "maxf",
        "merge",
        "mergeOverwrite",
        "min",
        "minf",
        "mod",
        "mul",
        "mulf",
        "mustAppend",
        "mustChunk",
        "mustCompact",
        "mustDateModify",
        "mustDeepCopy",
        "mustFirst",
        "mustFromJson",
        "mustHas",
        "mustInitial",
        "mustLast",
        "mustMerge",
        "mustMergeOverwrite",
        "mustPrepend",
        "mustPush",
        "mustRegexFind",
        "mustRegexFindAll",
        "mustRegexMatch",
        "mustRegexReplaceAll",
        "mustRegexReplaceAllLiteral",
        "mustRegexSplit",
        "mustRest",
        "mustReverse",
        "mustSlice",
        "mustToDate",
        "mustToDuration",
        "mustToJson",
        "mustToPrettyJson",
        "mustToRawJson",
        "mustToToml",
        "mustToYaml",
        "mustUniq",
        "mustWithout",
        "must_date_modify",
        "nindent",
        "nospace",
        "now",
        "omit",
        "osBase",
        "osClean",
        "osDir",
        "osExt",
        "osIsAbs",
        "pick",
        "pluck",
        "plural",
        "prepend",
        "push",
        "quote",
        "randAlpha",
        "randAlphaNum",
        "randAscii",
        "randBytes",
        "randInt",
        "randNumeric",
        "regexFind",
        "regexFindAll",
        "regexMatch",
        "regexQuoteMeta",
        "regexReplaceAll",
        "regexReplaceAllLiteral",
        "regexSplit",
        "repeat",
        "replace",
        "rest",
        "reverse",
        "round",
        "semver",
        "semverCompare",
        "seq",
        "set",
        "sha1sum",
        "sha256sum",
        "sha512sum",
        "shuffle",
        "slice",
        "snakecase",
        "sortAlpha",
        "split",
        "splitList",
        "splitn",
        "squote",
        "sub",
        "subf",
        "substr",
        "swapcase",
        "ternary",
        "title",
        "toDate",
        "toDecimal",
        "toJson",
        "toPrettyJson",
        "toRawJson",
        "toString",
        "toStrings",
        "toToml",
        "toYaml",
        "toYamlPretty",
        "trim",
        "trimAll",
        "trimPrefix",
        "trimSuffix",
        "trimall",
        "trunc",
        "tuple",
        "typeIs",
        "typeIsLike",
        "typeOf",
        "uniq",
        "unixEpoch",
        "unset",
        "until",
        "untilStep",
        "untitle",
        "upper",
        "urlJoin",
        "urlParse",
        "uuidv4",
        "values",
        "without",
        "wrap",
        "wrapWith",
    ];

    #[test]
    fn every_helm_function_is_present_once() {
        let all = all();
        let mut names: Vec<&str> = all.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let dupes: Vec<&&str> = names.windows(2).filter(|w| w[0] == w[1]).map(|w| &w[0]).collect();
        assert!(dupes.is_empty(), "registered twice: {dupes:?}");
        let missing: Vec<&&str> = HELM_PURE_FUNCTIONS.iter().filter(|n| !names.contains(n)).collect();
        assert!(missing.is_empty(), "missing: {missing:?}");
        let extra: Vec<&&str> = names.iter().filter(|n| !HELM_PURE_FUNCTIONS.contains(n)).collect();
        assert!(extra.is_empty(), "not in Helm: {extra:?}");
    }

    /// Go functions never crash the renderer (text/template turns panics into errors); ours
    /// must not panic on any argument either.
    #[test]
    fn no_function_panics_on_odd_arguments() {
        use std::collections::BTreeMap;
        let mut m = BTreeMap::new();
        m.insert("k".to_string(), Value::Nil);
        let pool = [
            Value::Nil,
            Value::Bool(true),
            Value::int64(-1),
            Value::int64(i64::MAX),
            Value::int64(i64::MIN),
            Value::Float(f64::NAN),
            Value::Float(-1e300),
            Value::str(""),
            Value::str("a:b é\n"),
            Value::list(vec![Value::Nil, Value::int64(1)]),
            Value::map(m),
        ];
        for (name, f) in all() {
            if name == "derivePassword" {
                continue; // deliberately slow (scrypt); covered by its own tests
            }
            let mut env = FuncEnv::default();
            let _ = f(&mut env, &[]);
            for a in &pool {
                let _ = f(&mut env, std::slice::from_ref(a));
                for b in &pool {
                    let _ = f(&mut env, &[a.clone(), b.clone()]);
                    for c in &pool {
                        let _ = f(&mut env, &[a.clone(), b.clone(), c.clone()]);
                    }
                }
            }
        }
    }
}
