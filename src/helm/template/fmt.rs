//! Go's `fmt` printing of template values: `Sprint`, `Sprintln`, `Sprintf` and `%v`.
//!
//! Helm output is compared byte for byte with Go's, so the float rules matter most: values files
//! make every number a float64, and `%v` of a float64 is `strconv.FormatFloat(f, 'g', -1, 64)`,
//! which uses exponent form when the decimal exponent is < -4 or >= 6 (`1e+08` for 100000000,
//! but `8080` and `100000`). Bad verbs print Go's diagnostics (`%!d(float64=8080)`), which end up
//! in rendered manifests, so they are reproduced too.

use crate::helm::value::Value;
use std::fmt::Write as _;

/// Go's `strconv.Quote` (or `QuoteToASCII` when `ascii`).
pub(crate) fn quote_go(s: &str, ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        escape_char(&mut out, c, '"', ascii);
    }
    out.push('"');
    out
}

fn escape_char(out: &mut String, c: char, quote: char, ascii: bool) {
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        '\\' => out.push_str("\\\\"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        c if (c as u32) < 0x80 => {
            if (c as u32) < 0x20 || c == '\x7f' {
                let _ = write!(out, "\\x{:02x}", c as u32);
            } else {
                out.push(c);
            }
        }
        '\u{FFFD}' if !ascii => out.push(c),
        c if !ascii && is_go_printable(c) => out.push(c),
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

/// Approximates Go's `strconv.IsPrint` (letters, marks, numbers, punctuation, symbols and U+0020).
fn is_go_printable(c: char) -> bool {
    if c.is_control() {
        return false;
    }
    let u = c as u32;
    // Separators other than the ASCII space, format characters and private use are not printable.
    !matches!(u, 0x00A0 | 0x1680 | 0x2000..=0x200F | 0x2028..=0x202F | 0x205F..=0x206F | 0x3000 | 0xFEFF)
        && !(0xE000..=0xF8FF).contains(&u)
        && !(0xFFF0..=0xFFFF).contains(&u)
}

/// Go's `%#U` form of a rune: `U+0041 'A'`.
pub(crate) fn sharp_u(c: char) -> String {
    let mut s = format!("U+{:04X}", c as u32);
    if is_go_printable(c) {
        s.push_str(" '");
        s.push(c);
        s.push('\'');
    }
    s
}

/// Go's type names as templates report them (`%T`, argument errors).
pub(crate) fn go_type(v: &Value) -> &'static str {
    v.type_name()
}

/// `%v` of a float64: strconv's shortest `'g'` format.
pub fn format_float(f: f64) -> String {
    strconv_float(f, b'g', None)
}

/// Decimal digits of |f| and the decimal point position, like strconv's `decimalSlice`
/// (no digits for zero).
fn digits_of(f: f64, sig: Option<usize>) -> (Vec<u8>, i32) {
    if f == 0.0 {
        return (Vec::new(), 0);
    }
    let s = match sig {
        Some(p) => format!("{:.*e}", p.saturating_sub(1), f.abs()),
        None => format!("{:e}", f.abs()),
    };
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, exp + 1)
}

