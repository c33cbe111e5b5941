//! sprig's date functions and Helm's duration helpers, over Go-like `time.Time` and
//! `time.Duration` objects.
//!
//! Rendering must be reproducible, so `now` does not read the clock: it returns a fixed instant
//! ([`DEFAULT_NOW`], overridable per thread with [`set_now`]). `ago`, `durationRound` of a time,
//! and the date functions' fallback for non-time arguments use the same instant.
//!
//! Time zones: `Local` is UTC (what `helm template` prints on a CI machine without `TZ`), `UTC`
//! is UTC, and other IANA names are not available without a time-zone database; they fall
//! back to UTC, as Go does for a name it cannot load.

use std::cell::Cell;
use std::rc::Rc;

use super::super::value::{GoObject, Value};
use super::common::{arity, format_float_g, parse_go_float, str_arg};
use super::{Func, FuncEnv};

/// 2024-01-01T00:00:00Z.
pub const DEFAULT_NOW: (i64, u32) = (1_704_067_200, 0);

thread_local! {
    static NOW: Cell<(i64, u32)> = const { Cell::new(DEFAULT_NOW) };
}

/// Sets the instant `now` returns on this thread (Unix seconds and nanoseconds).
pub fn set_now(unix_secs: i64, nanos: u32) {
    NOW.with(|n| n.set((unix_secs, nanos.min(999_999_999))));
}

fn now_time() -> GoTime {
    let (s, n) = NOW.with(Cell::get);
    GoTime { secs: s, nanos: n, offset: 0, zone: "UTC".into() }
}

