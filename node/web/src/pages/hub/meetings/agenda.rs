//! Editing a joint meeting's agenda: add an entry, move it, take it out
//! (a published meeting's reordering reaches the services with a notice).

use super::*;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AddForm {
    /// `service`, `sujet` or `libre`.
    sorte: String,
    point: String,
    sujet: String,
    titre_point: String,
    description_point: String,
}

/// `POST /reunions-communes/{id}/ajouter` — one more agenda entry, at the end.
pub async fn add_entry(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AddForm>,
) -> Result<Response, PageError> {
    let m = open(&node, &viewer, &id).await?;
    let id = m.id;
    let loc = viewer.locale;
    let kept = Kept {
        item: form.point.clone(),
        subject: form.sujet.clone(),
        free_title: form.titre_point.clone(),
        free_description: form.description_point.clone(),
        ..Kept::default()
    };
    let (entry, field) = match form.sorte.as_str() {
        "service" => (
            Uuid::parse_str(form.point.trim())
                .ok()
                .map(|item| AgendaEntryInput::Item { item }),
            (
                "point-0",
                loc.t("Choisissez un des points proposés par les services."),
            ),
        ),
        "sujet" => (
            Uuid::parse_str(form.sujet.trim())
                .ok()
                .map(|subject| AgendaEntryInput::Subject { subject }),
            ("sujet", loc.t("Choisissez un sujet commun.")),
        ),
        "libre" => {
            let title = form.titre_point.trim();
            let entry = if title.is_empty() {
                None
            } else {
                Some(AgendaEntryInput::Free {
                    title: title.to_owned(),
                    description: Some(form.description_point.trim().to_owned())
                        .filter(|d| !d.is_empty()),
                })
            };
            (entry, ("titre-point", loc.t("Écrivez le titre du point.")))
        }
        _ => return Err(PageError::BadForm),
    };
    let Some(entry) = entry else {
        return page_with(
            &node,
            &viewer,
            id,
            vec![field_error(field.0, field.1)],
            kept,
        )
        .await;
    };
    if let AgendaEntryInput::Free { title, .. } = &entry {
        if title.chars().count() > 200 {
            let e = field_error(
                "titre-point",
                loc.t("Le titre est trop long : 200 caractères au plus."),
            );
            return page_with(&node, &viewer, id, vec![e], kept).await;
        }
    }
    let mut entries = inputs_of(&m.agenda);
    entries.push(entry);
    let href = format!("/reunions-communes/{id}");
    let changed = hub::set_agenda(&node, &viewer.actor(), id, &entries).await;
    let success = (
        href.as_str(),
        loc.t("Le point est ajouté à la fin de l'ordre du jour."),
    );
    after(&node, &viewer, id, field.0, kept, success, changed).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EntryForm {
    position: String,
    /// The entry's title as the page showed it: if the agenda changed in
    /// the meantime, nothing is moved.
    titre: String,
}

/// Moves (`-1`, `+1`) or removes (`0`) one agenda entry.
async fn change_entry(
    node: Node,
    viewer: Viewer,
    id: String,
    form: EntryForm,
    shift: i64,
) -> Result<Response, PageError> {
    let m = open(&node, &viewer, &id).await?;
    let id = m.id;
    let loc = viewer.locale;
    let Ok(position) = form.position.trim().parse::<usize>() else {
        return Err(PageError::BadForm);
    };
    let stale = || {
        vec![field_error(
            "ordre-du-jour",
            loc.t("L'ordre du jour a changé entre-temps. Regardez-le à nouveau, puis recommencez."),
        )]
    };
    if m.agenda.get(position).is_none_or(|l| l.title != form.titre) {
        return page_with(&node, &viewer, id, stale(), Kept::default()).await;
    }
    let mut entries = inputs_of(&m.agenda);
    if m.status == PUBLISHED {
        return reorder_published(node, viewer, m, entries, position, shift).await;
    }
    let message = match shift {
        0 => {
            entries.remove(position);
            loc.t("Le point est retiré de l'ordre du jour.")
        }
        -1 if position > 0 => {
            entries.swap(position, position - 1);
            loc.t("Le point est monté d'une place.")
        }
        1 if position + 1 < entries.len() => {
            entries.swap(position, position + 1);
            loc.t("Le point est descendu d'une place.")
        }
        _ => {
            return Ok(done(
                &format!("/reunions-communes/{id}"),
                loc.t("Rien n'a changé."),
            ))
        }
    };
    let href = format!("/reunions-communes/{id}#ordre-du-jour");
    let changed = hub::set_agenda(&node, &viewer.actor(), id, &entries).await;
    let success = (href.as_str(), message);
    after(
        &node,
        &viewer,
        id,
        "ordre-du-jour",
        Kept::default(),
        success,
        changed,
    )
    .await
}

/// Moves one entry of a published meeting's agenda (`-1` up, `+1` down):
/// the services receive the new agenda as an update, with a notice that
/// says what moved. A published agenda is only reordered here, never cut.
async fn reorder_published(
    node: Node,
    viewer: Viewer,
    m: MeetingView,
    mut entries: Vec<AgendaEntryInput>,
    position: usize,
    shift: i64,
) -> Result<Response, PageError> {
    let (id, loc) = (m.id, viewer.locale);
    let to = match shift {
        -1 if position > 0 => position - 1,
        1 if position + 1 < entries.len() => position + 1,
        0 => return Err(PageError::BadForm),
        _ => {
            return Ok(done(
                &format!("/reunions-communes/{id}"),
                loc.t("Rien n'a changé."),
            ))
        }
    };
    entries.swap(position, to);
    let title = m
        .agenda
        .get(position)
        .map(|l| l.title.clone())
        .unwrap_or_default();
    let notice = loc.t2(
        "L'ordre du jour a changé : « {titre} » est maintenant le point {n}.",
        "titre",
        title,
        "n",
        to + 1,
    );
    let changes = MeetingChanges {
        details: MeetingDetails {
            directions: m.directions.clone(),
            title: m.title.clone(),
            starts_at: m.starts_at,
            ends_at: m.ends_at,
            place: m.place.clone(),
            format: m.format.clone(),
        },
        agenda: Some(entries),
    };
    let href = format!("/reunions-communes/{id}#ordre-du-jour");
    let changed = hub::update(&node, &viewer.actor(), id, &changes, &notice).await;
    let success = (
        href.as_str(),
        loc.t("L'ordre du jour a changé. Les services reçoivent la nouvelle version."),
    );
    after(
        &node,
        &viewer,
        id,
        "ordre-du-jour",
        Kept::default(),
        success,
        changed,
    )
    .await
}

/// `POST /reunions-communes/{id}/monter`
pub async fn move_up(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EntryForm>,
) -> Result<Response, PageError> {
    change_entry(node, viewer, id, form, -1).await
}

/// `POST /reunions-communes/{id}/descendre`
pub async fn move_down(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EntryForm>,
) -> Result<Response, PageError> {
    change_entry(node, viewer, id, form, 1).await
}

/// `POST /reunions-communes/{id}/retirer`
pub async fn remove_entry(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EntryForm>,
) -> Result<Response, PageError> {
    change_entry(node, viewer, id, form, 0).await
}
