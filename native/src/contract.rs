//! The contract's accept-check, compiled from the same JSON Schema (draft 2020-12, as zod emits
//! it) that models/fastcheck.ts compiles, so the two cannot drift. Only "accept" is decided here:
//! a value this check does not accept goes back to the TypeScript validator, which rejects it
//! with its reason (or accepts it, for the few valid shapes this module leaves to it).
use regex::bytes::{Regex, RegexBuilder};
use serde_json::Value;

pub enum Kind {
    /// `fast`: a hand-written matcher of `pattern`, when the pattern is one of those zod emits for
    /// z.uuid() and z.iso.datetime({ offset: true }) (recognised by its exact text).
    /// (Then `pattern` is None: the regex is not compiled.)
    Str { min_len: Option<u64>, max_len: Option<u64>, pattern: Option<Regex>, fast: Option<Fast>, values: Option<Vec<Vec<u8>>> },
    Num { integer: bool, min: f64, max: f64, xmin: f64, xmax: f64 },
}

pub struct Prop {
    pub name: String,
    pub required: bool,
    pub nullable: bool,
    pub kind: Kind,
}

pub struct Contract {
    pub props: Vec<Prop>,
}

fn num(v: Option<&Value>, dflt: f64) -> Result<f64, String> {
    match v {
        None => Ok(dflt),
        Some(x) => x.as_f64().ok_or_else(|| format!("not a number: {x}")),
    }
}

fn compile_kind(node: &Value, where_: &str) -> Result<Kind, String> {
    let o = node.as_object().ok_or_else(|| format!("{where_}: not an object"))?;
    if let Some(e) = o.get("enum") {
        let list = e.as_array().ok_or_else(|| format!("{where_}: enum is not a list"))?;
        let mut values = Vec::new();
        for v in list {
            values.push(v.as_str().ok_or_else(|| format!("{where_}: only string enums are compiled"))?.as_bytes().to_vec());
        }
        return Ok(Kind::Str { min_len: None, max_len: None, pattern: None, fast: None, values: Some(values) });
    }
    match o.get("type").and_then(Value::as_str) {
        Some("string") => {
            let text = o.get("pattern").and_then(Value::as_str);
            let fast = text.and_then(Fast::of);
            let pattern = match text {
                // Byte-level, ASCII classes (\d is [0-9], as in a JavaScript RegExp without the u
                // flag). Patterns are only ever run on ASCII values (see check_str). A pattern with
                // a hand-written matcher needs no regex.
                Some(p) if fast.is_none() => Some(RegexBuilder::new(p).unicode(false).build().map_err(|e| format!("{where_}: pattern {p}: {e}"))?),
                _ => None,
            };
            Ok(Kind::Str { min_len: o.get("minLength").and_then(Value::as_u64), max_len: o.get("maxLength").and_then(Value::as_u64), pattern, fast, values: None })
        }
        Some(t @ ("number" | "integer")) => Ok(Kind::Num {
            integer: t == "integer",
            min: num(o.get("minimum"), f64::NEG_INFINITY)?,
            max: num(o.get("maximum"), f64::INFINITY)?,
            xmin: num(o.get("exclusiveMinimum"), f64::NEG_INFINITY)?,
            xmax: num(o.get("exclusiveMaximum"), f64::INFINITY)?,
        }),
        other => Err(format!("{where_}: type {other:?} is not compiled")),
    }
}

impl Contract {
    pub fn compile(schema: &Value) -> Result<Contract, String> {
        let props = schema.get("properties").and_then(Value::as_object).ok_or("the schema has no properties")?;
        let required: Vec<&str> = schema.get("required").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let mut out = Vec::new();
        for (name, node) in props {
            let where_ = format!("$.{name}");
            let (nullable, kind) = match node.get("anyOf").and_then(Value::as_array) {
                Some(alts) => {
                    let non_null: Vec<&Value> = alts.iter().filter(|a| a.get("type").and_then(Value::as_str) != Some("null")).collect();
                    if non_null.len() != 1 {
                        return Err(format!("{where_}: only anyOf [T, null] is compiled"));
                    }
                    (alts.len() == 2, compile_kind(non_null[0], &where_)?)
                }
                None => (false, compile_kind(node, &where_)?),
            };
            out.push(Prop { name: name.clone(), required: required.contains(&name.as_str()), nullable, kind });
        }
        // serde_json's map holds the properties by name; their order in the contract (the order
        // the validator reports the first failing one in) comes as x-property-order.
        if let Some(order) = schema.get("x-property-order").and_then(Value::as_array) {
            let order: Vec<&str> = order.iter().filter_map(Value::as_str).collect();
            if order.len() != out.len() || out.iter().any(|p| !order.contains(&p.name.as_str())) {
                return Err(format!("x-property-order {order:?} does not list the schema's properties"));
            }
            out.sort_by_key(|p| order.iter().position(|n| *n == p.name));
        }
        Ok(Contract { props: out })
    }
}

/// Length in UTF-16 code units (what JavaScript's String.length and zod's min/max count).
pub fn utf16_len(s: &[u8]) -> u64 {
    let mut n = 0u64;
    for &b in s {
        // Every code point starts with a non-continuation byte; 4-byte ones are 2 code units.
        if b & 0xC0 != 0x80 {
            n += if b >= 0xF0 { 2 } else { 1 };
        }
    }
    n
}

/// zod 4's z.uuid() pattern (RFC 9562 versions 1-8, variant 10xx, and the nil and max uuids).
pub const UUID_PATTERN: &str = "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$";
/// zod 4's z.iso.datetime({ offset: true }) pattern (leap days by the Gregorian rule, any number
/// of fraction digits, Z or ±HH:MM).
pub const DATE_TIME_PATTERN: &str = r"^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|([+-](?:[01]\d|2[0-3]):[0-5]\d)))$";

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Fast {
    Uuid,
    DateTime,
    DeviceId,
    Firmware,
}

