//! The two kinds of principal the credential engine serves — staff and portal customers —
//! and everything that differs between them: tables, cookie, audit actions and texts. The
//! engine's code (`sessions`, `links`, `credentials`) is written once and reads these.

use crate::audit::ssr::Actor;
use crate::audit::{AuditAction, Entity};
use crate::db;
use crate::db::Conn;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    Staff,
    Customer,
}

impl Principal {
    /// The session cookie's base name (`__Host-` is prefixed when secure).
    pub fn cookie(self) -> &'static str {
        match self {
            Principal::Staff => "sid",
            Principal::Customer => "psid",
        }
    }

    pub(crate) fn session_table(self) -> &'static str {
        match self {
            Principal::Staff => "staff_session",
            Principal::Customer => "portal_session",
        }
    }

    pub(crate) fn token_table(self) -> &'static str {
        match self {
            Principal::Staff => "staff_token",
            Principal::Customer => "portal_token",
        }
    }

    /// The id column of the principal in its session and token tables.
    pub(crate) fn id_column(self) -> &'static str {
        match self {
            Principal::Staff => "staff_user_id",
            Principal::Customer => "customer_id",
        }
    }

    /// Whose audit trail the principal's events go to.
    pub fn entity(self) -> Entity {
        match self {
            Principal::Staff => Entity::StaffUser,
            Principal::Customer => Entity::Customer,
        }
    }

    /// Keeps the two kinds' sign-in throttles apart.
    pub(crate) fn throttle_prefix(self) -> &'static str {
        match self {
            Principal::Staff => "",
            Principal::Customer => "portal|",
        }
    }

    pub(crate) fn password_throttle(self, id: i64) -> String {
        match self {
            Principal::Staff => format!("staff-password|{id}"),
            Principal::Customer => format!("portal-password|{id}"),
        }
    }

    pub(crate) fn login_action(self) -> AuditAction {
        match self {
            Principal::Staff => AuditAction::Login,
            Principal::Customer => AuditAction::PortalLogin,
        }
    }

    pub(crate) fn login_failed_action(self) -> AuditAction {
        match self {
            Principal::Staff => AuditAction::LoginFailed,
            Principal::Customer => AuditAction::PortalLoginFailed,
        }
    }

    pub(crate) fn password_changed(self) -> (AuditAction, &'static str) {
        match self {
            Principal::Staff => (AuditAction::PasswordChanged, "changed by themselves"),
            Principal::Customer => (
                AuditAction::PortalPasswordChanged,
                "changed by the customer",
            ),
        }
    }

    pub(crate) fn password_change_failed(self) -> AuditAction {
        match self {
            Principal::Staff => AuditAction::PasswordChangeFailed,
            Principal::Customer => AuditAction::PortalPasswordChangeFailed,
        }
    }

    pub(crate) fn password_set_by_staff(self) -> (AuditAction, &'static str) {
        match self {
            Principal::Staff => (AuditAction::StaffPasswordReset, "set by an Admin"),
            Principal::Customer => (AuditAction::PortalPasswordReset, "set by staff"),
        }
    }

    /// The account columns every credential operation reads, as one select (`$1` binds the
    /// `where` clause's value).
    fn account_select(self) -> &'static str {
        match self {
            Principal::Staff => {
                "select staff_user_id as id, name, email, role, password_hash, active as usable,
                        false as inactive
                 from staff_user u"
            }
            Principal::Customer => {
                "select c.customer_id as id, trim(c.first_name || ' ' || c.last_name) as name,
                        c.email, 'customer' as role, pa.password_hash,
                        (pa.disabled_at is null and c.status = 'active') as usable,
                        (c.status <> 'active') as inactive
                 from customer c left join portal_account pa on pa.customer_id = c.customer_id"
            }
        }
    }

    /// Record a successful sign-in on the account (last sign-in; a customer's last access).
    pub(crate) async fn touch_login(
        self,
        conn: &mut Conn,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let sql = match self {
            Principal::Staff => "update staff_user set last_login_at = $1 where staff_user_id = $2",
            Principal::Customer => {
                "update portal_account set last_login_at = $1, last_access_at = $1
                 where customer_id = $2"
            }
        };
        db::query(sql).bind(now).bind(id).execute(conn).await?;
        Ok(())
    }
}

/// An account as the credential engine sees it. Holds the password hash: not `Serialize`.
#[derive(sqlx::FromRow)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// A staff role, or `customer`.
    pub role: String,
    pub password_hash: Option<String>,
    /// Staff: active. Customer: portal access not disabled, and an Active customer.
    pub usable: bool,
    /// A customer set Inactive (whose record the seeds keep "disabled"): sign-in and links
    /// are refused with a message saying so. Always false for staff.
    pub inactive: bool,
}

impl Account {
    pub fn actor(&self) -> Actor {
        Actor::new(self.id, &self.name, &self.role)
    }
}

/// The account with this id (a customer: not deleted).
pub async fn account(
    conn: &mut Conn,
    p: Principal,
    id: i64,
) -> Result<Option<Account>, sqlx::Error> {
    let filter = match p {
        Principal::Staff => "where u.staff_user_id = $1",
        Principal::Customer => "where c.customer_id = $1 and c.deleted_at is null",
    };
    db::query_as(format!("{} {filter}", p.account_select()))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The account signing in with this address (compared case-insensitively on both sides).
pub async fn account_by_email(
    conn: &mut Conn,
    p: Principal,
    email: &str,
) -> Result<Option<Account>, sqlx::Error> {
    let filter = match p {
        Principal::Staff => "where lower(u.email) = lower($1)",
        Principal::Customer => "where lower(c.email) = lower($1) and c.deleted_at is null",
    };
    // Staff addresses are stored lower-cased by Rust (Unicode-aware); SQLite's lower()
    // folds ASCII only, so the typed address is folded the same way first.
    let typed = match p {
        Principal::Staff => email.trim().to_lowercase(),
        Principal::Customer => email.trim().to_string(),
    };
    db::query_as(format!("{} {filter}", p.account_select()))
        .bind(typed)
        .fetch_optional(conn)
        .await
}
