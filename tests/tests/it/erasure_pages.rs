//! « Vos données » in a real browser (headless Chromium): what leaves the
//! service, the texts it sent, and erasing those of one message after a
//! page that asks to confirm and requires a reason. An administrator walks
//! it in French, then once in English (no French sentence left); a member
//! of the committee reads the explanations only. Every page is checked by
//! axe-core (WCAG 2.0 and 2.1, A and AA).
//!
//! Needs Chromium, ChromeDriver and axe-core (see `passerelle_tests::browser`);
//! skipped without them, a failure under `PASSERELLE_REQUIRE_ALL=1`.
#![allow(clippy::unwrap_used)]

use passerelle_tests::browser::Browser;
use passerelle_tests::{share_proposal, Api, Federation, OWN_PASSWORD, TEST_PASSWORD};
use serde_json::json;

const MEMBER_PASSWORD: &str = "le mot de passe de Noa";
const TITLE: &str = "Une rampe pour Célestin Verbist";
const TITLE_EN: &str = "A bench for Mr Wilkins";
const REASON: &str = "un nom écrit par erreur";
const REASON_EN: &str = "a name written by mistake";

/// French that must not be left on an English page (as in
/// `pages_in_english`): the letters English does not use, and the small
/// words of every French sentence.
const FRENCH: &[&str] = &[
    "é", "è", "ê", "à", "ç", "ù", "û", "ô", "î", "·", "«", "»", " le ", " la ", " les ", " des ",
    " du ", " une ", " est ", " et ", " pour ", " avec ", " dans ", " pas ", " vous ", " votre ",
    " sur ", " qui ", " aux ", " ce ", " ces ", " de ",
];

/// The section headings (`h2`) of the page.
async fn headings(b: &Browser) -> Vec<String> {
    b.texts("h2").await
}

