//! `CachedDb`: any [`Database`] with the process-wide analysed-code cache in front of its
//! `code_by_hash` ([`evm_codecache::CodeCache`]).
//!
//! Accounts and storage go straight to the inner database. Code is looked up by hash in the
//! cache; a miss asks the inner database, and when that does not know the hash either, the
//! cache's loader chain. Code found either way is cached for every VM sharing the cache.

use std::sync::Arc;

use alloy_primitives::{Address, B256, KECCAK256_EMPTY, U256};
use evm_bytecode::AnalyzedCode;
use evm_codecache::{CodeCache, LoadError};

use crate::db::{AccountInfo, Database};

/// Why a [`CachedDb`] read failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CachedDbError<E> {
    /// The inner database failed.
    #[error("inner database read failed")]
    Inner(#[source] E),
    /// Neither the inner database nor the cache's loader chain could give the code.
    #[error(transparent)]
    Code(#[from] LoadError),
}

/// A [`Database`] whose code comes through a shared [`CodeCache`].
#[derive(Clone, Debug)]
pub struct CachedDb<DB> {
    inner: DB,
    cache: CodeCache,
}

impl<DB: Database> CachedDb<DB> {
    /// Wraps `inner`; `cache` may be shared with other databases and VMs (clones share it).
    pub fn new(inner: DB, cache: CodeCache) -> Self {
        Self { inner, cache }
    }

    /// The code cache.
    pub fn cache(&self) -> &CodeCache {
        &self.cache
    }

    /// The inner database.
    pub fn inner(&self) -> &DB {
        &self.inner
    }

    /// The inner database, mutably.
    pub fn inner_mut(&mut self) -> &mut DB {
        &mut self.inner
    }

    /// Unwraps the inner database.
    pub fn into_inner(self) -> DB {
        self.inner
    }
}

impl<DB: Database> Database for CachedDb<DB> {
    type Error = CachedDbError<DB::Error>;

    /// The inner account without code attached, so its code is read through the cache.
    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        let info = self.inner.basic(address).map_err(CachedDbError::Inner)?;
        Ok(info.map(|mut info| {
            if let Some(code) = info.code.take()
                && self.cache.get_cached(info.code_hash).is_none()
                && code.hash() == info.code_hash
            {
                // The inner database handed the code over: cache it without a second load.
                self.cache.insert(code.original().clone());
            }
            info
        }))
    }

    fn code_by_hash(&mut self, hash: B256) -> Result<Arc<AnalyzedCode>, Self::Error> {
        if let Some(code) = self.cache.get_cached(hash) {
            return Ok(code);
        }
        let code = self.inner.code_by_hash(hash).map_err(CachedDbError::Inner)?;
        if hash == KECCAK256_EMPTY || (!code.is_empty() && code.hash() == hash) {
            if !code.is_empty() {
                self.cache.insert(code.original().clone());
            }
            return Ok(code);
        }
        // The inner database does not know this hash: ask the cache's sources.
        Ok(self.cache.get(hash)?)
    }

    fn storage(&mut self, address: Address, key: U256) -> Result<U256, Self::Error> {
        self.inner.storage(address, key).map_err(CachedDbError::Inner)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        self.inner.block_hash(number).map_err(CachedDbError::Inner)
    }

    fn has_storage(&mut self, address: Address) -> Result<bool, Self::Error> {
        self.inner.has_storage(address).map_err(CachedDbError::Inner)
    }
}

impl<DB: crate::DatabaseCommit> crate::DatabaseCommit for CachedDb<DB> {
    fn commit(&mut self, state: crate::StateChanges) {
        self.inner.commit(state);
    }
}
