//! Logging in and out, and changing one's password.
//!
//! The login form has no session yet, so no session-bound CSRF token: it is
//! protected by the browser's own word instead (`Sec-Fetch-Site`, or
//! `Origin` against `Host`), which another site's page cannot forge. Logins
//! and checks of the current password go through the throttle
//! ([`passerelle_core::throttle`]).

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::i18n::Locale;
use super::{
    anonymous_layout, done, render, safe_next, CsrfForm, FieldError, Flash, Guest, Layout,
    PageError, Viewer,
};
use crate::cookies::{self, SESSION_COOKIE};
use crate::security::Client;
use passerelle_core::accounts::check_strength;
use passerelle_core::actions::accounts::{self, Access, LogIn};
use passerelle_core::error::Refusal;
use passerelle_core::node::Node;
use passerelle_core::throttle::Blocked;

pub fn routes() -> Router<Node> {
    Router::new()
        .route("/connexion", get(login_page).post(login))
        .route("/deconnexion", post(logout))
        .route("/mot-de-passe", get(password_page).post(change_password))
}

#[derive(askama::Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    next: String,
    username: String,
    errors: Vec<FieldError>,
    /// Too many failed attempts: the error says how long to wait.
    blocked: bool,
}

#[derive(Debug, Default, Deserialize)]
struct NextQuery {
    #[serde(default)]
    suite: String,
}

/// `GET /connexion`
async fn login_page(
    State(node): State<Node>,
    guest: Guest,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    render(&LoginPage {
        l: anonymous_layout(&node, &guest),
        next: safe_next(&q.suite)?,
        username: String::new(),
        errors: Vec::new(),
        blocked: false,
    })
}

/// No `Debug`: it holds a password.
#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    suite: String,
}

