//! Mismo's shared library: settings, the data model and the MongoDB store.

pub mod config;
pub mod model;
pub mod password;
pub mod shutdown;
pub mod store;
pub mod telemetry;

pub use store::{Store, StoreError, StoreResult};
