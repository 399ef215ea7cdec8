//! RAW column builders: the same buffers and Iceberg metrics as lake/column-batch.ts builds
//! (Arrow layout: values, UTF-8 bytes plus offsets, validity bits for optional columns), so a
//! file built here encodes to the same bytes as one built by the TypeScript appenders.

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Typ {
    Str,
    Int,
    Long,
    Double,
}

pub struct Col {
    pub typ: Typ,
    pub required: bool,
    pub len: usize,
    pub nulls: usize,
    pub validity: Vec<u8>,
    pub f64s: Vec<f64>,
    pub i32s: Vec<i32>,
    pub i64s: Vec<i64>,
    pub bytes: Vec<u8>,
    pub offsets: Vec<i32>,
    // Metrics, updated as the TypeScript appenders update theirs.
    pub dlo: f64,
    pub dhi: f64,
    pub dseen: bool,
    pub nans: usize,
    /// Int bounds kept as the f64 values pushed (so -0 stays -0, as in TypeScript).
    pub ilo: f64,
    pub ihi: f64,
    pub llo: i64,
    pub lhi: i64,
    pub lseen: bool,
    /// String bounds: byte ranges in `bytes` (UTF-8 byte order is code point order).
    pub slo: Option<(usize, usize)>,
    pub shi: Option<(usize, usize)>,
}

/// Byte order of two short strings (as `a.cmp(b)`), eight bytes at a time without a memcmp call:
/// a row's string bounds are compared for every string column.
#[inline(always)]
fn cmp_bytes(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_be_bytes(a[i..i + 8].try_into().unwrap());
        let y = u64::from_be_bytes(b[i..i + 8].try_into().unwrap());
        if x != y {
            return x.cmp(&y);
        }
        i += 8;
    }
    while i < n {
        if a[i] != b[i] {
            return a[i].cmp(&b[i]);
        }
        i += 1;
    }
    a.len().cmp(&b.len())
}

impl Col {
    pub fn new(typ: Typ, required: bool) -> Col {
        let mut c = Col {
            typ,
            required,
            len: 0,
            nulls: 0,
            validity: Vec::new(),
            f64s: Vec::new(),
            i32s: Vec::new(),
            i64s: Vec::new(),
            bytes: Vec::new(),
            offsets: Vec::new(),
            dlo: f64::INFINITY,
            dhi: f64::NEG_INFINITY,
            dseen: false,
            nans: 0,
            ilo: f64::INFINITY,
            ihi: f64::NEG_INFINITY,
            llo: i64::MAX,
            lhi: i64::MIN,
            lseen: false,
            slo: None,
            shi: None,
        };
        c.reset();
        c
    }

    pub fn reset(&mut self) {
        self.len = 0;
        self.nulls = 0;
        self.validity.clear();
        self.f64s.clear();
        self.i32s.clear();
        self.i64s.clear();
        self.bytes.clear();
        self.offsets.clear();
        if self.typ == Typ::Str {
            self.offsets.push(0);
        }
        self.dlo = f64::INFINITY;
        self.dhi = f64::NEG_INFINITY;
        self.dseen = false;
        self.nans = 0;
        self.ilo = f64::INFINITY;
        self.ihi = f64::NEG_INFINITY;
        self.llo = i64::MAX;
        self.lhi = i64::MIN;
        self.lseen = false;
        self.slo = None;
        self.shi = None;
    }

    #[inline]
    fn present(&mut self) {
        if !self.required {
            let i = self.len;
            if i >> 3 >= self.validity.len() {
                self.validity.push(0);
            }
            self.validity[i >> 3] |= 1 << (i & 7);
        }
    }

    #[inline]
    fn absent(&mut self) {
        let i = self.len;
        if i >> 3 >= self.validity.len() {
            self.validity.push(0);
        }
    }

    pub fn push_null(&mut self) {
        debug_assert!(!self.required);
        self.absent();
        match self.typ {
            Typ::Str => self.offsets.push(self.bytes.len() as i32),
            Typ::Int => self.i32s.push(0),
            Typ::Long => self.i64s.push(0),
            Typ::Double => self.f64s.push(0.0),
        }
        self.nulls += 1;
        self.len += 1;
    }

    #[inline]
    pub fn push_double(&mut self, x: f64) {
        self.present();
        self.f64s.push(x);
        self.len += 1;
        if x.is_nan() {
            self.nans += 1;
        } else if !self.dseen {
            self.dlo = x;
            self.dhi = x;
            self.dseen = true;
        } else if x < self.dlo {
            self.dlo = x;
        } else if x > self.dhi {
            self.dhi = x;
        }
    }

    /// `v` is an integer in the int32 range (checked by the caller).
    #[inline]
    pub fn push_int(&mut self, v: f64) {
        self.present();
        self.i32s.push(v as i32);
        self.len += 1;
        if v < self.ilo {
            self.ilo = v;
        }
        if v > self.ihi {
            self.ihi = v;
        }
    }

    #[inline]
    pub fn push_long(&mut self, v: i64) {
        self.present();
        self.i64s.push(v);
        self.len += 1;
        if !self.lseen {
            self.llo = v;
            self.lhi = v;
            self.lseen = true;
        } else {
            if v < self.llo {
                self.llo = v;
            }
            if v > self.lhi {
                self.lhi = v;
            }
        }
    }

