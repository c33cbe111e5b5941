//! sprig's string functions, Go's `path` helpers and `strconv`-flavoured quoting.
//!
//! Go strings are byte strings and several sprig helpers (`trunc`, `substr`, `abbrev`,
//! `initials`, `nospace`, `wrap`) work on bytes. We follow the byte arithmetic exactly; where
//! Go would produce invalid UTF-8 we produce U+FFFD instead, since our strings are UTF-8.

use super::super::value::Value;
use super::common::{arity, go_string, int_arg, lossy, map_from, slice_str, str_arg, str_list, strval};
use super::{Func, FuncEnv};

pub(super) fn register(out: &mut Vec<(&'static str, Func)>) {
    out.extend([
        ("hello", hello as Func),
        ("abbrev", abbrev),
        ("abbrevboth", abbrevboth),
        ("trunc", trunc),
        ("trim", trim),
        ("upper", upper),
        ("lower", lower),
        ("title", title),
        ("untitle", untitle),
        ("substr", substr),
        ("repeat", repeat),
        ("trimall", trim_all),
        ("trimAll", trim_all),
        ("trimSuffix", trim_suffix),
        ("trimPrefix", trim_prefix),
        ("nospace", nospace),
        ("initials", initials),
        ("swapcase", swapcase),
        ("snakecase", snakecase),
        ("camelcase", camelcase),
        ("kebabcase", kebabcase),
        ("wrap", wrap),
        ("wrapWith", wrap_with),
        ("contains", contains),
        ("hasPrefix", has_prefix),
        ("hasSuffix", has_suffix),
        ("quote", quote),
        ("squote", squote),
        ("cat", cat),
        ("indent", indent),
        ("nindent", nindent),
        ("replace", replace),
        ("plural", plural),
        ("toString", to_string),
        ("split", split),
        ("splitList", split_list),
        ("splitn", splitn),
        ("base", base),
        ("dir", dir),
        ("clean", clean),
        ("ext", ext),
        ("isAbs", is_abs),
        ("osBase", base),
        ("osClean", clean),
        ("osDir", dir),
        ("osExt", ext),
        ("osIsAbs", is_abs),
    ]);
}

fn s(v: String) -> Value {
    Value::str(v)
}

fn hello(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("hello", args, 0)?;
    Ok(Value::str("Hello!"))
}

/// goutils.AbbreviateFull, byte-based like the Go original.
fn abbreviate_full(text: &[u8], mut offset: i64, max_width: i64) -> Vec<u8> {
    if text.is_empty() || max_width < 4 {
        return Vec::new();
    }
    let len = text.len() as i64;
    if len <= max_width {
        return text.to_vec();
    }
    if offset > len {
        offset = len;
    }
    if len - offset < max_width - 3 {
        offset = len - (max_width - 3);
    }
    if offset <= 4 {
        let mut out = text[..(max_width - 3) as usize].to_vec();
        out.extend_from_slice(b"...");
        return out;
    }
    if max_width < 7 {
        return Vec::new();
    }
    let mut out = b"...".to_vec();
    if offset + max_width - 3 < len {
        out.extend(abbreviate_full(&text[offset as usize..], 0, max_width - 3));
    } else {
        out.extend_from_slice(&text[(len - (max_width - 3)) as usize..]);
    }
    out
}

fn abbrev(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("abbrev", args, 2)?;
    let width = int_arg(args, 0)?;
    let text = str_arg(args, 1)?;
    if width < 4 {
        return Ok(Value::Str(text));
    }
    Ok(s(lossy(&abbreviate_full(text.as_bytes(), 0, width))))
}

fn abbrevboth(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("abbrevboth", args, 3)?;
    let left = int_arg(args, 0)?;
    let right = int_arg(args, 1)?;
    let text = str_arg(args, 2)?;
    if right < 4 || left > 0 && right < 7 {
        return Ok(Value::Str(text));
    }
    Ok(s(lossy(&abbreviate_full(text.as_bytes(), left, right))))
}

fn trunc(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("trunc", args, 2)?;
    let c = int_arg(args, 0)?;
    let text = str_arg(args, 1)?;
    let len = text.len() as i64;
    if c < 0 && len + c > 0 {
        return Ok(s(lossy(&text.as_bytes()[(len + c) as usize..])));
    }
    if c >= 0 && len > c {
        return Ok(s(lossy(&text.as_bytes()[..c as usize])));
    }
    Ok(Value::Str(text))
}

fn trim(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("trim", args, 1)?;
    Ok(Value::str(str_arg(args, 0)?.trim()))
}

/// Go's `unicode.ToUpper`: simple (one-to-one) case mapping only.
pub(crate) fn upper_char(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

pub(crate) fn lower_char(c: char) -> char {
    if c == '\u{130}' {
        return 'i';
    }
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// `unicode.ToTitle`: like upper case except for the four digraph letters.
fn title_char(c: char) -> char {
    match c {
        '\u{1C4}'..='\u{1C6}' => '\u{1C5}',
        '\u{1C7}'..='\u{1C9}' => '\u{1C8}',
        '\u{1CA}'..='\u{1CC}' => '\u{1CB}',
        '\u{1F1}'..='\u{1F3}' => '\u{1F2}',
        _ => upper_char(c),
    }
}

fn upper(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("upper", args, 1)?;
    Ok(s(str_arg(args, 0)?.chars().map(upper_char).collect()))
}

fn lower(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("lower", args, 1)?;
    Ok(s(str_arg(args, 0)?.chars().map(lower_char).collect()))
}

/// Go's `unicode.IsSpace`, which matches Unicode's White_Space property.
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

fn title(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("title", args, 1)?;
    // strings.Title: a letter is capitalised when the previous rune is a separator.
    fn is_separator(c: char) -> bool {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if c.is_alphanumeric() {
            return false;
        }
        is_space(c)
    }
    let text = str_arg(args, 0)?;
    let mut prev = ' ';
    let out = text
        .chars()
        .map(|c| {
            let r = if is_separator(prev) { title_char(c) } else { c };
            prev = c;
            r
        })
        .collect();
    Ok(s(out))
}

fn untitle(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("untitle", args, 1)?;
    let text = str_arg(args, 0)?;
    let mut next = true;
    let out = text
        .chars()
        .map(|c| {
            if is_space(c) {
                next = true;
                c
            } else if next {
                next = false;
                lower_char(c)
            } else {
                c
            }
        })
        .collect();
    Ok(s(out))
}

fn substr(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("substr", args, 3)?;
    let start = int_arg(args, 0)?;
    let end = int_arg(args, 1)?;
    let text = str_arg(args, 2)?;
    let len = text.len() as i64;
    let r = if start < 0 {
        slice_str(&text, 0, end)?
    } else if end < 0 || end > len {
        slice_str(&text, start, len)?
    } else {
        slice_str(&text, start, end)?
    };
    Ok(s(r))
}

/// Go's `strings.Repeat`, including its panics.
pub(crate) fn go_repeat(text: &str, count: i64) -> Result<String, String> {
    if count < 0 {
        return Err("strings: negative Repeat count".into());
    }
    if count > 0 && (text.len() as u64).saturating_mul(count as u64) > (1 << 31) {
        // Go would try to allocate and die; refusing is the only sane rendition.
        return Err("strings: Repeat output length overflow".into());
    }
    Ok(text.repeat(count as usize))
}

fn repeat(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("repeat", args, 2)?;
    let count = int_arg(args, 0)?;
    let text = str_arg(args, 1)?;
    Ok(s(go_repeat(&text, count)?))
}

fn trim_all(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("trimAll", args, 2)?;
    let cutset = str_arg(args, 0)?;
    let text = str_arg(args, 1)?;
    Ok(Value::str(text.trim_matches(|c| cutset.contains(c))))
}

fn trim_suffix(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("trimSuffix", args, 2)?;
    let suffix = str_arg(args, 0)?;
    let text = str_arg(args, 1)?;
    Ok(Value::str(text.strip_suffix(&*suffix).unwrap_or(&text)))
}

fn trim_prefix(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("trimPrefix", args, 2)?;
    let prefix = str_arg(args, 0)?;
    let text = str_arg(args, 1)?;
    Ok(Value::str(text.strip_prefix(&*prefix).unwrap_or(&text)))
}

/// `unicode.IsSpace(rune(b))` for a single byte, as goutils applies it byte by byte.
fn byte_is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' | 0x85 | 0xA0)
}

fn nospace(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("nospace", args, 1)?;
    let text = str_arg(args, 0)?;
    if !text.bytes().any(byte_is_space) {
        return Ok(Value::Str(text));
    }
    // goutils rebuilds the string from single bytes taken as runes, which re-encodes
    // non-ASCII bytes as Latin-1 characters.
    Ok(s(text.bytes().filter(|b| !byte_is_space(*b)).map(char::from).collect()))
}

fn initials(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("initials", args, 1)?;
    let text = str_arg(args, 0)?;
    let mut gap = true;
    let mut out = String::new();
    for b in text.bytes() {
        if byte_is_space(b) {
            gap = true;
        } else if gap {
            out.push(char::from(b));
            gap = false;
        }
    }
    Ok(s(out))
}

fn swapcase(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("swapcase", args, 1)?;
    let text = str_arg(args, 0)?;
    let mut whitespace = true;
    let out = text
        .chars()
        .map(|c| {
            if c.is_uppercase() {
                whitespace = false;
                lower_char(c)
            } else if c.is_lowercase() {
                if whitespace {
                    whitespace = false;
                    title_char(c)
                } else {
                    upper_char(c)
                }
            } else {
                whitespace = is_space(c);
                c
            }
        })
        .collect();
    Ok(s(out))
}

// --- xstrings v1.5 case conversions -----------------------------------------------------------

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || is_space(c)
}

/// Go's `unicode.IsPunct` (general category P). ASCII symbols such as `$+<=>^`|~` are not
/// punctuation in Go.
pub(crate) fn is_punct(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation() && !matches!(c, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~');
    }
    matches!(c,
        '\u{A1}' | '\u{A7}' | '\u{AB}' | '\u{B6}' | '\u{B7}' | '\u{BB}' | '\u{BF}' | '\u{37E}' | '\u{387}'
        | '\u{55A}'..='\u{55F}' | '\u{589}' | '\u{58A}' | '\u{5BE}' | '\u{5C0}' | '\u{5C3}' | '\u{5C6}'
        | '\u{5F3}' | '\u{5F4}' | '\u{609}' | '\u{60A}' | '\u{60C}' | '\u{60D}' | '\u{61B}' | '\u{61E}'
        | '\u{61F}' | '\u{66A}'..='\u{66D}' | '\u{6D4}' | '\u{964}' | '\u{965}' | '\u{970}'
        | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{2043}' | '\u{2045}'..='\u{2051}' | '\u{2053}'..='\u{205E}'
        | '\u{207D}' | '\u{207E}' | '\u{208D}' | '\u{208E}' | '\u{2308}'..='\u{230B}' | '\u{2329}' | '\u{232A}'
        | '\u{2768}'..='\u{2775}' | '\u{27C5}' | '\u{27C6}' | '\u{27E6}'..='\u{27EF}' | '\u{2983}'..='\u{2998}'
        | '\u{29D8}'..='\u{29DB}' | '\u{29FC}' | '\u{29FD}' | '\u{2CF9}'..='\u{2CFC}' | '\u{2CFE}' | '\u{2CFF}'
        | '\u{2E00}'..='\u{2E2E}' | '\u{2E30}'..='\u{2E4F}' | '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}'
        | '\u{3014}'..='\u{301F}' | '\u{3030}' | '\u{303D}' | '\u{30A0}' | '\u{30FB}' | '\u{FE10}'..='\u{FE19}'
        | '\u{FE30}'..='\u{FE52}' | '\u{FE54}'..='\u{FE61}' | '\u{FE63}' | '\u{FE68}' | '\u{FE6A}' | '\u{FE6B}'
        | '\u{FF01}'..='\u{FF03}' | '\u{FF05}'..='\u{FF0A}' | '\u{FF0C}'..='\u{FF0F}' | '\u{FF1A}' | '\u{FF1B}'
        | '\u{FF1F}' | '\u{FF20}' | '\u{FF3B}'..='\u{FF3D}' | '\u{FF3F}' | '\u{FF5B}' | '\u{FF5D}'
        | '\u{FF5F}'..='\u{FF65}')
}

fn is_alphabet(c: char) -> bool {
    if !c.is_alphabetic() {
        return false;
    }
    let r = c as u32;
    if r < 0x3400 {
        return true;
    }
    !((0x4E00..=0x9FCC).contains(&r) || (0x3400..=0x4D85).contains(&r) || (0x20000..=0x2B81D).contains(&r))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum WordType {
    Invalid,
    Number,
    UpperCase,
    Alphabet,
    Connector,
    Punct,
    Other,
}

/// xstrings.nextWord: the type of the next word, the word, and the rest.
fn next_word(text: &str) -> (WordType, &str, &str) {
    let mut chars = text.char_indices().peekable();
    let Some((_, first)) = chars.next() else {
        return (WordType::Invalid, "", "");
    };
    let mut end = first.len_utf8();
    let take_while = |end: &mut usize, pred: &dyn Fn(char) -> bool| {
        for c in text[*end..].chars() {
            if !pred(c) {
                break;
            }
            *end += c.len_utf8();
        }
    };
    let wt = if is_connector(first) {
        take_while(&mut end, &is_connector);
        WordType::Connector
    } else if is_punct(first) {
        take_while(&mut end, &is_punct);
        WordType::Punct
    } else if first.is_uppercase() {
        let rest = &text[end..];
        if let Some(second) = rest.chars().next() {
            if second.is_uppercase() {
                // "HTTPServer" splits into "HTTP" and "Server".
                let mut prev_size = second.len_utf8();
                end += prev_size;
                let mut next = None;
                for c in text[end..].chars() {
                    if !c.is_uppercase() {
                        next = Some(c);
                        break;
                    }
                    prev_size = c.len_utf8();
                    end += prev_size;
                }
                if next.is_some_and(is_alphabet) {
                    end -= prev_size;
                }
            } else if is_alphabet(second) {
                end += second.len_utf8();
                take_while(&mut end, &|c| is_alphabet(c) && !c.is_uppercase());
            }
        }
        WordType::UpperCase
    } else if is_alphabet(first) {
        take_while(&mut end, &|c| is_alphabet(c) && !c.is_uppercase());
        WordType::Alphabet
    } else if first.is_numeric() {
        take_while(&mut end, &char::is_numeric);
        WordType::Number
    } else {
        take_while(&mut end, &|c| !(is_connector(c) || is_alphabet(c) || c.is_numeric() || is_punct(c)));
        WordType::Other
    };
    (wt, &text[..end], &text[end..])
}

fn push_lower(buf: &mut String, wt: WordType, word: &str, connector: char) {
    if wt != WordType::UpperCase && wt != WordType::Connector {
        buf.push_str(word);
        return;
    }
    for c in word.chars() {
        if is_connector(c) {
            buf.push(connector);
        } else if c.is_uppercase() {
            buf.push(lower_char(c));
        } else {
            buf.push(c);
        }
    }
}

/// xstrings.camelCaseToLowerCase (snakecase, kebabcase).
fn camel_to_lower(text: &str, connector: char) -> String {
    use WordType::*;
    let mut buf = String::new();
    if text.is_empty() {
        return buf;
    }
    let (mut wt, mut word, mut rest) = next_word(text);
    while !rest.is_empty() {
        if wt != Connector {
            push_lower(&mut buf, wt, word, connector);
        }
        let prev = wt;
        let last = word;
        (wt, word, rest) = next_word(rest);
        match prev {
            Number => {
                while wt == Alphabet || wt == Number {
                    push_lower(&mut buf, wt, word, connector);
                    (wt, word, rest) = next_word(rest);
                }
                if wt != Invalid && wt != Punct && wt != Connector {
                    buf.push(connector);
                }
            }
            Connector => push_lower(&mut buf, prev, last, connector),
            Punct => {}
            _ => {
                if wt != Number {
                    if wt != Connector && wt != Punct {
                        buf.push(connector);
                    }
                    continue;
                }
                if rest.is_empty() {
                    continue;
                }
                let last = word;
                (wt, word, rest) = next_word(rest);
                if wt != Alphabet {
                    push_lower(&mut buf, Number, last, connector);
                    if wt != Connector && wt != Punct {
                        buf.push(connector);
                    }
                    continue;
                }
                buf.push(connector);
                push_lower(&mut buf, Number, last, connector);
                while wt == Alphabet || wt == Number {
                    push_lower(&mut buf, wt, word, connector);
                    (wt, word, rest) = next_word(rest);
                }
                if wt != Invalid && wt != Connector && wt != Punct {
                    buf.push(connector);
                }
            }
        }
    }
    push_lower(&mut buf, wt, word, connector);
    buf
}

fn snakecase(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("snakecase", args, 1)?;
    Ok(s(camel_to_lower(&str_arg(args, 0)?, '_')))
}

fn kebabcase(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("kebabcase", args, 1)?;
    Ok(s(camel_to_lower(&str_arg(args, 0)?, '-')))
}

/// xstrings.ToPascalCase (sprig's `camelcase`).
fn pascal_case(text: &str) -> String {
    let mut buf = String::new();
    let mut chars = text.chars();
    let mut r0 = None;
    let mut first_upper = false;
    for c in chars.by_ref() {
        if !is_connector(c) {
            first_upper = c.is_uppercase();
            r0 = Some(upper_char(c));
            break;
        }
        buf.push(c);
    }
    let Some(mut r0) = r0 else {
        return buf;
    };
    for c in chars {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            buf.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = r0.is_uppercase();
            r0 = upper_char(r0);
        } else {
            if first_upper {
                if r0.is_uppercase() {
                    r0 = lower_char(r0);
                } else {
                    first_upper = false;
                }
            }
            buf.push(r1);
        }
    }
    buf.push(r0);
    buf
}

fn camelcase(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("camelcase", args, 1)?;
    Ok(s(pascal_case(&str_arg(args, 0)?)))
}

/// goutils.WrapCustom, on bytes.
fn wrap_custom(text: &str, mut width: i64, newline: &str, long_words: bool) -> String {
    let b = text.as_bytes();
    if b.is_empty() {
        return String::new();
    }
    let newline = if newline.is_empty() { "\n" } else { newline };
    if width < 1 {
        width = 1;
    }
    let width = width as usize;
    let len = b.len();
    let mut offset = 0usize;
    let mut out: Vec<u8> = Vec::new();
    while len - offset > width {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = width + offset + 1;
        let space = b[offset..end].iter().rposition(|&c| c == b' ');
        if let Some(sp) = space {
            let at = sp + offset;
            out.extend_from_slice(&b[offset..at]);
            out.extend_from_slice(newline.as_bytes());
            offset = at + 1;
        } else if long_words {
            let end = width + offset;
            out.extend_from_slice(&b[offset..end]);
            out.extend_from_slice(newline.as_bytes());
            offset += width;
        } else {
            let end = width + offset;
            match b[end..].iter().position(|&c| c == b' ') {
                None => {
                    out.extend_from_slice(&b[offset..]);
                    offset = len;
                }
                Some(i) => {
                    let at = i + end;
                    out.extend_from_slice(&b[offset..at]);
                    out.extend_from_slice(newline.as_bytes());
                    offset = at + 1;
                }
            }
        }
    }
    out.extend_from_slice(&b[offset..]);
    lossy(&out)
}

fn wrap(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("wrap", args, 2)?;
    let width = int_arg(args, 0)?;
    Ok(s(wrap_custom(&str_arg(args, 1)?, width, "", false)))
}

fn wrap_with(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("wrapWith", args, 3)?;
    let width = int_arg(args, 0)?;
    let sep = str_arg(args, 1)?;
    Ok(s(wrap_custom(&str_arg(args, 2)?, width, &sep, true)))
}

fn contains(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("contains", args, 2)?;
    Ok(Value::Bool(str_arg(args, 1)?.contains(&*str_arg(args, 0)?)))
}

fn has_prefix(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("hasPrefix", args, 2)?;
    Ok(Value::Bool(str_arg(args, 1)?.starts_with(&*str_arg(args, 0)?)))
}

fn has_suffix(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("hasSuffix", args, 2)?;
    Ok(Value::Bool(str_arg(args, 1)?.ends_with(&*str_arg(args, 0)?)))
}

/// Go's `strconv.IsPrint`, approximated without Unicode category tables: controls, format
/// characters, private use and non-ASCII spaces are not printable.
pub(crate) fn is_go_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let r = c as u32;
    !matches!(r,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890 | 0x891 | 0x8E2 | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF
        | 0xFFFE | 0xFFFF | 0x110BD | 0x110CD | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F
        | 0xF0000..)
}