pub(super) fn register(out: &mut Vec<(&'static str, Func)>) {
    out.extend([
        ("now", now as Func),
        ("ago", ago),
        ("date", date),
        ("date_in_zone", date_in_zone),
        ("dateInZone", date_in_zone),
        ("date_modify", date_modify),
        ("dateModify", date_modify),
        ("must_date_modify", must_date_modify),
        ("mustDateModify", must_date_modify),
        ("duration", duration),
        ("durationRound", duration_round),
        ("htmlDate", html_date),
        ("htmlDateInZone", html_date_in_zone),
        ("toDate", to_date),
        ("mustToDate", must_to_date),
        ("unixEpoch", unix_epoch),
        ("mustToDuration", must_to_duration),
        ("durationSeconds", duration_seconds),
        ("durationMilliseconds", duration_milliseconds),
        ("durationMicroseconds", duration_microseconds),
        ("durationNanoseconds", duration_nanoseconds),
        ("durationMinutes", duration_minutes),
        ("durationHours", duration_hours),
        ("durationDays", duration_days),
        ("durationWeeks", duration_weeks),
        ("durationRoundTo", duration_round_to),
        ("durationTruncateTo", duration_truncate_to),
    ]);
}

// --- calendar arithmetic ----------------------------------------------------------------------

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Seconds since the Unix epoch as a UTC `YYYY-MM-DDTHH:MM:SS` (no zone suffix).
pub fn utc_datetime(secs: u64) -> String {
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// A Go `time.Time`: an instant plus the zone it is displayed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoTime {
    pub secs: i64,
    pub nanos: u32,
    /// Seconds east of UTC.
    pub offset: i32,
    pub zone: String,
}

/// Unix seconds of Go's zero time, 0001-01-01T00:00:00Z.
const ZERO_TIME_SECS: i64 = -62_135_596_800;

impl GoTime {
    fn zero() -> GoTime {
        GoTime { secs: ZERO_TIME_SECS, nanos: 0, offset: 0, zone: "UTC".into() }
    }

    /// Local wall clock fields: (year, month, day, hour, minute, second, weekday, yday).
    fn fields(&self) -> (i64, i64, i64, i64, i64, i64, usize, i64) {
        let local = self.secs.saturating_add(i64::from(self.offset));
        let days = local.div_euclid(86_400);
        let sod = local.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let wd = (days + 4).rem_euclid(7) as usize;
        let yday = days - days_from_civil(y, 1, 1) + 1;
        (y, m, d, sod / 3600, sod % 3600 / 60, sod % 60, wd, yday)
    }

    fn in_utc(&self) -> GoTime {
        GoTime { offset: 0, zone: "UTC".into(), ..self.clone() }
    }

    fn add_nanos(&self, d: i64) -> GoTime {
        let total = i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos) + i128::from(d);
        GoTime {
            secs: total.div_euclid(1_000_000_000) as i64,
            nanos: total.rem_euclid(1_000_000_000) as u32,
            ..self.clone()
        }
    }

    fn unix_nanos(&self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// Go's `Time.Format`.
    pub fn format(&self, layout: &str) -> String {
        let (y, mo, d, h, mi, s, wd, yday) = self.fields();
        let mut out = String::new();
        let mut rest = layout;
        while !rest.is_empty() {
            let (prefix, tok, after) = next_chunk(rest);
            out.push_str(prefix);
            rest = after;
            let Some(tok) = tok else { break };
            match tok {
                Tok::Year => out.push_str(&format!("{:02}", y.rem_euclid(100))),
                Tok::LongYear => out.push_str(&format!("{y:04}")),
                Tok::Month => out.push_str(&MONTHS[(mo - 1) as usize][..3]),
                Tok::LongMonth => out.push_str(MONTHS[(mo - 1) as usize]),
                Tok::NumMonth => out.push_str(&mo.to_string()),
                Tok::ZeroMonth => out.push_str(&format!("{mo:02}")),
                Tok::WeekDay => out.push_str(&DAYS[wd][..3]),
                Tok::LongWeekDay => out.push_str(DAYS[wd]),
                Tok::Day => out.push_str(&d.to_string()),
                Tok::UnderDay => out.push_str(&format!("{d:>2}")),
                Tok::ZeroDay => out.push_str(&format!("{d:02}")),
                Tok::UnderYearDay => out.push_str(&format!("{yday:>3}")),
                Tok::ZeroYearDay => out.push_str(&format!("{yday:03}")),
                Tok::Hour => out.push_str(&format!("{h:02}")),
                Tok::Hour12 => out.push_str(&(if h % 12 == 0 { 12 } else { h % 12 }).to_string()),
                Tok::ZeroHour12 => out.push_str(&format!("{:02}", if h % 12 == 0 { 12 } else { h % 12 })),
                Tok::Minute => out.push_str(&mi.to_string()),
                Tok::ZeroMinute => out.push_str(&format!("{mi:02}")),
                Tok::Second => out.push_str(&s.to_string()),
                Tok::ZeroSecond => out.push_str(&format!("{s:02}")),
                Tok::PM => out.push_str(if h >= 12 { "PM" } else { "AM" }),
                Tok::Pm => out.push_str(if h >= 12 { "pm" } else { "am" }),
                Tok::TZ => {
                    if self.zone.is_empty() {
                        out.push_str(&tz_text(self.offset, false, false, false, false));
                    } else {
                        out.push_str(&self.zone);
                    }
                }
                Tok::Iso { colon, seconds, hours_only } => {
                    if self.offset == 0 {
                        out.push('Z');
                    } else {
                        out.push_str(&tz_text(self.offset, colon, seconds, hours_only, true));
                    }
                }
                Tok::Num { colon, seconds, hours_only } => {
                    out.push_str(&tz_text(self.offset, colon, seconds, hours_only, true))
                }
                Tok::Frac { digits, trim, sep } => {
                    let frac = format!("{:09}", self.nanos);
                    let mut f = frac[..digits.min(9)].to_string();
                    if trim {
                        while f.ends_with('0') {
                            f.pop();
                        }
                        if !f.is_empty() {
                            out.push(sep);
                            out.push_str(&f);
                        }
                    } else {
                        out.push(sep);
                        out.push_str(&f);
                    }
                }
            }
        }
        out
    }

    /// Go's `Time.String`.
    pub fn go_string(&self) -> String {
        self.format("2006-01-02 15:04:05.999999999 -0700 MST")
    }
}

fn tz_text(offset: i32, colon: bool, seconds: bool, hours_only: bool, _iso: bool) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let z = offset.unsigned_abs();
    let (h, m, s) = (z / 3600, z % 3600 / 60, z % 60);
    let mut out = format!("{sign}{h:02}");
    if hours_only {
        return out;
    }
    if colon {
        out.push(':');
    }
    out.push_str(&format!("{m:02}"));
    if seconds {
        if colon {
            out.push(':');
        }
        out.push_str(&format!("{s:02}"));
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Year,
    LongYear,
    Month,
    LongMonth,
    NumMonth,
    ZeroMonth,
    WeekDay,
    LongWeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    PM,
    Pm,
    TZ,
    Iso { colon: bool, seconds: bool, hours_only: bool },
    Num { colon: bool, seconds: bool, hours_only: bool },
    Frac { digits: usize, trim: bool, sep: char },
}

/// Go's `nextStdChunk`: the literal prefix, the token, and the rest of the layout.
fn next_chunk(layout: &str) -> (&str, Option<Tok>, &str) {
    let b = layout.as_bytes();
    let starts = |i: usize, s: &str| layout[i..].starts_with(s);
    for i in 0..b.len() {
        let found: Option<(Tok, usize)> = match b[i] {
            b'J' if starts(i, "January") => Some((Tok::LongMonth, 7)),
            b'J' if starts(i, "Jan") => Some((Tok::Month, 3)),
            b'M' if starts(i, "Monday") => Some((Tok::LongWeekDay, 6)),
            b'M' if starts(i, "Mon") => Some((Tok::WeekDay, 3)),
            b'M' if starts(i, "MST") => Some((Tok::TZ, 3)),
            b'0' if starts(i, "002") => Some((Tok::ZeroYearDay, 3)),
            b'0' if b.get(i + 1).is_some_and(|c| (b'1'..=b'6').contains(c)) => Some((
                match b[i + 1] {
                    b'1' => Tok::ZeroMonth,
                    b'2' => Tok::ZeroDay,
                    b'3' => Tok::ZeroHour12,
                    b'4' => Tok::ZeroMinute,
                    b'5' => Tok::ZeroSecond,
                    _ => Tok::Year,
                },
                2,
            )),
            b'1' if starts(i, "15") => Some((Tok::Hour, 2)),
            b'1' => Some((Tok::NumMonth, 1)),
            b'2' if starts(i, "2006") => Some((Tok::LongYear, 4)),
            b'2' => Some((Tok::Day, 1)),
            b'_' if starts(i, "_2006") => {
                // "_2006" is a literal underscore followed by the year.
                return (&layout[..i + 1], Some(Tok::LongYear), &layout[i + 5..]);
            }
            b'_' if starts(i, "__2") => Some((Tok::UnderYearDay, 3)),
            b'_' if starts(i, "_2") => Some((Tok::UnderDay, 2)),
            b'3' => Some((Tok::Hour12, 1)),
            b'4' => Some((Tok::Minute, 1)),
            b'5' => Some((Tok::Second, 1)),
            b'P' if starts(i, "PM") => Some((Tok::PM, 2)),
            b'p' if starts(i, "pm") => Some((Tok::Pm, 2)),
            b'-' | b'Z' => {
                let iso = b[i] == b'Z';
                let mk = |colon, seconds, hours_only| {
                    if iso { Tok::Iso { colon, seconds, hours_only } } else { Tok::Num { colon, seconds, hours_only } }
                };
                if starts(i + 1, "07:00:00") {
                    Some((mk(true, true, false), 9))
                } else if starts(i + 1, "070000") {
                    Some((mk(false, true, false), 7))
                } else if starts(i + 1, "07:00") {
                    Some((mk(true, false, false), 6))
                } else if starts(i + 1, "0700") {
                    Some((mk(false, false, false), 5))
                } else if starts(i + 1, "07") {
                    Some((mk(false, false, true), 3))
                } else {
                    None
                }
            }
            c @ (b'.' | b',') if matches!(b.get(i + 1), Some(b'0' | b'9')) => {
                let ch = b[i + 1];
                let mut j = i + 1;
                while j < b.len() && b[j] == ch {
                    j += 1;
                }
                if b.get(j).is_some_and(u8::is_ascii_digit) {
                    None
                } else {
                    Some((Tok::Frac { digits: j - i - 1, trim: ch == b'9', sep: char::from(c) }, j - i))
                }
            }
            _ => None,
        };
        if let Some((tok, len)) = found {
            return (&layout[..i], Some(tok), &layout[i + len..]);
        }
    }
    (layout, None, "")
}

fn parse_error(value: &str, layout: &str, value_elem: &str, layout_elem: &str, extra: &str) -> String {
    let q = super::strings::go_quote;
    if extra.is_empty() {
        format!("parsing time {} as {}: cannot parse {} as {}", q(value), q(layout), q(value_elem), q(layout_elem))
    } else {
        format!("parsing time {}{extra}", q(value))
    }
}

fn take_num(s: &str, min: usize, max: usize) -> Option<(i64, &str)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

/// Go's `time.Parse` (in UTC, which is also our `Local`).
pub fn parse_time(layout: &str, value: &str) -> Result<GoTime, String> {
    let (mut year, mut month, mut day, mut hour, mut min, mut sec, mut nanos) =
        (1i64, 1i64, 1i64, 0i64, 0i64, 0i64, 0u32);
    let mut pm: Option<bool> = None;
    let mut offset: Option<i32> = None;
    let mut zone_name: Option<String> = None;
    let mut yday: Option<i64> = None;
    let mut rest_layout = layout;
    let mut v = value;
    loop {
        let (prefix, tok, after) = next_chunk(rest_layout);
        let Some(stripped) = v.strip_prefix(prefix) else {
            return Err(parse_error(value, layout, v, prefix, ""));
        };
        v = stripped;
        let Some(tok) = tok else {
            if !v.is_empty() {
                return Err(parse_error(
                    value,
                    layout,
                    "",
                    "",
                    &format!(": extra text: {}", super::strings::go_quote(v)),
                ));
            }
            break;
        };
        let elem = &rest_layout[prefix.len()..rest_layout.len() - after.len()];
        rest_layout = after;
        let bad = |v: &str| parse_error(value, layout, v, elem, "");
        match tok {
            Tok::Year => {
                let (n, r) = take_num(v, 2, 2).ok_or_else(|| bad(v))?;
                year = if n >= 69 { n + 1900 } else { n + 2000 };
                v = r;
            }
            Tok::LongYear => {
                if v.len() < 4 || !v.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
                    return Err(bad(v));
                }
                year = v[..4].parse().unwrap_or(0);
                v = &v[4..];
            }
            Tok::Month | Tok::LongMonth => {
                let idx = MONTHS.iter().position(|m| {
                    let name = if tok == Tok::Month { &m[..3] } else { m };
                    v.len() >= name.len() && v[..name.len()].eq_ignore_ascii_case(name)
                });
                let i = idx.ok_or_else(|| bad(v))?;
                let len = if tok == Tok::Month { 3 } else { MONTHS[i].len() };
                month = i as i64 + 1;
                v = &v[len..];
            }
            Tok::WeekDay | Tok::LongWeekDay => {
                let idx = DAYS.iter().position(|d| {
                    let name = if tok == Tok::WeekDay { &d[..3] } else { d };
                    v.len() >= name.len() && v[..name.len()].eq_ignore_ascii_case(name)
                });
                let i = idx.ok_or_else(|| bad(v))?;
                v = &v[if tok == Tok::WeekDay { 3 } else { DAYS[i].len() }..];
            }
            Tok::NumMonth | Tok::ZeroMonth => {
                let (n, r) = take_num(v, if tok == Tok::ZeroMonth { 2 } else { 1 }, 2).ok_or_else(|| bad(v))?;
                if !(1..=12).contains(&n) {
                    return Err(format!("parsing time {}: month out of range", super::strings::go_quote(value)));
                }
                month = n;
                v = r;
            }
            Tok::Day | Tok::UnderDay | Tok::ZeroDay => {
                let s = if tok == Tok::UnderDay { v.strip_prefix(' ').unwrap_or(v) } else { v };
                let (n, r) = take_num(s, if tok == Tok::ZeroDay { 2 } else { 1 }, 2).ok_or_else(|| bad(v))?;
                day = n;
                v = r;
            }
            Tok::UnderYearDay | Tok::ZeroYearDay => {
                let s = v.trim_start_matches(' ');
                let (n, r) = take_num(s, 3, 3).or_else(|| take_num(s, 1, 3)).ok_or_else(|| bad(v))?;
                yday = Some(n);
                v = r;
            }
            Tok::Hour | Tok::Hour12 | Tok::ZeroHour12 => {
                let (n, r) = take_num(v, if tok == Tok::ZeroHour12 { 2 } else { 1 }, 2).ok_or_else(|| bad(v))?;
                let max = if tok == Tok::Hour { 23 } else { 12 };
                if n > max {
                    return Err(format!("parsing time {}: hour out of range", super::strings::go_quote(value)));
                }
                hour = n;
                v = r;
            }
            Tok::Minute | Tok::ZeroMinute => {
                let (n, r) = take_num(v, if tok == Tok::ZeroMinute { 2 } else { 1 }, 2).ok_or_else(|| bad(v))?;
                if n > 59 {
                    return Err(format!("parsing time {}: minute out of range", super::strings::go_quote(value)));
                }
                min = n;
                v = r;
            }
            Tok::Second | Tok::ZeroSecond => {
                let (n, r) = take_num(v, if tok == Tok::ZeroSecond { 2 } else { 1 }, 2).ok_or_else(|| bad(v))?;
                if n > 59 {
                    return Err(format!("parsing time {}: second out of range", super::strings::go_quote(value)));
                }
                sec = n;
                v = r;
                // Go accepts a fractional second after the seconds field even if the layout
                // has none.
                if let Some(frac) = v.strip_prefix(['.', ','])
                    && !matches!(next_chunk(rest_layout).1, Some(Tok::Frac { .. }))
                    && frac.starts_with(|c: char| c.is_ascii_digit())
                {
                    let n = frac.bytes().take_while(u8::is_ascii_digit).count();
                    let digits = format!("{:0<9}", &frac[..n.min(9)]);
                    nanos = digits.parse().unwrap_or(0);
                    v = &frac[n..];
                }
            }
            Tok::PM | Tok::Pm => {
                if v.len() < 2 {
                    return Err(bad(v));
                }
                match &v[..2] {
                    "PM" | "pm" => pm = Some(true),
                    "AM" | "am" => pm = Some(false),
                    _ => return Err(bad(v)),
                }
                v = &v[2..];
            }
            Tok::Iso { colon, seconds, hours_only } | Tok::Num { colon, seconds, hours_only } => {
                if matches!(tok, Tok::Iso { .. }) && v.starts_with('Z') {
                    offset = Some(0);
                    v = &v[1..];
                    continue;
                }
                let sign = match v.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(bad(v)),
                };
                let mut s = &v[1..];
                let (h, r) = take_num(s, 2, 2).ok_or_else(|| bad(v))?;
                s = r;
                let mut m = 0;
                let mut sc = 0;
                if !hours_only {
                    if colon {
                        s = s.strip_prefix(':').ok_or_else(|| bad(v))?;
                    }
                    let (n, r) = take_num(s, 2, 2).ok_or_else(|| bad(v))?;
                    m = n;
                    s = r;
                    if seconds {
                        if colon {
                            s = s.strip_prefix(':').ok_or_else(|| bad(v))?;
                        }
                        let (n, r) = take_num(s, 2, 2).ok_or_else(|| bad(v))?;
                        sc = n;
                        s = r;
                    }
                }
                offset = Some(sign * (h * 3600 + m * 60 + sc) as i32);
                v = s;
            }
            Tok::TZ => {
                let n = v.bytes().take_while(u8::is_ascii_uppercase).count();
                if n < 3 {
                    return Err(bad(v));
                }
                zone_name = Some(v[..n].to_string());
                v = &v[n..];
            }
            Tok::Frac { digits, .. } => {
                let Some(frac) = v.strip_prefix(['.', ',']) else {
                    if matches!(tok, Tok::Frac { trim: true, .. }) {
                        continue;
                    }
                    return Err(bad(v));
                };
                let n = frac.bytes().take_while(u8::is_ascii_digit).count();
                if matches!(tok, Tok::Frac { trim: false, .. }) && n != digits {
                    return Err(bad(v));
                }
                nanos = format!("{:0<9}", &frac[..n.min(9)]).parse().unwrap_or(0);
                v = &frac[n..];
            }
        }
    }
    if let Some(p) = pm {
        if p && hour < 12 {
            hour += 12;
        } else if !p && hour == 12 {
            hour = 0;
        }
    }
    if let Some(yd) = yday {
        if !(1..=if is_leap(year) { 366 } else { 365 }).contains(&yd) {
            return Err(format!("parsing time {}: day-of-year out of range", super::strings::go_quote(value)));
        }
        let days = days_from_civil(year, 1, 1) + yd - 1;
        let (_, m, d) = civil_from_days(days);
        month = m;
        day = d;
    }
    if day < 1 || day > days_in(year, month) {
        return Err(format!("parsing time {}: day out of range", super::strings::go_quote(value)));
    }
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec;
    let (offset, zone) = match (offset, zone_name) {
        (Some(o), _) => (o, String::new()),
        (None, Some(z)) if z == "UTC" => (0, "UTC".to_string()),
        (None, Some(z)) => (0, z),
        (None, None) => (0, "UTC".to_string()),
    };
    Ok(GoTime { secs: local - i64::from(offset), nanos, offset, zone })
}

