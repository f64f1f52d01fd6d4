//! Saved connections: metadata in a per-user JSON file, secrets in the OS keyring.
//!
//! - `record.rs`: [`ConnectionRecord`] (what is saved and shown), [`NewConnection`]
//!   (what a form submits), [`Secrets`]; a record's libpq keywords are a
//!   [`ConnInfo`](crate::conninfo::ConnInfo) without secrets (`params`).
//! - `file.rs`: `connections.json`: atomic writes, the lock, damaged files, migration.
//! - `secrets.rs`: the keyring (service `dev.sluice.app`, account `<id>/<kind>`).
//! - `paths.rs`: where the store lives (shared by the app and the CLI; `SLUICE_CONFIG_DIR` overrides).
//! - `error.rs`: [`StoreError`] (stable `kind`s) and [`StoreWarning`].
//!
//! # API
//!
//! [`Store`] is synchronous (keyring calls block); [`AsyncStore::call`] runs
//! one of its methods in `tokio::task::spawn_blocking`, for the app.
//!
//! - [`Store::open`] / [`Store::open_at`]: open (nothing is created until the
//!   first save). Reports, once, a damaged file that was moved aside
//!   ([`Store::warnings`]), and removes leftover secrets of deleted connections.
//! - [`keyring_available`]: whether the keyring answers (for a banner).
//! - [`Store::list`], [`Store::get`] (by id or case-insensitive name),
//!   [`Store::secrets`] (what is saved), [`Store::secrets_for`] (what may be
//!   sent to a route: the one place the saved-secret rule is decided).
//! - [`Store::add`], [`Store::update`] (per secret: keep, set or remove; a
//!   kept secret is dropped when the changes point it at another server,
//!   route or a weaker transport), [`Store::rename`], [`Store::duplicate`]
//!   (copies the secrets), [`Store::delete`], [`Store::record_test`].
//!
//! # Guarantees
//!
//! - Every change is a read-modify-write under an exclusive lock, re-reading
//!   the file under it, so concurrent writers (app and CLI) lose nothing.
//! - Add/update write the keyring first, then the file; if the file write
//!   fails the keyring is put back. Delete writes the file first, then
//!   removes the secrets; secrets that could not be removed are listed in the
//!   file and removed at a later open. Secrets being written are listed in
//!   the file beforehand, so a crash cannot leave an unreferenced secret
//!   behind. On failure the caller gets one error and the store is as before.
//! - With the keyring unavailable, saving fails with
//!   [`StoreError::KeyringUnavailable`]; [`SaveMode::WithoutSecrets`] saves the
//!   other fields and marks the record `password_saved: false`.

mod error;
mod file;
mod paths;
mod record;
mod route;
mod secrets;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use uuid::Uuid;

pub use error::{Result, StoreError, StoreWarning};
pub use file::VERSION as FILE_VERSION;
pub use paths::{config_dir, StorePaths, APP_ID, CONFIG_DIR_ENV, FILE_NAME, LOCK_NAME};
pub use crate::connection::Provider;
pub use record::{ConnectionRecord, NewConnection, SecretChange, SecretChanges, Secrets, TestSummary, Withheld};
pub use route::Route;
pub use secrets::{account, keyring_available, platform_hint, platform_store_name, select_platform_store, SecretKind, SERVICE};

use file::{FileDoc, LockGuard};
use secrets::{KeyringBackend, SecretBackend};

/// What [`Store::secrets_for`] gives a connection.
#[derive(Debug, Clone, Default)]
pub struct Granted {
    /// The saved secrets that may be sent.
    pub secrets: Secrets,
    /// The ones held back, and why.
    pub withheld: Vec<Withheld>,
    /// Secrets the record lists that the keyring no longer has (a reset
    /// keyring, another machine).
    pub missing: Vec<SecretKind>,
}

/// Whether to store the secrets given with a save.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaveMode {
    /// Secrets go to the keyring; if it is unavailable the save fails.
    #[default]
    WithSecrets,
    /// Leave the keyring alone: save the other fields and mark the record
    /// `password_saved: false`, so the password is asked for when testing.
    WithoutSecrets,
}

/// The connection store. Cheap to clone (shared state); `Send + Sync`.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    paths: StorePaths,
    backend: Box<dyn SecretBackend>,
    warnings: Mutex<Vec<StoreWarning>>,
    /// Unit tests: fail one file write after this many more succeed.
    #[cfg(test)]
    fail_writes_after: std::sync::atomic::AtomicUsize,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.inner.paths.dir).finish_non_exhaustive()
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

