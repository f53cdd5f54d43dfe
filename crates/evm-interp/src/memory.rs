//! Memory shared by all frames of a transaction (STUB: the interp work replaces this).

/// One buffer for all call frames; each frame uses the bytes after its caller's.
#[derive(Debug, Default)]
pub struct SharedMemory {
    buffer: Vec<u8>,
}

impl SharedMemory {
    /// An empty buffer.
    pub fn new() -> Self {
        Self { buffer: Vec::with_capacity(4096) }
    }
}
