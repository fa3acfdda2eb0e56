//! The coordinator's side of the hub: member services, the aggregated
//! proposals, subjects linking proposals of several services, and joint
//! meetings from draft to outcomes. Only coordinators may use it: each handler
//! reads the request and calls the coordinator's action (`actions::hub`).

use crate::error::ApiError;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use passerelle_protocol::body::{ProposalRef, ProposalStatus, Theme};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{path_uuid, ApiJson, Authorized, Coordinators};
use passerelle_core::actions::hub;
use passerelle_core::domain::hub::{
    AgendaEntryInput, AggregatedProposal, MeetingChanges, MeetingDetails, MemberService,
    OutcomeInput, ProposalCounts, ProposalFilter, ProposalSort, ProposedItem, SubjectLogEntry,
    SubjectView,
};
use passerelle_core::domain::joint::MeetingView;
use passerelle_core::error::{ErrorBody, NodeError};
use passerelle_core::node::Node;

pub fn routes() -> OpenApiRouter<Node> {
    OpenApiRouter::new()
        .routes(routes!(services))
        .routes(routes!(proposals))
        .routes(routes!(counts))
        .routes(routes!(subjects, create_subject))
        .routes(routes!(link))
        .routes(routes!(unlink))
        .routes(routes!(subject_log))
        .routes(routes!(agenda_items))
        .routes(routes!(meetings, create_meeting))
        .routes(routes!(meeting, edit_meeting, delete_meeting))
        .routes(routes!(set_agenda))
        .routes(routes!(publish))
        .routes(routes!(update))
        .routes(routes!(cancel))
        .routes(routes!(outcomes))
}

/// Filters of the aggregated proposals.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ProposalQuery {
    theme: Option<Theme>,
    status: Option<ProposalStatus>,
    /// A service id.
    service: Option<String>,
    /// Words in the title or description.
    text: Option<String>,
    #[serde(default)]
    include_withdrawn: bool,
    /// `support` (default), `recent` or `title`.
    sort: Option<ProposalSort>,
    /// The first proposal of the page, counted from 0 in the sort order
    /// (`GET /api/v1/hub/proposals` only).
    #[serde(default)]
    offset: u32,
    /// Proposals in the page: 100 by default, at most 500
    /// (`GET /api/v1/hub/proposals` only). A page shorter than `limit` is
    /// the last.
    limit: Option<u32>,
}

/// Proposals in a page of `GET /api/v1/hub/proposals` when `limit` is not
/// given, and at most.
pub const PROPOSALS_PAGE: u32 = 100;
pub const PROPOSALS_PAGE_MAX: u32 = 500;

impl From<ProposalQuery> for ProposalFilter {
    fn from(q: ProposalQuery) -> Self {
        ProposalFilter {
            theme: q.theme,
            status: q.status,
            service: q.service.filter(|s| !s.trim().is_empty()),
            text: q.text.filter(|t| !t.trim().is_empty()),
            include_withdrawn: q.include_withdrawn,
            sort: q.sort.unwrap_or_default(),
        }
    }
}

fn query_filter(raw: Option<&str>) -> Result<ProposalFilter, NodeError> {
    read_query(raw).map(ProposalFilter::from)
}

fn read_query(raw: Option<&str>) -> Result<ProposalQuery, NodeError> {
    let uri: axum::http::Uri = format!("/?{}", raw.unwrap_or_default())
        .parse()
        .map_err(|_| passerelle_core::validate::invalid("query", "unreadable query string"))?;
    Query::<ProposalQuery>::try_from_uri(&uri)
        .map(|Query(q)| q)
        .map_err(|e| passerelle_core::validate::invalid("query", e.body_text()))
}

#[derive(Debug, Deserialize, ToSchema)]
struct NewSubject {
    title: String,
    proposals: Vec<ProposalRef>,
}

#[derive(Debug, Serialize, ToSchema)]
struct Created {
    id: Uuid,
}

#[derive(Debug, Deserialize, ToSchema)]
struct Notice {
    /// What changed or why, in plain words, for the services.
    notice: String,
}

#[derive(Debug, Deserialize, ToSchema)]
struct MeetingUpdate {
    #[serde(flatten)]
    changes: MeetingChanges,
    notice: String,
}

#[derive(Debug, Deserialize, ToSchema)]
struct OutcomesInput {
    minutes: String,
    outcomes: Vec<OutcomeInput>,
}