impl Store {
    /// Open the store in the default directory ([`config_dir`]).
    pub fn open() -> Result<Store> {
        Store::open_at(config_dir()?)
    }

    /// Open the store in `dir`, with the platform keyring.
    pub fn open_at(dir: impl Into<PathBuf>) -> Result<Store> {
        Store::open_with(dir.into(), Box::new(KeyringBackend::new()))
    }

    fn open_with(dir: PathBuf, backend: Box<dyn SecretBackend>) -> Result<Store> {
        let store = Store {
            inner: Arc::new(Inner {
                paths: StorePaths::new(dir),
                backend,
                warnings: Mutex::new(Vec::new()),
                #[cfg(test)]
                fail_writes_after: std::sync::atomic::AtomicUsize::new(usize::MAX),
            }),
        };
        store.startup()?;
        Ok(store)
    }

    /// The store's directory and files.
    pub fn paths(&self) -> &StorePaths {
        &self.inner.paths
    }

    pub fn dir(&self) -> &Path {
        &self.inner.paths.dir
    }

    /// What the user should be told about (a damaged file moved aside at
    /// open, secrets left behind by a delete). Not errors: the store works.
    pub fn warnings(&self) -> Vec<StoreWarning> {
        self.inner.warnings.lock().map(|w| w.clone()).unwrap_or_default()
    }

    fn warn(&self, w: StoreWarning) {
        if let Ok(mut list) = self.inner.warnings.lock() {
            list.push(w);
        }
    }

    /// Report a damaged file moved aside (once), remove leftover secrets, and
    /// the temporary file of a write that was killed (taking the lock does).
    fn startup(&self) -> Result<()> {
        let paths = &self.inner.paths;
        let leftover_temp = file::has_temp_files(&paths.dir);
        match file::read(paths) {
            Ok(None) if !leftover_temp => return Ok(()),
            Ok(Some(doc)) if !leftover_temp && doc.recovered_from.is_none() && doc.orphan_secrets.is_empty() => {
                return Ok(())
            }
            Err(file::ReadFailure::Refused(file::Refused::Newer(found))) => {
                return Err(StoreError::NewerVersion { path: paths.file.clone(), found, supported: file::VERSION })
            }
            _ => {}
        }
        let guard = file::lock(paths)?;
        let mut doc = match file::load_locked(paths, &guard) {
            Ok(doc) => doc,
            Err(StoreError::Corrupt { .. }) => {
                // Moved aside just now; the fresh file says so (unless it could not be written).
                file::load_locked(paths, &guard)?
            }
            Err(e) => return Err(e),
        };
        let mut changed = false;
        if let Some(recovery) = doc.recovered_from.take() {
            let error = recovery.error();
            self.warn(StoreWarning::RecoveredFrom {
                path: recovery.path,
                moved_to: recovery.moved_to,
                reason: recovery.reason,
                message: error.to_string(),
            });
            changed = true;
        }
        if !doc.orphan_secrets.is_empty() {
            let before = doc.orphan_secrets.len();
            self.clean_orphans(&mut doc);
            changed |= doc.orphan_secrets.len() != before;
        }
        if changed {
            if let Err(e) = self.write(&doc) {
                tracing::warn!(error = %e, "could not update the connections file after opening");
            }
        }
        Ok(())
    }

    /// Delete the keyring entries listed as orphans, unless a live record
    /// still claims them. Those that cannot be deleted stay listed.
    fn clean_orphans(&self, doc: &mut FileDoc) {
        let claimed: HashSet<String> =
            doc.connections.iter().flat_map(|r| r.secret_kinds().into_iter().map(|k| account(r.id, k))).collect();
        let mut left = Vec::new();
        for acct in std::mem::take(&mut doc.orphan_secrets) {
            if claimed.contains(&acct) || secrets::account_id(&acct).is_none() || left.contains(&acct) {
                continue;
            }
            match self.inner.backend.delete(&acct) {
                Ok(()) => tracing::debug!(account = %acct, "removed a leftover secret"),
                Err(e) => {
                    tracing::debug!(account = %acct, error = %e.0, "leftover secret not removed yet");
                    left.push(acct);
                }
            }
        }
        doc.orphan_secrets = left;
    }

