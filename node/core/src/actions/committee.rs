//! A service's committee: its members and its delegates to the
//! inter-service committee. Administrators write; the whole committee
//! reads, and members see each other's names and roles, not contact details
//! (the one place that rule lives, for the API and the pages alike).
//!
//! The domain keeps members and designations apart: a change of a member
//! says whether it touched what the other services may see of them, and the
//! action then announces the delegate list again, in the same transaction.

use passerelle_protocol::body::{DelegateList, DelegateRole, Kind};
use passerelle_protocol::Date;
use uuid::Uuid;

use super::{Actor, Who};
use crate::domain::delegates::{self, Designation};
use crate::domain::erasure::{self, Cause};
use crate::domain::members::{self, Member, MemberUpdate, NewMember};
use crate::error::NodeError;
use crate::node::Node;

/// A member as `actor` may see them: contact details are for the service's
/// administrators only.
fn as_seen_by(actor: &Actor, mut m: Member) -> Member {
    if !actor.is_admin() {
        m.contact = None;
    }
    m
}

/// The members by name; those who left too if `include_left`.
pub async fn members(
    node: &Node,
    actor: &Actor,
    include_left: bool,
) -> Result<Vec<Member>, NodeError> {
    Who::Committee.check(node, actor)?;
    let list = members::list(&mut *node.db.pool().acquire().await?, include_left).await?;
    Ok(list.into_iter().map(|m| as_seen_by(actor, m)).collect())
}

/// One member, active or not.
pub async fn member(node: &Node, actor: &Actor, id: Uuid) -> Result<Member, NodeError> {
    Who::Committee.check(node, actor)?;
    let m = members::get(&mut *node.db.pool().acquire().await?, id).await?;
    Ok(as_seen_by(actor, m))
}

/// Records a new member; returns their id. A new member is no delegate
/// yet: nothing to announce.
pub async fn add_member(node: &Node, actor: &Actor, m: &NewMember) -> Result<Uuid, NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let id = members::create(change.conn(), m).await?;
    change.commit().await?;
    Ok(id)
}

/// Changes a member's name, role or contact details. A current delegate
/// who consented to show their name and is renamed: the list again.
pub async fn update_member(
    node: &Node,
    actor: &Actor,
    id: Uuid,
    u: &MemberUpdate,
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    if members::update(conn, id, u).await? {
        delegates::reannounce_if_current(conn, stream.as_ref(), node.clock().today(), id).await?;
    }
    change.commit().await
}

/// Records that a member gives or withdraws consent to show their name to
/// the inter-service committee. A current delegate: the list again, with
/// their name or a neutral label. Withdrawn: their name is also erased from
/// every delegate list sent before (SPEC §5.6), at every node.
pub async fn set_consent(
    node: &Node,
    actor: &Actor,
    id: Uuid,
    consent: bool,
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    let mut erased = 0;
    if members::set_consent(conn, id, consent).await? {
        delegates::reannounce_if_current(conn, stream.as_ref(), node.clock().today(), id).await?;
        if let (false, Some(stream)) = (consent, stream.as_ref()) {
            // Their name now, and the names they were shown under before.
            let mut names = members::former_names(conn, id).await?;
            names.push(members::get(conn, id).await?.display_name);
            members::set_former_names(conn, id, &[]).await?;
            let lists =
                erasure::own_message_ids(conn, stream.me.as_str(), Kind::DelegatesList).await?;
            if let Some(e) =
                erasure::of_own_messages(conn, stream.me.as_str(), &lists, Some(&names)).await?
            {
                erased = erasure::erase_own(
                    conn,
                    stream,
                    e,
                    Cause::ConsentWithdrawn,
                    actor.name(),
                    "consentement retiré",
                )
                .await?;
            }
        }
    }
    change.commit().await?;
    if erased > 0 {
        node.scrub_after_erasure().await;
    }
    Ok(())
}

/// A member leaves the committee: their terms end today, and a current
/// delegate's departure is announced.
pub async fn leave(node: &Node, actor: &Actor, id: Uuid) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    delegates::member_leaves(conn, stream.as_ref(), node.clock().today(), id).await?;
    change.commit().await
}

/// Today's delegates and substitutes and those to come (a term not
/// started yet), as the committee knows them: current ones are those for
/// which `delegates::is_current_on(.., node.clock().today())` holds.
pub async fn delegates(node: &Node, actor: &Actor) -> Result<Vec<Designation>, NodeError> {
    Who::Committee.check(node, actor)?;
    delegates::list_active(&mut *node.db.pool().acquire().await?, node.clock().today()).await
}

