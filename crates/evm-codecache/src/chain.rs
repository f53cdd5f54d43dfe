//! `Chain`: levels tried fastest first; a hit in a slower level back-fills the faster ones
//! (the sccache model). A failing level is counted and skipped; code is verified before it
//! is returned or written anywhere, so nothing unverified or half-written spreads.

use std::sync::Arc;

use alloy_primitives::{Address, B256, Bytes};

use crate::error::LoadError;
use crate::loader::{Loader, open_source};
use crate::metrics::Metrics;
use crate::verify::{VerificationLevel, Verifier};

/// Code that passed verification, with the URL of the level that served it.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The code's keccak256 (as requested or, for address loads, as verified).
    pub hash: B256,
    /// The code.
    pub code: Bytes,
    /// The level that served it.
    pub url: Arc<str>,
}

/// An ordered list of sources, fastest first.
#[derive(Debug, Default)]
pub struct Chain {
    levels: Vec<Box<dyn Loader>>,
}

/// What one level is asked for.
#[derive(Clone, Copy)]
enum Ask {
    Hash(B256),
    Address(Address),
    Account(Address, B256),
}

impl Chain {
    /// A chain of the given levels, fastest first.
    pub fn new(levels: Vec<Box<dyn Loader>>) -> Self {
        Self { levels }
    }

    /// Opens each URL with [`open_source`], fastest first.
    pub fn open(urls: &[&str]) -> Result<Self, LoadError> {
        Ok(Self { levels: urls.iter().map(|u| open_source(u)).collect::<Result<_, _>>()? })
    }

    /// Appends a slower level.
    pub fn with_level(mut self, level: Box<dyn Loader>) -> Self {
        self.levels.push(level);
        self
    }

    /// The levels, fastest first.
    pub fn levels(&self) -> &[Box<dyn Loader>] {
        &self.levels
    }

    /// Loads and verifies the code of `hash`.
    pub fn fetch(
        &self,
        hash: B256,
        verifier: &Verifier,
        metrics: &Metrics,
    ) -> Result<Fetched, LoadError> {
        self.run(Ask::Hash(hash), verifier, metrics)
    }

    /// Loads and verifies the code at `address`.
    pub fn fetch_by_address(
        &self,
        address: Address,
        verifier: &Verifier,
        metrics: &Metrics,
    ) -> Result<Fetched, LoadError> {
        self.run(Ask::Address(address), verifier, metrics)
    }

    /// Loads the code of `address`, which must hash to `code_hash`: by hash from levels that
    /// have it, else by address from levels that can look addresses up.
    pub fn fetch_account(
        &self,
        address: Address,
        code_hash: B256,
        verifier: &Verifier,
        metrics: &Metrics,
    ) -> Result<Fetched, LoadError> {
        self.run(Ask::Account(address, code_hash), verifier, metrics)
    }

