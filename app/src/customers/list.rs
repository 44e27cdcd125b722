//! The list's query (search, filters, sort, page) and its answer: shared by the page, the
//! server function and the export.

use super::model::{Customer, Gender, Status};
use crate::fmt::Zone;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub const PAGE_SIZES: [u32; 4] = [10, 20, 50, 100];
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// Counts above this are shown as "10,000+" instead of being counted exactly.
pub const COUNT_CAP: i64 = 10_000;

/// The list's columns: (key, header, sort key if sortable). Actions are always shown.
pub const COLUMNS: [(&str, &str, Option<SortKey>); 12] = [
    ("id", "User ID", Some(SortKey::Id)),
    ("first_name", "First name", Some(SortKey::FirstName)),
    ("last_name", "Last name", Some(SortKey::LastName)),
    ("email", "Email", Some(SortKey::Email)),
    ("contact", "Contact", None),
    ("birthday", "Birthday", None),
    ("country", "Country", Some(SortKey::Country)),
    ("labels", "Labels", None),
    ("status", "Status", Some(SortKey::Status)),
    ("created", "Date created", Some(SortKey::Created)),
    ("updated", "Date updated", Some(SortKey::Updated)),
    ("last_access", "Last access", None),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    Id,
    FirstName,
    LastName,
    Email,
    Country,
    Status,
    Created,
    Updated,
}

impl SortKey {
    pub const ALL: [SortKey; 8] = [
        SortKey::Id,
        SortKey::FirstName,
        SortKey::LastName,
        SortKey::Email,
        SortKey::Country,
        SortKey::Status,
        SortKey::Created,
        SortKey::Updated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Id => "id",
            SortKey::FirstName => "first_name",
            SortKey::LastName => "last_name",
            SortKey::Email => "email",
            SortKey::Country => "country",
            SortKey::Status => "status",
            SortKey::Created => "created",
            SortKey::Updated => "updated",
        }
    }

    pub fn parse(s: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Could `key` be a cursor's key for this sort? A date sort's key is a timestamp as
    /// either database writes it as text (a forged one is refused with a 400 instead of
    /// reaching the database's date parser); other keys are any text.
    pub fn accepts_key(self, key: &str) -> bool {
        use chrono::{DateTime, NaiveDateTime};
        match self {
            SortKey::Created | SortKey::Updated => {
                DateTime::parse_from_rfc3339(key).is_ok()
                    || DateTime::parse_from_str(key, "%Y-%m-%d %H:%M:%S%.f%#z").is_ok()
                    || NaiveDateTime::parse_from_str(key, "%Y-%m-%d %H:%M:%S%.f").is_ok()
                    || NaiveDateTime::parse_from_str(key, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
            }
            _ => true,
        }
    }
}

/// Where a page starts: just after (next) or just before (previous) a row, by its sort
/// value and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub after: bool,
    pub key: String,
    pub id: i64,
}

