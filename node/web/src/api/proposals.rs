//! A service's own proposals: create, read, move through the life cycle,
//! share with the inter-service committee, withdraw.

use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use passerelle_core::error::Refusal;
use passerelle_protocol::body::ProposalStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{path_uuid, Admins, ApiJson, Authorized, People};
use passerelle_core::actions::Who;
use passerelle_core::domain::proposals::{self, HistoryEntry, NewProposal, Proposal};
use passerelle_core::error::{ErrorBody, NodeError};
use passerelle_core::node::Node;
use passerelle_core::validate::{rule, Rule};

pub fn routes() -> OpenApiRouter<Node> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(detail))
        .routes(routes!(change_status))
        .routes(routes!(share))
        .routes(routes!(withdraw))
}

/// Refuses on a hub: proposals belong to services.
pub fn require_service(node: &Node) -> Result<(), NodeError> {
    if node.is_hub() {
        Err(NodeError::refused(
            Refusal::NotAService,
            "a hub has no proposals of its own",
        ))
    } else {
        Ok(())
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalDetail {
    pub proposal: Proposal,
    pub history: Vec<HistoryEntry>,
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

async fn load(node: &Node, id: uuid::Uuid) -> Result<Proposal, NodeError> {
    proposals::get(&mut *node.db.pool().acquire().await?, id).await
}

/// The service's proposals, most recently changed first.
#[utoipa::path(get, path = "/api/v1/proposals", tag = "proposals",
    responses((status = 200, body = Vec<Proposal>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn list(
    State(node): State<Node>,
    auth: Authorized<People>,
) -> Result<Json<Vec<Proposal>>, ApiError> {
    auth.require(Who::Committee)?;
    require_service(&node)?;
    Ok(Json(
        proposals::list(&mut *node.db.pool().acquire().await?).await?,
    ))
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
    auth.require(Who::Committee)?;
    require_service(&node)?;
    let actor = auth.name().to_owned();
    let id = node
        .write(move |conn, _| Box::pin(async move { proposals::create(conn, &actor, &p).await }))
        .await?;
    Ok((StatusCode::CREATED, Json(load(&node, id).await?)))
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
    auth.require(Who::Committee)?;
    require_service(&node)?;
    let id = path_uuid(&id)?;
    let mut conn = node.db.pool().acquire().await?;
    Ok(Json(ProposalDetail {
        proposal: proposals::get(&mut conn, id).await?,
        history: proposals::history(&mut conn, id).await?,
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
    auth.require(Who::Admins)?;
    require_service(&node)?;
    let id = path_uuid(&id)?;
    let actor = auth.name().to_owned();
    node.write(move |conn, stream| {
        Box::pin(async move {
            proposals::change_status(
                conn,
                stream.as_ref(),
                id,
                &actor,
                c.status,
                c.comment,
                c.answer,
            )
            .await
        })
    })
    .await?;
    Ok(Json(load(&node, id).await?))
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
    auth.require(Who::Admins)?;
    require_service(&node)?;
    let id = path_uuid(&id)?;
    node.write(move |conn, stream| {
        Box::pin(async move {
            let stream = stream.ok_or_else(|| {
                rule(
                    Rule::NotJoined,
                    "this service has not joined an inter-service committee yet",
                )
            })?;
            proposals::share(conn, &stream, id).await
        })
    })
    .await?;
    Ok(Json(load(&node, id).await?))
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
    auth.require(Who::Admins)?;
    require_service(&node)?;
    let id = path_uuid(&id)?;
    let reason = passerelle_core::validate::optional_text("reason", w.reason.as_deref(), 2000)?;
    node.write(move |conn, stream| {
        Box::pin(async move {
            let stream = stream.ok_or_else(|| {
                rule(
                    Rule::NotJoined,
                    "this service has not joined an inter-service committee yet",
                )
            })?;
            proposals::withdraw(conn, &stream, id, reason).await
        })
    })
    .await?;
    Ok(Json(load(&node, id).await?))
}
