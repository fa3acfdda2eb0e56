//! Web pages: server-rendered HTML in plain French, one stylesheet, no
//! JavaScript needed, every asset served by the node itself.
//!
//! Pages are thin like the API's handlers: they read a form, call the same
//! domain functions, and render an askama template (compiled into the
//! binary). The session is the API's session cookie; every form carries a
//! CSRF token derived from the session, checked by [`CsrfForm`].

mod account;
pub mod hub;
pub mod ics;
pub mod labels;
pub mod service;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use passerelle_protocol::Hash;
use serde::de::DeserializeOwned;

use crate::accounts::{Account, Role};
use crate::error::NodeError;
use crate::http::api::request_token;
use crate::node::Node;
use crate::sessions;

/// The page routes anyone may use without signing in, as (method, path).
/// Every other page route takes a [`Viewer`] (anonymous callers go to the
/// login page) and every other POST a [`CsrfForm`]. `tests/tests/web_security/pages.rs`
/// finds every `.route(..)` under `src/web/`, checks it against the router
/// and calls each one anonymously and with forged forms: a new route that
/// forgets either fails it, unless it is listed here.
pub const PUBLIC_ROUTES: &[(&str, &str)] = &[
    ("GET", "/static/passerelle.css"),
    ("GET", "/connexion"),
    // No session yet, so no session-bound token: `account::same_origin`.
    ("POST", "/connexion"),
];

/// Every page route, merged into the application.
pub fn routes() -> Router<Node> {
    Router::new()
        .route("/static/passerelle.css", get(stylesheet))
        .merge(account::routes())
        .merge(service::routes())
        .merge(hub::routes())
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/passerelle.css"),
    )
        .into_response()
}

/// An entry of the main menu.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What every page's layout needs (no `Debug`: it holds the CSRF token).
#[derive(Clone)]
pub struct Layout {
    pub node_name: String,
    pub username: Option<String>,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub flash: Option<String>,
}

/// The menu of a service's node.
const SERVICE_NAV: &[(&str, &str)] = &[
    ("/", "Accueil"),
    ("/propositions", "Propositions"),
    ("/reunions", "Réunions"),
    ("/membres", "Membres"),
    ("/delegues", "Délégué·es"),
    ("/inter-services", "Comité inter-services"),
];

/// The menu of the hub.
const HUB_NAV: &[(&str, &str)] = &[
    ("/", "Accueil"),
    ("/services", "Services"),
    ("/propositions", "Propositions"),
    ("/sujets", "Sujets communs"),
    ("/reunions-communes", "Réunions communes"),
];

/// A signed-in person looking at a page (no `Debug`: it holds the CSRF token).
#[derive(Clone)]
pub struct Viewer {
    pub account: Account,
    pub csrf: String,
    pub node_name: String,
    pub is_hub: bool,
}

impl Viewer {
    /// The layout, with the menu entry `current` (a path) highlighted.
    pub fn layout(&self, current: &str, flash: Option<String>) -> Layout {
        let nav = if self.is_hub { HUB_NAV } else { SERVICE_NAV };
        let mut items: Vec<NavItem> = nav
            .iter()
            .map(|(href, label)| NavItem {
                href,
                label,
                current: *href == current,
            })
            .collect();
        items.push(NavItem {
            href: "/mot-de-passe",
            label: "Mon mot de passe",
            current: current == "/mot-de-passe",
        });
        Layout {
            node_name: self.node_name.clone(),
            username: Some(self.account.username.clone()),
            csrf: self.csrf.clone(),
            nav: items,
            flash,
        }
    }

    /// Refuses a person whose role is not in `roles`, with a page that says so.
    pub fn require(&self, roles: &[Role]) -> Result<(), PageError> {
        if roles.contains(&self.account.role) {
            Ok(())
        } else {
            Err(PageError::Forbidden)
        }
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.account.role, Role::Admin | Role::Coordinator)
    }
}

/// The CSRF token of a session: derived from it, never stored.
pub fn csrf_for(session_token: &str) -> String {
    Hash::of(format!("passerelle-csrf:{session_token}").as_bytes()).to_string()
}

