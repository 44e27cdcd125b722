//! One statement with its bound values, run on the backend of the pool or connection it is
//! given. Shaped like sqlx's own `query`, `query_as`, `query_scalar` and `QueryBuilder`
//! (`bind`, `push`, `push_bind`, `fetch_*`, `execute`), so a store reads as sqlx code does.
//!
//! Values are collected as [`Arg`]s and handed to the backend's own argument buffer only
//! when the statement runs; a `None` keeps its type, so PostgreSQL gets a typed NULL.

use super::{Conn, Exec, Pool, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, Decode, FromRow, Postgres, Sqlite, Type};
use std::borrow::Cow;
use std::marker::PhantomData;

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub enum Arg<'q> {
    I64(Option<i64>),
    F64(Option<f64>),
    Bool(Option<bool>),
    Str(Option<&'q str>),
    String(Option<String>),
    Time(Option<DateTime<Utc>>),
    Date(Option<NaiveDate>),
    /// A list of ids (`db::ids`): JSON text on SQLite, `bigint[]` on PostgreSQL.
    Ids(Vec<i64>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! arg_from {
    ($variant:ident: $($t:ty => $conv:expr),* $(,)?) => {$(
        impl<'q> From<$t> for Arg<'q> {
            fn from(v: $t) -> Arg<'q> {
                let f: fn($t) -> _ = $conv;
                Arg::$variant(Some(f(v)))
            }
        }
        impl<'q> From<Option<$t>> for Arg<'q> {
            fn from(v: Option<$t>) -> Arg<'q> {
                let f: fn($t) -> _ = $conv;
                Arg::$variant(v.map(f))
            }
        }
    )*};
}

arg_from!(I64: i64 => |v| v, i32 => i64::from, u32 => i64::from, u16 => i64::from);
arg_from!(F64: f64 => |v| v);
arg_from!(Bool: bool => |v| v);
arg_from!(String: String => |v| v);
arg_from!(Time: DateTime<Utc> => |v| v);
arg_from!(Date: NaiveDate => |v| v);
arg_from!(Bytes: Vec<u8> => |v| v);

impl<'q> From<&'q str> for Arg<'q> {
    fn from(v: &'q str) -> Arg<'q> {
        Arg::Str(Some(v))
    }
}

impl<'q> From<Option<&'q str>> for Arg<'q> {
    fn from(v: Option<&'q str>) -> Arg<'q> {
        Arg::Str(v)
    }
}

impl<'q> From<&'q String> for Arg<'q> {
    fn from(v: &'q String) -> Arg<'q> {
        Arg::Str(Some(v))
    }
}

impl<'q> From<&'q Option<String>> for Arg<'q> {
    fn from(v: &'q Option<String>) -> Arg<'q> {
        Arg::Str(v.as_deref())
    }
}

fn encode_err(e: sqlx::error::BoxDynError) -> sqlx::Error {
    sqlx::Error::Encode(e)
}

/// Adds each value to a backend's argument buffer; `$ids` turns an id list into the
/// backend's form.
macro_rules! add_args {
    ($out:ident, $args:expr, |$v:ident| $ids:expr) => {{
        for a in $args {
            match a {
                Arg::I64(v) => $out.add(v),
                Arg::F64(v) => $out.add(v),
                Arg::Bool(v) => $out.add(v),
                Arg::Str(v) => $out.add(v),
                Arg::String(v) => $out.add(v),
                Arg::Time(v) => $out.add(v),
                Arg::Date(v) => $out.add(v),
                Arg::Ids($v) => $out.add($ids),
                Arg::Bytes(v) => $out.add(v),
            }
            .map_err(encode_err)?;
        }
        Ok($out)
    }};
}

fn sqlite_args<'q>(args: Vec<Arg<'q>>) -> Result<SqliteArguments<'q>, sqlx::Error> {
    let mut out = SqliteArguments::default();
    add_args!(out, args, |v| serde_json::to_string(&v)
        .expect("ids serialize"))
}

fn pg_args(args: Vec<Arg<'_>>) -> Result<PgArguments, sqlx::Error> {
    let mut out = PgArguments::default();
    add_args!(out, args, |v| v)
}

/// What a statement can run on: the pool (a connection of its own) or a connection that may
/// be inside a transaction.
pub trait Target<'c> {
    #[doc(hidden)]
    fn via(self) -> Via<'c>;
}

#[doc(hidden)]
pub enum Via<'c> {
    Pool(&'c Pool),
    Conn(&'c mut Conn),
}

impl<'c> Target<'c> for &'c Pool {
    fn via(self) -> Via<'c> {
        Via::Pool(self)
    }
}

impl<'c> Target<'c> for &'c mut Conn {
    fn via(self) -> Via<'c> {
        Via::Conn(self)
    }
}

