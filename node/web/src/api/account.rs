//! Logging in and out, API tokens, passwords and accounts.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, Auth, Authorized, Managers};
use crate::error::{answer, blocked_response, ApiError};
use crate::security::Client;
use passerelle_core::accounts::{Account, Role};

use passerelle_core::actions::accounts::{self, Access, LogIn};
use passerelle_core::error::{NodeError, Refusal};
use passerelle_core::node::Node;

pub fn routes() -> OpenApiRouter<Node> {
    OpenApiRouter::new()
        .routes(routes!(login, logout))
        .routes(routes!(create_token))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(list_accounts, create_account))
        .routes(routes!(reset_password))
        .routes(routes!(disable_account))
        .routes(routes!(enable_account))
        .routes(routes!(set_role))
        .routes(routes!(end_sessions))
        .routes(routes!(unblock))
}

/// No `Debug`: it holds a password.
#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// No `Debug`: it holds a password.
#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
    /// What the token is for, e.g. "export nocturne".
    pub label: Option<String>,
}

/// No `Debug`: it holds the token.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`. Shown once.
    pub token: String,
    pub account: Account,
}

/// No `Debug`: it holds a password.
#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// No `Debug`: it holds a password.
#[derive(Deserialize, ToSchema)]
pub struct NewAccount {
    pub username: String,
    pub role: Role,
    /// The committee member the account is for (a service only).
    pub member_id: Option<uuid::Uuid>,
    /// A first password, refused when too easy to guess; generated (and
    /// answered once) when absent. The person must change it at first login.
    pub password: Option<String>,
}

/// An account with its first password, shown once. No `Debug`.
#[derive(Serialize, ToSchema)]
pub struct CreatedAccount {
    pub account: Account,
    /// The first password (generated, or the one sent): shown once, never stored in clear.
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleChange {
    pub role: Role,
}

/// Logs in under the throttle: the account, its token and a new device
/// token, or the answer to send (401 `bad_credentials`, 403 `forbidden`
/// for a disabled account, 429 `too_many_attempts`, or a refused label).
async fn log_in(
    node: &Node,
    client: Client,
    device: Option<&str>,
    username: &str,
    password: &str,
    access: Access<'_>,
) -> Result<(Account, String, Option<String>), Response> {
    match accounts::log_in(node, username, password, client.address, device, access).await {
        Ok(LogIn::Opened {
            account,
            token,
            device,
        }) => Ok((account, token, device)),
        Ok(LogIn::Refused) => Err(answer(NodeError::refused(
            Refusal::BadCredentials,
            "wrong username or password",
        ))),
        Ok(LogIn::Disabled) => Err(answer(NodeError::refused(
            Refusal::Forbidden,
            "this account is disabled; ask an administrator of this node",
        ))),
        Ok(LogIn::Blocked(blocked)) => Err(blocked_response(&blocked)),
        Err(e) => Err(answer(e)),
    }
}

/// Log in: opens a session and sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "account", request_body = Credentials,
    responses((status = 200, body = Account), (status = 401, body = passerelle_core::error::ErrorBody),
        (status = 429, description = "Too many failed attempts: wait `Retry-After` seconds", body = passerelle_core::error::ErrorBody)))]
async fn login(
    State(node): State<Node>,
    client: Client,
    headers: HeaderMap,
    ApiJson(c): ApiJson<Credentials>,
) -> Result<Response, Response> {
    let device = crate::cookies::read(&headers, crate::cookies::DEVICE_COOKIE);
    let (account, token, device) = log_in(
        &node,
        client,
        device,
        &c.username,
        &c.password,
        Access::Session,
    )
    .await?;
    let mut response = Json(account).into_response();
    let cookies = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&crate::cookies::session(&token, client.tls)) {
        cookies.append(header::SET_COOKIE, v);
    }
    if let Some(d) = device {
        if let Ok(v) = HeaderValue::from_str(&crate::cookies::device(&d, client.tls)) {
            cookies.append(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

/// Log out: ends the session (or revokes the bearer token used).
#[utoipa::path(delete, path = "/api/v1/session", tag = "account",
    responses((status = 204), (status = 401, body = passerelle_core::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn logout(
    State(node): State<Node>,
    client: Client,
    auth: Auth,
) -> Result<Response, ApiError> {
    accounts::log_out(&node, &auth.token).await?;
    let expired = crate::cookies::expired_session(client.tls);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, expired)]).into_response())
}

/// Issue a bearer token for scripts (valid one year).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "account", request_body = TokenRequest,
    responses((status = 201, body = TokenResponse), (status = 401, body = passerelle_core::error::ErrorBody),
        (status = 429, description = "Too many failed attempts: wait `Retry-After` seconds", body = passerelle_core::error::ErrorBody)))]
