//! Solidity metadata: the CBOR trailer solc appends to runtime code.
//!
//! The trailer is a CBOR map followed by its length as a big-endian `u16` in the last two bytes.
//! Known keys: `ipfs` (a sha2-256 multihash, shown as a base58 CIDv0 `Qm...`), `bzzr0`, `bzzr1`
//! (Swarm hashes), `solc` (three bytes `major minor patch`, or a text string for prereleases)
//! and `experimental` (a bool). Anything malformed or absent yields `None`, never a panic.
//! The small CBOR reader and the base58 encoder here are written for exactly this job.

use core::fmt;

use alloy_primitives::B256;

/// The compiler version recorded in the metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SolcVersion {
    /// A release, stored as three bytes.
    Release {
        /// Major version.
        major: u8,
        /// Minor version.
        minor: u8,
        /// Patch version.
        patch: u8,
    },
    /// A prerelease or custom build, stored as its full version string.
    Text(String),
}

impl fmt::Display for SolcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SolcVersion::Release { major, minor, patch } => write!(f, "{major}.{minor}.{patch}"),
            SolcVersion::Text(s) => f.write_str(s),
        }
    }
}

/// Parsed Solidity metadata trailer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// The `ipfs` value: a multihash (`0x12 0x20` + sha2-256 digest for CIDv0).
    pub ipfs: Option<Vec<u8>>,
    /// The `bzzr0` Swarm hash.
    pub bzzr0: Option<B256>,
    /// The `bzzr1` Swarm hash.
    pub bzzr1: Option<B256>,
    /// The compiler version.
    pub solc: Option<SolcVersion>,
    /// Whether experimental features were enabled.
    pub experimental: Option<bool>,
    /// CBOR length as stored in the last two bytes; the trailer is two bytes longer.
    pub cbor_length: usize,
}

impl Metadata {
    /// Parses the trailer of `code`; `None` when it is absent or malformed.
    pub fn parse(code: &[u8]) -> Option<Self> {
        let [.., hi, lo] = *code else { return None };
        let cbor_length = usize::from(u16::from_be_bytes([hi, lo]));
        let cbor_start = code.len().checked_sub(2 + cbor_length)?;
        let cbor = &code[cbor_start..code.len() - 2];
        let mut meta = Metadata {
            ipfs: None,
            bzzr0: None,
            bzzr1: None,
            solc: None,
            experimental: None,
            cbor_length,
        };
        let mut reader = Reader { data: cbor, pos: 0 };
        let entries = reader.header_of(MAP)?;
        let mut known = 0;
        for _ in 0..entries {
            let key = reader.text()?;
            match key {
                "ipfs" => meta.ipfs = Some(reader.bytes()?.to_vec()),
                "bzzr0" => meta.bzzr0 = Some(B256::try_from(reader.bytes()?).ok()?),
                "bzzr1" => meta.bzzr1 = Some(B256::try_from(reader.bytes()?).ok()?),
                "solc" => meta.solc = Some(reader.solc()?),
                "experimental" => meta.experimental = Some(reader.bool()?),
                _ => {
                    reader.skip(0)?;
                    continue;
                }
            }
            known += 1;
        }
        // The map must fill the trailer exactly, and name at least one key solc writes.
        (reader.pos == cbor.len() && known > 0).then_some(meta)
    }

    /// Length of the whole trailer: the CBOR map plus its two length bytes.
    pub fn trailer_len(&self) -> usize {
        self.cbor_length + 2
    }

    /// The IPFS hash as a base58 string (`Qm...` for a CIDv0), as a user would paste it.
    pub fn ipfs_cid(&self) -> Option<String> {
        self.ipfs.as_deref().map(base58)
    }
}

/// Parses the Solidity metadata trailer of `code` (see [`Metadata::parse`]).
pub fn parse_metadata(code: &[u8]) -> Option<Metadata> {
    Metadata::parse(code)
}

