//! What a node counts for its operator, and the Prometheus text format
//! that says it (`status::metrics` adds what is read at scrape time and
//! the web crate serves it on `metrics_listen` only).
//!
//! **Nothing personal.** Labels are node ids (services are organisations)
//! and the protocol's machine codes, never a person's name, a text, a
//! title or an address: the counters are keyed by values that cannot hold
//! anything else (`&'static str` codes, authenticated members' ids).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::error::NodeError;

/// The upper bounds of the group-commit histogram, in pushes per group
/// (`fed::inbox` takes at most 128).
pub const GROUP_BUCKETS: [u64; 8] = [1, 2, 4, 8, 16, 32, 64, 128];

/// The counters of one node, kept from its start.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Per member: what its pushes came to (`fed::hub::push`).
    members: Mutex<BTreeMap<String, MemberCounts>>,
    /// Pushes refused whole, by code (over quota, too large, database…).
    pushes_refused: Mutex<BTreeMap<&'static str, u64>>,
    /// Group commits: how many, how many pushes in each bucket, their sum,
    /// and the messages they carried.
    groups: Mutex<Groups>,
    /// Requests that failed on the database, by code (`internal`,
    /// `storage_full`, `storage_read_only`).
    database_errors: Mutex<BTreeMap<&'static str, u64>>,
    /// Feed pages served (all members).
    feed_pulls: AtomicU64,
}

/// What one member's exchanges with the hub came to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MemberCounts {
    pub pushes: u64,
    pub accepted: u64,
    pub duplicates: u64,
    /// Messages refused, by the protocol's code.
    pub refused: BTreeMap<&'static str, u64>,
    pub pulls: u64,
    /// Messages sent in feed pages.
    pub pulled_messages: u64,
}

#[derive(Debug, Default, Clone)]
struct Groups {
    buckets: [u64; GROUP_BUCKETS.len()],
    count: u64,
    pushes: u64,
    messages: u64,
}

/// A push's result as counted: each message accepted, duplicate, or
/// refused with its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageOutcome {
    Accepted,
    Duplicate,
    Refused(&'static str),
}

impl Metrics {
    fn member<R>(&self, member: &str, f: impl FnOnce(&mut MemberCounts) -> R) -> Option<R> {
        let mut members = self.members.lock().ok()?;
        if !members.contains_key(member) {
            members.insert(member.to_owned(), MemberCounts::default());
        }
        members.get_mut(member).map(f)
    }

    /// A push the hub answered, message by message.
    pub fn push_answered(&self, member: &str, outcomes: impl IntoIterator<Item = MessageOutcome>) {
        self.member(member, |m| {
            m.pushes += 1;
            for outcome in outcomes {
                match outcome {
                    MessageOutcome::Accepted => m.accepted += 1,
                    MessageOutcome::Duplicate => m.duplicates += 1,
                    MessageOutcome::Refused(code) => *m.refused.entry(code).or_default() += 1,
                }
            }
        });
    }

    /// A push refused whole (nothing of it stored).
    pub fn push_refused(&self, member: &str, error: &NodeError) {
        self.member(member, |m| m.pushes += 1);
        if let Ok(mut refused) = self.pushes_refused.lock() {
            *refused.entry(error.code()).or_default() += 1;
        }
        self.error(error);
    }

    /// A feed page served to `member`.
    pub fn pulled(&self, member: &str, messages: usize) {
        self.feed_pulls.fetch_add(1, Ordering::Relaxed);
        self.member(member, |m| {
            m.pulls += 1;
            m.pulled_messages += messages as u64;
        });
    }

    /// A group commit of `pushes` pushes holding `messages` messages.
    pub fn group(&self, pushes: usize, messages: usize) {
        let Ok(mut g) = self.groups.lock() else {
            return;
        };
        let pushes = pushes as u64;
        for (bucket, bound) in g.buckets.iter_mut().zip(GROUP_BUCKETS) {
            if pushes <= bound {
                *bucket += 1;
            }
        }
        g.count += 1;
        g.pushes += pushes;
        g.messages += messages as u64;
    }

