//! One micro-batch's RAW rows by Kafka partition and event hour: reading a message as JSON,
//! checking it against the contract and the registry, and appending its row (the state behind
//! RawIngest, shared with consumeRuns' pool thread).

use crate::*;

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Mode {
    /// Accept only what the contract and the registry accept.
    Check,
    /// A value the TypeScript validator accepted: build its row.
    Trusted,
}

/// One micro-batch's RAW rows, by Kafka partition and event hour (the state of a RawIngest,
/// shared with the pool thread of consumeRuns).
pub(crate) struct Ingest {
    pub(crate) spec: Arc<Spec>,
    pub(crate) devices: Arc<KeySet>,
    pub(crate) devices_complete: bool,
    pub(crate) topic: Vec<u8>,
    pub(crate) ingested_at: i64,
    pub(crate) file_rows: usize,
    pub(crate) builders: FxMap<(i32, i64), Builder>,
    pub(crate) hours: BTreeSet<i64>,
    pub(crate) ids: KeySet,
    pub(crate) rows: u64,
    pub(crate) duplicates: u64,
    /// Records consume_records looked at in its offset windows, and their value bytes.
    pub(crate) records: u64,
    pub(crate) value_bytes: u64,
    pub(crate) slots: Vec<Slot>,
    pub(crate) scratch: Vec<u8>,
    pub(crate) order: Vec<u16>,
    /// Event ids that are lowercase canonical uuids, as their 128 bits (16 bytes a set entry, no
    /// allocation); every other id is in `ids`. An id's form decides its set, so the two never
    /// hold the same id.
    pub(crate) ids128: FxSet<u128>,
    /// Per contract property: accepted values of pattern fields (see accept).
    pub(crate) memo: Vec<Memo>,
    /// Builders consumeRuns sealed (full), in order, until takeSealed.
    pub(crate) sealed: Vec<(i32, i64, Builder)>,
    /// Why accept's last Rejected was, when the message was read whole (see DETAIL_FIELDS).
    pub(crate) detail: [f64; DETAIL_FIELDS],
    /// The details of the rejects consumeRuns reported as events 4, in order, until takeRejectDetails.
    pub(crate) details: Vec<f64>,
}

/// A reject's detail, five numbers [code, property, value kind, x, y], for the TypeScript path to
/// word without parsing the message again. code 0: none (worded from the message); 1: contract
/// property `property` (contract order) is the first that fails; 2: the device is not
/// registered. Value kind 0: absent, 1: null, 2: the number x, 3: the string at bytes [x, y) of
/// the message (no escapes). Only for a message read whole as JSON.parse's JSON.
pub(crate) const DETAIL_FIELDS: usize = 5;

/// Why accept did not accept a message.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum Why {
    /// The contract or the registry rejects it, as the TypeScript validator will (which words the
    /// reason; ingestion checks that it does reject, see consumeRuns).
    Rejected,
    /// Left to the TypeScript path, which may accept it (a byte order mark, JSON the reader does
    /// not read, a value that does not fit its column, or a device the registry may know).
    Undecided,
}

pub(crate) const MEMO_MAX: usize = 4096;

pub(crate) struct Memo {
    pub(crate) on: bool,
    pub(crate) seen: KeySet,
}

impl Ingest {
    /// `ingestedAtMs`: the batch's ingestion time; `fileRows`: a builder reaching it is full.
    pub(crate) fn new(spec: &RawSpec, devices: &DeviceSet, topic: String, ingested_at_ms: f64, file_rows: u32) -> Self {
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

    pub(crate) fn new_builder(&self) -> Builder {
        builder_for(&self.spec)
    }

    #[inline]
    pub(crate) fn str_of<'m>(&'m self, msg: &'m [u8], s: Slot) -> Option<&'m [u8]> {
        match s {
            Slot::Str(a, b) => Some(&msg[a as usize..b as usize]),
            Slot::Esc(a, b) => Some(&self.scratch[a as usize..b as usize]),
            _ => None,
        }
    }

    /// Reads and (in Check mode) checks one message; on acceptance appends its row and returns
    /// (hour, full); else why not (nothing was changed).
    pub(crate) fn accept(&mut self, msg: &[u8], partition: i32, offset: i64, mode: Mode) -> std::result::Result<(i64, bool), Why> {
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
    pub(crate) fn record(&mut self, data: &[u8], r: &Rec, partition: i32) -> Verdict {
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
    pub(crate) fn take_builder(&mut self, partition: i32, hour: i64) -> Result<Builder> {
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
pub(crate) fn detail_of(code: f64, p: usize, s: Slot) -> [f64; DETAIL_FIELDS] {
    let (kind, x, y) = match s {
        Slot::Missing => (detail::ABSENT, 0.0, 0.0),
        Slot::Null => (detail::NULL, 0.0, 0.0),
        Slot::Num(v) => (detail::NUMBER, v, 0.0),
        Slot::Str(a, b) => (detail::STRING, a as f64, b as f64),
        Slot::Esc(..) | Slot::Other => return [0.0; DETAIL_FIELDS],
    };
    [code, p as f64, kind, x, y]
}
