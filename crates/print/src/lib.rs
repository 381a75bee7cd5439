//! Printing (in progress).
