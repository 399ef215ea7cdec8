//! Kafka records (format v2) inside a record batch: where each starts, its offset, its value.

use crate::*;

/// One Kafka record (format v2) read by next_record: where it starts, its offset, its value's span.
pub(crate) struct Rec {
    pub(crate) start: usize,
    pub(crate) offset: i64,
    /// (position, length) of the value; None for a null value.
    pub(crate) value: Option<(usize, usize)>,
}

pub(crate) enum Verdict {
    /// Appended; (hour, whether its builder is full now).
    Accepted(i64, bool),
    Not(Why),
}

/// The record at `*p` of a batch whose records end at `end`, moving `*p` past it; None at `end`.
/// A record that runs past its length or the batch is an error naming the partition and batch.
#[inline]
pub(crate) fn next_record(data: &[u8], p: &mut usize, end: usize, base: i64, partition: i32) -> Result<Option<Rec>> {
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
pub(crate) fn varint(b: &[u8], p: &mut usize, end: usize) -> Option<i64> {
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
