//! headcount's staffing alerts.
mod eval;
pub use eval::*;
