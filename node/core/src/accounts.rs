//! People's accounts on a node: username, argon2 password hash, role, the
//! committee member the account belongs to (if any), and whether it is
//! disabled.
//!
//! Hashing is deliberately slow, so it runs on the blocking thread pool,
//! never on the async runtime. Passwords are never logged or stored.
//!
//! **Passwords people can live with.** No rule of length or of character
//! classes: a password is refused when Dropbox's strength estimator
//! (`zxcvbn`, with the account's name and the node's name as words a
//! guesser knows) says it falls in fewer than 10⁸ guesses, i.e. blank,
//! repeated, a sequence, a common password or the person's own name. A
//! phrase of a few ordinary words passes; up to [`MAX_PASSWORD_CHARS`]
//! characters are taken. The refusal names why ([`Rule`]), never the
//! estimator's English sentence, so pages say it in their own words.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sqlx::Row;

use crate::clock::now;
use crate::db::Db;
use crate::error::{NodeError, Rule};

/// What a person may do on a node.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A service's administrator: everything on the service's node.
    Admin,
    /// A committee member or delegate: read, propose, support.
    Member,
    /// The hub's coordinator: everything on the hub.
    Coordinator,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Coordinator => "coordinator",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            "coordinator" => Some(Role::Coordinator),
            _ => None,
        }
    }
}

/// A random first password: four groups of five characters from an
/// unambiguous alphabet (no 0/O, 1/l/I), easy to copy from a printed card.
pub fn generate_password() -> Result<String, NodeError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| NodeError::config(format!("no randomness: {e}")))?;
    let mut out = String::with_capacity(23);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 5 == 0 {
            out.push('-');
        }
        out.push(ALPHABET[*b as usize % ALPHABET.len()] as char);
    }
    Ok(out)
}

/// The longest password taken (a long phrase is welcome).
pub const MAX_PASSWORD_CHARS: usize = 200;

/// Refuses a password a guesser finds too soon (see the module's doc):
/// `invalid_field` on `field`, naming the [`Rule`] that says why.
/// `known` are words a guesser knows (the account's name, the node's).
pub fn check_strength(field: &str, password: &str, known: &[&str]) -> Result<(), NodeError> {
    use zxcvbn::feedback::Warning;
    let refuse = |rule: Rule, why: &str| Err(crate::validate::invalid_by(rule, field, why));
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return refuse(
            Rule::PasswordTooLong,
            &format!("at most {MAX_PASSWORD_CHARS} characters"),
        );
    }
    if password.trim().is_empty() {
        return refuse(Rule::PasswordTooEasy, "a password cannot be blank");
    }
    let known: Vec<&str> = known.iter().copied().filter(|k| !k.is_empty()).collect();
    let estimate = zxcvbn::zxcvbn(password, &known);
    if estimate.score() >= zxcvbn::Score::Three {
        return Ok(());
    }
    let personal = estimate.sequence().iter().any(|m| {
        matches!(&m.pattern, zxcvbn::matching::patterns::MatchPattern::Dictionary(d)
            if known.iter().any(|k| k.to_lowercase() == d.matched_word))
    });
    let warning = estimate.feedback().and_then(|f| f.warning());
    match warning {
        _ if personal => refuse(
            Rule::PasswordPersonal,
            "it contains the account's or the node's name",
        ),
        Some(
            Warning::RepeatsLikeAaaAreEasyToGuess
            | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess,
        ) => refuse(Rule::PasswordRepeats, "it repeats the same characters"),
        Some(
            Warning::SequencesLikeAbcAreEasyToGuess
            | Warning::StraightRowsOfKeysAreEasyToGuess
            | Warning::ShortKeyboardPatternsAreEasyToGuess,
        ) => refuse(Rule::PasswordSequence, "it is a sequence or a row of keys"),
        Some(
            Warning::ThisIsATop10Password
            | Warning::ThisIsATop100Password
            | Warning::ThisIsACommonPassword
            | Warning::ThisIsSimilarToACommonlyUsedPassword,
        ) => refuse(Rule::PasswordCommon, "it is a common password"),
        _ => refuse(
            Rule::PasswordTooEasy,
            "it is guessed too soon; a phrase of a few words is better",
        ),
    }
}

