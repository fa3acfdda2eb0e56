//! # passerelle-web
//!
//! A Passerelle node over HTTP: the federation endpoints (`federation`),
//! the JSON API with its OpenAPI document (`api`), the pages (`pages`,
//! askama templates in `templates/`, words in `locales/`). Thin over
//! `passerelle_core`: handlers read the request, call the core, and turn
//! the answer or the refusal into HTTP (`error`, the only place that
//! chooses a status).
//!
//! `app(node)` builds the router so that tests can call it directly; `serve`
//! runs it on an already-bound listener until the shutdown future resolves,
//! letting requests in flight finish; `run` also runs a service's sync
//! engine.

pub mod api;
pub mod budget;
pub mod cookies;
pub mod error;
mod federation;
pub mod metrics;
pub mod pages;
pub mod security;
pub mod serve;

pub use error::ApiError;

pub use api::{openapi, Auth, SESSION_COOKIE};

use std::future::Future;

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;

pub use serve::Limits;
use tower_http::trace::TraceLayer;

use passerelle_core::error::{NodeError, Refusal};
use passerelle_core::node::Node;
use passerelle_core::wire::MAX_BODY_BYTES;

/// The whole application, with the default [`Limits`].
pub fn app(node: Node) -> Router {
    app_with(node, Limits::default())
}

/// The whole application; `limits.request_timeout` bounds each request
/// (body and answer), after which it gets 408 `request_timeout`.
pub fn app_with(node: Node, limits: Limits) -> Router {
    pages::seal_notices_with(&node);
    Router::new()
        .route("/healthz", get(health))
        .route("/.well-known/passerelle", get(descriptor))
        .merge(federation::router())
        .merge(api::app_routes())
        .merge(crate::pages::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            budget::BodyBudget::new(limits.body_budget, node.is_hub()),
            budget::bodies,
        ))
        .layer(axum::middleware::from_fn_with_state(
            limits.request_timeout,
            deadline,
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
        Err(e) => ApiError(NodeError::config(format!("request task failed: {e}"))).into_response(),
    }
}

/// Bounds a request (reading its body and answering it) by `limit`: past
/// it, the handler is dropped and the client gets 408 `request_timeout`,
/// in the error format of every other answer (SPEC §10.1).
async fn deadline(
    State(limit): State<std::time::Duration>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError(NodeError::refused(
            Refusal::RequestTimeout,
            format!("the request took longer than {} seconds", limit.as_secs()),
        ))
        .into_response(),
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
async fn not_found() -> ApiError {
    ApiError(NodeError::refused(Refusal::NotFound, "nothing here"))
}

/// A known path with another method: a JSON 405.
async fn method_not_allowed() -> ApiError {
    ApiError(NodeError::refused(
        Refusal::MethodNotAllowed,
        "this method is not allowed here",
    ))
}

/// The raw body of a request, refused in the API's error format when it is
/// larger than the limit.
pub struct RawBody(pub axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        <axum::body::Bytes as axum::extract::FromRequest<S>>::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|e| body_refusal(e.status(), e.body_text()).into())
    }
}

/// A refused request body: too large (413, `too_large`) or unreadable.
pub fn body_refusal(status: axum::http::StatusCode, text: String) -> NodeError {
    // axum reports the limit as 413 from `Bytes`, but as 400 from inside `Json`.
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE || text.contains("length limit exceeded")
    {
        NodeError::refused(
            Refusal::TooLarge,
            format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        )
    } else {
        NodeError::refused(Refusal::BadRequest, text)
    }
}

/// `GET /healthz` — the node is up and its database answers.
async fn health(State(node): State<Node>) -> Result<Json<serde_json::Value>, ApiError> {
    sqlx::query("SELECT 1").execute(node.db.pool()).await?;
    Ok(Json(
        serde_json::json!({ "status": "ok", "id": node.id().as_str() }),
    ))
}

/// `GET /.well-known/passerelle` — the node's signed descriptor.
async fn descriptor(State(node): State<Node>) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(node.descriptor()?.to_json_value()))
}

/// Serves HTTP on `listener`, the figures on `metrics_listen` when it is
/// set (`metrics`), and, for a service, runs the sync engine, until
/// [`Node::stop`] is called. Requests in flight finish first.
pub async fn run(node: Node, listener: TcpListener) -> Result<(), NodeError> {
    // Shared: `restore` and `key rotate` refuse to touch a directory while
    // any process serves it; several hub processes may serve it together.
    let _lock = passerelle_core::config::DirLock::share(&node.data_dir)?;
    passerelle_core::memory::start_trimmer();
    let figures = match metrics::bind(&node).await {
        Ok(listener) => listener.map(|listener| {
            tokio::spawn(serve::run(
                metrics::router(node.clone()),
                listener,
                passerelle_core::node::stopped(node.shutdown_signal()),
                Limits::default(),
            ))
        }),
        Err(e) => {
            node.db.close().await;
            return Err(e);
        }
    };
    let sync =
        (!node.is_hub()).then(|| tokio::spawn(passerelle_core::fed::service::run(node.clone())));
    let shutdown = passerelle_core::node::stopped(node.shutdown_signal());
    let served = serve(node.clone(), listener, shutdown).await;
    if let Some(task) = sync {
        let _ = task.await;
    }
    if let Some(task) = figures {
        let _ = task.await;
    }
    node.db.close().await;
    served
}
