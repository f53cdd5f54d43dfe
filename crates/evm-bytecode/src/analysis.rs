//! Legacy code analysis: JUMPDEST and push-data bitmaps, the padded copy, the code hash.
//!
//! # Padding contract
//!
//! This is the one place the contract is written; tests assert it.
//! [`AnalyzedCode::padded`] is the original code followed by exactly [`PADDING`] (33) zero bytes.
//! So the immediate of a truncated PUSH32 at the very end reads as zeros, and the byte after the
//! last instruction (including any truncated PUSH) is always `STOP` (0x00).
//! An interpreter may therefore read `padded()[pc..pc + 33]` for any `pc < len()` without a
//! bounds check on the code, and never runs off the end.
//!
//! Analysis cannot fail: any byte string is valid legacy code. Undefined opcodes halt when they
//! are executed, and truncated PUSH data reads as zeros.
//!
//! # Algorithm
//!
//! The scan works on 64-byte blocks. Each block is first classified branch-free, eight bytes at a
//! time (SWAR), into a mask of PUSH1..PUSH32 opcodes and a mask of 0x5b bytes. Then only the
//! PUSH bytes are visited, lowest first, with bit operations: the lowest PUSH byte that is not
//! covered by earlier push data starts an instruction, and its immediate masks out the next
//! candidates. Bytes that are not PUSH opcodes are never visited one by one.
//! When a PUSH spills into the next block and the instruction after it is the same PUSH (a data
//! table, or the all-PUSH32 worst case), a predictable loop steps over the run of equal PUSHes
//! without classifying their immediates, and the block scan resumes after it.
//! The result is exact; [`analyze_naive`] is the byte-loop reference the tests compare against.

use std::any::Any;
use std::fmt;
use std::sync::{Arc, OnceLock};

use alloy_primitives::{B256, Bytes, keccak256};
use bitvec::vec::BitVec;

use crate::opcode::opcode;

/// Zero bytes appended after the code: one PUSH32 immediate plus a trailing STOP.
pub const PADDING: usize = 33;

/// Analysed legacy bytecode, ready for execution.
#[derive(Clone)]
pub struct AnalyzedCode {
    original: Bytes,
    padded: Vec<u8>,
    jumpdests: BitVec<u8>,
    push_data: BitVec<u8>,
    hash: B256,
    /// What a crate above this one derives from the code once and keeps with it (the
    /// interpreter's basic-block table); see [`AnalyzedCode::derived`].
    derived: OnceLock<Arc<dyn Any + Send + Sync>>,
}

impl PartialEq for AnalyzedCode {
    fn eq(&self, other: &Self) -> bool {
        // Everything else is a function of the code.
        self.hash == other.hash && self.original == other.original
    }
}

impl Eq for AnalyzedCode {}

impl fmt::Debug for AnalyzedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnalyzedCode")
            .field("len", &self.len())
            .field("hash", &self.hash)
            .field("jumpdests", &self.jumpdests.count_ones())
            .finish_non_exhaustive()
    }
}

impl AnalyzedCode {
    /// Analyses `code`. Never fails: any byte string is valid legacy code.
    pub fn new(code: impl Into<Bytes>) -> Self {
        let original: Bytes = code.into();
        let hash = keccak256(&original);
        Self::with_hash(original, hash)
    }

    /// Analyses `code` whose keccak256 hash the caller already knows (it is not checked).
    pub fn with_hash(code: impl Into<Bytes>, hash: B256) -> Self {
        let original: Bytes = code.into();
        let mut padded = Vec::with_capacity(original.len() + PADDING);
        padded.extend_from_slice(&original);
        padded.resize(original.len() + PADDING, 0);
        let Bitmaps { jumpdests, push_data } = analyze_padded(&padded, original.len());
        Self { original, padded, jumpdests, push_data, hash, derived: OnceLock::new() }
    }

    /// The code as given.
    #[inline]
    pub fn original(&self) -> &Bytes {
        &self.original
    }

    /// The code followed by exactly [`PADDING`] zero bytes (see the module docs).
    #[inline]
    pub fn padded(&self) -> &[u8] {
        &self.padded
    }

    /// Length of the original code.
    #[inline]
    pub fn len(&self) -> usize {
        self.original.len()
    }

