//! Evidence images (in progress).
