//! Unit tests of marking and sweeping on a heap built by hand.

use std::sync::atomic::Ordering;

use super::mark::Marker;
use super::sweep::{sweep, Span, MAX_SPAN_WORDS};
use super::Shapes;
use crate::core::layout;
use crate::core::region::Region;

/// Writes `n` objects of a 3-slot user type back to back from HEAP_START: a binary tree
/// (slots 0, 1 = children), plus a pseudo-random extra edge (slot 2) that makes cycles
/// and cross links; objects from `n / 2` on are unreachable from the root (garbage with
/// cycles of its own). Returns the offsets.
fn build(region: &Region, n: usize) -> Vec<usize> {
    let offs: Vec<usize> = (0..n).map(|i| layout::HEAP_START + 4 * i).collect();
    let refv = |o: usize| ((layout::TAG_REF as u64) << 32) | o as u64;
    let undef = (layout::TAG_UNDEFINED as u64) << 32;
    let half = n / 2;
    let mut seed = 0x9e37_79b9_u32;
    for (i, &o) in offs.iter().enumerate() {
        region
            .word(o)
            .store(layout::FIRST_USER_TYPE as u64, Ordering::Relaxed);
        let (l, r) = (2 * i + 1, 2 * i + 2);
        let base = if i < half { 0 } else { half };
        let child = |c: usize| {
            if i < half {
                c
            } else {
                half + (c - half) % (n - half)
            }
        };
        for (k, c) in [(1, l), (2, r)] {
            let v = if (i < half && c < half) || (i >= half && c - base < n - half) {
                refv(offs[child(c)])
            } else {
                undef
            };
            region.word(o + k).store(v, Ordering::Relaxed);
        }
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let span = if i < half { half } else { n - half };
        let extra = base + (seed as usize >> 8) % span;
        region
            .word(o + 3)
            .store(refv(offs[extra]), Ordering::Relaxed);
    }
    offs
}

fn marked(region: &Region, offs: &[usize], epoch: u32) -> Vec<bool> {
    offs.iter()
        .map(|&o| {
            (region.word(o).load(Ordering::Relaxed) as u32 & layout::MARK_MASK)
                >> layout::MARK_SHIFT
                == epoch
        })
        .collect()
}

#[test]
fn parallel_marking_marks_exactly_what_sequential_marking_marks() {
    let region = Region::reserve(64 << 20).unwrap();
    let n = 400_000;
    let offs = build(&region, n);
    let end = offs[n - 1] + 4;
    let shapes = Shapes::of_user_types(vec![(3, false)]);
    let mut results = Vec::new();
    for (epoch, helpers) in [(1u32, 0usize), (2, 1), (3, 3)] {
        let mut m = Marker::new(&region, &shapes, end, epoch);
        m.mark(offs[0]);
        m.drain(helpers);
        results.push((m.live_objects, m.live_words, marked(&region, &offs, epoch)));
    }
    let (objects, words, ref set) = results[0];
    // Everything reachable from the root is the first half, and nothing of the second.
    assert_eq!(objects, (n / 2) as u64);
    assert_eq!(words, 4 * (n / 2) as u64);
    assert!(set[..n / 2].iter().all(|&b| b) && !set[n / 2..].iter().any(|&b| b));
    for r in &results[1..] {
        assert_eq!((r.0, r.1), (objects, words));
        assert!(r.2 == *set);
    }
}

#[test]
fn sweep_publishes_a_long_garbage_run_in_pieces_and_keeps_live_objects() {
    // 1,200,000 dead 4-word objects (4.8 M words) with one live object in the middle.
    let region = Region::reserve(64 << 20).unwrap();
    let n = 1_200_000;
    let offs = build(&region, n);
    let end = offs[n - 1] + 4;
    let shapes = Shapes::of_user_types(vec![(3, false)]);
    let epoch = 5u32;
    let live = offs[n / 2];
    let h = region.word(live).load(Ordering::Relaxed);
    region.word(live).store(
        h | ((epoch as u64) << layout::MARK_SHIFT) & layout::MARK_MASK as u64,
        Ordering::Relaxed,
    );
    let calls = std::cell::RefCell::new(Vec::<Vec<Span>>::new());
    let freed = sweep(&region, &shapes, end, epoch, 0, &|sp: &[Span]| {
        calls.borrow_mut().push(sp.to_vec());
    });
    assert_eq!(freed, (n - 1) as u64);
    let calls = calls.into_inner();
    let spans: Vec<Span> = calls.iter().flatten().copied().collect();
    // Published as it goes (not in one batch at the end), no span longer than the cap.
    assert!(
        calls.iter().filter(|c| !c.is_empty()).count() >= 4,
        "{} publishes",
        calls.len()
    );
    assert!(spans.iter().all(|&(_, len)| len <= MAX_SPAN_WORDS));
    // The spans tile everything but the live object, in order, without overlap.
    let mut at = layout::HEAP_START;
    for &(start, len) in &spans {
        if start != at {
            assert_eq!((at, start), (live, live + 4));
        }
        at = start + len;
    }
    assert_eq!(at, end);
    let total: usize = spans.iter().map(|&(_, len)| len).sum();
    assert_eq!(total, end - layout::HEAP_START - 4);
    // The live object is untouched: its header still parses as the user type.
    assert_eq!(
        region.word(live).load(Ordering::Relaxed) as u32 & layout::TYPE_MASK,
        layout::FIRST_USER_TYPE
    );
}