impl<'c> Target<'c> for &'c mut Tx {
    fn via(self) -> Via<'c> {
        Via::Conn(&mut self.0)
    }
}

/// The turn at SQLite's write lock a write statement outside a transaction takes first
/// (see `gate`); `None` for reads, PostgreSQL and statements inside a transaction.
async fn write_turn(
    via: &Via<'_>,
    sql: &str,
) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, sqlx::Error> {
    let gate = match via {
        Via::Pool(Pool::Sqlite(p)) => Some(super::gate::of(p)),
        Via::Conn(c) => c.write_gate(),
        Via::Pool(Pool::Postgres(_)) => None,
    };
    match gate {
        Some(g) if super::gate::is_write(sql) => Ok(Some(super::gate::enter(g).await?)),
        _ => Ok(None),
    }
}

/// Runs `$body` with `$ex` the backend's executor, `$a` its argument buffer and `$keep`
/// whether to keep the prepared statement (false: PostgreSQL plans it with its values);
/// `$db` is the backend's sqlx type. The body is the same text on each backend.
macro_rules! on_backend {
    ($via:expr, $args:expr, $custom:expr, |$db:ident, $ex:ident, $a:ident, $keep:ident| $body:expr) => {
        match $via {
            Via::Pool(Pool::Sqlite($ex)) => {
                type $db = Sqlite;
                let $a = sqlite_args($args)?;
                let $keep = true;
                $body
            }
            Via::Pool(Pool::Postgres($ex)) => {
                type $db = Postgres;
                let $a = pg_args($args)?;
                let $keep = !$custom;
                $body
            }
            Via::Conn(c) => match c.exec() {
                Exec::Sqlite($ex) => {
                    type $db = Sqlite;
                    let $a = sqlite_args($args)?;
                    let $keep = true;
                    $body
                }
                Exec::Postgres($ex) => {
                    type $db = Postgres;
                    let $a = pg_args($args)?;
                    let $keep = !$custom;
                    $body
                }
            },
        }
    };
}

/// A row type both backends can read (`#[derive(sqlx::FromRow)]` gives both).
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// A single-column value both backends can decode.
pub trait Scalar:
    for<'r> Decode<'r, Sqlite>
    + Type<Sqlite>
    + for<'r> Decode<'r, Postgres>
    + Type<Postgres>
    + Send
    + Unpin
{
}
impl<T> Scalar for T where
    T: for<'r> Decode<'r, Sqlite>
        + Type<Sqlite>
        + for<'r> Decode<'r, Postgres>
        + Type<Postgres>
        + Send
        + Unpin
{
}

/// What a statement did.
#[derive(Debug, Clone, Copy)]
pub struct Done {
    rows: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows
    }
}

/// A statement and its values (`db::query`); also a builder (`push`, `push_bind`).
#[derive(Debug, Clone)]
pub struct Query<'q> {
    sql: Cow<'q, str>,
    args: Vec<Arg<'q>>,
    /// Plan with the bound values every time (PostgreSQL; see [`Query::plan_with_values`]).
    custom_plan: bool,
}

/// A statement written once for both backends.
pub fn query<'q>(sql: impl Into<Cow<'q, str>>) -> Query<'q> {
    Query {
        sql: sql.into(),
        args: Vec::new(),
        custom_plan: false,
    }
}

/// A statement whose rows are read as `T`.
pub fn query_as<'q, T: Record>(sql: impl Into<Cow<'q, str>>) -> QueryAs<'q, T> {
    query(sql).build_query_as()
}

/// A statement whose rows are one column, read as `T`.
pub fn query_scalar<'q, T: Scalar>(sql: impl Into<Cow<'q, str>>) -> QueryScalar<'q, T> {
    query(sql).build_query_scalar()
}

impl<'q> Query<'q> {
    /// Binds the next value (placeholders are written in the SQL).
    pub fn bind(mut self, v: impl Into<Arg<'q>>) -> Self {
        self.args.push(v.into());
        self
    }

    /// Appends SQL text.
    pub fn push(&mut self, sql: impl AsRef<str>) -> &mut Self {
        self.sql.to_mut().push_str(sql.as_ref());
        self
    }

    /// Appends a placeholder for the next value and binds it.
    pub fn push_bind(&mut self, v: impl Into<Arg<'q>>) -> &mut Self {
        self.args.push(v.into());
        let n = self.args.len();
        self.sql.to_mut().push_str(&format!("${n}"));
        self
    }

    /// The placeholder the next bound value gets (for a dialect fragment that names it).
    pub fn next_param(&self) -> String {
        format!("${}", self.args.len() + 1)
    }

    /// Binds the next value without writing its placeholder (the SQL already names it,
    /// see [`Query::next_param`]).
    pub fn add_arg(&mut self, v: impl Into<Arg<'q>>) -> &mut Self {
        self.args.push(v.into());
        self
    }

