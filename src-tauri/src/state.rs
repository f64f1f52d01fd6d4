//! What the app keeps between commands: the store (opened on first use, so
//! a broken config dir or keyring never stops the window from opening) and
//! the cancel switch of every running test.

use sluice_core::probe::Cancel;
use sluice_core::store::{AsyncStore, StoreError};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use tokio::sync::OnceCell;

#[derive(Default)]
pub struct AppState {
    store: OnceCell<AsyncStore>,
    /// Overrides the per-user config dir (tests).
    config_dir: Option<PathBuf>,
    tests: Mutex<HashMap<String, Cancel>>,
    /// Files the user chose in the open and save dialogs: the only paths
    /// the import and export commands take from the window (beside the
    /// default files `import_sources` lists).
    chosen: Mutex<Chosen>,
    /// The last test of a draft: what it tested (the connection but its
    /// name) and its outcome, so that saving that draft keeps the result.
    draft_test: Mutex<Option<(serde_json::Value, sluice_core::store::TestSummary)>>,
}

#[derive(Default)]
struct Chosen {
    opened: HashSet<PathBuf>,
    saved: HashSet<PathBuf>,
}

/// Which dialog a path was chosen in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialog {
    Open,
    Save,
}

impl AppState {
    pub fn with_config_dir(dir: PathBuf) -> Self {
        AppState { config_dir: Some(dir), ..Default::default() }
    }

    /// The config dir given to this state (tests), if any.
    pub fn config_dir(&self) -> Option<&std::path::Path> {
        self.config_dir.as_deref()
    }

    /// The store, opened once; a failed open is retried on the next call.
    pub async fn store(&self) -> Result<&AsyncStore, StoreError> {
        self.store
            .get_or_try_init(|| async {
                match &self.config_dir {
                    Some(dir) => AsyncStore::open_at(dir.clone()).await,
                    None => AsyncStore::open().await,
                }
            })
            .await
    }

    fn tests(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cancel>> {
        self.tests.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a running test; a second test with the same id cancels the first.
    pub fn begin_test(&self, id: &str) -> Cancel {
        let cancel = Cancel::new();
        if let Some(old) = self.tests().insert(id.to_owned(), cancel.clone()) {
            old.cancel();
        }
        cancel
    }

    pub fn end_test(&self, id: &str) {
        self.tests().remove(id);
    }

    /// Remembers the outcome of a test of `tested` (a draft).
    pub fn tested_draft(&self, tested: &sluice_core::store::NewConnection, summary: sluice_core::store::TestSummary) {
        *self.draft_test.lock().unwrap_or_else(|p| p.into_inner()) = Some((draft_key(tested), summary));
    }

    /// The outcome of the last test of a draft that is `saved`, if it was tested as it is saved.
    pub fn take_draft_test(&self, saved: &sluice_core::store::NewConnection) -> Option<sluice_core::store::TestSummary> {
        let mut slot = self.draft_test.lock().unwrap_or_else(|p| p.into_inner());
        match slot.take() {
            Some((key, summary)) if key == draft_key(saved) => Some(summary),
            other => {
                *slot = other;
                None
            }
        }
    }

    /// Remembers a path the user chose in a dialog.
    pub fn chose(&self, dialog: Dialog, path: PathBuf) {
        let mut c = self.chosen.lock().unwrap_or_else(|p| p.into_inner());
        match dialog {
            Dialog::Open => c.opened.insert(path),
            Dialog::Save => c.saved.insert(path),
        };
    }

    /// Whether the user chose `path` in that kind of dialog.
    pub fn was_chosen(&self, dialog: Dialog, path: &std::path::Path) -> bool {
        let c = self.chosen.lock().unwrap_or_else(|p| p.into_inner());
        match dialog {
            Dialog::Open => c.opened.contains(path),
            Dialog::Save => c.saved.contains(path),
        }
    }

    /// Cancels a running test; false when none runs under that id.
    pub fn cancel_test(&self, id: &str) -> bool {
        match self.tests().remove(id) {
            Some(cancel) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }
}

/// What a test of a draft depends on: the connection as saved, but its name.
fn draft_key(new: &sluice_core::store::NewConnection) -> serde_json::Value {
    let mut new = new.clone();
    new.name = String::new();
    serde_json::to_value(new).unwrap_or_default()
}
