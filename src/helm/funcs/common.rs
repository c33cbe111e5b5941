//! Helpers shared by the function families: Go's `%v` formatting, Go-style argument checking,
//! spf13/cast conversions and sprig's notion of "empty".
//!
//! Argument errors follow the engine's convention ([`crate::helm::template::arg_type_error`] and
//! `wrong number of args for NAME: …`) so that it can report them the way Go does: Go raises
//! them before calling, not as `error calling NAME: …`.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::super::value::{IntKind, Map, Value};

pub(crate) const WRONG_ARGS: &str = "wrong number of args for ";

/// Go's `fmt.Sprint(v)` / `%v`.
pub fn go_string(v: &Value) -> String {
    let mut out = String::new();
    write_go(&mut out, v, 0);
    out
}

/// Nesting beyond which printing stops; only a map that contains itself gets there (Go would
/// recurse until the stack runs out).
const PRINT_DEPTH: usize = 1000;

fn write_go(out: &mut String, v: &Value, depth: usize) {
    if depth > PRINT_DEPTH {
        out.push_str("...");
        return;
    }
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&format_float_g(*f)),
        Value::Str(s) => out.push_str(s),
        Value::List(l) => {
            out.push('[');
            for (i, item) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_go(out, item, depth + 1);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, item)) in m.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_go(out, item, depth + 1);
            }
            out.push(']');
        }
        Value::Object(o) => out.push_str(&o.display()),
    }
}

/// sprig's `strval`: strings as they are, everything else through `%v`.
pub fn strval(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        other => go_string(other),
    }
}

/// The shortest decimal digits of `f` and its decimal exponent: `f = 0.d1d2d3… × 10^exp`.
fn shortest_digits(f: f64) -> (String, i32) {
    // Rust's `{:e}` prints the shortest round-tripping digits, exactly the digits Go's
    // strconv picks with precision -1.
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    (digits, exp + 1)
}

fn go_exp(out: &mut String, exp: i32) {
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    out.push_str(&e.to_string());
}

fn special_float(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".into())
    } else if f.is_infinite() {
        Some(if f > 0.0 { "+Inf".into() } else { "-Inf".into() })
    } else {
        None
    }
}

/// `strconv.FormatFloat(f, 'e', -1, 64)`.
pub fn format_float_e(f: f64) -> String {
    if let Some(s) = special_float(f) {
        return s;
    }
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    if f == 0.0 {
        out.push_str("0e+00");
        return out;
    }
    let (digits, dp) = shortest_digits(f);
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    out.push('e');
    go_exp(&mut out, dp - 1);
    out
}

