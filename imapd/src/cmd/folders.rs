//! Changing the folder tree: CREATE, DELETE, RENAME (INBOX's own rule
//! included), SUBSCRIBE and UNSUBSCRIBE.

use mismo_core::model::Folder;
use mismo_core::StoreError;

use super::{no, CommandError, Outcome};
use crate::connection::Connection;
use crate::session::State;

const EXISTS: &str = "[ALREADYEXISTS] Folder exists already";
const INBOX_EXISTS: &str = "[ALREADYEXISTS] INBOX always exists";
/// RFC 5530 LIMIT: the mailbox has as many folders as it may.
const TOO_MANY: &str = "[LIMIT] Too many folders";

/// How a folder the store would not make or name is answered: a twin's
/// name, or one folder too many; anything else is the store's failure.
fn refusal(e: StoreError) -> CommandError {
    match e {
        StoreError::Duplicate(_) => no(EXISTS),
        StoreError::Limit(_) => no(TOO_MANY),
        e => e.into(),
    }
}

impl Connection {
    pub(crate) async fn create(&mut self, tag: &str, name: &str) -> Outcome {
        let name = Folder::normalise(name.trim_end_matches('/'));
        Folder::check_name(&name).map_err(no)?;
        if Folder::is_inbox(&name) {
            return Err(no(INBOX_EXISTS));
        }
        let mailbox = self.mailbox();
        let store = &self.server.store;
        // RFC 3501 6.3.3: the levels above it are created too.
        let levels: Vec<&str> = name.split('/').collect();
        for depth in 1..levels.len() {
            let parent = levels[..depth].join("/");
            if store.get_folder(&mailbox, &parent).await?.is_some() {
                continue;
            }
            match store.create_folder(&mailbox, &parent).await {
                Ok(_) | Err(StoreError::Duplicate(_)) => {}
                Err(e) => return Err(refusal(e)),
            }
        }
        store
            .create_folder(&mailbox, &name)
            .await
            .map_err(refusal)?;
        self.ok(tag, "", "CREATE completed").await
    }

    pub(crate) async fn delete(&mut self, tag: &str, name: &str) -> Outcome {
        if Folder::is_inbox(name) {
            return Err(no("[CANNOT] INBOX cannot be deleted"));
        }
        let mailbox = self.mailbox();
        let folder = self.folder(&mailbox, name).await?;
        if let State::Selected { folder: f, .. } = &self.session.state {
            if f.id == folder.id {
                self.session.state = State::Authenticated {
                    mailbox: mailbox.clone(),
                };
            }
        }
        self.server.store.delete_folder(&mailbox, &folder).await?;
        self.ok(tag, "", "DELETE completed").await
    }

    pub(crate) async fn rename(&mut self, tag: &str, from: &str, to: &str) -> Outcome {
        let to = Folder::normalise(to.trim_end_matches('/'));
        Folder::check_name(&to).map_err(no)?;
        if Folder::is_inbox(&to) {
            return Err(no(INBOX_EXISTS));
        }
        let mailbox = self.mailbox();
        if Folder::is_inbox(from) {
            return self.rename_inbox(tag, &mailbox, &to).await;
        }
        match self.server.store.rename_folder(&mailbox, from, &to).await {
            Ok(true) => self.ok(tag, "", "RENAME completed").await,
            Ok(false) => Err(no("[NONEXISTENT] No such folder")),
            Err(e) => Err(refusal(e)),
        }
    }

    /// RFC 9051 6.3.6: INBOX's messages move to the new folder; INBOX
    /// stays, empty.
    async fn rename_inbox(&mut self, tag: &str, mailbox: &str, to: &str) -> Outcome {
        let target = self
            .server
            .store
            .create_folder(mailbox, to)
            .await
            .map_err(refusal)?;
        let inbox = Folder::inbox_id(mailbox);
        let entries = self.server.store.list_folder(mailbox, &inbox).await?;
        let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
        self.copy_entries(mailbox, &entries, &target).await?;
        self.server.store.delete_entries(mailbox, &ids).await?;
        self.ok(tag, "", "RENAME completed").await
    }

