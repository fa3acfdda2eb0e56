//! Accounts: who may create which role where, and the throttle around
//! every password check.
#![allow(clippy::unwrap_used)]

use passerelle_protocol::body::NodeRole;

use super::*;
use crate::actions::testing::{first, node, someone, PASSWORD};
use crate::error::Refusal;

const NEW_PASSWORD: &str = "une-phrase-facile-a-retenir";

fn refusal<T>(result: Result<T, NodeError>) -> Refusal {
    match result {
        Ok(_) => panic!("accepted"),
        Err(e) => e.refusal().unwrap(),
    }
}

#[tokio::test]
async fn a_service_has_admins_and_members_a_hub_coordinators() {
    let dir = tempfile::tempdir().unwrap();
    let service = node(dir.path(), NodeRole::Service, "ssm-a").await;
    let hub = node(dir.path(), NodeRole::Hub, "hub-test").await;
    let admin = first(&service).await;
    let coordinator = first(&hub).await;

    let marie = create(&service, &admin, " marie ", NEW_PASSWORD, Role::Member)
        .await
        .unwrap();
    assert_eq!(
        (marie.username.as_str(), marie.role),
        ("marie", Role::Member)
    );
    assert!(marie.must_change_password);
    create(&service, &admin, "paul", NEW_PASSWORD, Role::Admin)
        .await
        .unwrap();
    let wrong = create(&service, &admin, "eve", NEW_PASSWORD, Role::Coordinator).await;
    assert_eq!(refusal(wrong), Refusal::InvalidField(None));

    create(&hub, &coordinator, "lea", NEW_PASSWORD, Role::Coordinator)
        .await
        .unwrap();
    for role in [Role::Admin, Role::Member] {
        let wrong = create(&hub, &coordinator, "eve", NEW_PASSWORD, role).await;
        assert_eq!(refusal(wrong), Refusal::InvalidField(None));
    }
    let names =
        |list: Vec<Account>| -> Vec<String> { list.into_iter().map(|a| a.username).collect() };
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
    let made = create(&service, &member, "eve", "court", Role::Admin).await;
    assert_eq!(refusal(made), Refusal::Forbidden);
    assert_eq!(refusal(list(&service, &member).await), Refusal::Forbidden);
    let admin = first(&service).await;
    assert_eq!(list(&service, &admin).await.unwrap().len(), 1);
}

#[tokio::test]
async fn logging_in_opens_what_was_asked_under_the_throttle() {
    let dir = tempfile::tempdir().unwrap();
    let service = node(dir.path(), NodeRole::Service, "ssm-a").await;
    let client = Some("192.0.2.7".parse().unwrap());
    let opened = log_in(&service, "admin", PASSWORD, client, Access::Session)
        .await
        .unwrap();
    let LogIn::Opened { account, token } = opened else {
        panic!("the right password is refused");
    };
    assert_eq!(account.username, "admin");
    let resolved = sessions::resolve(&service.db, &token).await.unwrap();
    assert_eq!(resolved.map(|a| a.id), Some(account.id));
    log_out(&service, &token).await.unwrap();
    assert!(sessions::resolve(&service.db, &token)
        .await
        .unwrap()
        .is_none());

    // A label too long is refused before the password is even tried.
    let long = "x".repeat(81);
    for _ in 0..throttle::PER_ACCOUNT + 1 {
        let access = Access::Token { label: Some(&long) };
        let refused = log_in(&service, "admin", "faux", client, access).await;
        assert_eq!(refusal(refused), Refusal::InvalidField(None));
    }
    for _ in 0..throttle::PER_ACCOUNT {
        let access = Access::Token { label: None };
        let refused = log_in(&service, "admin", "faux", client, access).await;
        assert!(matches!(refused.unwrap(), LogIn::Refused));
    }
    let blocked = log_in(&service, "admin", PASSWORD, client, Access::Session).await;
    assert!(matches!(blocked.unwrap(), LogIn::Blocked(_)));
}

#[tokio::test]
async fn a_wrong_current_password_counts_as_a_failed_login() {
    let dir = tempfile::tempdir().unwrap();
    let service = node(dir.path(), NodeRole::Service, "ssm-a").await;
    let admin = first(&service).await;
    let client = Some("192.0.2.8".parse().unwrap());

    let wrong = change_password(&service, &admin, client, "faux", NEW_PASSWORD).await;
    assert_eq!(refusal(wrong), Refusal::InvalidField(None));
    // The right one forgives the earlier typo, and the password changes.
    change_password(&service, &admin, client, PASSWORD, NEW_PASSWORD)
        .await
        .unwrap()
        .unwrap();
    assert!(crate::accounts::check(&service.db, "admin", NEW_PASSWORD)
        .await
        .unwrap()
        .is_some_and(|a| !a.must_change_password));

    for _ in 0..throttle::PER_ACCOUNT {
        let wrong = change_password(&service, &admin, client, "faux", PASSWORD).await;
        assert_eq!(refusal(wrong), Refusal::InvalidField(None));
    }
    let blocked = change_password(&service, &admin, client, NEW_PASSWORD, PASSWORD).await;
    assert!(
        blocked.unwrap().is_err(),
        "the throttle let a guess through"
    );
    // Logging in with that name is blocked as well: one count.
    let login = log_in(&service, "admin", NEW_PASSWORD, client, Access::Session).await;
    assert!(matches!(login.unwrap(), LogIn::Blocked(_)));
}
