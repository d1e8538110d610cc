//! Signing in and out, and who is signed in.
//!
//! A session is a document in the store (`admin_sessions`) named by the
//! hash of a random token kept in an HttpOnly, SameSite=Strict cookie
//! (Secure when the request came over TLS). Every form of a session
//! carries the session's own CSRF token. The sign-in form, before there is
//! a session, carries a token that must match a cookie of its own (double
//! submit). Failed sign-ins draw on the same per-address budget as every
//! other login to Mismo: slowed down, then refused.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use mismo_core::auth::{self, Login};
use mismo_core::model::{AdminSession, Administrator};
use mismo_core::web::{cookie, over_tls, same_token, set_cookie, sign_in};

use crate::actor::Actor;
use crate::error::{Failure, PageError};
use crate::state::AppState;
use crate::templates::render;

const SESSION_COOKIE: &str = "mismo_admin";
const LOGIN_COOKIE: &str = "mismo_login";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/login/code", get(code_page).post(code))
        .route("/logout", post(logout))
        .layer(axum::middleware::map_response(crate::error::as_page))
}

/// A form's fields. Missing ones are reported by name, not by a generic
/// parser error.
pub type Fields = HashMap<String, String>;

pub fn field<'a>(fields: &'a Fields, name: &str) -> Result<&'a str, Failure> {
    fields
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| Failure::BadRequest(format!("the form has no field '{name}'")))
}

/// The signed-in administrator of a page request; without one, the
/// browser is sent to the sign-in page.
pub struct SignedIn {
    pub admin: Administrator,
    pub session: AdminSession,
    token: String,
    ip: std::net::IpAddr,
}

impl SignedIn {
    /// The administrator, acting from this request's address.
    pub fn actor(&self) -> Actor {
        Actor {
            admin: self.admin.clone(),
            ip: self.ip,
        }
    }
}

/// Refuses a form that does not carry `csrf`, its session's CSRF token.
fn session_form(csrf: &str, fields: &Fields) -> Result<(), Failure> {
    match fields.get("csrf") {
        Some(sent) if same_token(sent, csrf) => Ok(()),
        _ => Err(Failure::Forbidden(
            "the form has expired or did not come from this console; reload the page and try again"
                .into(),
        )),
    }
}

/// The CSRF token of the request's session, left by [`SignedIn`] for
/// [`ChangeForm`].
#[derive(Clone)]
struct SessionCsrf(String);

/// The form of a change, its CSRF token checked against the session's:
/// every handler that changes something takes its fields this way, after
/// [`SignedIn`], so the check lives in one place and cannot be left out.
pub struct ChangeForm(pub Fields);

impl FromRequest<AppState> for ChangeForm {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let csrf = request.extensions().get::<SessionCsrf>().cloned();
        let Form(fields) = Form::<Fields>::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        // Without a session there is no token to match: refused like a
        // form without one.
        let csrf = csrf.map(|SessionCsrf(c)| c).unwrap_or_default();
        session_form(&csrf, &fields).map_err(|e| PageError(e).into_response())?;
        Ok(Self(fields))
    }
}

pub enum NotSignedIn {
    Redirect,
    /// Signed in with the password; the second factor is still to come.
    SecondFactorDue,
    Failed(PageError),
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        match self {
            Self::Redirect => Redirect::to("/login").into_response(),
            Self::SecondFactorDue => Redirect::to("/login/code").into_response(),
            Self::Failed(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = NotSignedIn;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(NotSignedIn::Redirect);
        };
        match state.admin().session(&token).await {
            Ok(Some((session, _))) if session.second_factor_due => {
                Err(NotSignedIn::SecondFactorDue)
            }
            Ok(Some((session, admin))) => {
                parts.extensions.insert(SessionCsrf(session.csrf.clone()));
                Ok(Self {
                    admin,
                    session,
                    token,
                    ip: mismo_core::web::client_ip(parts),
                })
            }
            Ok(None) => Err(NotSignedIn::Redirect),
            Err(e) => Err(NotSignedIn::Failed(e.into())),
        }
    }
}

