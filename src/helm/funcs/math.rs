//! sprig's arithmetic: integer functions convert with spf13/cast and compute in int64 (floats
//! truncate), the `…f` functions go through shopspring/decimal, which we emulate with an
//! exact decimal (`i128` mantissa, base-10 exponent).

use super::super::value::Value;
use super::common::{arity, arity_min, format_float_g, go_string, int_arg, str_arg, to_float64, to_int64};
use super::{Func, FuncEnv};

pub(super) fn register(out: &mut Vec<(&'static str, Func)>) {
    out.extend([
        ("add1", add1 as Func),
        ("add", add),
        ("sub", sub),
        ("div", div),
        ("mod", modulo),
        ("mul", mul),
        ("add1f", add1f),
        ("addf", addf),
        ("subf", subf),
        ("divf", divf),
        ("mulf", mulf),
        ("biggest", max),
        ("max", max),
        ("min", min),
        ("maxf", maxf),
        ("minf", minf),
        ("ceil", ceil),
        ("floor", floor),
        ("round", round),
        ("atoi", atoi),
        ("int64", int64),
        ("int", int),
        ("float64", float64),
        ("toDecimal", to_decimal),
    ]);
}

const DIVIDE_BY_ZERO: &str = "runtime error: integer divide by zero";

fn add1(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("add1", args, 1)?;
    Ok(Value::int64(to_int64(&args[0]).wrapping_add(1)))
}

fn add(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    Ok(Value::int64(args.iter().fold(0i64, |a, b| a.wrapping_add(to_int64(b)))))
}

fn sub(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("sub", args, 2)?;
    Ok(Value::int64(to_int64(&args[0]).wrapping_sub(to_int64(&args[1]))))
}

fn div(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("div", args, 2)?;
    let b = to_int64(&args[1]);
    if b == 0 {
        return Err(DIVIDE_BY_ZERO.into());
    }
    Ok(Value::int64(to_int64(&args[0]).wrapping_div(b)))
}

fn modulo(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("mod", args, 2)?;
    let b = to_int64(&args[1]);
    if b == 0 {
        return Err(DIVIDE_BY_ZERO.into());
    }
    Ok(Value::int64(to_int64(&args[0]).wrapping_rem(b)))
}

fn mul(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity_min("mul", args, 1)?;
    Ok(Value::int64(args[1..].iter().fold(to_int64(&args[0]), |a, b| a.wrapping_mul(to_int64(b)))))
}

fn max(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity_min("max", args, 1)?;
    Ok(Value::int64(args.iter().map(to_int64).fold(to_int64(&args[0]), i64::max)))
}

fn min(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity_min("min", args, 1)?;
    Ok(Value::int64(args.iter().map(to_int64).fold(to_int64(&args[0]), i64::min)))
}

/// Go's `math.Max`: NaN wins, +0 beats -0.
fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() { b } else { a }
    } else if a > b {
        a
    } else {
        b
    }
}

fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() { a } else { b }
    } else if a < b {
        a
    } else {
        b
    }
}

fn maxf(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity_min("maxf", args, 1)?;
    Ok(Value::Float(args[1..].iter().map(to_float64).fold(to_float64(&args[0]), go_max)))
}

fn minf(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity_min("minf", args, 1)?;
    Ok(Value::Float(args[1..].iter().map(to_float64).fold(to_float64(&args[0]), go_min)))
}

fn ceil(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("ceil", args, 1)?;
    Ok(Value::Float(to_float64(&args[0]).ceil()))
}

fn floor(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("floor", args, 1)?;
    Ok(Value::Float(to_float64(&args[0]).floor()))
}

/// A Go `float64` parameter: number constants of either kind convert.
fn float_param(args: &[Value], i: usize) -> Result<f64, String> {
    match args.get(i) {
        Some(Value::Float(f)) => Ok(*f),
        Some(Value::Int(n, _)) => Ok(*n as f64),
        _ => Err(super::common::wrong_type(i, "float64")),
    }
}

fn round(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity_min("round", args, 2)?;
    let val = to_float64(&args[0]);
    let places = int_arg(args, 1)? as f64;
    let round_on = if args.len() > 2 { float_param(args, 2)? } else { 0.5 };
    for i in 3..args.len() {
        float_param(args, i)?;
    }
    let pow = 10f64.powf(places);
    let digit = pow * val;
    let frac = digit - digit.trunc();
    let r = if frac >= round_on { digit.ceil() } else { digit.floor() };
    Ok(Value::Float(r / pow))
}

fn atoi(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("atoi", args, 1)?;
    let s = str_arg(args, 0)?;
    // strconv.Atoi: base 10 only, optional sign, no underscores.
    let digits = s.strip_prefix(['+', '-']).unwrap_or(&s);
    let ok = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    Ok(Value::int(if ok { s.parse::<i64>().unwrap_or(0) } else { 0 }))
}

