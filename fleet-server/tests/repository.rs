//! The repository's behaviour, the same on SQLite (always) and PostgreSQL (the cluster
//! `./scripts/test` starts).

mod common;

use common::{TestDb, record};
use fleet_server::store::{NewStation, Store, StoreError};

fn station(id: &str, token_hash: &str) -> NewStation {
    NewStation {
        id: id.into(),
        hostname: "pan-mairie-01".into(),
        token_hash: token_hash.into(),
        agent_version: "0.1.0".into(),
        kiosk_version: Some("0.1.0".into()),
    }
}

async fn suite(store: Store) {
    // Sites and partners are created once.
    let site = store.ensure_site("Ville", "Mairie annexe Nord").await.unwrap();
    assert_eq!(store.ensure_site("Ville", "Mairie annexe Nord").await.unwrap(), site);
    let other = store.ensure_site("CCAS", "Mairie annexe Nord").await.unwrap();
    assert_ne!(other.id, site.id, "sites are per partner");

    // Enrolment codes: valid, expired, unknown.
    store.add_enrolment_code(site.id, "code-ok", 1_000, 2_000).await.unwrap();
    store.add_enrolment_code(site.id, "code-old", 1_000, 1_500).await.unwrap();
    assert!(matches!(store.enrol("code-old", 1_600, &station("s0", "t0")).await, Err(StoreError::NotFound)));
    assert!(matches!(store.enrol("nope", 1_600, &station("s0", "t0")).await, Err(StoreError::NotFound)));
    assert_eq!(store.enrol("code-ok", 1_600, &station("s1", "t1")).await.unwrap(), site.id);
    let auth = store.station_by_token("t1").await.unwrap().unwrap();
    assert_eq!((auth.id.as_str(), auth.site_id, auth.revoked_at), ("s1", site.id, None));
    assert!(store.station_by_token("t-unknown").await.unwrap().is_none());

    // Records are stored once per station, whatever the re-sends.
    let batch = vec![record("caf", 3, false), record("ants-identite", 4, true)];
    let first = store.insert_records("s1", &batch, 1_700).await.unwrap();
    assert_eq!(first.accepted, [batch[0].id, batch[1].id]);
    assert!(first.duplicates.is_empty());
    let again = [batch.clone(), vec![record("impots", 5, false)]].concat();
    let second = store.insert_records("s1", &again, 1_800).await.unwrap();
    assert_eq!(second.duplicates, [batch[0].id, batch[1].id]);
    assert_eq!(second.accepted, [again[2].id]);
    assert_eq!(store.count_records().await.unwrap(), 3);

    // The same record id from another station is another session.
    store.add_enrolment_code(other.id, "code-2", 1_000, 9_000).await.unwrap();
    store.enrol("code-2", 1_600, &station("s2", "t2")).await.unwrap();
    assert_eq!(store.insert_records("s2", &batch[..1], 1_900).await.unwrap().accepted.len(), 1);
    assert_eq!(store.count_records().await.unwrap(), 4);

    // The same record twice in one batch counts once; absurd counts are capped, not refused.
    let mut big = record("caf", 6, false);
    big.pages_printed = u32::MAX;
    let twice = store.insert_records("s2", &[big.clone(), big.clone()], 1_950).await.unwrap();
    assert_eq!((twice.accepted, twice.duplicates), (vec![big.id], vec![big.id]));
    assert!(store.insert_records("s2", &[], 1_960).await.unwrap().accepted.is_empty());
    assert_eq!(store.count_records().await.unwrap(), 5);

    // Health and last seen.
    let every = fleet_server::store::HEALTH_HISTORY_EVERY_S;
    store.station_seen("s1", 2_000, Some("{\"hostname\":\"pan-mairie-01\"}")).await.unwrap();
    store.station_seen("s1", 2_060, Some("{\"n\":2}")).await.unwrap();
    store.station_seen("s1", 2_000 + every, Some("{\"n\":3}")).await.unwrap();
    store.station_seen("s1", 2_010 + every, None).await.unwrap();
    let s1 = store.station("s1").await.unwrap().unwrap();
    assert_eq!((s1.last_seen, s1.last_health.as_deref()), (Some(2_010 + every), Some("{\"n\":3}")));
    let kept: Vec<i64> = store.health_history("s1", 10).await.unwrap().iter().map(|(at, _)| *at).collect();
    assert_eq!(kept, [2_000 + every, 2_000], "one report per station every {every} s is kept in the history");
    // Retention: old history goes, the latest report stays on the station.
    assert_eq!(store.prune_health(2_010).await.unwrap(), 1);
    assert_eq!(store.health_history("s1", 10).await.unwrap()[0].0, 2_000 + every);
    assert!(store.station("s1").await.unwrap().unwrap().last_health.is_some());

    // Revocation.
    store.revoke_station("s1", 2_100).await.unwrap();
    assert_eq!(store.station_by_token("t1").await.unwrap().unwrap().revoked_at, Some(2_100));
    assert!(matches!(store.revoke_station("s1", 2_200).await, Err(StoreError::NotFound)));

    // Policy versions.
    assert!(store.latest_policy().await.unwrap().is_none());
    assert_eq!(store.publish_policy("version = 1 # a", 3_000, "test").await.unwrap(), 1);
    assert_eq!(store.publish_policy("version = 1 # b", 3_100, "test").await.unwrap(), 2);
    let latest = store.latest_policy().await.unwrap().unwrap();
    assert_eq!((latest.version, latest.text.as_str()), (2, "version = 1 # b"));

    // Site settings: set, replaced, removed.
    assert!(store.site_override(site.id).await.unwrap().is_none());
    store.set_site_override(site.id, "idle_timeout_s = 600", 3_200, "alice").await.unwrap();
    store.set_site_override(site.id, "idle_timeout_s = 900", 3_300, "bob").await.unwrap();
    let o = store.site_override(site.id).await.unwrap().unwrap();
    assert_eq!((o.settings.as_str(), o.updated_by.as_str()), ("idle_timeout_s = 900", "bob"));
    store.set_site_override(site.id, "  ", 3_400, "bob").await.unwrap();
    assert!(store.site_override(site.id).await.unwrap().is_none());

    // Users and their sessions.
    store.add_user("alice", "it-admin", "$argon2id$x", 4_000).await.unwrap();
    store.create_session("h1", "alice", "csrf1", 4_000, 5_000).await.unwrap();
    let session = store.session("h1", 4_500).await.unwrap().unwrap();
    assert_eq!(
        (session.user.as_str(), session.role.as_str(), session.csrf.as_str()),
        ("alice", "it-admin", "csrf1")
    );
    assert!(store.session("h1", 5_000).await.unwrap().is_none(), "expired");
    store.delete_session("h1").await.unwrap();
    assert!(store.session("h1", 4_500).await.unwrap().is_none(), "logged out");
    assert!(matches!(
        store.add_user("alice", "reporting", "$argon2id$y", 4_100).await,
        Err(StoreError::Conflict(_))
    ));
}

