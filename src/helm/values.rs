//! Values: parsing values files the way Helm does, layering `-f`/`--set`, and Helm's
//! coalescing of user values over chart defaults and subchart scopes (`global` included).

use std::collections::BTreeMap;

use super::chart::Chart;
use super::value::Value;

/// A values tree (`map[string]interface{}`) by value.
pub type Values = BTreeMap<String, Value>;

pub const GLOBAL_KEY: &str = "global";

/// Parses a values file: YAML 1.1 scalars, numbers as float64, through Helm's JSON round trip.
/// An empty file (or `null`) is an empty map.
pub fn parse_values(text: &str) -> Result<Values, String> {
    match super::funcs::yaml::parse_yaml(text)? {
        Value::Map(m) => Ok(m.borrow().clone()),
        Value::Nil => Ok(Values::new()),
        other => Err(format!(
            "error unmarshaling JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            super::funcs::yaml::go_kind_word(&other)
        )),
    }
}

pub fn deep_copy_map(m: &Values) -> Values {
    m.iter().map(|(k, v)| (k.clone(), v.deep_copy())).collect()
}

fn as_table(v: &Value) -> Option<Values> {
    match v {
        Value::Map(m) => Some(m.borrow().clone()),
        _ => None,
    }
}

fn is_table(v: &Value) -> bool {
    matches!(v, Value::Map(_))
}

/// `-f` layering (Helm's `mergeMaps`): maps merge recursively, anything else replaces.
pub fn merge_maps(base: &mut Values, over: Values) {
    for (k, v) in over {
        match (base.get_mut(&k), &v) {
            (Some(Value::Map(b)), Value::Map(o)) => {
                let o = o.borrow().clone();
                let mut inner = b.borrow().clone();
                merge_maps(&mut inner, o);
                *b.borrow_mut() = inner;
            }
            _ => {
                base.insert(k, v);
            }
        }
    }
}

/// `CoalesceTables`/`MergeTables`: fills `dst` with keys of `src` that `dst` lacks, recursing
/// into tables; with `merge == false`, a `null` in `dst` deletes the key.
pub fn coalesce_tables_full(dst: &mut Values, mut src: Values, merge: bool) {
    let src_non_nil: std::collections::BTreeSet<String> =
        src.iter().filter(|(_, v)| !matches!(v, Value::Nil)).map(|(k, _)| k.clone()).collect();
    for (k, v) in dst.iter() {
        if matches!(v, Value::Nil) {
            src.insert(k.clone(), Value::Nil);
        }
    }
    for (key, val) in src {
        match dst.get_mut(&key) {
            Some(Value::Nil) if !merge && src_non_nil.contains(&key) => {
                dst.remove(&key);
            }
            None => {
                dst.insert(key, val);
            }
            Some(dv) => {
                if let (Value::Map(d), Value::Map(s)) = (&*dv, &val) {
                    let s = s.borrow().clone();
                    let mut inner = d.borrow().clone();
                    coalesce_tables_full(&mut inner, s, merge);
                    *d.borrow_mut() = inner;
                }
            }
        }
    }
}

pub fn merge_tables(dst: &mut Values, src: Values) {
    coalesce_tables_full(dst, src, true);
}

fn clean_nil_values(m: &mut Values) {
    m.retain(|_, v| !matches!(v, Value::Nil));
    for v in m.values_mut() {
        if let Value::Map(sub) = v {
            let mut inner = sub.borrow().clone();
            clean_nil_values(&mut inner);
            *sub.borrow_mut() = inner;
        }
    }
}

/// Helm's `CoalesceValues(chart, vals)`: user values over chart defaults, recursively for
/// subcharts, with globals pushed down.
pub fn coalesce_values(chart: &Chart, user: &Values) -> Values {
    let mut dest = deep_copy_map(user);
    coalesce(chart, &mut dest, false);
    dest
}

/// Helm's `MergeValues(chart, nil)` (used for import-values): like coalesce, but nulls survive.
pub fn merge_chart_values(chart: &Chart) -> Values {
    let mut dest = Values::new();
    coalesce(chart, &mut dest, true);
    dest
}

fn coalesce(chart: &Chart, dest: &mut Values, merge: bool) {
    coalesce_chart_values(chart, dest, merge);
    coalesce_deps(chart, dest, merge);
}

