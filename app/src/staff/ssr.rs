//! Staff management storage and rules: the last active Admin cannot be demoted or
//! deactivated; deactivation, a password reset or a role change take effect on the next
//! request (sessions are deleted, and roles are read from the database on every request).

use super::{NewStaff, StaffMember};
use crate::audit::ssr::record;
use crate::audit::ssr::Actor;
use crate::audit::{AuditAction, Entity, FieldChange};
use crate::auth::ssr::{
    client_ip, create_session, hash_password, hash_token, new_token, see_other, session_cookie,
    session_token, throttle_clear, throttle_key, throttle_record_failure, throttle_retry_after,
    verify_password, SessionUser,
};
use crate::auth::{CurrentUser, Role};
use crate::db::UniqueViolation;
use crate::error::AppError;
use crate::mail::ssr::{enqueue, NewMail};
use crate::state::AppState;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{header, HeaderValue};
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use http::request::Parts;
use serde::Deserialize;
use sqlx::{SqliteConnection, SqlitePool};
use std::net::SocketAddr;

const ENTITY: Entity = Entity::StaffUser;
/// How long a staff invitation link works.
pub const INVITE_TTL_DAYS: i64 = 7;

#[derive(sqlx::FromRow)]
struct Row {
    staff_user_id: i64,
    name: String,
    email: String,
    role: String,
    active: bool,
    created_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
    invited_at: Option<DateTime<Utc>>,
}

impl Row {
    fn member(self) -> StaffMember {
        StaffMember {
            id: self.staff_user_id,
            name: self.name,
            email: self.email,
            role: Role::parse(&self.role).unwrap_or(Role::Support),
            active: self.active,
            created_at: self.created_at,
            last_login_at: self.last_login_at,
            invited: self.invited_at.is_some(),
        }
    }
}

const SELECT: &str = "select staff_user_id, name, email, role, active, created_at, last_login_at,
        invited_at from staff_user";

pub async fn list(pool: &SqlitePool) -> Result<Vec<StaffMember>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} order by name, email"))
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(Row::member).collect())
}

