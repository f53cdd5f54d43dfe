//! 0x09 BLAKE2 F compression function with a caller-chosen round count (Istanbul, EIP-152).
//!
//! Written here because no permissively licensed crate exposes F with a round count (RFC 7693 §3.2).

use crate::{Fork, PrecompileError, PrecompileOutput, PrecompileResult, charge};
use alloy_primitives::Bytes;

/// Exact input length: rounds (4) || h (64) || m (128) || t (16) || f (1).
const INPUT_LEN: usize = 213;

/// BLAKE2b initialisation vector (the SHA-512 IV).
const IV: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

/// Message word schedule; round `i` uses row `i % 10`.
const SIGMA: [[usize; 16]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/// The mixing function G (RFC 7693 §3.1).
#[inline(always)]
fn g(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

/// The BLAKE2b compression function F with `rounds` rounds, updating the state `h` in place.
pub fn blake2f_compress(rounds: u32, h: &mut [u64; 8], m: &[u64; 16], t: [u64; 2], last: bool) {
    compress(rounds, h, m, t, last, || false);
}

/// One round with message schedule `s`. Called with `&SIGMA[k]` for a constant `k` in
/// [`compress`], so the message indices fold to constants and `v` stays in registers.
#[inline(always)]
fn round(v: &mut [u64; 16], m: &[u64; 16], s: &[usize; 16]) {
    g(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
    g(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
    g(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
    g(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
    g(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
    g(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
    g(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
    g(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
}

/// Blocks of ten rounds between two polls of the stop signal (about 1.3M rounds, some
/// milliseconds of work).
const BLOCKS_PER_POLL: u32 = 1 << 17;

/// F with a stop check every [`BLOCKS_PER_POLL`] blocks of ten rounds; `false` when `stop`
/// said to stop (`h` is then unspecified).
fn compress(
    rounds: u32,
    h: &mut [u64; 8],
    m: &[u64; 16],
    t: [u64; 2],
    last: bool,
    stop: impl Fn() -> bool,
) -> bool {
    let mut v = initial_work_vector(h, t, last);
    // Whole blocks of ten rounds (the schedule's period), unrolled, then the rest.
    for block in 0..rounds / 10 {
        if block % BLOCKS_PER_POLL == BLOCKS_PER_POLL - 1 && stop() {
            return false;
        }
        round(&mut v, m, &SIGMA[0]);
        round(&mut v, m, &SIGMA[1]);
        round(&mut v, m, &SIGMA[2]);
        round(&mut v, m, &SIGMA[3]);
        round(&mut v, m, &SIGMA[4]);
        round(&mut v, m, &SIGMA[5]);
        round(&mut v, m, &SIGMA[6]);
        round(&mut v, m, &SIGMA[7]);
        round(&mut v, m, &SIGMA[8]);
        round(&mut v, m, &SIGMA[9]);
    }
    for s in &SIGMA[..(rounds % 10) as usize] {
        round(&mut v, m, s);
    }
    finish(h, &v);
    true
}

/// The work vector F starts from: the state, the IV, the offset counter and the final flag.
fn initial_work_vector(h: &[u64; 8], t: [u64; 2], last: bool) -> [u64; 16] {
    let mut v = [0u64; 16];
    v[..8].copy_from_slice(h);
    v[8..].copy_from_slice(&IV);
    v[12] ^= t[0];
    v[13] ^= t[1];
    if last {
        v[14] = !v[14];
    }
    v
}

/// Folds the work vector into the state.
fn finish(h: &mut [u64; 8], v: &[u64; 16]) {
    for i in 0..8 {
        h[i] ^= v[i] ^ v[i + 8];
    }
}

/// Little-endian `u64` at `offset`.
#[inline]
fn le_u64(input: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(input[offset..offset + 8].try_into().unwrap_or_default())
}

/// 0x09: `rounds (u32 BE) || h || m || t || f` (exactly 213 bytes, `f` 0 or 1) to the new state
/// `h` (64 bytes); one gas per round.
pub fn blake2f(input: &[u8], gas_limit: u64, _fork: Fork) -> PrecompileResult {
    if input.len() != INPUT_LEN {
        return Err(PrecompileError::Blake2fLength);
    }
    let rounds = u32::from_be_bytes([input[0], input[1], input[2], input[3]]);
    let gas = charge(u64::from(rounds), gas_limit)?;
    let last = match input[212] {
        0 => false,
        1 => true,
        _ => return Err(PrecompileError::Blake2fFinalFlag),
    };
    let mut h = [0u64; 8];
    for (i, word) in h.iter_mut().enumerate() {
        *word = le_u64(input, 4 + 8 * i);
    }
    let mut m = [0u64; 16];
    for (i, word) in m.iter_mut().enumerate() {
        *word = le_u64(input, 68 + 8 * i);
    }
    let t = [le_u64(input, 196), le_u64(input, 204)];
    if !compress(rounds, &mut h, &m, t, last, crate::interrupt::interrupted) {
        return Err(PrecompileError::Interrupted);
    }
    let mut out = [0u8; 64];
    for (i, word) in h.iter().enumerate() {
        out[8 * i..8 * i + 8].copy_from_slice(&word.to_le_bytes());
    }
    Ok(PrecompileOutput::new(gas, Bytes::copy_from_slice(&out)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check, run};

    // EIP-152 test vectors 4 to 7 (the "abc" example of RFC 7693 Appendix A).
    const STATE: &str = "48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b";
    const T: &str = "03000000000000000000000000000000";

    fn input(rounds: u32, last: &str) -> String {
        format!("{rounds:08x}{STATE}616263{}{T}{last}", "00".repeat(125))
    }

    #[test]
    fn eip152_vectors() {
        check(
            blake2f,
            &input(0, "01"),
            "08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d282e6ad7f520e511f6c3e2b8c68059b9442be0454267ce079217e1319cde05b",
            0,
            Fork::Istanbul,
        );
        check(
            blake2f,
            &input(12, "01"),
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
            12,
            Fork::Istanbul,
        );
        check(
            blake2f,
            &input(12, "00"),
            "75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d2875298743e7f6d5ea2f2d3e8d226039cd31b4e426ac4f2d3d666a610c2116fde4735",
            12,
            Fork::Istanbul,
        );
        check(
            blake2f,
            &input(1, "01"),
            "b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fba551b3a8333bcdf5f2f7e08993d53923de3d64fcc68c034e717b9293fed7a421",
            1,
            Fork::Istanbul,
        );
    }

    #[test]
    fn eip152_failures() {
        assert_eq!(run(blake2f, "", Fork::Istanbul), Err(PrecompileError::Blake2fLength));
        let short = &input(12, "01")[2..];
        assert_eq!(run(blake2f, short, Fork::Istanbul), Err(PrecompileError::Blake2fLength));
        let long = format!("{}00", input(12, "01"));
        assert_eq!(run(blake2f, &long, Fork::Istanbul), Err(PrecompileError::Blake2fLength));
        assert_eq!(
            run(blake2f, &input(12, "02"), Fork::Istanbul),
            Err(PrecompileError::Blake2fFinalFlag)
        );
    }

    #[test]
    fn max_rounds_stop_when_interrupted() {
        let bytes = hex::decode(input(u32::MAX, "01")).expect("hex");
        let stop = crate::Interrupt::new();
        stop.trigger();
        let start = std::time::Instant::now();
        let result = crate::with_interrupt(Some(&stop), || blake2f(&bytes, u64::MAX, Fork::Cancun));
        assert_eq!(result, Err(PrecompileError::Interrupted));
        assert!(start.elapsed().as_secs() < 5);
    }

    /// F as RFC 7693 writes it, one round at a time (the reference for the unrolled loop).
    fn plain(rounds: u32, h: &mut [u64; 8], m: &[u64; 16], t: [u64; 2], last: bool) {
        let mut v = initial_work_vector(h, t, last);
        for r in 0..rounds as usize {
            let s = &SIGMA[r % 10];
            for (i, (a, b, c, d)) in [
                (0, 4, 8, 12),
                (1, 5, 9, 13),
                (2, 6, 10, 14),
                (3, 7, 11, 15),
                (0, 5, 10, 15),
                (1, 6, 11, 12),
                (2, 7, 8, 13),
                (3, 4, 9, 14),
            ]
            .into_iter()
            .enumerate()
            {
                g(&mut v, a, b, c, d, m[s[2 * i]], m[s[2 * i + 1]]);
            }
        }
        finish(h, &v);
    }

    #[test]
    fn unrolled_rounds_match_the_plain_loop() {
        let m: [u64; 16] =
            core::array::from_fn(|i| 0x0123_4567_89ab_cdefu64.rotate_left(i as u32 * 5));
        for rounds in (0..=45).chain([99, 100, 101, 1_000_003]) {
            for last in [false, true] {
                let mut a: [u64; 8] = core::array::from_fn(|i| IV[i] ^ i as u64);
                let mut b = a;
                blake2f_compress(rounds, &mut a, &m, [rounds as u64, 7], last);
                plain(rounds, &mut b, &m, [rounds as u64, 7], last);
                assert_eq!(a, b, "rounds {rounds}, last {last}");
            }
        }
    }
}
