//! Go `text/template` with Helm's engine semantics: one template set per chart render, executed
//! the way `helm template` executes it (`missingkey=zero`, `<no value>` stripped from each
//! rendered file, `include`/`tpl`/`required`/`fail`/`lookup`, Helm's error message shapes).
//!
//! Output is byte-identical to Helm v4 for the supported features; each rendered line also
//! carries the template file and line that produced it, so findings can point at the source.
//!
//! Pure functions (sprig and Helm's additions) come from [`crate::helm::funcs`] through a
//! [`FuncTable`]. A function reports a wrongly typed argument with [`arg_type_error`] and a
//! wrong argument count with a message starting `wrong number of args for NAME: `, so that the
//! engine can produce Go's messages for them.

mod exec;
pub mod fmt;
mod lex;
mod parse;

use crate::helm::funcs::{self, Func, FuncEnv};
use crate::helm::value::Value;
pub use exec::LineSource;
use exec::{Exec, GoErr};
use parse::Tree;
use std::collections::HashMap;
use std::rc::Rc;

/// Functions available to templates, by name. Helm's engine functions (`include`, `tpl`,
/// `required`, `fail`, `lookup`) and Go's builtins are provided by the engine; a table entry
/// overrides a builtin of the same name (sprig's `slice` does), as in Go.
#[derive(Clone, Default)]
pub struct FuncTable {
    map: HashMap<String, Func>,
}

impl FuncTable {
    /// An empty table (Go builtins and Helm's engine functions only).
    pub fn new() -> FuncTable {
        FuncTable::default()
    }

    /// Every function of [`funcs::all`].
    pub fn helm() -> FuncTable {
        let mut t = FuncTable::new();
        for (name, f) in funcs::all() {
            t.insert(name, f);
        }
        t
    }

    pub fn insert(&mut self, name: &str, f: Func) {
        self.map.insert(name.to_string(), f);
    }

    pub fn get(&self, name: &str) -> Option<Func> {
        self.map.get(name).copied()
    }
}

const BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println", "urlquery", "eq",
    "ge", "gt", "le", "lt", "ne",
];
const ENGINE: &[&str] = &["include", "tpl", "required", "fail", "lookup"];

pub(crate) fn has_function(funcs: &FuncTable, name: &str) -> bool {
    ENGINE.contains(&name) || BUILTINS.contains(&name) || funcs.get(name).is_some()
}

/// The error a pure function returns when argument `index` (0-based, counting a piped-in value
/// as the last argument) does not have Go type `expected` (`string`, `int`, `float64`, `bool`,
/// …). The engine turns it into Go's message for the argument's node.
pub fn arg_type_error(index: usize, expected: &str) -> String {
    format!("{}{index}:{expected}", exec::ARG_TYPE_MARK)
}

/// A parse or execution error, with Helm's message.
#[derive(Debug, Clone)]
pub struct TemplateError {
    /// The message as Helm's engine returns it, e.g. `parse error at (c/templates/x.yaml:3):
    /// unexpected "}" in operand` or `execution error at (c/templates/x.yaml:1:6): need x`.
    pub message: String,
    /// The template file and 1-based line where the innermost failure happened.
    pub location: Option<(Rc<str>, u32)>,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TemplateError {}

/// A rendered template.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub text: String,
    /// One entry per line of `text` (split on `\n`; a trailing newline gives a last, empty
    /// line): the template file and 1-based line that produced the line's first non-blank byte,
    /// or `None` for a blank line. Text coming from a `define` points into the define's file.
    pub lines: Vec<Option<LineSource>>,
}

/// One template set, like the `*template.Template` Helm builds per render: the files of a chart
/// and its subcharts share one namespace of `{{define}}`s.
pub struct Templates {
    trees: HashMap<Rc<str>, Rc<Tree>>,
    order: Vec<Rc<str>>,
    funcs: FuncTable,
}

impl Templates {
    pub fn new(funcs: FuncTable) -> Templates {
        Templates { trees: HashMap::new(), order: Vec::new(), funcs }
    }

    /// Parses `text` as template `name` and registers its `{{define}}`s and `{{block}}`s. A
    /// later non-empty definition replaces an earlier one; an empty one never replaces a
    /// non-empty one (Go's `AddParseTree`).
    pub fn add(&mut self, name: &str, text: &str) -> Result<(), TemplateError> {
        let funcs = &self.funcs;
        let trees = parse::parse(name, text, &|n| has_function(funcs, n)).map_err(|e| TemplateError {
            message: helm_parse_error(name, &e.0),
            location: parse_error_location(&e.0),
        })?;
        for t in trees {
            let keep_old = parse::is_empty_tree(&t.root)
                && self.trees.get(&t.name).is_some_and(|old| !parse::is_empty_tree(&old.root));
            if keep_old {
                continue;
            }
            if !self.trees.contains_key(&t.name) {
                self.order.push(t.name.clone());
            }
            self.trees.insert(t.name.clone(), Rc::new(t));
        }
        Ok(())
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(|n| &**n)
    }

