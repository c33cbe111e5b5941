//! Helm's serialisation functions: `toYaml`/`fromYaml` (sigs.k8s.io/yaml over go-yaml v2),
//! `toJson`/`fromJson` (Go's encoding/json), `toYamlPretty` (go-yaml v3) and sprig's JSON
//! variants, plus [`parse_yaml`], the loader Helm uses for values files.
//!
//! `toYaml` is a JSON round trip: the value is JSON-encoded (sorted keys, Go float text), the
//! JSON is decoded by go-yaml v2 (numbers become int/uint/float by YAML 1.1 rules) and that is
//! emitted by go-yaml v2's emitter. We reproduce each step: the emitter below follows libyaml's
//! state machine (`yaml_emitter_*` in emitterc.go) for the block styles and scalar styles the
//! encoder can produce, including 80-column folding of long plain and quoted scalars.

use std::collections::BTreeMap;

use super::super::value::Value;
use super::common::{
    arity, format_float_e, format_float_f, format_float_g, format_float32_g, lossy, parse_go_float, parse_go_int,
    parse_go_uint_base0, str_arg,
};
use super::dicts::MAX_NESTING;
use super::encoding::base64_decode;
use super::{Func, FuncEnv};
use crate::source::yaml as src;

pub(super) fn register(out: &mut Vec<(&'static str, Func)>) {
    out.extend([
        ("toYaml", to_yaml as Func),
        ("mustToYaml", must_to_yaml),
        ("toYamlPretty", to_yaml_pretty),
        ("fromYaml", from_yaml),
        ("fromYamlArray", from_yaml_array),
        ("toJson", to_json),
        ("mustToJson", must_to_json),
        ("fromJson", from_json),
        ("fromJsonArray", from_json_array),
        ("mustFromJson", must_from_json),
        ("toPrettyJson", to_pretty_json),
        ("mustToPrettyJson", must_to_pretty_json),
        ("toRawJson", to_raw_json),
        ("mustToRawJson", to_raw_json),
    ]);
}

// =============================================================================================
// JSON encoding (Go's encoding/json).

#[derive(Clone, Copy)]
pub struct JsonStyle {
    pub escape_html: bool,
    /// `MarshalIndent(v, "", indent)`.
    pub indent: Option<&'static str>,
}

pub const JSON_COMPACT: JsonStyle = JsonStyle { escape_html: true, indent: None };

/// Go's float encoding in encoding/json: `%f`-like between 1e-6 and 1e21, exponent otherwise,
/// with `e-07` shortened to `e-7`.
pub fn json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format_float_e(f);
        // clean up e-09 to e-9
        let b = s.as_bytes();
        let n = b.len();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            return format!("{}{}", &s[..n - 2], &s[n - 1..]);
        }
        return s;
    }
    format_float_f(f)
}

fn json_string(out: &mut String, s: &str, escape_html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `json.Marshal` (or `MarshalIndent`) of a template value.
pub fn to_json_string(v: &Value, style: JsonStyle) -> Result<String, String> {
    let mut out = String::new();
    write_json(&mut out, v, style, 0)?;
    Ok(out)
}

fn json_newline(out: &mut String, style: JsonStyle, depth: usize) {
    if let Some(ind) = style.indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(ind);
        }
    }
}

fn write_json(out: &mut String, v: &Value, style: JsonStyle, depth: usize) -> Result<(), String> {
    if depth > MAX_NESTING {
        return Err(format!("json: unsupported value: encountered a cycle via {}", v.type_name()));
    }
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _) => out.push_str(&i.to_string()),
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(format!("json: unsupported value: {}", format_float_g(*f)));
            }
            out.push_str(&json_float(*f));
        }
        Value::Str(s) => json_string(out, s, style.escape_html),
        Value::List(l) => {
            if l.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_newline(out, style, depth + 1);
                write_json(out, item, style, depth + 1)?;
            }
            json_newline(out, style, depth);
            out.push(']');
        }
        Value::Map(m) => {
            let m = m.borrow();
            if m.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_newline(out, style, depth + 1);
                json_string(out, k, style.escape_html);
                out.push(':');
                if style.indent.is_some() {
                    out.push(' ');
                }
                write_json(out, item, style, depth + 1)?;
            }
            json_newline(out, style, depth);
            out.push('}');
        }
        Value::Object(o) => match o.field("\0json") {
            Some(Value::Str(s)) => out.push_str(&s),
            _ => json_string(out, &o.display(), style.escape_html),
        },
    }
    Ok(())
}

fn to_json(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("toJson", args, 1)?;
    Ok(Value::str(to_json_string(&args[0], JSON_COMPACT).unwrap_or_default()))
}

fn must_to_json(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("mustToJson", args, 1)?;
    Ok(Value::str(to_json_string(&args[0], JSON_COMPACT)?))
}

const JSON_PRETTY: JsonStyle = JsonStyle { escape_html: true, indent: Some("  ") };

fn to_pretty_json(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("toPrettyJson", args, 1)?;
    Ok(Value::str(to_json_string(&args[0], JSON_PRETTY).unwrap_or_default()))
}

fn must_to_pretty_json(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("mustToPrettyJson", args, 1)?;
    Ok(Value::str(to_json_string(&args[0], JSON_PRETTY)?))
}

fn to_raw_json(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("toRawJson", args, 1)?;
    Ok(Value::str(to_json_string(&args[0], JsonStyle { escape_html: false, indent: None })?))
}

