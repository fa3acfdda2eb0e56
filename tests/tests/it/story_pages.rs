//! The whole story of issue 4 again — service A's proposal, supported by
//! B, linked with C's by the coordinator, put on a joint meeting's agenda,
//! decided, and the decision back on A's proposal — but this time done
//! only through the web pages, in a real browser (headless Chromium), as
//! people would: by the labels of the fields, the texts of the buttons and
//! links, and what the pages say.
//!
//! Every distinct page seen is checked by axe-core (WCAG 2.0 and 2.1, A and
//! AA, no violation allowed) and weighed. The run prints one
//! `AXE <page> violations=N passes=N …` line per page as it is seen, then
//! one `WEIGHT <page> transferred=… bodies=…` line per page, heaviest
//! first. Screenshots of the main pages go to `tests/artifacts/` (and to
//! `tests/screenshots/` with `PASSERELLE_UPDATE_SCREENSHOTS=1`).
//!
//! One browser for four nodes: they all listen on 127.0.0.1, and cookies
//! do not tell ports apart, so each visit to another node starts at its
//! login page (and ends with « Se déconnecter »).
//!
//! Needs Chromium, ChromeDriver and axe-core (see `passerelle_tests::browser`);
//! skipped without them, a failure under `PASSERELLE_REQUIRE_ALL=1`.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use passerelle_protocol::body::NodeRole;
use passerelle_tests::browser::{AxeReport, Browser, PageWeight};
use passerelle_tests::{Federation, TestNode, TEST_PASSWORD};
use serde_json::Value;

/// The password every account chooses at its first login.
const NEW_PASSWORD: &str = "une phrase que je suis seul·e à connaître";
/// How long a federated change may take to show on another node's page.
const PATIENCE: Duration = Duration::from_secs(20);

const A_TITLE: &str = "Des horaires le jeudi soir";
const C_TITLE: &str = "Ouvrir le jeudi soir";
const SUBJECT: &str = "Des horaires le soir";
const MEETING: &str = "Comité inter-services du jeudi";
const FREE_ITEM: &str = "Accueil et café";
const ANSWER: &str = "La direction est d'accord pour ouvrir le jeudi jusqu'à 20 h, une semaine sur deux, pour commencer.";
const DECISION: &str = "Les deux services testent une ouverture le jeudi soir dès janvier.";

/// One page seen: what axe-core found and what it weighed.
struct Seen {
    url: String,
    weight: PageWeight,
    report: AxeReport,
}

/// The browser, and what the story saw.
struct Story {
    b: Browser,
    /// Pages by name, in the order first seen.
    seen: Vec<(String, Seen)>,
    /// Nodes whose admin already chose a new password.
    changed: BTreeSet<String>,
    /// What a page got wrong without stopping the story: reported, and a
    /// failure, at the end.
    wrong: Vec<String>,
}

impl Story {
    /// A page should do this; if it does not, the story goes on and the
    /// test fails at the end with the list of what went wrong.
    fn expect(&mut self, ok: bool, what: String) {
        if !ok {
            println!("WRONG {what}");
            self.wrong.push(what);
        }
    }

    /// Runs axe-core on the current page and weighs it, once per page
    /// name. Violations are gathered and fail the test at the end, so that
    /// one run lists every page to correct.
    async fn check(&mut self, page: &str) {
        assert!(
            !self.seen.iter().any(|(n, _)| n == page),
            "page « {page} » checked twice: give it another name"
        );
        let weight = self.b.page_weight().await;
        let report = self.b.axe().await;
        println!(
            "AXE {page} violations={} passes={} incomplete={} weight={} bodies={} resources={}",
            report.violations.len(),
            report.passes,
            report.incomplete,
            weight.transferred,
            weight.bodies,
            weight.resources
        );
        if !report.violations.is_empty() {
            println!("{}", report.describe());
        }
        let url = self.b.current_url().await;
        self.seen.push((
            page.to_owned(),
            Seen {
                url,
                weight,
                report,
            },
        ));
    }

