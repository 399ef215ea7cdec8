//! floe-native: the per-message part of ingestion in Rust, loaded by ingest/native.ts.
//!
//! A `RawIngest` takes Kafka message values of one micro-batch, reads each as JSON, checks it
//! against the contract (compiled from the contract's JSON Schema) and the device registry, and
//! appends its RAW row to the column builder of its Kafka partition and event hour. It only ever
//! accepts: a message it does not accept is handed back (consume stops before it) and the
//! TypeScript validator decides it, rejecting it to the DLQ with its reason or, rarely, accepting
//! it (then appendEvent adds its row here, in offset order). Built batches come back as the same
//! Arrow buffers and Iceberg metrics lake/column-batch.ts builds.
#![deny(clippy::all)]

mod codec;
mod columns;
mod contract;
mod json;
mod parquet_encode;
mod protocol;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex};

use columns::{Builder, Col, ColStats, Typ};
use contract::{check_num, check_str, Contract, Kind};
use json::{Reader, Slot};
use napi::bindgen_prelude::*;
use napi::{Env, JsObject, JsUnknown, TypedArrayType};
use napi::bindgen_prelude::Task;
use napi_derive::napi;
use protocol::{detail, event, stop};

/// FxHash (rustc's): fast for short keys such as device and event ids.
#[derive(Default, Clone, Copy)]
struct Fx(u64);
impl Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            h = (h.rotate_left(5) ^ u64::from_le_bytes(c.try_into().unwrap())).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
        self.0 = h;
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}
type FxSet<T> = HashSet<T, BuildHasherDefault<Fx>>;

/// Bytes as a set key, compared by json::eq_short (no memcmp call for short keys such as device
/// ids); looked up by a plain `&[u8]` through `Bytes`.
#[derive(Clone)]
struct Key(Box<[u8]>);
/// The borrowed form of a Key.
#[repr(transparent)]
struct Bytes([u8]);
impl Bytes {
    #[inline(always)]
    fn of(b: &[u8]) -> &Bytes {
        // SAFETY: Bytes is a transparent wrapper of [u8].
        unsafe { &*(b as *const [u8] as *const Bytes) }
    }
}
impl std::borrow::Borrow<Bytes> for Key {
    #[inline(always)]
    fn borrow(&self) -> &Bytes {
        Bytes::of(&self.0)
    }
}
impl std::hash::Hash for Bytes {
    #[inline(always)]
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write(&self.0);
    }
}
impl std::hash::Hash for Key {
    #[inline(always)]
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write(&self.0);
    }
}
impl PartialEq for Bytes {
    #[inline(always)]
    fn eq(&self, o: &Bytes) -> bool {
        json::eq_short(&self.0, &o.0)
    }
}
impl Eq for Bytes {}
impl PartialEq for Key {
    #[inline(always)]
    fn eq(&self, o: &Key) -> bool {
        json::eq_short(&self.0, &o.0)
    }
}
impl Eq for Key {}
type KeySet = FxSet<Key>;
type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

const HOUR_MICROS: i64 = 3_600_000_000;

