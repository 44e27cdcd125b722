-- The e-mail outbox: a mail is written in the same transaction as the action that causes
-- it; a worker delivers it (or, without SMTP, keeps it as an .eml file) exactly once.

create table email_outbox (
    email_id        integer primary key,
    created_at      timestamp not null,
    recipient       text not null,
    subject         text not null,
    body_text       text not null,
    body_html       text not null,
    -- What kind of mail (invitation, password_changed, …), for the Mail page.
    template        text not null,
    -- The customer it is about, if any.
    customer_id     integer references customer (customer_id) on delete set null,
    -- queued → sending → sent | failed; kept = stored as a file (no SMTP configured).
    status          text not null default 'queued'
                    check (status in ('queued', 'sending', 'sent', 'failed', 'kept')),
    attempts        integer not null default 0,
    next_attempt_at timestamp not null,
    last_error      text,
    sent_at         timestamp
);
create index email_outbox_due_idx on email_outbox (next_attempt_at) where status = 'queued';
create index email_outbox_created_idx on email_outbox (created_at);
