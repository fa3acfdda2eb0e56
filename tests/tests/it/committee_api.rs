//! Success paths of the committee, joint-corner and coordinator endpoints
//! not walked by the story, over real HTTP between real nodes.
#![allow(clippy::unwrap_used)]

use passerelle_tests::*;
use serde_json::{json, Value};

fn today() -> String {
    passerelle_core::domain::delegates::today().to_string()
}

#[track_caller]
fn ok(answer: (u16, Value), expected: u16) -> Value {
    assert_eq!(answer.0, expected, "{}", answer.1);
    answer.1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_consent_and_delegates() {
    let fed = Federation::start(1, None).await;
    let admin = Api::login(&fed.services[0].url, "admin", TEST_PASSWORD).await;
    let coordinator = Api::login(&fed.hub.url, "admin", TEST_PASSWORD).await;
    ok(
        admin
            .post(
                "/api/v1/accounts",
                json!({"username": "noa", "role": "member", "password": "un-mot-de-passe-long"}),
            )
            .await,
        201,
    );
    let member = Api::login(&fed.services[0].url, "noa", "un-mot-de-passe-long").await;

    let rosa = ok(admin.post("/api/v1/members", json!({"display_name": "Rosalie", "role": "usager", "contact": "0470 12 34 56", "consent": true})).await, 201);
    let id = rosa["id"].as_str().unwrap().to_owned();
    // Members see names, never contact details.
    let seen = ok(member.get("/api/v1/members").await, 200);
    assert_eq!(seen[0]["display_name"], "Rosalie");
    assert!(seen[0]["contact"].is_null());
    assert_eq!(
        ok(admin.get(&format!("/api/v1/members/{id}")).await, 200)["contact"],
        "0470 12 34 56"
    );
    ok(
        admin
            .call(
                reqwest::Method::PATCH,
                &format!("/api/v1/members/{id}"),
                Some(json!({"display_name": "Rosa"})),
            )
            .await,
        200,
    );

    // Delegate with consent: the hub gets the name.
    let d = ok(
        admin
            .post(
                "/api/v1/delegates",
                json!({"member": id, "role": "delegate", "term_start": today(), "term_end": null}),
            )
            .await,
        201,
    );
    assert_eq!(
        ok(member.get("/api/v1/delegates").await, 200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        ok(admin.get("/api/v1/delegates/public").await, 200)["delegates"][0]["label"],
        "Rosa"
    );
    coordinator
        .eventually("/api/v1/hub/services", |v| {
            v[0]["delegates"][0]["label"] == "Rosa"
        })
        .await;
    // Consent withdrawn: a neutral label everywhere, at once.
    let m = ok(
        admin
            .post(
                &format!("/api/v1/members/{id}/consent"),
                json!({"consent": false}),
            )
            .await,
        200,
    );
    assert_eq!(m["consent"], false);
    assert_eq!(
        ok(admin.get("/api/v1/delegates/public").await, 200)["delegates"][0]["label"],
        "Délégué·e 1"
    );
    coordinator
        .eventually("/api/v1/hub/services", |v| {
            v[0]["delegates"][0]["label"] == "Délégué·e 1"
        })
        .await;
    // Contact details never left the service.
    let hub_log: Vec<String> = sqlx::query_scalar("SELECT envelope FROM messages")
        .fetch_all(fed.hub.node.db.pool())
        .await
        .unwrap();
    assert!(
        hub_log.iter().all(|e| !e.contains("0470")),
        "contact details reached the hub"
    );

    // A started term is not taken back: it is ended instead.
    let started = admin
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/delegates/{}", d["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(
        (
            started.0,
            started.1["error"]["code"].as_str(),
            started.1["error"]["rule"].as_str()
        ),
        (422, Some("domain_rule"), Some("term_started"))
    );
    // End of term, then the member leaves.
    ok(
        admin
            .post(
                &format!("/api/v1/delegates/{}/end", d["id"].as_str().unwrap()),
                json!({"end": today()}),
            )
            .await,
        200,
    );
    // Designated again from a later date, then taken back: the hub's
    // list follows.
    let later = ok(
        admin
            .post(
                "/api/v1/delegates",
                json!({"member": id, "role": "substitute", "term_start": "2031-01-01", "term_end": null}),
            )
            .await,
        201,
    );
    coordinator
        .eventually("/api/v1/hub/services", |v| {
            v[0]["delegates"].to_string().contains("2031-01-01")
        })
        .await;
    let taken_back = admin
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/delegates/{}", later["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(taken_back.0, 204, "{}", taken_back.1);
    coordinator
        .eventually("/api/v1/hub/services", |v| {
            !v[0]["delegates"].to_string().contains("2031-01-01")
        })
        .await;

    let left = ok(
        admin
            .post(&format!("/api/v1/members/{id}/leave"), json!({}))
            .await,
        200,
    );
    assert!(!left["left_at"].is_null());
    assert_eq!(ok(admin.get("/api/v1/members").await, 200), json!([]));
    assert_eq!(
        ok(admin.get("/api/v1/members?include_left=true").await, 200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_meetings_minutes_and_answers() {
    let fed = Federation::start(1, None).await;
    let admin = Api::login(&fed.services[0].url, "admin", TEST_PASSWORD).await;
    let now = passerelle_core::clock::now();
    let secretary = ok(
        admin
            .post(
                "/api/v1/members",
                json!({"display_name": "Marc", "role": "usager", "consent": false}),
            )
            .await,
        201,
    );
    let secretary = secretary["id"].as_str().unwrap().to_owned();
    let p = ok(admin.post("/api/v1/proposals", json!({"title": "Un distributeur d'eau", "description": "Dans la salle d'attente.", "theme": "well_being", "origin": "anonymous"})).await, 201);
    let pid = p["id"].as_str().unwrap().to_owned();
    // A meeting in the past needs the word that it already took place.
    let past = json!({"title": "Comité de novembre", "starts_at": now - 2 * 86_400, "place": "Salle du rez", "format": "réunion"});
    let refused = admin.post("/api/v1/meetings", past.clone()).await;
    assert_eq!(
        (
            refused.0,
            refused.1["error"]["code"].as_str(),
            refused.1["error"]["rule"].as_str()
        ),
        (
            422,
            Some("domain_rule"),
            Some("past_meeting_needs_confirmation")
        )
    );
    assert_eq!(ok(admin.get("/api/v1/meetings").await, 200), json!([]));
    let mut past = past;
    past["in_the_past"] = json!(true);
    let first = ok(admin.post("/api/v1/meetings", past).await, 201);
    let held = ok(admin.post("/api/v1/meetings", json!({"title": "Comité extraordinaire", "starts_at": now - 86_400, "place": "Salle du rez", "format": "réunion", "in_the_past": true})).await, 201);
    let second = ok(admin.post("/api/v1/meetings", json!({"title": "Comité de décembre", "starts_at": now + 86_400, "place": "Salle du rez", "format": "petit-déjeuner"})).await, 201);
    let (m1, m2) = (
        first["id"].as_str().unwrap().to_owned(),
        second["id"].as_str().unwrap().to_owned(),
    );
    let held = held["id"].as_str().unwrap().to_owned();

    let with_one = ok(
        admin
            .post(
                &format!("/api/v1/meetings/{m1}/agenda"),
                json!({"title": "Le distributeur d'eau", "proposal": pid}),
            )
            .await,
        200,
    );
    let with_two = ok(
        admin
            .post(
                &format!("/api/v1/meetings/{m1}/agenda"),
                json!({"title": "Divers"}),
            )
            .await,
        200,
    );
    assert_eq!(
        with_one["agenda"][0]["proposal_title"],
        "Un distributeur d'eau"
    );
    let ids: Vec<String> = with_two["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    let reordered = ok(
        admin
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/meetings/{m1}/agenda/order"),
                Some(json!({"items": [ids[1], ids[0]]})),
            )
            .await,
        200,
    );
    assert_eq!(reordered["agenda"][0]["title"], "Divers");
    let removed = ok(
        admin
            .call(
                reqwest::Method::DELETE,
                &format!("/api/v1/meetings/{m1}/agenda/{}", ids[1]),
                None,
            )
            .await,
        200,
    );
    assert_eq!(removed["agenda"].as_array().unwrap().len(), 1);
    ok(
        admin
            .post(
                &format!("/api/v1/meetings/{m1}/attendance"),
                json!({"member": secretary, "status": "present"}),
            )
            .await,
        200,
    );
    ok(
        admin
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/meetings/{m1}/minutes"),
                Some(json!({"text": "Nous avons parlé de l'eau.", "secretary": secretary})),
            )
            .await,
        200,
    );
    // Not sent before the committee adopts them.
    let refused = admin
        .post(&format!("/api/v1/meetings/{m1}/minutes/send"), json!({}))
        .await;
    assert_eq!(
        (refused.0, refused.1["error"]["code"].as_str()),
        (422, Some("domain_rule"))
    );
    let decided = ok(
        admin
            .post(
                &format!("/api/v1/meetings/{m1}/decisions"),
                json!({"text": "Envoyer la demande à la direction.", "proposal": pid}),
            )
            .await,
        200,
    );
    assert_eq!(decided["decisions"].as_array().unwrap().len(), 1);
    // Not adopted at a meeting that has not taken place yet.
    let refused = admin
        .post(
            &format!("/api/v1/meetings/{m1}/minutes/adopt"),
            json!({"at_meeting": m2}),
        )
        .await;
    assert_eq!(
        (refused.0, refused.1["error"]["code"].as_str()),
        (422, Some("domain_rule"))
    );
    ok(
        admin
            .post(
                &format!("/api/v1/meetings/{m1}/minutes/adopt"),
                json!({"at_meeting": held}),
            )
            .await,
        200,
    );
    let sent = ok(
        admin
            .post(&format!("/api/v1/meetings/{m1}/minutes/send"), json!({}))
            .await,
        200,
    );
    assert_eq!(sent["minutes"]["status"], "sent_to_management");
    // The adopted minutes are the record: no decision is added any more.
    let refused = admin
        .post(
            &format!("/api/v1/meetings/{m1}/decisions"),
            json!({"text": "Après coup."}),
        )
        .await;
    assert_eq!(refused.0, 422);
    // Management answers between the two meetings: read out at the second.
    for (status, answer) in [
        ("discussed", None),
        ("sent_to_management", None),
        ("accepted", Some("Installé en janvier.")),
    ] {
        ok(
            admin
                .post(
                    &format!("/api/v1/proposals/{pid}/status"),
                    json!({"status": status, "answer": answer}),
                )
                .await,
            200,
        );
    }
    let answers = ok(
        admin.get(&format!("/api/v1/meetings/{m2}/answers")).await,
        200,
    );
    assert_eq!(answers[0]["answer_text"], "Installé en janvier.");
    assert_eq!(
        ok(
            admin.get(&format!("/api/v1/meetings/{m1}/answers")).await,
            200
        ),
        json!([])
    );
    assert_eq!(
        ok(admin.get("/api/v1/meetings").await, 200)
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        ok(admin.get(&format!("/api/v1/meetings/{m1}")).await, 200)["attendance"][0]["status"],
        "present"
    );
    fed.stop().await;
}

/// Correcting local meetings: moved, cancelled (kept, marked), deleted
/// while empty, attendance of seven in one call (all or nothing),
/// decisions corrected and taken back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_meetings_are_corrected() {
    let fed = Federation::start(1, None).await;
    let admin = Api::login(&fed.services[0].url, "admin", TEST_PASSWORD).await;
    let now = passerelle_core::clock::now();
    let rule = |answer: &(u16, Value)| {
        (
            answer.0,
            answer.1["error"]["code"].as_str().map(str::to_owned),
        )
    };
    let refused_by_rule = (422, Some("domain_rule".to_owned()));
    let mut seven = Vec::new();
    for name in ["Ana", "Ben", "Cléo", "Dan", "Eva", "Fred", "Gaby"] {
        let m = ok(
            admin
                .post(
                    "/api/v1/members",
                    json!({"display_name": name, "role": "usager", "consent": false}),
                )
                .await,
            201,
        );
        seven.push(m["id"].as_str().unwrap().to_owned());
    }
    let m = ok(admin.post("/api/v1/meetings", json!({"title": "Comité", "starts_at": now + 86_400, "place": "Salle du rez", "format": "réunion"})).await, 201);
    let id = m["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/meetings/{id}");

    // Rescheduled: a week later, elsewhere; into the past only with the flag.
    let moved = ok(admin.call(reqwest::Method::PUT, &path, Some(json!({"title": "Comité", "starts_at": now + 8 * 86_400, "place": "Salle du 1er", "format": "réunion"}))).await, 200);
    assert_eq!(
        (moved["starts_at"].as_i64(), moved["place"].as_str()),
        (Some(now + 8 * 86_400), Some("Salle du 1er"))
    );
    let back = json!({"title": "Comité", "starts_at": now - 3600, "place": "Salle du 1er", "format": "réunion"});
    assert_eq!(
        rule(
            &admin
                .call(reqwest::Method::PUT, &path, Some(back.clone()))
                .await
        ),
        refused_by_rule
    );
    let mut back = back;
    back["in_the_past"] = json!(true);
    ok(
        admin.call(reqwest::Method::PUT, &path, Some(back)).await,
        200,
    );

    // Attendance of seven in one call; a bad entry stores none.
    let mut entries: Vec<Value> = seven
        .iter()
        .map(|m| json!({"member": m, "status": "present"}))
        .collect();
    entries.push(json!({"member": "01936b2a-7c00-7000-8000-000000000001", "status": "present"}));
    let refused = admin
        .call(
            reqwest::Method::PUT,
            &format!("{path}/attendance"),
            Some(json!({"entries": entries})),
        )
        .await;
    assert_eq!(refused.0, 404, "{}", refused.1);
    assert_eq!(ok(admin.get(&path).await, 200)["attendance"], json!([]));
    entries.pop();
    let all = ok(
        admin
            .call(
                reqwest::Method::PUT,
                &format!("{path}/attendance"),
                Some(json!({"entries": entries})),
            )
            .await,
        200,
    );
    assert_eq!(all["attendance"].as_array().unwrap().len(), 7);
    let fixed = ok(
        admin
            .call(
                reqwest::Method::PUT,
                &format!("{path}/attendance"),
                Some(json!({"entries": [{"member": seven[3], "status": "excused"}]})),
            )
            .await,
        200,
    );
    let dan = fixed["attendance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["member_id"] == json!(seven[3]))
        .unwrap()
        .clone();
    assert_eq!(dan["status"], "excused");

    // A decision corrected, another taken back.
    let d = ok(
        admin
            .post(
                &format!("{path}/decisions"),
                json!({"text": "Acheter une rampe"}),
            )
            .await,
        200,
    );
    let d1 = d["decisions"][0]["id"].as_str().unwrap().to_owned();
    let d = ok(
        admin
            .post(&format!("{path}/decisions"), json!({"text": "Par erreur"}))
            .await,
        200,
    );
    let d2 = d["decisions"][1]["id"].as_str().unwrap().to_owned();
    let d = ok(
        admin
            .call(
                reqwest::Method::PUT,
                &format!("{path}/decisions/{d1}"),
                Some(json!({"text": "Demander une rampe", "proposal": null})),
            )
            .await,
        200,
    );
    assert_eq!(d["decisions"][0]["text"], "Demander une rampe");
    let d = ok(
        admin
            .call(
                reqwest::Method::DELETE,
                &format!("{path}/decisions/{d2}"),
                None,
            )
            .await,
        200,
    );
    assert_eq!(d["decisions"].as_array().unwrap().len(), 1);

    // Something is recorded: not deleted, cancelled instead.
    assert_eq!(
        rule(&admin.call(reqwest::Method::DELETE, &path, None).await),
        refused_by_rule
    );
    let c = ok(
        admin
            .post(
                &format!("{path}/cancel"),
                json!({"reason": "Grève des bus"}),
            )
            .await,
        200,
    );
    assert!(c["cancelled_at"].is_i64());
    assert_eq!(c["cancel_reason"], "Grève des bus");
    assert_eq!(
        rule(
            &admin
                .post(&format!("{path}/decisions"), json!({"text": "Encore"}))
                .await
        ),
        refused_by_rule
    );
    assert_eq!(
        ok(admin.get("/api/v1/meetings").await, 200)
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // An empty meeting (its agenda only) is deleted.
    let e = ok(admin.post("/api/v1/meetings", json!({"title": "Doublon", "starts_at": now + 86_400, "place": "Salle", "format": "réunion"})).await, 201);
    let e = format!("/api/v1/meetings/{}", e["id"].as_str().unwrap());
    ok(
        admin
            .post(&format!("{e}/agenda"), json!({"title": "Accueil"}))
            .await,
        200,
    );
    let gone = admin.call(reqwest::Method::DELETE, &e, None).await;
    assert_eq!(gone.0, 204);
    assert_eq!(admin.get(&e).await.0, 404);
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_tools_and_the_joint_corner() {
    let fed = Federation::start(2, None).await;
    let a = Api::login(&fed.services[0].url, "admin", TEST_PASSWORD).await;
    let b = Api::login(&fed.services[1].url, "admin", TEST_PASSWORD).await;
    let hub = Api::login(&fed.hub.url, "admin", TEST_PASSWORD).await;
    let mut ids = Vec::new();
    for (api, title) in [
        (&a, "Un atelier cuisine"),
        (&b, "Des repas partagés"),
        (&b, "Un potager"),
    ] {
        let p = ok(api.post("/api/v1/proposals", json!({"title": title, "description": "À discuter.", "theme": "activities", "origin": "committee"})).await, 201);
        let id = p["id"].as_str().unwrap().to_owned();
        ok(
            api.post(&format!("/api/v1/proposals/{id}/share"), json!({}))
                .await,
            200,
        );
        ids.push(id);
    }
    a.eventually("/api/v1/joint/proposals", |v| {
        v.as_array().is_some_and(|l| l.len() == 2)
    })
    .await;
    // Support, then withdraw it.
    ok(
        a.post(
            "/api/v1/joint/supports",
            json!({"service": "ssm-2", "proposal": ids[1]}),
        )
        .await,
        204,
    );
    hub.eventually("/api/v1/hub/proposals?service=ssm-2&sort=support", |v| {
        v[0]["support"] == 2
    })
    .await;
    ok(
        a.post(
            "/api/v1/joint/supports/withdraw",
            json!({"service": "ssm-2", "proposal": ids[1]}),
        )
        .await,
        204,
    );
    hub.eventually("/api/v1/hub/proposals?service=ssm-2&sort=support", |v| {
        v[0]["support"] == 1
    })
    .await;
    let counts = ok(
        hub.get("/api/v1/hub/proposals/counts?theme=activities")
            .await,
        200,
    );
    assert_eq!(counts["total"], 3);
    let found = ok(hub.get("/api/v1/hub/proposals?text=POTAGER").await, 200);
    assert_eq!(
        found.as_array().unwrap().len(),
        1,
        "text search ignores case"
    );
    let services = ok(hub.get("/api/v1/hub/services").await, 200);
    assert_eq!(services.as_array().unwrap().len(), 2);
    assert!(services[0]["sync_health"].is_string());

    // A subject, then unlinking one proposal, all logged.
    let s = ok(hub.post("/api/v1/hub/subjects", json!({"title": "Cuisiner ensemble", "proposals": [{"service": "ssm-1", "proposal": ids[0]}, {"service": "ssm-2", "proposal": ids[1]}]})).await, 201);
    let sid = s["id"].as_str().unwrap().to_owned();
    let after = ok(
        hub.post(
            &format!("/api/v1/hub/subjects/{sid}/unlink"),
            json!({"service": "ssm-2", "proposal": ids[1]}),
        )
        .await,
        200,
    );
    assert_eq!(after[0]["proposals"].as_array().unwrap().len(), 1);
    ok(
        hub.post(
            &format!("/api/v1/hub/subjects/{sid}/link"),
            json!({"service": "ssm-2", "proposal": ids[1]}),
        )
        .await,
        200,
    );
    assert_eq!(
        ok(
            hub.get(&format!("/api/v1/hub/subjects/{sid}/log")).await,
            200
        )
        .as_array()
        .unwrap()
        .len(),
        4
    );

    // A service proposes an agenda item; the coordinator uses it.
    let item = ok(a.post("/api/v1/joint/agenda-items", json!({"title": "Le transport vers les réunions", "description": "Qui peut covoiturer ?"})).await, 201);
    let items = hub
        .eventually("/api/v1/hub/agenda-items", |v| {
            v.as_array().is_some_and(|l| l.len() == 1)
        })
        .await;
    assert_eq!(items[0]["id"], item["id"]);

    // Draft: edit, delete; another: agenda, publish, update with notice, cancel with notice.
    let details = json!({"title": "Brouillon", "starts_at": "2031-01-15T09:30:00Z", "ends_at": null, "place": "Charleroi", "format": "réunion"});
    let draft = ok(hub.post("/api/v1/hub/meetings", details.clone()).await, 201);
    let did = draft["id"].as_str().unwrap().to_owned();
    let mut renamed = details.clone();
    renamed["title"] = json!("Brouillon renommé");
    assert_eq!(
        ok(
            hub.call(
                reqwest::Method::PUT,
                &format!("/api/v1/hub/meetings/{did}"),
                Some(renamed)
            )
            .await,
            200
        )["title"],
        "Brouillon renommé"
    );
    ok(
        hub.call(
            reqwest::Method::DELETE,
            &format!("/api/v1/hub/meetings/{did}"),
            None,
        )
        .await,
        204,
    );
    assert_eq!(hub.get(&format!("/api/v1/hub/meetings/{did}")).await.0, 404);

    let m = ok(hub.post("/api/v1/hub/meetings", json!({"title": "Comité de janvier", "starts_at": "2031-01-20T09:30:00Z", "ends_at": null, "place": "Courcelles", "format": "petit-déjeuner"})).await, 201);
    let mid = m["id"].as_str().unwrap().to_owned();
    ok(
        hub.call(
            reqwest::Method::PUT,
            &format!("/api/v1/hub/meetings/{mid}/agenda"),
            Some(
                json!([{"kind": "item", "item": item["id"]}, {"kind": "subject", "subject": sid}]),
            ),
        )
        .await,
        200,
    );
    ok(
        hub.post(&format!("/api/v1/hub/meetings/{mid}/publish"), json!({}))
            .await,
        200,
    );
    let seen = b
        .eventually(&format!("/api/v1/joint/meetings/{mid}"), |v| {
            v["status"] == "published"
        })
        .await;
    assert_eq!(seen["agenda"][0]["title"], "Le transport vers les réunions");
    ok(hub.post(&format!("/api/v1/hub/meetings/{mid}/update"), json!({"title": "Comité de janvier", "starts_at": "2031-01-27T09:30:00Z", "ends_at": null, "place": "Courcelles", "format": "petit-déjeuner", "notice": "Reporté d'une semaine."})).await, 200);
    b.eventually(&format!("/api/v1/joint/meetings/{mid}"), |v| {
        v["notice"] == "Reporté d'une semaine." && v["starts_at"] == "2031-01-27T09:30:00Z"
    })
    .await;
    ok(
        hub.post(
            &format!("/api/v1/hub/meetings/{mid}/cancel"),
            json!({"notice": "Annulé : la salle n'est plus libre."}),
        )
        .await,
        200,
    );
    a.eventually(&format!("/api/v1/joint/meetings/{mid}"), |v| {
        v["status"] == "cancelled"
    })
    .await;
    assert_eq!(
        ok(a.get("/api/v1/joint/meetings").await, 200),
        json!([]),
        "a cancelled meeting is no longer upcoming"
    );
    assert_eq!(
        ok(hub.get("/api/v1/hub/meetings").await, 200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    fed.stop().await;
}
