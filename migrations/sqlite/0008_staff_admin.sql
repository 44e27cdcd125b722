-- Staff management: invitation links for new staff (SHA-256 of a 256-bit token, single use,
-- 7 days), and who last changed a staff member's password.
create table staff_token (
    token_hash    text primary key,
    staff_user_id integer not null references staff_user (staff_user_id) on delete cascade,
    purpose       text not null check (purpose in ('invite')),
    created_at    timestamp not null,
    expires_at    timestamp not null
);
create index staff_token_user_idx on staff_token (staff_user_id);
alter table staff_user add column password_changed_at timestamp;
-- Invited staff have no usable password until they accept.
alter table staff_user add column invited_at timestamp;