/// A lowercase canonical uuid (8-4-4-4-12 hex digits) as its 128 bits; None for any other id.
/// Lowercase only, so that two different ids never give the same bits.
#[inline]
fn uuid128(id: &[u8]) -> Option<u128> {
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

pub(crate) fn err(msg: impl Into<String>) -> Error {
    Error::new(Status::InvalidArg, msg.into())
}

/// The device ids of the registry at one moment.
#[napi]
pub struct DeviceSet {
    ids: Arc<KeySet>,
    /// Every id the registry has (else a device missing here may still be registered).
    complete: bool,
}

#[napi]
impl DeviceSet {
    #[napi(constructor)]
    pub fn new(ids: Vec<String>, complete: bool) -> Self {
        DeviceSet { ids: Arc::new(ids.into_iter().map(|s| Key(s.into_bytes().into_boxed_slice())).collect()), complete }
    }

    #[napi(getter)]
    pub fn size(&self) -> u32 {
        self.ids.len() as u32
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Src {
    Field(usize),
    Topic,
    Partition,
    Offset,
    IngestedAt,
}

#[derive(Clone, Copy)]
struct ColMap {
    typ: Typ,
    required: bool,
    /// A timestamp column filled from an ISO 8601 string.
    iso: bool,
    src: Src,
}

/// The contract and RAW's columns, compiled once.
#[napi]
pub struct RawSpec {
    spec: Arc<Spec>,
}

/// What RawSpec compiles, shared by every RawIngest.
struct Spec {
    contract: Contract,
    /// The contract's property names, in schema order (the JSON reader's keys).
    keys: Vec<Vec<u8>>,
    cols: Vec<ColMap>,
    event_id: usize,
    device_id: usize,
    event_ts: usize,
    max_bytes: usize,
}

#[napi]
impl RawSpec {
    /// `schema`: the contract's JSON Schema; `columns`: RAW's columns in table order, as
    /// [{ name, type, required }]; `maxBytes`: larger messages are never accepted here.
    #[napi(constructor)]
    pub fn new(schema: String, columns: String, max_bytes: u32) -> Result<Self> {
        let schema: serde_json::Value = serde_json::from_str(&schema).map_err(|e| err(format!("contract schema: {e}")))?;
        let contract = Contract::compile(&schema).map_err(|e| err(format!("contract schema: {e}")))?;
        let columns: serde_json::Value = serde_json::from_str(&columns).map_err(|e| err(format!("RAW columns: {e}")))?;
        let prop = |name: &str| contract.props.iter().position(|p| p.name == name);
        let mut cols = Vec::new();
        for c in columns.as_array().ok_or_else(|| err("RAW columns: not a list"))? {
            let name = c.get("name").and_then(|v| v.as_str()).ok_or_else(|| err("RAW column without a name"))?;
            let t = c.get("type").and_then(|v| v.as_str()).unwrap_or("");
            let required = c.get("required").and_then(|v| v.as_bool()).unwrap_or(false);
            let (typ, iso_type) = match t {
                "string" => (Typ::Str, false),
                "int" => (Typ::Int, false),
                "long" => (Typ::Long, false),
                "double" => (Typ::Double, false),
                "timestamptz" | "timestamp" => (Typ::Long, true),
                _ => return Err(err(format!("RAW column {name}: type {t} is not built natively"))),
            };
            let src = match name {
                "_kafka_topic" => Src::Topic,
                "_kafka_partition" => Src::Partition,
                "_kafka_offset" => Src::Offset,
                "_ingested_at" => Src::IngestedAt,
                _ => Src::Field(prop(name).ok_or_else(|| err(format!("RAW column {name} is not a contract field")))?),
            };
            let want = match (src, typ) {
                (Src::Topic, Typ::Str) | (Src::Partition, Typ::Int) | (Src::Offset, Typ::Long) => true,
                (Src::IngestedAt, Typ::Long) => iso_type,
                (Src::Field(p), _) => {
                    let is_str = matches!(contract.props[p].kind, Kind::Str { .. });
                    if iso_type { is_str } else { is_str == (typ == Typ::Str) }
                }
                _ => false,
            };
            if !want {
                return Err(err(format!("RAW column {name} ({t}) does not match its source")));
            }
            cols.push(ColMap { typ, required, iso: iso_type && matches!(src, Src::Field(_)), src });
        }
        let need = |n: &str| prop(n).ok_or_else(|| err(format!("the contract has no {n}")));
        let keys = contract.props.iter().map(|p| p.name.as_bytes().to_vec()).collect();
        Ok(RawSpec {
            spec: Arc::new(Spec {
                event_id: need("event_id")?,
                device_id: need("device_id")?,
                event_ts: need("event_ts")?,
                contract,
                keys,
                cols,
                max_bytes: max_bytes as usize,
            }),
        })
    }
}

/// Builders kept between micro-batches with their grown buffers.
static SPARES: Mutex<Vec<Builder>> = Mutex::new(Vec::new());
const MAX_SPARES: usize = 48;

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
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
fn iso_micros(s: &[u8]) -> Option<i64> {
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

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Accept only what the contract and the registry accept.
    Check,
    /// A value the TypeScript validator accepted: build its row.
    Trusted,
}

/// One micro-batch's RAW rows, by Kafka partition and event hour (the state of a RawIngest,
/// shared with the pool thread of consumeRuns).
struct Ingest {
    spec: Arc<Spec>,
    devices: Arc<KeySet>,
    devices_complete: bool,
    topic: Vec<u8>,
    ingested_at: i64,
    file_rows: usize,
    builders: FxMap<(i32, i64), Builder>,
    hours: BTreeSet<i64>,
    ids: KeySet,
    rows: u64,
    duplicates: u64,
    /// Records consume_records looked at in its offset windows, and their value bytes.
    records: u64,
    value_bytes: u64,
    slots: Vec<Slot>,
    scratch: Vec<u8>,
    order: Vec<u16>,
    /// Event ids that are lowercase canonical uuids, as their 128 bits (16 bytes a set entry, no
    /// allocation); every other id is in `ids`. An id's form decides its set, so the two never
    /// hold the same id.
    ids128: FxSet<u128>,
    /// Per contract property: accepted values of pattern fields (see accept).
    memo: Vec<Memo>,
    /// Builders consumeRuns sealed (full), in order, until takeSealed.
    sealed: Vec<(i32, i64, Builder)>,
    /// Why accept's last Rejected was, when the message was read whole (see DETAIL_FIELDS).
    detail: [f64; DETAIL_FIELDS],
    /// The details of the rejects consumeRuns reported as events 4, in order, until takeRejectDetails.
    details: Vec<f64>,
}

/// A reject's detail, five numbers [code, property, value kind, x, y], for the TypeScript path to
/// word without parsing the message again. code 0: none (worded from the message); 1: contract
/// property `property` (contract order) is the first that fails; 2: the device is not
/// registered. Value kind 0: absent, 1: null, 2: the number x, 3: the string at bytes [x, y) of
/// the message (no escapes). Only for a message read whole as JSON.parse's JSON.
const DETAIL_FIELDS: usize = 5;

/// Why accept did not accept a message.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Why {
    /// The contract or the registry rejects it, as the TypeScript validator will (which words the
    /// reason; ingestion checks that it does reject, see consumeRuns).
    Rejected,
    /// Left to the TypeScript path, which may accept it (a byte order mark, JSON the reader does
    /// not read, a value that does not fit its column, or a device the registry may know).
    Undecided,
}

const MEMO_MAX: usize = 4096;

struct Memo {
    on: bool,
    seen: KeySet,
}

impl Ingest {
    /// `ingestedAtMs`: the batch's ingestion time; `fileRows`: a builder reaching it is full.
    fn new(spec: &RawSpec, devices: &DeviceSet, topic: String, ingested_at_ms: f64, file_rows: u32) -> Self {
        Ingest {
            spec: spec.spec.clone(),
            devices: devices.ids.clone(),
            devices_complete: devices.complete,
            topic: topic.into_bytes(),
            ingested_at: ingested_at_ms as i64 * 1000,
            file_rows: file_rows.max(1) as usize,
            builders: FxMap::default(),
            hours: BTreeSet::new(),
            ids: FxSet::default(),
            rows: 0,
            duplicates: 0,
            records: 0,
            value_bytes: 0,
            slots: vec![Slot::Missing; spec.spec.keys.len()],
            scratch: Vec::new(),
            order: Vec::new(),
            ids128: FxSet::default(),
            memo: spec.spec.contract.props.iter().map(|p| Memo { on: matches!(&p.kind, Kind::Str { pattern: Some(_), .. }), seen: FxSet::default() }).collect(),
            sealed: Vec::new(),
            detail: [0.0; DETAIL_FIELDS],
            details: Vec::new(),
        }
    }

    fn new_builder(&self) -> Builder {
        builder_for(&self.spec)
    }

    #[inline]
    fn str_of<'m>(&'m self, msg: &'m [u8], s: Slot) -> Option<&'m [u8]> {
        match s {
            Slot::Str(a, b) => Some(&msg[a as usize..b as usize]),
            Slot::Esc(a, b) => Some(&self.scratch[a as usize..b as usize]),
            _ => None,
        }
    }

    /// Reads and (in Check mode) checks one message; on acceptance appends its row and returns
    /// (hour, full); else why not (nothing was changed).
    fn accept(&mut self, msg: &[u8], partition: i32, offset: i64, mode: Mode) -> std::result::Result<(i64, bool), Why> {
        if mode == Mode::Check && (msg.is_empty() || msg.len() > self.spec.max_bytes || std::str::from_utf8(msg).is_err()) {
            // Empty, oversized, not UTF-8: the validator's first checks.
            return Err(Why::Rejected);
        }
        // TextDecoder drops a byte order mark before JSON.parse: left to the TypeScript path.
        if mode == Mode::Check && msg.starts_with(&[0xEF, 0xBB, 0xBF]) {
            return Err(Why::Undecided);
        }
        self.scratch.clear();
        {
            let key_refs = &self.spec.keys;
            let mut r = Reader::new(msg);
            r.lenient_surrogates = mode == Mode::Trusted;
            // Borrow juggling: slots and scratch are fields of self.
            let mut slots = std::mem::take(&mut self.slots);
            let mut scratch = std::mem::take(&mut self.scratch);
            let ok = r.read_object(key_refs, &mut slots, &mut scratch, &mut self.order);
            self.slots = slots;
            self.scratch = scratch;
            if ok.is_none() {
                // Not JSON.parse's JSON, or not an object: rejected, unless the reader gave up.
                return Err(if r.gave_up { Why::Undecided } else { Why::Rejected });
            }
        }
        if mode == Mode::Check {
            let contract = &self.spec.contract;
            for (i, (p, s)) in contract.props.iter().zip(self.slots.iter()).enumerate() {
                let ok = match *s {
                    Slot::Missing => !p.required,
                    Slot::Null => p.nullable,
                    Slot::Num(v) => check_num(&p.kind, v),
                    Slot::Str(a, b) | Slot::Esc(a, b) => {
                        let v = if matches!(s, Slot::Str(..)) { &msg[a as usize..b as usize] } else { &self.scratch[a as usize..b as usize] };
                        // Values of a pattern field seen accepted before skip the regex (device ids,
                        // firmware versions); a field whose values do not repeat stops being memoized.
                        let memo = &mut self.memo[i];
                        if memo.on && memo.seen.contains(Bytes::of(v)) {
                            true
                        } else if check_str(&p.kind, v) {
                            if memo.on {
                                if memo.seen.len() >= MEMO_MAX {
                                    memo.on = false;
                                    memo.seen = FxSet::default();
                                } else {
                                    memo.seen.insert(Key(v.into()));
                                }
                            }
                            true
                        } else {
                            false
                        }
                    }
                    Slot::Other => false,
                };
                if !ok {
                    self.detail = detail_of(detail::PROPERTY, i, *s);
                    return Err(Why::Rejected);
                }
            }
            let device = self.slots[self.spec.device_id];
            if !self.devices.contains(Bytes::of(self.str_of(msg, device).ok_or(Why::Undecided)?)) {
                if !self.devices_complete {
                    return Err(Why::Undecided);
                }
                self.detail = detail_of(detail::UNREGISTERED, self.spec.device_id, device);
                return Err(Why::Rejected);
            }
        }
        let micros = self.str_of(msg, self.slots[self.spec.event_ts]).and_then(iso_micros).ok_or(Why::Undecided)?;
        // Every column's value must fit before anything is appended.
        for m in self.spec.cols.iter() {
            if let Src::Field(p) = m.src {
                let ok = match (self.slots[p], m.typ) {
                    (Slot::Missing | Slot::Null, _) => !m.required,
                    (Slot::Str(..) | Slot::Esc(..), Typ::Str) => true,
                    (Slot::Str(..) | Slot::Esc(..), Typ::Long) => m.iso,
                    (Slot::Num(v), Typ::Int) => v.fract() == 0.0 && v >= i32::MIN as f64 && v <= i32::MAX as f64,
                    (Slot::Num(v), Typ::Long) => !m.iso && v.fract() == 0.0 && v.abs() <= contract::MAX_SAFE_INTEGER,
                    (Slot::Num(v), Typ::Double) => v.is_finite(),
                    _ => false,
                };
                if !ok {
                    return Err(Why::Undecided);
                }
            }
        }
        let hour = micros.div_euclid(HOUR_MICROS);
        let id = self.str_of(msg, self.slots[self.spec.event_id]).ok_or(Why::Undecided)?;
        let seen = match uuid128(id) {
            Some(bits) => {
                if self.ids128.capacity() == 0 {
                    self.ids128.reserve(1 << 16);
                }
                !self.ids128.insert(bits)
            }
            None => !self.ids.insert(Key(id.into())),
        };
        if seen {
            self.duplicates += 1;
        }
        let b = match self.builders.entry((partition, hour)) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                self.hours.insert(hour);
                e.insert(builder_for(&self.spec))
            }
        };
        for (m, c) in self.spec.cols.iter().zip(b.cols.iter_mut()) {
            match m.src {
                Src::Topic => c.push_str(&self.topic),
                Src::Partition => c.push_int(partition as f64),
                Src::Offset => c.push_long(offset),
                Src::IngestedAt => c.push_long(self.ingested_at),
                Src::Field(p) => match self.slots[p] {
                    Slot::Missing | Slot::Null => c.push_null(),
                    Slot::Num(v) => match m.typ {
                        Typ::Int => c.push_int(v),
                        Typ::Long => c.push_long(v as i64),
                        _ => c.push_double(v),
                    },
                    s @ (Slot::Str(..) | Slot::Esc(..)) => {
                        let v = match s {
                            Slot::Str(a, e) => &msg[a as usize..e as usize],
                            Slot::Esc(a, e) => &self.scratch[a as usize..e as usize],
                            _ => unreachable!(),
                        };
                        if m.iso {
                            c.push_long(if p == self.spec.event_ts { micros } else { iso_micros(v).unwrap_or(0) })
                        } else {
                            c.push_str(v)
                        }
                    }
                    Slot::Other => unreachable!(),
                },
            }
        }
        let full = b.rows() >= self.file_rows;
        self.rows += 1;
        Ok((hour, full))
    }

    /// Accepts messages `from`..`to` of one Kafka partition, whose values are
    /// `data[spans[2i] .. spans[2i] + spans[2i+1]]` (length -1: null) at `offsets[i]`. Stops
    /// before a message it does not accept (status[0] = 1), after a message that filled its
    /// builder (status[0] = 2, status[1] = its hour), or at `to` (status[0] = 0). Returns the
    /// index of the next message to look at.
    #[allow(clippy::too_many_arguments)]
    pub fn consume(&mut self, data: &[u8], spans: &[i32], offsets: &[f64], partition: i32, from: u32, to: u32, status: napi::JsTypedArray) -> Result<u32> {
        // A plain view of the caller's Int32Array (no reference: it is written before returning).
        let mut status = status.into_value()?;
        if status.typedarray_type != TypedArrayType::Int32 {
            return Err(err("consume: status must be an Int32Array"));
        }
        let status: &mut [i32] = status.as_mut();
        if spans.len() < 2 * to as usize || offsets.len() < to as usize || status.len() < 2 {
            return Err(err("consume: spans, offsets or status too short"));
        }
        for i in from as usize..to as usize {
            let (start, len) = (spans[2 * i], spans[2 * i + 1]);
            if len <= 0 || start < 0 || start as usize + len as usize > data.len() {
                status[0] = stop::UNDECIDED;
                return Ok(i as u32);
            }
            let msg = &data[start as usize..start as usize + len as usize];
            match self.accept(msg, partition, offsets[i] as i64, Mode::Check) {
                Err(_) => {
                    status[0] = stop::UNDECIDED;
                    return Ok(i as u32);
                }
                Ok((hour, true)) => {
                    status[0] = stop::FULL;
                    status[1] = hour as i32;
                    return Ok(i as u32 + 1);
                }
                Ok(_) => {}
            }
        }
        status[0] = stop::END;
        Ok(to)
    }

    /// Accepts the records of one Kafka record batch (record format v2) whose offsets are in
    /// [lo, hi): `data[at..end]` holds the batch's records, the first at `baseOffset`. Stops as
    /// consume does, status (a Float64Array) telling why: [0] = 0 at the end of the records or
    /// of the window, 1 at a record it does not accept ([2] = where that record starts, for the
    /// TypeScript path to decode it), 2 after a record that filled its builder ([1] = its hour).
    /// Returns where the next record starts. Each record in the window is counted once (in
    /// `records` and, by its value's length, `valueBytes`), the one it stops at included.
    #[allow(clippy::too_many_arguments)]
    pub fn consume_records(&mut self, data: &[u8], at: f64, end: f64, base_offset: f64, lo: f64, hi: f64, partition: i32, status: napi::JsTypedArray) -> Result<f64> {
        let mut status = status.into_value()?;
        if status.typedarray_type != TypedArrayType::Float64 {
            return Err(err("consumeRecords: status must be a Float64Array"));
        }
        let status: &mut [f64] = status.as_mut();
        if status.len() < 3 || !(at >= 0.0 && at <= end && end <= data.len() as f64) {
            return Err(err(format!("consumeRecords: records {at}..{end} outside the data ({} bytes), or status too short", data.len())));
        }
        let mut p = at as usize;
        while let Some(r) = next_record(data, &mut p, end as usize, base_offset as i64, partition)? {
            if (r.offset as f64) < lo {
                continue;
            }
            if r.offset as f64 >= hi {
                break;
            }
            match self.record(data, &r, partition) {
                Verdict::Accepted(_, false) => {}
                Verdict::Accepted(hour, true) => {
                    status[0] = stop::FULL as f64;
                    status[1] = hour as f64;
                    return Ok(p as f64);
                }
                Verdict::Not(_) => {
                    status[0] = stop::UNDECIDED as f64;
                    status[2] = r.start as f64;
                    return Ok(p as f64);
                }
            }
        }
        status[0] = stop::END as f64;
        Ok(end)
    }

    /// Counts a record (in its window) and accepts its value, or says why not.
    #[inline]
    fn record(&mut self, data: &[u8], r: &Rec, partition: i32) -> Verdict {
        self.records += 1;
        // Only a Rejected from this record's accept leaves a detail.
        self.detail[0] = detail::NONE;
        let Some((at, len)) = r.value.filter(|&(_, len)| len > 0) else {
            // null or empty: the validator rejects it
            return Verdict::Not(Why::Rejected);
        };
        self.value_bytes += len as u64;
        match self.accept(&data[at..at + len], partition, r.offset, Mode::Check) {
            Ok((hour, full)) => Verdict::Accepted(hour, full),
            Err(why) => Verdict::Not(why),
        }
    }


    /// Appends the row of an event the TypeScript validator accepted (its contract fields as
    /// JSON). status as in consume: 2 when its builder is full now.
    pub fn append_event(&mut self, json: &[u8], partition: i32, offset: f64, status: napi::JsTypedArray) -> Result<()> {
        let mut status = status.into_value()?;
        if status.typedarray_type != TypedArrayType::Int32 {
            return Err(err("appendEvent: status must be an Int32Array"));
        }
        let status: &mut [i32] = status.as_mut();
        match self.accept(json, partition, offset as i64, Mode::Trusted) {
            Err(_) => Err(err(format!("appendEvent: cannot build a RAW row from {}", String::from_utf8_lossy(&json[..json.len().min(200)])))),
            Ok((hour, full)) => {
                status[0] = if full { stop::FULL } else { stop::END };
                status[1] = hour as i32;
                Ok(())
            }
        }
    }

    /// The rows of one partition and hour, sealed (a fresh builder takes the next rows).
    pub fn take(&mut self, partition: i32, hour: f64) -> Result<SealedBatch> {
        Ok(SealedBatch { parts: vec![self.take_builder(partition, hour as i64)?] })
    }

    /// The builder of one partition and hour, replaced by a fresh one.
    fn take_builder(&mut self, partition: i32, hour: i64) -> Result<Builder> {
        let fresh = self.new_builder();
        self.builders.insert((partition, hour), fresh).ok_or_else(|| err(format!("take: no rows of partition {partition} hour {hour}")))
    }

    /// What is left at the end of the batch: every hour's remaining rows (hours ascending), the
    /// partitions of an hour in `partitions` order, one file per hour unless `fileRows` would be
    /// passed. [{ hour, batch }]. The builders are handed over as the files' parts, not copied:
    /// their rows are concatenated where the file is encoded, on libuv's pool.
    pub fn rest(&mut self, env: Env, partitions: Vec<i32>) -> Result<Vec<JsObject>> {
        let mut by_hour: BTreeMap<i64, Vec<(i32, i64)>> = BTreeMap::new();
        for &p in &partitions {
            let mut hours: Vec<i64> = self.builders.iter().filter(|((bp, _), b)| *bp == p && b.rows() > 0).map(|((_, h), _)| *h).collect();
            hours.sort();
            for h in hours {
                by_hour.entry(h).or_default().push((p, h));
            }
        }
        let mut out = Vec::new();
        let emit = |env: &Env, hour: i64, parts: Vec<Builder>, out: &mut Vec<JsObject>| -> Result<()> {
            let mut o = env.create_object()?;
            o.set_named_property("hour", env.create_double(hour as f64)?)?;
            o.set_named_property("batch", SealedBatch { parts }.into_instance(*env)?)?;
            out.push(o);
            Ok(())
        };
        for (hour, keys) in by_hour {
            let mut file: Vec<Builder> = Vec::new();
            let mut rows = 0;
            for key in keys {
                let b = self.builders.remove(&key).unwrap();
                if !file.is_empty() && rows + b.rows() > self.file_rows {
                    emit(&env, hour, std::mem::take(&mut file), &mut out)?;
                    rows = 0;
                }
                rows += b.rows();
                file.push(b);
            }
            if !file.is_empty() {
                emit(&env, hour, file, &mut out)?;
            }
        }
        Ok(out)
    }

    /// Hours (since the epoch) this batch has rows in, ascending.
    pub fn hours(&self) -> Vec<f64> {
        self.hours.iter().map(|&h| h as f64).collect()
    }



    /// Puts the builders back for the next batch (the batches taken stay valid: they are copies).
    pub fn close(&mut self) {
        for (_, b) in self.builders.drain() {
            give_back(b);
        }
        for (_, _, b) in self.sealed.drain(..) {
            give_back(b);
        }
        self.ids = FxSet::default();
        self.ids128 = FxSet::default();
    }
}

