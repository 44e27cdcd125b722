-- The Audit log page: each event's source IP, and indexes for its filters (newest first by
-- id; by date, actor or action).
alter table audit_event add column ip text;
create index audit_event_at_idx on audit_event (at);
create index audit_event_actor_idx on audit_event (actor_role, actor_id, audit_event_id);
create index audit_event_action_idx on audit_event (action, audit_event_id);
