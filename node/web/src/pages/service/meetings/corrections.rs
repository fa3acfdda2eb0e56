//! Correcting a meeting from its pages: moving it (the meeting's own form
//! again), cancelling or deleting it (each after the confirmation page that
//! says what will happen), a decision corrected or taken back.

use super::changes::{change, meeting_for_change, refuse, Empty};
use super::*;
use crate::pages::confirm::Confirmation;

/// `GET /reunions/{id}/modifier`
pub(in crate::pages::service) async fn edit_form(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = meeting_for_change(&node, &viewer, &id).await?;
    let m = domain::get(&mut *read(&node).await?, id).await?.meeting;
    let (date, time) = passerelle_core::clock::brussels(m.starts_at).map_or_else(
        || (String::new(), String::new()),
        |l| {
            (
                format!("{}-{:02}-{:02}", l.year(), u8::from(l.month()), l.day()),
                format!("{:02}:{:02}", l.hour(), l.minute()),
            )
        },
    );
    render(&NewPage {
        l: viewer.layout("/reunions", None),
        errors: Vec::new(),
        f: NewForm {
            title: m.title,
            date,
            time,
            place: m.place,
            format: m.format,
            in_the_past: String::new(),
        },
        editing: Some(id),
        ask_past: false,
    })
}

/// `POST /reunions/{id}/modifier`
pub(in crate::pages::service) async fn edit(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<NewForm>,
) -> Result<Response, PageError> {
    let id = meeting_for_change(&node, &viewer, &id).await?;
    submit_meeting(&node, &viewer, f, Some(id)).await
}

#[derive(Debug, Default, Deserialize)]
pub(in crate::pages::service) struct CancelForm {
    #[serde(default)]
    raison: String,
}

/// `GET /reunions/{id}/annuler?raison=…` — the question, with what the
/// meeting's page let the person write as the reason.
pub(in crate::pages::service) async fn cancel_form(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(f): Query<CancelForm>,
) -> Result<Response, PageError> {
    let id = meeting_for_change(&node, &viewer, &id).await?;
    let m = domain::get(&mut *read(&node).await?, id).await?.meeting;
    let when = viewer.locale.datetime(m.starts_at);
    let l = viewer.layout("/reunions", None);
    let reason = f.raison.trim().to_owned();
    let mut c = Confirmation::new(
        l.t1("Annuler la réunion « {titre} » ?", "titre", &m.title),
        format!("/reunions/{id}/annuler"),
        l.t("Oui, annuler la réunion"),
        format!("/reunions/{id}"),
        l.t("Non, revenir à la réunion"),
    )
    .lead(l.t1("Elle devait avoir lieu {date}.", "date", when))
    .consequence(l.t("Elle reste dans la liste des réunions, marquée « Annulée »."))
    .consequence(l.t("On ne pourra plus y noter de présences, de procès-verbal ni de décisions."));
    if !reason.is_empty() {
        c = c.consequence(l.t1("La raison notée : {raison}", "raison", &reason));
    }
    c.hidden("raison", reason).render(l)
}

/// `POST /reunions/{id}/annuler`
pub(in crate::pages::service) async fn cancel(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<CancelForm>,
) -> Result<Response, PageError> {
    let id = meeting_for_change(&node, &viewer, &id).await?;
    let loc = viewer.locale;
    let reason = Some(f.raison.trim()).filter(|r| !r.is_empty());
    change(
        &node,
        &viewer,
        id,
        Posted::default(),
        &[(
            "reason",
            "raison",
            loc.t("La raison a au plus 500 caractères."),
        )],
        "gerer",
        loc.t("La réunion est annulée. Elle reste dans la liste, marquée « Annulée »."),
        actions::meetings::cancel(&node, &viewer.actor(), id, reason).await,
    )
    .await
}