/// Go's `strconv.Quote` (`%q` of a string).
pub fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_print(c) => out.push(c),
            c if (c as u32) < 0x20 || c as u32 == 0x7F => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

fn quote(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    let parts: Vec<String> = args.iter().filter(|v| !matches!(v, Value::Nil)).map(|v| go_quote(&strval(v))).collect();
    Ok(s(parts.join(" ")))
}

fn squote(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    let parts: Vec<String> =
        args.iter().filter(|v| !matches!(v, Value::Nil)).map(|v| format!("'{}'", go_string(v))).collect();
    Ok(s(parts.join(" ")))
}

fn cat(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    let parts: Vec<String> = args.iter().filter(|v| !matches!(v, Value::Nil)).map(go_string).collect();
    Ok(s(parts.join(" ")))
}

fn indent_str(spaces: i64, text: &str) -> Result<String, String> {
    let pad = go_repeat(" ", spaces)?;
    let mut out = pad.clone();
    out.push_str(&text.replace('\n', &format!("\n{pad}")));
    Ok(out)
}

fn indent(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("indent", args, 2)?;
    let n = int_arg(args, 0)?;
    Ok(s(indent_str(n, &str_arg(args, 1)?)?))
}

fn nindent(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("nindent", args, 2)?;
    let n = int_arg(args, 0)?;
    Ok(s(format!("\n{}", indent_str(n, &str_arg(args, 1)?)?)))
}