// =============================================================================================
// JSON decoding (Go's encoding/json into interface{}: numbers are float64).

struct JsonParser<'a> {
    b: &'a [u8],
    i: usize,
}

/// Go's `quoteChar` for scanner errors.
fn quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        '"' => "'\"'".into(),
        c => {
            let q = super::strings::go_quote(&c.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

impl JsonParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn err_here(&self, context: &str) -> String {
        match std::str::from_utf8(&self.b[self.i..]).ok().and_then(|s| s.chars().next()) {
            None => "unexpected end of JSON input".into(),
            Some(c) => format!("invalid character {} {context}", quote_char(c)),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        self.skip_ws();
        // Go stops at 10000 levels; we stop earlier to stay within small thread stacks.
        if depth > MAX_NESTING {
            return Err("exceeded max depth".into());
        }
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                let mut m = BTreeMap::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Value::map(m));
                }
                loop {
                    self.skip_ws();
                    if self.peek() != Some(b'"') {
                        return Err(self.err_here("looking for beginning of object key string"));
                    }
                    let k = self.string()?;
                    self.skip_ws();
                    if self.peek() != Some(b':') {
                        return Err(self.err_here("after object key"));
                    }
                    self.i += 1;
                    let v = self.value(depth + 1)?;
                    m.insert(k, v);
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Value::map(m));
                        }
                        _ => return Err(self.err_here("after object key:value pair")),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut l = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Value::list(l));
                }
                loop {
                    l.push(self.value(depth + 1)?);
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::list(l));
                        }
                        _ => return Err(self.err_here("after array element")),
                    }
                }
            }
            Some(b'"') => Ok(Value::str(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Nil),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.err_here("looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        for (k, expected) in word.bytes().enumerate() {
            match self.peek() {
                Some(c) if c == expected => self.i += 1,
                _ => {
                    if k == 0 {
                        return Err(self.err_here("looking for beginning of value"));
                    }
                    return Err(
                        self.err_here(&format!("in literal {word} (expecting {})", quote_char(char::from(expected))))
                    );
                }
            }
        }
        Ok(v)
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.i += 1;
                }
            }
            _ => return Err(self.err_here("in numeric literal")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err_here("after decimal point in numeric literal"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err_here("in exponent of numeric literal"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("0");
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => Err(format!("json: cannot unmarshal number {text} into Go value of type float64")),
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(c) = self.peek() else {
                return Err("unexpected end of JSON input".into());
            };
            let d = char::from(c).to_digit(16).ok_or_else(|| self.err_here("in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err("unexpected end of JSON input".into());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(lossy(&out));
                }
                b'\\' => {
                    self.i += 1;
                    let Some(e) = self.peek() else {
                        return Err("unexpected end of JSON input".into());
                    };
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            if (0xD800..0xDC00).contains(&hi)
                                && self.b.get(self.i) == Some(&b'\\')
                                && self.b.get(self.i + 1) == Some(&b'u')
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                        .unwrap_or('\u{FFFD}')
                                } else {
                                    self.i = save;
                                    '\u{FFFD}'
                                }
                            } else {
                                char::from_u32(hi).unwrap_or('\u{FFFD}')
                            }
                        }
                        other => {
                            let c = std::str::from_utf8(&self.b[self.i - 1..]).ok().and_then(|s| s.chars().next());
                            let _ = other;
                            return Err(format!("invalid escape sequence `\\{}` in string", c.unwrap_or('?')));
                        }
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c if c < 0x20 => return Err(self.err_here("in string literal")),
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }
}

/// `json.Unmarshal` into `interface{}`.
pub fn parse_json(text: &str) -> Result<Value, String> {
    let mut p = JsonParser { b: text.as_bytes(), i: 0 };
    p.skip_ws();
    if p.peek().is_none() {
        return Err("unexpected end of JSON input".into());
    }
    let v = p.value(0)?;
    p.skip_ws();
    if p.peek().is_some() {
        return Err(p.err_here("after top-level value"));
    }
    Ok(v)
}

/// The JSON kind Go's `encoding/json` names in "cannot unmarshal X into …" errors.
pub fn go_kind_word(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "array",
        Value::Map(_) => "object",
        Value::Str(_) => "string",
        Value::Bool(_) => "bool",
        _ => "number",
    }
}

fn error_map(msg: String) -> Value {
    let mut m = BTreeMap::new();
    m.insert("Error".to_string(), Value::str(msg));
    Value::map(m)
}

fn from_json(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("fromJson", args, 1)?;
    Ok(decoded_map(parse_json(&str_arg(args, 0)?), "", go_kind_word))
}

fn from_json_array(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("fromJsonArray", args, 1)?;
    Ok(decoded_list(parse_json(&str_arg(args, 0)?), "", go_kind_word))
}

/// `fromJson`/`fromYaml`: the map, `{}` for null, else Helm's `{"Error": …}` with Go's message.
fn decoded_map(parsed: Result<Value, String>, prefix: &str, kind: fn(&Value) -> &'static str) -> Value {
    match parsed {
        Ok(v @ Value::Map(_)) => v,
        Ok(Value::Nil) => Value::empty_map(),
        Ok(other) => error_map(format!(
            "{prefix}json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            kind(&other)
        )),
        Err(e) => error_map(e),
    }
}

