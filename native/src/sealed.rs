//! SealedBatch: one RAW file's rows held natively until lake/ encodes them, its metrics and
//! Arrow buffers for JavaScript, and the spare builders reused between micro-batches.

use crate::*;

/// Builders kept between micro-batches with their grown buffers.
pub(crate) static SPARES: Mutex<Vec<Builder>> = Mutex::new(Vec::new());
pub(crate) const MAX_SPARES: usize = 48;

/// The rows of one RAW file, held natively until lake/ encodes them (encode) or a test reads
/// them (columns): one or more builders' rows in order; metrics as lake/column-batch.ts
/// computes them.
#[napi]
pub struct SealedBatch {
    /// Empty once handed to the encoder.
    pub(crate) parts: Vec<Builder>,
}

#[napi]
impl SealedBatch {
    pub(crate) fn get(&self) -> Result<&[Builder]> {
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
pub(crate) fn builder_for(spec: &Spec) -> Builder {
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
pub(crate) fn typed(env: &Env, bytes: &[u8], t: TypedArrayType, elems: usize) -> Result<JsUnknown> {
    let mut ab = env.create_arraybuffer(bytes.len())?;
    ab.copy_from_slice(bytes);
    Ok(ab.into_raw().into_typedarray(t, elems, 0)?.into_unknown())
}

/// The Iceberg metrics of a file's parts, per column, as lake/column-batch.ts gives them.
pub(crate) fn metrics_to_js(env: &Env, parts: &[Builder]) -> Result<JsObject> {
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
pub(crate) fn columns_to_js(env: &Env, parts: &[Builder]) -> Result<JsObject> {
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
