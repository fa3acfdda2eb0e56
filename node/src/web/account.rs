//! Logging in and out, and changing one's password.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{
    anonymous_layout, done, render, safe_next, CsrfForm, FieldError, Flash, Guest, Layout,
    PageError, Viewer,
};
use crate::accounts;
use crate::http::api::SESSION_COOKIE;
use crate::node::Node;
use crate::sessions;

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
        next: safe_next(&q.suite),
        username: String::new(),
        errors: Vec::new(),
    })
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    suite: String,
}

/// `POST /connexion` — opens a session and sets its cookie.
async fn login(
    State(node): State<Node>,
    guest: Guest,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let loc = guest.locale;
    let Some(account) = accounts::check(&node.db, f.username.trim(), &f.password).await? else {
        let mut page = LoginPage {
            l: anonymous_layout(&node, &guest),
            next: safe_next(&f.suite),
            username: f.username,
            errors: vec![FieldError {
                field: "username".into(),
                message:
                    loc.t("Le nom d'utilisateur ou le mot de passe ne va pas. Vérifiez et recommencez.")
                        .into(),
            }],
        };
        page.l.flash = None;
        let mut response = render(&page)?;
        *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
        return Ok(response);
    };
    let token = sessions::open(&node.db, &account, sessions::SESSION, None).await?;
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        sessions::SESSION_SECS,
        if secure { "; Secure" } else { "" }
    );
    let to = if account.must_change_password {
        "/mot-de-passe".to_owned()
    } else {
        safe_next(&f.suite)
    };
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&to)).into_response())
}

#[derive(Debug, Deserialize)]
struct Empty {}

/// `POST /deconnexion`
async fn logout(
    State(node): State<Node>,
    viewer: Viewer,
    parts: axum::http::HeaderMap,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let _ = viewer;
    let token = parts
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(&format!("{SESSION_COOKIE}="))
                .map(str::to_owned)
        })
        .unwrap_or_default();
    sessions::close(&node.db, &token).await?;
    let expired = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
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
                    loc.t("Au moins 10 caractères. Une petite phrase est facile à retenir."),
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

#[derive(Debug, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    again: String,
}

/// `POST /mot-de-passe`
async fn change_password(
    State(node): State<Node>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    let loc = viewer.locale;
    let mut errors = Vec::new();
    if f.new.chars().count() < 10 {
        errors.push(FieldError {
            field: "new".into(),
            message: loc
                .t("Le nouveau mot de passe doit avoir au moins 10 caractères.")
                .into(),
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
        match accounts::change_password(&node.db, viewer.account.id, &f.current, &f.new).await {
            Ok(()) => return Ok(done("/", loc.t("Votre mot de passe est changé."))),
            Err(e) if e.code() == "invalid_field" => errors.push(FieldError {
                field: "current".into(),
                message: loc.t("Ce n'est pas votre mot de passe actuel.").into(),
            }),
            Err(e) => return Err(e.into()),
        }
    }
    let mut response = render(&password_page_with(&viewer, errors, None))?;
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}
