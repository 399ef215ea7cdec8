//! The contract's accept-check, compiled from the same JSON Schema (draft 2020-12, as zod emits
//! it) that models/fastcheck.ts compiles, so the two cannot drift. Only "accept" is decided here:
//! a value this check does not accept goes back to the TypeScript validator, which rejects it
//! with its reason (or accepts it, for the few valid shapes this module leaves to it).
use regex::bytes::{Regex, RegexBuilder};
use serde_json::Value;

pub enum Kind {
    Str { min_len: Option<u64>, max_len: Option<u64>, pattern: Option<Regex>, values: Option<Vec<Vec<u8>>> },
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
        return Ok(Kind::Str { min_len: None, max_len: None, pattern: None, values: Some(values) });
    }
    match o.get("type").and_then(Value::as_str) {
        Some("string") => {
            let pattern = match o.get("pattern").and_then(Value::as_str) {
                None => None,
                // Byte-level, ASCII classes (\d is [0-9], as in a JavaScript RegExp without the u
                // flag). Patterns are only ever run on ASCII values (see check_str).
                Some(p) => Some(RegexBuilder::new(p).unicode(false).build().map_err(|e| format!("{where_}: pattern {p}: {e}"))?),
            };
            Ok(Kind::Str { min_len: o.get("minLength").and_then(Value::as_u64), max_len: o.get("maxLength").and_then(Value::as_u64), pattern, values: None })
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

pub fn check_str(kind: &Kind, s: &[u8]) -> bool {
    match kind {
        Kind::Str { min_len, max_len, pattern, values } => {
            if let Some(vs) = values {
                return vs.iter().any(|v| crate::json::eq_short(v, s));
            }
            if min_len.is_some() || max_len.is_some() {
                let n = utf16_len(s);
                if min_len.is_some_and(|m| n < m) || max_len.is_some_and(|m| n > m) {
                    return false;
                }
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