/// The designations without an end date for `role` that a new designation
/// from `start` would leave running (the page offers to end them).
pub async fn open_ended_before(
    node: &Node,
    actor: &Actor,
    role: DelegateRole,
    start: Date,
) -> Result<Vec<Designation>, NodeError> {
    Who::Admins.check(node, actor)?;
    let mut conn = node.db.pool().acquire().await?;
    delegates::open_ended_before(&mut conn, node.clock().today(), role, start).await
}

/// Exactly what the inter-service committee receives: names only with
/// consent.
pub async fn public_delegates(node: &Node, actor: &Actor) -> Result<DelegateList, NodeError> {
    Who::Committee.check(node, actor)?;
    delegates::public_list(&mut *node.db.pool().acquire().await?, node.clock().today()).await
}

/// One designation, current or not.
pub async fn designation(node: &Node, actor: &Actor, id: Uuid) -> Result<Designation, NodeError> {
    Who::Committee.check(node, actor)?;
    delegates::get(&mut *node.db.pool().acquire().await?, id).await
}

/// Designates a member as delegate or substitute for a term; returns the
/// designation's id. The terms in `end_before` (someone who held the role
/// without an end date) end the day before `term_start`, in the same
/// change. The new list is announced once.
pub async fn designate(
    node: &Node,
    actor: &Actor,
    member: Uuid,
    role: DelegateRole,
    term_start: Date,
    term_end: Option<Date>,
    end_before: &[Uuid],
) -> Result<Uuid, NodeError> {
    Who::Admins.check(node, actor)?;
    let today = node.clock().today();
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    if !end_before.is_empty() {
        let eve = term_start
            .inner()
            .previous_day()
            .map(Date::from_inner)
            .ok_or_else(|| crate::validate::invalid("term_start", "a later date"))?;
        for previous in end_before {
            delegates::end_term(conn, None, today, *previous, eve).await?;
        }
    }
    let id = delegates::designate(
        conn,
        stream.as_ref(),
        today,
        member,
        role,
        term_start,
        term_end,
    )
    .await?;
    change.commit().await?;
    Ok(id)
}

/// Ends a term on `end` (its last day). The new list is announced.
pub async fn end_term(node: &Node, actor: &Actor, id: Uuid, end: Date) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    delegates::end_term(conn, stream.as_ref(), node.clock().today(), id, end).await?;
    change.commit().await
}