/// `strconv.FormatFloat(f, 'f', -1, 64)`.
pub fn format_float_f(f: f64) -> String {
    if let Some(s) = special_float(f) {
        return s;
    }
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    if f == 0.0 {
        out.push('0');
        return out;
    }
    let (digits, dp) = shortest_digits(f);
    if dp <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', dp.unsigned_abs() as usize));
        out.push_str(&digits);
    } else {
        let dp = dp as usize;
        if digits.len() <= dp {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', dp - digits.len()));
        } else {
            out.push_str(&digits[..dp]);
            out.push('.');
            out.push_str(&digits[dp..]);
        }
    }
    out
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`, which is also what `%v` prints.
pub fn format_float_g(f: f64) -> String {
    if let Some(s) = special_float(f) {
        return s;
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let (_, dp) = shortest_digits(f);
    let exp = dp - 1;
    // Go uses %e when exp < -4 || exp >= precision, and the shortest precision counts as 6.
    if !(-4..6).contains(&exp) { format_float_e(f) } else { format_float_f(f) }
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`: the float rounded to float32 first.
pub fn format_float32_g(f: f64) -> String {
    let g = f as f32;
    if g.is_nan() || g.is_infinite() || g == 0.0 {
        return format_float_g(g as f64);
    }
    // Shortest digits that round-trip through f32.
    let s = format!("{:e}", g.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut out = String::new();
    if g.is_sign_negative() {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        go_exp(&mut out, exp);
    } else {
        let dp = exp + 1;
        if dp <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', dp.unsigned_abs() as usize));
            out.push_str(&digits);
        } else {
            let dp = dp as usize;
            if digits.len() <= dp {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', dp - digits.len()));
            } else {
                out.push_str(&digits[..dp]);
                out.push('.');
                out.push_str(&digits[dp..]);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Argument checking.

pub fn arity(name: &str, args: &[Value], n: usize) -> Result<(), String> {
    if args.len() == n { Ok(()) } else { Err(format!("{WRONG_ARGS}{name}: want {n} got {}", args.len())) }
}

pub fn arity_min(name: &str, args: &[Value], n: usize) -> Result<(), String> {
    if args.len() >= n { Ok(()) } else { Err(format!("{WRONG_ARGS}{name}: want at least {n} got {}", args.len())) }
}

/// A wrongly typed argument, in the engine's convention (it words the message the way Go
/// does for the argument's node).
pub fn wrong_type(index: usize, expected: &str) -> String {
    crate::helm::template::arg_type_error(index, expected)
}

fn nth(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Nil)
}

/// A Go `string` parameter.
pub fn str_arg(args: &[Value], i: usize) -> Result<Rc<str>, String> {
    match nth(args, i) {
        Value::Str(s) => Ok(s.clone()),
        _ => Err(wrong_type(i, "string")),
    }
}

/// A Go `int` parameter. Template number literals arrive as `Int`; a float64 from values is a
/// type error in Go too.
pub fn int_arg(args: &[Value], i: usize) -> Result<i64, String> {
    match nth(args, i) {
        Value::Int(n, _) => Ok(*n),
        _ => Err(wrong_type(i, "int")),
    }
}

/// A Go `bool` parameter.
pub fn bool_arg(args: &[Value], i: usize) -> Result<bool, String> {
    match nth(args, i) {
        Value::Bool(b) => Ok(*b),
        _ => Err(wrong_type(i, "bool")),
    }
}

/// A Go `map[string]interface{}` parameter; `nil` becomes a nil map (`None`), as in Go.
pub fn map_arg(args: &[Value], i: usize) -> Result<Option<Map>, String> {
    match nth(args, i) {
        Value::Map(m) => Ok(Some(m.clone())),
        Value::Nil => Ok(None),
        _ => Err(wrong_type(i, "map[string]interface {}")),
    }
}

/// The `reflect.Kind` name of a value, as `kindOf` and sprig's list errors print it.
pub fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "invalid",
        Value::Bool(_) => "bool",
        Value::Int(_, IntKind::Int) => "int",
        Value::Int(_, IntKind::Int64) => "int64",
        Value::Float(_) => "float64",
        Value::Str(_) => "string",
        Value::List(_) => "slice",
        Value::Map(_) => "map",
        Value::Object(o) => match o.type_name() {
            _ if o.entries().is_some() => "map",
            "time.Duration" => "int64",
            "*semver.Version" => "ptr",
            _ => "struct",
        },
    }
}

/// `reflect.TypeOf(nil).Kind()` panics in sprig's list functions; Go reports the nil
/// dereference.
pub const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";

/// A list argument of sprig's reflect-based list functions: `Err` carries the panic message.
pub fn list_of<'a>(v: &'a Value, what: &str) -> Result<&'a [Value], String> {
    match v {
        Value::List(l) => Ok(l),
        Value::Nil => Err(NIL_DEREF.into()),
        other => Err(format!("Cannot {what} on type {}", kind_name(other))),
    }
}

// ---------------------------------------------------------------------------------------------
// Conversions (spf13/cast v1.7).

/// Go's `int64(f)` on amd64: out-of-range and NaN give the "integer indefinite" value.
pub fn f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) { i64::MIN } else { f as i64 }
}

/// `cast.ToInt64`.
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        Value::Float(f) => f64_to_i64(*f),
        Value::Bool(b) => i64::from(*b),
        Value::Str(s) => parse_go_int(trim_zero_decimal(s)).unwrap_or(0),
        Value::Object(o) if o.type_name() == "time.Duration" => match o.field("\0nanos") {
            Some(Value::Int(n, _)) => n,
            _ => 0,
        },
        _ => 0,
    }
}

