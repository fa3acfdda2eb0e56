//! The joint-committee corner of a service: the joint meetings and their
//! agendas as received, the other services' proposals (to support them),
//! agenda items proposed for the next joint meeting, and the outcomes that
//! concern this service's proposals. Members may support and propose.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use passerelle_protocol::body::ProposalRef;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{path_uuid, ApiJson, Auth, Authorized, People};
use crate::error::ApiError;
use passerelle_core::actions::Who;
use passerelle_core::domain::joint::{self, MeetingView, MyOutcome, OtherProposal};
use passerelle_core::domain::{rule, validate, Rule};
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

async fn reader(
    node: &Node,
    auth: &Auth,
) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, ApiError> {
    auth.require(Who::Committee)?;
    Who::Committee.check_kind(node)?;
    Ok(node.db.pool().acquire().await?)
}

fn not_joined() -> NodeError {
    rule(
        Rule::NotJoined,
        "this service has not joined an inter-service committee yet",
    )
}

#[derive(Debug, Deserialize, ToSchema)]
struct SupportInput {
    /// The service whose proposal is supported.
    service: String,
    proposal: Uuid,
    comment: Option<String>,
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

fn proposal_ref(service: &str, proposal: Uuid) -> Result<ProposalRef, NodeError> {
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
    let mut conn = reader(&node, &auth).await?;
    Ok(Json(
        joint::upcoming_meetings(&mut conn, passerelle_core::clock::now()).await?,
    ))
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
    let mut conn = reader(&node, &auth).await?;
    Ok(Json(joint::meeting(&mut conn, &path_uuid(&id)?).await?))
}

/// The other services' shared proposals, with their support.
#[utoipa::path(operation_id = "joint_proposals", get, path = "/api/v1/joint/proposals", tag = "joint",
    responses((status = 200, body = Vec<OtherProposal>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn proposals(
    State(node): State<Node>,
    auth: Authorized<People>,
) -> Result<Json<Vec<OtherProposal>>, ApiError> {
    let mut conn = reader(&node, &auth).await?;
    Ok(Json(
        joint::other_services_proposals(&mut conn, node.id().as_str()).await?,
    ))
}

/// Support another service's proposal (the committee backs it).
#[utoipa::path(operation_id = "joint_support", post, path = "/api/v1/joint/supports", tag = "joint", request_body = SupportInput,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn support(
    State(node): State<Node>,
    auth: Authorized<People>,
    ApiJson(s): ApiJson<SupportInput>,
) -> Result<StatusCode, ApiError> {
    reader(&node, &auth).await?;
    let target = proposal_ref(&s.service, s.proposal)?;
    let comment = validate::optional_text("comment", s.comment.as_deref(), 1000)?;
    node.write(move |conn, stream| {
        Box::pin(async move {
            joint::support(conn, &stream.ok_or_else(not_joined)?, target, comment).await
        })
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraw the committee's support.
#[utoipa::path(operation_id = "joint_withdraw_support", post, path = "/api/v1/joint/supports/withdraw", tag = "joint", request_body = SupportInput,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn withdraw_support(
    State(node): State<Node>,
    auth: Authorized<People>,
    ApiJson(s): ApiJson<SupportInput>,
) -> Result<StatusCode, ApiError> {
    reader(&node, &auth).await?;
    let target = proposal_ref(&s.service, s.proposal)?;
    node.write(move |conn, stream| {
        Box::pin(async move {
            joint::withdraw_support(conn, &stream.ok_or_else(not_joined)?, target).await
        })
    })
    .await?;
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
    reader(&node, &auth).await?;
    let id = node
        .write(move |conn, stream| {
            Box::pin(async move {
                joint::propose_agenda_item(
                    conn,
                    &stream.ok_or_else(not_joined)?,
                    &i.title,
                    i.description.as_deref(),
                    i.proposal,
                    i.meeting,
                )
                .await
            })
        })
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
    let mut conn = reader(&node, &auth).await?;
    Ok(Json(
        joint::outcomes_for_my_proposals(&mut conn, node.id().as_str()).await?,
    ))
}
