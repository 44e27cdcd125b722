-- Inactive ends the customer's portal sessions (issue #18): see
-- migrations/sqlite/0013_inactive_portal.sql.
create function customer_inactive_portal() returns trigger language plpgsql as $$
begin
    delete from portal_session where customer_id = new.customer_id;
    return null;
end;
$$;
create trigger customer_inactive_portal_au after update of status on customer
    for each row when (new.status <> 'active' and old.status = 'active')
    execute function customer_inactive_portal();