/// `code` without its metadata trailer; all of `code` when there is no valid trailer.
pub fn strip_metadata(code: &[u8]) -> &[u8] {
    match Metadata::parse(code) {
        Some(meta) => &code[..code.len() - meta.trailer_len()],
        None => code,
    }
}

const UINT: u8 = 0;
const BYTES: u8 = 2;
const TEXT: u8 = 3;
const ARRAY: u8 = 4;
const MAP: u8 = 5;
const TAG: u8 = 6;
const SIMPLE: u8 = 7;
/// Nesting limit for skipped values, so hostile input cannot recurse deeply.
const MAX_DEPTH: u32 = 8;

/// A minimal reader for definite-length CBOR, as solc emits it.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    /// Reads an item header: (major type, argument). Indefinite lengths are rejected.
    fn header(&mut self) -> Option<(u8, u64)> {
        let initial = self.byte()?;
        let (major, info) = (initial >> 5, initial & 0x1f);
        let arg = match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.byte()?),
            25 => u64::from(u16::from_be_bytes(self.take(2)?.try_into().ok()?)),
            26 => u64::from(u32::from_be_bytes(self.take(4)?.try_into().ok()?)),
            27 => u64::from_be_bytes(self.take(8)?.try_into().ok()?),
            _ => return None,
        };
        Some((major, arg))
    }

    fn header_of(&mut self, major: u8) -> Option<u64> {
        let (m, arg) = self.header()?;
        (m == major).then_some(arg)
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = self.header_of(BYTES)?;
        self.take(usize::try_from(len).ok()?)
    }

    fn text(&mut self) -> Option<&'a str> {
        let len = self.header_of(TEXT)?;
        core::str::from_utf8(self.take(usize::try_from(len).ok()?)?).ok()
    }

    fn bool(&mut self) -> Option<bool> {
        match self.byte()? {
            0xf4 => Some(false),
            0xf5 => Some(true),
            _ => None,
        }
    }

    fn solc(&mut self) -> Option<SolcVersion> {
        let (major, len) = self.header()?;
        let len = usize::try_from(len).ok()?;
        match (major, len) {
            (BYTES, 3) => {
                let v = self.take(3)?;
                Some(SolcVersion::Release { major: v[0], minor: v[1], patch: v[2] })
            }
            (TEXT, _) => {
                let s = core::str::from_utf8(self.take(len)?).ok()?;
                Some(SolcVersion::Text(s.to_owned()))
            }
            _ => None,
        }
    }

    /// Skips one item of any type.
    fn skip(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let (major, arg) = self.header()?;
        match major {
            UINT | 1 => {}
            BYTES | TEXT => {
                self.take(usize::try_from(arg).ok()?)?;
            }
            ARRAY | MAP => {
                let items = if major == MAP { arg.checked_mul(2)? } else { arg };
                // Every item takes at least one byte; this bounds the loop on hostile input.
                if items > (self.data.len() - self.pos) as u64 {
                    return None;
                }
                for _ in 0..items {
                    self.skip(depth + 1)?;
                }
            }
            TAG => self.skip(depth + 1)?,
            SIMPLE => {} // simple values and floats: the header already consumed them
            _ => return None,
        }
        Some(())
    }
}

