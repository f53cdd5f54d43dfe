//! Content-addressed HTTP stores: `CasSource` (`cas+http://HOST/PREFIX`, `GET PREFIX/<hash>`,
//! signature sidecar `PREFIX/<hash>.sig`) and `IpfsSource` (`ipfs+http://GATEWAY`,
//! `GET /ipfs/<cid>?format=raw`, with the CID derived from the code hash).

use std::sync::Arc;

use alloy_primitives::{B256, Bytes};

use super::http::{Answer, HttpClient, HttpLimits};
use crate::error::LoadError;
use crate::key::hash_hex;
use crate::loader::Loader;
use crate::verify::parse_signature_hex;

/// CIDv1 version byte.
const CID_V1: u8 = 0x01;
/// Multicodec `raw`.
const MULTICODEC_RAW: u8 = 0x55;
/// Multihash `keccak-256`.
const MULTIHASH_KECCAK_256: u8 = 0x1b;

/// The CIDv1 (raw codec, keccak-256 multihash) of code with hash `hash`, in multibase
/// base32 lower case (prefix `b`).
pub fn cid_for_hash(hash: B256) -> String {
    let mut bytes = Vec::with_capacity(36);
    // Each varint here is below 0x80, so it is one byte.
    bytes.extend_from_slice(&[CID_V1, MULTICODEC_RAW, MULTIHASH_KECCAK_256, 32]);
    bytes.extend_from_slice(hash.as_slice());
    let mut out = String::with_capacity(1 + bytes.len().div_ceil(5) * 8);
    out.push('b');
    base32_lower(&bytes, &mut out);
    out
}

/// RFC 4648 base32, lower case, no padding.
fn base32_lower(data: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in data {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
}

fn get(http: &HttpClient, target: &str) -> Result<Option<Vec<u8>>, LoadError> {
    match http.request(target, None)? {
        Answer::Body(b) => Ok(Some(b)),
        Answer::NotFound => Ok(None),
    }
}

/// A plain content-addressed HTTP store.
#[derive(Debug)]
pub struct CasSource {
    http: HttpClient,
    base: String,
}

impl CasSource {
    /// Opens `http://HOST/PREFIX` (the `cas+` already stripped).
    pub fn open(base: &str, limits: HttpLimits) -> Result<Self, LoadError> {
        let base = base.trim_end_matches('/').to_owned();
        let url: Arc<str> = Arc::from(format!("cas+{base}"));
        Ok(Self { http: HttpClient::new(url, limits), base })
    }
}

impl Loader for CasSource {
    fn url(&self) -> &Arc<str> {
        &self.http.url
    }

    fn load(&self, hash: B256) -> Result<Option<Bytes>, LoadError> {
        Ok(get(&self.http, &format!("{}/{}", self.base, hash_hex(&hash)))?.map(Bytes::from))
    }

    fn signature(&self, hash: B256) -> Result<Option<[u8; 64]>, LoadError> {
        match get(&self.http, &format!("{}/{}.sig", self.base, hash_hex(&hash)))? {
            None => Ok(None),
            Some(text) => parse_signature_hex(&text)
                .map(Some)
                .ok_or_else(|| LoadError::BadSignature { url: self.http.url.clone(), hash }),
        }
    }
}

/// An IPFS trustless gateway.
#[derive(Debug)]
pub struct IpfsSource {
    http: HttpClient,
    gateway: String,
}

impl IpfsSource {
    /// Opens the gateway at `http://GATEWAY` (the `ipfs+` already stripped).
    pub fn open(gateway: &str, limits: HttpLimits) -> Result<Self, LoadError> {
        let gateway = gateway.trim_end_matches('/').to_owned();
        let url: Arc<str> = Arc::from(format!("ipfs+{gateway}"));
        Ok(Self { http: HttpClient::new(url, limits), gateway })
    }
}

impl Loader for IpfsSource {
    fn url(&self) -> &Arc<str> {
        &self.http.url
    }

    fn load(&self, hash: B256) -> Result<Option<Bytes>, LoadError> {
        let target = format!("{}/ipfs/{}?format=raw", self.gateway, cid_for_hash(hash));
        Ok(get(&self.http, &target)?.map(Bytes::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_matches_rfc4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "my"),
            ("fo", "mzxq"),
            ("foo", "mzxw6"),
            ("foob", "mzxw6yq"),
            ("fooba", "mzxw6ytb"),
            ("foobar", "mzxw6ytboi"),
        ] {
            let mut out = String::new();
            base32_lower(input.as_bytes(), &mut out);
            assert_eq!(out, expected, "{input}");
        }
    }

    #[test]
    fn cid_of_a_code_hash() {
        // Prefix bytes 01 55 1b 20 encode as "afkrwia" plus the hash; 36 bytes -> 58 chars.
        let cid = cid_for_hash(B256::ZERO);
        assert_eq!(cid.len(), 1 + 58);
        assert!(cid.starts_with("bafkrwia"), "{cid}");
        assert!(cid[8..].bytes().all(|b| b == b'a'), "{cid}");
    }
}
