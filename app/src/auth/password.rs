//! The password policy and generator, the same for staff and customers and in the browser
//! and on the server: length here (instant messages in forms), the "not common or easily
//! guessed" check on the server (zxcvbn's dictionaries stay out of the wasm).

use serde::{Deserialize, Serialize};

/// A password as typed, on its way to the server: sent as the plain string it is (once, over
/// the connection), but never shown by `Debug` — so no log line of a request's arguments
/// (server functions derive `Debug` for theirs) can print it.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Password(s)
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Password(s.to_string())
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_SUGGESTED: usize = 12;
pub const PASSWORD_MAX: usize = 128;

/// Length limits of the password policy (the common-password check runs on the server).
pub fn password_length_error(password: &str) -> Option<String> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        Some(format!(
            "Use at least {PASSWORD_MIN} characters ({PASSWORD_SUGGESTED} or more is better)."
        ))
    } else if n > PASSWORD_MAX {
        Some(format!("Use at most {PASSWORD_MAX} characters."))
    } else {
        None
    }
}

/// Characters of generated passwords: no look-alikes (0/O, 1/l/I).
const GENERATED_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
const GENERATED_GROUPS: usize = 4;
const GENERATED_GROUP_LEN: usize = 4;

/// A password like `Xk7p-Qm2r-Fh9w-Ta4z` (16 random characters, ~93 bits) from a
/// cryptographic random source `fill`. Unbiased: bytes that would favour some characters are
/// drawn again.
pub fn generate_password(mut fill: impl FnMut(&mut [u8])) -> String {
    let n = GENERATED_ALPHABET.len();
    let limit = (256 / n * n) as u8;
    let mut out = String::new();
    let mut buf = [0u8; 32];
    let mut chars = 0;
    while chars < GENERATED_GROUPS * GENERATED_GROUP_LEN {
        fill(&mut buf);
        for b in buf {
            if chars == GENERATED_GROUPS * GENERATED_GROUP_LEN {
                break;
            }
            if b >= limit {
                continue;
            }
            if chars > 0 && chars % GENERATED_GROUP_LEN == 0 {
                out.push('-');
            }
            out.push(GENERATED_ALPHABET[b as usize % n] as char);
            chars += 1;
        }
    }
    out
}

/// A generated password from the platform's cryptographic RNG (the browser's
/// `crypto.getRandomValues`, the server's OS RNG).
pub fn generate_password_now() -> String {
    generate_password(fill_random)
}

#[cfg(feature = "hydrate")]
fn fill_random(buf: &mut [u8]) {
    let crypto = leptos::prelude::window().crypto().expect("window.crypto");
    crypto
        .get_random_values_with_u8_array(buf)
        .expect("crypto.getRandomValues");
}

#[cfg(all(feature = "ssr", not(feature = "hydrate")))]
fn fill_random(buf: &mut [u8]) {
    use rand::RngCore;
    rand::rngs::OsRng.fill_bytes(buf);
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn fill_random(_buf: &mut [u8]) {
    unreachable!("built without a random source")
}

/// The whole policy: length, then "not common or easily guessed" (zxcvbn, on a blocking
/// thread), also against the person's own name and e-mail.
#[cfg(feature = "ssr")]
pub async fn check_password(password: &str, name: &str, email: &str) -> Result<(), String> {
    if let Some(msg) = password_length_error(password) {
        return Err(msg);
    }
    let (pw, name, email) = (password.to_string(), name.to_string(), email.to_string());
    let weak = tokio::task::spawn_blocking(move || {
        let mut inputs: Vec<&str> = name.split_whitespace().collect();
        inputs.push(&email);
        if let Some((local, _)) = email.split_once('@') {
            inputs.push(local);
        }
        u8::from(zxcvbn::zxcvbn(&pw, &inputs).score()) < 2
    })
    .await
    .unwrap_or(true);
    if weak {
        Err("This password is too common or easy to guess. Try a longer one, or Generate.".into())
    } else {
        Ok(())
    }
}

#[cfg(feature = "ssr")]
/// What is wrong with a new password typed twice into a link's form, as the code the page
/// shows (`mismatch`, `length`, `common`), or `None`. Shared by the portal's and the staff
/// invitation's link forms.
pub async fn link_password_problem(
    password: &str,
    confirm: &str,
    name: &str,
    email: &str,
) -> Option<&'static str> {
    if password != confirm {
        Some("mismatch")
    } else if password_length_error(password).is_some() {
        Some("length")
    } else if check_password(password, name, email).await.is_err() {
        Some("common")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_meet_the_policy_and_differ() {
        let a = generate_password_now();
        let b = generate_password_now();
        assert_ne!(a, b);
        assert_eq!(a.len(), 19, "{a}");
        assert!(password_length_error(&a).is_none());
        let groups: Vec<&str> = a.split('-').collect();
        assert_eq!(groups.len(), 4);
        assert!(groups
            .iter()
            .all(|g| g.len() == 4 && g.bytes().all(|c| GENERATED_ALPHABET.contains(&c))));
    }

    #[test]
    fn generator_skips_biased_bytes() {
        // Only bytes ≥ the limit first: they must all be skipped, then 0s give 'A's.
        let mut calls = 0;
        let p = generate_password(|buf| {
            calls += 1;
            buf.fill(if calls == 1 { 255 } else { 0 });
        });
        assert_eq!(p, "AAAA-AAAA-AAAA-AAAA");
        assert_eq!(calls, 2);
    }

    #[test]
    fn passwords_are_sent_as_strings_but_never_debug_printed() {
        let p = Password::from("hunter2-hunter2");
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"hunter2-hunter2\"");
        assert!(!format!("{p:?}").contains("hunter2"));
        assert_eq!(p.as_str(), "hunter2-hunter2");
    }

    #[test]
    fn length_policy() {
        assert!(password_length_error("short").is_some());
        assert!(password_length_error("exactly8").is_none());
        assert!(password_length_error(&"x".repeat(128)).is_none());
        assert!(password_length_error(&"x".repeat(129)).is_some());
        // Characters, not bytes.
        assert!(password_length_error("ééééééé").is_some());
    }

    #[cfg(feature = "ssr")]
    #[tokio::test]
    async fn policy_refuses_common_and_personal_passwords() {
        assert!(check_password("short", "Ann Lee", "ann@x.com")
            .await
            .is_err());
        assert!(check_password("password123", "Ann Lee", "ann@x.com")
            .await
            .is_err());
        assert!(check_password("annlee2024", "Ann Lee", "annlee@x.com")
            .await
            .is_err());
        assert!(
            check_password("Tall-Window-Quiet-42", "Ann Lee", "ann@x.com")
                .await
                .is_ok()
        );
        assert!(
            check_password(&generate_password_now(), "Ann Lee", "a@x.com")
                .await
                .is_ok()
        );
    }
}
