//! Logins shared by SMTP AUTH, POP3, IMAP, webmail and the admin console:
//! the password check, behind the per-address budget of attempts kept in
//! the store (one budget for all of them).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::model::address::Address;
use crate::model::{Activation, Administrator, Mailbox};
use crate::store::LoginSlot;
use crate::{login_cache, password, Store, StoreResult};

/// Failed logins from one address within the window before it is refused.
pub const MAX_FAILURES: u32 = 5;
const WINDOW: Duration = Duration::from_secs(600);
/// How long a login waits for a slot while other checks from its address are
/// in progress, before it is answered with a temporary failure.
const SLOT_WAIT: Duration = Duration::from_secs(10);

/// What a login attempt came to.
#[derive(Debug)]
pub enum Login<T = Mailbox> {
    /// Right password (and for a mailbox: mailbox and domain enabled).
    Opened(T),
    /// Wrong, after the pause this address has earned; `failures` in the
    /// window so far, this one included.
    Refused { failures: u32 },
    /// The address is out of attempts for now; nothing was checked.
    Blocked,
    /// Other checks from the address kept every slot taken; nothing was
    /// checked. A temporary failure.
    Busy,
}

/// Checks `user`'s password for a client at `ip`. The check runs only in a
/// slot taken from the store, so the limit holds across connections and
/// instances; a failure keeps its slot for the rest of the window.
pub async fn login(store: &Store, ip: IpAddr, user: &str, pass: &str) -> StoreResult<Login> {
    guarded(store, ip, check(store, user, pass)).await
}

/// Checks an administrator's password for a client at `ip`, within the
/// same budget as every other login from that address.
pub async fn login_administrator(
    store: &Store,
    ip: IpAddr,
    name: &str,
    pass: &str,
) -> StoreResult<Login<Administrator>> {
    let check = async {
        let found = store.get_administrator(name).await?;
        let hash = found.as_ref().map(|a| a.password_hash.as_str());
        let ok = verify_or_pretend(pass, hash).await;
        Ok(found.filter(|_| ok))
    };
    guarded(store, ip, check).await
}

/// Wrong second factors one account may have in [`ACCOUNT_WINDOW`],
/// from however many addresses, before it is locked for the rest of it.
pub const ACCOUNT_FAILURES: u32 = 10;
pub const ACCOUNT_WINDOW: Duration = Duration::from_secs(3600);

/// Checks an administrator's second factor: a TOTP code (each works once)
/// or an unused recovery code (used up). Wrong codes draw on the same
/// per-address budget as wrong passwords, and on the account's own: with
/// the password known, guesses from many addresses at once still end after
/// [`ACCOUNT_FAILURES`], and the lock is written to the audit log, which
/// the account's administrators read.
pub async fn second_factor(
    store: &Store,
    ip: IpAddr,
    name: &str,
    code: &str,
) -> StoreResult<Login<Administrator>> {
    let account = format!("second-factor:{name}");
    match store
        .begin_attempt(&account, ACCOUNT_FAILURES, ACCOUNT_WINDOW)
        .await?
    {
        LoginSlot::Granted => {}
        LoginSlot::Busy => return Ok(Login::Busy),
        LoginSlot::Blocked => return Ok(Login::Blocked),
    }
    let result = code_check(store, ip, name, code).await;
    match &result {
        Ok(Login::Refused { .. }) => {
            let failures = store.attempt_failed(&account).await?;
            if failures == ACCOUNT_FAILURES {
                tracing::warn!(admin = name, %ip, "second factor locked: too many wrong codes");
                store
                    .insert_audit(&crate::model::AuditEntry {
                        id: crate::model::new_id(),
                        at: crate::model::now_ms(),
                        admin: name.to_string(),
                        ip: ip.to_string(),
                        action: "account.second_factor_locked".into(),
                        target: name.to_string(),
                        domain: String::new(),
                        detail: Some(format!(
                            "{ACCOUNT_FAILURES} wrong codes within {} minutes; locked until the hour is out",
                            ACCOUNT_WINDOW.as_secs() / 60
                        )),
                    })
                    .await?;
            }
        }
        _ => store.attempt_succeeded(&account).await?,
    }
    result
}

/// [`second_factor`]'s check within the address's budget.
async fn code_check(
    store: &Store,
    ip: IpAddr,
    name: &str,
    code: &str,
) -> StoreResult<Login<Administrator>> {
    let check = async {
        let Some(admin) = store.get_administrator(name).await? else {
            return Ok(None);
        };
        let Some(factor) = &admin.totp else {
            return Ok(None);
        };
        let now = crate::model::now_ms().max(0) as u64 / 1000;
        if let Some(step) = crate::second_factor::matching_step(&factor.secret, code, now) {
            let taken = store.take_totp_step(name, step as i64).await?;
            return Ok(taken.then_some(admin));
        }
        let hash = crate::second_factor::recovery_hash(code);
        let taken = store.take_recovery_code(name, &hash).await?;
        Ok(taken.then_some(admin))
    };
    guarded(store, ip, check).await
}