fn replace(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("replace", args, 3)?;
    let old = str_arg(args, 0)?;
    let new = str_arg(args, 1)?;
    let src = str_arg(args, 2)?;
    Ok(s(src.replace(&*old, &new)))
}

fn plural(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("plural", args, 3)?;
    let one = str_arg(args, 0)?;
    let many = str_arg(args, 1)?;
    let count = int_arg(args, 2)?;
    Ok(Value::Str(if count == 1 { one } else { many }))
}

fn to_string(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("toString", args, 1)?;
    Ok(s(strval(&args[0])))
}

/// Go's `strings.SplitN` (`n < 0`: no limit).
pub(crate) fn go_split_n(text: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        // Go explodes into UTF-8 sequences; the last piece takes the remainder.
        let mut out = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if n > 0 && out.len() as i64 == n - 1 {
                out.push(rest.to_string());
                return out;
            }
            let Some(c) = rest.chars().next() else { break };
            out.push(c.to_string());
            rest = &rest[c.len_utf8()..];
        }
        return out;
    }
    if n < 0 {
        text.split(sep).map(str::to_string).collect()
    } else {
        text.splitn(n as usize, sep).map(str::to_string).collect()
    }
}

fn indexed_map(parts: Vec<String>) -> Value {
    map_from(parts.into_iter().enumerate().map(|(i, p)| (format!("_{i}"), Value::str(p))))
}

