//! The fuzzer's only source of randomness: a byte-driven, deterministic generator.
//!
//! [`Rng::from_seed`] is a plain SplitMix64 stream (the standalone driver); [`Rng::from_bytes`]
//! reads the fuzzer's input first and continues with SplitMix64 seeded from those bytes once they
//! run out, so libFuzzer's mutations steer the same generator and every input is a valid case.

/// A deterministic random source.
#[derive(Clone, Debug)]
pub struct Rng {
    bytes: Vec<u8>,
    pos: usize,
    state: u64,
}

/// One SplitMix64 step.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// A pure SplitMix64 stream from `seed`.
    pub fn from_seed(seed: u64) -> Self {
        Self { bytes: Vec::new(), pos: 0, state: seed }
    }

    /// Reads `data` first, then a SplitMix64 stream seeded from it (FNV-1a of the bytes).
    pub fn from_bytes(data: &[u8]) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in data {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Self { bytes: data.to_vec(), pos: 0, state: h }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        if self.pos < self.bytes.len() {
            let end = (self.pos + 8).min(self.bytes.len());
            let mut buf = [0u8; 8];
            buf[..end - self.pos].copy_from_slice(&self.bytes[self.pos..end]);
            self.pos = end;
            return u64::from_le_bytes(buf);
        }
        splitmix(&mut self.state)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// An index into a collection of `n` items (`n > 0`).
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `1/n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }

    /// True with probability `percent`%.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// A byte.
    pub fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.byte()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_deterministic() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::from_seed(7);
                move |_| r.next_u64()
            })
            .collect();
        let mut r = Rng::from_seed(7);
        assert_eq!(a, (0..4).map(|_| r.next_u64()).collect::<Vec<_>>());
        let mut r = Rng::from_bytes(&[1, 0, 0, 0, 0, 0, 0, 0, 2]);
        assert_eq!((r.next_u64(), r.next_u64()), (1, 2));
        assert_eq!(r.below(0), 0);
    }
}
