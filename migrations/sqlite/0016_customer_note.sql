-- Notes on a customer's profile (issue #19): plain text by any staff member (Support and
-- Accounting too: they are the ones who talk to customers); the author edits their own,
-- an Admin any; pinned ones first. Every change is audited on the customer.
create table customer_note (
    customer_note_id integer primary key,
    customer_id      integer not null references customer (customer_id) on delete cascade,
    body             text not null,
    pinned           boolean not null default false,
    author_id        integer references staff_user (staff_user_id),
    created_at       timestamp not null,
    updated_at       timestamp not null
);
create index customer_note_customer_idx on customer_note (customer_id, pinned, created_at);
