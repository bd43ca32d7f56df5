//! The central service: station API, admin dashboard, usage figures and exports.
//! For now: its configuration ([`config`]).

#![forbid(unsafe_code)]

pub mod config;
