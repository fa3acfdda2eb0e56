//! Delegates carry their committee's voice (issue #16), across a hub and
//! three services over real HTTP: Charleroi (ssm-1) puts Courcelles'
//! (ssm-2) proposal and the next joint meeting's points on its own agenda,
//! decides its positions and shares two of them, supports the proposal
//! with a word; the coordinator reads the positions per point and the
//! word; the joint meeting's decision reaches Charleroi (supporter) and
//! Courcelles (origin) but not Gosselies (ssm-3), and stands on their next
//! local agendas; the delegates' pack and "what is new" print on one A4
//! page each, with what they should say.
#![allow(clippy::unwrap_used)]

use passerelle_tests::browser::{pdf_page_count, Browser};
use passerelle_tests::*;
use serde_json::{json, Value};
use sqlx::Row;

async fn kinds_sent(node: &passerelle_core::Node) -> Vec<String> {
    let mut conn = node.db.pool().acquire().await.unwrap();
    sqlx::query("SELECT kind FROM messages WHERE origin = $1 ORDER BY seq")
        .bind(node.id().as_str())
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>("kind").unwrap())
        .collect()
}

fn in_days(days: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::days(days);
    t.replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn unix_in_days(days: i64) -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp() + days * 86_400
}

/// The decisions' texts in a list of outcomes.
fn decisions(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|o| o["decision"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delegates_prepare_carry_and_bring_back() {
    let fed = Federation::start(3, None).await;
    let [charleroi, courcelles, gosselies] = &fed.services[..] else {
        unreachable!()
    };
    let ch = Api::login(&charleroi.url, "admin", TEST_PASSWORD).await;
    let co = Api::login(&courcelles.url, "admin", TEST_PASSWORD).await;
    let go = Api::login(&gosselies.url, "admin", TEST_PASSWORD).await;
    let hub = Api::login(&fed.hub.url, "admin", TEST_PASSWORD).await;

    // Courcelles shares a proposal and proposes it for the joint agenda.
    let (status, p) = co
        .post(
            "/api/v1/proposals",
            json!({"title": "Le jardin ouvert le week-end", "description": "Le samedi et le dimanche, de 10 h à 17 h.", "theme": "well_being", "origin": "committee"}),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    let proposal = p["id"].as_str().unwrap().to_owned();
    let (status, body) = co
        .post(&format!("/api/v1/proposals/{proposal}/share"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let courcelles_ref = json!({"service": "ssm-2", "proposal": proposal});
    let (status, item) = co
        .post(
            "/api/v1/joint/agenda-items",
            json!({"title": "Le jardin le week-end", "description": null, "proposal": courcelles_ref, "meeting": null}),
        )
        .await;
    assert_eq!(status, 201, "{item}");

    // The coordinator prepares the joint meeting: Courcelles' item and a
    // point of its own, with the way there; then publishes it.
    let item = hub
        .eventually("/api/v1/hub/agenda-items", |v| {
            v.as_array().is_some_and(|a| !a.is_empty())
        })
        .await[0]["id"]
        .clone();
    let (status, m) = hub
        .post(
            "/api/v1/hub/meetings",
            json!({"title": "Petit-déjeuner inter-services", "starts_at": in_days(3), "ends_at": null,
                   "place": "Maison des associations, Charleroi", "format": "petit-déjeuner",
                   "directions": "Bus 1, arrêt Ville-Basse ; entrée par la cour."}),
        )
        .await;
    assert_eq!(status, 201, "{m}");
    let joint = m["id"].as_str().unwrap().to_owned();
    let (status, body) = hub
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/hub/meetings/{joint}/agenda"),
            Some(json!([{"kind": "item", "item": item}, {"kind": "free", "title": "Le petit-déjeuner de juin", "description": null}])),
        )
        .await;
    assert!(status < 300, "{status} {body}");
    let (status, body) = hub
        .post(&format!("/api/v1/hub/meetings/{joint}/publish"), json!({}))
        .await;
    assert!(status < 300, "{status} {body}");

    // Charleroi receives it, each point with its id, and the way there.
    let joint_path = format!("/api/v1/joint/meetings/{joint}");
    let received = ch
        .eventually(&joint_path, |v| {
            v["agenda"].as_array().is_some_and(|a| a.len() == 2)
        })
        .await;
    assert_eq!(
        received["directions"],
        "Bus 1, arrêt Ville-Basse ; entrée par la cour."
    );
    let garden_point = received["agenda"][0]["point"].as_str().unwrap().to_owned();
    let june_point = received["agenda"][1]["point"].as_str().unwrap().to_owned();
    assert_ne!(garden_point, june_point);

    // Charleroi's next meeting prepares the joint one: Courcelles'
    // proposal, the joint meeting's first point, and the meeting as a whole.
    let (status, local) = ch
        .post(
            "/api/v1/meetings",
            json!({"title": "Comité de décembre", "starts_at": unix_in_days(1), "place": "Salle 2", "format": "réunion"}),
        )
        .await;
    assert_eq!(status, 201, "{local}");
    let local = local["id"].as_str().unwrap().to_owned();
    let mut items = Vec::new();
    for body in [
        json!({"title": "Le jardin de Courcelles", "shared_proposal": courcelles_ref}),
        json!({"title": "Le point du jardin", "joint_meeting": joint, "joint_point": garden_point}),
        json!({"title": "Préparer le petit-déjeuner", "joint_meeting": joint}),
    ] {
        let (status, detail) = ch
            .post(&format!("/api/v1/meetings/{local}/agenda"), body)
            .await;
        assert_eq!(status, 200, "{detail}");
        let agenda = detail["agenda"].as_array().unwrap();
        items.push(agenda[agenda.len() - 1]["id"].as_str().unwrap().to_owned());
    }
    // A point the joint meeting does not have is refused, and changes nothing.
    let (status, body) = ch
        .post(
            &format!("/api/v1/meetings/{local}/agenda"),
            json!({"title": "Un point inconnu", "joint_meeting": joint, "joint_point": proposal}),
        )
        .await;
    assert_eq!(status, 404, "{body}");

    // The committee decides its positions: nothing leaves yet.
    let before = kinds_sent(&charleroi.node).await;
    let mut positions = Vec::new();
    for (item, stance, comment) in [
        (
            &items[0],
            "for",
            "Nous aussi, nous voulons le jardin le week-end.",
        ),
        (&items[1], "for", "Avec un banc à l'ombre."),
        (&items[2], "question", "Qui apporte le café ?"),
    ] {
        let (status, body) = ch
            .post(
                &format!("/api/v1/meetings/{local}/agenda/{item}/position"),
                json!({"stance": stance, "comment": comment}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        positions.push(body["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(kinds_sent(&charleroi.node).await, before);
    let (_, listed) = ch.get("/api/v1/positions").await;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["sharing"] == "not_shared"),
        "{listed}"
    );
    // A stance that does not exist: refused.
    let (status, body) = ch
        .post(
            &format!("/api/v1/meetings/{local}/agenda/{}/position", items[1]),
            json!({"stance": "maybe"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    // It shares two (the point and the whole meeting), and supports the
    // proposal with a word.
    for id in &positions[1..] {
        let (status, body) = ch
            .post(&format!("/api/v1/positions/{id}/share"), json!({}))
            .await;
        assert_eq!(status, 204, "{body}");
    }
    let (status, body) = ch
        .post(
            "/api/v1/joint/supports",
            json!({"service": "ssm-2", "proposal": proposal, "comment": "Charleroi soutient : les familles viennent le samedi."}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let sent = kinds_sent(&charleroi.node).await;
    assert_eq!(
        sent[before.len()..],
        ["position.shared", "position.shared", "support.given"]
    );

    // The coordinator reads the positions per point.
    let at_hub = hub
        .eventually(&format!("/api/v1/hub/meetings/{joint}/positions"), |v| {
            v.as_array().is_some_and(|a| a.len() == 2)
        })
        .await;
    let on_garden = at_hub
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["point"] == garden_point.as_str())
        .unwrap();
    assert_eq!(on_garden["service"], "ssm-1");
    assert_eq!(on_garden["stance"], "for");
    assert_eq!(on_garden["comment"], "Avec un banc à l'ombre.");
    let hub_page = admin_page(&fed.hub.url, &format!("/reunions-communes/{joint}")).await;
    for expected in [
        "Positions des comités :",
        "Avec un banc à l'ombre.",
        "Ce que les comités pensent de la réunion",
        "Qui apporte le café ?",
        "Bus 1, arrêt Ville-Basse",
    ] {
        assert!(hub_page.contains(expected), "hub page lacks {expected:?}");
    }
    // Taken back: gone from the hub, kept at home.
    let (status, _) = ch
        .post(
            &format!("/api/v1/positions/{}/withdraw", positions[2]),
            json!({}),
        )
        .await;
    assert_eq!(status, 204);
    hub.eventually(&format!("/api/v1/hub/meetings/{joint}/positions"), |v| {
        v.as_array().is_some_and(|a| a.len() == 1)
    })
    .await;
    let (_, listed) = ch.get("/api/v1/positions").await;
    assert_eq!(listed.as_array().unwrap().len(), 3);

    // The joint meeting decides about the garden.
    let (status, body) = hub
        .post(
            &format!("/api/v1/hub/meetings/{joint}/outcomes"),
            json!({"minutes": "Sept services présents.", "outcomes": [
                {"subject": null, "proposals": [courcelles_ref], "decision": "Courrier commun aux directions pour le jardin le week-end."}
            ]}),
        )
        .await;
    assert!(status < 300, "{status} {body}");

    // Courcelles (origin) and Charleroi (supporter) receive it; Gosselies
    // (no proposal, no support, no position) is not concerned.
    let expected = vec!["Courrier commun aux directions pour le jardin le week-end.".to_owned()];
    let at_co = co
        .eventually("/api/v1/joint/outcomes", |v| decisions(v) == expected)
        .await;
    assert_eq!(at_co[0]["concern"], "our_proposal");
    let at_ch = ch
        .eventually("/api/v1/joint/outcomes", |v| decisions(v) == expected)
        .await;
    assert_eq!(at_ch[0]["concern"], "we_support");
    go.eventually(&joint_path, |v| v["minutes"].is_string())
        .await;
    let (_, at_go) = go.get("/api/v1/joint/outcomes").await;
    assert!(decisions(&at_go).is_empty(), "{at_go}");

    // It stands on their next local agendas.
    let (_, said) = ch
        .get(&format!("/api/v1/meetings/{local}/joint-decisions"))
        .await;
    assert_eq!(decisions(&said), expected);
    let (status, co_local) = co
        .post(
            "/api/v1/meetings",
            json!({"title": "Comité de Courcelles", "starts_at": unix_in_days(2), "place": "Salle 1", "format": "réunion"}),
        )
        .await;
    assert_eq!(status, 201, "{co_local}");
    let (_, said) = co
        .get(&format!(
            "/api/v1/meetings/{}/joint-decisions",
            co_local["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(decisions(&said), expected);
    let local_page = admin_page(&charleroi.url, &format!("/reunions/{local}")).await;
    assert!(local_page.contains("Ce qui s'est dit au comité inter-services"));
    assert!(local_page.contains("Courrier commun aux directions pour le jardin le week-end."));
    assert!(local_page.contains("Position du comité :"));

    // A second joint meeting: its pack recalls the first one's decision
    // and what came of it since (Courcelles' management accepted).
    for (to, answer) in [
        ("discussed", None),
        ("sent_to_management", None),
        ("accepted", Some("Oui, dès le printemps.")),
    ] {
        let (status, body) = co
            .post(
                &format!("/api/v1/proposals/{proposal}/status"),
                json!({"status": to, "comment": null, "answer": answer}),
            )
            .await;
        assert!(status < 300, "{status} {body}");
    }
    let (status, m2) = hub
        .post(
            "/api/v1/hub/meetings",
            json!({"title": "Comité inter-services de janvier", "starts_at": in_days(9), "ends_at": null,
                   "place": "CPAS de Charleroi", "format": "réunion", "directions": null}),
        )
        .await;
    assert_eq!(status, 201, "{m2}");
    let joint2 = m2["id"].as_str().unwrap().to_owned();
    let (status, body) = hub
        .post(&format!("/api/v1/hub/meetings/{joint2}/publish"), json!({}))
        .await;
    assert!(status < 300, "{status} {body}");
    ch.eventually("/api/v1/joint/proposals", |v| v[0]["status"] == "accepted")
        .await;
    let pack2 = ch
        .eventually(&format!("/api/v1/joint/meetings/{joint2}/pack"), |v| {
            v["previous"].is_object()
        })
        .await;
    assert_eq!(pack2["previous"]["meeting"]["id"], joint.as_str());
    let past = &pack2["previous"]["decisions"][0];
    assert_eq!(past["decision"], expected[0].as_str());
    assert_eq!(past["proposals"][0]["status"], "accepted");
    assert_eq!(past["proposals"][0]["answer"], "Oui, dès le printemps.");

    // The first meeting's pack: the committee's positions, and who
    // supports the proposal.
    let (_, pack) = ch
        .get(&format!("/api/v1/joint/meetings/{joint}/pack"))
        .await;
    assert_eq!(
        pack["meeting"]["directions"],
        "Bus 1, arrêt Ville-Basse ; entrée par la cour."
    );
    assert_eq!(pack["our_position"]["stance"], "question");
    assert_eq!(
        pack["points"][0]["our_position"]["comment"],
        "Avec un banc à l'ombre."
    );
    assert_eq!(
        pack["points"][0]["proposals"][0]["supporters"],
        json!(["ssm-1"])
    );
    assert_eq!(
        pack["points"][0]["proposals"][0]["our_position"]["stance"],
        "for"
    );
    assert!(pack["points"][1]["our_position"].is_null());

    // Both print on one A4 page.
    let test = "delegates_prepare_carry_and_bring_back";
    if let Some(b) = Browser::start(test).await {
        b.sign_in(&charleroi.url, "admin", TEST_PASSWORD, OWN_PASSWORD)
            .await;
        for (path, name, words) in [
            (
                format!("/inter-services/reunions/{joint}/dossier"),
                "dossier-des-delegues",
                vec![
                    "Dossier des délégué·es",
                    "Bus 1, arrêt Ville-Basse",
                    "Position de notre comité : Pour.",
                    "Avec un banc à l'ombre.",
                    "Soutenue aussi par :",
                    "Notre comité n'a pas donné de position sur ce point.",
                ],
            ),
            (
                "/nouveautes".to_owned(),
                "ce-qui-est-nouveau",
                vec![
                    "Ce qui est nouveau depuis notre dernière réunion",
                    "Courrier commun aux directions pour le jardin le week-end.",
                    "Le jardin ouvert le week-end",
                    "Comité de décembre",
                    "Comité inter-services de janvier",
                ],
            ),
        ] {
            b.goto(&format!("{}{path}", charleroi.url)).await;
            let text = b.text().await;
            for w in words {
                assert!(text.contains(w), "{name} lacks {w:?}:\n{text}");
            }
            b.assert_accessible(name).await;
            b.screenshot(name).await;
            let pdf = b.print_to_pdf().await;
            std::fs::create_dir_all(passerelle_tests::browser::artifacts_dir()).unwrap();
            std::fs::write(
                passerelle_tests::browser::artifacts_dir().join(format!("{name}.pdf")),
                &pdf,
            )
            .unwrap();
            assert_eq!(pdf_page_count(&pdf), 1, "{name} prints on one A4 page");
        }
        b.close().await;
    }
    fed.stop().await;
}
