//! The services' shared proposals, gathered: a filter, counts, a printable
//! list, and the same list as a spreadsheet file.

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{
    guard, origin_label, service_label, status_from, status_label, support_words, theme_from,
    theme_label, Choice, STATUSES, THEMES,
};
use crate::pages::{render, Layout, Locale, PageError, Viewer};
use passerelle_core::actions::hub;
use passerelle_core::domain::federated::enum_text;
use passerelle_core::domain::hub::{AggregatedProposal, Count, ProposalFilter, ProposalSort};
use passerelle_core::node::Node;

/// The filter as the form sends it (`GET /propositions?theme=…`). Every
/// field is text, so that a strange value is ignored instead of breaking
/// the page.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
struct FilterForm {
    theme: String,
    etat: String,
    service: String,
    mots: String,
    tri: String,
    retirees: String,
    /// The page of the list, from 1.
    page: String,
    ok: Option<String>,
}

/// Proposals shown on one page: a region's hub holds tens of thousands,
/// and a page is read on old phones too. The CSV has them all.
const PAGE_SIZE: u32 = 50;

impl FilterForm {
    fn parse(raw: Option<&str>) -> FilterForm {
        serde_urlencoded::from_str(raw.unwrap_or_default()).unwrap_or_default()
    }

    /// The page asked for (1 for anything that is not a page number).
    fn page(&self) -> u32 {
        self.page
            .trim()
            .parse()
            .ok()
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }

    fn sort(&self) -> ProposalSort {
        match self.tri.as_str() {
            "recentes" => ProposalSort::Recent,
            "titre" => ProposalSort::Title,
            _ => ProposalSort::Support,
        }
    }

    fn filter(&self) -> ProposalFilter {
        ProposalFilter {
            theme: theme_from(&self.theme),
            status: status_from(&self.etat),
            service: Some(self.service.trim().to_owned()).filter(|s| !s.is_empty()),
            text: Some(self.mots.trim().to_owned()).filter(|s| !s.is_empty()),
            include_withdrawn: self.retirees == "oui",
            sort: self.sort(),
        }
    }

