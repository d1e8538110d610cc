//! Mismo's shared library: settings, the data model and the MongoDB store.

pub mod admin;
pub mod auth;
pub mod config;
pub mod directory;
pub mod display;
pub mod dkim;
pub mod dns;
#[doc(hidden)]
pub mod fuzzing;
pub mod login_cache;
pub mod memory;
pub mod model;
pub mod net;
pub mod password;
pub mod periodic;
#[cfg(feature = "pgp")]
pub mod pgp;
pub mod received;
pub mod sasl;
pub mod second_factor;
pub mod sending;
pub mod server;
pub mod service;
pub mod session_check;
pub mod shutdown;
pub mod srs;
pub mod starting;
pub mod store;
pub mod summary;
pub mod telemetry;
pub mod tls;
#[cfg(feature = "web")]
pub mod web;

pub use directory::Directory;
/// The BSON types the store's documents use (dates, binaries).
pub use mongodb::bson;
pub use store::{Store, StoreError, StoreResult};
