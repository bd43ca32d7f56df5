//! The station daemon: sends the kiosk's usage records and the station's health to the fleet
//! server, and installs the station policy it publishes.
//!
//! [`station`] is the station directory shared with the kiosk, [`outbox`] the kiosk's usage
//! outbox, [`client`] the station API, [`health`] the health report, [`daemon`] the loop,
//! [`config`] the configuration file.

#![forbid(unsafe_code)]

pub mod client;
pub mod config;
pub mod daemon;
pub mod health;
pub mod outbox;
pub mod station;
pub mod tls;
