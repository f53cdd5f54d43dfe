//! Memory shared by all frames of a transaction, one context per frame.
//!
//! A frame sees only the bytes after its caller's memory: [`SharedMemory::new_context`] records
//! where the caller's memory ends and [`SharedMemory::free_context`] truncates back to it. This
//! module knows nothing about gas; `crate::gas::memory_cost` prices expansion.

/// Upper bound on one context's size in bytes. Expanding past it halts with out of gas; its
/// expansion cost (about 3.6e13 gas) exceeds any real gas limit.
pub const MAX_CONTEXT_SIZE: u64 = 1 << 32;

/// One buffer for all call frames; each frame uses the bytes after its caller's.
#[derive(Debug, Default)]
pub struct SharedMemory {
    buffer: Vec<u8>,
    checkpoints: Vec<usize>,
    current: usize,
}

impl SharedMemory {
    /// An empty buffer.
    pub fn new() -> Self {
        Self { buffer: Vec::with_capacity(4096), checkpoints: Vec::with_capacity(32), current: 0 }
    }

    /// Starts a context for a new frame after the current one's bytes.
    pub fn new_context(&mut self) {
        self.checkpoints.push(self.current);
        self.current = self.buffer.len();
    }

    /// Ends the newest context, dropping its bytes and restoring the caller's context.
    pub fn free_context(&mut self) {
        if let Some(previous) = self.checkpoints.pop() {
            self.buffer.truncate(self.current);
            self.current = previous;
        }
    }

    /// Number of open contexts.
    pub fn depth(&self) -> usize {
        self.checkpoints.len()
    }

    /// Size of the current context in bytes (always a multiple of 32 while a frame runs).
    #[inline]
    pub fn len(&self) -> usize {
        self.buffer.len() - self.current
    }

    /// Whether the current context is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The current context's bytes.
    #[inline]
    pub fn context(&self) -> &[u8] {
        &self.buffer[self.current..]
    }

    /// The current context's bytes, mutably.
    #[inline]
    pub fn context_mut(&mut self) -> &mut [u8] {
        &mut self.buffer[self.current..]
    }

    /// Grows the current context to `new_len` bytes, zero-filled. Never shrinks.
    #[inline]
    pub fn resize(&mut self, new_len: usize) {
        if new_len > self.len() {
            self.buffer.resize(self.current + new_len, 0);
        }
    }

    /// `len` bytes at `offset`. The caller has expanded the context to cover them.
    #[inline]
    pub fn slice(&self, offset: usize, len: usize) -> &[u8] {
        &self.context()[offset..offset + len]
    }

    /// `len` bytes at `offset`, mutably. The caller has expanded the context to cover them.
    #[inline]
    pub fn slice_mut(&mut self, offset: usize, len: usize) -> &mut [u8] {
        &mut self.context_mut()[offset..offset + len]
    }

    /// The 32-byte word at `offset`.
    #[inline]
    pub fn word(&self, offset: usize) -> [u8; 32] {
        let mut word = [0u8; 32];
        word.copy_from_slice(self.slice(offset, 32));
        word
    }

    /// Writes `data` at `offset`.
    #[inline]
    pub fn set(&mut self, offset: usize, data: &[u8]) {
        self.slice_mut(offset, data.len()).copy_from_slice(data);
    }

    /// Writes `len` bytes at `offset` from `data` starting at `data_offset`, zero-filling
    /// whatever lies past the end of `data` (the rule of CALLDATACOPY, CODECOPY, …).
    pub fn set_data(&mut self, offset: usize, data_offset: usize, len: usize, data: &[u8]) {
        let dst = self.slice_mut(offset, len);
        if data_offset >= data.len() {
            dst.fill(0);
            return;
        }
        let available = (data.len() - data_offset).min(len);
        dst[..available].copy_from_slice(&data[data_offset..data_offset + available]);
        dst[available..].fill(0);
    }

    /// Copies `len` bytes from `src` to `dst` inside the context (MCOPY; ranges may overlap).
    #[inline]
    pub fn copy_within(&mut self, dst: usize, src: usize, len: usize) {
        self.context_mut().copy_within(src..src + len, dst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_nest_and_free() {
        let mut m = SharedMemory::new();
        m.new_context();
        m.resize(64);
        m.set(0, &[1, 2, 3]);
        m.new_context();
        assert_eq!(m.len(), 0);
        m.resize(32);
        m.set(0, &[9]);
        assert_eq!(m.context()[0], 9);
        m.free_context();
        assert_eq!(m.len(), 64);
        assert_eq!(&m.context()[..3], &[1, 2, 3]);
        m.free_context();
        assert_eq!(m.depth(), 0);
        assert_eq!(m.len(), 0);
    }

    #[test]
    fn set_data_zero_fills() {
        let mut m = SharedMemory::new();
        m.new_context();
        m.resize(32);
        m.context_mut().fill(0xff);
        m.set_data(0, 2, 8, &[1, 2, 3, 4]);
        assert_eq!(&m.context()[..9], &[3, 4, 0, 0, 0, 0, 0, 0, 0xff]);
        m.set_data(0, 100, 4, &[1]);
        assert_eq!(&m.context()[..4], &[0, 0, 0, 0]);
    }
}
