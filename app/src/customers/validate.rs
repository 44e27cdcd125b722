//! The one validator used by the Add / Edit modal (in the browser, for instant messages)
//! and by the server (the authority). Phone numbers are parsed with libphonenumber's rules
//! only on the server, to keep the metadata out of the wasm; the modal shows the server's
//! message for that field the same way as its own.

use super::model::{CustomerInput, Gender, Status};
use crate::email::is_valid_email;
use crate::error::FieldErrors;
use chrono::NaiveDate;

/// A customer that passed validation: trimmed, typed, phone normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCustomer {
    pub first_name: String,
    pub middle_name: String,
    pub last_name: String,
    pub suffix: String,
    pub email: String,
    pub gender: Gender,
    pub birthday: Option<NaiveDate>,
    pub phone: String,
    /// E.164 (`+639171234567`), or empty when no phone was given. Empty in the browser.
    pub phone_e164: String,
    pub street: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub country: String,
    pub status: Status,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    /// Label ids, without repeats.
    pub labels: Vec<i64>,
}

/// More labels than this on one customer is a mistake, not a use.
pub const MAX_LABELS: usize = 30;

/// (field, human name, maximum characters)
const LIMITS: &[(&str, &str, usize)] = &[
    ("first_name", "First name", 100),
    ("middle_name", "Middle name", 100),
    ("last_name", "Last name", 100),
    ("suffix", "Suffix", 20),
    ("email", "Email", 254),
    ("phone", "Phone", 40),
    ("street", "Street", 200),
    ("city", "City", 100),
    ("state", "State", 100),
    ("zip", "Zip", 20),
    ("contact_name", "Contact name", 200),
    ("contact_email", "Contact email", 254),
    ("contact_phone", "Contact number", 40),
];

pub fn validate_customer(
    input: &CustomerInput,
    today: NaiveDate,
) -> Result<ValidCustomer, FieldErrors> {
    validate_customer_in(input, today, None)
}

/// [`validate_customer`], reading phone numbers written without a country code in a
/// customer without a country as numbers of `default_region` (ISO alpha-2; an import's
/// choice).
pub fn validate_customer_in(
    input: &CustomerInput,
    today: NaiveDate,
    default_region: Option<&str>,
) -> Result<ValidCustomer, FieldErrors> {
    #[cfg(not(feature = "ssr"))]
    let _ = default_region;
    let mut errors = FieldErrors::new();
    let t = |s: &str| s.trim().to_string();
    let c = ValidCustomer {
        first_name: t(&input.first_name),
        middle_name: t(&input.middle_name),
        last_name: t(&input.last_name),
        suffix: t(&input.suffix),
        email: t(&input.email),
        gender: input.gender,
        birthday: None,
        phone: t(&input.phone),
        phone_e164: String::new(),
        street: t(&input.street),
        city: t(&input.city),
        state: t(&input.state),
        zip: t(&input.zip),
        country: t(&input.country).to_uppercase(),
        status: input.status,
        contact_name: t(&input.contact_name),
        contact_email: t(&input.contact_email),
        contact_phone: t(&input.contact_phone),
        labels: {
            let mut seen = std::collections::HashSet::new();
            input
                .labels
                .iter()
                .copied()
                .filter(|id| seen.insert(*id))
                .collect()
        },
    };
    let mut c = c;

    for (field, name, max) in LIMITS {
        let value = field_value(&c, field);
        if value.chars().count() > *max {
            errors.insert(
                field.to_string(),
                format!("{name} can be at most {max} characters."),
            );
        } else if crate::text::has_forbidden(value) {
            errors.insert(
                field.to_string(),
                format!("{name} contains characters that are not allowed."),
            );
        }
    }
    if c.first_name.is_empty() {
        errors.insert("first_name".into(), "First name is required.".into());
    }
    if c.last_name.is_empty() {
        errors.insert("last_name".into(), "Last name is required.".into());
    }
    if c.email.is_empty() {
        errors.insert("email".into(), "Email is required.".into());
    } else if !errors.contains_key("email") && !is_valid_email(&c.email) {
        errors.insert("email".into(), crate::email::INVALID_EMAIL.into());
    }
    if !c.contact_email.is_empty()
        && !errors.contains_key("contact_email")
        && !is_valid_email(&c.contact_email)
    {
        errors.insert("contact_email".into(), crate::email::INVALID_EMAIL.into());
    }

    let birthday = input.birthday.trim();
    if !birthday.is_empty() {
        match NaiveDate::parse_from_str(birthday, "%Y-%m-%d") {
            Err(_) => {
                errors.insert("birthday".into(), "Enter a date as YYYY-MM-DD.".into());
            }
            Ok(d) if d > today => {
                errors.insert(
                    "birthday".into(),
                    "Birthday cannot be in the future.".into(),
                );
            }
            Ok(d) if d < NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date") => {
                errors.insert("birthday".into(), "Birthday cannot be before 1900.".into());
            }
            Ok(d) => c.birthday = Some(d),
        }
    }

    if c.labels.len() > MAX_LABELS {
        errors.insert(
            "labels".into(),
            format!("A customer can have at most {MAX_LABELS} labels."),
        );
    }

    if !c.country.is_empty() && isocountry::CountryCode::for_alpha2(&c.country).is_err() {
        errors.insert("country".into(), "Choose a country from the list.".into());
    }

    #[cfg(feature = "ssr")]
    {
        let country = (!errors.contains_key("country") && !c.country.is_empty())
            .then_some(c.country.as_str())
            .or(default_region.filter(|r| !r.is_empty()));
        if !c.phone.is_empty() && !errors.contains_key("phone") {
            match normalize_phone(&c.phone, country) {
                Ok(e164) => c.phone_e164 = e164,
                Err(msg) => {
                    errors.insert("phone".into(), msg);
                }
            }
        }
        if !c.contact_phone.is_empty() && !errors.contains_key("contact_phone") {
            if let Err(msg) = normalize_phone(&c.contact_phone, country) {
                errors.insert("contact_phone".into(), msg);
            }
        }
    }

    if errors.is_empty() {
        Ok(c)
    } else {
        Err(errors)
    }
}

