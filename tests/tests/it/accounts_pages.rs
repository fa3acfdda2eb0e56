//! Accounts in a real browser (headless Chromium), walked as the staff of
//! a service would: the administrator gives a member of the committee
//! access from the members' table, prints the login card (one A4 page,
//! without the menu or buttons), and later gives a new password, unblocks
//! and disables the account, each after a page that asks to confirm. The
//! member, in a browser of their own, is held on « Changer mon mot de
//! passe » until they choose one (a weak one refused in plain words next
//! to the field), which ends their other sessions; a reset ends the
//! current one; a disabled account cannot log in and the page says so.
//! Then, briefly, a hub's coordinator creates another coordinator.
//! Every page is checked by axe-core (WCAG 2.0 and 2.1, A and AA).
//!
//! Needs Chromium, ChromeDriver and axe-core (see `passerelle_tests::browser`);
//! skipped without them, a failure under `PASSERELLE_REQUIRE_ALL=1`.
#![allow(clippy::unwrap_used)]

use passerelle_protocol::body::NodeRole;
use passerelle_tests::browser::{pdf_page_count, Browser};
use passerelle_tests::{Api, TestNode, OWN_PASSWORD, TEST_PASSWORD};
use serde_json::{json, Value};

/// What the member chooses: a phrase.
const CHOSEN: &str = "le chat de ma voisine mange des frites";
/// What the member tries first: too easy to guess.
const WEAK: &str = "motdepasse123";

/// Which of these parts of the page are displayed (by the style sheet of
/// the current media): none of an element's ancestors is `display: none`.
async fn displayed(b: &Browser) -> Value {
    b.execute(
        "const shown = e => { for (; e; e = e.parentElement) { if (getComputedStyle(e).display === 'none') return false; } return true; };
         const any = sel => Array.from(document.querySelectorAll(sel)).some(shown);
         return {
           who: any('.who'),
           menu: any('nav.main-nav'),
           buttons: any('button, a.button, .actions'),
           card: any('.login-card'),
           password: any('.login-card .card-value'),
         };",
    )
    .await
}

/// The login card on the page: (address, user name, first password).
async fn card(b: &Browser) -> (String, String, String) {
    let v = b.texts(".login-card .card-value").await;
    assert_eq!(v.len(), 3, "{v:?}");
    (v[0].clone(), v[1].clone(), v[2].clone())
}

/// The card prints on exactly one A4 page, with no menu, no « Vous êtes
/// connecté·e », no buttons: only the card (and the service's name).
async fn check_card_prints(b: &Browser, name: &str) {
    let pdf = b.print_to_pdf().await;
    assert!(pdf.starts_with(b"%PDF"), "{name}: not a PDF");
    std::fs::create_dir_all(passerelle_tests::browser::artifacts_dir()).unwrap();
    std::fs::write(
        passerelle_tests::browser::artifacts_dir().join(format!("{name}.pdf")),
        &pdf,
    )
    .unwrap();
    assert_eq!(pdf_page_count(&pdf), 1, "{name}: the card takes one page");

    let screen = displayed(b).await;
    assert_eq!(
        screen,
        json!({"who": true, "menu": true, "buttons": true, "card": true, "password": true}),
        "{name}: on screen"
    );
    b.emulate_media("print").await;
    let paper = displayed(b).await;
    b.emulate_media("").await;
    assert_eq!(
        paper,
        json!({"who": false, "menu": false, "buttons": false, "card": true, "password": true}),
        "{name}: on paper"
    );
}

