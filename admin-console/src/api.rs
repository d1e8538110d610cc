//! `/api/v1`: the console's operations as JSON, for a bearer token made
//! with `mismoctl admin token`. Same checks as the pages (crate::domains);
//! errors are `{"error": "..."}` with a 4xx status, never a 500 for bad input.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, put};
use axum::{Json, Router};
use mismo_core::model::Administrator;
use serde::Deserialize;

use crate::error::{ApiError, Failure};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(crate::openapi::document))
        .route("/domains", get(list_domains).post(add_domain))
        .route("/domains/{name}", get(get_domain).delete(remove_domain))
        .route("/domains/{name}/state", put(set_domain_state))
        .fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError(Failure::NotFound("no such API route".into()))
}

/// The administrator a request's bearer token acts as.
pub struct Caller(pub Administrator);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError(Failure::Unauthorized))?;
        match state.admin().token_administrator(token).await? {
            Some(admin) => Ok(Self(admin)),
            None => Err(ApiError(Failure::Unauthorized)),
        }
    }
}

/// A JSON body, or a 400/415/422 that says what was wrong with it.
fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    match json {
        Ok(Json(value)) => Ok(value),
        Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError(Failure::BadRequest(
            "send the body as JSON (Content-Type: application/json)".into(),
        ))),
        Err(JsonRejection::JsonDataError(e)) => Err(ApiError(Failure::Invalid(e.body_text()))),
        Err(e) => Err(ApiError(Failure::BadRequest(e.body_text()))),
    }
}

async fn list_domains(
    State(state): State<AppState>,
    Caller(admin): Caller,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(crate::domains::list(&state, &admin).await?))
}

#[derive(Deserialize)]
struct NewDomain {
    name: String,
}

async fn add_domain(
    State(state): State<AppState>,
    Caller(admin): Caller,
    json: Result<Json<NewDomain>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let new = body(json)?;
    let view = crate::domains::add(&state, &admin, &new.name).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn get_domain(
    State(state): State<AppState>,
    Caller(admin): Caller,
    Path(name): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(crate::domains::get(&state, &admin, &name).await?))
}

#[derive(Deserialize)]
struct DomainState {
    state: String,
}

async fn set_domain_state(
    State(state): State<AppState>,
    Caller(admin): Caller,
    Path(name): Path<String>,
    json: Result<Json<DomainState>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let wanted = body(json)?;
    Ok(Json(
        crate::domains::set_state(&state, &admin, &name, &wanted.state).await?,
    ))
}

async fn remove_domain(
    State(state): State<AppState>,
    Caller(admin): Caller,
    Path(name): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    crate::domains::remove(&state, &admin, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
