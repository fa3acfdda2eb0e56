//! A service's own proposals: create, read, correct, move through the life
//! cycle (and reopen), share with the inter-service committee, withdraw.

use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use passerelle_protocol::body::ProposalStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{path_uuid, Admins, ApiJson, Authorized, People};
use passerelle_core::actions::proposals as act;
use passerelle_core::domain::joint::Supporter;
use passerelle_core::domain::proposals::{Correction, HistoryEntry, NewProposal, Proposal};
use passerelle_core::error::ErrorBody;
use passerelle_core::node::Node;

pub fn routes() -> OpenApiRouter<Node> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(detail))
        .routes(routes!(change_status))
        .routes(routes!(share))
        .routes(routes!(withdraw))
        .routes(routes!(correct))
        .routes(routes!(reopen))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalDetail {
    pub proposal: Proposal,
    pub history: Vec<HistoryEntry>,
    /// The other services that support it, with the word of each.
    pub supporters: Vec<Supporter>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusChange {
    pub status: ProposalStatus,
    pub comment: Option<String>,
    /// Management's answer (required for accepted, adapted, refused: the reason of a refusal).
    pub answer: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct Withdrawal {
    pub reason: Option<String>,
}

/// The service's proposals, most recently changed first.
#[utoipa::path(get, path = "/api/v1/proposals", tag = "proposals",
    responses((status = 200, body = Vec<Proposal>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn list(
    State(node): State<Node>,
    auth: Authorized<People>,
) -> Result<Json<Vec<Proposal>>, ApiError> {
    Ok(Json(act::list(&node, &auth.actor()).await?))
}

/// Record a new proposal (an idea). It stays on this node until shared.
#[utoipa::path(post, path = "/api/v1/proposals", tag = "proposals", request_body = NewProposal,
    responses((status = 201, body = Proposal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn create(
    State(node): State<Node>,
    auth: Authorized<People>,
    ApiJson(p): ApiJson<NewProposal>,
) -> Result<(StatusCode, Json<Proposal>), ApiError> {
    let actor = auth.actor();
    let id = act::create(&node, &actor, &p).await?;
    Ok((
        StatusCode::CREATED,
        Json(act::get(&node, &actor, id).await?),
    ))
}

/// One proposal with its whole history.
#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "proposals",
    params(("id" = String, Path, description = "The proposal's id")),
    responses((status = 200, body = ProposalDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn detail(
    State(node): State<Node>,
    auth: Authorized<People>,
    Path(id): Path<String>,
) -> Result<Json<ProposalDetail>, ApiError> {
    let id = path_uuid(&id)?;
    let act::Detail {
        proposal,
        history,
        supporters,
    } = act::detail(&node, &auth.actor(), id).await?;
    Ok(Json(ProposalDetail {
        proposal,
        history,
        supporters,
    }))
}

/// Move a proposal along its life cycle (administrators). A shared
/// proposal's change reaches the inter-service committee by itself.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/status", tag = "proposals", request_body = StatusChange,
    params(("id" = String, Path, description = "The proposal's id")),
    responses((status = 200, body = Proposal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn change_status(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(c): ApiJson<StatusChange>,
) -> Result<Json<Proposal>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    act::change_status(&node, &actor, id, c.status, c.comment, c.answer).await?;
    Ok(Json(act::get(&node, &actor, id).await?))
}

/// Share a proposal with the inter-service committee (administrators).
#[utoipa::path(post, path = "/api/v1/proposals/{id}/share", tag = "proposals",
    params(("id" = String, Path, description = "The proposal's id")),
    responses((status = 200, body = Proposal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn share(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
) -> Result<Json<Proposal>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    act::share(&node, &actor, id).await?;
    Ok(Json(act::get(&node, &actor, id).await?))
}

/// Stop sharing a proposal (administrators). The committee is told.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/withdraw", tag = "proposals", request_body = Withdrawal,
    params(("id" = String, Path, description = "The proposal's id")),
    responses((status = 200, body = Proposal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn withdraw(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(w): ApiJson<Withdrawal>,
) -> Result<Json<Proposal>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    act::withdraw(&node, &actor, id, w.reason.as_deref()).await?;
    Ok(Json(act::get(&node, &actor, id).await?))
}

/// Correct a proposal's title, text and theme (administrators). Kept in its
/// history; a shared proposal's correction reaches the inter-service
/// committee. Nothing changed: nothing recorded.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/correction", tag = "proposals", request_body = Correction,
    params(("id" = String, Path, description = "The proposal's id")),
    responses((status = 200, body = Proposal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn correct(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(c): ApiJson<Correction>,
) -> Result<Json<Proposal>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    act::correct(&node, &actor, id, &c).await?;
    Ok(Json(act::get(&node, &actor, id).await?))
}

/// Reopen an abandoned or realised proposal (administrators): back to the
/// status it had before, recorded in its history, announced if shared.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/reopen", tag = "proposals", request_body = Reopening,
    params(("id" = String, Path, description = "The proposal's id")),
    responses((status = 200, body = Proposal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn reopen(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<Reopening>,
) -> Result<Json<Proposal>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    act::reopen(&node, &actor, id, r.comment).await?;
    Ok(Json(act::get(&node, &actor, id).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct Reopening {
    /// Why, for the history (optional).
    pub comment: Option<String>,
}
