-- Merge duplicates (issue #19).
--
-- Finding them: the same e-mail once normalised (case; a `+tag`; for Gmail, dots too and
-- googlemail.com), the same phone (E.164), or the same name and birthday — each over an
-- index of live customers, so the search reads indexes, not rows.
alter table customer add column email_key text generated always as (
    case when instr(lower(email), '@') = 0 then lower(email)
             when substr(lower(email), instr(lower(email), '@') + 1) in ('gmail.com', 'googlemail.com')
             then replace((case when instr(substr(lower(email), 1, instr(lower(email), '@') - 1), '+') > 0 then substr(substr(lower(email), 1, instr(lower(email), '@') - 1), 1, instr(substr(lower(email), 1, instr(lower(email), '@') - 1), '+') - 1) else substr(lower(email), 1, instr(lower(email), '@') - 1) end), '.', '') || '@gmail.com'
             else (case when instr(substr(lower(email), 1, instr(lower(email), '@') - 1), '+') > 0 then substr(substr(lower(email), 1, instr(lower(email), '@') - 1), 1, instr(substr(lower(email), 1, instr(lower(email), '@') - 1), '+') - 1) else substr(lower(email), 1, instr(lower(email), '@') - 1) end) || '@' || substr(lower(email), instr(lower(email), '@') + 1) end
) virtual;
create index customer_live_email_key_idx on customer (email_key, customer_id) where deleted_at is null;
create index customer_live_phone_idx on customer (phone_e164, customer_id)
    where deleted_at is null and phone_e164 <> '';
create index customer_live_name_birthday_idx
    on customer (lower(first_name), lower(last_name), birthday, customer_id)
    where deleted_at is null and birthday is not null;

-- A merged customer is deleted (to the Trash) and points at the one it was merged into.
alter table customer add column merged_into integer references customer (customer_id) on delete set null;

-- Each merge, with what its Undo needs: the survivor as it was (its fields and labels, JSON),
-- its version after the merge (an Undo of a record changed since is refused), the notes
-- that moved (JSON ids) and whether the portal account moved.
create table customer_merge (
    customer_merge_id integer primary key,
    survivor_id       integer not null references customer (customer_id) on delete cascade,
    other_id          integer not null references customer (customer_id) on delete cascade,
    merged_at         timestamp not null,
    merged_by         integer references staff_user (staff_user_id),
    survivor_before   text not null,
    survivor_version  integer not null,
    -- The other's version once merged: Undo is refused if it changed (e.g. anonymised).
    other_version     integer not null,
    notes_moved       text not null,
    account_moved     boolean not null,
    undone_at         timestamp
);
create index customer_merge_survivor_idx on customer_merge (survivor_id);
create index customer_merge_other_idx on customer_merge (other_id);

-- Pairs someone marked "Not duplicates": not suggested again (the smaller id first).
create table duplicate_dismissal (
    customer_a   integer not null references customer (customer_id) on delete cascade,
    customer_b   integer not null references customer (customer_id) on delete cascade,
    dismissed_by integer references staff_user (staff_user_id),
    dismissed_at timestamp not null,
    primary key (customer_a, customer_b)
);
