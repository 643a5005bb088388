//! Drawing pieces shared by several views.

pub mod flame;
pub mod table;
pub mod treemap;
