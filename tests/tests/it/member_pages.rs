//! A member's own pages, over real HTTP: changing their details, and
//! leaving the committee only after a page that asks to confirm. Then the
//! language of pages: the switch link's answer (its cookie, a safe way
//! back, a refusal of a language we do not speak), error pages in the
//! person's language, and a JSON API that does not change with it.
#![allow(clippy::unwrap_used)]

use passerelle_protocol::body::NodeRole;
use passerelle_tests::{TestNode, TEST_PASSWORD};
use reqwest::header::{ACCEPT_LANGUAGE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::StatusCode;

/// A browser-like client that keeps one session cookie (and, when set,
/// a language cookie) and never follows redirects.
struct Person {
    http: reqwest::Client,
    base: String,
    cookies: Vec<String>,
}

struct Page {
    status: StatusCode,
    location: String,
    set_cookie: String,
    body: String,
}

impl Person {
    async fn login(base: &str) -> Person {
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap();
        let res = http
            .post(format!("{base}/connexion"))
            .form(&[
                ("username", "admin"),
                ("password", TEST_PASSWORD),
                ("suite", "/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let cookie = res.headers()[SET_COOKIE].to_str().unwrap();
        let session = cookie.split(';').next().unwrap().to_owned();
        let first_password = res.headers()[LOCATION] == "/mot-de-passe";
        let person = Person {
            http,
            base: base.to_owned(),
            cookies: vec![session],
        };
        // A first password opens only its change and cannot be kept:
        // another for a moment, then back to the one the test knows.
        if first_password {
            let between = passerelle_tests::provisional(TEST_PASSWORD);
            for (current, new) in [
                (TEST_PASSWORD, between.as_str()),
                (between.as_str(), TEST_PASSWORD),
            ] {
                let form = [("current", current), ("new", new), ("again", new)];
                let chosen = person.post("/mot-de-passe", "/mot-de-passe", &form).await;
                assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
            }
        }
        person
    }

    async fn answer(res: reqwest::Response) -> Page {
        let header = |name| {
            res.headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (location, set_cookie) = (header(LOCATION), header(SET_COOKIE));
        Page {
            status: res.status(),
            location,
            set_cookie,
            body: res.text().await.unwrap().replace("&#39;", "'"),
        }
    }

    async fn get(&self, path: &str) -> Page {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookies.join("; "))
            .send()
            .await
            .unwrap();
        Person::answer(res).await
    }

    /// Posts a form from the page at `page`, with that page's CSRF token.
    async fn post(&self, page: &str, action: &str, form: &[(&str, &str)]) -> Page {
        let html = self.get(page).await.body;
        let csrf = html
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no CSRF token on {page}"))
            .to_owned();
        let mut fields = vec![("_csrf", csrf.as_str())];
        fields.extend_from_slice(form);
        let res = self
            .http
            .post(format!("{}{action}", self.base))
            .header(COOKIE, self.cookies.join("; "))
            .form(&fields)
            .send()
            .await
            .unwrap();
        Person::answer(res).await
    }
}

fn h1(body: &str) -> String {
    body.split("<h1>")
        .nth(1)
        .and_then(|r| r.split("</h1>").next())
        .unwrap_or_default()
        .to_owned()
}

/// The members' table (the active ones) and the former members' list.
fn members_and_former(body: &str) -> (String, String) {
    let (active, former) = body
        .split_once("<h2>Anciens membres</h2>")
        .unwrap_or((body, ""));
    (active.to_owned(), former.to_owned())
}

#[tokio::test]
async fn a_member_is_changed_and_leaves_after_confirming() {
    let root = tempfile::tempdir().unwrap();
    let mut service =
        TestNode::create(&root.path().join("ssm-1"), NodeRole::Service, "ssm-1", None).await;
    let admin = Person::login(&service.url).await;
    let added = admin
        .post(
            "/membres/nouveau",
            "/membres/nouveau",
            &[
                ("display_name", "Bruno"),
                ("role", "usager"),
                ("contact", "0470 00 00 00"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let members = admin.get("/membres").await.body;
    let id = members
        .split("href=\"/membres/")
        .filter_map(|r| r.split_once("/modifier\"").map(|(id, _)| id))
        .next()
        .unwrap()
        .to_owned();
    assert!(members.contains(&format!("href=\"/membres/{id}/modifier\"")));

    // Leaving: first a page that asks, and changes nothing.
    let ask = admin.get(&format!("/membres/{id}/depart")).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert_eq!(h1(&ask.body), "Bruno a quitté le comité ?");
    assert!(ask.body.contains("Oui, Bruno a quitté le comité"));
    let (active, former) = members_and_former(&admin.get("/membres").await.body);
    assert!(active.contains("Bruno") && !former.contains("Bruno"));

    // Changing the details: the form holds today's, refuses an empty name.
    let edit = format!("/membres/{id}/modifier");
    let form = admin.get(&edit).await;
    assert_eq!(h1(&form.body), "Changer les informations de Bruno");
    assert!(form.body.contains("value=\"0470 00 00 00\""));
    assert!(form.body.contains("value=\"usager\" checked"));
    let refused = admin
        .post(
            &edit,
            &edit,
            &[("display_name", " "), ("role", "autre"), ("contact", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .body
        .contains("Écrivez le nom de la personne (un prénom ou un pseudonyme suffit)."));
    assert!(admin.get("/membres").await.body.contains("0470 00 00 00"));
    let changed = admin
        .post(
            &edit,
            &edit,
            &[
                ("display_name", "Bruno B."),
                ("role", "autre"),
                ("contact", ""),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let members = admin.get("/membres").await.body;
    assert!(
        members.contains("<th scope=\"row\">Bruno B.</th>"),
        "{members}"
    );
    assert!(members.contains("<td>Autre</td>"));
    assert!(
        !members.contains("0470 00 00 00"),
        "an empty contact erases it"
    );

    // Confirmed: the member has left, and their pages are gone.
    let left = admin
        .post(
            &format!("/membres/{id}/depart"),
            &format!("/membres/{id}/depart"),
            &[],
        )
        .await;
    assert_eq!(left.status, StatusCode::SEE_OTHER);
    let (active, former) = members_and_former(&admin.get("/membres").await.body);
    assert!(!active.contains("Bruno B.") && former.contains("Bruno B."));
    assert_eq!(
        admin.get(&format!("/membres/{id}/depart")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(admin.get(&edit).await.status, StatusCode::NOT_FOUND);
    service.stop().await;
}

#[tokio::test]
async fn the_language_is_chosen_and_kept() {
    let root = tempfile::tempdir().unwrap();
    let mut service =
        TestNode::create(&root.path().join("ssm-1"), NodeRole::Service, "ssm-1", None).await;
    let mut admin = Person::login(&service.url).await;

    // French unless asked otherwise, with a link to English that comes back here.
    let home = admin.get("/membres").await.body;
    assert!(home.contains("<html lang=\"fr\">"));
    assert!(
        home.contains("href=\"/langue?choix=en&#38;retour=%2Fmembres\""),
        "{home}"
    );

    // A language we do not speak is refused; a way back off the site is not followed.
    assert_eq!(
        admin.get("/langue?choix=xx&retour=/").await.status,
        StatusCode::BAD_REQUEST
    );
    let chosen = admin
        .get("/langue?choix=en&retour=//ailleurs.example/x")
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER);
    assert_eq!(chosen.location, "/");
    assert!(
        chosen.set_cookie.starts_with("passerelle_langue=en;"),
        "{}",
        chosen.set_cookie
    );
    admin.cookies.push("passerelle_langue=en".into());
    let members = admin.get("/membres").await.body;
    assert!(members.contains("<html lang=\"en\">"));
    assert_eq!(h1(&members), "The committee members");

    // Error pages follow the person's language, made far from the request.
    let missing = admin.get("/membres/pas-un-identifiant/modifier").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("<html lang=\"en\">"));
    assert_eq!(h1(&missing.body), "Page not found");
    let http = reqwest::Client::new();
    let anonymous_en = http
        .get(format!("{}/connexion", service.url))
        .header(ACCEPT_LANGUAGE, "en-GB,en;q=0.9,fr;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h1(&anonymous_en), "Log in");

    // The JSON API says the same thing whatever the language asked.
    let mut messages = Vec::new();
    for lang in ["fr-BE", "en-GB"] {
        let res = http
            .get(format!("{}/api/v1/members", service.url))
            .header(ACCEPT_LANGUAGE, lang)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        messages.push(res.text().await.unwrap());
    }
    assert_eq!(messages[0], messages[1]);
    service.stop().await;
}
