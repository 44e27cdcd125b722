//! Staff management storage and rules: the last active Admin cannot be demoted or
//! deactivated; deactivation, a password reset or a role change take effect on the next
//! request (sessions are deleted, and roles are read from the database on every request).

use super::{NewStaff, StaffMember};
use crate::audit::ssr::record;
use crate::audit::ssr::Actor;
use crate::audit::{AuditAction, Entity, FieldChange};
use crate::auth::credentials::{self, Me};
use crate::auth::links;
use crate::auth::principal::Principal::Staff;
use crate::auth::ssr::{hash_password, link_form, new_token, LinkForm, SessionUser};
use crate::auth::{CurrentUser, Role};
use crate::db;
use crate::db::UniqueViolation;
use crate::error::AppError;
use crate::mail::compose::compose;
use crate::mail::ssr::enqueue_mail;
use crate::state::AppState;
use axum::extract::{Form, State};
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use http::request::Parts;

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

pub async fn list(pool: &db::Pool) -> Result<Vec<StaffMember>, sqlx::Error> {
    let rows: Vec<Row> = db::query_as(format!("{SELECT} order by name, email"))
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(Row::member).collect())
}

async fn get(conn: &mut db::Conn, id: i64) -> Result<Row, AppError> {
    db::query_as(format!("{SELECT} where staff_user_id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Refuse a change that would leave no active Admin.
async fn keep_an_admin(conn: &mut db::Conn, target: &Row) -> Result<(), AppError> {
    if target.role != Role::Admin.as_str() || !target.active {
        return Ok(());
    }
    let others: i64 = db::query_scalar(
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
    } else if crate::text::has_forbidden(&name) {
        errors.insert(
            "name".into(),
            "The name contains characters that are not allowed.".into(),
        );
    }
    if input.role.is_none() {
        errors.insert("role".into(), "Choose a role.".into());
    }
    if !input.password.is_empty() {
        let password = input.password.as_str();
        if let Err(m) = crate::auth::password::check_password(password, &name, &email).await {
            errors.insert("password".into(), m);
        }
    }
    match input.role {
        Some(role) if errors.is_empty() => Ok(ValidNewStaff {
            name,
            email,
            role,
            password: (!input.password.is_empty()).then(|| input.password.as_str().to_string()),
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
        false,
    )
    .await?
    .ok_or(AppError::Internal)?;
    if invite {
        st.mail_wake.notify_one();
    }
    let row = get(&mut st.pool.acquire().await?, id).await?;
    Ok(row.member())
}

/// A staff member with a password, from the command line or the first start (the same
/// rules and the same audit event as the Staff page; the actor is the app itself).
pub async fn create_with_password(
    pool: &db::Pool,
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
    insert(pool, &Actor::system(), "Customers", valid, "", false)
        .await?
        .ok_or(AppError::Internal)
}

/// The first Admin, on a first start: created only if there is still no Admin when its
/// write transaction holds the write lock — two instances starting at once on an empty
/// database create one Admin, and the second start goes on without error. `None` when an
/// Admin exists.
pub async fn create_first_admin(
    pool: &db::Pool,
    email: &str,
    password: &str,
) -> Result<Option<i64>, AppError> {
    let valid = validate_new(&NewStaff {
        name: "Administrator".into(),
        email: email.into(),
        role: Some(Role::Admin),
        password: password.into(),
    })
    .await?;
    insert(pool, &Actor::system(), "Customers", valid, "", true).await
}

async fn insert(
    pool: &db::Pool,
    actor: &Actor,
    inviter: &str,
    valid: ValidNewStaff,
    base_url: &str,
    only_if_no_admin: bool,
) -> Result<Option<i64>, AppError> {
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
    let mut tx = db::begin_write(pool).await?;
    if only_if_no_admin {
        let admins: i64 = db::query_scalar("select count(*) from staff_user where role = 'admin'")
            .fetch_one(&mut *tx)
            .await?;
        if admins > 0 {
            return Ok(None);
        }
    }
    let taken = || AppError::field("email", "A staff user with this e-mail already exists.");
    let id: i64 = db::query_scalar(
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
        let expires = now + Duration::days(INVITE_TTL_DAYS);
        let token = links::issue(&mut tx, Staff, id, "invite", expires, now).await?;
        let link = format!("{base_url}/staff/accept?token={token}");
        let mail = compose(
            &name,
            "You have been added to Customers",
            &[format!(
                "{inviter} has added you to Customers as {}. Open the link below to choose your password; it works once, for {INVITE_TTL_DAYS} days.",
                role.label()
            )],
            Some(("Choose your password", &link)),
            "If you did not expect this e-mail, you can ignore it.",
        );
        enqueue_mail(&mut tx, &email, "staff_invitation", None, &mail).await?;
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
    Ok(Some(id))
}

pub async fn set_role(
    pool: &db::Pool,
    actor: &CurrentUser,
    id: i64,
    role: Role,
) -> Result<StaffMember, AppError> {
    let now = Utc::now();
    let mut tx = db::begin_write(pool).await?;
    let row = get(&mut tx, id).await?;
    if row.role == role.as_str() {
        return Ok(row.member());
    }
    if role != Role::Admin {
        keep_an_admin(&mut tx, &row).await?;
    }
    db::query("update staff_user set role = $1 where staff_user_id = $2")
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
    pool: &db::Pool,
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
    let mut tx = db::begin_write(pool).await?;
    let row = get(&mut tx, id).await?;
    if row.active == active {
        return Ok(row.member());
    }
    if !active {
        keep_an_admin(&mut tx, &row).await?;
    }
    credentials::switch_access(&mut tx, Staff, &actor.actor(), id, active, now).await?;
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
    let base = &st.auth.public_base_url;
    let by = actor.actor();
    if credentials::set_password(&st.pool, Staff, &by, id, password, notify, base).await? {
        st.mail_wake.notify_one();
    }
    Ok(get(&mut st.pool.acquire().await?, id).await?.member())
}

pub async fn change_own_password(
    st: &AppState,
    me: &CurrentUser,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let this_session = leptos::prelude::use_context::<Parts>()
        .and_then(|p| {
            p.extensions
                .get::<SessionUser>()
                .map(|s| s.session_hash.clone())
        })
        .unwrap_or_default();
    let who = Me {
        id: me.id,
        name: &me.name,
        email: &me.email,
        actor: me.actor(),
        session_hash: &this_session,
    };
    credentials::change_own_password(&st.pool, Staff, &who, current, new, None).await
}

/// `POST /staff/auth/accept`: a new staff member chooses their password from the
/// invitation link, and is signed in.
pub async fn accept_handler(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<LinkForm>,
) -> Response {
    let link = (Staff, "invite");
    link_form(&state, &parts, link, &form, "/staff/accept", "/customers").await
}
