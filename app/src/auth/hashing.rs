//! Password hashing (argon2id on low-priority threads of its own, a dummy hash for unknown accounts so every
//! failure costs the same) and random tokens (256 bits; only their SHA-256 is stored).

use crate::error::AppError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// argon2id with the OWASP-recommended minimum: m = 19 MiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 params");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// An argon2 gate: at most one computation per two cores at once (each holds 19 MiB and a
/// core for tens of milliseconds; the other half of the machine stays for everyone else —
/// with one per core a sign-in flood took every core from the list), a short queue behind them, and anything beyond that refused at
/// once — a flood of anonymous sign-ins cannot take all memory and CPU from the list. Each
/// app instance's sign-in forms pass through its own (in `AppState`); hashing a new password
/// and checking a signed-in person's current one pass through [`shared`].
pub struct Argon2Gate {
    permits: Arc<Semaphore>,
    /// Holding or waiting for a permit.
    inside: Arc<AtomicUsize>,
    max_inside: usize,
}

/// How long a request waits in the queue before it is told to come back.
const QUEUE_WAIT: Duration = Duration::from_secs(5);
/// Queued requests per permit.
const QUEUE_PER_PERMIT: usize = 8;

impl Argon2Gate {
    /// One permit per two cores of this machine (at least one).
    pub fn half_the_cores() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, |n| n.get()) / 2)
    }

    pub fn new(permits: usize) -> Self {
        let permits = permits.max(1);
        Argon2Gate {
            permits: Arc::new(Semaphore::new(permits)),
            inside: Arc::new(AtomicUsize::new(0)),
            max_inside: permits * (1 + QUEUE_PER_PERMIT),
        }
    }

    /// Wait for a place, or [`busy`] at once when the queue is full (or after
    /// [`QUEUE_WAIT`]).
    pub async fn permit(&self) -> Result<Argon2Permit, AppError> {
        if self.inside.fetch_add(1, Ordering::SeqCst) >= self.max_inside {
            self.inside.fetch_sub(1, Ordering::SeqCst);
            tracing::warn!("argon2 queue full: a password check was turned away");
            return Err(busy());
        }
        let inside = Inside(self.inside.clone());
        match tokio::time::timeout(QUEUE_WAIT, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Argon2Permit {
                _permit: permit,
                _inside: inside,
            }),
            _ => Err(busy()),
        }
    }
}

/// The gate for hashing new passwords and checking a signed-in person's current one.
pub fn shared() -> &'static Argon2Gate {
    static GATE: OnceLock<Argon2Gate> = OnceLock::new();
    GATE.get_or_init(Argon2Gate::half_the_cores)
}

/// The answer when a gate is full: come back in a second (429, `Retry-After: 1`).
pub fn busy() -> AppError {
    AppError::TooManyRequests {
        retry_after_secs: 1,
    }
}

/// A place at an argon2 gate: held while one password is hashed or checked.
pub struct Argon2Permit {
    _permit: OwnedSemaphorePermit,
    _inside: Inside,
}

struct Inside(Arc<AtomicUsize>);

impl Drop for Inside {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `work` on one of the argon2 threads: threads of their own at a low CPU priority
/// (nice 10), so that when the machine is busy a password check yields the cores to the pages
/// people are waiting for (a sign-in flood slows sign-ins, not the list). As many threads as
/// the gates can let through; a permit is held while `work` runs, so they never queue here.
async fn on_argon2_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    type Job = Box<dyn FnOnce() + Send>;
    static JOBS: OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<Job>>> = OnceLock::new();
    let jobs = JOBS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        // Each instance's sign-in gate plus the shared one: at most this many at once.
        let threads = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .max(2);
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    lower_this_threads_priority();
                    loop {
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start an argon2 thread");
            }
        }
        std::sync::Mutex::new(tx)
    });
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = tx.send(work());
    });
    jobs.lock()
        .map_err(|_| AppError::internal("argon2 threads", "poisoned"))?
        .send(job)
        .map_err(|e| AppError::internal("argon2 threads", e))?;
    rx.await.map_err(|e| AppError::internal("argon2 thread", e))
}

/// nice 10 for the calling thread (on Linux the nice value is per thread): under contention
/// it gets about a tenth of what a normal thread gets. Best effort elsewhere.
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its integer arguments; `who = 0` is the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

/// Hash a password on an argon2 thread (argon2 takes ~tens of ms of CPU by design), through
/// the argon2 gate.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    let permit = shared().permit().await?;
    on_argon2_thread(move || {
        let _permit = permit;
        hash_password_blocking(&password)
    })
    .await?
}

pub fn hash_password_blocking(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal("argon2 hash", e))
}

/// Verify on a blocking thread, holding `permit` (a place at the argon2 gate, taken before
/// the attempt was counted). With `hash = None` (unknown user) a dummy hash is checked
/// instead so that both failures take the same time.
pub async fn verify_password(permit: Argon2Permit, password: String, hash: Option<String>) -> bool {
    on_argon2_thread(move || {
        let _permit = permit;
        let hash = hash.unwrap_or_else(|| dummy_hash().to_string());
        verify_password_blocking(&password, &hash)
    })
    .await
    .unwrap_or(false)
}

pub fn verify_password_blocking(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password_blocking("not-a-real-password-but-the-same-cost").expect("hash dummy")
    })
}

// ---------------------------------------------------------------- tokens

/// A fresh random token (256 bits, URL-safe hex) and the SHA-256 that is stored instead.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
