//! Reading CODE arguments: hex text (with or without 0x) or `--file PATH` holding hex text or
//! raw bytes; addresses, code hashes and wei amounts. Every failure is a one-line error;
//! nothing here panics.

use std::path::PathBuf;

use alloy_primitives::{Address, B256, U256};
use anyhow::{Context, bail};
use evm_codecache::Key;

/// The code to work on: a hex argument or a file.
#[derive(Debug, clap::Args)]
pub(crate) struct CodeInput {
    /// Code as hex, with or without a 0x prefix.
    #[arg(value_name = "CODE", required_unless_present = "file", conflicts_with = "file")]
    code: Option<String>,
    /// Read the code from PATH: hex text (whitespace ignored) or raw bytes, detected.
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
}

impl CodeInput {
    /// Reads and decodes the code; empty code is an error.
    pub(crate) fn read(&self) -> anyhow::Result<Vec<u8>> {
        let code = match (&self.code, &self.file) {
            (_, Some(path)) => {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                decode_file(&bytes).with_context(|| format!("in {}", path.display()))?
            }
            (Some(text), None) => decode_hex(text)?,
            (None, None) => bail!("no code given: pass CODE as hex or --file PATH"),
        };
        if code.is_empty() {
            bail!("empty input: no code bytes");
        }
        Ok(code)
    }
}

/// Decodes file contents: hex text when, trimmed, it is all hex digits (with an optional 0x
/// prefix and whitespace); otherwise the raw bytes themselves.
pub(crate) fn decode_file(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let trimmed = text.trim();
        let digits = trimmed.strip_prefix("0x").or_else(|| trimmed.strip_prefix("0X"));
        let looks_hex = digits.is_some()
            || (!trimmed.is_empty()
                && trimmed.bytes().all(|b| b.is_ascii_hexdigit() || b.is_ascii_whitespace()));
        if looks_hex || trimmed.is_empty() {
            return decode_hex(text);
        }
    }
    Ok(bytes.to_vec())
}

/// Decodes hex text with an optional 0x prefix; ASCII whitespace is ignored.
pub(crate) fn decode_hex(text: &str) -> anyhow::Result<Vec<u8>> {
    let trimmed = text.trim();
    let body = trimmed.strip_prefix("0x").or_else(|| trimmed.strip_prefix("0X")).unwrap_or(trimmed);
    let digits: Vec<u8> = body.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if let Some(pos) = digits.iter().position(|b| !b.is_ascii_hexdigit()) {
        let bad = body.chars().filter(|c| !c.is_ascii_whitespace()).nth(pos).unwrap_or('?');
        bail!("invalid hex: unexpected character {bad:?} at digit {pos}");
    }
    if !digits.len().is_multiple_of(2) {
        bail!("invalid hex: odd number of digits ({})", digits.len());
    }
    let mut out = Vec::with_capacity(digits.len() / 2);
    for pair in digits.chunks_exact(2) {
        out.push(nibble(pair[0]) << 4 | nibble(pair[1]));
    }
    Ok(out)
}

/// An address: 40 hex digits, with or without 0x.
pub(crate) fn parse_address(what: &str, text: &str) -> anyhow::Result<Address> {
    match parse_key(text) {
        Ok(Key::Address(address)) => Ok(address),
        _ => bail!("unknown address format in {what}: {text:?} (expected 40 hex digits)"),
    }
}

/// An address (40 hex digits) or a code hash (64 hex digits), with or without 0x.
pub(crate) fn parse_key(text: &str) -> anyhow::Result<Key> {
    let trimmed = text.trim();
    let digits =
        trimmed.strip_prefix("0x").or_else(|| trimmed.strip_prefix("0X")).unwrap_or(trimmed);
    let bytes =
        if digits.bytes().all(|b| b.is_ascii_hexdigit()) { hex::decode(digits).ok() } else { None };
    match bytes {
        Some(b) if b.len() == 20 => Ok(Key::Address(Address::from_slice(&b))),
        Some(b) if b.len() == 32 => Ok(Key::Hash(B256::from_slice(&b))),
        _ => bail!(
            "unknown address format: {text:?} (expected an address of 40 hex digits or a code \
             hash of 64)"
        ),
    }
}

/// A wei amount: decimal, or hex with 0x.
pub(crate) fn parse_wei(what: &str, text: &str) -> anyhow::Result<U256> {
    let text = text.trim();
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => U256::from_str_radix(hex, 16),
        None => U256::from_str_radix(text, 10),
    };
    parsed
        .map_err(|_| anyhow::anyhow!("invalid amount in {what}: {text:?} (decimal or 0x hex wei)"))
}

fn nibble(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_forms() {
        assert_eq!(decode_hex("0x615b").unwrap(), [0x61, 0x5b]);
        assert_eq!(decode_hex("615B").unwrap(), [0x61, 0x5b]);
        assert_eq!(decode_hex(" 0X61 5b\n").unwrap(), [0x61, 0x5b]);
        assert_eq!(decode_hex("").unwrap(), Vec::<u8>::new());
        assert!(decode_hex("0x6").is_err());
        assert!(decode_hex("zz").unwrap_err().to_string().contains("'z'"));
    }

    #[test]
    fn addresses_hashes_and_amounts() {
        let a = "0x00000000000000000000000000000000000000aa";
        assert_eq!(parse_address("--to", a).unwrap(), Address::with_last_byte(0xaa));
        assert_eq!(parse_key(&a[2..]).unwrap(), Key::Address(Address::with_last_byte(0xaa)));
        let h = format!("0x{}", "11".repeat(32));
        assert_eq!(parse_key(&h).unwrap(), Key::Hash(B256::repeat_byte(0x11)));
        assert!(parse_address("--to", &h).unwrap_err().to_string().contains("unknown address"));
        for bad in ["0x12", "xyz", "", "0x0000000000000000000000000000000000000g"] {
            assert!(parse_key(bad).unwrap_err().to_string().starts_with("unknown address format"));
        }
        assert_eq!(parse_wei("--value", "1000").unwrap(), U256::from(1000));
        assert_eq!(parse_wei("--value", "0x10").unwrap(), U256::from(16));
        assert!(parse_wei("--value", "ten").is_err());
    }

    #[test]
    fn files_are_detected() {
        assert_eq!(decode_file(b"0x6001\n").unwrap(), [0x60, 0x01]);
        assert_eq!(decode_file(b"6001").unwrap(), [0x60, 0x01]);
        assert_eq!(decode_file(&[0x60, 0x01, 0xff]).unwrap(), [0x60, 0x01, 0xff]);
        assert_eq!(decode_file(b"").unwrap(), Vec::<u8>::new());
        assert!(decode_file(b"0xzz").is_err());
    }
}
