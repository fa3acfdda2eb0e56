//! The service pages through the whole application, without a browser:
//! every page answers with its one title, forms keep their values and show
//! their errors, CSRF and roles are enforced, and the domain is changed
//! through the same functions as the API.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use passerelle_protocol::body::{NodeRole, ProposalStatus, Theme};
use passerelle_protocol::{KeyPair, NodeId};
use tower::ServiceExt;

use crate::pages::csrf_for;
use crate::SESSION_COOKIE;
use passerelle_core::accounts::{self, Role};
use passerelle_core::domain::{joint, proposals};
use passerelle_core::node::{InitOptions, Node};

const ADMIN_PASSWORD: &str = "mot-de-passe-de-test";
const MEMBER_PASSWORD: &str = "mot-de-passe-de-marie";

struct Site {
    node: Node,
    app: Router,
    _dir: tempfile::TempDir,
}

struct Answer {
    status: StatusCode,
    location: String,
    content_type: String,
    body: String,
}

async fn site(role: NodeRole) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let (node, _) = Node::init(InitOptions {
        data_dir: dir.path().join("node"),
        role,
        id: NodeId::parse(if role == NodeRole::Hub {
            "hub-test"
        } else {
            "ssm-test"
        })
        .unwrap(),
        name: "SSM de test".into(),
        listen: "127.0.0.1:0".into(),
        database_url: None,
        admin_password: Some(ADMIN_PASSWORD.into()),
    })
    .await
    .unwrap();
    // These tests look at the pages, not at the first password's change.
    accounts::password_was_chosen(&node.db, "admin")
        .await
        .unwrap();
    Site {
        app: crate::app(node.clone()),
        node,
        _dir: dir,
    }
}

/// A signed-in person: the session token.
struct Session(String);

impl Site {
    async fn send(&self, req: Request<Body>) -> Answer {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let header_text = |name| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let location = header_text(header::LOCATION);
        let content_type = header_text(header::CONTENT_TYPE);
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        Answer {
            status,
            location,
            content_type,
            // Apostrophes are escaped in values, not in the templates' own
            // text: tests read them the same.
            body: String::from_utf8(bytes.to_vec())
                .unwrap()
                .replace("&#39;", "'"),
        }
    }

