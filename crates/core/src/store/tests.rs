//! The store's logic against the in-memory keyring (the real keyring is
//! exercised by `tests/store_keyring.rs`).

use std::sync::atomic::Ordering;

use super::secrets::memory::MemoryBackend;
use super::*;
use crate::conninfo;
use crate::secret::Secret;

const PW: &str = "s3cr3t-Pa55word-x";

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn open(dir: &Path, mem: &MemoryBackend) -> Store {
    Store::open_with(dir.to_path_buf(), Box::new(mem.clone())).unwrap()
}

fn new_conn(name: &str) -> NewConnection {
    NewConnection {
        name: name.into(),
        params: conninfo::ConnInfo::from_params([("host", "db.example.com"), ("port", "5432"), ("dbname", "app"), ("user", "alex")])
            .unwrap(),
        ..NewConnection::default()
    }
}

fn file_text(store: &Store) -> String {
    std::fs::read_to_string(&store.paths().file).unwrap_or_default()
}

#[test]
fn add_keeps_the_password_out_of_the_file() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    let r = store.add(new_conn("Prod"), Secrets::password(PW), SaveMode::WithSecrets).unwrap();
    assert!(r.has_password && r.password_saved && !r.has_sslpassword && !r.has_inline_key);
    assert_eq!(r.created_at, r.updated_at);
    assert_eq!(mem.snapshot().get(&format!("{}/password", r.id)).map(String::as_str), Some(PW));
    let text = file_text(&store);
    assert!(!text.contains(PW), "{text}");
    assert!(text.contains("\"version\": 2"));

    let again = open(dir.path(), &mem);
    assert_eq!(again.list().unwrap(), vec![r.clone()]);
    assert_eq!(again.get("prod").unwrap().id, r.id);
    assert_eq!(again.get(&r.id.to_string()).unwrap().name, "Prod");
    assert_eq!(again.secrets(r.id).unwrap().password.unwrap().expose(), PW);
    let info = r.to_conninfo(&again.secrets(r.id).unwrap());
    assert_eq!(info.to_uri(), format!("postgresql://alex:{PW}@db.example.com:5432/app"));
    assert_eq!(r.to_uri_without_password(), "postgresql://alex@db.example.com:5432/app");
}

#[test]
fn names_are_validated_and_unique_ignoring_case() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    let a = store.add(new_conn("  Prod  "), Secrets::none(), SaveMode::WithSecrets).unwrap();
    assert_eq!(a.name, "Prod");
    let e = store.add(new_conn("PROD"), Secrets::none(), SaveMode::WithSecrets).unwrap_err();
    assert_eq!(e.kind(), "duplicate_name", "{e}");
    for bad in ["", "   ", "a\nb", &"x".repeat(65)] {
        let e = store.add(new_conn(bad), Secrets::none(), SaveMode::WithSecrets).unwrap_err();
        assert_eq!(e.kind(), "invalid", "{bad:?}: {e}");
    }
    let b = store.add(new_conn("Staging"), Secrets::none(), SaveMode::WithSecrets).unwrap();
    assert_eq!(store.rename(b.id, "prod").unwrap_err().kind(), "duplicate_name");
    // Renaming to a different case of its own name is fine.
    assert_eq!(store.rename(a.id, "PROD").unwrap().name, "PROD");
    assert_eq!(store.get("nope").unwrap_err().kind(), "not_found");
    assert_eq!(store.list().unwrap().len(), 2);
}

