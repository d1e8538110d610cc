//! What an administrator may see and change. A domain administrator is
//! told "not found" about any other domain, exactly as about one that does
//! not exist, so the console reveals nothing outside their domains.

use mismo_core::model::{AdminRole, Administrator};

use mismo_core::web::HttpError;

/// The domain, if this administrator manages it; else the same 404 as for
/// a domain that does not exist.
pub fn domain(admin: &Administrator, name: &str) -> Result<(), HttpError> {
    match admin.manages(name) {
        true => Ok(()),
        false => Err(HttpError::NotFound(format!("no domain {name}"))),
    }
}

/// The domains a listing is narrowed to: `None` (all) for a global
/// administrator.
pub fn domains(admin: &Administrator) -> Option<&[String]> {
    match admin.role {
        AdminRole::Global => None,
        AdminRole::Domain => Some(&admin.domains),
    }
}

/// Only a global administrator may do this (add or remove domains, see the
/// whole queue).
pub fn global(admin: &Administrator) -> Result<(), HttpError> {
    match admin.role {
        AdminRole::Global => Ok(()),
        AdminRole::Domain => Err(HttpError::Forbidden(
            "only a global administrator may do this".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(role: AdminRole, domains: &[&str]) -> Administrator {
        Administrator {
            name: "a".into(),
            password_hash: String::new(),
            role,
            domains: domains.iter().map(|d| d.to_string()).collect(),
            created_at: 0,
            totp: None,
            totp_pending: None,
        }
    }

    #[test]
    fn domain_administrators_see_only_their_domains() {
        let ann = admin(AdminRole::Domain, &["a.test"]);
        assert!(domain(&ann, "a.test").is_ok());
        assert!(matches!(
            domain(&ann, "b.test"),
            Err(HttpError::NotFound(_))
        ));
        assert!(matches!(global(&ann), Err(HttpError::Forbidden(_))));
        let root = admin(AdminRole::Global, &[]);
        assert!(domain(&root, "b.test").is_ok() && global(&root).is_ok());
    }
}