/// The argon2 hash of a password (on the blocking pool): hash before
/// opening a write transaction, so the write lock is not held meanwhile.
pub async fn hash_password(password: String) -> Result<String, NodeError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| NodeError::config(format!("cannot hash the password: {e}")))
    })
    .await
    .map_err(|e| NodeError::config(format!("hashing task failed: {e}")))?
}

/// A new account. No `Debug`: it holds a password.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub role: Role,
    /// The password was shown once and must be changed at first login.
    pub must_change: bool,
    /// The committee member the account belongs to.
    pub member_id: Option<uuid::Uuid>,
    /// Words a guesser knows besides the name (the node's name).
    pub known: &'a [&'a str],
}

/// Characters a name may not hold, besides the control characters: those
/// that change the direction of the text around them (bidi embeddings,
/// overrides, isolates and marks: U+202E would show `nimda` as `admin`),
/// and those that show nothing (zero-width spaces and joiners, the word
/// joiner and invisible operators, the byte-order mark, the soft hyphen,
/// fillers, variation selectors, tags).
fn is_hidden_or_bidi(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{E0000}'..='\u{E0FFF}')
}

/// An account name as it is kept and shown: trimmed, in NFKC form (`ﬁ`
/// is `fi`, a full-width `Ａ` is `A`), 1 to 60 characters, without control,
/// direction or invisible characters (refused as `invalid_field` with rule
/// `username_characters`).
pub fn clean_name(name: &str) -> Result<String, NodeError> {
    use unicode_normalization::UnicodeNormalization;
    let name: String = name.trim().nfkc().collect();
    if name.chars().any(|c| c.is_control() || is_hidden_or_bidi(c)) {
        return Err(crate::validate::invalid_by(
            Rule::UsernameCharacters,
            "username",
            "letters, digits, spaces and punctuation only: no control, \
             direction or invisible characters",
        ));
    }
    crate::validate::text("username", &name, 60)
}

/// The form of a name that is compared: NFKC, case-folded (lower case,
/// then NFKC again), so `Admin`, `ADMIN` and `ａｄｍｉｎ` are one name.
/// Names are unique in this form, and a login finds its account by it.
pub fn name_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = name.trim().nfkc().collect::<String>().to_lowercase();
    folded.nfkc().collect()
}

/// Gives every account that has none its [`name_key`] (accounts made
/// before names were compared so), unless another account already holds
/// that key: that older account keeps logging in by its exact name.
pub async fn fill_name_keys(db: &Db) -> Result<(), NodeError> {
    let rows = sqlx::query("SELECT id, username FROM accounts WHERE name_key IS NULL ORDER BY id")
        .fetch_all(db.pool())
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut w = db.begin_write().await?;
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let name: String = row.try_get("username")?;
        sqlx::query(
            "UPDATE accounts SET name_key = $1 WHERE id = $2 \
             AND NOT EXISTS (SELECT 1 FROM accounts WHERE name_key = $3)",
        )
        .bind(name_key(&name))
        .bind(id)
        .bind(name_key(&name))
        .execute(w.conn())
        .await?;
    }
    w.commit().await
}

/// Creates an account; returns its id.
pub async fn create(db: &Db, new: NewAccount<'_>) -> Result<i64, NodeError> {
    let username = clean_name(new.username)?;
    let username = username.as_str();
    let key = name_key(username);
    let mut known = vec![username];
    known.extend_from_slice(new.known);
    check_strength("password", new.password, &known)?;
    let hash = hash_password(new.password.to_owned()).await?;
    let mut w = db.begin_write().await?;
    let exists = sqlx::query("SELECT 1 AS one FROM accounts WHERE username = $1 OR name_key = $2")
        .bind(username)
        .bind(&key)
        .fetch_optional(w.conn())
        .await?;
    if exists.is_some() {
        return Err(crate::validate::rule(
            Rule::UsernameTaken,
            format!("the username {username:?} is taken"),
        ));
    }
    if let Some(member) = new.member_id {
        let taken = sqlx::query("SELECT 1 AS one FROM accounts WHERE member_id = $1")
            .bind(member.to_string())
            .fetch_optional(w.conn())
            .await?;
        if taken.is_some() {
            return Err(crate::validate::rule(
                Rule::MemberHasAccount,
                "this member already has an account",
            ));
        }
    }
    let row = sqlx::query(
        "INSERT INTO accounts (username, password_hash, role, must_change_password, created_at, member_id, name_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(username)
    .bind(hash)
    .bind(new.role.as_str())
    .bind(i64::from(new.must_change))
    .bind(now())
    .bind(new.member_id.map(|m| m.to_string()))
    .bind(&key)
    .fetch_one(w.conn())
    .await?;
    let id: i64 = row.try_get("id")?;
    w.commit().await?;
    Ok(id)
}

/// An account as the API shows it (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The password was generated or reset and must be changed.
    pub must_change_password: bool,
    /// The committee member this account belongs to, if any.
    pub member_id: Option<uuid::Uuid>,
    /// A disabled account cannot log in; its sessions and tokens ended.
    pub disabled: bool,
}

