//! The error counter every protocol session keeps: a client that sends
//! little but bad commands (a confused script, a probe, a speaker of another
//! protocol) is disconnected instead of served forever.

/// Bad commands a client may send before it is disconnected; as Postfix's
/// smtpd_hard_error_limit.
pub const MAX_ERRORS: u32 = 20;

#[derive(Debug, Default)]
pub struct ErrorBudget {
    spent: u32,
}

impl ErrorBudget {
    /// Counts one error; true while the client may go on.
    pub fn spend(&mut self) -> bool {
        self.spent += 1;
        self.spent <= MAX_ERRORS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_out_after_the_limit() {
        let mut budget = ErrorBudget::default();
        for _ in 0..MAX_ERRORS {
            assert!(budget.spend());
        }
        assert!(!budget.spend());
    }
}
