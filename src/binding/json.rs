//! Binding of `parseJSON` (core::json): the text in, the root value's bits out.
//!
//! A JS string crosses as UTF-8; if it held a lone surrogate (which UTF-8 cannot carry: V8
//! writes U+FFFD) it is read again as UTF-16 and handed over as WTF-8, so strings stay
//! exact. Memory comes in blocks recorded as young ranges of the calling thread (a root
//! until JS's next operation, docs/gc.md); JS turns the root into a wrapper before that.

use napi::bindgen_prelude::*;
use napi::JsString;
use napi_derive::napi;
use std::sync::atomic::Ordering;

use super::to_napi;
use crate::core::{self, json, layout, CoreError};

struct HeapSink {
    rt: &'static core::Runtime,
    tid: u32,
    types: std::collections::HashMap<String, u32>,
}

impl json::Sink for HeapSink {
    fn block(&mut self, words: usize) -> core::CoreResult<usize> {
        let off = self.rt.alloc_large(words, None, Some(self.tid))?;
        if !self.rt.note_young_range(self.tid, off, off + words) {
            return Err(CoreError::range(
                "parseJSON: the document needs more young ranges than one operation has (256)",
            ));
        }
        Ok(off)
    }

    fn struct_type(&mut self, fields: &[String]) -> core::CoreResult<u32> {
        let key = json::registry_key(fields);
        if let Some(&id) = self.types.get(&key) {
            return Ok(id);
        }
        let id = self
            .rt
            .types
            .register(Some(key.clone()), fields.to_vec(), false)?;
        self.types.insert(key, id);
        Ok(id)
    }

    fn gc_pending(&self) -> bool {
        self.rt
            .region
            .u32_cell(layout::CTL_GC_ACTIVE)
            .load(Ordering::Acquire)
            != 0
    }

    fn safepoint(&mut self) {
        self.rt.gc.safepoint(self.tid);
    }
}

/// The outcome of a parse: the root's bits (lo, hi) or a syntax error, and counts.
#[napi(object)]
pub struct JsonOutcome {
    pub lo: u32,
    pub hi: u32,
    /// Set on a syntax error (then `position` is its UTF-16 index in the text).
    pub error: Option<String>,
    pub position: f64,
    pub objects: f64,
    pub arrays: f64,
    pub strings: f64,
    pub strings_deduplicated: f64,
    pub types: f64,
    pub bytes: f64,
}

fn run(tid: u32, text: &[u8]) -> Result<JsonOutcome> {
    super::sync::check_own_tid(tid)?;
    let rt = core::runtime().map_err(to_napi)?;
    let sink = HeapSink {
        rt,
        tid,
        types: std::collections::HashMap::new(),
    };
    let mut p = json::Parser::new(&rt.region, sink, text);
    let r = p.parse();
    let st = p.stats;
    let mut out = JsonOutcome {
        lo: 0,
        hi: 0,
        error: None,
        position: 0.0,
        objects: st.objects as f64,
        arrays: st.arrays as f64,
        strings: st.strings as f64,
        strings_deduplicated: st.strings_deduplicated as f64,
        types: st.types as f64,
        bytes: (st.words * 8) as f64,
    };
    match r {
        Ok(bits) => {
            out.lo = bits as u32;
            out.hi = (bits >> 32) as u32;
            Ok(out)
        }
        Err(e) => {
            p.abandon();
            match e {
                json::ParseError::Syntax(e) => {
                    // The byte position as a UTF-16 index (what JSON.parse reports).
                    let head = &text[..e.position.min(text.len())];
                    let units = head.iter().filter(|&&b| b & 0xc0 != 0x80).count()
                        + head.iter().filter(|&&b| b >= 0xf0).count();
                    out.error = Some(e.message);
                    out.position = units as f64;
                    Ok(out)
                }
                json::ParseError::Core(e) => Err(to_napi(e)),
            }
        }
    }
}

