-- Inactive keeps the customer's record disabled (issue #18, the ERPat manual): setting a
-- customer Inactive — one, the inline switch, a bulk action, an import — ends their portal
-- sessions at once. Their links and password stay: Active again restores access as it was
-- (sign-in and links check the status while Inactive).
create trigger customer_inactive_portal_au after update of status on customer
when new.status <> 'active' and old.status = 'active'
begin
    delete from portal_session where customer_id = new.customer_id;
end;
