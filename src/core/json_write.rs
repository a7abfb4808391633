//! Shared objects written as JSON text straight from the heap (`stringifyJSON`, docs/json.md):
//! the reverse of the parser in json.rs.
//!
//! One iterative walk (an explicit stack of open containers, so nesting depth is bounded by
//! memory) over structs, element structs and SharedArrays, writing UTF-8 with no JS object
//! made. The text is what `JSON.stringify` gives for the same value: struct fields in the
//! order of the plain object its toJSON builds (array-index names first, ascending, then the
//! others in declaration order), undefined fields left out, undefined elements and non-finite
//! numbers as `null`, numbers as `Number.prototype.toString` writes them (ryu-js), strings
//! with its escapes (lone surrogates as `\udxxx`), and its `space` indentation.
//!
//! A map, set, vector, lock, channel or any other built-in object inside is a [`Hole`]: its
//! toJSON runs JS (under the object's own lock), so the walk writes nothing for it and
//! records where its text goes and the path of fields and indices that leads to it; the
//! caller fills it in with JSON.stringify of that object. A bigint or a cycle
//! (JSON.stringify's own TypeErrors) stops the walk with [`Stop::Fallback`], and the caller
//! takes JSON.stringify's path for the whole value, so the result never differs.
//!
//! The walk runs while no collection runs ([`stringify`]: nothing is freed meanwhile, so every
//! reference it reads names a live object). Other threads may write during it: each slot is
//! read with one atomic load, so every value written is one that the slot held at some moment
//! (the text is not a snapshot of concurrent writers: synchronize them first, as for any read).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::core::layout;
use crate::core::region::Region;
use crate::core::types::TypeInfo;
use crate::core::Runtime;

/// V8's longest string (String::kMaxLength on 64-bit targets): a longer text is a RangeError.
pub const MAX_STRING_UNITS: usize = (1 << 29) - 24;

/// Why a walk stopped before the end.
#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    /// JSON.stringify's path must write this value (see the module doc).
    Fallback(&'static str),
    /// The text would be longer than V8's longest string.
    TooLong,
}

/// Where the text of a built-in object goes (see the module doc).
#[derive(Debug, PartialEq, Eq)]
pub struct Hole {
    /// Position in the text, in UTF-16 units (where the caller's string splits).
    pub at: usize,
    /// Containers open around it (its text's later lines are indented that many gaps).
    pub depth: usize,
    /// From the root to the object: a JSON array of element indices and field names.
    pub path: String,
}

/// The text of a finished walk.
#[derive(Debug)]
pub struct Written {
    /// UTF-8 JSON text.
    pub text: Vec<u8>,
    /// Whether every byte is ASCII (the string can be made as Latin-1, a copy).
    pub ascii: bool,
    /// The user type ids met (the caller checks that none has its own toJSON in its thread).
    pub types: Vec<u32>,
    /// Built-in objects to fill in, in text order.
    pub holes: Vec<Hole>,
}

/// How one struct type is written.
struct Meta {
    /// An element struct is written as the array of its elements (its toJSON is `slice()`).
    elements: bool,
    fields: usize,
    /// (slot index among the fields, `"name":` escaped) in output order.
    order: Vec<(usize, Vec<u8>)>,
}

/// A hole as the walk records it: its byte position, depth and path.
struct RawHole {
    at: usize,
    depth: usize,
    path: String,
}

enum Kind {
    /// Elements at words `first..first + len` of the object.
    Array {
        first: usize,
        len: usize,
    },
    Object {
        meta: Rc<Meta>,
    },
}

struct Frame {
    off: usize,
    kind: Kind,
    /// Next element or field (index into `order`).
    next: usize,
    /// Values written so far (an object skips undefined fields).
    written: usize,
}