    /// The same filter as a clean query string (for the CSV link).
    fn query(&self) -> String {
        let f = self.filter();
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(t) = f.theme {
            pairs.push(("theme", enum_text(&t)));
        }
        if let Some(s) = f.status {
            pairs.push(("etat", enum_text(&s)));
        }
        if let Some(s) = f.service {
            pairs.push(("service", s));
        }
        if let Some(m) = f.text {
            pairs.push(("mots", m));
        }
        match f.sort {
            ProposalSort::Support => {}
            ProposalSort::Recent => pairs.push(("tri", "recentes".into())),
            ProposalSort::Title => pairs.push(("tri", "titre".into())),
        }
        if f.include_withdrawn {
            pairs.push(("retirees", "oui".into()));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// A proposal, in words.
struct Item {
    title: String,
    service: String,
    theme: &'static str,
    status: &'static str,
    support: String,
    description: String,
    origin: &'static str,
    tags: String,
    answer: Option<String>,
    subject: Option<(String, String)>,
    withdrawn: bool,
    updated: String,
    /// The services backing it (its origin left out): (name, their word).
    supporters: Vec<(String, String)>,
}

/// One line of a small count table.
struct CountRow {
    label: String,
    count: i64,
}

#[derive(askama::Template)]
#[template(path = "hub_proposals.html")]
struct ProposalsPage {
    l: Layout,
    themes: Vec<Choice>,
    statuses: Vec<Choice>,
    services: Vec<Choice>,
    sorts: Vec<Choice>,
    words: String,
    withdrawn: bool,
    filtered: bool,
    /// The filters in words (printed above the list).
    summary: String,
    total: i64,
    total_words: String,
    by_theme: Vec<CountRow>,
    by_status: Vec<CountRow>,
    by_service: Vec<CountRow>,
    items: Vec<Item>,
    /// The number of the first item shown (for the list's numbering).
    first: i64,
    /// "Propositions 51 à 100 sur 6 250", when there is more than one page.
    range_words: Option<String>,
    previous_href: Option<String>,
    next_href: Option<String>,
    csv_href: String,
}

/// The address of page `page` of the list with this filter.
fn page_href(query: &str, page: u32) -> String {
    match (query.is_empty(), page) {
        (true, 1) => "/propositions".to_owned(),
        (true, _) => format!("/propositions?page={page}"),
        (false, 1) => format!("/propositions?{query}"),
        (false, _) => format!("/propositions?{query}&page={page}"),
    }
}

fn answer_words(p: &AggregatedProposal, loc: Locale) -> Option<String> {
    p.answer.as_ref().map(|a| {
        loc.t2(
            "Réponse de la direction ({date}) : {texte}",
            "date",
            loc.date(a.date.inner()),
            "texte",
            a.text.or_empty(),
        )
    })
}

/// `GET /propositions` on a hub (the route belongs to the service pages,
/// which call this with the raw query string).
pub async fn proposals(
    node: Node,
    viewer: Viewer,
    query: Option<String>,
) -> Result<Response, PageError> {
    guard(&viewer)?;
    let loc = viewer.locale;
    let form = FilterForm::parse(query.as_deref());
    let filter = form.filter();
    let actor = viewer.actor();
    let counts = hub::counts(&node, &actor, &filter).await?;
    let pages = u32::try_from((counts.total + i64::from(PAGE_SIZE) - 1) / i64::from(PAGE_SIZE))
        .unwrap_or(u32::MAX)
        .max(1);
    let page = form.page().min(pages);
    let offset = (page - 1).saturating_mul(PAGE_SIZE);
    let list = hub::proposals_page(&node, &actor, &filter, offset, PAGE_SIZE).await?;
    let names = hub::service_names(&node, &actor).await?;
    let subjects = hub::subject_titles(&node, &actor).await?;
    let name_of = |id: &str| service_label(id, names.get(id).map(String::as_str));

    let choice = |value: String, label: String, selected: bool| Choice {
        value,
        label,
        selected,
    };
    let mut themes = vec![choice(
        String::new(),
        loc.t("Tous les thèmes").into(),
        filter.theme.is_none(),
    )];
    themes.extend(THEMES.iter().map(|t| {
        choice(
            enum_text(t),
            theme_label(*t, loc).into(),
            filter.theme == Some(*t),
        )
    }));
    let mut statuses = vec![choice(
        String::new(),
        loc.t("Tous les états").into(),
        filter.status.is_none(),
    )];
    statuses.extend(STATUSES.iter().map(|s| {
        choice(
            enum_text(s),
            status_label(*s, loc).into(),
            filter.status == Some(*s),
        )
    }));
    let mut services = vec![choice(
        String::new(),
        loc.t("Tous les services").into(),
        filter.service.is_none(),
    )];
    services.extend(names.iter().map(|(id, name)| {
        choice(
            id.clone(),
            name.clone(),
            filter.service.as_deref() == Some(id.as_str()),
        )
    }));
    let sort = filter.sort;
    let sorts = vec![
        choice(
            "soutien".into(),
            loc.t("Les plus soutenues d'abord").into(),
            sort == ProposalSort::Support,
        ),
        choice(
            "recentes".into(),
            loc.t("Les plus récentes d'abord").into(),
            sort == ProposalSort::Recent,
        ),
        choice(
            "titre".into(),
            loc.t("Par titre, de A à Z").into(),
            sort == ProposalSort::Title,
        ),
    ];

    let mut summary = Vec::new();
    if let Some(t) = filter.theme {
        summary.push(loc.t1("thème « {theme} »", "theme", theme_label(t, loc)));
    }
    if let Some(s) = filter.status {
        summary.push(loc.t1("état « {etat} »", "etat", status_label(s, loc)));
    }
    if let Some(s) = &filter.service {
        summary.push(loc.t1("service « {service} »", "service", name_of(s)));
    }
    if let Some(m) = &filter.text {
        summary.push(loc.t1("mots « {mots} »", "mots", m));
    }
    if filter.include_withdrawn {
        summary.push(loc.t("propositions retirées comprises").into());
    }
    let filtered = !summary.is_empty();
    let summary = if filtered {
        loc.t1("Recherche : {filtres}.", "filtres", summary.join(", "))
    } else {
        loc.t("Toutes les propositions partagées par les services.")
            .to_owned()
    };

    let row = |label: String, c: &Count| CountRow {
        label,
        count: c.count,
    };
    let by_theme = counts
        .by_theme
        .iter()
        .map(|c| {
            row(
                theme_from(&c.key).map_or(c.key.clone(), |t| theme_label(t, loc).into()),
                c,
            )
        })
        .collect();
    let by_status = counts
        .by_status
        .iter()
        .map(|c| {
            row(
                status_from(&c.key).map_or(c.key.clone(), |s| status_label(s, loc).into()),
                c,
            )
        })
        .collect();
    let by_service = counts
        .by_service
        .iter()
        .map(|c| row(name_of(&c.key), c))
        .collect();

    let items = list
        .iter()
        .map(|p| Item {
            title: p.title.clone(),
            service: service_label(&p.service_id, p.service_name.as_deref()),
            theme: theme_label(p.theme, loc),
            status: status_label(p.status, loc),
            support: support_words(p.support, loc),
            description: p.description.clone(),
            origin: origin_label(p.origin, loc),
            tags: p.tags.join(", "),
            answer: answer_words(p, loc),
            subject: p.subject.map(|s| {
                (
                    format!("/sujets/{s}"),
                    subjects
                        .get(&s)
                        .cloned()
                        .unwrap_or_else(|| loc.t("sans titre").into()),
                )
            }),
            withdrawn: p.withdrawn,
            updated: loc.datetime(p.updated_at),
            supporters: p
                .supporters
                .iter()
                .map(|s| {
                    (
                        service_label(&s.service_id, s.service_name.as_deref()),
                        s.comment.clone().unwrap_or_default(),
                    )
                })
                .collect(),
        })
        .collect();
    let query = form.query();
    let first = i64::from(offset) + 1;
    let last = i64::from(offset) + list.len() as i64;
    let range_words = (pages > 1).then(|| {
        loc.tf(
            "Propositions {premiere} à {derniere} sur {total} (page {page} sur {pages}).",
            &[
                ("premiere", &first),
                ("derniere", &last),
                ("total", &counts.total),
                ("page", &page),
                ("pages", &pages),
            ],
        )
    });
    render(&ProposalsPage {
        l: viewer.layout("/propositions", form.ok.clone()),
        themes,
        statuses,
        services,
        sorts,
        words: form.mots.clone(),
        withdrawn: filter.include_withdrawn,
        filtered,
        summary,
        total: counts.total,
        total_words: loc.plural(counts.total, "1 proposition", "{n} propositions"),
        by_theme,
        by_status,
        by_service,
        items,
        first,
        range_words,
        previous_href: (page > 1).then(|| page_href(&query, page - 1)),
        next_href: (page < pages).then(|| page_href(&query, page + 1)),
        csv_href: if query.is_empty() {
            "/propositions.csv".to_owned()
        } else {
            format!("/propositions.csv?{query}")
        },
    })
}

// ---------------------------------------------------------------------------
// CSV.

/// The separator of the spreadsheet file. RFC 4180 says `,`, but
/// spreadsheet software set up for Belgium (French or Dutch) uses `,` as the
/// decimal mark and expects `;` between columns: a file with `;` opens in
/// columns there with a double click, which is how coordinators will open
/// it. LibreOffice asks, and accepts both. Everything else follows RFC 4180
/// (quotes doubled, CRLF between records, a header row).
const SEPARATOR: char = ';';

/// One cell: quoted when it holds the separator, a quote, a line break or
/// spaces at its ends. Text that a spreadsheet would run as a formula
/// (`=`, `+`, `-`, `@` first) gets a leading `'`: these texts come from
/// other services, and opening a file must never run anything.
fn csv_cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    let needs_quotes = guarded.contains([SEPARATOR, '"', '\n', '\r'])
        || guarded.starts_with(' ')
        || guarded.ends_with(' ');
    if needs_quotes {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// Rows as CSV text (no byte order mark: [`csv_download`] adds it).
fn csv_table(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(&SEPARATOR.to_string()));
        out.push_str("\r\n");
    }
    out
}

/// `GET /propositions.csv?…` — the list with the same filter, for a spreadsheet.
pub async fn csv_download(
    State(node): State<Node>,
    viewer: Viewer,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    guard(&viewer)?;
    let loc = viewer.locale;
    let filter = FilterForm::parse(query.as_deref()).filter();
    let actor = viewer.actor();
    let list = hub::proposals(&node, &actor, &filter).await?;
    let subjects = hub::subject_titles(&node, &actor).await?;
    let mut rows = vec![[
        loc.t("Service"),
        loc.t("Titre"),
        loc.t("Description"),
        loc.t("Thème"),
        loc.t("État"),
        loc.t("Soutenue par (nombre de services)"),
        loc.t("Services qui la soutiennent, avec leur mot"),
        loc.t("Sujet commun"),
        loc.t("Origine"),
        loc.t("Réponse de la direction"),
        loc.t("Date de la réponse"),
        loc.t("Mots-clés"),
        loc.t("Dernier changement"),
        loc.t("Retirée par son service"),
        loc.t("Identifiant du service"),
        loc.t("Identifiant de la proposition"),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect::<Vec<_>>()];
    for p in &list {
        rows.push(vec![
            service_label(&p.service_id, p.service_name.as_deref()),
            p.title.clone(),
            p.description.clone(),
            theme_label(p.theme, loc).to_owned(),
            status_label(p.status, loc).to_owned(),
            p.support.to_string(),
            supporters_cell(p),
            p.subject
                .and_then(|s| subjects.get(&s).cloned())
                .unwrap_or_default(),
            origin_label(p.origin, loc).to_owned(),
            p.answer
                .as_ref()
                .map(|a| a.text.or_empty().to_owned())
                .unwrap_or_default(),
            p.answer
                .as_ref()
                .map(|a| a.date.to_string())
                .unwrap_or_default(),
            p.tags.join(", "),
            local_time(p.updated_at),
            if p.withdrawn {
                loc.tc("tableur", "oui")
            } else {
                loc.tc("tableur", "non")
            }
            .to_owned(),
            p.service_id.clone(),
            p.proposal_id.hyphenated().to_string(),
        ]);
    }
    let body = format!("\u{feff}{}", csv_table(&rows));
    let today = time::OffsetDateTime::now_utc().date();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    loc.t1("propositions-{date}.csv", "date", today)
                ),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// The supporters in one cell, one line each: « Service : mot ».
fn supporters_cell(p: &AggregatedProposal) -> String {
    p.supporters
        .iter()
        .map(|s| {
            let name = service_label(&s.service_id, s.service_name.as_deref());
            match s.comment.as_deref() {
                Some(word) => format!("{name} : {word}"),
                None => name,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// "2030-12-10 09:30" in Belgian time: a form spreadsheets read as a date.
fn local_time(unix: i64) -> String {
    let Ok(utc) = time::OffsetDateTime::from_unix_timestamp(unix) else {
        return String::new();
    };
    let local = utc.to_offset(passerelle_core::clock::brussels_offset(utc));
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let text = csv_table(&[
            row(&["Service", "Titre"]),
            row(&["SSM « La Pioche »", "Un café; du thé"]),
            row(&["A", "Il a dit \"oui\""]),
            row(&["B", "ligne 1\nligne 2"]),
            row(&["C", "=SOMME(A1:A2)"]),
            row(&["D", " espace", ""]),
        ]);
        assert_eq!(
            text,
            "Service;Titre\r\n\
             SSM « La Pioche »;\"Un café; du thé\"\r\n\
             A;\"Il a dit \"\"oui\"\"\"\r\n\
             B;\"ligne 1\nligne 2\"\r\n\
             C;'=SOMME(A1:A2)\r\n\
             D;\" espace\";\r\n"
        );
        // Commas need no quotes with `;` between columns.
        assert_eq!(csv_cell("un, deux"), "un, deux");
        assert_eq!(csv_cell("-2"), "'-2");
    }

    #[test]
    fn the_filter_survives_a_round_trip() {
        let form = FilterForm::parse(Some(
            "theme=well_being&etat=refused&service=ssm-a&mots=caf%C3%A9&tri=titre&retirees=oui&ok=x",
        ));
        let f = form.filter();
        assert_eq!(f.theme, Some(passerelle_protocol::body::Theme::WellBeing));
        assert_eq!(f.sort, ProposalSort::Title);
        assert!(f.include_withdrawn);
        assert_eq!(
            form.query(),
            "theme=well_being&etat=refused&service=ssm-a&mots=caf%C3%A9&tri=titre&retirees=oui"
        );
        // Strange values are ignored, not refused.
        let odd = FilterForm::parse(Some("theme=nope&tri=%%%"));
        assert_eq!(odd.filter(), ProposalFilter::default());
        assert_eq!(local_time(1_923_121_800), "2030-12-10 09:30");
    }
}
