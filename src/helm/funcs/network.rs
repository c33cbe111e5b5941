//! `getHostByName` (never touches the network: Helm renders it as `""` unless `--enable-dns`),
//! and sprig's `urlParse`/`urlJoin` over Go's `net/url` rules.

use std::collections::BTreeMap;

use super::super::value::Value;
use super::common::{arity, kind_name, map_arg, str_arg};
use super::{Func, FuncEnv};

pub(super) fn register(out: &mut Vec<(&'static str, Func)>) {
    out.extend([("getHostByName", get_host_by_name as Func), ("urlParse", url_parse), ("urlJoin", url_join)]);
}

fn get_host_by_name(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("getHostByName", args, 1)?;
    str_arg(args, 0)?;
    Ok(Value::str(""))
}

/// The parts of a URL as Go's `url.Parse` splits them.
#[derive(Default, Debug, PartialEq)]
struct Url {
    scheme: String,
    opaque: String,
    userinfo: Option<String>,
    host: String,
    path: String,
    raw_query: String,
    fragment: String,
}

fn unhex(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).map(|d| d as u8)
}

/// Go's `unescape` in path or fragment mode (`+` stays).
fn unescape(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let (Some(h), Some(l)) = (b.get(i + 1).and_then(|&c| unhex(c)), b.get(i + 2).and_then(|&c| unhex(c)))
            else {
                let end = (i + 3).min(b.len());
                return Err(format!("invalid URL escape {}", super::strings::go_quote(&s[i..end])));
            };
            out.push(h << 4 | l);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn get_scheme(raw: &str) -> Result<(String, &str), String> {
    for (i, c) in raw.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' => {
                if i == 0 {
                    return Ok((String::new(), raw));
                }
            }
            ':' => {
                if i == 0 {
                    return Err("missing protocol scheme".into());
                }
                return Ok((raw[..i].to_string(), &raw[i + 1..]));
            }
            _ => return Ok((String::new(), raw)),
        }
    }
    Ok((String::new(), raw))
}

/// Go's `url.Parse` (the common paths; IPv6 zone and port validation are simplified).
fn parse_url(raw: &str) -> Result<Url, String> {
    let (rest, fragment) = raw.split_once('#').unwrap_or((raw, ""));
    // Go reports errors in the part before `#` with that part only.
    let wrap = |e: String| format!("parse {}: {e}", super::strings::go_quote(rest));
    let wrap_full = |e: String| format!("parse {}: {e}", super::strings::go_quote(raw));
    if rest.bytes().any(|b| b < 0x20 || b == 0x7F) {
        return Err(wrap("net/url: invalid control character in URL".into()));
    }
    let mut u = Url::default();
    let (scheme, mut rest) = get_scheme(rest).map_err(wrap)?;
    u.scheme = scheme.to_lowercase();
    if let Some((r, q)) = rest.split_once('?') {
        u.raw_query = q.to_string();
        rest = r;
    } else if rest.ends_with('?') {
        rest = &rest[..rest.len() - 1];
    }
    if !rest.starts_with('/') && !u.scheme.is_empty() {
        u.opaque = rest.to_string();
        u.fragment = unescape(fragment).map_err(wrap_full)?;
        return Ok(u);
    }
    if u.scheme.is_empty()
        && let Some(colon) = rest.find(':')
        && rest.find('/').is_none_or(|slash| colon < slash)
    {
        return Err(wrap("first path segment in URL cannot contain colon".into()));
    }
    if (!u.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let after = &rest[2..];
        let end = after.find('/').unwrap_or(after.len());
        let authority = &after[..end];
        rest = &after[end..];
        match authority.rfind('@') {
            Some(at) => {
                let ui = &authority[..at];
                // Go's validUserinfo.
                if !ui.chars().all(|c| c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c)) {
                    return Err(wrap("net/url: invalid userinfo".into()));
                }
                u.userinfo = Some(ui.to_string());
                u.host = unescape(&authority[at + 1..]).map_err(wrap)?;
            }
            None => u.host = unescape(authority).map_err(wrap)?,
        }
    }
    u.path = unescape(rest).map_err(wrap)?;
    u.fragment = unescape(fragment).map_err(wrap_full)?;
    Ok(u)
}

fn hostname(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rfind(':') {
        Some(i) => &host[..i],
        None => host,
    }
}

/// `Userinfo.String()`: the user (and password) re-escaped.
fn userinfo_string(raw: &str) -> String {
    let (user, pass) = match raw.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (raw, None),
    };
    let user = unescape(user).unwrap_or_else(|_| user.to_string());
    let mut out = escape(&user, Mode::UserPassword);
    if let Some(p) = pass {
        let p = unescape(p).unwrap_or_else(|_| p.to_string());
        out.push(':');
        out.push_str(&escape(&p, Mode::UserPassword));
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Path,
    UserPassword,
    Fragment,
}

/// Go's `shouldEscape` for the modes `URL.String` uses.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~') {
        return false;
    }
    match c {
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::Path => c == b'?',
            Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
            Mode::Fragment => false,
        },
        b'!' | b'(' | b')' | b'*' if mode == Mode::Fragment => false,
        _ => true,
    }
}

fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if should_escape(b, mode) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

fn url_parse(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("urlParse", args, 1)?;
    let raw = str_arg(args, 0)?;
    let u = parse_url(&raw).map_err(|e| format!("unable to parse url: {e}"))?;
    let mut m = BTreeMap::new();
    m.insert("scheme".to_string(), Value::str(u.scheme.as_str()));
    m.insert("host".to_string(), Value::str(u.host.as_str()));
    m.insert("hostname".to_string(), Value::str(hostname(&u.host)));
    m.insert("path".to_string(), Value::str(u.path.as_str()));
    m.insert("query".to_string(), Value::str(u.raw_query.as_str()));
    m.insert("opaque".to_string(), Value::str(u.opaque.as_str()));
    m.insert("fragment".to_string(), Value::str(u.fragment.as_str()));
    m.insert("userinfo".to_string(), Value::str(u.userinfo.as_deref().map(userinfo_string).unwrap_or_default()));
    Ok(Value::map(m))
}

/// Go's `URL.String`.
fn url_string(u: &Url) -> String {
    let mut out = String::new();
    if !u.scheme.is_empty() {
        out.push_str(&u.scheme);
        out.push(':');
    }
    if !u.opaque.is_empty() {
        out.push_str(&u.opaque);
    } else {
        if !u.scheme.is_empty() || !u.host.is_empty() || u.userinfo.is_some() {
            if !u.host.is_empty() || !u.path.is_empty() || u.userinfo.is_some() {
                out.push_str("//");
            }
            if let Some(ui) = &u.userinfo {
                out.push_str(ui);
                out.push('@');
            }
            out.push_str(&escape_host(&u.host));
        }
        let path = escape(&u.path, Mode::Path);
        if !path.is_empty() && !path.starts_with('/') && !u.host.is_empty() {
            out.push('/');
        }
        if out.is_empty()
            && let Some(colon) = path.find(':')
            && !path[..colon].contains('/')
        {
            out.push_str("./");
        }
        out.push_str(&path);
    }
    if !u.raw_query.is_empty() {
        out.push('?');
        out.push_str(&u.raw_query);
    }
    if !u.fragment.is_empty() {
        out.push('#');
        out.push_str(&escape(&u.fragment, Mode::Fragment));
    }
    out
}

fn escape_host(h: &str) -> String {
    let mut out = String::new();
    for &b in h.as_bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_'
                    | b'.'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'['
                    | b']'
                    | b'<'
                    | b'>'
                    | b'"'
            )
            || b >= 0x80
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    String::from_utf8_lossy(out.as_bytes()).into_owned()
}

fn dict_string(m: &BTreeMap<String, Value>, key: &str) -> Result<String, String> {
    match m.get(key) {
        None => Ok(String::new()),
        Some(Value::Str(s)) => Ok(s.to_string()),
        Some(other) => {
            Err(format!("unable to parse {key} key, must be of type string, but {} found", kind_name(other)))
        }
    }
}

fn url_join(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("urlJoin", args, 1)?;
    let m = map_arg(args, 0)?.map(|m| m.borrow().clone()).unwrap_or_default();
    let mut u = Url {
        scheme: dict_string(&m, "scheme")?,
        host: dict_string(&m, "host")?,
        path: dict_string(&m, "path")?,
        raw_query: dict_string(&m, "query")?,
        opaque: dict_string(&m, "opaque")?,
        fragment: dict_string(&m, "fragment")?,
        userinfo: None,
    };
    let userinfo = dict_string(&m, "userinfo")?;
    if !userinfo.is_empty() {
        let parsed = parse_url(&format!("proto://{userinfo}@host"))
            .map_err(|e| format!("unable to parse userinfo in dict: {e}"))?;
        u.userinfo = parsed.userinfo.map(|ui| userinfo_string(&ui));
    }
    Ok(Value::str(url_string(&u)))
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::common::call_go_string as call;

    #[test]
    fn url_functions() {
        assert_eq!(
            call(url_parse, vec![Value::str("proto://auth@host:80/path?query#fragment")]).unwrap(),
            "map[fragment:fragment host:host:80 hostname:host opaque: path:/path query:query scheme:proto userinfo:auth]"
        );
        let d = url_parse(&mut FuncEnv::default(), &[Value::str("proto://auth@host:80/path?query#fragment")]).unwrap();
        assert_eq!(call(url_join, vec![d]).unwrap(), "proto://auth@host:80/path?query#fragment");
        let m = Value::map(
            [("host", "host:80"), ("path", "/path"), ("query", "query"), ("scheme", "proto")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::str(v)))
                .collect(),
        );
        assert_eq!(call(url_join, vec![m]).unwrap(), "proto://host:80/path?query");
        assert_eq!(call(get_host_by_name, vec![Value::str("helm.sh")]).unwrap(), "");
        assert_eq!(
            call(url_parse, vec![Value::str("mailto:a@b.c")]).unwrap(),
            "map[fragment: host: hostname: opaque:a@b.c path: query: scheme:mailto userinfo:]"
        );
    }
}