/// `GET /reunions/{id}/supprimer`
pub(in crate::pages::service) async fn delete_form(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = meeting_for_change(&node, &viewer, &id).await?;
    let m = domain::get(&mut *read(&node).await?, id).await?.meeting;
    let l = viewer.layout("/reunions", None);
    Confirmation::new(
        l.t1("Supprimer la réunion « {titre} » ?", "titre", &m.title),
        format!("/reunions/{id}/supprimer"),
        l.t("Oui, supprimer la réunion"),
        format!("/reunions/{id}"),
        l.t("Non, revenir à la réunion"),
    )
    .lead(l.t("Vérifiez avant de confirmer : on ne peut pas revenir en arrière."))
    .consequence(l.t("La réunion et son ordre du jour disparaissent de la liste."))
    .consequence(l.t(
        "Si elle a simplement été annulée, annulez-la plutôt : elle restera dans la liste, marquée « Annulée ».",
    ))
    .render(l)
}

/// `POST /reunions/{id}/supprimer`
pub(in crate::pages::service) async fn delete(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let id = meeting_for_change(&node, &viewer, &id).await?;
    let loc = viewer.locale;
    match actions::meetings::delete(&node, &viewer.actor(), id).await {
        Ok(()) => Ok(done("/reunions", loc.t("La réunion est supprimée."))),
        Err(e) => {
            let errors = refusal(e, &[], "gerer", loc)?;
            refuse(&node, &viewer, id, errors, Posted::default()).await
        }
    }
}

/// The decision of the path, checked to be this meeting's.
async fn decision_for_change(
    node: &Node,
    viewer: &Viewer,
    id: &str,
    decision: &str,
) -> Result<(Uuid, domain::Decision), PageError> {
    let id = meeting_for_change(node, viewer, id).await?;
    let decision = path_id(decision)?;
    let d = domain::get(&mut *read(node).await?, id).await?;
    let found = d
        .decisions
        .into_iter()
        .find(|x| x.id == decision)
        .ok_or(PageError::NotFound)?;
    Ok((id, found))
}

/// `POST /reunions/{id}/decisions/{decision}` — a decision corrected.
pub(in crate::pages::service) async fn correct_decision(
    State(node): State<Node>,
    viewer: Viewer,
    Path((id, decision)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<DecisionForm>,
) -> Result<Response, PageError> {
    let (id, decision) = decision_for_change(&node, &viewer, &id, &decision).await?;
    let loc = viewer.locale;
    let proposal = optional_id(&f.proposal).map_err(|_| PageError::BadForm)?;
    let field = format!("decision-{}-text", decision.id);
    if f.text.trim().is_empty() {
        let errors = vec![field_error(&field, loc.t("Écrivez la décision."))];
        return refuse(&node, &viewer, id, errors, Posted::default()).await;
    }
    change(
        &node,
        &viewer,
        id,
        Posted::default(),
        &[(
            "text",
            &field,
            loc.t("La décision a au plus 2000 caractères."),
        )],
        &field,
        loc.t("La décision est corrigée."),
        actions::meetings::correct_decision(
            &node,
            &viewer.actor(),
            id,
            decision.id,
            f.text.trim(),
            proposal,
        )
        .await,
    )
    .await
}

/// `GET /reunions/{id}/decisions/{decision}/retirer`
pub(in crate::pages::service) async fn remove_decision_form(
    State(node): State<Node>,
    viewer: Viewer,
    Path((id, decision)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (id, decision) = decision_for_change(&node, &viewer, &id, &decision).await?;
    let l = viewer.layout("/reunions", None);
    Confirmation::new(
        l.t("Retirer cette décision ?"),
        format!("/reunions/{id}/decisions/{}/retirer", decision.id),
        l.t("Oui, retirer la décision"),
        format!("/reunions/{id}"),
        l.t("Non, revenir à la réunion"),
    )
    .lead(l.t1("La décision : « {texte} »", "texte", &decision.text))
    .consequence(
        l.t("Elle disparaît de la réunion. Faites-le seulement si elle a été notée par erreur."),
    )
    .render(l)
}

/// `POST /reunions/{id}/decisions/{decision}/retirer`
pub(in crate::pages::service) async fn remove_decision(
    State(node): State<Node>,
    viewer: Viewer,
    Path((id, decision)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let (id, decision) = decision_for_change(&node, &viewer, &id, &decision).await?;
    let loc = viewer.locale;
    change(
        &node,
        &viewer,
        id,
        Posted::default(),
        &[],
        "decisions",
        loc.t("La décision est retirée."),
        actions::meetings::remove_decision(&node, &viewer.actor(), id, decision.id).await,
    )
    .await
}
