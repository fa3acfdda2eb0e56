use super::*;

#[test]
fn belgian_time_in_forms() {
    // Winter: 9 h 30 in Brussels is 8 h 30 UTC.
    assert_eq!(local_input_to_unix("2030-12-10T09:30"), Some(1_923_121_800));
    assert_eq!(
        local_input_to_unix("2030-12-10T09:30:00"),
        Some(1_923_121_800)
    );
    // Summer: 9 h in Brussels is 7 h UTC.
    assert_eq!(local_input_to_unix("2030-07-01T09:00"), Some(1_909_119_600));
    assert_eq!(unix_to_local_input(1_909_119_600), "2030-07-01T09:00");
    assert_eq!(unix_to_time_input(1_923_121_800), "09:30");
    assert_eq!(local_input_to_unix("demain"), None);
    assert_eq!(local_input_to_unix("2030-02-30T09:00"), None);
}

#[test]
fn details_are_checked_field_by_field() {
    let form = DetailsForm {
        titre: " Comité ".into(),
        debut: "2030-12-10T09:30".into(),
        fin: "11:00".into(),
        lieu: "Charleroi".into(),
        format: "petit-déjeuner".into(),
        acces: " Bus 1, arrêt Ville-Basse ".into(),
        annonce: String::new(),
    };
    let d = form.details(Locale::Fr).unwrap();
    assert_eq!(d.title, "Comité");
    assert_eq!(d.directions.as_deref(), Some("Bus 1, arrêt Ville-Basse"));
    assert_eq!(d.ends_at.map(|e| e.unix()), Some(1_923_121_800 + 5400));
    let bad = DetailsForm {
        fin: "08:00".into(),
        titre: String::new(),
        ..form
    };
    let fields: Vec<String> = bad
        .details(Locale::Fr)
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, vec!["titre", "fin"]);
}
