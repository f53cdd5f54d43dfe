//! Operand stack: at most 1024 words.
//!
//! The dispatch loop checks each opcode's stack needs (`ForkTable::stack_min`/`stack_max`, derived
//! from `OPCODE_INFO` pops and pushes) before calling the instruction, so instructions use the
//! infallible operations here. They stay safe without bounds checks: the storage is a fixed
//! array of 1024 words and every index is masked with `& 1023`, so a caller that broke the
//! contract would read or write a wrong slot (a logic error) but never out of bounds.
//! Buffers are recycled through a per-thread pool, so starting a frame does not allocate.

use std::cell::RefCell;

use alloy_primitives::U256;

/// Maximum number of stack items.
pub const STACK_LIMIT: usize = 1024;

/// Index mask: every index into the storage is taken `& MASK`, so none is out of bounds.
pub(crate) const MASK: usize = STACK_LIMIT - 1;

type Buffer = Box<[U256; STACK_LIMIT]>;

thread_local! {
    static POOL: RefCell<Vec<Buffer>> = const { RefCell::new(Vec::new()) };
}

/// The operand stack of one frame.
#[derive(Debug)]
pub struct Stack {
    data: Buffer,
    len: usize,
}

impl Default for Stack {
    fn default() -> Self {
        Self::new()
    }
}

fn new_buffer() -> Buffer {
    let boxed: Box<[U256]> = vec![U256::ZERO; STACK_LIMIT].into_boxed_slice();
    match boxed.try_into() {
        Ok(array) => array,
        Err(_) => unreachable!("the vector has STACK_LIMIT items"),
    }
}

/// The limbs of a stack word, read as four 8-byte loads. The arithmetic arms store results
/// limb by limb; a copy as two 16-byte vector loads (what a plain word copy compiles to) is not
/// forwarded from those stores and stalls until they retire (measured: DUP after MLOAD was a
/// quarter of the loop's time on `memory_grow_mload`).
#[inline(always)]
pub(crate) fn limbs(word: &U256) -> [u64; 4] {
    let l = *word.as_limbs();
    l.map(opaque)
}

/// `x`, hidden from the optimiser so that it cannot merge neighbouring 8-byte loads into one
/// vector load. No instruction is emitted.
#[inline(always)]
fn opaque(mut x: u64) -> u64 {
    #[cfg(target_arch = "x86_64")]
    #[expect(unsafe_code, reason = "an empty asm block as an optimisation barrier")]
    // SAFETY: the asm block is empty: it reads and writes only the register holding `x`, and
    // touches no memory, no stack and no flags (`pure, nomem, nostack, preserves_flags`).
    // Its safe twin is the identity, which `tests::opaque_is_the_identity` compares it with.
    unsafe {
        core::arch::asm!("/* {0} */", inout(reg) x, options(pure, nomem, nostack, preserves_flags));
    }
    x
}

impl Stack {
    /// An empty stack with room for [`STACK_LIMIT`] items, reusing a pooled buffer if any.
    pub fn new() -> Self {
        let data = POOL.with(|pool| pool.borrow_mut().pop()).unwrap_or_else(new_buffer);
        Self { data, len: 0 }
    }

    /// Returns the buffer to the per-thread pool for the next frame.
    pub fn recycle(self) {
        let data = self.data;
        let _ = POOL.try_with(|pool| {
            let mut pool = pool.borrow_mut();
            if pool.len() < 64 {
                pool.push(data);
            }
        });
    }

    /// Number of items.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the stack is empty.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Items, bottom first.
    #[inline]
    pub fn as_slice(&self) -> &[U256] {
        &self.data[..self.len.min(STACK_LIMIT)]
    }

    /// Items, bottom first, mutable (for extensions that change items in place).
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [U256] {
        &mut self.data[..self.len.min(STACK_LIMIT)]
    }

