//! The lexer of Go `text/template` with the default `{{`/`}}` delimiters.
//!
//! It follows Go's state machine closely because parse errors quote tokens and lines exactly as Go
//! does: trim markers need an ASCII space (`{{- x -}}`, while `{{-3}}` is the number -3), comments
//! are dropped (Go only emits them in `ParseComments` mode), and lexing stops at the first error,
//! which becomes an error token the parser reports.

/// Token kinds, in Go's order; keywords come after [`Kind::Keyword`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Error,
    Bool,
    Char,
    CharConstant,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    Keyword,
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub kind: Kind,
    /// Byte offset of the token in the template text.
    pub pos: usize,
    /// The token's text, or the message of an error token.
    pub val: String,
    pub line: u32,
}

impl Token {
    /// Go's `item.String()`, used in "unexpected X in Y" messages.
    pub fn describe(&self) -> String {
        match self.kind {
            Kind::Eof => "EOF".to_string(),
            Kind::Error => self.val.clone(),
            k if k > Kind::Keyword => format!("<{}>", self.val),
            _ if self.val.chars().count() > 10 => {
                // Go's `%.10q` truncates the string to 10 runes before quoting.
                let short: String = self.val.chars().take(10).collect();
                format!("{}...", super::fmt::quote_go(&short, false))
            }
            _ => super::fmt::quote_go(&self.val, false),
        }
    }
}

fn keyword(word: &str) -> Option<Kind> {
    Some(match word {
        "." => Kind::Dot,
        "block" => Kind::Block,
        "break" => Kind::Break,
        "continue" => Kind::Continue,
        "define" => Kind::Define,
        "else" => Kind::Else,
        "end" => Kind::End,
        "if" => Kind::If,
        "range" => Kind::Range,
        "nil" => Kind::Nil,
        "template" => Kind::Template,
        "with" => Kind::With,
        _ => return None,
    })
}

const LEFT: &str = "{{";
const RIGHT: &str = "}}";

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphabetic() || is_unicode_digit(c)
}

/// Go's `unicode.IsDigit` is the Nd category; Rust's `is_numeric` is wider (No, Nl), so ASCII
/// plus the common alphanumeric check is the practical approximation.
fn is_unicode_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric() && !c.is_alphabetic())
}

fn has_left_trim(s: &[u8]) -> bool {
    s.len() >= 2 && s[0] == b'-' && is_space(s[1] as char)
}

fn has_right_trim(s: &[u8]) -> bool {
    s.len() >= 2 && is_space(s[0] as char) && s[1] == b'-'
}

/// Tokenizes `input` completely; the last token is `Eof` or `Error`.
pub(crate) fn lex(input: &str) -> Vec<Token> {
    let mut l = Lexer { input, pos: 0, start: 0, paren_depth: 0, toks: Vec::new(), line_starts: line_starts(input) };
    l.run();
    l.toks
}