/// `fromJsonArray`/`fromYamlArray`: the list, `[]` for null, else a one-item list with the error.
fn decoded_list(parsed: Result<Value, String>, prefix: &str, kind: fn(&Value) -> &'static str) -> Value {
    match parsed {
        Ok(v @ Value::List(_)) => v,
        Ok(Value::Nil) => Value::list(Vec::new()),
        Ok(other) => Value::list(vec![Value::str(format!(
            "{prefix}json: cannot unmarshal {} into Go value of type []interface {{}}",
            kind(&other)
        ))]),
        Err(e) => Value::list(vec![Value::str(e)]),
    }
}

fn must_from_json(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("mustFromJson", args, 1)?;
    parse_json(&str_arg(args, 0)?)
}

// =============================================================================================
// YAML 1.1 scalar resolution (go-yaml v2 `resolve`).

/// What a plain scalar resolves to.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// Looks like a timestamp: decoded as a string, but quoted on output.
    Timestamp,
    Str,
}

fn yaml_style_float(s: &str) -> bool {
    // ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// go-yaml v2's `parseTimestamp`: the four layouts it tries with `time.Parse`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut i = 5;
    let num = |i: &mut usize, max: usize| -> Option<u32> {
        let st = *i;
        while *i < b.len() && *i - st < max && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == st { None } else { std::str::from_utf8(&b[st..*i]).ok()?.parse().ok() }
    };
    let year: i64 = s[..4].parse().unwrap_or(0);
    let Some(month) = num(&mut i, 2) else { return false };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(day) = num(&mut i, 2) else { return false };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let sep = b[i];
    if !matches!(sep, b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    let (Some(h), true) = (num(&mut i, 2), b.get(i) == Some(&b':')) else { return false };
    i += 1;
    let (Some(m), true) = (num(&mut i, 2), b.get(i) == Some(&b':')) else { return false };
    i += 1;
    let Some(sec) = num(&mut i, 2) else { return false };
    if h > 23 || m > 59 || sec > 59 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let st = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == st {
            return false;
        }
    }
    if sep == b' ' {
        return i == b.len();
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let z = &b[i + 1..];
            z.len() == 5
                && z[..2].iter().all(u8::is_ascii_digit)
                && z[2] == b':'
                && z[3..].iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

/// go-yaml v2 `resolve("", s)` for a plain scalar.
pub fn resolve_plain(s: &str) -> Resolved {
    let hint = s.as_bytes().first().copied();
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false);
        }
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    match hint {
        Some(b'.') => match parse_go_float(s) {
            Some(f) => Resolved::Float(f),
            None => Resolved::Str,
        },
        Some(b'0'..=b'9' | b'+' | b'-') => {
            if is_timestamp(s) {
                return Resolved::Timestamp;
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if let Some(i) = parse_go_int(&plain) {
                return Resolved::Int(i);
            }
            if let Some(u) = parse_go_uint_base0(&plain) {
                return Resolved::Uint(u);
            }
            if yaml_style_float(&plain)
                && let Ok(f) = plain.parse::<f64>()
            {
                return Resolved::Float(f);
            }
            Resolved::Str
        }
        _ => Resolved::Str,
    }
}

// =============================================================================================
// YAML loading with sigs.k8s.io/yaml semantics.

/// An intermediate go-yaml v2 value (`interface{}` after `yaml.Unmarshal`).
#[derive(Clone, Debug)]
enum YVal {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<YVal>),
    Map(Vec<(YVal, YVal)>),
}

fn short_tag(tag: &str) -> String {
    // saphyr prints resolved tags as `<prefix>!<suffix>`.
    if let Some(rest) = tag.strip_prefix("tag:yaml.org,2002:!") {
        return format!("!!{rest}");
    }
    if let Some(rest) = tag.strip_prefix("tag:yaml.org,2002:") {
        return format!("!!{rest}");
    }
    if let Some(rest) = tag.strip_prefix("!!!") {
        return format!("!!{rest}");
    }
    tag.to_string()
}

fn resolved_to_yval(r: Resolved, text: &str) -> YVal {
    match r {
        Resolved::Null => YVal::Null,
        Resolved::Bool(b) => YVal::Bool(b),
        Resolved::Int(i) => YVal::Int(i),
        Resolved::Uint(u) => YVal::Uint(u),
        Resolved::Float(f) => YVal::Float(f),
        Resolved::Timestamp | Resolved::Str => YVal::Str(text.to_string()),
    }
}

fn resolved_tag_name(r: &Resolved) -> &'static str {
    match r {
        Resolved::Null => "!!null",
        Resolved::Bool(_) => "!!bool",
        Resolved::Int(_) | Resolved::Uint(_) => "!!int",
        Resolved::Float(_) => "!!float",
        Resolved::Timestamp => "!!timestamp",
        Resolved::Str => "!!str",
    }
}

