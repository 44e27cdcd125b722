//! One e-mail address rule for every place that takes one: the customer form (in the
//! browser and on the server), staff management, the first-Admin settings and the CLI.
//! Base layer: imports no feature.

use std::fmt;

/// The message shown next to a field holding an address [`Email::parse`] refuses.
pub const INVALID_EMAIL: &str = "Enter a valid email address, like name@example.com.";

/// Longest address accepted (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;

/// An address people actually type: RFC 5322 syntax without a display name, no spaces, a
/// dotted domain, at most 254 characters. Stored trimmed, as typed (case kept; lookups
/// compare case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Trim and check `raw`; the message for the field when it is not an address.
    pub fn parse(raw: &str) -> Result<Email, &'static str> {
        let s = raw.trim();
        if is_valid_email(s) {
            Ok(Email(s.to_string()))
        } else {
            Err(INVALID_EMAIL)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address lower-cased (staff logins are stored so).
    pub fn to_lowercase(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The rule behind [`Email::parse`], for an already trimmed string.
pub fn is_valid_email(s: &str) -> bool {
    if s.len() > EMAIL_MAX || s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>') {
        return false;
    }
    let Some((_, domain)) = s.rsplit_once('@') else {
        return false;
    };
    domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && email_address::EmailAddress::is_valid(s)
}

/// Addresses people type, and whether the rule takes them (tests here and in the customer
/// validator run the same list).
#[cfg(test)]
pub(crate) const EMAIL_CASES: [(&str, bool); 15] = [
    ("maria@example.com", true),
    ("maria.santos+crm@mail.example.co.uk", true),
    ("MARIA@EXAMPLE.COM", true),
    ("o'connor@example.ie", true),
    ("maria", false),
    ("maria@", false),
    ("@example.com", false),
    ("maria@example", false),
    ("maria@@example.com", false),
    ("maria @example.com", false),
    ("a b@x.y", false),
    ("Maria <maria@example.com>", false),
    ("maria@example..com", false),
    ("maria@.example.com", false),
    ("maria@example.com.", false),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_people_type() {
        for (email, ok) in EMAIL_CASES {
            assert_eq!(is_valid_email(email), ok, "{email}");
        }
        assert!(!is_valid_email(&format!("{}@example.com", "a".repeat(250))));
    }

    #[test]
    fn parse_trims_and_keeps_case() {
        let e = Email::parse("  Ann@Example.com ").unwrap();
        assert_eq!(e.as_str(), "Ann@Example.com");
        assert_eq!(e.to_lowercase(), "ann@example.com");
        assert_eq!(Email::parse("a b@x.y"), Err(INVALID_EMAIL));
    }
}