/// Whether `name` is an array index (a canonical integer below 2^32 - 1): a plain object
/// lists those keys first, in ascending order.
fn array_index(name: &str) -> Option<u32> {
    let b = name.as_bytes();
    if b.is_empty() || b.len() > 10 || (b[0] == b'0' && b.len() > 1) {
        return None;
    }
    if !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n: u64 = name.parse().ok()?;
    (n < u32::MAX as u64).then_some(n as u32)
}

/// Appends `s` as a JSON string literal (JSON.stringify's escapes) to `out`.
fn quote_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        escape_char(out, c as u32);
    }
    out.push(b'"');
}

/// Appends one code point (or a lone surrogate) as JSON.stringify writes it inside a string.
#[inline]
fn escape_char(out: &mut Vec<u8>, cp: u32) {
    match cp {
        0x22 => out.extend_from_slice(b"\\\""),
        0x5c => out.extend_from_slice(b"\\\\"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        0x0a => out.extend_from_slice(b"\\n"),
        0x0d => out.extend_from_slice(b"\\r"),
        0x09 => out.extend_from_slice(b"\\t"),
        0..=0x1f | 0xd800..=0xdfff => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u");
            for shift in [12, 8, 4, 0] {
                out.push(HEX[(cp >> shift) as usize & 15]);
            }
        }
        0x20..=0x7f => out.push(cp as u8),
        0x80..=0x7ff => {
            out.push(0xc0 | (cp >> 6) as u8);
            out.push(0x80 | (cp & 0x3f) as u8);
        }
        0x800..=0xffff => {
            out.push(0xe0 | (cp >> 12) as u8);
            out.push(0x80 | ((cp >> 6) & 0x3f) as u8);
            out.push(0x80 | (cp & 0x3f) as u8);
        }
        _ => {
            out.push(0xf0 | (cp >> 18) as u8);
            out.push(0x80 | ((cp >> 12) & 0x3f) as u8);
            out.push(0x80 | ((cp >> 6) & 0x3f) as u8);
            out.push(0x80 | (cp & 0x3f) as u8);
        }
    }
}

/// The walk over one value (see the module doc). `types` gives a user type's layout.
pub struct Writer<'a, T: Fn(u32) -> Option<Arc<TypeInfo>>> {
    region: &'a Region,
    types: T,
    gap: &'a [u8],
    out: Vec<u8>,
    ascii: bool,
    indent: Vec<u8>,
    stack: Vec<Frame>,
    on_path: HashSet<usize>,
    metas: HashMap<u32, Rc<Meta>>,
    units: Vec<u16>,
    num: ryu_js::Buffer,
    holes: Vec<RawHole>,
}

impl<'a, T: Fn(u32) -> Option<Arc<TypeInfo>>> Writer<'a, T> {
    /// `gap` is JSON.stringify's indentation unit (empty: no whitespace).
    pub fn new(region: &'a Region, types: T, gap: &'a [u8]) -> Self {
        Writer {
            region,
            types,
            gap,
            out: Vec::new(),
            ascii: gap.is_ascii(),
            indent: Vec::new(),
            stack: Vec::new(),
            on_path: HashSet::default(),
            metas: HashMap::default(),
            units: Vec::new(),
            num: ryu_js::Buffer::new(),
            holes: Vec::new(),
        }
    }