fn scalar_to_yval(sc: &src::Scalar, tag: Option<&str>) -> Result<YVal, String> {
    let tag = tag.map(short_tag);
    match tag.as_deref() {
        None if sc.style != src::Style::Plain => Ok(YVal::Str(sc.text.clone())),
        None | Some("!!merge") => Ok(resolved_to_yval(resolve_plain(&sc.text), &sc.text)),
        Some("!!str") => Ok(YVal::Str(sc.text.clone())),
        Some("!!binary") => base64_decode(&sc.text)
            .map(|b| YVal::Str(lossy(&b)))
            .map_err(|_| "yaml: !!binary value contains invalid base64 data".to_string()),
        Some(t @ ("!!int" | "!!float" | "!!bool" | "!!null" | "!!timestamp")) => {
            let r = resolve_plain(&sc.text);
            let got = resolved_tag_name(&r);
            if got == t || (t == "!!timestamp" && got == "!!timestamp") {
                return Ok(resolved_to_yval(r, &sc.text));
            }
            if t == "!!float" {
                match r {
                    Resolved::Int(i) => return Ok(YVal::Float(i as f64)),
                    Resolved::Uint(u) => return Ok(YVal::Float(u as f64)),
                    _ => {}
                }
            }
            Err(format!("yaml: cannot decode {got} `{}` as a {t}", sc.text))
        }
        // Tags go-yaml cannot resolve leave the text as it is.
        Some(_) => Ok(YVal::Str(sc.text.clone())),
    }
}

fn is_merge_key(n: &src::Node) -> bool {
    match &n.value {
        src::Value::Scalar(sc) => {
            sc.text == "<<"
                && ((sc.style == src::Style::Plain && n.tag.is_none())
                    || n.tag.as_deref().map(short_tag).as_deref() == Some("!!merge"))
        }
        _ => false,
    }
}

fn node_to_yval(n: &src::Node, depth: usize) -> Result<YVal, String> {
    if depth > src::MAX_DEPTH {
        return Err("yaml: exceeded max depth".into());
    }
    match &n.value {
        src::Value::Scalar(sc) => scalar_to_yval(sc, n.tag.as_deref()),
        src::Value::Seq(items) => {
            Ok(YVal::Seq(items.iter().map(|i| node_to_yval(i, depth + 1)).collect::<Result<_, _>>()?))
        }
        src::Value::Map(entries) => {
            let mut out: Vec<(YVal, YVal)> = Vec::new();
            let set = |out: &mut Vec<(YVal, YVal)>, k: YVal, v: YVal| {
                // Later keys replace earlier ones, as assigning into a Go map does.
                if let Some(slot) = out.iter_mut().find(|(ek, _)| yval_key_eq(ek, &k)) {
                    slot.1 = v;
                } else {
                    out.push((k, v));
                }
            };
            for e in entries {
                if is_merge_key(&e.key) {
                    let merged: Vec<&src::Node> = match &e.value.value {
                        src::Value::Map(_) => vec![&e.value],
                        // Earlier mappings in a merge sequence take precedence.
                        src::Value::Seq(items) => items.iter().rev().collect(),
                        _ => return Err("yaml: map merge requires map or sequence of maps as the value".into()),
                    };
                    for m in merged {
                        match node_to_yval(m, depth + 1)? {
                            YVal::Map(pairs) => {
                                for (k, v) in pairs {
                                    set(&mut out, k, v);
                                }
                            }
                            _ => return Err("yaml: map merge requires map or sequence of maps as the value".into()),
                        }
                    }
                    continue;
                }
                let k = node_to_yval(&e.key, depth + 1)?;
                if matches!(k, YVal::Seq(_) | YVal::Map(_)) {
                    return Err("yaml: invalid map key".into());
                }
                let v = node_to_yval(&e.value, depth + 1)?;
                set(&mut out, k, v);
            }
            Ok(YVal::Map(out))
        }
    }
}

fn yval_key_eq(a: &YVal, b: &YVal) -> bool {
    match (a, b) {
        (YVal::Null, YVal::Null) => true,
        (YVal::Bool(x), YVal::Bool(y)) => x == y,
        (YVal::Int(x), YVal::Int(y)) => x == y,
        (YVal::Uint(x), YVal::Uint(y)) => x == y,
        (YVal::Float(x), YVal::Float(y)) => x == y,
        (YVal::Str(x), YVal::Str(y)) => x == y,
        _ => false,
    }
}

/// sigs.k8s.io/yaml's JSON conversion, then `json.Unmarshal` into `interface{}`.
fn yval_to_value(v: YVal) -> Result<Value, String> {
    Ok(match v {
        YVal::Null => Value::Nil,
        YVal::Bool(b) => Value::Bool(b),
        YVal::Int(i) => Value::Float(i as f64),
        YVal::Uint(u) => Value::Float(u as f64),
        YVal::Float(f) => {
            if !f.is_finite() {
                return Err(format!("json: unsupported value: {}", format_float_g(f)));
            }
            Value::Float(f)
        }
        YVal::Str(s) => Value::str(s),
        YVal::Seq(items) => Value::list(items.into_iter().map(yval_to_value).collect::<Result<_, _>>()?),
        YVal::Map(pairs) => {
            let mut m = BTreeMap::new();
            for (k, v) in pairs {
                let key = match &k {
                    YVal::Str(s) => s.clone(),
                    YVal::Int(i) => i.to_string(),
                    YVal::Float(f) => match format_float32_g(*f).as_str() {
                        "+Inf" => ".inf".into(),
                        "-Inf" => "-.inf".into(),
                        "NaN" => ".nan".into(),
                        s => s.to_string(),
                    },
                    YVal::Bool(b) => b.to_string(),
                    YVal::Uint(u) => {
                        return Err(format!(
                            "unsupported map key of type: uint64, key: 0x{u:x}, value: {}",
                            go_syntax(&v)
                        ));
                    }
                    YVal::Null | YVal::Seq(_) | YVal::Map(_) => {
                        return Err(format!(
                            "unsupported map key of type: %!s(<nil>), key: <nil>, value: {}",
                            go_syntax(&v)
                        ));
                    }
                };
                m.insert(key, yval_to_value(v)?);
            }
            Value::map(m)
        }
    })
}

