//! The CLI's one error path: every subcommand returns `Result<ExitCode,
//! CliError>`, and `main` prints the error (`error: ...`, then `hint: ...`
//! lines) and exits 2.

use sluice_core::store::StoreError;

#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub hints: Vec<String>,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> Self {
        CliError { message: message.into(), hints: Vec::new() }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn print(&self) {
        eprintln!("error: {}", crate::term::one_line(&self.message));
        for h in &self.hints {
            eprintln!("hint: {}", crate::term::one_line(h));
        }
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        let mut hints: Vec<String> = e.hint().into_iter().collect();
        if let StoreError::Invalid { issues } = &e {
            // The message names the first issue; list the others.
            hints.extend(issues.iter().skip(1).map(|i| format!("{}: {}", i.field, i.message)));
        }
        CliError { message: e.to_string(), hints }
    }
}

impl From<sluice_core::conninfo::ParseError> for CliError {
    fn from(e: sluice_core::conninfo::ParseError) -> Self {
        CliError::new(e.to_string())
    }
}

impl From<sluice_core::conninfo::ParamsError> for CliError {
    fn from(e: sluice_core::conninfo::ParamsError) -> Self {
        CliError::new(e.to_string())
    }
}

impl From<String> for CliError {
    fn from(message: String) -> Self {
        CliError::new(message)
    }
}