/// A layout for people who are not signed in.
pub fn anonymous_layout(node: &Node) -> Layout {
    Layout {
        node_name: node.config.name.clone(),
        username: None,
        csrf: String::new(),
        nav: Vec::new(),
        flash: None,
    }
}

impl FromRequestParts<Node> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, node: &Node) -> Result<Self, Response> {
        let to_login = || {
            let next = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
            let query = serde_urlencoded::to_string([("suite", next)]).unwrap_or_default();
            Redirect::to(&format!("/connexion?{query}")).into_response()
        };
        // Pages use the session cookie only (a bearer token is for scripts).
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return Err(to_login());
        }
        let Some(token) = request_token(parts) else {
            return Err(to_login());
        };
        match sessions::resolve(&node.db, &token).await {
            Ok(Some(account)) => Ok(Viewer {
                account,
                csrf: csrf_for(&token),
                node_name: node.config.name.clone(),
                is_hub: node.is_hub(),
            }),
            Ok(None) => Err(to_login()),
            Err(e) => Err(PageError::from(e).into_response()),
        }
    }
}

/// A form whose `_csrf` field must match the session's token.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Node> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, node: &Node) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let token = request_token(&parts).unwrap_or_default();
        let _ = &mut parts;
        let bytes = axum::body::to_bytes(body, crate::fed::wire::MAX_BODY_BYTES)
            .await
            .map_err(|_| PageError::BadForm.into_response())?;
        #[derive(serde::Deserialize)]
        struct Csrf {
            #[serde(rename = "_csrf", default)]
            csrf: String,
        }
        let given: Csrf =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| PageError::BadForm.into_response())?;
        let expected = csrf_for(&token);
        if token.is_empty() || given.csrf != expected {
            return Err(PageError::Csrf.into_response());
        }
        let _ = node;
        serde_urlencoded::from_bytes(&bytes)
            .map(CsrfForm)
            .map_err(|_| PageError::BadForm.into_response())
    }
}

/// An id from the path; anything else is a page that does not exist.
pub fn path_id(text: &str) -> Result<uuid::Uuid, PageError> {
    uuid::Uuid::parse_str(text).map_err(|_| PageError::NotFound)
}

/// Renders a template into an HTML answer.
pub fn render<T: askama::Template>(page: &T) -> Result<Response, PageError> {
    page.render()
        .map(|html| Html(html).into_response())
        .map_err(|e| PageError::Internal(e.to_string()))
}

/// A form field's error, tied to the field by its id.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// What can go wrong on a page, shown as a page in plain words.
#[derive(Debug)]
pub enum PageError {
    NotFound,
    Forbidden,
    Csrf,
    BadForm,
    Refused(String),
    Internal(String),
}

impl From<NodeError> for PageError {
    fn from(e: NodeError) -> Self {
        match e.code() {
            "not_found" => PageError::NotFound,
            "forbidden" => PageError::Forbidden,
            "internal" | "config" => PageError::Internal(e.to_string()),
            _ => PageError::Refused(e.public_message()),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: &'static str,
    explanation: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, explanation) = match self {
            PageError::NotFound => (StatusCode::NOT_FOUND, "Page introuvable", "Cette page n'existe pas, ou plus.".to_owned()),
            PageError::Forbidden => (StatusCode::FORBIDDEN, "Accès refusé", "Votre compte ne permet pas de faire cela. Demandez à la personne qui s'occupe de Passerelle.".to_owned()),
            PageError::Csrf => (StatusCode::FORBIDDEN, "Formulaire expiré", "Ce formulaire a expiré. Revenez en arrière, rechargez la page et recommencez.".to_owned()),
            PageError::BadForm => (StatusCode::BAD_REQUEST, "Formulaire illisible", "Le formulaire envoyé est incomplet. Revenez en arrière et recommencez.".to_owned()),
            PageError::Refused(why) => (StatusCode::UNPROCESSABLE_ENTITY, "Ce n'est pas possible", why),
            PageError::Internal(why) => {
                tracing::error!(error = %why, "page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Un problème est survenu", "Réessayez dans un moment. Si le problème continue, prévenez la personne qui s'occupe de Passerelle.".to_owned())
            }
        };
        let page = ErrorPage { title, explanation };
        let html = askama::Template::render(&page).unwrap_or_else(|_| title.to_owned());
        (status, Html(html)).into_response()
    }
}