    fn write(&self, doc: &FileDoc) -> Result<()> {
        #[cfg(test)]
        {
            use std::sync::atomic::Ordering;
            let left = self.inner.fail_writes_after.load(Ordering::SeqCst);
            if left == 0 {
                self.inner.fail_writes_after.store(usize::MAX, Ordering::SeqCst);
                return Err(StoreError::Io {
                    action: "write",
                    path: self.inner.paths.file.clone(),
                    message: "injected failure".into(),
                });
            }
            if left != usize::MAX {
                self.inner.fail_writes_after.store(left - 1, Ordering::SeqCst);
            }
        }
        file::write(&self.inner.paths, doc)
    }

    /// The file as it is now, for reads (no lock unless it is damaged).
    fn snapshot(&self) -> Result<FileDoc> {
        let paths = &self.inner.paths;
        match file::read(paths) {
            Ok(doc) => Ok(doc.unwrap_or_default()),
            Err(file::ReadFailure::Refused(file::Refused::Newer(found))) => {
                Err(StoreError::NewerVersion { path: paths.file.clone(), found, supported: file::VERSION })
            }
            Err(_) => {
                let guard = file::lock(paths)?;
                file::load_locked(paths, &guard)
            }
        }
    }

    /// Lock and re-read, for a change.
    fn begin(&self) -> Result<(LockGuard, FileDoc)> {
        let guard = file::lock(&self.inner.paths)?;
        let doc = file::load_locked(&self.inner.paths, &guard)?;
        Ok((guard, doc))
    }

    /// Every saved connection, in the order they were added.
    pub fn list(&self) -> Result<Vec<ConnectionRecord>> {
        Ok(self.snapshot()?.connections)
    }