// --- objects ----------------------------------------------------------------------------------

#[derive(Debug)]
pub struct TimeObject(pub GoTime);

impl GoObject for TimeObject {
    fn type_name(&self) -> &'static str {
        "time.Time"
    }

    fn field(&self, name: &str) -> Option<Value> {
        let t = &self.0;
        let (y, mo, d, h, mi, s, wd, yday) = t.fields();
        Some(match name {
            "Unix" => Value::int64(t.secs),
            "UnixMilli" => Value::int64((t.unix_nanos() / 1_000_000) as i64),
            "UnixMicro" => Value::int64((t.unix_nanos() / 1_000) as i64),
            "UnixNano" => Value::int64(t.unix_nanos() as i64),
            "Year" => Value::int(y),
            "Month" => Value::str(MONTHS[(mo - 1) as usize]),
            "Day" => Value::int(d),
            "Hour" => Value::int(h),
            "Minute" => Value::int(mi),
            "Second" => Value::int(s),
            "Nanosecond" => Value::int(i64::from(t.nanos)),
            "YearDay" => Value::int(yday),
            "Weekday" => Value::str(DAYS[wd]),
            "IsZero" => Value::Bool(t.secs == ZERO_TIME_SECS && t.nanos == 0),
            "UTC" | "Local" => time_value(t.in_utc()),
            "String" => Value::str(t.go_string()),
            "\0json" => Value::str(format!("\"{}\"", t.format("2006-01-02T15:04:05.999999999Z07:00"))),
            "\0offset" => Value::int64(i64::from(t.offset)),
            "\0zone" => Value::str(t.zone.as_str()),
            _ => return None,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        match name {
            "Format" => Some(str_arg(args, 0).map(|l| Value::str(self.0.format(&l)))),
            "Add" => Some(match args.first() {
                Some(Value::Int(n, _)) => Ok(time_value(self.0.add_nanos(*n))),
                Some(Value::Object(o)) if o.type_name() == "time.Duration" => match o.field("\0nanos") {
                    Some(Value::Int(n, _)) => Ok(time_value(self.0.add_nanos(n))),
                    _ => Err("bad duration".into()),
                },
                _ => Err("wrong type for value; expected time.Duration".into()),
            }),
            _ => self.field(name).filter(|_| args.is_empty()).map(Ok),
        }
    }

    fn display(&self) -> String {
        self.0.go_string()
    }
}

pub fn time_value(t: GoTime) -> Value {
    Value::Object(Rc::new(TimeObject(t)))
}

fn as_time(v: &Value) -> Option<GoTime> {
    match v {
        Value::Object(o) if o.type_name() == "time.Time" => {
            let secs = match o.field("Unix")? {
                Value::Int(s, _) => s,
                _ => return None,
            };
            let nanos = match o.field("Nanosecond")? {
                Value::Int(n, _) => n as u32,
                _ => 0,
            };
            let offset = match o.field("\0offset") {
                Some(Value::Int(n, _)) => n as i32,
                _ => 0,
            };
            let zone = match o.field("\0zone") {
                Some(Value::Str(z)) => z.to_string(),
                _ => "UTC".to_string(),
            };
            Some(GoTime { secs, nanos, offset, zone })
        }
        _ => None,
    }
}

fn time_param(args: &[Value], i: usize) -> Result<GoTime, String> {
    args.get(i).and_then(as_time).ok_or_else(|| super::common::wrong_type(i, "time.Time"))
}

/// A Go `time.Duration` (nanoseconds).
#[derive(Debug)]
pub struct DurationObject(pub i64);

impl GoObject for DurationObject {
    fn type_name(&self) -> &'static str {
        "time.Duration"
    }

    fn field(&self, name: &str) -> Option<Value> {
        let d = self.0;
        Some(match name {
            "\0nanos" => Value::int64(d),
            "\0json" => Value::str(d.to_string()),
            "Nanoseconds" => Value::int64(d),
            "Microseconds" => Value::int64(d / 1_000),
            "Milliseconds" => Value::int64(d / 1_000_000),
            "Seconds" => Value::Float(d as f64 / 1e9),
            "Minutes" => Value::Float(d as f64 / 6e10),
            "Hours" => Value::Float(d as f64 / 3.6e12),
            "String" => Value::str(duration_string(d)),
            "Abs" => duration_value(d.checked_abs().unwrap_or(i64::MAX)),
            _ => return None,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        self.field(name).filter(|_| args.is_empty()).map(Ok)
    }

    fn display(&self) -> String {
        duration_string(self.0)
    }
}

pub fn duration_value(d: i64) -> Value {
    Value::Object(Rc::new(DurationObject(d)))
}

fn as_duration_obj(v: &Value) -> Option<i64> {
    match v {
        Value::Object(o) if o.type_name() == "time.Duration" => match o.field("\0nanos") {
            Some(Value::Int(n, _)) => Some(n),
            _ => None,
        },
        _ => None,
    }
}

/// Go's `Duration.String`.
pub fn duration_string(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        // Sub-second: one unit with a fraction.
        let (unit, div) = if u < 1_000 {
            ("ns", 1u64)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&frac_text(u, div));
        out.push_str(unit);
    } else {
        let secs_total = u / 1_000_000_000;
        let h = secs_total / 3600;
        let m = secs_total % 3600 / 60;
        let s_part = u % 60_000_000_000;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&frac_text(s_part, 1_000_000_000));
        out.push('s');
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

fn frac_text(v: u64, div: u64) -> String {
    let whole = v / div;
    let frac = v % div;
    if frac == 0 {
        return whole.to_string();
    }
    let width = div.to_string().len() - 1;
    let mut f = format!("{frac:0width$}");
    while f.ends_with('0') {
        f.pop();
    }
    format!("{whole}.{f}")
}

/// Go's `time.ParseDuration`.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let orig = s;
    let invalid = || format!("time: invalid duration {}", super::strings::go_quote(orig));
    let (neg, mut s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &s[..int_len];
        s = &s[int_len..];
        let mut frac_part = "";
        if let Some(r) = s.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &r[..n];
            s = &r[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = s.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(s.len());
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        if unit.is_empty() {
            return Err(format!("time: missing unit in duration {}", super::strings::go_quote(orig)));
        }
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    super::strings::go_quote(unit),
                    super::strings::go_quote(orig)
                ));
            }
        };
        let whole: u128 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| invalid())? };
        let mut v = whole.checked_mul(scale).ok_or_else(invalid)?;
        if !frac_part.is_empty() {
            // Digits past nanosecond precision cannot matter; 18 keep the product in range.
            let digits = &frac_part[..frac_part.len().min(18)];
            let f: u128 = digits.parse().unwrap_or(0);
            let pow = 10u128.pow(digits.len() as u32);
            v += f * scale / pow;
        }
        total = total.checked_add(v).ok_or_else(invalid)?;
        if total > (1u128 << 63) {
            return Err(invalid());
        }
    }
    if neg {
        Ok((total as i128).wrapping_neg() as i64)
    } else if total > i64::MAX as u128 {
        Err(invalid())
    } else {
        Ok(total as i64)
    }
}

