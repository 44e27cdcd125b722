//! The list's state in the URL (search, filters, sort, page size, view, page), so a copied
//! link or Back restores the view. One typed struct read and written by `serde_urlencoded`;
//! the keys and values are the ones existing links carry.

use crate::customers::list::{Cursor, CustomerQuery, DateRange, LastAccess, SortKey};
use crate::customers::model::{Gender, Status};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `/customers?…` — fields in the order they are written; empty ones are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListUrl {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub q: String,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "word")]
    pub status: Option<Status>,
    /// Label ids, `labels=3,7`.
    #[serde(skip_serializing_if = "Vec::is_empty", with = "id_list")]
    pub labels: Vec<i64>,
    /// `match=all`: a customer must have every chosen label (else any of them).
    #[serde(
        rename = "match",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "word"
    )]
    pub label_match: Option<LabelMatch>,
    /// Country codes, `country=GB,US`.
    #[serde(
        rename = "country",
        skip_serializing_if = "Vec::is_empty",
        with = "code_list"
    )]
    pub countries: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "word")]
    pub gender: Option<Gender>,
    /// Days created, `created=2026-01-01..2026-03-31` (either side may be left out).
    #[serde(skip_serializing_if = "range_unset", with = "range")]
    pub created: DateRange,
    #[serde(skip_serializing_if = "range_unset", with = "range")]
    pub updated: DateRange,
    /// Last portal access: `never`, `7d`, `30d`, `90d`, `over90`.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "word")]
    pub access: Option<LastAccess>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "word")]
    pub sort: Option<SortKey>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "word")]
    pub dir: Option<Dir>,
    /// Rows per page; unset: the user's saved size.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "number")]
    pub size: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "word")]
    pub view: Option<View>,
    /// Where the page starts (keyset paging), `a:<id>:<key>` / `b:<id>:<key>`.
    #[serde(skip_serializing_if = "Option::is_none", with = "cursor")]
    pub cursor: Option<Cursor>,
    /// The position of the page's first row, for "21–40 of …".
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "number")]
    pub start: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelMatch {
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    Asc,
    Desc,
}

/// The table is the default; `view=cards` shows cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    Cards,
}

impl ListUrl {
    /// Reads a query string (with or without its `?`). A value the list cannot use is left
    /// out on its own (a hand-edited `size=abc` keeps the search); a query that is not a
    /// query at all (a key given twice) reads as the plain list.
    pub fn parse(search: &str) -> ListUrl {
        serde_urlencoded::from_str(search.strip_prefix('?').unwrap_or(search)).unwrap_or_default()
    }

    pub fn href(&self) -> String {
        match serde_urlencoded::to_string(self) {
            Ok(qs) if !qs.is_empty() => format!("/customers?{qs}"),
            _ => "/customers".to_string(),
        }
    }

    /// What the list asks the server for.
    pub fn query(&self) -> CustomerQuery {
        CustomerQuery {
            q: self.q.clone(),
            status: self.status,
            labels: self.labels.clone(),
            all_labels: self.label_match == Some(LabelMatch::All),
            countries: self.countries.clone(),
            gender: self.gender,
            created: self.created,
            updated: self.updated,
            access: self.access,
            // The server's to set (the request's zone).
            zone: Default::default(),
            sort: self.sort.unwrap_or_default(),
            desc: self.dir.map(|d| d == Dir::Desc),
            // 0: the server applies this user's saved page size.
            size: self.size.unwrap_or(0),
            cursor: self.cursor.clone(),
        }
    }

    pub fn cards(&self) -> bool {
        self.view == Some(View::Cards)
    }

    /// The position of the page's first row (1 on the first page).
    pub fn start(&self) -> i64 {
        self.start.unwrap_or(1).max(1)
    }

    /// Another search, filter, sort or page size starts again from the first page.
    pub fn first_page(&mut self) {
        self.cursor = None;
        self.start = None;
    }
}

/// A unit-variant enum from its name, or nothing if the name is unknown.
fn word<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::de::value::{Error, StrDeserializer};
    let s = String::deserialize(d)?;
    Ok(T::deserialize(StrDeserializer::<Error>::new(&s)).ok())
}

/// A number, or nothing if it is not one.
fn number<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
{
    Ok(String::deserialize(d)?.parse().ok())
}

mod id_list {
    use super::*;

    pub fn serialize<S: Serializer>(ids: &[i64], s: S) -> Result<S::Ok, S::Error> {
        let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        s.serialize_str(&list.join(","))
    }

    /// Ids that do not parse are skipped.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
        Ok(String::deserialize(d)?
            .split(',')
            .filter_map(|id| id.parse().ok())
            .collect())
    }
}