#[tokio::test]
async fn the_repository_on_sqlite() {
    let db = TestDb::sqlite();
    suite(db.open().await).await;
    // Reopening applies no migration twice and keeps the data.
    assert_eq!(db.open().await.count_records().await.unwrap(), 5);
}

#[tokio::test]
async fn the_repository_on_postgresql() {
    let Some(db) = TestDb::postgres().await else { return };
    suite(db.open().await).await;
    assert_eq!(db.open().await.count_records().await.unwrap(), 5);
}

#[tokio::test]
async fn an_unknown_database_url_is_named() {
    let error = Store::open("mysql://x").await.err().unwrap().to_string();
    assert!(error.contains("unsupported database URL \"mysql://x\""), "{error}");
}

/// Many stations enrolling and reporting at once: every write waits its turn, none fails with
/// "database is locked".
async fn concurrent_writes(store: Store) {
    let store = std::sync::Arc::new(store);
    let site = store.ensure_site("Ville", "Mairie").await.unwrap();
    store.add_enrolment_code(site.id, "code", 0, i64::MAX).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..64 {
        let store = store.clone();
        tasks.spawn(async move {
            let id = format!("st-{n}");
            store.enrol("code", 1, &station(&id, &format!("token-{n}"))).await?;
            store.insert_records(&id, &[record("caf", 3, n % 2 == 0)], 2).await?;
            store.station_seen(&id, 3, Some("{}")).await?;
            store.publish_policy("version = 1", 4, "test").await.map(|_| ())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().unwrap();
    }
    assert_eq!(store.count_records().await.unwrap(), 64);
    assert_eq!(store.latest_policy().await.unwrap().unwrap().version, 64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_on_sqlite() {
    concurrent_writes(TestDb::sqlite().open().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_on_postgresql() {
    let Some(db) = TestDb::postgres().await else { return };
    concurrent_writes(db.open().await).await;
}