/// Go's `%+#v` for the values go-yaml produces, as sigs.k8s.io/yaml puts them in errors.
fn go_syntax(v: &YVal) -> String {
    match v {
        YVal::Null => "<nil>".into(),
        YVal::Bool(b) => b.to_string(),
        YVal::Int(i) => i.to_string(),
        YVal::Uint(u) => format!("0x{u:x}"),
        YVal::Float(f) => format_float_g(*f),
        YVal::Str(s) => super::strings::go_quote(s),
        YVal::Seq(items) => {
            format!("[]interface {{}}{{{}}}", items.iter().map(go_syntax).collect::<Vec<_>>().join(", "))
        }
        YVal::Map(pairs) => format!(
            "map[interface {{}}]interface {{}}{{{}}}",
            pairs.iter().map(|(k, x)| format!("{}:{}", go_syntax(k), go_syntax(x))).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// go-yaml v2's error text for a load error: `yaml: line N: message`, with its quirks: lines
/// are 0-based marks, scanner errors add one, parser errors do not, and an error on the first
/// line has no line at all. Whether saphyr's error is a scanner or a parser error is guessed from
/// its wording (the common messages are worded alike in both libraries).
fn go_yaml_error(text: &str, e: &src::LoadError) -> String {
    let offset = e.offset.min(text.len());
    let mut line0 = text.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count();
    // go-yaml forces a final line break before the end of the stream.
    if offset == text.len() && !text.is_empty() && !text.ends_with('\n') {
        line0 += 1;
    }
    let parser_error = e.message.starts_with("did not find expected") || e.message.contains("while parsing");
    let line = match (line0, parser_error) {
        (0, _) => 0,
        (l, true) => l,
        (l, false) => l + 1,
    };
    if line == 0 { format!("yaml: {}", e.message) } else { format!("yaml: line {line}: {}", e.message) }
}

fn load_first(text: &str) -> Result<Option<YVal>, String> {
    let loaded = src::load_str(text);
    match (loaded.documents.into_iter().next(), loaded.error) {
        (Some(doc), _) => node_to_yval(&doc.root, 0).map(Some),
        (None, Some(e)) => Err(go_yaml_error(text, &e)),
        (None, None) => Ok(None),
    }
}

/// Parses the first YAML document the way Helm reads values files and `fromYaml` reads its
/// argument (sigs.k8s.io/yaml `Unmarshal`): YAML 1.1 scalars (`yes`/`on`/`y` are booleans),
/// every number a float64, non-string keys turned into strings (`y:` becomes `"true"`),
/// merge keys applied, later duplicate keys winning. An empty document is `Nil`.
///
/// Errors carry the text Helm would put after `error converting YAML to JSON: ` or
/// `error unmarshaling JSON: `; parse errors are worded by our YAML parser, not go-yaml.
pub fn parse_yaml(text: &str) -> Result<Value, String> {
    match load_first(text) {
        Ok(Some(v)) => yval_to_value(v).map_err(|e| format!("error converting YAML to JSON: {e}")),
        Ok(None) => Ok(Value::Nil),
        Err(e) => Err(format!("error converting YAML to JSON: {e}")),
    }
}

/// Every document of a YAML stream, each converted like [`parse_yaml`].
pub fn parse_yaml_all(text: &str) -> Result<Vec<Value>, String> {
    let loaded = src::load_str(text);
    let mut out = Vec::new();
    for doc in &loaded.documents {
        let v = node_to_yval(&doc.root, 0).map_err(|e| format!("error converting YAML to JSON: {e}"))?;
        out.push(yval_to_value(v).map_err(|e| format!("error converting YAML to JSON: {e}"))?);
    }
    if let Some(e) = loaded.error {
        return Err(format!("error converting YAML to JSON: {}", go_yaml_error(text, &e)));
    }
    Ok(out)
}

/// Converts a loaded YAML node with the same rules as [`parse_yaml`].
pub fn yaml_to_value(node: &src::Node) -> Value {
    node_to_yval(node, 0).and_then(yval_to_value).unwrap_or(Value::Nil)
}

fn unmarshal_kind(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "array",
        Value::Map(_) => "object",
        Value::Str(_) => "string",
        Value::Bool(_) => "bool",
        _ => "number",
    }
}

fn from_yaml(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("fromYaml", args, 1)?;
    Ok(decoded_map(parse_yaml(&str_arg(args, 0)?), YAML_JSON_PREFIX, unmarshal_kind))
}

fn from_yaml_array(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("fromYamlArray", args, 1)?;
    Ok(decoded_list(parse_yaml(&str_arg(args, 0)?), YAML_JSON_PREFIX, unmarshal_kind))
}

/// sigs.k8s.io/yaml's prefix for type errors after its YAML→JSON step.
const YAML_JSON_PREFIX: &str = "error unmarshaling JSON: while decoding JSON: ";

// =============================================================================================
// YAML emitting.

/// A node as go-yaml's encoder sees it.
#[derive(Clone, Debug)]
enum YNode {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<YNode>),
    /// Keys in emission order.
    Map(Vec<(String, YNode)>),
}

/// The toYaml pipeline's first two steps: JSON-encode, then decode the JSON with go-yaml v2.
fn json_round_trip(v: &Value, depth: usize) -> Result<YNode, String> {
    if depth > MAX_NESTING {
        return Err("json: unsupported value: encountered a cycle".into());
    }
    Ok(match v {
        Value::Nil => YNode::Null,
        Value::Bool(b) => YNode::Bool(*b),
        Value::Int(i, _) => YNode::Int(*i),
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(format!("json: unsupported value: {}", format_float_g(*f)));
            }
            match resolve_plain(&json_float(*f)) {
                Resolved::Int(i) => YNode::Int(i),
                Resolved::Uint(u) => YNode::Uint(u),
                Resolved::Float(g) => YNode::Float(g),
                _ => YNode::Float(*f),
            }
        }
        Value::Str(s) => YNode::Str(s.to_string()),
        Value::List(l) => YNode::Seq(l.iter().map(|x| json_round_trip(x, depth + 1)).collect::<Result<_, _>>()?),
        Value::Map(m) => {
            let mut entries: Vec<(String, YNode)> = m
                .borrow()
                .iter()
                .map(|(k, x)| Ok((k.clone(), json_round_trip(x, depth + 1)?)))
                .collect::<Result<_, String>>()?;
            entries.sort_by(|a, b| v2_key_order(&a.0, &b.0));
            YNode::Map(entries)
        }
        Value::Object(_) => {
            let json = to_json_string(v, JSON_COMPACT)?;
            match parse_json(&json) {
                Ok(Value::Str(s)) => YNode::Str(s.to_string()),
                Ok(Value::Float(f)) => match resolve_plain(&json) {
                    Resolved::Int(i) => YNode::Int(i),
                    _ => YNode::Float(f),
                },
                _ => YNode::Str(json),
            }
        }
    })
}

