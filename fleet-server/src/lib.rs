//! The central service: station API, admin dashboard, usage figures and exports.
//! [`store`] keeps the fleet on SQLite or PostgreSQL, [`api`] is the station API, [`serve`] runs
//! it, [`config`] reads the configuration file.

#![forbid(unsafe_code)]

pub mod admin;
pub mod api;
pub mod config;
pub mod metrics;
pub mod openapi;
pub mod report;
pub mod secrets;
pub mod serve;
pub mod site_policy;
pub mod store;
pub mod tls;
pub mod usage;
