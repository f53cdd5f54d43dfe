//! Database errors and the code-cache layer through `Vm::transact`: a failing load aborts the
//! transaction with `Error::Database` (wherever it happens), and `CachedDb` serves code from
//! the shared cache so the inner database is asked once per code hash.
#![cfg(feature = "codecache")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use evm_vm::Address;
use evm_vm::evm_codecache::sources::MemoryStore;
use evm_vm::evm_codecache::{self, Chain, CodeCache};
use evm_vm::{
    AccountInfo, AnalyzedCode, B256, BlockEnv, Bytes, CachedDb, CachedDbError, Database, Error,
    Fork, InMemoryDb, Status, Tx, U256, VmBuilder,
};

const SENDER: Address = Address::repeat_byte(0xca);
const CONTRACT: Address = Address::repeat_byte(0xc0);
const OTHER: Address = Address::repeat_byte(0x0b);

/// SLOAD(0) + CALLDATALOAD(0), returned as one word.
const ADD_SLOT0: &str = "5f54 5f35 01 5f52 6020 5ff3";
/// BALANCE(OTHER), returned: loads a second account during execution.
const BALANCE_OTHER: &str = "730b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 31 5f52 6020 5ff3";

fn hex_code(text: &str) -> Bytes {
    Bytes::from(hex::decode(text.replace(' ', "")).unwrap())
}

fn state(code: &str) -> InMemoryDb {
    let mut db = InMemoryDb::default();
    db.insert_account(SENDER, U256::from(10u64).pow(U256::from(18)), 0, Bytes::new(), []);
    db.insert_account(CONTRACT, U256::ZERO, 0, hex_code(code), [(U256::ZERO, U256::from(40))]);
    db.insert_account(OTHER, U256::from(5), 0, Bytes::new(), []);
    db
}

fn tx(input: u64) -> Tx {
    Tx {
        caller: SENDER,
        to: Some(CONTRACT),
        data: Bytes::from(U256::from(input).to_be_bytes::<32>().to_vec()),
        gas_limit: 100_000,
        chain_id: Some(U256::from(1)),
        ..Tx::default()
    }
}

fn block() -> BlockEnv {
    BlockEnv { gas_limit: U256::from(30_000_000), chain_id: U256::from(1), ..BlockEnv::default() }
}

/// What `FailingDb` refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fail {
    Account(Address),
    Storage,
    Code,
}

#[derive(Debug, thiserror::Error)]
#[error("disk on fire while reading {0:?}")]
struct Fire(Fail);

/// An in-memory state whose reads of one kind fail.
#[derive(Debug)]
struct FailingDb {
    inner: InMemoryDb,
    fail: Fail,
    reads_after_failure: usize,
    failed: bool,
}

impl FailingDb {
    fn new(inner: InMemoryDb, fail: Fail) -> Self {
        Self { inner, fail, reads_after_failure: 0, failed: false }
    }

    fn check(&mut self, what: Fail) -> Result<(), Fire> {
        if self.failed {
            self.reads_after_failure += 1;
        }
        if what == self.fail {
            self.failed = true;
            return Err(Fire(what));
        }
        Ok(())
    }
}

impl Database for FailingDb {
    type Error = Fire;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Fire> {
        self.check(Fail::Account(address))?;
        // Code is not attached, so it is read through `code_by_hash`.
        Ok(self.inner.basic(address).unwrap().map(|info| AccountInfo { code: None, ..info }))
    }

    fn code_by_hash(&mut self, hash: B256) -> Result<Arc<AnalyzedCode>, Fire> {
        self.check(Fail::Code)?;
        Ok(self.inner.code_by_hash(hash).unwrap())
    }

