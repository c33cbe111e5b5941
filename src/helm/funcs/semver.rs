//! `semver` and `semverCompare` with Masterminds/semver v3 semantics (coercing parser,
//! constraint grammar with `^`, `~`, `x` wildcards, hyphen ranges, `,` and `||`).
//!
//! `semver` returns a `*semver.Version` object whose methods (`.Major`, `.Compare`, …) templates
//! can call.

use std::rc::Rc;
use std::sync::OnceLock;

use regex::Regex;

use super::super::value::{GoObject, Value};
use super::common::{arity, str_arg};
use super::regex::compile;
use super::{Func, FuncEnv};

pub(super) fn register(out: &mut Vec<(&'static str, Func)>) {
    out.extend([("semver", semver as Func), ("semverCompare", semver_compare)]);
}

const ERR_INVALID: &str = "invalid semantic version";
const NUM: &str = "0123456789";

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
    pub metadata: String,
    pub original: String,
}

fn loose_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        #[allow(clippy::expect_used)]
        compile(
            r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$",
        )
        .expect("static regex")
    })
}

fn parse_segment(s: &str) -> Result<u64, String> {
    s.parse::<u64>().map_err(|_| {
        format!(
            "error parsing version segment: strconv.ParseUint: parsing {}: value out of range",
            super::strings::go_quote(s)
        )
    })
}

fn validate_prerelease(p: &str) -> Result<(), String> {
    for part in p.split('.') {
        if part.is_empty() {
            return Err("invalid prerelease string".into());
        } else if part.chars().all(|c| NUM.contains(c)) {
            if part.len() > 1 && part.starts_with('0') {
                return Err("version segment starts with 0".into());
            }
        } else if !part.chars().all(allowed) {
            return Err("invalid prerelease string".into());
        }
    }
    Ok(())
}

fn validate_metadata(m: &str) -> Result<(), String> {
    if m.split('.').any(|p| p.is_empty() || !p.chars().all(allowed)) {
        return Err("invalid metadata string".into());
    }
    Ok(())
}

impl Version {
    /// `semver.NewVersion` with `CoerceNewVersion = true` (the library default).
    pub fn parse(v: &str) -> Result<Version, String> {
        let caps = loose_re().captures(v).ok_or(ERR_INVALID)?;
        let get = |i: usize| caps.get(i).map_or("", |m| m.as_str());
        let major = parse_segment(get(1))?;
        let minor = if get(2).is_empty() { 0 } else { parse_segment(get(2).trim_start_matches('.'))? };
        let patch = if get(3).is_empty() { 0 } else { parse_segment(get(3).trim_start_matches('.'))? };
        let pre = get(5).to_string();
        let metadata = get(8).to_string();
        if !pre.is_empty() {
            validate_prerelease(&pre)?;
        }
        if !metadata.is_empty() {
            validate_metadata(&metadata)?;
        }
        Ok(Version { major, minor, patch, pre, metadata, original: v.to_string() })
    }

