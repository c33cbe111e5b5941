//! sprig's hashing and crypto functions.
//!
//! Exact: `sha1sum`, `sha256sum`, `sha512sum`, `adler32sum`, `derivePassword` (Master Password
//! over a hand-written scrypt), `decryptAES`, and `encryptAES` except that its IV comes from the
//! render's seeded random source instead of the OS.
//!
//! Placeholders: Helm generates fresh keys, certificates and bcrypt salts on every render, so
//! their bytes can never match anyway. We emit deterministic, well-formed stand-ins instead of
//! pulling in RSA/ECDSA/X.509/bcrypt implementations: PEM blocks of the right type whose body
//! decodes to a readable `secretgate placeholder` marker, and bcrypt-shaped `$2a$10$…` hashes.
//! They still look like secrets to the rule engine, which is what matters for linting.

use std::rc::Rc;

use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use super::super::value::{GoObject, Value};
use super::common::{arity, int_arg, lossy, str_arg};
use super::encoding::{base64_decode, base64_encode};
use super::random::{below, random_bytes};
use super::{Func, FuncEnv};

pub(super) fn register(out: &mut Vec<(&'static str, Func)>) {
    out.extend([
        ("sha1sum", sha1sum as Func),
        ("sha256sum", sha256sum),
        ("sha512sum", sha512sum),
        ("adler32sum", adler32sum),
        ("bcrypt", bcrypt),
        ("htpasswd", htpasswd),
        ("derivePassword", derive_password),
        ("encryptAES", encrypt_aes),
        ("decryptAES", decrypt_aes),
        ("genPrivateKey", gen_private_key),
        ("genCA", gen_ca),
        ("genCAWithKey", gen_ca_with_key),
        ("genSelfSignedCert", gen_self_signed_cert),
        ("genSelfSignedCertWithKey", gen_self_signed_cert_with_key),
        ("genSignedCert", gen_signed_cert),
        ("genSignedCertWithKey", gen_signed_cert_with_key),
        ("buildCustomCert", build_custom_cert),
    ]);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha1sum(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("sha1sum", args, 1)?;
    Ok(Value::str(hex(&Sha1::digest(str_arg(args, 0)?.as_bytes()))))
}

fn sha256sum(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("sha256sum", args, 1)?;
    Ok(Value::str(hex(&Sha256::digest(str_arg(args, 0)?.as_bytes()))))
}

fn sha512sum(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("sha512sum", args, 1)?;
    Ok(Value::str(hex(&Sha512::digest(str_arg(args, 0)?.as_bytes()))))
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

fn adler32sum(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("adler32sum", args, 1)?;
    Ok(Value::str(adler32(str_arg(args, 0)?.as_bytes()).to_string()))
}

/// bcrypt's base64 alphabet.
const BCRYPT_B64: &[u8] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A bcrypt-shaped hash (cost 10, 22-character salt, 31-character digest); see the module docs.
fn fake_bcrypt(env: &mut FuncEnv, password: &str) -> String {
    let mut out = String::from("$2a$10$");
    for _ in 0..22 {
        out.push(char::from(BCRYPT_B64[below(env, 64) as usize]));
    }
    let digest = Sha256::digest([out.as_bytes(), password.as_bytes()].concat());
    for i in 0..31 {
        out.push(char::from(BCRYPT_B64[usize::from(digest[i % digest.len()] ^ (i as u8)) % 64]));
    }
    out
}

fn bcrypt(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("bcrypt", args, 1)?;
    let input = str_arg(args, 0)?;
    if input.len() > 72 {
        return Ok(Value::str("failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"));
    }
    Ok(Value::str(fake_bcrypt(env, &input)))
}

fn htpasswd(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("htpasswd", args, 2)?;
    let user = str_arg(args, 0)?;
    let pass = str_arg(args, 1)?;
    if user.contains(':') {
        return Ok(Value::str(format!("invalid username: {user}")));
    }
    if pass.len() > 72 {
        return Ok(Value::str(format!(
            "{user}:failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
        )));
    }
    Ok(Value::str(format!("{user}:{}", fake_bcrypt(env, &pass))))
}

// --- scrypt (RFC 7914) ------------------------------------------------------------------------

fn pbkdf2_sha256(password: &[u8], salt: &[u8], out_len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(out_len);
    let mut block = 1u32;
    while out.len() < out_len {
        // One iteration: T_i = HMAC(P, S || INT(i)).
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(password) else { break };
        mac.update(salt);
        mac.update(&block.to_be_bytes());
        out.extend_from_slice(&mac.finalize().into_bytes());
        block += 1;
    }
    out.truncate(out_len);
    out
}

fn salsa20_8(b: &mut [u32; 16]) {
    let mut x = *b;
    for _ in 0..4 {
        macro_rules! qr {
            ($a:expr, $b:expr, $c:expr, $d:expr) => {
                x[$b] ^= x[$a].wrapping_add(x[$d]).rotate_left(7);
                x[$c] ^= x[$b].wrapping_add(x[$a]).rotate_left(9);
                x[$d] ^= x[$c].wrapping_add(x[$b]).rotate_left(13);
                x[$a] ^= x[$d].wrapping_add(x[$c]).rotate_left(18);
            };
        }
        qr!(0, 4, 8, 12);
        qr!(5, 9, 13, 1);
        qr!(10, 14, 2, 6);
        qr!(15, 3, 7, 11);
        qr!(0, 1, 2, 3);
        qr!(5, 6, 7, 4);
        qr!(10, 11, 8, 9);
        qr!(15, 12, 13, 14);
    }
    for i in 0..16 {
        b[i] = b[i].wrapping_add(x[i]);
    }
}

fn block_mix(input: &[u32], output: &mut [u32], r: usize) {
    let mut x = [0u32; 16];
    x.copy_from_slice(&input[(2 * r - 1) * 16..2 * r * 16]);
    for i in 0..2 * r {
        for j in 0..16 {
            x[j] ^= input[i * 16 + j];
        }
        salsa20_8(&mut x);
        // Even blocks go to the first half, odd blocks to the second.
        let dst = if i % 2 == 0 { i / 2 } else { r + i / 2 };
        output[dst * 16..dst * 16 + 16].copy_from_slice(&x);
    }
}

fn ro_mix(block: &mut [u32], n: usize, r: usize) {
    let len = 32 * r;
    let mut v = vec![0u32; n * len];
    let mut x = block.to_vec();
    let mut y = vec![0u32; len];
    for i in 0..n {
        v[i * len..(i + 1) * len].copy_from_slice(&x);
        block_mix(&x, &mut y, r);
        std::mem::swap(&mut x, &mut y);
    }
    for _ in 0..n {
        let j = (x[(2 * r - 1) * 16] as usize) & (n - 1);
        for k in 0..len {
            x[k] ^= v[j * len + k];
        }
        block_mix(&x, &mut y, r);
        std::mem::swap(&mut x, &mut y);
    }
    block.copy_from_slice(&x);
}

fn scrypt(password: &[u8], salt: &[u8], n: usize, r: usize, p: usize, key_len: usize) -> Vec<u8> {
    let mut b = pbkdf2_sha256(password, salt, p * 128 * r);
    for chunk in b.chunks_mut(128 * r) {
        let mut words: Vec<u32> = chunk.chunks(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        ro_mix(&mut words, n, r);
        for (dst, w) in chunk.chunks_mut(4).zip(words) {
            dst.copy_from_slice(&w.to_le_bytes());
        }
    }
    pbkdf2_sha256(password, &b, key_len)
}

fn template_chars(c: u8) -> &'static [u8] {
    match c {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

fn password_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn derive_password(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("derivePassword", args, 5)?;
    let counter = int_arg(args, 0)?;
    let kind = str_arg(args, 1)?;
    let password = str_arg(args, 2)?;
    let user = str_arg(args, 3)?;
    let site = str_arg(args, 4)?;
    let Some(templates) = password_templates(&kind) else {
        return Ok(Value::str(format!("cannot find password template {kind}")));
    };
    const SEED: &[u8] = b"com.lyndir.masterpassword";
    let mut salt = SEED.to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let key = scrypt(password.as_bytes(), &salt, 32768, 8, 2, 64);
    let mut msg = SEED.to_vec();
    msg.extend_from_slice(&(site.len() as u32).to_be_bytes());
    msg.extend_from_slice(site.as_bytes());
    msg.extend_from_slice(&(counter as u32).to_be_bytes());
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(&msg);
    let seed = mac.finalize().into_bytes();
    let template = templates[usize::from(seed[0]) % templates.len()];
    let out: String = template
        .bytes()
        .enumerate()
        .map(|(i, c)| {
            let chars = template_chars(c);
            char::from(chars[usize::from(seed[(i + 1) % seed.len()]) % chars.len()])
        })
        .collect();
    Ok(Value::str(out))
}

// --- AES-256-CBC ----------------------------------------------------------------------------------

fn aes_key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let n = password.len().min(32);
    key[..n].copy_from_slice(&password.as_bytes()[..n]);
    key
}

fn encrypt_aes(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("encryptAES", args, 2)?;
    let password = str_arg(args, 0)?;
    let plaintext = str_arg(args, 1)?;
    if plaintext.is_empty() {
        return Ok(Value::str(""));
    }
    let cipher = <aes::Aes256 as KeyInit>::new(&aes_key(&password).into());
    let mut content = plaintext.as_bytes().to_vec();
    let pad = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(pad as u8, pad));
    let iv = random_bytes(env, 16);
    let mut out = iv.clone();
    let mut prev: [u8; 16] = iv.try_into().unwrap_or([0; 16]);
    for chunk in content.chunks(16) {
        let mut block = [0u8; 16];
        for i in 0..16 {
            block[i] = chunk[i] ^ prev[i];
        }
        let mut b = block.into();
        cipher.encrypt_block(&mut b);
        prev = b.into();
        out.extend_from_slice(&prev);
    }
    Ok(Value::str(base64_encode(&out)))
}

fn decrypt_aes(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("decryptAES", args, 2)?;
    let password = str_arg(args, 0)?;
    let crypt64 = str_arg(args, 1)?;
    if crypt64.is_empty() {
        return Ok(Value::str(""));
    }
    let crypt = base64_decode(&crypt64)?;
    if crypt.len() < 16 {
        return Err(format!("runtime error: slice bounds out of range [:16] with capacity {}", crypt.len()));
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let cipher = <aes::Aes256 as KeyInit>::new(&aes_key(&password).into());
    let mut prev: [u8; 16] = iv.try_into().unwrap_or([0; 16]);
    let mut out = Vec::with_capacity(body.len());
    for chunk in body.chunks(16) {
        let mut b: [u8; 16] = chunk.try_into().unwrap_or([0; 16]);
        let saved = b;
        let mut ga = b.into();
        cipher.decrypt_block(&mut ga);
        b = ga.into();
        for i in 0..16 {
            b[i] ^= prev[i];
        }
        out.extend_from_slice(&b);
        prev = saved;
    }
    let Some(&last) = out.last() else {
        return Err("runtime error: index out of range [-1]".into());
    };
    let keep = out.len() as i64 - i64::from(last);
    if keep < 0 {
        return Err(format!("runtime error: slice bounds out of range [:{keep}]"));
    }
    Ok(Value::str(lossy(&out[..keep as usize])))
}

// --- keys and certificates (placeholders) ---------------------------------------------------------

/// PEM encoding with Go's 64-column lines.
fn pem(kind: &str, body: &[u8]) -> String {
    let b64 = base64_encode(body);
    let mut out = format!("-----BEGIN {kind}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {kind}-----\n"));
    out
}

fn placeholder(env: &mut FuncEnv, what: &str) -> Vec<u8> {
    let id = hex(&random_bytes(env, 16));
    format!("secretgate placeholder: {what} generated by a Helm template function, not real key material; id={id}")
        .into_bytes()
}

fn private_key_pem(env: &mut FuncEnv, kind: &str) -> Option<String> {
    let block = match kind {
        "" | "rsa" => "RSA PRIVATE KEY",
        "dsa" => "DSA PRIVATE KEY",
        "ecdsa" => "EC PRIVATE KEY",
        "ed25519" => "PRIVATE KEY",
        _ => return None,
    };
    let body = placeholder(env, &format!("{} private key", if kind.is_empty() { "rsa" } else { kind }));
    Some(pem(block, &body))
}

fn gen_private_key(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("genPrivateKey", args, 1)?;
    let kind = str_arg(args, 0)?;
    Ok(Value::str(private_key_pem(env, &kind).unwrap_or_else(|| format!("Unknown type {kind}"))))
}

/// sprig's `certificate` struct: `.Cert` and `.Key`.
#[derive(Debug)]
struct Certificate {
    cert: String,
    key: String,
}

impl GoObject for Certificate {
    fn type_name(&self) -> &'static str {
        "sprig.certificate"
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::str(self.cert.as_str())),
            "Key" => Some(Value::str(self.key.as_str())),
            "\0json" => Some(Value::str(format!(
                "{{\"Cert\":{},\"Key\":{}}}",
                super::yaml::to_json_string(&Value::str(self.cert.as_str()), super::yaml::JSON_COMPACT).ok()?,
                super::yaml::to_json_string(&Value::str(self.key.as_str()), super::yaml::JSON_COMPACT).ok()?
            ))),
            _ => None,
        }
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        self.field(name).filter(|_| args.is_empty()).map(Ok)
    }

    fn display(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }
}

