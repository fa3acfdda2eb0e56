//! Logging in and out, API tokens, passwords and accounts.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, Auth, Authorized, Managers, SESSION_COOKIE};
use crate::accounts::{self, Account, Role};
use crate::error::NodeError;
use crate::node::Node;
use crate::sessions;

pub fn routes() -> OpenApiRouter<Node> {
    OpenApiRouter::new()
        .routes(routes!(login, logout))
        .routes(routes!(create_token))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(list_accounts, create_account))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
    /// What the token is for, e.g. "export nocturne".
    pub label: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`. Shown once.
    pub token: String,
    pub account: Account,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAccount {
    pub username: String,
    pub role: Role,
    /// At least 10 characters. The person must change it at first login.
    pub password: String,
}

async fn authenticate(node: &Node, username: &str, password: &str) -> Result<Account, NodeError> {
    accounts::check(&node.db, username, password)
        .await?
        .ok_or_else(|| {
            NodeError::refused(
                "bad_credentials",
                StatusCode::UNAUTHORIZED,
                "wrong username or password",
            )
        })
}

fn secure_suffix(headers: &HeaderMap) -> &'static str {
    let behind_tls = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    if behind_tls {
        "; Secure"
    } else {
        ""
    }
}

/// Log in: opens a session and sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "account", request_body = Credentials,
    responses((status = 200, body = Account), (status = 401, body = crate::error::ErrorBody)))]
async fn login(
    State(node): State<Node>,
    headers: HeaderMap,
    ApiJson(c): ApiJson<Credentials>,
) -> Result<Response, NodeError> {
    let account = authenticate(&node, &c.username, &c.password).await?;
    let token = sessions::open(&node.db, &account, sessions::SESSION, None).await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        sessions::SESSION_SECS,
        secure_suffix(&headers)
    );
    Ok(([(header::SET_COOKIE, cookie)], Json(account)).into_response())
}

/// Log out: ends the session (or revokes the bearer token used).
#[utoipa::path(delete, path = "/api/v1/session", tag = "account",
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn logout(State(node): State<Node>, auth: Auth) -> Result<Response, NodeError> {
    sessions::close(&node.db, &auth.token).await?;
    let expired = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, expired)]).into_response())
}

/// Issue a bearer token for scripts (valid one year).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "account", request_body = TokenRequest,
    responses((status = 201, body = TokenResponse), (status = 401, body = crate::error::ErrorBody)))]
async fn create_token(
    State(node): State<Node>,
    ApiJson(r): ApiJson<TokenRequest>,
) -> Result<(StatusCode, Json<TokenResponse>), NodeError> {
    let account = authenticate(&node, &r.username, &r.password).await?;
    let label = crate::domain::validate::optional_text("label", r.label.as_deref(), 80)?;
    let token = sessions::open(&node.db, &account, sessions::API_TOKEN, label.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(TokenResponse { token, account })))
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Account), (status = 401, body = crate::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn me(auth: Auth) -> Json<Account> {
    Json(auth.account)
}

/// Change one's own password.
#[utoipa::path(post, path = "/api/v1/password", tag = "account", request_body = PasswordChange,
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn change_password(
    State(node): State<Node>,
    auth: Auth,
    ApiJson(p): ApiJson<PasswordChange>,
) -> Result<StatusCode, NodeError> {
    accounts::change_password(
        &node.db,
        auth.account.id,
        &p.current_password,
        &p.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The node's accounts (administrators and coordinators).
#[utoipa::path(get, path = "/api/v1/accounts", tag = "account",
    responses((status = 200, body = Vec<Account>), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn list_accounts(
    State(node): State<Node>,
    auth: Authorized<Managers>,
) -> Result<Json<Vec<Account>>, NodeError> {
    auth.require(&[Role::Admin, Role::Coordinator])?;
    Ok(Json(accounts::list(&node.db).await?))
}

/// Create an account (administrators and coordinators).
#[utoipa::path(post, path = "/api/v1/accounts", tag = "account", request_body = NewAccount,
    responses((status = 201, body = Account), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("cookie" = []), ("bearer" = [])))]
async fn create_account(
    State(node): State<Node>,
    auth: Authorized<Managers>,
    ApiJson(a): ApiJson<NewAccount>,
) -> Result<(StatusCode, Json<Account>), NodeError> {
    auth.require(&[Role::Admin, Role::Coordinator])?;
    let allowed = if node.is_hub() {
        a.role == Role::Coordinator
    } else {
        a.role != Role::Coordinator
    };
    if !allowed {
        return Err(crate::domain::validate::invalid(
            "role",
            "a hub has coordinators; a service has admins and members",
        ));
    }
    accounts::create(&node.db, &a.username, &a.password, a.role, true).await?;
    let created = accounts::list(&node.db)
        .await?
        .into_iter()
        .find(|x| x.username == a.username.trim())
        .ok_or_else(|| NodeError::config("account vanished after creation"))?;
    Ok((StatusCode::CREATED, Json(created)))
}
