//! headcount-collector (placeholder).
