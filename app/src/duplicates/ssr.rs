//! Finding duplicate candidates (three indexed GROUP BYs) and running a merge and its Undo
//! in one write transaction each.

use super::{Duplicates, MergeInput, Merged, Pair, Reason, Side, MAX_PAIRS};
use crate::audit::ssr::{record, Actor};
use crate::audit::{AuditAction, Entity, FieldChange};
use crate::auth::customer_account::move_account;
use crate::customers::model::Customer;
use crate::customers::store::import::live_with_ids;
use crate::customers::store::merge::{self as store, MERGE_FIELDS};
use crate::db::{self, Backend, Pool};
use crate::error::AppError;
use crate::notes::ssr::{move_all, move_back};
use chrono::Utc;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Groups read per reason, and ids per group (a phone shared by hundreds — a switchboard —
/// is one group; its first ids are enough to show).
const GROUPS: i64 = 500;
const IDS_PER_GROUP: usize = 20;

fn groups_sql(b: Backend) -> String {
    let ids = b.group_concat("customer_id", "','", "customer_id");
    format!(
        "select * from (select 'email' as reason, {ids} as ids from customer
                         where deleted_at is null
                         group by email_key having count(*) > 1 limit {GROUPS}) e
         union all
         select * from (select 'phone', {ids} from customer
                         where deleted_at is null and phone_e164 <> ''
                         group by phone_e164 having count(*) > 1 limit {GROUPS}) p
         union all
         select * from (select 'name_birthday', {ids} from customer
                         where deleted_at is null and birthday is not null
                         group by lower(first_name), lower(last_name), birthday
                        having count(*) > 1 limit {GROUPS}) n"
    )
}

/// Each group's oldest record paired with each of the others; a pair found for several
/// reasons is one pair with all of them. Newest pairs first.
fn pairs_of(groups: &[(String, String)]) -> Vec<((i64, i64), Vec<Reason>)> {
    let mut pairs: BTreeMap<(i64, i64), Vec<Reason>> = BTreeMap::new();
    for (reason, ids) in groups {
        let reason = match reason.as_str() {
            "email" => Reason::Email,
            "phone" => Reason::Phone,
            _ => Reason::NameBirthday,
        };
        let mut ids: Vec<i64> = ids
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        ids.sort_unstable();
        ids.truncate(IDS_PER_GROUP);
        for &other in ids.iter().skip(1) {
            let reasons = pairs.entry((ids[0], other)).or_default();
            if !reasons.contains(&reason) {
                reasons.push(reason);
                reasons.sort();
            }
        }
    }
    let mut out: Vec<_> = pairs.into_iter().collect();
    out.sort_by(|x, y| y.0 .1.cmp(&x.0 .1).then(y.0 .0.cmp(&x.0 .0)));
    out
}