    /// Opens the login page of `base` and signs in as its admin (the
    /// coordinator on the hub). The first time, the node asks for a new
    /// password: it is chosen through the page.
    async fn enter(&mut self, base: &str, check_pages: bool) {
        let b = &self.b;
        b.goto(&format!("{base}/connexion")).await;
        assert_eq!(b.h1().await, "Se connecter");
        if check_pages {
            self.check("connexion").await;
        }
        let b = &self.b;
        let first = !self.changed.contains(base);
        b.fill("Nom d'utilisateur", "admin").await;
        b.fill(
            "Mot de passe",
            if first { TEST_PASSWORD } else { NEW_PASSWORD },
        )
        .await;
        b.click_button("Se connecter").await;
        if first {
            assert_eq!(b.current_path().await, "/mot-de-passe", "{base}");
            assert!(b
                .text()
                .await
                .contains("Votre mot de passe a été donné par quelqu'un d'autre."));
            if check_pages {
                self.check("mot-de-passe (première connexion)").await;
            }
            let b = &self.b;
            b.fill("Mot de passe actuel", TEST_PASSWORD).await;
            b.fill("Nouveau mot de passe", NEW_PASSWORD).await;
            b.fill("Nouveau mot de passe, encore une fois", NEW_PASSWORD)
                .await;
            b.click_button("Enregistrer le nouveau mot de passe").await;
            assert!(b.text().await.contains("Votre mot de passe est changé."));
            self.changed.insert(base.to_owned());
        }
        assert!(
            self.b.current_path().await.starts_with('/'),
            "signed in at {base}"
        );
    }

    /// Signs out through the header's button.
    async fn leave(&self) {
        self.b.click_button("Se déconnecter").await;
        assert_eq!(self.b.current_path().await, "/connexion");
    }

