//! The figures read from the monthly rollups (whole months) and from the records (partial
//! months, one station) equal those counted directly from the records sent, whatever the
//! re-sends and duplicates, on both backends.

mod common;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use common::{TestDb, record};
use fleet_server::store::{NewStation, Store};
use fleet_server::usage::{self, Bucket, Filter, Grouping};
use protocol::UsageRecord;

const STATIONS: [(&str, &str, &str); 3] =
    [("CCAS", "Accueil social", "st-a"), ("CCAS", "Accueil social", "st-b"), ("Ville", "Mairie", "st-c")];

async fn enrol(store: &Store) {
    for (partner, site, id) in STATIONS {
        let site = store.ensure_site(partner, site).await.unwrap();
        let code = format!("code-{id}");
        store.add_enrolment_code(site.id, &code, 0, i64::MAX).await.unwrap();
        let new = NewStation {
            id: id.into(),
            hostname: id.into(),
            token_hash: format!("token-{id}"),
            agent_version: "0".into(),
            kiosk_version: None,
        };
        store.enrol(&code, 1, &new).await.unwrap();
    }
}

/// Deterministic varied records: four months, durations 1–45 min, 0–2 procedures.
fn records(station: usize) -> Vec<UsageRecord> {
    let procedures = ["caf", "ants-identite", "impots"];
    (0..240)
        .map(|i: u32| {
            let n = i + 97 * station as u32;
            let mut r = record(procedures[(n % 3) as usize], 1, n.is_multiple_of(4));
            r.date = NaiveDate::from_ymd_opt(2026, 9 + n % 4, 1 + (n * 7) % 28).unwrap();
            r.duration_min = 1 + (n * 13) % 45;
            r.pages_printed = n % 5;
            r.scans = n % 3;
            match n % 7 {
                0 => r.procedures.clear(),
                1 => r.procedures.push(procedures[((n + 1) % 3) as usize].parse().unwrap()),
                _ => {}
            }
            r
        })
        .collect()
}

/// The expected buckets, counted from the records themselves.
fn expected(all: &[(usize, UsageRecord)], filter: &Filter) -> (Bucket, BTreeMap<String, i64>) {
    let mut bucket = Bucket::default();
    let mut procedures = BTreeMap::new();
    for (station, r) in all {
        if r.date < filter.from || r.date > filter.to {
            continue;
        }
        if filter.station.as_deref().is_some_and(|s| s != STATIONS[*station].2) {
            continue;
        }
        bucket.sessions += 1;
        bucket.assisted += i64::from(r.assisted);
        bucket.pages_printed += i64::from(r.pages_printed);
        bucket.scans += i64::from(r.scans);
        *bucket.durations.entry(i64::from(r.duration_min)).or_default() += 1;
        if r.procedures.is_empty() {
            *procedures.entry(String::new()).or_default() += 1;
        }
        for p in &r.procedures {
            *procedures.entry(p.to_string()).or_default() += 1;
        }
    }
    (bucket, procedures)
}

async fn suite(store: Store) {
    enrol(&store).await;
    let mut all = Vec::new();
    for (index, (_, _, id)) in STATIONS.iter().enumerate() {
        let records = records(index);
        // Sent in batches of 50, each batch twice, and one record twice inside a batch.
        for chunk in records.chunks(50) {
            let mut batch = chunk.to_vec();
            batch.push(chunk[0].clone());
            store.insert_records(id, &batch, 5).await.unwrap();
            let again = store.insert_records(id, chunk, 6).await.unwrap();
            assert!(again.accepted.is_empty(), "a re-sent batch adds nothing");
        }
        all.extend(records.into_iter().map(|r| (index, r)));
    }
    let day = |text: &str| text.parse::<NaiveDate>().unwrap();
    let periods = [
        ("2026-09-01", "2026-12-31"),
        ("2026-10-01", "2026-10-31"),
        ("2026-09-15", "2026-11-10"),
        ("2026-10-03", "2026-10-20"),
    ];
    for (from, to) in periods {
        for station in [None, Some("st-b")] {
            let filter = Filter { station: station.map(str::to_owned), ..Filter::period(day(from), day(to)) };
            let (want, want_procedures) = expected(&all, &filter);
            let buckets = usage::buckets(&store, &filter, Grouping::All).await.unwrap();
            let mut got = Bucket::default();
            buckets.values().for_each(|b| got.add(b));
            assert_eq!(got, want, "{from}..{to} station {station:?}");
            let got_procedures: BTreeMap<String, i64> =
                usage::per_procedure(&store, &filter).await.unwrap().into_iter().collect();
            assert_eq!(got_procedures, want_procedures, "{from}..{to} station {station:?}");
        }
    }
    // Rebuilding the rollups from the records gives the same figures.
    let whole = Filter::period(day("2026-09-01"), day("2026-12-31"));
    let before = usage::buckets(&store, &whole, Grouping::Site).await.unwrap();
    let procedures_before = usage::per_procedure(&store, &whole).await.unwrap();
    store.rebuild_rollups().await.unwrap();
    assert_eq!(usage::buckets(&store, &whole, Grouping::Site).await.unwrap(), before);
    assert_eq!(usage::per_procedure(&store, &whole).await.unwrap(), procedures_before);

    // Per partner: the site filter and the partner grouping agree with the records.
    let filter = Filter::period(day("2026-09-01"), day("2026-12-31"));
    let per_partner = usage::buckets(&store, &filter, Grouping::Partner).await.unwrap();
    let ville: i64 = per_partner.iter().filter(|((p, _), _)| p == "Ville").map(|(_, b)| b.sessions).sum();
    assert_eq!(ville, 240);
}

#[tokio::test]
async fn rollups_match_the_records_on_sqlite() {
    suite(TestDb::sqlite().open().await).await;
}

#[tokio::test]
async fn rollups_match_the_records_on_postgresql() {
    let Some(db) = TestDb::postgres().await else { return };
    suite(db.open().await).await;
}
