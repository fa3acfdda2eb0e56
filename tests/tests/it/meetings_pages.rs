//! Local meetings corrected in a real browser (headless Chromium), as an
//! administrator would: a meeting typed in for a past date (the page warns
//! and asks), one rescheduled, one cancelled after the confirmation page
//! (it stays, marked), an empty one deleted, and the attendance of seven
//! members in one form, « Tout le monde présent », then one person's
//! corrected; a decision corrected and taken back. Every new page state is
//! checked by axe-core.
//!
//! Needs Chromium, ChromeDriver and axe-core (see `passerelle_tests::browser`);
//! skipped without them, a failure under `PASSERELLE_REQUIRE_ALL=1`.
#![allow(clippy::unwrap_used)]

use passerelle_tests::browser::Browser;
use passerelle_tests::{Api, Federation, OWN_PASSWORD, TEST_PASSWORD};
use serde_json::json;

const SEVEN: [&str; 7] = ["Ana", "Ben", "Cléo", "Dan", "Eva", "Fred", "Gaby"];

/// The rows of the page's tables, each as its cells' texts joined by a
/// space (« Ana Présent·e »).
async fn table_rows(b: &Browser) -> Vec<String> {
    let v = b
        .execute(
            "return Array.from(document.querySelectorAll('table.service-table tbody tr')).map(r => Array.from(r.cells).map(c => c.textContent.replace(/\\s+/g, ' ').trim()).join(' '));",
        )
        .await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The attendance table: « name status » for each row.
async fn attendance(b: &Browser) -> Vec<String> {
    table_rows(b).await
}

/// The current path without its query (the message after a change).
async fn path(b: &Browser) -> String {
    b.current_path().await.split('?').next().unwrap().to_owned()
}

/// Plans a meeting through the form.
async fn plan(b: &Browser, base: &str, title: &str, date: &str) {
    b.goto(&format!("{base}/reunions/nouvelle")).await;
    b.fill("Nom de la réunion", title).await;
    b.set_value("Date", date).await;
    b.set_value("Heure du début", "18:00").await;
    b.fill("Lieu", "Salle d'attente").await;
    b.click_button("Prévoir la réunion").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meetings_are_corrected_from_the_pages() {
    const TEST: &str = "meetings_are_corrected_from_the_pages";
    let Some(b) = Browser::start(TEST).await else {
        return;
    };
    let fed = Federation::start(1, None).await;
    let base = fed.services[0].url.clone();
    let api = Api::login(&base, "admin", TEST_PASSWORD).await;
    for name in SEVEN {
        let (status, body) = api
            .post(
                "/api/v1/members",
                json!({"display_name": name, "role": "usager", "consent": false}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    b.sign_in(&base, "admin", TEST_PASSWORD, OWN_PASSWORD).await;

    // « 1 janvier 2020 »: the page warns and asks before recording it.
    plan(&b, &base, "Comité de janvier 2020", "2020-01-01").await;
    assert_eq!(b.current_path().await, "/reunions/nouvelle");
    let text = b.text().await;
    assert!(
        text.contains("Cette date est passée : confirmez que la réunion a déjà eu lieu."),
        "{text}"
    );
    b.assert_accessible("new meeting, past date asked").await;
    b.check("Oui, cette réunion a déjà eu lieu").await;
    b.click_button("Prévoir la réunion").await;
    assert_eq!(b.h1().await, "Comité de janvier 2020");
    let past = path(&b).await;

    // Attendance of the seven in one form.
    b.assert_accessible("meeting, attendance form").await;
    for (i, name) in SEVEN.iter().enumerate() {
        let status = match i {
            1 => "Excusé·e",
            4 => "Absent·e",
            _ => "Présent·e",
        };
        b.check(&format!("{status} : {name}")).await;
    }
    b.click_button("Enregistrer les présences").await;
    assert_eq!(b.notice().await, "Les présences sont notées.");
    let rows = attendance(&b).await;
    assert_eq!(rows.len(), 7, "{rows:?}");
    assert!(rows.contains(&"Ben Excusé·e".to_owned()), "{rows:?}");
    assert!(rows.contains(&"Eva Absent·e".to_owned()), "{rows:?}");
    b.assert_accessible("meeting, attendance recorded").await;

    // One person's attendance corrected: Eva came after all.
    b.check("Présent·e : Eva").await;
    b.click_button("Enregistrer les présences").await;
    let rows = attendance(&b).await;
    assert!(rows.contains(&"Eva Présent·e".to_owned()), "{rows:?}");
    assert!(rows.contains(&"Ben Excusé·e".to_owned()), "{rows:?}");

    // « Tout le monde présent », in one click.
    b.click_button("Tout le monde présent").await;
    assert_eq!(
        b.notice().await,
        "C'est noté : tout le monde était présent."
    );
    let rows = attendance(&b).await;
    assert_eq!(rows.len(), 7);
    assert!(rows.iter().all(|r| r.ends_with("Présent·e")), "{rows:?}");

    // A decision recorded, corrected, then taken back after confirming.
    b.fill("La décision", "Acheter une rampe").await;
    b.click_button("Noter la décision").await;
    assert_eq!(b.notice().await, "La décision est notée.");
    b.execute("document.querySelectorAll('details').forEach(d => d.open = true); return null;")
        .await;
    b.assert_accessible("meeting, a decision's correction open")
        .await;
    b.fill(
        "La décision : correction",
        "Demander une rampe à la direction",
    )
    .await;
    b.click_button("Enregistrer la correction").await;
    assert_eq!(b.notice().await, "La décision est corrigée.");
    let decisions = b
        .texts(".service-decisions > li > p:not(.service-remove)")
        .await;
    assert_eq!(decisions, ["Demander une rampe à la direction"]);
    b.click_link("Retirer cette décision").await;
    assert_eq!(b.h1().await, "Retirer cette décision ?");
    assert!(b.text().await.contains("Demander une rampe à la direction"));
    b.assert_accessible("remove a decision, confirmation").await;
    b.click_button("Oui, retirer la décision").await;
    assert_eq!(b.notice().await, "La décision est retirée.");
    assert!(b.text().await.contains("Pas encore de décision notée."));

    // Something is recorded: it cannot be deleted, only cancelled.
    assert!(b
        .text()
        .await
        .contains("la réunion ne peut plus être supprimée"));

    // Rescheduled: a week later.
    plan(&b, &base, "Comité de mars", "2031-03-11").await;
    assert_eq!(b.h1().await, "Comité de mars");
    let march = path(&b).await;
    b.click_link("Changer la date, l'heure ou le lieu").await;
    b.assert_accessible("meeting moved, form").await;
    b.set_value("Date", "2031-03-18").await;
    b.fill("Lieu", "Salle du premier étage").await;
    b.click_button("Enregistrer les changements").await;
    assert_eq!(b.notice().await, "La réunion est changée.");
    let lead = b.texts("p.lead").await.join(" ");
    assert!(
        lead.contains("18 mars 2031") && lead.contains("Salle du premier étage"),
        "{lead}"
    );

    // Cancelled after the page that says what will happen; it stays.
    b.fill("Pourquoi ? (facultatif)", "Grève des bus").await;
    b.click_button("Annuler la réunion…").await;
    assert_eq!(b.h1().await, "Annuler la réunion « Comité de mars » ?");
    assert!(b.text().await.contains("La raison notée : Grève des bus"));
    b.assert_accessible("cancel, confirmation").await;
    b.click_button("Oui, annuler la réunion").await;
    assert_eq!(path(&b).await, march);
    assert!(b.h1().await.contains("Annulée"));
    let text = b.text().await;
    assert!(text.contains("Raison : Grève des bus"), "{text}");
    assert!(!text.contains("Enregistrer les présences"));
    b.assert_accessible("meeting cancelled").await;
    b.goto(&format!("{base}/reunions")).await;
    let rows = table_rows(&b).await;
    assert!(
        rows.iter()
            .any(|r| r.contains("Comité de mars") && r.contains("Annulée")),
        "{rows:?}"
    );
    b.assert_accessible("meetings, one cancelled").await;

    // An empty meeting is deleted after its confirmation page.
    plan(&b, &base, "Doublon", "2031-05-06").await;
    b.click_link("Supprimer la réunion").await;
    assert_eq!(b.h1().await, "Supprimer la réunion « Doublon » ?");
    b.assert_accessible("delete, confirmation").await;
    b.click_button("Oui, supprimer la réunion").await;
    assert_eq!(path(&b).await, "/reunions");
    assert_eq!(b.notice().await, "La réunion est supprimée.");
    assert!(!b.text().await.contains("Doublon"));

    // The meeting with its attendance is still there.
    b.goto(&format!("{base}{past}")).await;
    assert_eq!(attendance(&b).await.len(), 7);
    b.close().await;
    fed.stop().await;
}
