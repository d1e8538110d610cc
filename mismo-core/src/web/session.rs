//! Who is signed in: a session named by a token in an HttpOnly,
//! SameSite=Strict cookie, looked up at every request. What a session is
//! (a mailbox's, an administrator's) is the app's own: it says so by
//! implementing [`Sessions`] on its state.

use std::future::Future;
use std::ops::{Deref, DerefMut};

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use super::error::HttpError;
use super::{cookie, set_cookie};

/// An app's sessions.
pub trait Sessions: Send + Sync + 'static {
    /// Who holds a session, as the app's handlers need it.
    type Holder: Send;
    /// The app's name in what it tells people ("webmail", "console").
    const APP: &'static str;
    /// The cookie that carries the session's token.
    const COOKIE: &'static str;

    /// The session `token` names, as seen from the request `parts`.
    fn open(
        &self,
        token: &str,
        parts: &Parts,
    ) -> impl Future<Output = Result<Opened<Self::Holder>, HttpError>> + Send;
}

/// What a session token led to.
pub enum Opened<H> {
    /// A live session: its holder, and the CSRF token its forms carry.
    Live { holder: H, csrf: String },
    /// No such session: to the sign-in page.
    Unknown,
    /// Signed in, but a step is still due there (a second factor).
    Due(&'static str),
    /// The session ended (its mailbox was disabled or removed): its
    /// cookie is dropped and the sign-in page says why.
    Ended,
}

/// The CSRF token of the request's session, left by [`SignedIn`] for
/// [`super::ChangeForm`].
#[derive(Clone)]
pub struct SessionCsrf(pub String);

/// The holder of the request's session; without one, the browser is sent
/// to the sign-in page. Reads as the holder itself.
pub struct SignedIn<H>(pub H);

impl<H> Deref for SignedIn<H> {
    type Target = H;

    fn deref(&self) -> &H {
        &self.0
    }
}

impl<H> DerefMut for SignedIn<H> {
    fn deref_mut(&mut self) -> &mut H {
        &mut self.0
    }
}

/// Why a request has no one signed in, as the browser is answered.
pub enum NotSignedIn {
    /// To the sign-in page.
    SignIn,
    /// To where a step of signing in is due.
    Due(&'static str),
    /// Signed out by the server: the cookie named is dropped.
    Ended(&'static str),
    Failed(HttpError),
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        match self {
            Self::SignIn => Redirect::to("/login").into_response(),
            Self::Due(path) => Redirect::to(path).into_response(),
            Self::Ended(name) => (
                [(header::SET_COOKIE, set_cookie(name, "", 0, false))],
                Redirect::to("/login?ended=1"),
            )
                .into_response(),
            Self::Failed(e) => e.into_response(),
        }
    }
}

impl<S: Sessions> FromRequestParts<S> for SignedIn<S::Holder> {
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, NotSignedIn> {
        let Some(token) = cookie(&parts.headers, S::COOKIE) else {
            return Err(NotSignedIn::SignIn);
        };
        match state.open(&token, parts).await {
            Ok(Opened::Live { holder, csrf }) => {
                parts.extensions.insert(SessionCsrf(csrf));
                Ok(SignedIn(holder))
            }
            Ok(Opened::Unknown) => Err(NotSignedIn::SignIn),
            Ok(Opened::Due(path)) => Err(NotSignedIn::Due(path)),
            Ok(Opened::Ended) => Err(NotSignedIn::Ended(S::COOKIE)),
            Err(e) => Err(NotSignedIn::Failed(e)),
        }
    }
}
