//! Parquet encoding for lake/: the job lake/parquet-encoder.ts gives parquet-wasm (fields with
//! Iceberg field ids, Arrow column buffers, writer settings), written here by the same parquet
//! crate version natively, on libuv's thread pool. The same writer and settings give the same
//! bytes (test/unit/lake/native-encoder.test.ts compares them); this one skips the Arrow IPC
//! round trip and WebAssembly.
use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, BinaryArray, BooleanArray, Date32Array, Float32Array, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use napi::bindgen_prelude::*;
use napi::{Env, JsBuffer, JsObject, JsTypedArray, JsUnknown, TypedArrayType};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::columns::{Builder, ColData};

/// What parquet-encoder.ts sets as created_by on both paths.
pub const CREATED_BY: &str = "floe lake (parquet 59.3.0)";

/// One column of a JS job: values, and offsets and validity when present.
type ColumnArrays = (JsTypedArray, Option<JsTypedArray>, Option<JsTypedArray>);

/// A file's bytes and each field's (id, compressed size).
pub type Encoded = (Vec<u8>, Vec<(i32, i64)>);

pub struct FieldSpec {
    id: i32,
    name: String,
    typ: String,
    required: bool,
}

pub struct EncodeTask {
    fields: Vec<FieldSpec>,
    num_rows: usize,
    columns: Vec<ColData>,
    /// A sealed RAW file's builders (the addon's own batch, in parts): their columns are
    /// concatenated on the pool thread, then they go back to the spares.
    parts: Vec<Builder>,
    /// Columns left in the caller's typed arrays (encodeParquetBorrowed): read on the pool
    /// thread, held by references released on the main thread when the task ends.
    borrowed: Option<Borrowed>,
    compression: String,
    row_group_size: Option<usize>,
    string_statistics: bool,
}

fn err(msg: impl Into<String>) -> Error {
    Error::new(Status::InvalidArg, msg.into())
}

/// A copy of a typed array's bytes (the caller may reuse its buffers once encode returns).
fn bytes_of(v: JsTypedArray) -> Result<(Vec<u8>, TypedArrayType)> {
    let v = v.into_value()?;
    let t = v.typedarray_type;
    let b: Vec<u8> = match t {
        TypedArrayType::Uint8 => AsRef::<[u8]>::as_ref(&v).to_vec(),
        TypedArrayType::Int32 => cast(AsRef::<[i32]>::as_ref(&v)),
        TypedArrayType::Float32 => cast(AsRef::<[f32]>::as_ref(&v)),
        TypedArrayType::Float64 => cast(AsRef::<[f64]>::as_ref(&v)),
        TypedArrayType::BigInt64 => cast(AsRef::<[i64]>::as_ref(&v)),
        other => return Err(err(format!("encodeParquet: unsupported typed array {other:?}"))),
    };
    Ok((b, t))
}

fn cast<T>(v: &[T]) -> Vec<u8> {
    crate::columns::as_bytes(v).to_vec()
}

/// n values of T from little-endian bytes: the bytes themselves when aligned for T (as the
/// allocator gives them), else a copy.
fn scalars<T: arrow_buffer::ArrowNativeType>(bytes: Vec<u8>, n: usize) -> Result<ScalarBuffer<T>> {
    let size = std::mem::size_of::<T>();
    if bytes.len() < n * size {
        return Err(err(format!("column has {} bytes, {n} values need {}", bytes.len(), n * size)));
    }
    if (bytes.as_ptr() as usize).is_multiple_of(std::mem::align_of::<T>()) {
        return Ok(ScalarBuffer::new(Buffer::from_vec(bytes), 0, n));
    }
    let mut v: Vec<T> = Vec::with_capacity(n);
    // SAFETY: n values of T fit in bytes (checked); T is a plain numeric type.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), v.as_mut_ptr() as *mut u8, n * size);
        v.set_len(n);
    }
    Ok(ScalarBuffer::from(v))
}

