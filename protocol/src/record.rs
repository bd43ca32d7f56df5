//! The usage record: one per finished session, anonymous by construction.
//!
//! Every field is a count, a flag, a date or a validated identifier; none can hold a URL, a page
//! title, typed text or a file name, and unknown fields are refused when a record is read back.

use std::fmt;
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::ids::{Language, ProcedureId};

/// A record's id: a UUIDv7, so ids sort by creation time and never collide between stations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RecordId(Uuid);

impl RecordId {
    /// A new id for a session that ends now.
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    /// Accepts only version-7 UUIDs.
    pub fn from_uuid(uuid: Uuid) -> Result<Self, String> {
        match uuid.get_version_num() {
            7 => Ok(Self(uuid)),
            v => Err(format!("record id {uuid} is a version {v} UUID: expected a UUIDv7")),
        }
    }

    /// The UUID itself.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl std::str::FromStr for RecordId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let uuid = Uuid::parse_str(s).map_err(|e| format!("{s:?} is not a UUID: {e}"))?;
        Self::from_uuid(uuid)
    }
}

impl<'de> Deserialize<'de> for RecordId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::de::parsed(deserializer, "a UUIDv7 string")
    }
}

/// The hour slot (0-23, station local time) a session started in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Hour(u8);

impl Hour {
    /// Accepts 0 to 23.
    pub fn new(hour: u8) -> Result<Self, String> {
        if hour < 24 { Ok(Self(hour)) } else { Err(format!("hour {hour} is out of range: expected 0 to 23")) }
    }

    /// The hour as a number.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl<'de> Deserialize<'de> for Hour {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::new(u8::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionEnd {
    /// The resident pressed "end and erase my data".
    User,
    /// Nobody answered the idle countdown.
    Idle,
    /// The kiosk found the session's leftovers at start-up (crash or power cut) and wiped them.
    Recovered,
}

impl SessionEnd {
    /// The value as written in JSON and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Idle => "idle",
            Self::Recovered => "recovered",
        }
    }
}

/// What the kiosk counts during a session; becomes a [`UsageRecord`] when the session ends.
/// Serializable so the kiosk can keep it on disk and still count a session after a crash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionTally {
    /// Procedures opened, in order, each once.
    pub procedures: Vec<ProcedureId>,
    /// Whether a volunteer marked the session as assisted.
    pub assisted: bool,
    /// Interface language at the end of the session.
    pub language: Language,
    /// Whether large text was on.
    pub large_text: bool,
    /// Whether high contrast was on.
    pub high_contrast: bool,
    /// Pages printed.
    pub pages_printed: u32,
    /// Documents scanned.
    pub scans: u32,
    /// Files downloaded.
    pub downloads: u32,
    /// Navigations refused by the policy.
    pub blocked: u32,
}

impl SessionTally {
    /// An empty tally for a session in `language`.
    pub fn new(language: Language) -> Self {
        Self {
            procedures: Vec::new(),
            assisted: false,
            language,
            large_text: false,
            high_contrast: false,
            pages_printed: 0,
            scans: 0,
            downloads: 0,
            blocked: 0,
        }
    }

    /// Notes that a procedure was opened (counted once per session).
    pub fn open_procedure(&mut self, id: &ProcedureId) {
        if !self.procedures.contains(id) {
            self.procedures.push(id.clone());
        }
    }
}

/// One finished session, as stored in the station's outbox and sent to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageRecord {
    /// Unique id, the server's deduplication key with the station.
    pub id: RecordId,
    /// Day the session started, station local time.
    pub date: NaiveDate,
    /// Hour slot the session started in, station local time.
    pub hour: Hour,
    /// Length in whole minutes, every started minute counted.
    pub duration_min: u32,
    /// Catalogue ids of the procedures opened.
    pub procedures: Vec<ProcedureId>,
    /// Whether a volunteer accompanied the resident.
    pub assisted: bool,
    /// Interface language.
    pub language: Language,
    /// Whether large text was on.
    pub large_text: bool,
    /// Whether high contrast was on.
    pub high_contrast: bool,
    /// Pages printed.
    pub pages_printed: u32,
    /// Documents scanned.
    pub scans: u32,
    /// Files downloaded.
    pub downloads: u32,
    /// Navigations refused by the policy.
    pub blocked: u32,
    /// How the session ended.
    pub end: SessionEnd,
    /// How long the wipe took, in milliseconds.
    pub wipe_ms: u32,
}