/// The detail (see DETAIL_FIELDS) of a reject with `code` at property `p` holding `s`; code 0
/// (none) for a value only the message itself shows (escaped strings, booleans, objects, arrays).
fn detail_of(code: f64, p: usize, s: Slot) -> [f64; DETAIL_FIELDS] {
    let (kind, x, y) = match s {
        Slot::Missing => (detail::ABSENT, 0.0, 0.0),
        Slot::Null => (detail::NULL, 0.0, 0.0),
        Slot::Num(v) => (detail::NUMBER, v, 0.0),
        Slot::Str(a, b) => (detail::STRING, a as f64, b as f64),
        Slot::Esc(..) | Slot::Other => return [0.0; DETAIL_FIELDS],
    };
    [code, p as f64, kind, x, y]
}

/// One micro-batch's RAW rows (see Ingest); its state is shared with consumeRuns' pool thread.
#[napi]
pub struct RawIngest {
    st: Arc<Mutex<Ingest>>,
}

impl RawIngest {
    fn st(&self) -> std::sync::MutexGuard<'_, Ingest> {
        // A panic on the pool thread poisons the lock: the state is still consistent enough to
        // close (the batch fails either way).
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[napi]
impl RawIngest {
    /// `ingestedAtMs`: the batch's ingestion time; `fileRows`: a builder reaching it is full.
    #[napi(constructor)]
    pub fn new(spec: &RawSpec, devices: &DeviceSet, topic: String, ingested_at_ms: f64, file_rows: u32) -> Self {
        RawIngest { st: Arc::new(Mutex::new(Ingest::new(spec, devices, topic, ingested_at_ms, file_rows))) }
    }

