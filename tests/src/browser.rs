//! Real-browser tests: headless Chromium driven through ChromeDriver
//! (WebDriver), with axe-core for accessibility checks.
//!
//! Tests act as people do: they find fields by the text of their `<label>`,
//! buttons and links by their visible text, and read the page's text. What a
//! screen reader or keyboard user needs is checked with axe-core (WCAG 2.0
//! and 2.1, levels A and AA).
//!
//! What is needed, found in this order:
//! - ChromeDriver: `PASSERELLE_CHROMEDRIVER`, else `chromedriver` on `PATH`;
//! - Chromium: `PASSERELLE_CHROMIUM`, else `chromium`, `chromium-browser`
//!   or `google-chrome` on `PATH`;
//! - axe-core: `PASSERELLE_AXE_JS`, else
//!   `<workspace>/tests/.tools/node_modules/axe-core/axe.min.js`.
//!
//! The browser asks for French pages (`Accept-Language: fr-BE,fr`), as
//! people in Wallonia do; [`Browser::start_in`] chooses other languages.
//!
//! When one is missing, [`Browser::start`] reports the test as skipped (a
//! failure under `PASSERELLE_REQUIRE_ALL=1`) and returns `None`. Debian:
//! `apt-get install chromium chromium-driver`, then
//! `npm install --prefix tests/.tools axe-core@4`.
//!
//! Screenshots go to `tests/artifacts/<name>.png` (not committed); with
//! `PASSERELLE_UPDATE_SCREENSHOTS=1` they are also copied to
//! `tests/screenshots/` (committed, shown in the README).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// Overrides the ChromeDriver binary.
pub const CHROMEDRIVER_ENV: &str = "PASSERELLE_CHROMEDRIVER";
/// Overrides the Chromium binary.
pub const CHROMIUM_ENV: &str = "PASSERELLE_CHROMIUM";
/// Overrides the path of `axe.min.js`.
pub const AXE_ENV: &str = "PASSERELLE_AXE_JS";
/// When `1`, screenshots are also copied to `tests/screenshots/`.
pub const UPDATE_SCREENSHOTS_ENV: &str = "PASSERELLE_UPDATE_SCREENSHOTS";

/// How to get what real-browser tests need.
pub const HOW_TO_INSTALL: &str =
    "apt-get install chromium chromium-driver; npm install --prefix tests/.tools axe-core@4";

/// The flags Chromium runs with: headless, no sandbox (containers, CI), and
/// nothing that would reach the network by itself.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
];

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 900;
/// How long to wait for a page to come after a click.
const NAVIGATION_TIMEOUT: Duration = Duration::from_secs(10);

/// The WCAG tags axe-core checks.
const AXE_TAGS: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// The workspace's `tests/` directory.
fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where screenshots are written: `tests/artifacts/`.
pub fn artifacts_dir() -> PathBuf {
    tests_dir().join("artifacts")
}

/// A program named by `env`, else the first of `names` found on `PATH`.
fn find_program(env: &str, names: &[&str]) -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("{env}={} does not exist", p.display()))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(format!("no {} on PATH (or set {env})", names.join(" or ")))
}

/// The path of `axe.min.js`, if there is one.
fn find_axe() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os(AXE_ENV).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("{AXE_ENV}={} does not exist", p.display()))
        };
    }
    let p = tests_dir().join(".tools/node_modules/axe-core/axe.min.js");
    if p.is_file() {
        Ok(p)
    } else {
        Err(format!("no axe-core at {} (or set {AXE_ENV})", p.display()))
    }
}

/// An XPath 1.0 string literal for `s` (which may hold `'` and `"`).
pub fn xpath_literal(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else if !s.contains('"') {
        format!("\"{s}\"")
    } else {
        let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// What axe-core found on a page.
#[derive(Debug, Clone)]
pub struct AxeReport {
    /// Each violated rule: `{id, impact, help, helpUrl, nodes: [{target, html}]}`.
    pub violations: Vec<Value>,
    /// How many rules passed.
    pub passes: u64,
    /// How many rules axe could not decide (to check by hand).
    pub incomplete: u64,
}

impl AxeReport {
    /// One line per violation and per element, readable in a test failure.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for v in &self.violations {
            out.push_str(&format!(
                "- {} ({}): {}\n",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or("?"),
            ));
            for n in v["nodes"].as_array().into_iter().flatten() {
                out.push_str(&format!("    at {}  {}\n", n["target"], n["html"]));
                if let Some(why) = n["summary"].as_str() {
                    for line in why.lines() {
                        out.push_str(&format!("       {line}\n"));
                    }
                }
            }
        }
        out
    }
}

