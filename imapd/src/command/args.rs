//! Reading a command's arguments one token at a time, each refusal naming
//! what was missing.

use std::collections::VecDeque;

use super::{Invalid, NOT_UTF7};
use crate::parse::Token;
use crate::sequence::SequenceSet;
use crate::utf7;

pub(super) struct Args(VecDeque<Token>);

impl Args {
    pub(super) fn new(tokens: Vec<Token>) -> Self {
        Self(tokens.into())
    }

    pub(super) fn next(&mut self) -> Option<Token> {
        self.0.pop_front()
    }

    /// All the tokens not yet read.
    pub(super) fn rest(&mut self) -> Vec<Token> {
        self.0.drain(..).collect()
    }

    /// Refuses arguments left over once a command has read its own.
    pub(super) fn finish(&self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err("Too many arguments".into())
        }
    }

    pub(super) fn astring(&mut self, what: &str) -> Result<String, Invalid> {
        self.next()
            .and_then(|t| t.astring())
            .ok_or_else(|| format!("Missing or invalid {what}"))
    }

    /// A folder name or pattern, decoded from modified UTF-7.
    pub(super) fn folder(&mut self, what: &str) -> Result<String, Invalid> {
        utf7::decode(&self.astring(what)?).map_err(|_| NOT_UTF7.to_string())
    }

    pub(super) fn optional_astring(&mut self) -> Option<String> {
        self.next().and_then(|t| t.astring())
    }

    pub(super) fn atom(&mut self, what: &str) -> Result<String, Invalid> {
        match self.next() {
            Some(Token::Atom(a)) => Ok(a),
            _ => Err(format!("Missing or invalid {what}")),
        }
    }

    pub(super) fn list(&mut self, what: &str) -> Result<Vec<Token>, Invalid> {
        match self.next() {
            Some(Token::List(items)) => Ok(items),
            _ => Err(format!("Missing or invalid {what}")),
        }
    }

    pub(super) fn optional_list(&mut self) -> Option<Vec<Token>> {
        if matches!(self.0.front(), Some(Token::List(_))) {
            match self.next() {
                Some(Token::List(items)) => Some(items),
                _ => None,
            }
        } else {
            None
        }
    }

    pub(super) fn set(&mut self) -> Result<SequenceSet, Invalid> {
        let text = self.atom("sequence set")?;
        SequenceSet::parse(&text).map_err(str::to_string)
    }

    /// An optional list of `NAME value` modifiers (FETCH's CHANGEDSINCE,
    /// STORE's UNCHANGEDSINCE) where `name` is the only one known.
    pub(super) fn modifier(&mut self, name: &str, command: &str) -> Result<Option<i64>, Invalid> {
        let mut value = None;
        if let Some(mods) = self.optional_list() {
            let mut it = mods.into_iter();
            while let Some(m) = it.next() {
                match m.atom() {
                    Some(a) if a.eq_ignore_ascii_case(name) => {
                        value = Some(number(it.next().as_ref())?);
                    }
                    _ => return Err(format!("Unknown {command} modifier")),
                }
            }
        }
        Ok(value)
    }
}

pub(super) fn number(token: Option<&Token>) -> Result<i64, Invalid> {
    token
        .and_then(Token::atom)
        .and_then(|a| a.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(|| "Invalid number".to_string())
}
