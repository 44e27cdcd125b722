//! One file row → the Add modal's input: each mapped cell read the way people write it in
//! spreadsheets (dates in the common forms, gender and status words, country names or codes,
//! labels in one cell). The result then goes through the same validator as the Add modal.

use super::model::{DateOrder, Mapping, Target};
use crate::customers::model::{CustomerInput, Gender, Status};
use crate::error::FieldErrors;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A row read through a mapping: the input for the validator (labels not yet resolved to
/// ids) and the label names the row names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowInput {
    pub input: CustomerInput,
    pub labels: Vec<String>,
}

/// Reads `cells` (one per file column) through `mapping`. Errors name the customer field.
pub fn convert(cells: &[String], mapping: &Mapping) -> Result<RowInput, FieldErrors> {
    let mut row = RowInput::default();
    let mut errors = FieldErrors::new();
    for (target, cell) in mapping.targets.iter().zip(cells) {
        let joined;
        let mut cell = cell.trim();
        // Every field is one line: a quoted cell's line breaks ("1 Main St⏎Apt 2", as other
        // CRMs export addresses) become ", ".
        if cell.contains(['\n', '\r']) {
            joined = one_line(cell);
            cell = &joined;
        }
        let i = &mut row.input;
        match target {
            Target::FirstName => i.first_name = cell.into(),
            Target::MiddleName => i.middle_name = cell.into(),
            Target::LastName => i.last_name = cell.into(),
            Target::Suffix => i.suffix = cell.into(),
            Target::Email => i.email = cell.into(),
            Target::Phone => i.phone = cell.into(),
            Target::Street => i.street = cell.into(),
            Target::City => i.city = cell.into(),
            Target::State => i.state = cell.into(),
            Target::Zip => i.zip = cell.into(),
            Target::ContactName => i.contact_name = cell.into(),
            Target::ContactEmail => i.contact_email = cell.into(),
            Target::ContactPhone => i.contact_phone = cell.into(),
            Target::Gender => {
                match parse_gender(cell) {
                    Some(g) => i.gender = g,
                    None => {
                        errors.insert(
                        "gender".into(),
                        format!("\"{}\" is not a gender: use Female, Male, Other or leave it empty.", short(cell)),
                    );
                    }
                }
            }
            Target::Status => match parse_status(cell) {
                Some(s) => i.status = s,
                None => {
                    errors.insert(
                        "status".into(),
                        format!(
                            "\"{}\" is not a status: use Active or Inactive.",
                            short(cell)
                        ),
                    );
                }
            },
            Target::Birthday => match parse_date(cell, mapping.date_order) {
                Some(d) => i.birthday = d.map(|d| d.to_string()).unwrap_or_default(),
                None => {
                    errors.insert(
                        "birthday".into(),
                        format!(
                            "\"{}\" is not a date this import can read (e.g. 1990-04-03).",
                            short(cell)
                        ),
                    );
                }
            },
            Target::Country => match parse_country(cell) {
                Some(c) => i.country = c.into(),
                None => {
                    errors.insert(
                        "country".into(),
                        format!("\"{}\" is not a country name or ISO code.", short(cell)),
                    );
                }
            },
            Target::Labels => row.labels = split_labels(cell),
            Target::Ignore => {}
        }
    }
    if errors.is_empty() {
        Ok(row)
    } else {
        Err(errors)
    }
}

