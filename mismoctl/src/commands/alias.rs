use mismo_core::admin::Admin;
use mismo_core::model::Alias;
use serde::Serialize;

use super::{CmdResult, CommandFailed};
use crate::cli::AliasCmd;
use crate::output::{time, Output};

#[derive(Serialize)]
struct AliasView<'a> {
    alias: &'a str,
    catch_all: bool,
    targets: &'a [String],
    created_at: String,
}

fn view(a: &Alias) -> AliasView<'_> {
    AliasView {
        alias: &a.source,
        catch_all: a.is_catch_all(),
        targets: &a.targets,
        created_at: time(a.created_at),
    }
}

pub async fn run(admin: &Admin<'_>, out: &Output, cmd: AliasCmd) -> CmdResult {
    match cmd {
        AliasCmd::Add { alias, targets } => {
            let a = admin.add_alias(&alias, &targets).await?;
            out.one(&view(&a), || {
                format!("alias {} -> {}", a.source, a.targets.join(", "))
            });
        }
        AliasCmd::List { domain } => {
            let domain = super::domain_filter(domain)?;
            let list = admin
                .store
                .list_aliases(domain.as_deref())
                .await
                .map_err(|e| CommandFailed(e.to_string()))?;
            let views: Vec<_> = list.iter().map(view).collect();
            out.rows(&["alias", "targets", "created"], &views, |v| {
                vec![v.alias.into(), v.targets.join(", "), v.created_at.clone()]
            });
        }
        AliasCmd::Remove { alias } => {
            admin.remove_alias(&alias).await?;
            out.one(&serde_json::json!({ "removed": alias }), || {
                format!("alias {alias} removed")
            });
        }
    }
    Ok(())
}
