//! The HTTP server: one router per area, merged here.
//!
//! `app(node)` builds the router so that tests can call it directly; `serve`
//! runs it on an already-bound listener until the shutdown future resolves,
//! letting requests in flight finish.

pub mod api;
mod federation;
pub mod security;
pub mod serve;

pub use api::{openapi, Auth, SESSION_COOKIE};

use std::future::Future;

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;

pub use serve::Limits;
use tower_http::trace::TraceLayer;

use crate::error::NodeError;
use crate::fed::wire::MAX_BODY_BYTES;
use crate::node::Node;

/// The whole application, with the default [`Limits`].
pub fn app(node: Node) -> Router {
    app_with(node, Limits::default())
}

/// The whole application; `limits.request_timeout` bounds each request
/// (body and answer), after which it gets 408.
pub fn app_with(node: Node, limits: Limits) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .route("/.well-known/passerelle", get(descriptor))
        .merge(federation::router())
        .merge(api::app_routes())
        .merge(crate::web::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn_with_state(
            node.clone(),
            security::headers,
        ))
        .layer(axum::middleware::from_fn(run_to_completion))
        .with_state(node)
}

/// Runs each request in its own task, so that a client that goes away (a
/// service killed mid-push, a dropped connection) does not cancel the
/// handler halfway through a database transaction. A cancelled transaction
/// would only be rolled back when its pooled connection is next used, and
/// until then it would hold SQLite's write lock.
async fn run_to_completion(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::spawn(next.run(req)).await {
        Ok(response) => response,
        Err(e) => NodeError::config(format!("request task failed: {e}")).into_response(),
    }
}

/// Serves `app(node)` on `listener` until `shutdown` resolves.
pub async fn serve(
    node: Node,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), NodeError> {
    serve_with(node, listener, shutdown, Limits::default()).await
}

/// [`serve()`] with other [`Limits`] (tests use short ones).
pub async fn serve_with(
    node: Node,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> Result<(), NodeError> {
    serve::run(app_with(node, limits), listener, shutdown, limits).await
}

/// Any other path: a JSON 404, like every other error.
async fn not_found() -> NodeError {
    NodeError::refused(
        "not_found",
        axum::http::StatusCode::NOT_FOUND,
        "nothing here",
    )
}

/// A known path with another method: a JSON 405.
async fn method_not_allowed() -> NodeError {
    NodeError::refused(
        "method_not_allowed",
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "this method is not allowed here",
    )
}

/// The raw body of a request, refused in the API's error format when it is
/// larger than the limit.
pub struct RawBody(pub axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for RawBody {
    type Rejection = NodeError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, NodeError> {
        <axum::body::Bytes as axum::extract::FromRequest<S>>::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|e| body_refusal(e.status(), e.body_text()))
    }
}

/// A refused request body: too large (413, `too_large`) or unreadable.
pub fn body_refusal(status: axum::http::StatusCode, text: String) -> NodeError {
    // axum reports the limit as 413 from `Bytes`, but as 400 from inside `Json`.
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE || text.contains("length limit exceeded")
    {
        NodeError::refused(
            "too_large",
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        )
    } else {
        NodeError::refused("bad_request", axum::http::StatusCode::BAD_REQUEST, text)
    }
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