/// Takes back a designation to come (deleted; the new list announced).
pub async fn cancel_designation(node: &Node, actor: &Actor, id: Uuid) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    delegates::cancel_to_come(conn, stream.as_ref(), node.clock().today(), id).await?;
    change.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::testing::{a_member, an_admin, announced, join, service};
    use crate::domain::members::MemberRole;
    use crate::error::{Refusal, Rule};

    fn newcomer(name: &str, consent: bool, contact: Option<&str>) -> NewMember {
        NewMember {
            display_name: name.into(),
            role: MemberRole::Usager,
            contact: contact.map(str::to_owned),
            consent,
        }
    }

    #[tokio::test]
    async fn members_read_but_only_administrators_write() {
        let (_dir, node) = service().await;
        let m = newcomer("Zoé", false, None);
        let refused = add_member(&node, &a_member(), &m).await.unwrap_err();
        assert_eq!(refused.code(), "forbidden");
        let zoe = add_member(&node, &an_admin(), &m).await.unwrap();
        for refused in [
            set_consent(&node, &a_member(), zoe, true).await,
            leave(&node, &a_member(), zoe).await,
            update_member(&node, &a_member(), zoe, &MemberUpdate::default()).await,
            end_term(&node, &a_member(), zoe, delegates::today()).await,
        ] {
            assert_eq!(refused.unwrap_err().code(), "forbidden");
        }
        let refused = designate(
            &node,
            &a_member(),
            zoe,
            DelegateRole::Delegate,
            delegates::today(),
            None,
            &[],
        )
        .await
        .unwrap_err();
        assert_eq!(refused.code(), "forbidden");
        // Nothing changed; members read.
        let seen = members(&node, &a_member(), true).await.unwrap();
        assert_eq!(seen.len(), 1);
        assert!(!seen[0].consent);
        assert!(delegates(&node, &a_member()).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn members_do_not_see_contact_details() {
        let (_dir, node) = service().await;
        let secret = "0471 99 88 77";
        let id = add_member(&node, &an_admin(), &newcomer("Léa", true, Some(secret)))
            .await
            .unwrap();
        let by_admin = member(&node, &an_admin(), id).await.unwrap();
        assert_eq!(by_admin.contact.as_deref(), Some(secret));
        let by_member = member(&node, &a_member(), id).await.unwrap();
        assert_eq!(by_member.contact, None);
        assert_eq!(
            (by_member.display_name.as_str(), by_member.role),
            ("Léa", MemberRole::Usager)
        );
        let listed = members(&node, &a_member(), false).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].contact, None);
        let listed = members(&node, &an_admin(), false).await.unwrap();
        assert_eq!(listed[0].contact.as_deref(), Some(secret));
    }

    #[tokio::test]
    async fn consent_rename_and_leaving_reannounce_the_delegates() {
        let (_dir, node) = service().await;
        join(&node).await;
        let a = an_admin();
        let mireille = add_member(&node, &a, &newcomer("Mireille", true, None))
            .await
            .unwrap();
        let bob = add_member(&node, &a, &newcomer("Bob", true, None))
            .await
            .unwrap();
        let start = Date::parse("2020-01-01").unwrap();
        designate(
            &node,
            &a,
            mireille,
            DelegateRole::Delegate,
            start,
            None,
            &[],
        )
        .await
        .unwrap();
        assert_eq!(announced(&node).await.len(), 1);

        // Withdrawn: the list again, under a neutral label.
        set_consent(&node, &a, mireille, false).await.unwrap();
        let lists = announced(&node).await;
        assert_eq!(lists.len(), 2);
        assert_eq!(lists[1].delegates[0].label, "Délégué·e 1");
        // Given again, then a rename: two lists, the new name shown.
        set_consent(&node, &a, mireille, true).await.unwrap();
        let rename = MemberUpdate {
            display_name: Some("M. D.".into()),
            ..Default::default()
        };
        update_member(&node, &a, mireille, &rename).await.unwrap();
        let lists = announced(&node).await;
        assert_eq!(lists.len(), 4);
        assert_eq!(lists[3].delegates[0].label, "M. D.");

        // Not a delegate, or the same consent: nothing announced.
        set_consent(&node, &a, bob, false).await.unwrap();
        set_consent(&node, &a, mireille, true).await.unwrap();
        leave(&node, &a, bob).await.unwrap();
        assert_eq!(announced(&node).await.len(), 4);

        // The delegate leaves: an empty list; leaving twice is refused.
        leave(&node, &a, mireille).await.unwrap();
        let lists = announced(&node).await;
        assert_eq!(lists.len(), 5);
        assert!(lists[4].delegates.is_empty());
        let twice = leave(&node, &a, mireille).await.unwrap_err();
        assert_eq!(twice.code(), "domain_rule");
        assert_eq!(announced(&node).await.len(), 5);
    }

    /// Withdrawn consent erases every name the delegate was shown under,
    /// the one before a rename too, from the lists already sent.
    #[tokio::test]
    async fn a_withdrawal_erases_the_names_before_a_rename_too() {
        let (_dir, node) = service().await;
        join(&node).await;
        let a = an_admin();
        let id = add_member(&node, &a, &newcomer("Mireille Dubois", true, None))
            .await
            .unwrap();
        let start = Date::parse("2020-01-01").unwrap();
        designate(&node, &a, id, DelegateRole::Delegate, start, None, &[])
            .await
            .unwrap();
        let rename = MemberUpdate {
            display_name: Some("Mireille D.".into()),
            ..Default::default()
        };
        update_member(&node, &a, id, &rename).await.unwrap();
        let held = |node: Node| async move {
            let rows: Vec<String> =
                sqlx::query_scalar("SELECT envelope FROM messages WHERE kind = 'delegates.list'")
                    .fetch_all(node.db.pool())
                    .await
                    .unwrap();
            rows.concat()
        };
        let before = held(node.clone()).await;
        assert!(before.contains("Mireille Dubois") && before.contains("Mireille D."));
        set_consent(&node, &a, id, false).await.unwrap();
        let after = held(node.clone()).await;
        assert!(!after.contains("Mireille"), "{after}");
        // Nothing is kept for later: the former names are forgotten.
        let mut conn = node.db.pool().acquire().await.unwrap();
        assert!(members::former_names(&mut conn, id)
            .await
            .unwrap()
            .is_empty());
    }

    #[tokio::test]
    async fn before_joining_nothing_is_announced() {
        let (_dir, node) = service().await;
        let a = an_admin();
        let id = add_member(&node, &a, &newcomer("Ana", true, None))
            .await
            .unwrap();
        let d = designate(
            &node,
            &a,
            id,
            DelegateRole::Substitute,
            delegates::today(),
            None,
            &[],
        )
        .await
        .unwrap();
        set_consent(&node, &a, id, false).await.unwrap();
        assert_eq!(designation(&node, &a, d).await.unwrap().member_id, id);
        let public = public_delegates(&node, &a_member()).await.unwrap();
        assert_eq!(public.delegates[0].label, "Suppléant·e 1");
        assert!(announced(&node).await.is_empty());
    }

    #[tokio::test]
    async fn a_designation_to_come_is_announced_once_and_becomes_current_by_the_clock() {
        let (_dir, node) = service().await;
        join(&node).await;
        let a = an_admin();
        let awa = add_member(&node, &a, &newcomer("Awa", true, None))
            .await
            .unwrap();
        let marie = add_member(&node, &a, &newcomer("Marie", true, None))
            .await
            .unwrap();
        let today = node.clock().today();
        let tomorrow = Date::from_inner(today.inner().next_day().unwrap());
        let held = designate(&node, &a, awa, DelegateRole::Substitute, today, None, &[])
            .await
            .unwrap();
        // Marie from tomorrow: Awa would stay substitute with no end.
        let running = open_ended_before(&node, &a, DelegateRole::Substitute, tomorrow)
            .await
            .unwrap();
        assert_eq!(running.iter().map(|d| d.id).collect::<Vec<_>>(), [held]);
        assert!(
            open_ended_before(&node, &a, DelegateRole::Delegate, tomorrow)
                .await
                .unwrap()
                .is_empty()
        );
        let e = open_ended_before(&node, &a_member(), DelegateRole::Substitute, tomorrow)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden");
        designate(
            &node,
            &a,
            marie,
            DelegateRole::Substitute,
            tomorrow,
            None,
            &[held],
        )
        .await
        .unwrap();
        assert_eq!(
            designation(&node, &a, held).await.unwrap().term_end,
            Some(today),
            "Awa's term ends the day before"
        );
        // One list for the two changes; Marie is in it, to come.
        let lists = announced(&node).await;
        assert_eq!(lists.len(), 2);
        let last = &lists[1].delegates;
        assert_eq!(last.len(), 2);
        assert_eq!(
            (last[1].label.or_empty(), last[1].term_start),
            ("Marie", tomorrow)
        );
        let current = |node: &Node| {
            let today = node.clock().today();
            let node = node.clone();
            async move {
                delegates(&node, &a_member())
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|d| delegates::is_current_on(d.term_start, d.term_end, today))
                    .map(|d| d.display_name)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(current(&node).await, ["Awa"]);
        node.clock().advance(1);
        assert_eq!(current(&node).await, ["Marie"], "by the clock alone");
        assert_eq!(announced(&node).await.len(), 2, "nothing sent on the day");
        // Awa's term is over: no longer listed, nor can it be ended again.
        assert_eq!(delegates(&node, &a_member()).await.unwrap().len(), 1);
        let e = end_term(&node, &a, held, today).await.unwrap_err();
        assert_eq!(e.code(), "domain_rule");
    }

    /// Rule: a designation to come can be taken back (a mistake): it goes,
    /// and the list without it is announced; a started one cannot (it is
    /// ended instead); a member may not.
    #[tokio::test]
    async fn a_designation_to_come_is_taken_back() {
        let (_dir, node) = service().await;
        join(&node).await;
        let a = an_admin();
        let awa = add_member(&node, &a, &newcomer("Awa", true, None))
            .await
            .unwrap();
        let today = node.clock().today();
        let later = Date::from_inner(today.inner().next_day().unwrap().next_day().unwrap());
        let now = designate(&node, &a, awa, DelegateRole::Delegate, today, None, &[])
            .await
            .unwrap();
        let marie = add_member(&node, &a, &newcomer("Marie", true, None))
            .await
            .unwrap();
        let to_come = designate(&node, &a, marie, DelegateRole::Substitute, later, None, &[])
            .await
            .unwrap();
        assert_eq!(announced(&node).await.len(), 2);
        let e = cancel_designation(&node, &a_member(), to_come)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden");
        let e = cancel_designation(&node, &a, now).await.unwrap_err();
        assert_eq!(e.refusal(), Some(Refusal::DomainRule(Rule::TermStarted)));
        cancel_designation(&node, &a, to_come).await.unwrap();
        assert_eq!(
            designation(&node, &a, to_come).await.unwrap_err().code(),
            "not_found"
        );
        let lists = announced(&node).await;
        assert_eq!(lists.len(), 3, "the list without Marie is announced");
        assert_eq!(lists[2].delegates.len(), 1);
        assert_eq!(lists[2].delegates[0].label.or_empty(), "Awa");
        assert_eq!(delegates(&node, &a).await.unwrap().len(), 1);
    }
}
