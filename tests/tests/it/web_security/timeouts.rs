//! Slow clients are cut off.

use std::time::{Duration, Instant};

use passerelle_protocol::body::NodeRole;
use passerelle_tests::*;

/// Rule: request timeouts at the HTTP layer. A client that sends its
/// headers, or its body, a byte at a time is cut off (here with short
/// limits; the defaults are 30 s and 60 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off() {
    use passerelle_web::Limits;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    assert_eq!(
        Limits::default(),
        Limits {
            header_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            body_budget: 24 * 1024 * 1024,
            max_connections: 4096,
        }
    );
    let root = tempfile::tempdir().unwrap();
    let (node, _) = passerelle_core::Node::init(passerelle_core::InitOptions {
        data_dir: root.path().join("h"),
        role: NodeRole::Hub,
        id: passerelle_protocol::NodeId::parse("hub-slow").unwrap(),
        name: "Lent".into(),
        listen: "127.0.0.1:0".into(),
        database_url: None,
        admin_password: Some(TEST_PASSWORD.into()),
    })
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = Limits {
        header_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(3),
        ..Limits::default()
    };
    let stopper = node.clone();
    let server = tokio::spawn(passerelle_web::serve_with(
        node.clone(),
        listener,
        passerelle_core::node::stopped(stopper.shutdown_signal()),
        limits,
    ));

    /// Sends `head` then one byte of `drip` every 200 ms, until the server
    /// answers or closes; returns what it said and when.
    async fn dribble(addr: std::net::SocketAddr, head: &str, drip: &[u8]) -> (String, Duration) {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        let start = Instant::now();
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        for byte in drip.iter().cycle() {
            assert!(start.elapsed() < Duration::from_secs(30), "never cut off");
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            match tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => {
                    answer.extend_from_slice(&buf[..n]);
                    break;
                }
                Err(_) => {}
            }
        }
        (
            String::from_utf8_lossy(&answer).into_owned(),
            start.elapsed(),
        )
    }

    // Headers that never end.
    let (answer, took) = dribble(
        addr,
        "GET /healthz HTTP/1.1\r\nHost: x\r\n",
        b"X-Slow: aaaa\r\n",
    )
    .await;
    assert!(
        took >= Duration::from_millis(1500),
        "cut off too early: {took:?} {answer}"
    );
    println!(
        "FIGURE slow headers cut after {took:?}: {:?}",
        answer.lines().next()
    );
    // A body that never ends: 408 in the API's error format.
    let (answer, took) = dribble(
        addr,
        "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n",
        b" ",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains(r#"{"error":{"code":"request_timeout","#),
        "{answer}"
    );
    assert!(
        took >= Duration::from_millis(2500),
        "cut off too early: {took:?}"
    );
    println!("FIGURE slow body cut after {took:?}");
    // The server is still fine for everyone else.
    let ok = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    node.stop();
    server.await.unwrap().unwrap();
}

/// Rule: connections are capped. At the cap, the oldest idle connection
/// (here: sockets that sent half a request line) is closed to make room,
/// so `/healthz` still answers; when every connection is busy with a
/// request, a new one is answered 503 `busy` with `Retry-After`, at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_capped_idle_ones_first() {
    use passerelle_web::Limits;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let root = tempfile::tempdir().unwrap();
    let (node, _) = passerelle_core::Node::init(passerelle_core::InitOptions {
        data_dir: root.path().join("h"),
        role: NodeRole::Hub,
        id: passerelle_protocol::NodeId::parse("hub-cap").unwrap(),
        name: "Plein".into(),
        listen: "127.0.0.1:0".into(),
        database_url: None,
        admin_password: Some(TEST_PASSWORD.into()),
    })
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = Limits {
        max_connections: 4,
        ..Limits::default()
    };
    let stopper = node.clone();
    let server = tokio::spawn(passerelle_web::serve_with(
        node.clone(),
        listener,
        passerelle_core::node::stopped(stopper.shutdown_signal()),
        limits,
    ));
    let connect = || async move { tokio::net::TcpStream::connect(addr).await.unwrap() };
    // Idle sockets fill the cap; /healthz still answers, several times.
    let mut idle = Vec::new();
    for _ in 0..8 {
        let mut s = connect().await;
        s.write_all(b"GET /healthz HT").await.unwrap();
        idle.push(s);
    }
    for _ in 0..3 {
        let ok = tokio::time::timeout(
            Duration::from_secs(5),
            reqwest::get(format!("http://{addr}/healthz")),
        )
        .await
        .expect("answered")
        .unwrap();
        assert_eq!(ok.status(), 200);
    }
    // Every connection busy with a request (a body that comes slowly).
    let mut busy = Vec::new();
    for _ in 0..4 {
        let mut s = connect().await;
        s.write_all(
            b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 1000\r\n\r\n{",
        )
        .await
        .unwrap();
        busy.push(s);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut s = connect().await;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut answer))
        .await
        .expect("answered at once")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("retry-after: 2"), "{answer}");
    assert!(answer.contains(r#""code":"busy""#), "{answer}");
    drop(busy);
    drop(idle);
    node.stop();
    let _ = server.await;
}
