//! The catalog is complete, has nothing stale, and keeps the placeholders;
//! templates hold no text outside `l.t(…)`; the locale is chosen as said.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::*;

// ---------------------------------------------------------------------------
// Finding the texts to translate, as xgettext does: the literal arguments
// of `.t(`, `.tc(`, `.t1(`, `.t2(`, `.tf(` and `.plural(` calls, in the
// templates and in the web code.

/// One argument of a call: a string literal, or anything else.
#[derive(Debug, PartialEq)]
enum Arg {
    Text(String),
    Other,
}

/// Reads a string literal starting at `chars[0] == '"'`; returns it and the
/// number of chars read.
fn literal(chars: &[char]) -> (String, usize) {
    let mut out = String::new();
    let mut i = 1;
    while i < chars.len() {
        match chars[i] {
            '"' => return (out, i + 1),
            '\\' if i + 1 < chars.len() => {
                i += 1;
                match chars[i] {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    '\n' => {
                        // A continued line: the next line's indent is skipped.
                        while i + 1 < chars.len() && chars[i + 1].is_whitespace() {
                            i += 1;
                        }
                    }
                    'u' => {
                        let close = chars[i..].iter().position(|c| *c == '}').unwrap_or(0);
                        let hex: String = chars[i + 2..i + close].iter().collect();
                        if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                        {
                            out.push(c);
                        }
                        i += close;
                    }
                    c => out.push(c),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    (out, i)
}

/// The arguments of a call whose `(` was just read.
fn arguments(chars: &[char]) -> Vec<Arg> {
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= chars.len() || chars[i] == ')' {
            return args;
        }
        let mut arg = Arg::Other;
        if chars[i] == '"' {
            let (text, n) = literal(&chars[i..]);
            i += n;
            arg = Arg::Text(text);
        }
        // Up to the next top-level comma or the closing parenthesis.
        let mut depth = 0;
        while i < chars.len() {
            match chars[i] {
                '"' => {
                    let (_, n) = literal(&chars[i..]);
                    i += n;
                    arg = Arg::Other;
                    continue;
                }
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth > 0 => depth -= 1,
                ')' => {
                    args.push(arg);
                    return args;
                }
                ',' if depth == 0 => break,
                c if !c.is_whitespace() => arg = Arg::Other,
                _ => {}
            }
            i += 1;
        }
        args.push(arg);
        i += 1;
    }
}

/// The calls that take a text to translate, and which arguments are texts.
const CALLS: &[(&str, &[usize])] = &[
    (".t(", &[0]),
    (".t1(", &[0]),
    (".t2(", &[0]),
    (".tf(", &[0]),
    (".plural(", &[1, 2]),
];

/// Texts found: (context, French), the context "" for plain texts; and
/// where each was first seen.
type Found = BTreeMap<(String, String), String>;

fn scan(source: &str, place: &str, found: &mut Found) {
    // Comment lines and tests are not pages.
    let code: String = source
        .split("#[cfg(test)]")
        .next()
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let chars: Vec<char> = code.chars().collect();
    let text: String = chars.iter().collect();
    for (call, keys) in CALLS {
        for (at, _) in text.match_indices(call) {
            let start = text[..at + call.len()].chars().count();
            let args = arguments(&chars[start..]);
            for k in *keys {
                if let Some(Arg::Text(fr)) = args.get(*k) {
                    found
                        .entry((String::new(), fr.clone()))
                        .or_insert_with(|| place.to_owned());
                }
            }
        }
    }
    for (at, _) in text.match_indices(".tc(") {
        let start = text[..at + 4].chars().count();
        if let [Arg::Text(ctx), Arg::Text(fr), ..] = arguments(&chars[start..]).as_slice() {
            found
                .entry((ctx.clone(), fr.clone()))
                .or_insert_with(|| place.to_owned());
        }
    }
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn templates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    files(&crate_dir().join("templates"), "html", &mut out);
    out.sort();
    out
}

/// Every text the pages may show in French.
fn texts_used() -> Found {
    let mut paths = templates();
    files(&crate_dir().join("src"), "rs", &mut paths);
    let mut found = Found::new();
    for p in paths {
        if p.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let source = std::fs::read_to_string(&p).unwrap();
        let place = p.strip_prefix(crate_dir()).unwrap().display().to_string();
        scan(&source, &place, &mut found);
    }
    found
}

fn catalog_entries(c: &Catalog) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for (fr, en) in &c.plain {
        out.insert((String::new(), fr.clone()), en.clone());
    }
    for (ctx, entries) in &c.contexts {
        for (fr, en) in entries {
            out.insert((ctx.clone(), fr.clone()), en.clone());
        }
    }
    out
}

fn show((ctx, fr): &(String, String)) -> String {
    if ctx.is_empty() {
        format!("{fr:?}")
    } else {
        format!("[{ctx}] {fr:?}")
    }
}

fn placeholders(text: &str) -> BTreeSet<String> {
    text.split('{')
        .skip(1)
        .filter_map(|p| p.split_once('}').map(|(name, _)| name.to_owned()))
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .collect()
}

#[test]
fn the_scanner_finds_texts_as_written() {
    let mut found = Found::new();
    scan(
        r#"
        let a = loc.t("Un \"mot\"");
        let b = l.t1(
            "Vous êtes {who}.", "who", name.trim());
        let c = loc.plural(list.len() as i64, "1 point", "{n} points");
        let d = loc.tc("thème", "Accueil");
        // loc.t("commentaire, pas une page")
        let e = loc.t(variable);
        {{ l.t2("{a} et {b}", "a", x, "b", f(y, "z")) }}
        "#,
        "here",
        &mut found,
    );
    let keys: Vec<String> = found.keys().map(show).collect();
    assert_eq!(
        keys,
        [
            "\"1 point\"",
            "\"Un \\\"mot\\\"\"",
            "\"Vous êtes {who}.\"",
            "\"{a} et {b}\"",
            "\"{n} points\"",
            "[thème] \"Accueil\""
        ]
    );
}

/// The test a newcomer meets when a French text has no English yet.
#[test]
fn every_text_has_its_english() {
    let catalog = parse_catalog(EN_TOML).expect("node/web/locales/en.toml must be valid TOML");
    let entries = catalog_entries(&catalog);
    let used = texts_used();
    assert!(
        used.len() > 300,
        "the scanner found only {} texts",
        used.len()
    );
    let missing: Vec<String> = used
        .iter()
        .filter(|(k, _)| !entries.contains_key(*k))
        .map(|(k, place)| format!("{}  (in {place})", show(k)))
        .collect();
    let stale: Vec<String> = entries
        .keys()
        .filter(|k| !used.contains_key(*k))
        .map(show)
        .collect();
    let mut wrong_placeholders = Vec::new();
    let mut empty = Vec::new();
    for (k, en) in &entries {
        if en.trim().is_empty() {
            empty.push(show(k));
        }
        if placeholders(&k.1) != placeholders(en) {
            wrong_placeholders.push(format!("{} = {en:?}", show(k)));
        }
    }
    assert!(
        missing.is_empty() && stale.is_empty() && wrong_placeholders.is_empty() && empty.is_empty(),
        "node/web/locales/en.toml is out of step with the pages.\n\
         \nTexts without English ({}): add them to node/web/locales/en.toml\n  {}\n\
         \nEnglish no longer used ({}): remove them\n  {}\n\
         \nPlaceholders that differ between French and English ({}):\n  {}\n\
         \nEmpty English ({}):\n  {}\n",
        missing.len(),
        missing.join("\n  "),
        stale.len(),
        stale.join("\n  "),
        wrong_placeholders.len(),
        wrong_placeholders.join("\n  "),
        empty.len(),
        empty.join("\n  "),
    );
    println!("I18N {} texts translated into English", entries.len());
}

/// Texts of the catalog are written into pages unescaped (like the
/// templates' own words): they must hold nothing HTML would read.
#[test]
fn texts_are_safe_to_write_as_they_are() {
    let catalog = parse_catalog(EN_TOML).unwrap();
    let unsafe_texts: Vec<String> = catalog_entries(&catalog)
        .into_iter()
        .flat_map(|((_, fr), en)| [fr, en])
        .filter(|t| t.contains(['<', '>', '&', '"']))
        .collect();
    assert!(unsafe_texts.is_empty(), "{unsafe_texts:?}");
}

/// What is left of a template once its tags, expressions, statements and
/// comments are taken out: the text a person would read as written.
fn bare_text(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    loop {
        let next = ["{{", "{%", "{#", "<"]
            .iter()
            .filter_map(|open| rest.find(open).map(|at| (at, *open)))
            .min();
        let Some((at, open)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        out.push(' ');
        let close = match open {
            "{{" => "}}",
            "{%" => "%}",
            "{#" => "#}",
            _ => ">",
        };
        let after = &rest[at + open.len()..];
        let end = if open == "<" {
            // A tag: its attributes that people read must not be bare
            // text either (aria-label, title, alt, placeholder).
            tag_end(after)
        } else {
            after.find(close).map_or(after.len(), |e| e + close.len())
        };
        if open == "<" {
            out.push_str(&read_attributes(&after[..end]));
        }
        rest = &after[end..];
    }
}

/// The end of a tag (after its `>`), skipping `>` inside `{{ }}` or `{% %}`.
fn tag_end(after: &str) -> usize {
    let mut i = 0;
    while i < after.len() {
        let r = &after[i..];
        if r.starts_with("{{") || r.starts_with("{%") {
            let close = if r.starts_with("{{") { "}}" } else { "%}" };
            i += r.find(close).map_or(r.len(), |e| e + 2);
        } else if r.starts_with('>') {
            return i + 1;
        } else {
            i += r.chars().next().map_or(1, char::len_utf8);
        }
    }
    after.len()
}

/// The bare text of the attributes people read, in a tag.
fn read_attributes(tag: &str) -> String {
    let mut out = String::new();
    for attr in ["aria-label=\"", "title=\"", "alt=\"", "placeholder=\""] {
        for (at, _) in tag.match_indices(attr) {
            let value = &tag[at + attr.len()..];
            let value = &value[..value.find('"').unwrap_or(value.len())];
            out.push(' ');
            out.push_str(&bare_text(value));
        }
    }
    out
}

/// Names, the same in every language.
const NAMES: &[&str] = &["Passerelle"];

/// A newcomer who writes French straight into a template (not through
/// `l.t(…)`) would leave it untranslated: this test says where.
#[test]
fn templates_hold_no_bare_text() {
    let mut bare = Vec::new();
    for path in templates() {
        let source = std::fs::read_to_string(&path).unwrap();
        let text = bare_text(&source);
        let words: Vec<&str> = text
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphabetic))
            .filter(|w| !NAMES.contains(w))
            .collect();
        if !words.is_empty() {
            bare.push(format!(
                "{}: {}",
                path.file_name().unwrap().to_string_lossy(),
                words.join(" ")
            ));
        }
    }
    assert!(
        bare.is_empty(),
        "text written straight into templates (wrap it in {{{{ l.t(\"…\") }}}}):\n{}",
        bare.join("\n")
    );
}

#[test]
fn bare_text_is_found_in_text_and_read_attributes() {
    assert_eq!(
        bare_text("<p class=\"x\">{{ l.t(\"Bonjour\") }}</p>").trim(),
        ""
    );
    assert!(bare_text("<p>Bonjour</p>").contains("Bonjour"));
    assert!(bare_text("<nav aria-label=\"Menu\">").contains("Menu"));
    assert!(!bare_text("<nav aria-label=\"{{ l.t(\"Menu\") }}\">").contains("Menu"));
    assert!(!bare_text("{% if a > b %}<b>{% endif %}").contains('b'));
}

// ---------------------------------------------------------------------------
// Lookups and the choice of the locale.

#[test]
fn lookups_fall_back_to_french() {
    assert_eq!(Locale::Fr.t("Membres"), "Membres");
    assert_eq!(Locale::En.t("Membres"), "Members");
    assert_eq!(Locale::En.tc("thème", "Accueil"), "Reception");
    assert_eq!(Locale::En.t("Accueil"), "Home");
    // A text not (yet) in the catalog shows in French.
    assert_eq!(
        Locale::En.t("Pas dans le catalogue"),
        "Pas dans le catalogue"
    );
    assert_eq!(
        Locale::En.plural(3, "1 service membre", "{n} services membres"),
        "3 member services"
    );
    assert_eq!(
        Locale::Fr.plural(1, "1 service membre", "{n} services membres"),
        "1 service membre"
    );
}

#[test]
fn placeholders_are_filled_once() {
    let text = fill("{a} et {b}, {c}", &[("a", &"{b}"), ("b", &2)]);
    assert_eq!(text, "{b} et 2, {c}");
    assert_eq!(fill("{", &[]), "{");
}

#[test]
fn dates_in_both_languages() {
    // 2030-12-10T08:30:00Z is 9 h 30 in Brussels (winter time).
    assert_eq!(
        Locale::Fr.datetime(1_923_121_800),
        "le 10 décembre 2030 à 9 h 30"
    );
    assert_eq!(
        Locale::En.datetime(1_923_121_800),
        "10 December 2030 at 9:30"
    );
    // 2030-07-01T07:00:00Z is 9 h in Brussels (summer time).
    assert_eq!(Locale::En.datetime(1_909_119_600), "1 July 2030 at 9:00");
    assert_eq!(Locale::En.ago(Some(100), 400), "5 min ago");
    assert_eq!(Locale::Fr.ago(None, 400), "jamais");
}

#[test]
fn the_browser_language_is_read_by_preference() {
    assert_eq!(from_accept_language("en-GB,en;q=0.9"), Some(Locale::En));
    assert_eq!(
        from_accept_language("fr-BE,fr;q=0.9,en;q=0.8"),
        Some(Locale::Fr)
    );
    assert_eq!(
        from_accept_language("nl-BE, en;q=0.5, fr;q=0.7"),
        Some(Locale::Fr)
    );
    assert_eq!(from_accept_language("de, nl;q=0.8"), None);
    assert_eq!(from_accept_language("en;q=0, fr;q=0.1"), Some(Locale::Fr));
    assert_eq!(from_accept_language("EN-us"), Some(Locale::En));
    assert_eq!(from_accept_language(""), None);
}

#[test]
fn the_choice_wins_over_the_browser() {
    let mut h = HeaderMap::new();
    assert_eq!(Locale::of_request(&h), Locale::Fr);
    h.insert(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9".parse().unwrap());
    assert_eq!(Locale::of_request(&h), Locale::En);
    h.insert(
        header::COOKIE,
        "passerelle_session=abc; passerelle_langue=fr"
            .parse()
            .unwrap(),
    );
    assert_eq!(Locale::of_request(&h), Locale::Fr);
    h.insert(header::COOKIE, "passerelle_langue=xx".parse().unwrap());
    assert_eq!(
        Locale::of_request(&h),
        Locale::En,
        "an unknown choice is ignored"
    );
}

#[test]
fn the_switch_link_goes_back_without_the_message() {
    assert_eq!(
        switch_href(Locale::En, "/propositions?theme=care&ok=C%27est+fait"),
        "/langue?choix=en&retour=%2Fpropositions%3Ftheme%3Dcare"
    );
    assert_eq!(switch_href(Locale::Fr, "/"), "/langue?choix=fr&retour=%2F");
}
