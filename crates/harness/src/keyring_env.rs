//! Keyring tests run against the real Secret Service, which `npm test`
//! provides with `dbus-run-session` and `gnome-keyring-daemon`. A test that
//! needs it calls [`require_secret_service`] first so that a run outside that
//! environment fails with instructions instead of a puzzling D-Bus error.

pub fn require_secret_service() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        panic!(
            "this test needs the real Secret Service: run it through `npm test`, or inside \
             `dbus-run-session -- sh -c 'echo -n test | gnome-keyring-daemon --unlock --components=secrets; cargo test ...'`"
        );
    }
}
