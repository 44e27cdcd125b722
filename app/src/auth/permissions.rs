//! The one permission table: who may call each server function and each plain route.
//!
//! Every server function starts with a guard that looks its own endpoint up here
//! (`ssr::staff_guard::<ListCustomers>()`, `ssr::customer_guard::<LoadPortalMe>()`: keyed by
//! the function's own path constant, so a guard cannot name the wrong endpoint); the plain
//! routes do the same with their path. An endpoint missing from the table is refused for
//! everyone (and logged), and the role × endpoint matrix test in `server/tests/it/permissions.rs`
//! calls every registered server function and route as each role, anonymous and a portal
//! customer, and checks the answer against this table — a new server function without an
//! entry fails it.

use super::{Capability, Role};

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in forms, "who am I", link checks).
    Anyone,
    /// A signed-in portal customer (for their own record only).
    Customer,
    /// Signed-in staff whose role has the capability.
    Staff(Capability),
}

use Access::*;
use Capability::*;

/// Server functions by endpoint name (`/api/<name>`).
pub const SERVER_FNS: &[(&str, Access)] = &[
    // auth
    ("current_user", Anyone),
    // customers
    ("list_customers", Staff(ViewCustomers)),
    ("customer_snapshot", Staff(ViewCustomers)),
    ("get_customer", Staff(ViewCustomers)),
    ("customer_history", Staff(ViewCustomers)),
    ("customer_activity", Staff(ViewCustomers)),
    ("count_matching_customers", Staff(ViewCustomers)),
    ("create_customer", Staff(EditCustomers)),
    ("update_customer", Staff(EditCustomers)),
    ("set_customer_status", Staff(EditCustomers)),
    ("delete_customer", Staff(EditCustomers)),
    ("restore_customer", Staff(EditCustomers)),
    ("email_in_use", Staff(EditCustomers)),
    ("bulk_update_customers", Staff(EditCustomers)),
    ("restore_customer_batch", Staff(EditCustomers)),
    ("list_deleted_customers", Staff(Administer)),
    // the Overview page
    ("overview_stats", Staff(ViewCustomers)),
    // duplicates: finding them is for those who may merge them
    ("find_duplicates", Staff(EditCustomers)),
    ("merge_customers", Staff(EditCustomers)),
    ("undo_merge", Staff(EditCustomers)),
    ("dismiss_duplicate", Staff(EditCustomers)),
    // a customer's data rights (Admin)
    ("anonymise_customer", Staff(Administer)),
    // labels
    ("list_labels", Staff(ViewCustomers)),
    ("create_label", Staff(EditCustomers)),
    ("update_label", Staff(EditCustomers)),
    ("delete_label", Staff(EditCustomers)),
    // import (Admin and Sales: it creates and changes customers)
    ("import_sheet", Staff(EditCustomers)),
    ("import_preview", Staff(EditCustomers)),
    ("check_import", Staff(EditCustomers)),
    ("start_import", Staff(EditCustomers)),
    ("import_status", Staff(EditCustomers)),
    ("cancel_import", Staff(EditCustomers)),
    ("undo_import", Staff(EditCustomers)),
    ("list_imports", Staff(EditCustomers)),
    ("save_import_mapping", Staff(EditCustomers)),
    ("delete_import_mapping", Staff(EditCustomers)),
    // list preferences (each user's own)
    ("get_list_prefs", Staff(ViewCustomers)),
    ("save_list_prefs", Staff(ViewCustomers)),
    // notes on a profile (anyone may add and pin; the author or an Admin edits, deletes)
    ("list_notes", Staff(ViewCustomers)),
    ("add_note", Staff(WriteNotes)),
    ("edit_note", Staff(WriteNotes)),
    ("pin_note", Staff(WriteNotes)),
    ("delete_note", Staff(WriteNotes)),
    // saved views (own ones; shared ones: Admin, checked inside)
    ("list_saved_views", Staff(ViewCustomers)),
    ("save_view", Staff(ViewCustomers)),
    ("delete_saved_view", Staff(ViewCustomers)),
    // mail outbox
    ("list_mail", Staff(Administer)),
    ("retry_mail", Staff(Administer)),
    ("mail_body", Staff(Administer)),
    // audit log
    ("list_audit", Staff(Administer)),
    ("audit_choices", Staff(Administer)),
    // staff management
    ("list_staff", Staff(Administer)),
    ("create_staff_user", Staff(Administer)),
    ("set_staff_role", Staff(Administer)),
    ("set_staff_active", Staff(Administer)),
    ("reset_staff_password", Staff(Administer)),
    ("change_own_password", Staff(ViewCustomers)),
    // portal, staff side
    ("portal_info", Staff(ViewCustomers)),
    ("send_portal_invitation", Staff(EditCustomers)),
    ("reset_customer_password", Staff(EditCustomers)),
    ("set_portal_access", Staff(EditCustomers)),
    ("set_portal_features", Staff(EditCustomers)),
    // portal, customer side
    ("portal_me", Customer),
    ("portal_update_details", Customer),
    ("portal_change_password", Customer),
    ("portal_link_status", Anyone),
];

