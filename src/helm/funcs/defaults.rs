//! sprig's `default`, `empty`, `coalesce`, `all`, `any`, `ternary`.

use super::super::value::Value;
use super::common::{arity, arity_min, bool_arg, is_empty};
use super::{Func, FuncEnv};

pub(super) fn register(out: &mut Vec<(&'static str, Func)>) {
    out.extend([
        ("default", default as Func),
        ("empty", empty),
        ("coalesce", coalesce),
        ("all", all),
        ("any", any),
        ("ternary", ternary),
    ]);
}

fn default(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity_min("default", args, 1)?;
    match args.get(1) {
        Some(given) if !is_empty(given) => Ok(given.clone()),
        _ => Ok(args[0].clone()),
    }
}

fn empty(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("empty", args, 1)?;
    Ok(Value::Bool(is_empty(&args[0])))
}

fn coalesce(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    Ok(args.iter().find(|v| !is_empty(v)).cloned().unwrap_or(Value::Nil))
}

fn all(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(args.iter().all(|v| !is_empty(v))))
}

fn any(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(args.iter().any(|v| !is_empty(v))))
}

fn ternary(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("ternary", args, 3)?;
    Ok(if bool_arg(args, 2)? { args[0].clone() } else { args[1].clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::common::call_go_string as call;

    #[test]
    fn defaults() {
        let st = Value::str;
        assert_eq!(call(default, vec![st("foo")]).unwrap(), "foo");
        assert_eq!(call(default, vec![st("foo"), st("")]).unwrap(), "foo");
        assert_eq!(call(default, vec![st("foo"), Value::int64(0)]).unwrap(), "foo");
        assert_eq!(call(default, vec![st("foo"), Value::Bool(false)]).unwrap(), "foo");
        assert_eq!(call(default, vec![st("foo"), Value::list(vec![])]).unwrap(), "foo");
        assert_eq!(call(default, vec![st("foo"), st("bar")]).unwrap(), "bar");
        assert_eq!(call(default, vec![st("foo"), Value::Float(0.5)]).unwrap(), "0.5");
        assert_eq!(call(coalesce, vec![Value::Nil, st(""), st("x")]).unwrap(), "x");
        assert_eq!(call(coalesce, vec![Value::Nil]).unwrap(), "<nil>");
        assert_eq!(call(all, vec![st("a"), Value::int64(0)]).unwrap(), "false");
        assert_eq!(call(all, vec![]).unwrap(), "true");
        assert_eq!(call(any, vec![st(""), Value::int64(1)]).unwrap(), "true");
        assert_eq!(call(ternary, vec![st("a"), st("b"), Value::Bool(false)]).unwrap(), "b");
        assert_eq!(
            call(ternary, vec![st("a"), st("b"), st("true")]).unwrap_err(),
            crate::helm::template::arg_type_error(2, "bool")
        );
    }
}
