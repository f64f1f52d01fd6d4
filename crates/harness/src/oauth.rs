//! A PostgreSQL 18 server that asks for OAuth (SASL OAUTHBEARER): its
//! pg_hba needs an `oauth_validator_libraries` module, and the server
//! packages ship none, so a minimal one is compiled here with the system's
//! C compiler. It never authorizes anyone: Sluice only has to recognise the
//! request and say it cannot answer it.

use crate::cluster::Cluster;
use std::path::PathBuf;
use std::process::Command;

/// The module: PostgreSQL 18's magic block and validator callbacks, declared
/// by layout (the packages ship no server headers).
const VALIDATOR_C: &str = r#"
#include <stdbool.h>
#include <stdint.h>
typedef struct { int version; int funcmaxargs; int indexmaxkeys; int namedatalen; int float8byval; char abi_extra[32]; } abi_values;
typedef struct { int len; abi_values abi; const char *name; const char *version; } magic_struct;
static const magic_struct magic = { sizeof(magic_struct), { 1800, 100, 32, 64, 1, "PostgreSQL" }, "sluice_test_validator", "1" };
const magic_struct *Pg_magic_func(void) { return &magic; }
typedef struct { uint32_t magic; void (*startup)(void *); void (*shutdown)(void *); bool (*validate)(const void *, const char *, const char *, void *); } callbacks;
static bool refuse(const void *state, const char *token, const char *role, void *result) { (void) state; (void) token; (void) role; (void) result; return false; }
static const callbacks cbs = { 0x20250220, 0, 0, refuse };
const callbacks *_PG_oauth_validator_module_init(void) { return &cbs; }
"#;

fn validator() -> PathBuf {
    static LIB: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    LIB.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("sluice-oauth-validator-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let src = dir.join("validator.c");
        let lib = dir.join("sluice_validator.so");
        std::fs::write(&src, VALIDATOR_C).unwrap();
        let status = Command::new("cc").args(["-shared", "-fPIC", "-O2", "-o"]).arg(&lib).arg(&src).status().expect("cc (build-essential) is needed");
        assert!(status.success(), "compiling the test OAuth validator failed");
        crate::os_user::hand_over(&dir);
        lib
    })
    .clone()
}

/// A cluster whose pg_hba asks every TCP login for OAuth.
pub fn cluster_asking_for_oauth() -> Cluster {
    let lib = validator();
    Cluster::builder()
        .setting("oauth_validator_libraries", &format!("'{}'", lib.display()))
        .hba(r#"host all all 127.0.0.1/32 oauth issuer="https://issuer.example.com" scope="openid""#)
        .start()
}
