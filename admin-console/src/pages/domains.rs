//! Domain pages: the list, one domain, and the forms that change them.

use axum::extract::{Path, State};
use axum::response::{Html, Redirect};

use crate::session::SignedIn;
use crate::state::AppState;
use mismo_core::web::ChangeForm;
use mismo_core::web::HttpError;

pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
) -> Result<Html<String>, HttpError> {
    let domains = crate::domains::list(&state, &signed.admin).await?;
    let page = minijinja::context! { title => "Domains", domains };
    Ok(super::show(&signed, "domains.html", "domains", page))
}

pub async fn show(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(name): Path<String>,
) -> Result<Html<String>, HttpError> {
    let domain = crate::domains::get(&state, &signed.admin, &name).await?;
    let records = crate::domains::records(&state, &signed.admin, &name).await?;
    let page = minijinja::context! {
        title => domain.domain.name.clone(),
        domain,
        records => records.records,
        zone => records.zone,
    };
    Ok(super::show(&signed, "domain.html", "domains", page))
}

fn to_domain(name: &str) -> Redirect {
    super::to_item("/domains", name)
}

pub async fn add(
    State(state): State<AppState>,
    signed: SignedIn,
    ChangeForm(fields): ChangeForm,
) -> Result<Redirect, HttpError> {
    let domain = crate::domains::add(&state, &signed.actor(), fields.get("name")?).await?;
    Ok(to_domain(&domain.name))
}

pub async fn set_state(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(name): Path<String>,
    ChangeForm(fields): ChangeForm,
) -> Result<Redirect, HttpError> {
    let wanted = fields.get("state")?;
    let domain = crate::domains::set_state(&state, &signed.actor(), &name, wanted).await?;
    Ok(to_domain(&domain.name))
}

pub async fn verify(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(name): Path<String>,
    _checked: ChangeForm,
) -> Result<Redirect, HttpError> {
    let domain = crate::domains::verify(&state, &signed.actor(), &name).await?;
    Ok(to_domain(&domain.name))
}

pub async fn remove(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(name): Path<String>,
    ChangeForm(fields): ChangeForm,
) -> Result<Redirect, HttpError> {
    super::confirmed(&fields, "removal")?;
    crate::domains::remove(&state, &signed.actor(), &name).await?;
    Ok(Redirect::to("/domains"))
}
