//! The station daemon: sends usage records and health to the fleet server and installs the
//! station policy it publishes. For now: its configuration ([`config`]).

#![forbid(unsafe_code)]

pub mod config;
