//! Accounts: who may create which role where, the throttle around every
//! password check, sessions that follow the password, the last manager.
#![allow(clippy::unwrap_used)]

use passerelle_protocol::body::NodeRole;

use super::*;
use crate::accounts::Role;
use crate::actions::testing::{first, node, someone, PASSWORD};
use crate::error::{Refusal, Rule};

const NEW_PASSWORD: &str = "une-phrase-facile-a-retenir";
const CLIENT: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7)));

fn refusal<T>(result: Result<T, NodeError>) -> Refusal {
    match result {
        Ok(_) => panic!("accepted"),
        Err(e) => e.refusal().unwrap(),
    }
}

fn new<'a>(username: &'a str, role: Role, password: Option<&'a str>) -> NewAccountRequest<'a> {
    NewAccountRequest {
        username,
        role,
        member_id: None,
        password,
    }
}

async fn session(node: &Node, username: &str, password: &str) -> String {
    match log_in(node, username, password, CLIENT, None, Access::Session)
        .await
        .unwrap()
    {
        LogIn::Opened { token, .. } => token,
        _ => panic!("{username} cannot log in"),
    }
}

async fn alive(node: &Node, token: &str) -> bool {
    sessions::resolve(&node.db, token).await.unwrap().is_some()
}

#[tokio::test]
async fn a_service_has_admins_and_members_a_hub_coordinators() {
    let dir = tempfile::tempdir().unwrap();
    let service = node(dir.path(), NodeRole::Service, "ssm-a").await;
    let hub = node(dir.path(), NodeRole::Hub, "hub-test").await;
    let admin = first(&service).await;
    let coordinator = first(&hub).await;

    let marie = create(&service, &admin, new(" marie ", Role::Member, None))
        .await
        .unwrap();
    assert_eq!(
        (marie.account.username.as_str(), marie.account.role),
        ("marie", Role::Member)
    );
    assert!(marie.account.must_change_password);
    // The generated first password opens the account.
    assert!(
        crate::accounts::check(&service.db, "marie", &marie.password)
            .await
            .unwrap()
            .is_some()
    );
    create(
        &service,
        &admin,
        new("paul", Role::Admin, Some(NEW_PASSWORD)),
    )
    .await
    .unwrap();
    let wrong = create(&service, &admin, new("eve", Role::Coordinator, None)).await;
    assert_eq!(refusal(wrong), Refusal::InvalidField(None));
    // A password too easy is refused, saying why.
    let weak = create(
        &service,
        &admin,
        new("eve", Role::Member, Some("aaaaaaaaaa")),
    )
    .await;
    assert_eq!(
        refusal(weak),
        Refusal::InvalidField(Some(Rule::PasswordRepeats))
    );

    create(&hub, &coordinator, new("lea", Role::Coordinator, None))
        .await
        .unwrap();
    for role in [Role::Admin, Role::Member] {
        let wrong = create(&hub, &coordinator, new("eve", role, None)).await;
        assert_eq!(refusal(wrong), Refusal::InvalidField(None));
    }
    let names = |list: Vec<AccountEntry>| -> Vec<String> {
        list.into_iter().map(|a| a.account.username).collect()
    };
    assert_eq!(
        names(list(&service, &admin).await.unwrap()),
        ["admin", "marie", "paul"]
    );
    assert_eq!(
        names(list(&hub, &coordinator).await.unwrap()),
        ["admin", "lea"]
    );
}

#[tokio::test]
async fn a_member_may_not_manage_accounts_whatever_they_send() {
    let dir = tempfile::tempdir().unwrap();
    let service = node(dir.path(), NodeRole::Service, "ssm-a").await;
    let member = someone(Role::Member);
    // The role is checked first: a weak password changes nothing.
    let made = create(&service, &member, new("eve", Role::Admin, Some("court"))).await;
    assert_eq!(refusal(made), Refusal::Forbidden);
    assert_eq!(refusal(list(&service, &member).await), Refusal::Forbidden);
    assert_eq!(
        refusal(disable(&service, &member, 1).await),
        Refusal::Forbidden
    );
    assert_eq!(
        refusal(reset_password(&service, &member, 1).await),
        Refusal::Forbidden
    );
    let admin = first(&service).await;
    assert_eq!(list(&service, &admin).await.unwrap().len(), 1);
}

