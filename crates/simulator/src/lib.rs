//! headcount-simulator (placeholder).