fn split(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("split", args, 2)?;
    let sep = str_arg(args, 0)?;
    Ok(indexed_map(go_split_n(&str_arg(args, 1)?, &sep, -1)))
}

fn split_list(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("splitList", args, 2)?;
    let sep = str_arg(args, 0)?;
    Ok(str_list(go_split_n(&str_arg(args, 1)?, &sep, -1)))
}

fn splitn(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("splitn", args, 3)?;
    let sep = str_arg(args, 0)?;
    let n = int_arg(args, 1)?;
    Ok(indexed_map(go_split_n(&str_arg(args, 2)?, &sep, n)))
}

// --- path ----------------------------------------------------------------------------------

/// Go's `path.Clean`.
pub fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn base(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("base", args, 1)?;
    let p = str_arg(args, 0)?;
    if p.is_empty() {
        return Ok(Value::str("."));
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(Value::str("/"));
    }
    Ok(Value::str(trimmed.rsplit('/').next().unwrap_or(trimmed)))
}

fn dir(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("dir", args, 1)?;
    let p = str_arg(args, 0)?;
    let cut = p.rfind('/').map_or(0, |i| i + 1);
    Ok(s(clean_path(&p[..cut])))
}

fn clean(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("clean", args, 1)?;
    Ok(s(clean_path(&str_arg(args, 0)?)))
}

