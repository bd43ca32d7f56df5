//! The station printer over IPP (`ipp://host[:port]/path`, carried on HTTP, or `ipps://` over
//! TLS, see [`tls`]): its state, reasons
//! and supply levels for health reports and messages ([`status`]), print jobs ([`job`]) and a
//! whole print run with its progress, stuck-job timeout and cancelling ([`follow`]), a document's
//! page count before it is sent ([`pdf`]), a scan as a PDF ([`image_pdf`]), and the printer's
//! problems in terms a resident can act on ([`problem`]). Blocking calls with timeouts; IPP encoding by the `ipp` crate, HTTP by `ureq`.

#![forbid(unsafe_code)]

pub mod follow;
pub mod image_pdf;
pub mod job;
pub mod pdf;
pub mod problem;
pub mod status;
pub mod tls;
mod transport;

pub use follow::{Outcome, PrintRequest, Progress, print_and_follow};
pub use job::{Job, JobState, cancel, job, print_pdf};
pub use problem::{Problem, problems};
pub use status::printer_health;
pub use transport::IppError;
