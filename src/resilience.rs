//! N-1 and worst-r losses (placeholder).
