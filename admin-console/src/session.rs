//! Signing in and out, and who is signed in.
//!
//! A session is a document in the store (`admin_sessions`) named by the
//! hash of a random token kept in an HttpOnly, SameSite=Strict cookie
//! (Secure when the request came over TLS). Every form of a session
//! carries the session's own CSRF token. The sign-in form, before there is
//! a session, carries a token that must match a cookie of its own (double
//! submit). Failed sign-ins draw on the same per-address budget as every
//! other login to Mismo: slowed down, then refused.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use mismo_core::auth::{self, Login};
use mismo_core::model::{AdminSession, Administrator};
use mismo_core::web::{
    cookie, over_tls, set_cookie, sign_in, ChangeForm, Fields, HttpError, Opened, Sessions,
};

use crate::actor::Actor;
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

/// Who is signed in to the console: the administrator, the session, its
/// token (to close it) and the address the request came from.
pub struct Holder {
    pub admin: Administrator,
    pub session: AdminSession,
    token: String,
    ip: std::net::IpAddr,
}

impl Holder {
    /// The administrator, acting from this request's address.
    pub fn actor(&self) -> Actor {
        Actor {
            admin: self.admin.clone(),
            ip: self.ip,
        }
    }
}

/// The signed-in administrator of a page request; without one, the
/// browser is sent to the sign-in page.
pub type SignedIn = mismo_core::web::SignedIn<Holder>;

impl Sessions for AppState {
    type Holder = Holder;
    const APP: &'static str = "console";
    const COOKIE: &'static str = SESSION_COOKIE;

    async fn open(&self, token: &str, parts: &Parts) -> Result<Opened<Holder>, HttpError> {
        Ok(match self.admin().session(token).await? {
            Some((session, _)) if session.second_factor_due => Opened::Due("/login/code"),
            Some((session, admin)) => Opened::Live {
                csrf: session.csrf.clone(),
                holder: Holder {
                    admin,
                    session,
                    token: token.to_string(),
                    ip: mismo_core::web::client_ip(parts),
                },
            },
            None => Opened::Unknown,
        })
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
    fields: Fields,
) -> Result<Response, HttpError> {
    let sent = fields.opt("csrf").unwrap_or("");
    if !sign_in::form_is_genuine(&headers, LOGIN_COOKIE, sent) {
        return Ok(login_form(
            &headers,
            StatusCode::FORBIDDEN,
            Some("The sign-in form expired; please try again."),
            "",
        ));
    }
    let username = fields.get("username")?.trim();
    let password = fields.get("password")?;
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
        Login::Blocked => Err(HttpError::TooMany),
        Login::Busy => Err(HttpError::Unavailable),
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
) -> Result<Option<(AdminSession, String)>, HttpError> {
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
) -> Result<Response, HttpError> {
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
    fields: Fields,
) -> Result<Response, HttpError> {
    let Some((session, token)) = waiting(&state, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    fields.check_csrf(&session.csrf, AppState::APP)?;
    let code = fields.get("code")?;
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
        Login::Blocked => Err(HttpError::TooMany),
        Login::Busy => Err(HttpError::Unavailable),
    }
}

async fn logout(
    State(state): State<AppState>,
    signed: SignedIn,
    headers: HeaderMap,
    _checked: ChangeForm,
) -> Result<Response, HttpError> {
    state.admin().close_session(&signed.token).await?;
    let cookie = set_cookie(SESSION_COOKIE, "", 0, over_tls(&headers));
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}
