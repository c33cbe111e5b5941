//! Helm's `toToml`/`mustToToml` (BurntSushi/toml v1.6 encoder layout: plain keys first, then
//! `[tables]` indented two spaces per level, then `[[arrays of tables]]`) and `fromToml`
//! (a TOML 1.0 reader producing int64, float64, strings, booleans, times, lists and maps).

use std::collections::BTreeMap;

use super::super::value::Value;
use super::common::{arity, format_float_g, str_arg};
use super::dates::{GoTime, time_value};
use super::dicts::MAX_NESTING;
use super::{Func, FuncEnv};

pub(super) fn register(out: &mut Vec<(&'static str, Func)>) {
    out.extend([("toToml", to_toml as Func), ("mustToToml", must_to_toml), ("fromToml", from_toml)]);
}

// --- encoding -----------------------------------------------------------------------------------

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7F => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn key_part(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_string()
    } else {
        quote(k)
    }
}

#[derive(PartialEq, Eq)]
enum Kind {
    Table,
    TableArray,
    Other,
}

fn kind(v: &Value) -> Result<Option<Kind>, String> {
    Ok(Some(match v {
        Value::Nil => return Ok(None),
        Value::Map(_) => Kind::Table,
        Value::Object(o) if o.type_name() == "sprig.certificate" => Kind::Table,
        Value::List(l) => {
            if l.is_empty() {
                return Ok(Some(Kind::Other));
            }
            let mut all_tables = true;
            for item in l.iter() {
                match kind(item)? {
                    None => return Err("toml: cannot encode array with nil element".into()),
                    Some(Kind::Table) => {}
                    Some(_) => all_tables = false,
                }
            }
            if all_tables { Kind::TableArray } else { Kind::Other }
        }
        _ => Kind::Other,
    }))
}

struct Enc {
    out: String,
}

impl Enc {
    fn newline(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn indent(key: &[String]) -> String {
        "  ".repeat(key.len().saturating_sub(1))
    }

    fn key_string(key: &[String]) -> String {
        key.iter().map(|k| key_part(k)).collect::<Vec<_>>().join(".")
    }

    fn element(&mut self, v: &Value, depth: usize) -> Result<(), String> {
        if depth > MAX_NESTING {
            return Err("toml: nesting too deep".into());
        }
        match v {
            Value::Str(s) => self.out.push_str(&quote(s)),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i, _) => self.out.push_str(&i.to_string()),
            Value::Float(f) => {
                if f.is_nan() {
                    self.out.push_str(if f.is_sign_negative() { "-nan" } else { "nan" });
                } else if f.is_infinite() {
                    self.out.push_str(if *f < 0.0 { "-inf" } else { "inf" });
                } else {
                    let s = format_float_g(*f);
                    let plain = !s.contains(['.', 'e']);
                    self.out.push_str(&s);
                    if plain {
                        self.out.push_str(".0");
                    }
                }
            }
            Value::List(l) => {
                self.out.push('[');
                for (i, item) in l.iter().enumerate() {
                    if matches!(item, Value::Nil) {
                        return Err("toml: cannot encode array with nil element".into());
                    }
                    self.element(item, depth + 1)?;
                    if i + 1 != l.len() {
                        self.out.push_str(", ");
                    }
                }
                self.out.push(']');
            }
            Value::Map(_) => self.map(&[], v, true, depth + 1)?,
            Value::Nil => {}
            Value::Object(o) => match o.type_name() {
                "time.Time" => {
                    self.out.push_str(&match o.call("Format", &[Value::str("2006-01-02T15:04:05.999999999Z07:00")]) {
                        Some(Ok(Value::Str(s))) => s.to_string(),
                        _ => o.display(),
                    })
                }
                _ => self.out.push_str(&quote(&o.display())),
            },
        }
        Ok(())
    }

    fn entries(v: &Value) -> Vec<(String, Value)> {
        match v {
            Value::Map(m) => m.borrow().iter().map(|(k, x)| (k.clone(), x.clone())).collect(),
            Value::Object(o) => ["Cert", "Key"].iter().filter_map(|k| o.field(k).map(|x| (k.to_string(), x))).collect(),
            _ => Vec::new(),
        }
    }