    fn run(&self, ask: Ask, verifier: &Verifier, metrics: &Metrics) -> Result<Fetched, LoadError> {
        let mut first_error = None;
        for (i, level) in self.levels.iter().enumerate() {
            let url = level.url();
            let found = match ask_level(level.as_ref(), ask) {
                Ok(Some(found)) => found,
                Ok(None) => {
                    metrics.source(url, |s| s.not_found += 1);
                    continue;
                }
                Err(e) => {
                    tracing::warn!(%url, error = %e, "code source failed; trying the next level");
                    metrics.record_level_failure(url, false);
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            match self.accept(i, ask, found, verifier) {
                Ok((fetched, signature)) => {
                    metrics.record_source_hit(url, fetched.code.len());
                    self.backfill(i, ask, &fetched, signature.as_ref(), metrics);
                    return Ok(fetched);
                }
                Err(e) => {
                    tracing::warn!(%url, error = %e, "code failed verification; trying the next level");
                    metrics.record_level_failure(url, e.is_verification_failure());
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or(match ask {
            Ask::Hash(hash) | Ask::Account(_, hash) => LoadError::NotFound { hash },
            Ask::Address(address) => LoadError::AddressNotFound { address },
        }))
    }

    /// Verifies what level `i` returned; returns the code and its signature (Strict and up).
    fn accept(
        &self,
        i: usize,
        ask: Ask,
        (hash, code): (B256, Bytes),
        verifier: &Verifier,
    ) -> Result<(Fetched, Option<[u8; 64]>), LoadError> {
        let level = &self.levels[i];
        let url = level.url();
        verifier.check_code(url, hash, &code)?;
        let signature = if verifier.needs_signature() {
            Some(self.signature(i, hash, verifier)?)
        } else {
            None
        };
        if let (Ask::Address(address), VerificationLevel::Paranoid) = (ask, verifier.level) {
            self.check_proof(i, address, hash, verifier)?;
        }
        Ok((Fetched { hash, code, url: url.clone() }, signature))
    }

    fn signature(&self, i: usize, hash: B256, verifier: &Verifier) -> Result<[u8; 64], LoadError> {
        let level = &self.levels[i];
        if let Some(sig) = level.signature(hash)? {
            verifier.check_signature(level.url(), hash, &sig)?;
            return Ok(sig);
        }
        if let Some(source) = &verifier.signatures
            && let Some(sig) = source.signature(hash)?
        {
            verifier.check_signature(&Arc::from(format!("{source:?}")), hash, &sig)?;
            return Ok(sig);
        }
        Err(LoadError::MissingSignature { hash })
    }

    /// Paranoid: some level (the serving one first) must prove the account's code hash.
    fn check_proof(
        &self,
        i: usize,
        address: Address,
        hash: B256,
        verifier: &Verifier,
    ) -> Result<(), LoadError> {
        let order = std::iter::once(i).chain((0..self.levels.len()).filter(|&j| j != i));
        for j in order {
            let level = &self.levels[j];
            if let Some(proof) = level.account_proof(address)? {
                let proven = verifier.check_proof(level.url(), address, &proof)?;
                if proven != hash {
                    return Err(LoadError::HashMismatch {
                        url: level.url().clone(),
                        expected: proven,
                        actual: hash,
                    });
                }
                return Ok(());
            }
        }
        Err(LoadError::Unsupported {
            url: self.levels[i].url().clone(),
            what: "paranoid address load: no level gives an account proof",
        })
    }

    /// Writes verified code into the faster levels. Failures are counted, never fatal.
    fn backfill(
        &self,
        i: usize,
        ask: Ask,
        fetched: &Fetched,
        signature: Option<&[u8; 64]>,
        metrics: &Metrics,
    ) {
        for level in self.levels[..i].iter().filter(|l| l.is_writable()) {
            let mut result = level.store(fetched.hash, &fetched.code);
            if let (Ok(()), Some(sig)) = (&result, signature) {
                result = level.store_signature(fetched.hash, sig);
            }
            if let (Ok(()), Ask::Address(address)) = (&result, ask) {
                result = level.store_address(address, &fetched.code);
            }
            match result {
                Ok(()) => metrics.source(level.url(), |s| s.backfills += 1),
                Err(e) => {
                    tracing::warn!(url = %level.url(), error = %e, "back-fill failed");
                    metrics.record_level_failure(level.url(), false);
                }
            }
        }
    }
}

fn ask_level(level: &dyn Loader, ask: Ask) -> Result<Option<(B256, Bytes)>, LoadError> {
    match ask {
        Ask::Hash(hash) => Ok(level.load(hash)?.map(|code| (hash, code))),
        Ask::Address(address) => level.load_by_address(address),
        Ask::Account(address, hash) => match level.load(hash)? {
            Some(code) => Ok(Some((hash, code))),
            // The expected hash, not the source's: a wrong code is a mismatch.
            None => Ok(level.load_by_address(address)?.map(|(_, code)| (hash, code))),
        },
    }
}
