//! The command line, as documented in SPEC.md.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "mismoctl", version, about = "Operate a Mismo mail cluster")]
pub struct Cli {
    /// Print JSON instead of tables, for scripts.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Hosted domains.
    #[command(subcommand)]
    Domain(DomainCmd),
    /// Mailboxes (logins and maildrops).
    #[command(subcommand)]
    Mailbox(MailboxCmd),
    /// Aliases; `@domain` is the domain's catch-all.
    #[command(subcommand)]
    Alias(AliasCmd),
    /// The delivery queue.
    #[command(subcommand)]
    Queue(QueueCmd),
    /// Administrators of the admin console and its API.
    #[command(subcommand)]
    Admin(AdminCmd),
    /// Write the man pages of every Mismo binary into DIR (section 1 for
    /// mismoctl, section 8 for the services), without touching the store.
    Man { dir: std::path::PathBuf },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum StateArg {
    Enqueued,
    Delivering,
    Delivered,
    Failed,
}

#[derive(Debug, Subcommand)]
pub enum QueueCmd {
    /// List queued messages, oldest first.
    List {
        #[arg(long)]
        state: Option<StateArg>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// One message with every recipient's status.
    Show { id: String },
    /// Make a waiting message due now.
    Retry { id: String },
    /// Remove a message from the queue (not while a qprocessor holds it).
    Delete { id: String },
    /// How many messages are in each state.
    Stats,
}

#[derive(Debug, Subcommand)]
pub enum AdminCmd {
    /// Add an administrator: of the given domains, or global without --domain.
    /// Without --password-stdin a password is generated and printed.
    Add {
        name: String,
        #[arg(long)]
        password_stdin: bool,
        /// A domain the administrator manages; repeat for more.
        #[arg(long = "domain")]
        domains: Vec<String>,
    },
    /// List administrators.
    List,
    /// Remove an administrator, with their sessions and API tokens.
    Remove { name: String },
    /// Make an API token acting as the administrator; it is printed once.
    Token { name: String },
    /// Turn off the administrator's second factor (a lost phone and lost
    /// recovery codes); they set it up again in the console.
    TotpOff { name: String },
}

#[derive(Debug, Subcommand)]
pub enum DomainCmd {
    /// Add a domain; it accepts mail at once.
    Add { domain: String },
    /// List domains.
    List,
    /// Check the domain's TXT record mismo-verification=<token> and record the result.
    Verify { domain: String },
    /// Accept mail for the domain again.
    Enable { domain: String },
    /// Refuse mail for the domain (550) without removing anything.
    Disable { domain: String },
    /// Remove a domain that has no mailboxes or aliases left.
    Remove { domain: String },
    /// Print the DKIM TXT record to publish (the key is made on first use).
    Dkim { domain: String },
}

#[derive(Debug, Subcommand)]
pub enum MailboxCmd {
    /// Add a mailbox; without --password-stdin a password is generated and printed.
    Add {
        address: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Quota, in bytes or with K, M, G (0: no limit).
        #[arg(long, default_value = "0")]
        quota: String,
    },
    /// List mailboxes, of one domain or all.
    List { domain: Option<String> },
    /// Set a new password; without --password-stdin one is generated and printed.
    Passwd {
        address: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Allow logins and delivery again.
    Enable { address: String },
    /// Refuse logins and delivery (550) without removing anything.
    Disable { address: String },
    /// Remove a mailbox and the messages in it.
    Remove { address: String },
    /// Messages and bytes held, against the quota.
    Usage { address: String },
    /// Replace the mailbox's OpenPGP key with a new one.
    PgpRegenerate { address: String },
}

#[derive(Debug, Subcommand)]
pub enum AliasCmd {
    /// Add targets to an alias (creating it).
    Add {
        alias: String,
        #[arg(required = true)]
        targets: Vec<String>,
    },
    /// List aliases, of one domain or all.
    List { domain: Option<String> },
    /// Remove an alias.
    Remove { alias: String },
}