fn cert_value(cert: String, key: String) -> Value {
    Value::Object(Rc::new(Certificate { cert, key }))
}

fn check_key_pem(text: &str) -> Result<(), String> {
    if !text.contains("-----BEGIN ") {
        return Err("parsing private key: no PEM data found".into());
    }
    Ok(())
}

fn ip_list(args: &[Value], i: usize) -> Result<(), String> {
    match args.get(i) {
        Some(Value::List(l)) => {
            for ip in l.iter() {
                match ip {
                    Value::Str(s) if s.parse::<std::net::IpAddr>().is_ok() => {}
                    Value::Str(s) => return Err(format!("error parsing ip: {s}")),
                    other => return Err(format!("error parsing ip: {}", super::common::go_string(other))),
                }
            }
            Ok(())
        }
        Some(Value::Nil) | None => Ok(()),
        Some(_) => Err(super::common::wrong_type(i, "[]interface {}")),
    }
}

fn new_cert(env: &mut FuncEnv, cn: &str, key: Option<String>, what: &str) -> Value {
    let key = key.unwrap_or_else(|| private_key_pem(env, "rsa").unwrap_or_default());
    let cert = pem("CERTIFICATE", &placeholder(env, &format!("{what} for CN={cn}")));
    cert_value(cert, key)
}