/// strconv.FormatFloat(f, fmt, prec, 64) for the formats e, E, f, F, g, G (others fall back
/// to g). `prec` None means shortest.
pub(crate) fn strconv_float(f: f64, fmt: u8, prec: Option<usize>) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    let neg = f.is_sign_negative();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    match fmt {
        b'f' | b'F' => match prec {
            Some(p) => {
                let _ = write!(out, "{:.*}", p, f.abs());
            }
            None => {
                let (d, dp) = digits_of(f, None);
                let p = (d.len() as i32 - dp).max(0) as usize;
                fmt_f(&mut out, &d, dp, p);
            }
        },
        b'e' | b'E' => {
            let (d, dp) = match prec {
                Some(p) => digits_of(f, Some(p + 1)),
                None => digits_of(f, None),
            };
            let p = prec.unwrap_or(d.len().saturating_sub(1));
            fmt_e(&mut out, &d, dp, p, fmt);
        }
        _ => {
            let upper = fmt == b'G';
            let shortest = prec.is_none();
            let mut p = match prec {
                Some(0) => 1,
                Some(p) => p,
                None => 0,
            };
            let (d, dp) = if shortest { digits_of(f, None) } else { digits_of(f, Some(p)) };
            let nd = d.len();
            if shortest {
                p = nd;
            }
            let mut eprec = p;
            if eprec > nd && nd as i32 >= dp {
                eprec = nd;
            }
            if shortest {
                eprec = 6;
            }
            let exp = dp - 1;
            if exp < -4 || exp >= eprec as i32 {
                if p > nd {
                    p = nd;
                }
                fmt_e(&mut out, &d, dp, p.saturating_sub(1), if upper { b'E' } else { b'e' });
            } else {
                if p as i32 > dp {
                    p = nd;
                }
                fmt_f(&mut out, &d, dp, (p as i32 - dp).max(0) as usize);
            }
        }
    }
    out
}

fn fmt_e(out: &mut String, d: &[u8], dp: i32, prec: usize, e: u8) {
    out.push(d.first().map_or('0', |&c| c as char));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(d.get(i).map_or('0', |&c| c as char));
        }
    }
    out.push(e as char);
    let exp = if d.is_empty() { 0 } else { dp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    let _ = write!(out, "{:02}", exp.abs());
}

fn fmt_f(out: &mut String, d: &[u8], dp: i32, prec: usize) {
    if dp > 0 {
        for i in 0..dp as usize {
            out.push(d.get(i).map_or('0', |&c| c as char));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec as i32 {
            let j = dp + i;
            out.push(if j >= 0 { d.get(j as usize).map_or('0', |&c| c as char) } else { '0' });
        }
    }
}

/// `fmt.Sprint(args...)`: spaces between operands when neither side is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut p = Printer::default();
    for (i, a) in args.iter().enumerate() {
        let is_str = matches!(a, Value::Str(_));
        if i > 0 && !is_str && !matches!(args.get(i - 1), Some(Value::Str(_))) {
            p.buf.push(' ');
        }
        p.print_arg(a, 'v');
    }
    p.buf
}

/// `fmt.Sprintln(args...)`: always spaces, plus a final newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut p = Printer::default();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            p.buf.push(' ');
        }
        p.print_arg(a, 'v');
    }
    p.buf.push('\n');
    p.buf
}

/// `%v` of one value, as `{{ . }}` prints it (nil is `<nil>` here; the executor prints a
/// missing value as `<no value>` itself).
pub fn sprint_value(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        _ => sprint(std::slice::from_ref(v)),
    }
}

/// `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer::default();
    p.do_printf(format, args);
    p.buf
}

#[derive(Default, Clone, Copy)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
    wid: Option<usize>,
    prec: Option<usize>,
}

#[derive(Default)]
struct Printer {
    buf: String,
    f: Flags,
    reordered: bool,
    good_arg_num: bool,
}

fn parse_num(s: &[u8], mut i: usize, end: usize) -> (Option<usize>, usize) {
    let start = i;
    let mut n: usize = 0;
    while i < end && s.get(i).is_some_and(u8::is_ascii_digit) {
        // Go's tooLarge guard: widths over 1e6 are invalid.
        if n > 1_000_000 {
            return (None, end);
        }
        n = n * 10 + usize::from(s.get(i).copied().unwrap_or(b'0') - b'0');
        i += 1;
    }
    if i == start { (None, i) } else { (Some(n), i) }
}

impl Printer {
    fn write_padding(&mut self, n: usize) {
        let c = if self.f.zero { '0' } else { ' ' };
        self.buf.extend(std::iter::repeat_n(c, n));
    }

