//! The grant report the project team sends: exact figures per partner and month, as CSV and XLSX,
//! through `fleet-server export`, on both backends.

mod common;

use std::process::Command;

use calamine::{Data, Reader, Xlsx};
use common::{TestDb, record};
use fleet_server::store::{NewStation, Store};

async fn station(store: &Store, partner: &str, site: &str, id: &str) {
    let site = store.ensure_site(partner, site).await.unwrap();
    let code = format!("code-{id}");
    store.add_enrolment_code(site.id, &code, 0, i64::MAX).await.unwrap();
    let new = NewStation {
        id: id.into(),
        hostname: id.into(),
        token_hash: format!("token-{id}"),
        agent_version: "0.1.0".into(),
        kiosk_version: None,
    };
    store.enrol(&code, 1, &new).await.unwrap();
}

/// CCAS: 3 sessions in November (1 assisted), 1 in December; Ville: 2 in November (both
/// assisted), 1 in October outside the period.
async fn fill(store: &Store) {
    station(store, "CCAS de la ville", "Accueil social", "st-ccas").await;
    station(store, "Ville", "Mairie annexe Nord", "st-ville").await;
    let mut ccas = vec![record("caf", 3, true), record("caf", 4, false), record("impots", 30, false)];
    ccas[1].duration_min = 30;
    ccas[2].duration_min = 5;
    let mut december = record("ameli", 3, false);
    december.date = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    december.scans = 3;
    ccas.push(december);
    store.insert_records("st-ccas", &ccas, 2).await.unwrap();
    let mut october = record("caf", 1, false);
    october.date = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    store
        .insert_records("st-ville", &[record("ants-identite", 10, true), record("caf", 11, true), october], 2)
        .await
        .unwrap();
}

fn export(db: &TestDb, format: &str, out: Option<&std::path::Path>) -> Vec<u8> {
    export_preset(db, format, out, "rapport")
}

fn export_preset(db: &TestDb, format: &str, out: Option<&std::path::Path>, preset: &str) -> Vec<u8> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fleet-server"));
    command.args(["export", "--preset", preset]);
    command.args(["--from", "2026-11-01", "--to", "2026-12-31", "--format", format, "--database", &db.url]);
    if let Some(out) = out {
        command.args(["--out", out.to_str().unwrap()]);
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    match out {
        Some(path) => std::fs::read(path).unwrap(),
        None => output.stdout,
    }
}

const EXPECTED: &str = "partenaire,mois,sessions,accompagnements,sessions_autonomes,pages_imprimees,numerisations,duree_mediane_min
CCAS de la ville,2026-11,3,1,2,6,0,10.0
CCAS de la ville,2026-12,1,0,1,2,3,10.0
Ville,2026-11,2,2,0,4,0,10.0
CCAS de la ville,total,4,1,3,8,3,10.0
Ville,total,2,2,0,4,0,10.0
Total,,6,3,3,12,3,10.0
";

/// Sessions per procedure and month (ameli in December; caf, impots, ants-identite in November).
const PROCEDURES: &str = "demarche,mois,sessions
ameli,2026-12,1
ants-identite,2026-11,1
caf,2026-11,3
impots,2026-11,1
ameli,total,1
ants-identite,total,1
caf,total,3
impots,total,1
";

fn check(db: TestDb) {
    let csv = String::from_utf8(export(&db, "csv", None)).unwrap();
    assert_eq!(csv, EXPECTED);
    let csv = String::from_utf8(export_preset(&db, "csv", None, "demarches")).unwrap();
    assert_eq!(csv, PROCEDURES);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rapport.xlsx");
    export(&db, "xlsx", Some(&path));
    let mut workbook: Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let sheet = workbook.worksheet_range("Rapport FEDER").unwrap();
    let read: Vec<String> = sheet
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Float(value) if value.fract() == 0.0 && row.len() > 7 && cell != &row[7] => {
                        format!("{value}")
                    }
                    Data::Float(value) => format!("{value:.1}"),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    assert_eq!(read.join("\n") + "\n", EXPECTED, "the XLSX holds the same figures as the CSV");
}

#[test]
fn the_grant_report_on_sqlite() {
    let db = TestDb::sqlite();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async { fill(&db.open().await).await });
    check(db);
}

#[test]
fn the_grant_report_on_postgresql() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let Some(db) = runtime.block_on(TestDb::postgres()) else { return };
    runtime.block_on(async { fill(&db.open().await).await });
    check(db);
}
