//! Running the server: listen, serve the routes, stop cleanly.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::api::{self, AppState};
use crate::metrics::Metrics;
use crate::store::Store;

/// Serves the station API on `listener` until `shutdown` completes, then finishes the requests
/// in progress.
pub async fn serve(
    listener: TcpListener,
    store: Store,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let state = Arc::new(AppState { store, metrics: Metrics::default() });
    let app = api::router(state);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// Binds `address` and serves until SIGTERM or ctrl-c.
pub async fn run(address: SocketAddr, store: Store) -> anyhow::Result<()> {
    let listener =
        TcpListener::bind(address).await.map_err(|e| anyhow::anyhow!("cannot listen on {address}: {e}"))?;
    tracing::info!(%address, backend = store.backend_name(), "fleet server listening");
    serve(listener, store, shutdown_signal()).await?;
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
