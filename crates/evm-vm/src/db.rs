//! The `Database` trait (accounts, storage, code by hash, with a typed error) and the
//! in-memory default.
//!
//! A load that fails aborts the transaction: the journal keeps the first error and
//! `Vm::transact` returns [`crate::Error::Database`]; nothing of the transaction is applied.

use std::convert::Infallible;
use std::sync::Arc;

use alloy_primitives::map::{AddressHashMap, B256HashMap, HashMap};
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

/// Read access to committed state. Code comes in by hash, so a code cache can plug in
/// (see [`crate::CachedDb`]).
///
/// Every read can fail (a node is down, a file is corrupt): the error aborts the transaction
/// as [`crate::Error::Database`]. A database that cannot fail uses [`Infallible`].
pub trait Database {
    /// Why a read failed.
    type Error: std::error::Error + Send + Sync + 'static;
    /// The account at `address`, `None` if it does not exist.
    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error>;
    /// Code by its keccak256 hash (empty code for unknown hashes).
    fn code_by_hash(&mut self, hash: B256) -> Result<Arc<AnalyzedCode>, Self::Error>;
    /// A storage slot (zero when unset).
    fn storage(&mut self, address: Address, key: U256) -> Result<U256, Self::Error>;
    /// Hash of block `number` (zero when unknown).
    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error>;
    /// Whether the account has any non-zero storage slot (EIP-7610 collision check).
    /// The default reports `false`; databases that can tell should override it.
    fn has_storage(&mut self, address: Address) -> Result<bool, Self::Error> {
        let _ = address;
        Ok(false)
    }
}

/// A borrowed database is a database (so a `Vm` can run over `&mut db`).
impl<DB: Database + ?Sized> Database for &mut DB {
    type Error = DB::Error;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        (**self).basic(address)
    }

    fn code_by_hash(&mut self, hash: B256) -> Result<Arc<AnalyzedCode>, Self::Error> {
        (**self).code_by_hash(hash)
    }

    fn storage(&mut self, address: Address, key: U256) -> Result<U256, Self::Error> {
        (**self).storage(address, key)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        (**self).block_hash(number)
    }

    fn has_storage(&mut self, address: Address) -> Result<bool, Self::Error> {
        (**self).has_storage(address)
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
    /// Accounts by address (hashed with alloy's fixed-bytes hasher).
    pub accounts: AddressHashMap<DbAccount>,
    /// Code by hash.
    pub codes: B256HashMap<Arc<AnalyzedCode>>,
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
    type Error = Infallible;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Infallible> {
        Ok(self.accounts.get(&address).map(|a| a.info.clone()))
    }

    fn code_by_hash(&mut self, hash: B256) -> Result<Arc<AnalyzedCode>, Infallible> {
        Ok(self
            .codes
            .get(&hash)
            .cloned()
            .unwrap_or_else(|| Arc::clone(&crate::journal::EMPTY_CODE)))
    }

    fn storage(&mut self, address: Address, key: U256) -> Result<U256, Infallible> {
        Ok(self
            .accounts
            .get(&address)
            .and_then(|a| a.storage.get(&key).copied())
            .unwrap_or_default())
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Infallible> {
        Ok(self.block_hashes.get(&number).copied().unwrap_or_default())
    }

    fn has_storage(&mut self, address: Address) -> Result<bool, Infallible> {
        Ok(self.accounts.get(&address).is_some_and(|a| a.storage.values().any(|v| !v.is_zero())))
    }
}