    /// Counts `error` if the database caused it.
    pub fn error(&self, error: &NodeError) {
        if matches!(error, NodeError::Database(_)) {
            if let Ok(mut errors) = self.database_errors.lock() {
                *errors.entry(error.code()).or_default() += 1;
            }
        }
    }

    /// Passes a result through, counting a database error.
    pub fn counted<T>(&self, result: Result<T, NodeError>) -> Result<T, NodeError> {
        if let Err(e) = &result {
            self.error(e);
        }
        result
    }

    /// One member's counts so far.
    pub fn member_counts(&self, member: &str) -> MemberCounts {
        self.members
            .lock()
            .ok()
            .and_then(|m| m.get(member).cloned())
            .unwrap_or_default()
    }

    /// Writes the counters in the Prometheus text format.
    pub fn write(&self, out: &mut Exposition) {
        let members = self.members.lock().map(|m| m.clone()).unwrap_or_default();
        out.family(
            "passerelle_hub_pushes_total",
            "counter",
            "Pushes a member made to the hub's inbox (answered or refused whole).",
        );
        for (id, m) in &members {
            out.sample("passerelle_hub_pushes_total", &[("member", id)], m.pushes);
        }
        out.family(
            "passerelle_hub_pushes_refused_total",
            "counter",
            "Pushes refused whole, nothing stored, by the protocol's error code.",
        );
        if let Ok(refused) = self.pushes_refused.lock() {
            for (code, n) in refused.iter() {
                out.sample("passerelle_hub_pushes_refused_total", &[("code", code)], *n);
            }
        }
        out.family(
            "passerelle_hub_messages_total",
            "counter",
            "Messages pushed to the hub, by member and outcome (accepted, duplicate).",
        );
        for (id, m) in &members {
            for (outcome, n) in [("accepted", m.accepted), ("duplicate", m.duplicates)] {
                out.sample(
                    "passerelle_hub_messages_total",
                    &[("member", id), ("outcome", outcome)],
                    n,
                );
            }
        }
        out.family(
            "passerelle_hub_messages_refused_total",
            "counter",
            "Messages the hub refused, by member and the protocol's error code.",
        );
        for (id, m) in &members {
            for (code, n) in &m.refused {
                out.sample(
                    "passerelle_hub_messages_refused_total",
                    &[("member", id), ("code", code)],
                    *n,
                );
            }
        }
        out.family(
            "passerelle_hub_feed_pulls_total",
            "counter",
            "Feed pages the hub served, by member.",
        );
        for (id, m) in &members {
            out.sample(
                "passerelle_hub_feed_pulls_total",
                &[("member", id)],
                m.pulls,
            );
        }
        out.family(
            "passerelle_hub_feed_messages_total",
            "counter",
            "Messages the hub sent in feed pages, by member.",
        );
        for (id, m) in &members {
            out.sample(
                "passerelle_hub_feed_messages_total",
                &[("member", id)],
                m.pulled_messages,
            );
        }
        let g = self.groups.lock().map(|g| g.clone()).unwrap_or_default();
        out.family(
            "passerelle_hub_group_commit_pushes",
            "histogram",
            "Pushes per group commit of the hub's inbox.",
        );
        for (bound, n) in GROUP_BUCKETS.iter().zip(g.buckets) {
            out.sample(
                "passerelle_hub_group_commit_pushes_bucket",
                &[("le", &bound.to_string())],
                n,
            );
        }
        out.sample(
            "passerelle_hub_group_commit_pushes_bucket",
            &[("le", "+Inf")],
            g.count,
        );
        out.sample("passerelle_hub_group_commit_pushes_sum", &[], g.pushes);
        out.sample("passerelle_hub_group_commit_pushes_count", &[], g.count);
        out.family(
            "passerelle_hub_group_commit_messages_total",
            "counter",
            "Messages carried by the hub's group commits.",
        );
        out.sample(
            "passerelle_hub_group_commit_messages_total",
            &[],
            g.messages,
        );
        out.family(
            "passerelle_database_errors_total",
            "counter",
            "Requests that failed on the database, by code (internal, storage_full, storage_read_only).",
        );
        if let Ok(errors) = self.database_errors.lock() {
            for (code, n) in errors.iter() {
                out.sample("passerelle_database_errors_total", &[("code", code)], *n);
            }
        }
    }
}

