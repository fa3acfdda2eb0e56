//! The demo's content: seven local committees and their inter-service
//! committee, told as one story.
//!
//! Everything people do goes through the same actions as their pages,
//! one transaction each: a service's people as its administrator
//! (`actions::committee`, `meetings`, `proposals`, `joint`), the
//! coordinator as the hub's (`actions::hub`). Every shared change is a
//! real signed message that travels through the hub.
//! A step that needs something from another node (supporting a proposal,
//! linking proposals, putting a proposed item on an agenda) first waits,
//! a bounded time, until that node's database has received it.
//!
//! The story: each committee has members (pseudonyms or first names, a
//! name shown to the other services only with consent), a delegate and a
//! substitute, proposals at every step of their life, and three meetings
//! (the minutes of the first, written by a user, were adopted at the second
//! and sent to management; the third is coming). Some proposals are shared;
//! other services support them; one committee proposes an item for the joint
//! agenda. The coordinator links similar proposals as subjects, holds a
//! first joint breakfast whose decisions come back to the services, and
//! publishes the next one.

use std::future::Future;
use std::time::{Duration, Instant};

use passerelle_protocol::body::{ProposalRef, Stance};
use passerelle_protocol::{Date, NodeId, Timestamp};
use uuid::Uuid;

use super::{Running, HUB, SERVICES};
use passerelle_core::accounts;
use passerelle_core::actions::{self, Actor};
use passerelle_core::domain::federated;
use passerelle_core::domain::hub::{self, AgendaEntryInput, MeetingDetails, OutcomeInput};
use passerelle_core::domain::meetings::{AttendanceStatus, NewAgendaItem, NewMeeting};
use passerelle_core::domain::members::NewMember;
use passerelle_core::domain::proposals::NewProposal;
use passerelle_core::error::NodeError;
use passerelle_core::node::Node;
use passerelle_core::{log, sync_state};

/// How long a step waits for another node's message before giving up.
const PATIENCE: Duration = Duration::from_secs(10);
/// The account that acts on every node (the demo's administrator).
const ACTOR: &str = "admin";

mod story;
use story::*;

// ---------------------------------------------------------------------------
// What was created, for the demo's banner and the test.

/// What the seeding created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub members: usize,
    pub proposals: usize,
    pub shared: usize,
    pub supports: usize,
    /// Supports members suggested, waiting for their administrators.
    pub suggestions: usize,
    pub items: usize,
    pub subjects: usize,
    /// Positions a committee sent for the next joint meeting.
    pub positions: usize,
    /// The next joint meeting: its id and when it starts (Unix seconds).
    pub next_meeting: Option<(Uuid, i64)>,
    /// Titles of the next joint meeting's agenda, in order.
    pub next_agenda: Vec<String>,
}

impl Summary {
    /// The summary in plain French, a few lines.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![
            "Déjà dans la démonstration :".to_owned(),
            format!(
                "  • 7 comités locaux, {} membres (prénoms ou pseudonymes ; un nom ne sort du \
                 service qu'avec l'accord de la personne), un·e délégué·e et un·e suppléant·e par comité ;",
                self.members
            ),
            "  • dans chaque comité, 3 réunions : la première avec son procès-verbal écrit par \
             un·e usager·ère, adopté à la deuxième et envoyé à la direction ; la troisième est à venir ;"
                .to_owned(),
            format!(
                "  • {} propositions à toutes les étapes (idée, discutée, envoyée à la direction, \
                 acceptée, adaptée, refusée, en cours, réalisée, abandonnée), dont {} partagées \
                 avec le comité inter-SSM ;",
                self.proposals, self.shared
            ),
            format!(
                "  • {} soutiens entre services, chacun avec son mot, {} points proposés pour \
                 l'ordre du jour commun, {} sujets communs reliés par la coordination ;",
                self.supports, self.items, self.subjects
            ),
            format!(
                "  • {} soutien proposé par un membre, qui attend la décision de son comité \
                 (SSM de Charleroi, page « Le comité inter-services ») ;",
                self.suggestions
            ),
        ];
        if let Some((_, starts_at)) = self.next_meeting {
            out.push(format!(
                "  • un premier petit-déjeuner inter-SSM passé, avec ses décisions, et le \
                 prochain : « {} », {}, {}.",
                NEXT_MEETING.0,
                when_fr(starts_at),
                NEXT_MEETING.1
            ));
        }
        if self.positions > 0 {
            out.push(format!(
                "  • le SSM de Charleroi a préparé ce petit-déjeuner à sa prochaine réunion : \
                 {} positions envoyées, que la coordination lit sous les points de l'ordre du \
                 jour ; son dossier des délégué·es s'imprime depuis la réunion commune.",
                self.positions
            ));
        }
        out
    }
}

