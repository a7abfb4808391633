//! Thin napi-rs bindings: convert JS values, call the core, map errors.
//!
//! Nothing here holds state of its own except per-env setup; the process-wide state is
//! `core::runtime()`. Errors cross as a plain `Error` whose message starts with the JS
//! class to throw (`TypeError: ...`); `lib/native.js` rethrows it as that class.

mod arenas;
mod gc;
mod heap;
mod json;
mod locks;
mod sync;

use crate::core::{error::ErrorKind, CoreError};

/// Converts a core error into a napi error whose reason names the JS class.
pub(crate) fn to_napi(e: CoreError) -> napi::Error {
    let class = match e.kind {
        ErrorKind::Type => "TypeError",
        ErrorKind::Range => "RangeError",
        ErrorKind::Other => "Error",
    };
    napi::Error::new(
        napi::Status::GenericFailure,
        format!("{class}: {}", e.message),
    )
}
