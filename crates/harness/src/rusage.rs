//! Runs a child process to the end and reports its peak resident memory:
//! `VmHWM` of `/proc/<pid>/status`, polled every 2 ms while it runs.
//!
//! Not `wait4`'s or `getrusage(RUSAGE_CHILDREN)`'s `ru_maxrss`: std spawns
//! with vfork semantics (posix_spawn / CLONE_VM), and Linux keeps the
//! high-water mark of the memory the child had before exec, which is the
//! test process's own (about 150 MiB here), so every child looks as big as
//! the test. `VmHWM` belongs to the process's memory after exec. Being a
//! high-water mark, a late sample still holds every earlier peak; only
//! growth in the last 2 ms before exit could be missed.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a measured run left.
#[derive(Debug)]
pub struct Measured {
    /// The exit code (None if a signal ended it).
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Peak resident set size, KiB.
    pub max_rss_kib: u64,
    pub elapsed: Duration,
}

impl Measured {
    pub fn max_rss_mib(&self) -> f64 {
        self.max_rss_kib as f64 / 1024.0
    }
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `cmd` (stdout and stderr captured) to its end.
pub fn run(cmd: &mut Command) -> Measured {
    let started = Instant::now();
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn the measured command");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let ereader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let pid = child.id();
    let mut peak = 0u64;
    let status = loop {
        if let Some(kib) = vm_hwm_kib(pid) {
            peak = peak.max(kib);
        }
        match child.try_wait().expect("wait for the measured command") {
            Some(s) => break s,
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    };
    Measured {
        code: status.code(),
        stdout: reader.join().unwrap_or_default(),
        stderr: ereader.join().unwrap_or_default(),
        max_rss_kib: peak,
        elapsed: started.elapsed(),
    }
}
