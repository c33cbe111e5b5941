//! Go values as a Helm template sees them.
//!
//! Helm decodes values files through JSON, so every number from YAML is a `float64`; `--set`
//! numbers are `int64`; template literals, `len`, `int` and `atoi` give `int`, sprig arithmetic
//! gives `int64` (both [`Value::Int`], told apart by [`IntKind`] for `typeOf`, `%T` and
//! `deepEqual`). Maps are
//! reference types in Go and sprig mutates them in place (`set`, `unset`, `merge`), so
//! [`Value::Map`] is shared and mutable. Lists are immutable here: Go slices returned by sprig
//! are fresh copies (`append` copies), so value semantics are faithful enough.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A mutable, shared `map[string]interface{}`. `BTreeMap` gives Go's sorted iteration order
/// (`range` and printing both sort keys).
pub type Map = Rc<RefCell<BTreeMap<String, Value>>>;

#[derive(Clone, Debug, Default)]
pub enum Value {
    /// Go `nil` (a missing value or an explicit `null`).
    #[default]
    Nil,
    Bool(bool),
    /// Go `int` or `int64`.
    Int(i64, IntKind),
    /// Go `float64`.
    Float(f64),
    Str(Rc<str>),
    /// `[]interface{}` (also stands for `[]string` and other slices).
    List(Rc<Vec<Value>>),
    Map(Map),
    /// A Go object with fields and methods that templates reach through dot: `.Files`,
    /// `.Capabilities`, `.Capabilities.APIVersions`, … Implemented by the chart layer.
    Object(Rc<dyn GoObject>),
}

/// Which Go integer type a number has. Arithmetic and printing do not care; reflection does
/// (`typeOf`, `kindOf`, `%T`), and so does `reflect.DeepEqual` (`has`, `uniq`, `without`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntKind {
    /// `int`: template number literals, `len`, `int`, `atoi`, `until`, range indices.
    Int,
    /// `int64`: sprig arithmetic (`add`, `mul`, `max`, …), `int64`, `--set` numbers.
    Int64,
}

/// A value with Go fields and methods (`.Files.Get "x"`, `.Capabilities.APIVersions.Has "v1"`).
pub trait GoObject: std::fmt::Debug {
    /// The Go type name, for `%T`/`typeOf`.
    fn type_name(&self) -> &'static str;
    /// A field or a method without arguments (`.Capabilities.KubeVersion`).
    fn field(&self, name: &str) -> Option<Value>;
    /// A method call with arguments; `None` when there is no such method.
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>>;
    /// What `{{ . }}` prints for it.
    fn display(&self) -> String;
    /// For a Go map type (`.Files` is a `map[string][]byte`): its entries in key order, which
    /// `range`, `len` and truth see.
    fn entries(&self) -> Option<Vec<(String, Value)>> {
        None
    }
}

impl Value {
    /// A Go `int64` (sprig arithmetic).
    pub fn int64(n: i64) -> Value {
        Value::Int(n, IntKind::Int64)
    }

    /// A Go `int` (template literals, `len`, `int`).
    pub fn int(n: i64) -> Value {
        Value::Int(n, IntKind::Int)
    }

    pub fn str(s: impl Into<Rc<str>>) -> Value {
        Value::Str(s.into())
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(items))
    }

    pub fn map(entries: BTreeMap<String, Value>) -> Value {
        Value::Map(Rc::new(RefCell::new(entries)))
    }

    pub fn empty_map() -> Value {
        Value::map(BTreeMap::new())
    }

    /// Go's truth: false, 0, nil, empty string/list/map are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i, _) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.borrow().is_empty(),
            Value::Object(o) => o.entries().is_none_or(|e| !e.is_empty()),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Looks up `key` in a map value.
    pub fn get(&self, key: &str) -> Option<Value> {
        match self {
            Value::Map(m) => m.borrow().get(key).cloned(),
            _ => None,
        }
    }

    /// Go type name as `printf "%T"` / sprig `typeOf` print it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_, IntKind::Int) => "int",
            Value::Int(_, IntKind::Int64) => "int64",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::List(_) => "[]interface {}",
            Value::Map(_) => "map[string]interface {}",
            Value::Object(o) => o.type_name(),
        }
    }

    /// A deep copy (sprig `deepCopy`, and Helm's copying of values before coalescing).
    pub fn deep_copy(&self) -> Value {
        match self {
            Value::List(l) => Value::list(l.iter().map(Value::deep_copy).collect()),
            Value::Map(m) => Value::map(m.borrow().iter().map(|(k, v)| (k.clone(), v.deep_copy())).collect()),
            other => other.clone(),
        }
    }
}

/// Go's `%v` formatting (`fmt.Sprint`), as templates print values.
impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::helm::template::fmt::sprint_value(self))
    }
}