/// Member services: delegates, last contact, sync health.
#[utoipa::path(operation_id = "hub_services", get, path = "/api/v1/hub/services", tag = "hub",
    responses((status = 200, body = Vec<MemberService>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn services(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
) -> Result<Json<Vec<MemberService>>, ApiError> {
    Ok(Json(hub::services(&node, &auth.actor()).await?))
}

/// The shared proposals of every service, filtered and sorted (by support by
/// default), a page at a time: `limit` of them (100 by default, at most 500)
/// from the `offset`-th on. Ask the next page with `offset` + `limit` until a
/// page is shorter than `limit`.
#[utoipa::path(operation_id = "hub_proposals", get, path = "/api/v1/hub/proposals", tag = "hub", params(ProposalQuery),
    responses((status = 200, body = Vec<AggregatedProposal>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn proposals(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    uri: axum::http::Uri,
) -> Result<Json<Vec<AggregatedProposal>>, ApiError> {
    let q = read_query(uri.query())?;
    let (offset, limit) = (q.offset, q.limit);
    let limit = match limit {
        Some(0) | None => PROPOSALS_PAGE,
        Some(n) => n.min(PROPOSALS_PAGE_MAX),
    };
    let filter = ProposalFilter::from(q);
    Ok(Json(
        hub::proposals_page(&node, &auth.actor(), &filter, offset, limit).await?,
    ))
}

/// Counts per theme, status and service, with the same filters.
#[utoipa::path(operation_id = "hub_counts", get, path = "/api/v1/hub/proposals/counts", tag = "hub", params(ProposalQuery),
    responses((status = 200, body = ProposalCounts), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn counts(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    uri: axum::http::Uri,
) -> Result<Json<ProposalCounts>, ApiError> {
    let filter = query_filter(uri.query())?;
    Ok(Json(hub::counts(&node, &auth.actor(), &filter).await?))
}

/// Subjects: proposals of several services linked as one.
#[utoipa::path(operation_id = "hub_subjects", get, path = "/api/v1/hub/subjects", tag = "hub",
    responses((status = 200, body = Vec<SubjectView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn subjects(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
) -> Result<Json<Vec<SubjectView>>, ApiError> {
    Ok(Json(hub::subjects(&node, &auth.actor()).await?))
}

/// Link proposals as one subject (the originals stay intact).
#[utoipa::path(operation_id = "hub_create_subject", post, path = "/api/v1/hub/subjects", tag = "hub", request_body = NewSubject,
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn create_subject(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    ApiJson(s): ApiJson<NewSubject>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = hub::create_subject(&node, &auth.actor(), &s.title, &s.proposals).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Add a proposal to a subject (logged).
#[utoipa::path(operation_id = "hub_link", post, path = "/api/v1/hub/subjects/{id}/link", tag = "hub", params(("id" = String, Path)), request_body = ProposalRef,
    responses((status = 200, body = Vec<SubjectView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn link(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<ProposalRef>,
) -> Result<Json<Vec<SubjectView>>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    hub::link(&node, &actor, id, p).await?;
    Ok(Json(hub::subjects(&node, &actor).await?))
}

/// Take a proposal out of a subject (logged).
#[utoipa::path(operation_id = "hub_unlink", post, path = "/api/v1/hub/subjects/{id}/unlink", tag = "hub", params(("id" = String, Path)), request_body = ProposalRef,
    responses((status = 200, body = Vec<SubjectView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn unlink(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<ProposalRef>,
) -> Result<Json<Vec<SubjectView>>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    hub::unlink(&node, &actor, id, p).await?;
    Ok(Json(hub::subjects(&node, &actor).await?))
}

/// Who linked and unlinked what, and when.
#[utoipa::path(operation_id = "hub_subject_log", get, path = "/api/v1/hub/subjects/{id}/log", tag = "hub", params(("id" = String, Path)),
    responses((status = 200, body = Vec<SubjectLogEntry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn subject_log(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    Path(id): Path<String>,
) -> Result<Json<Vec<SubjectLogEntry>>, ApiError> {
    let id = path_uuid(&id)?;
    Ok(Json(hub::subject_log(&node, &auth.actor(), id).await?))
}

/// Agenda items the services proposed, not yet on an agenda.
#[utoipa::path(operation_id = "hub_agenda_items", get, path = "/api/v1/hub/agenda-items", tag = "hub",
    responses((status = 200, body = Vec<ProposedItem>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn agenda_items(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
) -> Result<Json<Vec<ProposedItem>>, ApiError> {
    Ok(Json(hub::agenda_items(&node, &auth.actor()).await?))
}

/// Joint meetings, drafts included.
#[utoipa::path(operation_id = "hub_meetings", get, path = "/api/v1/hub/meetings", tag = "hub",
    responses((status = 200, body = Vec<MeetingView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn meetings(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
) -> Result<Json<Vec<MeetingView>>, ApiError> {
    Ok(Json(hub::meetings(&node, &auth.actor()).await?))
}

/// Start a joint meeting as a draft (services see it once published).
#[utoipa::path(operation_id = "hub_create_meeting", post, path = "/api/v1/hub/meetings", tag = "hub", request_body = MeetingDetails,
    responses((status = 201, body = MeetingView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn create_meeting(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    ApiJson(d): ApiJson<MeetingDetails>,
) -> Result<(StatusCode, Json<MeetingView>), ApiError> {
    let actor = auth.actor();
    let id = hub::create_draft(&node, &actor, &d).await?;
    Ok((
        StatusCode::CREATED,
        Json(hub::meeting(&node, &actor, id).await?),
    ))
}

/// One joint meeting with its agenda.
#[utoipa::path(operation_id = "hub_meeting", get, path = "/api/v1/hub/meetings/{id}", tag = "hub", params(("id" = String, Path)),
    responses((status = 200, body = MeetingView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn meeting(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    Path(id): Path<String>,
) -> Result<Json<MeetingView>, ApiError> {
    let id = path_uuid(&id)?;
    Ok(Json(hub::meeting(&node, &auth.actor(), id).await?))
}

/// Change a draft's date, place or format.
#[utoipa::path(operation_id = "hub_edit_meeting", put, path = "/api/v1/hub/meetings/{id}", tag = "hub", params(("id" = String, Path)), request_body = MeetingDetails,
    responses((status = 200, body = MeetingView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn edit_meeting(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<MeetingDetails>,
) -> Result<Json<MeetingView>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    hub::edit_draft(&node, &actor, id, &d).await?;
    Ok(Json(hub::meeting(&node, &actor, id).await?))
}

/// Delete a draft (services never saw it).
#[utoipa::path(operation_id = "hub_delete_meeting", delete, path = "/api/v1/hub/meetings/{id}", tag = "hub", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn delete_meeting(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_uuid(&id)?;
    hub::delete_draft(&node, &auth.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set a draft's agenda, in order: proposed items, subjects, free items.
#[utoipa::path(operation_id = "hub_set_agenda", put, path = "/api/v1/hub/meetings/{id}/agenda", tag = "hub", params(("id" = String, Path)), request_body = Vec<AgendaEntryInput>,
    responses((status = 200, body = MeetingView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn set_agenda(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<Vec<AgendaEntryInput>>,
) -> Result<Json<MeetingView>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    hub::set_agenda(&node, &actor, id, &a).await?;
    Ok(Json(hub::meeting(&node, &actor, id).await?))
}

/// Publish a meeting to every member service.
#[utoipa::path(operation_id = "hub_publish", post, path = "/api/v1/hub/meetings/{id}/publish", tag = "hub", params(("id" = String, Path)),
    responses((status = 200, body = MeetingView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn publish(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    Path(id): Path<String>,
) -> Result<Json<MeetingView>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    hub::publish(&node, &actor, id).await?;
    Ok(Json(hub::meeting(&node, &actor, id).await?))
}

/// Change a published meeting, with a notice to the services.
#[utoipa::path(operation_id = "hub_update", post, path = "/api/v1/hub/meetings/{id}/update", tag = "hub", params(("id" = String, Path)), request_body = MeetingUpdate,
    responses((status = 200, body = MeetingView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn update(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    Path(id): Path<String>,
    ApiJson(u): ApiJson<MeetingUpdate>,
) -> Result<Json<MeetingView>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    hub::update(&node, &actor, id, &u.changes, &u.notice).await?;
    Ok(Json(hub::meeting(&node, &actor, id).await?))
}

/// Cancel a published meeting, with a notice to the services.
#[utoipa::path(operation_id = "hub_cancel", post, path = "/api/v1/hub/meetings/{id}/cancel", tag = "hub", params(("id" = String, Path)), request_body = Notice,
    responses((status = 200, body = MeetingView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn cancel(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    Path(id): Path<String>,
    ApiJson(n): ApiJson<Notice>,
) -> Result<Json<MeetingView>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    hub::cancel(&node, &actor, id, &n.notice).await?;
    Ok(Json(hub::meeting(&node, &actor, id).await?))
}

/// Record the minutes and the decision on each subject discussed; the
/// services whose proposals they concern see them.
#[utoipa::path(operation_id = "hub_outcomes", post, path = "/api/v1/hub/meetings/{id}/outcomes", tag = "hub", params(("id" = String, Path)), request_body = OutcomesInput,
    responses((status = 200, body = MeetingView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn outcomes(
    State(node): State<Node>,
    auth: Authorized<Coordinators>,
    Path(id): Path<String>,
    ApiJson(o): ApiJson<OutcomesInput>,
) -> Result<Json<MeetingView>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    hub::record_outcomes(&node, &actor, id, &o.minutes, &o.outcomes).await?;
    Ok(Json(hub::meeting(&node, &actor, id).await?))
}
