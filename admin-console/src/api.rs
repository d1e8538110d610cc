//! `/api/v1`: the console's operations as JSON, for a bearer token made
//! with `mismoctl admin token`. Same checks as the pages (crate::domains);
//! errors are `{"error": "..."}` with a 4xx status, never a 500 for bad input.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;

use crate::actor::Actor;
use crate::state::AppState;
use mismo_core::web::HttpError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(crate::openapi::document))
        .route("/overview", get(overview))
        .route("/domains", get(list_domains).post(add_domain))
        .route("/domains/{name}", get(get_domain).delete(remove_domain))
        .route("/domains/{name}/state", put(set_domain_state))
        .route("/domains/{name}/verify", post(verify_domain))
        .route("/domains/{name}/records", get(domain_records))
        .route("/aliases", get(list_aliases).post(add_alias))
        .route("/aliases/{source}", get(get_alias).delete(remove_alias))
        .route(
            "/aliases/{source}/targets/{target}",
            axum::routing::delete(remove_alias_target),
        )
        .route("/audit", get(audit_log))
        .route("/queue", get(list_queue))
        .route("/queue/{id}", get(get_queued).delete(delete_queued))
        .route("/queue/{id}/retry", post(retry_queued))
        .route("/mailboxes", get(list_mailboxes).post(add_mailbox))
        .route("/mailboxes/{address}", get(get_mailbox))
        .route("/mailboxes/{address}/state", put(set_mailbox_state))
        .route("/mailboxes/{address}/password", put(set_mailbox_password))
        .route("/mailboxes/{address}/details", put(set_mailbox_details))
        .route(
            "/mailboxes/{address}/pgp",
            get(mailbox_key).post(regenerate_mailbox_key),
        )
        .fallback(not_found)
        .layer(axum::middleware::map_response(crate::error::as_json))
}

async fn not_found() -> HttpError {
    HttpError::NotFound("no such API route".into())
}

/// The administrator a request's bearer token acts as, from the request's
/// address.
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, HttpError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(HttpError::Unauthorized)?;
        match state.admin().token_administrator(token).await? {
            Some(admin) => Ok(Self(Actor {
                admin,
                ip: mismo_core::web::client_ip(parts),
            })),
            None => Err(HttpError::Unauthorized),
        }
    }
}

/// A JSON body, or a 400/415/422 that says what was wrong with it.
fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, HttpError> {
    match json {
        Ok(Json(value)) => Ok(value),
        Err(JsonRejection::MissingJsonContentType(_)) => Err(HttpError::BadRequest(
            "send the body as JSON (Content-Type: application/json)".into(),
        )),
        Err(JsonRejection::JsonDataError(e)) => Err(HttpError::Invalid(e.body_text())),
        Err(e) => Err(HttpError::BadRequest(e.body_text())),
    }
}