fn gen_ca(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("genCA", args, 2)?;
    let cn = str_arg(args, 0)?;
    int_arg(args, 1)?;
    Ok(new_cert(env, &cn, None, "CA certificate"))
}

fn gen_ca_with_key(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("genCAWithKey", args, 3)?;
    let cn = str_arg(args, 0)?;
    int_arg(args, 1)?;
    let key = str_arg(args, 2)?;
    check_key_pem(&key)?;
    Ok(new_cert(env, &cn, Some(key.to_string()), "CA certificate"))
}

fn gen_self_signed_cert(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("genSelfSignedCert", args, 4)?;
    let cn = str_arg(args, 0)?;
    ip_list(args, 1)?;
    int_arg(args, 3)?;
    Ok(new_cert(env, &cn, None, "self-signed certificate"))
}

fn gen_self_signed_cert_with_key(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("genSelfSignedCertWithKey", args, 5)?;
    let cn = str_arg(args, 0)?;
    ip_list(args, 1)?;
    int_arg(args, 3)?;
    let key = str_arg(args, 4)?;
    check_key_pem(&key)?;
    Ok(new_cert(env, &cn, Some(key.to_string()), "self-signed certificate"))
}

fn ca_param(args: &[Value], i: usize) -> Result<(), String> {
    match args.get(i) {
        Some(Value::Object(o)) if o.type_name() == "sprig.certificate" => {
            let cert = match o.field("Cert") {
                Some(Value::Str(s)) => s,
                _ => Rc::from(""),
            };
            if !cert.contains("-----BEGIN ") {
                return Err("unable to decode certificate".into());
            }
            Ok(())
        }
        _ => Err(super::common::wrong_type(i, "sprig.certificate")),
    }
}

