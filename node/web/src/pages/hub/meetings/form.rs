//! The forms of a joint meeting's details (create, edit a draft, change a
//! published meeting), and the Belgian time they are typed in.

use super::*;

// ---------------------------------------------------------------------------
// Belgian time in forms.

/// `2030-12-10T09:30` (what `<input type="datetime-local">` sends) or
/// « 10 décembre 2030 à 9 h 30 » (typed where the browser has no date
/// picker), read as Belgian time, in Unix seconds.
pub(super) fn local_input_to_unix(text: &str) -> Option<i64> {
    let (date, time) = crate::pages::dates::parse_day_time(text)?;
    Some(passerelle_core::clock::from_brussels(
        PrimitiveDateTime::new(date, time),
    ))
}

/// `09:30`, `09:30:00` or « 9 h 30 ».
pub(super) fn parse_time(text: &str) -> Option<Time> {
    crate::pages::dates::parse_time(text)
}

/// `2030-12-10T09:30`, for a `datetime-local` field's value.
pub(super) fn unix_to_local_input(unix: i64) -> String {
    brussels(unix).map_or_else(String::new, |l| {
        format!(
            "{}-{:02}-{:02}T{:02}:{:02}",
            l.year(),
            u8::from(l.month()),
            l.day(),
            l.hour(),
            l.minute()
        )
    })
}

/// `11:30`, for a `time` field's value.
pub(super) fn unix_to_time_input(unix: i64) -> String {
    brussels(unix).map_or_else(String::new, |l| {
        format!("{:02}:{:02}", l.hour(), l.minute())
    })
}

/// "le 10 décembre 2030 à 9 h 30, jusqu'à 11 h 30".
pub(super) fn when_words(m: &MeetingView, loc: Locale) -> String {
    let start = loc.datetime(m.starts_at.unix());
    match m.ends_at {
        Some(end) => loc.t2(
            "{debut}, jusqu'à {fin}",
            "debut",
            start,
            "fin",
            loc.time_of(end.unix()),
        ),
        None => start,
    }
}

// ---------------------------------------------------------------------------
// The details form (create, edit a draft, change a published meeting).

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct DetailsForm {
    pub(super) titre: String,
    pub(super) debut: String,
    pub(super) fin: String,
    pub(super) lieu: String,
    pub(super) format: String,
    /// How to get there (optional).
    pub(super) acces: String,
    /// For a published meeting: what changes, for the services.
    pub(super) annonce: String,
}

impl DetailsForm {
    pub(super) fn of(m: &MeetingView) -> DetailsForm {
        DetailsForm {
            titre: m.title.clone(),
            debut: unix_to_local_input(m.starts_at.unix()),
            fin: m
                .ends_at
                .map(|e| unix_to_time_input(e.unix()))
                .unwrap_or_default(),
            lieu: m.place.clone(),
            format: m.format.clone(),
            acces: m.directions.clone().unwrap_or_default(),
            annonce: String::new(),
        }
    }

    /// Checks the form; each problem is tied to its field.
    pub(super) fn details(&self, loc: Locale) -> Result<MeetingDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut required = |id: &str, value: &str, max: usize, missing: &str| {
            let v = value.trim();
            if v.is_empty() {
                errors.push(field_error(id, missing));
            } else if v.chars().count() > max {
                errors.push(field_error(
                    id,
                    &loc.t1("C'est trop long : {max} caractères au plus.", "max", max),
                ));
            }
        };
        required(
            "titre",
            &self.titre,
            200,
            loc.t("Écrivez un titre pour la réunion."),
        );
        required(
            "lieu",
            &self.lieu,
            300,
            loc.t("Écrivez où la réunion a lieu (adresse, salle, ou « en ligne »)."),
        );
        required(
            "format",
            &self.format,
            100,
            loc.t("Écrivez la forme de la réunion, par exemple : petit-déjeuner."),
        );
        if self.acces.trim().chars().count() > 1000 {
            errors.push(field_error(
                "acces",
                &loc.t1("C'est trop long : {max} caractères au plus.", "max", 1000),
            ));
        }
        let starts = local_input_to_unix(&self.debut);
        if starts.is_none() {
            errors.push(field_error(
                "debut",
                loc.t("Indiquez le jour et l'heure du début, par exemple : 10 décembre 2030 à 9 h 30."),
            ));
        }
        let mut ends = None;
        if !self.fin.trim().is_empty() {
            match (parse_time(&self.fin), local_input_to_unix(&self.debut)) {
                (None, _) => errors.push(field_error(
                    "fin",
                    loc.t("Indiquez l'heure de fin comme ceci : 11:30. Ou laissez vide."),
                )),
                (Some(end), Some(start)) => {
                    let day = brussels(start).map(|s| s.date());
                    if let Some(day) = day {
                        let end =
                            passerelle_core::clock::from_brussels(PrimitiveDateTime::new(day, end));
                        if end <= start {
                            errors.push(field_error(
                                "fin",
                                loc.t("L'heure de fin doit venir après l'heure du début."),
                            ));
                        } else {
                            ends = Some(end);
                        }
                    }
                }
                (Some(_), None) => {}
            }
        }
        let to_ts = |secs: i64| Timestamp::from_unix(secs).ok();
        let starts_at = starts.and_then(to_ts);
        if starts.is_some() && starts_at.is_none() {
            errors.push(field_error(
                "debut",
                loc.t("Cette date n'est pas possible."),
            ));
        }
        match (errors.is_empty(), starts_at) {
            (true, Some(starts_at)) => Ok(MeetingDetails {
                directions: Some(self.acces.trim().to_owned()).filter(|a| !a.is_empty()),
                title: self.titre.trim().to_owned(),
                starts_at,
                ends_at: ends.and_then(to_ts),
                place: self.lieu.trim().to_owned(),
                format: self.format.trim().to_owned(),
            }),
            _ => Err(errors),
        }
    }

    pub(super) fn fields(&self, errors: &[FieldError], loc: Locale) -> Vec<Field> {
        vec![
            Field::new("titre", "titre", loc.t("Titre de la réunion"))
                .hint(loc.t("Par exemple : Comité inter-services de mars."))
                .value(&self.titre)
                .errors(errors),
            Field::new("debut", "debut", loc.t("Jour et heure du début"))
                .kind("datetime-local")
                .hint(loc.t("Heure de Belgique. Par exemple : 10 décembre 2030 à 9 h 30."))
                .value(&self.debut)
                .errors(errors),
            Field::new("fin", "fin", loc.t("Heure de fin"))
                .kind("time")
                .hint(loc.t("Le même jour. Par exemple : 11:30."))
                .optional()
                .value(&self.fin)
                .errors(errors),
            Field::new("lieu", "lieu", loc.t("Lieu"))
                .hint(loc.t("L'adresse et la salle, ou « en ligne » avec le lien."))
                .value(&self.lieu)
                .errors(errors),
            Field::new("format", "format", loc.t("Forme de la réunion"))
                .hint(loc.t("Par exemple : petit-déjeuner, réunion, en ligne."))
                .value(&self.format)
                .errors(errors),
            Field::new("acces", "acces", loc.t("Comment y aller"))
                .kind("textarea")
                .hint(loc.t("Par exemple : bus 1, arrêt Ville-Basse ; entrée par la cour ; rez-de-chaussée, sans marche."))
                .optional()
                .value(&self.acces)
                .errors(errors),
        ]
    }
}