async fn overview(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<impl IntoResponse, HttpError> {
    Ok(Json(crate::overview::overview(&state, &actor.admin).await?))
}

async fn list_domains(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<impl IntoResponse, HttpError> {
    Ok(Json(crate::domains::list(&state, &actor.admin).await?))
}

#[derive(Deserialize)]
struct NewDomain {
    name: String,
}

async fn add_domain(
    State(state): State<AppState>,
    Caller(actor): Caller,
    json: Result<Json<NewDomain>, JsonRejection>,
) -> Result<impl IntoResponse, HttpError> {
    let new = body(json)?;
    let view = crate::domains::add(&state, &actor, &new.name).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn get_domain(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(name): Path<String>,
) -> Result<impl IntoResponse, HttpError> {
    Ok(Json(
        crate::domains::get(&state, &actor.admin, &name).await?,
    ))
}

/// `{"state": "enabled" | "disabled"}`, for domains and mailboxes.
#[derive(Deserialize)]
struct StateChange {
    state: String,
}

async fn set_domain_state(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(name): Path<String>,
    json: Result<Json<StateChange>, JsonRejection>,
) -> Result<impl IntoResponse, HttpError> {
    let wanted = body(json)?;
    Ok(Json(
        crate::domains::set_state(&state, &actor, &name, &wanted.state).await?,
    ))
}

async fn remove_domain(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(name): Path<String>,
) -> Result<impl IntoResponse, HttpError> {
    crate::domains::remove(&state, &actor, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn domain_records(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(name): Path<String>,
) -> Result<impl IntoResponse, HttpError> {
    Ok(Json(
        crate::domains::records(&state, &actor.admin, &name).await?,
    ))
}

async fn list_aliases(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(query): Query<crate::paging::ListQuery>,
) -> Result<impl IntoResponse, HttpError> {
    Ok(Json(
        crate::aliases::page(&state, &actor.admin, &query).await?,
    ))
}

#[derive(Deserialize)]
struct NewAlias {
    source: String,
    targets: Vec<String>,
}

async fn add_alias(
    State(state): State<AppState>,
    Caller(actor): Caller,
    json: Result<Json<NewAlias>, JsonRejection>,
) -> Result<impl IntoResponse, HttpError> {
    let new = body(json)?;
    let alias = crate::aliases::add(&state, &actor, &new.source, &new.targets).await?;
    Ok((StatusCode::CREATED, Json(alias)))
}

async fn get_alias(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(source): Path<String>,
) -> Result<impl IntoResponse, HttpError> {
    Ok(Json(
        crate::aliases::get(&state, &actor.admin, &source).await?,
    ))
}

async fn remove_alias(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(source): Path<String>,
) -> Result<impl IntoResponse, HttpError> {
    crate::aliases::remove(&state, &actor, &source).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The alias as it is now, or 204 when that was its last target (the
/// alias is gone).
async fn remove_alias_target(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((source, target)): Path<(String, String)>,
) -> Result<axum::response::Response, HttpError> {
    match crate::aliases::remove_target(&state, &actor, &source, &target).await? {
        Some(alias) => Ok(Json(alias).into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

async fn list_mailboxes(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(query): Query<crate::paging::ListQuery>,
) -> Result<impl IntoResponse, HttpError> {
    Ok(Json(
        crate::mailboxes::page(&state, &actor.admin, &query).await?,
    ))
}

#[derive(Deserialize)]
struct NewMailbox {
    address: String,
    password: Option<String>,
    #[serde(default)]
    quota_bytes: i64,
}

async fn add_mailbox(
    State(state): State<AppState>,
    Caller(actor): Caller,
    json: Result<Json<NewMailbox>, JsonRejection>,
) -> Result<impl IntoResponse, HttpError> {
    let new = body(json)?;
    let (mailbox, generated) = crate::mailboxes::add(
        &state,
        &actor,
        &new.address,
        new.password.as_deref(),
        new.quota_bytes,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "mailbox": mailbox, "generated_password": generated })),
    ))
}

async fn get_mailbox(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(address): Path<String>,
) -> Result<impl IntoResponse, HttpError> {
    Ok(Json(
        crate::mailboxes::get(&state, &actor.admin, &address).await?,
    ))
}

async fn set_mailbox_state(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(address): Path<String>,
    json: Result<Json<StateChange>, JsonRejection>,
) -> Result<impl IntoResponse, HttpError> {
    let wanted = body(json)?;
    Ok(Json(
        crate::mailboxes::set_state(&state, &actor, &address, &wanted.state).await?,
    ))
}

#[derive(Deserialize)]
struct NewPassword {
    password: Option<String>,
}

async fn set_mailbox_password(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(address): Path<String>,
    json: Result<Json<NewPassword>, JsonRejection>,
) -> Result<impl IntoResponse, HttpError> {
    let new = body(json)?;
    let generated =
        crate::mailboxes::set_password(&state, &actor, &address, new.password.as_deref()).await?;
    Ok(Json(serde_json::json!({ "generated_password": generated })))
}

#[derive(Deserialize)]
struct MailboxDetails {
    quota_bytes: i64,
    #[serde(default)]
    display_name: String,
}

async fn set_mailbox_details(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(address): Path<String>,
    json: Result<Json<MailboxDetails>, JsonRejection>,
) -> Result<impl IntoResponse, HttpError> {
    let details = body(json)?;
    let view = crate::mailboxes::set_details(
        &state,
        &actor,
        &address,
        details.quota_bytes,
        &details.display_name,
    )
    .await?;
    Ok(Json(view))
}

async fn audit_log(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(query): Query<crate::audit::AuditQuery>,
) -> Result<impl IntoResponse, HttpError> {
    Ok(Json(
        crate::audit::page(&state, &actor.admin, &query).await?,
    ))
}

async fn list_queue(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(filter): Query<crate::queue::Filter>,
) -> Result<impl IntoResponse, HttpError> {
    Ok(Json(crate::queue::page(&state, &actor, &filter).await?))
}

async fn get_queued(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, HttpError> {
    Ok(Json(crate::queue::detail(&state, &actor, &id).await?))
}

async fn retry_queued(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, HttpError> {
    crate::queue::retry(&state, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_queued(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, HttpError> {
    crate::queue::delete(&state, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn verify_domain(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(name): Path<String>,
) -> Result<impl IntoResponse, HttpError> {
    Ok(Json(crate::domains::verify(&state, &actor, &name).await?))
}

async fn mailbox_key(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(address): Path<String>,
) -> Result<impl IntoResponse, HttpError> {
    Ok(Json(
        crate::mailboxes::public_key(&state, &actor.admin, &address).await?,
    ))
}

async fn regenerate_mailbox_key(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(address): Path<String>,
) -> Result<impl IntoResponse, HttpError> {
    Ok(Json(
        crate::mailboxes::regenerate_key(&state, &actor, &address).await?,
    ))
}
