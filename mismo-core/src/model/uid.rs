use serde::{Deserialize, Serialize};

/// An IMAP UID (RFC 9051 2.3.1.1): a message's number in its folder, 32
/// bits on the wire. Stored as an integer like every number in the store,
/// so documents written before this type read the same.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(into = "i64", try_from = "i64")]
pub struct Uid(u32);

impl Uid {
    pub const fn new(n: u32) -> Self {
        Self(n)
    }

    pub const fn get(self) -> u32 {
        self.0
    }
}

/// A stored number that is no UID (negative, or past 32 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAUid(pub i64);

impl std::fmt::Display for NotAUid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is not a UID", self.0)
    }
}

impl TryFrom<i64> for Uid {
    type Error = NotAUid;

    fn try_from(n: i64) -> Result<Self, NotAUid> {
        u32::try_from(n).map(Uid).map_err(|_| NotAUid(n))
    }
}

impl From<Uid> for i64 {
    fn from(uid: Uid) -> i64 {
        i64::from(uid.0)
    }
}

impl PartialEq<u32> for Uid {
    fn eq(&self, other: &u32) -> bool {
        self.0 == *other
    }
}

impl std::fmt::Display for Uid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_stored_as_integers_and_read_back() {
        #[derive(Serialize, Deserialize)]
        struct Holder {
            uid: Uid,
        }
        let doc = mongodb::bson::to_document(&Holder { uid: Uid::new(7) }).unwrap();
        assert_eq!(doc.get_i64("uid"), Ok(7));
        let back: Holder = mongodb::bson::from_document(doc).unwrap();
        assert_eq!(back.uid, 7);
        let old: Holder =
            mongodb::bson::from_document(mongodb::bson::doc! { "uid": 9_i32 }).unwrap();
        assert_eq!(old.uid, 9, "an Int32 from an older writer reads too");
        assert!(
            mongodb::bson::from_document::<Holder>(mongodb::bson::doc! { "uid": -1_i64 }).is_err()
        );
        assert_eq!(Uid::try_from(1_i64 << 32), Err(NotAUid(1 << 32)));
    }
}
