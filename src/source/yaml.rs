//! A span-preserving YAML (and therefore JSON) loader built on `saphyr-parser`'s event stream.
//!
//! We build our own tree instead of using a DOM crate because we need three guarantees no existing
//! loader gives together: byte spans on every key and value, a hard budget on alias expansion
//! ("billion laughs"), and a nesting limit that turns hostile input into an error instead of a
//! stack overflow in the code that walks the tree later.

use saphyr_parser::{Event, Marker, Parser, ScalarStyle};

use super::{SourceFile, Span};

/// Deepest nesting of collections we accept. Real manifests stay well under 50 levels; every
/// recursive walker in the crate relies on this bound.
pub const MAX_DEPTH: usize = 256;

/// Nodes we are willing to materialise per file, alias expansions included, on top of a per-byte
/// allowance. A legitimate file never comes close; an alias bomb hits it in microseconds.
const NODE_BUDGET_BASE: usize = 100_000;
const NODE_BUDGET_PER_BYTE: usize = 4;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    /// The explicit tag, e.g. `!!binary` or `!Ref`, as written.
    pub tag: Option<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scalar {
    pub text: String,
    pub style: Style,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Style {
    Plain,
    Quoted,
    Block,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// Looks up a mapping entry by its string key.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key.as_str() == Some(key))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Follows a path of mapping keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// `null`, `~` and an empty plain scalar, as YAML's core schema defines null.
    pub fn is_null(&self) -> bool {
        match &self.value {
            Value::Scalar(s) => s.is_null(),
            _ => false,
        }
    }
}

impl Scalar {
    pub fn is_null(&self) -> bool {
        self.style == Style::Plain && matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    /// A plain `true`/`false` in the spellings Kubernetes' YAML 1.1 parser accepts.
    pub fn as_bool(&self) -> Option<bool> {
        if self.style != Style::Plain {
            return None;
        }
        match self.text.as_str() {
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => Some(true),
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => Some(false),
            _ => None,
        }
    }
}

/// One document of a YAML stream.
#[derive(Clone, Debug)]
pub struct Document {
    /// 0-based position in the stream.
    pub index: usize,
    pub root: Node,
}

/// Why a file could not be (fully) loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LoadError {
    pub message: String,
    /// Byte offset of the problem.
    pub offset: usize,
}

/// The documents that loaded before any error, and the error itself.
#[derive(Debug, Default)]
pub struct Loaded {
    pub documents: Vec<Document>,
    pub error: Option<LoadError>,
}

/// Parses every document in `file`.
pub fn load(file: &SourceFile) -> Loaded {
    let first = load_strict(file);
    match &first.error {
        Some(e) if repairs(&file.text, e).is_some() => load_lenient(file).unwrap_or(first),
        _ => first,
    }
}

/// Where to insert spaces (offset, count; ascending) so that saphyr accepts what libyaml does:
/// flow continuation lines (see [`closes_flow_at_line_start`]), and the continuation lines of a
/// multi-line quoted scalar at any indentation (libyaml does not check it; Helm templates
/// produce it: stable/sparkoperator renders `- "curl -ik \` with its next lines less indented).
fn repairs(text: &str, e: &LoadError) -> Option<Vec<(usize, usize)>> {
    if !e.message.contains("invalid indentation") {
        return None;
    }
    if e.message.contains("quoted scalar") {
        let quote = *text.as_bytes().get(e.offset)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let line_start = text[..e.offset].rfind('\n').map_or(0, |i| i + 1);
        let target = text[line_start..e.offset].chars().count();
        let mut out = Vec::new();
        let bytes = text.as_bytes();
        let mut i = e.offset + 1;
        while i < bytes.len() {
            match bytes[i] {
                // An escape; an escaped line break is still a line break to indent.
                b'\\' if quote == b'"' && bytes.get(i + 1) != Some(&b'\n') => i += 1,
                b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
                b if b == quote => break,
                b'\n' => {
                    let indent = bytes[i + 1..].iter().take_while(|b| **b == b' ').count();
                    let rest = &text[i + 1 + indent..];
                    // At column 0 it stays an error, as for flow collections (yaml-test-suite
                    // QB6E); libyaml ends the scalar at a document marker there anyway.
                    if indent < target && !rest.starts_with('\n') {
                        if indent == 0 {
                            return None;
                        }
                        out.push((i + 1, target - indent));
                    }
                }
                _ => {}
            }
            i += 1;
        }
        return (!out.is_empty()).then_some(out);
    }
    closes_flow_at_line_start(text, e.offset).then(|| vec![(e.offset, 1)])
}

/// libyaml (and so Kubernetes, Helm and PyYAML) accepts a flow collection whose closing `}`/`]`
/// starts a line at the indentation of the key that opened it; saphyr does not. Values files use
/// that JSON-ish style often enough that reporting it as a parse error would be a false positive.
/// libyaml and go-yaml also accept the collection's continuation lines at the key's indentation
/// (stable/minio renders `command: [ "/bin/sh",` then `"-ce",` under `command`); we accept those
/// too when the line is indented, but not at column 0, where YAML 1.2 and the yaml-test-suite
/// (9C9N, VJP3) reject them and a continuation is indistinguishable from a new top-level entry.
fn closes_flow_at_line_start(text: &str, offset: usize) -> bool {
    let bytes = text.as_bytes();
    let Some(&b) = bytes.get(offset) else { return false };
    let line_start = text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    if !bytes[line_start..offset].iter().all(|b| *b == b' ') {
        return false;
    }
    matches!(b, b'}' | b']') || (offset > line_start && !b.is_ascii_whitespace())
}

/// Re-parses with one space inserted before each offending line's first token (at most 64), then
/// maps every span back to the original text.
fn load_lenient(file: &SourceFile) -> Option<Loaded> {
    let mut text = file.text.clone();
    // Insertion points in the patched text, ascending.
    let mut inserted: Vec<usize> = Vec::new();
    for _ in 0..64 {
        let patched = SourceFile::new(file.path.clone(), text.clone());
        let mut loaded = load_strict(&patched);
        let fixes = loaded.error.as_ref().and_then(|e| repairs(&text, e));
        match fixes {
            Some(fixes) => {
                // Last first, so that earlier offsets stay valid.
                for &(at, n) in fixes.iter().rev() {
                    text.insert_str(at, &" ".repeat(n));
                    let pos = inserted.partition_point(|&p| p < at);
                    for p in &mut inserted[pos..] {
                        *p += n;
                    }
                    inserted.splice(pos..pos, at..at + n);
                }
            }
            _ => {
                let unshift = |o: usize| o - inserted.partition_point(|&p| p < o);
                for d in &mut loaded.documents {
                    remap(&mut d.root, &unshift);
                }
                if let Some(e) = &mut loaded.error {
                    e.offset = unshift(e.offset);
                }
                return Some(loaded);
            }
        }
    }
    None
}

fn remap(node: &mut Node, f: &dyn Fn(usize) -> usize) {
    node.span = Span::new(f(node.span.start), f(node.span.end));
    match &mut node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => items.iter_mut().for_each(|n| remap(n, f)),
        Value::Map(entries) => {
            for e in entries {
                remap(&mut e.key, f);
                remap(&mut e.value, f);
            }
        }
    }
}

