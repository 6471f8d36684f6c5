//! headcount-store (placeholder).