async fn get(conn: &mut SqliteConnection, id: i64) -> Result<Row, AppError> {
    sqlx::query_as(&format!("{SELECT} where staff_user_id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Refuse a change that would leave no active Admin.
async fn keep_an_admin(conn: &mut SqliteConnection, target: &Row) -> Result<(), AppError> {
    if target.role != Role::Admin.as_str() || !target.active {
        return Ok(());
    }
    let others: i64 = sqlx::query_scalar(
        "select count(*) from staff_user where role = 'admin' and active and staff_user_id != $1",
    )
    .bind(target.staff_user_id)
    .fetch_one(conn)
    .await?;
    if others == 0 {
        return Err(AppError::Conflict(
            "There must always be at least one active Admin.".into(),
        ));
    }
    Ok(())
}

async fn queue_mail(
    conn: &mut SqliteConnection,
    to: &str,
    subject: &str,
    text: String,
    template: &str,
) -> Result<(), sqlx::Error> {
    let html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">{}</body></html>",
        text.split("\n\n")
            .map(|p| format!("<p>{}</p>", crate::mail::compose::escape_html(p)))
            .collect::<String>()
    );
    enqueue(
        conn,
        &NewMail {
            recipient: to,
            subject,
            body_text: &text,
            body_html: &html,
            template,
            customer_id: None,
        },
    )
    .await?;
    Ok(())
}

/// A new staff member that passed the Staff page's rules.
struct ValidNewStaff {
    name: String,
    email: String,
    role: Role,
    /// `None`: invite by e-mail.
    password: Option<String>,
}

/// The one set of rules for a new staff member (Staff page, CLI, first Admin): a name, an
/// e-mail address (`Email`'s rule), a role, and a password that passes the policy — or
/// none, for an invitation.
async fn validate_new(input: &NewStaff) -> Result<ValidNewStaff, AppError> {
    let mut errors = crate::error::FieldErrors::new();
    let name = input.name.trim().to_string();
    let email = match crate::email::Email::parse(&input.email) {
        Ok(e) => e.to_lowercase(),
        Err(m) => {
            errors.insert("email".into(), m.into());
            String::new()
        }
    };
    if name.is_empty() || name.chars().count() > 100 {
        errors.insert(
            "name".into(),
            "Enter a name (at most 100 characters).".into(),
        );
    }
    if input.role.is_none() {
        errors.insert("role".into(), "Choose a role.".into());
    }
    if !input.password.is_empty() {
        if let Err(m) = crate::auth::password::check_password(&input.password, &name, &email).await
        {
            errors.insert("password".into(), m);
        }
    }
    match input.role {
        Some(role) if errors.is_empty() => Ok(ValidNewStaff {
            name,
            email,
            role,
            password: (!input.password.is_empty()).then(|| input.password.clone()),
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

/// "+ Add staff" on the Staff page: with a password, or by invitation e-mail.
pub async fn create(
    st: &AppState,
    actor: &CurrentUser,
    input: NewStaff,
) -> Result<StaffMember, AppError> {
    let valid = validate_new(&input).await?;
    let invite = valid.password.is_none();
    let id = insert(
        &st.pool,
        &actor.actor(),
        &actor.name,
        valid,
        &st.auth.public_base_url,
    )
    .await?;
    if invite {
        st.mail_wake.notify_one();
    }
    let row = get(&mut *st.pool.acquire().await?, id).await?;
    Ok(row.member())
}

/// A staff member with a password, from the command line or the first start (the same
/// rules and the same audit event as the Staff page; the actor is the app itself).
pub async fn create_with_password(
    pool: &SqlitePool,
    email: &str,
    name: &str,
    role: Role,
    password: &str,
) -> Result<i64, AppError> {
    let valid = validate_new(&NewStaff {
        name: name.into(),
        email: email.into(),
        role: Some(role),
        password: password.into(),
    })
    .await?;
    insert(pool, &Actor::system(), "Customers", valid, "").await
}

async fn insert(
    pool: &SqlitePool,
    actor: &Actor,
    inviter: &str,
    valid: ValidNewStaff,
    base_url: &str,
) -> Result<i64, AppError> {
    let ValidNewStaff {
        name,
        email,
        role,
        password,
    } = valid;
    let invite = password.is_none();
    // Invited staff get a hash nobody knows the password of until they accept.
    let hash = hash_password(password.unwrap_or_else(|| new_token().0)).await?;
    let now = Utc::now();
    let mut tx = crate::db::begin_write(pool).await?;
    let taken = || AppError::field("email", "A staff user with this e-mail already exists.");
    let id: i64 = sqlx::query_scalar(
        "insert into staff_user (email, name, role, password_hash, active, created_at, invited_at)
         values ($1, $2, $3, $4, true, $5, $6) returning staff_user_id",
    )
    .bind(&email)
    .bind(&name)
    .bind(role.as_str())
    .bind(hash)
    .bind(now)
    .bind(invite.then_some(now))
    .fetch_one(&mut *tx)
    .await
    .on_unique(taken)?;
    if invite {
        let (token, token_hash) = new_token();
        sqlx::query(
            "insert into staff_token (token_hash, staff_user_id, purpose, created_at, expires_at)
             values ($1, $2, 'invite', $3, $4)",
        )
        .bind(token_hash)
        .bind(id)
        .bind(now)
        .bind(now + Duration::days(INVITE_TTL_DAYS))
        .execute(&mut *tx)
        .await?;
        let link = format!("{base_url}/staff/accept?token={token}");
        let text = format!(
            "Hello {name},\n\n{inviter} has added you to Customers as {}. Open this link to choose your password (it works once, for {INVITE_TTL_DAYS} days):\n\n{link}\n\nIf you did not expect this e-mail, you can ignore it.",
            role.label()
        );
        queue_mail(
            &mut tx,
            &email,
            "You have been added to Customers",
            text,
            "staff_invitation",
        )
        .await?;
    }
    record(
        &mut tx,
        actor,
        AuditAction::StaffCreate,
        ENTITY,
        Some(id),
        &[
            FieldChange::new("email", None, Some(&email)),
            FieldChange::new("role", None, Some(role.as_str())),
            FieldChange::new(
                "password",
                None,
                Some(if invite {
                    "invitation e-mailed"
                } else {
                    "set by an Admin"
                }),
            ),
        ],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn set_role(
    pool: &SqlitePool,
    actor: &CurrentUser,
    id: i64,
    role: Role,
) -> Result<StaffMember, AppError> {
    let now = Utc::now();
    let mut tx = pool.begin_with("begin immediate").await?;
    let row = get(&mut tx, id).await?;
    if row.role == role.as_str() {
        return Ok(row.member());
    }
    if role != Role::Admin {
        keep_an_admin(&mut tx, &row).await?;
    }
    sqlx::query("update staff_user set role = $1 where staff_user_id = $2")
        .bind(role.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        &actor.actor(),
        AuditAction::StaffRole,
        ENTITY,
        Some(id),
        &[FieldChange::new(
            "role",
            Some(&row.role),
            Some(role.as_str()),
        )],
        now,
    )
    .await?;
    let row = get(&mut tx, id).await?;
    tx.commit().await?;
    Ok(row.member())
}

pub async fn set_active(
    pool: &SqlitePool,
    actor: &CurrentUser,
    id: i64,
    active: bool,
) -> Result<StaffMember, AppError> {
    let now = Utc::now();
    if !active && id == actor.id {
        return Err(AppError::Conflict(
            "You cannot deactivate yourself; ask another Admin.".into(),
        ));
    }
    let mut tx = pool.begin_with("begin immediate").await?;
    let row = get(&mut tx, id).await?;
    if row.active == active {
        return Ok(row.member());
    }
    if !active {
        keep_an_admin(&mut tx, &row).await?;
    }
    sqlx::query("update staff_user set active = $1 where staff_user_id = $2")
        .bind(active)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if !active {
        sqlx::query("delete from staff_session where staff_user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from staff_token where staff_user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let (action, old, new) = if active {
        (AuditAction::StaffReactivate, "inactive", "active")
    } else {
        (AuditAction::StaffDeactivate, "active", "inactive")
    };
    record(
        &mut tx,
        &actor.actor(),
        action,
        ENTITY,
        Some(id),
        &[FieldChange::new("status", Some(old), Some(new))],
        now,
    )
    .await?;
    let row = get(&mut tx, id).await?;
    tx.commit().await?;
    Ok(row.member())
}

pub async fn reset_password(
    st: &AppState,
    actor: &CurrentUser,
    id: i64,
    password: &str,
    notify: bool,
) -> Result<StaffMember, AppError> {
    let row = get(&mut *st.pool.acquire().await?, id).await?;
    crate::auth::password::check_password(password, &row.name, &row.email)
        .await
        .map_err(|m| AppError::field("password", m))?;
    let hash = hash_password(password.to_string()).await?;
    let now = Utc::now();
    let mut tx = st.pool.begin_with("begin immediate").await?;
    sqlx::query(
        "update staff_user set password_hash = $1, password_changed_at = $2, invited_at = null
         where staff_user_id = $3",
    )
    .bind(hash)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("delete from staff_session where staff_user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("delete from staff_token where staff_user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if notify {
        let text = format!(
            "Hello {},\n\n{} has set a new password for your Customers account. For your security this e-mail does not contain it; ask them for it, or contact them if you did not expect this.\n\nSign in: {}/login",
            row.name, actor.name, st.auth.public_base_url
        );
        queue_mail(
            &mut tx,
            &row.email,
            "Your Customers password was changed",
            text,
            "staff_password_changed",
        )
        .await?;
    }
    record(
        &mut tx,
        &actor.actor(),
        AuditAction::StaffPasswordReset,
        ENTITY,
        Some(id),
        &[
            FieldChange::new("password", None, Some("set by an Admin")),
            FieldChange::new(
                "notification",
                None,
                Some(if notify { "e-mailed" } else { "not sent" }),
            ),
        ],
        now,
    )
    .await?;
    let row = get(&mut tx, id).await?;
    tx.commit().await?;
    if notify {
        st.mail_wake.notify_one();
    }
    Ok(row.member())
}

pub async fn change_own_password(
    st: &AppState,
    me: &CurrentUser,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let pool = &st.pool;
    let now = Utc::now();
    let key = throttle_key(&format!("staff-password|{}", me.id), "");
    if let Some(secs) = throttle_retry_after(pool, &key, now).await? {
        return Err(AppError::TooManyRequests {
            retry_after_secs: secs,
        });
    }
    throttle_record_failure(pool, &key, now).await?;
    let hash: String =
        sqlx::query_scalar("select password_hash from staff_user where staff_user_id = $1")
            .bind(me.id)
            .fetch_one(pool)
            .await?;
    if current.len() > 1024 || !verify_password(current.to_string(), Some(hash)).await {
        return Err(AppError::field(
            "current",
            "This is not your current password.",
        ));
    }
    throttle_clear(pool, &key).await?;
    crate::auth::password::check_password(new, &me.name, &me.email)
        .await
        .map_err(|m| AppError::field("new", m))?;
    let hash = hash_password(new.to_string()).await?;
    let this_session = leptos::prelude::use_context::<Parts>()
        .and_then(|p| {
            p.extensions
                .get::<SessionUser>()
                .map(|s| s.session_hash.clone())
        })
        .unwrap_or_default();
    let mut tx = pool.begin_with("begin immediate").await?;
    sqlx::query(
        "update staff_user set password_hash = $1, password_changed_at = $2 where staff_user_id = $3",
    )
    .bind(hash)
    .bind(now)
    .bind(me.id)
    .execute(&mut *tx)
    .await?;
    // Other devices sign in again; this one stays.
    sqlx::query("delete from staff_session where staff_user_id = $1 and session_hash != $2")
        .bind(me.id)
        .bind(this_session)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        &me.actor(),
        AuditAction::PasswordChanged,
        ENTITY,
        Some(me.id),
        &[FieldChange::new(
            "password",
            None,
            Some("changed by themselves"),
        )],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The staff member a still-usable invitation token belongs to.
pub async fn token_staff(pool: &SqlitePool, token: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "select t.staff_user_id from staff_token t
           join staff_user u on u.staff_user_id = t.staff_user_id
          where t.token_hash = $1 and t.purpose = 'invite' and t.expires_at > $2 and u.active",
    )
    .bind(hash_token(token))
    .bind(Utc::now())
    .fetch_optional(pool)
    .await
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm: String,
}

/// `POST /staff/auth/accept`: a new staff member chooses their password from the
/// invitation link, and is signed in.
pub async fn accept_handler(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<AcceptForm>,
) -> Response {
    let token = urlencoding::encode(&form.token).into_owned();
    let back = |code: &str| see_other(&format!("/staff/accept?token={token}&error={code}"));
    if form.token.len() > 128 {
        return see_other("/staff/accept?error=link");
    }
    match accept(&state, &parts, &form).await {
        Ok(Ok(session)) => {
            let mut res = see_other("/customers");
            if let Ok(v) = HeaderValue::from_str(&session_cookie(&session, &state.auth)) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Ok(Err("link")) => see_other("/staff/accept?error=link"),
        Ok(Err(code)) => back(code),
        Err(e) => {
            let _ = AppError::internal("staff accept", e);
            back("server")
        }
    }
}

async fn accept(
    state: &AppState,
    parts: &Parts,
    form: &AcceptForm,
) -> Result<Result<String, &'static str>, AppError> {
    let pool = &state.pool;
    let Some(id) = token_staff(pool, &form.token).await? else {
        return Ok(Err("link"));
    };
    let row = get(&mut *pool.acquire().await?, id).await?;
    if let Some(code) = crate::auth::password::link_password_problem(
        &form.password,
        &form.confirm,
        &row.name,
        &row.email,
    )
    .await
    {
        return Ok(Err(code));
    }
    let hash = hash_password(form.password.clone()).await?;
    let now = Utc::now();
    let mut tx = pool.begin_with("begin immediate").await?;
    let used: Option<i64> = sqlx::query_scalar(
        "delete from staff_token where token_hash = $1 and expires_at > $2 returning staff_user_id",
    )
    .bind(hash_token(&form.token))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    if used != Some(id) {
        return Ok(Err("link"));
    }
    sqlx::query(
        "update staff_user set password_hash = $1, password_changed_at = $2, invited_at = null,
            last_login_at = $2
         where staff_user_id = $3",
    )
    .bind(hash)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let me = CurrentUser {
        id,
        email: row.email.clone(),
        name: row.name.clone(),
        role: Role::parse(&row.role).unwrap_or(Role::Support),
    };
    record(
        &mut tx,
        &me.actor(),
        AuditAction::StaffInviteAccepted,
        ENTITY,
        Some(id),
        &[FieldChange::new(
            "password",
            None,
            Some("chosen from the invitation"),
        )],
        now,
    )
    .await?;
    tx.commit().await?;
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let ip = client_ip(&parts.headers, peer, &state.auth);
    let ua = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(old) = session_token(&parts.headers, &state.auth) {
        crate::auth::ssr::delete_session_by_hash(pool, &hash_token(&old)).await?;
    }
    let session = create_session(pool, id, &state.auth, &ip, ua, now).await?;
    Ok(Ok(session))
}