/// Go's `Duration.Round`.
fn duration_round_to_multiple(d: i64, m: i64) -> i64 {
    if m <= 0 {
        return d;
    }
    // Go's lessThanHalf: compare in unsigned arithmetic so 2r cannot overflow.
    let less_than_half = |r: i64| (r as u64).wrapping_add(r as u64) < m as u64;
    let mut r = d % m;
    if d < 0 {
        r = -r;
        if less_than_half(r) {
            return d + r;
        }
        return d.checked_sub(m - r).unwrap_or(i64::MIN);
    }
    if less_than_half(r) {
        return d - r;
    }
    d.checked_add(m - r).unwrap_or(i64::MAX)
}

fn duration_truncate(d: i64, m: i64) -> i64 {
    if m <= 0 { d } else { d - d % m }
}

// --- sprig date functions -----------------------------------------------------------------------

fn now(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("now", args, 0)?;
    Ok(time_value(now_time()))
}

/// The date argument of `date`/`dateInZone`/`htmlDate`: a time, or Unix seconds as an integer;
/// anything else means "now".
fn date_arg(v: &Value) -> GoTime {
    match v {
        Value::Int(secs, _) => GoTime { secs: *secs, nanos: 0, offset: 0, zone: "UTC".into() },
        other => as_time(other).unwrap_or_else(now_time),
    }
}