#[test]
fn field_validation_blocks_saving() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    let mut n = new_conn("x");
    n.params.set("port", "99999").unwrap();
    n.params.set("channel_binding", "requires").unwrap();
    let StoreError::Invalid { issues } = store.add(n, Secrets::none(), SaveMode::WithSecrets).unwrap_err() else {
        panic!("expected invalid")
    };
    let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
    assert_eq!(fields, ["port", "channel_binding"]);

    let mut n = new_conn("certs");
    n.pem.sslcert = Some("-----BEGIN CERTIFICATE-----\n...".into());
    let e = store.add(n.clone(), Secrets::none(), SaveMode::WithSecrets).unwrap_err();
    assert!(matches!(&e, StoreError::Invalid { issues } if issues[0].field == "sslkey"), "{e:?}");
    let mut both = n.clone();
    for (k, f) in [("sslcert", "client.crt"), ("sslkey", "client.key")] {
        let path = dir.path().join(f);
        std::fs::write(&path, "x").unwrap();
        both.params.set(k, path.to_str().unwrap()).unwrap();
    }
    let e = store.add(both, Secrets::none(), SaveMode::WithSecrets).unwrap_err();
    assert!(matches!(&e, StoreError::Invalid { issues } if issues.iter().any(|i| i.message.contains("not both"))), "{e:?}");
    let key = Secrets { client_key_pem: Some("-----BEGIN PRIVATE KEY-----\nKEYDATA\n".into()), ..Secrets::default() };
    let r = store.add(n, key, SaveMode::WithSecrets).unwrap();
    assert!(r.has_inline_key && !r.has_password);
    assert!(!file_text(&store).contains("KEYDATA"));
    let s = store.secrets(r.id).unwrap();
    let inline = r.inline_tls(&s);
    assert!(inline.client_key_pem.is_some_and(|k| k.expose().contains("KEYDATA")));
    assert!(inline.pem.sslcert.is_some_and(|c| c.starts_with("-----BEGIN CERTIFICATE-----")));
    assert!(mem.snapshot().contains_key(&format!("{}/sslkey", r.id)));
    assert_eq!(store.list().unwrap().len(), 1);
    assert!(store.paths().dir.join(FILE_NAME).is_file());
}

#[test]
fn rename_keeps_secrets_and_delete_removes_them() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    let secrets = Secrets { password: Some(PW.into()), sslpassword: Some("kp".into()), ..Secrets::default() };
    let r = store.add(new_conn("a"), secrets.clone(), SaveMode::WithSecrets).unwrap();
    let renamed = store.rename(r.id, "b").unwrap();
    assert_eq!((renamed.id, renamed.name.as_str()), (r.id, "b"));
    assert_eq!(store.secrets(r.id).unwrap(), secrets);
    store.delete(r.id).unwrap();
    assert!(mem.snapshot().is_empty());
    assert_eq!(store.delete(r.id).unwrap_err().kind(), "not_found");
    assert!(!file_text(&store).contains("orphan_secrets"));
}

#[test]
fn keyring_unavailable_leaves_the_store_as_it_was() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    store.add(new_conn("first"), Secrets::password("p1"), SaveMode::WithSecrets).unwrap();
    let before = file_text(&store);
    let keyring_before = mem.snapshot();
    mem.unavailable.store(true, Ordering::SeqCst);

    let e = store.add(new_conn("second"), Secrets::password(PW), SaveMode::WithSecrets).unwrap_err();
    assert_eq!(e.kind(), "keyring_unavailable");
    assert!(e.hint().unwrap().contains("gnome-keyring") || !cfg!(target_os = "linux"));
    assert_eq!(file_text(&store), before);
    assert_eq!(mem.snapshot(), keyring_before);

    // Without secrets: the rest is saved, and the record says the password must be asked for.
    let r = store.add(new_conn("second"), Secrets::password(PW), SaveMode::WithoutSecrets).unwrap();
    assert!(!r.password_saved && !r.has_password);
    assert!(!file_text(&store).contains(PW));
    assert_eq!(store.secrets(r.id).unwrap(), Secrets::none(), "no keyring call for a record without secrets");
    // A save that needs no secret does not need the keyring either.
    store.add(new_conn("third"), Secrets::none(), SaveMode::WithSecrets).unwrap();
}

