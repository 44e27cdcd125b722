-- The list's further filters (issue #18): gender and last access get indexes of their own,
-- so a filter that matches few customers can lead a page (country and the dates already
-- have theirs, the sort indexes).
create index customer_live_gender_idx on customer (gender, customer_id) where deleted_at is null;
create index portal_account_access_idx on portal_account (last_access_at) where last_access_at is not null;