    /// One connection, by id or by name (case-insensitive, trimmed).
    pub fn get(&self, id_or_name: &str) -> Result<ConnectionRecord> {
        find_by_id_or_name(&self.snapshot()?.connections, id_or_name)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(id_or_name.to_owned()))
    }

    /// The connection's secrets, read from the keyring (only the kinds the record has).
    pub fn secrets(&self, id: Uuid) -> Result<Secrets> {
        let doc = self.snapshot()?;
        let record = find(&doc, id)?;
        self.read_secrets(record)
    }

    fn read_secrets(&self, record: &ConnectionRecord) -> Result<Secrets> {
        let mut out = Secrets::default();
        for kind in record.secret_kinds() {
            let value = self.inner.backend.get(&account(record.id, kind))?;
            if value.is_none() {
                tracing::warn!(id = %record.id, kind = kind.as_str(), "a secret the record lists is missing from the keyring");
            }
            *out.slot(kind) = value;
        }
        Ok(out)
    }

    /// The secrets `record` lists that the keyring does not have (an
    /// unavailable keyring counts as none missing: it is reported apart).
    pub fn missing_secrets(&self, record: &ConnectionRecord) -> Vec<SecretKind> {
        record
            .secret_kinds()
            .into_iter()
            .filter(|k| matches!(self.inner.backend.get(&account(record.id, *k)), Ok(None)))
            .collect()
    }

    /// Save a new connection. Secrets go to the keyring (unless `mode` says
    /// not to), then the record to the file.
    pub fn add(&self, new: NewConnection, secrets: Secrets, mode: SaveMode) -> Result<ConnectionRecord> {
        let secrets = secrets.normalized();
        new.check(secrets.client_key_pem.is_some())?;
        let (_guard, doc) = self.begin()?;
        check_name_free(&doc, &new.name, None)?;
        let mut record = ConnectionRecord::create(new, now());
        let to_store = match mode {
            SaveMode::WithSecrets => {
                record.set_flags(&secrets);
                secrets
            }
            SaveMode::WithoutSecrets => {
                record.password_saved = false;
                Secrets::default()
            }
        };
        let record = self.insert(doc, record, &to_store)?;
        tracing::info!(id = %record.id, name = %record.name, "connection added");
        Ok(record)
    }

    /// Write `secrets` for the new `record`, then the file with the record.
    fn insert(&self, mut doc: FileDoc, record: ConnectionRecord, secrets: &Secrets) -> Result<ConnectionRecord> {
        let before = doc.clone();
        let to_write: Vec<(String, &crate::secret::Secret)> =
            SecretKind::ALL.into_iter().filter_map(|k| secrets.get(k).map(|v| (account(record.id, k), v))).collect();
        if !to_write.is_empty() {
            // Listed first: if the process dies before the record is written,
            // the next open removes these secrets.
            doc.orphan_secrets.extend(to_write.iter().map(|(a, _)| a.clone()));
            self.write(&doc)?;
            let mut written: Vec<String> = Vec::new();
            for (acct, value) in &to_write {
                if let Err(e) = self.inner.backend.set(acct, value) {
                    let _ = self.inner.backend.delete(acct);
                    self.undo_new_secrets(&written, before);
                    return Err(e.into());
                }
                written.push(acct.clone());
            }
            doc.orphan_secrets.retain(|a| !written.contains(a));
        }
        doc.connections.push(record.clone());
        if let Err(e) = self.write(&doc) {
            let written: Vec<String> = to_write.into_iter().map(|(a, _)| a).collect();
            self.undo_new_secrets(&written, before);
            return Err(e);
        }
        Ok(record)
    }

    /// Remove secrets written for a save that failed, and put the file back.
    fn undo_new_secrets(&self, written: &[String], mut before: FileDoc) {
        for acct in written {
            if let Err(e) = self.inner.backend.delete(acct) {
                tracing::warn!(account = %acct, error = %e.0, "could not remove a secret of a failed save; it will be removed later");
                before.orphan_secrets.push(acct.clone());
            }
        }
        if let Err(e) = self.write(&before) {
            tracing::warn!(error = %e, "could not restore the connections file after a failed save");
        }
    }

    /// Replace a connection's fields, and its secrets as `secrets` says
    /// ([`SecretChanges`]; `None` keeps them all, `Some(s)` replaces all six).
    /// With [`SaveMode::WithoutSecrets`] the keyring is not touched: a
    /// secret given or removed is no longer the record's (it is removed
    /// from the keyring at a later open) and the record is marked
    /// `password_saved: false` when one was given.
    ///
    /// A saved secret belongs to the server, route and transport it was
    /// saved for (`route.rs`): when the changes point it elsewhere, a
    /// secret the caller keeps is removed, whatever the mode. Only a value
    /// given now goes to the new place.
    pub fn update(
        &self,
        id: Uuid,
        changes: NewConnection,
        secrets: impl Into<SecretChanges>,
        mode: SaveMode,
    ) -> Result<ConnectionRecord> {
        let mut edits: SecretChanges = secrets.into();
        for kind in SecretKind::ALL {
            if matches!(edits.get(kind), SecretChange::Set(v) if v.is_empty()) {
                *edits.slot(kind) = SecretChange::Remove;
            }
        }
        let (_guard, mut doc) = self.begin()?;
        let idx = index(&doc, id)?;
        let old = doc.connections[idx].clone();
        check_name_free(&doc, &changes.name, Some(id))?;
        let inline_key = match edits.get(SecretKind::SslKey) {
            SecretChange::Set(_) => true,
            SecretChange::Remove => false,
            SecretChange::Keep => old.has_inline_key,
        };
        changes.check(inline_key)?;
        let mut record = old.clone();
        record.apply(changes);
        record.updated_at = now();
        // The rule: what may not go where the record now points is not kept.
        for moved in old.moved_secrets(&record.route()) {
            if *edits.get(moved.kind) == SecretChange::Keep {
                tracing::info!(id = %id, kind = moved.kind.as_str(), reason = %moved.reason, "a saved secret was dropped: the connection points elsewhere now");
                *edits.slot(moved.kind) = SecretChange::Remove;
            }
        }

        if mode == SaveMode::WithoutSecrets || edits.keeps_all() {
            let mut given = false;
            for kind in SecretKind::ALL {
                match edits.get(kind) {
                    SecretChange::Keep => {}
                    change => {
                        given |= matches!(change, SecretChange::Set(_));
                        if record.has(kind) {
                            record.set_has(kind, false);
                            doc.orphan_secrets.push(account(id, kind));
                        }
                    }
                }
            }
            if given {
                record.password_saved = false;
            }
            doc.connections[idx] = record.clone();
            self.write(&doc)?;
            return Ok(record);
        }

        // What is there now, to put back if anything fails.
        let previous = self.read_secrets(&old)?;
        let mut secrets = Secrets::default();
        for kind in SecretKind::ALL {
            *secrets.slot(kind) = match edits.get(kind) {
                SecretChange::Keep => previous.get(kind).cloned(),
                SecretChange::Set(v) => Some(v.clone()),
                SecretChange::Remove => None,
            };
        }
        let before = doc.clone();
        let changed: Vec<SecretKind> =
            SecretKind::ALL.into_iter().filter(|k| secrets.get(*k) != previous.get(*k)).collect();
        let created: Vec<String> =
            changed.iter().filter(|k| previous.get(**k).is_none()).map(|k| account(id, *k)).collect();
        if !created.is_empty() {
            doc.orphan_secrets.extend(created.iter().cloned());
            self.write(&doc)?;
        }
        let mut touched: Vec<SecretKind> = Vec::new();
        for kind in &changed {
            let acct = account(id, *kind);
            let result = match secrets.get(*kind) {
                Some(v) => self.inner.backend.set(&acct, v),
                None => self.inner.backend.delete(&acct),
            };
            if let Err(e) = result {
                touched.push(*kind);
                self.restore_secrets(id, &touched, &previous, before);
                return Err(e.into());
            }
            touched.push(*kind);
        }
        doc.orphan_secrets.retain(|a| !created.contains(a));
        record.set_flags(&secrets);
        record.password_saved = true;
        doc.connections[idx] = record.clone();
        if let Err(e) = self.write(&doc) {
            self.restore_secrets(id, &touched, &previous, before);
            return Err(e);
        }
        tracing::info!(id = %record.id, name = %record.name, "connection updated");
        Ok(record)
    }

    /// The saved secrets that may be sent on a connection to `to`, and
    /// those held back because `to` is another server, route or a weaker
    /// transport than they were saved for (`route.rs`). This is how every
    /// test of a saved connection gets its secrets.
    pub fn secrets_for(&self, id: Uuid, to: Route<'_>) -> Result<Granted> {
        let doc = self.snapshot()?;
        let record = find(&doc, id)?;
        let saved = self.read_secrets(record)?;
        let missing = record.secret_kinds().into_iter().filter(|k| saved.get(*k).is_none()).collect();
        let (secrets, withheld) = record.reusable_secrets(saved, &to);
        Ok(Granted { secrets, withheld, missing })
    }

    /// Put back the keyring values of `kinds` after a failed update, then the file.
    fn restore_secrets(&self, id: Uuid, kinds: &[SecretKind], previous: &Secrets, mut before: FileDoc) {
        for kind in kinds {
            let acct = account(id, *kind);
            let result = match previous.get(*kind) {
                Some(v) => self.inner.backend.set(&acct, v),
                None => self.inner.backend.delete(&acct),
            };
            if let Err(e) = result {
                tracing::warn!(account = %acct, error = %e.0, "could not restore a secret after a failed update");
                if previous.get(*kind).is_none() {
                    before.orphan_secrets.push(acct);
                }
            }
        }
        if let Err(e) = self.write(&before) {
            tracing::warn!(error = %e, "could not restore the connections file after a failed update");
        }
    }

    /// Give a connection a new name. Its secrets stay (they are keyed by id).
    pub fn rename(&self, id: Uuid, new_name: &str) -> Result<ConnectionRecord> {
        check_name_format(new_name)?;
        let (_guard, mut doc) = self.begin()?;
        let idx = index(&doc, id)?;
        check_name_free(&doc, new_name, Some(id))?;
        let record = &mut doc.connections[idx];
        record.name = new_name.trim().to_owned();
        record.updated_at = now();
        let record = record.clone();
        self.write(&doc)?;
        tracing::info!(id = %record.id, name = %record.name, "connection renamed");
        Ok(record)
    }

    /// A copy of a connection under a new name and id, secrets included
    /// (the last test result is not copied).
    pub fn duplicate(&self, id: Uuid, new_name: &str) -> Result<ConnectionRecord> {
        check_name_format(new_name)?;
        let (_guard, doc) = self.begin()?;
        let source = find(&doc, id)?.clone();
        check_name_free(&doc, new_name, None)?;
        let secrets = self.read_secrets(&source)?;
        let mut new = source.to_new();
        new.name = new_name.to_owned();
        let mut record = ConnectionRecord::create(new, now());
        record.set_flags(&secrets);
        record.password_saved = source.password_saved;
        let record = self.insert(doc, record, &secrets)?;
        tracing::info!(id = %record.id, from = %id, name = %record.name, "connection duplicated");
        Ok(record)
    }

    /// Delete a connection, then its secrets. Secrets the keyring would not
    /// delete are remembered in the file and removed at a later open (a
    /// [`StoreWarning::LeftoverSecrets`] says so); the delete itself succeeds.
    pub fn delete(&self, id: Uuid) -> Result<()> {
        let (_guard, mut doc) = self.begin()?;
        let idx = index(&doc, id)?;
        let record = doc.connections.remove(idx);
        let accounts: Vec<String> = record.secret_kinds().into_iter().map(|k| account(id, k)).collect();
        doc.orphan_secrets.extend(accounts.iter().cloned());
        self.write(&doc)?;
        tracing::info!(id = %record.id, name = %record.name, "connection deleted");
        if accounts.is_empty() {
            return Ok(());
        }
        let mut left = Vec::new();
        let mut reason = String::new();
        for acct in &accounts {
            if let Err(e) = self.inner.backend.delete(acct) {
                reason = e.0;
                left.push(acct.clone());
            }
        }
        doc.orphan_secrets.retain(|a| !accounts.contains(a) || left.contains(a));
        if let Err(e) = self.write(&doc) {
            // Still listed in the file from the first write: cleaned at a later open.
            tracing::debug!(error = %e, "could not clear the removed secrets from the leftover list");
        }
        if !left.is_empty() {
            tracing::warn!(id = %id, reason = %reason, "secrets of a deleted connection are still in the keyring");
            self.warn(StoreWarning::LeftoverSecrets {
                message: format!(
                    "The connection \"{}\" was deleted, but its password could not be removed from the keyring ({reason}); Sluice will remove it next time the keyring is available.",
                    record.name
                ),
                accounts: left,
            });
        }
        Ok(())
    }

    /// Store the outcome of a test; the secrets are not touched.
    pub fn record_test(&self, id: Uuid, summary: TestSummary) -> Result<ConnectionRecord> {
        let (_guard, mut doc) = self.begin()?;
        let idx = index(&doc, id)?;
        doc.connections[idx].last_test = Some(summary);
        let record = doc.connections[idx].clone();
        self.write(&doc)?;
        Ok(record)
    }
}