const COLUMNS: &str = "id, username, role, must_change_password, member_id, disabled_at";

fn account(row: &sqlx::any::AnyRow) -> Result<Account, NodeError> {
    let role: String = row.try_get("role")?;
    let member: Option<String> = row.try_get("member_id")?;
    Ok(Account {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: Role::parse(&role)
            .ok_or_else(|| NodeError::config(format!("unknown stored role {role:?}")))?,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        member_id: member.and_then(|m| uuid::Uuid::parse_str(&m).ok()),
        disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
    })
}

async fn verify_blocking(stored: String, password: String) -> Result<bool, NodeError> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|e| NodeError::config(format!("verification task failed: {e}")))
}

/// A real argon2 hash of a random password, verified when the username is
/// unknown, so that a wrong username takes as long as a wrong password.
async fn dummy_hash() -> Result<&'static str, NodeError> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| async { hash_password(generate_password()?).await })
        .await
        .map(String::as_str)
}

/// Checks a password; returns the account when it matches (disabled or
/// not: the caller says so only to someone who knew the password).
pub async fn check(db: &Db, username: &str, password: &str) -> Result<Option<Account>, NodeError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, password_hash FROM accounts {BY_NAME}"
    ))
    .bind(username)
    .bind(name_key(username))
    .bind(username)
    .fetch_optional(db.pool())
    .await?;
    let stored = match &row {
        Some(r) => r.try_get::<String, _>("password_hash")?,
        None => dummy_hash().await?.to_owned(),
    };
    let ok = verify_blocking(stored, password.to_owned()).await?;
    match row {
        Some(r) if ok => Ok(Some(account(&r)?)),
        _ => Ok(None),
    }
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Account>, NodeError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM accounts WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(account).transpose()
}

/// An account by its name as typed: its exact name first, else its
/// [`name_key`] (binds: the name, its key, the name).
const BY_NAME: &str = "WHERE username = $1 OR name_key = $2 \
     ORDER BY CASE WHEN username = $3 THEN 0 ELSE 1 END LIMIT 1";

pub async fn by_name(db: &Db, username: &str) -> Result<Option<Account>, NodeError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM accounts {BY_NAME}"))
        .bind(username)
        .bind(name_key(username))
        .bind(username)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(account).transpose()
}

pub async fn list(db: &Db) -> Result<Vec<Account>, NodeError> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM accounts ORDER BY username"))
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(account).collect()
}

