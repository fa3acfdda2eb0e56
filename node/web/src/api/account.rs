//! Logging in and out, API tokens, passwords and accounts.

use axum::extract::State;
use axum::http::{header, StatusCode};
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
    /// At least 10 characters. The person must change it at first login.
    pub password: String,
}

/// Logs in under the throttle: the account and its token, or the answer
/// to send (401 `bad_credentials`, 429 `too_many_attempts`, or a refused
/// label).
async fn log_in(
    node: &Node,
    client: Client,
    username: &str,
    password: &str,
    access: Access<'_>,
) -> Result<(Account, String), Response> {
    match accounts::log_in(node, username, password, client.address, access).await {
        Ok(LogIn::Opened { account, token }) => Ok((account, token)),
        Ok(LogIn::Refused) => Err(answer(NodeError::refused(
            Refusal::BadCredentials,
            "wrong username or password",
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
    ApiJson(c): ApiJson<Credentials>,
) -> Result<Response, Response> {
    let (account, token) = log_in(&node, client, &c.username, &c.password, Access::Session).await?;
    let cookie = crate::cookies::session(&token, client.tls);
    Ok(([(header::SET_COOKIE, cookie)], Json(account)).into_response())
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
    let (account, token) = log_in(&node, client, &r.username, &r.password, access).await?;
    Ok((StatusCode::CREATED, Json(TokenResponse { token, account })))
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Account), (status = 401, body = passerelle_core::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn me(auth: Auth) -> Json<Account> {
    Json(auth.account)
}

/// Change one's own password.
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
    accounts::change_password(
        &node,
        &actor,
        client.address,
        &p.current_password,
        &p.new_password,
    )
    .await
    .map_err(answer)?
    .map_err(|blocked| blocked_response(&blocked))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The node's accounts (administrators and coordinators).
#[utoipa::path(get, path = "/api/v1/accounts", tag = "account",
    responses((status = 200, body = Vec<Account>), (status = 401, body = passerelle_core::error::ErrorBody), (status = 403, body = passerelle_core::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn list_accounts(
    State(node): State<Node>,
    auth: Authorized<Managers>,
) -> Result<Json<Vec<Account>>, ApiError> {
    Ok(Json(accounts::list(&node, &auth.actor()).await?))
}

/// Create an account (administrators and coordinators).
#[utoipa::path(post, path = "/api/v1/accounts", tag = "account", request_body = NewAccount,
    responses((status = 201, body = Account), (status = 401, body = passerelle_core::error::ErrorBody), (status = 403, body = passerelle_core::error::ErrorBody), (status = 422, body = passerelle_core::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn create_account(
    State(node): State<Node>,
    auth: Authorized<Managers>,
    ApiJson(a): ApiJson<NewAccount>,
) -> Result<(StatusCode, Json<Account>), ApiError> {
    let created = accounts::create(&node, &auth.actor(), &a.username, &a.password, a.role).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
