//! The languages of the pages: French first, English second.
//!
//! French is the source of truth: pages and labels are written in French,
//! in the templates and the code, where they are used. English lives in
//! one catalog, `node/web/locales/en.toml`, keyed by the French text exactly
//! (as gettext does), so that a page reads naturally to whoever writes it
//! and a translator works in one file without reading Rust. Texts are
//! looked up with [`Locale::t`] (and its siblings for contexts and
//! placeholders), in the code as in the templates (`{{ l.t("Membres") }}`).
//! A text missing from the catalog shows in French, never as a hole; the
//! unit test `every_text_has_its_english` lists every French text without
//! English (and every English entry no longer used), so a missing
//! translation never reaches a release.
//!
//! Placeholders are named, `{n}` or `{name}`, the same in both languages:
//! word order may differ, values never need translating.
//!
//! The locale of a request is, in this order: the person's own choice (the
//! « English » / « Français » link in every page's header, a plain link
//! kept in the `passerelle_langue` cookie: no script needed), else the
//! browser's `Accept-Language`, else French. The JSON API does not use
//! any of this: its codes are the contract.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::sync::LazyLock;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use passerelle_core::node::Node;

/// The cookie that keeps the person's choice of language.
pub const COOKIE: &str = "passerelle_langue";

/// A year: a choice of language is kept that long.
const COOKIE_MAX_AGE: i64 = 365 * 86_400;

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    /// French: the default, and the words of the code and templates.
    #[default]
    Fr,
    /// English, from `node/web/locales/en.toml`.
    En,
}

/// The English catalog: plain texts, and texts that need a context (a
/// table in the file) because one French word has two English ones.
#[derive(Debug, Default)]
struct Catalog {
    plain: BTreeMap<String, String>,
    contexts: BTreeMap<String, BTreeMap<String, String>>,
}

/// The catalog's text, as compiled into the binary.
const EN_TOML: &str = include_str!("../../locales/en.toml");

static EN: LazyLock<Catalog> = LazyLock::new(|| match parse_catalog(EN_TOML) {
    Ok(c) => c,
    Err(e) => {
        // A unit test reads the same file: this cannot ship. Pages then
        // show in French rather than not at all.
        tracing::error!(error = %e, "the English catalog is unreadable");
        Catalog::default()
    }
});

/// Reads a catalog: `"français" = "English"` lines, and `[context]`
/// tables of the same.
fn parse_catalog(text: &str) -> Result<Catalog, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut catalog = Catalog::default();
    for (key, value) in table {
        match value {
            toml::Value::String(s) => {
                catalog.plain.insert(key, s);
            }
            toml::Value::Table(t) => {
                let mut entries = BTreeMap::new();
                for (k, v) in t {
                    match v {
                        toml::Value::String(s) => {
                            entries.insert(k, s);
                        }
                        _ => return Err(format!("[{key}] « {k} » is not a text")),
                    }
                }
                catalog.contexts.insert(key, entries);
            }
            _ => return Err(format!("« {key} » is not a text")),
        }
    }
    Ok(catalog)
}

