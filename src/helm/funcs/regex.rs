//! sprig's regular-expression functions over Go's RE2 syntax, run by the `regex` crate.
//!
//! The two engines share RE2's syntax; where Go differs (`\d`, `\w`, `\s`, `\b` are ASCII-only
//! in Go) we rewrite the pattern before compiling it. Replacement templates (`$1`, `${name}`,
//! `$$`) have identical semantics in both.

use regex::Regex;

use super::super::value::Value;
use super::common::{arity, int_arg, str_arg, str_list};
use super::{Func, FuncEnv};

pub(super) fn register(out: &mut Vec<(&'static str, Func)>) {
    out.extend([
        ("regexMatch", regex_match as Func),
        ("mustRegexMatch", must_regex_match),
        ("regexFindAll", regex_find_all),
        ("mustRegexFindAll", must_regex_find_all),
        ("regexFind", regex_find),
        ("mustRegexFind", must_regex_find),
        ("regexReplaceAll", regex_replace_all),
        ("mustRegexReplaceAll", must_regex_replace_all),
        ("regexReplaceAllLiteral", regex_replace_all_literal),
        ("mustRegexReplaceAllLiteral", must_regex_replace_all_literal),
        ("regexSplit", regex_split),
        ("mustRegexSplit", must_regex_split),
        ("regexQuoteMeta", regex_quote_meta),
    ]);
}

/// Rewrites Go-only semantics into the `regex` crate's dialect.
fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    // Inside a class: whether the last item was a single character that a `-` can extend into
    // a range, and whether we are right after such a `-`. Go (Perl flags) takes any other `-`
    // literally (`[\w-\.]`), where the `regex` crate would see a range.
    let mut range_ok = false;
    let mut after_dash = false;
    while let Some(c) = chars.next() {
        if in_class && c != ']' {
            let single = match c {
                '\\' => chars.peek().is_some_and(|n| !matches!(n, 'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'p' | 'P')),
                '[' => chars.peek() != Some(&':'),
                '-' => {
                    if range_ok && !after_dash && chars.peek().is_some_and(|n| *n != ']') {
                        after_dash = true;
                        out.push('-');
                        continue;
                    }
                    out.push_str("\\-");
                    range_ok = !after_dash;
                    after_dash = false;
                    continue;
                }
                _ => true,
            };
            range_ok = single && !after_dash;
            after_dash = false;
        }
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let rep: Option<&str> = match (in_class, n) {
                    (false, 'd') => Some("[0-9]"),
                    (false, 'D') => Some("[^0-9]"),
                    (false, 'w') => Some("[0-9A-Za-z_]"),
                    (false, 'W') => Some("[^0-9A-Za-z_]"),
                    (false, 's') => Some("[\\t\\n\\f\\r ]"),
                    (false, 'S') => Some("[^\\t\\n\\f\\r ]"),
                    (false, 'b') => Some("(?-u:\\b)"),
                    (false, 'B') => Some("(?-u:\\B)"),
                    (true, 'd') => Some("0-9"),
                    (true, 'w') => Some("0-9A-Za-z_"),
                    (true, 's') => Some("\\t\\n\\f\\r "),
                    _ => None,
                };
                match rep {
                    Some(r) => out.push_str(r),
                    None => {
                        out.push('\\');
                        out.push(n);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                range_ok = false;
                after_dash = false;
                out.push('[');
                // A leading `]` (or `^]`) is a literal member of the class.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                    range_ok = true;
                }
            }
            '[' if in_class && chars.peek() == Some(&':') => {
                // POSIX class `[:alpha:]` inside a bracket expression.
                out.push('[');
                for d in chars.by_ref() {
                    out.push(d);
                    if d == ']' {
                        break;
                    }
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            other => out.push(other),
        }
    }
    out
}

/// Compiles a Go (RE2) pattern with Go's ASCII-only `\d`, `\w`, `\s`, `\b`.
pub(crate) fn compile(pattern: &str) -> Result<Regex, String> {
    Regex::new(&translate(pattern)).map_err(|e| {
        let msg = e.to_string();
        let last = msg.lines().rev().find(|l| l.starts_with("error:")).unwrap_or(&msg).trim_start_matches("error: ");
        // Go's wording for the errors both parsers detect (regexp/syntax ErrorCode).
        let go = match last {
            "unclosed group" => "missing closing )",
            "unopened group" => "unexpected )",
            "unclosed character class" => "missing closing ]",
            "repetition operator missing expression" => "missing argument to repetition operator",
            "unrecognized escape sequence" => "invalid escape sequence",
            "invalid character class range, the start must be <= the end" => "invalid character class range",
            "incomplete escape sequence, reached end of pattern prematurely" => {
                "trailing backslash at end of expression"
            }
            other => other,
        };
        format!("error parsing regexp: {go}: `{pattern}`")
    })
}

/// `regexp.MustCompile`'s panic text.
fn must_compile(pattern: &str) -> Result<Regex, String> {
    compile(pattern).map_err(|e| format!("regexp: Compile({}): {e}", go_backquote(pattern)))
}

fn go_backquote(s: &str) -> String {
    if s.contains('`') { super::strings::go_quote(s) } else { format!("`{s}`") }
}

fn regex_match(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("regexMatch", args, 2)?;
    let (re, s) = (str_arg(args, 0)?, str_arg(args, 1)?);
    Ok(Value::Bool(compile(&re).map(|r| r.is_match(&s)).unwrap_or(false)))
}

fn must_regex_match(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("mustRegexMatch", args, 2)?;
    let (re, s) = (str_arg(args, 0)?, str_arg(args, 1)?);
    Ok(Value::Bool(compile(&re)?.is_match(&s)))
}

/// Go's `FindAllStringIndex(s, n)`: `n < 0` means all. Empty matches right after a previous
/// match are skipped, as Go does.
fn find_all(re: &Regex, s: &str, n: i64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let mut prev_end: Option<usize> = None;
    for m in re.find_iter(s) {
        if m.start() == m.end() && prev_end == Some(m.start()) {
            continue;
        }
        out.push((m.start(), m.end()));
        prev_end = Some(m.end());
        if n > 0 && out.len() as i64 >= n {
            break;
        }
    }
    out
}

fn find_all_impl(args: &[Value], must: bool) -> Result<Value, String> {
    arity("regexFindAll", args, 3)?;
    let (re, s, n) = (str_arg(args, 0)?, str_arg(args, 1)?, int_arg(args, 2)?);
    let re = if must { compile(&re)? } else { must_compile(&re)? };
    Ok(str_list(find_all(&re, &s, n).into_iter().map(|(a, b)| s[a..b].to_string())))
}

fn regex_find_all(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    find_all_impl(args, false)
}

fn must_regex_find_all(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    find_all_impl(args, true)
}

fn find_impl(args: &[Value], must: bool) -> Result<Value, String> {
    arity("regexFind", args, 2)?;
    let (re, s) = (str_arg(args, 0)?, str_arg(args, 1)?);
    let re = if must { compile(&re)? } else { must_compile(&re)? };
    Ok(Value::str(re.find(&s).map_or("", |m| m.as_str())))
}

fn regex_find(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    find_impl(args, false)
}

fn must_regex_find(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    find_impl(args, true)
}

fn replace_impl(args: &[Value], must: bool, literal: bool) -> Result<Value, String> {
    arity("regexReplaceAll", args, 3)?;
    let (re, s, repl) = (str_arg(args, 0)?, str_arg(args, 1)?, str_arg(args, 2)?);
    let re = if must { compile(&re)? } else { must_compile(&re)? };
    // Replace match by match so that empty matches follow Go's rule too.
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (a, b) in find_all(&re, &s, -1) {
        out.push_str(&s[last..a]);
        if literal {
            out.push_str(&repl);
        } else if let Some(caps) = re.captures_at(&s, a).filter(|c| c.get(0).is_some_and(|m| m.start() == a)) {
            caps.expand(&repl, &mut out);
        }
        last = b;
    }
    out.push_str(&s[last..]);
    Ok(Value::str(out))
}

fn regex_replace_all(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    replace_impl(args, false, false)
}

fn must_regex_replace_all(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    replace_impl(args, true, false)
}

fn regex_replace_all_literal(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    replace_impl(args, false, true)
}

fn must_regex_replace_all_literal(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    replace_impl(args, true, true)
}

fn split_impl(args: &[Value], must: bool) -> Result<Value, String> {
    arity("regexSplit", args, 3)?;
    let (pattern, s, n) = (str_arg(args, 0)?, str_arg(args, 1)?, int_arg(args, 2)?);
    let re = if must { compile(&pattern)? } else { must_compile(&pattern)? };
    if n == 0 {
        return Ok(Value::list(Vec::new()));
    }
    if !pattern.is_empty() && s.is_empty() {
        return Ok(str_list([String::new()]));
    }
    let mut parts = Vec::new();
    let (mut beg, mut end) = (0usize, 0usize);
    for (a, b) in find_all(&re, &s, n) {
        if n > 0 && parts.len() as i64 == n - 1 {
            break;
        }
        end = a;
        if b != 0 {
            parts.push(s[beg..end].to_string());
        }
        beg = b;
    }
    if end != s.len() {
        parts.push(s[beg..].to_string());
    }
    Ok(str_list(parts))
}

fn regex_split(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    split_impl(args, false)
}

fn must_regex_split(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    split_impl(args, true)
}

fn regex_quote_meta(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("regexQuoteMeta", args, 1)?;
    let s = str_arg(args, 0)?;
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    Ok(Value::str(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::common::call_go_string as call;
    fn st(v: &str) -> Value {
        Value::str(v)
    }

    #[test]
    fn sprig_regex_cases() {
        assert_eq!(
            call(regex_match, vec![st("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}"), st("test@acme.com")])
                .unwrap(),
            "true"
        );
        assert_eq!(call(regex_match, vec![st("("), st("x")]).unwrap(), "false");
        assert!(call(must_regex_match, vec![st("("), st("x")]).is_err());
        assert_eq!(call(regex_find_all, vec![st("a.?"), st("faabacad"), Value::int64(-1)]).unwrap(), "[aa ac ad]");
        assert_eq!(call(regex_find_all, vec![st("[1,3,5,7]"), st("123456789"), Value::int64(2)]).unwrap(), "[1 3]");
        assert_eq!(call(regex_find, vec![st("[a-zA-Z][1-9]"), st("abcd1234")]).unwrap(), "d1");
        assert_eq!(call(regex_replace_all, vec![st("a(x*)b"), st("-ab-axxb-"), st("${1}W")]).unwrap(), "-W-xxW-");
        assert_eq!(call(regex_replace_all, vec![st("a(x*)b"), st("-ab-axxb-"), st("$1W")]).unwrap(), "---");
        assert_eq!(
            call(regex_replace_all_literal, vec![st("a(x*)b"), st("-ab-axxb-"), st("${1}")]).unwrap(),
            "-${1}-${1}-"
        );
        assert_eq!(call(regex_split, vec![st("z+"), st("pizza"), Value::int64(-1)]).unwrap(), "[pi a]");
        assert_eq!(call(regex_split, vec![st("z+"), st("pizza"), Value::int64(1)]).unwrap(), "[pizza]");
        assert_eq!(call(regex_split, vec![st(""), st("abc"), Value::int64(-1)]).unwrap(), "[a b c]");
        assert_eq!(call(regex_replace_all, vec![st("a*"), st("baaac"), st("-")]).unwrap(), "-b-c-");
        assert_eq!(call(regex_match, vec![st("^\\d+$"), st("١٢")]).unwrap(), "false");
        assert_eq!(call(regex_quote_meta, vec![st("1.2-3#")]).unwrap(), "1\\.2-3#");
    }
}
