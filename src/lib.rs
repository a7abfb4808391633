//! shared-structs: a process-wide shared heap for Node.js `worker_threads`.
//!
//! The crate is split in two halves:
//! - [`core`] owns memory, layouts, the type registry and in-flight tokens. It knows
//!   nothing of N-API and can be unit-tested with `cargo test`.
//! - `binding` is a thin napi-rs layer that converts JS values and forwards to the core.
//!
//! Hot paths (field reads and writes, allocation from a thread-local buffer) run in
//! JavaScript over typed-array views of the region; see `docs/layout.md`.

pub mod core;

#[cfg(not(test))]
mod binding;
