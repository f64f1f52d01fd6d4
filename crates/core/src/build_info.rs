//! What this build is: version and commit (`sluice --version`, the About box).

/// The package version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The commit it was built from (short), or "unknown" outside a checkout.
pub const COMMIT: &str = env!("SLUICE_COMMIT");
/// `0.1.0 (abcdef123456)`.
pub const LONG_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("SLUICE_COMMIT"), ")");

/// The OS secret store the keyring entries live in.
pub fn keyring_backend() -> &'static str {
    crate::store::platform_store_name()
}