async fn create_token(
    State(node): State<Node>,
    client: Client,
    ApiJson(r): ApiJson<TokenRequest>,
) -> Result<(StatusCode, Json<TokenResponse>), Response> {
    let access = Access::Token {
        label: r.label.as_deref(),
    };
    let (account, token, _) = log_in(&node, client, None, &r.username, &r.password, access).await?;
    Ok((StatusCode::CREATED, Json(TokenResponse { token, account })))
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Account), (status = 401, body = passerelle_core::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn me(auth: Auth) -> Json<Account> {
    Json(auth.account)
}

/// Change one's own password: every other session and token of the
/// account ends (the one used stays). The new password is refused (422
/// `invalid_field`, field `new_password`) when too easy to guess.
#[utoipa::path(post, path = "/api/v1/password", tag = "account", request_body = PasswordChange,
    responses((status = 204), (status = 401, body = passerelle_core::error::ErrorBody), (status = 422, body = passerelle_core::error::ErrorBody),
        (status = 429, description = "Too many wrong current passwords: wait `Retry-After` seconds", body = passerelle_core::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn change_password(
    State(node): State<Node>,
    client: Client,
    auth: Auth,
    ApiJson(p): ApiJson<PasswordChange>,
) -> Result<StatusCode, Response> {
    let actor = auth.actor();
    let change = accounts::PasswordChange {
        current: &p.current_password,
        new: &p.new_password,
        session: &auth.token,
        client: client.address,
        device: None,
    };
    accounts::change_password(&node, &actor, change)
        .await
        .map_err(answer)?
        .map_err(|blocked| blocked_response(&blocked))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The node's accounts (administrators and coordinators).
#[utoipa::path(get, path = "/api/v1/accounts", tag = "account",
    responses((status = 200, body = Vec<accounts::AccountEntry>), (status = 401, body = passerelle_core::error::ErrorBody), (status = 403, body = passerelle_core::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn list_accounts(
    State(node): State<Node>,
    auth: Authorized<Managers>,
) -> Result<Json<Vec<accounts::AccountEntry>>, ApiError> {
    Ok(Json(accounts::list(&node, &auth.actor()).await?))
}

/// Create an account (administrators and coordinators), for a member of
/// the committee or free; answers its first password once.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "account", request_body = NewAccount,
    responses((status = 201, body = CreatedAccount), (status = 401, body = passerelle_core::error::ErrorBody), (status = 403, body = passerelle_core::error::ErrorBody), (status = 422, body = passerelle_core::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn create_account(
    State(node): State<Node>,
    auth: Authorized<Managers>,
    ApiJson(a): ApiJson<NewAccount>,
) -> Result<(StatusCode, Json<CreatedAccount>), ApiError> {
    let request = accounts::NewAccountRequest {
        username: &a.username,
        role: a.role,
        member_id: a.member_id,
        password: a.password.as_deref(),
    };
    let created = accounts::create(&node, &auth.actor(), request).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedAccount {
            account: created.account,
            password: created.password,
        }),
    ))
}

/// An account's id from the path; anything else is not found.
fn account_id(text: &str) -> Result<i64, NodeError> {
    text.parse()
        .map_err(|_| passerelle_core::validate::not_found("this account"))
}

/// Give an account a new first password (answered once): all its sessions
/// and tokens end, its failed logins are forgotten, and it must change the
/// password at the next login.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/password-reset", tag = "account",
    params(("id" = i64, Path, description = "The account")),
    responses((status = 200, body = CreatedAccount), (status = 401, body = passerelle_core::error::ErrorBody), (status = 403, body = passerelle_core::error::ErrorBody), (status = 404, body = passerelle_core::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn reset_password(
    State(node): State<Node>,
    auth: Authorized<Managers>,
    Path(id): Path<String>,
) -> Result<Json<CreatedAccount>, ApiError> {
    let reset = accounts::reset_password(&node, &auth.actor(), account_id(&id)?).await?;
    Ok(Json(CreatedAccount {
        account: reset.account,
        password: reset.password,
    }))
}

/// Disable an account: it cannot log in, its sessions and tokens end. Not
/// the last active administrator (coordinator): 422 `domain_rule`.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/disable", tag = "account",
    params(("id" = i64, Path, description = "The account")),
    responses((status = 204), (status = 401, body = passerelle_core::error::ErrorBody), (status = 403, body = passerelle_core::error::ErrorBody), (status = 404, body = passerelle_core::error::ErrorBody), (status = 422, body = passerelle_core::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn disable_account(
    State(node): State<Node>,
    auth: Authorized<Managers>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    accounts::disable(&node, &auth.actor(), account_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enable a disabled account again.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/enable", tag = "account",
    params(("id" = i64, Path, description = "The account")),
    responses((status = 204), (status = 401, body = passerelle_core::error::ErrorBody), (status = 403, body = passerelle_core::error::ErrorBody), (status = 404, body = passerelle_core::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn enable_account(
    State(node): State<Node>,
    auth: Authorized<Managers>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    accounts::enable(&node, &auth.actor(), account_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change an account's role (a service: `admin` ↔ `member`). Not the last
/// active administrator's: 422 `domain_rule`.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/role", tag = "account", request_body = RoleChange,
    params(("id" = i64, Path, description = "The account")),
    responses((status = 204), (status = 401, body = passerelle_core::error::ErrorBody), (status = 403, body = passerelle_core::error::ErrorBody), (status = 404, body = passerelle_core::error::ErrorBody), (status = 422, body = passerelle_core::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn set_role(
    State(node): State<Node>,
    auth: Authorized<Managers>,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<RoleChange>,
) -> Result<StatusCode, ApiError> {
    accounts::set_role(&node, &auth.actor(), account_id(&id)?, r.role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End every session and token of an account.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}/sessions", tag = "account",
    params(("id" = i64, Path, description = "The account")),
    responses((status = 204), (status = 401, body = passerelle_core::error::ErrorBody), (status = 403, body = passerelle_core::error::ErrorBody), (status = 404, body = passerelle_core::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn end_sessions(
    State(node): State<Node>,
    auth: Authorized<Managers>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    accounts::end_sessions(&node, &auth.actor(), account_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unblock an account: its failed logins are forgotten, so its owner may
/// try again at once, from anywhere.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/unblock", tag = "account",
    params(("id" = i64, Path, description = "The account")),
    responses((status = 204), (status = 401, body = passerelle_core::error::ErrorBody), (status = 403, body = passerelle_core::error::ErrorBody), (status = 404, body = passerelle_core::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn unblock(
    State(node): State<Node>,
    auth: Authorized<Managers>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    accounts::unblock(&node, &auth.actor(), account_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