fn load_strict(file: &SourceFile) -> Loaded {
    let mut builder = Builder::new(file);
    let mut parser = Parser::new_from_str(&file.text);
    let mut out = Loaded::default();
    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(ev)) => ev,
            Some(Err(e)) => {
                out.error = Some(LoadError { message: e.info().to_string(), offset: builder.offset(*e.marker()) });
                break;
            }
        };
        let start = builder.offset(span.start);
        let end = builder.offset(span.end);
        match builder.on_event(event, Span::new(start, end)) {
            Ok(Some(root)) => out.documents.push(Document { index: out.documents.len(), root }),
            Ok(None) => {}
            Err(e) => {
                out.error = Some(e);
                break;
            }
        }
    }
    out
}

/// Parses a standalone string (an embedded JSON/YAML payload). Spans are relative to `text`.
pub fn load_str(text: &str) -> Loaded {
    let file = SourceFile::new(String::new(), text.to_string());
    load(&file)
}

enum Frame {
    Seq { items: Vec<Node>, start: usize, anchor: usize, tag: Option<String> },
    Map { entries: Vec<Entry>, key: Option<Node>, start: usize, anchor: usize, tag: Option<String> },
}

struct Builder<'f> {
    file: &'f SourceFile,
    stack: Vec<Frame>,
    anchors: Vec<(usize, Node)>,
    nodes: usize,
    budget: usize,
    /// (line, char col, byte offset) of the last conversion, so that long single-line inputs
    /// convert in linear time.
    cursor: (usize, usize, usize),
}

