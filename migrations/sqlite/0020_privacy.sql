-- A customer's data rights (issue #19). Anonymisation redacts the personal values in the
-- audit events about the customer (and the customer's own portal actions): the log stays
-- append-only for everything else. An UPDATE of audit_event is allowed only while a
-- redaction that the same transaction recorded first is open, and only of the values
-- (changes, the customer's name as actor, their IP): when, who, what and which field stay.
create table audit_redaction (
    audit_redaction_id integer primary key,
    entity             text not null,
    entity_id          integer not null,
    at                 timestamp not null,
    by_id              integer references staff_user (staff_user_id),
    open               boolean not null default true
);

drop trigger audit_event_no_update;
create trigger audit_event_no_update before update on audit_event
when not (
    new.audit_event_id = old.audit_event_id and new.at = old.at
    and new.actor_id is old.actor_id and new.actor_role is old.actor_role
    and new.action = old.action and new.entity = old.entity and new.entity_id is old.entity_id
    and exists (select 1 from audit_redaction r
                 where r.open and r.entity = 'customer'
                   and ((old.entity = 'customer' and r.entity_id = old.entity_id)
                        or (old.actor_role = 'customer' and r.entity_id = old.actor_id)))
)
begin
    select raise(abort, 'audit_event is append-only');
end;

-- The redactions themselves are a record: never deleted, only closed.
create trigger audit_redaction_no_update before update on audit_redaction
when not (old.open and not new.open and new.audit_redaction_id = old.audit_redaction_id
          and new.entity = old.entity and new.entity_id = old.entity_id and new.at = old.at
          and new.by_id is old.by_id)
begin
    select raise(abort, 'audit_redaction is append-only');
end;
create trigger audit_redaction_no_delete before delete on audit_redaction
begin
    select raise(abort, 'audit_redaction is append-only');
end;
