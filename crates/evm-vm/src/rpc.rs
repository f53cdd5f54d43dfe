//! `RpcDb`: accounts, storage, code and block hashes read from a JSON-RPC node at one pinned
//! block, with code going through the shared [`CodeCache`].
//!
//! An account is one `eth_getProof` (balance, nonce, code hash, storage root); nodes that do
//! not serve proofs get one batch of `eth_getBalance`, `eth_getTransactionCount` and
//! `eth_getCode` instead. Slots are `eth_getStorageAt`. Every answer is kept (the block is
//! pinned, so it never changes), and concurrent reads of one key share one request (single
//! flight): clones of an `RpcDb` share everything.
//! The JSON-RPC client is `evm_codecache::RpcSource`; this module only knows the methods.

use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};

use alloy_primitives::map::HashMap;
use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, U64, U256, keccak256};
use evm_bytecode::AnalyzedCode;
use evm_codecache::{BlockPin, Chain, CodeCache, HttpLimits, LoadError, RpcSource};
use evm_interp::BlockEnv;
use serde_json::{Value, json};

use crate::db::{AccountInfo, Database};

/// The root of an empty storage trie.
const EMPTY_ROOT: B256 =
    alloy_primitives::b256!("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");

/// One result per key, computed once: concurrent callers wait for the first one's request.
/// Failures are handed to the waiting callers and then forgotten, so a later read retries.
#[derive(Debug)]
struct Flights<K, V> {
    cells: Mutex<HashMap<K, Arc<Cell<V>>>>,
}

/// One key's result, set once by the first caller.
type Cell<V> = OnceLock<Result<V, LoadError>>;

impl<K, V> Default for Flights<K, V> {
    fn default() -> Self {
        Self { cells: Mutex::new(HashMap::default()) }
    }
}

impl<K: Hash + Eq + Copy, V: Clone> Flights<K, V> {
    fn get(&self, key: K, load: impl FnOnce() -> Result<V, LoadError>) -> Result<V, LoadError> {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            cells.entry(key).or_default().clone()
        };
        let result = cell.get_or_init(load).clone();
        if result.is_err() {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            if cells.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                cells.remove(&key);
            }
        }
        result
    }
}

/// An account as the node reports it.
#[derive(Clone, Debug)]
struct Remote {
    info: Option<AccountInfo>,
    /// The storage root is not empty (from a proof; `false` when unknown).
    has_storage: bool,
}

#[derive(Debug)]
struct Shared {
    source: Arc<RpcSource>,
    pin: BlockPin,
    cache: CodeCache,
    /// Code hash to an address holding it: the node looks code up by address only.
    owners: Mutex<HashMap<B256, Address>>,
    accounts: Flights<Address, Remote>,
    slots: Flights<(Address, U256), U256>,
    block_hashes: Flights<u64, B256>,
    /// `eth_getProof` failed with a JSON-RPC error once: use the three plain calls.
    no_proofs: AtomicBool,
    requests: AtomicU64,
}

/// State of a JSON-RPC node at one block, as a [`Database`]. Cloning shares the state read
/// so far, the in-flight requests and the code cache.
#[derive(Clone, Debug)]
pub struct RpcDb {
    shared: Arc<Shared>,
}

/// The block a state is read at, from the node's header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpcBlock {
    /// Block number, timestamp, base fee, gas limit, coinbase, prevrandao, chain id.
    pub env: BlockEnv,
    /// The block hash.
    pub hash: B256,
    /// EIP-4844 excess blob gas, when the header has it.
    pub excess_blob_gas: Option<u64>,
}

impl RpcDb {
    /// Opens `http://HOST[:PORT][/PATH]` at block `number`, or at the latest block (pinned by
    /// its hash, which this resolves now). Code is cached in a new [`CodeCache`] whose only
    /// source is this node.
    pub fn open(url: &str, number: Option<u64>) -> Result<Self, LoadError> {
        let source = Arc::new(open_source(url, number)?);
        let cache = CodeCache::new(Chain::new(vec![Box::new(source.clone())]));
        Self::with_source(source, cache)
    }