    /// Whether the code is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.original.is_empty()
    }

    /// keccak256 of the original code.
    #[inline]
    pub fn hash(&self) -> B256 {
        self.hash
    }

    /// Whether `pc` is a JUMPDEST that is not inside PUSH data. O(1).
    #[inline]
    pub fn is_valid_jump(&self, pc: usize) -> bool {
        // Bits past `len()` are kept zero (see `finish`), so the raw bytes can be read directly.
        self.jumpdests.as_raw_slice().get(pc / 8).is_some_and(|&byte| byte >> (pc % 8) & 1 == 1)
    }

    /// The JUMPDEST bitmap, one bit per code byte (`Lsb0`, length [`len`](Self::len)).
    #[inline]
    pub fn jumpdests(&self) -> &BitVec<u8> {
        &self.jumpdests
    }

    /// The push-data bitmap: bit `i` is set when byte `i` is the immediate of a PUSH.
    #[inline]
    pub fn push_data(&self) -> &BitVec<u8> {
        &self.push_data
    }

    /// Whether an instruction starts at `pc` (`pc` is inside the code and not PUSH data).
    #[inline]
    pub fn is_instruction_start(&self, pc: usize) -> bool {
        self.push_data.get(pc).is_some_and(|b| !*b)
    }

    /// The instruction-start bitmap: the complement of [`push_data`](Self::push_data).
    pub fn instruction_starts(&self) -> BitVec<u8> {
        !self.push_data.clone()
    }

    /// A value derived from this code by `init` on first use and kept with it, so code that is
    /// analysed once (and shared) is also derived once. One value per code: `None` when a
    /// value of another type was derived first. This crate never looks inside it.
    pub fn derived<T: Any + Send + Sync>(&self, init: impl FnOnce(&Self) -> T) -> Option<&T> {
        self.derived.get_or_init(|| Arc::new(init(self))).downcast_ref::<T>()
    }

    /// Iterates over the instructions in code order.
    pub fn instructions(&self) -> Instructions<'_> {
        Instructions::new(&self.original)
    }
}

/// The two bitmaps produced by one analysis pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bitmaps {
    /// Bit `i` set: byte `i` is a JUMPDEST opcode (not push data).
    pub jumpdests: BitVec<u8>,
    /// Bit `i` set: byte `i` is the immediate of a PUSH.
    pub push_data: BitVec<u8>,
}

/// Analyses `code` (unpadded), returning both bitmaps.
pub fn analyze(code: &[u8]) -> Bitmaps {
    let mut padded = Vec::with_capacity(code.len() + PADDING);
    padded.extend_from_slice(code);
    padded.resize(code.len() + PADDING, 0);
    analyze_padded(&padded, code.len())
}

/// Computes the JUMPDEST bitmap of `code` with the fast block scan.
pub fn jumpdest_bitmap(code: &[u8]) -> BitVec<u8> {
    analyze(code).jumpdests
}

/// Computes both bitmaps with a plain byte loop: the reference for tests.
pub fn analyze_naive(code: &[u8]) -> Bitmaps {
    let mut jumpdests = BitVec::repeat(false, code.len());
    let mut push_data = BitVec::repeat(false, code.len());
    let mut pc = 0;
    while pc < code.len() {
        let op = code[pc];
        if op == opcode::JUMPDEST {
            jumpdests.set(pc, true);
        } else if (opcode::PUSH1..=opcode::PUSH32).contains(&op) {
            let n = usize::from(op - opcode::PUSH0);
            for i in pc + 1..(pc + 1 + n).min(code.len()) {
                push_data.set(i, true);
            }
            pc += n;
        }
        pc += 1;
    }
    Bitmaps { jumpdests, push_data }
}

/// Computes the JUMPDEST bitmap with a plain byte loop: the reference for tests.
pub fn jumpdest_bitmap_naive(code: &[u8]) -> BitVec<u8> {
    analyze_naive(code).jumpdests
}

