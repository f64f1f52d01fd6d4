//! One module per subcommand.

pub mod url;
