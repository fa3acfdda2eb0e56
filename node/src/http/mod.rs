//! The HTTP server: one router per area, merged here.
//!
//! `app(node)` builds the router so that tests can call it directly; `serve`
//! runs it on an already-bound listener until the shutdown future resolves,
//! letting requests in flight finish.

mod api;
mod federation;

pub use api::{openapi, Auth, SESSION_COOKIE};

use std::future::Future;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::NodeError;
use crate::fed::wire::MAX_BODY_BYTES;
use crate::node::Node;

/// The whole application.
pub fn app(node: Node) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .route("/.well-known/passerelle", get(descriptor))
        .merge(federation::router())
        .merge(api::app_routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(node)
}

/// Serves `app(node)` on `listener` until `shutdown` resolves.
pub async fn serve(
    node: Node,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), NodeError> {
    axum::serve(listener, app(node))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| NodeError::io("serving HTTP", e))
}

/// Any other path: a JSON 404, like every other error.
async fn not_found() -> NodeError {
    NodeError::refused(
        "not_found",
        axum::http::StatusCode::NOT_FOUND,
        "nothing here",
    )
}

/// `GET /healthz` — the node is up and its database answers.
async fn health(State(node): State<Node>) -> Result<Json<serde_json::Value>, NodeError> {
    sqlx::query("SELECT 1").execute(node.db.pool()).await?;
    Ok(Json(
        serde_json::json!({ "status": "ok", "id": node.id().as_str() }),
    ))
}

/// `GET /.well-known/passerelle` — the node's signed descriptor.
async fn descriptor(State(node): State<Node>) -> Result<Json<serde_json::Value>, NodeError> {
    Ok(Json(node.descriptor()?.to_json_value()))
}
