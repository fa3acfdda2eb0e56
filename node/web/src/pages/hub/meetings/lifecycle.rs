//! A joint meeting's life after its draft: publish, change, cancel, and
//! record its outcomes.

use super::*;

#[derive(Debug, Default, Deserialize)]
pub struct Nothing {}

/// `POST /reunions-communes/{id}/publier`
pub async fn publish(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Nothing>,
) -> Result<Response, PageError> {
    let id = target(&viewer, &id)?;
    let loc = viewer.locale;
    let href = format!("/reunions-communes/{id}");
    let changed = hub::publish(&node, &viewer.actor(), id).await;
    let success = (
        href.as_str(),
        loc.t("La réunion est publiée. Les services la recevront à leur prochain contact avec le hub."),
    );
    after(
        &node,
        &viewer,
        id,
        "publier",
        Kept::default(),
        success,
        changed,
    )
    .await
}

/// `POST /reunions-communes/{id}/changer` — a published meeting's details,
/// with a notice for the services (the agenda stays as published).
pub async fn update(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DetailsForm>,
) -> Result<Response, PageError> {
    let id = target(&viewer, &id)?;
    let loc = viewer.locale;
    let kept = Kept {
        details: Some(form.clone()),
        ..Kept::default()
    };
    let mut errors = Vec::new();
    let details = form.details(loc).map_err(|e| errors.extend(e)).ok();
    let notice = form.annonce.trim().to_owned();
    if notice.is_empty() {
        errors.push(field_error(
            "annonce",
            loc.t("Écrivez en quelques mots ce qui change : les services recevront ce message."),
        ));
    } else if notice.chars().count() > 1000 {
        errors.push(field_error(
            "annonce",
            loc.t("Ce message est trop long : 1000 caractères au plus."),
        ));
    }
    let Some(details) = details.filter(|_| errors.is_empty()) else {
        return page_with(&node, &viewer, id, errors, kept).await;
    };
    let changes = MeetingChanges {
        details,
        agenda: None,
    };
    let href = format!("/reunions-communes/{id}");
    let changed = hub::update(&node, &viewer.actor(), id, &changes, &notice).await;
    let success = (
        href.as_str(),
        loc.t("Le changement est envoyé aux services."),
    );
    after(&node, &viewer, id, "annonce", kept, success, changed).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CancelForm {
    raison: String,
}

/// `POST /reunions-communes/{id}/annuler`
pub async fn cancel(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CancelForm>,
) -> Result<Response, PageError> {
    let id = target(&viewer, &id)?;
    let loc = viewer.locale;
    let reason = form.raison.trim().to_owned();
    let kept = Kept {
        reason: form.raison.clone(),
        ..Kept::default()
    };
    if reason.is_empty() || reason.chars().count() > 1000 {
        let message = if reason.is_empty() {
            loc.t("Écrivez pourquoi la réunion est annulée : les services recevront ce message.")
        } else {
            loc.t("Ce message est trop long : 1000 caractères au plus.")
        };
        return page_with(
            &node,
            &viewer,
            id,
            vec![field_error("raison", message)],
            kept,
        )
        .await;
    }
    let href = format!("/reunions-communes/{id}");
    let changed = hub::cancel(&node, &viewer.actor(), id, &reason).await;
    let success = (
        href.as_str(),
        loc.t("La réunion est annulée. Les services sont prévenus."),
    );
    after(&node, &viewer, id, "raison", kept, success, changed).await
}

/// `POST /reunions-communes/{id}/decisions` — the minutes, and one
/// decision per subject or proposal on the agenda (fields
/// `decision-{position}`; an empty one means no decision).
pub async fn outcomes(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let m = open(&node, &viewer, &id).await?;
    let id = m.id;
    let loc = viewer.locale;
    let minutes = form.get("compte_rendu").cloned().unwrap_or_default();
    let mut decisions = BTreeMap::new();
    for (key, value) in &form {
        if let Some(p) = key.strip_prefix("decision-") {
            let Ok(position) = p.parse::<i64>() else {
                return Err(PageError::BadForm);
            };
            decisions.insert(position, value.clone());
        }
    }
    let kept = Kept {
        minutes: Some(minutes.clone()),
        decisions: decisions.clone(),
        ..Kept::default()
    };
    let mut errors = Vec::new();
    if minutes.trim().is_empty() {
        errors.push(field_error(
            "compte-rendu",
            loc.t("Écrivez le compte rendu de la réunion."),
        ));
    } else if minutes.trim().chars().count() > 12_000 {
        errors.push(field_error(
            "compte-rendu",
            loc.t("Le compte rendu est trop long : 12 000 caractères au plus."),
        ));
    }
    let mut list = Vec::new();
    for line in m.agenda.iter().filter(|l| decidable(l)) {
        let text = decisions
            .get(&line.position)
            .map(|d| d.trim().to_owned())
            .unwrap_or_default();
        if text.is_empty() {
            continue;
        }
        if text.chars().count() > 4000 {
            errors.push(field_error(
                &format!("decision-{}", line.position),
                loc.t("Cette décision est trop longue : 4000 caractères au plus."),
            ));
        }
        list.push(OutcomeInput {
            subject: line.subject,
            proposals: if line.subject.is_some() {
                Vec::new()
            } else {
                line.proposals.clone()
            },
            decision: text,
        });
    }
    if !errors.is_empty() {
        return page_with(&node, &viewer, id, errors, kept).await;
    }
    let href = format!("/reunions-communes/{id}");
    let changed = hub::record_outcomes(&node, &viewer.actor(), id, &minutes, &list).await;
    let success = (
        href.as_str(),
        loc.t("Le compte rendu et les décisions sont enregistrés. Les services concernés les recevront."),
    );
    after(&node, &viewer, id, "compte-rendu", kept, success, changed).await
}