/// go-yaml v2's `keyList.Less` for string keys: letters sort before non-letters, runs of
/// digits compare numerically.
fn v2_key_order(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let less = |a: &str, b: &str| -> bool {
        let ar: Vec<char> = a.chars().collect();
        let br: Vec<char> = b.chars().collect();
        let mut i = 0;
        while i < ar.len() && i < br.len() {
            if ar[i] == br[i] {
                i += 1;
                continue;
            }
            let al = ar[i].is_alphabetic();
            let bl = br[i].is_alphabetic();
            if al && bl {
                return ar[i] < br[i];
            }
            if al || bl {
                return bl;
            }
            let (mut an, mut bn) = (0i64, 0i64);
            if ar[i] == '0' || br[i] == '0' {
                let mut j = i;
                while j > 0 && ar[j - 1].is_ascii_digit() {
                    j -= 1;
                    if ar[j] != '0' {
                        an = 1;
                        bn = 1;
                        break;
                    }
                }
            }
            let mut ai = i;
            while ai < ar.len() && ar[ai].is_ascii_digit() {
                an = an.wrapping_mul(10).wrapping_add(i64::from(ar[ai] as u8 - b'0'));
                ai += 1;
            }
            let mut bi = i;
            while bi < br.len() && br[bi].is_ascii_digit() {
                bn = bn.wrapping_mul(10).wrapping_add(i64::from(br[bi] as u8 - b'0'));
                bi += 1;
            }
            if an != bn {
                return an < bn;
            }
            if ai != bi {
                return ai < bi;
            }
            return ar[i] < br[i];
        }
        ar.len() < br.len()
    };
    if less(a, b) {
        Ordering::Less
    } else if less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ScalarStyle {
    Plain,
    Single,
    Double,
    Literal,
}

/// Which go-yaml generation's encoder rules apply.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    V2,
    /// go-yaml v3 with `SetIndent(2)` (Helm's `toYamlPretty`).
    V3,
}

