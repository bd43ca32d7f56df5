//! Print jobs: send a PDF (Print-Job), follow it (Get-Job-Attributes: state, reasons, pages
//! printed so far), cancel it (Cancel-Job).

use std::io::Cursor;
use std::time::Duration;

use ipp::model::DelimiterTag;
use ipp::operation::{CancelJob, GetJobAttributes, IppOperation, PrintJob};
use ipp::payload::IppPayload;
use ipp::value::IppValue;

use crate::status::{text, values_in};
use crate::transport::{IppError, send};

/// Longest wait for the printer to take a job.
const SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest wait for any other answer.
const ASK_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a job is (RFC 8011 `job-state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting in the printer's queue.
    Pending,
    /// Held (e.g. waiting for a resource).
    Held,
    /// Printing.
    Processing,
    /// Stopped (a printer problem: paper, jam…).
    Stopped,
    /// Cancelled.
    Canceled,
    /// The printer gave up.
    Aborted,
    /// Printed.
    Completed,
}

impl JobState {
    fn from_enum(value: i32) -> Option<Self> {
        Some(match value {
            3 => Self::Pending,
            4 => Self::Held,
            5 => Self::Processing,
            6 => Self::Stopped,
            7 => Self::Canceled,
            8 => Self::Aborted,
            9 => Self::Completed,
            _ => return None,
        })
    }

    /// Whether the job is over (printed, cancelled or aborted).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Canceled | Self::Aborted | Self::Completed)
    }
}

/// A job as the printer describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The job's id on that printer.
    pub id: i32,
    /// Where it is.
    pub state: JobState,
    /// `job-state-reasons` (e.g. `job-completed-successfully`, `printer-stopped`).
    pub reasons: Vec<String>,
    /// Pages printed so far (`job-impressions-completed`), when the printer says.
    pub pages_done: Option<u32>,
}

fn uri_of(uri: &str) -> Result<ipp::prelude::Uri, IppError> {
    uri.parse().map_err(|e| IppError::new(uri, format!("{e}")))
}

/// Sends a PDF to the printer; returns the job's id.
pub fn print_pdf(uri: &str, pdf: Vec<u8>, title: &str) -> Result<i32, IppError> {
    let payload = IppPayload::new(Cursor::new(pdf));
    let operation = PrintJob::new(uri_of(uri)?, payload, Some("kiosk"), Some(title), Some("application/pdf"))
        .map_err(|e| IppError::new(uri, e.to_string()))?;
    let answer = send(uri, operation.into_ipp_request(), SEND_TIMEOUT)?;
    match values_in(answer.attributes(), DelimiterTag::JobAttributes, "job-id").first() {
        Some(IppValue::Integer(id)) => Ok(*id),
        _ => Err(IppError::new(uri, "the printer took the job but gave no job-id")),
    }
}

/// The job's state, reasons and pages printed.
pub fn job(uri: &str, id: i32) -> Result<Job, IppError> {
    let operation = GetJobAttributes::new(uri_of(uri)?, id, Some("kiosk"))
        .map_err(|e| IppError::new(uri, e.to_string()))?;
    let answer = send(uri, operation.into_ipp_request(), ASK_TIMEOUT)?;
    let attributes = answer.attributes();
    let get = |name: &str| values_in(attributes, DelimiterTag::JobAttributes, name);
    let state = match get("job-state").first() {
        Some(IppValue::Enum(value)) => JobState::from_enum(*value),
        _ => None,
    }
    .ok_or_else(|| IppError::new(uri, format!("job {id}: no job-state in the answer")))?;
    let reasons = get("job-state-reasons").into_iter().map(text).collect();
    let pages_done = match get("job-impressions-completed").first() {
        Some(IppValue::Integer(pages)) => u32::try_from(*pages).ok(),
        _ => None,
    };
    Ok(Job { id, state, reasons, pages_done })
}

/// Cancels a job (nothing happens to a job already over).
pub fn cancel(uri: &str, id: i32) -> Result<(), IppError> {
    let operation =
        CancelJob::new(uri_of(uri)?, id, Some("kiosk")).map_err(|e| IppError::new(uri, e.to_string()))?;
    send(uri, operation.into_ipp_request(), ASK_TIMEOUT).map(|_| ())
}