fn coalesce_deps(chart: &Chart, dest: &mut Values, merge: bool) {
    for sub in &chart.dependencies {
        let mut dv = match dest.get(&sub.name) {
            None => Values::new(),
            Some(v) => match as_table(v) {
                Some(t) => t,
                // Helm reports a type mismatch; we keep going with the chart's own defaults.
                None => continue,
            },
        };
        coalesce_globals(&mut dv, dest);
        coalesce(sub, &mut dv, merge);
        dest.insert(sub.name.clone(), Value::map(dv));
    }
}

fn coalesce_globals(dest: &mut Values, src: &Values) {
    let mut dg = match dest.get(GLOBAL_KEY) {
        None => Values::new(),
        Some(v) => match as_table(v) {
            Some(t) => t,
            None => return,
        },
    };
    let sg = match src.get(GLOBAL_KEY) {
        None => Values::new(),
        Some(v) => match as_table(v) {
            Some(t) => t,
            None => return,
        },
    };
    for (key, val) in sg {
        if let Some(vv) = as_table(&val) {
            match dg.get(&key).map(as_table) {
                None => {
                    dg.insert(key, Value::map(vv));
                }
                Some(Some(destv)) => {
                    let mut vv = vv;
                    coalesce_tables_full(&mut vv, destv, true);
                    dg.insert(key, Value::map(vv));
                }
                Some(None) => {}
            }
        } else if dg.get(&key).is_some_and(is_table) {
            // A table in the destination is not replaced by a scalar.
        } else {
            dg.insert(key, val);
        }
    }
    dest.insert(GLOBAL_KEY.into(), Value::map(dg));
}

fn coalesce_chart_values(chart: &Chart, v: &mut Values, merge: bool) {
    let vc = deep_copy_map(&chart.values);
    for (key, val) in vc {
        match v.get(&key) {
            Some(Value::Nil) if !merge => {
                v.remove(&key);
            }
            Some(Value::Map(dest)) => {
                let Some(mut src) = as_table(&val) else { continue };
                let merge = merge || chart.dependencies.iter().any(|d| d.name == key);
                if !merge {
                    clean_nil_values(&mut src);
                }
                let mut inner = dest.borrow().clone();
                coalesce_tables_full(&mut inner, src, merge);
                *dest.borrow_mut() = inner;
            }
            Some(_) => {}
            None => {
                if !merge {
                    if matches!(val, Value::Nil) {
                        continue;
                    }
                    if let Value::Map(sub) = &val {
                        let mut inner = sub.borrow().clone();
                        clean_nil_values(&mut inner);
                        *sub.borrow_mut() = inner;
                    }
                }
                v.insert(key, val);
            }
        }
    }
}

/// `Values.PathValue("a.b.c")`: the value at a dotted path, if every step is a table.
pub fn path_value(values: &Values, path: &str) -> Option<Value> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut cur = values.get(first)?.clone();
    for p in parts {
        cur = cur.get(p)?;
    }
    Some(cur)
}

/// Wraps `data` under the dotted `path` (`a.b` → `{a: {b: data}}`).
pub fn path_to_map(path: &str, data: Values) -> Values {
    let mut cur = data;
    for seg in path.split('.').rev() {
        let mut m = Values::new();
        m.insert(seg.to_string(), Value::map(cur));
        cur = m;
    }
    cur
}

/// Parses `--set` style assignments (`a.b=c,d[0]=e,list={x,y}`) into `base`. With `strings`,
/// every value is a string (`--set-string`); otherwise `true`/`false`/`null` and integers are
/// typed as Helm's strvals types them (int64).
pub fn parse_set(base: &mut Values, expr: &str, strings: bool) -> Result<(), String> {
    for assignment in split_unescaped(expr, ',') {
        if assignment.is_empty() {
            continue;
        }
        let Some((key, raw)) = assignment.split_once('=') else {
            return Err(format!("key \"{assignment}\" has no value"));
        };
        let value = if !strings && raw.starts_with('{') && raw.ends_with('}') {
            let inner = &raw[1..raw.len() - 1];
            Value::list(split_unescaped(inner, ',').iter().map(|s| typed(s, strings)).collect())
        } else {
            typed(raw, strings)
        };
        set_path(base, key, value)?;
    }
    Ok(())
}

/// Like [`parse_set`], but the value is the content of the named file (`--set-file`).
pub fn parse_set_file(base: &mut Values, expr: &str) -> Result<(), String> {
    for assignment in split_unescaped(expr, ',') {
        let Some((key, path)) = assignment.split_once('=') else {
            return Err(format!("key \"{assignment}\" has no value"));
        };
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        set_path(base, key, Value::str(text))?;
    }
    Ok(())
}

