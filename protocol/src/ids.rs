//! Small validated identifiers shared by the policy and the usage records.
//!
//! They are the only strings a usage record may carry, so their alphabet is deliberately narrow:
//! a URL, a page title, typed text or a file name cannot pass for one.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Why a string is not a valid identifier or language code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The identifier is empty or longer than the limit.
    #[error("must be 1 to {max} characters long, found {len}")]
    Length {
        /// The longest accepted length.
        max: usize,
        /// The length found.
        len: usize,
    },
    /// The identifier contains a character outside its alphabet.
    #[error("{found:?} is not allowed here: expected {expected}")]
    Character {
        /// The offending character.
        found: char,
        /// A description of the accepted alphabet.
        expected: &'static str,
    },
}

/// The longest catalogue identifier accepted.
pub const MAX_ID_LEN: usize = 64;

const SLUG_ALPHABET: &str = "lower-case letters a-z, digits 0-9, '-' or '_', starting with a letter";

fn check_slug(text: &str) -> Result<(), IdError> {
    if text.is_empty() || text.len() > MAX_ID_LEN {
        return Err(IdError::Length { max: MAX_ID_LEN, len: text.len() });
    }
    for (i, c) in text.chars().enumerate() {
        let ok = c.is_ascii_lowercase() || (i > 0 && (c.is_ascii_digit() || c == '-' || c == '_'));
        if !ok {
            return Err(IdError::Character { found: c, expected: SLUG_ALPHABET });
        }
    }
    Ok(())
}

macro_rules! slug_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Checks `text` against the identifier alphabet.
            pub fn new(text: impl Into<String>) -> Result<Self, IdError> {
                let text = text.into();
                check_slug(&text)?;
                Ok(Self(text))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::de::parsed(deserializer, "an identifier such as \"ants-identite\"")
            }
        }
    };
}

slug_type!(
    /// A procedure's catalogue id, e.g. `ants-identite`: what usage records count instead of URLs.
    ProcedureId
);
slug_type!(
    /// A bundle's id, e.g. `franceconnect`: a named group of allow rules shared by procedures.
    BundleId
);
slug_type!(
    /// A procedure category, e.g. `social_sante` (see [`crate::policy::THEMATICS`]).
    Category
);

/// A language code of the kiosk's interface: two or three lower-case ASCII letters (`fr`, `en`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Language(String);

impl Language {
    /// Checks `code` is two or three lower-case letters.
    pub fn new(code: impl Into<String>) -> Result<Self, IdError> {
        let code = code.into();
        if !(2..=3).contains(&code.len()) {
            return Err(IdError::Length { max: 3, len: code.len() });
        }
        if let Some(found) = code.chars().find(|c| !c.is_ascii_lowercase()) {
            return Err(IdError::Character { found, expected: "lower-case letters a-z (e.g. \"fr\")" });
        }
        Ok(Self(code))
    }

    /// French, the kiosk's default language.
    pub fn french() -> Self {
        Self("fr".to_owned())
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Language {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Self::new(s)
    }
}

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::de::parsed(deserializer, "a language code such as \"fr\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_refuse_anything_that_could_hold_a_url_or_text() {
        for bad in ["", "https://ants.gouv.fr", "Jean Dupont", "a/b", "ANTS", "-x", "1abc", "é"] {
            assert!(ProcedureId::new(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(ProcedureId::new("x".repeat(MAX_ID_LEN + 1)).is_err());
        for good in ["ants-identite", "caf", "france_travail2"] {
            assert_eq!(ProcedureId::new(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn languages_are_short_lower_case_codes() {
        assert!(Language::new("fr").is_ok());
        assert!(Language::new("eng").is_ok());
        for bad in ["", "f", "FR", "fr-FR", "français"] {
            assert!(Language::new(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn deserializing_checks_the_alphabet() {
        let err = serde_json::from_str::<ProcedureId>("\"https://x\"").unwrap_err();
        assert!(err.to_string().contains("not allowed"), "{err}");
    }
}
