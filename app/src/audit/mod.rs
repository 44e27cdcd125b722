//! The audit trail's own types and its recorder (`ssr`): who did what, when, and which
//! fields changed. Rows are only ever inserted (the database refuses UPDATE and DELETE), in
//! the same transaction as the change itself. Below every feature and below `auth`: the
//! recorder takes an [`ssr::Actor`], which `auth` builds from the signed-in user.

#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One field's change in an audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl FieldChange {
    /// A change (a value set where there was none: `old = None`).
    pub fn new(field: &str, old: Option<&str>, new: Option<&str>) -> FieldChange {
        FieldChange {
            field: field.into(),
            old: old.map(str::to_string),
            new: new.map(str::to_string),
        }
    }
}

/// One line of a History (customer profile) or of the Portal tab's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor_name: Option<String>,
    pub action: AuditAction,
    pub changes: Vec<FieldChange>,
}

/// What an audited event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Customer,
    Label,
    StaffUser,
    /// A portal sign-in attempt that names no customer.
    Portal,
    /// An Excel export (entity id 0).
    CustomerExport,
    /// An import from CSV / Excel (entity id: the import's batch).
    CustomerImport,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Customer => "customer",
            Entity::Label => "label",
            Entity::StaffUser => "staff_user",
            Entity::Portal => "portal",
            Entity::CustomerExport => "customer_export",
            Entity::CustomerImport => "customer_import",
        }
    }
}

macro_rules! audit_actions {
    ($($variant:ident = $name:literal, $label:literal;)*) => {
        /// Every action the app records. Stored as its name (`update`, `portal_login`, …).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum AuditAction {
            $(#[serde(rename = $name)] $variant,)*
        }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)*];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $name,)*
                }
            }

            /// What people read (History tab, Audit log).
            pub fn label(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $label,)*
                }
            }

            pub fn parse(s: &str) -> Option<AuditAction> {
                match s {
                    $($name => Some(AuditAction::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

audit_actions! {
    Create = "create", "Created";
    Update = "update", "Updated";
    Status = "status", "Changed status";
    Labels = "labels", "Changed labels";
    Delete = "delete", "Deleted";
    Restore = "restore", "Restored";
    Purge = "purge", "Purged";
    Export = "export", "Exported";
    Import = "import", "Imported";
    ImportRun = "import_run", "Ran an import";
    ImportUndo = "import_undo", "Undid an import";
    Login = "login", "Signed in";
    LoginFailed = "login_failed", "Failed sign-in";
    PasswordChanged = "password_changed", "Changed own password";
    PasswordChangeFailed = "password_change_failed", "Failed password change";
    StaffCreate = "staff_create", "Added staff member";
    StaffInviteAccepted = "staff_invite_accepted", "Accepted staff invitation";
    StaffRole = "staff_role", "Changed role";
    StaffDeactivate = "staff_deactivate", "Deactivated staff member";
    StaffReactivate = "staff_reactivate", "Reactivated staff member";
    StaffPasswordReset = "staff_password_reset", "Reset staff password";
    PortalInvite = "portal_invite", "Sent portal invitation";
    PortalInviteResent = "portal_invite_resent", "Resent portal invitation";
    PortalVerify = "portal_verify", "Verified e-mail and chose a password";
    PortalLogin = "portal_login", "Signed in to the portal";
    PortalLoginFailed = "portal_login_failed", "Failed portal sign-in";
    PortalPasswordReset = "portal_password_reset", "Reset portal password";
    PortalResetLink = "portal_reset_link", "E-mailed a password reset link";
    PortalResetRequested = "portal_reset_requested", "Password reset requested (forgot password)";
    PortalPasswordResetByLink = "portal_password_reset_by_link", "Chose a new password from a reset link";
    PortalPasswordChanged = "portal_password_changed", "Changed portal password";
    PortalPasswordChangeFailed = "portal_password_change_failed", "Failed portal password change";
    PortalDisable = "portal_disable", "Disabled portal access";
    PortalEnable = "portal_enable", "Enabled portal access";
    PortalFeatures = "portal_features", "Changed portal features";
    PortalUpdate = "portal_update", "Updated own details in the portal";
    NoteAdd = "note_add", "Added a note";
    NoteEdit = "note_edit", "Edited a note";
    NotePin = "note_pin", "Pinned or unpinned a note";
    NoteDelete = "note_delete", "Deleted a note";
    Merge = "merge", "Merged a duplicate into this customer";
    MergedInto = "merged_into", "Merged into another customer";
    Unmerge = "unmerge", "Undid a merge";
    DuplicateDismissed = "duplicate_dismissed", "Marked as not duplicates";
    Anonymise = "anonymise", "Anonymised";
    DataExport = "data_export", "Exported the customer's data";
}

impl AuditAction {
    /// The events the profile's Portal tab lists.
    pub fn is_portal(self) -> bool {
        self.as_str().starts_with("portal_")
    }
}

/// Human label of a stored field name (History tab, Audit log, messages).
pub fn field_label(field: &str) -> &str {
    match field {
        "first_name" => "First name",
        "middle_name" => "Middle name",
        "last_name" => "Last name",
        "suffix" => "Suffix",
        "email" => "Email",
        "gender" => "Gender",
        "birthday" => "Birthday",
        "phone" => "Contact",
        "street" => "Street",
        "city" => "City",
        "state" => "State",
        "zip" => "Zip",
        "country" => "Country",
        "status" => "Status",
        "contact_name" => "Contact person",
        "contact_email" => "Contact email",
        "contact_phone" => "Contact number",
        "labels" => "Labels",
        "name" => "Name",
        "color" => "Colour",
        "merged_from" => "Merged from",
        "merged_into" => "Merged into",
        "not_duplicate_of" => "Not a duplicate of",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_through_their_stored_names() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(*a));
            let json = serde_json::to_string(a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.as_str()));
        }
        assert_eq!(AuditAction::parse("nope"), None);
        assert!(AuditAction::PortalLogin.is_portal());
        assert!(!AuditAction::Update.is_portal());
    }
}