fn split_unescaped(s: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '{' => {
                depth += 1;
                cur.push(c);
            }
            '}' => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            c if c == sep && depth == 0 => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn typed(raw: &str, strings: bool) -> Value {
    if strings {
        return Value::str(raw);
    }
    match raw {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Nil,
        // strvals types integers as int64 unless they have a leading zero.
        _ if !(raw.len() > 1 && raw.starts_with('0')) && raw.parse::<i64>().is_ok() => {
            Value::int64(raw.parse().unwrap_or(0))
        }
        _ => Value::str(raw),
    }
}

fn set_path(base: &mut Values, key: &str, value: Value) -> Result<(), String> {
    let segs: Vec<&str> = key.split('.').collect();
    set_in(base, &segs, value, key)
}

/// `name` or `name[3]`.
fn parse_segment<'k>(seg: &'k str, key: &str) -> Result<(&'k str, Option<usize>), String> {
    match seg.split_once('[') {
        None => Ok((seg, None)),
        Some((name, rest)) => {
            let idx = rest.strip_suffix(']').and_then(|i| i.parse::<usize>().ok());
            match idx {
                // strvals refuses absurd indices instead of allocating them.
                Some(i) if i <= 65536 => Ok((name, Some(i))),
                _ => Err(format!("failed to parse index in key \"{key}\"")),
            }
        }
    }
}

fn set_in(map: &mut Values, segs: &[&str], value: Value, key: &str) -> Result<(), String> {
    let Some((first, rest)) = segs.split_first() else { return Ok(()) };
    let (name, index) = parse_segment(first, key)?;
    match index {
        None if rest.is_empty() => {
            map.insert(name.to_string(), value);
        }
        None => {
            let mut child = map.get(name).and_then(as_table).unwrap_or_default();
            set_in(&mut child, rest, value, key)?;
            map.insert(name.to_string(), Value::map(child));
        }
        Some(i) => {
            let mut list = match map.get(name) {
                Some(Value::List(l)) => l.to_vec(),
                _ => Vec::new(),
            };
            if list.len() <= i {
                list.resize(i + 1, Value::Nil);
            }
            if rest.is_empty() {
                list[i] = value;
            } else {
                let mut child = as_table(&list[i]).unwrap_or_default();
                set_in(&mut child, rest, value, key)?;
                list[i] = Value::map(child);
            }
            map.insert(name.to_string(), Value::list(list));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_paths_and_types() {
        let mut v = Values::new();
        parse_set(&mut v, "a.b=1,a.c=true,list={x,y},name=a\\,b,arr[1].k=v,zero=007", false).unwrap();
        let a = v.get("a").unwrap();
        assert!(matches!(a.get("b"), Some(Value::Int(1, _))));
        assert!(matches!(a.get("c"), Some(Value::Bool(true))));
        assert!(matches!(v.get("list"), Some(Value::List(l)) if l.len() == 2));
        assert_eq!(v.get("name").and_then(|n| n.as_str().map(str::to_string)).as_deref(), Some("a,b"));
        assert!(matches!(v.get("zero"), Some(Value::Str(_))));
        let mut s = Values::new();
        parse_set(&mut s, "port=80", true).unwrap();
        assert!(matches!(s.get("port"), Some(Value::Str(_))));
    }

    #[test]
    fn merge_maps_replaces_lists_and_merges_maps() {
        let mut base = Values::new();
        parse_set(&mut base, "a.x=1,a.y=2,l={1,2}", false).unwrap();
        let mut over = Values::new();
        parse_set(&mut over, "a.y=3,l={9}", false).unwrap();
        merge_maps(&mut base, over);
        assert!(matches!(base.get("a").unwrap().get("x"), Some(Value::Int(1, _))));
        assert!(matches!(base.get("a").unwrap().get("y"), Some(Value::Int(3, _))));
        assert!(matches!(base.get("l"), Some(Value::List(l)) if l.len() == 1));
    }

    #[test]
    fn coalesce_null_deletes_and_user_wins() {
        let mut dst = Values::new();
        parse_set(&mut dst, "a=null,b=2", false).unwrap();
        let mut src = Values::new();
        parse_set(&mut src, "a=1,b=1,c=3", false).unwrap();
        coalesce_tables_full(&mut dst, src, false);
        assert!(!dst.contains_key("a"));
        assert!(matches!(dst.get("b"), Some(Value::Int(2, _))));
        assert!(matches!(dst.get("c"), Some(Value::Int(3, _))));
    }
}