    /// Accepts messages `from`..`to` of one Kafka partition, whose values are
    /// `data[spans[2i] .. spans[2i] + spans[2i+1]]` (length -1: null) at `offsets[i]`. Stops
    /// before a message it does not accept (status[0] = 1), after a message that filled its
    /// builder (status[0] = 2, status[1] = its hour), or at `to` (status[0] = 0). Returns the
    /// index of the next message to look at.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn consume(&self, data: &[u8], spans: &[i32], offsets: &[f64], partition: i32, from: u32, to: u32, status: napi::JsTypedArray) -> Result<u32> {
        self.st().consume(data, spans, offsets, partition, from, to, status)
    }

    /// Accepts the records of one Kafka record batch (record format v2) whose offsets are in
    /// [lo, hi): `data[at..end]` holds the batch's records, the first at `baseOffset`. Stops as
    /// consume does, status (a Float64Array) telling why: [0] = 0 at the end of the records or
    /// of the window, 1 at a record it does not accept ([2] = where that record starts, for the
    /// TypeScript path to decode it), 2 after a record that filled its builder ([1] = its hour).
    /// Returns where the next record starts. Each record in the window is counted once (in
    /// `records` and, by its value's length, `valueBytes`), the one it stops at included.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn consume_records(&self, data: &[u8], at: f64, end: f64, base_offset: f64, lo: f64, hi: f64, partition: i32, status: napi::JsTypedArray) -> Result<f64> {
        self.st().consume_records(data, at, end, base_offset, lo, hi, partition, status)
    }

    /// consumeRecords over many record runs on libuv's pool, off the JavaScript thread.
    /// `buffers`: Uint8Arrays the runs are in, left unchanged until the promise settles; `runs`:
    /// per run 7 numbers [buffer index, at, end, baseOffset, lo, hi, partition], from run
    /// `fromRun` at byte `fromAt` of it (or its `at` when negative). Records the contract or the
    /// registry rejects do not stop it (the caller words their rejection); it stops at a record
    /// the TypeScript path must decide, and seals full builders itself (takeSealed). Resolves to
    /// a Float64Array of events, three numbers each: [3, run, start] a rejected record, [4, run,
    /// start] one with its detail (takeRejectDetails: why, without parsing it again), [2,
    /// partition, hour] a sealed builder, [1, run, start] the undecided record it stopped at,
    /// then last [0, run, next] where to go on (run -1: every run done).
    #[napi(ts_return_type = "Promise<Float64Array>")]
    pub fn consume_runs(&self, env: Env, buffers: Vec<napi::JsTypedArray>, runs: &[f64], from_run: u32, from_at: f64) -> Result<AsyncTask<RunsTask>> {
        let mut task = RunsTask { st: self.st.clone(), bufs: Vec::new(), refs: Vec::new(), runs: runs.to_vec(), from_run: from_run as usize, from_at };
        let borrowed = buffers.iter().try_for_each(|b| {
            task.bufs.push(parquet_encode::borrow_bytes(env.raw(), unsafe { napi::NapiRaw::raw(b) }, &mut task.refs)?);
            Ok(())
        });
        if let Err(e) = borrowed.and_then(|_| task.check()) {
            task.release(env);
            return Err(e);
        }
        Ok(AsyncTask::new(task))
    }

    /// The builders consumeRuns sealed, in order: [{ partition, hour, batch }].
    #[napi(ts_return_type = "{ partition: number; hour: number; batch: SealedBatch }[]")]
    pub fn take_sealed(&self, env: Env) -> Result<Vec<JsObject>> {
        let sealed = std::mem::take(&mut self.st().sealed);
        let mut out = Vec::with_capacity(sealed.len());
        for (partition, hour, b) in sealed {
            let mut o = env.create_object()?;
            o.set_named_property("partition", env.create_int32(partition)?)?;
            o.set_named_property("hour", env.create_double(hour as f64)?)?;
            o.set_named_property("batch", SealedBatch { parts: vec![b] }.into_instance(env)?)?;
            out.push(o);
        }
        Ok(out)
    }

    /// The details of the rejects consumeRuns reported as events 4, five numbers each, in order.
    #[napi]
    pub fn take_reject_details(&self) -> Float64Array {
        Float64Array::new(std::mem::take(&mut self.st().details))
    }

    /// Records counted by consumeRecords and consumeRuns.
    #[napi(getter)]
    pub fn records(&self) -> f64 {
        self.st().records as f64
    }

    /// Value bytes of those records.
    #[napi(getter)]
    pub fn value_bytes(&self) -> f64 {
        self.st().value_bytes as f64
    }

    /// Appends the row of an event the TypeScript validator accepted (its contract fields as
    /// JSON). status as in consume: 2 when its builder is full now.
    #[napi]
    pub fn append_event(&self, json: &[u8], partition: i32, offset: f64, status: napi::JsTypedArray) -> Result<()> {
        self.st().append_event(json, partition, offset, status)
    }

    /// The rows of one partition and hour, sealed (a fresh builder takes the next rows).
    #[napi]
    pub fn take(&self, partition: i32, hour: f64) -> Result<SealedBatch> {
        self.st().take(partition, hour)
    }

    /// What is left at the end of the batch: every hour's remaining rows (hours ascending), the
    /// partitions of an hour in `partitions` order and concatenated, a new batch only where
    /// `fileRows` would be passed. [{ hour, batch }].
    #[napi(ts_return_type = "{ hour: number; batch: SealedBatch }[]")]
    pub fn rest(&self, env: Env, partitions: Vec<i32>) -> Result<Vec<JsObject>> {
        self.st().rest(env, partitions)
    }

    /// Hours (since the epoch) this batch has rows in, ascending.
    #[napi]
    pub fn hours(&self) -> Vec<f64> {
        self.st().hours()
    }

    #[napi(getter)]
    pub fn rows(&self) -> f64 {
        self.st().rows as f64
    }

    #[napi(getter)]
    pub fn duplicates(&self) -> f64 {
        self.st().duplicates as f64
    }

    /// Puts the builders back for the next batch (the batches taken stay valid: they are copies).
    #[napi]
    pub fn close(&self) {
        self.st().close()
    }
}

