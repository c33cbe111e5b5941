//! The executor: Go `text/template`'s `exec.go` semantics over [`Value`], plus Helm's engine
//! functions (`include`, `tpl`, `required`, `fail`, `lookup`).
//!
//! Go distinguishes an *invalid* value (a missing variable, `nil` data) from a nil *interface*
//! (a missing or null map entry under `missingkey=zero`): field access on the first yields
//! nothing, on the second fails with "nil pointer evaluating interface {}.x". [`Val`] keeps that
//! distinction with its `iface` flag, as it decides the most common Helm failure.
//!
//! Errors carry Go's wrapping chain (`levels`) so that Helm's reformatting, which walks
//! `errors.Unwrap`, can be reproduced exactly. The node an error points at is Go's "current
//! node", updated wherever Go calls `state.at`, including Go's stale-node quirks.

use super::FuncTable;
use super::fmt as gofmt;
use super::parse::{self, Arg, Branch, Cmd, Node, Pipe, Tree};
use crate::helm::funcs::FuncEnv;
use crate::helm::value::Value;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::Rc;

/// Go's limit on nested `template` calls.
const MAX_DEPTH: usize = 100_000;
/// Stack the executor may use. Go grows its stacks; ours is fixed (2 MiB on rayon threads), so
/// recursion is cut by measured stack use, with Go's and Helm's messages for `template` and
/// `include` recursion. Deep templates hit these long before Helm's own limits in debug builds.
const STACK_BUDGET: usize = 1 << 20;
/// Recursion through `include`/`template` stops a little earlier, so that it, rather than some
/// nested expression, reports the error.
const CALL_STACK_BUDGET: usize = STACK_BUDGET - (64 << 10);
/// Helm's `recursionMaxNums`.
const HELM_INCLUDE_MAX: usize = 1000;
/// Rendered bytes per execution (all nested includes counted), against `range` bombs.
pub(crate) const MAX_OUTPUT: usize = 100 << 20;
/// Evaluation steps per execution, against loops that print nothing.
const MAX_STEPS: u64 = 50_000_000;

/// A value as the executor sees it; `iface` marks a value read out of an `interface{}` slot
/// (map entry, list element), which Go does not unwrap until the end of a pipeline command.
#[derive(Clone, Debug)]
pub(crate) struct Val {
    pub v: Value,
    pub iface: bool,
}

impl Val {
    fn of(v: Value) -> Val {
        Val { v, iface: false }
    }

    fn invalid() -> Val {
        Val { v: Value::Nil, iface: false }
    }

    fn slot(v: Value) -> Val {
        Val { v, iface: true }
    }

    fn is_invalid(&self) -> bool {
        matches!(self.v, Value::Nil) && !self.iface
    }

    /// Go's type string for field errors: an interface slot shows as `interface {}`.
    fn type_str(&self) -> &'static str {
        if self.iface { "interface {}" } else { go_type(&self.v) }
    }

    /// The type `validateType` reports: it looks inside a non-nil interface.
    fn arg_type_str(&self) -> &'static str {
        if self.iface && matches!(self.v, Value::Nil) { "interface {}" } else { go_type(&self.v) }
    }
}

use super::fmt::go_type;

/// An error with Go's `errors.Unwrap` chain: `levels[0]` is the full message, each further
/// level the message of the wrapped error.
#[derive(Debug, Clone)]
pub(crate) struct GoErr {
    pub levels: Vec<String>,
    /// Template file and line of the innermost execution error.
    pub location: Option<(Rc<str>, u32)>,
}

impl GoErr {
    pub fn plain(msg: String) -> GoErr {
        GoErr { levels: vec![msg], location: None }
    }
}

pub(crate) enum Stop {
    Break,
    Continue,
    Fail(Box<GoErr>),
}

type R<T> = Result<T, Stop>;

/// Prefix of a function error that reports a bad argument type; see [`super::arg_type_error`].
pub(crate) const ARG_TYPE_MARK: &str = "\u{1}argtype:";

/// Kinds of nodes Go's `state.at` can point at.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum NK {
    Action,
    Template,
    Range,
    Pipe,
    Cmd,
    Field,
    Chain,
    Ident,
    Var,
    Dot,
    Nil,
    Bool,
    Number,
    Str,
    None,
}

fn arg_kind(a: &Arg) -> NK {
    match a {
        Arg::Field { .. } => NK::Field,
        Arg::Chain { .. } => NK::Chain,
        Arg::Ident { .. } => NK::Ident,
        Arg::Var { .. } => NK::Var,
        Arg::Dot { .. } => NK::Dot,
        Arg::Nil { .. } => NK::Nil,
        Arg::Bool { .. } => NK::Bool,
        Arg::Number { .. } => NK::Number,
        Arg::Str { .. } => NK::Str,
        Arg::Pipe(_) => NK::Pipe,
    }
}

/// The rendered text with, per output span, the template source that produced it.
#[derive(Default)]
pub(crate) struct Out {
    pub buf: String,
    pub spans: Vec<Span>,
}

#[derive(Clone, Debug)]
pub(crate) struct Span {
    pub start: usize,
    pub src: Rc<str>,
    pub line: u32,
    /// Copied template text: its newlines advance the source line too.
    pub text: bool,
    /// For a line of an `include` result: the line of the template that printed the result.
    pub call: Option<(Rc<str>, u32)>,
}

/// Where one rendered line came from: the template line that wrote its first non-blank byte
/// and, for a line a named template produced, the line that printed that template's result.
#[derive(Clone, Debug)]
pub struct LineSource {
    pub src: Rc<str>,
    pub line: u32,
    pub call: Option<(Rc<str>, u32)>,
}

impl Out {
    /// For each line of `buf`, the source of its first non-blank byte.
    pub fn line_sources(&self) -> Vec<Option<LineSource>> {
        let mut res = Vec::new();
        let mut span_idx = 0usize;
        let mut line_start = 0usize;
        let bytes = self.buf.as_bytes();
        // Newlines counted so far inside the current text span, up to `counted_to`, so that a
        // long text span (a CRD of 20k lines) is scanned once, not once per line.
        let (mut counted_to, mut newlines) = (0usize, 0u32);
        loop {
            let line_end =
                self.buf.get(line_start..).and_then(|s| s.find('\n')).map_or(bytes.len(), |i| line_start + i);
            let first = (line_start..line_end).find(|&i| !matches!(bytes.get(i), Some(b' ' | b'\t' | b'\r')));
            res.push(first.and_then(|off| {
                while self.spans.get(span_idx + 1).is_some_and(|s| s.start <= off) {
                    span_idx += 1;
                }
                let s = self.spans.get(span_idx).filter(|s| s.start <= off)?;
                let line = if s.text {
                    if counted_to < s.start || counted_to > off {
                        counted_to = s.start;
                        newlines = 0;
                    }
                    newlines +=
                        bytes.get(counted_to..off).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count()) as u32;
                    counted_to = off;
                    s.line + newlines
                } else {
                    s.line
                };
                Some(LineSource { src: s.src.clone(), line, call: s.call.clone() })
            }));
            if line_end >= bytes.len() {
                break;
            }
            line_start = line_end + 1;
        }
        res
    }
}