    fn map(&mut self, key: &[String], v: &Value, inline: bool, depth: usize) -> Result<(), String> {
        if depth > MAX_NESTING {
            return Err("toml: nesting too deep".into());
        }
        let entries = Enc::entries(v);
        let mut direct = Vec::new();
        let mut sub = Vec::new();
        for (k, x) in entries {
            match kind(&x)? {
                Some(Kind::Table | Kind::TableArray) => sub.push((k, x)),
                _ => direct.push((k, x)),
            }
        }
        if inline {
            self.out.push('{');
        }
        let has_sub = !sub.is_empty();
        for (group, trail) in [(direct, has_sub), (sub, false)] {
            let n = group.len();
            for (i, (k, x)) in group.into_iter().enumerate() {
                if matches!(x, Value::Nil) {
                    continue;
                }
                if inline {
                    self.out.push_str(&key_part(&k));
                    self.out.push_str(" = ");
                    self.element(&x, depth + 1)?;
                    if trail || i + 1 != n {
                        self.out.push_str(", ");
                    }
                } else {
                    let mut path = key.to_vec();
                    path.push(k);
                    self.encode(&path, &x, depth + 1)?;
                }
            }
        }
        if inline {
            self.out.push('}');
        }
        Ok(())
    }

    fn key_value(&mut self, key: &[String], v: &Value, depth: usize) -> Result<(), String> {
        if key.is_empty() {
            return self.element(v, depth);
        }
        let last = key.last().map(|k| key_part(k)).unwrap_or_default();
        self.out.push_str(&format!("{}{last} = ", Enc::indent(key)));
        self.element(v, depth)?;
        self.newline();
        Ok(())
    }

    fn encode(&mut self, key: &[String], v: &Value, depth: usize) -> Result<(), String> {
        match kind(v)? {
            None => Ok(()),
            Some(Kind::Table) => {
                if key.len() == 1 {
                    self.newline();
                }
                if !key.is_empty() {
                    self.out.push_str(&format!("{}[{}]", Enc::indent(key), Enc::key_string(key)));
                    self.newline();
                }
                self.map(key, v, false, depth)
            }
            Some(Kind::TableArray) => {
                if key.is_empty() {
                    return Err("toml: cannot encode an array of tables without a key".into());
                }
                if let Value::List(l) = v {
                    for item in l.iter() {
                        self.newline();
                        self.out.push_str(&format!("{}[[{}]]", Enc::indent(key), Enc::key_string(key)));
                        self.newline();
                        self.map(key, item, false, depth)?;
                    }
                }
                Ok(())
            }
            Some(Kind::Other) => self.key_value(key, v, depth),
        }
    }
}

/// BurntSushi/toml's `Encoder.Encode`.
pub fn to_toml_string(v: &Value) -> Result<String, String> {
    let mut e = Enc { out: String::new() };
    e.encode(&[], v, 0)?;
    Ok(e.out)
}

fn to_toml(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("toToml", args, 1)?;
    Ok(Value::str(to_toml_string(&args[0]).unwrap_or_else(|e| e)))
}

fn must_to_toml(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("mustToToml", args, 1)?;
    Ok(Value::str(to_toml_string(&args[0])?))
}

// --- decoding -----------------------------------------------------------------------------------

struct Parser<'a> {
    s: &'a str,
    i: usize,
    line: usize,
    last_key: String,
}

type PResult<T> = Result<T, String>;