fn line_starts(s: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(s.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
    v
}

/// 1-based line of byte offset `pos`.
pub(crate) fn line_of(starts: &[usize], pos: usize) -> u32 {
    let idx = starts.partition_point(|&s| s <= pos);
    idx.max(1) as u32
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    paren_depth: i32,
    toks: Vec<Token>,
    line_starts: Vec<usize>,
}

enum State {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    InsideAction,
    Done,
}

impl Lexer<'_> {
    fn rest(&self) -> &[u8] {
        self.input.as_bytes().get(self.pos..).unwrap_or(&[])
    }

    fn next(&mut self) -> Option<char> {
        let c = self.input.get(self.pos..)?.chars().next()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn peek(&self) -> Option<char> {
        self.input.get(self.pos..)?.chars().next()
    }

    fn backup(&mut self, c: Option<char>) {
        if let Some(c) = c {
            self.pos -= c.len_utf8();
        }
    }

    fn emit(&mut self, kind: Kind) {
        let val = self.input.get(self.start..self.pos).unwrap_or("").to_string();
        let line = line_of(&self.line_starts, self.start);
        self.toks.push(Token { kind, pos: self.start, val, line });
        self.start = self.pos;
    }

    fn ignore(&mut self) {
        self.start = self.pos;
    }

    fn errorf(&mut self, msg: String) -> State {
        let line = line_of(&self.line_starts, self.start);
        self.toks.push(Token { kind: Kind::Error, pos: self.start, val: msg, line });
        State::Done
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.peek() {
            Some(c) if valid.contains(c) => {
                self.pos += c.len_utf8();
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn run(&mut self) {
        let mut state = State::Text;
        loop {
            state = match state {
                State::Text => self.lex_text(),
                State::LeftDelim => self.lex_left_delim(),
                State::Comment => self.lex_comment(),
                State::RightDelim => self.lex_right_delim(),
                State::InsideAction => self.lex_inside_action(),
                State::Done => return,
            }
        }
    }

    fn lex_text(&mut self) -> State {
        if let Some(x) = self.input.get(self.pos..).and_then(|s| s.find(LEFT)) {
            let delim_at = self.pos + x;
            let after = self.input.as_bytes().get(delim_at + LEFT.len()..).unwrap_or(&[]);
            let mut text_end = delim_at;
            if has_left_trim(after) {
                let text = self.input.get(self.start..delim_at).unwrap_or("");
                text_end = self.start + text.trim_end_matches(is_space).len();
            }
            if text_end > self.start {
                self.pos = text_end;
                self.emit(Kind::Text);
            }
            self.pos = delim_at;
            self.ignore();
            return State::LeftDelim;
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            self.emit(Kind::Text);
        }
        self.emit(Kind::Eof);
        State::Done
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        if has_right_trim(rest) && rest.get(2..).is_some_and(|r| r.starts_with(RIGHT.as_bytes())) {
            return (true, true);
        }
        (rest.starts_with(RIGHT.as_bytes()), false)
    }

    fn lex_left_delim(&mut self) -> State {
        self.pos += LEFT.len();
        let trim = has_left_trim(self.rest());
        let after_marker = if trim { 2 } else { 0 };
        if self.rest().get(after_marker..).is_some_and(|r| r.starts_with(b"/*")) {
            self.pos += after_marker;
            self.ignore();
            return State::Comment;
        }
        self.emit(Kind::LeftDelim);
        self.pos += after_marker;
        self.ignore();
        self.paren_depth = 0;
        State::InsideAction
    }

    fn lex_comment(&mut self) -> State {
        self.pos += 2;
        let Some(i) = self.input.get(self.pos..).and_then(|s| s.find("*/")) else {
            return self.errorf("unclosed comment".into());
        };
        self.pos += i + 2;
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.errorf("comment ends before closing delimiter".into());
        }
        if trim {
            self.pos += 2;
        }
        self.pos += RIGHT.len();
        if trim {
            self.skip_leading_space();
        }
        self.ignore();
        State::Text
    }

    fn skip_leading_space(&mut self) {
        let rest = self.input.get(self.pos..).unwrap_or("");
        self.pos += rest.len() - rest.trim_start_matches(is_space).len();
    }

    fn lex_right_delim(&mut self) -> State {
        let trim = has_right_trim(self.rest());
        if trim {
            self.pos += 2;
            self.ignore();
        }
        self.pos += RIGHT.len();
        self.emit(Kind::RightDelim);
        if trim {
            self.skip_leading_space();
            self.ignore();
        }
        State::Text
    }

    fn lex_inside_action(&mut self) -> State {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return State::RightDelim;
            }
            return self.errorf("unclosed left paren".into());
        }
        let Some(r) = self.next() else {
            return self.errorf("unclosed action".into());
        };
        match r {
            c if is_space(c) => {
                self.backup(Some(c));
                return self.lex_space();
            }
            '=' => self.emit(Kind::Assign),
            ':' => {
                if self.next() != Some('=') {
                    return self.errorf("expected :=".into());
                }
                self.emit(Kind::Declare);
            }
            '|' => self.emit(Kind::Pipe),
            '"' => return self.lex_quote(),
            '`' => return self.lex_raw_quote(),
            '$' => return self.lex_variable(),
            '\'' => return self.lex_char(),
            '.' if !self.peek().is_some_and(|c| c.is_ascii_digit()) => {
                return self.lex_field_or_variable(Kind::Field);
            }
            '.' | '+' | '-' | '0'..='9' => {
                self.backup(Some(r));
                return self.lex_number();
            }
            c if is_alnum(c) => {
                self.backup(Some(c));
                return self.lex_identifier();
            }
            '(' => {
                self.emit(Kind::LeftParen);
                self.paren_depth += 1;
            }
            ')' => {
                self.emit(Kind::RightParen);
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.errorf("unexpected right paren U+0029 ')'".into());
                }
            }
            c if c.is_ascii() && !c.is_ascii_control() => self.emit(Kind::Char),
            c => return self.errorf(format!("unrecognized character in action: {}", super::fmt::sharp_u(c))),
        }
        State::InsideAction
    }

    fn lex_space(&mut self) -> State {
        let mut n = 0;
        while let Some(c) = self.peek() {
            if !is_space(c) {
                break;
            }
            self.pos += c.len_utf8();
            n += 1;
        }
        // A space followed by "-}}" belongs to the trim-marked right delimiter.
        let before = self.input.as_bytes().get(self.pos - 1..).unwrap_or(&[]);
        if has_right_trim(before) && before.get(2..).is_some_and(|r| r.starts_with(RIGHT.as_bytes())) {
            self.pos -= 1;
            if n == 1 {
                return State::RightDelim;
            }
        }
        self.emit(Kind::Space);
        State::InsideAction
    }

    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if is_space(c) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            _ => self.rest().starts_with(RIGHT.as_bytes()),
        }
    }

    fn lex_identifier(&mut self) -> State {
        loop {
            let c = self.next();
            if c.is_some_and(is_alnum) {
                continue;
            }
            self.backup(c);
            if !self.at_terminator() {
                return self.bad_char(c);
            }
            let word = self.input.get(self.start..self.pos).unwrap_or("");
            let kind = match keyword(word) {
                Some(k) => k,
                None if word.starts_with('.') => Kind::Field,
                None if word == "true" || word == "false" => Kind::Bool,
                None => Kind::Identifier,
            };
            self.emit(kind);
            return State::InsideAction;
        }
    }

    fn bad_char(&mut self, c: Option<char>) -> State {
        let shown = match c {
            Some(c) => super::fmt::sharp_u(c),
            None => "U+FFFFFFFFFFFFFFFF".to_string(),
        };
        self.errorf(format!("bad character {shown}"))
    }

    fn lex_variable(&mut self) -> State {
        if self.at_terminator() {
            self.emit(Kind::Variable);
            return State::InsideAction;
        }
        self.lex_field_or_variable(Kind::Variable)
    }

    fn lex_field_or_variable(&mut self, kind: Kind) -> State {
        if self.at_terminator() {
            self.emit(if kind == Kind::Variable { Kind::Variable } else { Kind::Dot });
            return State::InsideAction;
        }
        let mut c;
        loop {
            c = self.next();
            if !c.is_some_and(is_alnum) {
                self.backup(c);
                break;
            }
        }
        if !self.at_terminator() {
            return self.bad_char(c);
        }
        self.emit(kind);
        State::InsideAction
    }

    fn lex_char(&mut self) -> State {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    Some('\n') | None => return self.errorf("unterminated character constant".into()),
                    _ => {}
                },
                Some('\n') | None => return self.errorf("unterminated character constant".into()),
                Some('\'') => break,
                _ => {}
            }
        }
        self.emit(Kind::CharConstant);
        State::InsideAction
    }

    fn lex_number(&mut self) -> State {
        if !self.scan_number() {
            let text = self.input.get(self.start..self.pos).unwrap_or("").to_string();
            return self.errorf(format!("bad number syntax: {}", super::fmt::quote_go(&text, false)));
        }
        if matches!(self.peek(), Some('+' | '-')) {
            if !self.scan_number() || !self.input.get(..self.pos).is_some_and(|s| s.ends_with('i')) {
                let text = self.input.get(self.start..self.pos).unwrap_or("").to_string();
                return self.errorf(format!("bad number syntax: {}", super::fmt::quote_go(&text, false)));
            }
            self.emit(Kind::Complex);
        } else {
            self.emit(Kind::Number);
        }
        State::InsideAction
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alnum) {
            self.next();
            return false;
        }
        true
    }

    fn lex_quote(&mut self) -> State {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    Some('\n') | None => return self.errorf("unterminated quoted string".into()),
                    _ => {}
                },
                Some('\n') | None => return self.errorf("unterminated quoted string".into()),
                Some('"') => break,
                _ => {}
            }
        }
        self.emit(Kind::String);
        State::InsideAction
    }

    fn lex_raw_quote(&mut self) -> State {
        loop {
            match self.next() {
                None => return self.errorf("unterminated raw quoted string".into()),
                Some('`') => break,
                _ => {}
            }
        }
        self.emit(Kind::RawString);
        State::InsideAction
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(Kind, String)> {
        lex(s).into_iter().map(|t| (t.kind, t.val)).collect()
    }

    #[test]
    fn trims_only_with_space() {
        let t = kinds("a {{- 3 -}} b {{-3}}");
        assert_eq!(t[0], (Kind::Text, "a".into()));
        assert_eq!(t[2], (Kind::Number, "3".into()));
        assert_eq!(t[4], (Kind::Text, "b ".into()));
        assert_eq!(t[6], (Kind::Number, "-3".into()));
    }

    #[test]
    fn comment_is_dropped() {
        let t = kinds("x {{- /* c */ -}} y");
        assert_eq!(t, vec![(Kind::Text, "x".into()), (Kind::Text, "y".into()), (Kind::Eof, "".into())]);
    }

    #[test]
    fn lines_count_newlines() {
        let t = lex("a\n{{ .x\n .y }}");
        let f: Vec<_> = t.iter().filter(|t| t.kind == Kind::Field).map(|t| t.line).collect();
        assert_eq!(f, vec![2, 3]);
    }

    #[test]
    fn errors() {
        assert_eq!(lex("{{ \"abc }}").last().map(|t| t.val.clone()).unwrap(), "unterminated quoted string");
        assert_eq!(lex("{{ 3x }}").last().map(|t| t.val.clone()).unwrap(), "bad number syntax: \"3x\"");
        assert_eq!(lex("{{ /* x */ }}").last().map(|t| t.kind).unwrap(), Kind::Eof);
        assert_eq!(lex("{{/* x */ }}").last().map(|t| t.val.clone()).unwrap(), "comment ends before closing delimiter");
    }
}
