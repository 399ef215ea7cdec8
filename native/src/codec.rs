//! Kafka record batch helpers for the fetch path (ingest/kafka-fetch.ts): the CRC-32C every
//! record batch carries, and zstd decompression, which Node.js has only from 22.15 on.
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::err;

/// CRC-32C (Castagnoli) of `data[at, end)`, as a record batch's `crc` field holds it for the
/// bytes from its `attributes` to its end. Hardware CRC instructions where the CPU has them.
#[napi(js_name = "crc32c")]
pub fn crc32c(data: &[u8], at: u32, end: u32) -> Result<u32> {
    let (at, end) = (at as usize, end as usize);
    if at > end || end > data.len() {
        return Err(err(format!("crc32c: range [{at}, {end}) is outside a buffer of {} bytes", data.len())));
    }
    Ok(crc32c::crc32c(&data[at..end]))
}

/// The records of a zstd-compressed record batch (one or more zstd frames, with or without
/// their content size, as the Java client and librdkafka write them).
#[napi]
pub fn zstd_decompress(data: &[u8]) -> Result<Buffer> {
    zstd::stream::decode_all(data).map(Buffer::from).map_err(|e| err(format!("zstd: {e}")))
}
