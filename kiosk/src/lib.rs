//! The station shell: what a resident sees and touches.
//!
//! For now the kiosk binary carries the policy tools IT staff use before publishing a catalogue
//! (`kiosk policy check|explain|show`) and its own configuration check
//! (`kiosk config check`); see [`cli`]. The session machinery that needs no window is here too:
//! session folders and their crash recovery ([`session_store`]), the usage outbox ([`outbox`]) and
//! the policy in force with its last-good fallback ([`policy_keeper`]).

pub mod app;
pub mod browser;
pub mod cli;
pub mod config;
pub mod documents;
pub mod i18n;
pub mod idle;
pub mod launch;
pub mod outbox;
pub mod outcome;
pub mod policy_cmd;
pub mod policy_keeper;
pub mod printer_cmd;
pub mod refusal;
pub mod scanner;
pub mod scanner_cmd;
pub mod session_store;
pub mod status;
pub mod volunteer;
