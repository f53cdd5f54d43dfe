//! Memory of the frames of a transaction, one context per frame.
//!
//! A frame sees only its own bytes: [`SharedMemory::new_context`] starts an empty context for a
//! new frame and [`SharedMemory::free_context`] ends it, so the caller's memory is untouched.
//! Each context has its own buffer, allocated zeroed (`calloc`: fresh pages are mapped only
//! when written), and only bytes that may have been written are zeroed again on reuse. So
//! memory a frame pays for but never writes (a 1 MB argument area of zeros, 1024 frames deep)
//! costs address space, not resident memory. Finished contexts keep small buffers for the next
//! frames. This module knows nothing about gas; `crate::gas::memory_cost` prices expansion.

use alloy_primitives::Bytes;

/// Upper bound on one context's size in bytes. Expanding past it halts with out of gas; its
/// expansion cost (about 3.6e13 gas) exceeds any real gas limit.
pub const MAX_CONTEXT_SIZE: u64 = 1 << 32;

/// Buffers up to this size are kept for reuse when their frame ends; larger ones are freed.
const POOLED_BUFFER_MAX: usize = 8 * 1024 * 1024;
/// How many finished buffers are kept for reuse.
const POOL_MAX: usize = 64;
/// The most bytes of buffers kept for reuse. Reusing a buffer costs a `memset` of what the
/// last frame wrote; a fresh one costs a page fault per page touched (about five times more),
/// so a memory kept across transactions (`evm-vm` keeps one per VM) is faster.
const POOL_BYTES_MAX: usize = 32 * 1024 * 1024;
/// The first allocation of a context's buffer.
const INITIAL_BUFFER: usize = 1024;

/// One frame's memory.
#[derive(Debug, Default)]
struct Context {
    /// Allocated bytes; every byte at or past `dirty` is zero.
    buffer: Box<[u8]>,
    /// The context's size.
    len: usize,
    /// End of the bytes that may have been written since `buffer` was allocated.
    dirty: usize,
}

impl Context {
    /// Grows to `new_len` zero bytes past the current ones.
    #[inline(never)]
    fn resize(&mut self, new_len: usize) {
        if new_len > self.buffer.len() {
            let capacity = new_len.max(self.buffer.len() * 2).max(INITIAL_BUFFER);
            // `vec![0; n]` allocates zeroed memory, which the kernel maps lazily.
            let mut fresh = vec![0u8; capacity].into_boxed_slice();
            fresh[..self.len].copy_from_slice(&self.buffer[..self.len]);
            self.buffer = fresh;
            self.dirty = self.len;
        }
        // Bytes below `dirty` may hold what an earlier frame wrote; those above are zero.
        let stale_end = new_len.min(self.dirty);
        if stale_end > self.len {
            self.buffer[self.len..stale_end].fill(0);
        }
        self.len = new_len;
        self.dirty = self.dirty.max(new_len);
    }
}

/// The memory of all call frames of a transaction: the running frame's context and those of
/// its callers.
#[derive(Debug, Default)]
pub struct SharedMemory {
    /// The running frame's context.
    top: Context,
    /// The callers' contexts, innermost last.
    callers: Vec<Context>,
    /// Buffers of finished frames, for reuse.
    pool: Vec<Context>,
    /// Bytes allocated by the buffers in `pool`.
    pooled_bytes: usize,
    /// Open contexts.
    depth: usize,
}

impl SharedMemory {
    /// An empty memory.
    pub fn new() -> Self {
        Self { callers: Vec::with_capacity(32), ..Self::default() }
    }

    /// Starts an empty context for a new frame; the current one is kept for its return.
    pub fn new_context(&mut self) {
        let fresh = match self.pool.pop() {
            Some(context) => {
                self.pooled_bytes -= context.buffer.len();
                context
            }
            None => Context::default(),
        };
        let caller = core::mem::replace(&mut self.top, fresh);
        if self.depth > 0 {
            self.callers.push(caller);
        } else {
            self.recycle(caller);
        }
        self.top.len = 0;
        self.depth += 1;
    }

    /// Ends the newest context, dropping its bytes and restoring the caller's context.
    pub fn free_context(&mut self) {
        if self.depth == 0 {
            return;
        }
        self.depth -= 1;
        let finished = core::mem::replace(&mut self.top, self.callers.pop().unwrap_or_default());
        self.recycle(finished);
    }

    /// Keeps a small finished buffer for the next frames.
    fn recycle(&mut self, context: Context) {
        let size = context.buffer.len();
        if size <= POOLED_BUFFER_MAX
            && size > 0
            && self.pool.len() < POOL_MAX
            && self.pooled_bytes + size <= POOL_BYTES_MAX
        {
            self.pooled_bytes += size;
            self.pool.push(context);
        }
    }

    /// Ends every open context (after a transaction, or one that panicked), keeping buffers
    /// for reuse.
    pub fn clear(&mut self) {
        while self.depth > 0 {
            self.free_context();
        }
    }

    /// Number of open contexts.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Size of the current context in bytes (always a multiple of 32 while a frame runs).
    #[inline]
    pub fn len(&self) -> usize {
        self.top.len
    }

    /// Whether the current context is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The current context's bytes.
    #[inline]
    pub fn context(&self) -> &[u8] {
        &self.top.buffer[..self.top.len]
    }

