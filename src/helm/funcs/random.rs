//! sprig's random functions, made reproducible: every draw comes from `FuncEnv::rng_state`
//! (SplitMix64), so a render with the same seed always produces the same "random" strings,
//! keys and UUIDs. The values differ from Helm's (which reads the OS entropy pool), which is
//! the point: Helm's output here is not reproducible at all.

use super::super::value::Value;
use super::common::{arity, int_arg, str_arg};
use super::encoding::base64_encode;
use super::{Func, FuncEnv};

pub(super) fn register(out: &mut Vec<(&'static str, Func)>) {
    out.extend([
        ("randAlphaNum", rand_alpha_num as Func),
        ("randAlpha", rand_alpha),
        ("randNumeric", rand_numeric),
        ("randAscii", rand_ascii),
        ("randBytes", rand_bytes),
        ("randInt", rand_int),
        ("shuffle", shuffle),
        ("uuidv4", uuidv4),
    ]);
}

/// SplitMix64: tiny, full-period, and good enough for test-data strings.
pub(crate) fn next_u64(env: &mut FuncEnv) -> u64 {
    env.rng_state = env.rng_state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = env.rng_state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform integer in `0..n` (`n > 0`).
pub(crate) fn below(env: &mut FuncEnv, n: u64) -> u64 {
    // Rejection sampling keeps the distribution uniform.
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let v = next_u64(env);
        if v < zone {
            return v % n;
        }
    }
}

pub(crate) fn random_bytes(env: &mut FuncEnv, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        out.extend_from_slice(&next_u64(env).to_le_bytes());
    }
    out.truncate(n);
    out
}

/// Longest string the rand* functions will build.
const MAX_COUNT: i64 = 1 << 20;

fn from_charset(env: &mut FuncEnv, args: &[Value], name: &str, charset: &[u8]) -> Result<Value, String> {
    arity(name, args, 1)?;
    let count = int_arg(args, 0)?;
    if count <= 0 {
        // goutils returns an error for a negative count, which sprig discards.
        return Ok(Value::str(""));
    }
    if count > MAX_COUNT {
        return Err(format!("{name}: count {count} is too large"));
    }
    let s: String = (0..count).map(|_| char::from(charset[below(env, charset.len() as u64) as usize])).collect();
    Ok(Value::str(s))
}

const ALPHA: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const DIGITS: &[u8] = b"0123456789";

fn rand_alpha_num(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    from_charset(env, args, "randAlphaNum", ALNUM)
}

fn rand_alpha(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    from_charset(env, args, "randAlpha", ALPHA)
}

fn rand_numeric(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    from_charset(env, args, "randNumeric", DIGITS)
}

fn rand_ascii(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    let printable: Vec<u8> = (32u8..=126).collect();
    from_charset(env, args, "randAscii", &printable)
}

fn rand_bytes(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("randBytes", args, 1)?;
    let count = int_arg(args, 0)?;
    if count < 0 {
        return Err("runtime error: makeslice: len out of range".into());
    }
    if count > MAX_COUNT {
        return Err(format!("randBytes: count {count} is too large"));
    }
    Ok(Value::str(base64_encode(&random_bytes(env, count as usize))))
}

fn rand_int(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("randInt", args, 2)?;
    let min = int_arg(args, 0)?;
    let max = int_arg(args, 1)?;
    let n = max.wrapping_sub(min);
    if n <= 0 {
        return Err("invalid argument to Intn".into());
    }
    Ok(Value::int(below(env, n as u64) as i64 + min))
}

fn shuffle(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("shuffle", args, 1)?;
    let mut runes: Vec<char> = str_arg(args, 0)?.chars().collect();
    for i in (1..runes.len()).rev() {
        let j = below(env, i as u64 + 1) as usize;
        runes.swap(i, j);
    }
    Ok(Value::str(runes.into_iter().collect::<String>()))
}

/// A version-4 UUID in the canonical 8-4-4-4-12 form.
pub(crate) fn uuid_v4(env: &mut FuncEnv) -> String {
    let mut b = random_bytes(env, 16);
    b[6] = (b[6] & 0x0F) | 0x40;
    b[8] = (b[8] & 0x3F) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

fn uuidv4(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("uuidv4", args, 0)?;
    Ok(Value::str(uuid_v4(env)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_well_formed() {
        let mut a = FuncEnv::default();
        let mut b = FuncEnv::default();
        let x = rand_alpha_num(&mut a, &[Value::int64(16)]).unwrap();
        let y = rand_alpha_num(&mut b, &[Value::int64(16)]).unwrap();
        assert_eq!(x.as_str(), y.as_str());
        assert_eq!(x.as_str().map(str::len), Some(16));
        assert!(x.as_str().is_some_and(|s| s.bytes().all(|c| c.is_ascii_alphanumeric())));
        let z = rand_alpha_num(&mut a, &[Value::int64(16)]).unwrap();
        assert_ne!(x.as_str(), z.as_str());
        let u = uuid_v4(&mut a);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(rand_numeric(&mut a, &[Value::int64(-1)]).unwrap().as_str(), Some(""));
        let r = rand_int(&mut a, &[Value::int64(5), Value::int64(7)]).unwrap();
        assert!(matches!(r, Value::Int(5 | 6, _)));
        assert!(rand_int(&mut a, &[Value::int64(5), Value::int64(5)]).is_err());
        let s = shuffle(&mut a, &[Value::str("abcdef")]).unwrap();
        let mut chars: Vec<char> = s.as_str().unwrap_or("").chars().collect();
        chars.sort();
        assert_eq!(chars.into_iter().collect::<String>(), "abcdef");
    }
}
