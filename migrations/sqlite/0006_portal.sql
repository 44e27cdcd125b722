-- The customer portal: one login per customer (their e-mail), single-use link tokens
-- (invitation, password reset) stored only as SHA-256, and customer sessions kept apart
-- from staff sessions.

create table portal_account (
    customer_id         integer primary key references customer (customer_id) on delete cascade,
    created_at          timestamp not null,
    -- argon2id; null until the customer chooses a password (or staff set one).
    password_hash       text,
    -- The last invitation sent, and when its link stops working.
    invited_at          timestamp,
    invite_expires_at   timestamp,
    -- Set when the customer opened an invitation link and chose a password.
    verified_at         timestamp,
    password_changed_at timestamp,
    -- Staff switched portal access off (sessions end at once; login refused).
    disabled_at         timestamp,
    last_login_at       timestamp,
    -- Last sign-in or activity in the portal (refreshed at most once a minute).
    last_access_at      timestamp,
    -- The last invitation or reset link mailed (staff or forgot-password): at most one a minute.
    last_link_sent_at   timestamp,
    -- What the customer may do in the portal.
    can_edit_details    boolean not null default true,
    can_change_password boolean not null default true
);

create table portal_token (
    token_hash  text primary key,
    customer_id integer not null references customer (customer_id) on delete cascade,
    purpose     text not null check (purpose in ('invite', 'reset')),
    created_at  timestamp not null,
    expires_at  timestamp not null
);
create index portal_token_customer_idx on portal_token (customer_id, purpose);

create table portal_session (
    session_hash text primary key,
    customer_id  integer not null references customer (customer_id) on delete cascade,
    created_at   timestamp not null,
    last_seen_at timestamp not null,
    expires_at   timestamp not null,
    ip           text not null,
    user_agent   text not null
);
create index portal_session_customer_idx on portal_session (customer_id);
create index portal_session_expires_idx on portal_session (expires_at);

-- A deleted customer's sessions end and their links die, whichever way they were deleted
-- (one, a bulk delete); a restore does not bring them back.
create trigger customer_deleted_portal_au after update of deleted_at on customer
when new.deleted_at is not null and old.deleted_at is null
begin
    delete from portal_session where customer_id = new.customer_id;
    delete from portal_token where customer_id = new.customer_id;
    update portal_account set invite_expires_at = min(invite_expires_at, new.deleted_at)
     where customer_id = new.customer_id and invite_expires_at is not null;
end;