fn ext(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("ext", args, 1)?;
    let p = str_arg(args, 0)?;
    for (i, c) in p.char_indices().rev() {
        if c == '/' {
            break;
        }
        if c == '.' {
            return Ok(Value::str(&p[i..]));
        }
    }
    Ok(Value::str(""))
}

fn is_abs(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("isAbs", args, 1)?;
    Ok(Value::Bool(str_arg(args, 0)?.starts_with('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(f: Func, args: Vec<Value>) -> Value {
        f(&mut FuncEnv::default(), &args).unwrap()
    }
    fn st(v: &str) -> Value {
        Value::str(v)
    }
    fn text(v: Value) -> String {
        go_string(&v)
    }

    #[test]
    fn case_conversions_match_helm() {
        // Expected outputs from helm v4.3.1.
        let pascal: Vec<String> = [
            "GOLANG_IS_GREAT",
            "some_words",
            "_complex__case_",
            "httpServer",
            "HTTPServer",
            "foo bar-baz",
            "a",
            "fOO_bAR",
            "x__",
        ]
        .iter()
        .map(|x| pascal_case(x))
        .collect();
        assert_eq!(
            pascal.join("|"),
            "GolangIsGreat|SomeWords|_Complex_Case_|HttpServer|Httpserver|FooBarBaz|A|FOOBAR|X__"
        );
        assert_eq!(camel_to_lower("HTTPServer", '_'), "http_server");
        assert_eq!(camel_to_lower("FirstName", '_'), "first_name");
        assert_eq!(camel_to_lower("Bld4Floor3rd", '-'), "bld4-floor-3rd");
        assert_eq!(camel_to_lower("foo.bar", '_'), "foo.bar");
        assert_eq!(camel_to_lower("ÄbcDef", '_'), "äbc_def");
        assert_eq!(camel_to_lower("HTTP20xOK", '_'), "http_20x_ok");
        assert_eq!(camel_to_lower("Duration2m3s", '_'), "duration_2m3s");
        assert_eq!(camel_to_lower("GO PATH", '_'), "go_path");
        assert_eq!(camel_to_lower("http2xx", '_'), "http_2xx");
        assert_eq!(text(call(swapcase, vec![st("Hello World aBc")])), "hELLO wORLD AbC");
        assert_eq!(text(call(untitle, vec![st("Hello World")])), "hello world");
        assert_eq!(text(call(initials, vec![st("hello world foo")])), "hwf");
        assert_eq!(text(call(title, vec![st("o'neil is_here x.y")])), "O'Neil Is_here X.Y");
        assert_eq!(text(call(title, vec![st("hello world-foo bar_baz")])), "Hello World-Foo Bar_baz");
    }

    #[test]
    fn sprig_string_cases() {
        assert_eq!(text(call(abbrev, vec![Value::int64(5), st("hello world")])), "he...");
        assert_eq!(text(call(abbrevboth, vec![Value::int64(5), Value::int64(10), st("1234 5678 9123")])), "...5678...");
        assert_eq!(text(call(trunc, vec![Value::int64(5), st("hello world")])), "hello");
        assert_eq!(text(call(trunc, vec![Value::int64(-5), st("hello world")])), "world");
        assert_eq!(text(call(trunc, vec![Value::int64(-50), st("hi")])), "hi");
        assert_eq!(text(call(substr, vec![Value::int64(1), Value::int64(3), st("hello")])), "el");
        assert_eq!(text(call(substr, vec![Value::int64(-1), Value::int64(3), st("hello")])), "hel");
        assert_eq!(text(call(substr, vec![Value::int64(2), Value::int64(-1), st("hello")])), "llo");
        let e = substr(&mut FuncEnv::default(), &[Value::int64(-1), Value::int64(9), st("abc")]).unwrap_err();
        assert_eq!(e, "runtime error: slice bounds out of range [:9] with length 3");
        assert_eq!(text(call(nospace, vec![st(" h e l l o ")])), "hello");
        assert_eq!(text(call(wrap, vec![Value::int64(5), st("Hello World")])), "Hello\nWorld");
        assert_eq!(text(call(wrap_with, vec![Value::int64(5), st("\t"), st("Hello World")])), "Hello\tWorld");
        assert_eq!(text(call(wrap_with, vec![Value::int64(3), st("-"), st("abcdefgh")])), "abc-def-gh");
        assert_eq!(
            text(call(quote, vec![st("a\"b"), Value::Nil, Value::int64(1), st("\u{a0}é\u{1}")])),
            "\"a\\\"b\" \"1\" \"\\u00a0é\\x01\""
        );
        assert_eq!(text(call(squote, vec![st("a"), Value::Nil, Value::Float(1.5)])), "'a' '1.5'");
        assert_eq!(text(call(cat, vec![st("a"), Value::Nil, Value::list(vec![st("b")])])), "a [b]");
        assert_eq!(text(call(indent, vec![Value::int64(2), st("a\nb")])), "  a\n  b");
        assert_eq!(text(call(nindent, vec![Value::int64(2), st("a")])), "\n  a");
        assert_eq!(text(call(replace, vec![st(""), st("-"), st("abc")])), "-a-b-c-");
        assert_eq!(text(call(split, vec![st("$"), st("a$b")])), "map[_0:a _1:b]");
        assert_eq!(text(call(splitn, vec![st("$"), Value::int64(2), st("a$b$c")])), "map[_0:a _1:b$c]");
        assert_eq!(text(call(split_list, vec![st(""), st("ab")])), "[a b]");
        assert_eq!(text(call(split_list, vec![st(","), st("")])), "[]");
        assert_eq!(text(call(trim_all, vec![st("$"), st("$5.00$")])), "5.00");
        assert_eq!(text(call(plural, vec![st("one"), st("many"), Value::int64(2)])), "many");
        assert_eq!(text(call(upper, vec![st("straße")])), "STRAßE");
    }

    #[test]
    fn paths() {
        assert_eq!(clean_path("a/../../b/./c//"), "../b/c");
        assert_eq!(clean_path("/../a"), "/a");
        assert_eq!(text(call(base, vec![st("/a/b/")])), "b");
        assert_eq!(text(call(dir, vec![st("/a/b")])), "/a");
        assert_eq!(text(call(dir, vec![st("b")])), ".");
        assert_eq!(text(call(ext, vec![st("a/b.tar.gz")])), ".gz");
    }
}