impl Parser<'_> {
    fn err(&self, msg: &str) -> String {
        if self.last_key.is_empty() {
            format!("toml: line {}: {msg}", self.line)
        } else {
            format!("toml: line {} (last key {}): {msg}", self.line, super::strings::go_quote(&self.last_key))
        }
    }

    fn peek(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn eat(&mut self, prefix: &str) -> bool {
        if self.s[self.i..].starts_with(prefix) {
            for _ in prefix.chars() {
                self.bump();
            }
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some('#') {
            while !matches!(self.peek(), None | Some('\n')) {
                self.bump();
            }
        }
    }

    /// Whitespace, comments and newlines (inside arrays).
    fn skip_all(&mut self) {
        loop {
            self.skip_ws();
            self.skip_comment();
            match self.peek() {
                Some('\n') => {
                    self.bump();
                }
                Some('\r') if self.s[self.i..].starts_with("\r\n") => {
                    self.bump();
                }
                _ => return,
            }
        }
    }

    fn end_of_line(&mut self) -> PResult<()> {
        self.skip_ws();
        self.skip_comment();
        match self.peek() {
            None => Ok(()),
            Some('\n') => {
                self.bump();
                Ok(())
            }
            Some('\r') if self.eat("\r\n") => Ok(()),
            Some(c) => Err(self.err(&format!(
                "expected a top-level item to end with a newline, comment, or EOF, but got {} instead",
                super::strings::go_quote(&c.to_string())
            ))),
        }
    }

    fn key(&mut self) -> PResult<Vec<String>> {
        let mut parts = Vec::new();
        loop {
            self.skip_ws();
            let part = match self.peek() {
                Some('"') => self.basic_string()?,
                Some('\'') => self.literal_string()?,
                Some(c) if c.is_ascii_alphanumeric() || c == '_' || c == '-' => {
                    let start = self.i;
                    while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                        self.bump();
                    }
                    self.s[start..self.i].to_string()
                }
                Some(c) => {
                    return Err(
                        self.err(&format!("bare keys cannot contain {}", super::strings::go_quote(&c.to_string())))
                    );
                }
                None => return Err(self.err("unexpected EOF; expected key")),
            };
            parts.push(part);
            self.skip_ws();
            if !self.eat(".") {
                return Ok(parts);
            }
        }
    }

    fn hex_escape(&mut self, n: usize) -> PResult<char> {
        let start = self.i;
        for _ in 0..n {
            if !self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                return Err(self.err("invalid escape in string"));
            }
            self.bump();
        }
        u32::from_str_radix(&self.s[start..self.i], 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| self.err("invalid unicode escape"))
    }

    fn escape(&mut self, out: &mut String) -> PResult<()> {
        match self.bump() {
            Some('b') => out.push('\u{8}'),
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('f') => out.push('\u{c}'),
            Some('r') => out.push('\r'),
            Some('e') => out.push('\u{1b}'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('u') => out.push(self.hex_escape(4)?),
            Some('U') => out.push(self.hex_escape(8)?),
            Some(c) => {
                return Err(self.err(&format!("invalid escape character {}", super::strings::go_quote(&c.to_string()))));
            }
            None => return Err(self.err("unexpected EOF")),
        }
        Ok(())
    }

    fn basic_string(&mut self) -> PResult<String> {
        let multi = self.eat("\"\"\"");
        if !multi {
            self.bump();
        }
        let mut out = String::new();
        if multi {
            self.eat("\r");
            self.eat("\n");
        }
        loop {
            match self.peek() {
                None => return Err(self.err("unexpected EOF; expected '\"'")),
                Some('"') if !multi => {
                    self.bump();
                    return Ok(out);
                }
                Some('"') if self.s[self.i..].starts_with("\"\"\"") => {
                    self.eat("\"\"\"");
                    // Up to two extra quotes belong to the content.
                    while self.peek() == Some('"') && !self.s[self.i..].starts_with("\"\"\"") {
                        out.push('"');
                        self.bump();
                    }
                    return Ok(out);
                }
                Some('\\') => {
                    self.bump();
                    if multi && matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
                        // Line-ending backslash: trim all whitespace up to the next content.
                        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
                            self.bump();
                        }
                        continue;
                    }
                    self.escape(&mut out)?;
                }
                Some('\n') if !multi => return Err(self.err("strings cannot contain newlines")),
                Some(c) => {
                    out.push(c);
                    self.bump();
                }
            }
        }
    }

    fn literal_string(&mut self) -> PResult<String> {
        let multi = self.eat("'''");
        if !multi {
            self.bump();
        } else {
            self.eat("\r");
            self.eat("\n");
        }
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(self.err("unexpected EOF; expected \"'\"")),
                Some('\'') if !multi => {
                    self.bump();
                    return Ok(out);
                }
                Some('\'') if self.s[self.i..].starts_with("'''") => {
                    self.eat("'''");
                    while self.peek() == Some('\'') && !self.s[self.i..].starts_with("'''") {
                        out.push('\'');
                        self.bump();
                    }
                    return Ok(out);
                }
                Some('\n') if !multi => return Err(self.err("strings cannot contain newlines")),
                Some(c) => {
                    out.push(c);
                    self.bump();
                }
            }
        }
    }

    fn value(&mut self, depth: usize) -> PResult<Value> {
        if depth > MAX_NESTING {
            return Err(self.err("nesting too deep"));
        }
        self.skip_ws();
        match self.peek() {
            None | Some('\n') => Err(self.err("unexpected EOF; expected value")),
            Some('"') => Ok(Value::str(self.basic_string()?)),
            Some('\'') => Ok(Value::str(self.literal_string()?)),
            Some('[') => {
                self.bump();
                let mut items = Vec::new();
                loop {
                    self.skip_all();
                    if self.eat("]") {
                        return Ok(Value::list(items));
                    }
                    items.push(self.value(depth + 1)?);
                    self.skip_all();
                    if self.eat("]") {
                        return Ok(Value::list(items));
                    }
                    if !self.eat(",") {
                        return Err(self.err("expected a comma (',') or array terminator (']')"));
                    }
                }
            }
            Some('{') => {
                self.bump();
                let mut table = BTreeMap::new();
                self.skip_ws();
                if self.eat("}") {
                    return Ok(Value::map(table));
                }
                loop {
                    let key = self.key()?;
                    self.skip_ws();
                    if !self.eat("=") {
                        return Err(self.err("expected '='"));
                    }
                    let v = self.value(depth + 1)?;
                    insert_path(&mut table, &key, v).map_err(|e| self.err(&e))?;
                    self.skip_ws();
                    if self.eat("}") {
                        return Ok(Value::map(table));
                    }
                    if !self.eat(",") {
                        return Err(self.err("expected a comma or an inline table terminator '}'"));
                    }
                }
            }
            Some('t') if self.eat("true") => Ok(Value::Bool(true)),
            Some('f') if self.eat("false") => Ok(Value::Bool(false)),
            Some(_) => self.scalar(),
        }
    }

    fn scalar(&mut self) -> PResult<Value> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| !matches!(c, ',' | ']' | '}' | '\n' | '\r' | '#') && (c != ' ' || self.datetime_space()))
        {
            self.bump();
        }
        let raw = self.s[start..self.i].trim_end();
        parse_scalar(raw)
            .ok_or_else(|| self.err(&format!("expected value but found {} instead", super::strings::go_quote(raw))))
    }

    /// A space inside a date-time (`1979-05-27 07:32:00`) does not end the value.
    fn datetime_space(&self) -> bool {
        let before = &self.s[..self.i];
        let after = &self.s[self.i + 1..];
        let date_before = before.len() >= 10 && {
            let d = &before.as_bytes()[before.len() - 10..];
            d[4] == b'-' && d[7] == b'-' && d.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        };
        date_before && after.as_bytes().get(2) == Some(&b':')
    }
}

