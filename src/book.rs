//! Generated pages of the book (stub: being written).

use crate::pack::Pack;
use std::path::Path;

/// Write the generated book pages into `out`.
pub fn generate(_pack: &Pack, _out: &Path) -> anyhow::Result<()> {
    Ok(())
}