/// Plain axum routes (method, path) that are not pages.
pub const ROUTES: &[(&str, &str, Access)] = &[
    ("POST", "/auth/login", Anyone),
    ("POST", "/auth/logout", Anyone),
    ("POST", "/export/customers", Staff(ExportCustomers)),
    ("POST", "/import/upload", Staff(EditCustomers)),
    ("GET", "/import/rejects", Staff(EditCustomers)),
    ("GET", "/customers/data-export", Staff(Administer)),
    ("GET", "/portal/my-data", Customer),
    ("POST", "/staff/auth/accept", Anyone),
    ("POST", "/portal/auth/login", Anyone),
    ("POST", "/portal/auth/logout", Anyone),
    ("POST", "/portal/auth/accept", Anyone),
    ("POST", "/portal/auth/reset", Anyone),
    ("POST", "/portal/auth/forgot", Anyone),
    ("GET", "/healthz", Anyone),
    ("GET", "/readyz", Anyone),
];

/// The rule of a server function, if it has one.
pub fn server_fn_access(endpoint: &str) -> Option<Access> {
    SERVER_FNS
        .iter()
        .find(|(name, _)| *name == endpoint)
        .map(|(_, a)| *a)
}

/// The rule of a plain route, if it has one.
pub fn route_access(method: &str, path: &str) -> Option<Access> {
    ROUTES
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
        .map(|(_, _, a)| *a)
}

/// Who the caller is, as far as the table cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    Customer,
    Staff(Role),
}

impl Access {
    pub fn allows(self, caller: Caller) -> bool {
        match (self, caller) {
            (Anyone, _) => true,
            (Customer, Caller::Customer) => true,
            (Staff(cap), Caller::Staff(role)) => cap.allows(role),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_endpoint_is_listed_once() {
        let mut seen = HashSet::new();
        for (name, _) in SERVER_FNS {
            assert!(seen.insert(*name), "{name} listed twice");
        }
        let mut seen = HashSet::new();
        for (m, p, _) in ROUTES {
            assert!(seen.insert((*m, *p)), "{m} {p} listed twice");
        }
    }

    #[test]
    fn callers_get_what_the_table_says() {
        assert!(Staff(EditCustomers).allows(Caller::Staff(Role::Sales)));
        assert!(!Staff(EditCustomers).allows(Caller::Staff(Role::Support)));
        assert!(!Staff(ViewCustomers).allows(Caller::Customer));
        assert!(!Staff(ViewCustomers).allows(Caller::Anonymous));
        assert!(!Customer.allows(Caller::Staff(Role::Admin)));
        assert!(Anyone.allows(Caller::Anonymous));
        assert_eq!(server_fn_access("nope"), None);
    }
}
