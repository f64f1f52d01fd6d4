//! The keyring layer: where passwords, key passphrases and inline client
//! keys are kept, one keyring entry each.
//!
//! Entries: service [`SERVICE`] (`dev.sluice.app`), account
//! `<connection id>/<kind>` with kind `password`, `sslpassword`, `sslkey`,
//! `ssh-password`, `ssh-passphrase` or `ssh-key`.
//! Being keyed by id, a rename keeps them.
//!
//! The platform store is chosen explicitly at compile time (Secret Service
//! on Linux and the BSDs, Keychain on macOS, Credential Manager on Windows)
//! and installed as keyring's default builder, so a build can never fall
//! back to keyring's in-memory mock. Every call blocks (D-Bus, Keychain
//! prompts...); the async wrappers in `mod.rs` run them on a blocking thread.

use uuid::Uuid;

use super::error::StoreError;
use crate::secret::Secret;

/// The keyring service name of every Sluice entry.
pub const SERVICE: &str = super::paths::APP_ID;

/// One kind of secret a connection can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    Password,
    SslPassword,
    /// An inline client key (PEM).
    SslKey,
    SshPassword,
    SshPassphrase,
    /// A pasted SSH private key.
    SshKey,
}

impl SecretKind {
    pub const ALL: [SecretKind; 6] = [
        SecretKind::Password,
        SecretKind::SslPassword,
        SecretKind::SslKey,
        SecretKind::SshPassword,
        SecretKind::SshPassphrase,
        SecretKind::SshKey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::Password => "password",
            SecretKind::SslPassword => "sslpassword",
            SecretKind::SslKey => "sslkey",
            SecretKind::SshPassword => "ssh-password",
            SecretKind::SshPassphrase => "ssh-passphrase",
            SecretKind::SshKey => "ssh-key",
        }
    }
}

/// The keyring account of one secret: `<id>/<kind>`.
pub fn account(id: Uuid, kind: SecretKind) -> String {
    format!("{id}/{}", kind.as_str())
}

/// The connection id an account belongs to.
pub(crate) fn account_id(account: &str) -> Option<Uuid> {
    account.split_once('/').and_then(|(id, _)| Uuid::parse_str(id).ok())
}

impl super::record::Secrets {
    pub(crate) fn get(&self, kind: SecretKind) -> Option<&Secret> {
        match kind {
            SecretKind::Password => self.password.as_ref(),
            SecretKind::SslPassword => self.sslpassword.as_ref(),
            SecretKind::SslKey => self.client_key_pem.as_ref(),
            SecretKind::SshPassword => self.ssh_password.as_ref(),
            SecretKind::SshPassphrase => self.ssh_passphrase.as_ref(),
            SecretKind::SshKey => self.ssh_key.as_ref(),
        }
    }

    pub(crate) fn slot(&mut self, kind: SecretKind) -> &mut Option<Secret> {
        match kind {
            SecretKind::Password => &mut self.password,
            SecretKind::SslPassword => &mut self.sslpassword,
            SecretKind::SslKey => &mut self.client_key_pem,
            SecretKind::SshPassword => &mut self.ssh_password,
            SecretKind::SshPassphrase => &mut self.ssh_passphrase,
            SecretKind::SshKey => &mut self.ssh_key,
        }
    }
}

/// Why a keyring call failed. The text is the platform's and never holds a secret.
#[derive(Debug, Clone)]
pub(crate) struct KeyringFailure(pub String);

impl From<KeyringFailure> for StoreError {
    fn from(f: KeyringFailure) -> StoreError {
        StoreError::KeyringUnavailable { platform_hint: platform_hint().to_owned(), detail: f.0 }
    }
}

/// The platform's secret store: its name, and what to install or unlock.
fn platform() -> (&'static str, &'static str) {
    if cfg!(target_os = "macos") {
        ("macOS Keychain", "Sluice keeps passwords in the macOS Keychain: unlock the login keychain in Keychain Access and allow Sluice when macOS asks.")
    } else if cfg!(target_os = "windows") {
        ("Windows Credential Manager", "Sluice keeps passwords in the Windows Credential Manager: check that the Credential Manager service is running for your user.")
    } else if cfg!(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")) {
        (
            "Secret Service (D-Bus)",
            "Sluice keeps passwords in the Secret Service: install and unlock gnome-keyring or KeePassXC's Secret Service (in a desktop session with D-Bus), and accept its unlock prompt.",
        )
    } else {
        ("none on this platform", "This platform has no keyring Sluice can use.")
    }
}

/// What to install or unlock on this platform.
pub fn platform_hint() -> &'static str {
    platform().1
}

/// The name of the OS secret store the keyring entries live in.
pub fn platform_store_name() -> &'static str {
    platform().0
}

/// Where secrets are kept. Implementations must treat a missing entry as
/// `Ok(None)` on read and as success on delete.
pub(crate) trait SecretBackend: Send + Sync {
    fn get(&self, account: &str) -> Result<Option<Secret>, KeyringFailure>;
    fn set(&self, account: &str, value: &Secret) -> Result<(), KeyringFailure>;
    fn delete(&self, account: &str) -> Result<(), KeyringFailure>;
}

/// The platform keyring.
pub(crate) struct KeyringBackend {
    builder: Option<Box<keyring::credential::CredentialBuilder>>,
}

