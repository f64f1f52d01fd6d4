//! Certificates generated in the test: a CA, a server certificate for
//! `localhost` and `127.0.0.1` only, client certificates for `cert` auth, and
//! an unrelated CA for "unknown CA" scenarios. All written as PEM files.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use std::path::{Path, PathBuf};

/// The names the server certificate is valid for. Anything else (for
/// instance `127.0.0.2`, on which harness clusters also listen) mismatches.
pub const SERVER_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];

pub struct TestPki {
    dir: PathBuf,
    ca: Issuer<'static, KeyPair>,
}

fn ca_params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, common_name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

fn write(path: &Path, contents: &str) {
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

impl TestPki {
    /// Generates a CA and a server certificate into `dir`.
    pub fn generate(dir: &Path) -> TestPki {
        Self::generate_for(dir, &SERVER_NAMES)
    }

    /// The same, with a server certificate for `names` only (e.g. just
    /// `localhost`: valid for the name, not for any IP address).
    pub fn generate_for(dir: &Path, names: &[&str]) -> TestPki {
        std::fs::create_dir_all(dir).expect("create pki dir");
        let ca_key = KeyPair::generate().expect("CA key");
        let params = ca_params("Sluice Test CA");
        let ca_cert = params.self_signed(&ca_key).expect("self-sign CA");
        write(&dir.join("ca.crt"), &ca_cert.pem());
        let pki = TestPki { dir: dir.to_owned(), ca: Issuer::new(params, ca_key) };

        // The server certificate; its key must be private to the server.
        let key = KeyPair::generate().expect("server key");
        let mut params = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .expect("server params");
        params.distinguished_name.push(DnType::CommonName, "localhost");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.signed_by(&key, &pki.ca).expect("sign server cert");
        write(&dir.join("server.crt"), &cert.pem());
        write(&dir.join("server.key"), &key.serialize_pem());
        set_private(&dir.join("server.key"));

        // A CA nobody trusts, for "unknown CA" scenarios.
        let other_key = KeyPair::generate().expect("other CA key");
        let other = ca_params("Untrusted Test CA").self_signed(&other_key).expect("other CA");
        write(&dir.join("other-ca.crt"), &other.pem());
        pki
    }

    pub fn ca_cert(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }
    pub fn server_cert(&self) -> PathBuf {
        self.dir.join("server.crt")
    }
    pub fn server_key(&self) -> PathBuf {
        self.dir.join("server.key")
    }
    /// A CA that did not sign the server's certificate.
    pub fn other_ca_cert(&self) -> PathBuf {
        self.dir.join("other-ca.crt")
    }

    /// A client certificate whose CN is `user` (what `cert` auth checks),
    /// signed by the test CA. Returns (cert path, key path).
    pub fn client_cert(&self, user: &str) -> (PathBuf, PathBuf) {
        let key = KeyPair::generate().expect("client key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("client params");
        params.distinguished_name.push(DnType::CommonName, user);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.ca).expect("sign client cert");
        let (cert_path, key_path) = (
            self.dir.join(format!("client-{user}.crt")),
            self.dir.join(format!("client-{user}.key")),
        );
        write(&cert_path, &cert.pem());
        write(&key_path, &key.serialize_pem());
        set_private(&key_path);
        (cert_path, key_path)
    }
}

/// How [`TestPki::encrypt_key`] encrypts a key, each as the openssl CLI writes it.
#[derive(Debug, Clone, Copy)]
pub enum KeyFormat {
    /// `openssl pkcs8 -topk8 -v2 aes-256-cbc`: PBES2, PBKDF2-SHA256 (OpenSSL 3's default).
    Pkcs8Aes256,
    /// `openssl pkcs8 -topk8 -v2 des3 -v2prf hmacWithSHA1`: the pre-1.1 defaults.
    Pkcs8Des3Sha1,
    /// `openssl pkcs8 -topk8 -scrypt`.
    Pkcs8Scrypt,
    /// `openssl ec -aes256`: traditional `EC PRIVATE KEY` with `Proc-Type: 4,ENCRYPTED`.
    EcTraditionalAes256,
    /// `openssl ec -des3`.
    EcTraditionalDes3,
    /// `openssl rsa -traditional -aes128`: `RSA PRIVATE KEY`.
    RsaTraditionalAes128,
}

impl TestPki {
    /// A client certificate for `user` with an RSA key (made by the openssl
    /// CLI; ring cannot generate RSA). Returns (cert path, key path).
    pub fn client_cert_rsa(&self, user: &str) -> (PathBuf, PathBuf) {
        let key_path = self.dir.join(format!("client-{user}-rsa.key"));
        openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out"], &key_path, &[]);
        let pem = std::fs::read_to_string(&key_path).expect("read the RSA key");
        let key = KeyPair::from_pem(&pem).expect("load the RSA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("client params");
        params.distinguished_name.push(DnType::CommonName, user);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.ca).expect("sign client cert");
        let cert_path = self.dir.join(format!("client-{user}-rsa.crt"));
        write(&cert_path, &cert.pem());
        set_private(&key_path);
        (cert_path, key_path)
    }

    /// `key` encrypted with `passphrase` in `format`, by the openssl CLI.
    pub fn encrypt_key(&self, key: &Path, passphrase: &str, format: KeyFormat) -> PathBuf {
        let out = self.dir.join(format!("{}.{format:?}.key", key.file_stem().and_then(|s| s.to_str()).unwrap_or("key")));
        let pass = format!("pass:{passphrase}");
        let input = key.to_str().expect("utf-8 path");
        let args: Vec<&str> = match format {
            KeyFormat::Pkcs8Aes256 => vec!["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", input, "-passout", &pass, "-out"],
            KeyFormat::Pkcs8Des3Sha1 => vec!["pkcs8", "-topk8", "-v2", "des3", "-v2prf", "hmacWithSHA1", "-in", input, "-passout", &pass, "-out"],
            KeyFormat::Pkcs8Scrypt => vec!["pkcs8", "-topk8", "-scrypt", "-in", input, "-passout", &pass, "-out"],
            KeyFormat::EcTraditionalAes256 => vec!["ec", "-aes256", "-in", input, "-passout", &pass, "-out"],
            KeyFormat::EcTraditionalDes3 => vec!["ec", "-des3", "-in", input, "-passout", &pass, "-out"],
            KeyFormat::RsaTraditionalAes128 => vec!["rsa", "-traditional", "-aes128", "-in", input, "-passout", &pass, "-out"],
        };
        openssl(&args, &out, &[]);
        set_private(&out);
        out
    }
}

/// Runs the openssl CLI with `args` followed by `out`.
fn openssl(args: &[&str], out: &Path, extra: &[&str]) {
    let result = std::process::Command::new("openssl").args(args).arg(out).args(extra).output().expect("run openssl (npm test installs it)");
    assert!(result.status.success(), "openssl {args:?} failed: {}", String::from_utf8_lossy(&result.stderr));
}

/// Key files must not be group- or world-readable (Postgres and libpq check
/// on Unix; Windows has no such mode bits, and neither checks there).
pub(crate) fn set_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
    }
    #[cfg(not(unix))]
    let _ = path;
}