    pub fn compare(&self, o: &Version) -> i64 {
        for (a, b) in [(self.major, o.major), (self.minor, o.minor), (self.patch, o.patch)] {
            if a != b {
                return if a < b { -1 } else { 1 };
            }
        }
        match (self.pre.is_empty(), o.pre.is_empty()) {
            (true, true) => 0,
            (true, false) => 1,
            (false, true) => -1,
            (false, false) => compare_prerelease(&self.pre, &o.pre),
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

fn compare_prerelease(a: &str, b: &str) -> i64 {
    let sa: Vec<&str> = a.split('.').collect();
    let sb: Vec<&str> = b.split('.').collect();
    for i in 0..sa.len().max(sb.len()) {
        let d = compare_pre_part(sa.get(i).copied().unwrap_or(""), sb.get(i).copied().unwrap_or(""));
        if d != 0 {
            return d;
        }
    }
    0
}

fn compare_pre_part(s: &str, o: &str) -> i64 {
    if s == o {
        return 0;
    }
    if s.is_empty() {
        return -1;
    }
    if o.is_empty() {
        return 1;
    }
    let oi = o.parse::<u64>().ok().filter(|_| o.bytes().all(|b| b.is_ascii_digit()));
    let si = s.parse::<u64>().ok().filter(|_| s.bytes().all(|b| b.is_ascii_digit()));
    match (si, oi) {
        (None, None) => {
            if s > o {
                1
            } else {
                -1
            }
        }
        (Some(_), None) => -1,
        (None, Some(_)) => 1,
        (Some(a), Some(b)) => {
            if a > b {
                1
            } else {
                -1
            }
        }
    }
}

// --- constraints ------------------------------------------------------------------------------

const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

struct Res {
    constraint: Regex,
    range: Regex,
    find: Regex,
    valid: Regex,
}

#[allow(clippy::expect_used)]
fn res() -> &'static Res {
    static RES: OnceLock<Res> = OnceLock::new();
    RES.get_or_init(|| Res {
        constraint: compile(&format!(r"^\s*({OPS})\s*({CV})\s*$")).expect("static regex"),
        range: compile(&format!(r"\s*({CV})\s+-\s+({CV})\s*")).expect("static regex"),
        find: compile(&format!(r"({OPS})\s*({CV})")).expect("static regex"),
        valid: compile(&format!(r"^(\s*({OPS})\s*({CV})\s*)((?:\s+|,\s*)({OPS})\s*({CV})\s*)*$"))
            .expect("static regex"),
    })
}

#[derive(Debug)]
struct Constraint {
    con: Version,
    op: String,
    minor_dirty: bool,
    patch_dirty: bool,
    dirty: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "*" | "X")
}

fn parse_constraint(c: &str) -> Result<Constraint, String> {
    if c.is_empty() {
        return Ok(Constraint {
            con: Version::parse("0.0.0")?,
            op: String::new(),
            minor_dirty: false,
            patch_dirty: false,
            dirty: true,
        });
    }
    let caps =
        res().constraint.captures(c).ok_or_else(|| format!("improper constraint: {}", super::strings::go_quote(c)))?;
    let get = |i: usize| caps.get(i).map_or("", |m| m.as_str());
    let (m3, m4, m5, m6) = (get(3), get(4), get(5), get(6));
    let (mut minor_dirty, mut patch_dirty, mut dirty) = (false, false, false);
    let ver = if is_x(m3) || m3.is_empty() {
        dirty = true;
        format!("0.0.0{m6}")
    } else if is_x(m4.trim_start_matches('.')) || m4.is_empty() {
        minor_dirty = true;
        dirty = true;
        format!("{m3}.0.0{m6}")
    } else if is_x(m5.trim_start_matches('.')) || m5.is_empty() {
        dirty = true;
        patch_dirty = true;
        format!("{m3}{m4}.0{m6}")
    } else {
        get(2).to_string()
    };
    let con = Version::parse(&ver).map_err(|_| "constraint parser error".to_string())?;
    Ok(Constraint { con, op: get(1).to_string(), minor_dirty, patch_dirty, dirty })
}

impl Constraint {
    fn check(&self, v: &Version, include_pre: bool) -> bool {
        if !v.pre.is_empty() && !include_pre {
            return false;
        }
        let c = &self.con;
        match self.op.as_str() {
            "" | "=" => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    v.compare(c) == 0
                }
            }
            "!=" => {
                if self.dirty {
                    if c.major != v.major {
                        return true;
                    }
                    if c.minor != v.minor && !self.minor_dirty {
                        return true;
                    } else if self.minor_dirty {
                        return false;
                    } else if c.patch != v.patch && !self.patch_dirty {
                        return true;
                    } else if self.patch_dirty {
                        if !v.pre.is_empty() || !c.pre.is_empty() {
                            return compare_prerelease(&v.pre, &c.pre) != 0;
                        }
                        return false;
                    }
                }
                v.compare(c) != 0
            }
            ">" => {
                if !self.dirty {
                    return v.compare(c) == 1;
                }
                if v.major > c.major {
                    true
                } else if v.major < c.major || self.minor_dirty {
                    false
                } else if self.patch_dirty {
                    v.minor > c.minor
                } else {
                    v.compare(c) == 1
                }
            }
            "<" => v.compare(c) < 0,
            ">=" | "=>" => v.compare(c) >= 0,
            "<=" | "=<" => {
                if !self.dirty {
                    return v.compare(c) <= 0;
                }
                !(v.major > c.major || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
            }
            "~" | "~>" => self.tilde(v),
            "^" => {
                if v.compare(c) < 0 {
                    return false;
                }
                if c.major > 0 || self.minor_dirty {
                    return v.major == c.major;
                }
                if c.major == 0 && v.major > 0 {
                    return false;
                }
                if c.minor > 0 || self.patch_dirty {
                    return v.minor == c.minor;
                }
                if c.minor == 0 && v.minor > 0 {
                    return false;
                }
                c.patch == v.patch
            }
            _ => false,
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) < 0 {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        if v.major != c.major {
            return false;
        }
        v.minor == c.minor || self.minor_dirty
    }
}

/// `semver.NewConstraint`: alternatives of conjunctions.
pub struct Constraints {
    ors: Vec<(Vec<Constraint>, bool)>,
}

fn rewrite_range(text: &str) -> String {
    let mut out = text.to_string();
    for caps in res().range.captures_iter(text) {
        let (Some(all), Some(a), Some(b)) = (caps.get(0), caps.get(1), caps.get(11)) else { continue };
        out = out.replacen(all.as_str(), &format!(">= {}, <= {} ", a.as_str(), b.as_str()), 1);
    }
    out
}

impl Constraints {
    pub fn parse(text: &str) -> Result<Constraints, String> {
        let text = rewrite_range(text);
        let mut ors = Vec::new();
        for alt in text.split("||") {
            if !res().valid.is_match(alt) {
                return Err(format!("improper constraint: {}", super::strings::go_quote(alt)));
            }
            let found: Vec<&str> = res().find.find_iter(alt).map(|m| m.as_str()).collect();
            let found = if found.is_empty() { vec![alt] } else { found };
            let mut cs = Vec::new();
            let mut has_pre = false;
            for f in found {
                let c = parse_constraint(f)?;
                has_pre |= !c.con.pre.is_empty();
                cs.push(c);
            }
            ors.push((cs, has_pre));
        }
        Ok(Constraints { ors })
    }

