//! Errors the core reports; the binding turns each kind into the matching JS error class.

use std::fmt;

/// Which JS error class an error becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input: wrong type, forged token, layout mismatch.
    Type,
    /// Out of range: full heap, bad size.
    Range,
    /// Anything else (an OS call failed).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreError {
    pub kind: ErrorKind,
    pub message: String,
}

impl CoreError {
    pub fn type_error(message: impl Into<String>) -> Self {
        CoreError {
            kind: ErrorKind::Type,
            message: message.into(),
        }
    }
    pub fn range(message: impl Into<String>) -> Self {
        CoreError {
            kind: ErrorKind::Range,
            message: message.into(),
        }
    }
    pub fn other(message: impl Into<String>) -> Self {
        CoreError {
            kind: ErrorKind::Other,
            message: message.into(),
        }
    }
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CoreError {}

pub type CoreResult<T> = Result<T, CoreError>;
