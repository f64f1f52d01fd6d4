//! libpq's compiled-in defaults that depend on the machine: the files it
//! reads when a keyword is not set.

use std::path::PathBuf;

/// libpq's per-user directory: `~/.postgresql` (`%APPDATA%\\postgresql` on Windows).
pub fn user_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        std::env::var_os("APPDATA").map(|d| PathBuf::from(d).join("postgresql"))
    } else {
        directories::BaseDirs::new().map(|b| b.home_dir().join(".postgresql"))
    }
}

/// libpq's default client certificate and key, `~/.postgresql/postgresql.crt`
/// and `postgresql.key`: the certificate when the file exists, the key path
/// whether or not it does (libpq then reports the missing key).
pub fn client_cert() -> Option<String> {
    let path = user_dir()?.join("postgresql.crt");
    path.is_file().then(|| path.to_string_lossy().into_owned())
}

/// See [`client_cert`].
pub fn client_key() -> Option<String> {
    user_dir().map(|d| d.join("postgresql.key").to_string_lossy().into_owned())
}

/// libpq's default root certificate, `~/.postgresql/root.crt`, when the file
/// exists. With it, even sslmode require verifies the chain, as with libpq.
pub fn root_cert() -> Option<String> {
    let path = user_dir()?.join("root.crt");
    path.is_file().then(|| path.to_string_lossy().into_owned())
}

/// The path libpq looks at for the root certificate, whether or not it exists.
pub fn root_cert_path() -> Option<String> {
    user_dir().map(|d| d.join("root.crt").to_string_lossy().into_owned())
}

/// The path libpq looks at for the client certificate, whether or not it exists.
pub fn client_cert_path() -> Option<String> {
    user_dir().map(|d| d.join("postgresql.crt").to_string_lossy().into_owned())
}

/// The path libpq looks at for the client key ([`client_key`]).
pub fn client_key_path() -> Option<String> {
    client_key()
}