#[test]
fn a_failed_file_write_takes_the_new_secret_back() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    store.add(new_conn("keep"), Secrets::password("old"), SaveMode::WithSecrets).unwrap();
    let before = file_text(&store);
    let keyring_before = mem.snapshot();
    // The first write (listing the pending secret) succeeds, the second (the record) fails.
    store.inner.fail_writes_after.store(1, Ordering::SeqCst);
    let e = store.add(new_conn("new"), Secrets::password(PW), SaveMode::WithSecrets).unwrap_err();
    assert_eq!(e.kind(), "io");
    assert_eq!(mem.snapshot(), keyring_before);
    assert_eq!(file_text(&store), before);

    // Update: the previous secret is put back.
    let keep = store.get("keep").unwrap();
    store.inner.fail_writes_after.store(0, Ordering::SeqCst);
    let e = store.update(keep.id, keep.to_new(), Some(Secrets::password(PW)), SaveMode::WithSecrets).unwrap_err();
    assert_eq!(e.kind(), "io");
    assert_eq!(store.secrets(keep.id).unwrap().password.unwrap().expose(), "old");
    assert_eq!(file_text(&store), before);
}

#[test]
fn a_keyring_failure_midway_through_an_update_restores_the_first_secrets() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    let r = store.add(new_conn("c"), Secrets::password("old"), SaveMode::WithSecrets).unwrap();
    let before = (file_text(&store), mem.snapshot());
    // get(password) ok, set(password) ok, set(sslpassword) fails; the restores then succeed.
    mem.fail_after.store(2, Ordering::SeqCst);
    let new_secrets = Secrets { password: Some("new".into()), sslpassword: Some("kp".into()), ..Secrets::default() };
    let e = store.update(r.id, r.to_new(), Some(new_secrets), SaveMode::WithSecrets).unwrap_err();
    assert_eq!(e.kind(), "keyring_unavailable");
    mem.fail_after.store(usize::MAX, Ordering::SeqCst);
    // The restore wrote "old" back; the file lists nothing pending.
    assert_eq!(mem.snapshot(), before.1);
    assert_eq!(file_text(&store), before.0);
}

#[test]
fn update_keeps_replaces_or_removes_secrets() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    let r = store.add(new_conn("c"), Secrets::password("one"), SaveMode::WithSecrets).unwrap();
    let mut changes = r.to_new();
    changes.params.set("dbname", "other_db").unwrap();
    changes.job = crate::job::Job::Destination;
    changes.job_options.truncate = true;
    let u = store.update(r.id, changes.clone(), None, SaveMode::WithSecrets).unwrap();
    assert_eq!(u.params.get("dbname"), Some("other_db"));
    assert!(u.has_password && u.updated_at >= r.updated_at && u.created_at == r.created_at);
    assert_eq!(store.secrets(r.id).unwrap().password.unwrap().expose(), "one");

    let u = store.update(r.id, changes.clone(), Some(Secrets::password("two")), SaveMode::WithSecrets).unwrap();
    assert!(u.has_password);
    assert_eq!(store.secrets(r.id).unwrap().password.unwrap().expose(), "two");

    let u = store.update(r.id, changes.clone(), Some(Secrets::none()), SaveMode::WithSecrets).unwrap();
    assert!(!u.has_password && u.password_saved);
    assert!(mem.snapshot().is_empty());

    let u = store.update(r.id, changes, Some(Secrets::password("x")), SaveMode::WithoutSecrets).unwrap();
    assert!(!u.password_saved && mem.snapshot().is_empty());
    assert_eq!(
        store.update(uuid::Uuid::new_v4(), r.to_new(), None, SaveMode::WithSecrets).unwrap_err().kind(),
        "not_found"
    );
}

