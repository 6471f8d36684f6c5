//! headcount-query (placeholder).