/// Whether a form was sent by a page of this very site, by the browser's
/// word: `Sec-Fetch-Site` (every current browser), else `Origin` against
/// `Host`. A client that sends neither (a script, an old browser) is not a
/// browser tricked by another site, and passes.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = get("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match (get("origin"), get("host")) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host)),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// The login page again, with a sentence on the name field.
fn login_again(
    node: &Node,
    guest: &Guest,
    f: LoginForm,
    message: String,
    status: StatusCode,
) -> Response {
    let page = LoginPage {
        l: anonymous_layout(node, guest),
        next: safe_next(&f.suite).unwrap_or_else(|_| "/".to_owned()),
        username: f.username,
        errors: vec![FieldError {
            field: "username".into(),
            message,
        }],
        blocked: status == StatusCode::TOO_MANY_REQUESTS,
    };
    match render(&page) {
        Ok(mut response) => {
            *response.status_mut() = status;
            response
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /connexion` — opens a session and sets its cookie.
async fn login(
    State(node): State<Node>,
    client: Client,
    guest: Guest,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let loc = guest.locale;
    if !same_origin(&headers) {
        return Err(PageError::Csrf);
    }
    // A return address with control characters: refused before anything.
    safe_next(&f.suite)?;
    let username = f.username.trim();
    let device = cookies::read(&headers, cookies::DEVICE_COOKIE);
    let opened = accounts::log_in(
        &node,
        username,
        &f.password,
        client.address,
        device,
        Access::Session,
    );
    let (account, token, device) = match opened.await? {
        LogIn::Opened {
            account,
            token,
            device,
        } => (account, token, device),
        LogIn::Disabled => {
            let message = loc.t("Ce compte est désactivé. Demandez à la personne qui s'occupe de Passerelle dans votre service de le réactiver.");
            return Ok(login_again(
                &node,
                &guest,
                f,
                message.into(),
                StatusCode::FORBIDDEN,
            ));
        }
        LogIn::Refused => {
            let message = loc
                .t("Le nom d'utilisateur ou le mot de passe ne va pas. Vérifiez et recommencez.");
            return Ok(login_again(
                &node,
                &guest,
                f,
                message.into(),
                StatusCode::UNAUTHORIZED,
            ));
        }
        LogIn::Blocked(blocked) => {
            let page = login_again(
                &node,
                &guest,
                f,
                blocked_sentence(loc, &blocked),
                StatusCode::TOO_MANY_REQUESTS,
            );
            return Ok(crate::error::mark_blocked(&blocked, page));
        }
    };
    let to = if account.must_change_password {
        "/mot-de-passe".to_owned()
    } else {
        safe_next(&f.suite)?
    };
    let mut response = Redirect::to(&to).into_response();
    let mut set = vec![cookies::session(&token, client.tls)];
    set.extend(device.map(|d| cookies::device(&d, client.tls)));
    for cookie in set {
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

/// Why a login is refused for now, for how long, and who can unblock it.
fn blocked_sentence(loc: Locale, blocked: &Blocked) -> String {
    let wait = if blocked.retry_after_secs < 60 {
        loc.plural(
            blocked.retry_after_secs,
            "Trop d'essais de connexion ratés. Par sécurité, attendez {n} seconde avant de réessayer.",
            "Trop d'essais de connexion ratés. Par sécurité, attendez {n} secondes avant de réessayer.",
        )
    } else {
        loc.plural(
            blocked.minutes(),
            "Trop d'essais de connexion ratés. Par sécurité, attendez {n} minute avant de réessayer.",
            "Trop d'essais de connexion ratés. Par sécurité, attendez {n} minutes avant de réessayer.",
        )
    };
    format!(
        "{wait} {}",
        loc.t("Vous pouvez aussi demander à la personne qui s'occupe de Passerelle dans votre service de débloquer votre compte.")
    )
}

#[derive(Debug, Deserialize)]
struct Empty {}

/// `POST /deconnexion`
async fn logout(
    State(node): State<Node>,
    client: Client,
    viewer: Viewer,
    parts: axum::http::HeaderMap,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let _ = viewer;
    let token = cookies::read(&parts, SESSION_COOKIE).unwrap_or_default();
    accounts::log_out(&node, token).await?;
    let expired = cookies::expired_session(client.tls);
    Ok(([(header::SET_COOKIE, expired)], Redirect::to("/connexion")).into_response())
}

struct PasswordField {
    name: &'static str,
    label: &'static str,
    hint: Option<&'static str>,
    autocomplete: &'static str,
    error: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "password.html")]
struct PasswordPage {
    l: Layout,
    must_change: bool,
    fields: Vec<PasswordField>,
    errors: Vec<FieldError>,
}

fn password_page_with(
    viewer: &Viewer,
    errors: Vec<FieldError>,
    flash: Option<String>,
) -> PasswordPage {
    let error_of = |name: &str| {
        errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    };
    let loc = viewer.locale;
    PasswordPage {
        l: viewer.layout("/mot-de-passe", flash),
        must_change: viewer.account.must_change_password,
        fields: vec![
            PasswordField {
                name: "current",
                label: loc.t("Mot de passe actuel"),
                hint: None,
                autocomplete: "current-password",
                error: error_of("current"),
            },
            PasswordField {
                name: "new",
                label: loc.t("Nouveau mot de passe"),
                hint: Some(
                    loc.t("Choisissez une phrase de quatre ou cinq mots que vous retenez facilement, par exemple « le chat de ma voisine mange des frites ». Évitez votre nom, les suites comme 123456 et les mots de passe courants."),
                ),
                autocomplete: "new-password",
                error: error_of("new"),
            },
            PasswordField {
                name: "again",
                label: loc.t("Nouveau mot de passe, encore une fois"),
                hint: None,
                autocomplete: "new-password",
                error: error_of("again"),
            },
        ],
        errors,
    }
}

/// `GET /mot-de-passe`
async fn password_page(viewer: Viewer, Query(flash): Query<Flash>) -> Result<Response, PageError> {
    render(&password_page_with(&viewer, Vec::new(), flash.ok))
}

/// No `Debug`: it holds passwords.
#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    again: String,
}

/// `POST /mot-de-passe` — every other session and token of the account
/// ends; this one stays.
async fn change_password(
    State(node): State<Node>,
    client: Client,
    viewer: Viewer,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    let loc = viewer.locale;
    let mut errors = Vec::new();
    let known = [viewer.account.username.as_str(), node.config.name.as_str()];
    if let Err(e) = check_strength("new", &f.new, &known) {
        let message = match e.refusal() {
            Some(Refusal::InvalidField(Some(rule))) => {
                super::rules::rule_words(rule, None, super::rules::Reader::Committee, loc)
            }
            _ => super::rules::not_possible_now(loc).to_owned(),
        };
        errors.push(FieldError {
            field: "new".into(),
            message,
        });
    } else if f.new != f.again {
        errors.push(FieldError {
            field: "again".into(),
            message: loc
                .t("Les deux nouveaux mots de passe ne sont pas pareils.")
                .into(),
        });
    }
    if errors.is_empty() {
        // Checking the current password is a login in disguise: same throttle.
        let actor = viewer.actor();
        let session = cookies::read(&headers, SESSION_COOKIE).unwrap_or_default();
        let change = accounts::PasswordChange {
            current: &f.current,
            new: &f.new,
            session,
            client: client.address,
            device: cookies::read(&headers, cookies::DEVICE_COOKIE),
        };
        match accounts::change_password(&node, &actor, change).await {
            Ok(Ok(())) => return Ok(done("/", loc.t("Votre mot de passe est changé."))),
            Ok(Err(blocked)) => {
                errors.push(FieldError {
                    field: "current".into(),
                    message: blocked_sentence(loc, &blocked),
                });
                let page = render(&password_page_with(&viewer, errors, None))?;
                return Ok(crate::error::mark_blocked(&blocked, page));
            }
            Err(e) if matches!(e.refusal(), Some(Refusal::InvalidField(_))) => {
                errors.push(FieldError {
                    field: "current".into(),
                    message: loc.t("Ce n'est pas votre mot de passe actuel.").into(),
                })
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut response = render(&password_page_with(&viewer, errors, None))?;
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}