const BASE58_ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Base58 (Bitcoin alphabet), as used by IPFS CIDv0. Leading zero bytes become `1`s.
pub fn base58(input: &[u8]) -> String {
    let zeros = input.iter().take_while(|&&b| b == 0).count();
    // Digits in base 58, least significant first; log(256)/log(58) < 1.37.
    let mut digits: Vec<u8> = Vec::with_capacity(input.len() * 137 / 100 + 1);
    for &byte in &input[zeros..] {
        let mut carry = u32::from(byte);
        for d in &mut digits {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut out = String::with_capacity(zeros + digits.len());
    out.extend(std::iter::repeat_n('1', zeros));
    out.extend(digits.iter().rev().map(|&d| char::from(BASE58_ALPHABET[usize::from(d)])));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter_runtime() -> Vec<u8> {
        let hex = include_str!("../tests/data/counter_0.8.28.runtime.hex");
        alloy_primitives::hex::decode(hex.trim()).expect("test data")
    }

    #[test]
    fn base58_vectors() {
        assert_eq!(base58(b""), "");
        assert_eq!(base58(&[0]), "1");
        assert_eq!(base58(&[0, 0, 1]), "112");
        assert_eq!(base58(b"hello world"), "StV1DL6CwTryKyV");
        assert_eq!(base58(&[0xff; 4]), "7YXq9G");
    }

    #[test]
    fn counter_metadata() {
        let code = counter_runtime();
        let meta = Metadata::parse(&code).expect("solc trailer");
        assert_eq!(meta.solc, Some(SolcVersion::Release { major: 0, minor: 8, patch: 28 }));
        assert_eq!(meta.solc.as_ref().map(ToString::to_string).as_deref(), Some("0.8.28"));
        let cid = meta.ipfs_cid().expect("ipfs");
        assert!(cid.starts_with("Qm") && cid.len() == 46, "{cid}");
        assert_eq!(meta.cbor_length, 0x33);
        assert_eq!(meta.experimental, None);
        let runtime = strip_metadata(&code);
        assert_eq!(runtime.len(), code.len() - 0x35);
        assert_eq!(runtime.last(), Some(&0xfe)); // solc ends the code with INVALID
    }

    #[test]
    fn absent_or_malformed_is_none() {
        assert_eq!(parse_metadata(&[]), None);
        assert_eq!(parse_metadata(&[0x00]), None);
        assert_eq!(parse_metadata(&[0x00, 0x00]), None);
        assert_eq!(parse_metadata(&[0x60, 0x00, 0xff, 0xff]), None);
        // An empty map names no known key.
        assert_eq!(parse_metadata(&[0xa0, 0x00, 0x01]), None);
        // Truncated every which way: never a panic.
        let code = counter_runtime();
        for cut in 0..code.len() {
            let _ = parse_metadata(&code[..cut]);
            let mut flipped = code.clone();
            flipped[cut] ^= 0x55;
            let _ = parse_metadata(&flipped);
        }
        assert_eq!(strip_metadata(&[0x60, 0x01]), &[0x60, 0x01]);
    }

    #[test]
    fn handmade_trailers() {
        // {"solc": "0.4.26-nightly", "experimental": true, "bzzr0": 32 bytes, "x": [1, {}]}
        let mut cbor = vec![0xa4];
        cbor.extend_from_slice(b"\x64solc\x6e0.4.26-nightly");
        cbor.extend_from_slice(b"\x6cexperimental\xf5");
        cbor.extend_from_slice(b"\x65bzzr0\x58\x20");
        cbor.extend_from_slice(&[7; 32]);
        cbor.extend_from_slice(b"\x61x\x82\x01\xa0");
        let mut code = vec![0x00];
        code.extend_from_slice(&cbor);
        code.extend_from_slice(&(cbor.len() as u16).to_be_bytes());
        let meta = parse_metadata(&code).expect("trailer");
        assert_eq!(meta.solc, Some(SolcVersion::Text("0.4.26-nightly".into())));
        assert_eq!(meta.experimental, Some(true));
        assert_eq!(meta.bzzr0, Some(B256::repeat_byte(7)));
        assert_eq!(strip_metadata(&code), &[0x00]);
        // Deeply nested skipped values are refused rather than recursed into.
        let mut deep = vec![0xa1, 0x61, b'x'];
        deep.extend_from_slice(&[0x81; 40]);
        deep.push(0x01);
        let len = deep.len() as u16;
        deep.extend_from_slice(&len.to_be_bytes());
        assert_eq!(parse_metadata(&deep), None);
    }
}