fn in_zone(t: GoTime, _zone: &str) -> GoTime {
    // Without a zone database every zone renders as UTC; see the module docs.
    t.in_utc()
}

fn date(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("date", args, 2)?;
    let layout = str_arg(args, 0)?;
    Ok(Value::str(in_zone(date_arg(&args[1]), "Local").format(&layout)))
}

fn date_in_zone(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("dateInZone", args, 3)?;
    let layout = str_arg(args, 0)?;
    let zone = str_arg(args, 2)?;
    Ok(Value::str(in_zone(date_arg(&args[1]), &zone).format(&layout)))
}

fn html_date(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("htmlDate", args, 1)?;
    Ok(Value::str(in_zone(date_arg(&args[0]), "Local").format("2006-01-02")))
}

fn html_date_in_zone(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("htmlDateInZone", args, 2)?;
    let zone = str_arg(args, 1)?;
    Ok(Value::str(in_zone(date_arg(&args[0]), &zone).format("2006-01-02")))
}

fn date_modify(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("dateModify", args, 2)?;
    let d = str_arg(args, 0)?;
    let t = time_param(args, 1)?;
    Ok(time_value(match parse_duration(&d) {
        Ok(n) => t.add_nanos(n),
        Err(_) => t,
    }))
}

fn must_date_modify(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("mustDateModify", args, 2)?;
    let d = str_arg(args, 0)?;
    let t = time_param(args, 1)?;
    Ok(time_value(t.add_nanos(parse_duration(&d)?)))
}

