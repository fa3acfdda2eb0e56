//! Web pages: server-rendered HTML in plain French (and English, see
//! [`i18n`]), one stylesheet, no JavaScript needed, every asset served by
//! the node itself.
//!
//! Pages are thin like the API's handlers: they read a form, call the same
//! domain functions, and render an askama template (compiled into the
//! binary). The session is the API's session cookie; every form carries a
//! CSRF token derived from the session, checked by [`CsrfForm`].

mod account;
mod accounts;
pub mod confirm;
pub mod dates;
pub mod hub;
pub mod i18n;
pub mod ics;
pub mod labels;
mod rules;
pub mod service;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use passerelle_protocol::Hash;
use serde::de::DeserializeOwned;

use crate::api::request_token;
pub use i18n::Locale;
use passerelle_core::accounts::{Account, Role};
use passerelle_core::actions::{Actor, Who};
use passerelle_core::error::{NodeError, Refusal};
use passerelle_core::node::Node;
use passerelle_core::sessions;

/// The page routes anyone may use without signing in, as (method, path).
/// Every other page route takes a [`Viewer`] (anonymous callers go to the
/// login page) and every other POST a [`CsrfForm`]. `tests/tests/it/web_security/pages.rs`
/// finds every `.route(..)` under `node/web/src/pages/`, checks it against the router
/// and calls each one anonymously and with forged forms: a new route that
/// forgets either fails it, unless it is listed here.
pub const PUBLIC_ROUTES: &[(&str, &str)] = &[
    ("GET", "/static/passerelle.css"),
    ("GET", "/connexion"),
    // No session yet, so no session-bound token: `account::same_origin`.
    ("POST", "/connexion"),
    // The language switch is on the login page too; it only sets a cookie.
    ("GET", "/langue"),
];

/// Every page route, merged into the application.
pub fn routes() -> Router<Node> {
    Router::new()
        .route("/static/passerelle.css", get(stylesheet))
        .merge(account::routes())
        .merge(accounts::routes())
        .merge(service::routes())
        .merge(hub::routes())
        .merge(i18n::routes())
        .layer(middleware::from_fn(error_pages_in_the_language))
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
    /// The language of the page.
    pub locale: Locale,
    /// The header's link to the other language.
    pub switch_href: String,
}

