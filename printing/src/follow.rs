//! A whole print run as the person at the station lives it: the document is sent, the job is
//! followed until it ends, the printer's problems are reported while it waits, and a job that
//! makes no progress for too long, or whose session ends, is cancelled.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::job::{JobState, cancel, job, print_pdf};
use crate::problem::{Problem, problems};
use crate::status::printer_health;

/// How often the job and the printer are asked how things go.
const POLL: Duration = Duration::from_millis(500);

/// What to print and how long a job may stand still.
#[derive(Debug, Clone)]
pub struct PrintRequest {
    /// The printer (`ipp://host[:port]/path`).
    pub printer: String,
    /// The PDF document.
    pub pdf: Vec<u8>,
    /// Its page count (see [`crate::pdf::page_count`]); counted as printed when the printer
    /// completes the job without saying how many pages it printed.
    pub pages: u32,
    /// The job's name on the printer.
    pub title: String,
    /// A job whose state and page count have not changed for this long is cancelled.
    pub stuck_after: Duration,
}

/// One step of a print run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The document is on its way to the printer.
    Sending,
    /// The printer has the job: queued or printing.
    Printing {
        /// Pages printed so far, when the printer says.
        pages_done: Option<u32>,
        /// The printer's problems now (no paper, jam…), most urgent first.
        problems: Vec<Problem>,
    },
    /// The run is over.
    Finished(Outcome),
}

/// How a print run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Printed.
    Printed {
        /// Pages printed.
        pages: u32,
    },
    /// Stood still longer than allowed: cancelled.
    Stuck {
        /// Pages printed before.
        pages: u32,
        /// The printer's problems when it was cancelled.
        problems: Vec<Problem>,
    },
    /// Cancelled (the session ended, or someone cancelled it at the printer).
    Cancelled {
        /// Pages printed before.
        pages: u32,
    },
    /// The printer gave up on the job.
    Aborted {
        /// Pages printed before.
        pages: u32,
        /// The printer's problems then.
        problems: Vec<Problem>,
    },
    /// The printer could not be reached or refused the job.
    Failed(String),
}

impl Outcome {
    /// Pages that came out of the printer.
    pub fn pages(&self) -> u32 {
        match self {
            Self::Printed { pages }
            | Self::Stuck { pages, .. }
            | Self::Cancelled { pages }
            | Self::Aborted { pages, .. } => *pages,
            Self::Failed(_) => 0,
        }
    }
}

/// Sends the document and follows the job to its end, calling `report` at each change; cancels the
/// job when `stop` becomes true or when it is stuck. Blocking: run it on its own thread.
pub fn print_and_follow(
    request: &PrintRequest,
    stop: &AtomicBool,
    mut report: impl FnMut(Progress),
) -> Outcome {
    report(Progress::Sending);
    let uri = request.printer.as_str();
    let finish = |outcome: Outcome, report: &mut dyn FnMut(Progress)| {
        report(Progress::Finished(outcome.clone()));
        outcome
    };
    let id = match print_pdf(uri, request.pdf.clone(), &request.title) {
        Ok(id) => id,
        Err(error) => return finish(Outcome::Failed(error.to_string()), &mut report),
    };
    let mut last: Option<(JobState, Option<u32>)> = None;
    let mut last_shown: Option<Progress> = None;
    let mut changed = Instant::now();
    let mut failures = 0;
    loop {
        let job = match job(uri, id) {
            Ok(job) => {
                failures = 0;
                job
            }
            Err(error) => {
                failures += 1;
                // A printer that stops answering mid-job is stuck too, but give it a few tries.
                if failures >= 5 && changed.elapsed() > request.stuck_after {
                    return finish(Outcome::Failed(error.to_string()), &mut report);
                }
                std::thread::sleep(POLL);
                continue;
            }
        };
        let pages_done = job.pages_done;
        let pages = pages_done.unwrap_or(0);
        match job.state {
            JobState::Completed => {
                let pages = pages_done.filter(|p| *p > 0).unwrap_or(request.pages);
                return finish(Outcome::Printed { pages }, &mut report);
            }
            JobState::Canceled => return finish(Outcome::Cancelled { pages }, &mut report),
            JobState::Aborted => {
                let problems = problems(&printer_health(uri));
                return finish(Outcome::Aborted { pages, problems }, &mut report);
            }
            _ => {}
        }
        if last != Some((job.state, pages_done)) {
            last = Some((job.state, pages_done));
            changed = Instant::now();
        }
        let now_problems = problems(&printer_health(uri));
        if stop.load(Ordering::Relaxed) || changed.elapsed() > request.stuck_after {
            if let Err(error) = cancel(uri, id) {
                tracing::warn!(%error, job = id, "the print job could not be cancelled");
            }
            let outcome = if stop.load(Ordering::Relaxed) {
                Outcome::Cancelled { pages }
            } else {
                Outcome::Stuck { pages, problems: now_problems }
            };
            return finish(outcome, &mut report);
        }
        let progress = Progress::Printing { pages_done, problems: now_problems };
        if last_shown.as_ref() != Some(&progress) {
            report(progress.clone());
            last_shown = Some(progress);
        }
        std::thread::sleep(POLL);
    }
}
