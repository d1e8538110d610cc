//! The signed-in administrator's own account: the TOTP second factor,
//! turned on by scanning a QR code and confirming one code (recovery codes
//! are then shown once), and turned off with the password.

use axum::extract::{ConnectInfo, State};
use axum::response::{Html, Redirect};
use mismo_core::auth::{self, Login};

use crate::session::SignedIn;
use crate::state::AppState;
use mismo_core::web::ChangeForm;
use mismo_core::web::HttpError;

/// The `otpauth://` URL as an SVG QR code, drawn on the server so the page
/// needs no script; without its XML prolog, to sit inside the page.
fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    let start = svg.find("<svg")?;
    Some(svg[start..].to_string())
}

async fn page(
    state: &AppState,
    signed: &SignedIn,
    recovery: Option<Vec<String>>,
) -> Result<Html<String>, HttpError> {
    let pending = state.admin().pending_totp(&signed.admin.name).await?;
    let enrolment = pending.map(|e| {
        // The QR code is generated from our own URL; the template shows it
        // unescaped, so it must never hold anything else.
        minijinja::context! { secret => e.secret, url => e.url, qr => qr_svg(&e.url) }
    });
    let context = minijinja::context! {
        title => "Your account",
        domains => signed.admin.domains,
        totp_on => signed.admin.totp.is_some(),
        recovery_left => signed.admin.totp.as_ref().map(|f| f.recovery.len()),
        enrolment,
        recovery,
    };
    Ok(super::show(signed, "account.html", "account", context))
}

pub async fn show(
    State(state): State<AppState>,
    signed: SignedIn,
) -> Result<Html<String>, HttpError> {
    page(&state, &signed, None).await
}

pub async fn start_totp(
    State(state): State<AppState>,
    signed: SignedIn,
    _checked: ChangeForm,
) -> Result<Redirect, HttpError> {
    state.admin().start_totp(&signed.admin.name).await?;
    Ok(Redirect::to("/account"))
}

/// Answered with the page itself, which shows the recovery codes this
/// once; they are not kept anywhere they could be shown again.
pub async fn confirm_totp(
    State(state): State<AppState>,
    signed: SignedIn,
    ChangeForm(fields): ChangeForm,
) -> Result<Html<String>, HttpError> {
    let now = mismo_core::model::now_ms().max(0) as u64 / 1000;
    let name = &signed.admin.name;
    let codes = state
        .admin()
        .confirm_totp(name, fields.get("code")?, now)
        .await?;
    signed
        .actor()
        .record(&state, "admin.totp.on", name, "", None)
        .await;
    let mut signed = signed;
    signed.admin = state.admin().administrator(&signed.admin.name).await?;
    page(&state, &signed, Some(codes)).await
}

pub async fn disable_totp(
    State(state): State<AppState>,
    signed: SignedIn,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    ChangeForm(fields): ChangeForm,
) -> Result<Redirect, HttpError> {
    let name = &signed.admin.name;
    let password = fields.get("password")?;
    match auth::login_administrator(&state.store, peer.ip(), name, password).await? {
        Login::Opened(_) => {}
        Login::Refused { .. } => {
            return Err(HttpError::Forbidden("that is not your password".into()))
        }
        Login::Blocked => return Err(HttpError::TooMany),
        Login::Busy => return Err(HttpError::Unavailable),
    }
    state.admin().disable_totp(name).await?;
    signed
        .actor()
        .record(&state, "admin.totp.off", name, "", None)
        .await;
    Ok(Redirect::to("/account"))
}