    async fn login(&self, username: &str, password: &str) -> Session {
        let body = serde_urlencoded::to_string([
            ("username", username),
            ("password", password),
            ("suite", "/"),
        ])
        .unwrap();
        let res = self
            .app
            .clone()
            .oneshot(
                Request::post("/connexion")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let cookie = res
            .headers()
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap();
        let token = cookie
            .split(';')
            .next()
            .unwrap()
            .strip_prefix(&format!("{SESSION_COOKIE}="))
            .unwrap();
        Session(token.to_owned())
    }

    async fn admin(&self) -> Session {
        self.login("admin", ADMIN_PASSWORD).await
    }

    async fn member(&self) -> Session {
        let marie = accounts::NewAccount {
            username: "marie",
            password: MEMBER_PASSWORD,
            role: Role::Member,
            must_change: false,
            member_id: None,
            known: &[],
        };
        accounts::create(&self.node.db, marie).await.unwrap();
        self.login("marie", MEMBER_PASSWORD).await
    }

    async fn get(&self, s: &Session, path: &str) -> Answer {
        self.send(
            Request::get(path)
                .header(header::COOKIE, format!("{SESSION_COOKIE}={}", s.0))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// Posts a form with the session's CSRF token.
    async fn post(&self, s: &Session, path: &str, form: &[(&str, &str)]) -> Answer {
        let csrf = csrf_for(&s.0);
        let mut fields = vec![("_csrf", csrf.as_str())];
        fields.extend_from_slice(form);
        self.post_raw(s, path, &fields).await
    }

    async fn post_raw(&self, s: &Session, path: &str, form: &[(&str, &str)]) -> Answer {
        self.send(
            Request::post(path)
                .header(header::COOKIE, format!("{SESSION_COOKIE}={}", s.0))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(serde_urlencoded::to_string(form).unwrap()))
                .unwrap(),
        )
        .await
    }

    /// Posts and expects the redirect of a success; returns where it leads.
    async fn post_ok(&self, s: &Session, path: &str, form: &[(&str, &str)]) -> String {
        let a = self.post(s, path, form).await;
        assert_eq!(
            a.status,
            StatusCode::SEE_OTHER,
            "POST {path} answered {}: {}",
            a.status,
            a.body
        );
        a.location.split('?').next().unwrap().to_owned()
    }

    /// Pins a hub, as `passerelle join` would: the node now has a stream.
    async fn join(&self) {
        let mut w = self.node.db.begin_write().await.unwrap();
        passerelle_core::peers::upsert(
            w.conn(),
            "hub-test",
            "Comité inter-SSM de test",
            NodeRole::Hub,
            passerelle_core::peers::ACTIVE,
            Some("http://127.0.0.1:9"),
            &[KeyPair::generate().unwrap().public_key()],
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
    }
}

/// Exactly one h1, with this text.
fn assert_h1(a: &Answer, h1: &str) {
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body.matches("<h1").count(), 1, "one h1: {}", a.body);
    assert!(
        a.body.contains(&format!("<h1>{h1}</h1>")),
        "h1 {h1:?} missing: {}",
        a.body
    );
}

/// Every label points to an element with that id, and ids are unique.
fn assert_labels_tied(a: &Answer) {
    let mut ids: Vec<&str> = a
        .body
        .split(" id=\"")
        .skip(1)
        .map(|p| p.split('"').next().unwrap())
        .collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "duplicate ids: {}", a.body);
    for part in a.body.split("<label for=\"").skip(1) {
        let id = part.split('"').next().unwrap();
        assert!(
            a.body.contains(&format!("id=\"{id}\"")),
            "label for {id:?} has no field"
        );
    }
}

async fn new_proposal(site: &Site, s: &Session, title: &str) -> String {
    site.post_ok(
        s,
        "/propositions/nouvelle",
        &[
            ("title", title),
            (
                "description",
                "Personne n'entend quand on frappe.\n\nUne sonnette aiderait.",
            ),
            ("theme", "accessibility"),
            ("origin", "anonymous"),
            ("tags", "porte, entrée, porte"),
        ],
    )
    .await
}

async fn new_meeting(site: &Site, s: &Session, title: &str, date: &str) -> String {
    site.post_ok(
        s,
        "/reunions/nouvelle",
        &[
            ("title", title),
            ("date", date),
            ("time", "09:30"),
            ("place", "Salle d'attente"),
            ("format", "petit-déjeuner"),
            // Harmless for a date to come; says a past one is meant.
            ("in_the_past", "oui"),
        ],
    )
    .await
}

#[tokio::test]
async fn every_page_answers_with_its_title() {
    let site = site(NodeRole::Service).await;
    let admin = site.admin().await;
    let proposal = new_proposal(&site, &admin, "Une sonnette à l'entrée").await;
    let meeting = new_meeting(&site, &admin, "Réunion de décembre", "2030-12-10").await;
    site.post_ok(
        &admin,
        "/membres/nouveau",
        &[
            ("display_name", "Mireille"),
            ("role", "usager"),
            ("contact", "0470 00 00 00"),
            ("consent", "oui"),
        ],
    )
    .await;

    let pages = [
        ("/", "Le comité d'usager·ères"),
        ("/propositions", "Les propositions du comité"),
        ("/propositions/nouvelle", "Écrire une nouvelle proposition"),
        ("/propositions/formulaire", "Une idée pour le service ?"),
        (proposal.as_str(), "Une sonnette à l'entrée"),
        ("/reunions", "Les réunions du comité"),
        ("/reunions/nouvelle", "Prévoir une nouvelle réunion"),
        (meeting.as_str(), "Réunion de décembre"),
        ("/membres", "Les membres du comité"),
        ("/membres/nouveau", "Ajouter un membre"),
        ("/delegues", "Qui représente le comité ?"),
        (
            "/delegues/designer",
            "Désigner un·e délégué·e ou un·e suppléant·e",
        ),
        ("/inter-services", "Le comité inter-services"),
    ];
    for (path, h1) in pages {
        let a = site.get(&admin, path).await;
        assert_h1(&a, h1);
        assert_labels_tied(&a);
        assert!(a.content_type.starts_with("text/html"), "{path}");
    }

    // The home page says what needs attention, in one sentence.
    let home = site.get(&admin, "/").await.body;
    assert!(home.contains("Prochaine réunion le 10 décembre 2030 à 9 h 30."));
    assert!(home.contains("Aucune proposition n'attend la réponse de la direction."));
    assert!(home.contains("pas encore rejoint de comité inter-services"));

    // The list shows the status as text.
    let list = site.get(&admin, "/propositions").await.body;
    assert!(list.contains(r#"<span class="status service-open">Idée</span>"#));
    assert!(list.contains("Imprimer le formulaire pour l'urne"));

    // The ballot form asks no personal data.
    let ballot = site.get(&admin, "/propositions/formulaire").await.body;
    assert!(ballot.contains("Vous n'avez pas besoin d'écrire votre nom."));
    assert!(ballot.contains("class=\"write-in\""));
    assert!(!ballot.contains("<input type=\"text\""));

    // Not signed in: to the login page.
    let anonymous = site
        .send(Request::get("/propositions").body(Body::empty()).unwrap())
        .await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.location.starts_with("/connexion?suite="));
    // An unknown proposal: a page that says so.
    let missing = site
        .get(&admin, "/propositions/00000000-0000-7000-8000-000000000000")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_form_with_errors_comes_back_with_its_values() {
    let site = site(NodeRole::Service).await;
    let admin = site.admin().await;
    let a = site
        .post(
            &admin,
            "/propositions/nouvelle",
            &[
                ("title", "  "),
                ("description", "Une description gardée"),
                ("theme", "care"),
                ("origin", ""),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains(r#"class="error-summary""#));
    assert!(a
        .body
        .contains(r##"<a href="#title">Écrivez le titre de la proposition.</a>"##));
    assert!(a.body.contains(r##"<a href="#origin">"##));
    assert!(a.body.contains(
        r#"<input type="text" id="title" name="title" value="  " aria-describedby="title-hint title-error" aria-invalid="true">"#
    ));
    assert!(a.body.contains(r#"id="title-error""#));
    assert!(a.body.contains(">Une description gardée</textarea>"));
    // The chosen theme stays chosen.
    assert!(a
        .body
        .contains(r#"id="theme-care" name="theme" value="care" checked"#));
    assert!(a.body.contains("<title>Erreur — "));
    // Nothing was recorded.
    let mut conn = site.node.db.pool().acquire().await.unwrap();
    assert!(proposals::list(&mut conn).await.unwrap().is_empty());

    // A meeting without a date.
    let a = site
        .post(
            &admin,
            "/reunions/nouvelle",
            &[
                ("title", "Réunion"),
                ("date", ""),
                ("time", "09:30"),
                ("place", "Ici"),
                ("format", "réunion"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains(r##"<a href="#date">"##));
    assert!(a.body.contains(r#"value="Ici""#));
}

#[tokio::test]
async fn a_wrong_csrf_token_is_refused() {
    let site = site(NodeRole::Service).await;
    let admin = site.admin().await;
    let a = site
        .post_raw(
            &admin,
            "/propositions/nouvelle",
            &[
                ("_csrf", "pas-le-bon"),
                ("title", "Titre"),
                ("description", "Texte"),
                ("theme", "care"),
                ("origin", "committee"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.body.contains("Formulaire expiré"));
    let a = site
        .post_raw(
            &admin,
            "/membres/nouveau",
            &[("display_name", "X"), ("role", "usager")],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let mut conn = site.node.db.pool().acquire().await.unwrap();
    assert!(proposals::list(&mut conn).await.unwrap().is_empty());
}

#[tokio::test]
async fn members_see_what_their_role_allows() {
    let site = site(NodeRole::Service).await;
    let admin = site.admin().await;
    let proposal = new_proposal(&site, &admin, "Des chaises plus confortables").await;
    let meeting = new_meeting(&site, &admin, "Réunion de janvier", "2031-01-14").await;
    site.post_ok(
        &admin,
        "/membres/nouveau",
        &[
            ("display_name", "Jean"),
            ("role", "autre"),
            ("contact", "jean@example.org"),
        ],
    )
    .await;
    let marie = site.member().await;

    // Proposals: read and create, but no life-cycle or sharing forms.
    let page = site.get(&marie, &proposal).await.body;
    assert!(!page.contains("/etape"));
    assert!(!page.contains("Partager avec le comité inter-services</button>"));
    assert!(page.contains(
        "Les noms des membres, les réunions et les procès-verbaux restent dans votre service."
    ));
    let own = new_proposal(&site, &marie, "Un coin pour les enfants").await;
    assert!(site.get(&marie, &own).await.body.contains("par marie"));
    let refused = site
        .post(
            &marie,
            &format!("{proposal}/etape"),
            &[("form", "step"), ("status", "discussed")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Meetings: no admin forms.
    let page = site.get(&marie, &meeting).await.body;
    assert!(!page.contains("/ordre-du-jour\""));
    assert!(!page.contains("/presences"));
    assert!(!page.contains("/proces-verbal"));
    assert!(!site
        .get(&marie, "/reunions")
        .await
        .body
        .contains("/reunions/nouvelle"));
    assert_eq!(
        site.get(&marie, "/reunions/nouvelle").await.status,
        StatusCode::FORBIDDEN
    );

    // Members: names and roles, never contact details.
    let page = site.get(&marie, "/membres").await.body;
    assert!(page.contains("Jean"));
    assert!(!page.contains("jean@example.org"));
    assert!(!page.contains("/accord"));
    assert!(site
        .get(&admin, "/membres")
        .await
        .body
        .contains("jean@example.org"));
    assert_eq!(
        site.post(
            &marie,
            "/membres/nouveau",
            &[("display_name", "X"), ("role", "usager")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // Delegates: the list, not the forms.
    let page = site.get(&marie, "/delegues").await.body;
    assert!(!page.contains("/delegues/designer"));
    assert!(page.contains("Ce que le comité inter-services voit"));
}

#[tokio::test]
async fn a_proposal_goes_through_its_life_cycle() {
    let site = site(NodeRole::Service).await;
    let admin = site.admin().await;
    let p = new_proposal(&site, &admin, "Une sonnette").await;
    let step = format!("{p}/etape");

    let page = site.get(&admin, &p).await.body;
    assert!(page.contains(">Discutée en comité</button>"));
    assert!(page.contains(">Abandonner cette proposition</button>"));
    assert!(!page.contains(">Envoyer à la direction</button>"));
    // Not joined yet: sharing is explained, not offered.
    assert!(page.contains("pas encore rejoint de comité inter-services"));

    site.post_ok(
        &admin,
        &step,
        &[
            ("form", "step"),
            ("status", "discussed"),
            ("comment", "Tout le monde est d'accord"),
        ],
    )
    .await;
    // A step that is not allowed now.
    let a = site
        .post(&admin, &step, &[("form", "step"), ("status", "realised")])
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains(r##"<a href="#etapes">"##));
    site.post_ok(
        &admin,
        &step,
        &[("form", "step"), ("status", "sent_to_management")],
    )
    .await;

    let page = site.get(&admin, &p).await.body;
    assert!(page.contains(">Noter la réponse de la direction</button>"));
    // A refusal needs its reason.
    let a = site
        .post(
            &admin,
            &step,
            &[("form", "answer"), ("status", "refused"), ("answer", " ")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains(r##"<a href="#answer-text">"##));
    assert!(a.body.contains(r#"id="answer-text" name="answer" rows="4" aria-describedby="answer-text-hint answer-text-error" aria-invalid="true""#));
    assert!(a.body.contains(r#"value="refused" checked"#));
    // No choice made.
    let a = site
        .post(&admin, &step, &[("form", "answer"), ("answer", "Oui")])
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains(r##"<a href="#answer-choice">"##));

    site.post_ok(
        &admin,
        &step,
        &[
            ("form", "answer"),
            ("status", "adapted"),
            ("answer", "Oui, mais une sonnette sans fil."),
        ],
    )
    .await;
    // A final step is asked first, on its own page, and only then done.
    let asked = site
        .post(&admin, &step, &[("form", "step"), ("status", "realised")])
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("Vous pourrez la rouvrir plus tard."));
    assert!(asked.body.contains(r#"name="confirmed" value="1""#));
    let page = site.get(&admin, &p).await.body;
    assert!(!page.contains(r#"<span class="status done">Réalisée</span>"#));
    site.post_ok(
        &admin,
        &step,
        &[("form", "step"), ("status", "realised"), ("confirmed", "1")],
    )
    .await;

    let page = site.get(&admin, &p).await.body;
    assert!(page.contains(r#"<span class="status done">Réalisée</span>"#));
    assert!(page.contains("Oui, mais une sonnette sans fil."));
    assert!(page.contains("Commentaire : Tout le monde est d'accord"));
    for label in [
        "Idée",
        "Discutée en comité",
        "Envoyée à la direction",
        "Acceptée avec des changements",
        "Réalisée",
    ] {
        assert!(
            page.contains(&format!("<strong>{label}</strong>")),
            "{label}"
        );
    }
    // Nothing more to do but reopen.
    assert!(!page.contains("/etape"));
    assert!(page.contains(&format!(r#"href="{p}/rouvrir""#)));

    // Management's answer shows at the next meeting.
    let m = new_meeting(&site, &admin, "Réunion suivante", "2031-02-11").await;
    let page = site.get(&admin, &m).await.body;
    assert!(page.contains("Ce que la direction a répondu depuis la dernière réunion"));
    assert!(page.contains("Oui, mais une sonnette sans fil."));
}

#[tokio::test]
async fn a_meeting_from_agenda_to_minutes_sent_to_management() {
    let site = site(NodeRole::Service).await;
    let admin = site.admin().await;
    let p = new_proposal(&site, &admin, "Une sonnette").await;
    let p_id = p.rsplit('/').next().unwrap().to_owned();
    let m = new_meeting(&site, &admin, "Réunion de mars", "2025-03-11").await;
    site.post_ok(
        &admin,
        "/membres/nouveau",
        &[("display_name", "Mireille"), ("role", "usager")],
    )
    .await;
    let members = passerelle_core::domain::members::list(
        &mut site.node.db.pool().acquire().await.unwrap(),
        false,
    )
    .await
    .unwrap();
    let mireille = members[0].id.to_string();

    site.post_ok(
        &admin,
        &format!("{m}/ordre-du-jour"),
        &[
            ("title", "La sonnette"),
            ("description", ""),
            ("proposal", &p_id),
        ],
    )
    .await;
    let a = site
        .post(
            &admin,
            &format!("{m}/ordre-du-jour"),
            &[("title", ""), ("description", "Gardée")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains(r##"<a href="#item-title">"##));
    assert!(a.body.contains(">Gardée</textarea>"));

    let a = site.post(&admin, &format!("{m}/presences"), &[]).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains(r##"<a href="#presences-form">"##));
    let field = format!("status-{mireille}");
    site.post_ok(&admin, &format!("{m}/presences"), &[(&field, "absent")])
        .await;
    // Corrected: she was there after all.
    site.post_ok(&admin, &format!("{m}/presences"), &[(&field, "present")])
        .await;

    site.post_ok(
        &admin,
        &format!("{m}/proces-verbal"),
        &[
            (
                "text",
                "On a parlé de la sonnette.\n\nTout le monde est d'accord.",
            ),
            ("secretary", &mireille),
        ],
    )
    .await;
    site.post_ok(
        &admin,
        &format!("{m}/decisions"),
        &[("text", "Demander une sonnette."), ("proposal", &p_id)],
    )
    .await;

    let page = site.get(&admin, &m).await.body;
    assert!(page.contains("<strong>La sonnette</strong>"));
    assert!(page.contains("<th scope=\"row\">Mireille</th><td>Présent·e</td>"));
    assert!(page.contains("Écrit par : Mireille."));
    assert!(page.contains("Demander une sonnette."));
    assert!(page.contains("une fois qu'elle a eu lieu"));
    assert!(!page.contains(">Envoyer à la direction</button>"));

    // A meeting still to come is not offered for the adoption, nor taken.
    let coming = new_meeting(&site, &admin, "Réunion de 2031", "2031-05-06").await;
    let page = site.get(&admin, &m).await.body;
    assert!(!page.contains(">Adopter le procès-verbal</button>"));
    let a = site
        .post(
            &admin,
            &format!("{m}/proces-verbal/adopter"),
            &[("at_meeting", coming.rsplit('/').next().unwrap())],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains("à une réunion qui a déjà eu lieu"));

    // Adopted at the next meeting, then sent.
    let next = new_meeting(&site, &admin, "Réunion d'avril", "2025-04-08").await;
    let next_id = next.rsplit('/').next().unwrap();
    let page = site.get(&admin, &m).await.body;
    assert!(page.contains(">Adopter le procès-verbal</button>"));
    site.post_ok(
        &admin,
        &format!("{m}/proces-verbal/adopter"),
        &[("at_meeting", next_id)],
    )
    .await;
    let page = site.get(&admin, &m).await.body;
    assert!(page.contains(">Envoyer à la direction</button>"));
    assert!(!page.contains("Enregistrer le brouillon"));
    site.post_ok(&admin, &format!("{m}/proces-verbal/envoyer"), &[])
        .await;
    let page = site.get(&admin, &m).await.body;
    assert!(page.contains("Adopté et envoyé à la direction"));
    assert!(!page.contains(">Envoyer à la direction</button>"));
    // Its record is final: nothing offers to change, cancel or delete it.
    assert!(page.contains("La réunion ne peut plus être changée, annulée ni supprimée."));
    assert!(!page.contains("/annuler\""), "no cancel form");
    assert!(!page.contains("mais elle peut être annulée"));

    // The calendar file.
    let ics = site.get(&admin, &format!("{m}.ics")).await;
    assert_eq!(ics.status, StatusCode::OK);
    assert_eq!(ics.content_type, "text/calendar; charset=utf-8");
    assert!(ics.body.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(ics.body.contains("\r\nDTSTART:20250311T083000Z\r\n"));
    assert!(ics.body.contains("\r\nDTEND:20250311T103000Z\r\n"));
    assert!(ics.body.contains(&format!(
        "\r\nUID:{}@passerelle\r\n",
        m.rsplit('/').next().unwrap()
    )));
    assert!(ics.body.contains("1. La sonnette"));
    assert!(!ics.body.contains("STATUS:"));

    // A cancelled meeting says so in the calendar too.
    let later = new_meeting(&site, &admin, "Réunion de janvier", "2031-01-14").await;
    site.post_ok(&admin, &format!("{later}/annuler"), &[]).await;
    let ics = site.get(&admin, &format!("{later}.ics")).await;
    assert!(
        ics.body.contains("\r\nSTATUS:CANCELLED\r\n"),
        "{}",
        ics.body
    );
    assert!(
        ics.body
            .contains("\r\nSUMMARY:Annulée : Réunion de janvier\r\n"),
        "{}",
        ics.body
    );
}

#[tokio::test]
async fn a_designation_asks_about_a_term_left_running() {
    let site = site(NodeRole::Service).await;
    let admin = site.admin().await;
    for name in ["Awa", "Marie"] {
        site.post_ok(
            &admin,
            "/membres/nouveau",
            &[("display_name", name), ("role", "usager")],
        )
        .await;
    }
    let list = passerelle_core::domain::members::list(
        &mut site.node.db.pool().acquire().await.unwrap(),
        false,
    )
    .await
    .unwrap();
    let id = |name: &str| {
        list.iter()
            .find(|m| m.display_name == name)
            .unwrap()
            .id
            .to_string()
    };
    let (awa, marie) = (id("Awa"), id("Marie"));
    site.post_ok(
        &admin,
        "/delegues/designer",
        &[
            ("member", &awa),
            ("role", "substitute"),
            ("term_start", "2024-01-01"),
        ],
    )
    .await;
    let form = [
        ("member", marie.as_str()),
        ("role", "substitute"),
        ("term_start", "2031-01-01"),
    ];
    // First the question, and nothing stored.
    let asked = site.post(&admin, "/delegues/designer", &form).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked
        .body
        .contains("<h1>Awa est encore suppléant·e sans date de fin</h1>"));
    assert!(asked
        .body
        .contains("Oui, terminer le mandat le 31 décembre 2030"));
    assert!(asked.body.contains(r#"name="keep" value="1""#));
    let page = site.get(&admin, "/delegues").await.body;
    assert!(!page.contains("Marie"));
    // Both kept: Awa's term still has no end; Marie's is to come.
    let designations = || async {
        passerelle_core::domain::delegates::list_active(
            &mut site.node.db.pool().acquire().await.unwrap(),
            site.node.clock().today(),
        )
        .await
        .unwrap()
    };
    let held = designations().await[0].id.to_string();
    let mut kept = form.to_vec();
    kept.extend([("asked", "1"), ("end_before", held.as_str()), ("keep", "1")]);
    site.post_ok(&admin, "/delegues/designer", &kept).await;
    let now = designations().await;
    assert_eq!(now.len(), 2);
    assert!(now.iter().all(|d| d.term_end.is_none()), "{now:?}");
    let page = site.get(&admin, "/delegues").await.body;
    assert!(page.contains("à partir du 1er janvier 2031"));

    // A designation to come can be taken back, after a question; a
    // started one cannot (it is ended instead).
    let marie_id = now
        .iter()
        .find(|d| d.display_name == "Marie")
        .map(|d| d.id.to_string())
        .unwrap();
    let cancel = format!("/delegues/{marie_id}/annuler");
    assert!(page.contains(&format!("href=\"{cancel}\"")));
    assert!(!page.contains(&format!("href=\"/delegues/{held}/annuler\"")));
    let asked = site.get(&admin, &cancel).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("Annuler la désignation de Marie ?"));
    assert!(asked
        .body
        .contains("Cette désignation vaut à partir du 1er janvier 2031."));
    assert_eq!(designations().await.len(), 2, "asking changes nothing");
    let started = site.get(&admin, &format!("/delegues/{held}/annuler")).await;
    assert_eq!(started.status, StatusCode::NOT_FOUND);
    site.post_ok(&admin, &cancel, &[]).await;
    let left = designations().await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].display_name, "Awa");
    let page = site.get(&admin, "/delegues").await.body;
    assert!(!page.contains("à partir du 1er janvier 2031"));
}

#[tokio::test]
async fn members_consent_and_delegates() {
    let site = site(NodeRole::Service).await;
    let admin = site.admin().await;
    site.post_ok(
        &admin,
        "/membres/nouveau",
        &[("display_name", "Anne Discrète"), ("role", "usager")],
    )
    .await;
    site.post_ok(
        &admin,
        "/membres/nouveau",
        &[
            ("display_name", "Bruno"),
            ("role", "usager"),
            ("consent", "oui"),
        ],
    )
    .await;
    let a = site
        .post(
            &admin,
            "/membres/nouveau",
            &[("display_name", ""), ("role", "")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.body.contains(r##"<a href="#display_name">"##)
            && a.body.contains(r##"<a href="#role">"##)
    );

    let list = passerelle_core::domain::members::list(
        &mut site.node.db.pool().acquire().await.unwrap(),
        false,
    )
    .await
    .unwrap();
    let anne = list
        .iter()
        .find(|m| m.display_name == "Anne Discrète")
        .unwrap()
        .id
        .to_string();
    let bruno = list
        .iter()
        .find(|m| m.display_name == "Bruno")
        .unwrap()
        .id
        .to_string();
    let page = site.get(&admin, "/membres").await.body;
    assert!(page.contains("accepte que son nom soit montré au comité inter-services"));

    for who in [&anne, &bruno] {
        site.post_ok(
            &admin,
            "/delegues/designer",
            &[
                ("member", who),
                ("role", "delegate"),
                ("term_start", "2024-01-01"),
                ("term_end", ""),
            ],
        )
        .await;
    }
    let a = site
        .post(
            &admin,
            "/delegues/designer",
            &[
                ("member", &anne),
                ("role", "substitute"),
                ("term_start", "2024-06-01"),
            ],
        )
        .await;
    assert_eq!(
        a.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "overlapping term"
    );
    assert!(a.body.contains("déjà désigné"));

    // The joint committee sees Bruno by name, Anne under a neutral label.
    let page = site.get(&admin, "/delegues").await.body;
    let seen = page
        .split("Ce que le comité inter-services voit")
        .nth(1)
        .unwrap();
    assert!(seen.contains("<th scope=\"row\">Bruno</th>"));
    assert!(seen.contains("<th scope=\"row\">Délégué·e 1</th>"));
    assert!(!seen.contains("Anne"));

    // Consent given: her name appears.
    site.post_ok(
        &admin,
        &format!("/membres/{anne}/accord"),
        &[("consent", "oui")],
    )
    .await;
    let page = site.get(&admin, "/delegues").await.body;
    assert!(page
        .split("Ce que le comité inter-services voit")
        .nth(1)
        .unwrap()
        .contains("Anne Discrète"));

    // A term ends; a wrong date comes back next to its field.
    let current = passerelle_core::domain::delegates::list_current(
        &mut site.node.db.pool().acquire().await.unwrap(),
        passerelle_core::domain::delegates::today(),
    )
    .await
    .unwrap();
    let d = current[0].id;
    let a = site
        .post(
            &admin,
            &format!("/delegues/{d}/fin"),
            &[("end", "pas une date")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains(&format!(r##"<a href="#end-{d}">"##)));
    assert!(a.body.contains(r#"value="pas une date""#));
    site.post_ok(
        &admin,
        &format!("/delegues/{d}/fin"),
        &[("end", "2024-01-01")],
    )
    .await;

    // Bruno leaves.
    site.post_ok(&admin, &format!("/membres/{bruno}/depart"), &[])
        .await;
    let page = site.get(&admin, "/membres").await.body;
    assert!(page.contains("<h2>Anciens membres</h2>"));
}

#[tokio::test]
async fn the_joint_committee_corner() {
    let site = site(NodeRole::Service).await;
    let admin = site.admin().await;
    let page = site.get(&admin, "/inter-services").await.body;
    assert!(page.contains("Votre service n'a pas encore rejoint de comité inter-services."));
    assert!(
        !page.contains("<form class=\"stack\" method=\"post\" action=\"/inter-services/point\"")
    );

    site.join().await;
    let p = new_proposal(&site, &admin, "Une sonnette").await;
    site.post_ok(&admin, &format!("{p}/partager"), &[]).await;
    let page = site.get(&admin, &p).await.body;
    assert!(page.contains(">Ne plus partager</button>"));
    // Sharing twice is refused, in plain French.
    let a = site.post(&admin, &format!("{p}/partager"), &[]).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a
        .body
        .contains("Cette proposition est déjà partagée avec le comité inter-services."));

    // Another service's proposal arrives.
    let other = {
        let mut w = site.node.db.begin_write().await.unwrap();
        joint::fixtures::member(w.conn(), "ssm-courcelles", "SSM provincial de Courcelles").await;
        let r = joint::fixtures::share(
            w.conn(),
            "ssm-courcelles",
            "Un jardin partagé",
            "Un potager devant le service.",
            Theme::WellBeing,
            ProposalStatus::Discussed,
        )
        .await;
        w.commit().await.unwrap();
        r
    };
    let marie = site.member().await;
    let page = site.get(&marie, "/inter-services").await;
    assert_h1(&page, "Le comité inter-services");
    assert_labels_tied(&page);
    assert!(page.body.contains("Un jardin partagé"));
    assert!(page.body.contains("SSM provincial de Courcelles"));
    assert!(page
        .body
        .contains("Soutenue par 1 service : celui qui l'a proposée."));
    // A member suggests; the committee's support is the administrators'.
    let proposal_id = other.proposal.to_string();
    let fields = [
        ("service", "ssm-courcelles"),
        ("proposal", proposal_id.as_str()),
        ("comment", "Bonne idée !"),
    ];
    assert!(page.body.contains("Proposer au comité de la soutenir"));
    assert!(!page.body.contains("Soutenir au nom du comité"));
    let a = site.post(&marie, "/inter-services/soutien", &fields).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    site.post_ok(&marie, "/inter-services/suggerer", &fields)
        .await;
    let page = site.get(&marie, "/inter-services").await.body;
    assert!(page.contains("Vous avez proposé au comité de la soutenir."));
    assert!(page.contains("Soutenue par 1 service"), "not supported yet");
    assert!(page.contains("value=\"Bonne idée !\""));
    // The administrator sees it, and is asked before giving the support.
    let page = site.get(&admin, "/inter-services").await.body;
    assert!(page.contains("Des membres proposent de soutenir"));
    assert!(page.contains("marie"));
    assert!(page.contains("« Bonne idée ! »"));
    let confirm = [
        ("service", "ssm-courcelles"),
        ("proposal", proposal_id.as_str()),
        ("comment", "Oui, chez nous aussi."),
        ("from", "pending"),
    ];
    let a = site.post(&admin, "/inter-services/soutien", &confirm).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a
        .body
        .contains("Donner le soutien de votre comité à « Un jardin partagé » ?"));
    assert!(a.body.contains("Avec ce mot : « Oui, chez nous aussi. »"));
    assert!(a.body.contains("name=\"confirmed\" value=\"1\""));
    let page = site.get(&admin, "/inter-services").await.body;
    assert!(
        page.contains("Soutenue par 1 service"),
        "asking changes nothing"
    );
    let mut confirmed = confirm.to_vec();
    confirmed.push(("confirmed", "1"));
    site.post_ok(&admin, "/inter-services/soutien", &confirmed)
        .await;
    let page = site.get(&marie, "/inter-services").await.body;
    assert!(page.contains("Soutenue par 2 services"));
    assert!(page.contains("Votre comité la soutient."));
    assert!(page.contains("<strong>Votre service</strong> : « Oui, chez nous aussi. »"));
    assert!(
        !page.contains("Retirer notre soutien"),
        "the administrators'"
    );
    let a = site
        .post(&admin, "/inter-services/soutien", &confirmed)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a
        .body
        .contains("Votre comité soutient déjà cette proposition."));
    let a = site
        .post(&marie, "/inter-services/retirer-soutien", &fields)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    site.post_ok(&admin, "/inter-services/retirer-soutien", &fields)
        .await;
    // A suggestion taken back; nothing to set aside then.
    site.post_ok(&marie, "/inter-services/suggerer", &fields)
        .await;
    site.post_ok(&marie, "/inter-services/retirer-suggestion", &fields)
        .await;
    let a = site
        .post(&admin, "/inter-services/mettre-de-cote", &fields)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a
        .body
        .contains("Personne ne propose (ou plus) de soutenir cette proposition."));

    // An item for the next joint meeting, about a shared proposal.
    let own = format!("ssm-test/{}", p.rsplit('/').next().unwrap());
    let a = site
        .post(
            &marie,
            "/inter-services/point",
            &[("title", ""), ("description", "Gardée"), ("proposal", &own)],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains(r##"<a href="#point-title">"##));
    assert!(a.body.contains(&format!(r#"value="{own}" selected"#)));
    site.post_ok(
        &marie,
        "/inter-services/point",
        &[
            ("title", "Les sonnettes"),
            ("description", ""),
            ("proposal", &own),
            ("meeting", ""),
        ],
    )
    .await;

    // Withdrawn: the committee is told.
    site.post_ok(
        &admin,
        &format!("{p}/ne-plus-partager"),
        &[("reason", ""), ("confirmed", "1")],
    )
    .await;
    let page = site.get(&admin, &p).await.body;
    assert!(page.contains("Cette proposition a été partagée, puis retirée."));
    assert!(page.contains(">Partager avec le comité inter-services</button>"));
}

#[tokio::test]
async fn a_hub_has_none_of_these_pages() {
    let site = site(NodeRole::Hub).await;
    let admin = site.admin().await;
    for path in [
        "/reunions",
        "/membres",
        "/delegues",
        "/inter-services",
        "/propositions/nouvelle",
    ] {
        assert_eq!(
            site.get(&admin, path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // The shared paths hand over to the hub's pages.
    let home = site.get(&admin, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.body.contains("Le comité d'usager·ères</h1>"));
    let list = site.get(&admin, "/propositions").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("Les propositions du comité</h1>"));
}

/// The French refusals of the committee's rules, as written in the domain's
/// source (`rule(Rule::…, "…")` with a literal text that is not plain
/// ASCII), with the rule each names.
fn french_rules_in_the_domain() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src/domain");
    let mut found = Vec::new();
    let mut stack = vec![dir];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.file_name().is_some_and(|n| n == "tests.rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            let code = source.split("#[cfg(test)]").next().unwrap_or_default();
            for (at, _) in code.match_indices("rule(") {
                let Some(rest) = code[at + 5..].trim_start().strip_prefix("Rule::") else {
                    continue;
                };
                let (variant, rest) = rest.split_once(',').unwrap();
                let Some(text) = rest.trim_start().strip_prefix('"') else {
                    continue; // format!(…): not a fixed text
                };
                let end = text.find('"').unwrap();
                if !text[..end].is_ascii() {
                    found.push((variant.trim().to_owned(), text[..end].to_owned()));
                }
            }
        }
    }
    found
}

/// Every rule is said in both languages on a service's pages, whatever the
/// domain's sentence; the committee's French rules in the domain's own
/// French sentence. The words come from `pages::rules`, the English from
/// `node/web/locales/en.toml`.
#[test]
fn every_french_committee_rule_is_said_in_both_languages() {
    use super::in_words;
    use crate::pages::Locale;
    use passerelle_core::error::Rule;
    for rule in Rule::ALL {
        let e = passerelle_core::validate::rule(rule, "a sentence for programs");
        let french = in_words(&e, Locale::Fr);
        let english = in_words(&e, Locale::En);
        assert_ne!(french, "a sentence for programs");
        assert!(
            english != french,
            "no English for {rule:?} (add its words to pages/rules.rs and en.toml): {english}"
        );
    }
    let rules = french_rules_in_the_domain();
    assert!(rules.len() >= 10, "only {} rules found", rules.len());
    for (variant, text) in rules {
        let rule = Rule::ALL
            .into_iter()
            .find(|r| format!("{r:?}") == variant)
            .unwrap();
        let e = passerelle_core::validate::rule(rule, text.clone());
        let mut sentence: String = text[..1].to_uppercase() + &text[1..];
        sentence.push('.');
        assert_eq!(in_words(&e, Locale::Fr), sentence, "{variant}");
        let english = in_words(&e, Locale::En);
        assert!(
            english != sentence && english.is_ascii(),
            "no English for the rule « {text} » (add it to pages/rules.rs and to en.toml): {english}"
        );
    }
}

/// A refusal onto the form: a refused field by its name (whatever the
/// sentence says), a rule in the committee's words.
#[test]
fn refusals_reach_their_form_field() {
    use super::refusal;
    use crate::pages::Locale;
    use passerelle_core::error::Rule;
    use passerelle_core::validate;
    let map: &[(&str, &str, &str)] = &[("reason", "withdraw-reason", "Au plus 2000.")];
    let on = |e, loc| {
        refusal(e, map, "partage", loc)
            .unwrap()
            .into_iter()
            .map(|f| (f.field, f.message))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        on(
            validate::invalid("reason", "at most 2000 characters"),
            Locale::Fr
        ),
        [("withdraw-reason".to_owned(), "Au plus 2000.".to_owned())]
    );
    assert_eq!(
        on(
            validate::invalid("title", "1 to 200 characters"),
            Locale::En
        ),
        [(
            "partage".to_owned(),
            "Something is not right. Check what you wrote.".to_owned()
        )]
    );
    assert_eq!(
        on(
            validate::rule(
                Rule::MinutesAlreadyAdopted,
                "ce procès-verbal est déjà adopté"
            ),
            Locale::En
        ),
        [(
            "partage".to_owned(),
            "These minutes are already adopted.".to_owned()
        )]
    );
}