#[derive(Default)]
struct Analysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_printable(c: char) -> bool {
    let r = c as u32;
    c == '\n'
        || (0x20..=0x7E).contains(&r)
        || (0xA0..=0xD7FF).contains(&r)
        || ((0xE000..=0xFFFF).contains(&r) && r != 0xFEFF && r != 0xFFFE && r != 0xFFFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: Option<char>) -> bool {
    matches!(c, Some(' ' | '\t'))
}

fn is_blankz(c: Option<char>) -> bool {
    match c {
        None | Some('\0') => true,
        Some(c) => c == ' ' || c == '\t' || is_break(c),
    }
}

/// `yaml_emitter_analyze_scalar`.
fn analyze(value: &str) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = value.chars().collect();
    let (mut block_ind, mut flow_ind, mut line_breaks, mut special) = (false, false, false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) = (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    if value.starts_with("---") || value.starts_with("...") {
        block_ind = true;
        flow_ind = true;
    }
    let mut preceded_by_ws = true;
    let n = chars.len();
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_ws = i + 1 >= n || is_blank(chars.get(i + 1).copied());
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' => {
                    flow_ind = true;
                    block_ind = true;
                }
                '?' | ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '-' if followed_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_ind = true,
                ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '#' if preceded_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == n {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == n {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_ws = is_blankz(Some(c));
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_ind {
        a.flow_plain_allowed = false;
    }
    if block_ind {
        a.block_plain_allowed = false;
    }
    a
}

fn is_base60_float(s: &str) -> bool {
    // ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
    let b = s.as_bytes();
    let Some(&c) = b.first() else { return false };
    if !(c == b'+' || c == b'-' || c.is_ascii_digit()) || !s.contains(':') {
        return false;
    }
    let mut i = usize::from(c == b'+' || c == b'-');
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let st = i;
        while i < b.len() && b[i].is_ascii_digit() && i - st < 2 {
            i += 1;
        }
        let g = &b[st..i];
        let ok = match g.len() {
            1 => true,
            2 => g[0] <= b'5',
            _ => false,
        };
        if !ok {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

fn is_old_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF"
    )
}

/// go-yaml v3's resolve (YAML 1.2-ish core schema) for the quoting decision.
fn v3_resolves_to_str(s: &str) -> bool {
    match s {
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "" | "~" | "null" | "Null" | "NULL" | ".nan"
        | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | "<<" => return false,
        _ => {}
    }
    match s.as_bytes().first() {
        Some(b'.') => parse_go_float(s).is_none(),
        Some(b'0'..=b'9' | b'+' | b'-') => {
            if is_timestamp(s) {
                return false;
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if parse_go_int(&plain).is_some() || parse_go_uint_base0(&plain).is_some() {
                return false;
            }
            if yaml_style_float(&plain) && plain.parse::<f64>().is_ok() {
                return false;
            }
            true
        }
        _ => true,
    }
}

fn string_style(s: &str, flavor: Flavor) -> ScalarStyle {
    let can_plain = match flavor {
        Flavor::V2 => resolve_plain(s) == Resolved::Str && !is_base60_float(s),
        Flavor::V3 => v3_resolves_to_str(s) && !(is_base60_float(s) || is_old_bool(s)),
    };
    if s.contains('\n') {
        ScalarStyle::Literal
    } else if can_plain {
        ScalarStyle::Plain
    } else {
        ScalarStyle::Double
    }
}

struct Emitter {
    out: String,
    flavor: Flavor,
    column: usize,
    whitespace: bool,
    indention: bool,
    indent: i64,
    indents: Vec<i64>,
    flow_level: usize,
    best_indent: i64,
    best_width: usize,
    /// The state to return to after the current node, which v3 uses to indent the first level
    /// inside a sequence item by two.
    in_seq_item: bool,
}

#[derive(Clone, Copy, Default)]
struct Ctx {
    root: bool,
    sequence: bool,
    mapping: bool,
    simple_key: bool,
}

impl Emitter {
    fn new(flavor: Flavor) -> Emitter {
        Emitter {
            out: String::new(),
            flavor,
            column: 0,
            whitespace: true,
            indention: true,
            indent: -1,
            indents: Vec::new(),
            flow_level: 0,
            best_indent: 2,
            best_width: if flavor == Flavor::V2 { 80 } else { usize::MAX },
            in_seq_item: false,
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { self.best_indent } else { 0 };
        } else if !indentless {
            if self.flavor == Flavor::V3 {
                if self.in_seq_item {
                    self.indent += 2;
                } else {
                    self.indent = self.best_indent * ((self.indent + self.best_indent) / self.best_indent);
                }
            } else {
                self.indent += self.best_indent;
            }
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn emit_node(&mut self, node: &YNode, ctx: Ctx) {
        match node {
            YNode::Null => self.emit_scalar("null", ScalarStyle::Plain, ctx),
            YNode::Bool(b) => self.emit_scalar(if *b { "true" } else { "false" }, ScalarStyle::Plain, ctx),
            YNode::Int(i) => self.emit_scalar(&i.to_string(), ScalarStyle::Plain, ctx),
            YNode::Uint(u) => self.emit_scalar(&u.to_string(), ScalarStyle::Plain, ctx),
            YNode::Float(f) => {
                let s = match format_float_g(*f).as_str() {
                    "+Inf" => ".inf".to_string(),
                    "-Inf" => "-.inf".to_string(),
                    "NaN" => ".nan".to_string(),
                    s => s.to_string(),
                };
                self.emit_scalar(&s, ScalarStyle::Plain, ctx)
            }
            YNode::Str(s) => self.emit_scalar(s, string_style(s, self.flavor), ctx),
            YNode::Seq(items) => {
                if items.is_empty() || self.flow_level > 0 {
                    self.write_indicator("[", true, true, false);
                    self.increase_indent(true, false);
                    self.pop_indent();
                    self.write_indicator("]", false, false, false);
                    return;
                }
                let indentless = ctx.mapping && !self.indention;
                let indentless = indentless && self.flavor == Flavor::V2;
                self.increase_indent(false, indentless);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    let saved = self.in_seq_item;
                    self.in_seq_item = true;
                    self.emit_node(item, Ctx { sequence: true, ..Ctx::default() });
                    self.in_seq_item = saved;
                }
                self.pop_indent();
            }
            YNode::Map(entries) => {
                if entries.is_empty() || self.flow_level > 0 {
                    self.write_indicator("{", true, true, false);
                    self.increase_indent(true, false);
                    self.pop_indent();
                    self.write_indicator("}", false, false, false);
                    return;
                }
                self.increase_indent(false, false);
                let saved = self.in_seq_item;
                self.in_seq_item = false;
                for (k, v) in entries {
                    self.write_indent();
                    let simple = !analyze(k).multiline && k.len() <= 128;
                    if simple {
                        self.emit_scalar(
                            k,
                            string_style(k, self.flavor),
                            Ctx { mapping: true, simple_key: true, ..Ctx::default() },
                        );
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.emit_scalar(k, string_style(k, self.flavor), Ctx { mapping: true, ..Ctx::default() });
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.emit_node(v, Ctx { mapping: true, ..Ctx::default() });
                }
                self.in_seq_item = saved;
                self.pop_indent();
            }
        }
    }

    /// `yaml_emitter_select_scalar_style` + `yaml_emitter_process_scalar`.
    fn emit_scalar(&mut self, value: &str, requested: ScalarStyle, ctx: Ctx) {
        let a = analyze(value);
        let mut style = requested;
        if ctx.simple_key && a.multiline {
            style = ScalarStyle::Double;
        }
        if style == ScalarStyle::Plain {
            if (self.flow_level > 0 && !a.flow_plain_allowed) || (self.flow_level == 0 && !a.block_plain_allowed) {
                style = ScalarStyle::Single;
            }
            if value.is_empty() && (self.flow_level > 0 || ctx.simple_key) {
                style = ScalarStyle::Single;
            }
        }
        if style == ScalarStyle::Single && !a.single_quoted_allowed {
            style = ScalarStyle::Double;
        }
        if style == ScalarStyle::Literal && (!a.block_allowed || self.flow_level > 0 || ctx.simple_key) {
            style = ScalarStyle::Double;
        }
        let _ = (ctx.root, ctx.sequence);
        self.increase_indent(true, false);
        let allow_breaks = !ctx.simple_key;
        match style {
            ScalarStyle::Plain => self.write_plain(value, allow_breaks),
            ScalarStyle::Single => self.write_single(value, allow_breaks),
            ScalarStyle::Double => self.write_double(value, allow_breaks),
            ScalarStyle::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = value.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks && !spaces && self.column > self.best_width && chars.get(i + 1) != Some(&' ') {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i > 0
                    && i + 1 < n
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let bom = value.starts_with('\u{FEFF}');
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let esc = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match esc {
                    Some(e) => self.put(e),
                    None => {
                        let v = c as u32;
                        let (prefix, width) = if v <= 0xFF {
                            ('x', 2)
                        } else if v <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(prefix);
                        for ch in format!("{v:0width$X}").chars() {
                            self.put(ch);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > self.best_width && i > 0 && i + 1 < n {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints.
        let chars: Vec<char> = value.chars().collect();
        if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            let hint = char::from(b'0' + self.best_indent as u8);
            self.write_indicator(&hint.to_string(), false, false, false);
        }
        let chomp = match chars.len() {
            0 => Some('-'),
            n if !is_break(chars[n - 1]) => Some('-'),
            1 => Some('+'),
            n if is_break(chars[n - 2]) => Some('+'),
            _ => None,
        };
        if let Some(c) = chomp {
            self.write_indicator(&c.to_string(), false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }

    fn document(mut self, node: &YNode) -> String {
        self.emit_node(node, Ctx { root: true, ..Ctx::default() });
        // Document end (implicit): a final line break unless one was just written.
        self.write_indent();
        self.out
    }
}

/// Helm's `toYaml` body: `sigs.k8s.io/yaml.Marshal`, trailing newline trimmed.
pub fn to_yaml_string(v: &Value) -> Result<String, String> {
    let node = json_round_trip(v, 0).map_err(|e| format!("error marshaling into JSON: {e}"))?;
    let text = Emitter::new(Flavor::V2).document(&node);
    Ok(text.strip_suffix('\n').unwrap_or(&text).to_string())
}

fn to_yaml(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("toYaml", args, 1)?;
    Ok(Value::str(to_yaml_string(&args[0]).unwrap_or_default()))
}

fn must_to_yaml(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("mustToYaml", args, 1)?;
    Ok(Value::str(to_yaml_string(&args[0])?))
}

/// go-yaml v3 sees the Go values directly: no JSON round trip, floats stay floats.
fn direct_node(v: &Value, depth: usize) -> Result<YNode, String> {
    if depth > MAX_NESTING {
        return Err("excessive nesting".into());
    }
    Ok(match v {
        Value::Nil => YNode::Null,
        Value::Bool(b) => YNode::Bool(*b),
        Value::Int(i, _) => YNode::Int(*i),
        Value::Float(f) => YNode::Float(*f),
        Value::Str(s) => YNode::Str(s.to_string()),
        Value::List(l) => YNode::Seq(l.iter().map(|x| direct_node(x, depth + 1)).collect::<Result<_, _>>()?),
        Value::Map(m) => {
            let mut entries: Vec<(String, YNode)> = m
                .borrow()
                .iter()
                .map(|(k, x)| Ok((k.clone(), direct_node(x, depth + 1)?)))
                .collect::<Result<_, String>>()?;
            entries.sort_by(|a, b| v2_key_order(&a.0, &b.0));
            YNode::Map(entries)
        }
        Value::Object(o) => YNode::Str(o.display()),
    })
}

fn to_yaml_pretty(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("toYamlPretty", args, 1)?;
    let Ok(node) = direct_node(&args[0], 0) else {
        return Ok(Value::str(""));
    };
    let text = Emitter::new(Flavor::V3).document(&node);
    Ok(Value::str(text.strip_suffix('\n').unwrap_or(&text)))
}

#[cfg(test)]
mod tests;
