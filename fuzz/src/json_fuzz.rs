//! Inputs for the `statetest-json` target: generated state-test documents with random
//! byte- and token-level mutations, and sometimes plain random bytes.

use alloy_primitives::B256;

use crate::generate;
use crate::rng::Rng;
use crate::writer;

/// Tokens spliced into documents: edge cases of the JSON and of the state-test number format.
const TOKENS: [&str; 24] = [
    "0x",
    "\"0x\"",
    "\"0x:bigint 0x01\"",
    "\"0x:bigint 0x1000000000000000000000000000000000000000000000000000000000000000000\"",
    "\"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\"",
    "\"0x10000000000000000\"",
    "\"-1\"",
    "\"1e999\"",
    "\"0xzz\"",
    "\"0x0\"",
    "\"\"",
    "null",
    "[]",
    "{}",
    "[null]",
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"\\u0000\"",
    "\"\u{1F600}\"",
];

/// A mutated state-test document (or random bytes).
pub fn mutated(rng: &mut Rng) -> Vec<u8> {
    if rng.one_in(20) {
        let len = rng.below(400) as usize;
        return rng.bytes(len);
    }
    let case = generate::case(rng);
    let doc = writer::document(&case, "fuzz", "", (B256::ZERO, B256::ZERO, None));
    let mut text = doc.to_string().into_bytes();
    for _ in 0..rng.range(1, 6) {
        if text.is_empty() {
            break;
        }
        let at = rng.index(text.len());
        match rng.below(6) {
            0 => text[at] = rng.byte(),
            1 => {
                let end = (at + rng.below(40) as usize).min(text.len());
                text.drain(at..end);
            }
            2 => {
                let end = (at + rng.below(40) as usize).min(text.len());
                let copy = text[at..end].to_vec();
                let to = rng.index(text.len());
                text.splice(to..to, copy);
            }
            3 => {
                // Replace the quoted string at or after `at` with a token.
                let token = rng.pick(&TOKENS).as_bytes();
                if let Some(start) = text[at..].iter().position(|&b| b == b'"').map(|p| p + at)
                    && let Some(len) = text[start + 1..].iter().position(|&b| b == b'"')
                {
                    text.splice(start..start + len + 2, token.iter().copied());
                }
            }
            _ => {
                let token = rng.pick(&TOKENS).as_bytes();
                text.splice(at..at, token.iter().copied());
            }
        }
    }
    text
}
