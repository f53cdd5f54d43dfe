//! Operand stack: at most 1024 words.
//!
//! The dispatch loop checks each opcode's stack needs (`ForkTable::stack_min`/`stack_max`, derived
//! from `OPCODE_INFO` pops and pushes) before calling the instruction, so instructions use the
//! infallible operations here. They are bounds-checked slice operations and cannot fail once
//! that check passed; a violation would be an interpreter bug and panics instead of corrupting.

use alloy_primitives::U256;

/// Maximum number of stack items.
pub const STACK_LIMIT: usize = 1024;

/// The operand stack of one frame.
#[derive(Debug)]
pub struct Stack {
    data: Box<[U256]>,
    len: usize,
}

impl Default for Stack {
    fn default() -> Self {
        Self::new()
    }
}

impl Stack {
    /// An empty stack with room for [`STACK_LIMIT`] items.
    pub fn new() -> Self {
        Self { data: vec![U256::ZERO; STACK_LIMIT].into_boxed_slice(), len: 0 }
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
        &self.data[..self.len]
    }

    /// Removes every item.
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Pushes `value`; the caller has checked there is room.
    #[inline(always)]
    pub fn push(&mut self, value: U256) {
        self.data[self.len] = value;
        self.len += 1;
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
        self.len -= 1;
        self.data[self.len]
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
        &mut self.data[self.len - 1]
    }

    /// Pops one item and returns it with a mutable reference to the new top (binary ops).
    #[inline(always)]
    pub fn pop_top(&mut self) -> (U256, &mut U256) {
        self.len -= 1;
        let a = self.data[self.len];
        (a, &mut self.data[self.len - 1])
    }

    /// Pops two items and returns them with a mutable reference to the new top (ternary ops).
    #[inline(always)]
    pub fn pop2_top(&mut self) -> (U256, U256, &mut U256) {
        self.len -= 2;
        let a = self.data[self.len + 1];
        let b = self.data[self.len];
        (a, b, &mut self.data[self.len - 1])
    }

    /// The item `n` places below the top (`peek(0)` is the top).
    #[inline(always)]
    pub fn peek(&self, n: usize) -> U256 {
        self.data[self.len - 1 - n]
    }

    /// DUPn: pushes a copy of the `n`-th item (1-based from the top).
    #[inline(always)]
    pub fn dup(&mut self, n: usize) {
        let value = self.data[self.len - n];
        self.push(value);
    }

    /// SWAPn: swaps the top with the item `n` below it.
    #[inline(always)]
    pub fn swap(&mut self, n: usize) {
        let top = self.len - 1;
        self.data.swap(top, top - n);
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
