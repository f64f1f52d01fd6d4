//! Accelerated compositing, or not. With no GPU, WebKitGTK composites on
//! Mesa's software renderer, which costs far more per frame than drawing
//! without compositing at all. So on Linux, before the webview starts: no
//! usable DRI render node, or Mesa told to render in software (llvmpipe,
//! softpipe), turns compositing off. `SLUICE_COMPOSITING=on|off` forces
//! either; a `WEBKIT_DISABLE_COMPOSITING_MODE` the user set is kept.

use std::path::Path;

/// The decision and why, logged at startup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compositing {
    pub enabled: bool,
    pub reason: String,
}

/// What the decision reads, so that it can be tested without touching the process.
pub struct Inputs<'a> {
    pub sluice_compositing: Option<&'a str>,
    pub webkit_disable: Option<&'a str>,
    pub libgl_always_software: Option<&'a str>,
    pub gallium_driver: Option<&'a str>,
    /// Where render nodes live (`/dev/dri`).
    pub dri: &'a Path,
}

pub fn decide(i: &Inputs) -> Compositing {
    let on = |reason: &str| Compositing { enabled: true, reason: reason.to_owned() };
    let off = |reason: &str| Compositing { enabled: false, reason: reason.to_owned() };
    match i.sluice_compositing.map(str::to_ascii_lowercase).as_deref() {
        Some("on" | "1" | "true") => return on("SLUICE_COMPOSITING=on"),
        Some("off" | "0" | "false") => return off("SLUICE_COMPOSITING=off"),
        _ => {}
    }
    if let Some(v) = i.webkit_disable.filter(|v| !v.is_empty()) {
        return if v == "0" { on("WEBKIT_DISABLE_COMPOSITING_MODE=0") } else { off("WEBKIT_DISABLE_COMPOSITING_MODE is set") };
    }
    if !cfg!(target_os = "linux") {
        return on("not Linux");
    }
    if i.libgl_always_software.is_some_and(|v| v != "0" && !v.is_empty()) {
        return off("software rendering (LIBGL_ALWAYS_SOFTWARE)");
    }
    if let Some(d) = i.gallium_driver.filter(|d| matches!(*d, "llvmpipe" | "softpipe" | "swr")) {
        return off(&format!("software rendering (GALLIUM_DRIVER={d})"));
    }
    let render_node = std::fs::read_dir(i.dri)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("renderD"));
    if render_node {
        on("a DRI render node is present")
    } else {
        off(&format!("no DRI render node in {}: software rendering", i.dri.display()))
    }
}

static CHOICE: std::sync::OnceLock<Compositing> = std::sync::OnceLock::new();

/// The choice made at startup (for the About box); None in tests that never started the app.
pub fn current() -> Option<&'static Compositing> {
    CHOICE.get()
}

/// Decides from the process's environment and applies the choice (before
/// any webview exists, while the process has one thread).
pub fn apply() -> Compositing {
    let var = |k: &str| std::env::var(k).ok();
    let (a, b, c, d) = (var("SLUICE_COMPOSITING"), var("WEBKIT_DISABLE_COMPOSITING_MODE"), var("LIBGL_ALWAYS_SOFTWARE"), var("GALLIUM_DRIVER"));
    let choice = decide(&Inputs {
        sluice_compositing: a.as_deref(),
        webkit_disable: b.as_deref(),
        libgl_always_software: c.as_deref(),
        gallium_driver: d.as_deref(),
        dri: Path::new("/dev/dri"),
    });
    if cfg!(target_os = "linux") {
        if choice.enabled {
            std::env::remove_var("WEBKIT_DISABLE_COMPOSITING_MODE");
        } else {
            std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
        }
    }
    let _ = CHOICE.set(choice.clone());
    choice
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(dri: &Path) -> Inputs<'_> {
        Inputs { sluice_compositing: None, webkit_disable: None, libgl_always_software: None, gallium_driver: None, dri }
    }

    #[test]
    fn render_nodes_overrides_and_software_mesa() {
        let dir = tempfile::tempdir().unwrap();
        let none = decide(&inputs(dir.path()));
        assert!(!none.enabled && none.reason.contains("no DRI render node"), "{none:?}");
        std::fs::write(dir.path().join("card0"), "").unwrap();
        assert!(!decide(&inputs(dir.path())).enabled, "a card node alone is not a render node");
        std::fs::write(dir.path().join("renderD128"), "").unwrap();
        assert!(decide(&inputs(dir.path())).enabled);
        assert!(!decide(&Inputs { gallium_driver: Some("llvmpipe"), ..inputs(dir.path()) }).enabled);
        assert!(!decide(&Inputs { libgl_always_software: Some("1"), ..inputs(dir.path()) }).enabled);
        assert!(!decide(&Inputs { sluice_compositing: Some("off"), ..inputs(dir.path()) }).enabled);
        assert!(decide(&Inputs { sluice_compositing: Some("ON"), gallium_driver: Some("llvmpipe"), ..inputs(dir.path()) }).enabled, "forced on");
        assert!(!decide(&Inputs { webkit_disable: Some("1"), ..inputs(dir.path()) }).enabled, "the user's own setting is kept");
        assert!(decide(&Inputs { sluice_compositing: Some("on"), ..inputs(Path::new("/nonexistent")) }).enabled);
    }
}