impl<'f> Builder<'f> {
    fn new(file: &'f SourceFile) -> Self {
        Builder {
            file,
            stack: Vec::new(),
            anchors: Vec::new(),
            nodes: 0,
            budget: NODE_BUDGET_BASE.saturating_add(file.text.len().saturating_mul(NODE_BUDGET_PER_BYTE)),
            cursor: (1, 0, 0),
        }
    }

    fn offset(&mut self, m: Marker) -> usize {
        let (line, col) = (m.line().max(1), m.col());
        let text = &self.file.text;
        let (mut c_col, mut byte) = if self.cursor.0 == line && self.cursor.1 <= col {
            (self.cursor.1, self.cursor.2)
        } else {
            (0, self.file.line_start(line))
        };
        let bytes = text.as_bytes();
        while c_col < col && byte < bytes.len() && bytes[byte] != b'\n' {
            byte += utf8_width(bytes[byte]);
            c_col += 1;
        }
        let byte = byte.min(text.len());
        self.cursor = (line, c_col, byte);
        byte
    }

    fn count(&mut self, n: usize) -> Result<(), LoadError> {
        self.nodes += n;
        if self.nodes > self.budget {
            return Err(LoadError {
                message: format!("document expands to more than {} nodes (alias expansion bomb?)", self.budget),
                offset: 0,
            });
        }
        Ok(())
    }

    fn on_event(&mut self, event: Event<'_>, span: Span) -> Result<Option<Node>, LoadError> {
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(None),
            Event::DocumentStart(_) => {
                self.anchors.clear();
                Ok(None)
            }
            Event::DocumentEnd => Ok(None),
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1)?;
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                    ScalarStyle::Literal | ScalarStyle::Folded => Style::Block,
                };
                let node = Node {
                    value: Value::Scalar(Scalar { text: text.into_owned(), style }),
                    span,
                    tag: tag.map(|t| t.to_string()),
                };
                self.finish(node, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                self.push(
                    Frame::Seq { items: Vec::new(), start: span.start, anchor, tag: tag.map(|t| t.to_string()) },
                    span,
                )?;
                Ok(None)
            }
            Event::MappingStart(anchor, tag) => {
                self.push(
                    Frame::Map {
                        entries: Vec::new(),
                        key: None,
                        start: span.start,
                        anchor,
                        tag: tag.map(|t| t.to_string()),
                    },
                    span,
                )?;
                Ok(None)
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = self
                    .stack
                    .pop()
                    .ok_or_else(|| LoadError { message: "unbalanced collection end".into(), offset: span.start })?;
                let (value, start, anchor, tag) = match frame {
                    Frame::Seq { items, start, anchor, tag } => (Value::Seq(items), start, anchor, tag),
                    Frame::Map { entries, start, anchor, tag, .. } => (Value::Map(entries), start, anchor, tag),
                };
                // Block collections end where the next token starts; the last child is the
                // honest end.
                let end = last_end(&value).unwrap_or(span.end).max(start);
                let end = if matches!(self.file.text.as_bytes().get(span.end.saturating_sub(1)), Some(b']' | b'}')) {
                    span.end.max(end)
                } else {
                    end
                };
                self.finish(Node { value, span: Span::new(start, end), tag }, anchor)
            }
            Event::Alias(id) => {
                let node =
                    self.anchors.iter().rev().find(|(a, _)| *a == id).map(|(_, n)| n.clone()).ok_or_else(|| {
                        LoadError { message: "alias refers to an unknown anchor".into(), offset: span.start }
                    })?;
                self.count(node_count(&node))?;
                // Keep the alias's own position: findings should point where the value is used.
                let node = Node { span, ..node };
                self.finish(node, 0)
            }
        }
    }

    fn push(&mut self, frame: Frame, span: Span) -> Result<(), LoadError> {
        self.count(1)?;
        if self.stack.len() >= MAX_DEPTH {
            return Err(LoadError { message: format!("nesting deeper than {MAX_DEPTH} levels"), offset: span.start });
        }
        self.stack.push(frame);
        Ok(())
    }

    fn finish(&mut self, node: Node, anchor: usize) -> Result<Option<Node>, LoadError> {
        if anchor != 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            None => Ok(Some(node)),
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(None)
            }
            Some(Frame::Map { entries, key, .. }) => {
                match key.take() {
                    None => *key = Some(node),
                    Some(k) => entries.push(Entry { key: k, value: node }),
                }
                Ok(None)
            }
        }
    }
}