const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HI: u64 = 0x8080_8080_8080_8080;
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// Gathers the high bit of each byte of `t` (other bits zero) into the low 8 bits.
#[inline(always)]
fn gather(t: u64) -> u64 {
    ((t >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// Classifies 8 bytes: (PUSH1..=PUSH32 mask, 0x5b mask), one bit per byte.
#[inline(always)]
fn classify8(w: u64) -> (u64, u64) {
    // PUSH1..=PUSH32 is 0x60..=0x7f: high bit clear and low seven bits plus 0x20 carry into it.
    let push = (w & LO7).wrapping_add(splat(0x20)) & !w & HI;
    // Zero-byte test on w ^ 0x5b..., exact (no false positives from borrows).
    let x = w ^ splat(opcode::JUMPDEST);
    let nonzero = ((x & LO7).wrapping_add(LO7) | x) & HI;
    let jd = !nonzero & HI;
    (gather(push), gather(jd))
}

/// Classifies one 64-byte block.
#[inline(always)]
fn classify64(block: &[u8; 64]) -> (u64, u64) {
    let mut push = 0;
    let mut jd = 0;
    for (i, word) in block.chunks_exact(8).enumerate() {
        let w = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        let (p, j) = classify8(w);
        push |= p << (8 * i);
        jd |= j << (8 * i);
    }
    (push, jd)
}

/// Analyses `padded[..len]`; `padded` must hold at least `len` bytes.
fn analyze_padded(padded: &[u8], len: usize) -> Bitmaps {
    let blocks = len.div_ceil(64);
    let mut jd_out = vec![0u8; blocks * 8];
    let mut data_out = vec![0u8; blocks * 8];
    let mut tail = [0u8; 64];
    let mut b = 0;
    // The low `covered` bytes of block `b` are already resolved: push data spilling from the
    // previous block (`covered_is_data`), or the end of a run of equal PUSHes (already written).
    let mut covered: u32 = 0;
    let mut covered_is_data = false;
    while b < blocks {
        let base = b * 64;
        let block: &[u8; 64] = match padded.get(base..base + 64) {
            Some(s) if base + 64 <= len => s.try_into().unwrap_or(&tail),
            _ => {
                // The last, partial block: classify a zero-filled copy (zeros are STOP).
                let rest = &padded[base..len];
                tail[..rest.len()].copy_from_slice(rest);
                &tail
            }
        };
        let (push, jd) = classify64(block);
        let covered_mask = (1u64 << covered) - 1;
        let mut data = if covered_is_data { covered_mask } else { 0 };
        let mut cand = push & !covered_mask;
        // A PUSH whose immediate runs past this block: (offset in block, opcode).
        let mut spill = None;
        // For every byte, where the instruction after it would start if it were a PUSH
        // (computed branch-free for the whole block, off the dependency chain below).
        let mut ends = [0u8; 64];
        for (i, (e, &byte)) in ends.iter_mut().zip(block).enumerate() {
            *e = (i as u8).wrapping_add(byte).wrapping_sub(opcode::PUSH0 - 1);
        }
        while cand != 0 {
            let i = cand.trailing_zeros();
            // The lowest candidate starts an instruction: a PUSH with n = op - 0x5f bytes,
            // whose immediate ends before `end` (which may be past this block).
            let end = u32::from(ends[i as usize]);
            if end >= 64 {
                let op = block[i as usize];
                data |= u64::MAX.checked_shl(i + 1).unwrap_or(0);
                spill = Some((end - 64, op));
                break;
            }
            data |= (u64::MAX << (i + 1)) & !(u64::MAX << end);
            cand &= u64::MAX << end;
        }
        jd_out[b * 8..b * 8 + 8].copy_from_slice(&(jd & !data & !covered_mask).to_le_bytes());
        for (out, byte) in data_out[b * 8..b * 8 + 8].iter_mut().zip(data.to_le_bytes()) {
            *out |= byte;
        }
        let Some((carry, op)) = spill else {
            b += 1;
            covered = 0;
            covered_is_data = false;
            continue;
        };
        let next = base + 64 + carry as usize;
        if next < len && padded[next] == op {
            // A run of equal PUSHes (a data table, or the all-PUSH32 worst case): step over it
            // with a predictable branch instead of classifying bytes that are all immediates.
            let step = usize::from(op - opcode::PUSH0) + 1;
            let mut pc = next;
            // The zero padding ends the loop: a PUSH opcode is never zero.
            while padded.get(pc) == Some(&op) {
                data_out[pc / 8] |= 1 << (pc % 8);
                pc += step;
            }
            // From the next block up to `pc`, every byte is push data except the opcodes just
            // marked: flip the range (these bytes held nothing else yet).
            flip_ones(&mut data_out, base + 64, pc.min(len));
            b = pc / 64;
            covered = (pc % 64) as u32;
            covered_is_data = false;
        } else {
            b += 1;
            covered = carry;
            covered_is_data = true;
        }
    }
    Bitmaps { jumpdests: finish(jd_out, len), push_data: finish(data_out, len) }
}

/// Flips bits `from..to` of a byte bitmap (`Lsb0`).
fn flip_ones(bytes: &mut [u8], from: usize, to: usize) {
    if from >= to {
        return;
    }
    let (first, last) = (from / 8, (to - 1) / 8);
    let head = 0xffu8 << (from % 8);
    let tail = 0xffu8 >> (7 - (to - 1) % 8);
    if first == last {
        bytes[first] ^= head & tail;
        return;
    }
    bytes[first] ^= head;
    for byte in &mut bytes[first + 1..last] {
        *byte = !*byte;
    }
    bytes[last] ^= tail;
}

/// Trims a block bitmap to `len` bits, clearing the bits past the end.
fn finish(mut bytes: Vec<u8>, len: usize) -> BitVec<u8> {
    bytes.truncate(len.div_ceil(8));
    if !len.is_multiple_of(8)
        && let Some(last) = bytes.last_mut()
    {
        *last &= (1u8 << (len % 8)) - 1;
    }
    let mut bits = BitVec::from_vec(bytes);
    bits.truncate(len);
    bits
}

/// One decoded instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instruction<'a> {
    /// Offset of the opcode byte.
    pub pc: usize,
    /// The opcode byte.
    pub opcode: u8,
    /// The immediate bytes present in the code (shorter than declared when truncated).
    pub immediate: &'a [u8],
}

impl Instruction<'_> {
    /// Whether the PUSH immediate runs past the end of the code.
    pub fn is_truncated(&self) -> bool {
        self.immediate.len() < usize::from(crate::opcode::info(self.opcode).immediate)
    }
}

/// Iterator over the instructions of legacy code, see [`instructions`].
#[derive(Clone, Debug)]
pub struct Instructions<'a> {
    code: &'a [u8],
    pc: usize,
}