    /// Writes the object at `root` (a live object) and everything it holds.
    pub fn write(mut self, root: usize) -> Result<Written, Stop> {
        self.open(root)?;
        while let Some(f) = self.stack.last_mut() {
            // With the frame borrowed: the next slot (and, in an object, its key's index), or
            // the end of the container.
            let (w, key) = match &f.kind {
                Kind::Array { first, len } => {
                    if f.next == *len {
                        self.close(b']');
                        continue;
                    }
                    (f.off + first + f.next, None)
                }
                Kind::Object { meta } => {
                    if f.next == meta.order.len() {
                        self.close(b'}');
                        continue;
                    }
                    (f.off + 1 + meta.order[f.next].0, Some(f.next))
                }
            };
            f.next += 1;
            let bits = self.region.word(w).load(Ordering::Relaxed);
            if key.is_some() && (bits >> 32) as u32 == layout::TAG_UNDEFINED {
                continue;
            }
            f.written += 1;
            let first = f.written == 1;
            let meta = match (&f.kind, key) {
                (Kind::Object { meta }, Some(_)) => Some(meta.clone()),
                _ => None,
            };
            self.separator(first);
            if let (Some(meta), Some(k)) = (meta, key) {
                self.out.extend_from_slice(&meta.order[k].1);
                if !self.gap.is_empty() {
                    self.out.push(b' ');
                }
            }
            self.value(bits)?;
            if self.out.len() > 3 * MAX_STRING_UNITS {
                return Err(Stop::TooLong);
            }
        }
        let units = if self.ascii {
            self.out.len()
        } else {
            // UTF-16 length: every byte but continuation bytes, and 4-byte sequences twice.
            self.out
                .iter()
                .map(|&b| (b & 0xc0 != 0x80) as usize + (b >= 0xf0) as usize)
                .sum()
        };
        if units > MAX_STRING_UNITS {
            return Err(Stop::TooLong);
        }
        let mut types: Vec<u32> = self.metas.keys().copied().collect();
        types.sort_unstable();
        let holes = self.hole_positions();
        Ok(Written {
            text: self.out,
            ascii: self.ascii,
            types,
            holes,
        })
    }

    /// The holes with their byte positions turned into UTF-16 positions.
    fn hole_positions(&mut self) -> Vec<Hole> {
        let mut units = 0;
        let mut from = 0;
        let ascii = self.ascii;
        let out = &self.out;
        self.holes
            .drain(..)
            .map(|h| {
                if ascii {
                    units = h.at;
                } else {
                    units += out[from..h.at]
                        .iter()
                        .map(|&b| (b & 0xc0 != 0x80) as usize + (b >= 0xf0) as usize)
                        .sum::<usize>();
                    from = h.at;
                }
                Hole {
                    at: units,
                    depth: h.depth,
                    path: h.path,
                }
            })
            .collect()
    }

    /// Records a hole for the built-in object about to be written here: the path to it is
    /// the current element or field of every open container.
    fn hole(&mut self) {
        let mut path = String::from("[");
        for (i, f) in self.stack.iter().enumerate() {
            if i > 0 {
                path.push(',');
            }
            match &f.kind {
                Kind::Array { .. } => path.push_str(&(f.next - 1).to_string()),
                Kind::Object { meta } => {
                    let key = &meta.order[f.next - 1].1;
                    // `"name":` escaped: the JSON string without its colon.
                    path.push_str(std::str::from_utf8(&key[..key.len() - 1]).expect("UTF-8"));
                }
            }
        }
        path.push(']');
        self.holes.push(RawHole {
            at: self.out.len(),
            depth: self.stack.len(),
            path,
        });
    }

    /// Before a value in the open container: a comma after the first, and with a gap a new
    /// line at the current indentation.
    fn separator(&mut self, first: bool) {
        if !first {
            self.out.push(b',');
        }
        if !self.gap.is_empty() {
            self.out.push(b'\n');
            self.out.extend_from_slice(&self.indent);
        }
    }

    /// Closes the innermost container.
    fn close(&mut self, bracket: u8) {
        let f = self.stack.pop().expect("an open container");
        self.on_path.remove(&f.off);
        self.indent.truncate(self.indent.len() - self.gap.len());
        if f.written > 0 && !self.gap.is_empty() {
            self.out.push(b'\n');
            self.out.extend_from_slice(&self.indent);
        }
        self.out.push(bracket);
    }

