-- Several app instances on one database: a worker claims a mail with a lease (who, until
-- when). A claim whose lease ran out — its worker stopped mid-send — is taken over by
-- another worker; no start-up sweep touches another instance's mail in flight.
alter table email_outbox add column claimed_by text;
alter table email_outbox add column lease_until timestamp;
create index email_outbox_lease_idx on email_outbox (lease_until) where status = 'sending';
-- A mail the previous version left mid-send is taken over at once (its worker is gone).
update email_outbox set lease_until = '1970-01-01T00:00:00Z' where status = 'sending';
