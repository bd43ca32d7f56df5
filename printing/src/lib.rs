//! The station printer over IPP (`ipp://host[:port]/path`, carried on HTTP): its state, reasons
//! and supply levels for health reports and messages ([`status`]), and print jobs with their
//! progress and cancelling ([`job`]). Blocking calls with timeouts; IPP encoding by the `ipp`
//! crate, HTTP by `ureq`.

#![forbid(unsafe_code)]

pub mod job;
pub mod status;
mod transport;

pub use job::{Job, JobState, cancel, job, print_pdf};
pub use status::printer_health;
pub use transport::IppError;