impl<'a> Instructions<'a> {
    fn new(code: &'a [u8]) -> Self {
        Self { code, pc: 0 }
    }
}

impl<'a> Iterator for Instructions<'a> {
    type Item = Instruction<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let pc = self.pc;
        let &opcode = self.code.get(pc)?;
        let n = usize::from(crate::opcode::info(opcode).immediate);
        let end = (pc + 1 + n).min(self.code.len());
        self.pc = pc + 1 + n;
        Some(Instruction { pc, opcode, immediate: &self.code[pc + 1..end] })
    }
}

/// Iterates over the instructions of `code` in order (truncated PUSH data included).
pub fn instructions(code: &[u8]) -> Instructions<'_> {
    Instructions::new(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn check(code_hex: &str, jumpdests: &[usize]) {
        let code = hex::decode(code_hex).expect("test hex");
        let analyzed = AnalyzedCode::new(code.clone());
        let found: Vec<usize> = analyzed.jumpdests().iter_ones().collect();
        assert_eq!(found, jumpdests, "code {code_hex}");
        assert_eq!(analyze(&code), analyze_naive(&code), "code {code_hex}");
        for pc in 0..code.len() + 40 {
            assert_eq!(analyzed.is_valid_jump(pc), jumpdests.contains(&pc), "pc {pc}");
        }
        assert_padding_contract(&analyzed);
    }

    #[track_caller]
    fn assert_padding_contract(code: &AnalyzedCode) {
        let padded = code.padded();
        assert_eq!(padded.len(), code.len() + PADDING);
        assert_eq!(&padded[..code.len()], &code.original()[..]);
        assert!(padded[code.len()..].iter().all(|&b| b == opcode::STOP));
        assert_eq!(code.jumpdests().len(), code.len());
        assert_eq!(code.push_data().len(), code.len());
        // Every instruction, truncated or not, is followed by STOP within the padded copy.
        if let Some(last) = code.instructions().last() {
            let next = last.pc + 1 + usize::from(crate::opcode::info(last.opcode).immediate);
            assert!(next < padded.len());
            assert_eq!(padded[next], opcode::STOP);
        }
    }

    #[test]
    fn jumpdest_inside_push_data_is_not_valid() {
        check("615b005b", &[3]);
    }

    #[test]
    fn plain_jumpdests() {
        check("5b005b", &[0, 2]);
    }

    #[test]
    fn empty_code() {
        check("", &[]);
        let code = AnalyzedCode::new(Vec::new());
        assert!(code.is_empty());
        assert_eq!(code.hash(), alloy_primitives::KECCAK256_EMPTY);
    }

    #[test]
    fn truncated_push_at_the_end() {
        check("5b7f5b5b", &[0]);
        check("5b60", &[0]);
        let code = AnalyzedCode::new(hex::decode("7f").expect("hex"));
        assert_eq!(code.padded().len(), 1 + 33);
        assert!(!code.is_instruction_start(1));
        assert!(code.is_instruction_start(0));
        assert!(code.instructions().next().is_some_and(|i| i.is_truncated()));
    }

    #[test]
    fn all_jumpdests() {
        let code = "5b".repeat(200);
        check(&code, &(0..200).collect::<Vec<_>>());
    }

    #[test]
    fn push0_has_no_immediate() {
        check("5f5b", &[1]);
    }

    #[test]
    fn push32_spanning_blocks() {
        // PUSH32 at 50 covers 51..=82, across the first block boundary.
        let mut code = vec![opcode::JUMPDEST; 150];
        code[50] = opcode::PUSH32;
        let expected: Vec<usize> = (0..150).filter(|&i| !(50..=82).contains(&i)).collect();
        check(&hex::encode(&code), &expected);
    }

    #[test]
    fn runs_of_equal_pushes() {
        for op in [opcode::PUSH1, opcode::PUSH2, opcode::PUSH20, opcode::PUSH32] {
            for len in [1, 63, 64, 65, 200, 1000] {
                let mut code = vec![op; len];
                code.extend_from_slice(&[opcode::JUMPDEST, opcode::PUSH1, opcode::JUMPDEST]);
                assert_eq!(analyze(&code), analyze_naive(&code), "op {op:#x} len {len}");
                code[len / 2] = opcode::JUMPDEST;
                assert_eq!(analyze(&code), analyze_naive(&code), "op {op:#x} len {len}");
            }
        }
    }

    #[test]
    fn flip_ones_ranges() {
        for from in 0..40 {
            for to in from..40 {
                let mut bytes = [0u8; 5];
                flip_ones(&mut bytes, from, to);
                let bits = BitVec::<u8>::from_vec(bytes.to_vec());
                let ones: Vec<usize> = bits.iter_ones().collect();
                assert_eq!(ones, (from..to).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn every_padding_is_stop_after_truncated_pushes() {
        for op in opcode::PUSH1..=opcode::PUSH32 {
            let code = AnalyzedCode::new(vec![op]);
            assert_padding_contract(&code);
        }
    }

    #[test]
    fn gather_moves_high_bits() {
        for mask in 0u64..256 {
            let mut t = 0u64;
            for i in 0..8 {
                if mask >> i & 1 == 1 {
                    t |= 0x80 << (8 * i);
                }
            }
            assert_eq!(gather(t), mask);
        }
    }

    #[test]
    fn classify_every_byte() {
        for b in 0..=255u8 {
            let (p, j) = classify8(u64::from_le_bytes([b, 0, b, 0x5b, 0x60, 0x7f, 0x80, b]));
            let is_push = u64::from((0x60..=0x7f).contains(&b));
            let is_jd = u64::from(b == 0x5b);
            assert_eq!(p, is_push | is_push << 2 | 1 << 4 | 1 << 5 | is_push << 7, "byte {b:#x}");
            assert_eq!(j, is_jd | is_jd << 2 | 1 << 3 | is_jd << 7, "byte {b:#x}");
        }
    }

    fn code_strategy() -> impl Strategy<Value = Vec<u8>> {
        // Bias towards PUSH and JUMPDEST bytes so that interesting overlaps are common.
        let byte = prop_oneof![
            any::<u8>(),
            Just(opcode::JUMPDEST),
            opcode::PUSH1..=opcode::PUSH32,
            Just(opcode::PUSH32),
            Just(opcode::PUSH2),
        ];
        proptest::collection::vec(byte, 0..400)
    }

    fn runs_strategy() -> impl Strategy<Value = Vec<u8>> {
        // Runs of one PUSH opcode (with arbitrary immediates) between arbitrary bytes.
        let run = (opcode::PUSH1..=opcode::PUSH32, 1usize..40, any::<u8>()).prop_map(
            |(op, count, fill)| {
                let mut out = Vec::new();
                for _ in 0..count {
                    out.push(op);
                    out.extend(std::iter::repeat_n(fill, usize::from(op - opcode::PUSH0)));
                }
                out
            },
        );
        let piece = prop_oneof![run, proptest::collection::vec(any::<u8>(), 0..8)];
        proptest::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn push_runs_match_byte_loop(code in runs_strategy(), cut in 0usize..64) {
            let code = &code[..code.len().saturating_sub(cut)];
            prop_assert_eq!(analyze(code), analyze_naive(code));
        }

        #[test]
        fn fast_analysis_matches_byte_loop(code in code_strategy()) {
            prop_assert_eq!(analyze(&code), analyze_naive(&code));
            let analyzed = AnalyzedCode::new(code.clone());
            let naive = jumpdest_bitmap_naive(&code);
            prop_assert_eq!(analyzed.jumpdests(), &naive);
            for pc in 0..code.len() + 9 {
                prop_assert_eq!(analyzed.is_valid_jump(pc), naive.get(pc).is_some_and(|b| *b));
            }
            let starts: Vec<usize> = instructions(&code).map(|i| i.pc).collect();
            let from_bitmap: Vec<usize> = analyzed.instruction_starts().iter_ones().collect();
            prop_assert_eq!(starts, from_bitmap);
        }
    }
}