/// Rule: the last enabled administrator can be neither disabled nor
/// demoted; once there is another, they can.
#[tokio::test]
async fn the_last_manager_stays() {
    let dir = tempfile::tempdir().unwrap();
    let service = node(dir.path(), NodeRole::Service, "ssm-a").await;
    let admin = first(&service).await;
    let id = admin.account.id;
    let last = Refusal::DomainRule(Rule::LastManager);
    assert_eq!(refusal(disable(&service, &admin, id).await), last);
    assert_eq!(
        refusal(set_role(&service, &admin, id, Role::Member).await),
        last
    );
    let paul = create(&service, &admin, new("paul", Role::Admin, None))
        .await
        .unwrap();
    // A disabled administrator does not count.
    disable(&service, &admin, paul.account.id).await.unwrap();
    assert_eq!(refusal(disable(&service, &admin, id).await), last);
    enable(&service, &admin, paul.account.id).await.unwrap();
    set_role(&service, &admin, id, Role::Member).await.unwrap();
    assert_eq!(
        refusal(set_role(&service, &admin, paul.account.id, Role::Member).await),
        last
    );

    let hub = node(dir.path(), NodeRole::Hub, "hub-test").await;
    let coordinator = first(&hub).await;
    let id = coordinator.account.id;
    assert_eq!(refusal(disable(&hub, &coordinator, id).await), last);
}

/// Rule: a change of password ends the other sessions and tokens, not the
/// one used; a reset, a disable and "end sessions" end them all; a
/// disabled account cannot log in, and is told so only with its password.
#[tokio::test]
async fn sessions_follow_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let service = node(dir.path(), NodeRole::Service, "ssm-a").await;
    let admin = first(&service).await;
    let marie = create(&service, &admin, new("marie", Role::Member, Some(PASSWORD)))
        .await
        .unwrap();
    let here = session(&service, "marie", PASSWORD).await;
    let there = session(&service, "marie", PASSWORD).await;
    let Ok(LogIn::Opened { token: script, .. }) = log_in(
        &service,
        "marie",
        PASSWORD,
        CLIENT,
        None,
        Access::Token { label: None },
    )
    .await
    else {
        panic!("no token");
    };
    let other = session(&service, "admin", PASSWORD).await;
    let actor = Actor::new(marie.account.clone());
    let change = |current, new, session| PasswordChange {
        current,
        new,
        session,
        client: CLIENT,
        device: None,
    };
    let weak = change_password(&service, &actor, change(PASSWORD, "1234567890", &here)).await;
    assert_eq!(
        refusal(weak),
        Refusal::InvalidField(Some(Rule::PasswordCommon))
    );
    assert!(
        alive(&service, &there).await,
        "a refused change ends nothing"
    );
    // A first password (someone else typed it) is not kept as one's own.
    assert!(actor.account.must_change_password);
    let kept = change_password(&service, &actor, change(PASSWORD, PASSWORD, &here)).await;
    assert_eq!(
        refusal(kept),
        Refusal::InvalidField(Some(Rule::FirstPasswordKept))
    );
    assert!(
        alive(&service, &there).await,
        "a kept password ends nothing"
    );
    change_password(&service, &actor, change(PASSWORD, NEW_PASSWORD, &here))
        .await
        .unwrap()
        .unwrap();
    assert!(alive(&service, &here).await, "the session used stays");
    assert!(!alive(&service, &there).await, "the other session ended");
    assert!(!alive(&service, &script).await, "the token ended");
    assert!(alive(&service, &other).await, "another account's stays");

    // The administrator resets it: every session ends, a first password.
    let reset = reset_password(&service, &admin, marie.account.id)
        .await
        .unwrap();
    assert!(!alive(&service, &here).await);
    assert!(reset.account.must_change_password);
    let again = session(&service, "marie", &reset.password).await;
    assert_eq!(
        end_sessions(&service, &admin, marie.account.id)
            .await
            .unwrap(),
        1
    );
    assert!(!alive(&service, &again).await);

    // Disabled: sessions end at once, and logging in says so only to
    // whoever gave the right password.
    let again = session(&service, "marie", &reset.password).await;
    disable(&service, &admin, marie.account.id).await.unwrap();
    assert!(!alive(&service, &again).await);
    let wrong = log_in(&service, "marie", "faux", CLIENT, None, Access::Session).await;
    assert!(matches!(wrong.unwrap(), LogIn::Refused));
    let right = log_in(
        &service,
        "marie",
        &reset.password,
        CLIENT,
        None,
        Access::Session,
    )
    .await;
    assert!(matches!(right.unwrap(), LogIn::Disabled));
    enable(&service, &admin, marie.account.id).await.unwrap();
    session(&service, "marie", &reset.password).await;
}

