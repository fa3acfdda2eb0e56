//! The operator's figures, `GET /metrics` in the Prometheus text format,
//! served on `metrics_listen` only (off by default), on a listener of its
//! own: the main router has no such route and answers 404. The figures
//! are `passerelle_core::status::metrics`: node ids and machine codes,
//! nothing personal.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use passerelle_core::error::NodeError;
use passerelle_core::node::Node;

use crate::ApiError;

/// The metrics listener's whole application: `GET /metrics`, and a JSON
/// 404 or 405 for anything else.
pub fn router(node: Node) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .fallback(crate::not_found)
        .method_not_allowed_fallback(crate::method_not_allowed)
        .with_state(node)
}

async fn metrics(State(node): State<Node>) -> Result<Response, ApiError> {
    let text = passerelle_core::status::metrics(&node).await?;
    Ok((
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response())
}

/// Binds `metrics_listen`, if the configuration names it.
pub async fn bind(node: &Node) -> Result<Option<tokio::net::TcpListener>, NodeError> {
    let Some(address) = &node.config.metrics_listen else {
        return Ok(None);
    };
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| NodeError::io(format!("listening on {address} (metrics_listen)"), e))?;
    if !private(address) {
        tracing::warn!(
            address = %address,
            "metrics_listen is not a loopback or private address: the figures answer without authentication"
        );
    }
    tracing::info!(address = %address, "serving the figures on /metrics");
    Ok(Some(listener))
}

/// Whether `address` is loopback or in a private range.
fn private(address: &str) -> bool {
    match address.parse::<std::net::SocketAddr>().map(|a| a.ip()) {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback() || ip.is_private(),
        Ok(std::net::IpAddr::V6(ip)) => ip.is_loopback(),
        Err(_) => false,
    }
}