/// Puts values in the named placeholders (`{n}`) of `text`, in one pass:
/// a value that holds braces is never read again.
fn fill(text: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let named = after.find('}').and_then(|close| {
            let name = &after[..close];
            args.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (close, *v))
        });
        match named {
            Some((close, value)) => {
                out.push_str(&value.to_string());
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

const FRENCH_MONTHS: [&str; 12] = super::FRENCH_MONTHS;

pub(super) const ENGLISH_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Locale {
    /// Both languages, French first.
    pub const ALL: [Locale; 2] = [Locale::Fr, Locale::En];

    /// The language's code, for `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }

    /// The language's name, in itself (for the switch link).
    pub fn name(self) -> &'static str {
        match self {
            Locale::Fr => "Français",
            Locale::En => "English",
        }
    }

    /// The other language (the one the switch link offers).
    pub fn other(self) -> Locale {
        match self {
            Locale::Fr => Locale::En,
            Locale::En => Locale::Fr,
        }
    }

    pub fn from_code(code: &str) -> Option<Locale> {
        Locale::ALL.into_iter().find(|l| l.code() == code.trim())
    }

    /// The text `fr` in this language.
    pub fn t(self, fr: &'static str) -> &'static str {
        match self {
            Locale::Fr => fr,
            Locale::En => EN.plain.get(fr).map_or(fr, String::as_str),
        }
    }

    /// The text `fr` in this language, where one French word has several
    /// English ones: `context` names the table of the catalog
    /// (`tc("thème", "Accueil")` is « Reception », `t("Accueil")` « Home »).
    pub fn tc(self, context: &str, fr: &'static str) -> &'static str {
        match self {
            Locale::Fr => fr,
            Locale::En => EN
                .contexts
                .get(context)
                .and_then(|c| c.get(fr))
                .map_or(fr, String::as_str),
        }
    }

    /// The text `fr` in this language, with its placeholders filled.
    pub fn tf(self, fr: &'static str, args: &[(&str, &dyn Display)]) -> String {
        fill(self.t(fr), args)
    }

    /// [`Locale::tf`] with one placeholder (handy in templates).
    pub fn t1(self, fr: &'static str, name: &str, value: impl Display) -> String {
        self.tf(fr, &[(name, &value)])
    }

    /// [`Locale::tf`] with two placeholders (handy in templates).
    pub fn t2(
        self,
        fr: &'static str,
        name: &str,
        value: impl Display,
        name2: &str,
        value2: impl Display,
    ) -> String {
        self.tf(fr, &[(name, &value), (name2, &value2)])
    }

    /// `one` when `n` is 1, else `many` with `{n}` filled: « 1 service »,
    /// « 3 services ».
    pub fn plural(self, n: i64, one: &'static str, many: &'static str) -> String {
        if n == 1 {
            fill(self.t(one), &[("n", &n)])
        } else {
            fill(self.t(many), &[("n", &n)])
        }
    }

    fn month(self, month: time::Month) -> &'static str {
        let i = usize::from(u8::from(month)) - 1;
        match self {
            Locale::Fr => FRENCH_MONTHS[i],
            Locale::En => ENGLISH_MONTHS[i],
        }
    }

    /// « 10 décembre 2030 », « 10 December 2030 »; the first of a month
    /// is « 1er janvier 2027 » in French.
    pub fn day(self, date: time::Date) -> String {
        let first = if self == Locale::Fr && date.day() == 1 {
            "er"
        } else {
            ""
        };
        format!(
            "{}{first} {} {}",
            date.day(),
            self.month(date.month()),
            date.year()
        )
    }

    /// « le 10 décembre 2030 », « 10 December 2030 ». English sentences
    /// add their own « on » where they need it (see `en.toml`).
    pub fn date(self, date: time::Date) -> String {
        match self {
            Locale::Fr => format!("le {}", self.day(date)),
            Locale::En => self.day(date),
        }
    }

    /// A time of day: « 9 h 30 », « 9 h »; « 9:30 », « 9:00 ».
    pub fn clock(self, hour: u8, minute: u8) -> String {
        match (self, minute) {
            (Locale::Fr, 0) => format!("{hour} h"),
            (Locale::Fr, m) => format!("{hour} h {m:02}"),
            (Locale::En, m) => format!("{hour}:{m:02}"),
        }
    }

    /// An instant in Belgian time: « le 10 décembre 2030 à 9 h 30 »,
    /// « 10 December 2030 at 9:30 ».
    pub fn datetime(self, unix: i64) -> String {
        let Some(local) = super::brussels(unix) else {
            return String::new();
        };
        let clock = self.clock(local.hour(), local.minute());
        match self {
            Locale::Fr => format!("{} à {clock}", self.date(local.date())),
            Locale::En => format!("{} at {clock}", self.date(local.date())),
        }
    }

    /// The time of day of an instant, in Belgian time.
    pub fn time_of(self, unix: i64) -> String {
        super::brussels(unix).map_or_else(String::new, |l| self.clock(l.hour(), l.minute()))
    }

    /// How long ago: « il y a 3 min », « jamais ».
    pub fn ago(self, then: Option<i64>, now: i64) -> String {
        let Some(then) = then else {
            return self.t("jamais").to_owned();
        };
        let d = (now - then).max(0);
        match d {
            0..=59 => self.t1("il y a {n} s", "n", d),
            60..=3599 => self.t1("il y a {n} min", "n", d / 60),
            3600..=86_399 => self.t1("il y a {n} h", "n", d / 3600),
            _ => self.t1("il y a {n} jours", "n", d / 86_400),
        }
    }

    /// The locale of a request: the cookie, else `Accept-Language`, else
    /// French.
    pub fn of_request(headers: &HeaderMap) -> Locale {
        chosen(headers)
            .or_else(|| {
                headers
                    .get_all(header::ACCEPT_LANGUAGE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find_map(from_accept_language)
            })
            .unwrap_or_default()
    }
}

/// The language chosen with the switch link, from its cookie.
fn chosen(headers: &HeaderMap) -> Option<Locale> {
    crate::cookies::read(headers, COOKIE).and_then(Locale::from_code)
}

/// The first language we speak among those a browser asks for, by
/// preference (`fr-BE,fr;q=0.9,en;q=0.8`): `None` when it asks for none.
pub fn from_accept_language(value: &str) -> Option<Locale> {
    let mut asked: Vec<(u16, usize, Locale)> = Vec::new();
    for (i, part) in value.split(',').enumerate() {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or_default().trim();
        let primary = tag.split('-').next().unwrap_or_default();
        let Some(locale) = Locale::ALL
            .into_iter()
            .find(|l| primary.eq_ignore_ascii_case(l.code()))
        else {
            continue;
        };
        // q in thousandths; a missing or unreadable q counts as 1.
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .next()
            .map_or(1000, |q| {
                q.trim()
                    .parse::<f32>()
                    .map_or(1000, |q| (q.clamp(0.0, 1.0) * 1000.0).round() as u16)
            });
        if q > 0 {
            asked.push((q, i, locale));
        }
    }
    // Highest q first; among equals, the order the browser gave.
    asked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    asked.first().map(|(_, _, l)| *l)
}

impl<S: Send + Sync> FromRequestParts<S> for Locale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Locale::of_request(&parts.headers))
    }
}

