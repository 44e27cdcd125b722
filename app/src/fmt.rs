//! Formatting shared by the server and the browser (so both render the same text): dates
//! and timestamps, thousands, country names. Base layer: imports no feature.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// A timestamp in UTC, said so ("2026-11-27 08:25 UTC"): where the reader's zone is not
/// known (a message written by the server, a log).
pub fn fmt_datetime(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The cookie in which the browser tells the server its time zone (an IANA name).
pub const ZONE_COOKIE: &str = "tz";

/// Where times are shown: UTC until the browser has said its zone, then that zone. The
/// server renders with the zone the `tz` cookie names; the browser computes the same wall
/// time from its own clock rules, so the two agree while the cookie names the browser's zone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Zone {
    #[default]
    Utc,
    /// An IANA zone name ("Asia/Manila").
    Named(String),
}

impl Zone {
    /// A `tz` cookie's value: a zone name this side can use, else UTC.
    pub fn from_cookie(value: Option<&str>) -> Zone {
        match value.map(str::trim) {
            Some(name) if zone_known(name) => Zone::Named(name.to_string()),
            _ => Zone::Utc,
        }
    }

    /// The instant a day starts in this zone (the first midnight if a clock change repeats
    /// it, an hour later if it skips it).
    pub fn start_of_day(&self, d: NaiveDate) -> DateTime<Utc> {
        let midnight = d.and_hms_opt(0, 0, 0).expect("midnight exists");
        match self {
            Zone::Utc => midnight.and_utc(),
            Zone::Named(name) => day_start(name, midnight),
        }
    }

    /// The wall-clock time of `t` in this zone.
    pub fn local(&self, t: &DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::Utc => t.naive_utc(),
            Zone::Named(name) => wall_time(name, t),
        }
    }
}

/// On the server: a zone of the IANA database (chrono-tz).
#[cfg(feature = "ssr")]
fn zone_known(name: &str) -> bool {
    name.parse::<chrono_tz::Tz>().is_ok()
}

#[cfg(feature = "ssr")]
fn day_start(name: &str, midnight: NaiveDateTime) -> DateTime<Utc> {
    use chrono::TimeZone;
    match name.parse::<chrono_tz::Tz>() {
        Ok(tz) => match tz.from_local_datetime(&midnight) {
            chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
            chrono::LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
            // Midnight skipped (a clock change at 00:00): the day starts an hour later.
            chrono::LocalResult::None => tz
                .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
                .map_or(midnight.and_utc(), |t| t.with_timezone(&Utc)),
        },
        Err(_) => midnight.and_utc(),
    }
}

/// In the browser: the browser's offset at that wall time.
#[cfg(not(feature = "ssr"))]
fn day_start(name: &str, midnight: NaiveDateTime) -> DateTime<Utc> {
    let guess = midnight.and_utc();
    let ahead = wall_time(name, &guess) - guess.naive_utc();
    guess - ahead
}

#[cfg(feature = "ssr")]
fn wall_time(name: &str, t: &DateTime<Utc>) -> NaiveDateTime {
    name.parse::<chrono_tz::Tz>()
        .map(|tz| t.with_timezone(&tz).naive_local())
        .unwrap_or_else(|_| t.naive_utc())
}

/// In the browser (no zone database in the wasm): any plausible name; the wall time is the
/// browser's own for that instant (the cookie names the browser's zone).
#[cfg(not(feature = "ssr"))]
fn zone_known(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c))
}

#[cfg(all(not(feature = "ssr"), feature = "hydrate"))]
fn wall_time(_name: &str, t: &DateTime<Utc>) -> NaiveDateTime {
    let ms = wasm_bindgen::JsValue::from_f64(t.timestamp_millis() as f64);
    // Minutes from local time to UTC at that instant (daylight saving included).
    let behind = js_sys::Date::new(&ms).get_timezone_offset();
    t.naive_utc() - chrono::Duration::minutes(behind as i64)
}

#[cfg(all(not(feature = "ssr"), not(feature = "hydrate")))]
fn wall_time(_name: &str, t: &DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

/// A timestamp as the reader's clock shows it: "2026-11-27 16:25" in their zone, or with
/// "UTC" while the zone is not known.
pub fn fmt_datetime_in(t: &DateTime<Utc>, zone: &Zone) -> String {
    match zone {
        Zone::Utc => fmt_datetime(t),
        Zone::Named(_) => zone.local(t).format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// How long ago `t` was at `now`, in words ("just now", "3 hours ago", "in 2 days").
pub fn relative(t: &DateTime<Utc>, now: &DateTime<Utc>) -> String {
    let secs = (*now - *t).num_seconds();
    let (ahead, secs) = (secs < 0, secs.unsigned_abs());
    if secs < 45 {
        return "just now".into();
    }
    let (n, unit) = match secs {
        s if s < 3_600 => ((s + 30) / 60, "minute"),
        s if s < 86_400 => ((s + 1_800) / 3_600, "hour"),
        s if s < 30 * 86_400 => ((s + 43_200) / 86_400, "day"),
        s if s < 365 * 86_400 => (s / (30 * 86_400), "month"),
        s => (s / (365 * 86_400), "year"),
    };
    let n = n.max(1);
    let plural = if n == 1 { "" } else { "s" };
    if ahead {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
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
    fn relative_times_read_naturally() {
        let now: DateTime<Utc> = "2026-11-27T12:00:00Z".parse().unwrap();
        let ago = |secs: i64| relative(&(now - chrono::Duration::seconds(secs)), &now);
        assert_eq!(ago(10), "just now");
        assert_eq!(ago(60), "1 minute ago");
        assert_eq!(ago(59 * 60), "59 minutes ago");
        assert_eq!(ago(3 * 3600), "3 hours ago");
        assert_eq!(ago(36 * 3600), "2 days ago");
        assert_eq!(ago(45 * 86_400), "1 month ago");
        assert_eq!(ago(800 * 86_400), "2 years ago");
        assert_eq!(ago(-2 * 86_400), "in 2 days");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn times_show_in_the_named_zone_with_its_daylight_saving() {
        let t: DateTime<Utc> = "2026-07-01T12:30:00Z".parse().unwrap();
        let w: DateTime<Utc> = "2026-01-01T12:30:00Z".parse().unwrap();
        let manila = Zone::from_cookie(Some("Asia/Manila"));
        assert_eq!(fmt_datetime_in(&t, &manila), "2026-07-01 20:30");
        let berlin = Zone::from_cookie(Some("Europe/Berlin"));
        assert_eq!(fmt_datetime_in(&t, &berlin), "2026-07-01 14:30");
        assert_eq!(fmt_datetime_in(&w, &berlin), "2026-01-01 13:30");
        for bad in [None, Some(""), Some("Mars/Olympus"), Some("<script>")] {
            assert_eq!(Zone::from_cookie(bad), Zone::Utc);
        }
        assert_eq!(fmt_datetime_in(&t, &Zone::Utc), "2026-07-01 12:30 UTC");
        let day = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        assert_eq!(
            manila.start_of_day(day).to_rfc3339(),
            "2026-06-30T16:00:00+00:00"
        );
        assert_eq!(
            berlin.start_of_day(day).to_rfc3339(),
            "2026-06-30T22:00:00+00:00"
        );
        assert_eq!(
            Zone::Utc.start_of_day(day).to_rfc3339(),
            "2026-07-01T00:00:00+00:00"
        );
    }

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