/// The lines of a multi-line cell joined with ", " (blank lines dropped).
fn one_line(cell: &str) -> String {
    cell.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A cell quoted in a message: at most 40 characters.
fn short(cell: &str) -> String {
    let mut s: String = cell.chars().take(40).collect();
    if s.len() < cell.len() {
        s.push('…');
    }
    s
}

fn word(cell: &str) -> String {
    crate::import::mapping::normalize(cell)
}

/// Gender words in English and the common other spellings; empty is "Prefer not to say".
pub fn parse_gender(cell: &str) -> Option<Gender> {
    Some(match word(cell).as_str() {
        "" | "unspecified" | "unknown" | "prefernottosay" | "notsaid" | "na" | "none" => {
            Gender::Unspecified
        }
        "f" | "female" | "woman" | "w" | "femme" | "weiblich" | "mujer" | "femenino" => {
            Gender::Female
        }
        "m" | "male" | "man" | "homme" | "mannlich" | "maennlich" | "hombre" | "masculino" => {
            Gender::Male
        }
        "o" | "other" | "x" | "d" | "diverse" | "divers" | "nonbinary" | "otro" | "autre" => {
            Gender::Other
        }
        _ => return None,
    })
}

/// Status words; empty is Active (as in the Add modal).
pub fn parse_status(cell: &str) -> Option<Status> {
    Some(match word(cell).as_str() {
        "" | "active" | "yes" | "y" | "true" | "1" | "enabled" | "activo" | "aktiv" | "actif" => {
            Status::Active
        }
        "inactive" | "no" | "n" | "false" | "0" | "disabled" | "inactivo" | "inaktiv"
        | "inactif" => Status::Inactive,
        _ => return None,
    })
}

/// A date in the forms spreadsheets and other CRMs write: ISO (`1990-04-03`, also with a
/// time after it), `03/04/1990` / `03.04.1990` / `03-04-1990` read in `order`, and month
/// names (`3 April 1990`, `April 3, 1990`, `03-Apr-1990`). `Some(None)` for an empty cell,
/// `None` for one that is not a date.
pub fn parse_date(cell: &str, order: DateOrder) -> Option<Option<NaiveDate>> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Some(None);
    }
    // A time after the date (an export's "1990-04-03 00:00:00" or "…T00:00:00Z").
    let date_part = cell
        .split(['T', ' '])
        .next()
        .filter(|d| d.len() >= 8 && d.chars().all(|c| c.is_ascii_digit() || "-/.".contains(c)))
        .unwrap_or(cell);
    let nums: Vec<&str> = date_part.split(['-', '/', '.']).collect();
    if nums.len() == 3
        && nums
            .iter()
            .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    {
        let n: Vec<u32> = nums.iter().filter_map(|n| n.parse().ok()).collect();
        if n.len() != 3 {
            return None;
        }
        let (y, m, d) = if nums[0].len() == 4 {
            (n[0] as i32, n[1], n[2])
        } else if nums[2].len() == 4 {
            match order {
                DateOrder::DayFirst => (n[2] as i32, n[1], n[0]),
                DateOrder::MonthFirst => (n[2] as i32, n[0], n[1]),
            }
        } else {
            return None;
        };
        return NaiveDate::from_ymd_opt(y, m, d).map(Some);
    }
    for format in [
        "%d %B %Y",
        "%d %b %Y",
        "%B %d, %Y",
        "%b %d, %Y",
        "%B %d %Y",
        "%b %d %Y",
        "%d-%b-%Y",
        "%d-%B-%Y",
        "%d. %B %Y",
    ] {
        if let Ok(d) = NaiveDate::parse_from_str(cell, format) {
            return Some(Some(d));
        }
    }
    None
}

/// Which way a column of `a/b/yyyy` dates is written, when one of them tells (a day over 12);
/// `None` when every date reads both ways or none is in that form.
pub fn detect_date_order<'a>(cells: impl IntoIterator<Item = &'a str>) -> Option<DateOrder> {
    for cell in cells {
        let nums: Vec<&str> = cell
            .trim()
            .split(['-', '/', '.', ' ', 'T'])
            .take(3)
            .collect();
        if nums.len() == 3 && nums[0].len() <= 2 && nums[2].len() == 4 {
            let (a, b) = (nums[0].parse::<u32>(), nums[1].parse::<u32>());
            match (a, b) {
                (Ok(a), Ok(b)) if a > 12 && b <= 12 => return Some(DateOrder::DayFirst),
                (Ok(a), Ok(b)) if b > 12 && a <= 12 => return Some(DateOrder::MonthFirst),
                _ => {}
            }
        }
    }
    None
}