    /// Reloads `url` until its text holds `needle` (federation is
    /// asynchronous); fails after [`PATIENCE`]. Returns how long it took.
    async fn reload_until(&self, url: &str, needle: &str) -> Duration {
        let start = Instant::now();
        loop {
            self.b.goto(url).await;
            let text = self.b.text().await;
            if text.contains(needle) {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < PATIENCE,
                "{url} never showed « {needle} » within {PATIENCE:?}; it shows:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The texts of the elements matching `css`, in page order.
    async fn texts(&self, css: &str) -> Vec<String> {
        let v = self
            .b
            .execute(&format!(
                "return Array.from(document.querySelectorAll({})).map(e => e.textContent.replace(/\\s+/g, ' ').trim());",
                Value::String(css.to_owned())
            ))
            .await;
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// The flash message of the page ("" if none).
    async fn flash(&self) -> String {
        self.texts(".notice.ok")
            .await
            .into_iter()
            .next()
            .unwrap_or_default()
    }
}

/// A start a few minutes ago and an end two hours later, in Brussels time
/// as the coordinator's own browser gives it: `(2030-12-10T09:30, 11:30)`
/// for the `datetime-local` and `time` fields. Both stay on today's date
/// (the end is « le même jour »): just after midnight the start is 00:00,
/// late in the evening the end is 23:59.
async fn a_meeting_that_just_started(b: &Browser) -> (String, String) {
    let v = b
        .execute(
            "const f = new Intl.DateTimeFormat('sv-SE', {timeZone: 'Europe/Brussels', \
               year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', \
               minute: '2-digit', hourCycle: 'h23'}); \
             const at = ms => f.format(new Date(Date.now() + ms)).split(' '); \
             const today = at(0)[0]; \
             const start = at(-3 * 60 * 1000); \
             const end = at(2 * 3600 * 1000); \
             return [today + 'T' + (start[0] === today ? start[1] : '00:00'), \
                     end[0] === today ? end[1] : '23:59'];",
        )
        .await;
    (
        v[0].as_str().unwrap().to_owned(),
        v[1].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_story_through_the_pages() {
    const TEST: &str = "the_whole_story_through_the_pages";
    let started = Instant::now();
    let Some(b) = Browser::start(TEST).await else {
        return;
    };
    let fed = Federation::start(3, None).await;
    let (a, bb, c) = (
        fed.services[0].url.clone(),
        fed.services[1].url.clone(),
        fed.services[2].url.clone(),
    );
    let hub = fed.hub.url.clone();
    println!(
        "TIME federation ready after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut s = Story {
        b,
        seen: Vec::new(),
        changed: BTreeSet::new(),
        wrong: Vec::new(),
    };

    // ---------------------------------------------------------------
    // 1. Service A writes a proposal and follows it to management's
    //    answer, then shares it.
    s.enter(&a, true).await;
    assert!(s
        .b
        .current_path()
        .await
        .starts_with("/?ok=Votre+mot+de+passe+est+chang%C3%A9.&sceau="));
    assert_eq!(s.b.h1().await, "Le comité d'usager·ères");
    s.check("service: accueil").await;
    s.b.screenshot("story-service-accueil").await;

    s.b.click_link("Écrire une nouvelle proposition").await;
    assert_eq!(s.b.current_path().await, "/propositions/nouvelle");
    assert_eq!(s.b.h1().await, "Écrire une nouvelle proposition");
    s.check("service: nouvelle proposition").await;
    // Sent empty: every mistake is said, next to its field.
    s.b.click_button("Enregistrer la proposition").await;
    let text = s.b.text().await;
    for message in [
        "Il y a un problème",
        "Écrivez le titre de la proposition.",
        "Expliquez la proposition en quelques phrases.",
        "Choisissez le thème de la proposition.",
        "Dites d'où vient la proposition.",
    ] {
        assert!(text.contains(message), "« {message} » missing:\n{text}");
    }
    assert_eq!(
        s.b.attr("#title", "aria-invalid").await.as_deref(),
        Some("true")
    );
    assert!(s.b.title().await.starts_with("Erreur — "));
    s.check("service: nouvelle proposition (erreurs)").await;
    s.b.fill("Titre", A_TITLE).await;
    s.b.fill(
        "Explication",
        "Beaucoup d'entre nous travaillent ou ont des rendez-vous la journée.\n\nLe service pourrait rester ouvert le jeudi soir.",
    )
    .await;
    s.b.check("Accessibilité").await;
    s.b.check("Le comité").await;
    s.b.fill("Mots-clés (facultatif)", "horaires, soirée").await;
    s.b.click_button("Enregistrer la proposition").await;
    assert_eq!(s.b.h1().await, A_TITLE);
    assert_eq!(
        s.flash().await,
        "La proposition est enregistrée. Elle reste dans votre service."
    );
    let a_proposal = s.b.current_url().await;
    let a_proposal = a_proposal.split('?').next().unwrap().to_owned();
    assert!(s.b.text().await.contains("Où en est-elle ? Idée"));
    s.check("service: proposition (idée)").await;

    s.b.click_button("Discutée en comité").await;
    assert_eq!(s.flash().await, "C'est noté : le comité en a discuté.");
    s.b.click_button("Envoyer à la direction").await;
    assert_eq!(
        s.flash().await,
        "C'est noté : la proposition est envoyée à la direction."
    );
    assert!(s
        .b
        .text()
        .await
        .contains("Où en est-elle ? Envoyée à la direction"));
    // Management's answer, first without its text: refused, said why.
    s.b.check("La direction accepte, avec des changements.")
        .await;
    s.b.click_button("Noter la réponse de la direction").await;
    assert!(s
        .b
        .text()
        .await
        .contains("Écrivez ce que la direction a répondu. Pour un refus, écrivez la raison."));
    assert_eq!(
        s.b.attr("#answer-text", "aria-invalid").await.as_deref(),
        Some("true")
    );
    s.check("service: proposition (erreur)").await;
    s.b.check("La direction accepte, avec des changements.")
        .await;
    s.b.fill("Ce que la direction a répondu", ANSWER).await;
    s.b.click_button("Noter la réponse de la direction").await;
    assert_eq!(s.flash().await, "La réponse de la direction est notée.");
    let text = s.b.text().await;
    assert!(
        text.contains("Où en est-elle ? Acceptée avec des changements"),
        "{text}"
    );
    assert!(text.contains(ANSWER), "{text}");
    let history = s.texts(".service-history li strong").await;
    assert_eq!(
        history,
        [
            "Idée",
            "Discutée en comité",
            "Envoyée à la direction",
            "Acceptée avec des changements"
        ]
    );
    s.b.click_button("Partager avec le comité inter-services")
        .await;
    assert_eq!(
        s.flash().await,
        "La proposition est partagée avec le comité inter-services."
    );
    assert!(s
        .b
        .text()
        .await
        .contains("Cette proposition est partagée. Les autres services la voient."));
    s.check("service: proposition (partagée)").await;
    s.b.screenshot("story-service-proposition").await;

    // The rest of service A's pages, while the federation carries the news.
    s.b.click_link("← Toutes les propositions").await;
    assert_eq!(s.b.h1().await, "Les propositions du comité");
    assert_eq!(s.texts("tbody th[scope=row]").await, [A_TITLE]);
    s.check("service: propositions").await;
    s.b.click_link("Imprimer le formulaire pour l'urne").await;
    assert_eq!(s.b.h1().await, "Une idée pour le service ?");
    s.check("service: formulaire pour l'urne").await;

    s.b.click_link("Réunions").await;
    assert_eq!(s.b.h1().await, "Les réunions du comité");
    s.check("service: réunions").await;
    s.b.click_link("Prévoir une nouvelle réunion").await;
    assert_eq!(s.b.h1().await, "Prévoir une nouvelle réunion");
    s.check("service: nouvelle réunion").await;
    s.b.fill("Nom de la réunion", "Réunion du comité de décembre")
        .await;
    s.b.set_value("Date", "2030-12-10").await;
    s.b.set_value("Heure du début", "18:00").await;
    s.b.fill("Lieu", "La salle d'attente du rez-de-chaussée")
        .await;
    s.b.click_button("Prévoir la réunion").await;
    assert_eq!(s.b.h1().await, "Réunion du comité de décembre");
    assert!(s
        .b
        .text()
        .await
        .contains("Le 10 décembre 2030 à 18 h. Lieu : La salle d'attente du rez-de-chaussée."));
    s.b.fill("Sujet du point", "Les horaires du jeudi").await;
    s.b.select(
        "De quoi parle ce point ? (facultatif)",
        &format!("Notre proposition : {A_TITLE}"),
    )
    .await;
    s.b.click_button("Ajouter ce point").await;
    assert_eq!(
        s.texts(".service-agenda > li > strong").await,
        ["Les horaires du jeudi"]
    );
    s.check("service: réunion du comité").await;

    s.b.click_link("Membres").await;
    assert_eq!(s.b.h1().await, "Les membres du comité");
    s.check("service: membres (vide)").await;
    s.b.click_link("Ajouter un membre").await;
    assert_eq!(s.b.h1().await, "Ajouter un membre");
    s.check("service: nouveau membre").await;
    s.b.fill("Nom", "Awa").await;
    s.b.check("Usager·ère").await;
    s.b.check("Cette personne accepte que son nom soit montré au comité inter-services.")
        .await;
    s.b.click_button("Ajouter ce membre").await;
    assert_eq!(s.flash().await, "Le membre est ajouté.");
    assert_eq!(s.texts("tbody th[scope=row]").await, ["Awa"]);
    s.check("service: membres").await;

    s.b.click_link("Délégué·es").await;
    assert_eq!(s.b.h1().await, "Qui représente le comité ?");
    s.check("service: délégué·es (vide)").await;
    s.b.click_link("Désigner un·e délégué·e ou un·e suppléant·e")
        .await;
    s.check("service: désigner").await;
    s.b.select("Membre", "Awa").await;
    s.b.check("Délégué·e").await;
    s.b.click_button("Désigner cette personne").await;
    assert_eq!(s.flash().await, "La désignation est notée.");
    s.check("service: délégué·es").await;

    s.b.click_link("Comité inter-services").await;
    assert_eq!(s.b.h1().await, "Le comité inter-services");
    s.check("service: comité inter-services (rien de commun)")
        .await;
    s.leave().await;

    // ---------------------------------------------------------------
    // 2. Service C writes a similar proposal and shares it at once.
    s.enter(&c, false).await;
    s.b.click_link("Propositions").await;
    s.b.click_link("Écrire une nouvelle proposition").await;
    s.b.fill("Titre", C_TITLE).await;
    s.b.fill(
        "Explication",
        "Un soir par semaine, pour celles et ceux qui travaillent.",
    )
    .await;
    s.b.check("Accessibilité").await;
    s.b.check("Le comité").await;
    s.b.click_button("Enregistrer la proposition").await;
    assert_eq!(s.b.h1().await, C_TITLE);
    s.b.click_button("Partager avec le comité inter-services")
        .await;
    assert_eq!(
        s.flash().await,
        "La proposition est partagée avec le comité inter-services."
    );
    s.leave().await;

    // ---------------------------------------------------------------
    // 3. Service B sees A's proposal in its corner and supports it.
    s.enter(&bb, false).await;
    s.b.click_link("Aller au coin du comité inter-services")
        .await;
    let took = s
        .reload_until(&format!("{bb}/inter-services"), A_TITLE)
        .await;
    println!("TIME A's proposal reached B's corner in {took:?}");
    let text = s.b.text().await;
    assert!(
        text.contains("Service : Nœud ssm-1. Thème : Accessibilité."),
        "{text}"
    );
    assert!(
        text.contains(ANSWER),
        "management's answer travels with it: {text}"
    );
    s.b.click_button(&format!("Soutenir au nom du comité : {A_TITLE}"))
        .await;
    // Asked first, on the confirmation page.
    assert_eq!(
        s.b.h1().await,
        format!("Donner le soutien de votre comité à « {A_TITLE} » ?")
    );
    s.b.click_button("Oui, soutenir au nom du comité").await;
    assert_eq!(
        s.flash().await,
        "Votre comité soutient cette proposition. Le comité inter-services est prévenu."
    );
    let card = s.texts("li.card h3").await;
    assert!(card.iter().any(|t| t == A_TITLE), "{card:?}");
    let text = s.b.text().await;
    assert!(
        text.contains("Soutenue par 2 services, en comptant celui qui l'a proposée. Votre comité la soutient."),
        "{text}"
    );
    s.check("service: comité inter-services (propositions des autres)")
        .await;
    s.b.screenshot("story-service-inter-services").await;
    s.leave().await;

    // ---------------------------------------------------------------
    // 4. The coordinator, on the hub.
    s.enter(&hub, false).await;
    assert_eq!(s.b.h1().await, "Le comité inter-services");
    s.check("hub: accueil").await;
    s.b.click_link("Services").await;
    assert_eq!(s.b.h1().await, "Les services membres");
    // A's delegate, named with her consent.
    s.reload_until(&format!("{hub}/services"), "Awa").await;
    assert_eq!(
        s.texts("table.hub-services tbody th[scope=row]")
            .await
            .len(),
        3
    );
    s.check("hub: services").await;

    // The aggregated proposals, most supported first.
    s.b.click_link("Propositions").await;
    let took = s
        .reload_until(&format!("{hub}/propositions"), "Soutenue par 2 services.")
        .await;
    println!("TIME B's support reached the hub in {took:?}");
    s.reload_until(&format!("{hub}/propositions"), C_TITLE)
        .await;
    let titles = s.texts("ol.hub-proposals > li > h3").await;
    assert_eq!(titles, [A_TITLE, C_TITLE], "sorted by support");
    let first = s.texts("ol.hub-proposals > li").await;
    assert!(first[0].contains("Soutenue par 2 services."), "{first:?}");
    assert!(
        first[1].contains("Soutenue par son service seulement."),
        "{first:?}"
    );
    s.check("hub: propositions").await;
    s.b.select("Thème", "Accessibilité").await;
    s.b.select("Où en est la proposition", "Tous les états")
        .await;
    s.b.fill("Mots à chercher", "jeudi").await;
    s.b.check("Les plus soutenues d'abord").await;
    s.b.click_button("Afficher les propositions").await;
    let text = s.b.text().await;
    assert!(
        text.contains("Recherche : thème « Accessibilité », mots « jeudi »."),
        "{text}"
    );
    assert_eq!(
        s.texts("ol.hub-proposals > li > h3").await,
        [A_TITLE, C_TITLE]
    );
    s.check("hub: propositions (filtrées)").await;
    s.b.screenshot("story-hub-propositions").await;

    // A's and C's proposals, linked as one subject.
    s.b.click_link("Sujets communs").await;
    assert_eq!(s.b.h1().await, "Les sujets communs");
    s.check("hub: sujets communs (aucun)").await;
    s.b.check(&format!("Nœud ssm-1 — {A_TITLE}")).await;
    s.b.check(&format!("Nœud ssm-3 — {C_TITLE}")).await;
    s.b.fill("Titre du sujet commun", SUBJECT).await;
    s.b.click_button("Relier ces propositions").await;
    assert_eq!(s.b.h1().await, format!("Sujet commun : {SUBJECT}"));
    let text = s.b.text().await;
    assert!(
        text.contains("3 services différents soutiennent ce sujet."),
        "A and C (origins), B (supporter): {text}"
    );
    s.check("hub: sujet commun").await;
    s.b.click_link("← Tous les sujets communs").await;
    assert_eq!(s.texts("ul.cards > li > h3").await, [SUBJECT]);
    s.check("hub: sujets communs").await;
    s.b.click_link("Propositions").await;
    let cards = s.texts("ol.hub-proposals > li").await;
    assert!(
        cards
            .iter()
            .all(|c| c.contains(&format!("Fait partie du sujet commun « {SUBJECT} »."))),
        "{cards:?}"
    );

    // The joint meeting: a draft, its agenda, publication.
    s.b.click_link("Réunions communes").await;
    assert_eq!(s.b.h1().await, "Les réunions communes");
    s.check("hub: réunions communes (aucune)").await;
    // It started a few minutes ago (the minutes' form shows only once a
    // meeting has started) and ends later today (services list meetings
    // until they end).
    let (start, end) = a_meeting_that_just_started(&s.b).await;
    s.b.fill("Titre de la réunion", MEETING).await;
    s.b.set_value("Jour et heure du début", &start).await;
    s.b.set_value("Heure de fin (facultatif)", &end).await;
    s.b.fill("Lieu", "La Pioche, Marchienne-au-Pont").await;
    assert_eq!(
        s.b.field("Forme de la réunion")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("petit-déjeuner")
    );
    s.b.click_button("Créer le brouillon de la réunion").await;
    assert_eq!(s.b.h1().await, MEETING);
    assert_eq!(
        s.flash().await,
        "Le brouillon est créé. Ajoutez maintenant les points de l'ordre du jour."
    );
    s.check("hub: réunion commune (brouillon vide)").await;
    s.b.select("Sujet commun", &format!("{SUBJECT} (2 propositions)"))
        .await;
    s.b.click_button("Ajouter le sujet choisi").await;
    assert_eq!(
        s.flash().await,
        "Le point est ajouté à la fin de l'ordre du jour."
    );
    s.b.fill("Titre du point", FREE_ITEM).await;
    s.b.fill(
        "Explication (facultatif)",
        "On se retrouve autour d'un café.",
    )
    .await;
    s.b.click_button("Ajouter ce point").await;
    assert_eq!(
        s.texts("ol.hub-agenda > li > h3").await,
        [SUBJECT, FREE_ITEM]
    );
    s.b.click_button(&format!("Monter : {FREE_ITEM}")).await;
    let flash = s.flash().await;
    let url = s.b.current_url().await;
    s.expect(
        flash == "Le point est monté d'une place.",
        format!(
            "after « Monter », the hub's meeting page should say « Le point est monté d'une place. »; \
             it says {flash:?} at {url}"
        ),
    );
    assert_eq!(
        s.texts("ol.hub-agenda > li > h3").await,
        [FREE_ITEM, SUBJECT]
    );
    s.check("hub: réunion commune (brouillon)").await;
    s.b.screenshot("story-hub-reunion-brouillon").await;
    s.b.click_button("Publier la réunion").await;
    assert_eq!(
        s.flash().await,
        "La réunion est publiée. Les services la recevront à leur prochain contact avec le hub."
    );
    let text = s.b.text().await;
    assert!(
        text.contains("Après la réunion : compte rendu et décisions"),
        "a meeting that started can get its minutes: {text}"
    );
    s.check("hub: réunion commune (publiée)").await;
    // A published agenda can still be reordered: the services get the new
    // order as an update, with a notice that says what moved.
    s.b.click_button(&format!("Descendre : {FREE_ITEM}")).await;
    assert_eq!(
        s.flash().await,
        "L'ordre du jour a changé. Les services reçoivent la nouvelle version."
    );
    assert_eq!(
        s.texts("ol.hub-agenda > li > h3").await,
        [SUBJECT, FREE_ITEM]
    );
    let notice = format!("L'ordre du jour a changé : « {FREE_ITEM} » est maintenant le point 2.");
    assert!(s.b.text().await.contains(&notice), "{}", s.b.text().await);
    let hub_meeting = s.b.current_url().await;
    let hub_meeting = hub_meeting.split('?').next().unwrap().to_owned();
    s.b.click_link("← Toutes les réunions communes").await;
    assert_eq!(s.texts("tbody th[scope=row]").await, [MEETING]);
    s.check("hub: réunions communes").await;
    s.leave().await;

    // ---------------------------------------------------------------
    // 5. Every service sees the published meeting and its agenda.
    for (i, base) in [&a, &bb, &c].into_iter().enumerate() {
        s.enter(base, false).await;
        let took = s
            .reload_until(&format!("{base}/inter-services"), MEETING)
            .await;
        println!("TIME the meeting reached service {} in {took:?}", i + 1);
        s.reload_until(&format!("{base}/inter-services"), &notice)
            .await;
        assert_eq!(
            s.texts(".service-joint-meeting .service-agenda > li > strong")
                .await,
            [SUBJECT, FREE_ITEM],
            "the agenda, in the coordinator's last order"
        );
        let lines = s.texts(".service-joint-meeting .service-agenda > li").await;
        assert!(lines[0].contains(&format!("{A_TITLE} —")), "{lines:?}");
        assert!(lines[0].contains(&format!("{C_TITLE} —")), "{lines:?}");
        if i == 0 {
            assert!(
                lines[0].contains(&format!("{A_TITLE} — Votre service")),
                "{lines:?}"
            );
            s.check("service: comité inter-services (réunion annoncée)")
                .await;
            s.b.screenshot("story-service-inter-services-reunion").await;
            s.b.click_link("Voir et imprimer").await;
            assert_eq!(s.b.h1().await, MEETING);
            let text = s.b.text().await;
            assert!(
                text.contains("Lieu : La Pioche, Marchienne-au-Pont. Forme : petit-déjeuner."),
                "{text}"
            );
            s.check("service: réunion commune reçue").await;
            s.b.click_link("Accueil").await;
            assert!(
                s.b.text()
                    .await
                    .contains(&format!("Prochaine réunion commune : {MEETING}")),
                "the home page announces it"
            );
        }
        s.leave().await;
    }

    // ---------------------------------------------------------------
    // 6. The coordinator records the minutes and the decision.
    s.enter(&hub, false).await;
    s.b.goto(&hub_meeting).await;
    s.b.fill(
        "Compte rendu de la réunion",
        "Trois services présents. Petit-déjeuner offert par La Pioche.",
    )
    .await;
    s.b.fill(
        &format!("Décision sur « {SUBJECT} » (facultatif)"),
        DECISION,
    )
    .await;
    s.b.click_button("Enregistrer le compte rendu et les décisions")
        .await;
    assert_eq!(
        s.flash().await,
        "Le compte rendu et les décisions sont enregistrés. Les services concernés les recevront."
    );
    let text = s.b.text().await;
    assert!(text.contains(&format!("Décision : {DECISION}")), "{text}");
    s.check("hub: réunion commune (décisions enregistrées)")
        .await;
    s.leave().await;

    // ---------------------------------------------------------------
    // 7. Service A sees the outcome on its own proposal, and in its corner.
    s.enter(&a, false).await;
    let took = s.reload_until(&a_proposal, DECISION).await;
    println!("TIME the decision reached A's proposal in {took:?}");
    let text = s.b.text().await;
    assert!(
        text.contains("Ce que le comité inter-services a décidé"),
        "{text}"
    );
    let outcomes = s.texts(".service-outcomes li").await;
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert!(
        outcomes[0].starts_with(&format!("{MEETING}, le "))
            && outcomes[0].ends_with(&format!(" : {DECISION}")),
        "{outcomes:?}"
    );
    s.check("service: proposition (décision commune)").await;
    s.b.click_link("Comité inter-services").await;
    let outcomes = s.texts(".service-outcomes li").await;
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert!(
        outcomes[0].contains(&format!("sujet : {SUBJECT}")),
        "{outcomes:?}"
    );
    assert!(outcomes[0].contains(DECISION), "{outcomes:?}");
    assert!(
        outcomes[0].contains(&format!(
            "Propositions concernées : {A_TITLE} (Votre service),"
        )),
        "{outcomes:?}"
    );
    assert!(
        outcomes[0].ends_with("Elle parle d'une proposition de votre comité."),
        "{outcomes:?}"
    );
    s.check("service: comité inter-services (décision)").await;
    s.leave().await;

    // ---------------------------------------------------------------
    // What was seen: weights, heaviest first, then every violation.
    let mut by_weight: Vec<&(String, Seen)> = s.seen.iter().collect();
    by_weight.sort_by(|x, y| {
        y.1.weight
            .transferred
            .cmp(&x.1.weight.transferred)
            .then(y.1.weight.bodies.cmp(&x.1.weight.bodies))
    });
    for (name, seen) in &by_weight {
        println!(
            "WEIGHT {name} transferred={} bodies={}",
            seen.weight.transferred, seen.weight.bodies
        );
    }
    let problems: BTreeMap<&str, String> = s
        .seen
        .iter()
        .filter(|(_, seen)| !seen.report.violations.is_empty())
        .map(|(name, seen)| {
            (
                name.as_str(),
                format!("{}\n{}", seen.url, seen.report.describe()),
            )
        })
        .collect();
    let pages = s.seen.len();
    let wrong = std::mem::take(&mut s.wrong);
    s.b.close().await;
    fed.stop().await;
    // A figure, not a limit: speed is not asserted by tests.
    let took = started.elapsed();
    println!("TIME {TEST} {:.1} s, {pages} pages", took.as_secs_f64());
    assert!(
        problems.is_empty(),
        "accessibility problems on {} page(s):\n{}",
        problems.len(),
        problems
            .iter()
            .map(|(n, d)| format!("« {n} » {d}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        wrong.is_empty(),
        "what the pages got wrong:\n- {}",
        wrong.join("\n- ")
    );
}

/// A print of the pages hides what is only for the screen: the menu, the
/// buttons and links of forms, the notices marked `no-print`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn print_stylesheet_hides_navigation() {
    const TEST: &str = "print_stylesheet_hides_navigation";
    // The stylesheet itself, as served.
    let root = tempfile::tempdir().unwrap();
    let mut service =
        TestNode::create(&root.path().join("ssm-1"), NodeRole::Service, "ssm-1", None).await;
    let css = reqwest::get(format!("{}/static/passerelle.css", service.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let print = css
        .split("@media print")
        .skip(1)
        .map(|block| block.split("\n}").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!print.is_empty(), "no @media print block");
    let hides = print
        .lines()
        .find(|l| l.contains("display: none"))
        .unwrap_or_default();
    for selector in ["nav.main-nav", ".actions", ".no-print", "button"] {
        assert!(
            hides.contains(selector),
            "the print rules do not hide {selector}: {hides}"
        );
    }

    // The ballot-box form, printed by a real browser.
    let Some(b) = Browser::start(TEST).await else {
        service.stop().await;
        return;
    };
    b.login(&service.url, "admin", TEST_PASSWORD).await;
    // The node asks for a new password first; the form is one link away.
    b.fill("Mot de passe actuel", TEST_PASSWORD).await;
    b.fill("Nouveau mot de passe", NEW_PASSWORD).await;
    b.fill("Nouveau mot de passe, encore une fois", NEW_PASSWORD)
        .await;
    b.click_button("Enregistrer le nouveau mot de passe").await;
    b.goto(&format!("{}/propositions/formulaire", service.url))
        .await;
    assert_eq!(b.h1().await, "Une idée pour le service ?");
    assert!(b.attr(".service-ballot", "class").await.is_some());
    assert!(b.attr(".notice.no-print", "class").await.is_some());
    let shown = |css: &str| {
        format!(
            "const e = document.querySelector({}); return e ? getComputedStyle(e).display : 'absent';",
            Value::String(css.to_owned())
        )
    };
    let on_screen = b.execute(&shown("nav.main-nav")).await;
    assert_ne!(on_screen, "none", "the menu shows on screen");
    b.emulate_media("print").await;
    for (css, what) in [
        ("nav.main-nav", "the menu"),
        (".notice.no-print", "the note on how to print"),
        (".site-header", "the header (the sheet stands alone)"),
        (".site-footer", "the footer"),
    ] {
        assert_eq!(
            b.execute(&shown(css)).await,
            "none",
            "{what} ({css}) should not be printed"
        );
    }
    for css in [".service-ballot", ".write-in", ".service-tick-list"] {
        let display = b.execute(&shown(css)).await;
        assert!(
            display != "none" && display != "absent",
            "{css} should be printed, is {display}"
        );
    }
    b.screenshot("story-formulaire-urne-impression").await;
    b.emulate_media("").await;
    assert_ne!(b.execute(&shown("nav.main-nav")).await, "none");

    // A page with a form's actions: printed without its buttons.
    b.goto(&format!("{}/propositions", service.url)).await;
    assert_ne!(b.execute(&shown(".actions")).await, "none");
    b.emulate_media("print").await;
    for css in [".actions", "nav.main-nav", ".skip-link"] {
        assert_eq!(
            b.execute(&shown(css)).await,
            "none",
            "{css} should not be printed"
        );
    }
    assert_ne!(b.execute(&shown("h1")).await, "none");
    b.emulate_media("").await;
    b.close().await;
    service.stop().await;
}