    fn storage(&mut self, address: Address, key: U256) -> Result<U256, Fire> {
        self.check(Fail::Storage)?;
        Ok(self.inner.storage(address, key).unwrap())
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Fire> {
        Ok(self.inner.block_hash(number).unwrap())
    }
}

#[track_caller]
fn assert_database_error(code: &str, fail: Fail) {
    let mut db = FailingDb::new(state(code), fail);
    let mut vm = VmBuilder::new(&mut db).fork(Fork::Cancun).block(block()).build();
    let err = vm.transact(&tx(2)).expect_err("the load fails");
    assert!(matches!(err, Error::Database(_)), "{err:?}");
    assert_eq!(err.to_string(), "database read failed");
    let source = std::error::Error::source(&err).expect("the database error is the source");
    assert_eq!(source.to_string(), format!("disk on fire while reading {fail:?}"));
    assert_eq!(err.database_error::<Fire>().map(|f| f.0), Some(fail));
    assert_eq!(db.reads_after_failure, 0, "no read after the first failure");
}

#[test]
fn a_failed_sender_load_is_a_database_error() {
    assert_database_error(ADD_SLOT0, Fail::Account(SENDER));
}

#[test]
fn a_failed_code_load_aborts_the_transaction() {
    assert_database_error(ADD_SLOT0, Fail::Code);
}

#[test]
fn a_failed_storage_load_aborts_the_transaction() {
    assert_database_error(ADD_SLOT0, Fail::Storage);
}

#[test]
fn a_failed_account_load_during_execution_aborts_the_transaction() {
    assert_database_error(BALANCE_OTHER, Fail::Account(OTHER));
}

#[test]
fn the_same_transactions_succeed_when_nothing_fails() {
    for (code, want) in [(ADD_SLOT0, 42u64), (BALANCE_OTHER, 5)] {
        let mut db = FailingDb::new(state(code), Fail::Account(Address::repeat_byte(0x99)));
        let mut vm = VmBuilder::new(&mut db).fork(Fork::Cancun).block(block()).build();
        let out = vm.transact(&tx(2)).unwrap().result;
        assert_eq!(out.status, Status::Success);
        assert_eq!(out.output.as_ref(), &U256::from(want).to_be_bytes::<32>());
    }
}

/// Counts `code_by_hash` calls on an in-memory state.
#[derive(Debug)]
struct CountingDb {
    inner: InMemoryDb,
    code_loads: Arc<AtomicUsize>,
}

impl Database for CountingDb {
    type Error = std::convert::Infallible;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self.inner.basic(address)?.map(|info| AccountInfo { code: None, ..info }))
    }

    fn code_by_hash(&mut self, hash: B256) -> Result<Arc<AnalyzedCode>, Self::Error> {
        self.code_loads.fetch_add(1, Ordering::SeqCst);
        self.inner.code_by_hash(hash)
    }

    fn storage(&mut self, address: Address, key: U256) -> Result<U256, Self::Error> {
        self.inner.storage(address, key)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        self.inner.block_hash(number)
    }
}

#[test]
fn cached_db_serves_code_from_the_shared_cache() {
    let cache = CodeCache::new(Chain::new(vec![]));
    let loads = Arc::new(AtomicUsize::new(0));
    let counting = || CountingDb { inner: state(ADD_SLOT0), code_loads: loads.clone() };

    // Two transactions on one VM, then a second VM over another database sharing the cache.
    let mut vm = VmBuilder::new(CachedDb::new(counting(), cache.clone()))
        .fork(Fork::Cancun)
        .block(block())
        .build();
    for input in [2, 3] {
        let out = vm.transact(&tx(input)).unwrap().result;
        assert_eq!(out.output.as_ref(), &U256::from(40 + input).to_be_bytes::<32>());
    }
    let mut other = VmBuilder::new(CachedDb::new(counting(), cache.clone()))
        .fork(Fork::Cancun)
        .block(block())
        .build();
    assert_eq!(other.transact(&tx(1)).unwrap().result.status, Status::Success);
    assert_eq!(loads.load(Ordering::SeqCst), 1, "the inner database is asked once");
    let hash = alloy_primitives::keccak256(hex_code(ADD_SLOT0));
    assert!(cache.get_cached(hash).is_some());
}

#[test]
fn cached_db_falls_back_to_the_cache_sources() {
    // The inner state knows the account but not its code: the cache's chain has it.
    let code = hex_code(ADD_SLOT0);
    let store = MemoryStore::new("memory://code");
    let hash = store.insert(code.clone());
    let cache = CodeCache::new(Chain::new(vec![Box::new(store)]));
    let mut inner = state(ADD_SLOT0);
    inner.codes.clear();
    let mut db = CachedDb::new(inner, cache.clone());
    assert_eq!(db.code_by_hash(hash).unwrap().original(), &code);
    assert_eq!(cache.metrics().loads, 1);

    // Neither has it: a typed code error, and through the VM a database error.
    let missing = B256::repeat_byte(9);
    assert!(matches!(
        db.code_by_hash(missing),
        Err(CachedDbError::Code(evm_codecache::LoadError::NotFound { .. }))
    ));
    // (The inner database attaches no code to accounts, so code is read by hash.)
    let mut inner = state(ADD_SLOT0);
    inner.codes.clear();
    let inner = CountingDb { inner, code_loads: Arc::default() };
    let empty = CodeCache::new(Chain::new(vec![]));
    let mut vm =
        VmBuilder::new(CachedDb::new(inner, empty)).fork(Fork::Cancun).block(block()).build();
    let err = vm.transact(&tx(1)).unwrap_err();
    assert!(
        matches!(
            err.database_error::<CachedDbError<std::convert::Infallible>>(),
            Some(CachedDbError::Code(_))
        ),
        "{err:?}"
    );
}