    /// Appends values separated by `sep` (e.g. an `in (…)` list).
    pub fn separated(&mut self, sep: &'static str) -> Separated<'_, 'q> {
        Separated {
            query: self,
            sep,
            first: true,
        }
    }

    /// Have PostgreSQL plan this statement with its values each time it runs (an unnamed
    /// statement) instead of a cached generic plan: for the list's search and filters, where
    /// `LIKE $1` or a label's share decide which index pays. No effect on SQLite.
    pub fn plan_with_values(&mut self) -> &mut Self {
        self.custom_plan = true;
        self
    }

    /// The SQL as it will run.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    pub fn build_query_as<T: Record>(self) -> QueryAs<'q, T> {
        QueryAs {
            query: self,
            row: PhantomData,
        }
    }

    pub fn build_query_scalar<T: Scalar>(self) -> QueryScalar<'q, T> {
        QueryScalar {
            query: self,
            row: PhantomData,
        }
    }

    pub async fn execute<'c>(self, target: impl Target<'c>) -> Result<Done, sqlx::Error> {
        let Query {
            sql,
            args,
            custom_plan,
        } = self;
        let via = target.via();
        let _turn = write_turn(&via, &sql).await?;
        let rows = on_backend!(via, args, custom_plan, |Db, ex, a, keep| {
            sqlx::query_with::<Db, _>(&sql, a)
                .persistent(keep)
                .execute(ex)
                .await?
                .rows_affected()
        });
        Ok(Done { rows })
    }
}

/// Values appended with a separator between them.
pub struct Separated<'b, 'q> {
    query: &'b mut Query<'q>,
    sep: &'static str,
    first: bool,
}

impl<'q> Separated<'_, 'q> {
    pub fn push_bind(&mut self, v: impl Into<Arg<'q>>) -> &mut Self {
        if !self.first {
            self.query.push(self.sep);
        }
        self.first = false;
        self.query.push_bind(v);
        self
    }
}

/// A statement whose rows are read as `T` (`db::query_as`).
#[derive(Debug, Clone)]
pub struct QueryAs<'q, T> {
    query: Query<'q>,
    row: PhantomData<fn() -> T>,
}

/// A statement whose rows are one column read as `T` (`db::query_scalar`).
#[derive(Debug, Clone)]
pub struct QueryScalar<'q, T> {
    query: Query<'q>,
    row: PhantomData<fn() -> T>,
}

/// One of sqlx's fetch methods on a typed statement, on the target's backend.
macro_rules! typed_fetch {
    ($method:ident, $out:ty, $with:ident) => {
        pub async fn $method<'c>(self, target: impl Target<'c>) -> Result<$out, sqlx::Error> {
            let Query {
                sql,
                args,
                custom_plan,
            } = self.query;
            let via = target.via();
            let _turn = write_turn(&via, &sql).await?;
            on_backend!(via, args, custom_plan, |Db, ex, a, keep| {
                sqlx::$with::<Db, T, _>(&sql, a)
                    .persistent(keep)
                    .$method(ex)
                    .await
            })
        }
    };
}

/// The typed statements' methods, the same for rows (`query_as_with`) and single columns
/// (`query_scalar_with`).
macro_rules! typed_query {
    ($name:ident, $bound:ident, $with:ident) => {
        impl<'q, T: $bound> $name<'q, T> {
            pub fn bind(mut self, v: impl Into<Arg<'q>>) -> Self {
                self.query = self.query.bind(v);
                self
            }

            /// See [`Query::plan_with_values`].
            pub fn plan_with_values(mut self) -> Self {
                self.query.custom_plan = true;
                self
            }

            typed_fetch!(fetch_all, Vec<T>, $with);
            typed_fetch!(fetch_optional, Option<T>, $with);
            typed_fetch!(fetch_one, T, $with);
        }
    };
}

typed_query!(QueryAs, Record, query_as_with);
typed_query!(QueryScalar, Scalar, query_scalar_with);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_bind_numbers_placeholders_in_order() {
        let mut q = query("select 1 from t where a = ");
        q.push_bind(1_i64).push(" and b in (");
        {
            let mut list = q.separated(", ");
            list.push_bind("x").push_bind(Some(2_i64));
        }
        q.push(")");
        assert_eq!(q.sql(), "select 1 from t where a = $1 and b in ($2, $3)");
        assert_eq!(q.args.len(), 3);
    }

    #[test]
    fn a_none_keeps_its_type() {
        let a: Arg = Option::<DateTime<Utc>>::None.into();
        assert!(matches!(a, Arg::Time(None)));
        let b: Arg = Option::<&str>::None.into();
        assert!(matches!(b, Arg::Str(None)));
    }
}
