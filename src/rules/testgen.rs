//! Test-time secret generators for the pack examples (gitleaks' trick): true-positive examples
//! say `ghp_{alnum:36}` and get a fresh random token from a seeded generator, so that no
//! live-looking credential is ever committed. `«` and `»` mark where the expected secret sits.

/// splitmix64: tiny, seedable, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| char::from(alphabet[(self.next_u64() % alphabet.len() as u64) as usize])).collect()
    }
}

/// A stable seed for a label (FNV-1a), so that a failing example reproduces.
pub fn seed_of(label: &str) -> u64 {
    label.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGIT: &[u8] = b"0123456789";

fn alphabet(class: &str) -> Option<Vec<u8>> {
    let cat = |parts: &[&[u8]]| parts.concat();
    Some(match class {
        "alnum" => cat(&[UPPER, LOWER, DIGIT]),
        "upper" => UPPER.to_vec(),
        "lower" => LOWER.to_vec(),
        "alpha" => cat(&[UPPER, LOWER]),
        "digit" => DIGIT.to_vec(),
        "hex" => b"0123456789abcdef".to_vec(),
        "upper_hex" => b"0123456789ABCDEF".to_vec(),
        "upper_digit" => cat(&[UPPER, DIGIT]),
        "lower_digit" => cat(&[LOWER, DIGIT]),
        "b32" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".to_vec(),
        "base64" => cat(&[UPPER, LOWER, DIGIT, b"+/"]),
        "base64url" => cat(&[UPPER, LOWER, DIGIT, b"-_"]),
        "word" => cat(&[UPPER, LOWER, DIGIT, b"_"]),
        "bech32_upper" => b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L".to_vec(),
        "password" => cat(&[UPPER, LOWER, DIGIT, b"+-=^_"]),
        _ => return None,
    })
}

fn b64url(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn b64std(bytes: &[u8]) -> String {
    let mut s = b64url(bytes).replace('-', "+").replace('_', "/");
    while !s.len().is_multiple_of(4) {
        s.push('=');
    }
    s
}

/// One generator: `{class:n}`, `{jwt}`, `{basic_auth}`, `{pem_body:n}` (n base64 lines of 64).
fn generate(spec: &str, rng: &mut Rng) -> Option<String> {
    match spec {
        "jwt" => {
            let header = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
            let payload = b64url(
                format!(r#"{{"sub":"{}","iat":{}}}"#, rng.pick(LOWER, 12), rng.next_u64() % 2_000_000_000).as_bytes(),
            );
            let sig = rng.pick(&alphabet("base64url")?, 43);
            Some(format!("{header}.{payload}.{sig}"))
        }
        "basic_auth" => {
            let user = rng.pick(LOWER, 8);
            let pass = rng.pick(&alphabet("alnum")?, 20);
            Some(b64std(format!("{user}:{pass}").as_bytes()))
        }
        _ => {
            let (class, n) = spec.split_once(':')?;
            let n: usize = n.parse().ok()?;
            if class == "pem_body" {
                let a = alphabet("base64")?;
                return Some((0..n).map(|_| rng.pick(&a, 64)).collect::<Vec<_>>().join("\n"));
            }
            Some(rng.pick(&alphabet(class)?, n))
        }
    }
}

/// Expands every generator in `example` and strips the `«»` markers; returns the text and the
/// byte range of the marked secret.
pub fn expand(example: &str, rng: &mut Rng) -> (String, Option<std::ops::Range<usize>>) {
    let mut out = String::with_capacity(example.len() * 2);
    let (mut start, mut end) = (None, None);
    let mut rest = example;
    while let Some(c) = rest.chars().next() {
        if c == '«' {
            start = Some(out.len());
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '»' {
            end = Some(out.len());
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '{'
            && let Some(close) = rest.find('}')
            && let Some(value) = generate(&rest[1..close], rng)
        {
            out.push_str(&value);
            rest = &rest[close + 1..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    let range = match (start, end) {
        (Some(s), Some(e)) => Some(s..e),
        _ => None,
    };
    (out, range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_generators_and_markers() {
        let mut rng = Rng::new(1);
        let (text, range) = expand("token: «ghp_{alnum:36}» {{ .Values.x }}", &mut rng);
        let range = range.unwrap();
        assert_eq!(range.len(), 40);
        assert!(text[range].starts_with("ghp_"));
        assert!(text.ends_with("{{ .Values.x }}"));
        let (jwt, _) = expand("{jwt}", &mut rng);
        assert!(crate::rules::pack::base64_decode(jwt.split('.').next().unwrap()).is_some());
    }
}