fn int64(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("int64", args, 1)?;
    Ok(Value::int64(to_int64(&args[0])))
}

fn int(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("int", args, 1)?;
    Ok(Value::int(to_int64(&args[0])))
}

fn float64(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("float64", args, 1)?;
    Ok(Value::Float(to_float64(&args[0])))
}

fn to_decimal(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("toDecimal", args, 1)?;
    let text = go_string(&args[0]);
    let digits = text.strip_prefix(['+', '-']).unwrap_or(&text);
    let ok = !digits.is_empty() && digits.bytes().all(|b| (b'0'..=b'7').contains(&b));
    Ok(Value::int64(if ok { i64::from_str_radix(&text, 8).unwrap_or(0) } else { 0 }))
}

// --- decimal ----------------------------------------------------------------------------------

/// `mantissa × 10^exp`, exact.
#[derive(Clone, Copy, Debug)]
struct Decimal {
    mantissa: i128,
    exp: i32,
}

/// shopspring's `DivisionPrecision`.
const DIVISION_PRECISION: i32 = 16;

impl Decimal {
    /// `decimal.NewFromFloat`: the shortest decimal that round-trips to `f`.
    fn from_f64(f: f64) -> Option<Decimal> {
        if !f.is_finite() {
            return None;
        }
        if f == 0.0 {
            return Some(Decimal { mantissa: 0, exp: 0 });
        }
        let s = format!("{:e}", f);
        let (mant, exp) = s.split_once('e')?;
        let exp: i32 = exp.parse().ok()?;
        let neg = mant.starts_with('-');
        let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
        let frac_len = digits.len() as i32 - 1;
        let m: i128 = digits.parse().ok()?;
        Some(Decimal { mantissa: if neg { -m } else { m }, exp: exp - frac_len })
    }

    fn to_f64(self) -> f64 {
        format!("{}e{}", self.mantissa, self.exp).parse().unwrap_or(f64::NAN)
    }

    /// Both values with the same exponent, if that fits.
    fn align(a: Decimal, b: Decimal) -> Option<(i128, i128, i32)> {
        let exp = a.exp.min(b.exp);
        let scale = |d: Decimal| -> Option<i128> {
            let shift = u32::try_from(d.exp - exp).ok()?;
            d.mantissa.checked_mul(10i128.checked_pow(shift)?)
        };
        Some((scale(a)?, scale(b)?, exp))
    }

    fn add(self, o: Decimal) -> Option<Decimal> {
        let (a, b, exp) = Decimal::align(self, o)?;
        Some(Decimal { mantissa: a.checked_add(b)?, exp })
    }

    fn sub(self, o: Decimal) -> Option<Decimal> {
        let (a, b, exp) = Decimal::align(self, o)?;
        Some(Decimal { mantissa: a.checked_sub(b)?, exp })
    }

    fn mul(self, o: Decimal) -> Option<Decimal> {
        Some(Decimal { mantissa: self.mantissa.checked_mul(o.mantissa)?, exp: self.exp.checked_add(o.exp)? })
    }

