//! The whole story of issue 4, across real nodes, through the API only:
//! service A shares a proposal → the hub's aggregated view shows it →
//! service B sees it and supports it → the coordinator links it with a
//! similar proposal of service C as one subject, puts the subject on a
//! joint meeting's agenda and publishes it → every service sees the agenda
//! → the coordinator records the decision → service A sees the outcome on
//! its own proposal, and so do C (the subject's other origin) and B (its
//! supporter).
#![allow(clippy::unwrap_used)]

use passerelle_tests::*;
use serde_json::json;

async fn share(api: &Api, title: &str, theme: &str) -> String {
    let (status, p) = api
        .post("/api/v1/proposals", json!({"title": title, "description": format!("{title} : proposé en comité."), "theme": theme, "origin": "committee"}))
        .await;
    assert_eq!(status, 201, "{p}");
    let id = p["id"].as_str().unwrap().to_owned();
    let (status, body) = api
        .post(&format!("/api/v1/proposals/{id}/share"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_story_across_real_nodes() {
    let fed = Federation::start(3, None).await;
    let [a, b, c] = &fed.services[..] else {
        unreachable!()
    };
    let (a_api, b_api, c_api) = (
        Api::login(&a.url, "admin", TEST_PASSWORD).await,
        Api::login(&b.url, "admin", TEST_PASSWORD).await,
        Api::login(&c.url, "admin", TEST_PASSWORD).await,
    );
    let coordinator = Api::login(&fed.hub.url, "admin", TEST_PASSWORD).await;

    // A service's admin is not a coordinator, and the hub has no proposals of its own.
    let (status, _) = a_api.get("/api/v1/hub/proposals").await;
    assert_eq!(status, 403);
    let (status, body) = coordinator.get("/api/v1/proposals").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );

    // 1. Service A shares a proposal; C shares a similar one.
    let a_id = share(&a_api, "Des horaires en soirée", "accessibility").await;
    let c_id = share(&c_api, "Ouvrir le jeudi soir", "accessibility").await;

    // 2. It appears in the hub's aggregated view.
    let list = coordinator
        .eventually("/api/v1/hub/proposals?theme=accessibility", |v| {
            v.as_array().is_some_and(|l| l.len() == 2)
        })
        .await;
    assert!(
        list.as_array().unwrap().iter().all(|p| p["support"] == 1),
        "each backed by its origin only: {list}"
    );
    let (status, body) = coordinator
        .get("/api/v1/hub/proposals?theme=m%C3%A9t%C3%A9o")
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_field"))
    );

    // 3. Service B sees it and supports it.
    b_api
        .eventually("/api/v1/joint/proposals", |v| {
            v.as_array()
                .is_some_and(|l| l.iter().any(|p| p["proposal_id"] == a_id))
        })
        .await;
    let (status, body) = b_api
        .post(
            "/api/v1/joint/supports",
            json!({"service": "ssm-1", "proposal": a_id, "comment": "Chez nous aussi !"}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = b_api
        .post(
            "/api/v1/joint/supports",
            json!({"service": "ssm-1", "proposal": a_id}),
        )
        .await;
    assert_eq!(status, 422, "supporting twice is refused");
    let sorted = coordinator
        .eventually("/api/v1/hub/proposals", |v| v[0]["support"] == 2)
        .await;
    assert_eq!(sorted[0]["proposal_id"], a_id, "sorted by support");

    // 4. The coordinator links A's and C's proposals as one subject…
    let (status, subject) = coordinator
        .post("/api/v1/hub/subjects", json!({"title": "Des horaires le soir", "proposals": [{"service": "ssm-1", "proposal": a_id}, {"service": "ssm-3", "proposal": c_id}]}))
        .await;
    assert_eq!(status, 201, "{subject}");
    let subject_id = subject["id"].as_str().unwrap().to_owned();
    let (_, subjects) = coordinator.get("/api/v1/hub/subjects").await;
    assert_eq!(
        subjects[0]["support"], 3,
        "A, C (origins) and B (supporter), each once: {subjects}"
    );
    let (_, log) = coordinator
        .get(&format!("/api/v1/hub/subjects/{subject_id}/log"))
        .await;
    assert_eq!(
        log.as_array().unwrap().len(),
        2,
        "each link is logged: {log}"
    );
    // …puts the subject on a joint meeting's agenda, and publishes it.
    let (status, meeting) = coordinator
        .post("/api/v1/hub/meetings", json!({"title": "Comité inter-SSM de décembre", "starts_at": "2030-12-10T09:00:00Z", "ends_at": null, "place": "La Pioche, Marchienne-au-Pont", "format": "petit-déjeuner"}))
        .await;
    assert_eq!(status, 201, "{meeting}");
    let meeting_id = meeting["id"].as_str().unwrap().to_owned();
    let (status, body) = coordinator
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/hub/meetings/{meeting_id}/agenda"),
            Some(json!([{"kind": "free", "title": "Accueil et café", "description": null}, {"kind": "subject", "subject": subject_id}])),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = coordinator
        .post(
            &format!("/api/v1/hub/meetings/{meeting_id}/outcomes"),
            json!({"minutes": "trop tôt", "outcomes": []}),
        )
        .await;
    assert_eq!(status, 422, "no outcomes for a draft: {body}");
    let (status, body) = coordinator
        .post(
            &format!("/api/v1/hub/meetings/{meeting_id}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // 5. Every service sees the agenda.
    for api in [&a_api, &b_api, &c_api] {
        let meetings = api
            .eventually("/api/v1/joint/meetings", |v| {
                v.as_array().is_some_and(|l| l.len() == 1)
            })
            .await;
        let agenda = meetings[0]["agenda"].as_array().unwrap();
        let titles: Vec<&str> = agenda
            .iter()
            .map(|e| e["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            titles,
            ["Accueil et café", "Des horaires le soir"],
            "agenda order as the coordinator set it"
        );
        assert_eq!(meetings[0]["format"], "petit-déjeuner");
    }

    // 6. The coordinator records the decision.
    let (status, body) = coordinator
        .post(
            &format!("/api/v1/hub/meetings/{meeting_id}/outcomes"),
            json!({"minutes": "Sept services présents. Petit-déjeuner offert par La Pioche.", "outcomes": [{"subject": subject_id, "proposals": [], "decision": "Les deux services testent une ouverture le jeudi soir dès janvier."}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // 7. Service A sees the outcome on its own proposal; so does C; B,
    //    which supported A's proposal, too (issue #16).
    let outcomes = a_api
        .eventually("/api/v1/joint/outcomes", |v| {
            v.as_array().is_some_and(|l| !l.is_empty())
        })
        .await;
    assert_eq!(
        outcomes[0]["decision"],
        "Les deux services testent une ouverture le jeudi soir dès janvier."
    );
    assert!(outcomes[0]["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["proposal"] == a_id));
    c_api
        .eventually("/api/v1/joint/outcomes", |v| {
            v.as_array().is_some_and(|l| l.len() == 1)
        })
        .await;
    let b_outcomes = b_api
        .eventually("/api/v1/joint/outcomes", |v| {
            v.as_array().is_some_and(|l| l.len() == 1)
        })
        .await;
    assert_eq!(b_outcomes[0]["concern"], "we_support");
    assert_eq!(outcomes[0]["concern"], "our_proposal");
    fed.stop().await;
}
