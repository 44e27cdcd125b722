-- Which customers each export included (issue #19: a customer's Activity lists the exports
-- that had them). One row per export, whatever its size: the ids as a compact set
-- (`db::id_set`: sorted runs, deflated). Written only by the export.
create table export_set (
    export_set_id integer primary key,
    at            timestamp not null,
    actor_id      integer,
    actor_name    text,
    scope         text not null,
    row_count     integer not null,
    ids           blob not null
);
create index export_set_at_idx on export_set (at);
