//! JSON text parsed straight into the shared heap (`parseJSON`, docs/json.md).
//!
//! One pass over the bytes with an explicit stack (no recursion, so nesting depth is bounded
//! by memory only). A value is written to the heap when it is complete: strings and numbers
//! at once, arrays and objects at their closing bracket, from the element bits collected on
//! a value stack. Children are therefore always allocated before their parent; until the
//! root is handed to JS, every object lives in chunks that the caller roots as young ranges
//! of the calling thread (docs/gc.md), so a collection at any poll point keeps all of them.
//!
//! Objects get struct types by their key sequence: a trie of keys (the transitions of V8's
//! hidden classes) leads each object to a node that names its type, registered once per
//! sequence under a reserved registry key. Numbers are parsed exactly (integers of up to 15
//! digits directly, others by Rust's correctly rounded `f64` parser; `-0` stays negative);
//! strings are decoded to UTF-16 (WTF-8 input: lone surrogates from the JS string survive).
//! Short strings are deduplicated within one parse.

use rustc_hash::FxHashMap as HashMap;
use std::sync::atomic::Ordering;

use super::error::{CoreError, CoreResult};
use super::layout;
use super::region::Region;

/// The reverse: shared objects written as JSON text (`stringifyJSON`). Its file sits beside
/// this one (src/core/json_write.rs) rather than in a json/ folder, so json.rs keeps its path.
#[path = "json_write.rs"]
pub mod write;

/// What the parser needs from its caller (the binding): memory rooted for the calling thread,
/// struct types, and safepoints.
pub trait Sink {
    /// A block of exactly `words` words, FREE-headed (parsable) and recorded as young for the
    /// calling thread (a root until JS's next operation starts). A collection may run inside.
    fn block(&mut self, words: usize) -> CoreResult<usize>;
    /// The type id of a struct whose fields are `fields`, in order.
    fn struct_type(&mut self, fields: &[String]) -> CoreResult<u32>;
    /// Whether a collection wants this thread to stop.
    fn gc_pending(&self) -> bool;
    /// Stops at a safepoint (everything allocated must be parsable and rooted).
    fn safepoint(&mut self);
}

/// Initial chunk size in words (1 MB); it doubles every 32 chunks so that one parse never
/// needs more than the 256 young ranges of an operation. Every object is carved out of a
/// chunk, large ones too (a large object's chunk is at least twice its size); unlike JS's
/// large objects they are not page-aligned, so their wrappers share page arenas with their
/// neighbours (docs/identity.md: that only delays when they are freed).
const CHUNK_WORDS: usize = 1 << 17;
/// Objects between two looks at the collector's flag.
const POLL_EVERY: u32 = 4096;
/// The most fields a JSON object may have (as SharedStructType's limit).
pub const MAX_FIELDS: usize = 4096;
/// Strings of at most this many bytes (without escapes) are deduplicated.
const DEDUP_MAX: usize = 16;

const TAG_UNDEFINED: u64 = (layout::TAG_UNDEFINED as u64) << 32;
const TAG_NULL: u64 = (layout::TAG_NULL as u64) << 32;
const TAG_FALSE: u64 = (layout::TAG_BOOL as u64) << 32;
const TAG_TRUE: u64 = ((layout::TAG_BOOL as u64) << 32) | 1;

fn tagged(tag: u32, off: usize) -> u64 {
    ((tag as u64) << 32) | off as u64
}

/// A JSON syntax error: message and byte position (the binding turns it into a SyntaxError).
#[derive(Debug)]
pub struct JsonError {
    pub message: String,
    pub position: usize,
}

pub enum ParseError {
    Syntax(JsonError),
    Core(CoreError),
}

impl From<CoreError> for ParseError {
    fn from(e: CoreError) -> Self {
        ParseError::Core(e)
    }
}

/// A node of the key trie: the object shape reached by a sequence of keys.
struct Shape {
    /// Key sequence length.
    depth: usize,
    /// The key that led here (None at the root).
    key: Option<String>,
    parent: u32,
    children: HashMap<Box<[u8]>, u32>,
    /// Whether the sequence repeats a key (JSON.parse keeps the last value, first position).
    dup: bool,
    type_id: Option<u32>,
}