fn parse_scalar(raw: &str) -> Option<Value> {
    match raw {
        "inf" | "+inf" => return Some(Value::Float(f64::INFINITY)),
        "-inf" => return Some(Value::Float(f64::NEG_INFINITY)),
        "nan" | "+nan" | "-nan" => return Some(Value::Float(f64::NAN)),
        _ => {}
    }
    if let Some(t) = parse_datetime(raw) {
        return Some(time_value(t));
    }
    let clean: String = raw.chars().filter(|&c| c != '_').collect();
    if raw.contains("__") || raw.starts_with('_') || raw.ends_with('_') {
        return None;
    }
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(digits) = clean.strip_prefix(prefix) {
            return i64::from_str_radix(digits, radix).ok().map(Value::int64);
        }
    }
    let unsigned = clean.strip_prefix(['+', '-']).unwrap_or(&clean);
    if unsigned.is_empty() || !unsigned.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if unsigned.len() > 1 && unsigned.starts_with('0') && unsigned.as_bytes()[1].is_ascii_digit() {
        return None;
    }
    if unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return clean.parse::<i64>().ok().map(Value::int64);
    }
    if unsigned.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) {
        return clean.parse::<f64>().ok().map(Value::Float);
    }
    None
}

fn parse_datetime(raw: &str) -> Option<GoTime> {
    let b = raw.as_bytes();
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        let normalized = raw.replacen([' ', 't'], "T", 1);
        let layouts = ["2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02"];
        for l in layouts {
            if let Ok(t) = super::dates::parse_time(l, &normalized.replace('z', "Z")) {
                return Some(t);
            }
        }
        return None;
    }
    if b.len() >= 8 && b[2] == b':' && b[5] == b':' {
        return super::dates::parse_time("15:04:05.999999999", raw).ok();
    }
    None
}

