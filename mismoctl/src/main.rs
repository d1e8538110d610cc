//! mismoctl: the operator's command line. Exit 0 on success, 1 on a user error
//! (with one line saying why), 2 on a usage error.

mod cli;
mod commands;
mod output;
mod secret;

use clap::{CommandFactory, FromArgMatches};
use mismo_core::admin::Admin;
use mismo_core::config::{usage, CtlSettings, Env, FromEnv};
use mismo_core::Store;

use cli::{Cli, Command};
use commands::CommandFailed;
use output::Output;

#[tokio::main]
async fn main() {
    // clap exits 2 on a usage error and 0 for --help/--version.
    let cli = Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit());
    let result = match cli.command {
        Command::Man { ref dir } => commands::man::write(command(), dir),
        _ => run(cli).await,
    };
    if let Err(CommandFailed(reason)) = result {
        eprintln!("mismoctl: {reason}");
        std::process::exit(1);
    }
}

/// mismoctl's command line, with the settings it reads at the end of `--help`.
fn command() -> clap::Command {
    Cli::command().after_help(usage::settings_help::<CtlSettings>())
}

async fn run(cli: Cli) -> Result<(), CommandFailed> {
    let settings = Env::load()
        .and_then(|env| CtlSettings::from_env(&env))
        .map_err(|e| CommandFailed(e.to_string()))?;
    let store = Store::connect(&settings.store)
        .await
        .map_err(|e| CommandFailed(e.to_string()))?;
    store
        .ensure_schema()
        .await
        .map_err(|e| CommandFailed(e.to_string()))?;
    let admin = Admin::new(&store);
    let out = Output { json: cli.json };
    let result = match cli.command {
        Command::Domain(cmd) => commands::domain::run(&admin, &settings, &out, cmd).await,
        Command::Mailbox(cmd) => commands::mailbox::run(&admin, &out, cmd).await,
        Command::Alias(cmd) => commands::alias::run(&admin, &out, cmd).await,
        Command::Queue(cmd) => commands::queue::run(&store, &out, cmd).await,
        Command::Admin(cmd) => commands::admin::run(&admin, &out, cmd).await,
        Command::Man { .. } => unreachable!("answered before the store is reached"),
    };
    store.shutdown().await;
    result
}