impl EncodeTask {
    /// The job's fields and settings (the same shape as EncodeJob in parquet-encoder.ts), no columns yet.
    fn settings(job: &JsObject) -> Result<EncodeTask> {
        let fields_js: JsObject = job.get_named_property("fields")?;
        let nf = fields_js.get_array_length()?;
        let mut fields = Vec::with_capacity(nf as usize);
        for i in 0..nf {
            let f: JsObject = fields_js.get_element(i)?;
            fields.push(FieldSpec {
                id: f.get_named_property::<i32>("id")?,
                name: f.get_named_property::<String>("name")?,
                typ: f.get_named_property::<String>("type")?,
                required: f.get_named_property::<bool>("required")?,
            });
        }
        let num_rows = job.get_named_property::<f64>("numRows")? as usize;
        let compression = job.get_named_property::<String>("compression")?;
        let row_group_size = match job.get_named_property::<JsUnknown>("rowGroupSize")?.get_type()? {
            napi::ValueType::Number => Some(job.get_named_property::<f64>("rowGroupSize")? as usize).filter(|&r| r > 0),
            _ => None,
        };
        let string_statistics = match job.get_named_property::<JsUnknown>("stringStatistics")?.get_type()? {
            napi::ValueType::Boolean => job.get_named_property::<bool>("stringStatistics")?,
            _ => false,
        };
        Ok(EncodeTask { fields, num_rows, columns: Vec::new(), compression, row_group_size, string_statistics, parts: Vec::new(), borrowed: None })
    }

    /// The job's columns, each as (values, offsets, validity) typed arrays (absent ones None).
    fn column_arrays(job: &JsObject) -> Result<Vec<ColumnArrays>> {
        let present = |c: &JsObject, name: &str| -> Result<Option<JsTypedArray>> {
            if c.has_named_property(name)? && c.get_named_property::<JsUnknown>(name)?.get_type()? == napi::ValueType::Object {
                Ok(Some(c.get_named_property_unchecked::<JsTypedArray>(name)?))
            } else {
                Ok(None)
            }
        };
        let cols_js: JsObject = job.get_named_property("columns")?;
        let mut out = Vec::new();
        for i in 0..cols_js.get_array_length()? {
            let c: JsObject = cols_js.get_element(i)?;
            let values = present(&c, "values")?.ok_or_else(|| err(format!("column {i} has no values")))?;
            out.push((values, present(&c, "offsets")?, present(&c, "validity")?));
        }
        Ok(out)
    }

    /// Reads and copies the job (the same shape as EncodeJob in parquet-encoder.ts).
    pub fn from_js(job: JsObject) -> Result<EncodeTask> {
        let mut t = Self::settings(&job)?;
        for (values, offsets, validity) in Self::column_arrays(&job)? {
            t.columns.push(ColData {
                values: bytes_of(values)?.0,
                offsets: offsets.map(|o| bytes_of(o).map(|(b, _)| b.chunks_exact(4).map(|w| i32::from_le_bytes(w.try_into().unwrap())).collect())).transpose()?,
                validity: validity.map(|v| bytes_of(v).map(|(b, _)| b)).transpose()?,
            });
        }
        Ok(t)
    }

    /// The job of a sealed file's builders (its rows in order): `fields` as [{ id, name, type,
    /// required }] (JSON).
    pub fn of_builders(parts: Vec<Builder>, fields: &str, compression: String, row_group_size: u32, string_statistics: bool) -> Result<EncodeTask> {
        let v: serde_json::Value = serde_json::from_str(fields).map_err(|e| err(format!("fields: {e}")))?;
        let mut out = Vec::new();
        for f in v.as_array().ok_or_else(|| err("fields: not a list"))? {
            out.push(FieldSpec {
                id: f.get("id").and_then(|x| x.as_i64()).ok_or_else(|| err("field without id"))? as i32,
                name: f.get("name").and_then(|x| x.as_str()).ok_or_else(|| err("field without name"))?.to_string(),
                typ: f.get("type").and_then(|x| x.as_str()).ok_or_else(|| err("field without type"))?.to_string(),
                required: f.get("required").and_then(|x| x.as_bool()).unwrap_or(false),
            });
        }
        if let Some(b) = parts.iter().find(|b| b.cols.len() != out.len()) {
            return Err(err(format!("{} fields for {} columns", out.len(), b.cols.len())));
        }
        let num_rows = parts.iter().map(|b| b.rows()).sum();
        Ok(EncodeTask { fields: out, num_rows, columns: Vec::new(), compression, row_group_size: Some(row_group_size as usize).filter(|&r| r > 0), string_statistics, parts, borrowed: None })
    }