/// Names people use for countries whose ISO name is long or different.
const ALIASES: &[(&str, &str)] = &[
    ("uk", "GB"),
    ("unitedkingdom", "GB"),
    ("greatbritain", "GB"),
    ("britain", "GB"),
    ("england", "GB"),
    ("scotland", "GB"),
    ("wales", "GB"),
    ("northernireland", "GB"),
    ("us", "US"),
    ("usa", "US"),
    ("unitedstates", "US"),
    ("america", "US"),
    ("unitedstatesofamerica", "US"),
    ("russia", "RU"),
    ("southkorea", "KR"),
    ("korea", "KR"),
    ("northkorea", "KP"),
    ("vietnam", "VN"),
    ("iran", "IR"),
    ("syria", "SY"),
    ("laos", "LA"),
    ("bolivia", "BO"),
    ("venezuela", "VE"),
    ("tanzania", "TZ"),
    ("moldova", "MD"),
    ("taiwan", "TW"),
    ("czechia", "CZ"),
    ("czechrepublic", "CZ"),
    ("holland", "NL"),
    ("thenetherlands", "NL"),
    ("netherlands", "NL"),
    ("turkey", "TR"),
    ("turkiye", "TR"),
    ("ivorycoast", "CI"),
    ("macedonia", "MK"),
    ("palestine", "PS"),
    ("brunei", "BN"),
    ("capeverde", "CV"),
    ("vatican", "VA"),
    ("micronesia", "FM"),
    ("uae", "AE"),
    ("philippines", "PH"),
    ("deutschland", "DE"),
    ("espana", "ES"),
    ("schweiz", "CH"),
    ("suisse", "CH"),
    ("osterreich", "AT"),
    ("oesterreich", "AT"),
];

/// Every way this import reads a country (normalised name, alpha-2, alpha-3, aliases) →
/// alpha-2.
fn countries() -> &'static HashMap<String, &'static str> {
    static MAP: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = HashMap::new();
        for c in isocountry::CountryCode::iter() {
            map.insert(word(c.name()), c.alpha2());
            map.insert(c.alpha2().to_ascii_lowercase(), c.alpha2());
            map.insert(c.alpha3().to_ascii_lowercase(), c.alpha2());
            // "Bolivia (Plurinational State of)" also as "Bolivia".
            if let Some((short, _)) = c.name().split_once(['(', ',']) {
                map.entry(word(short)).or_insert(c.alpha2());
            }
        }
        for (alias, code) in ALIASES {
            map.insert(alias.to_string(), code);
        }
        map
    })
}

/// A country name or ISO code → alpha-2; empty stays empty; `None` if unknown.
pub fn parse_country(cell: &str) -> Option<&'static str> {
    let key = word(cell);
    if key.is_empty() {
        return Some("");
    }
    countries().get(&key).copied()
}