// ---------------------------------------------------------------------------
// Dates.

/// Midnight UTC, `days` from today, plus a Belgian local time (UTC+1,
/// close enough for a demo).
fn day_at(days: i64, (hour, minute): (i64, i64)) -> i64 {
    let midnight = time::OffsetDateTime::now_utc()
        .date()
        .midnight()
        .assume_utc()
        .unix_timestamp();
    midnight + days * 86_400 + (hour - 1) * 3600 + minute * 60
}

/// `days` from today, moved forward to the next `weekday` (0: Monday),
/// a week later while that is a fixed Belgian public holiday, at a local time.
fn on_weekday(days: i64, weekday: i64, at: (i64, i64)) -> i64 {
    const HOLIDAYS: [(u8, u8); 7] = [
        (1, 1),
        (5, 1),
        (7, 21),
        (8, 15),
        (11, 1),
        (11, 11),
        (12, 25),
    ];
    let today = time::OffsetDateTime::now_utc().date();
    let date = today + time::Duration::days(days);
    let mut days =
        days + (weekday - i64::from(date.weekday().number_days_from_monday())).rem_euclid(7);
    let holiday = |d: time::Date| HOLIDAYS.contains(&(u8::from(d.month()), d.day()));
    // Christmas and New Year's Day fall on the same weekday: look again.
    while holiday(today + time::Duration::days(days)) {
        days += 7;
    }
    day_at(days, at)
}

fn today_plus(days: i64) -> Date {
    Date::from_inner(time::OffsetDateTime::now_utc().date() + time::Duration::days(days))
}

/// "jeudi 4 décembre", in Belgian local time.
pub fn date_fr(unix: i64) -> String {
    const DAYS: [&str; 7] = [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ];
    match time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(utc) => {
            let t = utc.to_offset(passerelle_core::clock::brussels_offset(utc));
            format!(
                "{} {} {}",
                DAYS[usize::from(t.weekday().number_days_from_monday())],
                t.day(),
                passerelle_web::pages::FRENCH_MONTHS[usize::from(u8::from(t.month())) - 1]
            )
        }
        Err(_) => unix.to_string(),
    }
}

/// "jeudi 4 décembre à 9 h 30".
fn when_fr(unix: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix + 3600) {
        Ok(t) if t.minute() == 0 => format!("{} à {} h", date_fr(unix), t.hour()),
        Ok(t) => format!("{} à {} h {:02}", date_fr(unix), t.hour(), t.minute()),
        Err(_) => date_fr(unix),
    }
}

// ---------------------------------------------------------------------------
// Waiting for the other nodes.

