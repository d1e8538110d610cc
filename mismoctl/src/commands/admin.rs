use mismo_core::admin::Admin;
use mismo_core::model::Administrator;
use serde::Serialize;

use super::{CmdResult, CommandFailed};
use crate::cli::AdminCmd;
use crate::output::{time, Output};
use crate::secret;

#[derive(Serialize)]
struct AdminView<'a> {
    name: &'a str,
    role: &'static str,
    domains: &'a [String],
    created_at: String,
}

fn view(a: &Administrator) -> AdminView<'_> {
    AdminView {
        name: &a.name,
        role: a.role.as_str(),
        domains: &a.domains,
        created_at: time(a.created_at),
    }
}

pub async fn run(admin: &Admin<'_>, out: &Output, cmd: AdminCmd) -> CmdResult {
    match cmd {
        AdminCmd::Add {
            name,
            password_stdin,
            domains,
        } => {
            let (password, generated) = secret::obtain(password_stdin).await?;
            let a = admin.add_administrator(&name, &password, &domains).await?;
            let shown = generated.then_some(password.as_str());
            out.one(
                &serde_json::json!({ "administrator": view(&a), "generated_password": shown }),
                || {
                    let mut line = match a.domains.is_empty() {
                        true => format!("administrator {} added (global)", a.name),
                        false => format!(
                            "administrator {} added for {}",
                            a.name,
                            a.domains.join(", ")
                        ),
                    };
                    if let Some(p) = shown {
                        line.push_str(&format!("; password: {p}"));
                    }
                    line
                },
            );
        }
        AdminCmd::List => {
            let list = admin
                .store
                .list_administrators()
                .await
                .map_err(|e| CommandFailed(e.to_string()))?;
            let views: Vec<_> = list.iter().map(view).collect();
            out.rows(&["name", "role", "domains", "created"], &views, |v| {
                vec![
                    v.name.into(),
                    v.role.into(),
                    v.domains.join(", "),
                    v.created_at.clone(),
                ]
            });
        }
        AdminCmd::Remove { name } => {
            admin.remove_administrator(&name).await?;
            out.one(&serde_json::json!({ "removed": name }), || {
                format!("administrator {name} removed")
            });
        }
        AdminCmd::TotpOff { name } => {
            admin.disable_totp(&name).await?;
            out.one(&serde_json::json!({ "second_factor_off": name }), || {
                format!("second factor of {name} turned off")
            })
        }
        AdminCmd::Token { name } => {
            let token = admin.new_api_token(&name).await?;
            out.one(
                &serde_json::json!({ "administrator": name, "token": token }),
                || token.clone(),
            );
        }
    }
    Ok(())
}