/// Words of a template, in the page's language. Like the template's own
/// text, they are written into the page as they are (a unit test keeps
/// `<`, `>`, `&` and `"` out of the catalog and the French texts); the
/// values put in their placeholders are data, and are escaped.
#[derive(Debug, Clone)]
pub struct Words(std::borrow::Cow<'static, str>);

impl Words {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for Words {}

/// Text made safe for HTML, as askama escapes it.
fn escaped(value: impl std::fmt::Display) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&#38;"),
            '<' => out.push_str("&#60;"),
            '>' => out.push_str("&#62;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Templates translate through their layout: `{{ l.t("Membres") }}`.
impl Layout {
    pub fn t(&self, fr: &'static str) -> Words {
        Words(self.locale.t(fr).into())
    }

    pub fn tc(&self, context: &str, fr: &'static str) -> Words {
        Words(self.locale.tc(context, fr).into())
    }

    pub fn t1(&self, fr: &'static str, name: &str, value: impl std::fmt::Display) -> Words {
        Words(self.locale.t1(fr, name, escaped(value)).into())
    }

    pub fn t2(
        &self,
        fr: &'static str,
        name: &str,
        value: impl std::fmt::Display,
        name2: &str,
        value2: impl std::fmt::Display,
    ) -> Words {
        Words(
            self.locale
                .t2(fr, name, escaped(value), name2, escaped(value2))
                .into(),
        )
    }

    pub fn plural(&self, n: i64, one: &'static str, many: &'static str) -> Words {
        Words(self.locale.plural(n, one, many).into())
    }

    /// The language the switch link offers.
    pub fn other(&self) -> Locale {
        self.locale.other()
    }

    /// The text with its first letter in capitals, the rest untouched
    /// (askama's `capitalize` would lower « December »).
    pub fn cap(&self, text: &str) -> String {
        let mut chars = text.chars();
        chars.next().map_or_else(String::new, |c| {
            c.to_uppercase().collect::<String>() + chars.as_str()
        })
    }
}

/// The menu of a service's node.
fn service_nav(loc: Locale) -> Vec<(&'static str, &'static str)> {
    vec![
        ("/", loc.t("Accueil")),
        ("/propositions", loc.t("Propositions")),
        ("/reunions", loc.t("Réunions")),
        ("/membres", loc.t("Membres")),
        ("/delegues", loc.t("Délégué·es")),
        ("/inter-services", loc.t("Comité inter-services")),
        ("/donnees", loc.t("Vos données")),
    ]
}

/// The menu of the hub.
fn hub_nav(loc: Locale) -> Vec<(&'static str, &'static str)> {
    vec![
        ("/", loc.t("Accueil")),
        ("/services", loc.t("Services")),
        ("/propositions", loc.t("Propositions")),
        ("/sujets", loc.t("Sujets communs")),
        ("/reunions-communes", loc.t("Réunions communes")),
    ]
}

/// A signed-in person looking at a page (no `Debug`: it holds the CSRF token).
#[derive(Clone)]
pub struct Viewer {
    pub account: Account,
    pub csrf: String,
    pub node_name: String,
    pub is_hub: bool,
    /// The language of the pages for this request.
    pub locale: Locale,
    /// The path and query of the page asked for (for the language link).
    pub here: String,
}

impl Viewer {
    /// The layout, with the menu entry `current` (a path) highlighted.
    pub fn layout(&self, current: &str, flash: Option<String>) -> Layout {
        let loc = self.locale;
        let nav = if self.is_hub {
            hub_nav(loc)
        } else {
            service_nav(loc)
        };
        let mut items: Vec<NavItem> = nav
            .into_iter()
            .map(|(href, label)| NavItem {
                href,
                label,
                current: href == current,
            })
            .collect();
        if self.is_admin() {
            items.push(NavItem {
                href: "/comptes",
                label: loc.t("Comptes"),
                current: current == "/comptes",
            });
        }
        items.push(NavItem {
            href: "/mot-de-passe",
            label: loc.t("Mon mot de passe"),
            current: current == "/mot-de-passe",
        });
        Layout {
            node_name: self.node_name.clone(),
            username: Some(self.account.username.clone()),
            csrf: self.csrf.clone(),
            nav: items,
            flash,
            locale: loc,
            switch_href: i18n::switch_href(loc.other(), &self.here),
        }
    }

    /// Refuses a person whose role is not in `roles`, with a page that says so.
    /// A page for `who` (the core's role policy): another kind of node's
    /// page is not found here; another role's is forbidden.
    pub fn require(&self, who: Who) -> Result<(), PageError> {
        if !who.fits(self.is_hub) {
            return Err(PageError::NotFound);
        }
        who.check_role(&self.actor())
            .map_err(|_| PageError::Forbidden)
    }

    /// The person viewing, for the core's actions.
    pub fn actor(&self) -> Actor {
        Actor::new(self.account.clone())
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.account.role, Role::Admin | Role::Coordinator)
    }
}

/// The CSRF token of a session: derived from it, never stored.
pub fn csrf_for(session_token: &str) -> String {
    Hash::of(format!("passerelle-csrf:{session_token}").as_bytes()).to_string()
}

/// Someone looking at a page, signed in or not: the language and the
/// address of the page.
#[derive(Debug, Clone)]
pub struct Guest {
    pub locale: Locale,
    pub here: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Guest {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Guest {
            locale: Locale::of_request(&parts.headers),
            here: here(parts),
        })
    }
}

/// The page a person is on, for the language link: the path and query of
/// a GET. A form sent with POST may come back as a page (with its errors)
/// at an address that only takes POST: the link then leads back to the
/// page the form was on (its `Referer`, when it is ours), else home.
fn here(parts: &Parts) -> String {
    if parts.method == axum::http::Method::GET {
        return parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned());
    }
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    parts
        .headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            (Some(authority) == host && path.starts_with('/')).then(|| path.to_owned())
        })
        .unwrap_or_else(|| "/".to_owned())
}

