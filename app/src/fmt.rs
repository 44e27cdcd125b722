//! Formatting shared by the server and the browser (so both render the same text): dates
//! and timestamps, thousands, country names. Base layer: imports no feature.

use chrono::{DateTime, NaiveDate, Utc};

/// Timestamps are shown in UTC, formatted the same on the server and in the browser.
pub fn fmt_datetime(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn fmt_date(d: &Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// `1234567` → `1,234,567`.
pub fn group_thousands(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Country name for an alpha-2 code ("" stays "").
pub fn country_name(code: &str) -> String {
    country_name_str(code).to_string()
}

/// [`country_name`] without a copy.
pub fn country_name_str(code: &str) -> &str {
    short_name(code)
        .unwrap_or_else(|| isocountry::CountryCode::for_alpha2(code).map_or(code, |c| c.name()))
}

/// The common short name where ISO 3166's official one is long or inverted ("United Kingdom
/// of Great Britain and Northern Ireland", "Korea (Republic of)"): what people write, and
/// what fits a table column. The ISO code stays in a tooltip where the name is shown.
fn short_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "GB" => "United Kingdom",
        "US" => "United States",
        "BO" => "Bolivia",
        "BN" => "Brunei",
        "CC" => "Cocos Islands",
        "CD" => "DR Congo",
        "FK" => "Falkland Islands",
        "FM" => "Micronesia",
        "IR" => "Iran",
        "KP" => "North Korea",
        "KR" => "South Korea",
        "LA" => "Laos",
        "MD" => "Moldova",
        "MF" => "Saint Martin",
        "MK" => "North Macedonia",
        "PS" => "Palestine",
        "RU" => "Russia",
        "SH" => "Saint Helena",
        "SX" => "Sint Maarten",
        "SY" => "Syria",
        "TW" => "Taiwan",
        "TZ" => "Tanzania",
        "UM" => "U.S. Outlying Islands",
        "VE" => "Venezuela",
        "VG" => "British Virgin Islands",
        "VI" => "U.S. Virgin Islands",
        "VN" => "Vietnam",
        _ => return None,
    })
}

/// Every ISO 3166-1 country as (alpha-2, name), sorted by name, for the country picker.
pub fn countries() -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<_> = isocountry::CountryCode::iter()
        .map(|c| (c.alpha2(), short_name(c.alpha2()).unwrap_or(c.name())))
        .collect();
    v.sort_by(|a, b| a.1.cmp(b.1));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_official_country_names_are_shown_short() {
        assert_eq!(country_name("GB"), "United Kingdom");
        assert_eq!(country_name("US"), "United States");
        assert_eq!(country_name("KR"), "South Korea");
        assert_eq!(country_name("PH"), "Philippines");
        assert_eq!(country_name("XX"), "XX");
        let all = countries();
        assert_eq!(
            all.iter().find(|c| c.0 == "GB").unwrap().1,
            "United Kingdom"
        );
        assert!(
            all.windows(2).all(|w| w[0].1 <= w[1].1),
            "sorted by the shown name"
        );
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(-1234567), "-1,234,567");
    }

    #[test]
    fn countries_by_code() {
        assert_eq!(country_name("PH"), "Philippines");
        assert_eq!(country_name(""), "");
        assert!(countries().iter().any(|(c, _)| *c == "DE"));
    }
}