    #[inline]
    pub fn push_str(&mut self, s: &[u8]) {
        self.present();
        let start = self.bytes.len();
        self.bytes.extend_from_slice(s);
        let end = self.bytes.len();
        self.offsets.push(end as i32);
        self.len += 1;
        match self.slo {
            None => {
                self.slo = Some((start, end));
                self.shi = Some((start, end));
            }
            Some((a, b)) => {
                if cmp_bytes(s, &self.bytes[a..b]).is_lt() {
                    self.slo = Some((start, end));
                } else {
                    let (c, d) = self.shi.unwrap();
                    if cmp_bytes(s, &self.bytes[c..d]).is_gt() {
                        self.shi = Some((start, end));
                    }
                }
            }
        }
    }
}

/// A column's Iceberg metrics over the same column of several builders (a file's parts), merged
/// as the TypeScript appendFrom merges them: parts in order, a later bound taken only when
/// strictly beyond (so of equal doubles, -0 and 0, the first seen stays).
pub struct ColStats<'a> {
    pub nulls: usize,
    pub nans: usize,
    pub dlo: f64,
    pub dhi: f64,
    pub dseen: bool,
    pub ilo: f64,
    pub ihi: f64,
    pub llo: i64,
    pub lhi: i64,
    pub lseen: bool,
    pub slo: Option<&'a [u8]>,
    pub shi: Option<&'a [u8]>,
}

impl<'a> ColStats<'a> {
    pub fn of(parts: impl IntoIterator<Item = &'a Col>) -> ColStats<'a> {
        let mut s = ColStats { nulls: 0, nans: 0, dlo: f64::INFINITY, dhi: f64::NEG_INFINITY, dseen: false, ilo: f64::INFINITY, ihi: f64::NEG_INFINITY, llo: i64::MAX, lhi: i64::MIN, lseen: false, slo: None, shi: None };
        for o in parts {
            s.nulls += o.nulls;
            s.nans += o.nans;
            if o.dseen {
                if !s.dseen {
                    (s.dlo, s.dhi, s.dseen) = (o.dlo, o.dhi, true);
                } else {
                    if o.dlo < s.dlo {
                        s.dlo = o.dlo;
                    }
                    if o.dhi > s.dhi {
                        s.dhi = o.dhi;
                    }
                }
            }
            if o.ilo < s.ilo {
                s.ilo = o.ilo;
            }
            if o.ihi > s.ihi {
                s.ihi = o.ihi;
            }
            if o.lseen {
                if !s.lseen || o.llo < s.llo {
                    s.llo = o.llo;
                }
                if !s.lseen || o.lhi > s.lhi {
                    s.lhi = o.lhi;
                }
                s.lseen = true;
            }
            if let (Some((a, b)), Some((c, d))) = (o.slo, o.shi) {
                let (lo, hi) = (&o.bytes[a..b], &o.bytes[c..d]);
                if s.slo.is_none_or(|x| cmp_bytes(lo, x).is_lt()) {
                    s.slo = Some(lo);
                }
                if s.shi.is_none_or(|x| cmp_bytes(hi, x).is_gt()) {
                    s.shi = Some(hi);
                }
            }
        }
        s
    }
}

/// One column of a file in Arrow's layout: values (little-endian), offsets for strings, and a
/// validity bitmap when an optional column has nulls.
pub struct ColData {
    pub values: Vec<u8>,
    pub offsets: Option<Vec<i32>>,
    pub validity: Option<Vec<u8>>,
}

/// Plain numeric data as its (little-endian) bytes.
pub fn as_bytes<T>(v: &[T]) -> &[u8] {
    // SAFETY: plain numeric data, read as bytes.
    unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(v)) }
}

/// Column `i` of several builders' rows, concatenated in order (one copy of the data).
pub fn concat(parts: &[Builder], i: usize) -> ColData {
    let first = &parts[0].cols[i];
    let n: usize = parts.iter().map(|b| b.cols[i].len).sum();
    let nulls: usize = parts.iter().map(|b| b.cols[i].nulls).sum();
    let part_bytes = |c: &'_ Col| -> usize {
        match c.typ {
            Typ::Double => c.f64s.len() * 8,
            Typ::Int => c.i32s.len() * 4,
            Typ::Long => c.i64s.len() * 8,
            Typ::Str => c.bytes.len(),
        }
    };
    let mut values = Vec::with_capacity(parts.iter().map(|b| part_bytes(&b.cols[i])).sum());
    for b in parts {
        let c = &b.cols[i];
        values.extend_from_slice(match c.typ {
            Typ::Double => as_bytes(&c.f64s),
            Typ::Int => as_bytes(&c.i32s),
            Typ::Long => as_bytes(&c.i64s),
            Typ::Str => &c.bytes,
        });
    }
    let offsets = (first.typ == Typ::Str).then(|| {
        let mut o = Vec::with_capacity(n + 1);
        o.push(0);
        let mut base = 0;
        for b in parts {
            let c = &b.cols[i];
            o.extend(c.offsets[1..=c.len].iter().map(|&x| base + x));
            base += c.bytes.len() as i32;
        }
        o
    });
    let validity = (nulls > 0 && !first.required).then(|| {
        let mut v = vec![0u8; (n + 7) >> 3];
        let mut at = 0;
        for b in parts {
            let c = &b.cols[i];
            for k in 0..c.len {
                if c.nulls == 0 || c.validity[k >> 3] & (1 << (k & 7)) != 0 {
                    v[(at + k) >> 3] |= 1 << ((at + k) & 7);
                }
            }
            at += c.len;
        }
        v
    });
    ColData { values, offsets, validity }
}

pub struct Builder {
    pub cols: Vec<Col>,
}

impl Builder {
    pub fn rows(&self) -> usize {
        self.cols.first().map_or(0, |c| c.len)
    }

    pub fn reset(&mut self) {
        for c in &mut self.cols {
            c.reset();
        }
    }
}
