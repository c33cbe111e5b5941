//! The parser of Go `text/template`: a port of the algorithm of `text/template/parse`, written
//! against the token list of [`super::lex`].
//!
//! It keeps Go's three-token look-ahead buffer on purpose: parse errors report the line of the
//! most recently lexed token (`t.token[0].line`), and charts are judged by those messages.
//! Node positions are byte offsets into the source; error contexts print nodes the way Go's
//! `Node.String()` does.

use super::lex::{Kind, Token, lex, line_of};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::Rc;

/// One source text (a chart file or a `tpl` string): every tree parsed from it shares it.
#[derive(Debug)]
pub(crate) struct Source {
    pub parse_name: Rc<str>,
    pub text: Rc<str>,
    line_starts: Vec<usize>,
}

impl Source {
    pub fn new(parse_name: Rc<str>, text: Rc<str>) -> Source {
        let mut line_starts = vec![0];
        line_starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        Source { parse_name, text, line_starts }
    }

    pub fn line(&self, pos: usize) -> u32 {
        line_of(&self.line_starts, pos)
    }

    /// Go's `ErrorContext` location: `name:line:col` with a 0-based byte column.
    pub fn location(&self, pos: usize) -> String {
        let line = self.line(pos);
        let start = self.line_starts.get(line as usize - 1).copied().unwrap_or(0);
        format!("{}:{}:{}", self.parse_name, line, pos.saturating_sub(start))
    }
}

/// A named template: a file's top level, a `{{define}}` or a `{{block}}`.
#[derive(Debug)]
pub(crate) struct Tree {
    pub name: Rc<str>,
    pub src: Rc<Source>,
    pub root: Vec<Node>,
}

#[derive(Debug)]
pub(crate) enum Node {
    Text { pos: usize, text: Box<str> },
    Action { pos: usize, pipe: Pipe },
    If(Box<Branch>),
    Range(Box<Branch>),
    With(Box<Branch>),
    Template { pos: usize, name: Box<str>, pipe: Option<Pipe> },
    Break { pos: usize },
    Continue { pos: usize },
}

#[derive(Debug)]
pub(crate) struct Branch {
    pub pos: usize,
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

#[derive(Debug)]
pub(crate) struct Pipe {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<Box<str>>,
    pub cmds: Vec<Cmd>,
}

#[derive(Debug)]
pub(crate) struct Cmd {
    pub pos: usize,
    pub args: Vec<Arg>,
}

#[derive(Debug)]
pub(crate) enum Arg {
    Field { pos: usize, idents: Vec<Box<str>> },
    Chain { pos: usize, node: Box<Arg>, fields: Vec<Box<str>> },
    Ident { pos: usize, name: Box<str> },
    Var { pos: usize, idents: Vec<Box<str>> },
    Dot { pos: usize },
    Nil { pos: usize },
    Bool { pos: usize, val: bool },
    Number { pos: usize, num: Box<Number> },
    Str { pos: usize, quoted: Box<str>, text: Rc<str> },
    Pipe(Box<Pipe>),
}

#[derive(Debug, Clone)]
pub(crate) struct Number {
    pub text: Box<str>,
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub is_complex: bool,
    pub int: i64,
    pub float: f64,
}

impl Arg {
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Ident { pos, .. }
            | Arg::Var { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::Str { pos, .. } => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }

    fn is_literal(&self) -> bool {
        matches!(self, Arg::Bool { .. } | Arg::Dot { .. } | Arg::Nil { .. } | Arg::Number { .. } | Arg::Str { .. })
    }
}

// Go's Node.String() forms, quoted in execution errors as `at <...>`.

impl std::fmt::Display for Arg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Arg::Field { idents, .. } => {
                for id in idents {
                    write!(f, ".{id}")?;
                }
                Ok(())
            }
            Arg::Chain { node, fields, .. } => {
                if let Arg::Pipe(p) = node.as_ref() {
                    write!(f, "({p})")?;
                } else {
                    write!(f, "{node}")?;
                }
                for id in fields {
                    write!(f, ".{id}")?;
                }
                Ok(())
            }
            Arg::Ident { name, .. } => f.write_str(name),
            Arg::Var { idents, .. } => f.write_str(&idents.join(".")),
            Arg::Dot { .. } => f.write_str("."),
            Arg::Nil { .. } => f.write_str("nil"),
            Arg::Bool { val, .. } => write!(f, "{val}"),
            Arg::Number { num, .. } => f.write_str(&num.text),
            Arg::Str { quoted, .. } => f.write_str(quoted),
            Arg::Pipe(p) => write!(f, "{p}"),
        }
    }
}

