//! Creates the simulated domain, mailboxes and groups in the store, through
//! the same administration code as mismoctl; what exists already is kept.

use mismo_core::admin::{Admin, AdminError};
use mismo_core::config::{Env, FromEnv, StoreSettings};
use mismo_core::Store;

use crate::args::Args;

pub async fn run(args: &Args) -> Result<(), String> {
    let settings = Env::load()
        .and_then(|env| StoreSettings::from_env(&env))
        .map_err(|e| e.to_string())?;
    let store = Store::connect(&settings)
        .await
        .map_err(|e| format!("the store: {e}"))?;
    let admin = Admin::new(&store);
    kept(admin.add_domain(&args.domain).await)?;
    // Each mailbox's password is hashed (Argon2, tens of ms): a few at a time.
    let mut tasks = tokio::task::JoinSet::new();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
    for w in 0..workers {
        let (store, args) = (store.clone(), args.clone());
        tasks.spawn(async move {
            let admin = Admin::new(&store);
            for n in (w..args.mailboxes()).step_by(workers as usize) {
                kept(admin.add_mailbox(&args.mailbox(n), &args.password, 0).await)?;
            }
            Ok::<_, String>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| e.to_string())??;
    }
    for g in 0..args.groups() {
        let members: Vec<String> = args.group_members(g).map(|n| args.mailbox(n)).collect();
        kept(admin.add_alias(&args.group(g), &members).await)?;
    }
    Ok(())
}

/// Success, or a conflict with what is there already.
fn kept<T>(result: Result<T, AdminError>) -> Result<(), String> {
    match result {
        Ok(_) | Err(AdminError::Conflict(_)) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}
