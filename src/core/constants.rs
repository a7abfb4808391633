//! Every constant and wire code that the JS layer shares with Rust, by the name JS uses: the
//! memory layout (layout.rs), the lock words' bits and the slow paths' result codes
//! (sync/), the doorbell payloads (park.rs), and the limits JS enforces for Rust. Each value
//! is defined once, next to the Rust code that gives it meaning; the binding hands this list
//! to JS at load (`layoutConstants()`, which lib/layout.js freezes and exports), so nothing is
//! mirrored by hand. JS files that still spell a value out are checked against this list by
//! __test__/constants.test.mjs.

use super::{json, layout, park, sync};

/// Every constant the JS layer reads, as (name, value).
pub fn all() -> Vec<(&'static str, f64)> {
    let mut all = layout::constants();
    all.extend(sync::constants());
    all.extend(park::constants());
    all.push(("MAX_FIELDS", json::MAX_FIELDS as f64));
    all
}

// The protocols' invariants, checked when the crate compiles: waiter ids (below DOORBELL_GC)
// and DOORBELL_GC carry no GRANTED bit; every thread id fits in a Mutex word's owner bits;
// the SharedMutex state word's fields do not overlap.
const _: () = {
    assert!(park::DOORBELL_GC & park::DOORBELL_GRANTED == 0);
    assert!(park::MAX_TID <= sync::MUTEX_OWNER && sync::MUTEX_OWNER & sync::MUTEX_PARKED == 0);
    let rw = [
        sync::RW_READERS,
        sync::RW_WRITER,
        sync::RW_WRITERS_PARKED,
        sync::RW_READERS_PARKED,
    ];
    let mut i = 0;
    while i < rw.len() {
        let mut j = i + 1;
        while j < rw.len() {
            assert!(rw[i] & rw[j] == 0);
            j += 1;
        }
        i += 1;
    }
};

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn js_constants_have_unique_names_and_exact_u32_values() {
        let c = all();
        let names: std::collections::HashSet<_> = c.iter().map(|(n, _)| *n).collect();
        assert_eq!(names.len(), c.len());
        for (n, v) in c {
            assert!(
                v.fract() == 0.0 && (0.0..4294967296.0).contains(&v),
                "{n} = {v}"
            );
        }
    }
}