    pub fn check(&self, v: &Version) -> bool {
        self.ors.iter().any(|(cs, pre)| cs.iter().all(|c| c.check(v, *pre)))
    }
}

// --- template functions -------------------------------------------------------------------------

#[derive(Debug)]
struct SemverObject(Version);

impl GoObject for SemverObject {
    fn type_name(&self) -> &'static str {
        "*semver.Version"
    }

    fn field(&self, name: &str) -> Option<Value> {
        let v = &self.0;
        Some(match name {
            "Major" => Value::int64(v.major as i64),
            "Minor" => Value::int64(v.minor as i64),
            "Patch" => Value::int64(v.patch as i64),
            "Prerelease" => Value::str(v.pre.as_str()),
            "Metadata" => Value::str(v.metadata.as_str()),
            "Original" => Value::str(v.original.as_str()),
            "String" => Value::str(v.to_string()),
            "\0json" => {
                Value::str(super::yaml::to_json_string(&Value::str(v.to_string()), super::yaml::JSON_COMPACT).ok()?)
            }
            _ => return None,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let other = || -> Result<Version, String> {
            match args.first() {
                Some(Value::Object(o)) if o.type_name() == "*semver.Version" => {
                    Version::parse(&o.display()).map(|mut v| {
                        if let Some(Value::Str(orig)) = o.field("Original") {
                            v.original = orig.to_string();
                        }
                        v
                    })
                }
                Some(other) => {
                    Err(format!("wrong type for value; expected *semver.Version; got {}", other.type_name()))
                }
                None => Err(format!("wrong number of args for {name}: want 1 got 0")),
            }
        };
        let v = &self.0;
        Some(match name {
            "Compare" => other().map(|o| Value::int(v.compare(&o))),
            "LessThan" => other().map(|o| Value::Bool(v.compare(&o) < 0)),
            "LessThanEqual" => other().map(|o| Value::Bool(v.compare(&o) <= 0)),
            "GreaterThan" => other().map(|o| Value::Bool(v.compare(&o) > 0)),
            "GreaterThanEqual" => other().map(|o| Value::Bool(v.compare(&o) >= 0)),
            "Equal" => other().map(|o| Value::Bool(v.compare(&o) == 0)),
            _ => return self.field(name).filter(|_| args.is_empty()).map(Ok),
        })
    }

    fn display(&self) -> String {
        self.0.to_string()
    }
}

fn semver(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("semver", args, 1)?;
    let v = Version::parse(&str_arg(args, 0)?)?;
    Ok(Value::Object(Rc::new(SemverObject(v))))
}

fn semver_compare(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("semverCompare", args, 2)?;
    let c = Constraints::parse(&str_arg(args, 0)?)?;
    let v = Version::parse(&str_arg(args, 1)?)?;
    Ok(Value::Bool(c.check(&v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(c: &str, v: &str) -> Result<bool, String> {
        Ok(Constraints::parse(c)?.check(&Version::parse(v)?))
    }

    #[test]
    fn constraints() {
        let cases: &[(&str, &str, bool)] = &[
            (">=1.20-0", "1.30.0", true),
            (">=1.20-0", "v1.30.0-gke.1", true),
            (">=1.20", "v1.30.0-gke.1", false),
            ("<1.21", "1.20.5", true),
            ("^1.2.3", "1.9.0", true),
            ("^1.2.3", "2.0.0", false),
            ("^0.2.3", "0.2.9", true),
            ("^0.2.3", "0.3.0", false),
            ("~1.2.3", "1.2.9", true),
            ("~1.2.3", "1.3.0", false),
            ("~1", "1.9.0", true),
            ("1.2.x", "1.2.7", true),
            ("1.2.x", "1.3.0", false),
            ("*", "3.0.0", true),
            ("1.1 - 1.3", "1.2.0", true),
            ("1.1 - 1.3", "1.4.0", false),
            (">1.0, <2.0", "1.5.0", true),
            (">1.0 <2.0", "2.5.0", false),
            ("<1.0 || >=3.0", "3.1.0", true),
            ("!=1.2.3", "1.2.3", false),
            ("=1.2.3", "1.2.3+build", true),
            (">= 1.19.0-0", "1.19.0-rc.1", true),
            (">1.2", "1.2.8", false),
            (">1.2", "1.3.0", true),
            ("<=1.2", "1.2.9", true),
        ];
        for (c, v, want) in cases {
            assert_eq!(cmp(c, v).unwrap(), *want, "{c} vs {v}");
        }
        assert_eq!(cmp("x>1", "1.0.0").unwrap_err(), "improper constraint: \"x>1\"");
        assert_eq!(cmp(">1", "abc").unwrap_err(), "invalid semantic version");
    }

    #[test]
    fn versions() {
        let v = Version::parse("v1.2.3-beta.1+abc").unwrap();
        assert_eq!(v.to_string(), "1.2.3-beta.1+abc");
        assert_eq!(Version::parse("1.2").unwrap().to_string(), "1.2.0");
        assert_eq!(Version::parse("01.2.3").unwrap().major, 1);
        assert_eq!(Version::parse("1.2.3-01").unwrap_err(), "version segment starts with 0");
        assert!(Version::parse("1.2.3-alpha").unwrap().compare(&Version::parse("1.2.3-alpha.1").unwrap()) < 0);
        assert!(Version::parse("1.2.3-2").unwrap().compare(&Version::parse("1.2.3-10").unwrap()) < 0);
        assert!(Version::parse("1.2.3-beta").unwrap().compare(&Version::parse("1.2.3-10").unwrap()) > 0);
    }
}
