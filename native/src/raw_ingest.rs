//! RawIngest, the JavaScript face of Ingest (ingest/native.ts declares the same methods; the
//! test/unit/ingest/native-interface.test.ts checks them against this file).

use crate::*;

/// One micro-batch's RAW rows (see Ingest); its state is shared with consumeRuns' pool thread.
#[napi]
pub struct RawIngest {
    pub(crate) st: Arc<Mutex<Ingest>>,
}

impl RawIngest {
    pub(crate) fn st(&self) -> std::sync::MutexGuard<'_, Ingest> {
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
            // SAFETY: `b` is a live argument of this call; borrow_bytes takes a reference that keeps
            // it alive until the task releases it (see RunsTask's `unsafe impl Send`).
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