fn find_by_id_or_name<'a>(records: &'a [ConnectionRecord], key: &str) -> Option<&'a ConnectionRecord> {
    let key = key.trim();
    if let Ok(id) = Uuid::parse_str(key) {
        if let Some(r) = records.iter().find(|r| r.id == id) {
            return Some(r);
        }
    }
    let lower = key.to_lowercase();
    records.iter().find(|r| r.name.trim().to_lowercase() == lower)
}

fn index(doc: &FileDoc, id: Uuid) -> Result<usize> {
    doc.connections.iter().position(|r| r.id == id).ok_or_else(|| StoreError::NotFound(id.to_string()))
}

fn find(doc: &FileDoc, id: Uuid) -> Result<&ConnectionRecord> {
    index(doc, id).map(|i| &doc.connections[i])
}

fn check_name_format(name: &str) -> Result<()> {
    match crate::conninfo::validate::validate_name(name, &[] as &[&str]) {
        Some(issue) => Err(StoreError::Invalid { issues: vec![issue] }),
        None => Ok(()),
    }
}

fn check_name_free(doc: &FileDoc, name: &str, except: Option<Uuid>) -> Result<()> {
    let name = name.trim();
    let lower = name.to_lowercase();
    if doc.connections.iter().any(|r| Some(r.id) != except && r.name.trim().to_lowercase() == lower) {
        return Err(StoreError::DuplicateName { name: name.to_owned() });
    }
    Ok(())
}