/// `cast.ToFloat64`.
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i, _) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Str(s) => parse_go_float(s).unwrap_or(0.0),
        Value::Object(o) if o.type_name() == "time.Duration" => match o.field("\0nanos") {
            Some(Value::Int(n, _)) => n as f64,
            _ => 0.0,
        },
        _ => 0.0,
    }
}

fn trim_zero_decimal(s: &str) -> &str {
    let b = s.as_bytes();
    let mut found_zero = false;
    let mut i = b.len();
    while i > 0 {
        match b[i - 1] {
            b'.' => {
                if found_zero {
                    return &s[..i - 1];
                }
            }
            b'0' => found_zero = true,
            _ => return s,
        }
        i -= 1;
    }
    s
}

/// `strconv.ParseInt(s, 0, 64)`: sign, `0x`/`0o`/`0b`/leading-`0` prefixes, underscores
/// between digits.
pub fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mag = parse_go_uint_base0(rest)?;
    if neg { if mag <= 1u64 << 63 { Some((mag as i64).wrapping_neg()) } else { None } } else { i64::try_from(mag).ok() }
}

/// `strconv.ParseUint(s, 0, 64)`.
pub fn parse_go_uint_base0(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let (base, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string(), true)
    } else {
        (10, lower, false)
    };
    if !underscores_ok(s, prefixed) {
        return None;
    }
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() {
        return None;
    }
    u64::from_str_radix(&digits, base).ok().filter(|_| !digits.starts_with('+'))
}

/// Go's `underscoreOK`: underscores only between digits or after a base prefix.
fn underscores_ok(s: &str, prefixed: bool) -> bool {
    if !s.contains('_') {
        return true;
    }
    let b = s.as_bytes();
    let mut saw = '^';
    let mut i = 0;
    if prefixed && b.len() >= 2 && b[0] == b'0' {
        // "0x_1" is fine: the prefix counts as a digit.
        saw = '0';
        i = if b[1].is_ascii_alphabetic() { 2 } else { 1 };
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_hexdigit() {
            saw = '0';
        } else if c == b'_' {
            if saw != '0' {
                return false;
            }
            saw = '_';
        } else {
            if saw == '_' {
                return false;
            }
            saw = '!';
        }
        i += 1;
    }
    saw != '_'
}

/// `strconv.ParseFloat(s, 64)` for the decimal forms (plus `Inf`/`NaN` spellings).
pub fn parse_go_float(s: &str) -> Option<f64> {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = t.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(if s.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY });
    }
    if lower == "nan" {
        return if t.len() == s.len() { Some(f64::NAN) } else { None };
    }
    if lower.starts_with("0x") {
        return None;
    }
    // Rust accepts exactly Go's decimal syntax except for the spellings handled above.
    if !t.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-')) {
        return None;
    }
    s.parse::<f64>().ok()
}

// ---------------------------------------------------------------------------------------------
// Value predicates.

/// sprig's `empty`.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i, _) => *i == 0,
        Value::Float(f) => *f == 0.0,
        Value::Str(s) => s.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.borrow().is_empty(),
        Value::Object(o) => match o.type_name() {
            "time.Duration" => matches!(o.field("\0nanos"), Some(Value::Int(0, _))),
            // Pointers (semver) are never nil here; structs are never empty.
            _ => false,
        },
    }
}

/// `reflect.DeepEqual`.
pub fn deep_equal(a: &Value, b: &Value) -> bool {
    deep_equal_at(a, b, 0)
}

fn deep_equal_at(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > PRINT_DEPTH {
        return false;
    }
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        // `reflect.DeepEqual`: an `int` never equals an `int64`.
        (Value::Int(x, a), Value::Int(y, b)) => x == y && a == b,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal_at(p, q, depth + 1))
        }
        (Value::Map(x), Value::Map(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| deep_equal_at(v, w, depth + 1)))
        }
        (Value::Object(x), Value::Object(y)) => x.type_name() == y.type_name() && x.display() == y.display(),
        _ => false,
    }
}

/// Builds a map value from pairs.
pub fn map_from<I: IntoIterator<Item = (String, Value)>>(items: I) -> Value {
    Value::map(items.into_iter().collect::<BTreeMap<_, _>>())
}