/// Parses JSON text (a JS string) into the shared heap for thread `tid`.
#[napi]
pub fn parse_json_string(tid: u32, text: JsString) -> Result<JsonOutcome> {
    let utf8 = text.into_utf8()?;
    let bytes = utf8.as_slice();
    // U+FFFD in the UTF-8 may stand for a lone surrogate: read the units and pass WTF-8.
    if bytes.windows(3).any(|w| w == [0xef, 0xbf, 0xbd]) {
        let s = utf8.into_value();
        let len = s.utf16_len()?;
        let units = s.into_utf16()?;
        // The buffer napi fills has room for a terminating NUL: take the string's units only.
        let wtf8 = json::wtf8_from_utf16(&units.as_slice()[..len]);
        return run(tid, &wtf8);
    }
    run(tid, bytes)
}

/// Parses JSON text given as UTF-8 bytes (a Buffer or Uint8Array); malformed UTF-8 reads
/// as U+FFFD, as `buffer.toString()` does.
#[napi]
pub fn parse_json_bytes(tid: u32, bytes: Uint8Array) -> Result<JsonOutcome> {
    let b: &[u8] = &bytes;
    match std::str::from_utf8(b) {
        Ok(_) => run(tid, b),
        Err(_) => {
            let s = String::from_utf8_lossy(b).into_owned();
            run(tid, s.as_bytes())
        }
    }
}

/// A built-in object inside the value, whose text JS fills in (core::json::write::Hole).
#[napi(object)]
pub struct StringifyHole {
    /// Position in the text (UTF-16 units).
    pub at: f64,
    /// Containers open around it.
    pub depth: u32,
    /// The path from the root: a JSON array of element indices and field names.
    pub path: String,
}

/// The outcome of `stringifyJSON`'s walk: the text, or why JSON.stringify's path must run.
/// `types` are the struct type ids met (JS checks that none has a toJSON of its own here).
#[napi(object)]
pub struct StringifyOutcome<'e> {
    pub text: Option<JsString<'e>>,
    pub types: Vec<u32>,
    pub holes: Vec<StringifyHole>,
    /// Set when the walk stopped: "fallback: <what>" or "too long".
    pub stop: Option<String>,
}

/// Writes the object at `offset` (held by a wrapper of thread `tid`) as JSON text with the
/// indentation `gap` (core::json::write).
#[napi]
pub fn stringify_json<'e>(
    env: &'e Env,
    tid: u32,
    offset: u32,
    gap: String,
) -> Result<StringifyOutcome<'e>> {
    super::sync::check_own_tid(tid)?;
    let rt = core::runtime().map_err(to_napi)?;
    match json::write::stringify(rt, tid, offset as usize, gap.as_bytes()) {
        Ok(w) => {
            // ASCII text is a Latin-1 string (one copy); anything else is decoded from UTF-8.
            let text = if w.ascii {
                env.create_string_latin1(&w.text)?
            } else {
                // The writer emits valid UTF-8 (lone surrogates are escaped): checked, not assumed.
                env.create_string(std::str::from_utf8(&w.text).map_err(|e| {
                    Error::new(Status::GenericFailure, format!("stringifyJSON: {e}"))
                })?)?
            };
            Ok(StringifyOutcome {
                text: Some(text),
                types: w.types,
                holes: w
                    .holes
                    .into_iter()
                    .map(|h| StringifyHole {
                        at: h.at as f64,
                        depth: h.depth as u32,
                        path: h.path,
                    })
                    .collect(),
                stop: None,
            })
        }
        Err(json::write::Stop::Fallback(why)) => Ok(StringifyOutcome {
            text: None,
            types: Vec::new(),
            holes: Vec::new(),
            stop: Some(format!("fallback: {why}")),
        }),
        Err(json::write::Stop::TooLong) => Ok(StringifyOutcome {
            text: None,
            types: Vec::new(),
            holes: Vec::new(),
            stop: Some("too long".into()),
        }),
    }
}