#[tokio::test]
async fn logging_in_opens_what_was_asked_under_the_throttle() {
    let dir = tempfile::tempdir().unwrap();
    let service = node(dir.path(), NodeRole::Service, "ssm-a").await;
    let opened = log_in(&service, "admin", PASSWORD, CLIENT, None, Access::Session)
        .await
        .unwrap();
    let LogIn::Opened {
        account,
        token,
        device,
    } = opened
    else {
        panic!("the right password is refused");
    };
    assert_eq!(account.username, "admin");
    let device = device.expect("a device cookie for a new browser");
    let resolved = sessions::resolve(&service.db, &token).await.unwrap();
    assert_eq!(resolved.map(|a| a.id), Some(account.id));
    log_out(&service, &token).await.unwrap();
    assert!(!alive(&service, &token).await);

    // A label too long is refused before the password is even tried.
    let long = "x".repeat(81);
    for _ in 0..throttle::FREE_TRIES + 2 {
        let access = Access::Token { label: Some(&long) };
        let refused = log_in(&service, "admin", "faux", CLIENT, None, access).await;
        assert_eq!(refusal(refused), Refusal::InvalidField(None));
    }
    for _ in 0..throttle::FREE_TRIES {
        let access = Access::Token { label: None };
        let refused = log_in(&service, "admin", "faux", CLIENT, None, access).await;
        assert!(matches!(refused.unwrap(), LogIn::Refused));
    }
    // The next attempt from that address waits, even with the right password…
    let blocked = log_in(&service, "admin", PASSWORD, CLIENT, None, Access::Session).await;
    let Ok(LogIn::Blocked(b)) = blocked else {
        panic!("not slowed down")
    };
    // The wait is counted in whole seconds from the last failure: a second
    // boundary may pass between that failure and this attempt (a loaded
    // machine), leaving one second less to wait, never more.
    assert!(
        (throttle::FIRST_DELAY_SECS - 1..=throttle::FIRST_DELAY_SECS).contains(&b.retry_after_secs),
        "{b:?}"
    );
    // …but not from elsewhere, nor with the owner's device cookie.
    let elsewhere = Some("198.51.100.4".parse().unwrap());
    let ok = log_in(
        &service,
        "admin",
        PASSWORD,
        elsewhere,
        None,
        Access::Session,
    )
    .await;
    assert!(matches!(ok.unwrap(), LogIn::Opened { .. }));
    let ok = log_in(
        &service,
        "admin",
        PASSWORD,
        CLIENT,
        Some(&device),
        Access::Session,
    )
    .await;
    assert!(matches!(ok.unwrap(), LogIn::Opened { device: None, .. }));
    // An administrator unblocks: the address may try at once.
    let admin = first(&service).await;
    assert!(list(&service, &admin).await.unwrap()[0].blocked);
    unblock(&service, &admin, admin.account.id).await.unwrap();
    assert!(!list(&service, &admin).await.unwrap()[0].blocked);
    let ok = log_in(&service, "admin", PASSWORD, CLIENT, None, Access::Session).await;
    assert!(matches!(ok.unwrap(), LogIn::Opened { .. }));
}

#[tokio::test]
async fn a_wrong_current_password_counts_as_a_failed_login() {
    let dir = tempfile::tempdir().unwrap();
    let service = node(dir.path(), NodeRole::Service, "ssm-a").await;
    let admin = first(&service).await;
    let here = session(&service, "admin", PASSWORD).await;
    let change = |current, new| PasswordChange {
        current,
        new,
        session: &here,
        client: CLIENT,
        device: None,
    };

    let wrong = change_password(&service, &admin, change("faux", NEW_PASSWORD)).await;
    assert_eq!(refusal(wrong), Refusal::InvalidField(None));
    // The right one forgives the earlier typo, and the password changes.
    change_password(&service, &admin, change(PASSWORD, NEW_PASSWORD))
        .await
        .unwrap()
        .unwrap();
    assert!(crate::accounts::check(&service.db, "admin", NEW_PASSWORD)
        .await
        .unwrap()
        .is_some_and(|a| !a.must_change_password));

    for _ in 0..throttle::FREE_TRIES {
        let wrong = change_password(&service, &admin, change("faux", PASSWORD)).await;
        assert_eq!(refusal(wrong), Refusal::InvalidField(None));
    }
    let blocked = change_password(&service, &admin, change(NEW_PASSWORD, PASSWORD)).await;
    assert!(
        blocked.unwrap().is_err(),
        "the throttle let a guess through"
    );
    // Logging in with that name from that address is slowed as well: one count.
    let login = log_in(
        &service,
        "admin",
        NEW_PASSWORD,
        CLIENT,
        None,
        Access::Session,
    )
    .await;
    assert!(matches!(login.unwrap(), LogIn::Blocked(_)));
}
