//! Signing in and out, and who is signed in.
//!
//! A session is a document in the store (`webmail_sessions`) named by the
//! hash of a random token kept in an HttpOnly, SameSite=Strict cookie.
//! Every form of a session carries its CSRF token; the sign-in form, before
//! there is a session, carries one that must match a cookie of its own
//! (double submit). Failed sign-ins draw on the per-address budget every
//! login to Mismo shares: slowed, then refused. The mailbox is read again
//! at every request, so one disabled (or removed) mid-session is signed out
//! at its next click.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use mismo_core::admin::{new_token, token_hash};
use mismo_core::auth::{self, Login};
use mismo_core::model::{now_ms, MailSession, Mailbox};
use mismo_core::web::{
    cookie, over_tls, set_cookie, sign_in, ChangeForm, Fields, HttpError, Opened, Sessions,
};

use crate::state::AppState;
use crate::templates::render;

const SESSION_COOKIE: &str = "mismo_mail";
const LOGIN_COOKIE: &str = "mismo_mail_login";
/// How long a session lasts from sign-in.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

/// Who is signed in to webmail: the mailbox (read again at every request,
/// so one disabled or removed mid-session is signed out at its next click),
/// its session, and the address the request came from.
pub struct Holder {
    pub mailbox: Mailbox,
    pub session: MailSession,
    pub ip: std::net::IpAddr,
}

impl Holder {
    pub fn address(&self) -> &str {
        &self.mailbox.address
    }

    pub fn csrf(&self) -> &str {
        &self.session.csrf
    }
}

/// The signed-in mailbox of a request; without one, the browser is sent to
/// the sign-in page.
pub type SignedIn = mismo_core::web::SignedIn<Holder>;

impl Sessions for AppState {
    type Holder = Holder;
    const APP: &'static str = "webmail";
    const COOKIE: &'static str = SESSION_COOKIE;

    async fn open(&self, token: &str, parts: &Parts) -> Result<Opened<Holder>, HttpError> {
        let hash = token_hash(token);
        let Some(session) = self.store.get_mail_session(&hash).await? else {
            return Ok(Opened::Unknown);
        };
        let Some(mailbox) = auth::usable_mailbox(&self.store, &session.mailbox).await? else {
            tracing::info!(mailbox = %session.mailbox, "signed out: mailbox disabled or removed");
            if let Err(e) = self.store.remove_mail_session(&hash).await {
                tracing::warn!("removing an ended session: {e}");
            }
            return Ok(Opened::Ended);
        };
        Ok(Opened::Live {
            csrf: session.csrf.clone(),
            holder: Holder {
                mailbox,
                session,
                ip: mismo_core::web::client_ip(parts),
            },
        })
    }
}

#[derive(serde::Deserialize)]
struct LoginQuery {
    ended: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: axum::extract::Query<LoginQuery>,
) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if let Ok(Some(_)) = state.store.get_mail_session(&token_hash(&token)).await {
            return Redirect::to("/").into_response();
        }
    }
    let notice = query
        .ended
        .as_ref()
        .map(|_| "Your session ended: this mailbox is disabled.");
    login_form(&headers, StatusCode::OK, notice, "")
}

/// The sign-in form with a fresh double-submit token.
fn login_form(
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<&str>,
    address: &str,
) -> Response {
    sign_in::form(headers, LOGIN_COOKIE, status, |csrf| {
        render(
            "login.html",
            minijinja::context! { title => "Sign in", csrf, error, typed => address },
        )
    })
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Result<Response, HttpError> {
    let fields = Fields::parse(&body);
    if !sign_in::form_is_genuine(&headers, LOGIN_COOKIE, fields.opt("csrf").unwrap_or("")) {
        return Ok(login_form(
            &headers,
            StatusCode::FORBIDDEN,
            Some("The sign-in form expired; please try again."),
            "",
        ));
    }
    let address = fields.get("address")?.trim().to_ascii_lowercase();
    let password = fields.get("password")?;
    match auth::login(&state.store, peer.ip(), &address, password).await? {
        Login::Opened(mailbox) => {
            let token = new_token();
            let now = now_ms();
            let session = MailSession {
                token_hash: token_hash(&token),
                mailbox: mailbox.address.clone(),
                csrf: new_token(),
                created_at: now,
                expires_at: mongodb_date(now + SESSION_LIFETIME.as_millis() as i64),
            };
            state.store.insert_mail_session(&session).await?;
            // Folders exist from the mailbox's creation; this mends one made
            // before folders did.
            state.store.ensure_default_folders(&mailbox.address).await?;
            tracing::info!(mailbox = %mailbox.address, peer = %peer.ip(), "signed in");
            let lifetime = SESSION_LIFETIME.as_secs() as i64;
            Ok(sign_in::signed_in(
                &headers,
                SESSION_COOKIE,
                LOGIN_COOKIE,
                &token,
                lifetime,
                "/",
            ))
        }
        Login::Refused { .. } => {
            tracing::info!(user = %address, peer = %peer.ip(), "webmail sign-in failed");
            Ok(login_form(
                &headers,
                StatusCode::UNAUTHORIZED,
                Some("Wrong address or password, or this mailbox is disabled."),
                &address,
            ))
        }
        Login::Blocked => Err(HttpError::TooMany),
        Login::Busy => Err(HttpError::Unavailable),
    }
}

fn mongodb_date(ms: i64) -> mismo_core::bson::DateTime {
    mismo_core::bson::DateTime::from_millis(ms)
}

async fn logout(
    State(state): State<AppState>,
    signed: SignedIn,
    headers: HeaderMap,
    _checked: ChangeForm,
) -> Result<Response, HttpError> {
    state
        .store
        .remove_mail_session(&signed.session.token_hash)
        .await?;
    let cookie = set_cookie(SESSION_COOKIE, "", 0, over_tls(&headers));
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}
