//! The pages in English, in a real browser (headless Chromium) that asks
//! for English (`Accept-Language: en-GB,en`): a service's main pages and
//! the hub's, walked as a person would, by their English labels, buttons
//! and links. On every page: `<html lang="en">`, no French left (see
//! [`FRENCH`]), and axe-core finds no violation (WCAG 2.0 and 2.1, A and
//! AA). Then the « Français » link in the header, reached with the
//! keyboard and followed without JavaScript, switches to French and is
//! remembered over the browser's language; « English » switches back.
//!
//! Needs Chromium, ChromeDriver and axe-core (see `passerelle_tests::browser`);
//! skipped without them, a failure under `PASSERELLE_REQUIRE_ALL=1`.
//! `-- --nocapture` prints one `AXE <page> violations=0 …` line per page.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use passerelle_tests::browser::Browser;
use passerelle_tests::{Federation, TEST_PASSWORD};
use serde_json::Value;

/// The password every account chooses at its first login.
const NEW_PASSWORD: &str = "a sentence only I know";
/// How long a federated change may take to show on another node's page.
const PATIENCE: Duration = Duration::from_secs(20);

/// French that must not be left on an English page: the letters English
/// does not use, and the small words of every French sentence. The data
/// the test types is in English; the nodes' names (« Nœud ssm-1 ») are
/// data too, and none of this.
const FRENCH: &[&str] = &[
    "é", "è", "ê", "à", "ç", "ù", "û", "ô", "î", "·", "«", "»", " le ", " la ", " les ", " des ",
    " du ", " une ", " est ", " et ", " pour ", " avec ", " dans ", " pas ", " vous ", " votre ",
    " sur ", " qui ", " aux ",
];

/// Where the English walk is: the browser and the pages seen.
struct Walk {
    b: Browser,
    pages: Vec<String>,
}