fn field_value<'a>(c: &'a ValidCustomer, field: &str) -> &'a str {
    match field {
        "first_name" => &c.first_name,
        "middle_name" => &c.middle_name,
        "last_name" => &c.last_name,
        "suffix" => &c.suffix,
        "email" => &c.email,
        "phone" => &c.phone,
        "street" => &c.street,
        "city" => &c.city,
        "state" => &c.state,
        "zip" => &c.zip,
        "contact_name" => &c.contact_name,
        "contact_email" => &c.contact_email,
        "contact_phone" => &c.contact_phone,
        _ => "",
    }
}

/// Parse a phone number for a country (alpha-2) and return its E.164 form.
#[cfg(feature = "ssr")]
pub fn normalize_phone(raw: &str, country: Option<&str>) -> Result<String, String> {
    use phonenumber::Mode;
    let region = country.and_then(|c| c.parse::<phonenumber::country::Id>().ok());
    if region.is_none() && !raw.trim_start().starts_with('+') {
        return Err("Choose a country, or enter the number with its country code (+…).".into());
    }
    match phonenumber::parse(region, raw) {
        Ok(n) if phonenumber::is_valid(&n) => Ok(n.format().mode(Mode::E164).to_string()),
        _ => Err(match country {
            Some(c) => format!(
                "This is not a valid phone number for {}.",
                crate::fmt::country_name(c)
            ),
            None => "This is not a valid phone number.".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn valid_input() -> CustomerInput {
        CustomerInput {
            first_name: " Maria ".into(),
            last_name: "Santos".into(),
            email: "maria@example.com".into(),
            ..Default::default()
        }
    }

    fn errors_of(input: &CustomerInput) -> FieldErrors {
        validate_customer(input, today()).err().unwrap_or_default()
    }

    #[test]
    fn minimal_customer_is_trimmed() {
        let c = validate_customer(&valid_input(), today()).unwrap();
        assert_eq!(c.first_name, "Maria");
        assert_eq!(c.status, Status::Active);
        assert_eq!(c.gender, Gender::Unspecified);
    }

    #[test]
    fn blanks_are_required_fields() {
        for (field, blank) in [("first_name", "   "), ("last_name", ""), ("email", " \t ")] {
            let mut input = valid_input();
            match field {
                "first_name" => input.first_name = blank.into(),
                "last_name" => input.last_name = blank.into(),
                _ => input.email = blank.into(),
            }
            let errors = errors_of(&input);
            assert!(errors[field].contains("required"), "{field}: {errors:?}");
            assert_eq!(errors.len(), 1);
        }
    }

    #[test]
    fn emails() {
        for (email, ok) in crate::email::EMAIL_CASES {
            assert_eq!(is_valid_email(email), ok, "{email}");
            let mut input = valid_input();
            input.email = email.into();
            assert_eq!(errors_of(&input).contains_key("email"), !ok, "{email}");
        }
    }

    #[test]
    fn birthdays() {
        let cases = [
            ("", None),
            ("1990-05-17", None),
            ("2026-11-24", None),
            ("1900-01-01", None),
            ("2026-11-25", Some("future")),
            ("1899-12-31", Some("1900")),
            ("17/05/1990", Some("YYYY-MM-DD")),
            ("1990-02-30", Some("YYYY-MM-DD")),
        ];
        for (birthday, expect) in cases {
            let mut input = valid_input();
            input.birthday = birthday.into();
            let errors = errors_of(&input);
            match expect {
                None => assert!(errors.is_empty(), "{birthday}: {errors:?}"),
                Some(word) => assert!(errors["birthday"].contains(word), "{birthday}: {errors:?}"),
            }
        }
    }

    #[test]
    fn lengths_are_bounded() {
        let mut input = valid_input();
        input.first_name = "a".repeat(101);
        input.zip = "1".repeat(21);
        input.street = "s".repeat(200);
        let errors = errors_of(&input);
        assert!(errors["first_name"].contains("at most 100"));
        assert!(errors["zip"].contains("at most 20"));
        assert!(!errors.contains_key("street"));
        input.city = "Manila\u{0007}".into();
        assert!(errors_of(&input)["city"].contains("not allowed"));
    }

    #[test]
    fn country_must_be_known() {
        let mut input = valid_input();
        input.country = "ph".into();
        assert_eq!(validate_customer(&input, today()).unwrap().country, "PH");
        input.country = "XX".into();
        assert!(errors_of(&input).contains_key("country"));
    }

    #[test]
    fn contact_email_is_optional_but_checked() {
        let mut input = valid_input();
        input.contact_email = "not-an-email".into();
        assert!(errors_of(&input).contains_key("contact_email"));
        input.contact_email = String::new();
        assert!(errors_of(&input).is_empty());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn phones() {
        // (as typed, country, expected E.164 or None when invalid)
        let cases: [(&str, Option<&str>, Option<&str>); 12] = [
            ("0917 123 4567", Some("PH"), Some("+639171234567")),
            ("+63 917 123 4567", Some("PH"), Some("+639171234567")),
            ("(0917) 123-4567", Some("PH"), Some("+639171234567")),
            ("+639171234567", None, Some("+639171234567")),
            ("(415) 555-2671", Some("US"), Some("+14155552671")),
            ("415.555.2671", Some("US"), Some("+14155552671")),
            ("030 901820", Some("DE"), Some("+4930901820")),
            ("+44 20 7946 0958", Some("GB"), Some("+442079460958")),
            ("020 7946 0958", Some("GB"), Some("+442079460958")),
            ("12345", Some("PH"), None),
            ("not a phone", Some("US"), None),
            ("0917 123 4567", None, None),
        ];
        for (raw, country, expected) in cases {
            let got = normalize_phone(raw, country);
            assert_eq!(
                got.as_deref().ok(),
                expected,
                "{raw} / {country:?}: {got:?}"
            );
        }
        let mut input = valid_input();
        input.phone = "12345".into();
        input.country = "PH".into();
        assert!(errors_of(&input)["phone"].contains("Philippines"));
        input.phone = "0917 123 4567".into();
        assert_eq!(
            validate_customer(&input, today()).unwrap().phone_e164,
            "+639171234567"
        );
    }
}
