//! sprig's list functions. The non-`must` variants panic in Go on a non-list argument;
//! `text/template` turns that panic into an error, so both variants return the same `Err`.

use super::super::value::Value;
use super::common::{
    NIL_DEREF, arity, arity_min, deep_equal, int_arg, is_empty, kind_name, list_of, str_arg, strval, to_int64,
};
use super::{Func, FuncEnv};

/// Longest list `until`/`untilStep`/`seq` will build. Go would try and exhaust memory; a
/// linter must not.
const MAX_RANGE: i64 = 10_000_000;

pub(super) fn register(out: &mut Vec<(&'static str, Func)>) {
    out.extend([
        ("list", list as Func),
        ("tuple", list),
        ("append", push),
        ("push", push),
        ("mustAppend", push),
        ("mustPush", push),
        ("prepend", prepend),
        ("mustPrepend", prepend),
        ("first", first),
        ("mustFirst", first),
        ("rest", rest),
        ("mustRest", rest),
        ("last", last),
        ("mustLast", last),
        ("initial", initial),
        ("mustInitial", initial),
        ("reverse", reverse),
        ("mustReverse", reverse),
        ("uniq", uniq),
        ("mustUniq", uniq),
        ("without", without),
        ("mustWithout", without),
        ("has", has),
        ("mustHas", has),
        ("slice", slice),
        ("mustSlice", slice),
        ("concat", concat),
        ("chunk", chunk),
        ("mustChunk", chunk),
        ("compact", compact),
        ("mustCompact", compact),
        ("sortAlpha", sort_alpha),
        ("join", join),
        ("toStrings", to_strings),
        ("until", until),
        ("untilStep", until_step),
        ("seq", seq),
    ]);
}

fn list(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    Ok(Value::list(args.to_vec()))
}

fn push(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("append", args, 2)?;
    let mut l = list_of(&args[0], "push")?.to_vec();
    l.push(args[1].clone());
    Ok(Value::list(l))
}

fn prepend(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("prepend", args, 2)?;
    let l = list_of(&args[0], "prepend")?;
    let mut out = Vec::with_capacity(l.len() + 1);
    out.push(args[1].clone());
    out.extend(l.iter().cloned());
    Ok(Value::list(out))
}

fn first(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("first", args, 1)?;
    Ok(list_of(&args[0], "find first")?.first().cloned().unwrap_or(Value::Nil))
}

fn last(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("last", args, 1)?;
    Ok(list_of(&args[0], "find last")?.last().cloned().unwrap_or(Value::Nil))
}

fn rest(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("rest", args, 1)?;
    let l = list_of(&args[0], "find rest")?;
    Ok(Value::list(l.iter().skip(1).cloned().collect()))
}

fn initial(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("initial", args, 1)?;
    let l = list_of(&args[0], "find initial")?;
    Ok(Value::list(l[..l.len().saturating_sub(1)].to_vec()))
}

fn reverse(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("reverse", args, 1)?;
    let l = list_of(&args[0], "find reverse")?;
    Ok(Value::list(l.iter().rev().cloned().collect()))
}

fn uniq(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("uniq", args, 1)?;
    let l = list_of(&args[0], "find uniq")?;
    let mut out: Vec<Value> = Vec::new();
    for item in l {
        if !out.iter().any(|o| deep_equal(o, item)) {
            out.push(item.clone());
        }
    }
    Ok(Value::list(out))
}

fn without(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity_min("without", args, 1)?;
    let l = list_of(&args[0], "find without")?;
    let omit = &args[1..];
    Ok(Value::list(l.iter().filter(|item| !omit.iter().any(|o| deep_equal(o, item))).cloned().collect()))
}

fn has(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("has", args, 2)?;
    match &args[1] {
        Value::Nil => Ok(Value::Bool(false)),
        Value::List(l) => Ok(Value::Bool(l.iter().any(|item| deep_equal(&args[0], item)))),
        other => Err(format!("Cannot find has on type {}", kind_name(other))),
    }
}

fn slice(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity_min("slice", args, 1)?;
    let l = match &args[0] {
        Value::List(l) => l,
        Value::Nil => return Err(NIL_DEREF.into()),
        other => return Err(format!("list should be type of slice or array but {}", kind_name(other))),
    };
    if l.is_empty() {
        return Ok(Value::Nil);
    }
    let len = l.len() as i64;
    let start = if args.len() > 1 { to_int64(&args[1]) } else { 0 };
    let end = if args.len() > 2 { to_int64(&args[2]) } else { len };
    if start < 0 || end < start || end > len {
        return Err("reflect: slice index out of range".into());
    }
    Ok(Value::list(l[start as usize..end as usize].to_vec()))
}

fn concat(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    let mut out = Vec::new();
    for a in args {
        match a {
            Value::List(l) => out.extend(l.iter().cloned()),
            Value::Nil => return Err(NIL_DEREF.into()),
            other => return Err(format!("Cannot concat type {} as list", kind_name(other))),
        }
    }
    Ok(Value::list(out))
}

fn chunk(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("chunk", args, 2)?;
    let size = int_arg(args, 0)?;
    let l = list_of(&args[1], "chunk")?;
    if l.is_empty() && size > 0 {
        return Ok(Value::list(Vec::new()));
    }
    if size <= 0 {
        return Err("runtime error: makeslice: len out of range".into());
    }
    let out = l.chunks(size as usize).map(|c| Value::list(c.to_vec())).collect();
    Ok(Value::list(out))
}

fn compact(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("compact", args, 1)?;
    let l = list_of(&args[0], "compact")?;
    Ok(Value::list(l.iter().filter(|v| !is_empty(v)).cloned().collect()))
}

/// sprig's `strslice`: the list's non-nil items as strings, or the value itself as one string.
pub(crate) fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l.iter().filter(|x| !matches!(x, Value::Nil)).map(strval).collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

fn sort_alpha(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("sortAlpha", args, 1)?;
    let mut items = match &args[0] {
        Value::List(_) => strslice(&args[0]),
        other => vec![strval(other)],
    };
    items.sort();
    Ok(Value::list(items.into_iter().map(Value::str).collect()))
}

fn join(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("join", args, 2)?;
    let sep = str_arg(args, 0)?;
    Ok(Value::str(strslice(&args[1]).join(&sep)))
}

fn to_strings(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("toStrings", args, 1)?;
    Ok(Value::list(strslice(&args[0]).into_iter().map(Value::str).collect()))
}

/// sprig's `untilStep`.
fn range_step(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, String> {
    let mut v = Vec::new();
    let (start_w, stop_w, step_w) = (i128::from(start), i128::from(stop), i128::from(step));
    let count = if stop < start {
        if step >= 0 {
            return Ok(v);
        }
        (start_w - stop_w + (-step_w - 1)) / -step_w
    } else {
        if step <= 0 {
            return Ok(v);
        }
        (stop_w - start_w + (step_w - 1)) / step_w
    };
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    if count > MAX_RANGE {
        return Err(format!("range of {count} elements is too long to render"));
    }
    let mut i = start;
    for _ in 0..count {
        v.push(i);
        i = i.wrapping_add(step);
    }
    Ok(v)
}

fn ints(v: Vec<i64>) -> Value {
    Value::list(v.into_iter().map(Value::int).collect())
}

fn until(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("until", args, 1)?;
    let count = int_arg(args, 0)?;
    Ok(ints(range_step(0, count, if count < 0 { -1 } else { 1 })?))
}

fn until_step(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("untilStep", args, 3)?;
    Ok(ints(range_step(int_arg(args, 0)?, int_arg(args, 1)?, int_arg(args, 2)?)?))
}

fn seq(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    let p: Vec<i64> = (0..args.len()).map(|i| int_arg(args, i)).collect::<Result<_, _>>()?;
    let v = match p.as_slice() {
        [end] => {
            let inc = if *end < 1 { -1 } else { 1 };
            range_step(1, end.saturating_add(inc), inc)?
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            range_step(*start, end.saturating_add(step), step)?
        }
        [start, step, end] => {
            let inc = if end < start { -1 } else { 1 };
            if end < start && *step > 0 {
                return Ok(Value::str(""));
            }
            range_step(*start, end.saturating_add(inc), *step)?
        }
        _ => return Ok(Value::str("")),
    };
    Ok(Value::str(v.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::common::call_go_string as call;
    fn st(v: &str) -> Value {
        Value::str(v)
    }
    fn l(items: Vec<Value>) -> Value {
        Value::list(items)
    }
    fn i(n: i64) -> Value {
        Value::int64(n)
    }

    #[test]
    fn sprig_list_cases() {
        let abc = l(vec![st("a"), st("b"), st("c")]);
        assert_eq!(call(first, vec![abc.clone()]).unwrap(), "a");
        assert_eq!(call(first, vec![l(vec![])]).unwrap(), "<nil>");
        assert_eq!(call(rest, vec![abc.clone()]).unwrap(), "[b c]");
        assert_eq!(call(initial, vec![abc.clone()]).unwrap(), "[a b]");
        assert_eq!(call(last, vec![abc.clone()]).unwrap(), "c");
        assert_eq!(call(reverse, vec![abc.clone()]).unwrap(), "[c b a]");
        assert_eq!(call(push, vec![abc.clone(), st("d")]).unwrap(), "[a b c d]");
        assert_eq!(call(prepend, vec![abc.clone(), st("z")]).unwrap(), "[z a b c]");
        assert_eq!(call(first, vec![i(1)]).unwrap_err(), "Cannot find first on type int64");
        assert_eq!(call(push, vec![st("x"), i(1)]).unwrap_err(), "Cannot push on type string");
        assert_eq!(call(uniq, vec![l(vec![i(1), i(2), i(1), st("1")])]).unwrap(), "[1 2 1]");
        assert_eq!(call(without, vec![l(vec![i(1), i(2), i(3)]), i(2), i(3)]).unwrap(), "[1]");
        assert_eq!(call(has, vec![i(2), l(vec![i(1), i(2)])]).unwrap(), "true");
        assert_eq!(call(has, vec![i(2), Value::Nil]).unwrap(), "false");
        assert_eq!(call(compact, vec![l(vec![st(""), i(0), st("a"), Value::Nil, Value::Bool(false)])]).unwrap(), "[a]");
        assert_eq!(call(slice, vec![abc.clone(), i(1)]).unwrap(), "[b c]");
        assert_eq!(call(slice, vec![abc.clone(), i(1), i(2)]).unwrap(), "[b]");
        assert_eq!(call(concat, vec![abc.clone(), l(vec![i(1)])]).unwrap(), "[a b c 1]");
        assert_eq!(call(chunk, vec![i(2), l(vec![i(1), i(2), i(3)])]).unwrap(), "[[1 2] [3]]");
        assert_eq!(call(sort_alpha, vec![l(vec![st("b"), i(1), st("a")])]).unwrap(), "[1 a b]");
        assert_eq!(call(sort_alpha, vec![st("x")]).unwrap(), "[x]");
        assert_eq!(call(join, vec![st("-"), l(vec![st("a"), Value::Nil, i(1)])]).unwrap(), "a-1");
        assert_eq!(call(join, vec![st("-"), st("abc")]).unwrap(), "abc");
        assert_eq!(call(until, vec![i(3)]).unwrap(), "[0 1 2]");
        assert_eq!(call(until, vec![i(-3)]).unwrap(), "[0 -1 -2]");
        assert_eq!(call(until_step, vec![i(0), i(10), i(3)]).unwrap(), "[0 3 6 9]");
        assert_eq!(call(until_step, vec![i(10), i(0), i(-4)]).unwrap(), "[10 6 2]");
        assert_eq!(call(seq, vec![i(3)]).unwrap(), "1 2 3");
        assert_eq!(call(seq, vec![i(0)]).unwrap(), "1 0");
        assert_eq!(call(seq, vec![i(2), i(-2)]).unwrap(), "2 1 0 -1 -2");
        assert_eq!(call(seq, vec![i(0), i(2), i(7)]).unwrap(), "0 2 4 6");
        assert_eq!(call(seq, vec![i(7), i(-2), i(0)]).unwrap(), "7 5 3 1");
        assert_eq!(call(seq, vec![i(7), i(2), i(0)]).unwrap(), "");
        assert_eq!(call(seq, vec![]).unwrap(), "");
    }
}
