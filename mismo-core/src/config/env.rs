//! Where settings come from: the process environment after `.env` has been loaded.
//!
//! Settings are read from an explicit snapshot (`Env`) rather than straight from
//! `std::env`, so tests can hand in any set of variables without touching the
//! process environment that other threads read.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use super::ConfigError;

/// A snapshot of the variables a binary was started with.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
    /// Every variable asked for, in order, with its default as text: what
    /// `--help` lists, taken from the code that reads the settings so the
    /// two cannot drift apart.
    asked: Arc<Mutex<Vec<(&'static str, String)>>>,
}

impl Env {
    /// Loads `.env` from the working directory (real environment wins, as dotenvy
    /// never overrides a variable that is already set), then snapshots the
    /// environment. A `.env` that cannot be parsed is an error, not a silent skip.
    pub fn load() -> Result<Self, ConfigError> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => {
                return Err(ConfigError::DotEnv(e.to_string()));
            }
        }
        Ok(Self::from_pairs(std::env::vars()))
    }

    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            asked: Arc::default(),
        }
    }

    /// The variables read so far and their defaults (`unset` when there is none).
    pub fn asked(&self) -> Vec<(&'static str, String)> {
        self.asked.lock().expect("env").clone()
    }

    fn note(&self, name: &'static str, default: String) {
        let mut asked = self.asked.lock().expect("env");
        if !asked.iter().any(|(n, _)| *n == name) {
            asked.push((name, default));
        }
    }

    /// The value of `name`, with surrounding blanks removed; an empty value counts
    /// as unset so `FOO=` in `.env` falls back to the default.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Parses `name` with `parse`, or returns `default` when it is unset.
    pub fn get<T: Debug>(
        &self,
        name: &'static str,
        default: T,
        parse: impl Fn(&str) -> Result<T, &'static str>,
    ) -> Result<T, ConfigError> {
        self.note(name, format!("{default:?}").trim_matches('"').to_string());
        match self.raw(name) {
            None => Ok(default),
            Some(value) => parse(value).map_err(|expected| ConfigError::Invalid {
                var: name,
                value: value.to_string(),
                expected,
            }),
        }
    }

    /// Like [`Env::get`] for a setting whose default is "unset".
    pub fn get_opt<T: Debug>(
        &self,
        name: &'static str,
        parse: impl Fn(&str) -> Result<T, &'static str>,
    ) -> Result<Option<T>, ConfigError> {
        self.note(name, "unset".into());
        self.get(name, None, |v| parse(v).map(Some))
    }
}