    /// The parts' columns, concatenated into the job (the buffers lake/column-batch.ts would
    /// hand over); the builders go back to the spares.
    fn take_parts(&mut self) {
        if self.parts.is_empty() {
            return;
        }
        let parts = std::mem::take(&mut self.parts);
        self.columns = (0..parts[0].cols.len()).map(|i| crate::columns::concat(&parts, i)).collect();
        parts.into_iter().for_each(crate::give_back);
    }

    /// Column i as an Arrow array: its buffers move into it (the job is encoded once).
    fn array(&mut self, i: usize) -> Result<(Field, ArrayRef)> {
        let f = &self.fields[i];
        let c = std::mem::replace(&mut self.columns[i], ColData { values: Vec::new(), offsets: None, validity: None });
        let n = self.num_rows;
        let nulls = c.validity.map(|v| NullBuffer::new(BooleanBuffer::new(Buffer::from_vec(v), 0, n)));
        let offsets = c.offsets;
        let offsets = || -> Result<OffsetBuffer<i32>> {
            let mut o = offsets.ok_or_else(|| err(format!("column {} has no offsets", f.name)))?;
            if o.len() < n + 1 {
                return Err(err(format!("column {} has {} offsets for {n} rows", f.name, o.len())));
            }
            o.truncate(n + 1);
            Ok(OffsetBuffer::new(ScalarBuffer::from(o)))
        };
        let values = c.values;
        let bad = |e: arrow_schema::ArrowError| err(format!("column {}: {e}", f.name));
        let (dt, a): (DataType, ArrayRef) = match f.typ.as_str() {
            "boolean" => (DataType::Boolean, Arc::new(BooleanArray::new(BooleanBuffer::new(Buffer::from_vec(values), 0, n), nulls))),
            "int" => (DataType::Int32, Arc::new(Int32Array::try_new(scalars(values, n)?, nulls).map_err(bad)?)),
            "date" => (DataType::Date32, Arc::new(Date32Array::try_new(scalars(values, n)?, nulls).map_err(bad)?)),
            "long" => (DataType::Int64, Arc::new(Int64Array::try_new(scalars(values, n)?, nulls).map_err(bad)?)),
            "float" => (DataType::Float32, Arc::new(Float32Array::try_new(scalars(values, n)?, nulls).map_err(bad)?)),
            "double" => (DataType::Float64, Arc::new(Float64Array::try_new(scalars(values, n)?, nulls).map_err(bad)?)),
            "timestamp" => (DataType::Timestamp(TimeUnit::Microsecond, None), Arc::new(TimestampMicrosecondArray::try_new(scalars(values, n)?, nulls).map_err(bad)?)),
            "timestamptz" => {
                let a = TimestampMicrosecondArray::try_new(scalars(values, n)?, nulls).map_err(bad)?.with_timezone("UTC");
                (DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), Arc::new(a))
            }
            "string" => (DataType::Utf8, Arc::new(StringArray::try_new(offsets()?, Buffer::from_vec(values), nulls).map_err(bad)?)),
            "binary" => (DataType::Binary, Arc::new(BinaryArray::try_new(offsets()?, Buffer::from_vec(values), nulls).map_err(bad)?)),
            t => return Err(err(format!("column {}: type {t} is not encoded", f.name))),
        };
        let field = Field::new(&f.name, dt, !f.required).with_metadata(HashMap::from([("PARQUET:field_id".to_string(), f.id.to_string())]));
        Ok((field, a))
    }

    /// The file's bytes and each field's compressed size (summed over row groups), after
    /// checking the footer carries every field id and the row count.
    pub fn encode(&mut self) -> Result<Encoded> {
        if self.columns.len() != self.fields.len() {
            return Err(err(format!("{} columns for {} fields", self.columns.len(), self.fields.len())));
        }
        let mut fields = Vec::new();
        let mut arrays = Vec::new();
        for i in 0..self.fields.len() {
            let (f, a) = self.array(i)?;
            fields.push(f);
            arrays.push(a);
        }
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| err(format!("record batch: {e}")))?;
        let mut props = WriterProperties::builder()
            .set_compression(match self.compression.as_str() {
                "zstd" => Compression::ZSTD(ZstdLevel::default()),
                "snappy" => Compression::SNAPPY,
                "lz4" => Compression::LZ4_RAW,
                "none" => Compression::UNCOMPRESSED,
                c => return Err(err(format!("unknown compression {c}"))),
            })
            .set_dictionary_enabled(false)
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_created_by(CREATED_BY.to_string());
        if let Some(r) = self.row_group_size {
            // What parquet-wasm's setMaxRowGroupSize calls.
            #[allow(deprecated)]
            {
                props = props.set_max_row_group_size(r);
            }
        }
        if !self.string_statistics {
            for f in &self.fields {
                if f.typ == "string" || f.typ == "binary" {
                    props = props.set_column_statistics_enabled(ColumnPath::from(f.name.clone()), EnabledStatistics::None);
                }
            }
        }
        let mut out: Vec<u8> = Vec::new();
        let mut w = ArrowWriter::try_new(&mut out, schema, Some(props.build())).map_err(|e| err(format!("parquet writer: {e}")))?;
        w.write(&batch).map_err(|e| err(format!("parquet write: {e}")))?;
        let meta = w.close().map_err(|e| err(format!("parquet close: {e}")))?;
        if meta.file_metadata().num_rows() as usize != self.num_rows {
            return Err(err(format!("Parquet footer says {} rows, expected {}", meta.file_metadata().num_rows(), self.num_rows)));
        }
        let descr = meta.file_metadata().schema_descr();
        let mut sizes: Vec<(i32, i64)> = self.fields.iter().map(|f| (f.id, 0)).collect();
        for (i, f) in self.fields.iter().enumerate() {
            let t = descr.column(i).self_type_ptr();
            let info = t.get_basic_info();
            if !info.has_id() || info.id() != f.id || info.name() != f.name {
                return Err(err(format!("Parquet column {:?} has field_id {}, expected {}", f.name, if info.has_id() { info.id().to_string() } else { "none".into() }, f.id)));
            }
        }
        let mut seen = vec![false; sizes.len()];
        for rg in meta.row_groups() {
            for (i, col) in rg.columns().iter().enumerate() {
                sizes[i].1 += col.compressed_size();
                seen[i] = true;
            }
        }
        // Like parquet-encoder.ts's footer reading: only columns that have a chunk (none when empty).
        Ok((out, sizes.into_iter().zip(seen).filter(|(_, s)| *s).map(|(x, _)| x).collect()))
    }
}