#[test]
fn a_saved_password_stays_with_the_server_it_was_saved_for() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    let secrets = Secrets { password: Some("one".into()), sslpassword: Some("phrase".into()), ..Secrets::default() };
    let r = store.add(new_conn("c"), secrets, SaveMode::WithSecrets).unwrap();
    // Unset and explicit default port, trimmed values: the same server.
    let mut same = r.to_new();
    same.params.remove("port");
    same.params.set("user", " alex ").unwrap();
    assert!(r.params.same_server(&same.params));
    for (field, value) in [("host", "evil.example.net"), ("hostaddr", "203.0.113.9"), ("port", "6543"), ("user", "root")] {
        let mut moved = r.to_new();
        moved.params.set(field, value).unwrap();
        assert!(!r.params.same_server(&moved.params), "{field}");
        let g = store.secrets_for(r.id, moved.route()).unwrap();
        assert!(!g.withheld.is_empty() && g.secrets.password.is_none() && g.secrets.sslpassword.is_some(), "{field}");
    }

    // Saved with another host and no new secrets: the password is gone, the passphrase stays.
    let mut moved = r.to_new();
    moved.params.set("host", "evil.example.net").unwrap();
    let u = store.update(r.id, moved.clone(), None, SaveMode::WithSecrets).unwrap();
    assert!(!u.has_password && u.has_sslpassword);
    assert!(store.secrets(r.id).unwrap().password.is_none());
    assert!(!mem.snapshot().contains_key(&format!("{}/password", r.id)));
    assert_eq!(store.secrets(r.id).unwrap().sslpassword.unwrap().expose(), "phrase");

    // Without the keyring, the password is dropped from the record and removed later.
    let r2 = store.add(new_conn("d"), Secrets::password("two"), SaveMode::WithSecrets).unwrap();
    let mut moved = r2.to_new();
    moved.params.set("port", "6543").unwrap();
    mem.unavailable.store(true, Ordering::SeqCst);
    let u = store.update(r2.id, moved, None, SaveMode::WithoutSecrets).unwrap();
    assert!(!u.has_password);
    mem.unavailable.store(false, Ordering::SeqCst);
    let _reopened = open(dir.path(), &mem);
    assert!(!mem.snapshot().contains_key(&format!("{}/password", r2.id)), "removed at the next open");
}

#[test]
fn a_kept_password_is_dropped_whatever_else_is_given_or_however_it_is_saved() {
    use crate::store::{SecretChange, SecretChanges};
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    let moved = |r: &ConnectionRecord| {
        let mut m = r.to_new();
        m.params.set("port", "6543").unwrap();
        m
    };
    // Another secret given with the move (edit --url '...?sslpassword=x'):
    // the password is kept by no one, the new passphrase is saved.
    let r = store.add(new_conn("a"), Secrets::password("pw-a"), SaveMode::WithSecrets).unwrap();
    let changes = SecretChanges { sslpassword: SecretChange::Set("x".into()), ..SecretChanges::keep() };
    let u = store.update(r.id, moved(&r), changes, SaveMode::WithSecrets).unwrap();
    assert!(!u.has_password && u.has_sslpassword);
    assert!(!mem.snapshot().contains_key(&format!("{}/password", r.id)));
    // The app saving without secrets while a password is typed: the old one
    // is not kept for the new port, and the keyring is not touched.
    let r = store.add(new_conn("b"), Secrets::password("pw-b"), SaveMode::WithSecrets).unwrap();
    let u = store.update(r.id, moved(&r), SecretChanges::set_given(Secrets::password("typed")), SaveMode::WithoutSecrets).unwrap();
    assert!(!u.has_password && !u.password_saved, "{u:?}");
    assert!(store.secrets_for(r.id, moved(&r).route()).unwrap().secrets.password.is_none());
    let _reopened = open(dir.path(), &mem);
    assert!(!mem.snapshot().contains_key(&format!("{}/password", r.id)), "removed at the next open");
    // Same server, another secret typed, without secrets: the saved password
    // was replaced by one that could not be saved, so it is not the record's either.
    let r = store.add(new_conn("c"), Secrets::password("pw-c"), SaveMode::WithSecrets).unwrap();
    let u = store.update(r.id, r.to_new(), SecretChanges::set_given(Secrets::password("new")), SaveMode::WithoutSecrets).unwrap();
    assert!(!u.has_password && !u.password_saved);
    // A weaker transport is another route: verify-full → disable.
    let mut strong = new_conn("d");
    strong.params.set("sslmode", "verify-full").unwrap();
    let r = store.add(strong, Secrets::password("pw-d"), SaveMode::WithSecrets).unwrap();
    let mut weak = r.to_new();
    weak.params.set("sslmode", "disable").unwrap();
    let g = store.secrets_for(r.id, weak.route()).unwrap();
    assert!(g.secrets.password.is_none() && g.withheld[0].reason.contains("sslmode"), "{:?}", g.withheld);
    let u = store.update(r.id, weak, None, SaveMode::WithSecrets).unwrap();
    assert!(!u.has_password);
    // And a stronger one keeps it.
    let r = store.add(new_conn("e"), Secrets::password("pw-e"), SaveMode::WithSecrets).unwrap();
    let mut stronger = r.to_new();
    stronger.params.set("sslmode", "verify-full").unwrap();
    let u = store.update(r.id, stronger, None, SaveMode::WithSecrets).unwrap();
    assert!(u.has_password);
    assert_eq!(store.secrets(r.id).unwrap().password.unwrap().expose(), "pw-e");
}