impl Cursor {
    /// `a:<id>:<key>` / `b:<id>:<key>` — compact enough for the URL.
    pub fn encode(&self) -> String {
        format!(
            "{}:{}:{}",
            if self.after { "a" } else { "b" },
            self.id,
            self.key
        )
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let (dir, rest) = s.split_once(':')?;
        let (id, key) = rest.split_once(':')?;
        Some(Cursor {
            after: dir == "a",
            key: key.to_string(),
            id: id.parse().ok()?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerQuery {
    /// Free text: any part of a name, an email, a User ID, phone digits in any format.
    /// Control and invisible characters (a pasted tab, a NUL) arrive as spaces.
    #[serde(deserialize_with = "spaces_for_forbidden")]
    pub q: String,
    pub status: Option<Status>,
    /// Label ids; a customer matches when it has any of them (or all, with `all_labels`).
    pub labels: Vec<i64>,
    pub all_labels: bool,
    /// Countries (ISO alpha-2): a customer matches when it is in any of them.
    pub countries: Vec<String>,
    pub gender: Option<Gender>,
    /// Days the customer was created on (both ends included; either may be open).
    pub created: DateRange,
    /// Days the customer was last updated on.
    pub updated: DateRange,
    /// When the customer last used the portal.
    pub access: Option<LastAccess>,
    /// The zone whose days the date filters mean: the server sets it from the request
    /// (the `tz` cookie), never from the client's JSON.
    #[serde(skip)]
    pub zone: Zone,
    pub sort: SortKey,
    /// Descending? Unset: newest first for ids and dates, A→Z for text.
    pub desc: Option<bool>,
    /// 10, 20, 50 or 100; anything else means "my saved page size".
    pub size: u32,
    pub cursor: Option<Cursor>,
}

/// Days for a date filter, both ends included; either end may be open. Days of the reader's
/// time zone (the query's `zone`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DateRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl DateRange {
    pub fn is_set(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }

    /// A range that ends before it starts matches nothing: refused instead, as are years
    /// outside 1900–2200 (no record has them; far ones overflow date arithmetic).
    pub fn is_valid(&self) -> bool {
        use chrono::Datelike;
        let sane = |d: Option<NaiveDate>| d.is_none_or(|d| (1900..=2200).contains(&d.year()));
        sane(self.from)
            && sane(self.to)
            && match (self.from, self.to) {
                (Some(f), Some(t)) => f <= t,
                _ => true,
            }
    }

    /// The instants it covers in `zone`: from the first day's start (included) to the start
    /// of the day after the last (excluded).
    pub fn instants(&self, zone: &Zone) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        (
            self.from.map(|d| zone.start_of_day(d)),
            self.to
                .and_then(|d| d.checked_add_days(Days::new(1)))
                .map(|d| zone.start_of_day(d)),
        )
    }

    pub fn contains(&self, t: DateTime<Utc>, zone: &Zone) -> bool {
        let (from, to) = self.instants(zone);
        from.is_none_or(|f| t >= f) && to.is_none_or(|e| t < e)
    }

    /// `2026-01-01..2026-03-31`, `2026-01-01..`, `..2026-03-31`; "" when open at both ends.
    pub fn encode(&self) -> String {
        if !self.is_set() {
            return String::new();
        }
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        format!("{}..{}", day(self.from), day(self.to))
    }

    /// Reads [`DateRange::encode`]'s form; a side that is not a date is left open.
    pub fn decode(s: &str) -> DateRange {
        let (from, to) = s.split_once("..").unwrap_or((s, ""));
        let day = |s: &str| s.trim().parse::<NaiveDate>().ok();
        DateRange {
            from: day(from),
            to: day(to),
        }
    }
}

/// The last-access filter's choices: never, within the last 7 / 30 / 90 days, or longer ago.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LastAccess {
    #[serde(rename = "never")]
    Never,
    #[serde(rename = "7d")]
    Within7,
    #[serde(rename = "30d")]
    Within30,
    #[serde(rename = "90d")]
    Within90,
    #[serde(rename = "over90")]
    Over90,
}

impl LastAccess {
    pub const ALL: [LastAccess; 5] = [
        LastAccess::Never,
        LastAccess::Within7,
        LastAccess::Within30,
        LastAccess::Within90,
        LastAccess::Over90,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LastAccess::Never => "never",
            LastAccess::Within7 => "7d",
            LastAccess::Within30 => "30d",
            LastAccess::Within90 => "90d",
            LastAccess::Over90 => "over90",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LastAccess::Never => "Never",
            LastAccess::Within7 => "Within 7 days",
            LastAccess::Within30 => "Within 30 days",
            LastAccess::Within90 => "Within 90 days",
            LastAccess::Over90 => "Over 90 days ago",
        }
    }

