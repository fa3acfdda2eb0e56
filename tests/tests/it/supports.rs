//! Support is the committee's (issue #16), across a hub and two services,
//! in a real browser: a member of ssm-2 suggests supporting ssm-1's shared
//! proposal, with a word; nothing leaves ssm-2 (the hub still counts one
//! service). The administrator sees the suggestion, edits the word, is
//! asked on the confirmation page, and gives the committee's support,
//! decided at a local meeting. The word then reaches the coordinator's
//! list of proposals, its spreadsheet (CSV), the API, and ssm-1's own page
//! of the proposal. Every page state is checked by axe-core.
//!
//! Needs Chromium, ChromeDriver and axe-core (see `passerelle_tests::browser`);
//! skipped without them, a failure under `PASSERELLE_REQUIRE_ALL=1`.
#![allow(clippy::unwrap_used)]

use passerelle_tests::browser::Browser;
use passerelle_tests::{share_proposal, Api, Federation, OWN_PASSWORD, TEST_PASSWORD};
use serde_json::json;

const TITLE: &str = "Des réunions le soir";
const MEMBER_WORD: &str = "Beaucoup de membres travaillent en journée.";
const WORD: &str = "=Chez nous aussi ; le soir, c'est mieux.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_suggests_the_committee_supports_and_its_word_is_read_everywhere() {
    const TEST: &str = "a_member_suggests_the_committee_supports_and_its_word_is_read_everywhere";
    let Some(b) = Browser::start(TEST).await else {
        return;
    };
    let fed = Federation::start(2, None).await;
    let (origin, other) = (&fed.services[0], &fed.services[1]);
    let id = share_proposal(&origin.node, TITLE).await;
    let coordinator = Api::login(&fed.hub.url, "admin", TEST_PASSWORD).await;
    let admin = Api::login(&other.url, "admin", TEST_PASSWORD).await;
    let (status, body) = admin
        .post(
            "/api/v1/accounts",
            json!({"username": "marie", "role": "member", "password": "un-mot-de-passe-long"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, meeting) = admin
        .post(
            "/api/v1/meetings",
            json!({"title": "Comité de novembre", "starts_at": passerelle_core::clock::now() - 7 * 86_400,
                   "place": "Salle du fond", "format": "réunion", "in_the_past": true}),
        )
        .await;
    assert_eq!(status, 201, "{meeting}");
    admin
        .eventually("/api/v1/joint/proposals", |v| {
            v.as_array()
                .is_some_and(|l| l.iter().any(|p| p["title"] == TITLE))
        })
        .await;

    // 1. Marie, a member, suggests supporting it, with a word.
    let base = other.url.clone();
    b.sign_in(&base, "marie", "un-mot-de-passe-long", OWN_PASSWORD)
        .await;
    b.goto(&format!("{base}/inter-services")).await;
    assert!(!b.text().await.contains("Soutenir au nom du comité"));
    b.fill(
        &format!("Un mot pour dire pourquoi (facultatif) : {TITLE}"),
        MEMBER_WORD,
    )
    .await;
    b.click_button(&format!("Proposer au comité de la soutenir : {TITLE}"))
        .await;
    assert_eq!(
        b.notice().await,
        "C'est noté. Les administrateurs et administratrices de votre comité verront votre proposition de soutien."
    );
    assert!(b
        .text()
        .await
        .contains("Vous avez proposé au comité de la soutenir."));
    b.assert_accessible("coin inter-services : une proposition de soutien")
        .await;
    b.screenshot("supports-member-corner").await;
    b.click_button("Se déconnecter").await;

    // Not the committee's support: nothing was sent, the hub counts one.
    let (status, own) = admin.get("/api/v1/joint/suggestions").await;
    assert_eq!(status, 200);
    assert_eq!(own[0]["word"], MEMBER_WORD, "{own}");
    let (_, listed) = coordinator.get("/api/v1/hub/proposals").await;
    assert_eq!(listed[0]["support"], 1, "{listed}");
    assert_eq!(listed[0]["supporters"], json!([]));

    // 2. The administrator sees it, edits the word, is asked, confirms.
    b.sign_in(&base, "admin", TEST_PASSWORD, OWN_PASSWORD).await;
    b.goto(&format!("{base}/inter-services")).await;
    let text = b.text().await;
    assert!(text.contains("Des membres proposent de soutenir"), "{text}");
    assert!(text.contains(&format!("« {MEMBER_WORD} »")), "{text}");
    b.assert_accessible("coin inter-services : les propositions de soutien")
        .await;
    b.screenshot("supports-admin-corner").await;
    let label = format!("Le mot du comité, avec son soutien (facultatif) : {TITLE}");
    assert_eq!(
        b.field(&label)
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some(MEMBER_WORD),
        "the member's word is the first draft"
    );
    b.fill(&label, WORD).await;
    let when = b
        .execute(&format!(
            "return Array.from(document.querySelectorAll('#confirm-meeting-{id} option')).map(o => o.textContent.trim());"
        ))
        .await;
    let meeting_label = when[1].as_str().unwrap().to_owned();
    assert!(meeting_label.starts_with("Comité de novembre, "), "{when}");
    b.select(
        &format!("Décidé à quelle réunion de votre comité ? (facultatif) : {TITLE}"),
        &meeting_label,
    )
    .await;
    b.click_button(&format!("Donner le soutien du comité : {TITLE}"))
        .await;
    assert_eq!(
        b.h1().await,
        format!("Donner le soutien de votre comité à « {TITLE} » ?")
    );
    let ask = b.text().await;
    assert!(ask.contains(&format!("Avec ce mot : « {WORD} »")), "{ask}");
    assert!(ask.contains("Votre comité l'a décidé à sa réunion « Comité de novembre »"));
    b.assert_accessible("soutenir ? (confirmation)").await;
    b.screenshot("supports-confirm").await;
    let (_, listed) = coordinator.get("/api/v1/hub/proposals").await;
    assert_eq!(listed[0]["support"], 1, "asking sent nothing");
    b.click_button("Oui, soutenir au nom du comité").await;
    assert_eq!(
        b.notice().await,
        "Votre comité soutient cette proposition. Le comité inter-services est prévenu."
    );
    assert!(!b.text().await.contains("Des membres proposent de soutenir"));
    let (_, pending) = admin.get("/api/v1/joint/suggestions").await;
    assert_eq!(pending, json!([]), "settled");

    // 3. At the hub: the API, the list, the spreadsheet.
    let listed = coordinator
        .eventually("/api/v1/hub/proposals", |v| v[0]["support"] == 2)
        .await;
    assert_eq!(listed[0]["supporters"][0]["service_id"], "ssm-2");
    assert_eq!(listed[0]["supporters"][0]["comment"], WORD);
    b.sign_in(&fed.hub.url, "admin", TEST_PASSWORD, OWN_PASSWORD)
        .await;
    b.goto(&format!("{}/propositions", fed.hub.url)).await;
    let supporters = b.texts(".hub-supporters li").await;
    assert_eq!(supporters, [format!("Nœud ssm-2 : « {WORD} »")]);
    b.assert_accessible("hub : propositions avec leurs soutiens")
        .await;
    b.screenshot("supports-hub-proposals").await;
    let csv = b
        .download(&format!("{}/propositions.csv", fed.hub.url))
        .await;
    let header = csv.lines().next().unwrap();
    assert!(header.contains("Services qui la soutiennent, avec leur mot"));
    assert!(
        csv.contains(&format!("\"Nœud ssm-2 : {WORD}\"")),
        "the word, quoted for its `;`: {csv}"
    );
    b.click_button("Se déconnecter").await;

    // 4. At the origin, on the proposal's own page.
    let origin_admin = Api::login(&origin.url, "admin", TEST_PASSWORD).await;
    let detail = origin_admin
        .eventually(&format!("/api/v1/proposals/{id}"), |v| {
            v["supporters"].as_array().is_some_and(|l| !l.is_empty())
        })
        .await;
    assert_eq!(detail["supporters"][0]["comment"], WORD);
    b.sign_in(&origin.url, "admin", TEST_PASSWORD, OWN_PASSWORD)
        .await;
    b.goto(&format!("{}/propositions/{id}", origin.url)).await;
    assert!(b
        .text()
        .await
        .contains("Les autres services qui la soutiennent"));
    assert_eq!(
        b.texts(".service-supporters li").await,
        [format!("Nœud ssm-2 : « {WORD} »")]
    );
    b.assert_accessible("la proposition et ses soutiens").await;
    b.screenshot("supports-origin-proposal").await;
    b.close().await;
    fed.stop().await;
}
