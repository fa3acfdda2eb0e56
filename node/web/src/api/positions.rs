//! The committee's positions (its delegates' mandate) and what it prints:
//! the delegates' pack of a joint meeting, what is new since its last
//! meeting, and the joint decisions a local meeting reviews. At the hub,
//! the positions the services shared for a joint meeting.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use passerelle_protocol::body::Stance;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{path_uuid, Admins, ApiJson, Authorized, Coordinators, People};
use crate::error::ApiError;
use passerelle_core::actions::{hub, positions as act};
use passerelle_core::domain::briefing::{DelegatePack, News};
use passerelle_core::domain::joint::positions::SharedPosition;
use passerelle_core::domain::joint::MyOutcome;
use passerelle_core::domain::positions::CommitteePosition;
use passerelle_core::error::ErrorBody;
use passerelle_core::node::Node;

pub fn routes() -> OpenApiRouter<Node> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(decide))
        .routes(routes!(share))
        .routes(routes!(withdraw))
        .routes(routes!(pack))
        .routes(routes!(news))
        .routes(routes!(joint_decisions))
        .routes(routes!(hub_positions))
}

#[derive(Debug, Deserialize, ToSchema)]
struct PositionInput {
    /// `for`, `against`, `to_discuss` or `question`.
    stance: Stance,
    /// The committee's words: its reasons, or the question to ask (at most
    /// 2000 characters).
    comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
struct Decided {
    /// The position's id (the same when the committee decides again).
    id: Uuid,
}

/// The committee's positions, latest decided first, with whether the
/// inter-service committee has them.
#[utoipa::path(operation_id = "positions", get, path = "/api/v1/positions", tag = "positions",
    responses((status = 200, body = Vec<CommitteePosition>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn list(
    State(node): State<Node>,
    auth: Authorized<People>,
) -> Result<Json<Vec<CommitteePosition>>, ApiError> {
    Ok(Json(act::list(&node, &auth.actor()).await?))
}

/// Record the position the committee decided at a meeting, on an agenda
/// item about a joint meeting, one of its points, or another service's
/// proposal. Deciding again replaces it. Nothing is sent.
#[utoipa::path(operation_id = "position_decide", post, path = "/api/v1/meetings/{id}/agenda/{item}/position", tag = "positions",
    params(("id" = String, Path), ("item" = String, Path)), request_body = PositionInput,
    responses((status = 200, body = Decided), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn decide(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path((id, item)): Path<(String, String)>,
    ApiJson(p): ApiJson<PositionInput>,
) -> Result<Json<Decided>, ApiError> {
    let (id, item) = (path_uuid(&id)?, path_uuid(&item)?);
    let comment = p.comment.as_deref().filter(|c| !c.trim().is_empty());
    let id = act::decide(&node, &auth.actor(), id, item, p.stance, comment).await?;
    Ok(Json(Decided { id }))
}

/// Send a position (or its new version) to the inter-service committee
/// (`position.shared`).
#[utoipa::path(operation_id = "position_share", post, path = "/api/v1/positions/{id}/share", tag = "positions", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn share(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    act::share(&node, &auth.actor(), path_uuid(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take a shared position back from the inter-service committee
/// (`position.withdrawn`); the committee keeps it.
#[utoipa::path(operation_id = "position_withdraw", post, path = "/api/v1/positions/{id}/withdraw", tag = "positions", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn withdraw(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    act::withdraw(&node, &auth.actor(), path_uuid(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The delegates' pack for a joint meeting: where and how to get there,
/// the agenda with the committee's positions and the proposals with their
/// supporters, what the previous joint meeting decided and what came of it.
#[utoipa::path(operation_id = "joint_pack", get, path = "/api/v1/joint/meetings/{id}/pack", tag = "positions", params(("id" = String, Path)),
    responses((status = 200, body = DelegatePack), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn pack(
    State(node): State<Node>,
    auth: Authorized<People>,
    Path(id): Path<String>,
) -> Result<Json<DelegatePack>, ApiError> {
    Ok(Json(
        act::pack(&node, &auth.actor(), path_uuid(&id)?).await?,
    ))
}

/// What is new since the committee's last meeting: management's answers,
/// joint decisions that concern it, other services' new proposals, the
/// next meetings.
#[utoipa::path(operation_id = "news", get, path = "/api/v1/news", tag = "positions",
    responses((status = 200, body = News), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn news(State(node): State<Node>, auth: Authorized<People>) -> Result<Json<News>, ApiError> {
    Ok(Json(act::news(&node, &auth.actor()).await?))
}

/// What was said at the joint meetings, for one of the committee's
/// meetings: the joint decisions that concern the committee, received
/// since the meeting before it.
#[utoipa::path(operation_id = "meeting_joint_decisions", get, path = "/api/v1/meetings/{id}/joint-decisions", tag = "positions", params(("id" = String, Path)),
    responses((status = 200, body = Vec<MyOutcome>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn joint_decisions(
    State(node): State<Node>,
    auth: Authorized<People>,
    Path(id): Path<String>,
) -> Result<Json<Vec<MyOutcome>>, ApiError> {
    Ok(Json(
        act::joint_decisions(&node, &auth.actor(), path_uuid(&id)?).await?,
    ))
}

/// At the hub: the positions the services shared for a joint meeting (on
/// its points, on it as a whole, on the proposals its agenda lists).
#[utoipa::path(operation_id = "hub_meeting_positions", get, path = "/api/v1/hub/meetings/{id}/positions", tag = "hub", params(("id" = String, Path)),
    responses((status = 200, body = Vec<SharedPosition>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn hub_positions(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    Path(id): Path<String>,
) -> Result<Json<Vec<SharedPosition>>, ApiError> {
    Ok(Json(
        hub::positions(&node, &auth.actor(), path_uuid(&id)?).await?,
    ))
}