/// Polls `ready` until it holds, at most [`PATIENCE`].
async fn eventually<F, Fut>(what: &str, mut ready: F) -> Result<(), NodeError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, NodeError>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if ready().await? {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(NodeError::remote(format!(
                "démonstration : {what}, toujours pas arrivé après {} s",
                PATIENCE.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Whether `node` received the shared proposal `r` through the federation.
async fn has_received(node: &Node, r: &ProposalRef) -> Result<bool, NodeError> {
    let mut conn = node.db.pool().acquire().await?;
    let id = r.proposal.hyphenated().to_string();
    Ok(federated::list(&mut conn)
        .await?
        .iter()
        .any(|p| p.service_id == r.service.as_str() && p.proposal_id == id))
}

/// Whether the hub received the proposed agenda item `item`.
async fn hub_has_item(hub: &Node, item: Uuid) -> Result<bool, NodeError> {
    let mut conn = hub.db.pool().acquire().await?;
    Ok(hub::proposed_agenda_items(&mut conn)
        .await?
        .iter()
        .any(|i| i.id == item))
}

/// Whether `service` sent everything it has and received everything the
/// hub holds from the others.
async fn settled(hub: &Node, service: &Node) -> Result<bool, NodeError> {
    let me = service.id().as_str();
    let mut conn = service.db.pool().acquire().await?;
    let head = log::head(&mut conn, me).await?.map_or(0, |h| h.seq);
    let state = sync_state::get(&mut conn, HUB.0).await?;
    drop(conn);
    if u64::try_from(state.acked_seq).unwrap_or(0) < head {
        return Ok(false);
    }
    let mut conn = hub.db.pool().acquire().await?;
    Ok(
        log::feed_after(&mut conn, state.feed_cursor, me, 1, i64::MAX)
            .await?
            .is_empty(),
    )
}

// ---------------------------------------------------------------------------
// Seeding.

fn proposal_ref(ids: &[Vec<Uuid>], (service, n): (usize, usize)) -> Result<ProposalRef, NodeError> {
    let proposal = ids
        .get(service)
        .and_then(|list| list.get(n))
        .copied()
        .ok_or_else(|| NodeError::config(format!("demo: no proposal {n} of service {service}")))?;
    Ok(ProposalRef {
        service: NodeId::parse(SERVICES[service].0)?,
        proposal,
    })
}

/// Seeds the seven services and the hub, in causal order, and returns once
/// every node has sent and received everything.
pub(super) async fn seed(hub: &Running, services: &[Running]) -> Result<Summary, NodeError> {
    let mut summary = Summary::default();

    // 1. Each committee's own life; what it shares leaves as it happens.
    let mut ids: Vec<Vec<Uuid>> = Vec::with_capacity(services.len());
    let mut people: Vec<Vec<Uuid>> = Vec::with_capacity(services.len());
    for (n, (service, content)) in services.iter().zip(CONTENT.iter()).enumerate() {
        let members = seed_members(&service.node, content).await?;
        people.push(members.clone());
        let mut proposals = Vec::with_capacity(content.proposals.len());
        for p in content.proposals {
            proposals.push(seed_proposal(&service.node, p).await?);
        }
        seed_meetings(&service.node, content, n as i64, &members, &proposals).await?;
        summary.members += members.len();
        summary.proposals += proposals.len();
        summary.shared += content
            .proposals
            .iter()
            .filter(|p| p.shared_after.is_some())
            .count();
        ids.push(proposals);
    }

    // 2. Items proposed for the next joint meeting.
    let mut items = Vec::with_capacity(ITEMS.len());
    for item in &ITEMS {
        let about = proposal_ref(&ids, (item.by, item.about))?;
        let node = &services[item.by].node;
        let id = actions::joint::propose_item(
            node,
            &admin(node).await?,
            item.title,
            Some(item.description),
            Some(about),
            None,
        )
        .await?;
        items.push(id);
    }
    summary.items = items.len();

    // 3. Committees support other services' proposals, once received.
    for s in &SUPPORTS {
        let r = proposal_ref(&ids, s.of)?;
        let node = &services[s.by].node;
        eventually(
            &format!(
                "la proposition {} de {} chez {}",
                r.proposal, r.service, SERVICES[s.by].0
            ),
            || has_received(node, &r),
        )
        .await?;
        let comment = s.comment.map(str::to_owned);
        actions::joint::support(node, &admin(node).await?, r, comment, None).await?;
        summary.supports += 1;
    }

    // 3b. A member suggests a support, which waits for the administrators
    //     (support is the committee's: nothing is sent before they decide).
    for s in &SUGGESTIONS {
        let r = proposal_ref(&ids, s.of)?;
        let node = &services[s.by].node;
        eventually(
            &format!(
                "la proposition {} de {} chez {}",
                r.proposal, r.service, SERVICES[s.by].0
            ),
            || has_received(node, &r),
        )
        .await?;
        let member = people[s.by].get(s.member).copied().ok_or_else(|| {
            NodeError::config(format!("demo: no member {} in service {}", s.member, s.by))
        })?;
        let created = actions::accounts::create(
            node,
            &admin(node).await?,
            actions::accounts::NewAccountRequest {
                username: s.username,
                role: accounts::Role::Member,
                member_id: Some(member),
                password: None,
            },
        )
        .await?;
        let member = Actor::new(created.account);
        actions::joint::suggest_support(node, &member, r, Some(s.word.to_owned())).await?;
        summary.suggestions += 1;
    }

    // 4. Management answers a shared proposal: the update travels too.
    for ((service, content), proposals) in services.iter().zip(CONTENT.iter()).zip(&ids) {
        for (p, id) in content.proposals.iter().zip(proposals) {
            if !p.later.is_empty() {
                move_along(&service.node, *id, p.later).await?;
            }
        }
    }

    // 5. The coordinator: subjects, the first joint breakfast and its
    //    decisions, the next one with its agenda.
    seed_hub(&hub.node, &ids, &items, &mut summary).await?;

    // 6. The SSM of Charleroi prepares the next joint breakfast at its
    //    next meeting: its positions, sent to the inter-service committee.
    if let Some((next, _)) = summary.next_meeting {
        let subject = actions::hub::subjects(&hub.node, &coordinator(&hub.node).await?)
            .await?
            .into_iter()
            .find(|s| s.title == NEXT_SUBJECT.title)
            .map(|s| s.id);
        prepare_joint_meeting(&services[1].node, next, subject).await?;
        summary.positions = 2;
    }

    // 7. Everyone has sent and received everything.
    for service in services {
        eventually(
            &format!("la synchronisation de {}", service.node.id()),
            || settled(&hub.node, &service.node),
        )
        .await?;
    }
    Ok(summary)
}

/// A committee prepares the joint meeting `joint` at its next meeting: the
/// meeting as a whole (a question to ask) and the point of `subject` (for),
/// each on its agenda, decided and sent.
async fn prepare_joint_meeting(
    node: &Node,
    joint: Uuid,
    subject: Option<Uuid>,
) -> Result<(), NodeError> {
    let a = &admin(node).await?;
    eventually(
        &format!("la réunion commune chez {}", node.id()),
        || async { Ok(actions::joint::meeting(node, a, joint).await.is_ok()) },
    )
    .await?;
    let now = passerelle_core::clock::now();
    let Some(local) = actions::meetings::list(node, a)
        .await?
        .into_iter()
        .filter(|m| m.starts_at > now && m.cancelled_at.is_none())
        .min_by_key(|m| m.starts_at)
    else {
        return Ok(());
    };
    let mut topics = vec![(
        NewAgendaItem {
            title: "Le petit-déjeuner inter-SSM : ce que nos délégué·es y demanderont".to_owned(),
            joint_meeting: Some(joint),
            ..NewAgendaItem::default()
        },
        Stance::Question,
        "Peut-on prévoir un covoiturage depuis la gare pour celles et ceux qui viennent de loin ?",
    )];
    if let Some(point) = subject {
        topics.push((
            NewAgendaItem {
                title: "Les consultations en soirée".to_owned(),
                joint_meeting: Some(joint),
                joint_point: Some(point),
                ..NewAgendaItem::default()
            },
            Stance::For,
            "Nous aussi : plusieurs membres travaillent en journée. Nous pouvons essayer un soir par mois.",
        ));
    }
    for (item, stance, words) in topics {
        actions::meetings::add_agenda_item(node, a, local.id, &item).await?;
        let added = actions::meetings::get(node, a, local.id)
            .await?
            .agenda
            .last()
            .map(|i| i.id)
            .ok_or_else(|| NodeError::config("demo: the agenda item vanished"))?;
        let position =
            actions::positions::decide(node, a, local.id, added, stance, Some(words)).await?;
        actions::positions::share(node, a, position).await?;
    }
    Ok(())
}

/// The demo's administrator of `node`: the one who acts in the story.
async fn admin(node: &Node) -> Result<Actor, NodeError> {
    accounts::list(&node.db)
        .await?
        .into_iter()
        .find(|a| a.username == ACTOR)
        .map(Actor::new)
        .ok_or_else(|| NodeError::config(format!("{} has no account {ACTOR:?}", node.id())))
}

/// Members, their consent, contact details, and the delegate and substitute.
async fn seed_members(node: &Node, content: &'static ServiceSeed) -> Result<Vec<Uuid>, NodeError> {
    let admin = admin(node).await?;
    let term_start = today_plus(-120);
    let mut ids = Vec::with_capacity(content.members.len());
    for m in content.members {
        let new = NewMember {
            display_name: m.name.to_owned(),
            role: m.role,
            contact: m.contact.map(str::to_owned),
            consent: m.consent != No,
        };
        let id = actions::committee::add_member(node, &admin, &new).await?;
        if let Some(role) = m.designation {
            actions::committee::designate(node, &admin, id, role, term_start, None, &[]).await?;
        }
        if m.consent == Withdrawn {
            actions::committee::set_consent(node, &admin, id, false).await?;
        }
        ids.push(id);
    }
    Ok(ids)
}

/// A proposal, moved along its steps, shared at its moment.
async fn seed_proposal(node: &Node, p: &'static ProposalSeed) -> Result<Uuid, NodeError> {
    let admin = admin(node).await?;
    let new = NewProposal {
        title: p.title.to_owned(),
        description: p.description.to_owned(),
        theme: p.theme,
        tags: p.tags.iter().map(|t| (*t).to_owned()).collect(),
        origin: p.origin,
    };
    let id = actions::proposals::create(node, &admin, &new).await?;
    for (done, s) in p.steps.iter().enumerate() {
        if p.shared_after == Some(done) {
            actions::proposals::share(node, &admin, id).await?;
        }
        take_step(node, &admin, id, s).await?;
    }
    if p.shared_after == Some(p.steps.len()) {
        actions::proposals::share(node, &admin, id).await?;
    }
    Ok(id)
}

/// Moves an existing proposal along `steps`.
async fn move_along(node: &Node, id: Uuid, steps: &'static [Step]) -> Result<(), NodeError> {
    let admin = admin(node).await?;
    for s in steps {
        take_step(node, &admin, id, s).await?;
    }
    Ok(())
}

async fn take_step(node: &Node, admin: &Actor, id: Uuid, s: &Step) -> Result<(), NodeError> {
    let (comment, answer) = (s.comment.map(str::to_owned), s.answer.map(str::to_owned));
    actions::proposals::change_status(node, admin, id, s.to, comment, answer).await
}

fn agenda_item(item: &Item, proposals: &[Uuid]) -> NewAgendaItem {
    let (title, description, proposal) = item;
    NewAgendaItem {
        title: (*title).to_owned(),
        description: description.map(str::to_owned),
        proposal: proposal.and_then(|n| proposals.get(n).copied()),
        ..NewAgendaItem::default()
    }
}

/// Three meetings: the first (past) with its agenda, attendance,
/// decisions and minutes; the second (past) adopted them, and they went to
/// management; the third is coming.
async fn seed_meetings(
    node: &Node,
    content: &'static ServiceSeed,
    n: i64,
    members: &[Uuid],
    proposals: &[Uuid],
) -> Result<(), NodeError> {
    let admin = admin(node).await?;
    let a = &admin;
    let m = &content.meetings;
    // Before the first joint breakfast, after it, and before the next one.
    let times = [
        on_weekday(-42 - n, m.weekday, m.at),
        on_weekday(-21 - n, m.weekday, m.at),
        on_weekday(4 + n, m.weekday, m.at),
    ];
    let new = |starts_at: i64| NewMeeting {
        title: format!("{} du {}", m.title, date_fr(starts_at)),
        starts_at,
        place: m.place.to_owned(),
        format: m.format.to_owned(),
        // The story starts with two meetings already held.
        in_the_past: true,
    };
    let secretary = members.get(m.secretary).copied();

    // The first meeting.
    let first = actions::meetings::create(node, a, &new(times[0])).await?;
    for item in m.agenda {
        actions::meetings::add_agenda_item(node, a, first, &agenda_item(item, proposals)).await?;
    }
    for (i, member) in members.iter().enumerate() {
        let status = if i == m.excused {
            AttendanceStatus::Excused
        } else if Some(i) == m.absent {
            AttendanceStatus::Absent
        } else {
            AttendanceStatus::Present
        };
        actions::meetings::record_attendance(node, a, first, *member, status).await?;
    }
    for (text, p) in m.decisions {
        let p = p.and_then(|n| proposals.get(n).copied());
        actions::meetings::record_decision(node, a, first, text, p).await?;
    }
    actions::meetings::draft_minutes(node, a, first, m.minutes, secretary).await?;

    // The second: the first one's minutes are adopted, then sent.
    let second = actions::meetings::create(node, a, &new(times[1])).await?;
    let first_day = date_fr(times[0]);
    let second_items = [
        format!("Adoption du procès-verbal du {first_day}"),
        "Les réponses de la direction".to_owned(),
        "Nouvelles du premier petit-déjeuner inter-SSM".to_owned(),
    ];
    for title in second_items {
        let item = NewAgendaItem {
            title,
            description: None,
            proposal: None,
            ..NewAgendaItem::default()
        };
        actions::meetings::add_agenda_item(node, a, second, &item).await?;
    }
    let excused = (m.excused + 1) % members.len().max(1);
    for (i, member) in members.iter().enumerate() {
        let status = if i == excused {
            AttendanceStatus::Excused
        } else {
            AttendanceStatus::Present
        };
        actions::meetings::record_attendance(node, a, second, *member, status).await?;
    }
    actions::meetings::adopt_minutes(node, a, first, second).await?;
    actions::meetings::send_minutes(node, a, first).await?;
    actions::meetings::record_decision(
        node,
        a,
        second,
        &format!(
            "Le procès-verbal du {first_day} est adopté sans changement et envoyé à la direction."
        ),
        None,
    )
    .await?;
    let present = members.len().saturating_sub(1);
    actions::meetings::draft_minutes(
        node,
        a,
        second,
        &format!(
            "{present} membres présent·es, une personne excusée.\n\n\
             Le procès-verbal du {first_day} est adopté sans changement ; il part à la \
             direction.\n\n\
             Nos délégué·es racontent le premier petit-déjeuner inter-SSM : les sept \
             services étaient là, et les salles d'attente étaient au cœur des échanges.\n\n\
             Procès-verbal à adopter à la prochaine réunion."
        ),
        secretary,
    )
    .await?;

    // The third is coming.
    let third = actions::meetings::create(node, a, &new(times[2])).await?;
    let adopt = NewAgendaItem {
        title: format!("Adoption du procès-verbal du {}", date_fr(times[1])),
        description: None,
        proposal: None,
        ..NewAgendaItem::default()
    };
    actions::meetings::add_agenda_item(node, a, third, &adopt).await?;
    for item in m.next {
        actions::meetings::add_agenda_item(node, a, third, &agenda_item(item, proposals)).await?;
    }
    let joint = NewAgendaItem {
        title: "Préparer le prochain petit-déjeuner inter-SSM".to_owned(),
        description: Some(
            "Qu'est-ce que nos délégué·es y porteront ? Quelles propositions des autres \
             services voulons-nous soutenir ?"
                .to_owned(),
        ),
        proposal: None,
        ..NewAgendaItem::default()
    };
    actions::meetings::add_agenda_item(node, a, third, &joint).await?;
    Ok(())
}

/// Joint breakfasts take place on Thursdays.
const THURSDAY: i64 = 3;

/// The coordinator's side of the story.
async fn seed_hub(
    hub: &Node,
    ids: &[Vec<Uuid>],
    items: &[Uuid],
    summary: &mut Summary,
) -> Result<(), NodeError> {
    let refs = |s: &SubjectSeed| -> Result<Vec<ProposalRef>, NodeError> {
        s.proposals.iter().map(|&p| proposal_ref(ids, p)).collect()
    };
    let coordinator = &coordinator(hub).await?;
    let past_refs = refs(&PAST_SUBJECT)?;
    let next_refs = refs(&NEXT_SUBJECT)?;
    for r in past_refs.iter().chain(&next_refs) {
        eventually(
            &format!("la proposition {} de {} au hub", r.proposal, r.service),
            || has_received(hub, r),
        )
        .await?;
    }

    // The first joint breakfast, about five weeks ago, and what it decided.
    let past_subject =
        actions::hub::create_subject(hub, coordinator, PAST_SUBJECT.title, &past_refs).await?;
    let past = create_meeting(
        hub,
        coordinator,
        MeetingDetails {
            directions: None,
            title: PAST_MEETING.to_owned(),
            starts_at: Timestamp::from_unix(on_weekday(-36, THURSDAY, (9, 0)))?,
            ends_at: Some(Timestamp::from_unix(on_weekday(-36, THURSDAY, (11, 30)))?),
            place: "SSM provincial de Courcelles".to_owned(),
            format: "petit-déjeuner".to_owned(),
        },
        vec![
            AgendaEntryInput::Free {
                title: "Tour de table : comment vont nos comités ?".to_owned(),
                description: Some(
                    "Chaque service présente son comité en quelques mots.".to_owned(),
                ),
            },
            AgendaEntryInput::Subject {
                subject: past_subject,
            },
        ],
    )
    .await?;
    actions::hub::publish(hub, coordinator, past).await?;
    let outcomes = vec![OutcomeInput {
        subject: Some(past_subject),
        proposals: Vec::new(),
        decision: "Chaque comité fait le tour de sa salle d'attente avec deux usager·ères et note \
                   trois changements simples. La Pioche et le CPAS de Charleroi partagent leurs \
                   listes d'achats et leurs photos."
            .to_owned(),
    }];
    actions::hub::record_outcomes(
        hub,
        coordinator,
        past,
        "Vingt personnes présentes, des sept services, autour d'un petit-déjeuner préparé \
         par le comité de Courcelles.\n\n\
         Tour de table : les comités ont démarré à des rythmes différents ; tous ont \
         distribué le questionnaire de satisfaction et installé une urne.\n\n\
         Salles d'attente : La Pioche et le CPAS de Charleroi racontent ce qu'ils ont \
         changé. Tout le monde a envie de faire pareil.\n\n\
         Prochain petit-déjeuner : à La Pioche, à Marchienne-au-Pont.",
        &outcomes,
    )
    .await?;

    // The next joint breakfast: welcome, the subject, the proposed item.
    let next_subject =
        actions::hub::create_subject(hub, coordinator, NEXT_SUBJECT.title, &next_refs).await?;
    let item = items
        .first()
        .copied()
        .ok_or_else(|| NodeError::config("demo: no proposed agenda item"))?;
    eventually(
        "le point proposé par le Centre de Guidance, au hub",
        || hub_has_item(hub, item),
    )
    .await?;
    let starts_at = on_weekday(22, THURSDAY, (9, 30));
    let next = create_meeting(
        hub,
        coordinator,
        MeetingDetails {
            directions: Some(
                "En bus : ligne 1, arrêt à 200 mètres. Entrée par la cour, rez-de-chaussée, \
                 sans marche."
                    .to_owned(),
            ),
            title: NEXT_MEETING.0.to_owned(),
            starts_at: Timestamp::from_unix(starts_at)?,
            ends_at: Some(Timestamp::from_unix(on_weekday(22, THURSDAY, (12, 0)))?),
            place: NEXT_MEETING.1.to_owned(),
            format: NEXT_MEETING.2.to_owned(),
        },
        vec![
            AgendaEntryInput::Free {
                title: WELCOME.to_owned(),
                description: Some(
                    "Café, thé, jus et croissants ; on fait connaissance avec les nouveaux délégué·es."
                        .to_owned(),
                ),
            },
            AgendaEntryInput::Subject {
                subject: next_subject,
            },
            AgendaEntryInput::Item { item },
        ],
    )
    .await?;
    actions::hub::publish(hub, coordinator, next).await?;

    summary.subjects = 2;
    summary.next_meeting = Some((next, starts_at));
    summary.next_agenda = vec![
        WELCOME.to_owned(),
        NEXT_SUBJECT.title.to_owned(),
        ITEMS[0].title.to_owned(),
    ];
    Ok(())
}

/// The hub's coordinator: the demo's account on the hub.
async fn coordinator(hub: &Node) -> Result<Actor, NodeError> {
    accounts::list(&hub.db)
        .await?
        .into_iter()
        .find(|a| a.username == ACTOR)
        .map(Actor::new)
        .ok_or_else(|| NodeError::config("demo: the hub has no coordinator account"))
}

/// A draft with its agenda (nothing announced yet).
async fn create_meeting(
    hub: &Node,
    coordinator: &Actor,
    details: MeetingDetails,
    agenda: Vec<AgendaEntryInput>,
) -> Result<Uuid, NodeError> {
    let id = actions::hub::create_draft(hub, coordinator, &details).await?;
    actions::hub::set_agenda(hub, coordinator, id, &agenda).await?;
    Ok(id)
}

#[cfg(test)]
pub(super) mod content {
    //! The seed data, for the demo's test.
    use super::*;

    /// (service id, member name, consent now, contact) for every member.
    pub fn members() -> Vec<(&'static str, &'static str, bool, Option<&'static str>)> {
        CONTENT
            .iter()
            .zip(SERVICES.iter())
            .flat_map(|(c, (id, _))| {
                c.members
                    .iter()
                    .map(move |m| (*id, m.name, m.consent == Yes, m.contact))
            })
            .collect()
    }
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn french_dates_in_belgian_time() {
        let t = time::macros::datetime!(2026-12-17 08:30 UTC).unix_timestamp();
        assert_eq!(date_fr(t), "jeudi 17 décembre");
        assert_eq!(when_fr(t), "jeudi 17 décembre à 9 h 30");
        let t = time::macros::datetime!(2026-11-02 13:00 UTC).unix_timestamp();
        assert_eq!(when_fr(t), "lundi 2 novembre à 14 h");
    }

    #[test]
    fn meetings_fall_on_their_day_and_not_on_a_holiday() {
        for days in -60..60 {
            for weekday in 0..5 {
                let t = on_weekday(days, weekday, (10, 0));
                let local = time::OffsetDateTime::from_unix_timestamp(t + 3600).unwrap();
                assert_eq!(
                    i64::from(local.weekday().number_days_from_monday()),
                    weekday
                );
                assert_eq!((local.hour(), local.minute()), (10, 0));
                assert!(!matches!(
                    (u8::from(local.month()), local.day()),
                    (11, 11) | (11, 1) | (12, 25) | (1, 1)
                ));
                let earliest = day_at(days, (10, 0));
                assert!(t >= earliest && t <= earliest + 20 * 86_400);
            }
        }
    }
}
