-- The Overview page (issue #19): tallies kept by triggers, so the page costs the same at a
-- million customers as at ten. The keys are those of the SQLite migration (0018_overview):
--
--   dim       key                              n = live customers …
--   country   ISO code ('' unknown)            in that country
--   created   'YYYY-MM-DD HH' (UTC hour)       created in that hour
--   creator   'YYYY-MM-DD <staff id>' (UTC)    created that day by that staff member ('' = none)
--   net       'YYYY-MM-DD' (UTC)               change of the live count that day
--   portal    invited | active | disabled      with a portal account in that state
--   access    'YYYY-MM-DD HH' (UTC hour)       whose last portal access was in that hour
--   accessed  'all'                            who ever used the portal
create table customer_stat (
    dim text not null,
    key text not null,
    n   bigint not null,
    primary key (dim, key)
);

create function stat_hour(t timestamptz) returns text language sql immutable as $$
    select to_char(t at time zone 'UTC', 'YYYY-MM-DD HH24')
$$;
create function stat_day(t timestamptz) returns text language sql immutable as $$
    select to_char(t at time zone 'UTC', 'YYYY-MM-DD')
$$;
-- As `CustomerAccount::state` says it; null for 'none' (not kept).
create function portal_state(disabled_at timestamptz, password_hash text, invited_at timestamptz)
returns text language sql immutable as $$
    select case when disabled_at is not null then 'disabled'
                when password_hash is not null then 'active'
                when invited_at is not null then 'invited' end
$$;

-- One change of a tally.
create type stat_change as (dim text, key text, d bigint);

-- Applies a trigger's changes in one fixed order (dim, then key), summed, skipping those that
-- cancel out or have no key: two transactions then never wait on each other's rows in a
-- circle.
create function customer_stat_apply(changes stat_change[]) returns void language plpgsql as $$
declare
    r record;
begin
    for r in
        select c.dim, c.key, sum(c.d) as d
          from unnest(changes) c
         where c.key is not null
         group by c.dim, c.key
        having sum(c.d) <> 0
         order by c.dim, c.key
    loop
        insert into customer_stat (dim, key, n) values (r.dim, r.key, r.d)
        on conflict (dim, key) do update set n = customer_stat.n + excluded.n;
    end loop;
end;
$$;

-- A customer row's tallies, each with sign `s`: nothing for a deleted row; the net change
-- is today's (UTC). Its portal account's too (on insert it has none yet). A hard delete of
-- a live customer with a portal account would leave that account's portal tallies behind
-- (the cascade removes the account first); only the Trash's purge hard-deletes, and only
-- deleted customers.
create function customer_stat_terms(c customer, s bigint)
returns table (dim text, key text, d bigint) language sql stable as $$
    select x.dim, x.key, s
      from (values ('country', c.country),
                   ('created', stat_hour(c.created_at)),
                   ('creator', stat_day(c.created_at) || ' ' || coalesce(c.created_by::text, '')),
                   ('net', stat_day(now()))) x(dim, key)
     where c.deleted_at is null
    union all
    select x.dim, x.key, s
      from portal_account pa,
           lateral (values ('portal', portal_state(pa.disabled_at, pa.password_hash, pa.invited_at)),
                           ('access', stat_hour(pa.last_access_at)),
                           ('accessed', case when pa.last_access_at is not null then 'all' end)) x(dim, key)
     where pa.customer_id = c.customer_id and c.deleted_at is null
$$;

-- Statement-level: one summed upsert per statement (an import's 2,000-row insert is one),
-- applied in one key order so concurrent writers never wait on each other in a circle.
create function customer_stat_inserted() returns trigger language plpgsql as $$
begin
    insert into customer_stat (dim, key, n)
    select t.dim, t.key, sum(t.d) from new_rows c, lateral customer_stat_terms(c, 1) t
     where t.key is not null
     group by t.dim, t.key having sum(t.d) <> 0
     order by t.dim, t.key
    on conflict (dim, key) do update set n = customer_stat.n + excluded.n;
    return null;
end;
$$;
create function customer_stat_updated() returns trigger language plpgsql as $$
begin
    -- Only the rows whose counted columns changed (a bulk edit of other fields costs a join).
    insert into customer_stat (dim, key, n)
    select t.dim, t.key, sum(t.d)
      from old_rows o join new_rows n on n.customer_id = o.customer_id,
           lateral (select * from customer_stat_terms(o, -1)
                    union all select * from customer_stat_terms(n, 1)) t
     where t.key is not null
       and (o.country, o.created_at, o.created_by, o.deleted_at is null)
           is distinct from (n.country, n.created_at, n.created_by, n.deleted_at is null)
     group by t.dim, t.key having sum(t.d) <> 0
     order by t.dim, t.key
    on conflict (dim, key) do update set n = customer_stat.n + excluded.n;
    return null;
end;
$$;
create function customer_stat_deleted() returns trigger language plpgsql as $$
begin
    insert into customer_stat (dim, key, n)
    select t.dim, t.key, sum(t.d) from old_rows c, lateral customer_stat_terms(c, -1) t
     where t.key is not null
     group by t.dim, t.key having sum(t.d) <> 0
     order by t.dim, t.key
    on conflict (dim, key) do update set n = customer_stat.n + excluded.n;
    return null;
end;
$$;
create trigger customer_stat_ai after insert on customer
    referencing new table as new_rows
    for each statement execute function customer_stat_inserted();
create trigger customer_stat_au after update on customer
    referencing old table as old_rows new table as new_rows
    for each statement execute function customer_stat_updated();
create trigger customer_stat_ad after delete on customer
    referencing old table as old_rows
    for each statement execute function customer_stat_deleted();

-- Portal accounts of live customers (one that moves to another customer — a merge — leaves
-- the first's tallies and joins the second's).
create function portal_stat_change() returns trigger language plpgsql as $$
declare
    ch stat_change[] := '{}';
begin
    if tg_op in ('UPDATE', 'DELETE')
       and exists (select 1 from customer where customer_id = old.customer_id and deleted_at is null) then
        ch := ch || array[('portal', portal_state(old.disabled_at, old.password_hash, old.invited_at), -1)::stat_change,
                          ('access', stat_hour(old.last_access_at), -1)::stat_change,
                          ('accessed', case when old.last_access_at is not null then 'all' end, -1)::stat_change];
    end if;
    if tg_op in ('UPDATE', 'INSERT')
       and exists (select 1 from customer where customer_id = new.customer_id and deleted_at is null) then
        ch := ch || array[('portal', portal_state(new.disabled_at, new.password_hash, new.invited_at), 1)::stat_change,
                          ('access', stat_hour(new.last_access_at), 1)::stat_change,
                          ('accessed', case when new.last_access_at is not null then 'all' end, 1)::stat_change];
    end if;
    perform customer_stat_apply(ch);
    return null;
end;
$$;
create trigger portal_stat_ai after insert on portal_account
    for each row execute function portal_stat_change();
create trigger portal_stat_au
    after update of customer_id, password_hash, invited_at, disabled_at, last_access_at on portal_account
    for each row when (old.customer_id is distinct from new.customer_id
        or portal_state(old.disabled_at, old.password_hash, old.invited_at)
           is distinct from portal_state(new.disabled_at, new.password_hash, new.invited_at)
        or stat_hour(old.last_access_at) is distinct from stat_hour(new.last_access_at))
    execute function portal_stat_change();
create trigger portal_stat_ad after delete on portal_account
    for each row execute function portal_stat_change();

-- What existed before this migration.
insert into customer_stat (dim, key, n)
    select 'country', country, count(*) from customer where deleted_at is null group by country
    union all
    select 'created', stat_hour(created_at), count(*) from customer where deleted_at is null group by 2
    union all
    select 'creator', stat_day(created_at) || ' ' || coalesce(created_by::text, ''), count(*)
      from customer where deleted_at is null group by 2
    union all
    select 'net', day, sum(d) from (
        select stat_day(created_at) as day, 1 as d from customer
        union all
        select stat_day(deleted_at), -1 from customer where deleted_at is not null
    ) h group by day
    union all
    select 'portal', portal_state(pa.disabled_at, pa.password_hash, pa.invited_at), count(*)
      from portal_account pa join customer c on c.customer_id = pa.customer_id
     where c.deleted_at is null
       and portal_state(pa.disabled_at, pa.password_hash, pa.invited_at) is not null
     group by 2
    union all
    select 'access', stat_hour(pa.last_access_at), count(*)
      from portal_account pa join customer c on c.customer_id = pa.customer_id
     where c.deleted_at is null and pa.last_access_at is not null group by 2
    union all
    select 'accessed', 'all', count(*)
      from portal_account pa join customer c on c.customer_id = pa.customer_id
     where c.deleted_at is null and pa.last_access_at is not null
    having count(*) > 0;