fn side(c: &Customer) -> Side {
    Side {
        id: c.customer_id,
        name: c.full_name(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        country: c.country.clone(),
        created_at: c.created_at,
    }
}

pub async fn find(pool: &Pool) -> Result<Duplicates, AppError> {
    let b = pool.backend();
    let groups: Vec<(String, String)> = db::query_as(groups_sql(b)).fetch_all(pool).await?;
    let dismissed: HashSet<(i64, i64)> =
        db::query_as::<(i64, i64)>("select customer_a, customer_b from duplicate_dismissal")
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect();
    let mut pairs: Vec<_> = pairs_of(&groups)
        .into_iter()
        .filter(|(p, _)| !dismissed.contains(p))
        .collect();
    let more = pairs.len() > MAX_PAIRS;
    pairs.truncate(MAX_PAIRS);
    let ids: Vec<i64> = pairs.iter().flat_map(|((a, b), _)| [*a, *b]).collect();
    let mut conn = pool.acquire().await?;
    let people: HashMap<i64, Customer> = live_with_ids(&mut conn, &ids)
        .await?
        .into_iter()
        .map(|c| (c.customer_id, c))
        .collect();
    let pairs = pairs
        .into_iter()
        .filter_map(|((a, b), reasons)| {
            Some(Pair {
                a: side(people.get(&a)?),
                b: side(people.get(&b)?),
                reasons,
            })
        })
        .collect();
    Ok(Duplicates { pairs, more })
}

fn changed_since() -> AppError {
    AppError::Conflict(
        "One of the two customers was changed since you compared them. Compare them again.".into(),
    )
}

pub async fn merge(pool: &Pool, actor: &Actor, input: &MergeInput) -> Result<Merged, AppError> {
    if input.survivor == input.other {
        return Err(AppError::field("other", "Pick two different customers."));
    }
    if let Some(f) = input
        .from_other
        .iter()
        .find(|f| !MERGE_FIELDS.contains(&f.as_str()))
    {
        return Err(AppError::field(
            "from_other",
            format!("There is no field “{f}”."),
        ));
    }
    let now = Utc::now();
    let mut tx = db::begin_write(pool).await?;
    let both = live_with_ids(&mut tx, &[input.survivor, input.other]).await?;
    let find = |id: i64| both.iter().find(|c| c.customer_id == id).cloned();
    let (Some(survivor), Some(other)) = (find(input.survivor), find(input.other)) else {
        return Err(AppError::NotFound);
    };
    if survivor.version != input.survivor_version || other.version != input.other_version {
        return Err(changed_since());
    }
    let v = store::merged(&survivor, &other, &input.from_other);
    // The other first: its e-mail is free for the survivor to take.
    store::retire(&mut tx, actor, &other, &survivor, now)
        .await
        .map_err(|e| match e {
            AppError::Conflict(_) => changed_since(),
            e => e,
        })?;
    let version = store::merge_into(&mut tx, actor, &survivor, &other, &v, now)
        .await
        .map_err(|e| match e {
            AppError::Conflict(_) => changed_since(),
            e => e,
        })?;
    let notes = move_all(&mut tx, other.customer_id, survivor.customer_id).await?;
    let account_moved = move_account(&mut tx, other.customer_id, survivor.customer_id).await?;
    let before = serde_json::to_string(&survivor).map_err(|e| AppError::internal("merge", e))?;
    let notes = serde_json::to_string(&notes).map_err(|e| AppError::internal("merge", e))?;
    let merge_id: i64 = db::query_scalar(
        "insert into customer_merge (survivor_id, other_id, merged_at, merged_by, survivor_before,
                                     survivor_version, other_version, notes_moved, account_moved)
         values ($1, $2, $3, $4, $5, $6, $7 + 1, $8, $9) returning customer_merge_id",
    )
    .bind(survivor.customer_id)
    .bind(other.customer_id)
    .bind(now)
    .bind(actor.id)
    .bind(before)
    .bind(version)
    .bind(other.version)
    .bind(notes)
    .bind(account_moved)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Merged {
        merge_id,
        survivor: survivor.customer_id,
        other: other.customer_id,
    })
}

#[derive(sqlx::FromRow)]
struct MergeRow {
    survivor_id: i64,
    other_id: i64,
    survivor_before: String,
    survivor_version: i64,
    other_version: i64,
    notes_moved: String,
    account_moved: bool,
    undone: bool,
}

