-- A customer's Activity lists the e-mails sent to them (issue #19): by customer, newest first.
create index email_outbox_customer_idx on email_outbox (customer_id, created_at) where customer_id is not null;