    /// Executes template `name` with `dot` as Helm renders one file: `<no value>` is removed
    /// from the result and errors get Helm's shape.
    pub fn execute(&self, name: &str, dot: &Value, env: &mut FuncEnv) -> Result<Rendered, TemplateError> {
        let Some(tree) = self.trees.get(name).cloned() else {
            return Err(TemplateError {
                message: format!(
                    "template: no template {} associated with template \"gotpl\"",
                    fmt::quote_go(name, false)
                ),
                location: None,
            });
        };
        let mut ex = Exec::new(&self.trees, &self.funcs, env, tree);
        if let Err(e) = ex.run(dot.clone()) {
            return Err(TemplateError { message: helm_exec_error(name, &e), location: e.location.clone() });
        }
        let out = std::mem::take(&mut ex.out);
        Ok(strip_no_value(out))
    }
}

/// Helm's `<no value>` removal, keeping the line map in step with the text.
fn strip_no_value(out: exec::Out) -> Rendered {
    const NV: &str = "<no value>";
    let mut out = out;
    if out.buf.contains(NV) {
        let hits: Vec<usize> = out.buf.match_indices(NV).map(|(i, _)| i).collect();
        let shift = |off: usize| -> usize {
            let before = hits.partition_point(|&h| h + NV.len() <= off);
            let inside = hits.get(before).filter(|&&h| h < off).map_or(0, |&h| off - h);
            off - before * NV.len() - inside
        };
        for s in &mut out.spans {
            s.start = shift(s.start);
        }
        out.buf = out.buf.replace(NV, "");
    }
    let lines = out.line_sources();
    Rendered { text: out.buf, lines }
}

/// Helm's `cleanupParseError`.
fn helm_parse_error(filename: &str, go: &str) -> String {
    let tokens: Vec<&str> = go.split(": ").collect();
    match (tokens.get(1), tokens.last()) {
        (Some(location), Some(last)) if tokens.len() > 1 => format!("parse error at ({location}): {last}"),
        _ => format!("parse error in ({filename}): {go}"),
    }
}

fn parse_error_location(go: &str) -> Option<(Rc<str>, u32)> {
    let loc = go.strip_prefix("template: ")?.split(": ").next()?;
    let (name, line) = loc.rsplit_once(':')?;
    Some((Rc::from(name), line.parse().ok()?))
}

#[derive(PartialEq, Eq)]
struct Traceable {
    location: String,
    message: String,
    executed: String,
}

impl Traceable {
    fn render(&self, out: &mut String) {
        if !self.location.is_empty() {
            out.push_str(&self.location);
            out.push_str("\n  ");
        }
        if !self.executed.is_empty() {
            out.push_str(&self.executed);
            out.push_str("\n    ");
        }
        if !self.message.is_empty() {
            out.push_str(&self.message);
            out.push('\n');
        }
    }
}

fn cut_template_suffix(msg: &str) -> String {
    match msg.find(" template:") {
        Some(i) => msg.get(..i).unwrap_or(msg).to_string(),
        None => msg.to_string(),
    }
}

/// Helm's `parseTemplateExecErrorString`.
fn parse_traceable(s: &str) -> Option<Traceable> {
    let rem = s.strip_prefix("template: ")?;
    if rem.starts_with("no template ") {
        return Some(Traceable { location: String::new(), message: s.to_string(), executed: String::new() });
    }
    if let Some((tname, after)) = rem.split_once(": executing ") {
        let parsed = (|| {
            let body = after.strip_prefix('"')?;
            let endq = body.find('"')?;
            let fname = body.get(..endq)?;
            let after_at = body.get(endq + 1..)?.strip_prefix(" at <")?;
            let (loc, msg) = after_at.split_once(">: ")?;
            Some(Traceable {
                location: tname.to_string(),
                message: cut_template_suffix(msg),
                executed: format!("executing \"{fname}\" at <{loc}>:"),
            })
        })();
        if parsed.is_some() {
            return parsed;
        }
    }
    let sep = rem.rfind(": ")?;
    Some(Traceable {
        location: rem.get(..sep)?.to_string(),
        message: cut_template_suffix(rem.get(sep + 2..)?),
        executed: String::new(),
    })
}

/// Helm's `reformatExecErrorMsg` over Go's error chain.
fn helm_exec_error(filename: &str, e: &GoErr) -> String {
    let first = e.levels.first().map_or("", String::as_str);
    let tokens: Vec<&str> = first.splitn(3, ": ").collect();
    let [_, location, rest] = tokens.as_slice() else {
        return format!("execution error in ({filename}): {first}");
    };
    if let Some(start) = rest.find("HELM_ERR_START") {
        let body = rest.get(start + "HELM_ERR_START".len()..).unwrap_or("");
        if let Some(end) = body.rfind("HELM_ERR_END") {
            return format!("execution error at ({location}): {}", body.get(..end).unwrap_or(""));
        }
    }
    let mut trace: Vec<Traceable> = Vec::new();
    for level in &e.levels {
        let Some(t) = parse_traceable(level) else {
            return first.to_string();
        };
        if trace.last() != Some(&t) {
            trace.push(t);
        }
    }
    let mut s = String::new();
    for t in &trace {
        t.render(&mut s);
    }
    s.trim().to_string()
}

#[cfg(test)]
mod tests;