#[test]
fn a_secret_missing_from_the_keyring_is_reported() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    let r = store.add(new_conn("lost"), Secrets::password("pw"), SaveMode::WithSecrets).unwrap();
    mem.clear();
    let g = store.secrets_for(r.id, r.route()).unwrap();
    assert_eq!(g.missing, [crate::store::SecretKind::Password]);
    assert!(g.secrets.password.is_none() && g.withheld.is_empty());
}

#[test]
fn the_ssh_password_stays_with_the_ssh_hosts_it_was_saved_for() {
    use crate::ssh::{Hop, Tunnel};
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    let tunnel = |spec: &str| Some(Tunnel { hops: vec![Hop::parse(spec).unwrap()], known_hosts: None, ..Default::default() });
    let mut new = new_conn("behind");
    new.ssh = tunnel("ops@bastion.example.com");
    let secrets = Secrets {
        password: Some("db".into()),
        ssh_password: Some("ssh-pw".into()),
        ssh_passphrase: Some("ssh-phrase".into()),
        ssh_key: Some("-----BEGIN OPENSSH PRIVATE KEY-----\nK\n-----END OPENSSH PRIVATE KEY-----".into()),
        ..Secrets::default()
    };
    let r = store.add(new, secrets, SaveMode::WithSecrets).unwrap();
    assert!(r.has_ssh_password && r.has_ssh_passphrase && r.has_ssh_key);
    for kind in ["ssh-password", "ssh-passphrase", "ssh-key"] {
        assert!(mem.snapshot().contains_key(&format!("{}/{kind}", r.id)), "{kind} in the keyring");
    }
    let file = std::fs::read_to_string(dir.path().join(crate::store::FILE_NAME)).unwrap();
    assert!(file.contains("bastion.example.com") && !file.contains("ssh-pw") && !file.contains("ssh-phrase") && !file.contains("BEGIN OPENSSH"), "{file}");

    // Another bastion user: the SSH password is not sent there; the database
    // password (same database server) and the key material stay.
    let mut moved = r.to_new();
    moved.ssh = tunnel("root@bastion.example.com");
    let g = store.secrets_for(r.id, moved.route()).unwrap();
    let kept = &g.secrets;
    assert!(!g.withheld.is_empty() && kept.ssh_password.is_none() && kept.password.is_some() && kept.ssh_passphrase.is_some() && kept.ssh_key.is_some());
    // Same hosts written differently: kept.
    let mut same = r.to_new();
    same.ssh = tunnel("ops@BASTION.example.com:22");
    assert!(r.moved_secrets(&same.route()).is_empty());
    // No tunnel any more: the SSH password has nowhere to go, and the
    // database's name now resolves here, not behind the bastion.
    let kinds = |w: Vec<crate::store::Withheld>| w.into_iter().map(|w| w.kind).collect::<Vec<_>>();
    let mut untunneled = r.to_new();
    untunneled.ssh = None;
    assert_eq!(kinds(r.moved_secrets(&untunneled.route())), [crate::store::SecretKind::Password, crate::store::SecretKind::SshPassword]);
    // Another bastion: the same name can be another database there.
    let mut elsewhere = r.to_new();
    elsewhere.ssh = tunnel("ops@bastion.other.example.com");
    assert_eq!(
        kinds(r.moved_secrets(&elsewhere.route())),
        [crate::store::SecretKind::Password, crate::store::SecretKind::SshPassword]
    );

    let u = store.update(r.id, moved, None, SaveMode::WithSecrets).unwrap();
    assert!(!u.has_ssh_password && u.has_ssh_passphrase && u.has_password);
    assert!(!mem.snapshot().contains_key(&format!("{}/ssh-password", r.id)));
    // Removing the connection removes every SSH secret.
    store.delete(r.id).unwrap();
    assert!(!mem.snapshot().keys().any(|k| k.starts_with(&r.id.to_string())), "{:?}", mem.snapshot().keys());
}

