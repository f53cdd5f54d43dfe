//! Reading CODE arguments: hex text (with or without 0x) or `--file PATH` holding hex text or
//! raw bytes. Every failure is a one-line error; nothing here panics.

use std::path::PathBuf;

use anyhow::{Context, bail};

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
    fn files_are_detected() {
        assert_eq!(decode_file(b"0x6001\n").unwrap(), [0x60, 0x01]);
        assert_eq!(decode_file(b"6001").unwrap(), [0x60, 0x01]);
        assert_eq!(decode_file(&[0x60, 0x01, 0xff]).unwrap(), [0x60, 0x01, 0xff]);
        assert_eq!(decode_file(b"").unwrap(), Vec::<u8>::new());
        assert!(decode_file(b"0xzz").is_err());
    }
}
