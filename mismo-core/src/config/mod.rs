//! Typed settings for every Mismo binary, read from the environment (after `.env`).
//!
//! The variables, their defaults and meanings are the ones in `.env.example`.
//! Settings are parsed by hand from an [`Env`] snapshot rather than through a
//! serde deserializer, because serde-based env loaders lose the variable's name
//! in their errors for custom value forms, and an operator must be told which
//! variable is wrong and what form it wants. The structs still derive
//! `Serialize` so a service can show the settings it runs with.

mod env;
mod settings;
pub mod usage;
pub mod values;

pub use env::Env;
pub use settings::*;

/// Why a binary could not start with the environment it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}: invalid value {value:?}: expected {expected}")]
    Invalid {
        var: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{var}: must be set together with {other}")]
    Incomplete {
        var: &'static str,
        other: &'static str,
    },
    #[error(".env: {0}")]
    DotEnv(String),
}

/// Reads the settings of one binary from the real environment, or prints the
/// reason and exits with status 2 (the usual code for bad configuration).
pub fn load_or_exit<T: FromEnv>(binary: &str) -> T {
    match Env::load().and_then(|env| T::from_env(&env)) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("{binary}: configuration error: {e}");
            std::process::exit(2);
        }
    }
}

/// A settings struct that can be read from an [`Env`].
pub trait FromEnv: Sized {
    fn from_env(env: &Env) -> Result<Self, ConfigError>;
}
