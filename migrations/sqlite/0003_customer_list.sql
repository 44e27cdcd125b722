-- The Customers list at a million rows: trigram full-text search, sort indexes for keyset
-- paging, live counters, and per-user preferences.

-- Search: names, email and phone digits, trigram-tokenised so any 3+ character substring
-- is found with MATCH. Contentless (the text lives in customer); kept in sync by triggers.
create virtual table customer_fts using fts5(
    name, email, phone,
    content = '', contentless_delete = 1, tokenize = 'trigram'
);

create trigger customer_fts_ai after insert on customer begin
    insert into customer_fts (rowid, name, email, phone)
    values (new.customer_id,
            new.first_name || ' ' || new.middle_name || ' ' || new.last_name || ' ' || new.suffix,
            new.email,
            ltrim(replace(new.phone_e164, '+', ''), '0'));
end;
create trigger customer_fts_au after update of first_name, middle_name, last_name, suffix, email, phone_e164
on customer begin
    delete from customer_fts where rowid = old.customer_id;
    insert into customer_fts (rowid, name, email, phone)
    values (new.customer_id,
            new.first_name || ' ' || new.middle_name || ' ' || new.last_name || ' ' || new.suffix,
            new.email,
            ltrim(replace(new.phone_e164, '+', ''), '0'));
end;
create trigger customer_fts_ad after delete on customer begin
    delete from customer_fts where rowid = old.customer_id;
end;

-- Keyset paging: one index per sortable column, over live rows, ending in the id.
create index customer_live_first_idx on customer (first_name collate nocase, customer_id) where deleted_at is null;
create index customer_live_last_idx on customer (last_name collate nocase, customer_id) where deleted_at is null;
create index customer_live_email_idx on customer (email collate nocase, customer_id) where deleted_at is null;
create index customer_live_country_idx on customer (country, customer_id) where deleted_at is null;
create index customer_live_status_idx on customer (status, customer_id) where deleted_at is null;
create index customer_live_created_idx on customer (created_at, customer_id) where deleted_at is null;
create index customer_live_updated_idx on customer (updated_at, customer_id) where deleted_at is null;

-- Exact live counts per status, so "1–50 of 1,000,000" never counts a million rows.
create table customer_count (
    status text primary key,
    live   integer not null
);
insert into customer_count (status, live) values ('active', 0), ('inactive', 0);
insert or replace into customer_count (status, live)
    select status, count(*) from customer where deleted_at is null group by status;

create trigger customer_count_ai after insert on customer when new.deleted_at is null begin
    update customer_count set live = live + 1 where status = new.status;
end;
create trigger customer_count_au after update of status, deleted_at on customer begin
    update customer_count set live = live - 1 where old.deleted_at is null and status = old.status;
    update customer_count set live = live + 1 where new.deleted_at is null and status = new.status;
end;
create trigger customer_count_ad after delete on customer when old.deleted_at is null begin
    update customer_count set live = live - 1 where status = old.status;
end;

-- Per-staff preferences (visible columns, page size, view), JSON values.
create table user_pref (
    staff_user_id integer not null references staff_user (staff_user_id) on delete cascade,
    pref_key      text not null,
    value         text not null,
    primary key (staff_user_id, pref_key)
);

-- Rows that existed before this migration.
insert into customer_fts (rowid, name, email, phone)
    select customer_id,
           first_name || ' ' || middle_name || ' ' || last_name || ' ' || suffix,
           email,
           ltrim(replace(phone_e164, '+', ''), '0')
    from customer;
