//! Verification levels and the checks behind them: keccak, size limits, publisher signatures
//! over (domain, chain id, code hash), and account proofs for address loads.

use std::fmt;
use std::sync::Arc;

use alloy_primitives::{Address, B256, keccak256};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::error::LoadError;

/// Domain separator of publisher signatures, so a signature can never mean anything else.
pub const SIGNATURE_DOMAIN: &[u8] = b"evmkit code signature v1";

/// How much a loaded piece of code is checked before it is analysed and cached.
///
/// Every level includes the ones before it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum VerificationLevel {
    /// Nothing is checked: the bytes are trusted to hash to the requested key.
    None,
    /// keccak256 of the bytes equals the requested hash, on every read from every level
    /// (shared levels such as Redis included).
    Basic,
    /// Basic, plus the code is at most `Verifier::max_code_size` bytes (EIP-170 by default).
    #[default]
    Standard,
    /// Standard, plus an ed25519 signature by a trusted publisher over
    /// (`SIGNATURE_DOMAIN`, chain id, code hash); see [`SignatureSource`].
    Strict,
    /// Strict, plus address loads must come with an account proof (`eth_getProof`) that
    /// verifies against the trusted state root and whose code hash is keccak256 of the code.
    Paranoid,
}

/// A level name that [`VerificationLevel::from_str`](std::str::FromStr) does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown verification level {0:?} (none, basic, standard, strict, paranoid)")]
pub struct UnknownLevel(pub String);

impl std::str::FromStr for VerificationLevel {
    type Err = UnknownLevel;

    /// Parses the lower-case level name (for command lines).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(Self::None),
            "basic" => Ok(Self::Basic),
            "standard" => Ok(Self::Standard),
            "strict" => Ok(Self::Strict),
            "paranoid" => Ok(Self::Paranoid),
            _ => Err(UnknownLevel(s.to_owned())),
        }
    }
}

/// Where publisher signatures come from when the level that served the code has none.
///
/// File and CAS stores also keep a sidecar `<hash>.sig` (128 hex digits), which the chain
/// asks first.
pub trait SignatureSource: Send + Sync + fmt::Debug {
    /// The 64-byte ed25519 signature for `hash`, if this source has one.
    fn signature(&self, hash: B256) -> Result<Option<[u8; 64]>, LoadError>;
}

/// The message a publisher signs: the domain, the chain id (8 bytes big-endian), the code hash.
pub fn signing_message(chain_id: u64, hash: B256) -> Vec<u8> {
    let mut msg = Vec::with_capacity(SIGNATURE_DOMAIN.len() + 8 + 32);
    msg.extend_from_slice(SIGNATURE_DOMAIN);
    msg.extend_from_slice(&chain_id.to_be_bytes());
    msg.extend_from_slice(hash.as_slice());
    msg
}

/// Signs `hash` as a publisher would (for tools and tests).
pub fn sign_code(key: &SigningKey, chain_id: u64, hash: B256) -> [u8; 64] {
    key.sign(&signing_message(chain_id, hash)).to_bytes()
}

/// The checks applied to loaded code, with the keys and roots they need.
#[derive(Clone, Debug)]
pub struct Verifier {
    /// The level of checking.
    pub level: VerificationLevel,
    /// Largest accepted code, from `Standard` up.
    pub max_code_size: usize,
    /// Chain id bound into signatures (`Strict` and up).
    pub chain_id: u64,
    /// Publishers whose signatures are accepted (`Strict` and up).
    pub publishers: Vec<VerifyingKey>,
    /// Fallback source of signatures (`Strict` and up).
    pub signatures: Option<Arc<dyn SignatureSource>>,
    /// State root that account proofs must verify against (`Paranoid`).
    pub state_root: Option<B256>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new(VerificationLevel::default())
    }
}

impl Verifier {
    /// A verifier at `level` with EIP-170 size limit, chain id 1, no publishers and no root.
    pub fn new(level: VerificationLevel) -> Self {
        Self {
            level,
            max_code_size: evm_bytecode::MAX_CODE_SIZE,
            chain_id: 1,
            publishers: Vec::new(),
            signatures: None,
            state_root: None,
        }
    }

    /// Adds a trusted publisher key.
    pub fn with_publisher(mut self, key: VerifyingKey) -> Self {
        self.publishers.push(key);
        self
    }

    /// Sets the chain id bound into signatures.
    pub fn with_chain_id(mut self, chain_id: u64) -> Self {
        self.chain_id = chain_id;
        self
    }

    /// Sets the fallback signature source.
    pub fn with_signatures(mut self, source: Arc<dyn SignatureSource>) -> Self {
        self.signatures = Some(source);
        self
    }

    /// Sets the trusted state root for `Paranoid` address loads.
    pub fn with_state_root(mut self, root: B256) -> Self {
        self.state_root = Some(root);
        self
    }

