//! A password from a command: cloud IAM tokens and secret managers, one
//! mechanism. The command is an argument vector run without a shell, inside
//! the test's deadline (a cancel or the deadline kills it); the first line
//! of its stdout is the password, never logged or stored; a failure carries
//! its stderr.

use crate::secret::Secret;
use std::process::Stdio;
use tokio::io::AsyncReadExt;

/// Output beyond this is not read (a password is a line, a token a few KiB).
const MAX_OUTPUT: usize = 64 * 1024;
/// The stderr kept for the report.
const MAX_STDERR: usize = 4 * 1024;

/// Why the command gave no password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandFailure {
    pub message: String,
    /// Its stderr, trimmed (never holds the password: only stdout does).
    pub stderr: String,
}

/// Runs `argv`; Ok(the first line of stdout). Killed when dropped.
pub async fn run(argv: &[String]) -> Result<Secret, CommandFailure> {
    run_into(argv, &StderrSink::default()).await
}

/// What a running command has written to stderr so far (at most
/// `MAX_STDERR` bytes), readable by whoever holds a clone: after a deadline
/// drops the command, it still says what the command was doing.
#[derive(Debug, Clone, Default)]
pub struct StderrSink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl StderrSink {
    fn push(&self, bytes: &[u8]) {
        if let Ok(mut buf) = self.0.lock() {
            let room = MAX_STDERR.saturating_sub(buf.len());
            buf.extend_from_slice(&bytes[..bytes.len().min(room)]);
        }
    }

    /// The text so far, trimmed.
    pub fn text(&self) -> String {
        self.0.lock().map(|b| String::from_utf8_lossy(&b).trim().to_owned()).unwrap_or_default()
    }
}

/// [`run`], with its stderr kept in `sink` as it arrives.
pub async fn run_into(argv: &[String], sink: &StderrSink) -> Result<Secret, CommandFailure> {
    let (program, args) = argv.split_first().ok_or_else(|| CommandFailure { message: "the password command is empty".into(), stderr: String::new() })?;
    let mut command = tokio::process::Command::new(program);
    command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    // A process group of its own, so that ending the command ends what it
    // started too (`sh -c 'echo pw; sleep 60'` leaves a sleep otherwise).
    #[cfg(unix)]
    command.process_group(0);
    let mut child = command
        .spawn()
        .map_err(|e| CommandFailure { message: format!("\"{program}\" could not be started: {e}"), stderr: String::new() })?;
    // Ends the whole group when this function returns or is dropped (a
    // deadline, a cancel): the command has answered, or lost its chance.
    let _group = Group(child.id());
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    // Owns stdout, so that it is closed as soon as the line is read: a
    // command still writing then stops (SIGPIPE) instead of filling the
    // pipe while stderr is read to its end.
    let read_out = async move {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            match stdout.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.len() > MAX_OUTPUT || buf.contains(&b'\n') {
                        break;
                    }
                }
            }
        }
        buf
    };
    // stderr is read beside it (a full stderr pipe would stall the command),
    // and kept only for a failure's report.
    let err_sink = sink.clone();
    let read_err = tokio::spawn(async move {
        // Read to the end (the sink keeps the first MAX_STDERR bytes), so
        // the command never blocks on a full pipe.
        let mut chunk = [0u8; 4096];
        loop {
            match stderr.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => err_sink.push(&chunk[..n]),
            }
        }
    });
    let out = read_out.await;
    let too_long = out.len() > MAX_OUTPUT && !out[..MAX_OUTPUT].contains(&b'\n');
    if too_long {
        let _ = child.start_kill();
    }
    // With its line printed, the command has answered: one that keeps
    // running (a helper that waits for more input, a daemon) is given a
    // moment to exit with its status, then ended; its line is the password.
    let status = if out.contains(&b'\n') && !too_long {
        match tokio::time::timeout(LINGER, child.wait()).await {
            Ok(status) => status,
            Err(_) => {
                let _ = child.start_kill();
                let _ = child.wait().await;
                Ok(success())
            }
        }
    } else {
        child.wait().await
    };
    // A grandchild may hold stderr open after the command is gone: wait a little, not for ever.
    let _ = tokio::time::timeout(std::time::Duration::from_millis(500), read_err).await;
    let stderr_text = sink.text();
    let fail = |message: String| CommandFailure { message, stderr: stderr_text.clone() };
    if too_long {
        return Err(fail(format!("\"{program}\" wrote more than {} KiB without a line break", MAX_OUTPUT / 1024)));
    }
    // A command that went on writing after its first line dies of SIGPIPE
    // when we stop reading: that line was still its answer.
    #[cfg(unix)]
    let broken_pipe = |s: &std::process::ExitStatus| {
        use std::os::unix::process::ExitStatusExt;
        // Its own death by SIGPIPE, or a shell's report of one (128 + 13).
        (s.signal() == Some(13) || s.code() == Some(141)) && out.contains(&b'\n')
    };
    #[cfg(not(unix))]
    let broken_pipe = |_: &std::process::ExitStatus| false;
    match status {
        Ok(s) if s.success() || broken_pipe(&s) => {}
        Ok(s) => return Err(fail(format!("\"{program}\" failed ({s})"))),
        Err(e) => return Err(fail(format!("\"{program}\" could not be waited for: {e}"))),
    }
    let line = out.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let password = String::from_utf8(line.to_vec()).map_err(|_| fail(format!("\"{program}\" printed a line that is not UTF-8")))?;
    if password.is_empty() {
        return Err(fail(format!("\"{program}\" printed no password (its first line is empty)")));
    }
    Ok(Secret::new(password))
}

/// The command's process group, ended on drop (Unix). On Windows the
/// command itself is ended (`kill_on_drop`); what it started is not.
struct Group(Option<u32>);

impl Drop for Group {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(pid) = self.0.and_then(|p| i32::try_from(p).ok()).filter(|p| *p > 0) {
            // SAFETY: signals the group we created for the command; a group
            // that is gone already makes this fail harmlessly (ESRCH).
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
}

/// How long a command that printed its line may take to exit before it is ended.
const LINGER: std::time::Duration = std::time::Duration::from_millis(300);

/// The status of a command ended after it answered: it counts as a success.
fn success() -> std::process::ExitStatus {
    #[cfg(unix)]
    {
        std::os::unix::process::ExitStatusExt::from_raw(0)
    }
    #[cfg(windows)]
    {
        std::os::windows::process::ExitStatusExt::from_raw(0)
    }
}

