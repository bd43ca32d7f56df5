//! Deserializing validated text types so that their errors keep the value's position.
//!
//! Validating inside the visitor (rather than after `String::deserialize`) lets TOML attach the
//! span of the exact array element to the error, so messages point at the offending rule or id.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::Deserializer;
use serde::de::{Error, Visitor};

struct ParseVisitor<T> {
    expecting: &'static str,
    target: PhantomData<T>,
}

impl<T> Visitor<'_> for ParseVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<T, E> {
        text.parse().map_err(E::custom)
    }
}

/// Deserializes a string and parses it with `T::from_str`; `expecting` names the kind of text.
pub(crate) fn parsed<'de, D, T>(deserializer: D, expecting: &'static str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    deserializer.deserialize_str(ParseVisitor { expecting, target: PhantomData })
}
