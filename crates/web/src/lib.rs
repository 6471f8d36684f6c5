//! headcount-web (placeholder).
