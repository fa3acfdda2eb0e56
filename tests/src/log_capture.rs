//! What the nodes of a test process log, captured in memory.
//!
//! A refusal must leave a trace for the operator: tests install this
//! subscriber (once per test binary), remember where the log stood before
//! sending something hostile, then look for the node's event with the
//! expected `code` after it. Every field of every event at INFO and above is
//! kept as text.
//!
//! The log is the whole process's, every node's: the tests reading it live
//! in a test binary of their own (`tests/tests/hostile/`) and take turns,
//! so that no other test's node can log the line a test waits for.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

/// One logged event: level, target (module path) and fields, `message` included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    pub level: Level,
    pub target: String,
    pub fields: BTreeMap<String, String>,
}

impl Captured {
    /// The field's value as text (`&str` fields without quotes).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

static EVENTS: Mutex<Vec<Captured>> = Mutex::new(Vec::new());

struct CaptureLayer;

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber> Layer<S> for CaptureLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let captured = Captured {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            fields,
        };
        EVENTS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(captured);
    }
}

/// Installs the capturing subscriber for this process (idempotent).
pub fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::registry()
            .with(CaptureLayer.with_filter(tracing_subscriber::filter::LevelFilter::INFO));
        tracing::subscriber::set_global_default(subscriber)
            .expect("another tracing subscriber was installed first");
    });
}

/// The position of the log now: events after it are the ones that follow.
pub fn mark() -> usize {
    EVENTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .len()
}

/// Every event logged since `mark`.
pub fn since(mark: usize) -> Vec<Captured> {
    EVENTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(mark..)
        .map(<[Captured]>::to_vec)
        .unwrap_or_default()
}

/// Waits (up to `timeout`) for an event after `mark` whose `code` field is
/// `code` and whose message is `message`; returns it.
pub async fn wait_for(
    mark: usize,
    message: &str,
    code: &str,
    timeout: Duration,
) -> Option<Captured> {
    let start = std::time::Instant::now();
    loop {
        let found = since(mark)
            .into_iter()
            .find(|e| e.field("message") == Some(message) && e.field("code") == Some(code));
        if found.is_some() || start.elapsed() > timeout {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
