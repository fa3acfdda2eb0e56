//! A meeting's changes from its page: the agenda, attendance, the minutes
//! from draft to management, decisions. Each calls its action and answers
//! with the page again, the refusal next to the right field.

use super::*;

/// Answers one change of a meeting (the action's `outcome`): done, or the
/// page again with the refusal next to the right field (status 422).
#[allow(clippy::too_many_arguments)]
pub(super) async fn change(
    node: &Node,
    viewer: &Viewer,
    id: Uuid,
    posted: Posted,
    map: FieldMap<'_>,
    fallback: &str,
    message: &str,
    outcome: Result<(), NodeError>,
) -> Result<Response, PageError> {
    match outcome {
        Ok(()) => Ok(done(&format!("/reunions/{id}"), message)),
        Err(e) => {
            let errors = refusal(e, map, fallback, viewer.locale)?;
            invalid(&detail_page(node, viewer, id, errors, posted, None).await?)
        }
    }
}

/// Errors found before calling the domain: the page comes back with them.
pub(super) async fn refuse(
    node: &Node,
    viewer: &Viewer,
    id: Uuid,
    errors: Vec<FieldError>,
    posted: Posted,
) -> Result<Response, PageError> {
    invalid(&detail_page(node, viewer, id, errors, posted, None).await?)
}

/// Checks the page and the role, and that the meeting exists.
pub(super) async fn meeting_for_change(
    node: &Node,
    viewer: &Viewer,
    id: &str,
) -> Result<Uuid, PageError> {
    viewer.require(Who::Admins)?;
    let id = path_id(id)?;
    domain::get(&mut *read(node).await?, id).await?;
    Ok(id)
}

#[derive(Debug, Default, Deserialize)]
pub(in crate::pages::service) struct ItemForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    proposal: String,
}

