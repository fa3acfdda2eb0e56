//! Support is the committee's: a member suggests that the committee
//! support a shared proposal (kept on this node, never sent), changes the
//! word by suggesting again, or takes the suggestion back; administrators
//! read the pending suggestions and give the support
//! (`POST /api/v1/joint/supports`) or set them aside.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::joint::proposal_ref;
use super::{Admins, ApiJson, Authorized, People};
use crate::error::ApiError;
use passerelle_core::actions::joint as act;
use passerelle_core::domain::joint::suggestions::Suggestion;
use passerelle_core::error::ErrorBody;
use passerelle_core::node::Node;

pub fn routes() -> OpenApiRouter<Node> {
    OpenApiRouter::new()
        .routes(routes!(suggestions, suggest))
        .routes(routes!(take_back))
        .routes(routes!(set_aside))
}

#[derive(Debug, Deserialize, ToSchema)]
struct SuggestionInput {
    /// The service whose proposal it is.
    service: String,
    proposal: Uuid,
    /// Why, in a few words (at most 1000 characters).
    word: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
struct ProposalInput {
    /// The service whose proposal it is.
    service: String,
    proposal: Uuid,
}

/// The pending suggestions of support, oldest first: all of them for an
/// administrator, one's own for a member.
#[utoipa::path(operation_id = "joint_suggestions", get, path = "/api/v1/joint/suggestions", tag = "joint",
    responses((status = 200, body = Vec<Suggestion>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn suggestions(
    State(node): State<Node>,
    auth: Authorized<People>,
) -> Result<Json<Vec<Suggestion>>, ApiError> {
    Ok(Json(act::suggestions(&node, &auth.actor()).await?))
}

/// Suggest that the committee support a shared proposal, with a word (again:
/// the word is replaced). Nothing is sent: the administrators decide.
#[utoipa::path(operation_id = "joint_suggest", post, path = "/api/v1/joint/suggestions", tag = "joint", request_body = SuggestionInput,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn suggest(
    State(node): State<Node>,
    auth: Authorized<People>,
    ApiJson(s): ApiJson<SuggestionInput>,
) -> Result<StatusCode, ApiError> {
    let target = proposal_ref(&s.service, s.proposal)?;
    act::suggest_support(&node, &auth.actor(), target, s.word).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take one's pending suggestion back.
#[utoipa::path(operation_id = "joint_take_back_suggestion", post, path = "/api/v1/joint/suggestions/take-back", tag = "joint", request_body = ProposalInput,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn take_back(
    State(node): State<Node>,
    auth: Authorized<People>,
    ApiJson(s): ApiJson<ProposalInput>,
) -> Result<StatusCode, ApiError> {
    let target = proposal_ref(&s.service, s.proposal)?;
    act::take_back_suggestion(&node, &auth.actor(), target).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The committee does not follow the pending suggestions about a proposal
/// (administrators): they are settled; nothing is sent.
#[utoipa::path(operation_id = "joint_set_aside_suggestions", post, path = "/api/v1/joint/suggestions/set-aside", tag = "joint", request_body = ProposalInput,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn set_aside(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    ApiJson(s): ApiJson<ProposalInput>,
) -> Result<StatusCode, ApiError> {
    let target = proposal_ref(&s.service, s.proposal)?;
    act::set_aside_suggestions(&node, &auth.actor(), target).await?;
    Ok(StatusCode::NO_CONTENT)
}
