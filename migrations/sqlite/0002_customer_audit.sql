-- Customers (soft delete, optimistic concurrency) and the append-only audit log.

create table customer (
    customer_id   integer primary key,
    first_name    text not null,
    middle_name   text not null default '',
    last_name     text not null,
    suffix        text not null default '',
    email         text not null,
    gender        text not null default 'unspecified'
                  check (gender in ('female', 'male', 'other', 'unspecified')),
    birthday      date,
    phone         text not null default '',
    -- E.164 form of phone, for search and duplicate detection.
    phone_e164    text not null default '',
    street        text not null default '',
    city          text not null default '',
    state         text not null default '',
    zip           text not null default '',
    -- ISO 3166-1 alpha-2, or '' when unknown.
    country       text not null default '',
    status        text not null default 'active' check (status in ('active', 'inactive')),
    contact_name  text not null default '',
    contact_email text not null default '',
    contact_phone text not null default '',
    created_at    timestamp not null,
    created_by    integer references staff_user (staff_user_id),
    updated_at    timestamp not null,
    updated_by    integer references staff_user (staff_user_id),
    -- Bumped by every change; an UPDATE names the version it started from.
    version       integer not null default 1,
    deleted_at    timestamp,
    deleted_by    integer references staff_user (staff_user_id)
);
-- One live customer per e-mail, whatever the case; deleted ones do not count.
create unique index customer_email_live_uq on customer (lower(email)) where deleted_at is null;
create index customer_deleted_idx on customer (deleted_at) where deleted_at is not null;

create table audit_event (
    audit_event_id integer primary key,
    at             timestamp not null,
    actor_id       integer,
    actor_name     text,
    actor_role     text,
    action         text not null,
    entity         text not null,
    entity_id      integer,
    -- JSON array of {"field", "old", "new"}.
    changes        text not null default '[]'
);
create index audit_event_entity_idx on audit_event (entity, entity_id, at);

-- Append-only, enforced by the database itself.
create trigger audit_event_no_update before update on audit_event
begin
    select raise(abort, 'audit_event is append-only');
end;
create trigger audit_event_no_delete before delete on audit_event
begin
    select raise(abort, 'audit_event is append-only');
end;
