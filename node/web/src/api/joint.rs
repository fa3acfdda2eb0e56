//! The joint-committee corner of a service: the joint meetings and their
//! agendas as received, the other services' proposals (to support them),
//! agenda items proposed for the next joint meeting, and the outcomes that
//! concern this service's proposals. Members propose items and suggest
//! supports (`supports`); administrators give the committee's support.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use passerelle_protocol::body::ProposalRef;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{path_uuid, Admins, ApiJson, Authorized, People};
use crate::error::ApiError;
use passerelle_core::actions::joint as act;
use passerelle_core::domain::joint::{MeetingView, MyOutcome, OtherProposal};
use passerelle_core::domain::validate;
use passerelle_core::error::{ErrorBody, NodeError};
use passerelle_core::node::Node;

pub fn routes() -> OpenApiRouter<Node> {
    OpenApiRouter::new()
        .routes(routes!(meetings))
        .routes(routes!(meeting))
        .routes(routes!(proposals))
        .routes(routes!(support))
        .routes(routes!(withdraw_support))
        .routes(routes!(propose_item))
        .routes(routes!(outcomes))
}

#[derive(Debug, Deserialize, ToSchema)]
struct SupportInput {
    /// The service whose proposal is supported.
    service: String,
    proposal: Uuid,
    comment: Option<String>,
    /// The committee's local meeting (one that took place) that decided
    /// the support, if said; it stays on this node.
    decided_at: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
struct AgendaItemInput {
    title: String,
    description: Option<String>,
    /// A proposal the item is about (this service's or another's).
    proposal: Option<ProposalRef>,
    /// The joint meeting it is meant for (default: the next one).
    meeting: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
struct Created {
    id: Uuid,
}

pub(super) fn proposal_ref(service: &str, proposal: Uuid) -> Result<ProposalRef, NodeError> {
    Ok(ProposalRef {
        service: passerelle_protocol::NodeId::parse(service)
            .map_err(|_| validate::invalid("service", "a node id such as ssm-courcelles"))?,
        proposal,
    })
}

/// The next joint meetings, with their agendas.
#[utoipa::path(operation_id = "joint_meetings", get, path = "/api/v1/joint/meetings", tag = "joint",
    responses((status = 200, body = Vec<MeetingView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn meetings(
    State(node): State<Node>,
    auth: Authorized<People>,
) -> Result<Json<Vec<MeetingView>>, ApiError> {
    Ok(Json(act::meetings(&node, &auth.actor()).await?))
}

/// One joint meeting as received (including a cancelled one, with its notice).
#[utoipa::path(operation_id = "joint_meeting", get, path = "/api/v1/joint/meetings/{id}", tag = "joint", params(("id" = String, Path)),
    responses((status = 200, body = MeetingView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn meeting(
    State(node): State<Node>,
    auth: Authorized<People>,
    Path(id): Path<String>,
) -> Result<Json<MeetingView>, ApiError> {
    let id = path_uuid(&id)?;
    Ok(Json(act::meeting(&node, &auth.actor(), id).await?))
}

/// The other services' shared proposals, with their support.
#[utoipa::path(operation_id = "joint_proposals", get, path = "/api/v1/joint/proposals", tag = "joint",
    responses((status = 200, body = Vec<OtherProposal>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn proposals(
    State(node): State<Node>,
    auth: Authorized<People>,
) -> Result<Json<Vec<OtherProposal>>, ApiError> {
    Ok(Json(act::other_proposals(&node, &auth.actor()).await?))
}

/// Give the committee's support to a shared proposal (administrators; a
/// member suggests it: `POST /api/v1/joint/suggestions`). The members'
/// pending suggestions about it are settled.
#[utoipa::path(operation_id = "joint_support", post, path = "/api/v1/joint/supports", tag = "joint", request_body = SupportInput,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn support(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    ApiJson(s): ApiJson<SupportInput>,
) -> Result<StatusCode, ApiError> {
    let target = proposal_ref(&s.service, s.proposal)?;
    act::support(&node, &auth.actor(), target, s.comment, s.decided_at).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraw the committee's support (administrators).
#[utoipa::path(operation_id = "joint_withdraw_support", post, path = "/api/v1/joint/supports/withdraw", tag = "joint", request_body = SupportInput,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn withdraw_support(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    ApiJson(s): ApiJson<SupportInput>,
) -> Result<StatusCode, ApiError> {
    let target = proposal_ref(&s.service, s.proposal)?;
    act::withdraw_support(&node, &auth.actor(), target).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Propose an item for a joint meeting's agenda.
#[utoipa::path(operation_id = "joint_propose_item", post, path = "/api/v1/joint/agenda-items", tag = "joint", request_body = AgendaItemInput,
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn propose_item(
    State(node): State<Node>,
    auth: Authorized<People>,
    ApiJson(i): ApiJson<AgendaItemInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = act::propose_item(
        &node,
        &auth.actor(),
        &i.title,
        i.description.as_deref(),
        i.proposal,
        i.meeting,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Outcomes of joint meetings that concern this service's proposals.
#[utoipa::path(operation_id = "joint_outcomes", get, path = "/api/v1/joint/outcomes", tag = "joint",
    responses((status = 200, body = Vec<MyOutcome>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn outcomes(
    State(node): State<Node>,
    auth: Authorized<People>,
) -> Result<Json<Vec<MyOutcome>>, ApiError> {
    Ok(Json(act::outcomes(&node, &auth.actor()).await?))
}
