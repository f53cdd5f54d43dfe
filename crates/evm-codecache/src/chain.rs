//! `Chain`: levels tried fastest first; a hit in a slower level back-fills the faster ones
//! (the sccache model). A failing level is counted and skipped; code is verified before it
//! is returned or written anywhere, so nothing unverified or half-written spreads.
//! A level that failed is skipped for a cool-down (default 2 s), except the last, so a dead
//! Redis costs one timeout, not one per load.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, Bytes};

use crate::error::LoadError;
use crate::loader::{Loader, SourceOptions, open_source, open_source_with};
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

/// How long a failed level (other than the last) is skipped, by default.
pub const DEFAULT_COOLDOWN: Duration = Duration::from_secs(2);

/// An ordered list of sources, fastest first.
#[derive(Debug)]
pub struct Chain {
    levels: Vec<Level>,
    cooldown: Duration,
}

impl Default for Chain {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

#[derive(Debug)]
struct Level {
    loader: Box<dyn Loader>,
    down_until: Mutex<Option<Instant>>,
}

impl Level {
    fn new(loader: Box<dyn Loader>) -> Self {
        Self { loader, down_until: Mutex::new(None) }
    }

    fn is_down(&self) -> bool {
        let down = self.down_until.lock().unwrap_or_else(|e| e.into_inner());
        down.is_some_and(|until| Instant::now() < until)
    }

    fn mark_down(&self, cooldown: Duration) {
        *self.down_until.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Instant::now() + cooldown);
    }
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
        Self { levels: levels.into_iter().map(Level::new).collect(), cooldown: DEFAULT_COOLDOWN }
    }

    /// Opens each URL with [`open_source`], fastest first.
    pub fn open(urls: &[&str]) -> Result<Self, LoadError> {
        Ok(Self::new(urls.iter().map(|u| open_source(u)).collect::<Result<_, _>>()?))
    }

    /// Opens each URL with [`open_source_with`] and `options`, fastest first.
    pub fn open_with(urls: &[&str], options: &SourceOptions) -> Result<Self, LoadError> {
        Ok(Self::new(urls.iter().map(|u| open_source_with(u, options)).collect::<Result<_, _>>()?))
    }

    /// Appends a slower level.
    pub fn with_level(mut self, level: Box<dyn Loader>) -> Self {
        self.levels.push(Level::new(level));
        self
    }

    /// Sets how long a failed level (other than the last) is skipped; zero disables it.
    pub fn with_cooldown(mut self, cooldown: Duration) -> Self {
        self.cooldown = cooldown;
        self
    }

    /// The levels, fastest first.
    pub fn levels(&self) -> impl Iterator<Item = &dyn Loader> {
        self.levels.iter().map(|l| l.loader.as_ref())
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

    /// Loads and verifies the code of many addresses, asking each level for all the
    /// addresses still missing at once (one JSON-RPC batch per 100 addresses, for example).
    /// Answers are in the order of `addresses`.
    pub fn fetch_many_by_address(
        &self,
        addresses: &[Address],
        verifier: &Verifier,
        metrics: &Metrics,
    ) -> Vec<Result<Fetched, LoadError>> {
        let mut out: Vec<Option<Result<Fetched, LoadError>>> = vec![None; addresses.len()];
        let mut first_error: Vec<Option<LoadError>> = vec![None; addresses.len()];
        let last = self.levels.len().saturating_sub(1);
        for (i, level) in self.levels.iter().enumerate() {
            let pending: Vec<usize> = (0..addresses.len()).filter(|&j| out[j].is_none()).collect();
            if pending.is_empty() {
                break;
            }
            let url = level.loader.url();
            if i != last && level.is_down() {
                metrics.source(url, |s| s.skipped += 1);
                continue;
            }
            let asked: Vec<Address> = pending.iter().map(|&j| addresses[j]).collect();
            let answers = match level.loader.load_many_by_address(&asked) {
                Ok(answers) if answers.len() == asked.len() => Ok(answers),
                Ok(_) => Err(LoadError::MalformedResponse {
                    url: url.clone(),
                    reason: "a batch answer has the wrong length",
                }),
                Err(e) => Err(e),
            };
            let answers = match answers {
                Ok(answers) => answers,
                Err(e) => {
                    // The whole request failed: every address moves on to the next level.
                    tracing::warn!(%url, error = %e, "batch failed; trying the next level");
                    metrics.record_level_failure(url, false);
                    if i != last && !self.cooldown.is_zero() && e.is_source_down() {
                        level.mark_down(self.cooldown);
                    }
                    for &j in &pending {
                        first_error[j].get_or_insert_with(|| e.clone());
                    }
                    continue;
                }
            };
            for (&j, answer) in pending.iter().zip(answers) {
                let ask = Ask::Address(addresses[j]);
                let accepted = match answer {
                    Ok(None) => {
                        metrics.source(url, |s| s.not_found += 1);
                        continue;
                    }
                    Ok(Some(found)) => self.accept(i, ask, found, verifier),
                    Err(e) => Err(e),
                };
                match accepted {
                    Ok((fetched, signature)) => {
                        metrics.record_source_hit(url, fetched.code.len());
                        self.backfill(i, ask, &fetched, signature.as_ref(), metrics);
                        out[j] = Some(Ok(fetched));
                    }
                    Err(e) => {
                        metrics.record_level_failure(url, e.is_verification_failure());
                        first_error[j].get_or_insert(e);
                    }
                }
            }
        }
        out.into_iter()
            .zip(first_error)
            .zip(addresses)
            .map(|((o, e), &address)| {
                o.unwrap_or_else(|| Err(e.unwrap_or(LoadError::AddressNotFound { address })))
            })
            .collect()
    }

    fn run(&self, ask: Ask, verifier: &Verifier, metrics: &Metrics) -> Result<Fetched, LoadError> {
        let mut first_error = None;
        let last = self.levels.len().saturating_sub(1);
        for (i, level) in self.levels.iter().enumerate() {
            let url = level.loader.url();
            if i != last && level.is_down() {
                metrics.source(url, |s| s.skipped += 1);
                continue;
            }
            let found = match ask_level(level.loader.as_ref(), ask) {
                Ok(Some(found)) => found,
                Ok(None) => {
                    metrics.source(url, |s| s.not_found += 1);
                    continue;
                }
                Err(e) => {
                    tracing::warn!(%url, error = %e, "code source failed; trying the next level");
                    metrics.record_level_failure(url, false);
                    if i != last && !self.cooldown.is_zero() && e.is_source_down() {
                        level.mark_down(self.cooldown);
                    }
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
        let url = self.levels[i].loader.url();
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
        let level = &self.levels[i].loader;
        if let Some(sig) = level.signature(hash)? {
            verifier.check_signature(level.url(), hash, &sig)?;
            return Ok(sig);
        }
        if let Some(source) = &verifier.signatures
            && let Some(sig) = source.signature(hash)?
        {
            verifier.check_signature(&Arc::from("signature-source"), hash, &sig)?;
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
            let level = &self.levels[j].loader;
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
            url: self.levels[i].loader.url().clone(),
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
        for entry in self.levels[..i].iter().filter(|l| !l.is_down()) {
            let level = &entry.loader;
            if !level.is_writable() {
                continue;
            }
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
                    if !self.cooldown.is_zero() && e.is_source_down() {
                        entry.mark_down(self.cooldown);
                    }
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