/// consumeRuns' work: runs of records in borrowed buffers.
pub struct RunsTask {
    st: Arc<Mutex<Ingest>>,
    bufs: Vec<parquet_encode::RawSlice>,
    refs: Vec<napi::sys::napi_ref>,
    runs: Vec<f64>,
    from_run: usize,
    from_at: f64,
}

// SAFETY: the buffers are read on the pool thread only while the references (deleted on the
// main thread, in finally) keep them alive, and nothing writes them meanwhile: ingest/batch.ts
// hands over fetch responses that are given back for reuse only after this task resolved, and a
// copy of any small buffer that may be a slice of Node's shared pool (which other code writes).
// After reading, the caller checks each record batch's checksum again (batchUnchanged), so a
// broken promise fails the batch instead of storing changed bytes.
unsafe impl Send for RunsTask {}

const RUN_FIELDS: usize = 7;

impl RunsTask {
    /// Every run inside its buffer, before any work starts.
    fn check(&self) -> Result<()> {
        if !self.runs.len().is_multiple_of(RUN_FIELDS) {
            return Err(err(format!("consumeRuns: {} numbers do not describe runs of {RUN_FIELDS}", self.runs.len())));
        }
        for (i, d) in self.runs.chunks_exact(RUN_FIELDS).enumerate() {
            let b = d[0] as usize;
            let ok = d[0] >= 0.0 && b < self.bufs.len() && d[1] >= 0.0 && d[1] <= d[2] && d[2] <= self.bufs[b].len as f64;
            if !ok {
                return Err(err(format!("consumeRuns: run {i} ({:?}) is outside its buffer", d)));
            }
        }
        Ok(())
    }

