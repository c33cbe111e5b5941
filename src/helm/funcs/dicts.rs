//! sprig's dictionary functions. Maps are shared and mutable ([`Value::Map`]), so `set`,
//! `unset`, `merge` and `mergeOverwrite` change their first argument in place and return it,
//! exactly as sprig does with Go maps.
//!
//! `keys` and `values` return Go map order in sprig, which is random; we return key order
//! (sorted), which is what charts get after the `sortAlpha` they almost always add.

use std::collections::BTreeMap;

use super::super::value::{Map, Value};
use super::common::{arity, arity_min, is_empty, map_arg, str_arg, strval};
use super::{Func, FuncEnv};

/// Deepest nesting merge and deep copy follow. Go has no limit but values this deep only
/// arise from a map that contains itself (`set $d "me" $d`), which Go would loop on.
pub(crate) const MAX_NESTING: usize = 1000;

pub(super) fn register(out: &mut Vec<(&'static str, Func)>) {
    out.extend([
        ("dict", dict as Func),
        ("get", get),
        ("set", set),
        ("unset", unset),
        ("hasKey", has_key),
        ("pluck", pluck),
        ("keys", keys),
        ("pick", pick),
        ("omit", omit),
        ("merge", merge),
        ("mustMerge", merge),
        ("mergeOverwrite", merge_overwrite),
        ("mustMergeOverwrite", merge_overwrite),
        ("values", values),
        ("deepCopy", deep_copy),
        ("mustDeepCopy", deep_copy),
        ("dig", dig),
    ]);
}

fn dict(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    let mut m = BTreeMap::new();
    for pair in args.chunks(2) {
        let key = strval(&pair[0]);
        m.insert(key, pair.get(1).cloned().unwrap_or_else(|| Value::str("")));
    }
    Ok(Value::map(m))
}

fn get(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("get", args, 2)?;
    let m = map_arg(args, 0)?;
    let key = str_arg(args, 1)?;
    Ok(m.and_then(|m| m.borrow().get(&*key).cloned()).unwrap_or_else(|| Value::str("")))
}

fn set(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("set", args, 3)?;
    let m = map_arg(args, 0)?;
    let key = str_arg(args, 1)?;
    let Some(m) = m else {
        return Err("assignment to entry in nil map".into());
    };
    m.borrow_mut().insert(key.to_string(), args[2].clone());
    Ok(Value::Map(m))
}

fn unset(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("unset", args, 2)?;
    let m = map_arg(args, 0)?;
    let key = str_arg(args, 1)?;
    match m {
        Some(m) => {
            m.borrow_mut().remove(&*key);
            Ok(Value::Map(m))
        }
        None => Ok(Value::Nil),
    }
}

fn has_key(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("hasKey", args, 2)?;
    let m = map_arg(args, 0)?;
    let key = str_arg(args, 1)?;
    Ok(Value::Bool(m.is_some_and(|m| m.borrow().contains_key(&*key))))
}

fn maps_from(args: &[Value], from: usize) -> Result<Vec<Option<Map>>, String> {
    (from..args.len()).map(|i| map_arg(args, i)).collect()
}

fn pluck(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity_min("pluck", args, 1)?;
    let key = str_arg(args, 0)?;
    let out = maps_from(args, 1)?.into_iter().flatten().filter_map(|m| m.borrow().get(&*key).cloned()).collect();
    Ok(Value::list(out))
}

fn keys(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    let mut out = Vec::new();
    for m in maps_from(args, 0)?.into_iter().flatten() {
        out.extend(m.borrow().keys().map(|k| Value::str(k.as_str())));
    }
    Ok(Value::list(out))
}

fn key_list(args: &[Value], from: usize) -> Result<Vec<String>, String> {
    (from..args.len()).map(|i| str_arg(args, i).map(|s| s.to_string())).collect()
}

fn pick(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity_min("pick", args, 1)?;
    let m = map_arg(args, 0)?;
    let wanted = key_list(args, 1)?;
    let mut out = BTreeMap::new();
    if let Some(m) = m {
        let m = m.borrow();
        for k in wanted {
            if let Some(v) = m.get(&k) {
                out.insert(k, v.clone());
            }
        }
    }
    Ok(Value::map(out))
}

fn omit(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity_min("omit", args, 1)?;
    let m = map_arg(args, 0)?;
    let unwanted = key_list(args, 1)?;
    let out = match m {
        Some(m) => {
            m.borrow().iter().filter(|(k, _)| !unwanted.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
        }
        None => BTreeMap::new(),
    };
    Ok(Value::map(out))
}

/// mergo's `deepMerge` for two `map[string]interface{}` (with sprig's default config).
fn merge_maps(dst: &Map, src: &Map, overwrite: bool, depth: usize) {
    if depth > MAX_NESTING {
        return;
    }
    // Snapshot the source: it may be the destination itself, or contain it.
    let entries: Vec<(String, Value)> = src.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let src_empty = entries.is_empty();
    for (key, src_el) in entries {
        let dst_el = dst.borrow().get(&key).cloned();
        match &src_el {
            Value::Nil => {
                if overwrite {
                    dst.borrow_mut().insert(key, Value::Nil);
                }
                continue;
            }
            Value::Map(sm) => {
                if let Some(Value::Map(dm)) = &dst_el
                    && !std::rc::Rc::ptr_eq(dm, sm)
                {
                    merge_maps(dm, sm, overwrite, depth + 1);
                }
            }
            Value::List(_) => {
                // mergo tests the emptiness of the enclosing maps here, not of the elements.
                let dst_empty = dst.borrow().is_empty();
                let new = match &dst_el {
                    Some(d) if !matches!(d, Value::Nil) => {
                        if !src_empty && (overwrite || dst_empty) {
                            src_el.clone()
                        } else {
                            d.clone()
                        }
                    }
                    _ => {
                        if !src_empty && (overwrite || dst_empty) {
                            src_el.clone()
                        } else {
                            Value::list(Vec::new())
                        }
                    }
                };
                dst.borrow_mut().insert(key.clone(), new);
            }
            _ => {}
        }
        if let Some(d) = &dst_el
            && !is_empty(d)
            && (matches!(src_el, Value::List(_)) || matches!((&src_el, d), (Value::Map(_), Value::Map(_))))
        {
            continue;
        }
        if overwrite || dst_el.as_ref().is_none_or(is_empty) {
            dst.borrow_mut().insert(key, src_el);
        }
    }
}

fn merge_impl(args: &[Value], overwrite: bool, name: &str) -> Result<Value, String> {
    arity_min(name, args, 1)?;
    let dst = map_arg(args, 0)?;
    let srcs = maps_from(args, 1)?;
    let mut dst = dst;
    for src in srcs.into_iter().flatten() {
        let d = match &dst {
            Some(d) => d.clone(),
            None => {
                if src.borrow().is_empty() {
                    continue;
                }
                // mergo allocates a map for a nil destination.
                let fresh: Map = std::rc::Rc::new(std::cell::RefCell::new(BTreeMap::new()));
                dst = Some(fresh.clone());
                fresh
            }
        };
        merge_maps(&d, &src, overwrite, 0);
    }
    Ok(dst.map_or(Value::Nil, Value::Map))
}

fn merge(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    merge_impl(args, false, "merge")
}

fn merge_overwrite(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    merge_impl(args, true, "mergeOverwrite")
}

fn values(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("values", args, 1)?;
    let m = map_arg(args, 0)?;
    Ok(Value::list(m.map(|m| m.borrow().values().cloned().collect()).unwrap_or_default()))
}

/// A deep copy that stops at [`MAX_NESTING`] instead of overflowing the stack on a cycle.
pub(crate) fn deep_copy_value(v: &Value, depth: usize) -> Value {
    if depth > MAX_NESTING {
        return v.clone();
    }
    match v {
        Value::List(l) => Value::list(l.iter().map(|x| deep_copy_value(x, depth + 1)).collect()),
        Value::Map(m) => {
            Value::map(m.borrow().iter().map(|(k, x)| (k.clone(), deep_copy_value(x, depth + 1))).collect())
        }
        other => other.clone(),
    }
}

fn deep_copy(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("deepCopy", args, 1)?;
    Ok(deep_copy_value(&args[0], 0))
}

fn conversion_panic(v: &Value, want: &str) -> String {
    let got = match v {
        Value::Nil => "nil".to_string(),
        other => other.type_name().to_string(),
    };
    format!("interface conversion: interface {{}} is {got}, not {want}")
}

fn dig(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    if args.len() < 3 {
        return Err("dig needs at least three arguments".into());
    }
    let n = args.len();
    let Value::Map(dict) = &args[n - 1] else {
        return Err(conversion_panic(&args[n - 1], "map[string]interface {}"));
    };
    let default = &args[n - 2];
    let mut keys = Vec::with_capacity(n - 2);
    for k in &args[..n - 2] {
        match k {
            Value::Str(s) => keys.push(s.clone()),
            other => return Err(conversion_panic(other, "string")),
        }
    }
    let mut current = dict.clone();
    for (i, k) in keys.iter().enumerate() {
        let step = current.borrow().get(&**k).cloned();
        let Some(step) = step else {
            return Ok(default.clone());
        };
        if i == keys.len() - 1 {
            return Ok(step);
        }
        match step {
            Value::Map(m) => current = m,
            other => return Err(conversion_panic(&other, "map[string]interface {}")),
        }
    }
    Ok(default.clone())
}

#[cfg(test)]
mod tests {
    use super::super::common::go_string;
    use super::*;

    fn call(f: Func, args: Vec<Value>) -> Result<Value, String> {
        f(&mut FuncEnv::default(), &args)
    }
    fn st(v: &str) -> Value {
        Value::str(v)
    }
    fn d(pairs: Vec<(&str, Value)>) -> Value {
        Value::map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }
    fn show(v: Result<Value, String>) -> String {
        go_string(&v.unwrap())
    }

    #[test]
    fn dict_basics() {
        assert_eq!(show(call(dict, vec![st("a"), Value::int64(1), Value::int64(2)])), "map[2: a:1]");
        let m = d(vec![("a", Value::int64(1))]);
        assert_eq!(show(call(get, vec![m.clone(), st("a")])), "1");
        assert_eq!(show(call(get, vec![m.clone(), st("zz")])), "");
        assert_eq!(show(call(set, vec![m.clone(), st("b"), Value::int64(2)])), "map[a:1 b:2]");
        assert_eq!(go_string(&m), "map[a:1 b:2]");
        assert_eq!(show(call(unset, vec![m.clone(), st("a")])), "map[b:2]");
        assert_eq!(show(call(has_key, vec![m.clone(), st("b")])), "true");
        assert_eq!(
            call(set, vec![Value::Nil, st("b"), Value::int64(2)]).unwrap_err(),
            "assignment to entry in nil map"
        );
        assert_eq!(
            show(call(pick, vec![d(vec![("a", Value::int64(1)), ("b", Value::int64(2))]), st("b"), st("c")])),
            "map[b:2]"
        );
        assert_eq!(
            show(call(omit, vec![d(vec![("a", Value::int64(1)), ("b", Value::int64(2))]), st("b")])),
            "map[a:1]"
        );
        assert_eq!(
            show(call(
                pluck,
                vec![st("a"), d(vec![("a", Value::int64(1))]), d(vec![]), d(vec![("a", Value::int64(3))])]
            )),
            "[1 3]"
        );
        assert_eq!(show(call(keys, vec![d(vec![("b", Value::int64(1)), ("a", Value::int64(1))])])), "[a b]");
    }

    #[test]
    fn merge_destination_wins() {
        let dst = d(vec![
            ("a", Value::int64(1)),
            ("empty", st("")),
            ("nested", d(vec![("x", Value::int64(1))])),
            ("list", Value::list(vec![Value::int64(1)])),
        ]);
        let src = d(vec![
            ("a", Value::int64(2)),
            ("b", Value::int64(3)),
            ("empty", st("filled")),
            ("nested", d(vec![("x", Value::int64(9)), ("y", Value::int64(2))])),
            ("list", Value::list(vec![Value::int64(2)])),
            ("nil", Value::Nil),
        ]);
        let out = show(call(merge, vec![dst.clone(), src.clone()]));
        assert_eq!(out, "map[a:1 b:3 empty:filled list:[1] nested:map[x:1 y:2]]");
        assert_eq!(go_string(&dst), out);
        let dst2 = d(vec![("a", Value::int64(1)), ("nested", d(vec![("x", Value::int64(1))]))]);
        let out = show(call(merge_overwrite, vec![dst2, src]));
        assert_eq!(out, "map[a:2 b:3 empty:filled list:[2] nested:map[x:9 y:2] nil:<nil>]");
    }

    #[test]
    fn merge_self_does_not_panic() {
        let m = d(vec![("a", Value::int64(1))]);
        assert_eq!(show(call(merge, vec![m.clone(), m.clone()])), "map[a:1]");
        assert_eq!(show(call(merge, vec![Value::Nil, d(vec![("a", Value::int64(1))])])), "map[a:1]");
    }

    #[test]
    fn dig_cases() {
        let m = d(vec![("a", d(vec![("b", st("x"))]))]);
        assert_eq!(show(call(dig, vec![st("a"), st("b"), st("def"), m.clone()])), "x");
        assert_eq!(show(call(dig, vec![st("a"), st("c"), st("def"), m.clone()])), "def");
        assert_eq!(
            call(dig, vec![st("a"), st("b"), st("c"), st("def"), m.clone()]).unwrap_err(),
            "interface conversion: interface {} is string, not map[string]interface {}"
        );
        assert_eq!(call(dig, vec![st("a"), m]).unwrap_err(), "dig needs at least three arguments");
    }
}