fn gen_signed_cert(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("genSignedCert", args, 5)?;
    let cn = str_arg(args, 0)?;
    ip_list(args, 1)?;
    int_arg(args, 3)?;
    ca_param(args, 4)?;
    Ok(new_cert(env, &cn, None, "signed certificate"))
}

fn gen_signed_cert_with_key(env: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("genSignedCertWithKey", args, 6)?;
    let cn = str_arg(args, 0)?;
    ip_list(args, 1)?;
    int_arg(args, 3)?;
    ca_param(args, 4)?;
    let key = str_arg(args, 5)?;
    check_key_pem(&key)?;
    Ok(new_cert(env, &cn, Some(key.to_string()), "signed certificate"))
}

fn build_custom_cert(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("buildCustomCert", args, 2)?;
    let cert = base64_decode(&str_arg(args, 0)?).map_err(|_| "unable to decode base64 certificate".to_string())?;
    let key = base64_decode(&str_arg(args, 1)?).map_err(|_| "unable to decode base64 private key".to_string())?;
    let (cert, key) = (lossy(&cert), lossy(&key));
    if !cert.contains("-----BEGIN ") {
        return Err("unable to decode certificate".into());
    }
    if !key.contains("-----BEGIN ") {
        return Err("error parsing private key: no PEM data found".into());
    }
    Ok(cert_value(cert, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: Func, args: Vec<Value>) -> String {
        f(&mut FuncEnv::default(), &args).unwrap().as_str().unwrap_or_default().to_string()
    }
    fn st(v: &str) -> Value {
        Value::str(v)
    }

    #[test]
    fn hashes_match_sprig() {
        assert_eq!(s(sha1sum, vec![st("abc")]), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(s(sha256sum, vec![st("abc")]), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(&s(sha512sum, vec![st("abc")])[..16], "ddaf35a193617aba");
        assert_eq!(s(adler32sum, vec![st("abc")]), "38600999");
        assert_eq!(s(adler32sum, vec![st("")]), "1");
    }

    #[test]
    fn scrypt_rfc7914_vector() {
        let key = scrypt(b"password", b"NaCl", 1024, 8, 16, 64);
        assert_eq!(&hex(&key)[..32], "fdbabe1c9d3472007856e7190d01e9fe");
    }

    #[test]
    fn aes_round_trip() {
        let mut env = FuncEnv::default();
        let enc = encrypt_aes(&mut env, &[st("secretkey"), st("plaintext")]).unwrap();
        let dec = decrypt_aes(&mut env, &[st("secretkey"), enc]).unwrap();
        assert_eq!(dec.as_str(), Some("plaintext"));
    }

    #[test]
    fn placeholders_are_well_formed() {
        let mut env = FuncEnv::default();
        let k = gen_private_key(&mut env, &[st("ecdsa")]).unwrap();
        assert!(k.as_str().is_some_and(|t| t.starts_with("-----BEGIN EC PRIVATE KEY-----\n")));
        assert_eq!(s(gen_private_key, vec![st("x")]), "Unknown type x");
        let ca = gen_ca(&mut env, &[st("ca"), Value::int64(365)]).unwrap();
        let Value::Object(o) = &ca else { panic!("not an object") };
        assert!(matches!(o.field("Cert"), Some(Value::Str(c)) if c.starts_with("-----BEGIN CERTIFICATE-----")));
        let signed = gen_signed_cert(&mut env, &[st("x"), Value::Nil, Value::Nil, Value::int64(1), ca]).unwrap();
        assert!(matches!(signed, Value::Object(_)));
        let h = s(htpasswd, vec![st("user"), st("pw")]);
        assert!(h.starts_with("user:$2a$10$") && h.len() == "user:".len() + 60);
    }
}