    fn pad(&mut self, s: &str) {
        let Some(w) = self.f.wid.filter(|&w| w > 0) else {
            self.buf.push_str(s);
            return;
        };
        let n = w.saturating_sub(s.chars().count());
        if self.f.minus {
            self.buf.push_str(s);
            self.write_padding(n);
        } else {
            self.write_padding(n);
            self.buf.push_str(s);
        }
    }

    fn arg_number(&mut self, arg_num: usize, fmt: &[u8], i: usize, num_args: usize) -> (usize, usize, bool) {
        if fmt.get(i) != Some(&b'[') {
            return (arg_num, i, false);
        }
        self.reordered = true;
        let rest = fmt.get(i..).unwrap_or(&[]);
        // parseArgNumber
        let (index, wid, ok) = (|| {
            if rest.len() < 3 {
                return (0i64, 1usize, false);
            }
            for j in 1..rest.len() {
                if rest.get(j) == Some(&b']') {
                    let (n, newi) = parse_num(rest, 1, j);
                    return match n {
                        Some(n) if newi == j => (n as i64 - 1, j + 1, true),
                        _ => (0, j + 1, false),
                    };
                }
            }
            (0, 1, false)
        })();
        if ok && index >= 0 && (index as usize) < num_args {
            return (index as usize, i + wid, true);
        }
        self.good_arg_num = false;
        (arg_num, i + wid, ok)
    }

    fn int_from_arg(args: &[Value], arg_num: usize) -> (Option<i64>, usize) {
        match args.get(arg_num) {
            Some(Value::Int(n, _)) if n.unsigned_abs() <= 1_000_000 => (Some(*n), arg_num + 1),
            Some(_) => (None, arg_num + 1),
            None => (None, arg_num),
        }
    }

