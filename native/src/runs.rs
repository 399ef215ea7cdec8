//! consumeRuns on libuv's pool: Kafka record runs read from buffers borrowed from JavaScript.

use crate::*;

/// consumeRuns' work: runs of records in borrowed buffers.
pub struct RunsTask {
    pub(crate) st: Arc<Mutex<Ingest>>,
    pub(crate) bufs: Vec<parquet_encode::RawSlice>,
    pub(crate) refs: Vec<napi::sys::napi_ref>,
    pub(crate) runs: Vec<f64>,
    pub(crate) from_run: usize,
    pub(crate) from_at: f64,
}

// SAFETY: the buffers are read on the pool thread only while the references (deleted on the
// main thread, in finally) keep them alive, and nothing writes them meanwhile: the batch
// (runDescriptors in ingest/stages/native-rows.ts) hands over fetch responses that are given back
// for reuse only after this task resolved, and a copy of any small buffer that may be a slice of
// Node's shared pool (which other code writes).
// After reading, the caller checks each record batch's checksum again (batchUnchanged), so a
// broken promise fails the batch instead of storing changed bytes.
unsafe impl Send for RunsTask {}

pub(crate) const RUN_FIELDS: usize = 7;

impl RunsTask {
    /// Every run inside its buffer, before any work starts.
    pub(crate) fn check(&self) -> Result<()> {
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

    pub(crate) fn release(&mut self, env: Env) {
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
