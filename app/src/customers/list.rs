//! The list's query (search, filters, sort, page) and its answer: shared by the page, the
//! server function and the export.

use super::model::{Customer, Status};
use serde::{Deserialize, Serialize};

pub const PAGE_SIZES: [u32; 4] = [10, 20, 50, 100];
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// Counts above this are shown as "10,000+" instead of being counted exactly.
pub const COUNT_CAP: i64 = 10_000;

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
    pub q: String,
    pub status: Option<Status>,
    pub sort: SortKey,
    /// Descending? Unset: newest first for ids and dates, A→Z for text.
    pub desc: Option<bool>,
    /// 10, 20, 50 or 100; anything else means "my saved page size".
    pub size: u32,
    pub cursor: Option<Cursor>,
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
        let n = group_thousands(self.n);
        if self.capped {
            format!("{n}+")
        } else {
            n
        }
    }
}

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
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1234), "1,234");
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
