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

    /// Appends every value of `o` (same type), metrics merged as the TypeScript appendFrom does.
    pub fn append_from(&mut self, o: &Col) {
        let at = self.len;
        if !self.required {
            let need = (at + o.len + 7) >> 3;
            if self.validity.len() < need {
                self.validity.resize(need, 0);
            }
            for i in 0..o.len {
                let set = o.required || (o.validity.get(i >> 3).copied().unwrap_or(0) & (1 << (i & 7))) != 0;
                if set {
                    self.validity[(at + i) >> 3] |= 1 << ((at + i) & 7);
                }
            }
        }
        self.nulls += o.nulls;
        match self.typ {
            Typ::Double => {
                self.f64s.extend_from_slice(&o.f64s);
                self.nans += o.nans;
                if o.dseen {
                    if !self.dseen {
                        self.dlo = o.dlo;
                        self.dhi = o.dhi;
                        self.dseen = true;
                    } else {
                        if o.dlo < self.dlo {
                            self.dlo = o.dlo;
                        }
                        if o.dhi > self.dhi {
                            self.dhi = o.dhi;
                        }
                    }
                }
            }
            Typ::Int => {
                self.i32s.extend_from_slice(&o.i32s);
                if o.ilo < self.ilo {
                    self.ilo = o.ilo;
                }
                if o.ihi > self.ihi {
                    self.ihi = o.ihi;
                }
            }
            Typ::Long => {
                self.i64s.extend_from_slice(&o.i64s);
                if o.lseen {
                    if !self.lseen || o.llo < self.llo {
                        self.llo = o.llo;
                    }
                    if !self.lseen || o.lhi > self.lhi {
                        self.lhi = o.lhi;
                    }
                    self.lseen = true;
                }
            }
            Typ::Str => {
                let base = self.bytes.len();
                self.bytes.extend_from_slice(&o.bytes);
                for &off in &o.offsets[1..] {
                    self.offsets.push(base as i32 + off);
                }
                if let Some((a, b)) = o.slo {
                    let (c, d) = o.shi.unwrap();
                    let (olo, ohi) = ((base + a, base + b), (base + c, base + d));
                    match self.slo {
                        None => {
                            self.slo = Some(olo);
                            self.shi = Some(ohi);
                        }
                        Some((x, y)) => {
                            if cmp_bytes(&self.bytes[olo.0..olo.1], &self.bytes[x..y]).is_lt() {
                                self.slo = Some(olo);
                            }
                            let (x, y) = self.shi.unwrap();
                            if cmp_bytes(&self.bytes[ohi.0..ohi.1], &self.bytes[x..y]).is_gt() {
                                self.shi = Some(ohi);
                            }
                        }
                    }
                }
            }
        }
        self.len += o.len;
    }
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

    pub fn append_from(&mut self, o: &Builder) {
        for (c, oc) in self.cols.iter_mut().zip(&o.cols) {
            c.append_from(oc);
        }
    }
}
