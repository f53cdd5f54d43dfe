//! The `Database` trait (accounts, storage, code by hash) and the in-memory default.

use std::sync::Arc;

use alloy_primitives::map::HashMap;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use evm_bytecode::AnalyzedCode;

/// Account fields; code is looked up by `code_hash` unless it is already attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountInfo {
    /// Balance in wei.
    pub balance: U256,
    /// Nonce.
    pub nonce: u64,
    /// keccak256 of the code (`KECCAK_EMPTY` for none).
    pub code_hash: B256,
    /// The analysed code, when already loaded.
    pub code: Option<Arc<AnalyzedCode>>,
}

impl Default for AccountInfo {
    fn default() -> Self {
        Self {
            balance: U256::ZERO,
            nonce: 0,
            code_hash: alloy_primitives::KECCAK256_EMPTY,
            code: None,
        }
    }
}

impl AccountInfo {
    /// An account with the given fields; analyses `code`.
    pub fn new(balance: U256, nonce: u64, code: Bytes) -> Self {
        if code.is_empty() {
            return Self { balance, nonce, ..Self::default() };
        }
        let hash = keccak256(&code);
        Self {
            balance,
            nonce,
            code_hash: hash,
            code: Some(Arc::new(AnalyzedCode::with_hash(code, hash))),
        }
    }

    /// EIP-161 empty: no code, zero nonce, zero balance.
    pub fn is_empty(&self) -> bool {
        self.balance.is_zero()
            && self.nonce == 0
            && self.code_hash == alloy_primitives::KECCAK256_EMPTY
    }
}

/// Read access to committed state. Code comes in by hash, so a code cache can plug in.
pub trait Database {
    /// The account at `address`, `None` if it does not exist.
    fn basic(&mut self, address: Address) -> Option<AccountInfo>;
    /// Code by its keccak256 hash (empty code for unknown hashes).
    fn code_by_hash(&mut self, hash: B256) -> Arc<AnalyzedCode>;
    /// A storage slot (zero when unset).
    fn storage(&mut self, address: Address, key: U256) -> U256;
    /// Hash of block `number` (zero when unknown).
    fn block_hash(&mut self, number: u64) -> B256;
    /// Whether the account has any non-zero storage slot (EIP-7610 collision check).
    /// The default reports `false`; databases that can tell should override it.
    fn has_storage(&mut self, address: Address) -> bool {
        let _ = address;
        false
    }
}

/// One account in [`InMemoryDb`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DbAccount {
    /// Balance, nonce, code.
    pub info: AccountInfo,
    /// Non-zero storage slots.
    pub storage: HashMap<U256, U256>,
}

/// State held in memory: the default [`Database`].
#[derive(Clone, Debug, Default)]
pub struct InMemoryDb {
    /// Accounts by address.
    pub accounts: HashMap<Address, DbAccount>,
    /// Code by hash.
    pub codes: HashMap<B256, Arc<AnalyzedCode>>,
    /// Known block hashes.
    pub block_hashes: HashMap<u64, B256>,
}

impl InMemoryDb {
    /// Inserts or replaces an account; zero storage values are dropped.
    pub fn insert_account(
        &mut self,
        address: Address,
        balance: U256,
        nonce: u64,
        code: Bytes,
        storage: impl IntoIterator<Item = (U256, U256)>,
    ) {
        let info = AccountInfo::new(balance, nonce, code);
        if let Some(code) = &info.code {
            self.codes.insert(info.code_hash, code.clone());
        }
        let storage = storage.into_iter().filter(|(_, v)| !v.is_zero()).collect();
        self.accounts.insert(address, DbAccount { info, storage });
    }
}

impl Database for InMemoryDb {
    fn basic(&mut self, address: Address) -> Option<AccountInfo> {
        self.accounts.get(&address).map(|a| a.info.clone())
    }

    fn code_by_hash(&mut self, hash: B256) -> Arc<AnalyzedCode> {
        self.codes.get(&hash).cloned().unwrap_or_else(|| Arc::new(AnalyzedCode::new(Bytes::new())))
    }

    fn storage(&mut self, address: Address, key: U256) -> U256 {
        self.accounts.get(&address).and_then(|a| a.storage.get(&key).copied()).unwrap_or_default()
    }

    fn block_hash(&mut self, number: u64) -> B256 {
        self.block_hashes.get(&number).copied().unwrap_or_default()
    }

    fn has_storage(&mut self, address: Address) -> bool {
        self.accounts.get(&address).is_some_and(|a| a.storage.values().any(|v| !v.is_zero()))
    }
}