/// Checks that the page is in English with no French left but `data` (what
/// people typed, shown as they typed it), and accessible.
async fn english(b: &Browser, page: &str, data: &[&str]) {
    assert_eq!(
        b.attr("html", "lang").await.as_deref(),
        Some("en"),
        "« {page} » is not in English"
    );
    let v = b
        .execute(
            "const parts = [document.title, document.body.innerText]; \
             for (const e of document.querySelectorAll('[aria-label], [title], [alt], [placeholder]')) { \
               for (const a of ['aria-label', 'title', 'alt', 'placeholder']) { \
                 if (e.hasAttribute(a)) parts.push(e.getAttribute(a)); } } \
             const link = document.querySelector('.lang-switch'); \
             let text = parts.join('\\n'); \
             if (link) text = text.split(link.innerText).join(''); \
             return text;",
        )
        .await;
    let mut text = v.as_str().unwrap_or_default().to_owned();
    for d in data {
        text = text.replace(d, "");
    }
    let padded = format!(
        " {} ",
        text.replace(['\n', '.', ',', ':', '(', ')', '?', ';'], " ")
            .to_lowercase()
    );
    let left: Vec<&str> = FRENCH
        .iter()
        .copied()
        .filter(|w| padded.contains(w))
        .collect();
    assert!(
        left.is_empty(),
        "French left on « {page} » ({}): {left:?}\n{text}",
        b.current_url().await
    );
    b.assert_accessible(&format!("en: {page}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn your_data_pages_show_what_leaves_and_erase_it() {
    const TEST: &str = "your_data_pages_show_what_leaves_and_erase_it";
    let Some(b) = Browser::start(TEST).await else {
        return;
    };
    let fed = Federation::start(1, None).await;
    let base = fed.services[0].url.clone();
    let api = Api::login(&base, "admin", TEST_PASSWORD).await;
    let (status, body) = api
        .post(
            "/api/v1/accounts",
            json!({"username": "noa", "role": "member", "password": MEMBER_PASSWORD}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    share_proposal(&fed.services[0].node, TITLE).await;
    let description = format!("Description de « {TITLE} »");

    // The administrator: what leaves the service, and the texts it sent.
    b.sign_in(&base, "admin", TEST_PASSWORD, OWN_PASSWORD).await;
    b.click_link("Vos données").await;
    assert_eq!(b.current_path().await, "/donnees");
    assert_eq!(
        b.h1().await,
        "Vos données : ce qui quitte le service, et comment le reprendre"
    );
    let h2 = headings(&b).await;
    for h in [
        "En bref",
        "Ce qui quitte le service",
        "Ce que le comité inter-services garde, et combien de temps",
        "Comment reprendre",
        "Les textes que le service a envoyés",
        "Registre des effacements",
    ] {
        assert!(h2.iter().any(|x| x == h), "no « {h} » in {h2:?}");
    }
    let text = b.text().await;
    assert!(text.contains("Votre nom est partagé seulement si vous êtes d'accord."));
    assert!(text.contains("Ne quittent jamais le service : la liste des membres"));
    assert!(text.contains("Rien n'a encore été effacé."));
    let cards = b.texts(".card").await;
    assert_eq!(cards.len(), 1, "{cards:?}");
    assert!(cards[0].starts_with("Proposition partagée"), "{cards:?}");
    assert!(
        cards[0].contains(TITLE) && cards[0].contains(&description),
        "{cards:?}"
    );
    b.assert_accessible("vos données (administrateur)").await;

    // Erasing asks first, and requires a reason.
    b.click_link("Effacer ces textes").await;
    let erase_path = b.current_path().await;
    assert!(
        erase_path.starts_with("/donnees/") && erase_path.ends_with("/effacer"),
        "{erase_path}"
    );
    assert_eq!(b.h1().await, "Effacer ces textes ?");
    let listed = b.texts("main ul li").await;
    assert!(
        listed.contains(&TITLE.to_owned()) && listed.contains(&description),
        "{listed:?}"
    );
    assert!(b.text().await.contains("on ne peut pas revenir en arrière"));
    b.assert_accessible("effacer ces textes").await;
    b.click_button("Oui, effacer ces textes").await;
    assert_eq!(b.current_path().await, erase_path, "nothing erased yet");
    assert!(
        b.title().await.starts_with("Erreur —"),
        "{}",
        b.title().await
    );
    let error = b.texts("#reason-error").await;
    assert_eq!(error.len(), 1, "no error on the field");
    assert!(
        error[0].contains("Écrivez pourquoi ces textes sont effacés"),
        "{error:?}"
    );
    assert_eq!(
        b.attr("#reason", "aria-invalid").await.as_deref(),
        Some("true")
    );
    assert!(b
        .attr("#reason", "aria-describedby")
        .await
        .unwrap_or_default()
        .contains("reason-error"));
    b.assert_accessible("effacer ces textes (sans raison)")
        .await;
    let (_, shared) = api.get("/api/v1/shared-messages").await;
    assert_eq!(
        shared[0]["texts"],
        json!([TITLE, description]),
        "refused: kept"
    );

    b.fill("Pourquoi ?", REASON).await;
    b.click_button("Oui, effacer ces textes").await;
    assert!(b.current_path().await.starts_with("/donnees?ok="));
    assert!(
        b.notice()
            .await
            .starts_with("Les textes sont effacés, ici et dans tout le comité inter-services."),
        "{}",
        b.notice().await
    );
    let record = b.texts("table.service-table tbody tr").await;
    assert_eq!(record.len(), 1, "{record:?}");
    assert!(
        record[0].contains(REASON) && record[0].contains("Effacé par un·e administrateur·rice"),
        "{record:?}"
    );
    let text = b.text().await;
    assert!(
        !text.contains("Célestin"),
        "the page still shows the text:\n{text}"
    );
    assert!(text.contains("Plus aucun texte : tout est effacé."));
    b.assert_accessible("vos données (après un effacement)")
        .await;
    b.click_button("Se déconnecter").await;

    // A member of the committee reads what leaves and how to take it back,
    // not the texts, and cannot erase.
    b.sign_in(&base, "noa", MEMBER_PASSWORD, OWN_PASSWORD).await;
    b.goto(&format!("{base}/donnees")).await;
    assert_eq!(
        b.h1().await,
        "Vos données : ce qui quitte le service, et comment le reprendre"
    );
    let h2 = headings(&b).await;
    assert!(h2.iter().any(|h| h == "Ce qui quitte le service"), "{h2:?}");
    assert!(h2.iter().any(|h| h == "Comment reprendre"), "{h2:?}");
    assert!(
        !h2.iter()
            .any(|h| h == "Les textes que le service a envoyés" || h == "Registre des effacements"),
        "{h2:?}"
    );
    assert!(b.texts(".card").await.is_empty());
    assert!(b.texts("a[href$='/effacer']").await.is_empty());
    assert!(!b.text().await.contains(REASON));
    b.assert_accessible("vos données (membre)").await;
    b.goto(&format!("{base}{erase_path}")).await;
    assert_ne!(
        b.h1().await,
        "Effacer ces textes ?",
        "a member cannot erase"
    );
    b.goto(&format!("{base}/donnees")).await;
    b.click_button("Se déconnecter").await;

    // Once in English, with a new text to erase.
    share_proposal(&fed.services[0].node, TITLE_EN).await;
    let description_en = format!("Description de « {TITLE_EN} »");
    // The admin's password is still the test one: the API's login above
    // chose it, first password kept (see `Api::login`).
    b.sign_in(&base, "admin", TEST_PASSWORD, OWN_PASSWORD).await;
    b.goto(&format!("{base}/donnees")).await;
    b.click_link("English").await;
    assert_eq!(b.current_path().await, "/donnees");
    assert_eq!(
        b.h1().await,
        "Your data: what leaves the service, and how to take it back"
    );
    let data = [description_en.as_str(), TITLE_EN, REASON, "Nœud ssm-1"];
    assert_eq!(
        headings(&b).await,
        [
            "In short",
            "What leaves the service",
            "What the joint committee keeps, and for how long",
            "How to take it back",
            "The texts the service sent",
            "Record of erasures"
        ]
    );
    english(&b, "your data", &data).await;
    b.click_link("Erase these texts").await;
    assert_eq!(b.h1().await, "Erase these texts?");
    english(&b, "erase these texts", &data).await;
    b.click_button("Yes, erase these texts").await;
    assert!(!b.texts("#reason-error").await.is_empty());
    english(&b, "erase these texts (no reason)", &data).await;
    b.fill("Why?", REASON_EN).await;
    b.click_button("Yes, erase these texts").await;
    assert!(b.current_path().await.starts_with("/donnees?ok="));
    assert!(
        b.notice().await.starts_with("The texts are erased"),
        "{}",
        b.notice().await
    );
    let record = b.texts("table.service-table tbody tr").await;
    assert!(record.iter().any(|r| r.contains(REASON_EN)), "{record:?}");
    assert!(!b.text().await.contains("Wilkins"));
    english(&b, "your data (after an erasure)", &data).await;

    b.close().await;
    fed.stop().await;
}