    /// Checks `code` read from `url` against the requested `expected` hash (hash and size).
    pub fn check_code(&self, url: &Arc<str>, expected: B256, code: &[u8]) -> Result<(), LoadError> {
        if self.level >= VerificationLevel::Standard && code.len() > self.max_code_size {
            return Err(LoadError::TooLarge {
                url: url.clone(),
                what: "code",
                size: code.len() as u64,
                limit: self.max_code_size as u64,
            });
        }
        if self.level >= VerificationLevel::Basic {
            let actual = keccak256(code);
            if actual != expected {
                return Err(LoadError::HashMismatch { url: url.clone(), expected, actual });
            }
        }
        Ok(())
    }

    /// Whether signatures are required.
    pub fn needs_signature(&self) -> bool {
        self.level >= VerificationLevel::Strict
    }

    /// Checks a publisher signature over `hash` that came from `url`.
    pub fn check_signature(
        &self,
        url: &Arc<str>,
        hash: B256,
        signature: &[u8; 64],
    ) -> Result<(), LoadError> {
        let sig = Signature::from_bytes(signature);
        let msg = signing_message(self.chain_id, hash);
        if self.publishers.iter().any(|k| k.verify_strict(&msg, &sig).is_ok()) {
            Ok(())
        } else {
            Err(LoadError::BadSignature { url: url.clone(), hash })
        }
    }

    /// Checks an account proof for `address` from `url` against the trusted state root and
    /// returns the proven code hash.
    pub fn check_proof(
        &self,
        url: &Arc<str>,
        address: Address,
        proof: &crate::proof::AccountProof,
    ) -> Result<B256, LoadError> {
        let Some(root) = self.state_root else {
            return Err(LoadError::Unsupported {
                url: url.clone(),
                what: "paranoid verification without a trusted state root",
            });
        };
        proof.verify(root, address).map_err(|reason| LoadError::BadProof {
            url: url.clone(),
            address,
            reason,
        })?;
        Ok(proof.code_hash)
    }
}

/// Parses 128 hex digits (surrounding whitespace allowed) into a signature.
pub(crate) fn parse_signature_hex(text: &[u8]) -> Option<[u8; 64]> {
    let text = std::str::from_utf8(text).ok()?.trim();
    let mut out = [0u8; 64];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Arc<str> {
        Arc::from("test://")
    }

    #[test]
    fn basic_checks_hash_and_names_the_source() {
        let v = Verifier::new(VerificationLevel::Basic);
        let code = [0x60, 0x00];
        assert!(v.check_code(&url(), keccak256(code), &code).is_ok());
        let err = v.check_code(&url(), B256::ZERO, &code).unwrap_err();
        assert!(matches!(err, LoadError::HashMismatch { expected, .. } if expected == B256::ZERO));
        assert!(err.to_string().starts_with("test://: code hash mismatch"));
        assert!(
            Verifier::new(VerificationLevel::None).check_code(&url(), B256::ZERO, &code).is_ok()
        );
    }

    #[test]
    fn levels_parse() {
        assert_eq!("paranoid".parse(), Ok(VerificationLevel::Paranoid));
        assert_eq!("none".parse(), Ok(VerificationLevel::None));
        assert!("max".parse::<VerificationLevel>().is_err());
    }

    #[test]
    fn standard_checks_size() {
        let code = vec![0u8; evm_bytecode::MAX_CODE_SIZE + 1];
        let h = keccak256(&code);
        assert!(Verifier::new(VerificationLevel::Basic).check_code(&url(), h, &code).is_ok());
        let err = Verifier::new(VerificationLevel::Standard).check_code(&url(), h, &code);
        assert!(matches!(err, Err(LoadError::TooLarge { what: "code", .. })));
    }

    #[test]
    fn signatures_bind_chain_id_and_hash() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let v = Verifier::new(VerificationLevel::Strict)
            .with_publisher(key.verifying_key())
            .with_chain_id(5);
        let h = keccak256([1u8]);
        let sig = sign_code(&key, 5, h);
        assert!(v.check_signature(&url(), h, &sig).is_ok());
        let wrong_chain = sign_code(&key, 1, h);
        assert!(matches!(
            v.check_signature(&url(), h, &wrong_chain),
            Err(LoadError::BadSignature { .. })
        ));
        let other = SigningKey::from_bytes(&[8u8; 32]);
        assert!(v.check_signature(&url(), h, &sign_code(&other, 5, h)).is_err());
        assert!(v.check_signature(&url(), h, &[0xff; 64]).is_err());
        let text = hex::encode(sig);
        assert_eq!(parse_signature_hex(format!("{text}\n").as_bytes()), Some(sig));
        assert_eq!(parse_signature_hex(b"zz"), None);
    }
}