impl UsageRecord {
    /// The record of a session that started at `started` (station local time) and lasted `duration`.
    pub fn new(
        id: RecordId,
        started: NaiveDateTime,
        duration: Duration,
        tally: SessionTally,
        end: SessionEnd,
        wipe: Duration,
    ) -> Self {
        let duration_min = u32::try_from(duration.as_millis().div_ceil(60_000)).unwrap_or(u32::MAX);
        let hour = Hour::new(u8::try_from(started.hour()).unwrap_or(0)).unwrap_or(Hour(0));
        Self {
            id,
            date: started.date(),
            hour,
            duration_min,
            procedures: tally.procedures,
            assisted: tally.assisted,
            language: tally.language,
            large_text: tally.large_text,
            high_contrast: tally.high_contrast,
            pages_printed: tally.pages_printed,
            scans: tally.scans,
            downloads: tally.downloads,
            blocked: tally.blocked,
            end,
            wipe_ms: u32::try_from(wipe.as_millis()).unwrap_or(u32::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> UsageRecord {
        let mut tally = SessionTally::new(Language::french());
        let caf = ProcedureId::new("caf").unwrap();
        tally.open_procedure(&caf);
        tally.open_procedure(&ProcedureId::new("ants-identite").unwrap());
        tally.open_procedure(&caf);
        tally.pages_printed = 3;
        tally.assisted = true;
        let started = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap().and_hms_opt(14, 59, 30).unwrap();
        UsageRecord::new(
            RecordId::generate(),
            started,
            Duration::from_secs(61),
            tally,
            SessionEnd::Idle,
            Duration::from_micros(12_700),
        )
    }

    #[test]
    fn json_has_the_agreed_field_names() {
        let record = sample();
        let json = serde_json::to_value(&record).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = [
            "id",
            "date",
            "hour",
            "duration_min",
            "procedures",
            "assisted",
            "language",
            "large_text",
            "high_contrast",
            "pages_printed",
            "scans",
            "downloads",
            "blocked",
            "end",
            "wipe_ms",
        ];
        expected.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, expected);
        assert_eq!(json["date"], "2026-12-03");
        assert_eq!(json["hour"], 14);
        assert_eq!(json["duration_min"], 2, "every started minute counts");
        assert_eq!(json["procedures"], serde_json::json!(["caf", "ants-identite"]));
        assert_eq!(json["end"], "idle");
        assert_eq!(json["wipe_ms"], 12);
        let id = json["id"].as_str().unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "7", "UUIDv7");
        let back: UsageRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back, record);
    }

    #[test]
    fn reading_back_refuses_anything_that_is_not_anonymous() {
        let mut json = serde_json::to_value(sample()).unwrap();
        json["url"] = "https://caf.fr/mon-compte".into();
        let err = serde_json::from_value::<UsageRecord>(json).unwrap_err().to_string();
        assert!(err.contains("unknown field `url`"), "{err}");

        let mut json = serde_json::to_value(sample()).unwrap();
        json["procedures"] = serde_json::json!(["https://caf.fr/"]);
        assert!(serde_json::from_value::<UsageRecord>(json).is_err());

        let mut json = serde_json::to_value(sample()).unwrap();
        json["language"] = "Bonjour, je m'appelle Jean".into();
        assert!(serde_json::from_value::<UsageRecord>(json).is_err());
    }

    #[test]
    fn ids_must_be_uuid_v7_and_hours_in_range() {
        let mut json = serde_json::to_value(sample()).unwrap();
        json["id"] = Uuid::nil().to_string().into();
        let err = serde_json::from_value::<UsageRecord>(json).unwrap_err().to_string();
        assert!(err.contains("expected a UUIDv7"), "{err}");

        let mut json = serde_json::to_value(sample()).unwrap();
        json["hour"] = 24.into();
        let err = serde_json::from_value::<UsageRecord>(json).unwrap_err().to_string();
        assert!(err.contains("expected 0 to 23"), "{err}");

        let mut json = serde_json::to_value(sample()).unwrap();
        json["end"] = "crash".into();
        assert!(serde_json::from_value::<UsageRecord>(json).is_err());
    }
}
