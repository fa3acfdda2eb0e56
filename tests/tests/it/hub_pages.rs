//! The hub's pages, through the whole application (`http::app`), without a
//! browser: status codes, titles, forms kept on error, CSRF, and the joint
//! meeting builder from draft to decisions.
//!
//! Shared proposals reach the hub by the real path: two services (nodes in
//! this process, not served) create and share proposals in their own signed
//! streams, and the hub's inbox handler (`fed::hub::push`) ingests them —
//! only the HTTP transport between them is skipped.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use passerelle_core::domain::joint;
use passerelle_core::domain::proposals::{self, NewProposal};
use passerelle_core::node::{InitOptions, Node};
use passerelle_core::{fed, log, peers, wire};
use passerelle_protocol::body::{NodeRole, Origin, ProposalRef, Theme};
use passerelle_protocol::NodeId;
use tower::ServiceExt;
use uuid::Uuid;

const PASSWORD: &str = "mot-de-passe-de-test";

async fn init(dir: &std::path::Path, role: NodeRole, id: &str, name: &str) -> Node {
    let node = Node::init(InitOptions {
        data_dir: dir.join(id),
        role,
        id: NodeId::parse(id).unwrap(),
        name: name.to_owned(),
        listen: "127.0.0.1:0".into(),
        database_url: None,
        admin_password: Some(PASSWORD.into()),
    })
    .await
    .unwrap()
    .0;
    // These pages are not about a first password (see `accounts_pages`):
    // the coordinator has chosen theirs, as on a node in use.
    passerelle_core::accounts::password_was_chosen(&node.db, "admin")
        .await
        .unwrap();
    node
}

/// A hub and its pages, signed in as its coordinator.
struct Hub {
    node: Node,
    app: axum::Router,
    cookie: String,
    csrf: String,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// The page with askama's character references turned back into
    /// characters (`&#39;` → `'`), to compare with plain text.
    fn plain(&self) -> String {
        self.body
            .replace("&#39;", "'")
            .replace("&#34;", "\"")
            .replace("&#38;", "&")
            .replace("&amp;", "&")
    }

    fn assert_has(&self, needle: &str) {
        assert!(
            self.body.contains(needle) || self.plain().contains(needle),
            "expected {needle:?} in the page ({}):\n{}",
            self.status,
            self.body
        );
    }
}

async fn send(app: &axum::Router, req: Request<Body>) -> Answer {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 10 << 20)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

/// Signs in `admin` on a node's pages; returns the cookie and CSRF token.
async fn login(app: &axum::Router) -> (String, String) {
    let body =
        serde_urlencoded::to_string([("username", "admin"), ("password", PASSWORD)]).unwrap();
    let req = Request::post("/connexion")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let a = send(app, req).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let set = a.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    let cookie = set.split(';').next().unwrap().to_owned();
    let token = cookie.split_once('=').unwrap().1;
    (cookie.clone(), passerelle_web::pages::csrf_for(token))
}

impl Hub {
    async fn start(dir: &std::path::Path) -> Hub {
        let node = init(
            dir,
            NodeRole::Hub,
            "hub-test",
            "Comité inter-SSM de Charleroi",
        )
        .await;
        let app = passerelle_web::app(node.clone());
        let (cookie, csrf) = login(&app).await;
        Hub {
            node,
            app,
            cookie,
            csrf,
        }
    }

    async fn get(&self, path: &str) -> Answer {
        let req = Request::get(path)
            .header(header::COOKIE, &self.cookie)
            .body(Body::empty())
            .unwrap();
        send(&self.app, req).await
    }

