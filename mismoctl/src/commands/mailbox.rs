use mismo_core::admin::Admin;
use mismo_core::config::values::byte_size;
use mismo_core::model::{Activation, Mailbox};
use serde::Serialize;

use super::{CmdResult, CommandFailed};
use crate::cli::MailboxCmd;
use crate::output::{bytes, time, Output};
use crate::secret;

/// A mailbox as shown; never the password hash.
#[derive(Serialize)]
struct MailboxView<'a> {
    address: &'a str,
    domain: &'a str,
    state: &'a str,
    quota_bytes: i64,
    has_pgp_key: bool,
    created_at: String,
}

fn view(m: &Mailbox) -> MailboxView<'_> {
    MailboxView {
        address: &m.address,
        domain: &m.domain,
        state: m.state.as_str(),
        quota_bytes: m.quota_bytes,
        has_pgp_key: m.pgp_public_key.is_some(),
        created_at: time(m.created_at),
    }
}

fn quota(text: &str) -> Result<i64, CommandFailed> {
    if text.trim() == "0" {
        return Ok(0);
    }
    byte_size(text.trim())
        .ok()
        .and_then(|n| i64::try_from(n).ok())
        .ok_or_else(|| {
            CommandFailed(format!(
                "--quota {text:?}: expected a number of bytes, optionally with K, M or G"
            ))
        })
}

pub async fn run(admin: &Admin<'_>, out: &Output, cmd: MailboxCmd) -> CmdResult {
    match cmd {
        MailboxCmd::Add {
            address,
            password_stdin,
            quota: q,
        } => {
            let quota = quota(&q)?;
            let (password, generated) = secret::obtain(password_stdin).await?;
            let m = admin.add_mailbox(&address, &password, quota).await?;
            let shown = generated.then_some(password.as_str());
            out.one(
                &serde_json::json!({ "mailbox": view(&m), "generated_password": shown }),
                || {
                    let mut line = format!("mailbox {} added", m.address);
                    if let Some(p) = shown {
                        line.push_str(&format!("; password: {p}"));
                    }
                    line
                },
            );
        }
        MailboxCmd::List { domain } => {
            let domain = super::domain_filter(domain)?;
            let list = admin
                .store
                .list_mailboxes(domain.as_deref())
                .await
                .map_err(|e| CommandFailed(e.to_string()))?;
            let views: Vec<_> = list.iter().map(view).collect();
            out.rows(&["address", "state", "quota", "created"], &views, |v| {
                let quota = if v.quota_bytes == 0 {
                    "none".into()
                } else {
                    bytes(v.quota_bytes)
                };
                vec![
                    v.address.into(),
                    v.state.into(),
                    quota,
                    v.created_at.clone(),
                ]
            });
        }
        MailboxCmd::Passwd {
            address,
            password_stdin,
        } => {
            let (password, generated) = secret::obtain(password_stdin).await?;
            admin.set_password(&address, &password).await?;
            let shown = generated.then_some(password.as_str());
            out.one(
                &serde_json::json!({ "address": address, "generated_password": shown }),
                || match shown {
                    Some(p) => format!("password of {address} changed; new password: {p}"),
                    None => format!("password of {address} changed"),
                },
            );
        }
        MailboxCmd::Enable { address } => {
            set_state(admin, out, &address, Activation::Enabled).await?
        }
        MailboxCmd::Disable { address } => {
            set_state(admin, out, &address, Activation::Disabled).await?
        }
        MailboxCmd::Remove { address } => {
            let messages = admin.remove_mailbox(&address).await?;
            out.one(
                &serde_json::json!({ "removed": address, "messages_removed": messages }),
                || format!("mailbox {address} removed with {messages} message(s)"),
            );
        }
        MailboxCmd::PgpRegenerate { address } => {
            let key = admin.regenerate_pgp(&address).await?;
            out.one(
                &serde_json::json!({ "address": key.address, "fingerprint": key.fingerprint, "public_key": key.public_key }),
                || format!("new OpenPGP key for {}: {}", key.address, key.fingerprint),
            );
        }
        MailboxCmd::Usage { address } => {
            let (m, usage) = admin.mailbox_usage(&address).await?;
            out.one(
                &serde_json::json!({ "address": m.address, "messages": usage.messages, "bytes": usage.bytes, "quota_bytes": m.quota_bytes }),
                || {
                    let quota = if m.quota_bytes == 0 {
                        "no quota".to_string()
                    } else {
                        format!("{:.1}% of {}", usage.bytes as f64 * 100.0 / m.quota_bytes as f64, bytes(m.quota_bytes))
                    };
                    format!("{}: {} message(s), {} ({quota})", m.address, usage.messages, bytes(usage.bytes))
                },
            );
        }
    }
    Ok(())
}

async fn set_state(admin: &Admin<'_>, out: &Output, address: &str, state: Activation) -> CmdResult {
    let m = admin.set_mailbox_state(address, state).await?;
    out.one(&view(&m), || {
        format!("mailbox {} {}", m.address, m.state.as_str())
    });
    Ok(())
}