/// [`Store`] for async code: [`AsyncStore::call`] runs any of its methods
/// on a blocking thread (`tokio::task::spawn_blocking`), since keyring and
/// file calls block.
#[derive(Clone, Debug)]
pub struct AsyncStore {
    store: Store,
}

async fn blocking<T, F>(f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => {
            Err(StoreError::Io { action: "run", path: PathBuf::new(), message: format!("store task cancelled: {e}") })
        }
    }
}

impl AsyncStore {
    pub fn new(store: Store) -> AsyncStore {
        AsyncStore { store }
    }

    pub async fn open() -> Result<AsyncStore> {
        blocking(Store::open).await.map(AsyncStore::new)
    }

    pub async fn open_at(dir: impl Into<PathBuf>) -> Result<AsyncStore> {
        let dir = dir.into();
        blocking(move || Store::open_at(dir)).await.map(AsyncStore::new)
    }

    /// The synchronous store underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn warnings(&self) -> Vec<StoreWarning> {
        self.store.warnings()
    }

    /// Runs `f` on the store on a blocking thread: `store.call(|s| s.list()).await`.
    pub async fn call<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T> + Send + 'static,
    {
        let s = self.store.clone();
        blocking(move || f(&s)).await
    }
}

#[cfg(test)]
mod tests;
