-- Imports from CSV / Excel (issue #17). An import is one batch: the customers it created
-- and changed are listed in import_item so that "Undo import" can remove and restore
-- exactly those, and leave alone any edited since (their version moved on).
create table import_batch (
    import_batch_id integer primary key,
    created_by      integer not null references staff_user (staff_user_id),
    created_at      timestamp not null,
    file_name       text not null,
    -- The uploaded file, on the disk of the instance that received it (removed when done).
    file_path       text not null,
    file_bytes      integer not null,
    -- JSON array: the header row of the file (or of the sheet the import reads).
    headers         text not null default '[]',
    -- uploaded → running → done | cancelled | failed; done → undone
    state           text not null default 'uploaded'
                    check (state in ('uploaded', 'running', 'done', 'cancelled', 'failed', 'undone')),
    -- JSON: the mapping and options the import ran with.
    options         text not null default '{}',
    total_rows      integer not null default 0,
    rows_done       integer not null default 0,
    created_count   integer not null default 0,
    updated_count   integer not null default 0,
    skipped_count   integer not null default 0,
    invalid_count   integer not null default 0,
    started_at      timestamp,
    finished_at     timestamp,
    undone_at       timestamp,
    undone_by       integer references staff_user (staff_user_id),
    -- Why it failed, in words for the user (a file that turned out unreadable part-way).
    error           text,
    -- Set by Cancel; the running import stops at its next chunk.
    cancel_requested integer not null default 0,
    -- Which instance runs it and until when it counts as alive (as the outbox's lease).
    claimed_by      text,
    lease_until     timestamp
);
create index import_batch_created_idx on import_batch (created_at);

create table import_item (
    import_batch_id integer not null references import_batch (import_batch_id),
    -- A purged customer (Trash, after its retention) leaves the batch with it.
    customer_id     integer not null references customer (customer_id) on delete cascade,
    -- 'created' or 'updated'
    kind            text not null check (kind in ('created', 'updated')),
    -- The customer's version right after the import wrote it: Undo leaves the customer
    -- alone if it moved on.
    version_after   integer not null,
    -- For 'updated': JSON object of the fields it changed, with their values before.
    old_values      text,
    primary key (import_batch_id, customer_id)
);

-- Rows that were not imported, with why (the downloadable report).
create table import_reject (
    import_batch_id integer not null references import_batch (import_batch_id),
    row_number      integer not null,
    -- JSON array of the row's cells as in the file.
    cells           text not null,
    reason          text not null,
    primary key (import_batch_id, row_number)
);
