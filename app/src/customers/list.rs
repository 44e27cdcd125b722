//! The list's query (search, filters, sort, page) and its answer: shared by the page, the
//! server function and the export.

use super::model::{Customer, Status};
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
    pub sort: SortKey,
    /// Descending? Unset: newest first for ids and dates, A→Z for text.
    pub desc: Option<bool>,
    /// 10, 20, 50 or 100; anything else means "my saved page size".
    pub size: u32,
    pub cursor: Option<Cursor>,
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
);

/// At most this many labels in one filter (more is refused as a bad request).
pub const MAX_FILTER_LABELS: usize = 20;

impl CustomerQuery {
    /// Within the limits every query must keep (checked by the server before it runs).
    pub fn is_acceptable(&self) -> bool {
        self.labels.len() <= MAX_FILTER_LABELS
            && self.q.chars().count() <= 500
            && self
                .cursor
                .as_ref()
                .is_none_or(|c| self.sort.accepts_key(&c.key))
    }
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
pub fn matches_locally(c: &Customer, q: &CustomerQuery) -> bool {
    if q.status.is_some_and(|s| s != c.status) || !has_labels(c, q) {
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
            gender: Default::default(),
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
            last_access_at: None,
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
        )
        .into()
    }

    #[test]
    fn local_search_mirrors_the_server() {
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
            assert!(matches_locally(&c, &q(yes)), "{yes}");
        }
        for no in ["pedro", "maria cruz", "13", "0918 000"] {
            assert!(!matches_locally(&c, &q(no)), "{no}");
        }
        let inactive = CustomerQuery {
            status: Some(Status::Inactive),
            ..Default::default()
        };
        assert!(!matches_locally(&c, &inactive));
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