    /// The current context's bytes, mutably.
    #[inline]
    pub fn context_mut(&mut self) -> &mut [u8] {
        &mut self.top.buffer[..self.top.len]
    }

    /// Grows the current context to `new_len` bytes, zero-filled. Never shrinks.
    #[inline]
    pub fn resize(&mut self, new_len: usize) {
        let top = &mut self.top;
        if new_len > top.len {
            // The common growth, by a few words inside the buffer with nothing written past
            // the end (bytes past `dirty` are zero): no call, no fill.
            if new_len <= top.buffer.len() && top.dirty <= top.len {
                top.len = new_len;
                top.dirty = new_len;
            } else {
                top.resize(new_len);
            }
        }
    }

    /// `len` bytes at `offset`. The caller has expanded the context to cover them.
    #[inline]
    pub fn slice(&self, offset: usize, len: usize) -> &[u8] {
        &self.context()[offset..offset + len]
    }

    /// A copy of `len` bytes at `offset` (call input, init code, return data). A large copy
    /// goes into zeroed memory that the kernel maps lazily, page by page, and only the pages
    /// that are not all zero are written: a frame that passes a megabyte of mostly untouched
    /// memory down a 1024-deep call chain adds a few pages of resident memory per frame, not
    /// a megabyte.
    pub fn to_bytes(&self, offset: usize, len: usize) -> Bytes {
        const SPARSE_MIN: usize = 16 * 1024;
        const PAGE: usize = 4096;
        let data = self.slice(offset, len);
        if len < SPARSE_MIN {
            return Bytes::copy_from_slice(data);
        }
        let mut copy = vec![0u8; len];
        for (dst, src) in copy.chunks_mut(PAGE).zip(data.chunks(PAGE)) {
            if !is_zero(src) {
                dst.copy_from_slice(src);
            }
        }
        Bytes::from(copy)
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

/// Keeps large allocations lazily zeroed for the rest of the process (glibc only; a no-op
/// elsewhere): pins glibc's mmap threshold at its default of 128 KiB. Otherwise glibc raises
/// the threshold to the size of every large block freed, up to 32 MiB, and serves later blocks
/// of that size from its heap, where zeroed memory must be written. For programs that run
/// many transactions with megabytes of memory each (the state-test runner: peak RSS 2.2 GB
/// without it, 0.1 GB with it on the 1024-deep 1 MB call test). Call it early, once.
pub fn keep_large_allocations_lazy() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[expect(unsafe_code, reason = "mallopt, glibc's allocator setting")]
    // SAFETY: `mallopt` only changes an allocator parameter; glibc documents it as safe to call
    // at any time (it takes the arena lock), and 128 KiB is the parameter's default value.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Whether every byte is zero (eight bytes at a time).
fn is_zero(data: &[u8]) -> bool {
    let mut chunks = data.chunks_exact(64);
    let body = chunks.by_ref().all(|c| {
        c.chunks_exact(8).fold(0u64, |acc, w| {
            acc | u64::from_ne_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]])
        }) == 0
    });
    body && chunks.remainder().iter().all(|b| *b == 0)
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

    /// A plain model: one `Vec` per open context, grown with `Vec::resize`.
    #[derive(Default)]
    struct Model(Vec<Vec<u8>>);

    #[test]
    fn reused_buffers_read_as_zero_like_the_plain_model() {
        // Contexts that write, end, and are reused by frames that grow over the written bytes
        // must see zeros, exactly as fresh `Vec`s do.
        let mut m = SharedMemory::new();
        let mut model = Model::default();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            match next() % 5 {
                0 if model.0.len() < 12 => {
                    m.new_context();
                    model.0.push(Vec::new());
                }
                1 if !model.0.is_empty() => {
                    m.free_context();
                    model.0.pop();
                }
                2 | 3 if !model.0.is_empty() => {
                    let len = (next() % 70_000) as usize / 32 * 32;
                    m.resize(len);
                    let top = model.0.last_mut().expect("open");
                    if len > top.len() {
                        top.resize(len, 0);
                    }
                }
                _ if !model.0.is_empty() && !m.is_empty() => {
                    let offset = (next() as usize) % m.len();
                    let byte = next() as u8;
                    m.set(offset, &[byte]);
                    model.0.last_mut().expect("open")[offset] = byte;
                }
                _ => {}
            }
            assert_eq!(m.depth(), model.0.len());
            let expected: &[u8] = model.0.last().map_or(&[], Vec::as_slice);
            assert_eq!(m.context(), expected);
        }
    }

    #[test]
    fn to_bytes_copies_and_detects_zeros() {
        let mut m = SharedMemory::new();
        m.new_context();
        m.resize(64 * 1024);
        assert_eq!(m.to_bytes(0, 40_000), Bytes::from(vec![0u8; 40_000]));
        m.set(39_999, &[7]);
        let copy = m.to_bytes(0, 40_000);
        assert_eq!(copy[39_999], 7);
        assert_eq!(&copy[..39_999], &vec![0u8; 39_999][..]);
        assert_eq!(m.to_bytes(39_998, 2), Bytes::from(vec![0, 7]));
        assert!(is_zero(&[0; 131]) && !is_zero(&[[0; 130].as_slice(), &[1]].concat()));
    }
}
