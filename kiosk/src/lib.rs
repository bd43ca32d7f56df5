//! The station shell: what a resident sees and touches.
//!
//! For now the kiosk binary carries the policy tools IT staff use before publishing a catalogue
//! (`kiosk policy check|explain|show`) and its own configuration check
//! (`kiosk config check`); see [`cli`]. The session machinery that needs no window is here too:
//! session folders and their crash recovery ([`session_store`]) and the usage outbox ([`outbox`]).

pub mod cli;
pub mod config;
pub mod outbox;
pub mod outcome;
pub mod policy_cmd;
pub mod session_store;
