//! The window's size and position are saved half a second after the user
//! stops moving or resizing it, not only when the app exits cleanly
//! (tauri-plugin-window-state's own moment): a session ended by logout, a
//! kill or a crash still reopens where the user left it. The plugin restores
//! it when the window is created.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tauri::{Manager, Runtime, Window, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

static GENERATION: AtomicU64 = AtomicU64::new(0);

pub fn on_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if !matches!(event, WindowEvent::Resized(_) | WindowEvent::Moved(_)) {
        return;
    }
    let mine = GENERATION.fetch_add(1, Ordering::SeqCst) + 1;
    let app = window.app_handle().clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if GENERATION.load(Ordering::SeqCst) != mine {
            return;
        }
        // On the main thread: the plugin's save holds its cache lock while it
        // asks the window for its size, and its own Moved/Resized handler on
        // the main thread takes that lock. Saved from a worker, the two wait
        // for each other whenever an event lands in between (a second start's
        // focus did it); on the main thread they run one after the other.
        let saver = app.clone();
        let queued = app.run_on_main_thread(move || {
            if let Err(e) = saver.save_window_state(StateFlags::all()) {
                tracing::warn!("could not save the window's size and position: {e}");
            }
        });
        if let Err(e) = queued {
            tracing::warn!("could not save the window's size and position: {e}");
        }
    });
}
