//! A strict JSON reader for one telemetry message: the top-level object's known properties are
//! read into slots (strings as byte ranges, numbers as f64), every other value is checked for
//! syntax and skipped. It accepts exactly what JSON.parse accepts or gives up: any input it
//! does not read (not an object, nesting deeper than MAX_DEPTH, a lone surrogate escape in
//! strict mode) is `None`, and the TypeScript path decides that message.

pub const MAX_DEPTH: u32 = 64;

/// Byte equality of short slices (keys, enum values) without a memcmp call.
#[inline(always)]
pub fn eq_short(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i + 8 <= a.len() {
        if u64::from_le_bytes(a[i..i + 8].try_into().unwrap()) != u64::from_le_bytes(b[i..i + 8].try_into().unwrap()) {
            return false;
        }
        i += 8;
    }
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Slot {
    Missing,
    Null,
    Num(f64),
    /// A string without escapes: its bytes in the message.
    Str(u32, u32),
    /// A string with escapes, unescaped into the scratch buffer.
    Esc(u32, u32),
    /// A boolean, object or array: never valid for a contract field here.
    Other,
}

pub struct Reader<'a> {
    b: &'a [u8],
    i: usize,
    /// Lone surrogate escapes become U+FFFD (what TextEncoder writes for them) instead of a
    /// refusal: for values the TypeScript validator already accepted (JSON.stringify output).
    pub lenient_surrogates: bool,
    /// Set when a read failed on input JSON.parse may accept (nesting deeper than MAX_DEPTH, a
    /// lone surrogate escape), not on a syntax error.
    pub gave_up: bool,
}

#[inline]
fn hex(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some((c - b'0') as u32),
        b'a'..=b'f' => Some((c - b'a' + 10) as u32),
        b'A'..=b'F' => Some((c - b'A' + 10) as u32),
        _ => None,
    }
}

fn push_utf8(out: &mut Vec<u8>, cp: u32) {
    let mut buf = [0u8; 4];
    let s = char::from_u32(cp).unwrap_or('\u{FFFD}').encode_utf8(&mut buf);
    out.extend_from_slice(s.as_bytes());
}