pub async fn undo(pool: &Pool, actor: &Actor, merge_id: i64) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = db::begin_write(pool).await?;
    let row = db::query_as::<MergeRow>(
        "select survivor_id, other_id, survivor_before, survivor_version, other_version, notes_moved,
                account_moved, undone_at is not null as undone
           from customer_merge where customer_merge_id = $1",
    )
    .bind(merge_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if row.undone {
        return Err(AppError::Conflict("This merge was undone already.".into()));
    }
    let Some(survivor) = live_with_ids(&mut tx, &[row.survivor_id]).await?.pop() else {
        return Err(AppError::Conflict(
            "The customer they were merged into was deleted since: restore it first.".into(),
        ));
    };
    if survivor.version != row.survivor_version {
        return Err(AppError::Conflict(format!(
            "{} changed {} after the merge, so it cannot be undone in one step.",
            survivor.updated_by_name.as_deref().unwrap_or("Someone"),
            survivor.full_name()
        )));
    }
    let mut before: Customer = serde_json::from_str(&row.survivor_before)
        .map_err(|e| AppError::internal("undo merge", e))?;
    // Labels deleted since the merge are not brought back.
    let wanted: Vec<i64> = before.labels.iter().map(|l| l.id).collect();
    let existing: Vec<i64> = db::query_scalar(format!(
        "select label_id from label where {}",
        tx.backend().in_ids("label_id", "$1")
    ))
    .bind(db::ids(&wanted))
    .fetch_all(&mut *tx)
    .await?;
    before.labels.retain(|l| existing.contains(&l.id));
    store::unmerge(&mut tx, actor, &survivor, &before, row.other_id, now).await?;
    let notes: Vec<i64> =
        serde_json::from_str(&row.notes_moved).map_err(|e| AppError::internal("undo merge", e))?;
    move_back(&mut tx, &notes, row.other_id).await?;
    if row.account_moved {
        move_account(&mut tx, row.survivor_id, row.other_id).await?;
    }
    store::unretire(
        &mut tx,
        actor,
        row.other_id,
        row.survivor_id,
        row.other_version,
        now,
    )
    .await?;
    db::query("update customer_merge set undone_at = $1 where customer_merge_id = $2")
        .bind(now)
        .bind(merge_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Anonymisation: the record as it was before a merge (kept for that merge's Undo, which
/// an anonymised survivor can no longer get: its version moved on) is forgotten.
pub async fn forget(conn: &mut db::Conn, id: i64) -> Result<(), sqlx::Error> {
    db::query("update customer_merge set survivor_before = '{}' where survivor_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn dismiss(pool: &Pool, actor: &Actor, a: i64, b: i64) -> Result<(), AppError> {
    let (a, b) = (a.min(b), a.max(b));
    if a == b {
        return Err(AppError::field("b", "Pick two different customers."));
    }
    let now = Utc::now();
    let mut tx = db::begin_write(pool).await?;
    if live_with_ids(&mut tx, &[a, b]).await?.len() != 2 {
        return Err(AppError::NotFound);
    }
    let added = db::query(
        "insert into duplicate_dismissal (customer_a, customer_b, dismissed_by, dismissed_at)
         values ($1, $2, $3, $4) on conflict do nothing",
    )
    .bind(a)
    .bind(b)
    .bind(actor.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if added.rows_affected() == 1 {
        for (id, other) in [(a, b), (b, a)] {
            let change = FieldChange {
                field: "not_duplicate_of".into(),
                old: None,
                new: Some(format!("#{other}")),
            };
            record(
                &mut tx,
                actor,
                AuditAction::DuplicateDismissed,
                Entity::Customer,
                Some(id),
                &[change],
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_become_pairs_around_the_oldest_with_every_reason() {
        let groups = vec![
            ("email".to_string(), "7,3".to_string()),
            ("phone".to_string(), "3,7,9".to_string()),
            ("name_birthday".to_string(), "12,15".to_string()),
        ];
        let pairs = pairs_of(&groups);
        assert_eq!(
            pairs,
            vec![
                ((12, 15), vec![Reason::NameBirthday]),
                ((3, 9), vec![Reason::Phone]),
                ((3, 7), vec![Reason::Email, Reason::Phone]),
            ]
        );
    }

    #[test]
    fn a_huge_group_shows_its_first_ids() {
        let ids: Vec<String> = (1..=500).map(|i| i.to_string()).collect();
        let pairs = pairs_of(&[("phone".into(), ids.join(","))]);
        assert_eq!(pairs.len(), IDS_PER_GROUP - 1);
    }
}
