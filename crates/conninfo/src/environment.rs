//! What libpq reads from the machine: the `PG*` variables, the home folder
//! its files live in, the operating-system user, the system configuration
//! folder and the default socket folder. Gathered once into a value, so the
//! rules in `resolve.rs`, `pgpass.rs` and `service.rs` never read the process
//! environment themselves (tests give them one of their own).

use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// Environment variables (only the ones libpq reads matter).
    pub vars: BTreeMap<String, String>,
    /// The folder libpq's per-user files are in: the home folder on Unix
    /// (`$HOME`, else the passwd entry), `%APPDATA%\postgresql` on Windows.
    pub libpq_home: Option<PathBuf>,
    /// The operating-system user: the effective uid's name (Unix) or the
    /// account name (Windows). libpq's default user; never `$USER`.
    pub os_user: Option<String>,
    /// `PGSYSCONFDIR`, else this build's default (`pg_service.conf` lives here).
    pub sysconfdir: PathBuf,
    /// Where libpq looks for a server when no host is given.
    pub default_socket_dir: PathBuf,
}

impl Environment {
    /// This process's environment.
    pub fn from_process() -> Environment {
        // libpq's PG* variables, and DATABASE_URL (the first run looks at it).
        let vars: BTreeMap<String, String> = std::env::vars().filter(|(k, _)| k.starts_with("PG") || k == "DATABASE_URL").collect();
        Environment::with_vars(vars)
    }

    /// The machine's files and user, but no `PG*` variables: what a saved
    /// connection is resolved with, so it does not change with the
    /// environment the app was started from.
    pub fn without_vars() -> Environment {
        Environment::with_vars(BTreeMap::new())
    }

    fn with_vars(vars: BTreeMap<String, String>) -> Environment {
        let sysconfdir = vars.get("PGSYSCONFDIR").map(PathBuf::from).unwrap_or_else(default_sysconfdir);
        Environment { vars, libpq_home: libpq_home(), os_user: os_user(), sysconfdir, default_socket_dir: default_socket_dir() }
    }

    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// libpq's default password file: `~/.pgpass` (`%APPDATA%\postgresql\pgpass.conf`).
    pub fn default_passfile(&self) -> Option<PathBuf> {
        self.libpq_home.as_ref().map(|h| h.join(if cfg!(windows) { "pgpass.conf" } else { ".pgpass" }))
    }

    /// The per-user service file: `~/.pg_service.conf`.
    pub fn user_service_file(&self) -> Option<PathBuf> {
        self.libpq_home.as_ref().map(|h| h.join(".pg_service.conf"))
    }

    /// The system service file: `PGSYSCONFDIR/pg_service.conf`.
    pub fn system_service_file(&self) -> PathBuf {
        self.sysconfdir.join("pg_service.conf")
    }
}

/// Debian and Ubuntu build libpq with `/var/run/postgresql`; upstream with `/tmp`.
pub fn default_socket_dir() -> PathBuf {
    let debian = PathBuf::from("/var/run/postgresql");
    if debian.is_dir() {
        debian
    } else {
        PathBuf::from("/tmp")
    }
}

fn default_sysconfdir() -> PathBuf {
    // Debian's packages say /etc/postgresql-common (pg_config --sysconfdir);
    // an upstream build says PREFIX/etc.
    let debian = PathBuf::from("/etc/postgresql-common");
    if debian.is_dir() {
        debian
    } else {
        PathBuf::from("/usr/local/pgsql/etc")
    }
}

#[cfg(unix)]
fn passwd_entry() -> Option<(String, PathBuf)> {
    // SAFETY: geteuid has no preconditions.
    passwd_entry_of(unsafe { libc::geteuid() })
}

/// The name of the user with id `uid` (libpq's `requirepeer` compares it).
#[cfg(unix)]
pub fn user_name(uid: u32) -> Option<String> {
    passwd_entry_of(uid).map(|(name, _)| name)
}

#[cfg(unix)]
fn passwd_entry_of(uid: u32) -> Option<(String, PathBuf)> {
    use std::ffi::CStr;
    // SAFETY: getpwuid_r writes into our buffers only; the pointers it
    // returns point into `buf`, which outlives their use here.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 16 * 1024];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        let name = CStr::from_ptr(pwd.pw_name).to_string_lossy().into_owned();
        let dir = if pwd.pw_dir.is_null() { PathBuf::new() } else { PathBuf::from(CStr::from_ptr(pwd.pw_dir).to_string_lossy().into_owned()) };
        Some((name, dir))
    }
}

/// The operating-system user libpq defaults to (see [`Environment::os_user`]).
#[cfg(unix)]
pub fn os_user() -> Option<String> {
    passwd_entry().map(|(name, _)| name)
}

#[cfg(unix)]
fn libpq_home() -> Option<PathBuf> {
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(h) => Some(PathBuf::from(h)),
        None => passwd_entry().map(|(_, dir)| dir).filter(|d| !d.as_os_str().is_empty()),
    }
}

/// The operating-system user libpq defaults to (see [`Environment::os_user`]).
#[cfg(windows)]
pub fn os_user() -> Option<String> {
    use windows_sys::Win32::System::WindowsProgramming::GetUserNameW;
    let mut buf = [0u16; 257];
    let mut len = buf.len() as u32;
    // SAFETY: the buffer and its length are ours; GetUserNameW writes at most `len` units.
    let ok = unsafe { GetUserNameW(buf.as_mut_ptr(), &mut len) };
    if ok == 0 || len == 0 {
        return std::env::var("USERNAME").ok();
    }
    Some(String::from_utf16_lossy(&buf[..(len as usize).saturating_sub(1)]))
}

#[cfg(windows)]
fn libpq_home() -> Option<PathBuf> {
    std::env::var_os("APPDATA").map(|d| PathBuf::from(d).join("postgresql"))
}

#[cfg(not(any(unix, windows)))]
pub fn os_user() -> Option<String> {
    None
}

#[cfg(not(any(unix, windows)))]
fn libpq_home() -> Option<PathBuf> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_os_user_is_the_effective_uids_name_not_user() {
        let expected = std::process::Command::new("id").arg("-un").output().unwrap();
        let expected = String::from_utf8_lossy(&expected.stdout).trim().to_owned();
        assert_eq!(os_user().as_deref(), Some(expected.as_str()));
    }
}
