//! sprig's reflection helpers: `typeOf`, `typeIs`, `typeIsLike`, `kindOf`, `kindIs`, `deepEqual`.
//!
//! Type names come from [`Value::type_name`]; Go distinguishes `int` (template literals,
//! `len`, `atoi`) from `int64` (`add`, `--set`), which our single `Int` cannot.

use super::super::value::Value;
use super::common::{arity, deep_equal, kind_name, str_arg};
use super::{Func, FuncEnv};

pub(super) fn register(out: &mut Vec<(&'static str, Func)>) {
    out.extend([
        ("typeOf", type_of as Func),
        ("typeIs", type_is),
        ("typeIsLike", type_is_like),
        ("kindOf", kind_of),
        ("kindIs", kind_is),
        ("deepEqual", deep_equal_fn),
    ]);
}

fn type_of(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("typeOf", args, 1)?;
    Ok(Value::str(args[0].type_name()))
}

fn type_is(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("typeIs", args, 2)?;
    Ok(Value::Bool(*str_arg(args, 0)? == *args[1].type_name()))
}

fn type_is_like(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("typeIsLike", args, 2)?;
    let target = str_arg(args, 0)?;
    let t = args[1].type_name();
    Ok(Value::Bool(*target == *t || format!("*{target}") == t))
}

fn kind_of(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("kindOf", args, 1)?;
    Ok(Value::str(kind_name(&args[0])))
}

fn kind_is(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("kindIs", args, 2)?;
    Ok(Value::Bool(*str_arg(args, 0)? == *kind_name(&args[1])))
}

fn deep_equal_fn(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("deepEqual", args, 2)?;
    Ok(Value::Bool(deep_equal(&args[0], &args[1])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_types() {
        let mut env = FuncEnv::default();
        let k = |v: Value| kind_of(&mut FuncEnv::default(), &[v]).unwrap().as_str().map(str::to_string);
        assert_eq!(k(Value::Nil).as_deref(), Some("invalid"));
        assert_eq!(k(Value::list(vec![])).as_deref(), Some("slice"));
        assert_eq!(k(Value::empty_map()).as_deref(), Some("map"));
        let t = type_of(&mut env, &[Value::Float(1.0)]).unwrap();
        assert_eq!(t.as_str(), Some("float64"));
        let like = type_is_like(&mut env, &[Value::str("string"), Value::str("x")]).unwrap();
        assert!(like.truthy());
        let eq = deep_equal_fn(&mut env, &[Value::int64(1), Value::Float(1.0)]).unwrap();
        assert!(!eq.truthy());
    }
}