    pub(crate) async fn subscribe(&mut self, tag: &str, name: &str, on: bool) -> Outcome {
        let mailbox = self.mailbox();
        if !self.server.store.set_subscribed(&mailbox, name, on).await? {
            return Err(no("[NONEXISTENT] No such folder"));
        }
        let verb = if on { "SUBSCRIBE" } else { "UNSUBSCRIBE" };
        self.ok(tag, "", &format!("{verb} completed")).await
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::testing::{Client, ZOE};

    #[tokio::test]
    async fn create_makes_the_levels_above_and_refuses_twins() {
        let mut c = Client::signed_in().await;
        assert_eq!(
            c.run("a CREATE Work/2026/Q4/").await,
            "a OK CREATE completed\r\n"
        );
        let list = c.run("b LIST \"\" Work*").await;
        let work = list.lines().find(|l| l.ends_with(" \"Work\"")).unwrap();
        assert!(work.contains("\\HasChildren"), "{list}");
        assert!(list.contains("\"Work/2026/Q4\"\r\n"), "{list}");
        assert_eq!(
            c.run("c CREATE Work").await,
            "c NO [ALREADYEXISTS] Folder exists already\r\n"
        );
        assert_eq!(
            c.run("d CREATE inbox").await,
            "d NO [ALREADYEXISTS] INBOX always exists\r\n"
        );
    }

    #[tokio::test]
    async fn delete_unselects_and_refuses_inbox() {
        let mut c = Client::signed_in().await;
        c.run("a CREATE Old").await;
        c.run("b SELECT Old").await;
        assert_eq!(c.run("c DELETE Old").await, "c OK DELETE completed\r\n");
        // Nothing is selected any more.
        assert!(c.run("d FETCH 1 FLAGS").await.starts_with("d BAD "));
        assert_eq!(
            c.run("e DELETE Old").await,
            "e NO [NONEXISTENT] No such folder\r\n"
        );
        assert_eq!(
            c.run("f DELETE INBOX").await,
            "f NO [CANNOT] INBOX cannot be deleted\r\n"
        );
    }

    #[tokio::test]
    async fn rename_moves_a_folder_and_renaming_inbox_moves_its_mail() {
        let mut c = Client::signed_in().await;
        c.run("a CREATE A").await;
        assert_eq!(c.run("b RENAME A B").await, "b OK RENAME completed\r\n");
        assert_eq!(
            c.run("c RENAME A C").await,
            "c NO [NONEXISTENT] No such folder\r\n"
        );
        assert_eq!(
            c.run("d RENAME B Sent").await,
            "d NO [ALREADYEXISTS] Folder exists already\r\n"
        );
        c.deliver("Subject: kept\r\n\r\nx\r\n").await;
        assert_eq!(
            c.run("e RENAME INBOX Archive").await,
            "e OK RENAME completed\r\n"
        );
        let status = c.run("f STATUS Archive (MESSAGES)").await;
        assert!(
            status.starts_with("* STATUS \"Archive\" (MESSAGES 1)"),
            "{status}"
        );
        let status = c.run("g STATUS INBOX (MESSAGES)").await;
        assert!(
            status.starts_with("* STATUS \"INBOX\" (MESSAGES 0)"),
            "{status}"
        );
    }

    #[tokio::test]
    async fn a_mailbox_holds_a_bounded_number_of_folders() {
        let mut c = Client::signed_in().await;
        let mut made = 0;
        while c
            .store
            .create_folder(ZOE, &format!("f{made}"))
            .await
            .is_ok()
        {
            made += 1;
        }
        // The five every mailbox starts with, and the rest up to the bound.
        assert_eq!(made + 5, mismo_core::store::MAX_FOLDERS);
        assert_eq!(
            c.run("a CREATE One/More").await,
            "a NO [LIMIT] Too many folders\r\n"
        );
        assert_eq!(
            c.run("b RENAME INBOX Elsewhere").await,
            "b NO [LIMIT] Too many folders\r\n"
        );
        c.run("c DELETE f0").await;
        assert_eq!(c.run("d CREATE g").await, "d OK CREATE completed\r\n");
    }

    #[tokio::test]
    async fn subscriptions() {
        let mut c = Client::signed_in().await;
        c.run("a CREATE News").await;
        c.run("b UNSUBSCRIBE News").await;
        assert!(!c.run("c LSUB \"\" *").await.contains("News"));
        assert_eq!(
            c.run("d SUBSCRIBE News").await,
            "d OK SUBSCRIBE completed\r\n"
        );
        assert!(c.run("e LSUB \"\" *").await.contains("\"News\""));
        assert_eq!(
            c.run("f SUBSCRIBE Nowhere").await,
            "f NO [NONEXISTENT] No such folder\r\n"
        );
    }
}
