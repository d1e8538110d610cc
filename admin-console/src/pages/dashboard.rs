//! The dashboard (see [`crate::overview`]).

use axum::extract::State;
use axum::response::Html;

use crate::session::SignedIn;
use crate::state::AppState;
use mismo_core::web::HttpError;

pub async fn show(
    State(state): State<AppState>,
    signed: SignedIn,
) -> Result<Html<String>, HttpError> {
    let overview = crate::overview::overview(&state, &signed.admin).await?;
    let page = minijinja::context! { title => "Dashboard", overview };
    Ok(super::show(&signed, "dashboard.html", "dashboard", page))
}