    fn release(&mut self, env: Env) {
        for r in self.refs.drain(..) {
            unsafe { napi::sys::napi_delete_reference(env.raw(), r) };
        }
    }
}

impl Task for RunsTask {
    type Output = Vec<f64>;
    type JsValue = Float64Array;

    fn compute(&mut self) -> Result<Vec<f64>> {
        let mut st = self.st.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        let n = self.runs.len() / RUN_FIELDS;
        for run in self.from_run..n {
            let d = &self.runs[run * RUN_FIELDS..(run + 1) * RUN_FIELDS];
            let slice = self.bufs[d[0] as usize];
            // SAFETY: see `unsafe impl Send`; bounds were checked by check().
            let data = unsafe { slice.bytes() };
            let (end, base, lo, hi, partition) = (d[2] as usize, d[3] as i64, d[4], d[5], d[6] as i32);
            let mut p = if run == self.from_run && self.from_at >= 0.0 { self.from_at as usize } else { d[1] as usize };
            while let Some(r) = next_record(data, &mut p, end, base, partition)? {
                if (r.offset as f64) < lo {
                    continue;
                }
                if r.offset as f64 >= hi {
                    break;
                }
                match st.record(data, &r, partition) {
                    Verdict::Accepted(_, false) => {}
                    Verdict::Accepted(hour, true) => {
                        let b = st.take_builder(partition, hour)?;
                        st.sealed.push((partition, hour, b));
                        out.extend_from_slice(&[event::SEALED, partition as f64, hour as f64]);
                    }
                    Verdict::Not(Why::Rejected) if st.detail[0] != detail::NONE => {
                        let d = st.detail;
                        st.details.extend_from_slice(&d);
                        out.extend_from_slice(&[event::REJECTED_WITH_DETAIL, run as f64, r.start as f64]);
                    }
                    Verdict::Not(Why::Rejected) => out.extend_from_slice(&[event::REJECTED, run as f64, r.start as f64]),
                    Verdict::Not(Why::Undecided) => {
                        out.extend_from_slice(&[event::UNDECIDED, run as f64, r.start as f64, event::NEXT, run as f64, p as f64]);
                        return Ok(out);
                    }
                }
            }
        }
        out.extend_from_slice(&[event::NEXT, -1.0, 0.0]);
        Ok(out)
    }

