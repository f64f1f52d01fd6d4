//! One module per subcommand.

pub mod connections;
pub mod grants;
pub mod test;
pub mod url;