    /// `DivRound(o, 16)`: rounded half away from zero to 16 decimal places.
    fn div(self, o: Decimal) -> Option<Decimal> {
        // q = self/o × 10^16 = (ma × 10^(ea - eb + 16)) / mb
        let k = self.exp - o.exp + DIVISION_PRECISION;
        let (mut num, mut den) = (self.mantissa, o.mantissa);
        if k >= 0 {
            num = num.checked_mul(10i128.checked_pow(k as u32)?)?;
        } else {
            den = den.checked_mul(10i128.checked_pow(k.unsigned_abs())?)?;
        }
        let q = num / den;
        let r = num % den;
        let q =
            if r.unsigned_abs().checked_mul(2)? >= den.unsigned_abs() { q + (num.signum() * den.signum()) } else { q };
        Some(Decimal { mantissa: q, exp: -DIVISION_PRECISION })
    }
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// sprig's `execDecimalOp`.
fn decimal_op(first: &Value, rest: &[Value], op: Op) -> Result<Value, String> {
    let to_dec = |v: &Value| {
        let f = to_float64(v);
        Decimal::from_f64(f).ok_or_else(|| format!("Cannot create a Decimal from {}", format_float_g(f)))
    };
    let mut acc = to_dec(first)?;
    let mut approx = to_float64(first);
    let mut exact = true;
    for v in rest {
        let d = to_dec(v)?;
        let f = to_float64(v);
        if matches!(op, Op::Div) && d.mantissa == 0 {
            return Err("decimal division by zero".into());
        }
        approx = match op {
            Op::Add => approx + f,
            Op::Sub => approx - f,
            Op::Mul => approx * f,
            Op::Div => approx / f,
        };
        if exact {
            let next = match op {
                Op::Add => acc.add(d),
                Op::Sub => acc.sub(d),
                Op::Mul => acc.mul(d),
                Op::Div => acc.div(d),
            };
            match next {
                Some(n) => acc = n,
                // Beyond i128 we fall back to binary floating point; only astronomically
                // large or small operands get here.
                None => exact = false,
            }
        }
    }
    Ok(Value::Float(if exact { acc.to_f64() } else { approx }))
}

fn add1f(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity("add1f", args, 1)?;
    decimal_op(&args[0], &[Value::int64(1)], Op::Add)
}

fn addf(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    decimal_op(&Value::Float(0.0), args, Op::Add)
}

fn subf(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity_min("subf", args, 1)?;
    decimal_op(&args[0], &args[1..], Op::Sub)
}

fn divf(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity_min("divf", args, 1)?;
    decimal_op(&args[0], &args[1..], Op::Div)
}

fn mulf(_: &mut FuncEnv, args: &[Value]) -> Result<Value, String> {
    arity_min("mulf", args, 1)?;
    decimal_op(&args[0], &args[1..], Op::Mul)
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::common::call_go_string as call;
    fn i(n: i64) -> Value {
        Value::int64(n)
    }
    fn fl(n: f64) -> Value {
        Value::Float(n)
    }
    fn st(v: &str) -> Value {
        Value::str(v)
    }

    #[test]
    fn integer_math() {
        assert_eq!(call(add, vec![i(1), fl(2.9), st("3")]).unwrap(), "6");
        assert_eq!(call(add1, vec![fl(1.5)]).unwrap(), "2");
        assert_eq!(call(sub, vec![i(1), i(3)]).unwrap(), "-2");
        assert_eq!(call(div, vec![i(7), i(2)]).unwrap(), "3");
        assert_eq!(call(div, vec![i(-7), i(2)]).unwrap(), "-3");
        assert_eq!(call(div, vec![i(7), i(0)]).unwrap_err(), DIVIDE_BY_ZERO);
        assert_eq!(call(modulo, vec![i(-7), i(3)]).unwrap(), "-1");
        assert_eq!(call(mul, vec![i(2), st("3"), fl(4.5)]).unwrap(), "24");
        assert_eq!(call(max, vec![i(1), fl(9.9), i(3)]).unwrap(), "9");
        assert_eq!(call(min, vec![i(1), i(-2)]).unwrap(), "-2");
        assert_eq!(call(atoi, vec![st("42")]).unwrap(), "42");
        assert_eq!(call(atoi, vec![st("4x")]).unwrap(), "0");
        assert_eq!(call(int, vec![st("0x1f")]).unwrap(), "31");
        assert_eq!(call(int64, vec![fl(1e8)]).unwrap(), "100000000");
        assert_eq!(call(float64, vec![st("1.5")]).unwrap(), "1.5");
        assert_eq!(call(to_decimal, vec![st("0777")]).unwrap(), "511");
        assert_eq!(call(to_decimal, vec![i(644)]).unwrap(), "420");
        assert_eq!(call(to_decimal, vec![st("8")]).unwrap(), "0");
    }

    #[test]
    fn float_math() {
        assert_eq!(call(addf, vec![fl(0.1), fl(0.2)]).unwrap(), "0.3");
        assert_eq!(call(addf, vec![i(1), fl(2.5), st("3")]).unwrap(), "6.5");
        assert_eq!(call(add1f, vec![fl(1.5)]).unwrap(), "2.5");
        assert_eq!(call(subf, vec![fl(1.1), fl(0.2)]).unwrap(), "0.9");
        assert_eq!(call(mulf, vec![fl(1.1), i(3)]).unwrap(), "3.3");
        assert_eq!(call(divf, vec![i(1), i(3)]).unwrap(), "0.3333333333333333");
        assert_eq!(call(divf, vec![i(2), i(3)]).unwrap(), "0.6666666666666667");
        assert_eq!(call(divf, vec![i(1), i(0)]).unwrap_err(), "decimal division by zero");
        assert_eq!(call(maxf, vec![i(1), fl(2.5), i(2)]).unwrap(), "2.5");
        assert_eq!(call(minf, vec![i(1), fl(-2.5)]).unwrap(), "-2.5");
        assert_eq!(call(ceil, vec![fl(1.2)]).unwrap(), "2");
        assert_eq!(call(floor, vec![st("1.8")]).unwrap(), "1");
        assert_eq!(call(round, vec![fl(123.5555), i(3)]).unwrap(), "123.556");
        assert_eq!(call(round, vec![fl(123.5555), i(3), fl(0.6)]).unwrap(), "123.555");
        assert_eq!(call(round, vec![fl(-1.5), i(0)]).unwrap(), "-2");
    }
}