#[test]
fn duplicate_copies_secrets_and_record_test_leaves_them() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    let r = store.add(new_conn("orig"), Secrets::password(PW), SaveMode::WithSecrets).unwrap();
    let summary = TestSummary {
        at: now(),
        connected: true,
        ready: Some(false),
        code: None,
        message: "connected in 12 ms".into(),
        total_ms: 12,
        schemas: vec!["app".into(), "public".into()],
    };
    let t = store.record_test(r.id, summary.clone()).unwrap();
    assert_eq!(t.last_test.as_ref(), Some(&summary));
    assert_eq!(t.updated_at, r.updated_at);
    let d = store.duplicate(r.id, "copy").unwrap();
    assert_ne!(d.id, r.id);
    assert!(d.has_password && d.last_test.is_none());
    assert_eq!(d.params, r.params);
    assert_eq!(store.secrets(d.id).unwrap().password.unwrap().expose(), PW);
    assert_eq!(mem.snapshot().len(), 2);
    assert_eq!(store.duplicate(r.id, "ORIG").unwrap_err().kind(), "duplicate_name");
    // Deleting the copy leaves the original's secret.
    store.delete(d.id).unwrap();
    assert_eq!(store.secrets(r.id).unwrap().password.unwrap().expose(), PW);
}

#[test]
fn secrets_of_a_failed_delete_are_removed_at_the_next_open() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    let r = store.add(new_conn("gone"), Secrets::password(PW), SaveMode::WithSecrets).unwrap();
    mem.unavailable.store(true, Ordering::SeqCst);
    store.delete(r.id).unwrap();
    assert!(store.list().unwrap().is_empty());
    assert!(
        matches!(store.warnings().as_slice(), [StoreWarning::LeftoverSecrets { accounts, .. }] if accounts.len() == 1)
    );
    assert!(file_text(&store).contains(&format!("{}/password", r.id)));
    assert_eq!(mem.snapshot().len(), 1);

    // Still unavailable: open works and keeps the list.
    let again = open(dir.path(), &mem);
    assert!(again.warnings().is_empty());
    assert!(file_text(&again).contains("orphan_secrets"));

    mem.unavailable.store(false, Ordering::SeqCst);
    let again = open(dir.path(), &mem);
    assert!(mem.snapshot().is_empty());
    assert!(!file_text(&again).contains("orphan_secrets"));
}

#[test]
fn a_pending_secret_left_by_a_crash_is_removed_but_a_claimed_one_is_kept() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    let r = store.add(new_conn("live"), Secrets::password(PW), SaveMode::WithSecrets).unwrap();
    let crashed = format!("{}/password", uuid::Uuid::new_v4());
    mem.entries.lock().unwrap().insert(crashed.clone(), "pending".into());
    let mut doc = file::read(store.paths()).unwrap().unwrap();
    doc.orphan_secrets = vec![crashed.clone(), format!("{}/password", r.id), "junk".into()];
    file::write(store.paths(), &doc).unwrap();

    open(dir.path(), &mem);
    let left = mem.snapshot();
    assert!(!left.contains_key(&crashed));
    assert!(left.contains_key(&format!("{}/password", r.id)));
    assert!(!file_text(&store).contains("orphan_secrets"));
}

