//! Figures, not timed tests: how fast and how small Passerelle is on the
//! machine it runs on. Everything is real: `passerelle serve` processes of
//! the release build, SQLite files with `synchronous = FULL`, HTTP over
//! loopback, Ed25519 signatures made and checked.
//!
//! ```sh
//! cargo bench -p passerelle-tests --bench federation
//! ```
//!
//! `PASSERELLE_BENCH_REGIONAL_HUB=DIR` keeps the regional hub in `DIR`;
//! a later run with the same `DIR` measures only the coordinator's view on
//! it (see `regional::run`).
//!
//! It prints one table: figure, value, target, met or missed, and the ratio
//! to the figure's baseline. See the README's "Performance" section.
#![allow(clippy::unwrap_used)]

mod procs;
mod regional;
mod small;

use std::time::Duration;

/// One line of the table.
pub struct Row {
    pub figure: String,
    pub value: String,
    pub target: String,
    /// `Some(true)` met, `Some(false)` missed, `None` no target.
    pub met: Option<bool>,
    pub ratio: String,
}

impl Row {
    pub fn new(figure: impl Into<String>, value: impl Into<String>) -> Row {
        Row {
            figure: figure.into(),
            value: value.into(),
            target: "—".into(),
            met: None,
            ratio: "—".into(),
        }
    }

    pub fn target(mut self, target: impl Into<String>, met: bool) -> Row {
        self.target = target.into();
        self.met = Some(met);
        self
    }

    pub fn ratio(mut self, ratio: impl Into<String>) -> Row {
        self.ratio = ratio.into();
        self
    }
}

/// The `q` quantile (0..=1) of some durations, in milliseconds.
pub fn quantile_ms(samples: &[Duration], q: f64) -> f64 {
    let mut v: Vec<Duration> = samples.to_vec();
    v.sort();
    if v.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    v[rank].as_secs_f64() * 1000.0
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn print_table(rows: &[Row]) {
    let headers = ["Figure", "Value", "Target", "Met", "Ratio"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.figure.clone(),
                r.value.clone(),
                r.target.clone(),
                match r.met {
                    Some(true) => "met".into(),
                    Some(false) => "MISSED".into(),
                    None => "".into(),
                },
                r.ratio.clone(),
            ]
        })
        .collect();
    let mut widths = headers.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: [&str; 5]| {
        let mut out = String::from("|");
        for (c, w) in cols.iter().zip(widths) {
            out.push_str(&format!(" {c}{} |", " ".repeat(w - c.chars().count())));
        }
        out
    };
    println!("{}", line(headers));
    println!(
        "|{}",
        widths
            .iter()
            .map(|w| format!("{}|", "-".repeat(w + 2)))
            .collect::<String>()
    );
    for row in &cells {
        println!("{}", line([&row[0], &row[1], &row[2], &row[3], &row[4]]));
    }
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "?".into());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "{cpus} cores ({model}); load average at start: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    )
}

fn main() {
    // Two worker threads, like the machine: the bench's own client work
    // competes with the nodes for the same cores, as it would in real life
    // with the services elsewhere; say so in the figures.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wants = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    runtime.block_on(async {
        let started = std::time::Instant::now();
        println!("Machine: {}", machine());
        let bin = procs::bin();
        let mut rows = Vec::new();
        if wants("small") {
            rows.extend(small::run(&bin).await);
        }
        if wants("regional") {
            rows.extend(regional::run(&bin).await);
        }
        let size = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
        rows.push(Row::new(
            "Release binary size",
            format!("{:.1} MiB", size as f64 / 1024.0 / 1024.0),
        ));
        println!();
        println!(
            "Passerelle benchmark ({:.0} s), {}",
            started.elapsed().as_secs_f64(),
            machine()
        );
        println!();
        print_table(&rows);
    });
}
