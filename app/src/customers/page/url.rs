//! The list's state in the URL (search, filters, sort, page size, view, page), so a copied
//! link or Back restores the view. One typed struct read and written by `serde_urlencoded`;
//! the keys and values are the ones existing links carry.

use crate::customers::list::{Cursor, CustomerQuery, SortKey};
use crate::customers::model::Status;
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
            "/customers?q=ana+cruz&status=inactive&labels=3%2C7&match=all&sort=last_name\
             &dir=desc&size=50&view=cards&cursor=a%3A42%3A2026-11-24T03%3A33%3A19Z&start=51"
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
        assert_eq!(ListUrl::parse(old), full());
        assert_eq!(ListUrl::parse(""), ListUrl::default());
    }

    #[test]
    fn unusable_values_are_dropped_one_by_one() {
        let u = ListUrl::parse(
            "q=x&status=gone&labels=1,zz,2&match=any&sort=nope&dir=up&size=abc&view=list\
             &cursor=garbage&start=-4&from=e2e",
        );
        assert_eq!(
            u,
            ListUrl {
                q: "x".into(),
                labels: vec![1, 2],
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
        assert_eq!(q.cursor.unwrap().id, 42);
        assert!(full().cards());
    }
}
