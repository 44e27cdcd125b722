-- Labels: coloured tags on customers, with live usage counts kept by triggers, and delete
-- batches so one Undo restores a whole bulk delete.

create table label (
    label_id   integer primary key,
    name       text not null,
    -- Trimmed, lower-cased name (Unicode-aware, done by the app): uniqueness ignores case.
    name_key   text not null,
    -- '#rrggbb'
    color      text not null,
    -- Live (not deleted) customers carrying the label; kept by the triggers below.
    used       integer not null default 0,
    created_at timestamp not null,
    updated_at timestamp not null
);
create unique index label_name_key_uq on label (name_key);

create table customer_label (
    customer_id integer not null references customer (customer_id) on delete cascade,
    label_id    integer not null references label (label_id) on delete cascade,
    primary key (customer_id, label_id)
) without rowid;
-- "Customers with label X", in id order (the label filter and its counts).
create index customer_label_label_idx on customer_label (label_id, customer_id);

create trigger customer_label_ai after insert on customer_label begin
    update label set used = used + 1
    where label_id = new.label_id
      and exists (select 1 from customer where customer_id = new.customer_id and deleted_at is null);
end;
create trigger customer_label_ad after delete on customer_label begin
    update label set used = used - 1
    where label_id = old.label_id
      and exists (select 1 from customer where customer_id = old.customer_id and deleted_at is null);
end;
create trigger customer_label_live_au after update of deleted_at on customer
when (old.deleted_at is null) != (new.deleted_at is null) begin
    update label set used = used + (case when new.deleted_at is null then 1 else -1 end)
    where label_id in (select label_id from customer_label where customer_id = new.customer_id);
end;

-- Which bulk delete removed the customer: Undo restores exactly that batch.
alter table customer add column delete_batch text;
create index customer_delete_batch_idx on customer (delete_batch) where delete_batch is not null;