fn ago(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("ago", args, 1)?;
    let t = date_arg(&args[0]);
    let since = now_time().unix_nanos() - t.unix_nanos();
    let since = since.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    Ok(Value::str(duration_string(duration_round_to_multiple(since, 1_000_000_000))))
}

fn duration(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("duration", args, 1)?;
    // Only strings and int64 count; template integer literals are Go `int` and, like floats
    // from values files, fall into sprig's default case (0).
    let n: i64 = match &args[0] {
        Value::Str(s) => s.parse().unwrap_or(0),
        _ => 0,
    };
    Ok(Value::str(duration_string(n.wrapping_mul(1_000_000_000))))
}

fn duration_round(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("durationRound", args, 1)?;
    let d: i64 = match &args[0] {
        Value::Str(s) => parse_duration(s).unwrap_or(0),
        v => match as_time(v) {
            Some(t) => {
                let since = now_time().unix_nanos() - t.unix_nanos();
                since.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
            }
            None => 0,
        },
    };
    let u = d.unsigned_abs();
    const HOUR: u64 = 3_600_000_000_000;
    let units: [(u64, &str); 6] = [
        (HOUR * 24 * 365, "y"),
        (HOUR * 24 * 30, "mo"),
        (HOUR * 24, "d"),
        (HOUR, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
    ];
    for (size, suffix) in units {
        if u > size {
            return Ok(Value::str(format!("{}{suffix}", u / size)));
        }
    }
    Ok(Value::str("0s"))
}

fn to_date(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("toDate", args, 2)?;
    let layout = str_arg(args, 0)?;
    let value = str_arg(args, 1)?;
    Ok(time_value(parse_time(&layout, &value).unwrap_or_else(|_| GoTime::zero())))
}

fn must_to_date(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("mustToDate", args, 2)?;
    let layout = str_arg(args, 0)?;
    let value = str_arg(args, 1)?;
    Ok(time_value(parse_time(&layout, &value)?))
}

fn unix_epoch(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("unixEpoch", args, 1)?;
    Ok(Value::str(time_param(args, 0)?.secs.to_string()))
}

// --- Helm duration helpers ----------------------------------------------------------------------

const SECOND: i64 = 1_000_000_000;

fn duration_from_seconds_float(f: f64) -> Result<i64, String> {
    if !f.is_finite() {
        return Err(format!("invalid duration seconds: {}", format_float_g(f)));
    }
    let max = i64::MAX as f64 / SECOND as f64;
    let min = i64::MIN as f64 / SECOND as f64;
    if f > max || f < min {
        return Err(format!("duration seconds overflow: {}", format_float_g(f)));
    }
    let nanos = f * SECOND as f64;
    if nanos > i64::MAX as f64 || nanos < i64::MIN as f64 {
        return Err(format!("duration nanoseconds overflow: {}", format_float_g(nanos)));
    }
    Ok(nanos as i64)
}

/// Helm's `asDuration`.
fn as_duration(v: &Value) -> Result<i64, String> {
    if let Some(d) = as_duration_obj(v) {
        return Ok(d);
    }
    match v {
        Value::Str(s) => {
            let t = s.trim();
            if t.is_empty() {
                return Err("empty duration".into());
            }
            if let Ok(d) = parse_duration(t) {
                return Ok(d);
            }
            if let Some(f) = parse_go_float(t) {
                return duration_from_seconds_float(f);
            }
            Err(format!("could not parse duration {}", super::strings::go_quote(s)))
        }
        Value::Nil => Err("invalid duration".into()),
        Value::Int(i, _) => {
            if *i > i64::MAX / SECOND || *i < i64::MIN / SECOND {
                return Err(format!("duration seconds overflow: {i}"));
            }
            Ok(i * SECOND)
        }
        Value::Float(f) => duration_from_seconds_float(*f),
        other => Err(format!("unsupported duration type {}", other.type_name())),
    }
}

fn must_to_duration(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("mustToDuration", args, 1)?;
    Ok(duration_value(as_duration(&args[0])?))
}

fn dur_f(args: &[Value], name: &str, f: fn(i64) -> f64) -> Result<Value, String> {
    arity(name, args, 1)?;
    Ok(Value::Float(as_duration(&args[0]).map(f).unwrap_or(0.0)))
}

fn dur_i(args: &[Value], name: &str, f: fn(i64) -> i64) -> Result<Value, String> {
    arity(name, args, 1)?;
    Ok(Value::int64(as_duration(&args[0]).map(f).unwrap_or(0)))
}

fn duration_seconds(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    dur_f(args, "durationSeconds", |d| (d / SECOND) as f64 + (d % SECOND) as f64 / 1e9)
}

fn duration_minutes(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    dur_f(args, "durationMinutes", |d| (d / (60 * SECOND)) as f64 + (d % (60 * SECOND)) as f64 / 6e10)
}

fn hours(d: i64) -> f64 {
    (d / (3600 * SECOND)) as f64 + (d % (3600 * SECOND)) as f64 / 3.6e12
}

fn duration_hours(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    dur_f(args, "durationHours", hours)
}

fn duration_days(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    dur_f(args, "durationDays", |d| hours(d) / 24.0)
}

fn duration_weeks(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    dur_f(args, "durationWeeks", |d| hours(d) / 24.0 / 7.0)
}

fn duration_milliseconds(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    dur_i(args, "durationMilliseconds", |d| d / 1_000_000)
}

fn duration_microseconds(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    dur_i(args, "durationMicroseconds", |d| d / 1_000)
}

fn duration_nanoseconds(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    dur_i(args, "durationNanoseconds", |d| d)
}

fn duration_round_to(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("durationRoundTo", args, 2)?;
    let Ok(d) = as_duration(&args[0]) else {
        return Ok(duration_value(0));
    };
    Ok(duration_value(match as_duration(&args[1]) {
        Ok(m) => duration_round_to_multiple(d, m),
        Err(_) => d,
    }))
}

fn duration_truncate_to(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("durationTruncateTo", args, 2)?;
    let Ok(d) = as_duration(&args[0]) else {
        return Ok(duration_value(0));
    };
    Ok(duration_value(match as_duration(&args[1]) {
        Ok(m) => duration_truncate(d, m),
        Err(_) => d,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::common::call_go_string as call;

    #[test]
    fn utc_datetimes() {
        assert_eq!(utc_datetime(0), "1970-01-01T00:00:00");
        assert_eq!(utc_datetime(1_796_536_252), "2026-12-06T05:50:52");
        assert_eq!(utc_datetime(951_782_400), "2000-02-29T00:00:00");
    }
    fn st(s: &str) -> Value {
        Value::str(s)
    }
    fn date_2017() -> Value {
        time_value(parse_time("2006-01-02", "2017-12-31").unwrap())
    }

    // Expected outputs from helm v4.3.1.
    #[test]
    fn sprig_dates_match_helm() {
        assert_eq!(call(duration, vec![Value::int64(90)]).unwrap(), "0s");
        assert_eq!(call(duration, vec![st("90")]).unwrap(), "1m30s");
        assert_eq!(call(duration, vec![Value::Float(90.0)]).unwrap(), "0s");
        assert_eq!(call(duration_round, vec![st("2h10m")]).unwrap(), "2h");
        assert_eq!(call(duration_round, vec![Value::int64(100_000_000_000)]).unwrap(), "0s");
        for (input, want) in [
            ("-3h", "3h"),
            ("3600s", "60m"),
            ("49h", "2d"),
            ("800h", "1mo"),
            ("9000h", "1y"),
            ("1.5s", "1s"),
            ("x", "0s"),
        ] {
            assert_eq!(call(duration_round, vec![st(input)]).unwrap(), want);
        }
        assert_eq!(call(to_date, vec![st("2006-01-02"), st("2017-12-31")]).unwrap(), "2017-12-31 00:00:00 +0000 UTC");
        assert_eq!(call(to_date, vec![st("2006-01-02"), st("bad")]).unwrap(), "0001-01-01 00:00:00 +0000 UTC");
        assert_eq!(
            call(date, vec![st("Jan 2, 2006 15:04 MST Monday .000 .999 PM -0700 Z07:00 _2 __2 002"), date_2017()])
                .unwrap(),
            "Dec 31, 2017 00:00 UTC Sunday .000  AM +0000 Z 31 365 365"
        );
        assert_eq!(
            call(must_to_date, vec![st("2006-01-02"), st("bad")]).unwrap_err(),
            "parsing time \"bad\" as \"2006-01-02\": cannot parse \"bad\" as \"2006\""
        );
        assert_eq!(call(date, vec![st("2006"), Value::int64(0)]).unwrap(), "1970");
        assert_eq!(call(unix_epoch, vec![date_2017()]).unwrap(), "1514678400");
        assert_eq!(call(date_modify, vec![st("1.5h"), date_2017()]).unwrap(), "2017-12-31 01:30:00 +0000 UTC");
        assert_eq!(call(html_date_in_zone, vec![date_2017(), st("UTC")]).unwrap(), "2017-12-31");
        assert_eq!(call(must_date_modify, vec![st("x"), date_2017()]).unwrap_err(), "time: invalid duration \"x\"");
        let t = parse_time("2006-01-02T15:04:05.999999999Z07:00", "2017-12-31T10:20:30.5+02:00").unwrap();
        assert_eq!(t.go_string(), "2017-12-31 10:20:30.5 +0200 +0200");
        assert_eq!(t.secs, 1_514_708_430);
    }

    #[test]
    fn helm_durations_match_helm() {
        assert_eq!(call(duration_seconds, vec![st("1m30s")]).unwrap(), "90");
        assert_eq!(call(duration_milliseconds, vec![Value::int64(2)]).unwrap(), "2000");
        assert_eq!(call(must_to_duration, vec![st("90")]).unwrap(), "1m30s");
        assert_eq!(call(duration_round_to, vec![st("2h13m"), st("30m")]).unwrap(), "2h0m0s");
        assert_eq!(call(duration_truncate_to, vec![st("2h13m"), st("1h")]).unwrap(), "2h0m0s");
        assert_eq!(call(duration_days, vec![st("36h")]).unwrap(), "1.5");
        assert_eq!(call(must_to_duration, vec![Value::Float(1.5)]).unwrap(), "1.5s");
        assert_eq!(duration_string(1_500_000), "1.5ms");
        assert_eq!(duration_string(-90 * SECOND), "-1m30s");
        assert_eq!(duration_string(3_600 * SECOND + 1), "1h0m0.000000001s");
    }

    #[test]
    fn now_is_fixed() {
        assert_eq!(call(now, vec![]).unwrap(), "2024-01-01 00:00:00 +0000 UTC");
        assert_eq!(call(ago, vec![date_2017()]).unwrap(), "52608h0m0s");
    }
}
