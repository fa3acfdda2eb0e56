//! A service's own committee: members, delegates, local meetings.
//! Administrators write; members read (without anyone's contact details:
//! the core's `actions::committee` says who sees what).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use passerelle_protocol::body::{DelegateList, DelegateRole};
use passerelle_protocol::Date;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{path_uuid, Admins, ApiJson, Authorized, People};
use crate::error::ApiError;
use passerelle_core::actions::{self, committee};
use passerelle_core::domain::delegates::Designation;
use passerelle_core::domain::meetings::{
    Answer, AttendanceStatus, Meeting, MeetingDetail, NewAgendaItem, NewMeeting,
};
use passerelle_core::domain::members::{Member, MemberUpdate, NewMember};
use passerelle_core::error::ErrorBody;
use passerelle_core::node::Node;

pub fn routes() -> OpenApiRouter<Node> {
    OpenApiRouter::new()
        .routes(routes!(list_members, create_member))
        .routes(routes!(get_member, update_member))
        .routes(routes!(set_consent))
        .routes(routes!(leave))
        .routes(routes!(list_delegates, designate))
        .routes(routes!(public_delegates))
        .routes(routes!(end_term))
        .routes(routes!(cancel_designation))
        .routes(routes!(list_meetings, create_meeting))
        .routes(routes!(get_meeting, update_meeting, delete_meeting))
        .routes(routes!(cancel_meeting))
        .routes(routes!(add_agenda_item))
        .routes(routes!(reorder_agenda))
        .routes(routes!(remove_agenda_item))
        .routes(routes!(record_attendance, record_attendance_list))
        .routes(routes!(draft_minutes))
        .routes(routes!(adopt_minutes))
        .routes(routes!(send_minutes))
        .routes(routes!(record_decision))
        .routes(routes!(correct_decision, remove_decision))
        .routes(routes!(answers))
}

