-- Saved views of the Customers list (issue #18; the ERPat manual's "Best clients"): a named
-- search + filters + sort (the list's URL query) and the hidden columns. Personal (owner
-- set) or shared with the team (owner null; Admin manages those).
create table saved_view (
    saved_view_id  integer primary key,
    name           text not null,
    -- lower(trim(name)): one view per name and owner (or among the shared ones).
    name_key       text not null,
    owner_id       integer references staff_user (staff_user_id) on delete cascade,
    query          text not null,
    -- JSON array of column keys.
    hidden_columns text not null default '[]',
    -- null: written by `seed-demo` ("Best clients").
    updated_by     integer references staff_user (staff_user_id),
    updated_at     timestamp not null
);
create unique index saved_view_shared_uq on saved_view (name_key) where owner_id is null;
create unique index saved_view_owner_uq on saved_view (owner_id, name_key) where owner_id is not null;