impl Task for EncodeTask {
    type Output = Encoded;
    type JsValue = JsObject;

    fn compute(&mut self) -> Result<Self::Output> {
        self.take_parts();
        if let Some(b) = &self.borrowed {
            // SAFETY: the caller keeps the typed arrays unchanged until the promise settles, and
            // the references keep them alive.
            self.columns = b.cols.iter().map(|c| unsafe { c.copy() }).collect();
        }
        self.encode()
    }

    fn finally(&mut self, env: Env) -> Result<()> {
        if let Some(b) = self.borrowed.take() {
            for r in b.refs {
                unsafe { napi::sys::napi_delete_reference(env.raw(), r) };
            }
        }
        Ok(())
    }

    fn resolve(&mut self, env: Env, (bytes, sizes): Self::Output) -> Result<JsObject> {
        let mut o = env.create_object()?;
        o.set_named_property("ok", env.get_boolean(true)?)?;
        let b: JsBuffer = env.create_buffer_with_data(bytes)?.into_raw();
        o.set_named_property("bytes", b)?;
        let mut list = env.create_array_with_length(sizes.len())?;
        for (i, (id, size)) in sizes.into_iter().enumerate() {
            let mut pair = env.create_array_with_length(2)?;
            pair.set_element(0, env.create_int32(id)?)?;
            pair.set_element(1, env.create_double(size as f64)?)?;
            list.set_element(i as u32, pair)?;
        }
        o.set_named_property("columnSizes", list)?;
        Ok(o)
    }
}