/// `POST /reunions/{id}/ordre-du-jour`
pub(in crate::pages::service) async fn add_item(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ItemForm>,
) -> Result<Response, PageError> {
    let id = meeting_for_change(&node, &viewer, &id).await?;
    let loc = viewer.locale;
    let mut errors = Vec::new();
    if f.title.trim().is_empty() {
        errors.push(field_error(
            "item-title",
            loc.t("Écrivez le sujet du point."),
        ));
    }
    let mut item = NewAgendaItem {
        title: f.title.trim().to_owned(),
        description: Some(f.description.trim().to_owned()).filter(|d| !d.is_empty()),
        ..NewAgendaItem::default()
    };
    parse_subject(&f.proposal, &mut item).ok_or(PageError::BadForm)?;
    // An item about something, without a title of its own: it takes the
    // words of what it is about.
    if item.title.is_empty() && !f.proposal.trim().is_empty() {
        if let Some(c) = subject_choices(&node, loc, f.proposal.trim())
            .await?
            .into_iter()
            .find(|c| c.selected)
        {
            item.title = c.label.chars().take(200).collect();
            errors.clear();
        }
    }
    let posted = Posted {
        item_title: f.title.clone(),
        item_description: f.description.clone(),
        item_proposal: f.proposal.clone(),
        ..Posted::default()
    };
    if !errors.is_empty() {
        return refuse(&node, &viewer, id, errors, posted).await;
    }
    change(
        &node,
        &viewer,
        id,
        posted,
        &[
            (
                "title",
                "item-title",
                loc.t("Le sujet a de 1 à 200 caractères."),
            ),
            (
                "description",
                "item-description",
                loc.t("L'explication a au plus 2000 caractères."),
            ),
        ],
        "item-title",
        loc.t("Le point est ajouté à l'ordre du jour."),
        actions::meetings::add_agenda_item(&node, &viewer.actor(), id, &item)
            .await
            .map(|_| ()),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub(in crate::pages::service) struct Empty {}

/// `POST /reunions/{id}/ordre-du-jour/{item}/retirer`
pub(in crate::pages::service) async fn remove_item(
    State(node): State<Node>,
    viewer: Viewer,
    Path((id, item)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let id = meeting_for_change(&node, &viewer, &id).await?;
    let loc = viewer.locale;
    let item = path_id(&item)?;
    change(
        &node,
        &viewer,
        id,
        Posted::default(),
        &[],
        "ordre-du-jour",
        loc.t("Le point est retiré de l'ordre du jour."),
        actions::meetings::remove_agenda_item(&node, &viewer.actor(), id, item).await,
    )
    .await
}

/// `POST /reunions/{id}/presences` — the attendance of the whole
/// committee in one form: a choice per member (`status-{member}`), or the
/// button « Tout le monde présent » (`tous=present`), saved in one action.
pub(in crate::pages::service) async fn attendance(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = meeting_for_change(&node, &viewer, &id).await?;
    let loc = viewer.locale;
    let everyone = f.iter().any(|(k, v)| k == "tous" && v == "present");
    let mut entries = Vec::new();
    if everyone {
        let d = domain::get(&mut *read(&node).await?, id).await?;
        let all = members::list(&mut *read(&node).await?, true).await?;
        entries.extend(
            all.iter()
                .filter(|x| x.left_at.is_none_or(|left| left >= d.meeting.starts_at))
                .map(|x| (x.id, AttendanceStatus::Present)),
        );
    } else {
        for (k, v) in &f {
            let Some(member) = k.strip_prefix("status-") else {
                continue;
            };
            let member = Uuid::parse_str(member).map_err(|_| PageError::BadForm)?;
            let status = parse_choice::<AttendanceStatus>(v).ok_or(PageError::BadForm)?;
            entries.push((member, status));
        }
    }
    let posted = Posted {
        attendance: f.clone(),
        ..Posted::default()
    };
    if entries.is_empty() {
        let errors = vec![field_error(
            "presences-form",
            loc.t("Choisissez présent·e, excusé·e ou absent·e pour au moins une personne."),
        )];
        return refuse(&node, &viewer, id, errors, posted).await;
    }
    let said = if everyone {
        loc.t("C'est noté : tout le monde était présent.")
    } else {
        loc.t("Les présences sont notées.")
    };
    change(
        &node,
        &viewer,
        id,
        posted,
        &[],
        "presences-form",
        said,
        actions::meetings::record_attendance_list(&node, &viewer.actor(), id, &entries).await,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub(in crate::pages::service) struct MinutesForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    secretary: String,
}

/// `POST /reunions/{id}/proces-verbal` — the draft minutes.
pub(in crate::pages::service) async fn draft_minutes(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<MinutesForm>,
) -> Result<Response, PageError> {
    let id = meeting_for_change(&node, &viewer, &id).await?;
    let loc = viewer.locale;
    let secretary = optional_id(&f.secretary).map_err(|_| PageError::BadForm)?;
    let posted = Posted {
        minutes_text: Some(f.text.clone()),
        minutes_secretary: Some(f.secretary.clone()),
        ..Posted::default()
    };
    if f.text.trim().is_empty() {
        let errors = vec![field_error(
            "minutes-text",
            loc.t("Écrivez le procès-verbal avant de l'enregistrer."),
        )];
        return refuse(&node, &viewer, id, errors, posted).await;
    }
    let text = f.text;
    change(
        &node,
        &viewer,
        id,
        posted,
        &[(
            "text",
            "minutes-text",
            loc.t("Le procès-verbal a au plus 20 000 caractères."),
        )],
        "minutes-text",
        loc.t("Le brouillon du procès-verbal est enregistré."),
        actions::meetings::draft_minutes(&node, &viewer.actor(), id, &text, secretary).await,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub(in crate::pages::service) struct AdoptForm {
    #[serde(default)]
    at_meeting: String,
}

/// `POST /reunions/{id}/proces-verbal/adopter`
pub(in crate::pages::service) async fn adopt_minutes(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<AdoptForm>,
) -> Result<Response, PageError> {
    let id = meeting_for_change(&node, &viewer, &id).await?;
    let loc = viewer.locale;
    let posted = Posted {
        adopt_meeting: f.at_meeting.clone(),
        ..Posted::default()
    };
    let Some(at) = optional_id(&f.at_meeting).map_err(|_| PageError::BadForm)? else {
        let errors = vec![field_error(
            "adopt-meeting",
            loc.t("Choisissez la réunion où le comité a adopté le procès-verbal."),
        )];
        return refuse(&node, &viewer, id, errors, posted).await;
    };
    change(
        &node,
        &viewer,
        id,
        posted,
        &[],
        "adopt-meeting",
        loc.t("Le procès-verbal est adopté."),
        actions::meetings::adopt_minutes(&node, &viewer.actor(), id, at).await,
    )
    .await
}

/// `POST /reunions/{id}/proces-verbal/envoyer`
pub(in crate::pages::service) async fn send_minutes(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let id = meeting_for_change(&node, &viewer, &id).await?;
    let loc = viewer.locale;
    change(
        &node,
        &viewer,
        id,
        Posted::default(),
        &[],
        "proces-verbal",
        loc.t("C'est noté : le procès-verbal est envoyé à la direction."),
        actions::meetings::send_minutes(&node, &viewer.actor(), id).await,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub(in crate::pages::service) struct DecisionForm {
    #[serde(default)]
    pub(super) text: String,
    #[serde(default)]
    pub(super) proposal: String,
}

/// `POST /reunions/{id}/decisions`
pub(in crate::pages::service) async fn decision(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<DecisionForm>,
) -> Result<Response, PageError> {
    let id = meeting_for_change(&node, &viewer, &id).await?;
    let loc = viewer.locale;
    let proposal = optional_id(&f.proposal).map_err(|_| PageError::BadForm)?;
    let posted = Posted {
        decision_text: f.text.clone(),
        decision_proposal: f.proposal.clone(),
        ..Posted::default()
    };
    if f.text.trim().is_empty() {
        let errors = vec![field_error("decision-text", loc.t("Écrivez la décision."))];
        return refuse(&node, &viewer, id, errors, posted).await;
    }
    let text = f.text;
    change(
        &node,
        &viewer,
        id,
        posted,
        &[(
            "text",
            "decision-text",
            loc.t("La décision a au plus 2000 caractères."),
        )],
        "decision-text",
        loc.t("La décision est notée."),
        actions::meetings::record_decision(&node, &viewer.actor(), id, &text, proposal)
            .await
            .map(|_| ()),
    )
    .await
}