/// What the current page cost to load, from the Navigation and Resource
/// Timing APIs (the page itself, its stylesheet, images…).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageWeight {
    /// Bytes that came over the network: `transferSize` of the page and of
    /// every resource, headers included, compressed as sent; a resource
    /// taken from the browser's cache counts 0.
    pub transferred: u64,
    /// Bytes of the bodies as sent (`encodedBodySize`), cached or not: the
    /// weight of a first visit without the headers.
    pub bodies: u64,
    /// How many resources the page loaded besides itself.
    pub resources: u64,
}

/// A headless Chromium driven by a ChromeDriver that this test started.
pub struct Browser {
    /// The WebDriver client, for anything the helpers do not cover.
    pub client: Client,
    test: String,
    driver: Child,
    port: u16,
    session: Option<String>,
    axe_js: String,
    languages: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts ChromeDriver and a headless Chromium that asks for French
    /// pages; `None` (after reporting the skip) when ChromeDriver, Chromium
    /// or axe-core is missing.
    pub async fn start(test: &str) -> Option<Browser> {
        Browser::start_in(test, "fr-BE,fr").await
    }

    /// [`Browser::start`] with the browser's languages, by preference, as
    /// in `Accept-Language` (`"en-GB,en"`).
    pub async fn start_in(test: &str, languages: &str) -> Option<Browser> {
        let found = find_program(CHROMEDRIVER_ENV, &["chromedriver"]).and_then(|d| {
            let c = find_program(
                CHROMIUM_ENV,
                &["chromium", "chromium-browser", "google-chrome"],
            )?;
            let a = find_axe()?;
            Ok((d, c, a))
        });
        let (driver_bin, chromium_bin, axe_path) = match found {
            Ok(f) => f,
            Err(why) => {
                crate::skip(test, &why, HOW_TO_INSTALL);
                return None;
            }
        };
        let axe_js = std::fs::read_to_string(&axe_path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", axe_path.display()));
        let profile = tempfile::tempdir().unwrap();
        let log = profile.path().join("chromedriver.log");
        let port = free_port();
        let mut driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", driver_bin.display()));
        let mut browser_args: Vec<String> =
            CHROMIUM_FLAGS.iter().map(|f| (*f).to_owned()).collect();
        browser_args.push(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ));
        let first = languages.split(',').next().unwrap_or(languages);
        browser_args.push(format!("--lang={first}"));
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium_bin.to_string_lossy(),
                "args": browser_args,
                "prefs": {"intl": {"accept_languages": languages}},
            }),
        );
        let client = match connect(port, caps, &mut driver).await {
            Ok(c) => c,
            Err(why) => {
                let _ = driver.kill();
                let _ = driver.wait();
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                let tail: String = log
                    .lines()
                    .rev()
                    .take(30)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n");
                panic!(
                    "{test}: cannot start Chromium ({}) through {}: {why}\nChromeDriver's log ends with:\n{tail}",
                    chromium_bin.display(),
                    driver_bin.display()
                );
            }
        };
        let session = client.session_id().await.ok().flatten();
        Some(Browser {
            client,
            test: test.to_owned(),
            driver,
            port,
            session,
            axe_js,
            languages: languages.to_owned(),
            _profile: profile,
        })
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("{}: cannot open {url}: {e}", self.test));
    }

    /// The address of the current page.
    pub async fn current_url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// The path (and query) of the current page, e.g. `/mot-de-passe`.
    pub async fn current_path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The text of the page, as a person sees it.
    pub async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The text of the page's `<h1>` (the page must have exactly one).
    pub async fn h1(&self) -> String {
        let h1s = self.client.find_all(Locator::Css("h1")).await.unwrap();
        assert_eq!(
            h1s.len(),
            1,
            "{}: {} should have one <h1>, it has {}",
            self.test,
            self.current_url().await,
            h1s.len()
        );
        h1s[0].text().await.unwrap()
    }

    /// The `<title>` of the page.
    pub async fn title(&self) -> String {
        self.client.title().await.unwrap()
    }

    /// The labels on the page, to say what there was when one is not found.
    async fn labels(&self) -> Vec<String> {
        let mut out = Vec::new();
        for l in self
            .client
            .find_all(Locator::Css("label"))
            .await
            .unwrap_or_default()
        {
            out.push(l.text().await.unwrap_or_default());
        }
        out
    }

    /// The form field (input, select, textarea) whose `<label>` reads `label`:
    /// the label's `for`, or the field inside the label.
    pub async fn field(&self, label: &str) -> Element {
        let l = xpath_literal(label);
        let xpath = format!(
            "//*[self::input or self::select or self::textarea]\
             [@id = //label[normalize-space(.) = {l}]/@for] \
             | //label[normalize-space(.) = {l}]//*[self::input or self::select or self::textarea]"
        );
        let found = self.client.find_all(Locator::XPath(&xpath)).await.unwrap();
        match found.len() {
            1 => found.into_iter().next().unwrap(),
            0 => panic!(
                "{}: no field labelled « {label} » on {}; labels there: {:?}",
                self.test,
                self.current_url().await,
                self.labels().await
            ),
            n => panic!(
                "{}: {n} fields labelled « {label} » on {}",
                self.test,
                self.current_url().await
            ),
        }
    }

    /// Types `value` into the field labelled `label` (emptied first).
    pub async fn fill(&self, label: &str, value: &str) {
        let field = self.field(label).await;
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// Sets the value of the field labelled `label` as its picker would
    /// (`2030-12-10` for a date, `09:30` for a time, `2030-12-10T09:30` for
    /// a `datetime-local`): typing into these fields depends on the
    /// browser's language, choosing in the picker does not. The field gets
    /// the `input` and `change` events a choice in the picker sends.
    pub async fn set_value(&self, label: &str, value: &str) {
        let field = self.field(label).await;
        let element = serde_json::to_value(&field).unwrap();
        let set = self
            .client
            .execute(
                "const [e, v] = arguments; e.value = v; \
                 e.dispatchEvent(new Event('input', {bubbles: true})); \
                 e.dispatchEvent(new Event('change', {bubbles: true})); \
                 return e.value;",
                vec![element, json!(value)],
            )
            .await
            .unwrap_or_else(|e| panic!("{}: cannot set « {label} »: {e}", self.test));
        assert_eq!(
            set.as_str(),
            Some(value),
            "{}: « {label} » refused the value {value:?}",
            self.test
        );
    }

    /// Chooses the option reading `option` in the list labelled `label`.
    pub async fn select(&self, label: &str, option: &str) {
        let field = self.field(label).await;
        let xpath = format!(".//option[normalize-space(.) = {}]", xpath_literal(option));
        match field.find(Locator::XPath(&xpath)).await {
            Ok(o) => o.click().await.unwrap(),
            Err(_) => {
                let mut options = Vec::new();
                for o in field
                    .find_all(Locator::Css("option"))
                    .await
                    .unwrap_or_default()
                {
                    options.push(o.text().await.unwrap_or_default());
                }
                panic!(
                    "{}: no option « {option} » in « {label} »; there are {options:?}",
                    self.test
                );
            }
        }
    }

    /// Ticks the box (or chooses the radio button) labelled `label`.
    pub async fn check(&self, label: &str) {
        let field = self.field(label).await;
        if !field.is_selected().await.unwrap() {
            field.click().await.unwrap();
        }
        assert!(
            field.is_selected().await.unwrap(),
            "{}: « {label} » did not get ticked",
            self.test
        );
    }

    /// Unticks the box labelled `label`.
    pub async fn uncheck(&self, label: &str) {
        let field = self.field(label).await;
        if field.is_selected().await.unwrap() {
            field.click().await.unwrap();
        }
    }

    /// Clicks `element` and waits for the page it leads to.
    async fn click_and_wait(&self, element: Element, what: &str) {
        let before = self.client.find(Locator::Css("html")).await.unwrap();
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("{}: cannot click {what}: {e}", self.test));
        self.wait_for_next_page(before, what).await;
    }

    /// Presses Tab until the focus is on the element reading `text` (its
    /// visible text, as a keyboard user reaches it), at most `max` times.
    /// Returns how many presses it took, `None` if it never got there.
    pub async fn tab_to(&self, text: &str, max: usize) -> Option<usize> {
        // Start from the top of the page, as after loading it.
        self.execute("document.activeElement && document.activeElement.blur(); window.getSelection().removeAllRanges(); return null;")
            .await;
        for presses in 1..=max {
            let active = self.client.active_element().await.unwrap();
            active.send_keys("\u{E004}").await.unwrap();
            let focused = self
                .execute("const e = document.activeElement; return e ? e.textContent.replace(/\\s+/g, ' ').trim() : '';")
                .await;
            if focused.as_str() == Some(text) {
                return Some(presses);
            }
        }
        None
    }

    /// Presses Enter on the focused element and waits for the page it
    /// leads to.
    pub async fn press_enter(&self, what: &str) {
        let before = self.client.find(Locator::Css("html")).await.unwrap();
        let active = self.client.active_element().await.unwrap();
        active
            .send_keys("\u{E007}")
            .await
            .unwrap_or_else(|e| panic!("{}: cannot press Enter on {what}: {e}", self.test));
        self.wait_for_next_page(before, what).await;
    }

    /// Waits until `before` (the old page's `<html>`) is gone and the new
    /// page has loaded.
    async fn wait_for_next_page(&self, before: Element, what: &str) {
        let start = Instant::now();
        loop {
            match before.tag_name().await {
                Err(e) if e.is_stale_element_reference() => break,
                // Some drivers answer "no such element" for a page that is gone.
                Err(e) if e.is_no_such_element() => break,
                // ChromeDriver, asked while the old page is being replaced,
                // may answer that its element left the document.
                Err(e) if e.to_string().contains("does not belong to the document") => break,
                Err(e) => panic!("{}: after clicking {what}: {e}", self.test),
                Ok(_) if start.elapsed() > NAVIGATION_TIMEOUT => panic!(
                    "{}: clicking {what} on {} did not lead to a new page (a required field left empty?)",
                    self.test,
                    self.current_url().await
                ),
                Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
        while self
            .client
            .execute("return document.readyState", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .as_deref()
            != Some("complete")
        {
            assert!(
                start.elapsed() < NAVIGATION_TIMEOUT,
                "{}: the page after {what} did not finish loading",
                self.test
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Clicks the button reading `text` (its visible text, or its
    /// accessible name given by `aria-label`, as a screen reader says it)
    /// and waits for the next page.
    pub async fn click_button(&self, text: &str) {
        let t = xpath_literal(text);
        let xpath = format!(
            "//button[normalize-space(.) = {t} or normalize-space(@aria-label) = {t}] \
             | //input[(@type = 'submit' or @type = 'button') and normalize-space(@value) = {t}]"
        );
        let found = self.client.find_all(Locator::XPath(&xpath)).await.unwrap();
        let mut buttons = Vec::new();
        for b in found {
            if b.is_displayed().await.unwrap_or(false) {
                buttons.push(b);
            }
        }
        match buttons.len() {
            1 => {
                self.click_and_wait(buttons.pop().unwrap(), &format!("the button « {text} »"))
                    .await;
            }
            0 => {
                let mut there = Vec::new();
                for b in self
                    .client
                    .find_all(Locator::Css("button"))
                    .await
                    .unwrap_or_default()
                {
                    there.push(b.text().await.unwrap_or_default());
                }
                panic!(
                    "{}: no button « {text} » on {}; buttons there: {there:?}",
                    self.test,
                    self.current_url().await
                );
            }
            n => panic!(
                "{}: {n} buttons « {text} » on {}",
                self.test,
                self.current_url().await
            ),
        }
    }

    /// Follows the link reading `text` (the first one, as a person would).
    pub async fn click_link(&self, text: &str) {
        let xpath = format!("//a[normalize-space(.) = {}]", xpath_literal(text));
        let found = self.client.find_all(Locator::XPath(&xpath)).await.unwrap();
        let mut link = None;
        for a in found {
            if a.is_displayed().await.unwrap_or(false) {
                link = Some(a);
                break;
            }
        }
        let Some(link) = link else {
            let mut there = Vec::new();
            for a in self
                .client
                .find_all(Locator::Css("a"))
                .await
                .unwrap_or_default()
            {
                there.push(a.text().await.unwrap_or_default());
            }
            panic!(
                "{}: no link « {text} » on {}; links there: {there:?}",
                self.test,
                self.current_url().await
            );
        };
        let href = link
            .attr("href")
            .await
            .unwrap_or_default()
            .unwrap_or_default();
        if href.starts_with('#') {
            // A link within the page: no new page to wait for.
            link.click().await.unwrap();
        } else {
            self.click_and_wait(link, &format!("the link « {text} »"))
                .await;
        }
    }

    /// What a link to `url` would download (a `.csv`, an `.ics`), fetched
    /// as this browser would: with its cookies and its languages. (A script
    /// in the page cannot fetch it: the pages' CSP forbids connections.)
    pub async fn download(&self, url: &str) -> String {
        let cookies = self
            .client
            .get_all_cookies()
            .await
            .unwrap_or_else(|e| panic!("{}: cannot read cookies: {e}", self.test));
        let cookie = cookies
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect::<Vec<_>>()
            .join("; ");
        let response = reqwest::Client::new()
            .get(url)
            .header("cookie", cookie)
            .header("accept-language", &self.languages)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: cannot download {url}: {e}", self.test));
        assert!(
            response.status().is_success(),
            "{}: {url} answered {}",
            self.test,
            response.status()
        );
        response.text().await.unwrap_or_default()
    }

    /// Runs a script in the page (`return …` gives a value).
    pub async fn execute(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("{}: script failed: {e}\n{script}", self.test))
    }

    /// Where the keyboard focus is: `tag#id` of the focused element.
    pub async fn focused(&self) -> String {
        self.execute(
            "const e = document.activeElement; \
             return e ? e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') : '';",
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// An attribute of the first element matching `css`, `None` when the
    /// element or the attribute is not there.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => e.attr(name).await.unwrap(),
            Err(_) => None,
        }
    }

    /// Saves a PNG of the whole page (up to 4,000 px high) to
    /// `tests/artifacts/<name>.png` and returns its path; with
    /// `PASSERELLE_UPDATE_SCREENSHOTS=1`, also to `tests/screenshots/`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        // The window is taller than the page's viewport (by the browser's
        // own bars): grow it by the page's height plus that difference.
        let sizes = self
            .execute(
                "return {page: Math.ceil(document.documentElement.scrollHeight), \
                 bars: window.outerHeight - window.innerHeight};",
            )
            .await;
        let page = sizes["page"].as_u64().unwrap_or(u64::from(HEIGHT));
        let bars = sizes["bars"].as_u64().unwrap_or(0);
        let height = u32::try_from(page + bars)
            .unwrap_or(HEIGHT)
            .clamp(HEIGHT, 4000);
        self.client.set_window_size(WIDTH, height).await.unwrap();
        let png = self.client.screenshot().await;
        self.client.set_window_size(WIDTH, HEIGHT).await.unwrap();
        let png = png.unwrap_or_else(|e| panic!("{}: screenshot failed: {e}", self.test));
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, &png).unwrap();
        if std::env::var(UPDATE_SCREENSHOTS_ENV).as_deref() == Ok("1") {
            let committed = tests_dir().join("screenshots");
            std::fs::create_dir_all(&committed).unwrap();
            std::fs::write(committed.join(format!("{name}.png")), &png).unwrap();
        }
        path
    }

    /// What the current page cost to load (see [`PageWeight`]).
    pub async fn page_weight(&self) -> PageWeight {
        let v = self
            .execute(
                "const nav = performance.getEntriesByType('navigation')[0]; \
                 const res = performance.getEntriesByType('resource'); \
                 let transferred = nav ? nav.transferSize : 0; \
                 let bodies = nav ? nav.encodedBodySize : 0; \
                 for (const r of res) { transferred += r.transferSize; bodies += r.encodedBodySize; } \
                 return {transferred: transferred, bodies: bodies, resources: res.length};",
            )
            .await;
        PageWeight {
            transferred: v["transferred"].as_u64().unwrap_or(0),
            bodies: v["bodies"].as_u64().unwrap_or(0),
            resources: v["resources"].as_u64().unwrap_or(0),
        }
    }

    /// Makes the page render for `media` (`"print"`, or `""` to go back to
    /// the screen), through ChromeDriver's door to the DevTools protocol
    /// (`Emulation.setEmulatedMedia`): `getComputedStyle` then answers as
    /// on paper.
    pub async fn emulate_media(&self, media: &str) {
        self.cdp("Emulation.setEmulatedMedia", json!({"media": media}))
            .await;
    }

    /// The current page printed to PDF on A4 paper, as the browser's own
    /// "Print" would (DevTools `Page.printToPDF`, print style sheet,
    /// backgrounds left out). Count its pages with [`pdf_page_count`].
    pub async fn print_to_pdf(&self) -> Vec<u8> {
        use base64::Engine as _;
        let answer = self
            .cdp(
                "Page.printToPDF",
                json!({"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": false}),
            )
            .await;
        let data = answer["value"]["data"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no PDF in DevTools' answer", self.test));
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap_or_else(|e| panic!("{}: the PDF is not base64: {e}", self.test))
    }

    /// Sends one DevTools command through ChromeDriver
    /// (`/session/{id}/goog/cdp/execute`); returns ChromeDriver's answer,
    /// whose `value` is DevTools' result.
    async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let session = self
            .session
            .as_deref()
            .unwrap_or_else(|| panic!("{}: no browser session", self.test));
        let url = format!(
            "http://127.0.0.1:{}/session/{session}/goog/cdp/execute",
            self.port
        );
        let answer = reqwest::Client::new()
            .post(&url)
            .json(&json!({"cmd": cmd, "params": params}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: cannot reach ChromeDriver: {e}", self.test));
        let status = answer.status();
        let body = answer.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "{}: ChromeDriver refused {cmd} ({status}): {body}",
            self.test
        );
        serde_json::from_str(&body).unwrap_or(Value::Null)
    }

    /// Runs axe-core (WCAG 2.0 and 2.1, A and AA) on the current page.
    pub async fn axe(&self) -> AxeReport {
        let loaded = self.execute("return typeof window.axe === 'object';").await;
        if loaded != Value::Bool(true) {
            self.client
                .execute(&self.axe_js, vec![])
                .await
                .unwrap_or_else(|e| panic!("{}: cannot load axe-core: {e}", self.test));
        }
        let script = format!(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {{runOnly: {{type: 'tag', values: {tags}}}, resultTypes: ['violations']}})
               .then(r => done({{
                 violations: r.violations.map(v => ({{
                   id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                   nodes: v.nodes.map(n => ({{target: n.target, html: n.html, summary: n.failureSummary}}))
                 }})),
                 passes: r.passes.length,
                 incomplete: r.incomplete.length
               }}))
               .catch(e => done({{error: String(e)}}));",
            tags = json!(AXE_TAGS)
        );
        let r = self
            .client
            .execute_async(&script, vec![])
            .await
            .unwrap_or_else(|e| panic!("{}: axe-core failed: {e}", self.test));
        if let Some(e) = r.get("error") {
            panic!("{}: axe-core failed: {e}", self.test);
        }
        AxeReport {
            violations: r["violations"].as_array().cloned().unwrap_or_default(),
            passes: r["passes"].as_u64().unwrap_or(0),
            incomplete: r["incomplete"].as_u64().unwrap_or(0),
        }
    }

    /// Fails with a readable list when axe-core finds a violation on the
    /// current page; otherwise prints
    /// `AXE <page_name> violations=0 passes=N weight=<bytes> bodies=<bytes>`.
    pub async fn assert_accessible(&self, page_name: &str) -> AxeReport {
        let weight = self.page_weight().await;
        let report = self.axe().await;
        assert!(
            report.violations.is_empty(),
            "{}: {} accessibility problem(s) on the page « {page_name} » ({}):\n{}",
            self.test,
            report.violations.len(),
            self.current_url().await,
            report.describe()
        );
        println!(
            "AXE {page_name} violations=0 passes={} incomplete={} weight={} bodies={} resources={}",
            report.passes, report.incomplete, weight.transferred, weight.bodies, weight.resources
        );
        report
    }

    /// Logs in through the form at `base_url/connexion`, as a person would.
    pub async fn login(&self, base_url: &str, username: &str, password: &str) {
        self.goto(&format!("{}/connexion", base_url.trim_end_matches('/')))
            .await;
        self.fill("Nom d'utilisateur", username).await;
        self.fill("Mot de passe", password).await;
        self.click_button("Se connecter").await;
    }

    /// Signs in at `base_url` through the login page; when the node asks
    /// for a password of one's own (a first password), chooses `own` on
    /// the page it leads to, as a person would.
    pub async fn sign_in(&self, base_url: &str, username: &str, password: &str, own: &str) {
        self.login(base_url, username, password).await;
        if self.current_path().await == "/mot-de-passe" {
            self.choose_password(password, own).await;
            assert!(
                self.text().await.contains("Votre mot de passe est changé."),
                "{}: {username} could not choose a password",
                self.test
            );
        }
        assert!(
            !self.current_path().await.starts_with("/connexion"),
            "{}: {username} is not signed in",
            self.test
        );
    }

    /// Fills and sends the form « Changer mon mot de passe ».
    pub async fn choose_password(&self, current: &str, new: &str) {
        self.fill("Mot de passe actuel", current).await;
        self.fill("Nouveau mot de passe", new).await;
        self.fill("Nouveau mot de passe, encore une fois", new)
            .await;
        self.click_button("Enregistrer le nouveau mot de passe")
            .await;
    }

    /// The texts of the elements matching `css`, in page order, their
    /// spaces collapsed.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let v = self
            .execute(&format!(
                "return Array.from(document.querySelectorAll({})).map(e => e.textContent.replace(/\\s+/g, ' ').trim());",
                Value::String(css.to_owned())
            ))
            .await;
        v.as_array()
            .map(|list| {
                list.iter()
                    .map(|s| s.as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The text of the page's green notice (« C'est noté… »), or "".
    pub async fn notice(&self) -> String {
        self.texts(".notice.ok").await.join(" ")
    }

    /// Ends the browser session (Chromium quits) and stops ChromeDriver.
    pub async fn close(mut self) {
        if self.session.take().is_some() {
            let _ = self.client.clone().close().await;
        }
        // Drop stops ChromeDriver.
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A test that panicked did not call close(): end the session so
        // that ChromeDriver makes Chromium quit, then stop ChromeDriver.
        if let Some(session) = self.session.take() {
            delete_session(self.port, &session);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// How many pages a PDF has: its page objects (`/Type /Page`, not the
/// `/Type /Pages` tree nodes). Enough for the PDFs Chromium prints, whose
/// page dictionaries are not compressed into object streams.
pub fn pdf_page_count(pdf: &[u8]) -> usize {
    let mut count = 0;
    for marker in [&b"/Type /Page"[..], &b"/Type/Page"[..]] {
        let mut at = 0;
        while let Some(i) = pdf[at..].windows(marker.len()).position(|w| w == marker) {
            let end = at + i + marker.len();
            if pdf.get(end) != Some(&b's') {
                count += 1;
            }
            at = end;
        }
    }
    count
}

/// `DELETE /session/<id>` with a plain blocking request (Drop cannot await).
fn delete_session(port: u16, session: &str) {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(5)));
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if s.write_all(request.as_bytes()).is_ok() {
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
    }
}

/// Waits for ChromeDriver to answer on `port`, then opens a session.
async fn connect(
    port: u16,
    caps: serde_json::Map<String, Value>,
    driver: &mut Child,
) -> Result<Client, String> {
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = driver.try_wait() {
            return Err(format!("ChromeDriver exited ({status})"));
        }
        if driver_ready(port) {
            break;
        }
        if start.elapsed() > Duration::from_secs(15) {
            return Err("ChromeDriver did not answer within 15 s".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .map_err(|e| e.to_string())?;
    client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(30)),
            Some(Duration::from_secs(30)),
            Some(Duration::ZERO),
        ))
        .await
        .map_err(|e| e.to_string())?;
    Ok(client)
}

/// Whether ChromeDriver's `/status` says it is ready.
fn driver_ready(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let request =
        format!("GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if s.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200") && answer.contains("\"ready\":true")
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
