//! The JSON API under `/api/v1`, for pages and scripts.
//!
//! Each area has its own file and `routes()`; handlers only extract, check
//! the caller's role and call the core's actions (which check it again,
//! with the kind of node, and validate). The OpenAPI 3 document is built
//! from the handlers' annotations (utoipa) and served at
//! `/api/v1/openapi.json`, so it cannot drift from the code.

mod account;
mod committee;
mod erasure;
mod hub;
mod joint;
mod positions;
mod proposals;
mod supports;

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use passerelle_core::error::Refusal;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use passerelle_core::accounts::Account;
use passerelle_core::actions::{Actor, Who};
use passerelle_core::error::{ErrorBody, NodeError};
use passerelle_core::node::Node;
use passerelle_core::sessions;

/// Name of the session cookie.
pub use crate::cookies::SESSION_COOKIE;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Passerelle API",
        description = "API of a Passerelle node (a service's node or the inter-service hub). \
            Authenticate with the session cookie (`POST /api/v1/session`) or a bearer token \
            (`POST /api/v1/tokens`). Every error answers `{\"error\": {\"code\", \"message\"}}`.",
        license(name = "Apache-2.0")
    ),
    components(schemas(ErrorBody, passerelle_core::domain::hub::ProposalSort, passerelle_protocol::body::Theme, passerelle_protocol::body::ProposalStatus)),
    modifiers(&Security),
    tags(
        (name = "account", description = "Sessions, tokens, passwords, accounts"),
        (name = "proposals", description = "A service's own proposals and their life cycle"),
        (name = "committee", description = "A service's members, delegates and local meetings"),
        (name = "joint", description = "A service's joint-committee corner: joint meetings, other services' proposals, supports, outcomes"),
        (name = "positions", description = "A service's positions on what the inter-service committee discusses (its delegates' mandate), the delegates' pack, what is new since the last meeting"),
        (name = "hub", description = "The coordinator: member services, aggregated proposals, subjects, joint meetings"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        );
    }
}

/// The API's routes and its OpenAPI document.
pub fn router() -> (Router<Node>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(account::routes())
        .merge(proposals::routes())
        .merge(committee::routes())
        .merge(erasure::routes())
        .merge(joint::routes())
        .merge(supports::routes())
        .merge(positions::routes())
        .merge(hub::routes())
        .split_for_parts()
}

/// The API router with `/api/v1/openapi.json` added.
///
/// The document is serialised once, here, and the handler holds only those
/// bytes (shared, not copied): axum clones a route's handler several times
/// while assembling the router, and each clone of the document itself stayed
/// in memory for the life of the node (about 4 MiB of an idle service's
/// 5 MiB of heap).
pub fn app_routes() -> Router<Node> {
    let (routes, doc) = router();
    let json: Result<Bytes, String> = serde_json::to_vec(&doc)
        .map(Bytes::from)
        .map_err(|e| e.to_string());
    drop(doc);
    routes.route(
        "/api/v1/openapi.json",
        get(move || {
            let json = json.clone();
            async move {
                match json {
                    Ok(bytes) => {
                        ([(header::CONTENT_TYPE, "application/json")], bytes).into_response()
                    }
                    Err(e) => ApiError(NodeError::config(format!("OpenAPI document: {e}")))
                        .into_response(),
                }
            }
        }),
    )
}

/// The OpenAPI document (for tests and tools).
pub fn openapi() -> utoipa::openapi::OpenApi {
    router().1
}

/// The authenticated caller. Its `Debug` hides the token.
#[derive(Clone)]
pub struct Auth {
    pub account: Account,
    /// The token that authenticated the request (to log out).
    pub token: String,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("account", &self.account)
            .field("token", &"[redacted]")
            .finish()
    }
}

impl Auth {
    /// Refuses (403 `forbidden`) unless the caller's role is allowed.
    pub fn require(&self, who: Who) -> Result<(), NodeError> {
        who.check_role(&self.actor())
    }

    /// The name recorded in histories and logs.
    pub fn name(&self) -> &str {
        &self.account.username
    }

    /// The caller, for the core's actions.
    pub fn actor(&self) -> Actor {
        Actor::new(self.account.clone())
    }
}

/// Which roles may call a route, as a type: see [`Authorized`]. The
/// policy itself is the core's ([`Who`]).
pub trait RoleSet: Send + Sync + 'static {
    const WHO: Who;
}

