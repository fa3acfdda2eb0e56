//! "Vos données": what leaves the service, what the inter-service committee
//! keeps and for how long, and how to take it back (SPEC §5.6). The whole
//! committee reads it; administrators also see every text the service sent
//! and erase those of one message, with a reason, after a page that asks
//! to confirm. The service's record says who erased, when and why.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::{is_admin, path_id, refusal, FormErrors};
use crate::pages::{done, render, CsrfForm, FieldError, Flash, Layout, Locale, PageError, Viewer};
use passerelle_core::actions::erasure::{self, SharedMessage};
use passerelle_core::actions::Who;
use passerelle_core::node::Node;
use passerelle_protocol::body::Kind;

#[derive(askama::Template)]
#[template(path = "service_sharing.html")]
struct SharingPage {
    l: Layout,
    is_admin: bool,
    joined: bool,
    messages: Vec<MessageRow>,
    record: Vec<RecordRow>,
}

struct MessageRow {
    id: Uuid,
    what: &'static str,
    sent: String,
    texts: Vec<String>,
    erased: usize,
}

struct RecordRow {
    when: String,
    who: String,
    why: String,
    cause: &'static str,
    texts: i64,
}

/// What a kind of message is, in words (every kind a service sends has
/// its own; the compiler asks for the next one).
fn kind_words(kind: &str, loc: Locale) -> &'static str {
    let Some(kind) = Kind::parse(kind) else {
        return loc.t("Autre message");
    };
    match kind {
        Kind::DelegatesList => loc.t("Liste des délégué·es"),
        Kind::ProposalShared => loc.t("Proposition partagée"),
        Kind::ProposalUpdated => loc.t("Suite d'une proposition partagée"),
        Kind::ProposalWithdrawn => loc.t("Proposition qui n'est plus partagée"),
        Kind::AgendaItemProposed => loc.t("Point proposé pour une réunion inter-services"),
        Kind::SupportGiven => loc.t("Soutien à une proposition"),
        Kind::SupportWithdrawn => loc.t("Soutien retiré"),
        Kind::PositionShared => loc.t("Position du comité, pour une réunion commune"),
        Kind::PositionWithdrawn => loc.t("Position du comité retirée"),
        Kind::FiguresShared => loc.t("Chiffres partagés (des totaux, jamais une personne)"),
        Kind::KeyRotated => loc.t("Changement de la clé de signature"),
        Kind::ContentErased => loc.t("Effacement de textes envoyés"),
        // Sent by the hub only, never by a service.
        Kind::SubjectUpdated
        | Kind::MeetingPublished
        | Kind::MeetingUpdated
        | Kind::MeetingCancelled
        | Kind::MeetingOutcomes
        | Kind::MembersList
        | Kind::KeyRevoked => loc.t("Autre message"),
    }
}

fn cause_words(cause: &str, loc: Locale) -> &'static str {
    match cause {
        "consent_withdrawn" => loc.t("Accord retiré par un·e délégué·e"),
        "administrator" => loc.t("Effacé par un·e administrateur·rice"),
        _ => loc.t("Copie d'un texte effacé"),
    }
}

fn row(m: SharedMessage, loc: Locale) -> MessageRow {
    MessageRow {
        id: m.id,
        what: kind_words(&m.kind, loc),
        sent: loc.datetime(m.sent_at),
        texts: m.texts,
        erased: m.erased,
    }
}

/// `GET /donnees`
pub(super) async fn page(
    State(node): State<Node>,
    viewer: Viewer,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    let loc = viewer.locale;
    let admin = is_admin(&viewer);
    let joined = node.federation().await?.is_some();
    let (messages, record) = if admin {
        let actor = viewer.actor();
        let messages = erasure::shared_messages(&node, &actor)
            .await?
            .into_iter()
            .map(|m| row(m, loc))
            .collect();
        let record = erasure::record(&node, &actor)
            .await?
            .into_iter()
            .map(|e| RecordRow {
                when: loc.datetime(e.at),
                who: e.actor,
                why: e.reason,
                cause: cause_words(&e.cause, loc),
                texts: e.texts,
            })
            .collect();
        (messages, record)
    } else {
        (Vec::new(), Vec::new())
    };
    render(&SharingPage {
        l: viewer.layout("/donnees", flash.ok),
        is_admin: admin,
        joined,
        messages,
        record,
    })
}

#[derive(askama::Template)]
#[template(path = "service_erase.html")]
struct ErasePage {
    l: Layout,
    errors: Vec<FieldError>,
    message: MessageRow,
    reason: String,
}

impl FormErrors for ErasePage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct EraseForm {
    #[serde(default)]
    reason: String,
}

/// One of our messages that still carries texts.
async fn erasable(node: &Node, viewer: &Viewer, id: &str) -> Result<MessageRow, PageError> {
    viewer.require(Who::Admins)?;
    let id = path_id(id)?;
    erasure::shared_messages(node, &viewer.actor())
        .await?
        .into_iter()
        .find(|m| m.id == id && !m.texts.is_empty())
        .map(|m| row(m, viewer.locale))
        .ok_or(PageError::NotFound)
}

/// `GET /donnees/{id}/effacer`
pub(super) async fn erase_form(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let message = erasable(&node, &viewer, &id).await?;
    render(&ErasePage {
        l: viewer.layout("/donnees", None),
        errors: Vec::new(),
        message,
        reason: String::new(),
    })
}

/// `POST /donnees/{id}/effacer`
pub(super) async fn erase(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<EraseForm>,
) -> Result<Response, PageError> {
    let message = erasable(&node, &viewer, &id).await?;
    let loc = viewer.locale;
    let errors = match erasure::erase_message(&node, &viewer.actor(), message.id, &f.reason).await
    {
        Ok(_) => {
            return Ok(done(
                "/donnees",
                loc.t("Les textes sont effacés, ici et dans tout le comité inter-services."),
            ))
        }
        Err(e) => refusal(
            e,
            &[(
                "reason",
                "reason",
                loc.t("Écrivez pourquoi ces textes sont effacés, en 500 caractères au plus. La raison reste dans le registre du service ; les textes, non."),
            )],
            "reason",
            loc,
        )?,
    };
    render(&ErasePage {
        l: viewer.layout("/donnees", None),
        errors,
        message,
        reason: f.reason,
    })
}