/// Where the switch link leads: `/langue?choix=en&retour=/propositions`.
/// The one-time message (`ok=`, with its `sceau=`) is left out: it was
/// written in the other language.
pub fn switch_href(to: Locale, here: &str) -> String {
    let (path, query) = here.split_once('?').unwrap_or((here, ""));
    let kept: Vec<(String, String)> = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != "ok" && k != "sceau")
        .collect();
    let back = if kept.is_empty() {
        path.to_owned()
    } else {
        format!(
            "{path}?{}",
            serde_urlencoded::to_string(&kept).unwrap_or_default()
        )
    };
    let query = serde_urlencoded::to_string([("choix", to.code()), ("retour", back.as_str())])
        .unwrap_or_default();
    format!("/langue?{query}")
}

pub fn routes() -> Router<Node> {
    Router::new().route("/langue", get(switch))
}

#[derive(Debug, Default, Deserialize)]
struct SwitchQuery {
    #[serde(default)]
    choix: String,
    #[serde(default)]
    retour: String,
}

/// `GET /langue?choix=en&retour=/propositions` — keeps the choice in a
/// cookie and goes back to the page. A plain link: no form, no script.
async fn switch(Query(q): Query<SwitchQuery>) -> Result<Response, super::PageError> {
    let locale = Locale::from_code(&q.choix).ok_or(super::PageError::BadForm)?;
    let cookie = format!(
        "{COOKIE}={}; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax; HttpOnly",
        locale.code()
    );
    let back = super::safe_next(&q.retour)?;
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response())
}

#[cfg(test)]
mod tests;
