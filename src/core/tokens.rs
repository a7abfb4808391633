//! In-flight tokens: how a shared object crosses `postMessage` / `workerData`.
//!
//! `share(obj)` records `(offset, stamp)` under a fresh id and a random nonce; the token
//! JS sends is `{id, nonce}`, a plain object that survives structured cloning.
//!
//! Lifetime (docs/tokens.md): a token *pins* its object (it is a collector root) from
//! `share` until its first `open`, so an object in flight survives even if the sender
//! drops every reference. After the first open the entry stays as a weak record: later
//! opens succeed while the object is alive (the stamp in its header still matches) and
//! fail with a TypeError once it has been collected. `release` drops a token that will
//! never be opened. A forged id or nonce is a TypeError, never a memory access.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use super::error::{CoreError, CoreResult};
use super::shim::{AtomicU64, Map, Mutex, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenEntry {
    pub offset: u32,
    pub stamp: u32,
    pub nonce: u64,
    /// True until the first open: the entry is a root.
    pub pinned: bool,
}

pub struct TokenTable {
    entries: Mutex<Map<u64, TokenEntry>>,
    next: AtomicU64,
    seed: RandomState,
}

impl Default for TokenTable {
    fn default() -> Self {
        Self::new()
    }
}

/// Nonces are kept below 2^53 so they round-trip through a JS number.
const NONCE_MASK: u64 = (1 << 53) - 1;

impl TokenTable {
    pub fn new() -> Self {
        TokenTable {
            entries: Mutex::new(Map::default()),
            next: AtomicU64::new(1),
            seed: RandomState::new(),
        }
    }

    fn nonce(&self, id: u64) -> u64 {
        let mut h = self.seed.build_hasher();
        h.write_u64(id);
        h.write_u64(std::process::id() as u64);
        (h.finish() & NONCE_MASK).max(1)
    }

    /// Records a new pinned token; returns `(id, nonce)`.
    pub fn share(&self, offset: u32, stamp: u32) -> (u64, u64) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let nonce = self.nonce(id);
        self.entries.lock().insert(
            id,
            TokenEntry {
                offset,
                stamp,
                nonce,
                pinned: true,
            },
        );
        (id, nonce)
    }

    /// The offset a valid token names, without unpinning it.
    pub fn peek(&self, id: u64, nonce: u64) -> Option<u32> {
        self.entries
            .lock()
            .get(&id)
            .filter(|e| e.nonce == nonce)
            .map(|e| e.offset)
    }

    /// Looks a token up and unpins it; the caller checks the stamp against the heap.
    pub fn open(&self, id: u64, nonce: u64) -> CoreResult<TokenEntry> {
        let mut entries = self.entries.lock();
        match entries.get_mut(&id) {
            Some(e) if e.nonce == nonce => {
                let copy = *e;
                e.pinned = false;
                Ok(copy)
            }
            _ => Err(CoreError::type_error(
                "shared-structs: open(): not a live token from share() in this process (forged, foreign, released, or stale: its object was collected)",
            )),
        }
    }

    /// `open` for a thread: `root(offset)` first records the object as a root of the
    /// opener (young for its current operation), then the token is unpinned, so the object
    /// is a root at every point of the open (docs/tokens.md). The caller still checks the
    /// stamp against the heap.
    pub fn open_rooted(
        &self,
        id: u64,
        nonce: u64,
        root: impl FnOnce(u32),
    ) -> CoreResult<TokenEntry> {
        if let Some(off) = self.peek(id, nonce) {
            root(off);
        }
        self.open(id, nonce)
    }

    /// Forgets a token; returns whether it existed.
    pub fn release(&self, id: u64, nonce: u64) -> bool {
        let mut entries = self.entries.lock();
        match entries.get(&id) {
            Some(e) if e.nonce == nonce => {
                entries.remove(&id);
                true
            }
            _ => false,
        }
    }

    /// Offsets of pinned tokens (collector roots).
    pub fn pinned_offsets(&self) -> Vec<u32> {
        self.entries
            .lock()
            .values()
            .filter(|e| e.pinned)
            .map(|e| e.offset)
            .collect()
    }

    /// Drops entries whose object is dead (`alive` says whether `(offset, stamp)` still names a live object).
    pub fn retain(&self, mut alive: impl FnMut(u32, u32) -> bool) {
        self.entries
            .lock()
            .retain(|_, e| e.pinned || alive(e.offset, e.stamp));
    }

    pub fn len(&self) -> usize {
        self.entries.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Tokens of the heap's objects (not built under loom, like everything bound to the heap).
#[cfg(not(loom))]
impl super::Runtime {
    /// Pins the live object at `offset`, whose header stamp is `stamp`, under a new token:
    /// `(id, nonce)`.
    pub fn share_object(&self, offset: u32, stamp: u32) -> CoreResult<(u64, u64)> {
        self.region.check_object(offset as usize, Some(stamp))?;
        Ok(self.tokens.share(offset, stamp))
    }

    /// Resolves a token to the offset of a live object for thread `tid`. The object is
    /// recorded as young for `tid` before the token unpins it (`open_rooted`, the sequence
    /// the loom token model checks), so it stays a root until the caller's wrapper holds it
    /// (the thread's next operation start).
    pub fn open_token(&self, id: u64, nonce: u64, tid: u32) -> CoreResult<u32> {
        let e = self
            .tokens
            .open_rooted(id, nonce, |off| self.note_young(tid, off as usize))?;
        self.region
            .check_object(e.offset as usize, Some(e.stamp))
            .map_err(|_| {
                CoreError::type_error(
                    "shared-structs: open(): stale token (its object has been collected)",
                )
            })?;
        Ok(e.offset)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn tokens_pin_until_first_open_and_reject_forgeries() {
        let t = TokenTable::new();
        let (id, nonce) = t.share(600, 0);
        assert_eq!(t.pinned_offsets(), vec![600]);
        assert!(t.open(id, nonce ^ 1).is_err());
        assert!(t.open(id + 1, nonce).is_err());
        let e = t.open(id, nonce).unwrap();
        assert_eq!(e.offset, 600);
        assert!(t.pinned_offsets().is_empty());
        assert!(
            t.open(id, nonce).is_ok(),
            "a token can be opened again while its object lives"
        );
        t.retain(|_, _| false);
        assert!(t.open(id, nonce).is_err());
        let (id2, n2) = t.share(700, 1);
        assert!(t.release(id2, n2));
        assert!(t.open(id2, n2).is_err());
    }
}
