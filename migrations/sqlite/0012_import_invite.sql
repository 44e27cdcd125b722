-- Portal invitations for the customers an import created (issue #17), sent at a gentle
-- rate after the import by a background pacer, never as one burst.
alter table import_batch add column invite integer not null default 0;
alter table import_batch add column invited_count integer not null default 0;
-- Customers it created that were not invited after all (deleted, Inactive, set up by hand).
alter table import_batch add column invite_skipped integer not null default 0;
-- When the pacer invited this customer (or decided not to: deleted, inactive).
alter table import_item add column invited_at timestamp;
create index import_item_to_invite_idx on import_item (import_batch_id, customer_id)
    where kind = 'created' and invited_at is null;
