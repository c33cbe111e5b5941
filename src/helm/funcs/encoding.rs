//! `b64enc`/`b64dec`/`b32enc`/`b32dec` and the hash sums that are plain encodings of bytes.

use super::super::value::Value;
use super::common::{arity, lossy, str_arg};
use super::{Func, FuncEnv};

pub(super) fn register(out: &mut Vec<(&'static str, Func)>) {
    out.extend([("b64enc", b64enc as Func), ("b64dec", b64dec), ("b32enc", b32enc), ("b32dec", b32dec)]);
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Standard base64 with padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's `base64.StdEncoding.DecodeString`, with its error text. Go skips `\r` and `\n`.
pub fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut quad = [0u8; 4];
    let mut n = 0usize;
    let mut pad = 0usize;
    let bytes = text.as_bytes();
    let mut offset = 0usize;
    for (i, &c) in bytes.iter().enumerate() {
        if c == b'\r' || c == b'\n' {
            continue;
        }
        let corrupt = || format!("illegal base64 data at input byte {i}");
        if c == b'=' {
            // Padding is only valid in the last two positions of a quantum.
            if n < 2 {
                return Err(corrupt());
            }
            pad += 1;
            quad[n] = 0;
            n += 1;
            if n == 4 {
                break;
            }
            continue;
        }
        if pad > 0 {
            return Err(corrupt());
        }
        let v = B64.iter().position(|&b| b == c).ok_or_else(corrupt)?;
        quad[n] = v as u8;
        n += 1;
        offset = i;
        if n == 4 {
            let v = (u32::from(quad[0]) << 18)
                | (u32::from(quad[1]) << 12)
                | (u32::from(quad[2]) << 6)
                | u32::from(quad[3]);
            out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
            n = 0;
        }
    }
    let _ = offset;
    if pad > 0 {
        let v =
            (u32::from(quad[0]) << 18) | (u32::from(quad[1]) << 12) | (u32::from(quad[2]) << 6) | u32::from(quad[3]);
        let keep = 3 - pad;
        out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8][..keep]);
        // Anything but line breaks after the padding is an error.
        let end = text.rfind('=').unwrap_or(0);
        if let Some(p) = bytes[end + 1..].iter().position(|&c| c != b'\r' && c != b'\n') {
            return Err(format!("illegal base64 data at input byte {}", end + 1 + p));
        }
    } else if n != 0 {
        let len = bytes.iter().filter(|&&c| c != b'\r' && c != b'\n').count();
        return Err(format!("illegal base64 data at input byte {}", len - len % 4));
    }
    Ok(out)
}

fn b64enc(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("b64enc", args, 1)?;
    Ok(Value::str(base64_encode(str_arg(args, 0)?.as_bytes())))
}

fn b64dec(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("b64dec", args, 1)?;
    Ok(Value::str(match base64_decode(&str_arg(args, 0)?) {
        Ok(bytes) => lossy(&bytes),
        Err(e) => e,
    }))
}

pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = buf.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                out.push(char::from(B32[((n >> (35 - 5 * i)) & 31) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's `base32.StdEncoding.DecodeString`.
pub fn base32_decode(text: &str) -> Result<Vec<u8>, String> {
    let stripped: Vec<(usize, u8)> = text.bytes().enumerate().filter(|(_, c)| *c != b'\r' && *c != b'\n').collect();
    if !stripped.len().is_multiple_of(8) {
        let at = stripped.len() - stripped.len() % 8;
        return Err(format!("illegal base32 data at input byte {at}"));
    }
    let mut out = Vec::new();
    for (q, group) in stripped.chunks(8).enumerate() {
        let last = q == stripped.len() / 8 - 1;
        let mut n = 0u64;
        let mut len = 8;
        for (j, &(pos, c)) in group.iter().enumerate() {
            if c == b'=' && last && j >= 2 {
                if group[j..].iter().any(|&(_, x)| x != b'=') || !matches!(j, 2 | 4 | 5 | 7) {
                    return Err(format!("illegal base32 data at input byte {pos}"));
                }
                len = j;
                break;
            }
            let v =
                B32.iter().position(|&b| b == c).ok_or_else(|| format!("illegal base32 data at input byte {pos}"))?;
            n |= (v as u64) << (35 - 5 * j);
        }
        let bytes = [(n >> 32) as u8, (n >> 24) as u8, (n >> 16) as u8, (n >> 8) as u8, n as u8];
        let keep = match len {
            2 => 1,
            4 => 2,
            5 => 3,
            7 => 4,
            _ => 5,
        };
        out.extend_from_slice(&bytes[..keep]);
    }
    Ok(out)
}

fn b32enc(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("b32enc", args, 1)?;
    Ok(Value::str(base32_encode(str_arg(args, 0)?.as_bytes())))
}

fn b32dec(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("b32dec", args, 1)?;
    Ok(Value::str(match base32_decode(&str_arg(args, 0)?) {
        Ok(bytes) => lossy(&bytes),
        Err(e) => e,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        assert_eq!(base64_encode(b"abc123!?$*&()'-=@~"), "YWJjMTIzIT8kKiYoKSctPUB+");
        assert_eq!(base64_encode(b"a"), "YQ==");
        assert_eq!(base64_encode(b"ab"), "YWI=");
        assert_eq!(base64_decode("YWJjMTIzIT8kKiYoKSctPUB+").unwrap(), b"abc123!?$*&()'-=@~");
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert_eq!(base64_decode("YW\nI=").unwrap(), b"ab");
        assert_eq!(base64_decode("YQ").unwrap_err(), "illegal base64 data at input byte 0");
        assert_eq!(base64_decode("a!b").unwrap_err(), "illegal base64 data at input byte 1");
    }

    #[test]
    fn base32_round_trip() {
        assert_eq!(base32_encode(b"abc123!?$*&()'-=@~"), "MFRGGMJSGMQT6JBKEYUCSJZNHVAH4===");
        assert_eq!(base32_decode("MFRGGMJSGMQT6JBKEYUCSJZNHVAH4===").unwrap(), b"abc123!?$*&()'-=@~");
        assert_eq!(base32_encode(b"a"), "ME======");
        assert_eq!(base32_decode("ME======").unwrap(), b"a");
    }
}