impl<'a> Reader<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        Reader { b, i: 0, lenient_surrogates: false, gave_up: false }
    }

    #[inline]
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// After the opening quote: the string's end (after the closing quote), and whether it has
    /// escapes. The input is valid UTF-8 already; control characters must be escaped.
    #[inline]
    fn scan_string(&mut self) -> Option<(usize, usize, bool)> {
        let start = self.i;
        let mut escaped = false;
        let b = self.b;
        let mut i = self.i;
        // Eight bytes at a time while none can be a quote, a backslash or a control character.
        const LO: u64 = 0x0101_0101_0101_0101;
        const HI: u64 = 0x8080_8080_8080_8080;
        while i + 8 <= b.len() {
            let w = u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
            let quote = w ^ (LO * 0x22);
            let slash = w ^ (LO * 0x5C);
            let maybe = (quote.wrapping_sub(LO) & !quote) | (slash.wrapping_sub(LO) & !slash) | (w.wrapping_sub(LO * 0x20) & !w);
            if maybe & HI != 0 {
                break;
            }
            i += 8;
        }
        loop {
            let c = *b.get(i)?;
            if c == b'"' {
                self.i = i + 1;
                return Some((start, i, escaped));
            }
            if c < 0x20 {
                return None;
            }
            if c == b'\\' {
                escaped = true;
                let e = *b.get(i + 1)?;
                match e {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' => {
                        for k in 2..6 {
                            hex(*b.get(i + k)?)?;
                        }
                        i += 6;
                    }
                    _ => return None,
                }
            } else {
                i += 1;
            }
        }
    }

    /// Unescapes b[start..end) (a scanned string body) onto `out`.
    fn unescape(&mut self, start: usize, end: usize, out: &mut Vec<u8>) -> Option<()> {
        let b = self.b;
        let mut i = start;
        while i < end {
            let c = b[i];
            if c != b'\\' {
                let j = b[i..end].iter().position(|&x| x == b'\\').map_or(end, |p| i + p);
                out.extend_from_slice(&b[i..j]);
                i = j;
                continue;
            }
            let e = b[i + 1];
            i += 2;
            let simple = match e {
                b'"' => b'"',
                b'\\' => b'\\',
                b'/' => b'/',
                b'b' => 8,
                b'f' => 12,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                _ => 0,
            };
            if e != b'u' {
                out.push(simple);
                continue;
            }
            let u = |k: usize| -> u32 { (hex(b[k]).unwrap() << 12) | (hex(b[k + 1]).unwrap() << 8) | (hex(b[k + 2]).unwrap() << 4) | hex(b[k + 3]).unwrap() };
            let hi = u(i);
            i += 4;
            if (0xD800..0xDC00).contains(&hi) {
                // A high surrogate: a pair only when a low surrogate escape follows at once.
                if i + 6 <= end && b[i] == b'\\' && b[i + 1] == b'u' {
                    let lo = u(i + 2);
                    if (0xDC00..0xE000).contains(&lo) {
                        i += 6;
                        push_utf8(out, 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
                        continue;
                    }
                }
                if !self.lenient_surrogates {
                    self.gave_up = true;
                    return None;
                }
                push_utf8(out, 0xFFFD);
            } else if (0xDC00..0xE000).contains(&hi) {
                if !self.lenient_surrogates {
                    self.gave_up = true;
                    return None;
                }
                push_utf8(out, 0xFFFD);
            } else {
                push_utf8(out, hi);
            }
        }
        Some(())
    }

    /// A JSON number (strict grammar) as f64; Rust's parse rounds correctly, as JSON.parse does.
    #[inline]
    fn number(&mut self) -> Option<f64> {
        let b = self.b;
        let start = self.i;
        let mut i = self.i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while matches!(b.get(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
            }
            _ => return None,
        }
        let mut simple = true;
        let mut frac_at = 0;
        if b.get(i) == Some(&b'.') {
            i += 1;
            frac_at = i;
            if !matches!(b.get(i), Some(b'0'..=b'9')) {
                return None;
            }
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
            simple = false;
        }
        let no_exponent = !matches!(b.get(i), Some(b'e' | b'E'));
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !matches!(b.get(i), Some(b'0'..=b'9')) {
                return None;
            }
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
            simple = false;
        }
        self.i = i;
        let text = &b[start..i];
        if !simple && no_exponent && text.len() <= 16 {
            // At most 15 digits and a point: the digits as an integer m < 2^53 and the fraction
            // length k <= 15, both exact in an f64, so m / 10^k is one correctly rounded
            // division: the value JSON.parse gives (Clinger's fast path).
            const POW10: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
            let (neg, digits) = if text[0] == b'-' { (true, &text[1..]) } else { (false, text) };
            if digits.len() <= 16 {
                let mut m: u64 = 0;
                for &d in digits {
                    if d != b'.' {
                        m = m * 10 + (d - b'0') as u64;
                    }
                }
                let f = m as f64 / POW10[i - frac_at];
                return Some(if neg { -f } else { f });
            }
        }
        if simple && text.len() <= 15 {
            // An integer of at most 15 digits is exact in an f64.
            let (neg, digits) = if text[0] == b'-' { (true, &text[1..]) } else { (false, text) };
            let mut v: i64 = 0;
            for &d in digits {
                v = v * 10 + (d - b'0') as i64;
            }
            let f = v as f64;
            return Some(if neg { -f } else { f });
        }
        // SAFETY: the bytes are ASCII digits, signs, '.', 'e' (checked above).
        unsafe { std::str::from_utf8_unchecked(text) }.parse::<f64>().ok()
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + word.len())? == word {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    /// After an object member or array item: a comma (false, at the next item) or `close`
    /// (true, after it); anything else is malformed (None).
    #[inline]
    fn next_or_close(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let c = self.peek()?;
        self.i += 1;
        if c == b',' {
            self.ws();
            Some(false)
        } else if c == close {
            Some(true)
        } else {
            None
        }
    }

    /// Checks and skips one value of any kind.
    fn skip(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                // Escapes were checked by the scan; a lone surrogate is valid JSON.
                self.scan_string().map(|_| ())
            }
            b'{' => {
                if depth >= MAX_DEPTH {
                    self.gave_up = true;
                    return None;
                }
                self.i += 1;
                self.ws();
                if self.peek()? == b'}' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    if self.peek()? != b'"' {
                        return None;
                    }
                    self.i += 1;
                    self.scan_string()?;
                    self.ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.i += 1;
                    self.ws();
                    self.skip(depth + 1)?;
                    if self.next_or_close(b'}')? {
                        return Some(());
                    }
                }
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    self.gave_up = true;
                    return None;
                }
                self.i += 1;
                self.ws();
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.skip(depth + 1)?;
                    if self.next_or_close(b']')? {
                        return Some(());
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(|_| ()),
        }
    }

    /// Reads a whole message: a top-level object whose properties named in `keys` go to `slots`
    /// (a repeated key keeps its last value, as JSON.parse does). Escaped strings are unescaped
    /// onto `scratch`. None: not read here (malformed, or a shape left to TypeScript).
    /// `order`: the key index met at each position of the previous message (producers write their
    /// keys in one order), tried first.
    pub fn read_object(&mut self, keys: &[Vec<u8>], slots: &mut [Slot], scratch: &mut Vec<u8>, order: &mut Vec<u16>) -> Option<()> {
        for s in slots.iter_mut() {
            *s = Slot::Missing;
        }
        self.ws();
        if self.peek()? != b'{' {
            return None;
        }
        self.i += 1;
        self.ws();
        let mut nth = 0usize;
        if self.peek()? == b'}' {
            self.i += 1;
        } else {
            let mut key_buf: Vec<u8> = Vec::new();
            loop {
                if self.peek()? != b'"' {
                    return None;
                }
                self.i += 1;
                let (ks, ke, kesc) = self.scan_string()?;
                let key: &[u8] = if kesc {
                    key_buf.clear();
                    let lenient = self.lenient_surrogates;
                    self.lenient_surrogates = true;
                    let ok = self.unescape(ks, ke, &mut key_buf);
                    self.lenient_surrogates = lenient;
                    ok?;
                    // Contract keys are ASCII: a key with a lone surrogate (U+FFFD here) matches none.
                    &key_buf
                } else {
                    &self.b[ks..ke]
                };
                // Keys usually come in contract order: try the one after the last match first.
                let guess = order.get(nth).copied().unwrap_or(u16::MAX) as usize;
                let found = if guess < keys.len() && eq_short(&keys[guess], key) {
                    Some(guess)
                } else {
                    let f = keys.iter().position(|k| eq_short(k, key));
                    let v = f.map_or(u16::MAX, |k| k as u16);
                    if nth < order.len() {
                        order[nth] = v;
                    } else if nth == order.len() {
                        order.push(v);
                    }
                    f
                };
                nth += 1;
                self.ws();
                if self.peek()? != b':' {
                    return None;
                }
                self.i += 1;
                self.ws();
                match found {
                    Some(k) => slots[k] = self.value(scratch)?,
                    None => self.skip(1)?,
                }
                if self.next_or_close(b'}')? {
                    break;
                }
            }
        }
        self.ws();
        if self.i != self.b.len() {
            return None;
        }
        Some(())
    }

    /// The value of a known property.
    #[inline]
    fn value(&mut self, scratch: &mut Vec<u8>) -> Option<Slot> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                let (s, e, esc) = self.scan_string()?;
                if !esc {
                    return Some(Slot::Str(s as u32, e as u32));
                }
                let at = scratch.len();
                self.unescape(s, e, scratch)?;
                Some(Slot::Esc(at as u32, scratch.len() as u32))
            }
            b'n' => {
                self.literal(b"null")?;
                Some(Slot::Null)
            }
            b'-' | b'0'..=b'9' => Some(Slot::Num(self.number()?)),
            _ => {
                self.skip(1)?;
                Some(Slot::Other)
            }
        }
    }
}