/// Redirects after a successful form, with a message shown once. A
/// fragment (`#ordre-du-jour`) stays last, after the message.
pub fn done(to: &str, message: &str) -> Response {
    Redirect::to(&done_location(to, message)).into_response()
}

fn done_location(to: &str, message: &str) -> String {
    let (path, fragment) = to.split_once('#').unwrap_or((to, ""));
    let sep = if path.contains('?') { '&' } else { '?' };
    let query = serde_urlencoded::to_string([("ok", message)]).unwrap_or_default();
    let fragment = if fragment.is_empty() {
        String::new()
    } else {
        format!("#{fragment}")
    };
    format!("{path}{sep}{query}{fragment}")
}

/// The one-time message carried by [`done`].
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    pub ok: Option<String>,
}

/// "le 10 décembre 2030 à 9 h 30" (times shown in Belgian time).
pub fn french_datetime(unix: i64) -> String {
    let Ok(utc) = time::OffsetDateTime::from_unix_timestamp(unix) else {
        return String::new();
    };
    let local = utc.to_offset(brussels_offset(utc));
    let month = FRENCH_MONTHS[usize::from(u8::from(local.month())) - 1];
    if local.minute() == 0 {
        format!(
            "le {} {} {} à {} h",
            local.day(),
            month,
            local.year(),
            local.hour()
        )
    } else {
        format!(
            "le {} {} {} à {} h {:02}",
            local.day(),
            month,
            local.year(),
            local.hour(),
            local.minute()
        )
    }
}

/// "le 10 décembre 2030".
pub fn french_date(date: time::Date) -> String {
    let month = FRENCH_MONTHS[usize::from(u8::from(date.month())) - 1];
    format!("le {} {} {}", date.day(), month, date.year())
}

pub const FRENCH_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// Belgium's offset from UTC at an instant (CET, or CEST from the last
/// Sunday of March to the last Sunday of October, at 01:00 UTC).
pub fn brussels_offset(at: time::OffsetDateTime) -> time::UtcOffset {
    let year = at.year();
    let last_sunday = |month: time::Month| {
        let mut d = time::Date::from_calendar_date(year, month, 31).unwrap_or(time::Date::MIN);
        while d.weekday() != time::Weekday::Sunday {
            d = d.previous_day().unwrap_or(d);
        }
        d.with_hms(1, 0, 0).map(|t| t.assume_utc()).unwrap_or(at)
    };
    let summer = at >= last_sunday(time::Month::March) && at < last_sunday(time::Month::October);
    time::UtcOffset::from_hms(if summer { 2 } else { 1 }, 0, 0).unwrap_or(time::UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_dates_in_belgian_time() {
        // 2030-12-10T08:30:00Z is 9 h 30 in Brussels (winter time).
        assert_eq!(
            french_datetime(1_923_121_800),
            "le 10 décembre 2030 à 9 h 30"
        );
        // 2030-07-01T07:00:00Z is 9 h in Brussels (summer time).
        assert_eq!(french_datetime(1_909_119_600), "le 1 juillet 2030 à 9 h");
    }

    #[test]
    fn the_message_goes_before_the_fragment() {
        assert_eq!(done_location("/x#y", "c'est fait"), "/x?ok=c%27est+fait#y");
        assert_eq!(done_location("/x?a=1", "ok"), "/x?a=1&ok=ok");
    }

    #[test]
    fn csrf_depends_on_the_session() {
        assert_ne!(csrf_for("a"), csrf_for("b"));
        assert_eq!(csrf_for("a"), csrf_for("a"));
    }
}