fn insert_path(table: &mut BTreeMap<String, Value>, key: &[String], v: Value) -> Result<(), String> {
    let Some((last, parents)) = key.split_last() else {
        return Ok(());
    };
    let cur = match descend(table, parents)? {
        Some(m) => m,
        None => {
            if table.contains_key(last) {
                return Err(format!("key {} has already been defined", super::strings::go_quote(&key.join("."))));
            }
            table.insert(last.clone(), v);
            return Ok(());
        }
    };
    let mut m = cur.borrow_mut();
    if m.contains_key(last) {
        return Err(format!("key {} has already been defined", super::strings::go_quote(&key.join("."))));
    }
    m.insert(last.clone(), v);
    Ok(())
}

/// The map at `path` under `table` (created as needed); `None` for the root itself.
fn descend(table: &mut BTreeMap<String, Value>, path: &[String]) -> Result<Option<super::super::value::Map>, String> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(None);
    };
    let entry = table.entry(first.clone()).or_insert_with(Value::empty_map);
    let mut cur = match entry {
        Value::Map(m) => m.clone(),
        // `[[a]]` then `[a.b]`: the path continues in the last table of the array.
        Value::List(l) => match l.last() {
            Some(Value::Map(m)) => m.clone(),
            _ => return Err(format!("key {} is not a table", super::strings::go_quote(first))),
        },
        _ => return Err(format!("key {} is not a table", super::strings::go_quote(first))),
    };
    for part in rest {
        let next = {
            let mut m = cur.borrow_mut();
            let e = m.entry(part.clone()).or_insert_with(Value::empty_map);
            match e {
                Value::Map(x) => x.clone(),
                Value::List(l) => match l.last() {
                    Some(Value::Map(x)) => x.clone(),
                    _ => return Err(format!("key {} is not a table", super::strings::go_quote(part))),
                },
                _ => return Err(format!("key {} is not a table", super::strings::go_quote(part))),
            }
        };
        cur = next;
    }
    Ok(Some(cur))
}

/// Parses a TOML document into a map.
pub fn parse_toml(text: &str) -> Result<Value, String> {
    let mut p = Parser { s: text, i: 0, line: 1, last_key: String::new() };
    let mut root = BTreeMap::new();
    // The table that key/value lines go to, as a path from the root.
    let mut current: Vec<String> = Vec::new();
    loop {
        p.skip_all();
        let Some(c) = p.peek() else { break };
        if c == '[' {
            let array = p.eat("[[");
            if !array {
                p.bump();
            }
            let key = p.key()?;
            p.skip_ws();
            if !p.eat(if array { "]]" } else { "]" }) {
                return Err(p.err("expected ']' to close the table name"));
            }
            p.last_key = key.join(".");
            if array {
                let (last, parents) = key.split_last().ok_or_else(|| p.err("empty table name"))?;
                let parent = descend(&mut root, parents).map_err(|e| p.err(&e))?;
                let fresh = Value::empty_map();
                let push = |m: &mut BTreeMap<String, Value>| -> Result<(), String> {
                    match m.entry(last.clone()).or_insert_with(|| Value::list(Vec::new())) {
                        Value::List(l) => {
                            let mut items = l.as_ref().clone();
                            items.push(fresh.clone());
                            *l = std::rc::Rc::new(items);
                            Ok(())
                        }
                        _ => Err(format!("key {} is not an array of tables", super::strings::go_quote(last))),
                    }
                };
                match parent {
                    Some(m) => push(&mut m.borrow_mut()),
                    None => push(&mut root),
                }
                .map_err(|e| p.err(&e))?;
            } else {
                descend(&mut root, &key).map_err(|e| p.err(&e))?;
            }
            current = key;
            p.end_of_line()?;
            continue;
        }
        let key = p.key()?;
        p.skip_ws();
        match p.peek() {
            Some('=') => {
                p.bump();
            }
            None => return Err(p.err("unexpected EOF; expected key separator '='")),
            Some(c) => {
                let got = super::strings::go_quote(&c.to_string());
                return Err(p.err(&format!("expected key separator '=', but got {got} instead")));
            }
        }
        p.last_key = [current.clone(), key.clone()].concat().join(".");
        let v = p.value(0)?;
        match descend(&mut root, &current).map_err(|e| p.err(&e))? {
            Some(m) => {
                let mut tmp = std::mem::take(&mut *m.borrow_mut());
                let r = insert_path(&mut tmp, &key, v);
                *m.borrow_mut() = tmp;
                r.map_err(|e| p.err(&e))?;
            }
            None => insert_path(&mut root, &key, v).map_err(|e| p.err(&e))?,
        }
        p.end_of_line()?;
    }
    Ok(Value::map(root))
}

