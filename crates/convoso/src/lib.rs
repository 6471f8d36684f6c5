//! headcount-convoso (placeholder).