/// A byte range of a JS typed array kept alive by a reference.
#[derive(Clone, Copy)]
pub struct RawSlice {
    ptr: *const u8,
    pub len: usize,
}

impl RawSlice {
    /// SAFETY: only while the reference taken by borrow_bytes keeps the array alive, and the
    /// caller does not write it.
    pub unsafe fn bytes<'a>(&self) -> &'a [u8] {
        if self.len == 0 { &[] } else { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// borrow() for the ingestion buffers.
pub fn borrow_bytes(env: napi::sys::napi_env, v: napi::sys::napi_value, refs: &mut Vec<napi::sys::napi_ref>) -> Result<RawSlice> {
    borrow(env, v, refs)
}

pub struct BorrowedCol {
    values: RawSlice,
    offsets: Option<RawSlice>,
    validity: Option<RawSlice>,
}

impl BorrowedCol {
    unsafe fn copy(&self) -> ColData {
        let bytes = |s: RawSlice| if s.len == 0 { Vec::new() } else { std::slice::from_raw_parts(s.ptr, s.len).to_vec() };
        ColData {
            values: bytes(self.values),
            offsets: self.offsets.map(|o| bytes(o).chunks_exact(4).map(|w| i32::from_le_bytes(w.try_into().unwrap())).collect()),
            validity: self.validity.map(bytes),
        }
    }
}

pub struct Borrowed {
    refs: Vec<napi::sys::napi_ref>,
    cols: Vec<BorrowedCol>,
}

// SAFETY: the pointers are read on the pool thread only while the references (released on the
// main thread, in finally) keep the buffers alive; the caller does not write them meanwhile.
unsafe impl Send for Borrowed {}

/// A typed array's bytes, referenced (not copied).
fn borrow(env: napi::sys::napi_env, v: napi::sys::napi_value, refs: &mut Vec<napi::sys::napi_ref>) -> Result<RawSlice> {
    let mut t = 0;
    let mut len = 0usize;
    let mut data = std::ptr::null_mut();
    let mut ab = std::ptr::null_mut();
    let mut off = 0usize;
    let status = unsafe { napi::sys::napi_get_typedarray_info(env, v, &mut t, &mut len, &mut data, &mut ab, &mut off) };
    if status != napi::sys::Status::napi_ok {
        return Err(err("encodeParquetBorrowed: a column buffer is not a typed array"));
    }
    let size = match TypedArrayType::from(t) {
        TypedArrayType::Uint8 | TypedArrayType::Int8 => 1,
        TypedArrayType::Int32 | TypedArrayType::Float32 => 4,
        TypedArrayType::Float64 | TypedArrayType::BigInt64 => 8,
        other => return Err(err(format!("encodeParquetBorrowed: unsupported typed array {other:?}"))),
    };
    let mut r = std::ptr::null_mut();
    unsafe { napi::sys::napi_create_reference(env, v, 1, &mut r) };
    refs.push(r);
    Ok(RawSlice { ptr: data as *const u8, len: len * size })
}

impl EncodeTask {
    /// The job with its column buffers borrowed: the caller must leave them unchanged until the
    /// returned promise settles (no copy on the calling thread).
    pub fn from_js_borrowed(env: Env, job: JsObject) -> Result<EncodeTask> {
        // Settings first: nothing is referenced yet if they are bad.
        let mut t = Self::settings(&job)?;
        let raw_env = env.raw();
        let mut refs = Vec::new();
        let mut cols = Vec::new();
        let raw = |a: &JsTypedArray| unsafe { napi::NapiRaw::raw(a) };
        for (values, offsets, validity) in Self::column_arrays(&job)? {
            cols.push(BorrowedCol {
                values: borrow(raw_env, raw(&values), &mut refs)?,
                offsets: offsets.map(|o| borrow(raw_env, raw(&o), &mut refs)).transpose()?,
                validity: validity.map(|v| borrow(raw_env, raw(&v), &mut refs)).transpose()?,
            });
        }
        t.borrowed = Some(Borrowed { refs, cols });
        Ok(t)
    }
}
