//! The type registry: type id -> layout, and registry key -> type id.
//!
//! A struct type is a list of field names plus an "elements" flag. Keyed types are
//! found by key, so `new SharedStructType(['x','y'], 'Point')` in two threads names one
//! type; unkeyed types get a fresh id each time. Ids are never reused, so a thread that
//! caches id -> class never sees an id change meaning.

use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;

use super::error::{CoreError, CoreResult};
use super::layout;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeInfo {
    pub id: u32,
    pub key: Option<String>,
    pub fields: Vec<String>,
    pub elements: bool,
}

impl TypeInfo {
    /// Words before the first named field: the header, plus the length word for element types.
    pub fn fields_start(&self) -> usize {
        if self.elements {
            2
        } else {
            1
        }
    }
}

/// How to avoid a key clash: keys are process-wide, and test runners run several test files
/// in one process (vitest's threads pool).
const KEY_CLASH_HINT: &str = "Registry keys are shared by every thread of the process, including \
other test files that a test runner (vitest's threads pool) runs in the same process: give each \
declaration a key of its own, or a key scope ({ key, scope } or SHARED_STRUCTS_KEY_SCOPE; \
shared-structs/vitest scopes keys per test file, docs/testing.md)";

pub struct TypeRegistry {
    inner: RwLock<Inner>,
}

struct Inner {
    /// Index = id - FIRST_USER_TYPE.
    types: Vec<Arc<TypeInfo>>,
    by_key: HashMap<String, u32>,
}

impl Default for TypeRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl TypeRegistry {
    pub fn new() -> Self {
        TypeRegistry {
            inner: RwLock::new(Inner {
                types: Vec::new(),
                by_key: HashMap::new(),
            }),
        }
    }

    /// Registers a type (or finds the keyed one). Field names must be unique.
    pub fn register(
        &self,
        key: Option<String>,
        fields: Vec<String>,
        elements: bool,
    ) -> CoreResult<u32> {
        let mut seen = std::collections::HashSet::new();
        for f in &fields {
            if !seen.insert(f.as_str()) {
                return Err(CoreError::type_error(format!(
                    "SharedStructType: duplicate field name {f:?}"
                )));
            }
        }
        let mut inner = self.inner.write();
        if let Some(k) = &key {
            if let Some(&id) = inner.by_key.get(k) {
                let existing = &inner.types[(id - layout::FIRST_USER_TYPE) as usize];
                if existing.fields != fields || existing.elements != elements {
                    return Err(CoreError::type_error(format!(
                        "SharedStructType: registry key {k:?} is already registered with fields [{}]{}; got [{}]{}. {KEY_CLASH_HINT}",
                        existing.fields.join(", "),
                        if existing.elements { " and elements" } else { "" },
                        fields.join(", "),
                        if elements { " and elements" } else { "" },
                    )));
                }
                return Ok(id);
            }
        }
        let id = layout::FIRST_USER_TYPE + inner.types.len() as u32;
        if id > layout::MAX_TYPES {
            return Err(CoreError::range("SharedStructType: too many struct types"));
        }
        inner.types.push(Arc::new(TypeInfo {
            id,
            key: key.clone(),
            fields,
            elements,
        }));
        if let Some(k) = key {
            inner.by_key.insert(k, id);
        }
        Ok(id)
    }

    pub fn get(&self, id: u32) -> Option<Arc<TypeInfo>> {
        let idx = id.checked_sub(layout::FIRST_USER_TYPE)? as usize;
        self.inner.read().types.get(idx).cloned()
    }

    pub fn count(&self) -> usize {
        self.inner.read().types.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn keyed_types_correlate_and_reject_a_different_layout() {
        let r = TypeRegistry::new();
        let a = r.register(Some("P".into()), v(&["x", "y"]), false).unwrap();
        let b = r.register(Some("P".into()), v(&["x", "y"]), false).unwrap();
        assert_eq!(a, b);
        assert!(r.register(Some("P".into()), v(&["x"]), false).is_err());
        assert!(r.register(Some("P".into()), v(&["x", "y"]), true).is_err());
        let c = r.register(None, v(&["x", "y"]), false).unwrap();
        let d = r.register(None, v(&["x", "y"]), false).unwrap();
        assert_ne!(c, d);
        assert_eq!(r.get(c).unwrap().fields, v(&["x", "y"]));
        assert!(r.get(3).is_none());
    }

    #[test]
    fn duplicate_fields_are_a_type_error() {
        let r = TypeRegistry::new();
        let e = r.register(None, v(&["a", "a"]), false).unwrap_err();
        assert!(e.message.contains("duplicate"));
    }
}