pub(crate) struct Exec<'a> {
    base: &'a HashMap<Rc<str>, Rc<Tree>>,
    overlays: Vec<HashMap<Rc<str>, Rc<Tree>>>,
    funcs: &'a FuncTable,
    env: &'a mut FuncEnv,
    depth: usize,
    include_counts: HashMap<String, usize>,
    total_out: usize,
    steps: u64,
    /// Lines rendered by `include`, so that text printed from an include result points at the
    /// define that produced it.
    line_lookup: HashMap<Box<str>, (Rc<str>, u32)>,
    tmpl: Rc<Tree>,
    stack_base: usize,
    cur: (usize, NK),
    vars: Vec<(Rc<str>, Val)>,
    pub out: Out,
}

impl<'a> Exec<'a> {
    pub fn new(
        base: &'a HashMap<Rc<str>, Rc<Tree>>,
        funcs: &'a FuncTable,
        env: &'a mut FuncEnv,
        tmpl: Rc<Tree>,
    ) -> Exec<'a> {
        Exec {
            base,
            overlays: Vec::new(),
            funcs,
            env,
            depth: 0,
            include_counts: HashMap::new(),
            total_out: 0,
            steps: 0,
            line_lookup: HashMap::new(),
            tmpl,
            stack_base: 0,
            cur: (0, NK::None),
            vars: Vec::new(),
            out: Out::default(),
        }
    }

    /// Runs the template given to [`Exec::new`] with `dot`.
    pub fn run(&mut self, dot: Value) -> Result<(), GoErr> {
        let dot = Val::of(dot);
        self.stack_base = stack_addr();
        self.vars = vec![(Rc::from("$"), dot.clone())];
        let tree = self.tmpl.clone();
        match self.walk_list(&dot, &tree.root) {
            Ok(()) => Ok(()),
            Err(Stop::Fail(e)) => Err(*e),
            Err(_) => Ok(()),
        }
    }

    fn lookup_tree(&self, name: &str) -> Option<Rc<Tree>> {
        for o in self.overlays.iter().rev() {
            if let Some(t) = o.get(name) {
                return Some(t.clone());
            }
        }
        self.base.get(name).cloned()
    }

    fn at(&mut self, pos: usize, kind: NK) {
        self.cur = (pos, kind);
    }

    fn at_arg(&mut self, a: &Arg) {
        self.cur = (a.pos(), arg_kind(a));
    }

    /// Go's `state.errorf`.
    #[inline(never)]
    fn errorf(&self, msg: impl std::fmt::Display) -> Stop {
        Stop::Fail(Box::new(self.make_err(msg.to_string(), None)))
    }

    #[inline(never)]
    fn make_err(&self, msg: String, wrapped: Option<GoErr>) -> GoErr {
        let name = super::fmt::quote_go(&self.tmpl.name, false);
        let src = &self.tmpl.src;
        let (pos, kind) = self.cur;
        let ctx = if kind == NK::None { None } else { node_string(&self.tmpl, pos, kind) };
        let head = match ctx {
            Some(ctx) => format!("template: {}: executing {} at <{}>: ", src.location(pos), name, ctx),
            None => format!("template: {}: ", self.tmpl.name),
        };
        let here = Some((src.parse_name.clone(), src.line(pos)));
        match wrapped {
            Some(inner) => {
                let mut levels = Vec::with_capacity(inner.levels.len() + 1);
                levels.push(format!("{head}{msg}{}", inner.levels.first().map_or("", String::as_str)));
                let location = inner.location.clone().or(here);
                levels.extend(inner.levels);
                GoErr { levels, location }
            }
            None => GoErr { levels: vec![format!("{head}{msg}")], location: here },
        }
    }

    /// `error calling NAME: ERR`, wrapping ERR's chain.
    #[inline(never)]
    fn call_error(&self, name: &str, err: GoErr) -> Stop {
        Stop::Fail(Box::new(self.make_err(format!("error calling {name}: "), Some(err))))
    }

    fn step(&mut self) -> R<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(self.errorf("template execution exceeded the step limit"));
        }
        Ok(())
    }

    #[inline(never)]
    fn write(&mut self, s: &str, line_pos: usize, text: bool) -> R<()> {
        if s.is_empty() {
            return Ok(());
        }
        self.total_out += s.len();
        if self.total_out > MAX_OUTPUT {
            return Err(self.errorf(format!("rendered output exceeds {} MiB", MAX_OUTPUT >> 20)));
        }
        let src = self.tmpl.src.parse_name.clone();
        let line = self.tmpl.src.line(line_pos);
        if !text && !self.line_lookup.is_empty() && s.contains('\n') {
            // Printed include results: attribute each line to the define that rendered it.
            for piece in s.split_inclusive('\n') {
                let key = piece.trim();
                let (span_src, span_line, call) = match self.line_lookup.get(key) {
                    Some((s, l)) => (s.clone(), *l, Some((src.clone(), line))),
                    None => (src.clone(), line, None),
                };
                self.out.spans.push(Span {
                    start: self.out.buf.len(),
                    src: span_src,
                    line: span_line,
                    text: false,
                    call,
                });
                self.out.buf.push_str(piece);
            }
            return Ok(());
        }
        self.out.spans.push(Span { start: self.out.buf.len(), src, line, text, call: None });
        self.out.buf.push_str(s);
        Ok(())
    }

    // ---- walking ----

    fn stack_used(&self) -> usize {
        self.stack_base.abs_diff(stack_addr())
    }

    fn walk_list(&mut self, dot: &Val, list: &[Node]) -> R<()> {
        if self.stack_used() > STACK_BUDGET {
            return Err(self.errorf("template nesting too deep"));
        }
        for n in list {
            self.walk(dot, n)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &Val, node: &Node) -> R<()> {
        self.step()?;
        match node {
            Node::Text { pos, text } => {
                self.at(*pos, NK::None);
                self.write(text, *pos, true)
            }
            Node::Action { pos, pipe } => self.walk_action(dot, *pos, pipe),
            Node::If(b) => self.walk_if_with(dot, b, false),
            Node::With(b) => self.walk_if_with(dot, b, true),
            Node::Range(b) => self.walk_range(dot, b),
            Node::Template { pos, name, pipe } => self.walk_template(dot, *pos, name, pipe.as_ref()),
            Node::Break { pos } => {
                self.at(*pos, NK::None);
                Err(Stop::Break)
            }
            Node::Continue { pos } => {
                self.at(*pos, NK::None);
                Err(Stop::Continue)
            }
        }
    }

    fn walk_action(&mut self, dot: &Val, pos: usize, pipe: &Pipe) -> R<()> {
        self.at(pos, NK::Action);
        let val = self.eval_pipeline(dot, pipe)?;
        if pipe.decl.is_empty() {
            self.print_value(pos, &val)?;
        }
        Ok(())
    }

    #[inline(never)]
    fn print_value(&mut self, pos: usize, val: &Val) -> R<()> {
        self.at(pos, NK::Action);
        let s = if val.is_invalid() { "<no value>".to_string() } else { gofmt::sprint_value(&val.v) };
        self.write(&s, pos, false)
    }

    fn walk_if_with(&mut self, dot: &Val, b: &Branch, with: bool) -> R<()> {
        let mark = self.vars.len();
        let r = (|| {
            let val = self.eval_pipeline(dot, &b.pipe)?;
            if val.v.truthy() {
                if with { self.walk_list(&val, &b.list) } else { self.walk_list(dot, &b.list) }
            } else if let Some(e) = &b.else_list {
                self.walk_list(dot, e)
            } else {
                Ok(())
            }
        })();
        self.vars.truncate(mark);
        r
    }

    fn walk_range(&mut self, dot: &Val, b: &Branch) -> R<()> {
        self.at(b.pos, NK::Range);
        let mark0 = self.vars.len();
        let r = self.walk_range_inner(dot, b);
        self.vars.truncate(mark0);
        match r {
            Err(Stop::Break) => Ok(()),
            other => other,
        }
    }

    fn walk_range_inner(&mut self, dot: &Val, b: &Branch) -> R<()> {
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let mark = self.vars.len();
        let ran = match &val.v {
            Value::List(items) => {
                let items = items.clone();
                for (i, e) in items.iter().enumerate() {
                    self.one_iteration(b, mark, Val::of(Value::int(i as i64)), Val::slot(e.clone()))?;
                }
                !items.is_empty()
            }
            Value::Map(m) => {
                let entries: Vec<(String, Value)> = m.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                for (k, e) in &entries {
                    self.one_iteration(b, mark, Val::of(Value::str(k.as_str())), Val::slot(e.clone()))?;
                }
                !entries.is_empty()
            }
            Value::Int(n, kind) => {
                if b.pipe.decl.len() > 1 {
                    return Err(self.errorf(format!("can't use {n} to iterate over more than one variable")));
                }
                for i in 0..(*n).max(0) {
                    self.one_iteration(b, mark, Val::invalid(), Val::of(Value::Int(i, *kind)))?;
                }
                *n > 0
            }
            Value::Object(o) if o.entries().is_some() => {
                let entries = o.entries().unwrap_or_default();
                for (k, e) in &entries {
                    self.one_iteration(b, mark, Val::of(Value::str(k.as_str())), Val::slot(e.clone()))?;
                }
                !entries.is_empty()
            }
            Value::Nil => false,
            other => return Err(self.errorf(format!("range can't iterate over {}", gofmt::sprint_value(other)))),
        };
        if !ran && let Some(e) = &b.else_list {
            return self.walk_list(dot, e);
        }
        Ok(())
    }

    fn one_iteration(&mut self, b: &Branch, mark: usize, index: Val, elem: Val) -> R<()> {
        self.step()?;
        let decl = &b.pipe.decl;
        if let Some(first) = decl.first() {
            if b.pipe.is_assign {
                let v = if decl.len() > 1 { index.clone() } else { elem.clone() };
                self.set_var(first, v)?;
            } else if let Some(slot) = self.vars.len().checked_sub(1).and_then(|i| self.vars.get_mut(i)) {
                slot.1 = elem.clone();
            }
        }
        if let Some(second) = decl.get(1) {
            if b.pipe.is_assign {
                self.set_var(second, elem.clone())?;
            } else if let Some(slot) = self.vars.len().checked_sub(2).and_then(|i| self.vars.get_mut(i)) {
                slot.1 = index;
            }
        }
        let r = self.walk_list(&elem, &b.list);
        self.vars.truncate(mark);
        match r {
            Err(Stop::Continue) => Ok(()),
            other => other,
        }
    }

    fn walk_template(&mut self, dot: &Val, pos: usize, name: &str, pipe: Option<&Pipe>) -> R<()> {
        self.at(pos, NK::Template);
        let Some(tree) = self.lookup_tree(name) else {
            return Err(self.errorf(format!("template {} not defined", gofmt::quote_go(name, false))));
        };
        if self.depth >= MAX_DEPTH || self.stack_used() > CALL_STACK_BUDGET {
            return Err(self.errorf(format!("exceeded maximum template depth ({MAX_DEPTH})")));
        }
        let dot = match pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Val::invalid(),
        };
        let saved_vars = std::mem::replace(&mut self.vars, vec![(Rc::from("$"), dot.clone())]);
        let saved_tmpl = std::mem::replace(&mut self.tmpl, tree.clone());
        let saved_cur = self.cur;
        self.depth += 1;
        let r = self.walk_list(&dot, &tree.root);
        self.depth -= 1;
        self.vars = saved_vars;
        self.tmpl = saved_tmpl;
        if r.is_ok() {
            self.cur = saved_cur;
        }
        r
    }

    fn set_var(&mut self, name: &str, v: Val) -> R<()> {
        for slot in self.vars.iter_mut().rev() {
            if &*slot.0 == name {
                slot.1 = v;
                return Ok(());
            }
        }
        Err(self.errorf(format!("undefined variable: {name}")))
    }

    fn var_value(&self, name: &str) -> R<Val> {
        for slot in self.vars.iter().rev() {
            if &*slot.0 == name {
                return Ok(slot.1.clone());
            }
        }
        Err(self.errorf(format!("undefined variable: {name}")))
    }

    // ---- evaluation ----

    fn eval_pipeline(&mut self, dot: &Val, pipe: &Pipe) -> R<Val> {
        if self.stack_used() > STACK_BUDGET {
            return Err(self.errorf("template nesting too deep"));
        }
        self.at(pipe.pos, NK::Pipe);
        let mut value: Option<Val> = None;
        for cmd in &pipe.cmds {
            let mut v = self.eval_command(dot, cmd, value.take())?;
            // Go unwraps an interface{} result after each command.
            v.iface = false;
            value = Some(v);
        }
        let value = value.unwrap_or_else(Val::invalid);
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, value.clone())?;
            } else {
                self.vars.push((Rc::from(&**name), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], fin: &Option<Val>) -> R<()> {
        if args.len() > 1 || fin.is_some() {
            let first = args.first().map(|a| a.to_string()).unwrap_or_default();
            return Err(self.errorf(format!("can't give argument to non-function {first}")));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Val, cmd: &Cmd, fin: Option<Val>) -> R<Val> {
        let Some(first) = cmd.args.first() else {
            return Ok(Val::invalid());
        };
        match first {
            Arg::Field { pos, idents } => return self.eval_field_node(dot, *pos, idents, &cmd.args, fin),
            Arg::Chain { pos, node, fields } => return self.eval_chain(dot, *pos, node, fields, &cmd.args, fin),
            Arg::Ident { pos, name } => return self.eval_function(dot, *pos, name, Some(cmd), &cmd.args, fin),
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin)?;
                return self.eval_pipeline(dot, p);
            }
            Arg::Var { pos, idents } => return self.eval_variable(dot, *pos, idents, &cmd.args, fin),
            _ => {}
        }
        self.at_arg(first);
        self.not_a_function(&cmd.args, &fin)?;
        match first {
            Arg::Bool { val, .. } => Ok(Val::of(Value::Bool(*val))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => Err(self.errorf("nil is not a command")),
            Arg::Number { pos, num } => self.ideal_constant(*pos, num),
            Arg::Str { text, .. } => Ok(Val::of(Value::Str(text.clone()))),
            _ => Err(self.errorf(format!("can't evaluate command {}", gofmt::quote_go(&first.to_string(), false)))),
        }
    }

    fn ideal_constant(&mut self, pos: usize, num: &parse::Number) -> R<Val> {
        self.at(pos, NK::Number);
        let t = &*num.text;
        let hex_int = t.len() > 2 && (t.starts_with("0x") || t.starts_with("0X")) && !t.contains(['p', 'P']);
        if num.is_complex {
            return Err(self.errorf("complex numbers are not supported"));
        }
        if num.is_float && !hex_int && !t.starts_with('\'') && t.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Val::of(Value::Float(num.float)));
        }
        if num.is_int {
            return Ok(Val::of(Value::int(num.int)));
        }
        if num.is_uint {
            return Err(self.errorf(format!("{t} overflows int")));
        }
        Ok(Val::invalid())
    }

    fn eval_field_node(
        &mut self,
        dot: &Val,
        pos: usize,
        idents: &[Box<str>],
        args: &[Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        self.at(pos, NK::Field);
        self.eval_field_chain(dot, dot.clone(), (pos, NK::Field), idents, args, fin)
    }

    fn eval_chain(
        &mut self,
        dot: &Val,
        pos: usize,
        node: &Arg,
        fields: &[Box<str>],
        args: &[Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        self.at(pos, NK::Chain);
        if let Arg::Nil { .. } = node {
            let s = format!("{}", Arg::Chain { pos, node: Box::new(Arg::Nil { pos: 0 }), fields: fields.to_vec() });
            return Err(self.errorf(format!("indirection through explicit nil in {s}")));
        }
        let recv = self.eval_arg(dot, node)?;
        self.eval_field_chain(dot, recv, (pos, NK::Chain), fields, args, fin)
    }

    fn eval_variable(&mut self, dot: &Val, pos: usize, idents: &[Box<str>], args: &[Arg], fin: Option<Val>) -> R<Val> {
        self.at(pos, NK::Var);
        let name = idents.first().map(|s| &**s).unwrap_or("$");
        let value = self.var_value(name)?;
        if idents.len() == 1 {
            self.not_a_function(args, &fin)?;
            return Ok(value);
        }
        self.eval_field_chain(dot, value, (pos, NK::Var), idents.get(1..).unwrap_or(&[]), args, fin)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Val,
        mut recv: Val,
        node: (usize, NK),
        idents: &[Box<str>],
        args: &[Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        let n = idents.len();
        for id in idents.iter().take(n.saturating_sub(1)) {
            recv = self.eval_field(dot, id, node, &[], None, recv)?;
        }
        match idents.last() {
            Some(last) => self.eval_field(dot, last, node, args, fin, recv),
            None => Ok(recv),
        }
    }

    fn eval_field(
        &mut self,
        dot: &Val,
        name: &str,
        node: (usize, NK),
        args: &[Arg],
        fin: Option<Val>,
        recv: Val,
    ) -> R<Val> {
        if recv.is_invalid() {
            return Ok(Val::invalid());
        }
        if matches!(recv.v, Value::Nil) {
            return Err(self.errorf(format!("nil pointer evaluating interface {{}}.{name}")));
        }
        let has_args = args.len() > 1 || fin.is_some();
        match &recv.v {
            Value::Object(o) => {
                let o = o.clone();
                if !has_args && let Some(v) = o.field(name) {
                    return Ok(Val::of(v));
                }
                let mut argv = Vec::new();
                for a in args.iter().skip(1) {
                    argv.push(self.eval_arg(dot, a)?.v);
                }
                if let Some(f) = fin {
                    argv.push(f.v);
                }
                match o.call(name, &argv) {
                    Some(Ok(v)) => Ok(Val::of(v)),
                    Some(Err(e)) => {
                        self.at(node.0, node.1);
                        if e.starts_with("wrong number of args for ") {
                            return Err(self.errorf(e));
                        }
                        Err(self.call_error(name, GoErr::plain(e)))
                    }
                    None if has_args && o.field(name).is_some() => {
                        Err(self.errorf(format!("{name} has arguments but cannot be invoked as function")))
                    }
                    None => Err(self.errorf(format!("can't evaluate field {name} in type {}", recv.type_str()))),
                }
            }
            Value::Map(m) => {
                if has_args {
                    return Err(self.errorf(format!("{name} is not a method but has arguments")));
                }
                let v = m.borrow().get(name).cloned().unwrap_or(Value::Nil);
                Ok(Val::slot(v))
            }
            _ => Err(self.errorf(format!("can't evaluate field {name} in type {}", recv.type_str()))),
        }
    }

    /// Go's `evalArg` for an `interface{}`/`reflect.Value` parameter.
    fn eval_arg(&mut self, dot: &Val, a: &Arg) -> R<Val> {
        self.at_arg(a);
        match a {
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => Ok(Val::invalid()),
            Arg::Field { pos, idents } => self.eval_field_node(dot, *pos, idents, std::slice::from_ref(a), None),
            Arg::Var { pos, idents } => self.eval_variable(dot, *pos, idents, &[], None),
            Arg::Pipe(p) => self.eval_pipeline(dot, p),
            Arg::Ident { pos, name } => self.eval_function(dot, *pos, name, None, std::slice::from_ref(a), None),
            Arg::Chain { pos, node, fields } => self.eval_chain(dot, *pos, node, fields, &[], None),
            Arg::Bool { val, .. } => Ok(Val::of(Value::Bool(*val))),
            Arg::Number { pos, num } => self.ideal_constant(*pos, num),
            Arg::Str { text, .. } => Ok(Val::of(Value::Str(text.clone()))),
        }
    }

    /// Go's `evalArg` for a `string` parameter.
    fn eval_string_arg(&mut self, dot: &Val, a: &Arg) -> R<Rc<str>> {
        self.at_arg(a);
        match a {
            Arg::Str { text, .. } => Ok(text.clone()),
            Arg::Nil { .. } => Err(self.errorf("cannot assign nil to string")),
            Arg::Bool { .. } | Arg::Number { .. } => Err(self.errorf(format!("expected string; found {a}"))),
            _ => {
                let v = self.eval_arg(dot, a)?;
                self.want_string(v)
            }
        }
    }

    /// Go's `validateType(value, string)`.
    fn want_string(&self, v: Val) -> R<Rc<str>> {
        match v.v {
            Value::Str(s) => Ok(s),
            Value::Nil if !v.iface => Err(self.errorf("invalid value; expected string")),
            _ => Err(self.errorf(format!("wrong type for value; expected string; got {}", v.arg_type_str()))),
        }
    }

    fn eval_function(
        &mut self,
        dot: &Val,
        pos: usize,
        name: &str,
        cmd: Option<&Cmd>,
        args: &[Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        self.at(pos, NK::Ident);
        let call_node = match cmd {
            Some(c) => (c.pos, NK::Cmd),
            None => (pos, NK::Ident),
        };
        let rest = args.get(1..).unwrap_or(&[]);
        match name {
            "include" | "tpl" | "required" | "fail" | "lookup" => {
                return self.engine_func(dot, name, call_node, rest, fin);
            }
            _ => {}
        }
        if let Some(f) = self.funcs.get(name) {
            return self.call_table_func(f, dot, name, pos, call_node, rest, fin);
        }
        self.builtin(dot, name, pos, call_node, rest, fin)
    }

    #[allow(clippy::too_many_arguments)]
    fn call_table_func(
        &mut self,
        f: super::Func,
        dot: &Val,
        name: &str,
        pos: usize,
        call_node: (usize, NK),
        rest: &[Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        let vals = self.eval_all(dot, rest, fin)?;
        let argv: Vec<Value> = vals.iter().map(|v| v.v.clone()).collect();
        match f(self.env, &argv) {
            Ok(v) => Ok(Val::of(v)),
            Err(e) => Err(self.func_error(name, pos, call_node, rest, &vals, e)),
        }
    }

    /// Maps a pure function's error to Go's message and node.
    #[inline(never)]
    fn func_error(
        &mut self,
        name: &str,
        pos: usize,
        call_node: (usize, NK),
        rest: &[Arg],
        vals: &[Val],
        e: String,
    ) -> Stop {
        if e.starts_with("wrong number of args for ") {
            self.at(pos, NK::Ident);
            return self.errorf(e);
        }
        if let Some(spec) = e.strip_prefix(ARG_TYPE_MARK) {
            let (idx, expected) = spec.split_once(':').unwrap_or(("0", spec));
            let idx: usize = idx.parse().unwrap_or(0);
            let word = match expected {
                "string" => "string",
                "bool" => "bool",
                "float64" | "float32" => "float",
                _ => "integer",
            };
            let msg = match (rest.get(idx), vals.get(idx)) {
                (Some(a @ (Arg::Bool { .. } | Arg::Number { .. } | Arg::Str { .. })), _) => {
                    self.at_arg(a);
                    format!("expected {word}; found {a}")
                }
                (Some(a @ Arg::Nil { .. }), _) => {
                    self.at_arg(a);
                    format!("cannot assign nil to {expected}")
                }
                (_, Some(v)) => {
                    if let Some(a) = rest.get(idx) {
                        self.at_arg(a);
                    }
                    if v.is_invalid() {
                        format!("invalid value; expected {expected}")
                    } else {
                        format!("wrong type for value; expected {expected}; got {}", v.arg_type_str())
                    }
                }
                _ => format!("invalid value; expected {expected}"),
            };
            return self.errorf(msg);
        }
        self.at(call_node.0, call_node.1);
        self.call_error(name, GoErr::plain(e))
    }

    fn arity(&self, name: &str, rest: &[Arg], fin: &Option<Val>, want: usize, variadic: bool) -> R<()> {
        let got = rest.len() + usize::from(fin.is_some());
        if variadic {
            if got < want {
                return Err(
                    self.errorf(format!("wrong number of args for {name}: want at least {want} got {}", rest.len()))
                );
            }
        } else if got != want {
            return Err(self.errorf(format!("wrong number of args for {name}: want {want} got {got}")));
        }
        Ok(())
    }

    fn eval_all(&mut self, dot: &Val, rest: &[Arg], fin: Option<Val>) -> R<Vec<Val>> {
        let mut v = Vec::with_capacity(rest.len() + 1);
        for a in rest {
            v.push(self.eval_arg(dot, a)?);
        }
        if let Some(f) = fin {
            v.push(f);
        }
        Ok(v)
    }

    #[inline(never)]
    fn builtin(
        &mut self,
        dot: &Val,
        name: &str,
        pos: usize,
        call_node: (usize, NK),
        rest: &[Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        let fail = |s: &mut Self, e: String| -> Stop {
            s.at(call_node.0, call_node.1);
            s.call_error(name, GoErr::plain(e))
        };
        match name {
            "and" | "or" => {
                self.arity(name, rest, &fin, 1, true)?;
                let want = name == "or";
                let mut v = Val::invalid();
                for a in rest {
                    v = self.eval_arg(dot, a)?;
                    if v.v.truthy() == want {
                        return Ok(v);
                    }
                }
                if let Some(f) = fin {
                    v = f;
                }
                Ok(v)
            }
            "not" => {
                self.arity(name, rest, &fin, 1, false)?;
                let a = self.eval_all(dot, rest, fin)?;
                Ok(Val::of(Value::Bool(!a.first().is_some_and(|v| v.v.truthy()))))
            }
            "len" => {
                self.arity(name, rest, &fin, 1, false)?;
                let a = self.eval_all(dot, rest, fin)?;
                let v = a.into_iter().next().unwrap_or_else(Val::invalid);
                match builtin_len(&v) {
                    Ok(n) => Ok(Val::of(Value::int(n as i64))),
                    Err(e) => Err(fail(self, e)),
                }
            }
            "index" => {
                self.arity(name, rest, &fin, 1, true)?;
                let a = self.eval_all(dot, rest, fin)?;
                match builtin_index(&a) {
                    Ok(v) => Ok(v),
                    Err(e) => Err(fail(self, e)),
                }
            }
            "slice" => {
                self.arity(name, rest, &fin, 1, true)?;
                let a = self.eval_all(dot, rest, fin)?;
                match builtin_slice(&a) {
                    Ok(v) => Ok(Val::of(v)),
                    Err(e) => Err(fail(self, e)),
                }
            }
            "print" | "println" | "html" | "js" | "urlquery" => {
                let a: Vec<Value> = self.eval_all(dot, rest, fin)?.into_iter().map(|v| v.v).collect();
                let s = match name {
                    "print" => gofmt::sprint(&a),
                    "println" => gofmt::sprintln(&a),
                    "html" => html_escape(&eval_args(&a)),
                    "js" => js_escape(&eval_args(&a)),
                    _ => url_query_escape(&eval_args(&a)),
                };
                Ok(Val::of(Value::str(s)))
            }
            "printf" => {
                self.arity(name, rest, &fin, 1, true)?;
                let format = match rest.first() {
                    Some(a) => self.eval_string_arg(dot, a)?,
                    None => match fin.clone() {
                        Some(f) => self.want_string(f)?,
                        None => Rc::from(""),
                    },
                };
                let mut a: Vec<Value> = Vec::new();
                for x in rest.iter().skip(1) {
                    a.push(self.eval_arg(dot, x)?.v);
                }
                if !rest.is_empty()
                    && let Some(f) = fin
                {
                    a.push(f.v);
                }
                Ok(Val::of(Value::str(gofmt::sprintf(&format, &a))))
            }
            "eq" | "ne" | "lt" | "le" | "gt" | "ge" => {
                if name == "eq" {
                    self.arity(name, rest, &fin, 1, true)?;
                } else {
                    self.arity(name, rest, &fin, 2, false)?;
                }
                let a = self.eval_all(dot, rest, fin)?;
                let vals: Vec<&Value> = a.iter().map(|v| &v.v).collect();
                let r = match name {
                    "eq" => go_eq(&vals),
                    "ne" => go_eq(&vals).map(|b| !b),
                    "lt" => go_lt(&vals),
                    "le" => go_lt(&vals).and_then(|lt| if lt { Ok(true) } else { go_eq(&vals) }),
                    "gt" => go_lt(&vals).and_then(|lt| if lt { Ok(false) } else { go_eq(&vals).map(|e| !e) }),
                    _ => go_lt(&vals).map(|lt| !lt),
                };
                match r {
                    Ok(b) => Ok(Val::of(Value::Bool(b))),
                    Err(e) => Err(fail(self, e)),
                }
            }
            "call" => {
                self.arity(name, rest, &fin, 1, true)?;
                let callee = rest.first().map(|a| a.to_string()).unwrap_or_default();
                let a = self.eval_all(dot, rest, fin)?;
                let e = match a.first() {
                    Some(v) if !matches!(v.v, Value::Nil) => format!("non-function {callee} of type {}", go_type(&v.v)),
                    _ => "call of nil".to_string(),
                };
                Err(fail(self, e))
            }
            _ => {
                self.at(pos, NK::Ident);
                Err(self.errorf(format!("{} is not a defined function", gofmt::quote_go(name, false))))
            }
        }
    }

    // ---- Helm's engine functions ----

    fn engine_func(&mut self, dot: &Val, name: &str, call_node: (usize, NK), rest: &[Arg], fin: Option<Val>) -> R<Val> {
        let (first, data) = self.engine_args(dot, name, rest, fin)?;
        let result = match name {
            "include" => self.include(&first, data),
            "tpl" => self.tpl(&first, data),
            _ => engine_simple(name, &first, data),
        };
        result.map_err(|e| {
            self.at(call_node.0, call_node.1);
            self.call_error(name, e)
        })
    }

    /// Evaluates the arguments of an engine function: a string, then (for most) a value.
    #[inline(never)]
    fn engine_args(&mut self, dot: &Val, name: &str, rest: &[Arg], fin: Option<Val>) -> R<(Rc<str>, Val)> {
        let fixed = match name {
            "fail" => 1,
            "lookup" => 4,
            _ => 2,
        };
        self.arity(name, rest, &fin, fixed, false)?;
        let first = match rest.first() {
            Some(a) => self.eval_string_arg(dot, a)?,
            None => match fin.clone() {
                Some(f) => self.want_string(f)?,
                None => Rc::from(""),
            },
        };
        let mut others: Vec<Val> = Vec::new();
        for a in rest.iter().skip(1) {
            if name == "lookup" {
                let s = self.eval_string_arg(dot, a)?;
                others.push(Val::of(Value::Str(s)));
            } else {
                others.push(self.eval_arg(dot, a)?);
            }
        }
        if !rest.is_empty()
            && let Some(f) = fin
        {
            if name == "lookup" {
                let s = self.want_string(f)?;
                others.push(Val::of(Value::Str(s)));
            } else {
                others.push(f);
            }
        }
        Ok((first, others.into_iter().next().unwrap_or_else(Val::invalid)))
    }

    fn include(&mut self, name: &str, data: Val) -> Result<Val, GoErr> {
        let count = self.include_counts.get(name).copied().unwrap_or(0);
        if count > HELM_INCLUDE_MAX || self.stack_used() > CALL_STACK_BUDGET {
            return Err(nested_reference(name));
        }
        let Some(tree) = self.lookup_tree(name) else {
            return Err(no_template(name));
        };
        self.include_counts.insert(name.to_string(), count + 1);
        let r = self.execute_tree(tree, data);
        if let Some(c) = self.include_counts.get_mut(name) {
            *c = c.saturating_sub(1);
        }
        let out = r?;
        Ok(self.register_lines(out))
    }

    /// Remembers where the lines of an include result came from.
    #[inline(never)]
    fn register_lines(&mut self, out: Out) -> Val {
        for (line, src) in out.buf.split('\n').zip(out.line_sources()) {
            let key = line.trim();
            if let (false, Some(src)) = (key.is_empty(), src) {
                self.line_lookup.insert(key.into(), (src.src, src.line));
            }
        }
        Val::of(Value::str(out.buf))
    }

    /// Runs `tree` with `dot` into a fresh output, as `ExecuteTemplate` into a buffer does.
    fn execute_tree(&mut self, tree: Rc<Tree>, dot: Val) -> Result<Out, GoErr> {
        // Data passed through `any` loses its interface-slot nature.
        let dot = Val::of(dot.v);
        let saved_out = std::mem::take(&mut self.out);
        let saved_vars = std::mem::replace(&mut self.vars, vec![(Rc::from("$"), dot.clone())]);
        let saved_tmpl = std::mem::replace(&mut self.tmpl, tree.clone());
        let saved_cur = self.cur;
        self.cur = (0, NK::None);
        self.depth += 1;
        let r = self.walk_list(&dot, &tree.root);
        self.depth -= 1;
        self.vars = saved_vars;
        self.tmpl = saved_tmpl;
        self.cur = saved_cur;
        let out = std::mem::replace(&mut self.out, saved_out);
        match r {
            Ok(()) | Err(Stop::Break | Stop::Continue) => Ok(out),
            Err(Stop::Fail(e)) => Err(*e),
        }
    }

    #[inline(never)]
    fn tpl(&mut self, text: &str, data: Val) -> Result<Val, GoErr> {
        let funcs = self.funcs;
        let has_func = |n: &str| super::has_function(funcs, n);
        let trees = match parse::parse("gotpl", text, &has_func) {
            Ok(t) => t,
            Err(e) => {
                return Err(GoErr {
                    levels: vec![format!("cannot parse template {}: {}", gofmt::quote_go(text, false), e.0), e.0],
                    location: None,
                });
            }
        };
        let mut overlay: HashMap<Rc<str>, Rc<Tree>> = HashMap::new();
        let mut main = None;
        for t in trees {
            let t = Rc::new(t);
            if &*t.name == "gotpl" {
                main = Some(t.clone());
            }
            let keep_old = parse::is_empty_tree(&t.root)
                && self.lookup_tree(&t.name).is_some_and(|old| !parse::is_empty_tree(&old.root));
            if !keep_old {
                overlay.insert(t.name.clone(), t);
            }
        }
        let Some(main) = main else {
            return Ok(Val::of(Value::str("")));
        };
        if self.stack_used() > CALL_STACK_BUDGET {
            return Err(GoErr::plain(format!(
                "error during tpl function execution for {}: template: gotpl: exceeded maximum template depth ({MAX_DEPTH})",
                gofmt::quote_go(text, false)
            )));
        }
        self.overlays.push(overlay);
        let r = self.execute_tree(main, data);
        self.overlays.pop();
        match r {
            Ok(out) => Ok(Val::of(Value::str(out.buf.replace("<no value>", "")))),
            Err(e) => {
                let mut levels = vec![format!(
                    "error during tpl function execution for {}: {}",
                    gofmt::quote_go(text, false),
                    e.levels.first().map_or("", String::as_str)
                )];
                levels.extend(e.levels);
                Err(GoErr { levels, location: e.location })
            }
        }
    }
}

/// `required`, `fail` and `lookup`, which need no engine state.
fn engine_simple(name: &str, first: &str, data: Val) -> Result<Val, GoErr> {
    match name {
        "required" => {
            let bad = match &data.v {
                Value::Nil => true,
                Value::Str(s) => s.is_empty(),
                _ => false,
            };
            if bad { Err(GoErr::plain(warn_wrap(first))) } else { Ok(Val::of(data.v)) }
        }
        "fail" => Err(GoErr::plain(warn_wrap(first))),
        _ => Ok(Val::of(Value::empty_map())),
    }
}

/// An address on the current stack, to measure recursion depth in bytes.
pub(crate) fn stack_addr() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

#[inline(never)]
fn no_template(name: &str) -> GoErr {
    GoErr::plain(format!("template: no template {} associated with template \"gotpl\"", gofmt::quote_go(name, false)))
}

#[inline(never)]
fn nested_reference(name: &str) -> GoErr {
    GoErr {
        levels: vec![
            format!("rendering template has a nested reference name: {name}: unable to execute template"),
            "unable to execute template".into(),
        ],
        location: None,
    }
}

pub(crate) fn warn_wrap(s: &str) -> String {
    format!("HELM_ERR_START{s}HELM_ERR_END")
}

/// Go's `Node.String()` for the node at `pos` of kind `kind` in `tree`.
fn node_string(tree: &Tree, pos: usize, kind: NK) -> Option<String> {
    fn in_args(args: &[Arg], pos: usize, kind: NK) -> Option<String> {
        args.iter().find_map(|a| in_arg(a, pos, kind))
    }
    fn in_arg(a: &Arg, pos: usize, kind: NK) -> Option<String> {
        if a.pos() == pos && arg_kind(a) == kind {
            return Some(a.to_string());
        }
        match a {
            Arg::Pipe(p) => in_pipe(p, pos, kind),
            Arg::Chain { node, .. } => in_arg(node, pos, kind),
            _ => None,
        }
    }
    fn in_pipe(p: &Pipe, pos: usize, kind: NK) -> Option<String> {
        if kind == NK::Pipe && p.pos == pos {
            return Some(p.to_string());
        }
        p.cmds.iter().find_map(|c| {
            if kind == NK::Cmd && c.pos == pos {
                return Some(c.to_string());
            }
            in_args(&c.args, pos, kind)
        })
    }
    fn in_list(list: &[Node], pos: usize, kind: NK) -> Option<String> {
        list.iter().find_map(|n| in_node(n, pos, kind))
    }
    fn in_node(n: &Node, pos: usize, kind: NK) -> Option<String> {
        match n {
            Node::Action { pos: p, pipe } => {
                if kind == NK::Action && *p == pos {
                    let mut s = String::new();
                    n.write_to(&mut s);
                    return Some(s);
                }
                in_pipe(pipe, pos, kind)
            }
            Node::If(b) | Node::With(b) | Node::Range(b) => {
                if kind == NK::Range && b.pos == pos && matches!(n, Node::Range(_)) {
                    let mut s = String::new();
                    n.write_to(&mut s);
                    return Some(s);
                }
                in_pipe(&b.pipe, pos, kind)
                    .or_else(|| in_list(&b.list, pos, kind))
                    .or_else(|| b.else_list.as_deref().and_then(|l| in_list(l, pos, kind)))
            }
            Node::Template { pos: p, pipe, .. } => {
                if kind == NK::Template && *p == pos {
                    let mut s = String::new();
                    n.write_to(&mut s);
                    return Some(s);
                }
                pipe.as_ref().and_then(|pp| in_pipe(pp, pos, kind))
            }
            _ => None,
        }
    }
    in_list(&tree.root, pos, kind)
}

fn builtin_len(v: &Val) -> Result<usize, String> {
    match &v.v {
        Value::Nil if v.iface => Err("len of nil pointer".into()),
        Value::Nil => Err("reflect: call of reflect.Value.Type on zero Value".into()),
        Value::Str(s) => Ok(s.len()),
        Value::List(l) => Ok(l.len()),
        Value::Map(m) => Ok(m.borrow().len()),
        Value::Object(o) if o.entries().is_some() => Ok(o.entries().map_or(0, |e| e.len())),
        other => Err(format!("len of type {}", go_type(other))),
    }
}

fn builtin_index(a: &[Val]) -> Result<Val, String> {
    let Some(first) = a.first() else {
        return Err("index of untyped nil".into());
    };
    let mut item = first.v.clone();
    if matches!(item, Value::Nil) {
        return Err("index of untyped nil".into());
    }
    for idx in a.iter().skip(1) {
        let idx = &idx.v;
        item = match &item {
            Value::Nil => return Err("index of nil pointer".into()),
            Value::List(l) => {
                let x = index_arg(idx, l.len())?;
                l.get(x).cloned().ok_or("reflect: slice index out of range")?
            }
            Value::Str(s) => {
                let x = index_arg(idx, s.len())?;
                Value::int64(i64::from(*s.as_bytes().get(x).ok_or("reflect: string index out of range")?))
            }
            Value::Map(m) => {
                let key = match idx {
                    Value::Str(k) => k,
                    Value::Nil => return Err("value is nil; should be of type string".into()),
                    other => return Err(format!("value has type {}; should be string", go_type(other))),
                };
                m.borrow().get(&**key).cloned().unwrap_or(Value::Nil)
            }
            other => return Err(format!("can't index item of type {}", go_type(other))),
        };
    }
    Ok(Val::slot(item))
}

fn index_arg(idx: &Value, cap: usize) -> Result<usize, String> {
    match idx {
        Value::Int(x, _) => {
            if *x < 0 || *x as u64 > cap as u64 {
                return Err(format!("index out of range: {x}"));
            }
            Ok(*x as usize)
        }
        Value::Nil => Err("cannot index slice/array with nil".into()),
        other => Err(format!("cannot index slice/array with type {}", go_type(other))),
    }
}

fn builtin_slice(a: &[Val]) -> Result<Value, String> {
    let item = a.first().map(|v| &v.v).unwrap_or(&Value::Nil);
    let idx = a.get(1..).unwrap_or(&[]);
    if matches!(item, Value::Nil) {
        return Err("slice of untyped nil".into());
    }
    if idx.len() > 3 {
        return Err(format!("too many slice indexes: {}", idx.len()));
    }
    let len = match item {
        Value::Str(s) => {
            if idx.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::List(l) => l.len(),
        other => return Err(format!("can't slice item of type {}", go_type(other))),
    };
    let mut bounds = [0usize, len, len];
    for (i, x) in idx.iter().enumerate() {
        if let Some(b) = bounds.get_mut(i) {
            *b = index_arg(&x.v, len)?;
        }
    }
    let [lo, hi, max] = bounds;
    if lo > hi {
        return Err(format!("invalid slice index: {lo} > {hi}"));
    }
    if idx.len() == 3 && hi > max {
        return Err(format!("invalid slice index: {hi} > {max}"));
    }
    Ok(match item {
        Value::Str(s) => Value::str(String::from_utf8_lossy(s.as_bytes().get(lo..hi).unwrap_or(&[])).into_owned()),
        Value::List(l) => Value::list(l.get(lo..hi).unwrap_or(&[]).to_vec()),
        _ => Value::Nil,
    })
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum BasicKind {
    Invalid,
    Bool,
    Int,
    Float,
    Str,
}

fn basic_kind(v: &Value) -> BasicKind {
    match v {
        Value::Bool(_) => BasicKind::Bool,
        Value::Int(_, _) => BasicKind::Int,
        Value::Float(_) => BasicKind::Float,
        Value::Str(_) => BasicKind::Str,
        _ => BasicKind::Invalid,
    }
}

fn go_eq(vals: &[&Value]) -> Result<bool, String> {
    let Some((a, rest)) = vals.split_first() else {
        return Err("missing argument for comparison".into());
    };
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(a);
    for b in rest {
        let k2 = basic_kind(b);
        let truth = if k1 != k2 {
            if !matches!(a, Value::Nil) && !matches!(b, Value::Nil) {
                return Err(format!("incompatible types for comparison: {} and {}", go_type(a), go_type(b)));
            }
            false
        } else {
            match (a, b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Int(x, _), Value::Int(y, _)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::Str(x), Value::Str(y)) => x == y,
                (Value::Nil, Value::Nil) => true,
                (Value::Nil, _) | (_, Value::Nil) => false,
                (Value::List(_), Value::List(_)) | (Value::Map(_), Value::Map(_)) => {
                    return Err(format!(
                        "non-comparable type {}: {}",
                        gofmt::sprintf("%s", std::slice::from_ref(*b)),
                        go_type(b)
                    ));
                }
                (Value::Object(x), Value::Object(y)) => Rc::ptr_eq(x, y),
                _ => {
                    return Err(format!(
                        "non-comparable types {}: {}, {}: {}",
                        gofmt::sprintf("%s", std::slice::from_ref(*a)),
                        go_type(a),
                        go_type(b),
                        gofmt::sprint_value(b)
                    ));
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn go_lt(vals: &[&Value]) -> Result<bool, String> {
    let (a, b) = match vals {
        [a, b] => (*a, *b),
        _ => return Err("missing argument for comparison".into()),
    };
    let (k1, k2) = (basic_kind(a), basic_kind(b));
    if k1 == BasicKind::Invalid || k2 == BasicKind::Invalid {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return Err(format!("incompatible types for comparison: {} and {}", go_type(a), go_type(b)));
    }
    match (a, b) {
        (Value::Int(x, _), Value::Int(y, _)) => Ok(x < y),
        (Value::Float(x), Value::Float(y)) => Ok(x < y),
        (Value::Str(x), Value::Str(y)) => Ok(x < y),
        _ => Err("invalid type for comparison".into()),
    }
}

/// text/template's `evalArgs`: one string as is, otherwise `fmt.Sprint` with nil shown as
/// `<no value>`.
fn eval_args(a: &[Value]) -> String {
    if let [Value::Str(s)] = a {
        return s.to_string();
    }
    let mapped: Vec<Value> =
        a.iter().map(|v| if matches!(v, Value::Nil) { Value::str("<no value>") } else { v.clone() }).collect();
    gofmt::sprint(&mapped)
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c if c.is_ascii() => out.push(c),
            c if !c.is_control() && !matches!(c as u32, 0x2028 | 0x2029 | 0xFEFF | 0x00A0..=0x00A0) => out.push(c),
            c => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
        }
    }
    out
}

fn url_query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}