#[derive(Debug, Deserialize, IntoParams)]
struct MemberQuery {
    /// Also list members who left.
    #[serde(default)]
    include_left: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
struct Consent {
    /// Whether the member agrees to have their name shown to the inter-service committee.
    consent: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
struct NewDesignation {
    member: Uuid,
    role: DelegateRole,
    term_start: Date,
    term_end: Option<Date>,
    /// Designations (someone holding the role without an end date) whose
    /// term ends the day before `term_start`, in the same change.
    #[serde(default)]
    end_before: Vec<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
struct TermEnd {
    end: Date,
}

#[derive(Debug, Deserialize, ToSchema)]
struct AgendaOrder {
    /// Every item of the agenda, in the new order.
    items: Vec<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
struct AttendanceInput {
    member: Uuid,
    status: AttendanceStatus,
}

/// The attendance of several members, recorded all together or not at all.
#[derive(Debug, Deserialize, ToSchema)]
struct AttendanceList {
    /// Each member at most once.
    entries: Vec<AttendanceInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
struct Cancellation {
    /// Why (at most 500 characters), if you want to say.
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
struct MinutesInput {
    text: String,
    /// The member who wrote them (a user secretary, if the committee wants).
    secretary: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
struct Adoption {
    /// The (later) meeting at which the minutes were adopted.
    at_meeting: Uuid,
}

#[derive(Debug, Deserialize, ToSchema)]
struct DecisionInput {
    text: String,
    proposal: Option<Uuid>,
}

/// The committee's members.
#[utoipa::path(get, path = "/api/v1/members", tag = "committee", params(MemberQuery),
    responses((status = 200, body = Vec<Member>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn list_members(
    State(node): State<Node>,
    auth: Authorized<People>,
    Query(q): Query<MemberQuery>,
) -> Result<Json<Vec<Member>>, ApiError> {
    Ok(Json(
        committee::members(&node, &auth.actor(), q.include_left).await?,
    ))
}

/// Add a member (a pseudonym is fine; contact details never leave this node).
#[utoipa::path(post, path = "/api/v1/members", tag = "committee", request_body = NewMember,
    responses((status = 201, body = Member), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn create_member(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    ApiJson(m): ApiJson<NewMember>,
) -> Result<(StatusCode, Json<Member>), ApiError> {
    let actor = auth.actor();
    let id = committee::add_member(&node, &actor, &m).await?;
    Ok((
        StatusCode::CREATED,
        Json(committee::member(&node, &actor, id).await?),
    ))
}

/// One member.
#[utoipa::path(get, path = "/api/v1/members/{id}", tag = "committee", params(("id" = String, Path)),
    responses((status = 200, body = Member), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn get_member(
    State(node): State<Node>,
    auth: Authorized<People>,
    Path(id): Path<String>,
) -> Result<Json<Member>, ApiError> {
    let id = path_uuid(&id)?;
    Ok(Json(committee::member(&node, &auth.actor(), id).await?))
}

/// Change a member's name, role or contact details.
#[utoipa::path(patch, path = "/api/v1/members/{id}", tag = "committee", params(("id" = String, Path)), request_body = MemberUpdate,
    responses((status = 200, body = Member), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn update_member(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(u): ApiJson<MemberUpdate>,
) -> Result<Json<Member>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    committee::update_member(&node, &actor, id, &u).await?;
    Ok(Json(committee::member(&node, &actor, id).await?))
}

/// Record that a member gives (or withdraws) consent to show their name to the inter-service committee.
#[utoipa::path(post, path = "/api/v1/members/{id}/consent", tag = "committee", params(("id" = String, Path)), request_body = Consent,
    responses((status = 200, body = Member), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn set_consent(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(c): ApiJson<Consent>,
) -> Result<Json<Member>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    committee::set_consent(&node, &actor, id, c.consent).await?;
    Ok(Json(committee::member(&node, &actor, id).await?))
}

/// A member leaves the committee (their terms as delegate end today).
#[utoipa::path(post, path = "/api/v1/members/{id}/leave", tag = "committee", params(("id" = String, Path)),
    responses((status = 200, body = Member), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn leave(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
) -> Result<Json<Member>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    committee::leave(&node, &actor, id).await?;
    Ok(Json(committee::member(&node, &actor, id).await?))
}

/// Delegates and substitutes, current and to come: a designation whose
/// `term_start` is after today is to come, and becomes current on that day.
#[utoipa::path(get, path = "/api/v1/delegates", tag = "committee",
    responses((status = 200, body = Vec<Designation>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn list_delegates(
    State(node): State<Node>,
    auth: Authorized<People>,
) -> Result<Json<Vec<Designation>>, ApiError> {
    Ok(Json(committee::delegates(&node, &auth.actor()).await?))
}

/// Exactly what the inter-service committee receives: names only with consent.
#[utoipa::path(get, path = "/api/v1/delegates/public", tag = "committee",
    responses((status = 200, body = DelegateList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn public_delegates(
    State(node): State<Node>,
    auth: Authorized<People>,
) -> Result<Json<DelegateList>, ApiError> {
    Ok(Json(
        committee::public_delegates(&node, &auth.actor()).await?,
    ))
}

/// Designate a member as delegate or substitute for a term.
#[utoipa::path(post, path = "/api/v1/delegates", tag = "committee", request_body = NewDesignation,
    responses((status = 201, body = Designation), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn designate(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    ApiJson(d): ApiJson<NewDesignation>,
) -> Result<(StatusCode, Json<Designation>), ApiError> {
    let actor = auth.actor();
    let id = committee::designate(
        &node,
        &actor,
        d.member,
        d.role,
        d.term_start,
        d.term_end,
        &d.end_before,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(committee::designation(&node, &actor, id).await?),
    ))
}

/// End a delegate's term.
#[utoipa::path(post, path = "/api/v1/delegates/{id}/end", tag = "committee", params(("id" = String, Path)), request_body = TermEnd,
    responses((status = 200, body = Designation), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn end_term(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(t): ApiJson<TermEnd>,
) -> Result<Json<Designation>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    committee::end_term(&node, &actor, id, t.end).await?;
    Ok(Json(committee::designation(&node, &actor, id).await?))
}

/// Take back a designation to come (a started term is ended instead:
/// `domain_rule`).
#[utoipa::path(delete, path = "/api/v1/delegates/{id}", tag = "committee", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn cancel_designation(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_uuid(&id)?;
    committee::cancel_designation(&node, &auth.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Local meetings, most recent first.
#[utoipa::path(get, path = "/api/v1/meetings", tag = "committee",
    responses((status = 200, body = Vec<Meeting>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn list_meetings(
    State(node): State<Node>,
    auth: Authorized<People>,
) -> Result<Json<Vec<Meeting>>, ApiError> {
    Ok(Json(actions::meetings::list(&node, &auth.actor()).await?))
}

/// Plan a local meeting. A date in the past needs `"in_the_past": true`
/// (else 422 `domain_rule`, whose message names the flag).
#[utoipa::path(post, path = "/api/v1/meetings", tag = "committee", request_body = NewMeeting,
    responses((status = 201, body = MeetingDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn create_meeting(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    ApiJson(m): ApiJson<NewMeeting>,
) -> Result<(StatusCode, Json<MeetingDetail>), ApiError> {
    let actor = auth.actor();
    let id = actions::meetings::create(&node, &actor, &m).await?;
    Ok((
        StatusCode::CREATED,
        Json(actions::meetings::get(&node, &actor, id).await?),
    ))
}

/// A meeting with its agenda, attendance, minutes and decisions.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "committee", params(("id" = String, Path)),
    responses((status = 200, body = MeetingDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn get_meeting(
    State(node): State<Node>,
    auth: Authorized<People>,
    Path(id): Path<String>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let id = path_uuid(&id)?;
    Ok(Json(
        actions::meetings::get(&node, &auth.actor(), id).await?,
    ))
}

/// Add an item to a meeting's agenda.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/agenda", tag = "committee", params(("id" = String, Path)), request_body = NewAgendaItem,
    responses((status = 200, body = MeetingDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn add_agenda_item(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(item): ApiJson<NewAgendaItem>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    actions::meetings::add_agenda_item(&node, &actor, id, &item).await?;
    Ok(Json(actions::meetings::get(&node, &actor, id).await?))
}

/// Put the agenda in a new order.
#[utoipa::path(put, path = "/api/v1/meetings/{id}/agenda/order", tag = "committee", params(("id" = String, Path)), request_body = AgendaOrder,
    responses((status = 200, body = MeetingDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn reorder_agenda(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(o): ApiJson<AgendaOrder>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    actions::meetings::reorder_agenda(&node, &actor, id, &o.items).await?;
    Ok(Json(actions::meetings::get(&node, &actor, id).await?))
}

/// Remove an item from the agenda.
#[utoipa::path(delete, path = "/api/v1/meetings/{id}/agenda/{item}", tag = "committee", params(("id" = String, Path), ("item" = String, Path)),
    responses((status = 200, body = MeetingDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn remove_agenda_item(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path((id, item)): Path<(String, String)>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    let item = path_uuid(&item)?;
    actions::meetings::remove_agenda_item(&node, &actor, id, item).await?;
    Ok(Json(actions::meetings::get(&node, &actor, id).await?))
}

/// Record whether a member was present, excused or absent.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/attendance", tag = "committee", params(("id" = String, Path)), request_body = AttendanceInput,
    responses((status = 200, body = MeetingDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn record_attendance(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<AttendanceInput>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    actions::meetings::record_attendance(&node, &actor, id, a.member, a.status).await?;
    Ok(Json(actions::meetings::get(&node, &actor, id).await?))
}

/// Write (or rewrite) the draft minutes.
#[utoipa::path(put, path = "/api/v1/meetings/{id}/minutes", tag = "committee", params(("id" = String, Path)), request_body = MinutesInput,
    responses((status = 200, body = MeetingDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn draft_minutes(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(m): ApiJson<MinutesInput>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    actions::meetings::draft_minutes(&node, &actor, id, &m.text, m.secretary).await?;
    Ok(Json(actions::meetings::get(&node, &actor, id).await?))
}

/// Record that the minutes were adopted at a later meeting.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/minutes/adopt", tag = "committee", params(("id" = String, Path)), request_body = Adoption,
    responses((status = 200, body = MeetingDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn adopt_minutes(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<Adoption>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    actions::meetings::adopt_minutes(&node, &actor, id, a.at_meeting).await?;
    Ok(Json(actions::meetings::get(&node, &actor, id).await?))
}

/// Record that the adopted minutes were sent to management.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/minutes/send", tag = "committee", params(("id" = String, Path)),
    responses((status = 200, body = MeetingDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn send_minutes(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    actions::meetings::send_minutes(&node, &actor, id).await?;
    Ok(Json(actions::meetings::get(&node, &actor, id).await?))
}

/// Record a decision, possibly about a proposal.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/decisions", tag = "committee", params(("id" = String, Path)), request_body = DecisionInput,
    responses((status = 200, body = MeetingDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn record_decision(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<DecisionInput>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    actions::meetings::record_decision(&node, &actor, id, &d.text, d.proposal).await?;
    Ok(Json(actions::meetings::get(&node, &actor, id).await?))
}

/// What management answered since the previous meeting (to read out at this one).
#[utoipa::path(get, path = "/api/v1/meetings/{id}/answers", tag = "committee", params(("id" = String, Path)),
    responses((status = 200, body = Vec<Answer>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn answers(
    State(node): State<Node>,
    auth: Authorized<People>,
    Path(id): Path<String>,
) -> Result<Json<Vec<Answer>>, ApiError> {
    let id = path_uuid(&id)?;
    Ok(Json(
        actions::meetings::answers(&node, &auth.actor(), id).await?,
    ))
}

/// Move or reschedule a meeting (title, date and time, place, form). A new
/// date in the past needs `"in_the_past": true`, as for a new meeting
/// (else 422 `domain_rule`, whose message names the flag).
#[utoipa::path(put, path = "/api/v1/meetings/{id}", tag = "committee", params(("id" = String, Path)), request_body = NewMeeting,
    responses((status = 200, body = MeetingDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn update_meeting(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(m): ApiJson<NewMeeting>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    actions::meetings::update(&node, &actor, id, &m).await?;
    Ok(Json(actions::meetings::get(&node, &actor, id).await?))
}

/// Delete a meeting at which nothing but its agenda was recorded (else
/// cancel it).
#[utoipa::path(delete, path = "/api/v1/meetings/{id}", tag = "committee", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn delete_meeting(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_uuid(&id)?;
    actions::meetings::delete(&node, &auth.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Cancel a meeting: it stays in the list, marked, and takes no more
/// attendance, minutes or decisions.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/cancel", tag = "committee", params(("id" = String, Path)), request_body = Cancellation,
    responses((status = 200, body = MeetingDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn cancel_meeting(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(c): ApiJson<Cancellation>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    actions::meetings::cancel(&node, &actor, id, c.reason.as_deref()).await?;
    Ok(Json(actions::meetings::get(&node, &actor, id).await?))
}

/// Record (or correct) the attendance of several members in one go: all of
/// the list is stored, or none of it.
#[utoipa::path(put, path = "/api/v1/meetings/{id}/attendance", tag = "committee", params(("id" = String, Path)), request_body = AttendanceList,
    responses((status = 200, body = MeetingDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn record_attendance_list(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<AttendanceList>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let (actor, id) = (auth.actor(), path_uuid(&id)?);
    let entries: Vec<(Uuid, AttendanceStatus)> =
        a.entries.iter().map(|e| (e.member, e.status)).collect();
    actions::meetings::record_attendance_list(&node, &actor, id, &entries).await?;
    Ok(Json(actions::meetings::get(&node, &actor, id).await?))
}

/// Correct a decision (its text, the proposal it is about) while the
/// meeting's minutes are not adopted.
#[utoipa::path(put, path = "/api/v1/meetings/{id}/decisions/{decision}", tag = "committee", params(("id" = String, Path), ("decision" = String, Path)), request_body = DecisionInput,
    responses((status = 200, body = MeetingDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn correct_decision(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path((id, decision)): Path<(String, String)>,
    ApiJson(d): ApiJson<DecisionInput>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let (actor, id, decision) = (auth.actor(), path_uuid(&id)?, path_uuid(&decision)?);
    actions::meetings::correct_decision(&node, &actor, id, decision, &d.text, d.proposal).await?;
    Ok(Json(actions::meetings::get(&node, &actor, id).await?))
}

/// Take back a decision recorded by mistake, while the meeting's minutes
/// are not adopted.
#[utoipa::path(delete, path = "/api/v1/meetings/{id}/decisions/{decision}", tag = "committee", params(("id" = String, Path), ("decision" = String, Path)),
    responses((status = 200, body = MeetingDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn remove_decision(
    State(node): State<Node>,
    auth: Authorized<Admins>,
    Path((id, decision)): Path<(String, String)>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let (actor, id, decision) = (auth.actor(), path_uuid(&id)?, path_uuid(&decision)?);
    actions::meetings::remove_decision(&node, &actor, id, decision).await?;
    Ok(Json(actions::meetings::get(&node, &actor, id).await?))
}