/// A list of strings.
pub fn str_list<I: IntoIterator<Item = String>>(items: I) -> Value {
    Value::list(items.into_iter().map(Value::str).collect())
}

/// Strings in Go may hold any bytes; ours must be UTF-8, so byte-level slicing that splits a
/// character degrades to U+FFFD like Go's printing of such bytes would.
pub fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Go's `s[start:end]` on a string, with the runtime's panic text.
pub fn slice_str(s: &str, start: i64, end: i64) -> Result<String, String> {
    let len = s.len() as i64;
    if end < 0 || end > len {
        return Err(format!("runtime error: slice bounds out of range [:{end}] with length {len}"));
    }
    if start < 0 || start > end {
        return Err(format!("runtime error: slice bounds out of range [{start}:{end}]"));
    }
    Ok(lossy(&s.as_bytes()[start as usize..end as usize]))
}

/// Calls a function with fresh state and prints its result as `%v`: the shape most function
/// tests assert on.
#[cfg(test)]
pub(crate) fn call_go_string(f: super::Func, args: Vec<Value>) -> Result<String, String> {
    f(&mut super::FuncEnv::default(), &args).map(|v| go_string(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_formats_match_go() {
        assert_eq!(format_float_g(1e8), "1e+08");
        assert_eq!(format_float_g(8080.0), "8080");
        assert_eq!(format_float_g(0.5), "0.5");
        assert_eq!(format_float_g(1234567.5), "1.2345675e+06");
        assert_eq!(format_float_g(123456.0), "123456");
        assert_eq!(format_float_g(1234567.0), "1.234567e+06");
        assert_eq!(format_float_g(0.0001), "0.0001");
        assert_eq!(format_float_g(0.00001), "1e-05");
        assert_eq!(format_float_g(1e21), "1e+21");
        assert_eq!(format_float_g(-2.5e-300), "-2.5e-300");
        assert_eq!(format_float_g(f64::INFINITY), "+Inf");
        assert_eq!(format_float_f(1e20), "100000000000000000000");
        assert_eq!(format_float_f(0.000001), "0.000001");
        assert_eq!(format_float_e(1e-7), "1e-07");
        assert_eq!(format_float32_g(1.1), "1.1");
        assert_eq!(format_float32_g(0.1), "0.1");
    }

    #[test]
    fn go_printing() {
        let v = Value::list(vec![Value::str("a"), Value::int64(1), Value::Nil, Value::Float(1e8)]);
        assert_eq!(go_string(&v), "[a 1 <nil> 1e+08]");
        let m = map_from([("b".to_string(), Value::Bool(true)), ("a".to_string(), Value::list(vec![]))]);
        assert_eq!(go_string(&m), "map[a:[] b:true]");
    }

    #[test]
    fn go_string_agrees_with_display() {
        let vals = [
            Value::Nil,
            Value::Float(1e8),
            Value::Float(-0.0),
            Value::Float(1234567.5),
            Value::Float(0.000012),
            Value::Float(f64::NAN),
            Value::list(vec![Value::Nil, Value::str("a b"), Value::Float(2.0)]),
            map_from([("k".to_string(), Value::list(vec![])), ("e".to_string(), Value::empty_map())]),
        ];
        for v in vals {
            assert_eq!(go_string(&v), v.to_string());
        }
    }

    #[test]
    fn cast_conversions() {
        assert_eq!(to_int64(&Value::str("0x10")), 16);
        assert_eq!(to_int64(&Value::str("010")), 8);
        assert_eq!(to_int64(&Value::str("08")), 0);
        assert_eq!(to_int64(&Value::str("12.00")), 12);
        assert_eq!(to_int64(&Value::str("12.5")), 0);
        assert_eq!(to_int64(&Value::str("1_000")), 1000);
        assert_eq!(to_int64(&Value::Float(-3.9)), -3);
        assert_eq!(to_float64(&Value::str("2.5")), 2.5);
        assert_eq!(to_float64(&Value::str("x")), 0.0);
        assert_eq!(parse_go_int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_go_int("_1"), None);
    }
}