/// The Prometheus text exposition format (version 0.0.4): a `# HELP` and
/// a `# TYPE` line per family, then `name{label="value"} number` lines.
#[derive(Debug, Default)]
pub struct Exposition {
    text: String,
}

impl Exposition {
    /// Starts a family (`kind`: `counter`, `gauge`, `histogram`).
    pub fn family(&mut self, name: &str, kind: &str, help: &str) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        self.text.push_str(&format!("# HELP {name} {help}\n"));
        self.text.push_str(&format!("# TYPE {name} {kind}\n"));
    }

    /// One sample line.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (label, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let v = v
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\n', "\\n");
                self.text.push_str(&format!("{label}=\"{v}\""));
            }
            self.text.push('}');
        }
        self.text.push_str(&format!(" {value}\n"));
    }

    pub fn finish(self) -> String {
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Refusal;

    #[test]
    fn the_text_format_has_help_type_and_escaped_labels() {
        let mut out = Exposition::default();
        out.family("x_total", "counter", "Some\nthing.");
        out.sample("x_total", &[("member", "a\"b\\c\nd"), ("code", "z")], 3);
        out.sample("x_total", &[], 0);
        assert_eq!(
            out.finish(),
            "# HELP x_total Some\\nthing.\n# TYPE x_total counter\n\
             x_total{member=\"a\\\"b\\\\c\\nd\",code=\"z\"} 3\nx_total 0\n"
        );
    }

    #[test]
    fn counts_come_out_by_member_and_code() {
        let m = Metrics::default();
        m.push_answered(
            "ssm-1",
            [
                MessageOutcome::Accepted,
                MessageOutcome::Accepted,
                MessageOutcome::Duplicate,
                MessageOutcome::Refused("bad_signature"),
            ],
        );
        m.push_refused(
            "ssm-2",
            &NodeError::refused(Refusal::QuotaExceeded, "a sentence never shown"),
        );
        m.pulled("ssm-1", 5);
        m.group(3, 7);
        m.group(1, 1);
        m.error(&NodeError::Database(sqlx::Error::RowNotFound));
        let mut out = Exposition::default();
        m.write(&mut out);
        let text = out.finish();
        for line in [
            "passerelle_hub_pushes_total{member=\"ssm-1\"} 1\n",
            "passerelle_hub_pushes_total{member=\"ssm-2\"} 1\n",
            "passerelle_hub_messages_total{member=\"ssm-1\",outcome=\"accepted\"} 2\n",
            "passerelle_hub_messages_total{member=\"ssm-1\",outcome=\"duplicate\"} 1\n",
            "passerelle_hub_messages_refused_total{member=\"ssm-1\",code=\"bad_signature\"} 1\n",
            "passerelle_hub_pushes_refused_total{code=\"quota_exceeded\"} 1\n",
            "passerelle_hub_feed_pulls_total{member=\"ssm-1\"} 1\n",
            "passerelle_hub_feed_messages_total{member=\"ssm-1\"} 5\n",
            "passerelle_hub_group_commit_pushes_bucket{le=\"1\"} 1\n",
            "passerelle_hub_group_commit_pushes_bucket{le=\"2\"} 1\n",
            "passerelle_hub_group_commit_pushes_bucket{le=\"4\"} 2\n",
            "passerelle_hub_group_commit_pushes_bucket{le=\"+Inf\"} 2\n",
            "passerelle_hub_group_commit_pushes_sum 4\n",
            "passerelle_hub_group_commit_pushes_count 2\n",
            "passerelle_hub_group_commit_messages_total 8\n",
            "passerelle_database_errors_total{code=\"internal\"} 1\n",
            "# TYPE passerelle_hub_group_commit_pushes histogram\n",
        ] {
            assert!(text.contains(line), "{line:?} missing from:\n{text}");
        }
        assert!(!text.contains("never shown"));
        assert_eq!(m.member_counts("ssm-1").accepted, 2);
    }
}