    fn resolve(&mut self, _env: Env, out: Vec<f64>) -> Result<Float64Array> {
        Ok(Float64Array::new(out))
    }

    fn finally(&mut self, env: Env) -> Result<()> {
        self.release(env);
        Ok(())
    }
}

/// One Kafka record (format v2) read by next_record: where it starts, its offset, its value's span.
struct Rec {
    start: usize,
    offset: i64,
    /// (position, length) of the value; None for a null value.
    value: Option<(usize, usize)>,
}

enum Verdict {
    /// Appended; (hour, whether its builder is full now).
    Accepted(i64, bool),
    Not(Why),
}

/// The record at `*p` of a batch whose records end at `end`, moving `*p` past it; None at `end`.
/// A record that runs past its length or the batch is an error naming the partition and batch.
#[inline]
fn next_record(data: &[u8], p: &mut usize, end: usize, base: i64, partition: i32) -> Result<Option<Rec>> {
    if *p >= end {
        return Ok(None);
    }
    let start = *p;
    let bad = |what: &str| err(format!("Kafka partition {partition}: malformed record at byte {start} of the batch at offset {base}: {what}"));
    let mut q = start;
    let len = varint(data, &mut q, end).ok_or_else(|| bad("length"))?;
    if len < 0 || q + len as usize > end {
        return Err(bad("length past the batch"));
    }
    let rec_end = q + len as usize;
    q += 1; // attributes
    varint(data, &mut q, rec_end).ok_or_else(|| bad("timestamp delta"))?;
    let offset = base + varint(data, &mut q, rec_end).ok_or_else(|| bad("offset delta"))?;
    let key_len = varint(data, &mut q, rec_end).ok_or_else(|| bad("key length"))?;
    if key_len > 0 {
        q += key_len as usize;
    }
    let value_len = varint(data, &mut q, rec_end).ok_or_else(|| bad("value length"))?;
    if q > rec_end || (value_len > 0 && q + value_len as usize > rec_end) {
        return Err(bad("key or value past the record"));
    }
    *p = rec_end;
    Ok(Some(Rec { start, offset, value: if value_len < 0 { None } else { Some((q, value_len as usize)) } }))
}

/// A zigzag varint (Kafka's record fields) at `*p`, below `end`; None when it runs past `end`
/// or past 10 bytes.
#[inline]
fn varint(b: &[u8], p: &mut usize, end: usize) -> Option<i64> {
    let mut v: u64 = 0;
    let mut shift = 0;
    loop {
        if *p >= end || shift > 63 {
            return None;
        }
        let byte = b[*p];
        *p += 1;
        v |= ((byte & 0x7f) as u64) << shift;
        if byte & 0x80 == 0 {
            return Some((v >> 1) as i64 ^ -((v & 1) as i64));
        }
        shift += 7;
    }
}

/// The rows of one RAW file, held natively until lake/ encodes them (encode) or a test reads
/// them (columns): one or more builders' rows in order; metrics as lake/column-batch.ts
/// computes them.
#[napi]
pub struct SealedBatch {
    /// Empty once handed to the encoder.
    parts: Vec<Builder>,
}

#[napi]
impl SealedBatch {
    fn get(&self) -> Result<&[Builder]> {
        if self.parts.is_empty() {
            return Err(err("this batch was handed to the Parquet encoder already"));
        }
        Ok(&self.parts)
    }

    #[napi(getter)]
    pub fn num_rows(&self) -> Result<f64> {
        Ok(self.get()?.iter().map(|b| b.rows()).sum::<usize>() as f64)
    }

    /// Iceberg metrics per column, in schema order.
    #[napi(ts_return_type = "unknown[]")]
    pub fn metrics(&self, env: Env) -> Result<JsObject> {
        metrics_to_js(&env, self.get()?)
    }

    /// The Arrow buffers per column (copies), as lake/column-batch.ts builds them.
    #[napi(ts_return_type = "unknown[]")]
    pub fn columns(&self, env: Env) -> Result<JsObject> {
        columns_to_js(&env, self.get()?)
    }

    /// Encodes the batch as Parquet on libuv's pool (the batch is consumed), like lake/'s
    /// encodeParquet of encodeJobOf(batch): `fields` is the schema's fields as JSON.
    #[napi(ts_return_type = "Promise<{ ok: true; bytes: Buffer; columnSizes: [number, number][] }>")]
    pub fn encode(&mut self, fields: String, compression: String, row_group_size: u32, string_statistics: bool) -> Result<AsyncTask<parquet_encode::EncodeTask>> {
        self.get()?;
        Ok(AsyncTask::new(parquet_encode::EncodeTask::of_builders(std::mem::take(&mut self.parts), &fields, compression, row_group_size, string_statistics)?))
    }
}

/// A builder for RAW's columns: a spare one when there is one.
fn builder_for(spec: &Spec) -> Builder {
    if let Some(b) = SPARES.lock().unwrap().pop() {
        if b.cols.len() == spec.cols.len() && b.cols.iter().zip(spec.cols.iter()).all(|(c, m)| c.typ == m.typ && c.required == m.required) {
            return b;
        }
    }
    Builder { cols: spec.cols.iter().map(|m| Col::new(m.typ, m.required)).collect() }
}