/// Runs `check` (`Some` when the password was right) in a login slot.
async fn guarded<T>(
    store: &Store,
    ip: IpAddr,
    check: impl std::future::Future<Output = StoreResult<Option<T>>>,
) -> StoreResult<Login<T>> {
    let deadline = Instant::now() + SLOT_WAIT;
    let mut pause = Duration::from_millis(10);
    loop {
        match store.begin_login(ip, MAX_FAILURES, WINDOW).await? {
            LoginSlot::Granted => break,
            LoginSlot::Blocked => return Ok(Login::Blocked),
            LoginSlot::Busy if Instant::now() >= deadline => return Ok(Login::Busy),
            LoginSlot::Busy => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(200));
            }
        }
    }
    match check.await {
        Ok(Some(found)) => {
            if let Err(e) = store.login_succeeded(ip).await {
                // The slot comes back when the window ends.
                tracing::warn!(%ip, "login slot not given back: {e}");
            }
            Ok(Login::Opened(found))
        }
        Ok(None) => {
            let failures = store.login_failed(ip).await?;
            tokio::time::sleep(delay(failures)).await;
            Ok(Login::Refused { failures })
        }
        Err(e) => {
            // Nothing was decided: the attempt does not count.
            let _ = store.login_succeeded(ip).await;
            Err(e)
        }
    }
}

/// The mailbox a password opens: right password, mailbox and domain enabled.
async fn check(store: &Store, user: &str, pass: &str) -> StoreResult<Option<Mailbox>> {
    let found = match Address::parse(user) {
        Ok(address) => usable_mailbox(store, &address.to_string()).await?,
        Err(_) => None,
    };
    // Verified lately against the hash the mailbox still has: no second
    // Argon2 check (the mailbox and its domain were read above, so a
    // change to either counts at once).
    if let Some(mailbox) = &found {
        if login_cache::knows(&mailbox.address, pass, &mailbox.password_hash) {
            return Ok(found);
        }
    }
    let hash = found.as_ref().map(|m| m.password_hash.as_str());
    let ok = verify_or_pretend(pass, hash).await;
    if let Some(mailbox) = found.as_ref().filter(|_| ok) {
        login_cache::remember(&mailbox.address, pass, &mailbox.password_hash);
    }
    Ok(found.filter(|_| ok))
}

/// A hash no password is checked against for real: verifying against it
/// costs what verifying a real one does, so a name that exists answers no
/// sooner or later than one that does not. Made once, off the I/O
/// threads, with the parameters every stored hash has.
static NOBODY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// Password checks made in this process (tests count them).
static VERIFICATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many password checks this process has made.
#[doc(hidden)]
pub fn verifications() -> u64 {
    VERIFICATIONS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Verifies `pass` against `hash`, or, where there is no account, does the
/// same work against [`NOBODY`] and says no.
async fn verify_or_pretend(pass: &str, hash: Option<&str>) -> bool {
    match hash {
        Some(hash) => verify(pass, hash).await,
        None => {
            let nobody = NOBODY
                .get_or_init(|| async {
                    tokio::task::spawn_blocking(|| {
                        password::hash("no account has this password")
                            .expect("hashing a fixed password")
                    })
                    .await
                    .unwrap_or_default()
                })
                .await;
            let _ = verify(pass, nobody).await;
            false
        }
    }
}

/// The mailbox at `address`, if it and its domain are enabled: who may
/// sign in, and who stays signed in (webmail asks at every request).
pub async fn usable_mailbox(store: &Store, address: &str) -> StoreResult<Option<Mailbox>> {
    Ok(usable_mailboxes(store, &[address.to_string()]).await?.pop())
}

/// The mailboxes among `addresses` that exist and are enabled, in enabled
/// domains: one read of the mailboxes and one of their domains, however
/// many (imapd and pop3d ask for all their sessions at once).
pub async fn usable_mailboxes(store: &Store, addresses: &[String]) -> StoreResult<Vec<Mailbox>> {
    let mut mailboxes = store.get_mailboxes(addresses).await?;
    mailboxes.retain(|m| m.state == Activation::Enabled);
    if mailboxes.is_empty() {
        return Ok(mailboxes);
    }
    let mut domains: Vec<String> = mailboxes.iter().map(|m| m.domain.clone()).collect();
    domains.sort();
    domains.dedup();
    let enabled: Vec<String> = store
        .get_domains(&domains)
        .await?
        .into_iter()
        .filter(|d| d.state == Activation::Enabled)
        .map(|d| d.name)
        .collect();
    mailboxes.retain(|m| enabled.contains(&m.domain));
    Ok(mailboxes)
}

/// Password checks running at once in this process: one per core. More
/// would not finish sooner (each is CPU-bound), and each holds Argon2's
/// 19 MiB working area: a burst of a hundred logins must not cost 2 GB.
static CHECKS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// Argon2 takes tens of milliseconds of CPU: keep it off the I/O threads,
/// and no more of them at once than there are cores.
async fn verify(pass: &str, hash: &str) -> bool {
    let Ok(_permit) = CHECKS.acquire().await else {
        return false;
    };
    let (pass, hash) = (pass.to_string(), hash.to_string());
    VERIFICATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tokio::task::spawn_blocking(move || {
        let ok = password::verify(&pass, &hash);
        crate::memory::give_back();
        ok
    })
    .await
    .unwrap_or(false)
}

/// How long to hold the answer to the `n`-th failure: more each time, so
/// guessing is slow even before the limit.
fn delay(n: u32) -> Duration {
    Duration::from_millis(250 * u64::from(n.min(8)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_waits_longer_up_to_a_bound() {
        assert!(delay(2) > delay(1));
        assert_eq!(delay(8), delay(100));
    }
}