#[test]
fn a_corrupt_file_is_moved_aside_reported_once_and_never_overwritten() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let garbage = b"{\"version\": 1, \"connections\": [ {\"id\": tru";
    std::fs::write(dir.path().join(FILE_NAME), garbage).unwrap();
    let store = open(dir.path(), &mem);
    let warnings = store.warnings();
    let [StoreWarning::RecoveredFrom { path, moved_to, message, .. }] = warnings.as_slice() else {
        panic!("expected one warning: {warnings:?}")
    };
    assert_eq!(path, &dir.path().join(FILE_NAME));
    assert!(moved_to.file_name().unwrap().to_str().unwrap().starts_with("connections.json.corrupt-"));
    assert_eq!(std::fs::read(moved_to).unwrap(), garbage);
    assert!(message.contains(&moved_to.display().to_string()) && message.contains(&path.display().to_string()));
    assert!(store.list().unwrap().is_empty());
    // Reported once.
    assert!(open(dir.path(), &mem).warnings().is_empty());

    // Damaged under a live store: the operation that finds it fails, naming both paths.
    store.add(new_conn("a"), Secrets::none(), SaveMode::WithSecrets).unwrap();
    std::fs::write(dir.path().join(FILE_NAME), b"\0\0\0").unwrap();
    let e = store.list().unwrap_err();
    let StoreError::Corrupt { moved_to, .. } = &e else { panic!("{e:?}") };
    assert_eq!(std::fs::read(moved_to).unwrap(), b"\0\0\0");
    assert_eq!(e.kind(), "corrupt");
    let reopened = open(dir.path(), &mem);
    assert_eq!(reopened.warnings().len(), 1);
    assert!(reopened.list().unwrap().is_empty());
    let aside = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_str().unwrap().contains(".corrupt-"))
        .count();
    assert_eq!(aside, 2);
}

#[test]
fn a_newer_file_is_refused_and_left_alone() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let newer = b"{\"version\": 7, \"connections\": \"whatever\"}";
    std::fs::write(dir.path().join(FILE_NAME), newer).unwrap();
    let e = Store::open_with(dir.path().to_path_buf(), Box::new(mem.clone())).unwrap_err();
    assert_eq!(e.kind(), "newer_version");
    assert!(e.to_string().contains("newer Sluice"), "{e}");
    assert_eq!(std::fs::read(dir.path().join(FILE_NAME)).unwrap(), newer);

    // A store opened before the file was replaced refuses to write over it too.
    std::fs::remove_file(dir.path().join(FILE_NAME)).unwrap();
    let store = open(dir.path(), &mem);
    std::fs::write(dir.path().join(FILE_NAME), newer).unwrap();
    assert_eq!(store.add(new_conn("x"), Secrets::none(), SaveMode::WithSecrets).unwrap_err().kind(), "newer_version");
    assert_eq!(store.list().unwrap_err().kind(), "newer_version");
    assert_eq!(std::fs::read(dir.path().join(FILE_NAME)).unwrap(), newer);
}

#[cfg(unix)]
#[test]
fn file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, mem) = (temp(), MemoryBackend::new());
    let sub = dir.path().join("nested").join(APP_ID);
    let store = open(&sub, &mem);
    store.add(new_conn("a"), Secrets::none(), SaveMode::WithSecrets).unwrap();
    // A temporary file left by a writer killed mid-write goes at the next locked write.
    std::fs::write(sub.join("connections.json.tmp-1-2"), b"{\"version\": 1, \"conn").unwrap();
    store.add(new_conn("b"), Secrets::none(), SaveMode::WithSecrets).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&store.paths().file), 0o600);
    assert_eq!(mode(&store.paths().lock), 0o600);
    assert_eq!(mode(&sub), 0o700);
    let leftovers: Vec<_> = std::fs::read_dir(&sub).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
}

#[test]
fn opening_removes_the_temporary_file_of_a_killed_write() {
    // The last thing a process did was a write that was killed after its
    // temporary file was made: no later write sweeps it, so opening does.
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    store.add(new_conn("a"), Secrets::none(), SaveMode::WithSecrets).unwrap();
    let tmp = dir.path().join("connections.json.tmp-1-2");
    std::fs::write(&tmp, b"{\"version\": 1, \"conn").unwrap();
    let again = open(dir.path(), &mem);
    assert!(!tmp.exists(), "the temporary file is still there");
    assert_eq!(again.list().unwrap().len(), 1);
    assert!(again.warnings().is_empty(), "{:?}", again.warnings());
}

