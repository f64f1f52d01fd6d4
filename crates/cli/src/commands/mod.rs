//! One module per subcommand.

pub mod connections;
pub mod url;