/// Whether `password` is the account's current one.
pub async fn is_current_password(db: &Db, id: i64, password: &str) -> Result<bool, NodeError> {
    let row = sqlx::query("SELECT password_hash FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| crate::validate::not_found("this account"))?;
    verify_blocking(row.try_get("password_hash")?, password.to_owned()).await
}

/// Sets a password's hash ([`hash_password`]) inside `conn`'s
/// transaction: `must_change` when someone else chose the password.
pub async fn set_password_hash(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    hash: &str,
    must_change: bool,
) -> Result<(), NodeError> {
    sqlx::query("UPDATE accounts SET password_hash = $1, must_change_password = $2 WHERE id = $3")
        .bind(hash)
        .bind(i64::from(must_change))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Disables (`true`) or enables an account inside `conn`'s transaction.
pub async fn set_disabled(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    disabled: bool,
) -> Result<(), NodeError> {
    sqlx::query("UPDATE accounts SET disabled_at = $1 WHERE id = $2")
        .bind(disabled.then(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Changes an account's role inside `conn`'s transaction.
pub async fn set_role(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    role: Role,
) -> Result<(), NodeError> {
    sqlx::query("UPDATE accounts SET role = $1 WHERE id = $2")
        .bind(role.as_str())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many enabled accounts have `role`, in `conn`'s transaction.
pub async fn active_with_role(
    conn: &mut sqlx::AnyConnection,
    role: Role,
) -> Result<i64, NodeError> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM accounts WHERE role = $1 AND disabled_at IS NULL")
            .bind(role.as_str())
            .fetch_one(conn)
            .await?;
    Ok(row.try_get("n")?)
}

/// Records that the person chose their password (no change asked at login).
pub async fn password_was_chosen(db: &Db, username: &str) -> Result<(), NodeError> {
    let mut w = db.begin_write().await?;
    sqlx::query("UPDATE accounts SET must_change_password = 0 WHERE username = $1")
        .bind(username)
        .execute(w.conn())
        .await?;
    w.commit().await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{check_strength, generate_password, hash_password, verify_blocking, Rule};
    use crate::error::Refusal;

    fn why(password: &str) -> Option<Rule> {
        match check_strength("new_password", password, &["marie", "SSM Charleroi"]) {
            Ok(()) => None,
            Err(e) => match e.refusal() {
                Some(Refusal::InvalidField(Some(rule))) => Some(rule),
                other => panic!("{other:?}"),
            },
        }
    }

    /// Rule: blank, repeated, sequences, common passwords and the person's
    /// own name are refused, each saying why; a phrase is welcome.
    #[test]
    fn the_estimator_refuses_what_is_guessed_soon() {
        assert_eq!(why("          "), Some(Rule::PasswordTooEasy));
        assert_eq!(why(""), Some(Rule::PasswordTooEasy));
        assert_eq!(why("aaaaaaaaaa"), Some(Rule::PasswordRepeats));
        assert_eq!(why("1234567890"), Some(Rule::PasswordCommon));
        assert_eq!(why("motdepasse123"), Some(Rule::PasswordCommon));
        assert_eq!(why("abcdefghijkl"), Some(Rule::PasswordSequence));
        assert_eq!(why("marie1980"), Some(Rule::PasswordPersonal));
        assert_eq!(why("le chat de ma voisine mange des frites"), None);
        let long = "Le jeudi matin, avant la réunion du comité, nous prenons un café dans la petite salle du fond, puis nous relisons les propositions des autres services, une par une, sans nous presser.";
        assert!((150..=200).contains(&long.chars().count()));
        assert_eq!(why(long), None);
        assert_eq!(why(&"x".repeat(201)), Some(Rule::PasswordTooLong));
        for _ in 0..20 {
            let generated = generate_password().unwrap();
            assert_eq!(why(&generated), None, "{generated}");
        }
    }

    /// Runs `work` on a one-thread runtime and counts how many 1 ms timer
    /// ticks another task got meanwhile. Work done on the runtime's own
    /// thread would starve that task: at most one tick.
    fn ticks_during<F>(work: impl FnOnce() -> F) -> (F::Output, u32)
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let task = tokio::spawn(work());
            let mut ticks = 0;
            while !task.is_finished() {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                ticks += 1;
            }
            (task.await.expect("task"), ticks)
        })
    }

    /// Rule: argon2 runs off the async runtime, so one login does not stall
    /// every other request of a small node.
    #[test]
    fn password_hashing_leaves_the_runtime_free() {
        let (hash, ticks) = ticks_during(|| hash_password("un-mot-de-passe-long".into()));
        let hash = hash.expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(
            ticks > 1,
            "the runtime was blocked while hashing ({ticks} tick)"
        );
        let (ok, ticks) =
            ticks_during(move || verify_blocking(hash, "un-mot-de-passe-long".into()));
        assert!(ok.expect("verify"));
        assert!(
            ticks > 1,
            "the runtime was blocked while verifying ({ticks} tick)"
        );
    }
}
