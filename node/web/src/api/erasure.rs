//! Taking back what the service shared (SPEC §5.6): the texts each message
//! carried, erasing those of one message with a reason, and the record of
//! erasures. Administrators only; the core's `actions::erasure` does it.

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{path_uuid, Admins, ApiJson, Authorized};
use crate::error::ApiError;
use passerelle_core::actions::erasure::{self, SharedMessage};
use passerelle_core::domain::erasure::Erased;
use passerelle_core::error::ErrorBody;
use passerelle_core::node::Node;

pub fn routes() -> OpenApiRouter<Node> {
    OpenApiRouter::new()
        .routes(routes!(shared_messages))
        .routes(routes!(erase_message))
        .routes(routes!(record))
}

#[derive(Debug, Deserialize, ToSchema)]
struct EraseInput {
    /// Why (kept in the service's record; the texts are not).
    reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct EraseResult {
    /// How many texts were erased.
    erased: usize,
}

/// The service's messages that carry (or carried) texts, newest first.
#[utoipa::path(get, path = "/api/v1/shared-messages", tag = "erasure",
    responses((status = 200, body = Vec<SharedMessage>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn shared_messages(
    State(node): State<Node>,
    auth: Authorized<Admins>,
) -> Result<Json<Vec<SharedMessage>>, ApiError> {
    Ok(Json(erasure::shared_messages(&node, &auth.actor()).await?))
}

/// Erase every text one of the service's messages still carries, at every node.
#[utoipa::path(post, path = "/api/v1/shared-messages/{id}/erase", tag = "erasure", params(("id" = String, Path)), request_body = EraseInput,
    responses((status = 200, body = EraseResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn erase_message(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<EraseInput>,
) -> Result<Json<EraseResult>, ApiError> {
    let id = path_uuid(&id)?;
    let erased = erasure::erase_message(&node, &auth.actor(), id, &input.reason).await?;
    Ok(Json(EraseResult { erased }))
}

/// The record of erasures: who, when, why, how many texts (never which).
#[utoipa::path(get, path = "/api/v1/erasures", tag = "erasure",
    responses((status = 200, body = Vec<Erased>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn record(
    State(node): State<Node>,
    auth: Authorized<Admins>,
) -> Result<Json<Vec<Erased>>, ApiError> {
    Ok(Json(erasure::record(&node, &auth.actor()).await?))
}