/// Label names in one cell, split on `|`, `,` or `;`, trimmed, without repeats (ignoring
/// case).
pub fn split_labels(cell: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    cell.split(['|', ',', ';'])
        .map(str::trim)
        .filter(|l| !l.is_empty() && seen.insert(l.to_lowercase()))
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<Option<NaiveDate>> {
        Some(NaiveDate::from_ymd_opt(y, m, day))
    }

    #[test]
    fn dates_in_the_common_forms() {
        use DateOrder::*;
        for (cell, order, want) in [
            ("1990-04-03", DayFirst, d(1990, 4, 3)),
            ("1990/04/03", MonthFirst, d(1990, 4, 3)),
            ("1990-04-03 00:00:00", DayFirst, d(1990, 4, 3)),
            ("1990-04-03T00:00:00Z", DayFirst, d(1990, 4, 3)),
            ("03/04/1990", DayFirst, d(1990, 4, 3)),
            ("03/04/1990", MonthFirst, d(1990, 3, 4)),
            ("3.4.1990", DayFirst, d(1990, 4, 3)),
            ("03-04-1990", MonthFirst, d(1990, 3, 4)),
            ("3 April 1990", DayFirst, d(1990, 4, 3)),
            ("3 Apr 1990", DayFirst, d(1990, 4, 3)),
            ("April 3, 1990", DayFirst, d(1990, 4, 3)),
            ("Apr 3 1990", DayFirst, d(1990, 4, 3)),
            ("03-Apr-1990", DayFirst, d(1990, 4, 3)),
            ("", DayFirst, Some(None)),
            ("  ", DayFirst, Some(None)),
        ] {
            assert_eq!(parse_date(cell, order), want, "{cell:?} {order:?}");
        }
        for cell in [
            "1990-02-30",
            "13/13/1990",
            "yesterday",
            "90-04-03",
            "1990-04",
            "=NOW()",
        ] {
            assert_eq!(parse_date(cell, DayFirst), None, "{cell:?}");
        }
    }

    #[test]
    fn a_day_over_twelve_tells_the_columns_date_order() {
        assert_eq!(
            detect_date_order(["01/02/1990", "25/12/1980"]),
            Some(DateOrder::DayFirst)
        );
        assert_eq!(
            detect_date_order(["01/02/1990", "12/25/1980"]),
            Some(DateOrder::MonthFirst)
        );
        assert_eq!(detect_date_order(["01/02/1990", "1990-12-25"]), None);
    }

    #[test]
    fn gender_and_status_words() {
        assert_eq!(parse_gender("F"), Some(Gender::Female));
        assert_eq!(parse_gender("male"), Some(Gender::Male));
        assert_eq!(parse_gender("Männlich"), Some(Gender::Male));
        assert_eq!(parse_gender("Non-binary"), Some(Gender::Other));
        assert_eq!(parse_gender(""), Some(Gender::Unspecified));
        assert_eq!(parse_gender("Prefer not to say"), Some(Gender::Unspecified));
        assert_eq!(parse_gender("banana"), None);
        assert_eq!(parse_status(""), Some(Status::Active));
        assert_eq!(parse_status("Inactive"), Some(Status::Inactive));
        assert_eq!(parse_status("no"), Some(Status::Inactive));
        assert_eq!(parse_status("TRUE"), Some(Status::Active));
        assert_eq!(parse_status("archived"), None);
    }

    #[test]
    fn countries_by_name_code_or_common_name() {
        for (cell, code) in [
            ("PH", "PH"),
            ("ph", "PH"),
            ("PHL", "PH"),
            ("Philippines", "PH"),
            ("United Kingdom", "GB"),
            ("UK", "GB"),
            ("United Kingdom of Great Britain and Northern Ireland", "GB"),
            ("USA", "US"),
            ("United States", "US"),
            ("Deutschland", "DE"),
            ("Germany", "DE"),
            ("côte d'ivoire", "CI"),
            ("Bolivia", "BO"),
            ("", ""),
        ] {
            assert_eq!(parse_country(cell), Some(code), "{cell}");
        }
        assert_eq!(parse_country("Atlantis"), None);
        assert_eq!(parse_country("XX"), None);
    }

    #[test]
    fn labels_split_on_pipes_commas_and_semicolons() {
        assert_eq!(
            split_labels("VIP | Wholesale;vip, Newsletter ,"),
            vec!["VIP", "Wholesale", "Newsletter"]
        );
        assert!(split_labels("  ").is_empty());
    }

    #[test]
    fn a_row_is_read_through_its_mapping() {
        let mapping = Mapping {
            targets: vec![
                Target::Email,
                Target::Ignore,
                Target::Gender,
                Target::Birthday,
                Target::Country,
                Target::Labels,
                Target::Status,
            ],
            date_order: DateOrder::MonthFirst,
            ..Default::default()
        };
        let cells: Vec<String> = [
            " a@example.com ",
            "x",
            "f",
            "04/03/1990",
            "Philippines",
            "VIP|Gold",
            "inactive",
        ]
        .map(String::from)
        .to_vec();
        let row = convert(&cells, &mapping).unwrap();
        assert_eq!(row.input.email, "a@example.com");
        assert_eq!(row.input.gender, Gender::Female);
        assert_eq!(row.input.birthday, "1990-04-03");
        assert_eq!(row.input.country, "PH");
        assert_eq!(row.input.status, Status::Inactive);
        assert_eq!(row.labels, vec!["VIP", "Gold"]);
        let bad: Vec<String> = [
            "a@example.com",
            "",
            "banana",
            "someday",
            "Atlantis",
            "",
            "maybe",
        ]
        .map(String::from)
        .to_vec();
        let errors = convert(&bad, &mapping).unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors["birthday"].contains("someday"));
    }

    #[test]
    fn line_breaks_in_a_cell_become_commas() {
        let mapping = Mapping {
            targets: vec![Target::Street],
            ..Default::default()
        };
        let row = convert(&["1 Main St\r\nApt 2\n\n".to_string()], &mapping).unwrap();
        assert_eq!(row.input.street, "1 Main St, Apt 2");
    }

    #[test]
    fn formula_looking_cells_are_kept_as_text() {
        let mapping = Mapping {
            targets: vec![Target::FirstName, Target::City],
            ..Default::default()
        };
        let cells: Vec<String> = ["=HYPERLINK(\"x\")", "+1+1"].map(String::from).to_vec();
        let row = convert(&cells, &mapping).unwrap();
        assert_eq!(row.input.first_name, "=HYPERLINK(\"x\")");
        assert_eq!(row.input.city, "+1+1");
    }
}
