-- The Overview page (issue #19): its numbers are read from small tallies kept by triggers,
-- so the page costs the same at a million customers as at ten (no scan per view).
--
--   dim       key                              n = live customers …
--   country   ISO code ('' unknown)            in that country
--   created   'YYYY-MM-DD HH' (UTC hour)       created in that hour (the months are summed in
--                                              the reader's zone)
--   creator   'YYYY-MM-DD <staff id>' (UTC)    created that day by that staff member ('' = none)
--   net       'YYYY-MM-DD' (UTC)               change of the live count that day (+ created or
--                                              restored, − deleted): the 30-day change
--   portal    invited | active | disabled      with a portal account in that state
--   access    'YYYY-MM-DD HH' (UTC hour)       whose last portal access was in that hour
--   accessed  'all'                            who ever used the portal
-- Rows may fall to 0; they are never negative. `server/tests/it/overview.rs` recounts every
-- tally from the tables after a mix of changes and compares.
create table customer_stat (
    dim text not null,
    key text not null,
    n   integer not null,
    primary key (dim, key)
) without rowid;

-- A portal account's state, as `CustomerAccount::state` says it: disabled_at → disabled, a
-- password → active, an invitation → invited ('none' is not kept: "not invited" is every
-- other live customer).

create trigger customer_stat_ai after insert on customer when new.deleted_at is null begin
    insert into customer_stat (dim, key, n) values
        ('country', new.country, 1),
        ('created', strftime('%Y-%m-%d %H', new.created_at), 1),
        ('creator', date(new.created_at) || ' ' || coalesce(new.created_by, ''), 1),
        ('net', date('now'), 1)
    on conflict (dim, key) do update set n = n + excluded.n;
end;

create trigger customer_stat_au_old after update of country, created_at, created_by, deleted_at
on customer when old.deleted_at is null begin
    insert into customer_stat (dim, key, n) values
        ('country', old.country, -1),
        ('created', strftime('%Y-%m-%d %H', old.created_at), -1),
        ('creator', date(old.created_at) || ' ' || coalesce(old.created_by, ''), -1)
    on conflict (dim, key) do update set n = n + excluded.n;
end;

create trigger customer_stat_au_new after update of country, created_at, created_by, deleted_at
on customer when new.deleted_at is null begin
    insert into customer_stat (dim, key, n) values
        ('country', new.country, 1),
        ('created', strftime('%Y-%m-%d %H', new.created_at), 1),
        ('creator', date(new.created_at) || ' ' || coalesce(new.created_by, ''), 1)
    on conflict (dim, key) do update set n = n + excluded.n;
end;

-- Deleted or restored: the day's net change, and the portal tallies of their account.
create trigger customer_stat_live_au after update of deleted_at on customer
when (old.deleted_at is null) <> (new.deleted_at is null) begin
    insert into customer_stat (dim, key, n)
        values ('net', date('now'), case when new.deleted_at is null then 1 else -1 end)
    on conflict (dim, key) do update set n = n + excluded.n;
    insert into customer_stat (dim, key, n)
        select d.dim, d.key, case when new.deleted_at is null then 1 else -1 end
          from (select 'portal' as dim, case when pa.disabled_at is not null then 'disabled' when pa.password_hash is not null then 'active' when pa.invited_at is not null then 'invited' end as key
                  from portal_account pa where pa.customer_id = new.customer_id
                union all
                select 'access', strftime('%Y-%m-%d %H', pa.last_access_at)
                  from portal_account pa where pa.customer_id = new.customer_id
                union all
                select 'accessed', 'all'
                  from portal_account pa
                 where pa.customer_id = new.customer_id and pa.last_access_at is not null) d
         where d.key is not null
    on conflict (dim, key) do update set n = n + excluded.n;
end;

create trigger customer_stat_ad after delete on customer when old.deleted_at is null begin
    insert into customer_stat (dim, key, n) values
        ('country', old.country, -1),
        ('created', strftime('%Y-%m-%d %H', old.created_at), -1),
        ('creator', date(old.created_at) || ' ' || coalesce(old.created_by, ''), -1),
        ('net', date('now'), -1)
    on conflict (dim, key) do update set n = n + excluded.n;
end;

-- Portal accounts of live customers (one that moves to another customer — a merge — leaves
-- the first's tallies and joins the second's).
create trigger portal_stat_ai after insert on portal_account when exists (select 1 from customer c where c.customer_id = new.customer_id and c.deleted_at is null) begin
    insert into customer_stat (dim, key, n)
        select 'portal', case when new.disabled_at is not null then 'disabled' when new.password_hash is not null then 'active' when new.invited_at is not null then 'invited' end, 1 where case when new.disabled_at is not null then 'disabled' when new.password_hash is not null then 'active' when new.invited_at is not null then 'invited' end is not null
        union all select 'access', strftime('%Y-%m-%d %H', new.last_access_at), 1 where new.last_access_at is not null
        union all select 'accessed', 'all', 1 where new.last_access_at is not null
    on conflict (dim, key) do update set n = n + excluded.n;
end;

create trigger portal_stat_au_old
after update of customer_id, password_hash, invited_at, disabled_at, last_access_at on portal_account
when exists (select 1 from customer c where c.customer_id = old.customer_id and c.deleted_at is null)
 and (old.customer_id <> new.customer_id or case when old.disabled_at is not null then 'disabled' when old.password_hash is not null then 'active' when old.invited_at is not null then 'invited' end is not case when new.disabled_at is not null then 'disabled' when new.password_hash is not null then 'active' when new.invited_at is not null then 'invited' end
      or strftime('%Y-%m-%d %H', old.last_access_at) is not strftime('%Y-%m-%d %H', new.last_access_at)) begin
    insert into customer_stat (dim, key, n)
        select 'portal', case when old.disabled_at is not null then 'disabled' when old.password_hash is not null then 'active' when old.invited_at is not null then 'invited' end, -1 where case when old.disabled_at is not null then 'disabled' when old.password_hash is not null then 'active' when old.invited_at is not null then 'invited' end is not null
        union all select 'access', strftime('%Y-%m-%d %H', old.last_access_at), -1 where old.last_access_at is not null
        union all select 'accessed', 'all', -1 where old.last_access_at is not null
    on conflict (dim, key) do update set n = n + excluded.n;
end;

create trigger portal_stat_au_new
after update of customer_id, password_hash, invited_at, disabled_at, last_access_at on portal_account
when exists (select 1 from customer c where c.customer_id = new.customer_id and c.deleted_at is null)
 and (old.customer_id <> new.customer_id or case when old.disabled_at is not null then 'disabled' when old.password_hash is not null then 'active' when old.invited_at is not null then 'invited' end is not case when new.disabled_at is not null then 'disabled' when new.password_hash is not null then 'active' when new.invited_at is not null then 'invited' end
      or strftime('%Y-%m-%d %H', old.last_access_at) is not strftime('%Y-%m-%d %H', new.last_access_at)) begin
    insert into customer_stat (dim, key, n)
        select 'portal', case when new.disabled_at is not null then 'disabled' when new.password_hash is not null then 'active' when new.invited_at is not null then 'invited' end, 1 where case when new.disabled_at is not null then 'disabled' when new.password_hash is not null then 'active' when new.invited_at is not null then 'invited' end is not null
        union all select 'access', strftime('%Y-%m-%d %H', new.last_access_at), 1 where new.last_access_at is not null
        union all select 'accessed', 'all', 1 where new.last_access_at is not null
    on conflict (dim, key) do update set n = n + excluded.n;
end;

create trigger portal_stat_ad after delete on portal_account when exists (select 1 from customer c where c.customer_id = old.customer_id and c.deleted_at is null) begin
    insert into customer_stat (dim, key, n)
        select 'portal', case when old.disabled_at is not null then 'disabled' when old.password_hash is not null then 'active' when old.invited_at is not null then 'invited' end, -1 where case when old.disabled_at is not null then 'disabled' when old.password_hash is not null then 'active' when old.invited_at is not null then 'invited' end is not null
        union all select 'access', strftime('%Y-%m-%d %H', old.last_access_at), -1 where old.last_access_at is not null
        union all select 'accessed', 'all', -1 where old.last_access_at is not null
    on conflict (dim, key) do update set n = n + excluded.n;
end;

-- What existed before this migration.
insert into customer_stat (dim, key, n)
    select 'country', country, count(*) from customer where deleted_at is null group by country
    union all
    select 'created', strftime('%Y-%m-%d %H', created_at), count(*) from customer where deleted_at is null group by 2
    union all
    select 'creator', date(created_at) || ' ' || coalesce(created_by, ''), count(*)
      from customer where deleted_at is null group by 2
    union all
    -- History as far as the rows tell it: each customer arrived the day it was created and
    -- left the day it was deleted.
    select 'net', day, sum(d) from (
        select date(created_at) as day, 1 as d from customer
        union all
        select date(deleted_at), -1 from customer where deleted_at is not null
    ) group by day
    union all
    select 'portal', case when pa.disabled_at is not null then 'disabled' when pa.password_hash is not null then 'active' when pa.invited_at is not null then 'invited' end, count(*)
      from portal_account pa join customer c on c.customer_id = pa.customer_id
     where c.deleted_at is null and case when pa.disabled_at is not null then 'disabled' when pa.password_hash is not null then 'active' when pa.invited_at is not null then 'invited' end is not null group by 2
    union all
    select 'access', strftime('%Y-%m-%d %H', pa.last_access_at), count(*)
      from portal_account pa join customer c on c.customer_id = pa.customer_id
     where c.deleted_at is null and pa.last_access_at is not null group by 2
    union all
    select 'accessed', 'all', count(*)
      from portal_account pa join customer c on c.customer_id = pa.customer_id
     where c.deleted_at is null and pa.last_access_at is not null
    having count(*) > 0;
