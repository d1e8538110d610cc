//! A `bool` kept in the store as 1 or 0: the model's convention for flags
//! (see the module's documentation), so documents read alike everywhere.

use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(value: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i32(i32::from(*value))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(i64::deserialize(d)? != 0)
}
