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
mod fx;
mod values;
mod spec;
mod ingest;
mod raw_ingest;
mod runs;
mod records;
mod sealed;

// Each module sees the others' items through `use crate::*`.
use fx::*;
use ingest::*;
use records::*;
use runs::*;
use sealed::*;
use spec::*;
use values::*;

pub(crate) fn err(msg: impl Into<String>) -> Error {
    Error::new(Status::InvalidArg, msg.into())
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
