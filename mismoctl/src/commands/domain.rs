use mismo_core::admin::Admin;
use mismo_core::config::CtlSettings;
use mismo_core::model::{Activation, Domain};
use serde::Serialize;

use super::CmdResult;
use crate::cli::DomainCmd;
use crate::output::{time, Output};

#[derive(Serialize)]
struct DomainView<'a> {
    name: &'a str,
    state: &'a str,
    verification: &'a str,
    verification_record: String,
    verification_detail: Option<&'a str>,
    created_at: String,
}

fn view(d: &Domain) -> DomainView<'_> {
    DomainView {
        name: &d.name,
        state: d.state.as_str(),
        verification: d.verification.status.as_str(),
        verification_record: d.verification_record(),
        verification_detail: d.verification.detail.as_deref(),
        created_at: time(d.created_at),
    }
}

pub async fn run(
    admin: &Admin<'_>,
    settings: &CtlSettings,
    out: &Output,
    cmd: DomainCmd,
) -> CmdResult {
    match cmd {
        DomainCmd::Add { domain } => {
            let d = admin.add_domain(&domain).await?;
            out.one(&view(&d), || {
                format!(
                    "domain {} added and enabled; to verify it, publish the TXT record {:?}",
                    d.name,
                    d.verification_record()
                )
            });
        }
        DomainCmd::List => {
            let domains = admin
                .store
                .list_domains()
                .await
                .map_err(|e| e.to_string())?;
            let views: Vec<_> = domains.iter().map(view).collect();
            out.rows(
                &["domain", "state", "verification", "created"],
                &views,
                |v| {
                    vec![
                        v.name.into(),
                        v.state.into(),
                        v.verification.into(),
                        v.created_at.clone(),
                    ]
                },
            );
        }
        DomainCmd::Verify { domain } => {
            let resolver = mismo_core::dns::resolver(settings.dns_resolver)?;
            let d = admin.verify_domain(&domain, &resolver).await?;
            out.one(&view(&d), || {
                format!(
                    "domain {}: {} ({})",
                    d.name,
                    d.verification.status.as_str(),
                    d.verification.detail.as_deref().unwrap_or("")
                )
            });
        }
        DomainCmd::Enable { domain } => set_state(admin, out, &domain, Activation::Enabled).await?,
        DomainCmd::Disable { domain } => {
            set_state(admin, out, &domain, Activation::Disabled).await?
        }
        DomainCmd::Dkim { domain } => {
            let d = admin.domain(&domain).await?;
            let key = admin
                .store
                .dkim_key(&d.name)
                .await
                .map_err(|e| e.to_string())?;
            let (name, value) = key.txt_record();
            // `value` whole, for APIs that take one string; `strings` and the
            // table's zone line as a zone file must hold it (255 octets each).
            out.one(
                &serde_json::json!({
                    "name": name, "type": "TXT", "value": value, "strings": key.txt_strings(),
                }),
                || key.zone_line(),
            );
        }
        DomainCmd::Remove { domain } => {
            admin.remove_domain(&domain).await?;
            out.one(&serde_json::json!({ "removed": domain }), || {
                format!("domain {domain} removed")
            });
        }
    }
    Ok(())
}

async fn set_state(admin: &Admin<'_>, out: &Output, domain: &str, state: Activation) -> CmdResult {
    let d = admin.set_domain_state(domain, state).await?;
    out.one(&view(&d), || {
        format!("domain {} {}", d.name, d.state.as_str())
    });
    Ok(())
}