    /// Replaces the item at `index` from the bottom; `false` when there is none.
    #[inline]
    pub fn set(&mut self, index: usize, value: U256) -> bool {
        match self.as_mut_slice().get_mut(index) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// The storage, for the register-resident dispatch loop (`crate::dispatch`), which keeps
    /// the length in a local and indexes with `& (STACK_LIMIT - 1)` like the methods here.
    #[inline(always)]
    pub(crate) fn words_mut(&mut self) -> &mut [U256; STACK_LIMIT] {
        &mut self.data
    }

    /// Sets the length kept by the dispatch loop; at most [`STACK_LIMIT`] (its checks ensure it).
    #[inline(always)]
    pub(crate) fn set_len(&mut self, len: usize) {
        debug_assert!(len <= STACK_LIMIT);
        self.len = len;
    }

    /// Removes every item.
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Pushes `value`; the caller has checked there is room.
    #[inline(always)]
    pub fn push(&mut self, value: U256) {
        self.data[self.len & MASK] = value;
        self.len = self.len.wrapping_add(1);
    }

    /// Pushes `value`, or reports `false` when the stack is full.
    #[inline]
    pub fn try_push(&mut self, value: U256) -> bool {
        if self.len >= STACK_LIMIT {
            return false;
        }
        self.push(value);
        true
    }

    /// Pops the top item; the caller has checked it exists.
    #[inline(always)]
    pub fn pop(&mut self) -> U256 {
        self.len = self.len.wrapping_sub(1);
        self.data[self.len & MASK]
    }

    /// Pops the top item, or `None` when empty.
    #[inline]
    pub fn try_pop(&mut self) -> Option<U256> {
        if self.len == 0 {
            return None;
        }
        Some(self.pop())
    }

    /// Pops `N` items, top first.
    #[inline(always)]
    pub fn popn<const N: usize>(&mut self) -> [U256; N] {
        let mut out = [U256::ZERO; N];
        for slot in &mut out {
            *slot = self.pop();
        }
        out
    }

    /// The top item, mutably.
    #[inline(always)]
    pub fn top(&mut self) -> &mut U256 {
        &mut self.data[self.len.wrapping_sub(1) & MASK]
    }

    /// Pops one item and returns it with a mutable reference to the new top (binary ops).
    #[inline(always)]
    pub fn pop_top(&mut self) -> (U256, &mut U256) {
        self.len = self.len.wrapping_sub(1);
        let a = self.data[self.len & MASK];
        (a, &mut self.data[self.len.wrapping_sub(1) & MASK])
    }

    /// Pops two items and returns them with a mutable reference to the new top (ternary ops).
    #[inline(always)]
    pub fn pop2_top(&mut self) -> (U256, U256, &mut U256) {
        self.len = self.len.wrapping_sub(2);
        let a = self.data[self.len.wrapping_add(1) & MASK];
        let b = self.data[self.len & MASK];
        (a, b, &mut self.data[self.len.wrapping_sub(1) & MASK])
    }

    /// The item `n` places below the top (`peek(0)` is the top).
    #[inline(always)]
    pub fn peek(&self, n: usize) -> U256 {
        self.data[self.len.wrapping_sub(1).wrapping_sub(n) & MASK]
    }

    /// DUPn: pushes a copy of the `n`-th item (1-based from the top).
    #[inline(always)]
    pub fn dup(&mut self, n: usize) {
        let value = limbs(&self.data[self.len.wrapping_sub(n) & MASK]);
        self.push(U256::from_limbs(value));
    }

    /// SWAPn: swaps the top with the item `n` below it.
    #[inline(always)]
    pub fn swap(&mut self, n: usize) {
        let (top, other) = (self.len.wrapping_sub(1) & MASK, self.len.wrapping_sub(1 + n) & MASK);
        let (a, b) = (limbs(&self.data[top]), limbs(&self.data[other]));
        self.data[top] = U256::from_limbs(b);
        self.data[other] = U256::from_limbs(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_pop_dup_swap() {
        let mut s = Stack::new();
        for i in 1..=3u64 {
            s.push(U256::from(i));
        }
        s.dup(3);
        assert_eq!(s.peek(0), U256::from(1));
        s.swap(1);
        assert_eq!(s.as_slice(), &[U256::from(1), U256::from(2), U256::from(1), U256::from(3)]);
        s.swap(3);
        assert_eq!(s.as_slice(), &[U256::from(3), U256::from(2), U256::from(1), U256::from(1)]);
        let [a, b] = s.popn::<2>();
        assert_eq!((a, b), (U256::from(1), U256::from(1)));
        let (x, top) = s.pop_top();
        assert_eq!(x, U256::from(2));
        *top = U256::from(7);
        assert_eq!(s.as_slice(), &[U256::from(7)]);
        let (a, b, c) = {
            s.push(U256::from(8));
            s.push(U256::from(9));
            let (a, b, c) = s.pop2_top();
            (a, b, *c)
        };
        assert_eq!((a, b, c), (U256::from(9), U256::from(8), U256::from(7)));
    }

    #[test]
    fn opaque_is_the_identity() {
        for x in [0, 1, 0x8000_0000_0000_0000, u64::MAX, 0x0123_4567_89ab_cdef] {
            assert_eq!(opaque(x), x);
        }
        let w = U256::from_limbs([1, 2, 3, u64::MAX]);
        assert_eq!(limbs(&w), *w.as_limbs());
    }

    #[test]
    fn pool_reuses_buffers() {
        let mut s = Stack::new();
        s.push(U256::from(5));
        s.recycle();
        let s = Stack::new();
        assert!(s.is_empty());
        s.recycle();
    }

    #[test]
    fn limits() {
        let mut s = Stack::new();
        for _ in 0..STACK_LIMIT {
            assert!(s.try_push(U256::ZERO));
        }
        assert!(!s.try_push(U256::ZERO));
        s.clear();
        assert_eq!(s.try_pop(), None);
    }
}
