//! mismoctl: the operator's command line. Exit 0 on success, 1 on a user error
//! (with one line saying why), 2 on a usage error.

mod cli;
mod commands;
mod output;
mod secret;

use clap::Parser;
use mismo_core::admin::Admin;
use mismo_core::config::{CtlSettings, Env, FromEnv};
use mismo_core::Store;

use cli::{Cli, Command};
use commands::Failure;
use output::Output;

#[tokio::main]
async fn main() {
    // clap exits 2 on a usage error and 0 for --help/--version.
    let cli = Cli::parse();
    if let Err(Failure(reason)) = run(cli).await {
        eprintln!("mismoctl: {reason}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let settings = Env::load()
        .and_then(|env| CtlSettings::from_env(&env))
        .map_err(|e| Failure(e.to_string()))?;
    let store = Store::connect(&settings.store)
        .await
        .map_err(|e| Failure(e.to_string()))?;
    store
        .ensure_schema()
        .await
        .map_err(|e| Failure(e.to_string()))?;
    let admin = Admin::new(&store);
    let out = Output { json: cli.json };
    let result = match cli.command {
        Command::Domain(cmd) => commands::domain::run(&admin, &settings, &out, cmd).await,
        Command::Mailbox(cmd) => commands::mailbox::run(&admin, &out, cmd).await,
        Command::Alias(cmd) => commands::alias::run(&admin, &out, cmd).await,
        Command::Queue(cmd) => commands::queue::run(&store, &out, cmd).await,
    };
    store.shutdown().await;
    result
}