    /// Like [`RpcDb::open`], with a code cache shared with others. Code the cache's sources
    /// do not have is read from this node and added to it.
    pub fn open_with_cache(
        url: &str,
        number: Option<u64>,
        cache: CodeCache,
    ) -> Result<Self, LoadError> {
        Self::with_source(Arc::new(open_source(url, number)?), cache)
    }

    fn with_source(source: Arc<RpcSource>, cache: CodeCache) -> Result<Self, LoadError> {
        let pin = source.block()?;
        Ok(Self {
            shared: Arc::new(Shared {
                source,
                pin,
                cache,
                owners: Mutex::default(),
                accounts: Flights::default(),
                slots: Flights::default(),
                block_hashes: Flights::default(),
                no_proofs: AtomicBool::new(false),
                requests: AtomicU64::new(0),
            }),
        })
    }

    /// The pinned block (a number, or the hash `latest` resolved to).
    pub fn pin(&self) -> BlockPin {
        self.shared.pin
    }

    /// The code cache.
    pub fn cache(&self) -> &CodeCache {
        &self.shared.cache
    }

    /// JSON-RPC requests for accounts, slots and block hashes sent so far (code loads are
    /// counted by the cache's metrics).
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Relaxed)
    }

    /// The pinned block's header as a block environment, with the node's chain id.
    pub fn block(&self) -> Result<RpcBlock, LoadError> {
        let s = &*self.shared;
        let (method, params) = match s.pin {
            BlockPin::Hash(hash) => ("eth_getBlockByHash", json!([hash, false])),
            pin => ("eth_getBlockByNumber", json!([pin.param(), false])),
        };
        let mut answers =
            s.source.call_batch(&[(method, params), ("eth_chainId", json!([]))])?.into_iter();
        let (Some(header), Some(chain_id)) = (answers.next(), answers.next()) else {
            return Err(self.malformed("short batch answer"));
        };
        let header = header?;
        if header.is_null() {
            return Err(self.malformed("the node does not know the pinned block"));
        }
        let field = |name: &'static str| header.get(name).cloned().unwrap_or(Value::Null);
        let u256 = |name| serde_json::from_value::<U256>(field(name));
        let env = BlockEnv {
            number: u256("number").map_err(|_| self.malformed("header without a number"))?,
            coinbase: serde_json::from_value(field("miner"))
                .map_err(|_| self.malformed("header without a miner"))?,
            timestamp: u256("timestamp").map_err(|_| self.malformed("header without a time"))?,
            gas_limit: u256("gasLimit").map_err(|_| self.malformed("header without gas limit"))?,
            basefee: u256("baseFeePerGas").unwrap_or_default(),
            difficulty: u256("difficulty").unwrap_or_default(),
            prevrandao: serde_json::from_value(field("mixHash")).unwrap_or_default(),
            blob_basefee: U256::ZERO,
            chain_id: serde_json::from_value(chain_id?)
                .map_err(|_| self.malformed("eth_chainId is not a quantity"))?,
        };
        let hash = serde_json::from_value(field("hash"))
            .map_err(|_| self.malformed("header without a hash"))?;
        let excess_blob_gas =
            serde_json::from_value::<U64>(field("excessBlobGas")).ok().map(|v| v.to::<u64>());
        Ok(RpcBlock { env, hash, excess_blob_gas })
    }

    fn malformed(&self, reason: &'static str) -> LoadError {
        LoadError::MalformedResponse { url: Arc::from(self.shared.source.endpoint()), reason }
    }

    fn block_param(&self) -> Value {
        self.shared.pin.param()
    }

    /// The account at `address` (single flight, kept).
    fn remote(&self, address: Address) -> Result<Remote, LoadError> {
        self.shared.accounts.get(address, || {
            self.shared.requests.fetch_add(1, Relaxed);
            let remote = if self.shared.no_proofs.load(Relaxed) {
                self.remote_plain(address)?
            } else {
                match self.remote_proof(address) {
                    Err(LoadError::Rpc { .. }) => {
                        self.shared.no_proofs.store(true, Relaxed);
                        self.remote_plain(address)?
                    }
                    other => other?,
                }
            };
            if let Some(info) = &remote.info
                && info.code_hash != KECCAK256_EMPTY
            {
                self.shared
                    .owners
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry(info.code_hash)
                    .or_insert(address);
            }
            Ok(remote)
        })
    }

    fn remote_proof(&self, address: Address) -> Result<Remote, LoadError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Proof {
            nonce: U64,
            balance: U256,
            code_hash: B256,
            storage_hash: B256,
        }
        let value = self
            .shared
            .source
            .call("eth_getProof", json!([address, Vec::<B256>::new(), self.block_param()]))?;
        let proof: Proof =
            serde_json::from_value(value).map_err(|_| self.malformed("bad eth_getProof result"))?;
        // Some nodes report a zero code hash for accounts that do not exist.
        let code_hash = if proof.code_hash.is_zero() { KECCAK256_EMPTY } else { proof.code_hash };
        let has_storage = !proof.storage_hash.is_zero() && proof.storage_hash != EMPTY_ROOT;
        let info = AccountInfo {
            balance: proof.balance,
            nonce: proof.nonce.to(),
            code_hash,
            code: self.shared.cache.get_cached(code_hash),
        };
        let exists = !info.is_empty() || has_storage;
        Ok(Remote { info: exists.then_some(info), has_storage })
    }

    fn remote_plain(&self, address: Address) -> Result<Remote, LoadError> {
        let block = self.block_param();
        let calls = [
            ("eth_getBalance", json!([address, block])),
            ("eth_getTransactionCount", json!([address, block])),
            ("eth_getCode", json!([address, block])),
        ];
        let mut answers = self.shared.source.call_batch(&calls)?.into_iter();
        let (Some(balance), Some(nonce), Some(code)) =
            (answers.next(), answers.next(), answers.next())
        else {
            return Err(self.malformed("short batch answer"));
        };
        let balance: U256 =
            serde_json::from_value(balance?).map_err(|_| self.malformed("balance"))?;
        let nonce: U64 = serde_json::from_value(nonce?).map_err(|_| self.malformed("nonce"))?;
        let code: Bytes = serde_json::from_value(code?).map_err(|_| self.malformed("code"))?;
        let code_hash = keccak256(&code);
        let code = if code.is_empty() {
            None
        } else {
            Some(
                self.shared
                    .cache
                    .get_cached(code_hash)
                    .unwrap_or_else(|| self.cache().insert(code)),
            )
        };
        let info = AccountInfo {
            balance,
            nonce: nonce.to(),
            code_hash: if code.is_some() { code_hash } else { KECCAK256_EMPTY },
            code,
        };
        Ok(Remote { info: (!info.is_empty()).then_some(info), has_storage: false })
    }

    /// Code by hash: from the cache, else through the cache's sources for an address known to
    /// hold it, else straight from the node (then cached).
    fn code(&self, hash: B256) -> Result<Arc<AnalyzedCode>, LoadError> {
        if let Some(code) = self.shared.cache.get_cached(hash) {
            return Ok(code);
        }
        let owner =
            self.shared.owners.lock().unwrap_or_else(|e| e.into_inner()).get(&hash).copied();
        let Some(address) = owner else {
            // No account read so far holds this code: only the cache's sources can know it.
            return self.shared.cache.get(hash);
        };
        match self.shared.cache.get_account(address, hash) {
            Ok(code) => Ok(code),
            Err(LoadError::NotFound { .. } | LoadError::AddressNotFound { .. }) => {
                let code = self.shared.source.get_code(address)?;
                let actual = keccak256(&code);
                if actual != hash {
                    return Err(LoadError::HashMismatch {
                        url: Arc::from(self.shared.source.endpoint()),
                        expected: hash,
                        actual,
                    });
                }
                Ok(self.shared.cache.insert(code))
            }
            Err(e) => Err(e),
        }
    }
}