pub(crate) fn give_back(mut b: Builder) {
    b.reset();
    let mut spares = SPARES.lock().unwrap();
    if spares.len() < MAX_SPARES {
        spares.push(b);
    }
}

/// A typed array over a fresh V8-owned ArrayBuffer holding a copy of `bytes`.
fn typed(env: &Env, bytes: &[u8], t: TypedArrayType, elems: usize) -> Result<JsUnknown> {
    let mut ab = env.create_arraybuffer(bytes.len())?;
    ab.copy_from_slice(bytes);
    Ok(ab.into_raw().into_typedarray(t, elems, 0)?.into_unknown())
}

/// The Iceberg metrics of a file's parts, per column, as lake/column-batch.ts gives them.
fn metrics_to_js(env: &Env, parts: &[Builder]) -> Result<JsObject> {
    let n: usize = parts.iter().map(|b| b.rows()).sum();
    let ncols = parts[0].cols.len();
    let mut metrics = env.create_array_with_length(ncols)?;
    for i in 0..ncols {
        let c = ColStats::of(parts.iter().map(|b| &b.cols[i]));
        let mut m = env.create_object()?;
        m.set_named_property("valueCount", env.create_double(n as f64)?)?;
        m.set_named_property("nullCount", env.create_double(c.nulls as f64)?)?;
        match parts[0].cols[i].typ {
            Typ::Double => {
                m.set_named_property("nanCount", env.create_double(c.nans as f64)?)?;
                if c.dseen {
                    m.set_named_property("lower", env.create_double(c.dlo)?)?;
                    m.set_named_property("upper", env.create_double(c.dhi)?)?;
                }
            }
            Typ::Int => {
                if c.ilo != f64::INFINITY {
                    m.set_named_property("lower", env.create_double(c.ilo)?)?;
                    m.set_named_property("upper", env.create_double(c.ihi)?)?;
                }
            }
            Typ::Long => {
                if c.lseen {
                    m.set_named_property("lower", env.create_bigint_from_i64(c.llo)?.into_unknown()?)?;
                    m.set_named_property("upper", env.create_bigint_from_i64(c.lhi)?.into_unknown()?)?;
                }
            }
            Typ::Str => {
                if let (Some(lo), Some(hi)) = (c.slo, c.shi) {
                    m.set_named_property("lower", env.create_string(std::str::from_utf8(lo).unwrap_or(""))?)?;
                    m.set_named_property("upper", env.create_string(std::str::from_utf8(hi).unwrap_or(""))?)?;
                }
            }
        }
        metrics.set_element(i as u32, m)?;
    }
    Ok(metrics)
}

/// The Arrow buffers of a file's parts (concatenated copies), per column, as
/// lake/column-batch.ts builds them.
fn columns_to_js(env: &Env, parts: &[Builder]) -> Result<JsObject> {
    let n: usize = parts.iter().map(|b| b.rows()).sum();
    let ncols = parts[0].cols.len();
    let mut columns = env.create_array_with_length(ncols)?;
    for i in 0..ncols {
        let d = columns::concat(parts, i);
        let mut col = env.create_object()?;
        col.set_named_property("nullCount", env.create_double(parts.iter().map(|b| b.cols[i].nulls).sum::<usize>() as f64)?)?;
        match parts[0].cols[i].typ {
            Typ::Double => col.set_named_property("values", typed(env, &d.values, TypedArrayType::Float64, n)?)?,
            Typ::Int => col.set_named_property("values", typed(env, &d.values, TypedArrayType::Int32, n)?)?,
            Typ::Long => col.set_named_property("values", typed(env, &d.values, TypedArrayType::BigInt64, n)?)?,
            Typ::Str => {
                col.set_named_property("values", typed(env, &d.values, TypedArrayType::Uint8, d.values.len())?)?;
                let offsets = d.offsets.unwrap_or_default();
                col.set_named_property("offsets", typed(env, columns::as_bytes(&offsets), TypedArrayType::Int32, n + 1)?)?;
            }
        }
        if let Some(v) = d.validity {
            col.set_named_property("validity", typed(env, &v, TypedArrayType::Uint8, v.len())?)?;
        }
        columns.set_element(i as u32, col)?;
    }
    Ok(columns)
}

/// Encodes a lake/ Parquet job (EncodeJob of lake/parquet-encoder.ts) on libuv's thread pool.
/// The job's buffers are copied before this returns. Resolves { ok: true, bytes, columnSizes }.
#[napi(ts_return_type = "Promise<{ ok: true; bytes: Buffer; columnSizes: [number, number][] }>")]
pub fn encode_parquet(job: JsObject) -> Result<AsyncTask<parquet_encode::EncodeTask>> {
    Ok(AsyncTask::new(parquet_encode::EncodeTask::from_js(job)?))
}

/// encodeParquet without copying on the calling thread: the job's typed arrays are read on the
/// pool thread, so the caller must leave them unchanged until the promise settles.
#[napi(ts_return_type = "Promise<{ ok: true; bytes: Buffer; columnSizes: [number, number][] }>")]
pub fn encode_parquet_borrowed(env: Env, job: JsObject) -> Result<AsyncTask<parquet_encode::EncodeTask>> {
    Ok(AsyncTask::new(parquet_encode::EncodeTask::from_js_borrowed(env, job)?))
}

/// The same, on the calling thread.
#[napi(ts_return_type = "{ ok: true; bytes: Buffer; columnSizes: [number, number][] }")]
pub fn encode_parquet_sync(env: Env, job: JsObject) -> Result<JsObject> {
    let mut t = parquet_encode::EncodeTask::from_js(job)?;
    let out = t.encode()?;
    t.resolve(env, out)
}

/// The created_by string both encoders write.
#[napi]
pub fn parquet_created_by() -> String {
    parquet_encode::CREATED_BY.to_string()
}

/// The hand-written matcher of a contract pattern (see contract::Fast) applied to each value,
/// for the test that compares it with the JavaScript RegExp of the same pattern.
#[napi]
pub fn fast_pattern_matches(pattern: String, values: Vec<String>) -> Result<Vec<bool>> {
    let fast = contract::Fast::of(&pattern).ok_or_else(|| err(format!("no hand-written matcher for pattern {pattern}")))?;
    Ok(values.iter().map(|v| fast.matches(v.as_bytes())).collect())
}