/// models/telemetry.ts DEVICE_ID_PATTERN.
pub const DEVICE_ID_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$";
/// models/telemetry.ts FIRMWARE_PATTERN.
pub const FIRMWARE_PATTERN: &str = r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$";

impl Fast {
    /// The hand-written matcher of a pattern, if it has one.
    pub fn of(pattern: &str) -> Option<Fast> {
        match pattern {
            UUID_PATTERN => Some(Fast::Uuid),
            DATE_TIME_PATTERN => Some(Fast::DateTime),
            DEVICE_ID_PATTERN => Some(Fast::DeviceId),
            FIRMWARE_PATTERN => Some(Fast::Firmware),
            _ => None,
        }
    }

    /// Exactly what the pattern it stands for matches (a test compares both on generated input).
    pub fn matches(self, s: &[u8]) -> bool {
        match self {
            Fast::Uuid => is_uuid(s),
            Fast::DateTime => is_date_time(s).is_some(),
            Fast::DeviceId => is_device_id(s),
            Fast::Firmware => is_firmware(s),
        }
    }
}

/// `^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$` (ASCII classes: a non-ASCII byte fails, as a non-ASCII
/// character fails the JavaScript RegExp).
fn is_device_id(s: &[u8]) -> bool {
    match s.split_first() {
        Some((first, rest)) if s.len() <= 64 && first.is_ascii_alphanumeric() => rest.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b':' | b'-')),
        _ => false,
    }
}

/// `^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$` (`\d` is [0-9] in a RegExp without the u flag).
fn is_firmware(s: &[u8]) -> bool {
    let mut i = 0;
    for part in 0..3 {
        let start = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
        if part < 2 {
            if s.get(i) != Some(&b'.') {
                return false;
            }
            i += 1;
        }
    }
    match s.get(i) {
        None => true,
        Some(b'-' | b'+') => i + 1 < s.len() && s[i + 1..].iter().all(|&c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-'),
        _ => false,
    }
}

fn is_uuid(s: &[u8]) -> bool {
    if s.len() != 36 {
        return false;
    }
    for (i, &c) in s.iter().enumerate() {
        let ok = if matches!(i, 8 | 13 | 18 | 23) { c == b'-' } else { c.is_ascii_hexdigit() };
        if !ok {
            return false;
        }
    }
    (matches!(s[14], b'1'..=b'8') && matches!(s[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B'))
        || s == b"00000000-0000-0000-0000-000000000000"
        || s == b"ffffffff-ffff-ffff-ffff-ffffffffffff"
}

/// Two ASCII digits at `i` as a number, or None.
#[inline]
fn two(s: &[u8], i: usize) -> Option<u32> {
    let (a, b) = (*s.get(i)?, *s.get(i + 1)?);
    (a.is_ascii_digit() && b.is_ascii_digit()).then(|| (a - b'0') as u32 * 10 + (b - b'0') as u32)
}

fn is_date_time(s: &[u8]) -> Option<()> {
    // YYYY-MM-DD; February 29 in Gregorian leap years only (the pattern's alternation).
    let (cc, yy) = (two(s, 0)?, two(s, 2)?);
    if s.get(4)? != &b'-' || s.get(7)? != &b'-' {
        return None;
    }
    let (month, day) = (two(s, 5)?, two(s, 8)?);
    let leap = if yy == 0 { cc % 4 == 0 } else { yy % 4 == 0 };
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > days {
        return None;
    }
    // THH:MM:SS, then an optional fraction of one digit or more.
    if s.get(10)? != &b'T' || s.get(13)? != &b':' || s.get(16)? != &b':' {
        return None;
    }
    if two(s, 11)? > 23 || two(s, 14)? > 59 || two(s, 17)? > 59 {
        return None;
    }
    let mut i = 19;
    if s.get(i) == Some(&b'.') {
        i += 1;
        let digits = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        i += digits;
    }
    // Z or ±HH:MM, and nothing after.
    match *s.get(i)? {
        b'Z' => (i + 1 == s.len()).then_some(()),
        b'+' | b'-' => (i + 6 == s.len() && two(s, i + 1)? <= 23 && s[i + 3] == b':' && two(s, i + 4)? <= 59).then_some(()),
        _ => None,
    }
}

pub fn check_str(kind: &Kind, s: &[u8]) -> bool {
    match kind {
        Kind::Str { min_len, max_len, pattern, fast, values } => {
            if let Some(vs) = values {
                return vs.iter().any(|v| crate::json::eq_short(v, s));
            }
            if min_len.is_some() || max_len.is_some() {
                let n = utf16_len(s);
                if min_len.is_some_and(|m| n < m) || max_len.is_some_and(|m| n > m) {
                    return false;
                }
            }
            if let Some(f) = fast {
                return f.matches(s);
            }
            match pattern {
                None => true,
                // A JavaScript RegExp and this byte regex agree on ASCII input; anything else is
                // left to the TypeScript check.
                Some(re) => s.is_ascii() && re.is_match(s),
            }
        }
        Kind::Num { .. } => false,
    }
}

pub const MAX_SAFE_INTEGER: f64 = 9007199254740991.0;

pub fn check_num(kind: &Kind, v: f64) -> bool {
    match kind {
        Kind::Num { integer, min, max, xmin, xmax } => {
            v.is_finite() && (!integer || (v.fract() == 0.0 && v.abs() <= MAX_SAFE_INTEGER)) && v >= *min && v <= *max && v > *xmin && v < *xmax
        }
        Kind::Str { .. } => false,
    }
}
