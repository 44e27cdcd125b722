-- Portal invitations after an import (issue #17): see migrations/sqlite/0012_import_invite.sql.
alter table import_batch add column invite bigint not null default 0;
alter table import_batch add column invited_count bigint not null default 0;
alter table import_batch add column invite_skipped bigint not null default 0;
alter table import_item add column invited_at timestamptz;
create index import_item_to_invite_idx on import_item (import_batch_id, customer_id)
    where kind = 'created' and invited_at is null;
