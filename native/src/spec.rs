//! The registry's device ids and the contract with RAW's columns, compiled once per worker and
//! shared by every RawIngest.

use crate::*;

/// The device ids of the registry at one moment.
#[napi]
pub struct DeviceSet {
    pub(crate) ids: Arc<KeySet>,
    /// Every id the registry has (else a device missing here may still be registered).
    pub(crate) complete: bool,
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
pub(crate) enum Src {
    Field(usize),
    Topic,
    Partition,
    Offset,
    IngestedAt,
}

#[derive(Clone, Copy)]
pub(crate) struct ColMap {
    pub(crate) typ: Typ,
    pub(crate) required: bool,
    /// A timestamp column filled from an ISO 8601 string.
    pub(crate) iso: bool,
    pub(crate) src: Src,
}

/// The contract and RAW's columns, compiled once.
#[napi]
pub struct RawSpec {
    pub(crate) spec: Arc<Spec>,
}

/// What RawSpec compiles, shared by every RawIngest.
pub(crate) struct Spec {
    pub(crate) contract: Contract,
    /// The contract's property names, in schema order (the JSON reader's keys).
    pub(crate) keys: Vec<Vec<u8>>,
    pub(crate) cols: Vec<ColMap>,
    pub(crate) event_id: usize,
    pub(crate) device_id: usize,
    pub(crate) event_ts: usize,
    pub(crate) max_bytes: usize,
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