    pub fn parse(s: &str) -> Option<LastAccess> {
        LastAccess::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The instant the choice is measured from at `now`: accessed at or after it (within N
    /// days), or before it (over 90 days ago). None for "never".
    pub fn cutoff(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let days = match self {
            LastAccess::Never => return None,
            LastAccess::Within7 => 7,
            LastAccess::Within30 => 30,
            LastAccess::Within90 | LastAccess::Over90 => 90,
        };
        Some(now - chrono::Duration::days(days))
    }

    pub fn matches(self, last_access: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        match (self, last_access, self.cutoff(now)) {
            (LastAccess::Never, t, _) => t.is_none(),
            (_, None, _) | (_, _, None) => false,
            (LastAccess::Over90, Some(t), Some(cut)) => t < cut,
            (_, Some(t), Some(cut)) => t >= cut,
        }
    }
}

fn spaces_for_forbidden<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    Ok(s.chars()
        .map(|c| if crate::text::is_forbidden(c) { ' ' } else { c })
        .collect())
}

impl CustomerQuery {
    pub fn is_desc(&self) -> bool {
        self.desc.unwrap_or(matches!(
            self.sort,
            SortKey::Id | SortKey::Created | SortKey::Updated
        ))
    }

    pub fn page_size(&self) -> u32 {
        if PAGE_SIZES.contains(&self.size) {
            self.size
        } else {
            DEFAULT_PAGE_SIZE
        }
    }
}

/// A count that stops at [`COUNT_CAP`] when counting exactly would be slow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub n: i64,
    pub capped: bool,
}