    fn do_printf(&mut self, format: &str, args: &[Value]) {
        let fmt = format.as_bytes();
        let end = fmt.len();
        let mut arg_num = 0usize;
        let mut after_index;
        self.reordered = false;
        let mut i = 0;
        'outer: while i < end {
            self.good_arg_num = true;
            let lasti = i;
            while i < end && fmt.get(i) != Some(&b'%') {
                i += 1;
            }
            if i > lasti {
                self.buf.push_str(String::from_utf8_lossy(fmt.get(lasti..i).unwrap_or(&[])).as_ref());
            }
            if i >= end {
                break;
            }
            i += 1;
            self.f = Flags::default();
            while i < end {
                match fmt.get(i).copied().unwrap_or(0) {
                    b'#' => self.f.sharp = true,
                    b'0' => self.f.zero = !self.f.minus,
                    b'+' => self.f.plus = true,
                    b'-' => {
                        self.f.minus = true;
                        self.f.zero = false;
                    }
                    b' ' => self.f.space = true,
                    c => {
                        if c.is_ascii_lowercase() && arg_num < args.len() {
                            if c == b'v' {
                                self.f.sharp_v = self.f.sharp;
                                self.f.sharp = false;
                                self.f.plus_v = self.f.plus;
                                self.f.plus = false;
                            }
                            if let Some(a) = args.get(arg_num) {
                                self.print_arg(a, c as char);
                            }
                            arg_num += 1;
                            i += 1;
                            continue 'outer;
                        }
                        break;
                    }
                }
                i += 1;
            }
            (arg_num, i, after_index) = self.arg_number(arg_num, fmt, i, args.len());
            if fmt.get(i) == Some(&b'*') {
                i += 1;
                let (w, n) = Self::int_from_arg(args, arg_num);
                arg_num = n;
                match w {
                    Some(w) => {
                        if w < 0 {
                            self.f.minus = true;
                            self.f.zero = false;
                        }
                        self.f.wid = Some(w.unsigned_abs() as usize);
                    }
                    None => self.buf.push_str("%!(BADWIDTH)"),
                }
                after_index = false;
            } else {
                let (w, ni) = parse_num(fmt, i, end);
                self.f.wid = w;
                i = ni;
                if after_index && w.is_some() {
                    self.good_arg_num = false;
                }
            }
            if i + 1 < end && fmt.get(i) == Some(&b'.') {
                i += 1;
                if after_index {
                    self.good_arg_num = false;
                }
                (arg_num, i, after_index) = self.arg_number(arg_num, fmt, i, args.len());
                if fmt.get(i) == Some(&b'*') {
                    i += 1;
                    let (p, n) = Self::int_from_arg(args, arg_num);
                    arg_num = n;
                    match p {
                        Some(p) if p >= 0 => self.f.prec = Some(p as usize),
                        Some(_) => self.f.prec = None,
                        None => {
                            self.f.prec = None;
                            self.buf.push_str("%!(BADPREC)");
                        }
                    }
                    after_index = false;
                } else {
                    let (p, ni) = parse_num(fmt, i, end);
                    i = ni;
                    self.f.prec = Some(p.unwrap_or(0));
                }
            }
            if !after_index {
                (arg_num, i, _) = self.arg_number(arg_num, fmt, i, args.len());
            }
            if i >= end {
                self.buf.push_str("%!(NOVERB)");
                break;
            }
            let verb = format.get(i..).and_then(|s| s.chars().next()).unwrap_or('?');
            i += verb.len_utf8();
            if verb == '%' {
                self.buf.push('%');
            } else if !self.good_arg_num {
                self.bad_arg(verb, "BADINDEX");
            } else if arg_num >= args.len() {
                self.bad_arg(verb, "MISSING");
            } else {
                if verb == 'v' {
                    self.f.sharp_v = self.f.sharp;
                    self.f.sharp = false;
                    self.f.plus_v = self.f.plus;
                    self.f.plus = false;
                }
                if let Some(a) = args.get(arg_num) {
                    self.print_arg(a, verb);
                }
                arg_num += 1;
            }
        }
        if !self.reordered && arg_num < args.len() {
            self.f = Flags::default();
            self.buf.push_str("%!(EXTRA ");
            for (k, a) in args.iter().skip(arg_num).enumerate() {
                if k > 0 {
                    self.buf.push_str(", ");
                }
                if let Value::Nil = a {
                    self.buf.push_str("<nil>");
                } else {
                    self.buf.push_str(go_type(a));
                    self.buf.push('=');
                    self.print_arg(a, 'v');
                }
            }
            self.buf.push(')');
        }
    }

    fn bad_arg(&mut self, verb: char, what: &str) {
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push('(');
        self.buf.push_str(what);
        self.buf.push(')');
    }

    fn bad_verb(&mut self, verb: char, v: &Value) {
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push('(');
        if let Value::Nil = v {
            self.buf.push_str("<nil>");
        } else {
            self.buf.push_str(go_type(v));
            self.buf.push('=');
            self.print_arg(v, 'v');
        }
        self.buf.push(')');
    }

    fn print_arg(&mut self, v: &Value, verb: char) {
        match (v, verb) {
            (Value::Nil, 'T' | 'v') => self.pad("<nil>"),
            (Value::Nil, _) => self.bad_verb(verb, v),
            (_, 'T') => {
                let t = go_type(v);
                self.fmt_s(t);
            }
            (Value::Bool(b), 't' | 'v') => self.pad(if *b { "true" } else { "false" }),
            (Value::Bool(_), _) => self.bad_verb(verb, v),
            (Value::Int(n, _), _) => self.fmt_integer(*n, verb, v),
            (Value::Float(x), _) => self.fmt_float_verb(*x, verb, v),
            (Value::Str(s), _) => self.fmt_string(s, verb, v),
            (Value::List(items), _) => {
                if self.f.sharp_v {
                    self.buf.push_str("[]interface {}{");
                    for (i, e) in items.iter().enumerate() {
                        if i > 0 {
                            self.buf.push_str(", ");
                        }
                        self.print_elem(e, verb);
                    }
                    self.buf.push('}');
                } else {
                    self.buf.push('[');
                    for (i, e) in items.iter().enumerate() {
                        if i > 0 {
                            self.buf.push(' ');
                        }
                        self.print_elem(e, verb);
                    }
                    self.buf.push(']');
                }
            }
            (Value::Map(m), _) => {
                let m = m.borrow();
                if self.f.sharp_v {
                    self.buf.push_str("map[string]interface {}{");
                } else {
                    self.buf.push_str("map[");
                }
                for (i, (k, e)) in m.iter().enumerate() {
                    if i > 0 {
                        self.buf.push_str(if self.f.sharp_v { ", " } else { " " });
                    }
                    self.fmt_string(k, verb, &Value::str(k.as_str()));
                    self.buf.push(':');
                    self.print_elem(e, verb);
                }
                self.buf.push(if self.f.sharp_v { '}' } else { ']' });
            }
            (Value::Object(o), _) => {
                let s = o.display();
                self.pad(&s);
            }
        }
    }

    /// An element of a container: a nil interface prints `<nil>` whatever the verb.
    fn print_elem(&mut self, e: &Value, verb: char) {
        match e {
            Value::Nil if self.f.sharp_v => self.buf.push_str("interface {}(nil)"),
            Value::Nil => self.pad("<nil>"),
            _ => self.print_arg(e, verb),
        }
    }

    fn fmt_s(&mut self, s: &str) {
        let s = match self.f.prec {
            Some(p) => match s.char_indices().nth(p) {
                Some((i, _)) => s.get(..i).unwrap_or(s),
                None => s,
            },
            None => s,
        };
        self.pad(s);
    }

    fn fmt_string(&mut self, s: &str, verb: char, v: &Value) {
        match verb {
            'v' if self.f.sharp_v => self.fmt_q(s),
            'v' | 's' => self.fmt_s(s),
            'x' => self.fmt_sx(s, "0123456789abcdefx"),
            'X' => self.fmt_sx(s, "0123456789ABCDEFX"),
            'q' => self.fmt_q(s),
            _ => self.bad_verb(verb, v),
        }
    }

    fn fmt_q(&mut self, s: &str) {
        let s = match self.f.prec {
            Some(p) => match s.char_indices().nth(p) {
                Some((i, _)) => s.get(..i).unwrap_or(s),
                None => s,
            },
            None => s,
        };
        if self.f.sharp && !s.contains('`') && s.chars().all(|c| c == '\t' || !(c.is_control() || c == '\u{FEFF}')) {
            let q = format!("`{s}`");
            self.pad(&q);
        } else {
            let q = quote_go(s, self.f.plus);
            self.pad(&q);
        }
    }

    fn fmt_sx(&mut self, s: &str, digits: &str) {
        let d = digits.as_bytes();
        let b = s.as_bytes();
        let length = self.f.prec.map_or(b.len(), |p| p.min(b.len()));
        let mut width = 2 * length;
        if width == 0 {
            if let Some(w) = self.f.wid {
                self.write_padding(w);
            }
            return;
        }
        if self.f.space {
            if self.f.sharp {
                width *= 2;
            }
            width += length - 1;
        } else if self.f.sharp {
            width += 2;
        }
        let w = self.f.wid.unwrap_or(0);
        if w > width && !self.f.minus {
            self.write_padding(w - width);
        }
        let hex = |c: u8| d.get(usize::from(c)).copied().unwrap_or(b'0') as char;
        if self.f.sharp {
            self.buf.push('0');
            self.buf.push(hex(16));
        }
        for (i, &c) in b.iter().take(length).enumerate() {
            if self.f.space && i > 0 {
                self.buf.push(' ');
                if self.f.sharp {
                    self.buf.push('0');
                    self.buf.push(hex(16));
                }
            }
            self.buf.push(hex(c >> 4));
            self.buf.push(hex(c & 0xF));
        }
        if w > width && self.f.minus {
            self.write_padding(w - width);
        }
    }

    fn fmt_integer(&mut self, n: i64, verb: char, v: &Value) {
        match verb {
            'v' | 'd' => self.fmt_int(n, 10, verb, "0123456789abcdefx"),
            'b' => self.fmt_int(n, 2, verb, "0123456789abcdefx"),
            'o' | 'O' => self.fmt_int(n, 8, verb, "0123456789abcdefx"),
            'x' => self.fmt_int(n, 16, verb, "0123456789abcdefx"),
            'X' => self.fmt_int(n, 16, verb, "0123456789ABCDEFX"),
            'c' => {
                let c = u32::try_from(n).ok().and_then(char::from_u32).unwrap_or('\u{FFFD}');
                self.pad(&c.to_string());
            }
            'q' => {
                let c = u32::try_from(n).ok().and_then(char::from_u32).unwrap_or('\u{FFFD}');
                let mut s = String::from("'");
                escape_char(&mut s, c, '\'', self.f.plus);
                s.push('\'');
                self.pad(&s);
            }
            'U' => {
                let mut s = format!("U+{:04X}", n as u64);
                if self.f.sharp
                    && let Some(c) = u32::try_from(n).ok().and_then(char::from_u32).filter(|&c| is_go_printable(c))
                {
                    s.push_str(" '");
                    s.push(c);
                    s.push('\'');
                }
                let old = self.f.zero;
                self.f.zero = false;
                self.pad(&s);
                self.f.zero = old;
            }
            _ => self.bad_verb(verb, v),
        }
    }

    fn fmt_int(&mut self, n: i64, base: u32, verb: char, digits: &str) {
        let neg = n < 0;
        let mut u = n.unsigned_abs();
        let mut prec = 0usize;
        if let Some(p) = self.f.prec {
            prec = p;
            if p == 0 && u == 0 {
                let old = self.f.zero;
                self.f.zero = false;
                let w = self.f.wid.unwrap_or(0);
                self.write_padding(w);
                self.f.zero = old;
                return;
            }
        } else if self.f.zero && self.f.wid.is_some() {
            prec = self.f.wid.unwrap_or(0);
            if neg || self.f.plus || self.f.space {
                prec = prec.saturating_sub(1);
            }
        }
        let d = digits.as_bytes();
        let mut rev: Vec<u8> = Vec::new();
        loop {
            rev.push(d.get((u % u64::from(base)) as usize).copied().unwrap_or(b'0'));
            u /= u64::from(base);
            if u == 0 {
                break;
            }
        }
        while rev.len() < prec {
            rev.push(b'0');
        }
        if self.f.sharp {
            match base {
                2 => rev.extend_from_slice(b"b0"),
                8 if rev.last() != Some(&b'0') => rev.push(b'0'),
                16 => {
                    rev.push(d.get(16).copied().unwrap_or(b'x'));
                    rev.push(b'0');
                }
                _ => {}
            }
        }
        if verb == 'O' {
            rev.extend_from_slice(b"o0");
        }
        if neg {
            rev.push(b'-');
        } else if self.f.plus {
            rev.push(b'+');
        } else if self.f.space {
            rev.push(b' ');
        }
        rev.reverse();
        let s = String::from_utf8(rev).unwrap_or_default();
        let old = self.f.zero;
        self.f.zero = false;
        self.pad(&s);
        self.f.zero = old;
    }

    fn fmt_float_verb(&mut self, x: f64, verb: char, v: &Value) {
        match verb {
            'v' => self.fmt_float(x, 'g', None),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float(x, verb, None),
            'f' | 'e' | 'E' | 'F' => self.fmt_float(x, verb, Some(6)),
            _ => self.bad_verb(verb, v),
        }
    }

    fn fmt_float(&mut self, x: f64, verb: char, prec: Option<usize>) {
        let prec = self.f.prec.or(prec);
        let body = strconv_float(x, verb as u8, prec);
        let mut num = if body.starts_with('-') || body.starts_with('+') { body } else { format!("+{body}") };
        if self.f.space && num.starts_with('+') && !self.f.plus {
            num.replace_range(0..1, " ");
        }
        if num.get(1..2) == Some("I") || num.get(1..2) == Some("N") {
            let old = self.f.zero;
            self.f.zero = false;
            if num.get(1..2) == Some("N") && !self.f.space && !self.f.plus {
                num.remove(0);
            }
            self.pad(&num);
            self.f.zero = old;
            return;
        }
        if self.f.sharp && verb != 'b' {
            num = sharp_float(&num, verb, prec);
        }
        if self.f.plus || !num.starts_with('+') {
            let w = self.f.wid.unwrap_or(0);
            if self.f.zero && self.f.wid.is_some() && w > num.len() {
                let (sign, rest) = num.split_at(1);
                self.buf.push_str(sign);
                self.write_padding(w - num.len());
                self.buf.push_str(rest);
                return;
            }
            self.pad(&num);
            return;
        }
        let rest = num.get(1..).unwrap_or("").to_string();
        self.pad(&rest);
    }
}

