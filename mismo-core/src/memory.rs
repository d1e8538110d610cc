//! How the services use glibc's allocator. Left to its defaults, glibc gives
//! each thread that allocates its own arena (up to eight per core: tokio's
//! workers, and every blocking thread a password check ran on), and memory
//! freed in one arena stays with it. Under the load simulator's 200 clients
//! the four services held 288 MB together; with two arenas, 193 MB, at the
//! same throughput. Other allocators (musl's) need neither call.

/// Arenas a service's threads share, unless MALLOC_ARENA_MAX says otherwise.
const ARENAS: i32 = 2;

/// Caps the allocator's arenas; called at start-up, before most threads
/// have allocated.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only changes a tuning value of the allocator.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, ARENAS);
        }
    }
}

/// Hands memory freed in bulk back to the system. A freed block as large as
/// Argon2's working area (19 MiB) otherwise stays in its arena: after a
/// burst of logins a service held some 400 MB it no longer used.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator's own
    // arenas; no live allocation is touched.
    unsafe {
        libc::malloc_trim(0);
    }
}
