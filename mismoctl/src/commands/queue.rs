use mismo_core::admin::Admin;
use mismo_core::model::{QueueState, QueuedMessage};
use mismo_core::Store;
use serde::Serialize;

use super::{CmdResult, CommandFailed};
use crate::cli::{QueueCmd, StateArg};
use crate::output::{bytes, time, Output};

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    state: &'a str,
    from: &'a str,
    recipients: usize,
    attempts: i32,
    size: i64,
    subject: Option<&'a str>,
    received_at: String,
    due_at: String,
}

fn row(m: &QueuedMessage) -> Row<'_> {
    Row {
        id: &m.id,
        state: m.state.as_str(),
        from: if m.mail_from.is_empty() {
            "<>"
        } else {
            &m.mail_from
        },
        recipients: m.recipients.len(),
        attempts: m.attempts,
        size: m.blob.size,
        subject: m.headers.subject.as_deref(),
        received_at: time(m.received_at),
        due_at: time(m.due_at),
    }
}

fn state(arg: StateArg) -> QueueState {
    match arg {
        StateArg::Enqueued => QueueState::Enqueued,
        StateArg::Delivering => QueueState::Delivering,
        StateArg::Delivered => QueueState::Delivered,
        StateArg::Failed => QueueState::Failed,
    }
}

fn store_err(e: mismo_core::StoreError) -> CommandFailed {
    CommandFailed(e.to_string())
}

async fn message(store: &Store, id: &str) -> Result<QueuedMessage, CommandFailed> {
    Ok(Admin::new(store).queued(id).await?)
}

pub async fn run(store: &Store, out: &Output, cmd: QueueCmd) -> CmdResult {
    match cmd {
        QueueCmd::List { state: s, limit } => {
            let list = store
                .list_queued(s.map(state), limit)
                .await
                .map_err(store_err)?;
            let rows: Vec<_> = list.iter().map(row).collect();
            out.rows(
                &["id", "state", "from", "rcpts", "tries", "size", "due"],
                &rows,
                |r| {
                    vec![
                        r.id.into(),
                        r.state.into(),
                        r.from.into(),
                        r.recipients.to_string(),
                        r.attempts.to_string(),
                        bytes(r.size),
                        r.due_at.clone(),
                    ]
                },
            );
        }
        QueueCmd::Show { id } => {
            let m = message(store, &id).await?;
            out.one(&m, || {
                let mut text = format!(
                    "id:        {}\nstate:     {}\nfrom:      {}\nsubject:   {}\nsize:      {}\nreceived:  {}\ndue:       {}\nattempts:  {}\norigin:    {} via {} ({})\n",
                    m.id,
                    m.state.as_str(),
                    if m.mail_from.is_empty() { "<>" } else { &m.mail_from },
                    m.headers.subject.as_deref().unwrap_or(""),
                    bytes(m.blob.size),
                    time(m.received_at),
                    time(m.due_at),
                    m.attempts,
                    m.origin.client_ip,
                    m.origin.listener,
                    m.origin.auth_user.as_deref().unwrap_or("unauthenticated"),
                );
                for r in &m.recipients {
                    text.push_str(&format!(
                        "recipient: {} {:?} after {} attempt(s){}\n",
                        r.address,
                        r.status,
                        r.attempts,
                        r.last_reply.as_deref().map(|l| format!(": {l}")).unwrap_or_default()
                    ));
                }
                text.trim_end().to_string()
            });
        }
        QueueCmd::Retry { id } => {
            Admin::new(store).retry_queued(&id).await?;
            out.one(&serde_json::json!({ "retried": id }), || {
                format!("message {id} is due now")
            });
        }
        QueueCmd::Delete { id } => {
            Admin::new(store).delete_queued(&id).await?;
            out.one(&serde_json::json!({ "deleted": id }), || {
                format!("message {id} deleted")
            });
        }
        QueueCmd::Stats => {
            let counts = store.queue_counts().await.map_err(store_err)?;
            #[derive(Serialize)]
            struct Count {
                state: String,
                messages: i64,
            }
            let rows: Vec<Count> = counts
                .into_iter()
                .map(|(state, messages)| Count { state, messages })
                .collect();
            out.rows(&["state", "messages"], &rows, |c| {
                vec![c.state.clone(), c.messages.to_string()]
            });
        }
    }
    Ok(())
}