fn utf8_width(b: u8) -> usize {
    match b {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

fn last_end(value: &Value) -> Option<usize> {
    match value {
        Value::Scalar(_) => None,
        Value::Seq(items) => items.last().map(|n| n.span.end),
        Value::Map(entries) => entries.last().map(|e| e.value.span.end.max(e.key.span.end)),
    }
}

fn node_count(node: &Node) -> usize {
    // Iterative so that a deep anchored tree cannot overflow the stack here either.
    let mut stack = vec![node];
    let mut n = 0usize;
    while let Some(node) = stack.pop() {
        n += 1;
        match &node.value {
            Value::Scalar(_) => {}
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(entries) => {
                for e in entries {
                    stack.push(&e.key);
                    stack.push(&e.value);
                }
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> (SourceFile, Loaded) {
        let f = SourceFile::new("t.yaml".into(), text.into());
        let l = load(&f);
        (f, l)
    }

    #[test]
    fn spans_cover_keys_and_values() {
        let (f, l) = load_text("kind: Secret\nstringData:\n  password: hunter2\n");
        assert!(l.error.is_none());
        let root = &l.documents[0].root;
        let e = root.get("stringData").unwrap().entry("password").unwrap();
        assert_eq!(&f.text[e.key.span.range()], "password");
        assert_eq!(&f.text[e.value.span.range()], "hunter2");
        assert_eq!(f.position(e.value.span.start).line, 3);
        assert_eq!(f.position(e.value.span.start).column, 13);
    }

    #[test]
    fn quoted_and_unicode_spans() {
        let (f, l) = load_text("a: \"é\"\nb: 'x'\n");
        let root = &l.documents[0].root;
        assert_eq!(&f.text[root.get("a").unwrap().span.range()], "\"é\"");
        assert_eq!(&f.text[root.get("b").unwrap().span.range()], "'x'");
    }

    #[test]
    fn multi_document_streams_load_each_document() {
        let (_, l) = load_text("a: 1\n---\nb: 2\n---\n");
        assert!(l.error.is_none());
        assert!(l.documents.len() >= 2);
        assert_eq!(l.documents[1].root.get_str("b"), Some("2"));
    }

    #[test]
    fn json_loads_with_spans() {
        let (f, l) = load_text("{\"kind\": \"Secret\", \"data\": {\"token\": \"abc\"}}");
        let root = &l.documents[0].root;
        let v = root.at(&["data", "token"]).unwrap();
        assert_eq!(&f.text[v.span.range()], "\"abc\"");
    }

    #[test]
    fn syntax_error_has_position() {
        let (f, l) = load_text("a: 1\nb: [1, 2\nc: 3\n");
        let e = l.error.unwrap();
        assert!(f.position(e.offset).line >= 2, "{e:?}");
    }

    #[test]
    fn alias_bomb_is_stopped_by_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let (_, l) = load_text(&text);
        let e = l.error.expect("bomb must fail");
        assert!(e.message.contains("alias"), "{e:?}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(10_000) + &"]".repeat(10_000);
        let (_, l) = load_text(&text);
        assert!(l.error.is_some());
        let block: String = (0..10_000).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        let (_, l) = load_text(&block);
        assert!(l.error.is_some());
    }

    #[test]
    fn flow_mapping_closed_at_column_one_parses_like_libyaml() {
        let (f, l) =
            load_text("a: {\n  \"b\": \"1\",\n  \"c\": \"2\",\n}\nd: [\n  x,\n]\ne: 3\nf:\n  g: {\n    h: 1,\n  }\n");
        assert!(l.error.is_none(), "{:?}", l.error);
        let root = &l.documents[0].root;
        let c = root.at(&["a", "c"]).unwrap();
        assert_eq!(&f.text[c.span.range()], "\"2\"");
        let e = root.get("e").unwrap();
        assert_eq!(&f.text[e.span.range()], "3");
        assert_eq!(f.position(e.span.start).line, 8);
        assert_eq!(root.at(&["f", "g", "h"]).and_then(Node::as_str), Some("1"));
    }

    #[test]
    fn flow_continuation_at_the_key_indentation_parses_like_go_yaml() {
        // stable/minio's rendered Deployment; `helm template` (go-yaml) accepts it.
        let text = "spec:\n  containers:\n    - name: minio\n      command: [ \"/bin/sh\",\n      \"-ce\",\n      \"x\" ]\n      image: m\n";
        let (f, l) = load_text(text);
        assert!(l.error.is_none(), "{:?}", l.error.map(|e| e.message));
        let c = l.documents[0].root.at(&["spec", "containers"]).and_then(Node::as_seq).unwrap()[0].clone();
        let cmd = c.get("command").and_then(Node::as_seq).unwrap();
        assert_eq!(cmd.iter().filter_map(Node::as_str).collect::<Vec<_>>(), ["/bin/sh", "-ce", "x"]);
        assert_eq!(&f.text[cmd[1].span.range()], "\"-ce\"");
        assert_eq!(c.get_str("image"), Some("m"));
        // At column 0 it stays an error (yaml-test-suite 9C9N).
        assert!(load_text("---\nflow: [a,\nb,\nc]\n").1.error.is_some());
    }

    #[test]
    fn quoted_continuation_below_the_entry_parses_like_go_yaml() {
        // stable/sparkoperator's rendered Job; `helm template` (go-yaml) accepts it.
        let text =
            "c:\n  command:\n    - \"/bin/sh\"\n    - \"curl -ik \\\n  -X DELETE \\\n  https://k/x\"\n  image: i\n";
        let (f, l) = load_text(text);
        assert!(l.error.is_none(), "{:?}", l.error.map(|e| e.message));
        let c = l.documents[0].root.get("c").unwrap();
        let cmd = c.get("command").and_then(Node::as_seq).unwrap();
        assert_eq!(cmd[1].as_str(), Some("curl -ik -X DELETE https://k/x"));
        assert_eq!(f.position(cmd[1].span.start).line, 4);
        assert_eq!(&f.text[c.get("image").unwrap().span.range()], "i");
        // At column 0 it stays an error (yaml-test-suite QB6E).
        assert!(load_text("---\nquoted: \"a\nb\nc\"\n").1.error.is_some());
    }

    #[test]
    fn aliases_resolve_within_budget() {
        let (_, l) = load_text("base: &b {user: x}\ncopy: *b\n");
        assert!(l.error.is_none());
        assert_eq!(l.documents[0].root.at(&["copy", "user"]).and_then(Node::as_str), Some("x"));
    }
}
