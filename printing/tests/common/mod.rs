//! Test helpers.
pub mod printer;