/// The `#` flag on floats: keep a decimal point and restore trailing zeros.
fn sharp_float(num: &str, verb: char, prec: Option<usize>) -> String {
    let mut digits: i64 = match verb {
        'v' | 'g' | 'G' | 'x' => prec.map_or(6, |p| p as i64),
        _ => 0,
    };
    let b = num.as_bytes();
    let mut head = String::new();
    let mut tail = String::new();
    let mut has_point = false;
    let mut saw_nonzero = false;
    let mut i = 1;
    head.push(b.first().copied().unwrap_or(b'+') as char);
    while i < b.len() {
        let c = b.get(i).copied().unwrap_or(b'0');
        match c {
            b'.' => has_point = true,
            b'p' | b'P' | b'e' | b'E' => {
                tail = num.get(i..).unwrap_or("").to_string();
                break;
            }
            _ => {
                if c != b'0' {
                    saw_nonzero = true;
                }
                if saw_nonzero {
                    digits -= 1;
                }
            }
        }
        head.push(c as char);
        i += 1;
    }
    if !has_point {
        if head.len() == 2 && head.ends_with('0') {
            digits -= 1;
        }
        head.push('.');
    }
    while digits > 0 {
        head.push('0');
        digits -= 1;
    }
    head.push_str(&tail);
    head
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn s(x: &str) -> Value {
        Value::str(x)
    }

    #[test]
    fn floats_like_go() {
        let cases = [
            (100000000.0, "1e+08"),
            (8080.0, "8080"),
            (0.5, "0.5"),
            (1e21, "1e+21"),
            (123456789.0, "1.23456789e+08"),
            (1e6, "1e+06"),
            (100000.0, "100000"),
            (123456.0, "123456"),
            (0.000012, "1.2e-05"),
            (0.0001, "0.0001"),
            (2.5e-10, "2.5e-10"),
            (0.0, "0"),
            (-0.0, "-0"),
            (-1.5, "-1.5"),
            (1.0, "1"),
            (f64::INFINITY, "+Inf"),
            (f64::NAN, "NaN"),
        ];
        for (f, want) in cases {
            assert_eq!(format_float(f), want, "{f}");
        }
    }

    #[test]
    #[allow(clippy::approx_constant)]
    fn printf_verbs() {
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            ("%d %s", vec![Value::Float(8080.0), Value::int(1)], "%!d(float64=8080) %!s(int=1)"),
            ("%s", vec![], "%!s(MISSING)"),
            ("x", vec![Value::int(1), s("y")], "x%!(EXTRA int=1, string=y)"),
            ("%d", vec![Value::Nil], "%!d(<nil>)"),
            ("%v %T", vec![Value::Nil, Value::Nil], "<nil> <nil>"),
            (
                "%5d|%-5d|%05d|%+d|%x|%X|%o|%#x|%b|%c|%q|%U",
                vec![42, 42, 42, 42, 255, 255, 8, 255, 5, 65, 65, 65].into_iter().map(Value::int).collect(),
                "   42|42   |00042|+42|ff|FF|10|0xff|101|A|'A'|U+0041",
            ),
            (
                "%.2f|%8.3f|%-8.2f|%e|%E|%g|%G|%.3g|%10.4e",
                vec![3.14159, 3.14159, 2.5, 123456.789, 0.000123, 1e21, 1e-7, 3.14159, 1234.5678]
                    .into_iter()
                    .map(Value::Float)
                    .collect(),
                "3.14|   3.142|2.50    |1.234568e+05|1.230000E-04|1e+21|1E-07|3.14|1.2346e+03",
            ),
            (
                "%s|%10s|%-10s|%.2s|%q|%x|% x|%X",
                vec![s("hi"), s("hi"), s("hi"), s("hello"), s("a\tb"), s("hi"), s("hi"), s("hi")],
                "hi|        hi|hi        |he|\"a\\tb\"|6869|68 69|6869",
            ),
            ("%t|%v|%5t", vec![Value::Bool(true), Value::Bool(false), Value::Bool(true)], "true|false| true"),
            ("%6.2f%%", vec![Value::Float(12.3456)], " 12.35%"),
            ("%[2]d %[1]d", vec![Value::int(1), Value::int(2)], "2 1"),
            ("%*d|%-*d", vec![Value::int(5), Value::int(1), Value::int(4), Value::int(2)], "    1|2   "),
            (
                "%g %g %f %e",
                vec![Value::Float(1e6), Value::Float(100000.0), Value::Float(1e6), Value::Float(0.0)],
                "1e+06 100000 1000000.000000 0.000000e+00",
            ),
            (
                "%.0f %.0f %.0f %.1f",
                vec![Value::Float(0.5), Value::Float(1.5), Value::Float(2.5), Value::Float(0.25)],
                "0 2 2 0.2",
            ),
            ("%s", vec![Value::list(vec![s("a"), s("b")])], "[a b]"),
            ("%d", vec![Value::list(vec![Value::int(1), Value::Nil])], "[1 <nil>]"),
            ("%v", vec![Value::Float(1.0)], "1"),
            ("%", vec![], "%!(NOVERB)"),
            ("%z", vec![Value::int(1)], "%!z(int=1)"),
            ("%#v", vec![s("a")], "\"a\""),
            ("%+.1e", vec![Value::Float(12345.0)], "+1.2e+04"),
            ("%08.3f", vec![Value::Float(-3.14159)], "-003.142"),
            ("%x", vec![Value::int(-255)], "-ff"),
        ];
        for (f, args, want) in cases {
            assert_eq!(sprintf(f, &args), want, "{f}");
        }
    }

    #[test]
    fn print_spacing_and_containers() {
        let mut m = BTreeMap::new();
        m.insert("b".to_string(), Value::int(2));
        m.insert("a".to_string(), Value::list(vec![Value::Float(1.0), Value::Nil]));
        let args = vec![Value::int(1), Value::int(2), s("a"), Value::int(3), Value::Nil, Value::map(m)];
        assert_eq!(sprint(&args), "1 2a3 <nil> map[a:[1 <nil>] b:2]");
        assert_eq!(sprintln(&[Value::int(1), s("a")]), "1 a\n");
        assert_eq!(quote_go("é\u{1}\"", false), "\"é\\x01\\\"\"");
        assert_eq!(quote_go("é", true), "\"\\u00e9\"");
    }
}