impl Walk {
    /// The text people read on the page (and in the labels screen readers
    /// say), without the language link, which names French in French.
    async fn readable_text(&self) -> String {
        let v = self
            .b
            .execute(
                "const parts = [document.title, document.body.innerText]; \
                 for (const e of document.querySelectorAll('[aria-label], [title], [alt], [placeholder]')) { \
                   for (const a of ['aria-label', 'title', 'alt', 'placeholder']) { \
                     if (e.hasAttribute(a)) parts.push(e.getAttribute(a)); } } \
                 for (const o of document.querySelectorAll('option')) parts.push(o.textContent); \
                 const link = document.querySelector('.lang-switch'); \
                 let text = parts.join('\\n'); \
                 if (link) text = text.split(link.innerText).join(''); \
                 return text;",
            )
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Checks the page: English, no French left, no accessibility problem.
    async fn check(&mut self, page: &str) {
        let lang = self.b.attr("html", "lang").await;
        assert_eq!(lang.as_deref(), Some("en"), "« {page} » is not in English");
        let text = self.readable_text().await;
        let padded = format!(" {} ", text.replace(['\n', '.', ',', ':', '(', ')'], " "));
        let left: Vec<&str> = FRENCH
            .iter()
            .copied()
            .filter(|w| padded.to_lowercase().contains(w))
            .collect();
        assert!(
            left.is_empty(),
            "French left on « {page} » ({}): {left:?}\n{text}",
            self.b.current_url().await
        );
        self.b.assert_accessible(&format!("en: {page}")).await;
        self.pages.push(page.to_owned());
    }

    /// Logs in at `base` as its admin, choosing a new password the first
    /// time, through the English pages.
    async fn enter(&mut self, base: &str, first: bool) {
        self.b.goto(&format!("{base}/connexion")).await;
        assert_eq!(self.b.h1().await, "Log in");
        if first {
            self.check("log in").await;
        }
        self.b.fill("Username", "admin").await;
        self.b
            .fill("Password", if first { TEST_PASSWORD } else { NEW_PASSWORD })
            .await;
        self.b.click_button("Log in").await;
        if first {
            assert_eq!(self.b.current_path().await, "/mot-de-passe");
            assert_eq!(self.b.h1().await, "Change my password");
            self.check("change my password").await;
            self.b.fill("Current password", TEST_PASSWORD).await;
            self.b.fill("New password", NEW_PASSWORD).await;
            self.b.fill("New password, once more", NEW_PASSWORD).await;
            self.b.click_button("Save the new password").await;
            assert_eq!(self.flash().await, "Your password is changed.");
        }
    }

    async fn flash(&self) -> String {
        let v = self
            .b
            .execute("const e = document.querySelector('.notice.ok'); return e ? e.innerText.trim() : '';")
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_in_english() {
    const TEST: &str = "the_pages_in_english";
    let started = Instant::now();
    let Some(b) = Browser::start_in(TEST, "en-GB,en").await else {
        return;
    };
    let fed = Federation::start(1, None).await;
    let service = fed.services[0].url.clone();
    let hub = fed.hub.url.clone();
    let mut w = Walk {
        b,
        pages: Vec::new(),
    };

    // ---------------------------------------------------------------
    // A service, chosen by the browser's language.
    w.enter(&service, true).await;
    assert_eq!(w.b.h1().await, "The user committee");
    w.check("service: home").await;
    w.b.screenshot("en-service-home").await;

    w.b.click_link("Proposals").await;
    assert_eq!(w.b.h1().await, "The committee's proposals");
    w.check("service: proposals (none)").await;
    w.b.click_link("Write a new proposal").await;
    w.b.click_button("Save the proposal").await;
    let text = w.b.text().await;
    assert!(text.contains("There is a problem"), "{text}");
    assert!(text.contains("Write the title of the proposal."), "{text}");
    w.check("service: new proposal (errors)").await;
    w.b.fill("Title", "A bell at the front door").await;
    w.b.fill(
        "Explanation",
        "People wait outside because nobody hears them knock.",
    )
    .await;
    w.b.check("Reception").await;
    w.b.check("The committee").await;
    w.b.click_button("Save the proposal").await;
    assert_eq!(
        w.flash().await,
        "The proposal is saved. It stays in your service."
    );
    let text = w.b.text().await;
    assert!(text.contains("Where is it at? Idea"), "{text}");
    // Dates read as in English, in sentences as in lists.
    let history =
        w.b.execute("return document.querySelector('.service-history li').innerText;")
            .await;
    let history = history.as_str().unwrap_or_default();
    assert!(
        history.starts_with("Idea — ")
            && history.ends_with(", by admin.")
            && !history.contains(" on "),
        "{history}"
    );
    w.check("service: proposal").await;
    w.b.click_button("Discussed in committee").await;
    assert_eq!(w.flash().await, "Noted: the committee discussed it.");
    w.b.click_button("Send to management").await;
    assert_eq!(
        w.flash().await,
        "Noted: the proposal is sent to management."
    );
    w.b.click_button("Share with the joint committee").await;
    w.check("service: proposal (shared)").await;
    w.b.screenshot("en-service-proposal").await;
    w.b.click_link("← All proposals").await;
    w.check("service: proposals").await;
    w.b.click_link("Print the form for the suggestion box")
        .await;
    assert_eq!(w.b.h1().await, "An idea for the service?");
    w.check("service: form for the suggestion box").await;

    w.b.click_link("Meetings").await;
    assert_eq!(w.b.h1().await, "The committee's meetings");
    w.check("service: meetings").await;
    w.b.click_link("Plan a new meeting").await;
    w.check("service: new meeting").await;
    w.b.fill("Name of the meeting", "December meeting").await;
    w.b.set_value("Date", "2030-12-10").await;
    w.b.set_value("Start time", "18:00").await;
    w.b.fill("Place", "The waiting room").await;
    w.b.click_button("Plan the meeting").await;
    assert_eq!(w.b.h1().await, "December meeting");
    assert!(w
        .b
        .text()
        .await
        .contains("10 December 2030 at 18:00. Place: The waiting room. Format: meeting."));
    w.check("service: meeting").await;

    w.b.click_link("Members").await;
    w.b.click_link("Add a member").await;
    w.check("service: new member").await;
    w.b.fill("Name", "Awa").await;
    w.b.check("Service user").await;
    w.b.click_button("Add this member").await;
    assert_eq!(w.flash().await, "The member is added.");
    w.check("service: members").await;

    w.b.click_link("Delegates").await;
    assert_eq!(w.b.h1().await, "Who represents the committee?");
    w.b.click_link("Appoint a delegate or a substitute").await;
    w.check("service: appoint").await;
    w.b.select("Member", "Awa").await;
    w.b.check("Delegate").await;
    w.b.click_button("Appoint this person").await;
    assert_eq!(w.flash().await, "The appointment is recorded.");
    // Awa did not agree to show her name: the neutral label, in English.
    assert!(w.b.text().await.contains("Delegate 1"));
    w.check("service: delegates").await;

    w.b.click_link("Joint committee").await;
    assert_eq!(w.b.h1().await, "The joint committee");
    w.check("service: joint committee").await;

    // ---------------------------------------------------------------
    // The language link: reached with the keyboard, followed without
    // script, remembered over the browser's language.
    let presses = w.b.tab_to("Français", 8).await;
    assert!(
        presses.is_some(),
        "the « Français » link is not reachable with Tab"
    );
    println!("KEYBOARD « Français » reached after {presses:?} Tab presses");
    assert_eq!(
        w.b.attr(".lang-switch a", "lang").await.as_deref(),
        Some("fr")
    );
    w.b.press_enter("the « Français » link").await;
    assert_eq!(w.b.current_path().await, "/inter-services");
    assert_eq!(w.b.attr("html", "lang").await.as_deref(), Some("fr"));
    assert_eq!(w.b.h1().await, "Le comité inter-services");
    // The browser still asks for English: the choice wins.
    w.b.goto(&format!("{service}/propositions")).await;
    assert_eq!(w.b.h1().await, "Les propositions du comité");
    w.b.click_link("English").await;
    assert_eq!(w.b.current_path().await, "/propositions");
    assert_eq!(w.b.h1().await, "The committee's proposals");
    w.b.click_button("Log out").await;

    // ---------------------------------------------------------------
    // The hub, once the shared proposal has reached it.
    w.enter(&hub, true).await;
    assert_eq!(w.b.h1().await, "The joint committee");
    w.check("hub: home").await;
    w.b.click_link("Services").await;
    assert_eq!(w.b.h1().await, "The member services");
    w.check("hub: services").await;
    w.b.click_link("Proposals").await;
    let start = Instant::now();
    while !w.b.text().await.contains("A bell at the front door") {
        assert!(
            start.elapsed() < PATIENCE,
            "the shared proposal never reached the hub"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        w.b.goto(&format!("{hub}/propositions")).await;
    }
    assert!(w
        .b
        .text()
        .await
        .contains("Supported by its own service only."));
    w.check("hub: proposals").await;
    w.b.screenshot("en-hub-proposals").await;
    let csv = w.b.download(&format!("{hub}/propositions.csv")).await;
    assert!(
        csv.contains("Service;Title;Description;Topic;State"),
        "the spreadsheet speaks the page's language: {csv}"
    );
    assert!(csv.contains(";Reception;Sent to management;"), "{csv}");

    w.b.click_link("Common topics").await;
    assert_eq!(w.b.h1().await, "The common topics");
    w.check("hub: common topics").await;
    w.b.click_link("Joint meetings").await;
    assert_eq!(w.b.h1().await, "The joint meetings");
    w.check("hub: joint meetings").await;
    assert_eq!(
        w.b.field("Format of the meeting")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("breakfast")
    );
    w.b.fill("Title of the meeting", "Joint committee of March")
        .await;
    w.b.set_value("Start day and time", "2031-03-10T09:30")
        .await;
    w.b.set_value("End time (optional)", "11:30").await;
    w.b.fill("Place", "The community centre").await;
    w.b.click_button("Create the draft of the meeting").await;
    assert_eq!(
        w.flash().await,
        "The draft is created. Now add the agenda items."
    );
    assert!(w
        .b
        .text()
        .await
        .contains("10 March 2031 at 9:30, until 11:30"));
    w.check("hub: joint meeting (draft)").await;
    w.b.click_link("Home").await;
    let text: Value = w.b.execute("return document.body.innerText;").await;
    assert!(
        text.as_str()
            .unwrap_or_default()
            .contains("1 meeting is a draft: the services cannot see it yet."),
        "{text}"
    );
    w.b.click_button("Log out").await;

    let pages = w.pages.len();
    w.b.close().await;
    fed.stop().await;
    println!(
        "TIME {TEST} {:.1} s, {pages} English pages checked",
        started.elapsed().as_secs_f64()
    );
}