    /// Writes one slot's value (an object is opened: its contents follow in the loop).
    fn value(&mut self, bits: u64) -> Result<(), Stop> {
        let hi = (bits >> 32) as u32;
        if hi < layout::TAG_BASE {
            let v = f64::from_bits(bits);
            self.number(v);
            return Ok(());
        }
        match hi {
            // Only elements reach here undefined (fields are skipped): JSON.stringify's null.
            layout::TAG_UNDEFINED | layout::TAG_NULL | layout::TAG_DOUBLE => {
                self.out.extend_from_slice(b"null")
            }
            layout::TAG_BOOL => {
                self.out
                    .extend_from_slice(if bits & 1 != 0 { b"true" } else { b"false" })
            }
            layout::TAG_STRING => self.string(bits as u32 as usize)?,
            layout::TAG_REF => self.open(bits as u32 as usize)?,
            layout::TAG_BIGINT => return Err(Stop::Fallback("a bigint")),
            _ => return Err(Stop::Fallback("an unknown value")),
        }
        Ok(())
    }

    fn number(&mut self, v: f64) {
        if !v.is_finite() {
            self.out.extend_from_slice(b"null");
        } else if v.fract() == 0.0 && v.abs() < 1e15 {
            // Integers (the common case) directly; -0 is written "0" as JSON.stringify does.
            let mut n = v as i64;
            if n < 0 {
                self.out.push(b'-');
                n = -n;
            }
            let mut digits = [0u8; 16];
            let mut i = digits.len();
            loop {
                i -= 1;
                digits[i] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            self.out.extend_from_slice(&digits[i..]);
        } else {
            self.out.extend_from_slice(self.num.format(v).as_bytes());
        }
    }

    /// The string object at `off` as a JSON string literal.
    fn string(&mut self, off: usize) -> Result<(), Stop> {
        if off < layout::HEAP_START || off + 2 > self.region.words() {
            return Err(Stop::Fallback("a bad string reference"));
        }
        let h = self.region.word(off).load(Ordering::Acquire) as u32;
        if h & layout::TYPE_MASK != layout::TYPE_STRING {
            return Err(Stop::Fallback("a bad string reference"));
        }
        let len = self.region.word(off + 1).load(Ordering::Relaxed) as u32 as usize;
        if off + 2 + len.div_ceil(4) > self.region.words() {
            return Err(Stop::Fallback("a bad string reference"));
        }
        // Strings are immutable once published: copy the units (4 a word), then escape.
        self.units.clear();
        self.units.reserve(len);
        for k in 0..len.div_ceil(4) {
            let w = self
                .region
                .word(off + 2 + k)
                .load(Ordering::Relaxed)
                .to_ne_bytes();
            for j in 0..4 {
                if self.units.len() < len {
                    self.units
                        .push(u16::from_ne_bytes([w[2 * j], w[2 * j + 1]]));
                }
            }
        }
        self.out.push(b'"');
        let mut i = 0;
        let units = &self.units;
        while i < len {
            let u = units[i] as u32;
            i += 1;
            if (0x20..0x7f).contains(&u) && u != 0x22 && u != 0x5c {
                self.out.push(u as u8);
                continue;
            }
            let cp = if (0xd800..0xdc00).contains(&u)
                && i < len
                && (0xdc00..0xe000).contains(&(units[i] as u32))
            {
                i += 1;
                0x10000 + ((u - 0xd800) << 10) + (units[i - 1] as u32 - 0xdc00)
            } else {
                u
            };
            if cp >= 0x7f && !(0xd800..0xe000).contains(&cp) {
                self.ascii = false;
            }
            escape_char(&mut self.out, cp);
        }
        self.out.push(b'"');
        Ok(())
    }

    /// Opens the object at `off`: writes its bracket and pushes its frame.
    fn open(&mut self, off: usize) -> Result<(), Stop> {
        if off < layout::HEAP_START || off + 2 > self.region.words() {
            return Err(Stop::Fallback("a bad reference"));
        }
        if self.on_path.contains(&off) {
            return Err(Stop::Fallback("a cycle"));
        }
        let h = self.region.word(off).load(Ordering::Acquire) as u32;
        let ty = h & layout::TYPE_MASK;
        let kind = if ty == layout::TYPE_ARRAY {
            let len = self.region.word(off + 1).load(Ordering::Relaxed) as u32 as usize;
            Kind::Array { first: 2, len }
        } else if ty >= layout::FIRST_USER_TYPE {
            let meta = self.meta(ty)?;
            if meta.elements {
                let len = self.region.word(off + 1).load(Ordering::Relaxed) as u32 as usize;
                Kind::Array {
                    first: 2 + meta.fields,
                    len,
                }
            } else {
                Kind::Object { meta }
            }
        } else if self.stack.is_empty() || ty == layout::TYPE_FREE {
            return Err(Stop::Fallback("a built-in object with a toJSON of its own"));
        } else {
            self.hole();
            return Ok(());
        };
        let (first, count) = match &kind {
            Kind::Array { first, len } => (*first, *len),
            Kind::Object { meta } => (1, meta.fields),
        };
        if off + first + count > self.region.words() {
            return Err(Stop::Fallback("a bad reference"));
        }
        self.out.push(if matches!(kind, Kind::Array { .. }) {
            b'['
        } else {
            b'{'
        });
        self.on_path.insert(off);
        self.indent.extend_from_slice(self.gap);
        self.stack.push(Frame {
            off,
            kind,
            next: 0,
            written: 0,
        });
        Ok(())
    }

    /// How type `id` is written (built on first sight).
    fn meta(&mut self, id: u32) -> Result<Rc<Meta>, Stop> {
        if let Some(m) = self.metas.get(&id) {
            return Ok(m.clone());
        }
        let info = (self.types)(id).ok_or(Stop::Fallback("an unknown type"))?;
        let mut order: Vec<(Option<u32>, usize, Vec<u8>)> = info
            .fields
            .iter()
            .enumerate()
            .map(|(slot, name)| {
                let mut key = Vec::with_capacity(name.len() + 3);
                quote_str(&mut key, name);
                key.push(b':');
                (array_index(name), slot, key)
            })
            .collect();
        if !info.fields.iter().all(|f| f.is_ascii()) {
            self.ascii = false;
        }
        // Array-index names first, ascending; the others keep declaration order (stable).
        order.sort_by_key(|(ix, _, _)| ix.map_or(u64::MAX, u64::from));
        let meta = Rc::new(Meta {
            elements: info.elements,
            fields: info.fields.len(),
            order: order
                .into_iter()
                .map(|(_, slot, key)| (slot, key))
                .collect(),
        });
        self.metas.insert(id, meta.clone());
        Ok(meta)
    }
}

/// Writes the object at `root` as JSON for the calling thread `tid`: while no collection
/// runs, with the thread counted as stopped (a collection already waiting for it is not held
/// up; one requested meanwhile starts when the walk is over).
pub fn stringify(rt: &Runtime, tid: u32, root: usize, gap: &[u8]) -> Result<Written, Stop> {
    if rt.region.check_object(root, None).is_err() {
        return Err(Stop::Fallback("not a live object"));
    }
    rt.gc.walk_stopped(tid, || {
        Writer::new(&rt.region, |id| rt.types.get(id), gap).write(root)
    })
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn array_index_names_are_canonical_integers_below_2_to_the_32_minus_1() {
        assert_eq!(array_index("0"), Some(0));
        assert_eq!(array_index("4294967294"), Some(4294967294));
        assert_eq!(array_index("4294967295"), None);
        assert_eq!(array_index("01"), None);
        assert_eq!(array_index("-1"), None);
        assert_eq!(array_index("1.5"), None);
        assert_eq!(array_index(""), None);
        assert_eq!(array_index("99999999999"), None);
    }

    #[test]
    fn strings_are_escaped_as_json_stringify_escapes_them() {
        let mut out = Vec::new();
        quote_str(&mut out, "a\"b\\c\n\u{1}\u{7f}é😀");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a\\\"b\\\\c\\n\\u0001\u{7f}é😀\""
        );
        let mut out = Vec::new();
        escape_char(&mut out, 0xd800);
        assert_eq!(out, b"\\ud800");
    }
}
