//! Private keys for SSH logins: a file or pasted text, in OpenSSH, PKCS#1,
//! PKCS#8 or SEC1 PEM (ed25519, ecdsa, rsa), encrypted or not.
//!
//! The key is decoded without a passphrase first, because an unencrypted key
//! decoded with one fails in some formats; the passphrase is used only when
//! the key says it is encrypted. Errors tell "needs a passphrase", "wrong
//! passphrase" and "not a key we can read" apart.

use crate::secret::Secret;
use russh::keys::PrivateKey;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// Encrypted, and no passphrase was given.
    PassphraseMissing,
    /// Encrypted, and the passphrase does not open it.
    WrongPassphrase,
    /// Not a private key in a format we read (the reason).
    Invalid(String),
    /// The file cannot be read (the reason).
    Unreadable(String),
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyError::PassphraseMissing => {
                f.write_str("the private key is encrypted and no passphrase was given")
            }
            KeyError::WrongPassphrase => {
                f.write_str("the passphrase does not open the private key")
            }
            KeyError::Invalid(why) => write!(f, "not a usable private key: {why}"),
            KeyError::Unreadable(why) => write!(f, "the key file cannot be read: {why}"),
        }
    }
}

/// Reads and decodes the key file at `path`.
pub fn load(path: &Path, passphrase: Option<&Secret>) -> Result<PrivateKey, KeyError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| KeyError::Unreadable(format!("{}: {e}", path.display())))?;
    decode(&text, passphrase)
}

/// Decodes pasted key text.
pub fn decode(text: &str, passphrase: Option<&Secret>) -> Result<PrivateKey, KeyError> {
    use russh::keys::Error as E;
    let text = text.trim();
    if !text.starts_with("-----BEGIN ") && !text.starts_with("PuTTY-User-Key-File") {
        return Err(KeyError::Invalid(
            "expected a PEM or OpenSSH private key (-----BEGIN … PRIVATE KEY-----)".into(),
        ));
    }
    if let Some(cipher) = legacy_pem_cipher(text).filter(|c| *c != "AES-128-CBC") {
        return Err(KeyError::Invalid(format!(
            "legacy PEM encryption {cipher} is not supported; convert the key with `ssh-keygen -p -f FILE` (it rewrites it in OpenSSH format)"
        )));
    }
    let looks_encrypted = text.contains("ENCRYPTED") || text.contains("Proc-Type: 4,ENCRYPTED");
    if !looks_encrypted {
        match russh::keys::decode_secret_key(text, None) {
            Ok(k) => return Ok(k),
            Err(E::KeyIsEncrypted) => {}
            Err(e) => return Err(KeyError::Invalid(e.to_string())),
        }
    }
    let Some(pass) = passphrase.filter(|p| !p.expose().is_empty()) else {
        return Err(KeyError::PassphraseMissing);
    };
    match russh::keys::decode_secret_key(text, Some(pass.expose())) {
        Ok(k) => Ok(k),
        Err(E::SshKey(_) | E::Unpad(_) | E::Pkcs8(_) | E::KeyIsEncrypted) => {
            Err(KeyError::WrongPassphrase)
        }
        Err(e) => Err(KeyError::Invalid(e.to_string())),
    }
}

/// The cipher of a traditional PEM key (`DEK-Info: AES-128-CBC,…`).
fn legacy_pem_cipher(text: &str) -> Option<&str> {
    text.lines()
        .find_map(|l| l.strip_prefix("DEK-Info:"))
        .map(|v| v.trim().split(',').next().unwrap_or("").trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_is_no_key_is_invalid() {
        assert!(matches!(decode("hello", None), Err(KeyError::Invalid(_))));
        assert!(matches!(
            decode(
                "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
                None
            ),
            Err(KeyError::Invalid(_))
        ));
        let des = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,0011223344556677\n\nAAAA\n-----END RSA PRIVATE KEY-----";
        match decode(des, Some(&Secret::from("x"))) {
            Err(KeyError::Invalid(why)) => assert!(why.contains("ssh-keygen -p"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            load(Path::new("/nonexistent/key"), None),
            Err(KeyError::Unreadable(_))
        ));
    }
}