async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if let Ok(Some((session, _))) = state.admin().session(&token).await {
            let next = if session.second_factor_due {
                "/login/code"
            } else {
                "/"
            };
            return Redirect::to(next).into_response();
        }
    }
    login_form(&headers, StatusCode::OK, None, "")
}

/// The sign-in form with a fresh double-submit token.
fn login_form(
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<&str>,
    username: &str,
) -> Response {
    sign_in::form(headers, LOGIN_COOKIE, status, |csrf| {
        render(
            "login.html",
            minijinja::context! { title => "Sign in", csrf, error, username },
        )
    })
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, PageError> {
    let sent = fields.get("csrf").map(String::as_str).unwrap_or("");
    if !sign_in::form_is_genuine(&headers, LOGIN_COOKIE, sent) {
        return Ok(login_form(
            &headers,
            StatusCode::FORBIDDEN,
            Some("The sign-in form expired; please try again."),
            "",
        ));
    }
    let username = field(&fields, "username")?.trim();
    let password = field(&fields, "password")?;
    match auth::login_administrator(&state.store, peer.ip(), username, password).await? {
        Login::Opened(admin) => {
            let token = state.admin().open_session(&admin).await?;
            let next = match admin.totp {
                Some(_) => "/login/code",
                None => {
                    tracing::info!(admin = %admin.name, peer = %peer.ip(), "signed in");
                    "/"
                }
            };
            Ok(with_session(&headers, &token, next))
        }
        Login::Refused { .. } => {
            tracing::info!(user = username, peer = %peer.ip(), "sign-in failed");
            Ok(login_form(
                &headers,
                StatusCode::UNAUTHORIZED,
                Some("Wrong name or password."),
                username,
            ))
        }
        Login::Blocked => Err(Failure::TooMany.into()),
        Login::Busy => Err(Failure::Unavailable.into()),
    }
}

/// A redirect to `next` that sets the session cookie (and drops the
/// sign-in form's).
fn with_session(headers: &HeaderMap, token: &str, next: &str) -> Response {
    let lifetime = mismo_core::admin::SESSION_LIFETIME.as_secs() as i64;
    sign_in::signed_in(headers, SESSION_COOKIE, LOGIN_COOKIE, token, lifetime, next)
}

/// The session waiting for its second factor, and the cookie's token.
async fn waiting(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(AdminSession, String)>, PageError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    match state.admin().session(&token).await? {
        Some((session, _)) if session.second_factor_due => Ok(Some((session, token))),
        _ => Ok(None),
    }
}

fn code_form(status: StatusCode, csrf: &str, error: Option<&str>) -> Response {
    let page = render(
        "login_code.html",
        minijinja::context! { title => "Second factor", csrf, error },
    );
    (status, Html(page)).into_response()
}

async fn code_page(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    match waiting(&state, &headers).await? {
        Some((session, _)) => Ok(code_form(StatusCode::OK, &session.csrf, None)),
        None => Ok(Redirect::to("/login").into_response()),
    }
}

/// The second step of signing in: a code from the authenticator app, or a
/// recovery code.
async fn code(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, PageError> {
    let Some((session, token)) = waiting(&state, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    session_form(&session.csrf, &fields)?;
    let code = field(&fields, "code")?;
    match auth::second_factor(&state.store, peer.ip(), &session.admin, code).await? {
        Login::Opened(admin) => {
            let fresh = state.admin().complete_session(&token).await?;
            tracing::info!(admin = %admin.name, peer = %peer.ip(), "signed in with a second factor");
            Ok(with_session(&headers, &fresh, "/"))
        }
        Login::Refused { .. } => {
            tracing::info!(admin = %session.admin, peer = %peer.ip(), "second factor refused");
            Ok(code_form(
                StatusCode::UNAUTHORIZED,
                &session.csrf,
                Some("That code is wrong, or was used already."),
            ))
        }
        Login::Blocked => Err(Failure::TooMany.into()),
        Login::Busy => Err(Failure::Unavailable.into()),
    }
}

async fn logout(
    State(state): State<AppState>,
    signed: SignedIn,
    headers: HeaderMap,
    _checked: ChangeForm,
) -> Result<Response, PageError> {
    state.admin().close_session(&signed.token).await?;
    let cookie = set_cookie(SESSION_COOKIE, "", 0, over_tls(&headers));
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}
