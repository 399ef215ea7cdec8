//! The numbers the addon and ingest/native.ts exchange, named on both sides. `protocol()` hands
//! them to TypeScript, and test/unit/ingest/native.test.ts checks that its own names match.
use napi_derive::napi;

/// consume / consumeRecords / appendEvent: why reading stopped (status[0]).
pub mod stop {
    /// At the end of the records or of the window.
    pub const END: i32 = 0;
    /// At a message the TypeScript path must decide (consumeRecords: status[2] is where it starts).
    pub const UNDECIDED: i32 = 1;
    /// After a message that filled its builder (status[1] is its hour).
    pub const FULL: i32 = 2;
}

/// consumeRuns' events, three numbers each: [kind, a, b].
pub mod event {
    /// [NEXT, run, at]: where to go on (run -1: every run done). Always last.
    pub const NEXT: f64 = 0.0;
    /// [UNDECIDED, run, start]: the record the TypeScript path must decide; NEXT follows.
    pub const UNDECIDED: f64 = 1.0;
    /// [SEALED, partition, hour]: a full builder, in takeSealed's order.
    pub const SEALED: f64 = 2.0;
    /// [REJECTED, run, start]: a rejected record, to be worded from the message.
    pub const REJECTED: f64 = 3.0;
    /// [REJECTED_WITH_DETAIL, run, start]: a rejected record with a detail in takeRejectDetails.
    pub const REJECTED_WITH_DETAIL: f64 = 4.0;
}

/// A reject's detail: [code, property, value kind, x, y].
pub mod detail {
    /// code: no detail (the message itself shows the value: worded from the message).
    pub const NONE: f64 = 0.0;
    /// code: contract property `property` (contract order) is the first that fails.
    pub const PROPERTY: f64 = 1.0;
    /// code: the device is not registered.
    pub const UNREGISTERED: f64 = 2.0;
    /// value kinds: absent, null, the number x, the string at bytes [x, y) of the message.
    pub const ABSENT: f64 = 0.0;
    pub const NULL: f64 = 1.0;
    pub const NUMBER: f64 = 2.0;
    pub const STRING: f64 = 3.0;
}

/// Every name above with its number as JSON, for the test that compares them with TypeScript's.
#[napi]
pub fn protocol() -> String {
    serde_json::json!({
        "stop": { "end": stop::END, "undecided": stop::UNDECIDED, "full": stop::FULL },
        "event": { "next": event::NEXT, "undecided": event::UNDECIDED, "sealed": event::SEALED, "rejected": event::REJECTED, "rejectedWithDetail": event::REJECTED_WITH_DETAIL },
        "detail": { "none": detail::NONE, "property": detail::PROPERTY, "unregistered": detail::UNREGISTERED, "absent": detail::ABSENT, "null": detail::NULL, "number": detail::NUMBER, "string": detail::STRING },
    })
    .to_string()
}
