//! `MemoryStore`: an in-process level (code by hash and by address), for embedding and tests.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use alloy_primitives::{Address, B256, Bytes, keccak256};

use crate::error::LoadError;
use crate::loader::Loader;

/// Code kept in a map in this process. Writable, so a chain can back-fill it.
#[derive(Debug)]
pub struct MemoryStore {
    url: Arc<str>,
    by_hash: RwLock<HashMap<B256, Bytes>>,
    by_address: RwLock<HashMap<Address, Bytes>>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new("mem://")
    }
}

impl MemoryStore {
    /// An empty store named `url` in errors and metrics.
    pub fn new(url: &str) -> Self {
        Self { url: Arc::from(url), by_hash: RwLock::default(), by_address: RwLock::default() }
    }

    /// Stores `code` under an arbitrary `hash` without checking it (to model a bad source).
    pub fn insert_raw(&self, hash: B256, code: impl Into<Bytes>) {
        self.by_hash.write().unwrap_or_else(|e| e.into_inner()).insert(hash, code.into());
    }

    /// Stores `code` under its keccak256 and returns the hash.
    pub fn insert(&self, code: impl Into<Bytes>) -> B256 {
        let code = code.into();
        let hash = keccak256(&code);
        self.insert_raw(hash, code);
        hash
    }

    /// Sets the code at `address`.
    pub fn insert_address(&self, address: Address, code: impl Into<Bytes>) {
        self.by_address.write().unwrap_or_else(|e| e.into_inner()).insert(address, code.into());
    }

    /// Whether code for `hash` is stored.
    pub fn contains(&self, hash: B256) -> bool {
        self.by_hash.read().unwrap_or_else(|e| e.into_inner()).contains_key(&hash)
    }
}

impl Loader for MemoryStore {
    fn url(&self) -> &Arc<str> {
        &self.url
    }

    fn load(&self, hash: B256) -> Result<Option<Bytes>, LoadError> {
        Ok(self.by_hash.read().unwrap_or_else(|e| e.into_inner()).get(&hash).cloned())
    }

    fn load_by_address(&self, address: Address) -> Result<Option<(B256, Bytes)>, LoadError> {
        let map = self.by_address.read().unwrap_or_else(|e| e.into_inner());
        Ok(map.get(&address).map(|code| (keccak256(code), code.clone())))
    }

    fn is_writable(&self) -> bool {
        true
    }

    fn store(&self, hash: B256, code: &[u8]) -> Result<(), LoadError> {
        self.insert_raw(hash, Bytes::copy_from_slice(code));
        Ok(())
    }

    fn store_address(&self, address: Address, code: &[u8]) -> Result<(), LoadError> {
        self.insert_address(address, Bytes::copy_from_slice(code));
        Ok(())
    }
}