enum Frame {
    /// An array whose elements start at `start` on the value stack.
    Array { start: usize },
    /// An object: its values start at `start`; `shape` is the trie node of the keys so far.
    Object { start: usize, shape: u32 },
}

/// Statistics of one parse (for the binding and the benchmark).
#[derive(Default, Debug, Clone, Copy)]
pub struct ParseStats {
    pub objects: u64,
    pub arrays: u64,
    pub strings: u64,
    pub strings_deduplicated: u64,
    pub types: u64,
    pub words: u64,
}

pub struct Parser<'a, S: Sink> {
    region: &'a Region,
    sink: S,
    text: &'a [u8],
    pos: usize,
    stamp: u64,
    chunk_at: usize,
    chunk_end: usize,
    chunks: usize,
    shapes: Vec<Shape>,
    values: Vec<u64>,
    frames: Vec<Frame>,
    dedup: HashMap<&'a [u8], usize>,
    units: Vec<u16>,
    since_poll: u32,
    pub stats: ParseStats,
}

impl<'a, S: Sink> Parser<'a, S> {
    pub fn new(region: &'a Region, sink: S, text: &'a [u8]) -> Self {
        Parser {
            region,
            sink,
            text,
            pos: 0,
            stamp: 0,
            chunk_at: 0,
            chunk_end: 0,
            chunks: 0,
            shapes: vec![Shape {
                depth: 0,
                key: None,
                parent: 0,
                children: HashMap::default(),
                dup: false,
                type_id: None,
            }],
            values: Vec::new(),
            frames: Vec::new(),
            dedup: HashMap::default(),
            units: Vec::new(),
            since_poll: 0,
            stats: ParseStats::default(),
        }
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError::Syntax(JsonError {
            message: message.into(),
            position: self.pos,
        }))
    }

    fn unexpected<T>(&self) -> Result<T, ParseError> {
        match self.text.get(self.pos) {
            None => self.err("Unexpected end of JSON input"),
            Some(&b) if b.is_ascii_graphic() || b == b' ' => {
                self.err(format!("Unexpected token '{}'", b as char))
            }
            Some(&b) if b >= 0x80 => {
                let (cp, _) = decode_utf8(&self.text[self.pos..]);
                match char::from_u32(cp) {
                    Some(c) => self.err(format!("Unexpected token '{c}'")),
                    None => self.err(format!("Unexpected token '\\u{cp:04x}' (a lone surrogate)")),
                }
            }
            Some(&b) => self.err(format!("Unexpected token '\\u{:04x}'", b as u32)),
        }
    }

    // ---- allocation -------------------------------------------------------------------

    fn stamp_now(&mut self) {
        self.stamp = (self
            .region
            .u32_cell(layout::CTL_CYCLE)
            .load(Ordering::Acquire) as u64)
            << 32;
    }

    /// Makes the rest of the current chunk a FREE span, so that the chunk is parsable.
    /// Needed before every point where a collection can run (a block allocation, a poll).
    fn seal_chunk(&self) {
        if self.chunk_at < self.chunk_end {
            super::alloc::write_free(self.region, self.chunk_at, self.chunk_end - self.chunk_at);
        }
    }

    /// Seals the current chunk and stops carving from it.
    fn retire_chunk(&mut self) {
        self.seal_chunk();
        self.chunk_at = 0;
        self.chunk_end = 0;
    }

    /// A block from the sink. The current chunk is sealed first; if a collection ran inside
    /// (the cycle moved), its sweep may free the chunk's FREE tail, so the chunk is given up.
    fn block(&mut self, words: usize) -> Result<usize, ParseError> {
        self.seal_chunk();
        let cycle = self.stamp;
        let off = self.sink.block(words)?;
        self.stamp_now();
        if self.stamp != cycle {
            self.chunk_at = 0;
            self.chunk_end = 0;
        }
        Ok(off)
    }

    /// `words` words for one object (its header written by the caller, with no collection
    /// point in between).
    fn alloc(&mut self, words: usize) -> Result<usize, ParseError> {
        self.stats.words += words as u64;
        if self.chunk_at + words > self.chunk_end {
            self.retire_chunk();
            // Every block is a young range, and an operation has 256: a large object gets a
            // chunk that holds it and what follows, never a block of its own.
            let size = (CHUNK_WORDS << (self.chunks / 32).min(8)).max(words.saturating_mul(2));
            self.chunks += 1;
            let off = self.block(size)?;
            self.chunk_at = off;
            self.chunk_end = off + size;
        }
        let off = self.chunk_at;
        self.chunk_at += words;
        Ok(off)
    }

    fn header(&self, off: usize, type_id: u32) {
        self.region
            .word(off)
            .store(self.stamp | type_id as u64, Ordering::Release);
    }

    fn poll(&mut self) {
        self.since_poll += 1;
        if self.since_poll < POLL_EVERY {
            return;
        }
        self.since_poll = 0;
        if self.sink.gc_pending() {
            // Parsable (the chunk sealed) and rooted (young ranges): stop. The sweep that
            // follows may free the chunk's tail, so the chunk is given up.
            self.retire_chunk();
            self.sink.safepoint();
            self.stamp_now();
        }
    }

    fn write_units(&self, off: usize, units: &[u16]) {
        for (w, c) in (off + 2..).zip(units.chunks(4)) {
            let mut v = 0u64;
            for (k, &u) in c.iter().enumerate() {
                v |= (u as u64) << (16 * k);
            }
            self.region.word(w).store(v, Ordering::Relaxed);
        }
    }

    fn alloc_string(&mut self, units: &[u16]) -> Result<usize, ParseError> {
        let len = units.len();
        let off = self.alloc(2 + len.div_ceil(4))?;
        self.region
            .word(off + 1)
            .store(len as u64, Ordering::Relaxed);
        self.write_units(off, units);
        self.header(off, layout::TYPE_STRING);
        self.stats.strings += 1;
        Ok(off)
    }

    // ---- scanning ---------------------------------------------------------------------

    fn skip_ws(&mut self) {
        while let Some(&b) = self.text.get(self.pos) {
            if b == b' ' || b == b'\n' || b == b'\r' || b == b'\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn expect_word(&mut self, word: &[u8], bits: u64) -> Result<u64, ParseError> {
        for &c in word {
            if self.text.get(self.pos) != Some(&c) {
                return self.unexpected();
            }
            self.pos += 1;
        }
        Ok(bits)
    }

    fn number(&mut self) -> Result<u64, ParseError> {
        let start = self.pos;
        let t = self.text;
        let mut i = self.pos;
        let neg = t.get(i) == Some(&b'-');
        if neg {
            i += 1;
        }
        let int_start = i;
        match t.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while matches!(t.get(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
            }
            _ => {
                self.pos = i;
                return if t.get(i).is_none() {
                    self.err("Unexpected end of JSON input")
                } else {
                    self.err("No number after minus sign")
                };
            }
        }
        let int_end = i;
        let mut simple = true;
        if t.get(i) == Some(&b'.') {
            simple = false;
            i += 1;
            if !matches!(t.get(i), Some(b'0'..=b'9')) {
                self.pos = i;
                return if t.get(i).is_none() {
                    self.err("Unterminated fractional number")
                } else {
                    self.unexpected()
                };
            }
            while matches!(t.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        if matches!(t.get(i), Some(b'e' | b'E')) {
            simple = false;
            i += 1;
            if matches!(t.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !matches!(t.get(i), Some(b'0'..=b'9')) {
                self.pos = i;
                return if t.get(i).is_none() {
                    self.err("Exponent part is missing a number")
                } else {
                    self.unexpected()
                };
            }
            while matches!(t.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        self.pos = i;
        let v: f64 = if simple && int_end - int_start <= 15 {
            let mut n: u64 = 0;
            for &d in &t[int_start..int_end] {
                n = n * 10 + (d - b'0') as u64;
            }
            let f = n as f64;
            if neg {
                -f
            } else {
                f
            }
        } else {
            // The slice is ASCII digits, signs, '.' and 'e' (checked above).
            let s = std::str::from_utf8(&t[start..i]).unwrap_or("0");
            s.parse::<f64>().unwrap_or(f64::NAN)
        };
        Ok(v.to_bits())
    }

    /// Scans a string starting after its opening quote. Returns the raw bytes (when there
    /// was no escape and no non-ASCII byte: then they are the code units) or None, in which
    /// case the decoded units are in `self.units`.
    fn scan_string(&mut self) -> Result<Option<&'a [u8]>, ParseError> {
        let t = self.text;
        let start = self.pos;
        let mut i = start;
        // Fast scan: plain ASCII without escapes.
        while let Some(&b) = t.get(i) {
            if b == b'"' {
                self.pos = i + 1;
                return Ok(Some(&t[start..i]));
            }
            if b == b'\\' || !(0x20..0x80).contains(&b) {
                break;
            }
            i += 1;
        }
        self.units.clear();
        for &b in &t[start..i] {
            self.units.push(b as u16);
        }
        loop {
            let Some(&b) = t.get(i) else {
                self.pos = i;
                return self.err("Unterminated string in JSON");
            };
            match b {
                b'"' => {
                    self.pos = i + 1;
                    return Ok(None);
                }
                b'\\' => {
                    i += 1;
                    let Some(&e) = t.get(i) else {
                        self.pos = i;
                        return self.err("Unterminated string in JSON");
                    };
                    i += 1;
                    let u = match e {
                        b'"' => b'"' as u16,
                        b'\\' => b'\\' as u16,
                        b'/' => b'/' as u16,
                        b'b' => 8,
                        b'f' => 12,
                        b'n' => 10,
                        b'r' => 13,
                        b't' => 9,
                        b'u' => {
                            let mut v = 0u16;
                            for _ in 0..4 {
                                let d = match t.get(i) {
                                    Some(&c @ b'0'..=b'9') => c - b'0',
                                    Some(&c @ b'a'..=b'f') => c - b'a' + 10,
                                    Some(&c @ b'A'..=b'F') => c - b'A' + 10,
                                    Some(_) => {
                                        self.pos = i;
                                        return self.err("Bad Unicode escape in JSON");
                                    }
                                    None => {
                                        self.pos = i;
                                        return self.err("Unterminated string in JSON");
                                    }
                                };
                                v = v * 16 + d as u16;
                                i += 1;
                            }
                            v
                        }
                        _ => {
                            self.pos = i - 1;
                            return self.err("Bad escaped character in JSON");
                        }
                    };
                    self.units.push(u);
                }
                0..=0x1f => {
                    self.pos = i;
                    return self.err("Bad control character in string literal in JSON");
                }
                0x20..=0x7f => {
                    self.units.push(b as u16);
                    i += 1;
                }
                _ => {
                    // UTF-8 (or WTF-8: surrogates encoded as three bytes) to UTF-16. Invalid
                    // sequences cannot occur: the binding hands over valid (W)UTF-8.
                    let (cp, n) = decode_utf8(&t[i..]);
                    i += n;
                    if cp >= 0x10000 {
                        let c = cp - 0x10000;
                        self.units.push(0xd800 + (c >> 10) as u16);
                        self.units.push(0xdc00 + (c & 0x3ff) as u16);
                    } else {
                        self.units.push(cp as u16);
                    }
                }
            }
        }
    }

    fn string_value(&mut self) -> Result<u64, ParseError> {
        match self.scan_string()? {
            Some(raw) => {
                if raw.len() <= DEDUP_MAX {
                    if let Some(&off) = self.dedup.get(raw) {
                        self.stats.strings_deduplicated += 1;
                        return Ok(tagged(layout::TAG_STRING, off));
                    }
                }
                let len = raw.len();
                let off = self.alloc(2 + len.div_ceil(4))?;
                self.region
                    .word(off + 1)
                    .store(len as u64, Ordering::Relaxed);
                for (w, c) in (off + 2..).zip(raw.chunks(4)) {
                    let mut v = 0u64;
                    for (k, &b) in c.iter().enumerate() {
                        v |= (b as u64) << (16 * k);
                    }
                    self.region.word(w).store(v, Ordering::Relaxed);
                }
                self.header(off, layout::TYPE_STRING);
                self.stats.strings += 1;
                if raw.len() <= DEDUP_MAX {
                    self.dedup.insert(raw, off);
                }
                Ok(tagged(layout::TAG_STRING, off))
            }
            None => {
                let units = std::mem::take(&mut self.units);
                let r = self.alloc_string(&units);
                self.units = units;
                Ok(tagged(layout::TAG_STRING, r?))
            }
        }
    }

    /// The key after an object's `{` or `,` (at its opening quote): the next shape.
    fn key(&mut self, shape: u32) -> Result<u32, ParseError> {
        if self.text.get(self.pos) != Some(&b'"') {
            return self.unexpected();
        }
        let key_pos = self.pos;
        self.pos += 1;
        let raw = self.scan_string()?;
        let key_bytes: Box<[u8]> = match raw {
            Some(r) => {
                if let Some(&next) = self.shapes[shape as usize].children.get(r) {
                    return Ok(next);
                }
                r.into()
            }
            None => {
                let s = match String::from_utf16(&self.units) {
                    Ok(s) => s,
                    Err(_) => {
                        self.pos = key_pos;
                        return self.err("parseJSON: an object key with a lone surrogate cannot be a struct field name");
                    }
                };
                let b: Box<[u8]> = s.into_bytes().into();
                if let Some(&next) = self.shapes[shape as usize].children.get(&b) {
                    return Ok(next);
                }
                b
            }
        };
        let name = match std::str::from_utf8(&key_bytes) {
            Ok(s) => s.to_owned(),
            Err(_) => {
                self.pos = key_pos;
                return self.err(
                    "parseJSON: an object key with a lone surrogate cannot be a struct field name",
                );
            }
        };
        let parent = &self.shapes[shape as usize];
        let depth = parent.depth + 1;
        if depth > MAX_FIELDS {
            self.pos = key_pos;
            return self.err(format!(
                "parseJSON: an object with more than {MAX_FIELDS} keys cannot be a struct"
            ));
        }
        let mut dup = parent.dup;
        if !dup {
            let mut s = shape;
            while s != 0 {
                if self.shapes[s as usize].key.as_deref() == Some(name.as_str()) {
                    dup = true;
                    break;
                }
                s = self.shapes[s as usize].parent;
            }
        }
        let id = self.shapes.len() as u32;
        self.shapes.push(Shape {
            depth,
            key: Some(name),
            parent: shape,
            children: HashMap::default(),
            dup,
            type_id: None,
        });
        self.shapes[shape as usize].children.insert(key_bytes, id);
        Ok(id)
    }

    /// The keys of shape `s`, in order.
    fn keys_of(&self, mut s: u32) -> Vec<String> {
        let mut keys = Vec::with_capacity(self.shapes[s as usize].depth);
        while s != 0 {
            let sh = &self.shapes[s as usize];
            keys.push(sh.key.clone().unwrap_or_default());
            s = sh.parent;
        }
        keys.reverse();
        keys
    }

    fn type_of(&mut self, shape: u32) -> Result<u32, ParseError> {
        if let Some(id) = self.shapes[shape as usize].type_id {
            return Ok(id);
        }
        let keys = self.keys_of(shape);
        let fields = if self.shapes[shape as usize].dup {
            let mut seen = std::collections::HashSet::new();
            keys.into_iter()
                .filter(|k| seen.insert(k.clone()))
                .collect()
        } else {
            keys
        };
        let id = self.sink.struct_type(&fields)?;
        self.stats.types += 1;
        self.shapes[shape as usize].type_id = Some(id);
        Ok(id)
    }

    /// Writes the object of shape `shape` from values[start..].
    fn finish_object(&mut self, start: usize, shape: u32) -> Result<u64, ParseError> {
        let id = self.type_of(shape)?;
        let n = self.values.len() - start;
        let dup = self.shapes[shape as usize].dup;
        let fields = if dup {
            // Last value wins at the key's first position (as JSON.parse).
            let keys = self.keys_of(shape);
            let mut pos: HashMap<&str, usize> = HashMap::default();
            let mut out: Vec<u64> = Vec::new();
            for (k, v) in keys.iter().zip(&self.values[start..]) {
                match pos.get(k.as_str()) {
                    Some(&p) => out[p] = *v,
                    None => {
                        pos.insert(k.as_str(), out.len());
                        out.push(*v);
                    }
                }
            }
            Some(out)
        } else {
            None
        };
        let nf = fields.as_ref().map_or(n, |f| f.len());
        let words = (1 + nf).max(2);
        let off = self.alloc(words)?;
        let vals: &[u64] = match &fields {
            Some(f) => f,
            None => &self.values[start..],
        };
        for (k, v) in vals.iter().enumerate() {
            self.region.word(off + 1 + k).store(*v, Ordering::Relaxed);
        }
        if nf == 0 {
            self.region
                .word(off + 1)
                .store(TAG_UNDEFINED, Ordering::Relaxed);
        }
        self.header(off, id);
        self.values.truncate(start);
        self.stats.objects += 1;
        Ok(tagged(layout::TAG_REF, off))
    }

    fn finish_array(&mut self, start: usize) -> Result<u64, ParseError> {
        let n = self.values.len() - start;
        if n > u32::MAX as usize - 1 {
            return self.err("parseJSON: an array with more than 2^32 - 2 elements");
        }
        let off = self.alloc(2 + n)?;
        self.region.word(off + 1).store(n as u64, Ordering::Relaxed);
        for (k, v) in self.values[start..].iter().enumerate() {
            self.region.word(off + 2 + k).store(*v, Ordering::Relaxed);
        }
        self.header(off, layout::TYPE_ARRAY);
        self.values.truncate(start);
        self.stats.arrays += 1;
        Ok(tagged(layout::TAG_REF, off))
    }

    /// Parses the whole text; returns the root value's bits.
    pub fn parse(&mut self) -> Result<u64, ParseError> {
        self.stamp_now();
        self.skip_ws();
        loop {
            // Parse one value (a scalar, or the start of a container).
            self.poll();
            let v = match self.text.get(self.pos) {
                Some(b'{') => {
                    self.pos += 1;
                    self.skip_ws();
                    if self.text.get(self.pos) == Some(&b'}') {
                        self.pos += 1;
                        self.finish_object(self.values.len(), 0)?
                    } else {
                        let shape = self.key(0)?;
                        self.colon()?;
                        self.frames.push(Frame::Object {
                            start: self.values.len(),
                            shape,
                        });
                        continue;
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.skip_ws();
                    if self.text.get(self.pos) == Some(&b']') {
                        self.pos += 1;
                        self.finish_array(self.values.len())?
                    } else {
                        self.frames.push(Frame::Array {
                            start: self.values.len(),
                        });
                        continue;
                    }
                }
                Some(b'"') => {
                    self.pos += 1;
                    self.string_value()?
                }
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.expect_word(b"true", TAG_TRUE)?,
                Some(b'f') => self.expect_word(b"false", TAG_FALSE)?,
                Some(b'n') => self.expect_word(b"null", TAG_NULL)?,
                _ => return self.unexpected(),
            };
            // Hand the value to the enclosing containers, closing those that end here.
            let mut v = v;
            loop {
                let frame = match self.frames.last() {
                    Some(Frame::Array { start }) => Frame::Array { start: *start },
                    Some(Frame::Object { start, shape }) => Frame::Object {
                        start: *start,
                        shape: *shape,
                    },
                    None => {
                        self.skip_ws();
                        if self.pos != self.text.len() {
                            return self.unexpected();
                        }
                        self.retire_chunk();
                        return Ok(v);
                    }
                };
                self.values.push(v);
                self.skip_ws();
                match frame {
                    Frame::Array { start } => match self.text.get(self.pos) {
                        Some(b',') => {
                            self.pos += 1;
                            self.skip_ws();
                            break;
                        }
                        Some(b']') => {
                            self.pos += 1;
                            self.frames.pop();
                            v = self.finish_array(start)?;
                        }
                        _ => return self.unexpected(),
                    },
                    Frame::Object { start, shape } => match self.text.get(self.pos) {
                        Some(b',') => {
                            self.pos += 1;
                            self.skip_ws();
                            let next = self.key(shape)?;
                            self.colon()?;
                            if let Some(Frame::Object { shape, .. }) = self.frames.last_mut() {
                                *shape = next;
                            }
                            break;
                        }
                        Some(b'}') => {
                            self.pos += 1;
                            self.frames.pop();
                            v = self.finish_object(start, shape)?;
                        }
                        _ => return self.unexpected(),
                    },
                }
            }
        }
    }

    fn colon(&mut self) -> Result<(), ParseError> {
        self.skip_ws();
        if self.text.get(self.pos) != Some(&b':') {
            return self.unexpected();
        }
        self.pos += 1;
        self.skip_ws();
        Ok(())
    }

    /// After an error: leaves the current chunk parsable.
    pub fn abandon(&mut self) {
        self.retire_chunk();
    }
}

/// Decodes one UTF-8 (or WTF-8) sequence starting at `b[0]` (a byte >= 0x80): (code point,
/// bytes). Malformed input decodes as U+FFFD, one byte at a time.
fn decode_utf8(b: &[u8]) -> (u32, usize) {
    let c0 = b[0] as u32;
    let cont = |i: usize| b.get(i).map(|&x| x as u32).filter(|x| x & 0xc0 == 0x80);
    if c0 & 0xe0 == 0xc0 {
        if let Some(c1) = cont(1) {
            let cp = ((c0 & 0x1f) << 6) | (c1 & 0x3f);
            if cp >= 0x80 {
                return (cp, 2);
            }
        }
    } else if c0 & 0xf0 == 0xe0 {
        if let (Some(c1), Some(c2)) = (cont(1), cont(2)) {
            let cp = ((c0 & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
            if cp >= 0x800 {
                return (cp, 3);
            }
        }
    } else if c0 & 0xf8 == 0xf0 {
        if let (Some(c1), Some(c2), Some(c3)) = (cont(1), cont(2), cont(3)) {
            let cp = ((c0 & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
            if (0x10000..=0x10ffff).contains(&cp) {
                return (cp, 4);
            }
        }
    }
    (0xfffd, 1)
}

/// The registry key of the struct type for a JSON object with `fields`: `json ` and the
/// field list as a JSON array (unambiguous, and readable where the type is shown).
pub fn registry_key(fields: &[String]) -> String {
    let mut k = String::from("json [");
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            k.push(',');
        }
        k.push('"');
        for c in f.chars() {
            match c {
                '"' => k.push_str("\\\""),
                '\\' => k.push_str("\\\\"),
                c if (c as u32) < 0x20 => k.push_str(&format!("\\u{:04x}", c as u32)),
                c => k.push(c),
            }
        }
        k.push('"');
    }
    k.push(']');
    k
}

/// Encodes UTF-16 units as WTF-8 (lone surrogates as their 3-byte form), for JS strings
/// that contain them.
pub fn wtf8_from_utf16(units: &[u16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(units.len() * 3 / 2);
    let mut i = 0;
    while i < units.len() {
        let u = units[i] as u32;
        let cp = if (0xd800..0xdc00).contains(&u)
            && i + 1 < units.len()
            && (0xdc00..0xe000).contains(&(units[i + 1] as u32))
        {
            i += 1;
            0x10000 + ((u - 0xd800) << 10) + (units[i] as u32 - 0xdc00)
        } else {
            u
        };
        i += 1;
        if cp < 0x80 {
            out.push(cp as u8);
        } else if cp < 0x800 {
            out.push(0xc0 | (cp >> 6) as u8);
            out.push(0x80 | (cp & 0x3f) as u8);
        } else if cp < 0x10000 {
            out.push(0xe0 | (cp >> 12) as u8);
            out.push(0x80 | ((cp >> 6) & 0x3f) as u8);
            out.push(0x80 | (cp & 0x3f) as u8);
        } else {
            out.push(0xf0 | (cp >> 18) as u8);
            out.push(0x80 | ((cp >> 12) & 0x3f) as u8);
            out.push(0x80 | ((cp >> 6) & 0x3f) as u8);
            out.push(0x80 | (cp & 0x3f) as u8);
        }
    }
    out
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn utf8_and_wtf8_decode() {
        assert_eq!(decode_utf8("é".as_bytes()), (0xe9, 2));
        assert_eq!(decode_utf8("😀".as_bytes()), (0x1f600, 4));
        let w = wtf8_from_utf16(&[0xd800, 0x41, 0xd83d, 0xde00]);
        assert_eq!(decode_utf8(&w), (0xd800, 3));
        assert_eq!(&w[3..4], b"A");
        assert_eq!(decode_utf8(&w[4..]), (0x1f600, 4));
        assert_eq!(decode_utf8(&[0xff]), (0xfffd, 1));
    }

    #[test]
    fn registry_keys_are_unambiguous() {
        assert_ne!(
            registry_key(&["a\",\"1".into()]),
            registry_key(&["a".into(), "1".into()])
        );
        assert_eq!(
            registry_key(&["x".into(), "y".into()]),
            "json [\"x\",\"y\"]"
        );
    }
}