/// A service's administrators.
pub struct Admins;
/// A service's administrators and committee members.
pub struct People;
/// The hub's coordinators.
pub struct Coordinators;
/// Whoever manages accounts on this node (administrators, coordinators).
pub struct Managers;

impl RoleSet for Admins {
    const WHO: Who = Who::Admins;
}
impl RoleSet for People {
    const WHO: Who = Who::Committee;
}
impl RoleSet for Coordinators {
    const WHO: Who = Who::Coordinators;
}
impl RoleSet for Managers {
    const WHO: Who = Who::Managers;
}

/// An authenticated caller whose role is in `R`. Extracted before the body,
/// so a caller without the role gets 403 whatever they sent: authentication,
/// then role, then validation.
pub struct Authorized<R: RoleSet>(pub Auth, std::marker::PhantomData<R>);

impl<R: RoleSet> std::ops::Deref for Authorized<R> {
    type Target = Auth;
    fn deref(&self) -> &Auth {
        &self.0
    }
}

impl<R: RoleSet> FromRequestParts<Node> for Authorized<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, node: &Node) -> Result<Self, ApiError> {
        let auth = Auth::from_request_parts(parts, node).await?;
        auth.require(R::WHO)?;
        Ok(Authorized(auth, std::marker::PhantomData))
    }
}

/// The token of a request: `Authorization: Bearer …` or the session cookie.
pub fn request_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return value.strip_prefix("Bearer ").map(|t| t.trim().to_owned());
    }
    crate::cookies::read(&parts.headers, SESSION_COOKIE).map(str::to_owned)
}

impl FromRequestParts<Node> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, node: &Node) -> Result<Self, ApiError> {
        let unauthenticated = |why: &str| NodeError::refused(Refusal::Unauthenticated, why);
        let token = request_token(parts)
            .ok_or_else(|| unauthenticated("please log in (session cookie or bearer token)"))?;
        refuse_cross_site(parts)?;
        let account = sessions::resolve(&node.db, &token).await?.ok_or_else(|| {
            unauthenticated("this session has ended or this token is unknown; please log in again")
        })?;
        // A first password opens nothing but its change (and logging out).
        let path = parts.uri.path();
        let allowed = (parts.method == Method::POST && path == "/api/v1/password")
            || (parts.method == Method::DELETE && path == "/api/v1/session");
        if account.must_change_password && !allowed {
            return Err(NodeError::refused(
                Refusal::PasswordChangeRequired,
                "this password was given by someone else: change it first (POST /api/v1/password)",
            )
            .into());
        }
        Ok(Auth { account, token })
    }
}

/// CSRF for the API: a write (any method but GET, HEAD and OPTIONS)
/// authenticated by the session cookie alone must say
/// `Content-Type: application/json`, even without a body. A page of another
/// site can make a browser send the cookie with a form (`text/plain`,
/// `application/x-www-form-urlencoded`, `multipart/form-data`) but not with
/// this type: a script would need the node's CORS consent, which it never
/// gives. `SameSite=Strict` already keeps the cookie off such requests in
/// current browsers; this holds without it. Bearer tokens are not sent by
/// browsers on their own, so requests carrying one are not concerned.
fn refuse_cross_site(parts: &Parts) -> Result<(), NodeError> {
    let bearer = parts.headers.contains_key(header::AUTHORIZATION);
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if bearer || safe || is_json(&parts.headers) {
        return Ok(());
    }
    Err(NodeError::refused(
        Refusal::CrossSite,
        "a write with the session cookie must say Content-Type: application/json \
         (even without a body), which no page of another site can send",
    ))
}

/// The request says `Content-Type: application/json` (parameters allowed).
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let mut types = headers.get_all(header::CONTENT_TYPE).iter();
    match (types.next(), types.next()) {
        (Some(value), None) => value.to_str().is_ok_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        }),
        _ => false,
    }
}

/// `Json<T>` whose refusals follow the API's error format.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::JsonDataError(e)) => {
                Err(NodeError::refused(Refusal::InvalidField(None), e.body_text()).into())
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(NodeError::refused(
                Refusal::UnsupportedMediaType,
                "send JSON with Content-Type: application/json",
            )
            .into()),
            Err(e) => Err(crate::body_refusal(e.status(), e.body_text()).into()),
        }
    }
}

/// A uuid from the path, refused clearly when malformed.
pub fn path_uuid(text: &str) -> Result<uuid::Uuid, NodeError> {
    passerelle_protocol::ids::strict_uuid::parse(text)
        .map_err(|e| NodeError::refused(Refusal::NotFound, e))
}