impl std::fmt::Display for Cmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if let Arg::Pipe(p) = a {
                write!(f, "({p})")?;
            } else {
                write!(f, "{a}")?;
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for Pipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.decl.is_empty() {
            f.write_str(&self.decl.join(", "))?;
            f.write_str(" := ")?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl Node {
    pub fn write_to(&self, out: &mut String) {
        match self {
            Node::Text { text, .. } => out.push_str(text),
            Node::Action { pipe, .. } => {
                let _ = write!(out, "{{{{{pipe}}}}}");
            }
            Node::If(b) => b.write_to(out, "if"),
            Node::Range(b) => b.write_to(out, "range"),
            Node::With(b) => b.write_to(out, "with"),
            Node::Template { name, pipe, .. } => {
                let _ = write!(out, "{{{{template {}", super::fmt::quote_go(name, false));
                if let Some(p) = pipe {
                    let _ = write!(out, " {p}");
                }
                out.push_str("}}");
            }
            Node::Break { .. } => out.push_str("{{break}}"),
            Node::Continue { .. } => out.push_str("{{continue}}"),
        }
    }
}

impl Branch {
    fn write_to(&self, out: &mut String, name: &str) {
        let _ = write!(out, "{{{{{name} {}}}}}", self.pipe);
        for n in &self.list {
            n.write_to(out);
        }
        if let Some(e) = &self.else_list {
            out.push_str("{{else}}");
            for n in e {
                n.write_to(out);
            }
        }
        out.push_str("{{end}}");
    }
}

/// Go's `parse.IsEmptyTree`: only whitespace text (and comments, which are not kept).
pub(crate) fn is_empty_tree(list: &[Node]) -> bool {
    list.iter().all(|n| matches!(n, Node::Text { text, .. } if text.trim_matches(is_go_space).is_empty()))
}

/// `bytes.TrimSpace` whitespace.
fn is_go_space(c: char) -> bool {
    c.is_whitespace()
}

/// A parse error, in Go's shape `template: NAME:LINE: message`.
#[derive(Debug, Clone)]
pub(crate) struct ParseError(pub String);

enum Control {
    Node(Node),
    End,
    Else { pos: usize },
}

impl Control {
    fn describe(&self) -> String {
        match self {
            Control::Node(n) => {
                let mut s = String::new();
                n.write_to(&mut s);
                s
            }
            Control::End => "{{end}}".into(),
            Control::Else { .. } => "{{else}}".into(),
        }
    }
}

/// Parses `text` as template `name`. Returns the trees it defines (the top level under `name`
/// first), with Go's treeSet rules applied within this one text.
pub(crate) fn parse(name: &str, text: &str, has_func: &dyn Fn(&str) -> bool) -> Result<Vec<Tree>, ParseError> {
    let src = Rc::new(Source::new(Rc::from(name), Rc::from(text)));
    let toks = lex(text);
    let mut p = Parser {
        toks,
        next_tok: 0,
        token: std::array::from_fn(|_| Token { kind: Kind::Eof, pos: 0, val: String::new(), line: 1 }),
        peek_count: 0,
        vars: vec!["$".into()],
        src: src.clone(),
        has_func,
        action_line: 0,
        range_depth: 0,
        paren_depth: 0,
        tree_set: Vec::new(),
        index: HashMap::new(),
        stack_base: super::exec::stack_addr(),
    };
    let root = p.parse_top()?;
    p.add(Rc::from(name), root)?;
    // The top-level template first; then definitions in source order.
    let mut trees = p.tree_set;
    if let Some(i) = trees.iter().position(|t| &*t.name == name) {
        let top = trees.remove(i);
        trees.insert(0, top);
    }
    Ok(trees)
}

struct Parser<'a> {
    toks: Vec<Token>,
    next_tok: usize,
    token: [Token; 3],
    peek_count: usize,
    vars: Vec<String>,
    src: Rc<Source>,
    has_func: &'a dyn Fn(&str) -> bool,
    action_line: u32,
    range_depth: u32,
    paren_depth: u32,
    tree_set: Vec<Tree>,
    index: HashMap<Rc<str>, usize>,
    stack_base: usize,
}

type PResult<T> = Result<T, ParseError>;

/// Go's limit on nested parenthesized pipelines.
const MAX_PAREN_DEPTH: u32 = 10_000;
/// Stack the parser may use (it recurses on nested blocks and parentheses; Go's stacks grow,
/// ours do not).
const STACK_BUDGET: usize = 256 << 10;

impl Parser<'_> {
    fn lex_next(&mut self) -> Token {
        let t = self.toks.get(self.next_tok).cloned();
        match t {
            Some(t) => {
                // The lexer keeps returning EOF/error once it has stopped.
                if self.next_tok + 1 < self.toks.len() {
                    self.next_tok += 1;
                }
                t
            }
            None => self.eof(),
        }
    }

    fn slot(&self, i: usize) -> Token {
        self.token.get(i).cloned().unwrap_or_else(|| self.eof())
    }

    fn eof(&self) -> Token {
        Token { kind: Kind::Eof, pos: self.src.text.len(), val: String::new(), line: 1 }
    }

    fn next(&mut self) -> Token {
        if self.peek_count > 0 {
            self.peek_count -= 1;
        } else {
            self.token[0] = self.lex_next();
        }
        self.slot(self.peek_count)
    }

    fn backup(&mut self) {
        // Go never backs up more than the three-token buffer holds.
        self.peek_count = (self.peek_count + 1).min(3);
    }

    fn backup2(&mut self, t1: Token) {
        self.token[1] = t1;
        self.peek_count = 2;
    }

    fn backup3(&mut self, t2: Token, t1: Token) {
        self.token[1] = t1;
        self.token[2] = t2;
        self.peek_count = 3;
    }

    fn peek(&mut self) -> Token {
        if self.peek_count > 0 {
            return self.slot(self.peek_count - 1);
        }
        self.peek_count = 1;
        self.token[0] = self.lex_next();
        self.token[0].clone()
    }

    fn next_non_space(&mut self) -> Token {
        loop {
            let t = self.next();
            if t.kind != Kind::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Token {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn errorf<T>(&self, msg: impl std::fmt::Display) -> PResult<T> {
        Err(ParseError(format!("template: {}:{}: {}", self.src.parse_name, self.token[0].line, msg)))
    }

    fn unexpected<T>(&self, tok: &Token, context: &str) -> PResult<T> {
        if tok.kind == Kind::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != tok.line {
                extra = format!(" in action started at {}:{}", self.src.parse_name, self.action_line);
                if tok.val.ends_with(" action") {
                    extra = extra.split_off(" in action".len());
                }
            }
            return self.errorf(format!("{}{}", tok.describe(), extra));
        }
        self.errorf(format!("unexpected {} in {}", tok.describe(), context))
    }

    fn expect(&mut self, kind: Kind, context: &str) -> PResult<Token> {
        let t = self.next_non_space();
        if t.kind != kind {
            return self.unexpected(&t, context);
        }
        Ok(t)
    }

    /// Go's `Tree.add` into the tree set of this parse.
    fn add(&mut self, name: Rc<str>, root: Vec<Node>) -> PResult<()> {
        match self.index.get(&name) {
            Some(&i) => {
                let old_empty = self.tree_set.get(i).is_none_or(|t| is_empty_tree(&t.root));
                if old_empty {
                    if let Some(slot) = self.tree_set.get_mut(i) {
                        slot.root = root;
                    }
                } else if !is_empty_tree(&root) {
                    return self.errorf(format!(
                        "template: multiple definition of template {}",
                        super::fmt::quote_go(&name, false)
                    ));
                }
            }
            None => {
                self.index.insert(name.clone(), self.tree_set.len());
                self.tree_set.push(Tree { name, src: self.src.clone(), root });
            }
        }
        Ok(())
    }

    fn parse_top(&mut self) -> PResult<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek().kind != Kind::Eof {
            if self.peek().kind == Kind::LeftDelim {
                let delim = self.next();
                if self.next_non_space().kind == Kind::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                c @ (Control::End | Control::Else { .. }) => {
                    return self.errorf(format!("unexpected {}", c.describe()));
                }
                Control::Node(n) => root.push(n),
            }
        }
        Ok(root)
    }

    fn parse_definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let t = self.next_non_space();
        if t.kind != Kind::String && t.kind != Kind::RawString {
            return self.unexpected(&t, CONTEXT);
        }
        let name = match unquote(&t.val) {
            Ok(n) => n,
            Err(e) => return self.errorf(e),
        };
        self.expect(Kind::RightDelim, CONTEXT)?;
        let (list, end) = self.item_list()?;
        if !matches!(end, Control::End) {
            return self.errorf(format!("unexpected {} in {}", end.describe(), CONTEXT));
        }
        self.add(Rc::from(name.as_str()), list)?;
        self.vars = saved_vars;
        Ok(())
    }

    fn item_list(&mut self) -> PResult<(Vec<Node>, Control)> {
        if self.stack_base.abs_diff(super::exec::stack_addr()) > STACK_BUDGET {
            return self.errorf("max nesting depth exceeded");
        }
        let mut list = Vec::new();
        while self.peek_non_space().kind != Kind::Eof {
            match self.text_or_action()? {
                Control::Node(n) => list.push(n),
                c => return Ok((list, c)),
            }
        }
        self.errorf("unexpected EOF")
    }

    fn text_or_action(&mut self) -> PResult<Control> {
        let t = self.next_non_space();
        match t.kind {
            Kind::Text => Ok(Control::Node(Node::Text { pos: t.pos, text: t.val.into_boxed_str() })),
            Kind::LeftDelim => {
                self.action_line = t.line;
                let r = self.action();
                self.action_line = 0;
                r
            }
            _ => self.unexpected(&t, "input"),
        }
    }

    fn action(&mut self) -> PResult<Control> {
        let t = self.next_non_space();
        match t.kind {
            Kind::Block => return self.block_control().map(Control::Node),
            Kind::Break => {
                return self.break_control(t.pos, "{{break}}").map(|()| Control::Node(Node::Break { pos: t.pos }));
            }
            Kind::Continue => {
                return self
                    .break_control(t.pos, "{{continue}}")
                    .map(|()| Control::Node(Node::Continue { pos: t.pos }));
            }
            Kind::Else => return self.else_control(),
            Kind::End => {
                self.expect(Kind::RightDelim, "end")?;
                return Ok(Control::End);
            }
            Kind::If => return self.branch("if").map(|b| Control::Node(Node::If(Box::new(b)))),
            Kind::Range => return self.branch("range").map(|b| Control::Node(Node::Range(Box::new(b)))),
            Kind::Template => return self.template_control().map(Control::Node),
            Kind::With => return self.branch("with").map(|b| Control::Node(Node::With(Box::new(b)))),
            _ => {}
        }
        self.backup();
        let tok = self.peek();
        let pipe = self.pipeline("command", Kind::RightDelim)?;
        Ok(Control::Node(Node::Action { pos: tok.pos, pipe }))
    }

    fn break_control(&mut self, _pos: usize, what: &str) -> PResult<()> {
        let t = self.next_non_space();
        if t.kind != Kind::RightDelim {
            return self.unexpected(&t, what);
        }
        if self.range_depth == 0 {
            return self.errorf(format!("{what} outside {{{{range}}}}"));
        }
        Ok(())
    }

    fn else_control(&mut self) -> PResult<Control> {
        let peek = self.peek_non_space();
        if peek.kind == Kind::If || peek.kind == Kind::With {
            return Ok(Control::Else { pos: peek.pos });
        }
        let t = self.expect(Kind::RightDelim, "else")?;
        Ok(Control::Else { pos: t.pos })
    }

    fn pipeline(&mut self, context: &str, end: Kind) -> PResult<Pipe> {
        let tok = self.peek_non_space();
        let mut pipe = Pipe { pos: tok.pos, is_assign: false, decl: Vec::new(), cmds: Vec::new() };
        'decls: loop {
            let v = self.peek_non_space();
            if v.kind != Kind::Variable {
                break;
            }
            self.next();
            let after = self.peek();
            let next = self.peek_non_space();
            if next.kind == Kind::Assign || next.kind == Kind::Declare {
                pipe.is_assign = next.kind == Kind::Assign;
                self.next_non_space();
                pipe.decl.push(v.val.clone().into_boxed_str());
                self.vars.push(v.val);
            } else if next.kind == Kind::Char && next.val == "," {
                self.next_non_space();
                pipe.decl.push(v.val.clone().into_boxed_str());
                self.vars.push(v.val);
                if context == "range" && pipe.decl.len() < 2 {
                    match self.peek_non_space().kind {
                        Kind::Variable | Kind::RightDelim | Kind::RightParen => continue 'decls,
                        _ => return self.errorf("range can only initialize variables"),
                    }
                }
                return self.errorf(format!("too many declarations in {context}"));
            } else if after.kind == Kind::Space {
                self.backup3(v, after);
            } else {
                self.backup2(v);
            }
            break;
        }
        loop {
            let t = self.next_non_space();
            match t.kind {
                k if k == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                Kind::Bool
                | Kind::CharConstant
                | Kind::Complex
                | Kind::Dot
                | Kind::Field
                | Kind::Identifier
                | Kind::Number
                | Kind::Nil
                | Kind::RawString
                | Kind::String
                | Kind::Variable
                | Kind::LeftParen => {
                    self.backup();
                    let c = self.command()?;
                    pipe.cmds.push(c);
                }
                _ => return self.unexpected(&t, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return self.errorf(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if c.args.first().is_some_and(Arg::is_literal) {
                return self.errorf(format!("non executable command in pipeline stage {}", i + 1));
            }
        }
        Ok(())
    }

    fn branch(&mut self, context: &str) -> PResult<Branch> {
        let vars_len = self.vars.len();
        let r = self.branch_inner(context);
        self.vars.truncate(vars_len);
        r
    }

    fn branch_inner(&mut self, context: &str) -> PResult<Branch> {
        let pipe = self.pipeline(context, Kind::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let r = self.item_list();
        if context == "range" {
            self.range_depth -= 1;
        }
        let (list, next) = r?;
        let mut else_list = None;
        match next {
            Control::End => {}
            Control::Else { pos } => {
                let peek = self.peek().kind;
                if context == "if" && peek == Kind::If {
                    self.next();
                    let b = self.branch("if")?;
                    let _ = pos;
                    else_list = Some(vec![Node::If(Box::new(b))]);
                } else if context == "with" && peek == Kind::With {
                    self.next();
                    let b = self.branch("with")?;
                    else_list = Some(vec![Node::With(Box::new(b))]);
                } else {
                    let (l, n) = self.item_list()?;
                    if !matches!(n, Control::End) {
                        return self.errorf(format!("expected end; found {}", n.describe()));
                    }
                    else_list = Some(l);
                }
            }
            Control::Node(_) => {}
        }
        Ok(Branch { pos: pipe.pos, pipe, list, else_list })
    }

    fn block_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "block clause";
        let t = self.next_non_space();
        let name = self.template_name(&t, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, Kind::RightDelim)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let saved_range = std::mem::replace(&mut self.range_depth, 0);
        let r = self.item_list();
        self.vars = saved_vars;
        self.range_depth = saved_range;
        let (list, end) = r?;
        if !matches!(end, Control::End) {
            return self.errorf(format!("unexpected {} in {}", end.describe(), CONTEXT));
        }
        self.add(Rc::from(name.as_str()), list)?;
        Ok(Node::Template { pos: t.pos, name: name.into_boxed_str(), pipe: Some(pipe) })
    }

    fn template_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "template clause";
        let t = self.next_non_space();
        let name = self.template_name(&t, CONTEXT)?;
        let mut pipe = None;
        if self.next_non_space().kind != Kind::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(CONTEXT, Kind::RightDelim)?);
        }
        Ok(Node::Template { pos: t.pos, name: name.into_boxed_str(), pipe })
    }

    fn template_name(&self, t: &Token, context: &str) -> PResult<String> {
        match t.kind {
            Kind::String | Kind::RawString => match unquote(&t.val) {
                Ok(s) => Ok(s),
                Err(e) => self.errorf(e),
            },
            _ => self.unexpected(t, context),
        }
    }

    fn command(&mut self) -> PResult<Cmd> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Cmd { pos, args: Vec::new() };
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                cmd.args.push(op);
            }
            let t = self.next();
            match t.kind {
                Kind::Space => continue,
                Kind::RightDelim | Kind::RightParen => self.backup(),
                Kind::Pipe => {}
                _ => return self.unexpected(&t, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.errorf("empty command");
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind != Kind::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek().pos;
        let mut fields: Vec<Box<str>> = Vec::new();
        while self.peek().kind == Kind::Field {
            let f = self.next();
            fields.push(f.val.get(1..).unwrap_or("").into());
        }
        Ok(Some(match node {
            Arg::Field { mut idents, .. } => {
                idents.extend(fields);
                Arg::Field { pos: chain_pos, idents }
            }
            Arg::Var { mut idents, .. } => {
                idents.extend(fields);
                Arg::Var { pos: chain_pos, idents }
            }
            n if n.is_literal() => {
                return self.errorf(format!("unexpected . after term {}", super::fmt::quote_go(&n.to_string(), false)));
            }
            n => Arg::Chain { pos: chain_pos, node: Box::new(n), fields },
        }))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let t = self.next_non_space();
        Ok(Some(match t.kind {
            Kind::Identifier => {
                if !(self.has_func)(&t.val) {
                    return self.errorf(format!("function {} not defined", super::fmt::quote_go(&t.val, false)));
                }
                Arg::Ident { pos: t.pos, name: t.val.into_boxed_str() }
            }
            Kind::Dot => Arg::Dot { pos: t.pos },
            Kind::Nil => Arg::Nil { pos: t.pos },
            Kind::Variable => {
                let idents: Vec<Box<str>> = t.val.split('.').map(Box::from).collect();
                let first = idents.first().map(|s| s.as_ref()).unwrap_or("");
                if !self.vars.iter().any(|v| v == first) {
                    return self.errorf(format!("undefined variable {}", super::fmt::quote_go(first, false)));
                }
                Arg::Var { pos: t.pos, idents }
            }
            Kind::Field => {
                Arg::Field { pos: t.pos, idents: t.val.get(1..).unwrap_or("").split('.').map(Box::from).collect() }
            }
            Kind::Bool => Arg::Bool { pos: t.pos, val: t.val == "true" },
            Kind::CharConstant | Kind::Complex | Kind::Number => match parse_number(&t.val, t.kind) {
                Ok(num) => Arg::Number { pos: t.pos, num: Box::new(num) },
                Err(e) => return self.errorf(e),
            },
            Kind::LeftParen => {
                if self.paren_depth >= MAX_PAREN_DEPTH
                    || self.stack_base.abs_diff(super::exec::stack_addr()) > STACK_BUDGET
                {
                    return self.errorf("max expression depth exceeded");
                }
                self.paren_depth += 1;
                let r = self.pipeline("parenthesized pipeline", Kind::RightParen);
                self.paren_depth -= 1;
                Arg::Pipe(Box::new(r?))
            }
            Kind::String | Kind::RawString => match unquote(&t.val) {
                Ok(s) => Arg::Str { pos: t.pos, text: Rc::from(s.as_str()), quoted: t.val.into_boxed_str() },
                Err(e) => return self.errorf(e),
            },
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

/// Go's `strconv.Unquote` for "..." and `...` literals (error text "invalid syntax").
pub(crate) fn unquote(s: &str) -> Result<String, String> {
    const BAD: &str = "invalid syntax";
    if let Some(raw) = s.strip_prefix('`') {
        let inner = raw.strip_suffix('`').ok_or(BAD)?;
        if inner.contains('`') {
            return Err(BAD.into());
        }
        return Ok(inner.replace('\r', ""));
    }
    let inner = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')).ok_or(BAD)?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\n' => return Err(BAD.into()),
            '\\' => out.push_str(&unescape(&mut chars, '"')?),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// One escape sequence after the backslash (strconv.UnquoteChar). Returns the text it stands
/// for; `\xNN` with a non-UTF-8 byte becomes U+FFFD, since our strings are UTF-8.
fn unescape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, quote: char) -> Result<String, String> {
    const BAD: &str = "invalid syntax";
    let c = chars.next().ok_or(BAD)?;
    let hex = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, n: usize| -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..n {
            let d = chars.next().and_then(|c| c.to_digit(16)).ok_or(BAD)?;
            v = v * 16 + d;
        }
        Ok(v)
    };
    Ok(match c {
        'a' => "\x07".into(),
        'b' => "\x08".into(),
        'f' => "\x0c".into(),
        'n' => "\n".into(),
        'r' => "\r".into(),
        't' => "\t".into(),
        'v' => "\x0b".into(),
        '\\' => "\\".into(),
        '\'' | '"' if c == quote => c.to_string(),
        'x' => {
            let v = hex(chars, 2)?;
            char::from_u32(v).filter(|_| v < 0x80).map_or("\u{FFFD}".into(), |c| c.to_string())
        }
        'u' | 'U' => {
            let v = hex(chars, if c == 'u' { 4 } else { 8 })?;
            char::from_u32(v).ok_or(BAD)?.to_string()
        }
        '0'..='7' => {
            let mut v = c.to_digit(8).unwrap_or(0);
            for _ in 0..2 {
                v = v * 8 + chars.next().and_then(|c| c.to_digit(8)).ok_or(BAD)?;
            }
            if v > 255 {
                return Err(BAD.into());
            }
            char::from_u32(v).filter(|_| v < 0x80).map_or("\u{FFFD}".into(), |c| c.to_string())
        }
        _ => return Err(BAD.into()),
    })
}

/// Go's `parse.newNumber`.
fn parse_number(text: &str, kind: Kind) -> Result<Number, String> {
    let mut n = Number {
        text: text.into(),
        is_int: false,
        is_uint: false,
        is_float: false,
        is_complex: false,
        int: 0,
        float: 0.0,
    };
    match kind {
        Kind::CharConstant => {
            let inner = text.get(1..).unwrap_or("");
            let mut chars = inner.chars().peekable();
            let c = match chars.next() {
                Some('\\') => {
                    let s = unescape(&mut chars, '\'')?;
                    let mut it = s.chars();
                    match (it.next(), it.next()) {
                        (Some(c), None) => c,
                        _ => return Err("invalid syntax".into()),
                    }
                }
                Some('\'') | None => return Err("invalid syntax".into()),
                Some(c) => c,
            };
            let tail: String = chars.collect();
            if tail != "'" {
                return Err(format!("malformed character constant: {text}"));
            }
            n.int = i64::from(u32::from(c));
            n.is_int = true;
            n.is_uint = true;
            n.float = n.int as f64;
            n.is_float = true;
            return Ok(n);
        }
        Kind::Complex => {
            n.is_complex = true;
            return Ok(n);
        }
        _ => {}
    }
    if let Some(im) = text.strip_suffix('i')
        && parse_go_float(im).is_some()
    {
        n.is_complex = true;
        return Ok(n);
    }
    let u = parse_go_uint(text);
    if let Some(u) = u {
        n.is_uint = true;
        n.float = u as f64;
    }
    if let Some(i) = parse_go_int(text) {
        n.is_int = true;
        n.int = i;
        if i == 0 {
            n.is_uint = true;
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float = n.int as f64;
    } else if n.is_uint {
        n.is_float = true;
    } else if let Some(f) = parse_go_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", super::fmt::quote_go(text, false)));
        }
        n.is_float = true;
        n.float = f;
        if f.fract() == 0.0 && f.abs() < 9.2e18 {
            n.is_int = true;
            n.int = f as i64;
        }
        if f.fract() == 0.0 && (0.0..1.8e19).contains(&f) {
            n.is_uint = true;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!("illegal number syntax: {}", super::fmt::quote_go(text, false)));
    }
    Ok(n)
}

/// `strconv.ParseUint(text, 0, 64)`: the lexer's integer literals share the function library's
/// base-0 parsing (prefixes, `_` separators).
fn parse_go_uint(text: &str) -> Option<u64> {
    crate::helm::funcs::common::parse_go_uint_base0(text)
}

/// `strconv.ParseInt(text, 0, 64)`.
fn parse_go_int(text: &str) -> Option<i64> {
    crate::helm::funcs::common::parse_go_int(text)
}

/// Go's underscoreOK for the digits of a float literal: `_` only between digits (or right after a
/// base prefix).
fn underscore_ok(digits: &str, prefixed: bool) -> bool {
    let mut prev_digit = prefixed;
    let mut saw = false;
    for c in digits.chars() {
        if c == '_' {
            if !prev_digit {
                return false;
            }
            prev_digit = false;
            saw = true;
        } else {
            prev_digit = true;
        }
    }
    prev_digit || !saw
}

/// strconv.ParseFloat for the literal forms the lexer accepts (decimal and hex floats).
fn parse_go_float(text: &str) -> Option<f64> {
    let (neg, body) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..)?),
        Some(b'+') => (false, text.get(1..)?),
        _ => (false, text),
    };
    let lower = body.to_ascii_lowercase();
    let v = if let Some(h) = lower.strip_prefix("0x") {
        if !underscore_ok(h, true) {
            return None;
        }
        let h: String = h.chars().filter(|&c| c != '_').collect();
        let (mant, exp) = match h.split_once('p') {
            Some((m, e)) => (m.to_string(), e.parse::<i32>().ok()?),
            None => return None,
        };
        let (ip, fp) = mant.split_once('.').unwrap_or((&mant, ""));
        if ip.is_empty() && fp.is_empty() {
            return None;
        }
        let mut v = 0f64;
        for c in ip.chars() {
            v = v * 16.0 + f64::from(c.to_digit(16)?);
        }
        let mut scale = 1.0 / 16.0;
        for c in fp.chars() {
            v += f64::from(c.to_digit(16)?) * scale;
            scale /= 16.0;
        }
        v * 2f64.powi(exp)
    } else {
        if !underscore_ok(&lower, false) || lower.is_empty() {
            return None;
        }
        let d: String = lower.chars().filter(|&c| c != '_').collect();
        if !d.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-')) {
            return None;
        }
        d.parse::<f64>().ok().filter(|f| f.is_finite())?
    };
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Vec<Tree>, String> {
        parse("t", text, &|f| matches!(f, "printf" | "len" | "include")).map_err(|e| e.0)
    }

    fn err(text: &str) -> String {
        p(text).err().unwrap_or_default()
    }

    #[test]
    fn go_parse_errors() {
        let cases = [
            ("a: {{ .Values.x }\n", "template: t:1: unexpected \"}\" in operand"),
            ("a\n{{ if .x }}\n", "template: t:3: unexpected EOF"),
            ("a\n{{ nofunc 1 }}", "template: t:2: function \"nofunc\" not defined"),
            ("{{ $x }}", "template: t:1: undefined variable \"$x\""),
            ("{{ end }}", "template: t:1: unexpected {{end}}"),
            ("{{ else }}", "template: t:1: unexpected {{else}}"),
            ("{{ break }}", "template: t:1: {{break}} outside {{range}}"),
            ("{{ range . }}{{ continue 1 }}{{ end }}", "template: t:1: unexpected \"1\" in {{continue}}"),
            ("{{ if }}{{ end }}", "template: t:1: missing value for if"),
            ("{{ . | 1 }}", "template: t:1: non executable command in pipeline stage 2"),
            ("{{ \"x\".y }}", "template: t:1: unexpected . after term \"\\\"x\\\"\""),
            ("{{ 1x }}", "template: t:1: bad number syntax: \"1x\""),
            ("{{ .x\n\n", "template: t:3: unclosed action started at t:1"),
            (
                "{{ define \"a\" }}x{{ end }}{{ define \"a\" }}y{{ end }}",
                "template: t:1: template: multiple definition of template \"a\"",
            ),
            ("{{ template x }}", "template: t:1: unexpected \"x\" in template clause"),
            ("{{ range $a, $b, $c := . }}{{ end }}", "template: t:1: too many declarations in range"),
            ("{{ with $x, $y := 1 }}{{ end }}", "template: t:1: too many declarations in with"),
            ("{{ with $x := 1, $y := 2 }}{{ end }}", "template: t:1: unexpected \",\" in operand"),
            ("{{ if 1 }}{{ else }}{{ else }}{{ end }}", "template: t:1: expected end; found {{else}}"),
            ("{{ (1 }}", "template: t:1: unclosed left paren"),
            ("{{ 1) }}", "template: t:1: unexpected \")\" in command"),
            ("{{ 99999999999999999999 }}", "template: t:1: integer overflow: \"99999999999999999999\""),
            ("{{ 'ab' }}", "template: t:1: malformed character constant: 'ab'"),
            ("{{ \"a\\qb\" }}", "template: t:1: invalid syntax"),
            ("{{ .a | $ }}{{ ` }}", "template: t:1: unterminated raw quoted string"),
            ("{{ define \"x\" }}{{ $y := 1 }}{{ end }}{{ $y }}", "template: t:1: undefined variable \"$y\""),
        ];
        for (text, want) in cases {
            assert_eq!(err(text), want, "{text:?}");
        }
    }

    #[test]
    fn node_strings() {
        let trees = p("{{ $x := printf \"%d\" (len .a.b) | printf \"%s\" }}{{ (.x).y }}{{ $.a }}").unwrap();
        let mut s = String::new();
        for n in &trees[0].root {
            n.write_to(&mut s);
        }
        assert_eq!(s, "{{$x := printf \"%d\" (len .a.b) | printf \"%s\"}}{{(.x).y}}{{$.a}}");
    }

    #[test]
    fn defines_and_empty_trees() {
        let trees = p("{{ define \"a\" }}A{{ end }}\n{{ block \"b\" . }}B{{ end }}").unwrap();
        let names: Vec<&str> = trees.iter().map(|t| &*t.name).collect();
        assert_eq!(names, vec!["t", "a", "b"]);
        assert!(is_empty_tree(&p("{{/* c */}}\n  \n").unwrap()[0].root));
    }

    #[test]
    fn numbers() {
        let n = |t: &str| parse_number(t, Kind::Number).unwrap();
        assert_eq!(n("0x1F").int, 31);
        assert_eq!(n("017").int, 15);
        assert_eq!(n("0o17").int, 15);
        assert_eq!(n("1_000").int, 1000);
        assert!(n("1e3").is_float && n("1e3").is_int);
        assert_eq!(n("0x1p4").float, 16.0);
        assert_eq!(n(".5").float, 0.5);
        assert_eq!(n("-7").int, -7);
        assert!(parse_number("1__0", Kind::Number).is_err());
        assert_eq!(parse_number("'a'", Kind::CharConstant).unwrap().int, 97);
        assert_eq!(parse_number("'\\n'", Kind::CharConstant).unwrap().int, 10);
    }
}
