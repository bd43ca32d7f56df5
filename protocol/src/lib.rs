//! What the kiosk, the fleet agent and the fleet server agree on.
//!
//! - [`policy`]: the station policy (settings, procedure catalogue, allow rules) and its validation;
//! - [`matcher`]: the deny-by-default URL matcher the kiosk applies to every navigation;
//! - [`record`]: the anonymous usage record, one per finished session;
//! - [`health`]: the station health report;
//! - [`api`]: the station API's request and response messages;
//! - [`toml_file`]: TOML parsing whose errors name the file, the line and the key.
//!
//! Plain types and pure functions: nothing here touches the disk or the network.

#![forbid(unsafe_code)]

pub mod api;
mod de;
pub mod health;
pub mod ids;
pub mod matcher;
pub mod policy;
pub mod record;
pub mod toml_file;

pub use ids::{BundleId, Category, Language, ProcedureId};
pub use matcher::{Blocked, Context, Grant, Matcher, Rule};
pub use policy::Policy;
pub use record::{RecordId, SessionEnd, SessionTally, UsageRecord};
