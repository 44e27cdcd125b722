-- Saved import mappings (issue #17): a team's named column mappings, reused when a file
-- with the same headers comes again (the monthly export of the old system).
create table import_mapping (
    import_mapping_id integer primary key,
    name            text not null,
    -- lower(trim(name)): one mapping per name, whatever its case.
    name_key        text not null unique,
    -- JSON array of [header, target] pairs, in the file's column order.
    columns         text not null,
    default_country text not null default '',
    date_order      text not null default 'day_first',
    updated_by      integer not null references staff_user (staff_user_id),
    updated_at      timestamp not null
);
