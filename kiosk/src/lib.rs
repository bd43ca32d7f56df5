//! The station shell: what a resident sees and touches.
//!
//! For now the kiosk binary carries the policy tools IT staff use before publishing a catalogue
//! (`kiosk policy check|explain|show`) and its own configuration check
//! (`kiosk config check`); see [`cli`].

pub mod cli;
pub mod config;
pub mod outcome;
pub mod policy_cmd;