/// A layout for people who are not signed in.
pub fn anonymous_layout(node: &Node, guest: &Guest) -> Layout {
    Layout {
        node_name: node.config.name.clone(),
        username: None,
        csrf: String::new(),
        nav: Vec::new(),
        flash: None,
        locale: guest.locale,
        switch_href: i18n::switch_href(guest.locale.other(), &guest.here),
    }
}

/// Where to go back to after login or a change of language: a path of
/// this node only (no open redirect). The text is read as a URL against
/// this node's own address, as a browser would read it (`/\\evil`, `//evil`
/// and `/%2F/evil` lead elsewhere, so home instead); the path, query and
/// fragment of the result are kept. Control characters (a tab, CR, LF,
/// which browsers drop or which would split the `Location` header) are
/// refused outright: [`PageError::BadAddress`], a 400.
pub fn safe_next(next: &str) -> Result<String, PageError> {
    if next.chars().any(char::is_control) {
        return Err(PageError::BadAddress);
    }
    const HERE: &str = "http://passerelle.invalid/";
    let home = || "/".to_owned();
    if !next.starts_with('/') {
        return Ok(home());
    }
    let Ok(base) = url::Url::parse(HERE) else {
        return Ok(home());
    };
    match base.join(next) {
        Ok(url) if url.origin() == base.origin() && url.path().starts_with('/') => {
            let kept = &url[url::Position::BeforePath..];
            // A path that a browser would read as another host's.
            if kept.starts_with("//") || kept.contains('\\') {
                Ok(home())
            } else {
                Ok(kept.to_owned())
            }
        }
        _ => Ok(home()),
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
            // A first password opens nothing but its change (and logging out).
            Ok(Some(account))
                if account.must_change_password
                    && !matches!(parts.uri.path(), "/mot-de-passe" | "/deconnexion") =>
            {
                Err(Redirect::to("/mot-de-passe").into_response())
            }
            Ok(Some(account)) => Ok(Viewer {
                account,
                csrf: csrf_for(&token),
                node_name: node.config.name.clone(),
                is_hub: node.is_hub(),
                locale: Locale::of_request(&parts.headers),
                here: here(parts),
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
        let bytes = axum::body::to_bytes(body, passerelle_core::wire::MAX_BODY_BYTES)
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
    /// A return address (`retour`, `suite`) with control characters.
    BadAddress,
    Refused(String),
    Internal(String),
    /// The node cannot store anything right now (full disk, read-only database).
    Unavailable(String),
}

impl From<NodeError> for PageError {
    fn from(e: NodeError) -> Self {
        if e.storage_problem().is_some() {
            return PageError::Unavailable(e.to_string());
        }
        match e.refusal() {
            Some(Refusal::NotFound) => PageError::NotFound,
            Some(Refusal::Forbidden) => PageError::Forbidden,
            _ if e.is_internal() => PageError::Internal(e.to_string()),
            _ => PageError::Refused(e.public_message()),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    title: &'static str,
    explanation: String,
}

/// What an error page says: its status, title and explanation.
fn error_words(e: &PageError, loc: Locale) -> (StatusCode, &'static str, String) {
    match e {
        PageError::NotFound => (StatusCode::NOT_FOUND, loc.t("Page introuvable"), loc.t("Cette page n'existe pas, ou plus.").to_owned()),
        PageError::Forbidden => (StatusCode::FORBIDDEN, loc.t("Accès refusé"), loc.t("Votre compte ne permet pas de faire cela. Demandez à la personne qui s'occupe de Passerelle.").to_owned()),
        PageError::Csrf => (StatusCode::FORBIDDEN, loc.t("Formulaire expiré"), loc.t("Ce formulaire a expiré. Revenez en arrière, rechargez la page et recommencez.").to_owned()),
        PageError::BadForm => (StatusCode::BAD_REQUEST, loc.t("Formulaire illisible"), loc.t("Le formulaire envoyé est incomplet. Revenez en arrière et recommencez.").to_owned()),
        PageError::BadAddress => (StatusCode::BAD_REQUEST, loc.t("Adresse refusée"), loc.t("L'adresse de retour de ce lien contient des caractères de contrôle. Passerelle ne mène qu'à ses propres pages : revenez à l'accueil.").to_owned()),
        PageError::Refused(why) => (StatusCode::UNPROCESSABLE_ENTITY, loc.t("Ce n'est pas possible"), why.clone()),
        PageError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, loc.t("Un problème est survenu"), loc.t("Réessayez dans un moment. Si le problème continue, prévenez la personne qui s'occupe de Passerelle.").to_owned()),
        PageError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, loc.t("Enregistrement impossible pour le moment"), loc.t("Passerelle ne peut rien enregistrer en ce moment : le disque de cet ordinateur est plein, ou sa base de données n'accepte plus de changements. Rien n'a été modifié. Prévenez la personne qui s'occupe de Passerelle, puis réessayez.").to_owned()),
    }
}

/// The error page in a language.
fn error_page(e: &PageError, loc: Locale) -> Response {
    let (status, title, explanation) = error_words(e, loc);
    let page = ErrorPage {
        l: Layout {
            node_name: String::new(),
            username: None,
            csrf: String::new(),
            nav: Vec::new(),
            flash: None,
            locale: loc,
            switch_href: String::new(),
        },
        title,
        explanation,
    };
    let html = askama::Template::render(&page).unwrap_or_else(|_| title.to_owned());
    (status, Html(html)).into_response()
}

/// An error page remembers its error, so that
/// [`error_pages_in_the_language`] can say it in the person's language.
#[derive(Debug, Clone)]
struct ShownError(std::sync::Arc<PageError>);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match &self {
            PageError::Internal(why) => tracing::error!(error = %why, "page failed"),
            PageError::Unavailable(why) => {
                tracing::error!(error = %why, "page failed: storage unavailable")
            }
            _ => {}
        }
        // In French here (the error is made far from the request); the
        // layer below says it again in the person's language.
        let mut response = error_page(&self, Locale::Fr);
        response
            .extensions_mut()
            .insert(ShownError(std::sync::Arc::new(self)));
        response
    }
}

/// Error pages in the language of the request (see [`ShownError`]).
async fn error_pages_in_the_language(req: Request, next: Next) -> Response {
    let locale = Locale::of_request(req.headers());
    let response = next.run(req).await;
    match response.extensions().get::<ShownError>() {
        Some(shown) if locale != Locale::Fr => error_page(&shown.0, locale),
        _ => response,
    }
}

/// Redirects after a successful form, with a message shown once. A
/// fragment (`#ordre-du-jour`) stays last, after the message.
///
/// The message travels in the address (`ok=`) with its seal (`sceau=`, an
/// HMAC under a key derived from the node's secret key, so that every
/// process of one hub shares it; see [`seal_notices_with`]): a page shows a
/// notice only if this node wrote it, so a link cannot make a page show
/// someone else's words as an official green notice ([`Flash`]).
pub fn done(to: &str, message: &str) -> Response {
    Redirect::to(&done_location(to, message)).into_response()
}

fn done_location(to: &str, message: &str) -> String {
    let (path, fragment) = to.split_once('#').unwrap_or((to, ""));
    let sep = if path.contains('?') { '&' } else { '?' };
    let seal = notice_seal(message);
    let query = serde_urlencoded::to_string([("ok", message), ("sceau", seal.as_str())])
        .unwrap_or_default();
    let fragment = if fragment.is_empty() {
        String::new()
    } else {
        format!("#{fragment}")
    };
    format!("{path}{sep}{query}{fragment}")
}

/// The key notices are sealed with, once chosen for the process.
static NOTICE_KEY: std::sync::OnceLock<[u8; 64]> = std::sync::OnceLock::new();

/// Seals notices with a key derived from `node`'s secret key (the first
/// node served in the process chooses it): every process serving the same
/// node shows the notices the others wrote. Called by `app()`.
pub fn seal_notices_with(node: &Node) {
    use sha2::{Digest, Sha256};
    NOTICE_KEY.get_or_init(|| {
        let secret = node.keys.to_pkcs8_pem().unwrap_or_default();
        notice_key_from(&Sha256::digest(
            format!("passerelle-notices:{secret}").as_bytes(),
        ))
    });
}

fn notice_key_from(material: &[u8]) -> [u8; 64] {
    use sha2::{Digest, Sha256};
    let mut key = [0u8; 64];
    key[..32].copy_from_slice(&Sha256::digest(material));
    key
}

/// The seal of a notice: HMAC-SHA-256 under the notice key, in hexadecimal
/// (the first 16 bytes). Without a node (unit tests), a key drawn at random.
fn notice_seal(message: &str) -> String {
    use sha2::{Digest, Sha256};
    let key = NOTICE_KEY.get_or_init(|| {
        // Two nonces of 16 random bytes each.
        let drawn = format!(
            "{}{}",
            passerelle_protocol::request::new_nonce().unwrap_or_default(),
            passerelle_protocol::request::new_nonce().unwrap_or_default()
        );
        notice_key_from(drawn.as_bytes())
    });
    let pad = |byte: u8| key.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message.as_bytes())
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    outer[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The one-time message carried by [`done`]: shown only when its seal is
/// this node's (else no notice at all, whatever the address says).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(from = "SealedFlash")]
pub struct Flash {
    pub ok: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct SealedFlash {
    ok: Option<String>,
    sceau: Option<String>,
}

impl From<SealedFlash> for Flash {
    fn from(f: SealedFlash) -> Flash {
        let ok = match (f.ok, f.sceau) {
            (Some(ok), Some(seal)) if notice_seal(&ok) == seal => Some(ok),
            _ => None,
        };
        Flash { ok }
    }
}

pub use passerelle_core::clock::{brussels, brussels_offset};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_dates_in_belgian_time() {
        // 2030-12-10T08:30:00Z is 9 h 30 in Brussels (winter time).
        assert_eq!(
            Locale::Fr.datetime(1_923_121_800),
            "le 10 décembre 2030 à 9 h 30"
        );
        // 2030-07-01T07:00:00Z is 9 h in Brussels (summer time).
        assert_eq!(
            Locale::Fr.datetime(1_909_119_600),
            "le 1er juillet 2030 à 9 h"
        );
    }

    #[test]
    fn the_message_goes_before_the_fragment() {
        let seal = notice_seal("c'est fait");
        assert_eq!(
            done_location("/x#y", "c'est fait"),
            format!("/x?ok=c%27est+fait&sceau={seal}#y")
        );
        assert!(done_location("/x?a=1", "ok").starts_with("/x?a=1&ok=ok&sceau="));
    }

    /// A notice is shown only if this node wrote it: text put in the
    /// address by anyone else (no seal, another message's seal, a seal of
    /// another process) shows nothing.
    #[test]
    fn notices_are_shown_only_with_their_seal() {
        let flash = |query: &str| -> Option<String> {
            serde_urlencoded::from_str::<Flash>(query).unwrap().ok
        };
        let written = done_location("/", "Le membre est ajouté.");
        let query = written.split_once('?').unwrap().1;
        assert_eq!(flash(query).as_deref(), Some("Le membre est ajouté."));
        assert_eq!(flash("ok=Votre+compte+est+bloqu%C3%A9"), None);
        let other_seal = notice_seal("Le membre est ajouté.");
        assert_eq!(
            flash(&format!("ok=Appelez+le+0800&sceau={other_seal}")),
            None
        );
        assert_eq!(flash("ok=x&sceau=00000000000000000000000000000000"), None);
        assert_eq!(flash(""), None);
    }

    #[test]
    fn the_language_link_of_a_posted_form_leads_back_to_its_page() {
        let parts = |method: &str, referer: &str| {
            let mut req = axum::http::Request::builder()
                .method(method)
                .uri("/reunions-communes/x/ajouter")
                .header(header::HOST, "127.0.0.1:8080");
            if !referer.is_empty() {
                req = req.header(header::REFERER, referer);
            }
            req.body(()).unwrap().into_parts().0
        };
        assert_eq!(here(&parts("GET", "")), "/reunions-communes/x/ajouter");
        assert_eq!(
            here(&parts(
                "POST",
                "http://127.0.0.1:8080/reunions-communes/x?ok=1"
            )),
            "/reunions-communes/x?ok=1"
        );
        assert_eq!(here(&parts("POST", "https://ailleurs.example/x")), "/");
        assert_eq!(here(&parts("POST", "")), "/");
    }

    #[test]
    fn csrf_depends_on_the_session() {
        assert_ne!(csrf_for("a"), csrf_for("b"));
        assert_eq!(csrf_for("a"), csrf_for("a"));
    }
}