/// The message next to a field (`<id>-error`), tied to it by `aria-describedby`.
async fn field_error(b: &Browser, id: &str) -> String {
    let described = b.attr(&format!("#{id}"), "aria-describedby").await;
    assert_eq!(described.as_deref(), Some(format!("{id}-error").as_str()));
    b.texts(&format!("#{id}-error"))
        .await
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// The account's id from the address of its page (`/comptes/7`).
async fn account_id(b: &Browser) -> String {
    let path = b.current_path().await;
    path.strip_prefix("/comptes/").unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_gives_a_member_access() {
    let test = "an_administrator_gives_a_member_access";
    let Some(admin) = Browser::start(test).await else {
        return;
    };
    let Some(member) = Browser::start(test).await else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let service = TestNode::create(
        &root.path().join("s"),
        NodeRole::Service,
        "ssm-comptes",
        None,
    )
    .await;
    let base = service.url.clone();
    {
        // The committee has a member (added as in `member_pages`).
        let api = Api::login(&base, "admin", TEST_PASSWORD).await;
        let (status, body) = api
            .post(
                "/api/v1/members",
                json!({"display_name": "Marie Dupont", "role": "usager", "consent": true}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    admin
        .sign_in(&base, "admin", TEST_PASSWORD, OWN_PASSWORD)
        .await;

    // From the member's row, « Donner un accès à Passerelle ».
    admin.goto(&format!("{base}/membres")).await;
    admin
        .click_link("Donner un accès à Passerelle : Marie Dupont")
        .await;
    assert!(admin
        .current_path()
        .await
        .starts_with("/comptes/nouveau?membre="));
    assert_eq!(
        admin.h1().await,
        "Donner un accès à Passerelle à Marie Dupont"
    );
    let suggested = admin
        .execute("return document.getElementById('username').value;")
        .await;
    assert_eq!(suggested, json!("marie.dupont"));
    admin.assert_accessible("comptes/nouveau (membre)").await;

    // A name already taken: said next to the user name.
    admin.fill("Nom d'utilisateur", "admin").await;
    admin.click_button("Créer le compte et voir sa carte").await;
    assert_eq!(
        field_error(&admin, "username").await,
        "Ce nom d'utilisateur est déjà pris. Choisissez-en un autre."
    );
    admin.assert_accessible("comptes/nouveau (erreur)").await;
    admin.fill("Nom d'utilisateur", "marie.dupont").await;
    admin.click_button("Créer le compte et voir sa carte").await;

    // The login card: printed on one page, then never shown again.
    let (address, username, first) = card(&admin).await;
    assert_eq!(
        (address.as_str(), username.as_str()),
        (base.as_str(), "marie.dupont")
    );
    assert!(first.len() >= 12, "{first}");
    check_card_prints(&admin, "carte-de-connexion").await;
    admin.assert_accessible("carte de connexion").await;
    admin.screenshot("carte-de-connexion").await;

    // The members' table now leads to the account, and offers no second one.
    admin.goto(&format!("{base}/membres")).await;
    let links = admin.texts("a").await;
    assert!(
        !links.iter().any(|t| t.starts_with("Donner un accès")),
        "{links:?}"
    );
    admin
        .click_link("A un accès : voir son compte : Marie Dupont")
        .await;
    let id = account_id(&admin).await;
    assert_eq!(admin.h1().await, "Le compte marie.dupont");

    // The list of accounts, from the menu.
    admin.click_link("Comptes").await;
    assert_eq!(admin.current_path().await, "/comptes");
    let text = admin.text().await;
    assert!(text.contains("marie.dupont"), "{text}");
    assert!(text.contains("Doit choisir son mot de passe"), "{text}");
    admin.assert_accessible("comptes").await;
    admin.click_link("Créer un compte").await;
    assert_eq!(admin.current_path().await, "/comptes/nouveau");
    admin.assert_accessible("comptes/nouveau").await;

    // The member, with the card's first password: held on its change.
    let earlier = Api::login_as_is(&base, "marie.dupont", &first).await;
    member.login(&base, "marie.dupont", &first).await;
    assert_eq!(member.current_path().await, "/mot-de-passe");
    for page in ["/", "/membres", "/propositions", "/comptes"] {
        member.goto(&format!("{base}{page}")).await;
        assert_eq!(member.current_path().await, "/mot-de-passe", "{page}");
    }
    let text = member.text().await;
    assert!(
        text.contains("Les autres pages de Passerelle s'ouvriront dès que ce sera fait."),
        "{text}"
    );
    member.assert_accessible("mot-de-passe (premier)").await;
    member.choose_password(&first, WEAK).await;
    assert_eq!(member.current_path().await, "/mot-de-passe");
    let why = field_error(&member, "new").await;
    assert!(why.contains("Ce mot de passe"), "plain French: {why}");
    member.assert_accessible("mot-de-passe (erreur)").await;
    member.choose_password(&first, CHOSEN).await;
    assert!(member
        .text()
        .await
        .contains("Votre mot de passe est changé."));
    member.goto(&format!("{base}/membres")).await;
    assert_eq!(member.current_path().await, "/membres");
    // The session opened elsewhere with the first password is over.
    let (status, body) = earlier.get("/api/v1/me").await;
    assert_eq!(status, 401, "{body}");

    // Forgotten: the administrator gives a new password, after confirming.
    admin.goto(&format!("{base}/comptes/{id}")).await;
    admin.assert_accessible("compte").await;
    admin
        .click_link("Donner un nouveau mot de passe (la personne l'a oublié)")
        .await;
    assert_eq!(
        admin.h1().await,
        "Donner un nouveau mot de passe à marie.dupont ?"
    );
    admin
        .assert_accessible("confirmer: nouveau mot de passe")
        .await;
    admin
        .click_button("Oui, donner un nouveau mot de passe")
        .await;
    let (_, _, second) = card(&admin).await;
    assert_ne!(second, first);
    check_card_prints(&admin, "carte-de-connexion-nouvelle").await;
    // The member's session ended with the old password.
    member.goto(&format!("{base}/membres")).await;
    assert!(
        member.current_path().await.starts_with("/connexion"),
        "{}",
        member.current_path().await
    );

    // Wrong passwords, again and again: the login page says to wait.
    let mut blocked = false;
    for _ in 0..8 {
        member
            .login(&base, "marie.dupont", "pas le bon mot de passe")
            .await;
        if member
            .text()
            .await
            .contains("Trop d'essais de connexion ratés")
        {
            blocked = true;
            break;
        }
    }
    assert!(blocked, "the login page never said to wait");
    assert!(member
        .text()
        .await
        .contains("demander à la personne qui s'occupe de Passerelle"));
    member.assert_accessible("connexion (bloquée)").await;
    // The administrator unblocks it: the member gets in at once.
    admin.goto(&format!("{base}/comptes/{id}")).await;
    assert!(admin.text().await.contains("Bloqué par des essais ratés"));
    admin.click_button("Débloquer ce compte").await;
    assert!(admin.text().await.contains("Le compte est débloqué"));
    member.login(&base, "marie.dupont", &second).await;
    assert_eq!(member.current_path().await, "/mot-de-passe");

    // The other confirmation pages: each says what will happen, and
    // « Non » changes nothing.
    for (link, question, page) in [
        (
            "Fermer toutes ses connexions",
            "Fermer toutes les connexions de marie.dupont ?",
            "confirmer: fermer les connexions",
        ),
        (
            "En faire un·e administrateur·rice",
            "Faire de marie.dupont un·e administrateur·rice ?",
            "confirmer: rôle",
        ),
    ] {
        admin.goto(&format!("{base}/comptes/{id}")).await;
        admin.click_link(link).await;
        assert_eq!(admin.h1().await, question);
        admin.assert_accessible(page).await;
        admin.click_link("Non, revenir au compte").await;
        assert_eq!(admin.current_path().await, format!("/comptes/{id}"));
    }

    // Disabled, after confirming: the session ends, the login page says so.
    admin.click_link("Désactiver ce compte").await;
    assert_eq!(admin.h1().await, "Désactiver le compte marie.dupont ?");
    admin.assert_accessible("confirmer: désactiver").await;
    admin.click_button("Oui, désactiver ce compte").await;
    assert!(admin.text().await.contains("Le compte est désactivé."));
    member.goto(&format!("{base}/mot-de-passe")).await;
    assert!(member.current_path().await.starts_with("/connexion"));
    member.login(&base, "marie.dupont", &second).await;
    assert!(member.current_path().await.starts_with("/connexion"));
    let text = member.text().await;
    assert!(text.contains("Ce compte est désactivé."), "{text}");
    member.assert_accessible("connexion (désactivé)").await;

    member.close().await;
    admin.close().await;
}

/// A hub's coordinator creates another coordinator: the same pages, one
/// role only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_creates_a_coordinator() {
    let test = "a_coordinator_creates_a_coordinator";
    let Some(b) = Browser::start(test).await else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let hub = TestNode::create(&root.path().join("h"), NodeRole::Hub, "hub-comptes", None).await;
    b.sign_in(&hub.url, "admin", TEST_PASSWORD, OWN_PASSWORD)
        .await;
    b.click_link("Comptes").await;
    assert_eq!(b.current_path().await, "/comptes");
    b.assert_accessible("hub: comptes").await;
    b.click_link("Créer un compte").await;
    // One role on a hub: nothing to choose.
    assert!(b.attr("input[type=radio]", "name").await.is_none());
    b.fill("Nom d'utilisateur", "claire").await;
    b.click_button("Créer le compte et voir sa carte").await;
    let (_, username, _) = card(&b).await;
    assert_eq!(username, "claire");
    check_card_prints(&b, "hub-carte-de-connexion").await;
    b.assert_accessible("hub: carte de connexion").await;
    b.goto(&format!("{}/comptes", hub.url)).await;
    let text = b.text().await;
    assert!(
        text.contains("claire") && text.contains("Coordination"),
        "{text}"
    );
    b.close().await;
}
