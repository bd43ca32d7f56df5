//! Running the server: listen, serve the routes, stop cleanly.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::net::TcpListener;

use crate::api::{self, AppState};
use crate::config::ServerConfig;
use crate::store::{Store, write_seen};
use crate::tls::{Peer, TlsListener};

/// Serves the station API and the dashboard on `listener` (plain HTTP on a `TcpListener`,
/// HTTPS on a [`TlsListener`]) until `shutdown` completes, then finishes the requests in
/// progress. Health history older than the retention period is pruned at start and every hour.
pub async fn serve<L>(
    listener: L,
    store: Store,
    settings: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: Listener<Addr = SocketAddr>,
    L::Io: Send,
    Peer: for<'a> Connected<IncomingStream<'a, L>>,
{
    let (seen, queue) = tokio::sync::mpsc::channel(SEEN_QUEUE);
    let writer = tokio::spawn(write_seen(store.clone(), queue));
    let state = Arc::new(AppState::new(store, settings, seen));
    let pruner = tokio::spawn(prune_health(state.clone()));
    let app = api::router(state).into_make_service_with_connect_info::<Peer>();
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    pruner.abort();
    let _ = pruner.await;
    // The last senders are gone with the router and the pruner: the writer empties its queue.
    let _ = writer.await;
    served
}

/// Reports waiting for their "station seen" trace to be written; a full queue slows reports down.
const SEEN_QUEUE: usize = 65_536;

/// Deletes health history past the retention period, now and every hour.
async fn prune_health(state: Arc<AppState>) {
    let retention = i64::from(state.settings.health_retention_days) * 86_400;
    let mut every_hour = tokio::time::interval(Duration::from_secs(3_600));
    loop {
        every_hour.tick().await;
        let before = chrono::Utc::now().timestamp() - retention;
        match state.store.prune_health(before).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "old health history pruned"),
            Err(error) => tracing::warn!(%error, "cannot prune the health history"),
        }
    }
}

/// Binds `address` and serves until SIGTERM or ctrl-c: HTTPS when the configuration names a
/// certificate and key (read before anything is served; a bad one stops the start with its
/// file named), plain HTTP otherwise.
pub async fn run(address: SocketAddr, store: Store, settings: ServerConfig) -> anyhow::Result<()> {
    let tls = match (&settings.tls_certificate, &settings.tls_key) {
        (Some(certificate), Some(key)) => Some(crate::tls::server_config(certificate, key)?),
        _ => None,
    };
    let listener =
        TcpListener::bind(address).await.map_err(|e| anyhow::anyhow!("cannot listen on {address}: {e}"))?;
    let backend = store.backend_name();
    match tls {
        Some(tls) => {
            tracing::info!(%address, backend, "fleet server listening (HTTPS)");
            serve(TlsListener::new(listener, tls), store, settings, shutdown_signal()).await?;
        }
        None => {
            tracing::info!(%address, backend, "fleet server listening (HTTP)");
            serve(listener, store, settings, shutdown_signal()).await?;
        }
    }
    tracing::info!("fleet server stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