    /// A form POST with the right CSRF token (unless the form brings one).
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if !fields.iter().any(|(k, _)| *k == "_csrf") {
            pairs.push(("_csrf", &self.csrf));
        }
        pairs.extend_from_slice(fields);
        let req = Request::post(path)
            .header(header::COOKIE, &self.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(serde_urlencoded::to_string(&pairs).unwrap()))
            .unwrap();
        send(&self.app, req).await
    }

    /// Enrols a service (keys pinned both ways, as `join` would).
    async fn enrol(&self, dir: &std::path::Path, id: &str, name: &str) -> Node {
        let svc = init(dir, NodeRole::Service, id, name).await;
        let mut w = self.node.db.begin_write().await.unwrap();
        peers::upsert(
            w.conn(),
            id,
            name,
            NodeRole::Service,
            peers::ACTIVE,
            None,
            &[svc.keys.public_key()],
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        let mut w = svc.db.begin_write().await.unwrap();
        peers::upsert(
            w.conn(),
            self.node.id().as_str(),
            &self.node.config.name,
            NodeRole::Hub,
            peers::ACTIVE,
            None,
            &[self.node.keys.public_key()],
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        svc
    }

    /// Everything `svc` signed reaches the hub's inbox.
    async fn deliver(&self, svc: &Node) {
        let mut conn = svc.db.pool().acquire().await.unwrap();
        let messages = log::stream_after(&mut conn, svc.id().as_str(), 0, 1000)
            .await
            .unwrap();
        // At most 100 messages per push, as a service sends them.
        for chunk in messages.chunks(100) {
            let raw = chunk
                .iter()
                .map(|m| serde_json::value::RawValue::from_string(m.envelope.clone()).unwrap())
                .collect();
            self.push_from(svc, raw).await;
        }
    }

    async fn push_from(&self, svc: &Node, raw: Vec<Box<serde_json::value::RawValue>>) {
        let (peer, timeline) = {
            let mut hub_conn = self.node.db.pool().acquire().await.unwrap();
            peers::with_timeline(&mut hub_conn, svc.id().as_str())
                .await
                .unwrap()
                .unwrap()
        };
        let verified = fed::auth::Verified {
            // As if just noted: this direct call stands for synchronised
            // content, not for contact (the pages count quiet services).
            peer: peers::Peer {
                last_seen_at: Some(passerelle_core::clock::now()),
                ..peer
            },
            // A request signature never seen before, as an authenticated request has.
            sig: uuid::Uuid::now_v7().to_string(),
            timeline,
        };
        let pushed = fed::hub::push(&self.node, verified, wire::PushRequest { messages: raw })
            .await
            .unwrap();
        assert!(pushed.stopped_by.is_none(), "{:?}", pushed.response);
    }
}

/// A service's committee writes a proposal, then shares it.
async fn share(svc: &Node, title: &str, theme: Theme) -> ProposalRef {
    let mut w = svc.db.begin_write().await.unwrap();
    let id = proposals::create(
        w.conn(),
        "test",
        &NewProposal {
            title: title.to_owned(),
            description: format!("{title} : proposé en comité."),
            theme,
            tags: vec![],
            origin: Origin::Committee,
        },
    )
    .await
    .unwrap();
    w.commit().await.unwrap();
    svc.with_stream(|conn, stream| {
        Box::pin(async move { proposals::share(conn, &stream, id).await })
    })
    .await
    .unwrap();
    ProposalRef {
        service: svc.id().clone(),
        proposal: id,
    }
}

/// A service proposes an item for the next joint meeting.
async fn propose_item(svc: &Node, title: &str, about: Option<ProposalRef>) -> Uuid {
    let title = title.to_owned();
    svc.with_stream(move |conn, stream| {
        Box::pin(async move {
            joint::propose_agenda_item(
                conn,
                &stream,
                &title,
                Some("À discuter ensemble."),
                about,
                None,
            )
            .await
        })
    })
    .await
    .unwrap()
}

fn h1(body: &str) -> String {
    let start = body.find("<h1>").expect("an h1") + 4;
    let end = body[start..].find("</h1>").unwrap() + start;
    assert_eq!(body.matches("<h1").count(), 1, "one h1 only");
    body[start..end].to_owned()
}

/// The id in `/reunions-communes/{id}?ok=…` or `/sujets/{id}?ok=…`.
fn id_in(location: &str) -> String {
    location
        .rsplit('/')
        .next()
        .unwrap()
        .split(['?', '#'])
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn every_page_answers_with_its_title() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(dir.path()).await;
    for (path, title) in [
        ("/", "Le comité inter-services"),
        ("/services", "Les services membres"),
        ("/propositions", "Les propositions des services"),
        ("/sujets", "Les sujets communs"),
        ("/reunions-communes", "Les réunions communes"),
    ] {
        let a = hub.get(path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.body);
        assert_eq!(h1(&a.body), title, "{path}");
        assert!(!a.body.contains("<script"), "{path}: no script");
    }
    let a = hub.get("/").await;
    a.assert_has("Aucune réunion commune n'est annoncée.");
    a.assert_has("Aucun service n'a encore rejoint le comité inter-services.");

    // Not signed in: to the login page.
    let req = Request::get("/services").body(Body::empty()).unwrap();
    let a = send(&hub.app, req).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert!(a.location().starts_with("/connexion?suite="));

    // Unknown ids are pages that do not exist.
    assert_eq!(
        hub.get("/sujets/pas-un-id").await.status,
        StatusCode::NOT_FOUND
    );
    let missing = format!("/reunions-communes/{}", Uuid::now_v7());
    assert_eq!(hub.get(&missing).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_service_node_has_no_hub_pages() {
    let dir = tempfile::tempdir().unwrap();
    let svc = init(dir.path(), NodeRole::Service, "ssm-a", "SSM A").await;
    let app = passerelle_web::app(svc);
    let (cookie, _) = login(&app).await;
    for path in [
        "/services",
        "/sujets",
        "/reunions-communes",
        "/propositions.csv",
    ] {
        let req = Request::get(path)
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            send(&app, req).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn proposals_filter_keeps_its_values_and_exports_csv() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(dir.path()).await;
    let a = hub
        .enrol(dir.path(), "ssm-a", "SSM provincial de Courcelles")
        .await;
    let b = hub.enrol(dir.path(), "ssm-b", "SSM « La Pioche »").await;
    share(&a, "Un café à l'accueil", Theme::Reception).await;
    share(&a, "Une rampe; pour l'entrée", Theme::Accessibility).await;
    share(&b, "Ouvrir le jeudi soir", Theme::Accessibility).await;
    hub.deliver(&a).await;
    hub.deliver(&b).await;

    let all = hub.get("/propositions").await;
    assert_eq!(all.status, StatusCode::OK);
    all.assert_has("La liste : 3 propositions");
    all.assert_has("<caption>Par thème</caption>");
    all.assert_has("<th scope=\"row\">Accessibilité</th><td>2</td>");
    all.assert_has("Soutenue par son service seulement.");
    all.assert_has("href=\"/propositions.csv\"");

    let q = "/propositions?theme=accessibility&etat=idea&service=ssm-b&mots=jeudi&tri=titre&retirees=oui";
    let page = hub.get(q).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_has("<option value=\"accessibility\" selected>Accessibilité</option>");
    page.assert_has("<option value=\"idea\" selected>Idée</option>");
    page.assert_has("<option value=\"ssm-b\" selected>SSM « La Pioche »</option>");
    page.assert_has("name=\"mots\" value=\"jeudi\"");
    page.assert_has("id=\"tri-titre\" name=\"tri\" value=\"titre\" checked");
    page.assert_has("name=\"retirees\" value=\"oui\" checked");
    page.assert_has("La liste : 1 proposition<");
    page.assert_has("Ouvrir le jeudi soir");
    assert!(!page.body.contains("Un café"));
    page.assert_has(
        "href=\"/propositions.csv?theme=accessibility&etat=idea&service=ssm-b&mots=jeudi&tri=titre&retirees=oui\"",
    );

    let csv = hub
        .get("/propositions.csv?theme=accessibility&tri=titre")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.headers.get(header::CONTENT_TYPE).unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(csv
        .headers
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"propositions-"));
    assert!(csv
        .body
        .starts_with("\u{feff}Service;Titre;Description;Thème;État;"));
    let lines: Vec<&str> = csv.body.split("\r\n").collect();
    assert_eq!(lines.len(), 4, "header, 2 proposals, end: {lines:?}");
    assert!(lines[1].starts_with("SSM « La Pioche »;Ouvrir le jeudi soir;"));
    assert!(lines[2].starts_with("SSM provincial de Courcelles;\"Une rampe; pour l'entrée\";"));

    // The home page counts what waits.
    let home = hub.get("/").await;
    home.assert_has("2 services n'ont rien envoyé depuis plus d'une semaine.");
    home.assert_has("3 propositions partagées");
    let services = hub.get("/services").await;
    services.assert_has("SSM provincial de Courcelles");
    services.assert_has("Jamais connecté");
    services.assert_has("2 propositions");
}

#[tokio::test]
async fn a_long_list_comes_page_by_page_and_the_csv_has_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(dir.path()).await;
    let a = hub.enrol(dir.path(), "ssm-a", "SSM de Courcelles").await;
    for i in 1..=120 {
        share(&a, &format!("Idée numéro {i:03}"), Theme::Reception).await;
    }
    hub.deliver(&a).await;

    let first = hub.get("/propositions?tri=titre").await;
    assert_eq!(first.status, StatusCode::OK);
    first.assert_has("La liste : 120 propositions");
    first.assert_has("Propositions 1 à 50 sur 120 (page 1 sur 3).");
    first.assert_has("Idée numéro 050");
    assert!(!first.body.contains("Idée numéro 051"));
    assert!(!first.body.contains("rel=\"prev\""));
    first.assert_has("href=\"/propositions?tri=titre&page=2\" rel=\"next\"");

    let last = hub.get("/propositions?tri=titre&page=3").await;
    last.assert_has("Propositions 101 à 120 sur 120 (page 3 sur 3).");
    last.assert_has("<ol class=\"cards hub-proposals\" start=\"101\">");
    last.assert_has("Idée numéro 120");
    assert!(!last.body.contains("Idée numéro 100"));
    last.assert_has("href=\"/propositions?tri=titre&page=2\" rel=\"prev\"");
    assert!(!last.body.contains("rel=\"next\""));
    // A page past the end, or not a page at all: the nearest page.
    hub.get("/propositions?tri=titre&page=99")
        .await
        .assert_has("(page 3 sur 3)");
    hub.get("/propositions?tri=titre&page=zéro")
        .await
        .assert_has("(page 1 sur 3)");

    let csv = hub.get("/propositions.csv?tri=titre").await;
    assert_eq!(csv.body.split("\r\n").count(), 122, "header, 120, end");
}

#[tokio::test]
async fn subjects_link_ticked_proposals() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(dir.path()).await;
    let a = hub.enrol(dir.path(), "ssm-a", "SSM A").await;
    let b = hub.enrol(dir.path(), "ssm-b", "SSM B").await;
    let pa = share(&a, "Des horaires en soirée", Theme::Accessibility).await;
    let pb = share(&b, "Ouvrir le jeudi soir", Theme::Accessibility).await;
    hub.deliver(&a).await;
    hub.deliver(&b).await;

    let page = hub.get("/sujets").await;
    page.assert_has("<label for=\"choix-0\">SSM A — Des horaires en soirée</label>");
    page.assert_has("<label for=\"choix-1\">SSM B — Ouvrir le jeudi soir</label>");

    // Nothing ticked, no title: the form comes back, with its errors.
    let refused = hub.post("/sujets", &[("titre", "")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_has("class=\"error-summary\"");
    refused.assert_has("<a href=\"#choix-0\">Cochez au moins une proposition à relier.</a>");
    refused.assert_has("<a href=\"#titre\">Écrivez un titre pour ce sujet.</a>");
    refused.assert_has("aria-invalid=\"true\"");
    refused.assert_has("aria-describedby=\"titre-hint titre-error\"");

    // A title kept, a box kept ticked.
    let va = format!("ssm-a/{}", pa.proposal);
    let kept = hub
        .post("/sujets", &[("choix-0", &va), ("titre", "  ")])
        .await;
    assert_eq!(kept.status, StatusCode::UNPROCESSABLE_ENTITY);
    kept.assert_has(&format!("value=\"{va}\" checked"));

    // A wrong CSRF token: refused, nothing stored.
    let forged = hub
        .post(
            "/sujets",
            &[("_csrf", "faux"), ("choix-0", &va), ("titre", "Le soir")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(hub
        .get("/sujets")
        .await
        .body
        .contains("Il n'y a pas encore de sujet commun."));

    let vb = format!("ssm-b/{}", pb.proposal);
    let created = hub
        .post(
            "/sujets",
            &[
                ("choix-0", &va),
                ("choix-1", &vb),
                ("titre", "Ouvrir le soir"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let subject = id_in(&created.location());
    let detail = hub.get(&format!("/sujets/{subject}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(h1(&detail.body), "Sujet commun : Ouvrir le soir");
    detail.assert_has("2 services différents soutiennent ce sujet.");
    detail
        .assert_has("<td>admin</td><td>Reliée au sujet</td><td>SSM B — Ouvrir le jeudi soir</td>");
    let list = hub.get("/propositions").await;
    list.assert_has(&format!(
        "<a href=\"/sujets/{subject}\">« Ouvrir le soir »</a>"
    ));

    // Take one out, from the subject's page; the log says so.
    let out = hub
        .post(
            &format!("/sujets/{subject}/retirer"),
            &[("proposition", &vb), ("retour", "sujet")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out
        .location()
        .starts_with(&format!("/sujets/{subject}?ok=")));
    let detail = hub.get(&format!("/sujets/{subject}")).await;
    detail.assert_has("1 service soutient ce sujet.");
    detail.assert_has("<td>Retirée du sujet</td><td>SSM B — Ouvrir le jeudi soir</td>");

    // Adding nothing is a form error next to its select; adding it back works.
    let nothing = hub
        .post(
            &format!("/sujets/{subject}/ajouter"),
            &[("proposition", ""), ("retour", "liste")],
        )
        .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    nothing.assert_has(&format!(
        "<a href=\"#ajouter-{subject}\">Choisissez la proposition à ajouter.</a>"
    ));
    let back = hub
        .post(
            &format!("/sujets/{subject}/ajouter"),
            &[("proposition", &vb), ("retour", "liste")],
        )
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert!(back.location().starts_with("/sujets?ok="));
    hub.get(&format!("/sujets/{subject}"))
        .await
        .assert_has("2 services différents soutiennent ce sujet.");
}

#[tokio::test]
async fn a_joint_meeting_from_draft_to_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(dir.path()).await;
    let a = hub.enrol(dir.path(), "ssm-a", "SSM A").await;
    let b = hub.enrol(dir.path(), "ssm-b", "SSM B").await;
    let pa = share(&a, "Des horaires en soirée", Theme::Accessibility).await;
    let pb = share(&b, "Ouvrir le jeudi soir", Theme::Accessibility).await;
    let item = propose_item(&a, "Le café du matin", Some(pa.clone())).await;
    hub.deliver(&a).await;
    hub.deliver(&b).await;
    let subject = hub
        .post(
            "/sujets",
            &[
                ("choix-0", &format!("ssm-a/{}", pa.proposal)),
                ("choix-1", &format!("ssm-b/{}", pb.proposal)),
                ("titre", "Ouvrir le soir"),
            ],
        )
        .await;
    assert_eq!(subject.status, StatusCode::SEE_OTHER);
    let subject = id_in(&subject.location());

    // A draft with mistakes: every field keeps its value and its error.
    let bad = hub
        .post(
            "/reunions-communes",
            &[
                ("titre", ""),
                ("debut", "demain matin"),
                ("fin", ""),
                ("lieu", "CPAS de Gosselies"),
                ("format", "petit-déjeuner"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_has("<a href=\"#titre\">");
    bad.assert_has("<a href=\"#debut\">");
    bad.assert_has("value=\"demain matin\" aria-required=\"true\" aria-invalid=\"true\"");
    bad.assert_has("value=\"CPAS de Gosselies\"");

    // Yesterday, so that its decisions can be written.
    let yesterday = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let start = format!(
        "{}-{:02}-{:02}T09:30",
        yesterday.year(),
        u8::from(yesterday.month()),
        yesterday.day()
    );
    let created = hub
        .post(
            "/reunions-communes",
            &[
                ("titre", "Comité inter-SSM de mars"),
                ("debut", &start),
                ("fin", "11:30"),
                ("lieu", "CPAS de Gosselies"),
                ("format", "petit-déjeuner"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let m = id_in(&created.location());
    let path = format!("/reunions-communes/{m}");
    let draft = hub.get(&path).await;
    assert_eq!(h1(&draft.body), "Comité inter-SSM de mars");
    draft.assert_has("Brouillon : les services ne la voient pas encore");
    draft.assert_has("jusqu'à 11 h 30");
    draft.assert_has("SSM A — Le café du matin");
    draft.assert_has(&format!("value=\"{start}\""));

    // The agenda: a free item, the service's item, the subject, another free item.
    let add = |fields: Vec<(&'static str, String)>| {
        let hub = &hub;
        let path = format!("{path}/ajouter");
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            hub.post(&path, &pairs).await
        }
    };
    let empty = add(vec![("sorte", "libre".into()), ("titre_point", " ".into())]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    empty.assert_has("<a href=\"#titre-point\">Écrivez le titre du point.</a>");
    for fields in [
        vec![
            ("sorte", "libre".to_owned()),
            ("titre_point", "Accueil et café".to_owned()),
        ],
        vec![("sorte", "service".to_owned()), ("point", item.to_string())],
        vec![("sorte", "sujet".to_owned()), ("sujet", subject.clone())],
        vec![
            ("sorte", "libre".to_owned()),
            ("titre_point", "Bilan".to_owned()),
            ("description_point", "De l'année".to_owned()),
        ],
    ] {
        let added = add(fields).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    }
    let order = |body: &str| -> Vec<String> {
        let agenda = &body[body.find("class=\"hub-agenda\"").unwrap()..];
        let agenda = &agenda[..agenda.find("</ol>").unwrap()];
        agenda
            .split("<h3>")
            .skip(1)
            .map(|s| s[..s.find("</h3>").unwrap()].to_owned())
            .collect()
    };
    let page = hub.get(&path).await;
    assert_eq!(
        order(&page.body),
        [
            "Accueil et café",
            "Le café du matin",
            "Ouvrir le soir",
            "Bilan"
        ]
    );
    page.assert_has("Proposé par SSM A.");
    page.assert_has("Sujet commun : 2 propositions.");
    page.assert_has("aria-label=\"Monter : Bilan\"");
    assert!(
        !page
            .body
            .contains("aria-label=\"Monter : Accueil et café\""),
        "the first cannot go up"
    );

    // Move "Bilan" up, and "Accueil et café" down.
    let up = hub
        .post(
            &format!("{path}/monter"),
            &[("position", "3"), ("titre", "Bilan")],
        )
        .await;
    assert_eq!(up.status, StatusCode::SEE_OTHER);
    let down = hub
        .post(
            &format!("{path}/descendre"),
            &[("position", "0"), ("titre", "Accueil et café")],
        )
        .await;
    assert_eq!(down.status, StatusCode::SEE_OTHER);
    assert_eq!(
        order(&hub.get(&path).await.body),
        [
            "Le café du matin",
            "Accueil et café",
            "Bilan",
            "Ouvrir le soir"
        ]
    );
    // A stale page moves nothing.
    let stale = hub
        .post(
            &format!("{path}/monter"),
            &[("position", "1"), ("titre", "Bilan")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    stale.assert_has("L'ordre du jour a changé entre-temps.");
    let removed = hub
        .post(
            &format!("{path}/retirer"),
            &[("position", "1"), ("titre", "Accueil et café")],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        order(&hub.get(&path).await.body),
        ["Le café du matin", "Bilan", "Ouvrir le soir"]
    );

    // Publish: the services' feed gets it.
    let published = hub.post(&format!("{path}/publier"), &[]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    let page = hub.get(&path).await;
    page.assert_has("Passée : compte rendu à écrire");
    page.assert_has("Enregistrer le compte rendu et les décisions");
    assert!(
        page.body.contains("/monter") && !page.body.contains("/retirer\""),
        "a published agenda can be reordered (the services are told), not cut"
    );
    {
        let mut conn = hub.node.db.pool().acquire().await.unwrap();
        let view = joint::meeting(&mut conn, &Uuid::parse_str(&m).unwrap())
            .await
            .unwrap();
        assert_eq!(view.status, joint::PUBLISHED);
        assert_eq!(view.agenda.len(), 3);
    }
    let ics = hub.get(&format!("{path}.ics")).await;
    assert_eq!(ics.status, StatusCode::OK);
    assert!(
        ics.body.contains("SUMMARY:Comité inter-SSM de mars"),
        "{}",
        ics.body
    );

    // A change needs a notice for the services.
    let details = [
        ("titre", "Comité inter-SSM de mars"),
        ("debut", start.as_str()),
        ("fin", "12:00"),
        ("lieu", "CPAS de Gosselies, salle 2"),
        ("format", "petit-déjeuner"),
    ];
    let mut no_notice = details.to_vec();
    no_notice.push(("annonce", ""));
    let refused = hub.post(&format!("{path}/changer"), &no_notice).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_has("<a href=\"#annonce\">");
    refused.assert_has("value=\"CPAS de Gosselies, salle 2\"");
    let mut with_notice = details.to_vec();
    with_notice.push(("annonce", "Salle 2, au premier étage."));
    let changed = hub.post(&format!("{path}/changer"), &with_notice).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    hub.get(&path)
        .await
        .assert_has("Salle 2, au premier étage.");

    // Decisions: one on the subject, the minutes required.
    let decisions_path = format!("{path}/decisions");
    let no_minutes = hub.post(&decisions_path, &[("compte_rendu", "")]).await;
    assert_eq!(no_minutes.status, StatusCode::UNPROCESSABLE_ENTITY);
    no_minutes.assert_has("<a href=\"#compte-rendu\">");
    let page = hub.get(&path).await;
    page.assert_has("<label for=\"decision-2\">Décision sur « Ouvrir le soir »");
    page.assert_has("<label for=\"decision-0\">Décision sur « Le café du matin »");
    assert!(
        !page.body.contains("id=\"decision-1\""),
        "a free item takes no decision"
    );
    let recorded = hub
        .post(
            &decisions_path,
            &[
                (
                    "compte_rendu",
                    "Sept services présents.\nAccueil chaleureux.",
                ),
                ("decision-2", "Un courrier commun aux directions."),
                ("decision-0", ""),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let page = hub.get(&path).await;
    page.assert_has("Terminée : décisions enregistrées");
    page.assert_has("<strong>Décision :</strong> Un courrier commun aux directions.");
    page.assert_has("Sept services présents.\nAccueil chaleureux.");
    page.assert_has("Corriger le compte rendu ou les décisions");
    assert!(!page.body.contains(&format!("action=\"{path}/annuler\"")));

    // It took place: it cannot be cancelled any more.
    let late = hub
        .post(&format!("{path}/annuler"), &[("raison", "Trop tard")])
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    late.assert_has("elle a eu lieu");

    // Another meeting, published then cancelled with a reason.
    let second = hub
        .post(
            "/reunions-communes",
            &[
                ("titre", "Comité d'avril"),
                ("debut", "2031-04-10T09:30"),
                ("lieu", "Charleroi"),
                ("format", "réunion"),
            ],
        )
        .await;
    let second = format!("/reunions-communes/{}", id_in(&second.location()));
    assert_eq!(
        hub.post(&format!("{second}/publier"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let no_reason = hub
        .post(&format!("{second}/annuler"), &[("raison", "")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    no_reason.assert_has("<a href=\"#raison\">");
    let cancelled = hub
        .post(
            &format!("{second}/annuler"),
            &[("raison", "Grève des bus.")],
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    let page = hub.get(&second).await;
    page.assert_has("Cette réunion est annulée.");
    page.assert_has("Grève des bus.");
    let list = hub.get("/reunions-communes").await;
    list.assert_has("<td>Annulée</td>");
    list.assert_has("<td>Terminée : décisions enregistrées</td>");

    // A draft is deleted only when the box is ticked.
    let third = hub
        .post(
            "/reunions-communes",
            &[
                ("titre", "Brouillon"),
                ("debut", "2031-05-10T09:30"),
                ("lieu", "Charleroi"),
                ("format", "réunion"),
            ],
        )
        .await;
    let third = format!("/reunions-communes/{}", id_in(&third.location()));
    let unticked = hub.post(&format!("{third}/supprimer"), &[]).await;
    assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY);
    unticked.assert_has("<a href=\"#confirmer\">");
    let deleted = hub
        .post(&format!("{third}/supprimer"), &[("confirmer", "oui")])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(hub.get(&third).await.status, StatusCode::NOT_FOUND);

    // Wrong CSRF on a meeting action: refused.
    let forged = hub
        .post(
            &format!("{second}/annuler"),
            &[("_csrf", "x"), ("raison", "y")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}
