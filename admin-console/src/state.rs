//! What every request handler shares.

use mismo_core::admin::Admin;
use mismo_core::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    pub fn admin(&self) -> Admin<'_> {
        Admin::new(&self.store)
    }
}