fn range_unset(r: &DateRange) -> bool {
    !r.is_set()
}

mod range {
    use super::*;

    pub fn serialize<S: Serializer>(r: &DateRange, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&r.encode())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateRange, D::Error> {
        Ok(DateRange::decode(&String::deserialize(d)?))
    }
}

mod code_list {
    use super::*;

    pub fn serialize<S: Serializer>(codes: &[String], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&codes.join(","))
    }

    /// Codes are upper-cased; anything that is not two letters is skipped.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        Ok(String::deserialize(d)?
            .split(',')
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
            .collect())
    }
}

mod cursor {
    use super::*;

    pub fn serialize<S: Serializer>(c: &Option<Cursor>, s: S) -> Result<S::Ok, S::Error> {
        match c {
            Some(c) => s.serialize_str(&c.encode()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cursor>, D::Error> {
        Ok(Cursor::decode(&String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> ListUrl {
        ListUrl {
            q: "ana cruz".into(),
            status: Some(Status::Inactive),
            labels: vec![3, 7],
            label_match: Some(LabelMatch::All),
            countries: vec!["GB".into(), "US".into()],
            gender: Some(Gender::Female),
            created: DateRange::decode("2026-01-01..2026-03-31"),
            updated: DateRange::decode("..2026-06-30"),
            access: Some(LastAccess::Within30),
            sort: Some(SortKey::LastName),
            dir: Some(Dir::Desc),
            size: Some(50),
            view: Some(View::Cards),
            cursor: Some(Cursor {
                after: true,
                key: "2026-11-24T03:33:19Z".into(),
                id: 42,
            }),
            start: Some(51),
        }
    }

    #[test]
    fn writes_the_keys_and_values_links_already_carry() {
        assert_eq!(
            full().href(),
            "/customers?q=ana+cruz&status=inactive&labels=3%2C7&match=all&country=GB%2CUS\
             &gender=female&created=2026-01-01..2026-03-31&updated=..2026-06-30&access=30d\
             &sort=last_name&dir=desc&size=50&view=cards&cursor=a%3A42%3A2026-11-24T03%3A33%3A19Z&start=51"
        );
        assert_eq!(ListUrl::default().href(), "/customers");
    }

    #[test]
    fn round_trips_and_reads_links_written_before_it() {
        let href = full().href();
        assert_eq!(ListUrl::parse(href.split_once('?').unwrap().1), full());
        // The hand-written URLs encoded spaces as %20 and took keys in any order.
        let old = "?start=51&cursor=a%3A42%3A2026-11-24T03%3A33%3A19Z&view=cards&size=50\
                   &dir=desc&sort=last_name&match=all&labels=3%2C7&status=inactive&q=ana%20cruz";
        assert_eq!(
            ListUrl::parse(old),
            ListUrl {
                countries: vec![],
                gender: None,
                created: DateRange::default(),
                updated: DateRange::default(),
                access: None,
                ..full()
            }
        );
        assert_eq!(ListUrl::parse(""), ListUrl::default());
    }

    #[test]
    fn unusable_values_are_dropped_one_by_one() {
        let u = ListUrl::parse(
            "q=x&status=gone&labels=1,zz,2&match=any&sort=nope&dir=up&size=abc&view=list\
             &cursor=garbage&start=-4&from=e2e&country=gb,USA,1x&gender=robot&access=1y\
             &created=soon..later",
        );
        assert_eq!(
            u,
            ListUrl {
                q: "x".into(),
                labels: vec![1, 2],
                countries: vec!["GB".into()],
                start: Some(-4),
                ..ListUrl::default()
            }
        );
        assert_eq!(u.start(), 1);
        let q = u.query();
        assert_eq!((q.sort, q.desc, q.size), (SortKey::Id, None, 0));
    }

    #[test]
    fn the_query_follows_the_url() {
        let q = full().query();
        assert_eq!(q.q, "ana cruz");
        assert_eq!(q.status, Some(Status::Inactive));
        assert_eq!(q.labels, vec![3, 7]);
        assert!(q.all_labels);
        assert_eq!(
            (q.sort, q.desc, q.size),
            (SortKey::LastName, Some(true), 50)
        );
        assert_eq!(q.countries, vec!["GB", "US"]);
        assert_eq!(q.gender, Some(Gender::Female));
        assert_eq!(q.created.encode(), "2026-01-01..2026-03-31");
        assert_eq!(q.updated.encode(), "..2026-06-30");
        assert_eq!(q.access, Some(LastAccess::Within30));
        assert_eq!(q.cursor.unwrap().id, 42);
        assert!(full().cards());
    }
}