fn from_toml(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("fromToml", args, 1)?;
    let text = str_arg(args, 0)?;
    Ok(parse_toml(&text).unwrap_or_else(|e| {
        let mut m = BTreeMap::new();
        m.insert("Error".to_string(), Value::str(e));
        Value::map(m)
    }))
}

#[cfg(test)]
mod tests {
    use super::super::common::go_string;
    use super::*;

    fn d(pairs: Vec<(&str, Value)>) -> Value {
        Value::map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    // Expected outputs from helm v4.3.1.
    #[test]
    fn to_toml_matches_helm() {
        let v = d(vec![
            ("a", d(vec![("b", Value::int64(1)), ("c", d(vec![("d", Value::str("x"))]))])),
            ("s", Value::str("q\"uo\tte")),
            ("f", Value::Float(3.0)),
            ("g", Value::Float(1e8)),
            ("h", Value::Float(1.5)),
            ("l", Value::list(vec![Value::int64(1), Value::str("a"), d(vec![("k", Value::int64(1))])])),
            ("t", Value::list(vec![d(vec![("x", Value::int64(1))]), d(vec![("y", Value::int64(2))])])),
            ("n", Value::Nil),
            ("key with space", Value::Bool(true)),
            ("e", Value::list(vec![])),
            ("m", d(vec![])),
        ]);
        assert_eq!(
            to_toml_string(&v).unwrap(),
            "e = []\nf = 3.0\ng = 1e+08\nh = 1.5\n\"key with space\" = true\nl = [1, \"a\", {k = 1}]\ns = \"q\\\"uo\\tte\"\n\n[a]\n  b = 1\n  [a.c]\n    d = \"x\"\n\n[m]\n\n[[t]]\n  x = 1\n\n[[t]]\n  y = 2\n"
        );
        assert_eq!(to_toml_string(&Value::str("x")).unwrap(), "\"x\"");
        assert_eq!(to_toml_string(&Value::list(vec![Value::int64(1), Value::int64(2)])).unwrap(), "[1, 2]");
        let bad = d(vec![("a", Value::list(vec![Value::int64(1), Value::Nil]))]);
        assert_eq!(to_toml_string(&bad).unwrap_err(), "toml: cannot encode array with nil element");
    }

    #[test]
    fn from_toml_matches_helm() {
        let v = parse_toml("a = 1\nb = 'x'\n[c]\nd = 1.5\ne = 1979-05-27T07:32:00Z\n[[f]]\ng = true").unwrap();
        let json = super::super::yaml::to_json_string(&v, super::super::yaml::JSON_COMPACT).unwrap();
        assert_eq!(json, "{\"a\":1,\"b\":\"x\",\"c\":{\"d\":1.5,\"e\":\"1979-05-27T07:32:00Z\"},\"f\":[{\"g\":true}]}");
        let v =
            parse_toml("[table]\nkeyInTable = \"valueInTable\"\n[table.subtable]\nkeyInSubtable = \"valueInSubTable\"")
                .unwrap();
        assert_eq!(
            go_string(&v),
            "map[table:map[keyInTable:valueInTable subtable:map[keyInSubtable:valueInSubTable]]]"
        );
        assert_eq!(parse_toml("a = ").unwrap_err(), "toml: line 1 (last key \"a\"): unexpected EOF; expected value");
        let v = parse_toml("a.b = [1, 2,\n 3] # c\n\"q k\" = { x = 0x1F, y = -2.5e3 }\n").unwrap();
        assert_eq!(go_string(&v), "map[a:map[b:[1 2 3]] q k:map[x:31 y:-2500]]");
    }
}