impl Count {
    pub fn display(&self) -> String {
        let n = crate::fmt::group_thousands(self.n);
        if self.capped {
            format!("{n}+")
        } else {
            n
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPage {
    pub rows: Vec<Customer>,
    /// The page size used (the user's saved choice when the query did not name one).
    pub size: u32,
    pub total: Count,
    /// Cursor for the next page, if there is one.
    pub next: Option<Cursor>,
    /// Cursor for the previous page, if there is one.
    pub prev: Option<Cursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_cursor_keys_must_be_timestamps() {
        for key in [
            "2024-03-01 08:00:00.123+00:00",
            "2024-03-01 08:00:00.123456+00",
            "2024-03-01 08:00:00+00",
            "2024-03-01T08:00:00Z",
            "2024-03-01 08:00:00",
        ] {
            assert!(SortKey::Created.accepts_key(key), "{key}");
            assert!(SortKey::Updated.accepts_key(key), "{key}");
        }
        for key in [
            "",
            "garbage",
            "2024-13-45 99:99:99+00",
            "1; drop table customer",
        ] {
            assert!(!SortKey::Created.accepts_key(key), "{key}");
        }
        assert!(SortKey::LastName.accepts_key("garbage"));
    }

    #[test]
    fn cursor_round_trips_even_with_colons_in_the_key() {
        let c = Cursor {
            after: true,
            key: "2026-11-24T03:33:19Z".into(),
            id: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("garbage"), None);
    }

    #[test]
    fn counts_read_well() {
        assert_eq!(
            Count {
                n: 1_000_000,
                capped: false
            }
            .display(),
            "1,000,000"
        );
        assert_eq!(
            Count {
                n: 10_000,
                capped: true
            }
            .display(),
            "10,000+"
        );
    }

    #[test]
    fn odd_page_sizes_fall_back() {
        let q = CustomerQuery {
            size: 7,
            ..Default::default()
        };
        assert_eq!(q.page_size(), DEFAULT_PAGE_SIZE);
        let q = CustomerQuery {
            size: 100,
            ..Default::default()
        };
        assert_eq!(q.page_size(), 100);
    }
}

/// A compact customer for the browser's offline snapshot: enough to search, filter, sort
/// and show the list's columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRow(
    pub i64,
    pub String,
    pub String,
    pub String,
    pub String,
    pub String,
    pub String,
    pub Option<chrono::NaiveDate>,
    pub String,
    pub Status,
    pub chrono::DateTime<chrono::Utc>,
    pub chrono::DateTime<chrono::Utc>,
    pub Vec<crate::labels::LabelRef>,
    pub Gender,
    pub Option<chrono::DateTime<chrono::Utc>>,
);

/// At most this many labels in one filter (more is refused as a bad request).
pub const MAX_FILTER_LABELS: usize = 20;
/// At most this many countries in one filter.
pub const MAX_FILTER_COUNTRIES: usize = 50;

impl CustomerQuery {
    /// Within the limits every query must keep (checked by the server before it runs).
    pub fn is_acceptable(&self) -> bool {
        self.labels.len() <= MAX_FILTER_LABELS
            && self.countries.len() <= MAX_FILTER_COUNTRIES
            && self
                .countries
                .iter()
                .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
            && self.created.is_valid()
            && self.updated.is_valid()
            && self.q.chars().count() <= 500
            && self
                .cursor
                .as_ref()
                .is_none_or(|c| self.sort.accepts_key(&c.key))
    }
}

impl CustomerQuery {
    /// Any of the filters beyond status and labels (country, gender, dates, last access)?
    pub fn has_more_filters(&self) -> bool {
        !self.countries.is_empty()
            || self.gender.is_some()
            || self.created.is_set()
            || self.updated.is_set()
            || self.access.is_some()
    }

    /// How many filters are set (the search box aside): for "Clear filters (3)".
    pub fn filter_count(&self) -> usize {
        usize::from(self.status.is_some())
            + usize::from(!self.labels.is_empty())
            + usize::from(!self.countries.is_empty())
            + self.more_filter_count()
    }

    /// How many of "More filters" are set (gender, the two date ranges, last access).
    pub fn more_filter_count(&self) -> usize {
        usize::from(self.gender.is_some())
            + usize::from(self.created.is_set())
            + usize::from(self.updated.is_set())
            + usize::from(self.access.is_some())
    }
}

/// Does the customer pass every filter of the query (the search text aside)? The server's
/// SQL applies the same conditions; this checks a row read another way (an exact User ID
/// or e-mail hit) and the browser's cached rows when offline.
pub fn passes_filters(c: &Customer, q: &CustomerQuery, now: DateTime<Utc>) -> bool {
    q.status.is_none_or(|s| s == c.status)
        && has_labels(c, q)
        && (q.countries.is_empty() || q.countries.contains(&c.country))
        && q.gender.is_none_or(|g| g == c.gender)
        && q.created.contains(c.created_at, &q.zone)
        && q.updated.contains(c.updated_at, &q.zone)
        && q.access.is_none_or(|a| a.matches(c.last_access_at, now))
}

/// Does the customer pass the query's label filter?
pub fn has_labels(c: &Customer, q: &CustomerQuery) -> bool {
    if q.labels.is_empty() {
        return true;
    }
    let has = |id: &i64| c.labels.iter().any(|l| l.id == *id);
    if q.all_labels {
        q.labels.iter().all(has)
    } else {
        q.labels.iter().any(has)
    }
}

/// Snapshots are offered only while the whole list is this small.
pub const SNAPSHOT_MAX: i64 = 20_000;

/// The browser-side twin of the server's search, for the cached rows when offline: every
/// term must appear in the name, email or phone digits (case-insensitive), or be the User ID.
pub fn matches_locally(c: &Customer, q: &CustomerQuery, now: DateTime<Utc>) -> bool {
    if !passes_filters(c, q, now) {
        return false;
    }
    let text = q.q.trim();
    if text.is_empty() {
        return true;
    }
    if text.parse::<i64>().ok() == Some(c.customer_id) {
        return true;
    }
    let haystack = format!("{} {}", c.full_name(), c.email).to_lowercase();
    let phone_digits: String = c
        .phone_e164
        .chars()
        .filter(|ch| ch.is_ascii_digit())
        .collect();
    let phone_like = text
        .chars()
        .all(|ch| ch.is_ascii_digit() || " +-().".contains(ch));
    if phone_like {
        let digits: String = text.chars().filter(|ch| ch.is_ascii_digit()).collect();
        let core = digits.trim_start_matches('0');
        return !core.is_empty() && (phone_digits.contains(core) || haystack.contains(&digits));
    }
    text.split_whitespace()
        .all(|t| haystack.contains(&t.to_lowercase()))
}

/// Sort cached rows the way the server would.
pub fn sort_locally(rows: &mut [Customer], q: &CustomerQuery) {
    rows.sort_by(|a, b| {
        let ord = match q.sort {
            SortKey::Id => a.customer_id.cmp(&b.customer_id),
            SortKey::FirstName => a
                .first_name
                .to_lowercase()
                .cmp(&b.first_name.to_lowercase()),
            SortKey::LastName => a.last_name.to_lowercase().cmp(&b.last_name.to_lowercase()),
            SortKey::Email => a.email.to_lowercase().cmp(&b.email.to_lowercase()),
            SortKey::Country => a.country.cmp(&b.country),
            SortKey::Status => a.status.as_str().cmp(b.status.as_str()),
            SortKey::Created => a.created_at.cmp(&b.created_at),
            SortKey::Updated => a.updated_at.cmp(&b.updated_at),
        }
        .then(a.customer_id.cmp(&b.customer_id));
        if q.is_desc() {
            ord.reverse()
        } else {
            ord
        }
    });
}

impl From<SnapshotRow> for Customer {
    fn from(r: SnapshotRow) -> Customer {
        Customer {
            customer_id: r.0,
            first_name: r.1,
            middle_name: r.6,
            last_name: r.2,
            suffix: String::new(),
            email: r.3,
            gender: r.13,
            birthday: r.7,
            phone: r.4,
            phone_e164: r.5,
            street: String::new(),
            city: String::new(),
            state: String::new(),
            zip: String::new(),
            country: r.8,
            status: r.9,
            contact_name: String::new(),
            contact_email: String::new(),
            contact_phone: String::new(),
            created_at: r.10,
            created_by_name: None,
            updated_at: r.11,
            updated_by_name: None,
            version: 0,
            deleted_at: None,
            deleted_by_name: None,
            labels: r.12,
            portal_state: Default::default(),
            portal_verified: false,
            last_access_at: r.14,
        }
    }
}

#[cfg(test)]
mod local_tests {
    use super::*;

    fn customer(
        id: i64,
        first: &str,
        last: &str,
        email: &str,
        e164: &str,
        status: Status,
    ) -> Customer {
        let t = chrono::Utc::now();
        SnapshotRow(
            id,
            first.into(),
            last.into(),
            email.into(),
            String::new(),
            e164.into(),
            String::new(),
            None,
            "PH".into(),
            status,
            t,
            t,
            vec![],
            Gender::Female,
            None,
        )
        .into()
    }

    #[test]
    fn local_search_mirrors_the_server() {
        let now = chrono::Utc::now();
        let c = customer(
            12,
            "Maria",
            "Santos",
            "maria@example.com",
            "+639171234567",
            Status::Active,
        );
        let q = |s: &str| CustomerQuery {
            q: s.into(),
            ..Default::default()
        };
        for yes in [
            "maria",
            "SANT",
            "maria santos",
            "example.com",
            "12",
            "0917 123 4567",
            "+63 917",
            "",
        ] {
            assert!(matches_locally(&c, &q(yes), now), "{yes}");
        }
        for no in ["pedro", "maria cruz", "13", "0918 000"] {
            assert!(!matches_locally(&c, &q(no), now), "{no}");
        }
        let inactive = CustomerQuery {
            status: Some(Status::Inactive),
            ..Default::default()
        };
        assert!(!matches_locally(&c, &inactive, now));
    }

    #[test]
    fn the_other_filters_check_a_row_as_the_server_does() {
        let now = chrono::Utc::now();
        let mut c = customer(5, "Ana", "Cruz", "ana@example.com", "", Status::Active);
        c.created_at = "2026-03-10T23:59:59Z".parse().unwrap();
        c.updated_at = "2026-04-01T00:00:00Z".parse().unwrap();
        c.last_access_at = Some(now - chrono::Duration::days(10));
        let passes = |c: &Customer, q: CustomerQuery| passes_filters(c, &q, now);
        let day = |s: &str| Some(s.parse::<NaiveDate>().unwrap());
        assert!(passes(&c, CustomerQuery::default()));
        assert!(passes(
            &c,
            CustomerQuery {
                countries: vec!["US".into(), "PH".into()],
                gender: Some(Gender::Female),
                created: DateRange {
                    from: day("2026-03-10"),
                    to: day("2026-03-10")
                },
                updated: DateRange {
                    from: day("2026-04-01"),
                    to: None
                },
                access: Some(LastAccess::Within30),
                ..Default::default()
            }
        ));
        for no in [
            CustomerQuery {
                countries: vec!["US".into()],
                ..Default::default()
            },
            CustomerQuery {
                gender: Some(Gender::Male),
                ..Default::default()
            },
            CustomerQuery {
                created: DateRange {
                    from: day("2026-03-11"),
                    to: None,
                },
                ..Default::default()
            },
            CustomerQuery {
                created: DateRange {
                    from: None,
                    to: day("2026-03-09"),
                },
                ..Default::default()
            },
            CustomerQuery {
                updated: DateRange {
                    from: None,
                    to: day("2026-03-31"),
                },
                ..Default::default()
            },
            CustomerQuery {
                access: Some(LastAccess::Within7),
                ..Default::default()
            },
            CustomerQuery {
                access: Some(LastAccess::Never),
                ..Default::default()
            },
            CustomerQuery {
                access: Some(LastAccess::Over90),
                ..Default::default()
            },
        ] {
            assert!(!passes(&c, no.clone()), "{no:?}");
        }
        c.last_access_at = None;
        assert!(passes(
            &c,
            CustomerQuery {
                access: Some(LastAccess::Never),
                ..Default::default()
            }
        ));
        c.last_access_at = Some(now - chrono::Duration::days(91));
        assert!(passes(
            &c,
            CustomerQuery {
                access: Some(LastAccess::Over90),
                ..Default::default()
            }
        ));
        assert!(!passes(
            &c,
            CustomerQuery {
                access: Some(LastAccess::Within90),
                ..Default::default()
            }
        ));
    }

    #[test]
    fn date_ranges_read_and_write_the_url_form_and_must_run_forward() {
        let r = DateRange::decode("2026-01-01..2026-03-31");
        assert_eq!(r.encode(), "2026-01-01..2026-03-31");
        assert_eq!(DateRange::decode("..2026-03-31").encode(), "..2026-03-31");
        assert_eq!(DateRange::decode("2026-01-01..").encode(), "2026-01-01..");
        assert_eq!(DateRange::decode("junk..2026-13-01"), DateRange::default());
        assert_eq!(DateRange::default().encode(), "");
        assert!(!DateRange::decode("2026-02-01..2026-01-01").is_valid());
        assert!(!DateRange {
            from: NaiveDate::from_ymd_opt(262_000, 1, 1),
            to: None
        }
        .is_valid());
        assert!(!DateRange {
            from: None,
            to: NaiveDate::from_ymd_opt(1066, 10, 14)
        }
        .is_valid());
        let bad = CustomerQuery {
            created: DateRange::decode("2026-02-01..2026-01-01"),
            ..Default::default()
        };
        assert!(!bad.is_acceptable());
        for countries in [
            vec!["us".to_string()],
            vec!["USA".into()],
            vec!["U1".into()],
        ] {
            assert!(!CustomerQuery {
                countries,
                ..Default::default()
            }
            .is_acceptable());
        }
        assert!(CustomerQuery {
            countries: vec!["US".into()],
            ..Default::default()
        }
        .is_acceptable());
    }

    #[test]
    fn local_sort_follows_the_query() {
        let mut rows = vec![
            customer(1, "b", "Zed", "", "", Status::Active),
            customer(2, "a", "amy", "", "", Status::Active),
            customer(3, "c", "Bob", "", "", Status::Active),
        ];
        sort_locally(
            &mut rows,
            &CustomerQuery {
                sort: SortKey::LastName,
                ..Default::default()
            },
        );
        assert_eq!(
            rows.iter().map(|c| c.customer_id).collect::<Vec<_>>(),
            vec![2, 3, 1]
        );
        sort_locally(&mut rows, &CustomerQuery::default());
        assert_eq!(
            rows.iter().map(|c| c.customer_id).collect::<Vec<_>>(),
            vec![3, 2, 1]
        );
    }
}