/// An `RpcSource` for `url` at `number` (or latest); only plain `http://` URLs.
fn open_source(url: &str, number: Option<u64>) -> Result<RpcSource, LoadError> {
    let invalid = |reason| LoadError::InvalidUrl { url: Arc::from(url), reason };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(invalid("missing `://` (expected http://HOST:PORT)"));
    };
    match scheme {
        "http" => {}
        "https" => return Err(LoadError::TlsNotCompiled { url: Arc::from(url) }),
        _ => return Err(LoadError::UnsupportedScheme { url: Arc::from(url) }),
    }
    if rest.is_empty() || rest.starts_with(['/', ':', '?']) {
        return Err(invalid("missing host"));
    }
    if rest.contains('?') {
        return Err(invalid("no query expected: pass the block separately"));
    }
    let pin = number.map_or(BlockPin::Latest, BlockPin::Number);
    Ok(RpcSource::with_block(url, pin, HttpLimits::default()))
}

impl Database for RpcDb {
    type Error = LoadError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, LoadError> {
        Ok(self.remote(address)?.info)
    }

    fn code_by_hash(&mut self, hash: B256) -> Result<Arc<AnalyzedCode>, LoadError> {
        self.code(hash)
    }

    fn storage(&mut self, address: Address, key: U256) -> Result<U256, LoadError> {
        self.shared.slots.get((address, key), || {
            self.shared.requests.fetch_add(1, Relaxed);
            let value = self.shared.source.call(
                "eth_getStorageAt",
                json!([address, format!("{key:#x}"), self.block_param()]),
            )?;
            let text = value.as_str().ok_or_else(|| self.malformed("slot is not a string"))?;
            let digits = text.strip_prefix("0x").ok_or_else(|| self.malformed("slot lacks 0x"))?;
            if digits.is_empty() {
                return Ok(U256::ZERO);
            }
            U256::from_str_radix(digits, 16).map_err(|_| self.malformed("slot is not hex"))
        })
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, LoadError> {
        self.shared.block_hashes.get(number, || {
            self.shared.requests.fetch_add(1, Relaxed);
            let block = self
                .shared
                .source
                .call("eth_getBlockByNumber", json!([format!("{number:#x}"), false]))?;
            if block.is_null() {
                return Ok(B256::ZERO);
            }
            serde_json::from_value(block.get("hash").cloned().unwrap_or(Value::Null))
                .map_err(|_| self.malformed("block without a hash"))
        })
    }

    fn has_storage(&mut self, address: Address) -> Result<bool, LoadError> {
        Ok(self.remote(address)?.has_storage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_urls_are_typed_errors() {
        for (url, want) in [
            ("localhost:8545", "missing `://`"),
            ("http://", "missing host"),
            ("http://:8545", "missing host"),
            ("http://127.0.0.1:1/?block=1", "no query expected"),
        ] {
            match open_source(url, None) {
                Err(LoadError::InvalidUrl { reason, .. }) => assert!(reason.starts_with(want)),
                other => panic!("{url}: {other:?}"),
            }
        }
        assert!(matches!(open_source("ftp://x", None), Err(LoadError::UnsupportedScheme { .. })));
        assert!(matches!(open_source("https://x", None), Err(LoadError::TlsNotCompiled { .. })));
        assert!(open_source("http://127.0.0.1:8545", Some(3)).is_ok());
    }

    #[test]
    fn flights_keep_values_and_forget_failures() {
        let flights = Flights::<u8, u8>::default();
        assert_eq!(flights.get(1, || Ok(7)).unwrap(), 7);
        assert_eq!(flights.get(1, || Ok(8)).unwrap(), 7, "kept");
        let down = || Err(LoadError::Timeout { url: Arc::from("x") });
        assert!(flights.get(2, down).is_err());
        assert_eq!(flights.get(2, || Ok(9)).unwrap(), 9, "a failure is retried");
    }

    #[test]
    fn concurrent_reads_of_one_key_share_one_load() {
        let flights = Flights::<u8, u8>::default();
        let loads = AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    let v = flights.get(1, || {
                        loads.fetch_add(1, Relaxed);
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        Ok(3)
                    });
                    assert_eq!(v.unwrap(), 3);
                });
            }
        });
        assert_eq!(loads.load(Relaxed), 1);
    }
}
