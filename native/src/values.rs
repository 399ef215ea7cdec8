//! Values of a RAW row computed from a message: event ids as 128 bits, ISO 8601 timestamps as
//! microseconds (as models/tables.ts isoToMicros computes them).


pub(crate) const HOUR_MICROS: i64 = 3_600_000_000;

/// A lowercase canonical uuid (8-4-4-4-12 hex digits) as its 128 bits; None for any other id.
/// Lowercase only, so that two different ids never give the same bits.
#[inline]
pub(crate) fn uuid128(id: &[u8]) -> Option<u128> {
    if id.len() != 36 {
        return None;
    }
    let mut bits: u128 = 0;
    for (i, &c) in id.iter().enumerate() {
        // The layout contract::is_uuid checks, with lowercase digits only.
        let v = match c {
            b'-' if matches!(i, 8 | 13 | 18 | 23) => continue,
            _ if matches!(i, 8 | 13 | 18 | 23) => return None,
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        bits = (bits << 4) | v as u128;
    }
    Some(bits)
}

pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// Microseconds since the epoch of `YYYY-MM-DDTHH:MM:SS[.f+](Z|±HH:MM)` (a value the contract's
/// date-time pattern accepted): Date.parse's milliseconds plus fraction digits 4 to 6, as
/// models/tables.ts isoToMicros computes them (further digits truncated).
pub(crate) fn iso_micros(s: &[u8]) -> Option<i64> {
    let dig = |i: usize, n: usize| -> Option<i64> {
        let mut v = 0i64;
        for k in i..i + n {
            let c = *s.get(k)?;
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + (c - b'0') as i64;
        }
        Some(v)
    };
    if s.len() < 20 || s[4] != b'-' || s[7] != b'-' || s[10] != b'T' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    let (y, mo, d, h, mi, se) = (dig(0, 4)?, dig(5, 2)?, dig(8, 2)?, dig(11, 2)?, dig(14, 2)?, dig(17, 2)?);
    let mut i = 19;
    let mut frac = 0i64;
    if s.get(i) == Some(&b'.') {
        i += 1;
        let mut n = 0;
        while let Some(c) = s.get(i).copied().filter(u8::is_ascii_digit) {
            if n < 6 {
                frac = frac * 10 + (c - b'0') as i64;
            }
            n += 1;
            i += 1;
        }
        if n == 0 {
            return None;
        }
        for _ in n.min(6)..6 {
            frac *= 10;
        }
    }
    let offset_s = match s.get(i)? {
        b'Z' if i + 1 == s.len() => 0,
        c @ (b'+' | b'-') if i + 6 == s.len() && s[i + 3] == b':' => {
            let v = dig(i + 1, 2)? * 3600 + dig(i + 4, 2)? * 60;
            if *c == b'-' { -v } else { v }
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset_s;
    Some(secs * 1_000_000 + frac)
}