#[test]
fn records_and_errors_serialize_without_secrets() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    let (new, secrets, warnings) = NewConnection::from_url(
        "neon",
        &format!("postgresql://alex:{PW}@ep-x.eu.aws.neon.tech/db?sslmode=require&sslpassword=kp"),
    )
    .unwrap();
    assert!(warnings.is_empty());
    assert_eq!(new.provider, Provider::Neon);
    assert_eq!(secrets.password.as_ref().unwrap().expose(), PW);
    assert_eq!(
        format!("{secrets:?}"),
        "Secrets { password: Some(<redacted>), sslpassword: Some(<redacted>), client_key_pem: None, ssh_password: None, ssh_passphrase: None, ssh_key: None }"
    );
    let r = store.add(new, secrets, SaveMode::WithSecrets).unwrap();
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["has_password"], true);
    assert_eq!(json["has_sslpassword"], true);
    assert_eq!(json["has_inline_key"], false);
    assert_eq!(json["provider"], "neon");
    assert_eq!(json["job"], "source");
    assert_eq!(json["params"], serde_json::json!({"host": "ep-x.eu.aws.neon.tech", "dbname": "db", "user": "alex", "sslmode": "require"}));
    assert!(json["created_at"].as_str().unwrap().ends_with('Z'));
    let text = serde_json::to_string(&r).unwrap() + &format!("{r:?}") + &file_text(&store);
    assert!(!text.contains(PW) && !text.contains("\"kp\""), "{text}");

    let e = StoreError::KeyringUnavailable { platform_hint: platform_hint().into(), detail: "no D-Bus".into() };
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["kind"], "keyring_unavailable");
    assert_eq!(v["hint"], platform_hint());
    assert!(v["message"].as_str().unwrap().contains("no D-Bus"));
    let v = serde_json::to_value(StoreError::NotFound("x".into())).unwrap();
    assert_eq!(v, serde_json::json!({"kind": "not_found", "message": "no saved connection \"x\"", "hint": null}));
}

#[test]
fn conninfo_round_trips_through_a_record() {
    let parsed = conninfo::parse(
        "host=a,b port=5432,5433 dbname=d user=u password=pw sslmode=verify-full sslrootcert=system \
         application_name=app connect_timeout=5 options='-c x=1' target_session_attrs=read-write \
         channel_binding=require keepalives=0",
    )
    .unwrap();
    let (new, secrets) = NewConnection::from_conninfo("rt", &parsed.info);
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = open(dir.path(), &mem);
    let r = store.add(new, secrets, SaveMode::WithSecrets).unwrap();
    let back = r.to_conninfo(&store.secrets(r.id).unwrap());
    assert_eq!(back, parsed.info);
    assert_eq!(&Secret::new("pw"), back.password().unwrap());
}

#[test]
fn the_async_store_runs_the_same_calls() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let store = AsyncStore::new(open(dir.path(), &mem));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let r = store.call(|s| s.add(new_conn("a"), Secrets::password(PW), SaveMode::WithSecrets)).await.unwrap();
        assert_eq!(store.call(|s| s.get("A")).await.unwrap().id, r.id);
        assert_eq!(store.call(move |s| s.secrets(r.id)).await.unwrap().password.unwrap().expose(), PW);
        store.call(move |s| s.rename(r.id, "b")).await.unwrap();
        store.call(move |s| s.delete(r.id)).await.unwrap();
        assert!(store.call(|s| s.list()).await.unwrap().is_empty());
        let e = store.call(|s| s.get("nobody")).await.unwrap_err();
        assert_eq!(e.kind(), "not_found");
    });
}

#[test]
fn concurrent_writers_in_one_process_lose_nothing() {
    let (dir, mem) = (temp(), MemoryBackend::new());
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let (dir, mem) = (dir.path().to_path_buf(), mem.clone());
            std::thread::spawn(move || {
                // Separate Store values: the lock is per file, not per handle.
                let store = open(&dir, &mem);
                for i in 0..10 {
                    store.add(new_conn(&format!("t{t}-{i}")), Secrets::password("p"), SaveMode::WithSecrets).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let store = open(dir.path(), &mem);
    assert_eq!(store.list().unwrap().len(), 40);
    assert_eq!(mem.snapshot().len(), 40);
}