#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
fn platform_builder() -> Option<Box<keyring::credential::CredentialBuilder>> {
    Some(keyring::secret_service::default_credential_builder())
}

#[cfg(target_os = "macos")]
fn platform_builder() -> Option<Box<keyring::credential::CredentialBuilder>> {
    Some(keyring::macos::default_credential_builder())
}

#[cfg(target_os = "windows")]
fn platform_builder() -> Option<Box<keyring::credential::CredentialBuilder>> {
    Some(keyring::windows::default_credential_builder())
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "macos",
    target_os = "windows"
)))]
fn platform_builder() -> Option<Box<keyring::credential::CredentialBuilder>> {
    None
}

/// Install the platform store as keyring's default (once per process), so
/// that even `keyring::Entry::new` elsewhere in the process never uses the mock.
pub fn select_platform_store() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Some(builder) = platform_builder() {
            keyring::set_default_credential_builder(builder);
        }
    });
}

impl KeyringBackend {
    pub(crate) fn new() -> KeyringBackend {
        select_platform_store();
        // Entries are built with our own builder, not keyring's global default.
        KeyringBackend { builder: platform_builder() }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, KeyringFailure> {
        let builder = self.builder.as_ref().ok_or_else(|| KeyringFailure("no keyring on this platform".into()))?;
        let credential = builder.build(None, SERVICE, account).map_err(describe)?;
        Ok(keyring::Entry::new_with_credential(credential))
    }
}

/// Whether the platform keyring answers (for a banner): reads an entry that
/// is never written. Blocks; may show the platform's unlock prompt.
pub fn keyring_available() -> Result<(), StoreError> {
    KeyringBackend::new().get("sluice/availability-check").map(|_| ()).map_err(StoreError::from)
}

fn describe(e: keyring::Error) -> KeyringFailure {
    KeyringFailure(match e {
        keyring::Error::PlatformFailure(inner) => format!("keyring failure: {inner}"),
        keyring::Error::NoStorageAccess(inner) => format!("keyring locked or access refused: {inner}"),
        keyring::Error::BadEncoding(_) => "the keyring entry is not valid UTF-8".to_owned(),
        keyring::Error::Ambiguous(items) => format!("{} keyring entries match one account", items.len()),
        other => other.to_string(),
    })
}

impl SecretBackend for KeyringBackend {
    fn get(&self, account: &str) -> Result<Option<Secret>, KeyringFailure> {
        tracing::trace!(account, "keyring get");
        match self.entry(account)?.get_password() {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(describe(e)),
        }
    }

    fn set(&self, account: &str, value: &Secret) -> Result<(), KeyringFailure> {
        tracing::trace!(account, "keyring set");
        self.entry(account)?.set_password(value.expose()).map_err(describe)
    }

    fn delete(&self, account: &str) -> Result<(), KeyringFailure> {
        tracing::trace!(account, "keyring delete");
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(describe(e)),
        }
    }
}

/// An in-memory keyring for unit tests, with failure injection.
#[cfg(test)]
pub(crate) mod memory {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use super::{KeyringFailure, SecretBackend};
    use crate::secret::Secret;

    #[derive(Clone, Default)]
    pub(crate) struct MemoryBackend {
        pub entries: Arc<Mutex<BTreeMap<String, String>>>,
        /// Fail one call after this many more succeed (usize::MAX: never).
        pub fail_after: Arc<AtomicUsize>,
        /// Fail every call while set.
        pub unavailable: Arc<std::sync::atomic::AtomicBool>,
    }

    impl MemoryBackend {
        pub(crate) fn new() -> MemoryBackend {
            let m = MemoryBackend::default();
            m.fail_after.store(usize::MAX, Ordering::SeqCst);
            m
        }

        fn gate(&self) -> Result<(), KeyringFailure> {
            if self.unavailable.load(Ordering::SeqCst) {
                return Err(KeyringFailure("memory keyring is locked".into()));
            }
            let left = self.fail_after.load(Ordering::SeqCst);
            if left == 0 {
                self.fail_after.store(usize::MAX, Ordering::SeqCst);
                return Err(KeyringFailure("injected failure".into()));
            }
            if left != usize::MAX {
                self.fail_after.store(left - 1, Ordering::SeqCst);
            }
            Ok(())
        }

        pub(crate) fn snapshot(&self) -> BTreeMap<String, String> {
            self.entries.lock().unwrap().clone()
        }

        /// Forget every entry, as a reset keyring does.
        pub(crate) fn clear(&self) {
            self.entries.lock().unwrap().clear();
        }
    }

    impl SecretBackend for MemoryBackend {
        fn get(&self, account: &str) -> Result<Option<Secret>, KeyringFailure> {
            self.gate()?;
            Ok(self.entries.lock().unwrap().get(account).map(|v| Secret::new(v.clone())))
        }
        fn set(&self, account: &str, value: &Secret) -> Result<(), KeyringFailure> {
            self.gate()?;
            self.entries.lock().unwrap().insert(account.to_owned(), value.expose().to_owned());
            Ok(())
        }
        fn delete(&self, account: &str) -> Result<(), KeyringFailure> {
            self.gate()?;
            self.entries.lock().unwrap().remove(account);
            Ok(())
        }
    }
}
