//! Going back on a proposal, and designations to come, in a real browser
//! (headless Chromium), as an administrator: correcting a shared
//! proposal's title and text, abandoning it after a page that asks, then
//! reopening it after another (the history keeps all three); designating a
//! substitute from a future date while someone holds that role without an
//! end date (the page offers to end that term the day before), then seeing
//! « à partir du … » on `/delegues` and at the hub. Every page state is
//! checked by axe-core (WCAG 2.0 and 2.1, A and AA).
//!
//! Needs Chromium, ChromeDriver and axe-core (see `passerelle_tests::browser`);
//! skipped without them, a failure under `PASSERELLE_REQUIRE_ALL=1`.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use passerelle_tests::browser::Browser;
use passerelle_tests::{share_proposal, Api, Federation, OWN_PASSWORD, TEST_PASSWORD};
use serde_json::json;

const OLD_TITLE: &str = "Une sonette à l'entrée";
const NEW_TITLE: &str = "Une sonnette à l'entrée";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proposal_is_corrected_abandoned_and_reopened_and_a_designation_is_to_come() {
    const TEST: &str =
        "a_proposal_is_corrected_abandoned_and_reopened_and_a_designation_is_to_come";
    let Some(b) = Browser::start(TEST).await else {
        return;
    };
    let fed = Federation::start(1, None).await;
    let service = &fed.services[0];
    let base = service.url.clone();
    let id = share_proposal(&service.node, OLD_TITLE).await;
    let api = Api::login(&base, "admin", TEST_PASSWORD).await;
    b.sign_in(&base, "admin", TEST_PASSWORD, OWN_PASSWORD).await;

    // Correcting: the form holds today's text; a blank title is refused
    // next to its field.
    b.goto(&format!("{base}/propositions/{id}")).await;
    b.click_link("Corriger le titre, l'explication ou le thème")
        .await;
    assert_eq!(b.h1().await, "Corriger la proposition");
    assert!(b
        .text()
        .await
        .contains("Cette proposition est partagée : les autres services verront la correction."));
    b.assert_accessible("corriger une proposition").await;
    b.fill("Titre", " ").await;
    b.click_button("Enregistrer la correction").await;
    assert!(b
        .text()
        .await
        .contains("Écrivez le titre de la proposition."));
    assert_eq!(
        b.attr("#title", "aria-invalid").await.as_deref(),
        Some("true")
    );
    b.assert_accessible("corriger une proposition (erreur)")
        .await;
    b.fill("Titre", NEW_TITLE).await;
    b.fill(
        "Explication",
        "Les personnes sonnent au lieu d'attendre dehors.",
    )
    .await;
    b.click_button("Enregistrer la correction").await;
    assert_eq!(
        b.notice().await,
        "La correction est notée. Le comité inter-services la reçoit aussi."
    );
    assert_eq!(b.h1().await, NEW_TITLE);
    let history = b.texts(".service-history li").await;
    assert!(history[1].starts_with("Corrigée"), "{history:?}");
    assert!(history[1].contains(&format!("Titre : « {OLD_TITLE} » → « {NEW_TITLE} »")));
    assert!(history[1].contains("texte corrigé"));
    b.assert_accessible("une proposition corrigée").await;

    // Abandoning: a page asks first, and says it can be reopened.
    b.click_button("Abandonner cette proposition").await;
    assert_eq!(b.h1().await, format!("Abandonner « {NEW_TITLE} » ?"));
    let ask = b.text().await;
    assert!(ask.contains(
        "La proposition sort de la liste des propositions en cours. Vous pourrez la rouvrir plus tard."
    ));
    assert!(ask.contains("Le comité inter-services est prévenu."));
    b.assert_accessible("abandonner ? (confirmation)").await;
    b.click_button("Oui, abandonner la proposition").await;
    assert_eq!(
        b.notice().await,
        "C'est noté : la proposition est abandonnée."
    );
    assert!(b.texts(".lead .status").await[0].contains("Abandonnée"));
    b.assert_accessible("une proposition abandonnée").await;

    // Reopening: asked too, then back to where it was (an idea).
    b.click_link("Rouvrir").await;
    assert_eq!(b.h1().await, format!("Rouvrir « {NEW_TITLE} » ?"));
    assert!(b.text().await.contains("Elle revient à l'étape « Idée »."));
    b.assert_accessible("rouvrir ? (confirmation)").await;
    b.click_button("Oui, rouvrir la proposition").await;
    assert_eq!(
        b.notice().await,
        "C'est noté : la proposition est rouverte, à l'étape « Idée »."
    );
    let history = b.texts(".service-history li strong").await;
    assert_eq!(
        history,
        [
            "Idée",
            "Corrigée",
            "Abandonnée",
            "Rouverte : retour à « Idée »"
        ]
    );
    b.assert_accessible("une proposition rouverte").await;

    // Designations: Awa is substitute from today with no end; Marie is
    // designated substitute from 1 January 2031.
    let member = |name: &str| json!({"display_name": name, "role": "usager", "contact": null, "consent": true});
    let (status, awa) = api.post("/api/v1/members", member("Awa")).await;
    assert_eq!(status, 201, "{awa}");
    let (status, marie) = api.post("/api/v1/members", member("Marie")).await;
    assert_eq!(status, 201, "{marie}");
    let today = service.node.clock().today().to_string();
    let (status, d) = api
        .post(
            "/api/v1/delegates",
            json!({"member": awa["id"], "role": "substitute", "term_start": today, "term_end": null}),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    b.goto(&format!("{base}/delegues/designer")).await;
    b.select("Membre", "Marie").await;
    b.check("Suppléant·e").await;
    b.set_value("Premier jour du mandat", "2031-01-01").await;
    b.click_button("Désigner cette personne").await;
    assert_eq!(b.h1().await, "Awa est encore suppléant·e sans date de fin");
    assert!(b
        .text()
        .await
        .contains("Voulez-vous terminer son mandat la veille, le 31 décembre 2030 ?"));
    b.assert_accessible("désigner : un mandat sans fin (confirmation)")
        .await;
    b.click_button("Oui, terminer le mandat le 31 décembre 2030")
        .await;
    assert_eq!(b.notice().await, "La désignation est notée.");
    assert!(b
        .texts("h2")
        .await
        .contains(&"Les mandats à venir".to_owned()));
    let rows = b.texts("tbody tr").await;
    assert!(
        rows.iter()
            .any(|r| r.starts_with("Marie") && r.contains("à partir du 1er janvier 2031")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("Awa") && r.contains("le 31 décembre 2030")),
        "{rows:?}"
    );
    b.assert_accessible("délégué·es : un mandat à venir").await;

    // At the hub, once the list arrived: to come too.
    b.sign_in(&fed.hub.url, "admin", TEST_PASSWORD, OWN_PASSWORD)
        .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        b.goto(&format!("{}/services", fed.hub.url)).await;
        if b.text()
            .await
            .contains("Marie (suppléant·e, à partir du 1er janvier 2031)")
        {
            break;
        }
        assert!(Instant::now() < deadline, "{}", b.text().await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    b.assert_accessible("hub : services, un mandat à venir")
        .await;
    b.close().await;
    fed.stop().await;
}
