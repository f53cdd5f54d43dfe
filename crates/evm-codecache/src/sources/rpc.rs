//! `RpcSource` (`http://NODE[?block=N|0xHASH|latest]`): `eth_getCode` and `eth_getProof` over
//! JSON-RPC at a pinned block. Batches are matched by id; rate-limit errors (HTTP 429,
//! JSON-RPC -32005/-32016) are retried with backoff; `latest` is resolved once to a block
//! hash and pinned by hash (EIP-1898).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};

use alloy_primitives::{Address, B256, Bytes, U64, U256, keccak256};
use serde_json::{Value, json};

use super::http::{Answer, HttpClient, HttpLimits};
use crate::error::LoadError;
use crate::loader::Loader;
use crate::proof::AccountProof;

/// JSON-RPC error codes that mean "slow down".
const RATE_LIMIT_CODES: [i64; 2] = [-32005, -32016];
/// Most calls in one batch request.
const MAX_BATCH: usize = 100;

/// The block an RPC source reads state at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockPin {
    /// A block number.
    Number(u64),
    /// A block hash (EIP-1898): stable across reorgs of other blocks.
    Hash(B256),
    /// The node's latest block at first use, then pinned by its hash.
    Latest,
}

impl BlockPin {
    fn parse(text: &str) -> Option<Self> {
        if text == "latest" {
            return Some(Self::Latest);
        }
        if let Some(hex) = text.strip_prefix("0x") {
            if hex.len() == 64 {
                return hex.parse::<B256>().ok().map(Self::Hash);
            }
            return u64::from_str_radix(hex, 16).ok().map(Self::Number);
        }
        text.parse().ok().map(Self::Number)
    }

    /// The JSON-RPC block parameter: a quantity, or `{"blockHash": ..}` (EIP-1898).
    pub fn param(self) -> Value {
        match self {
            Self::Number(n) => json!(format!("0x{n:x}")),
            Self::Hash(h) => json!({ "blockHash": h }),
            Self::Latest => json!("latest"),
        }
    }
}

/// A JSON-RPC node.
#[derive(Debug)]
pub struct RpcSource {
    http: HttpClient,
    endpoint: String,
    pin: BlockPin,
    resolved: OnceLock<BlockPin>,
    next_id: AtomicU64,
}

impl RpcSource {
    /// Opens `http://HOST[:PORT]/PATH[?block=...]`; without `block`, `latest` at first use.
    pub fn open(url: &str, limits: HttpLimits) -> Result<Self, LoadError> {
        let (endpoint, query) = url.split_once('?').unwrap_or((url, ""));
        let mut pin = BlockPin::Latest;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("block", v)) => {
                    pin = BlockPin::parse(v).ok_or_else(|| LoadError::InvalidUrl {
                        url: Arc::from(url),
                        reason: "block must be a number, a 0x block hash or latest",
                    })?;
                }
                _ => {
                    return Err(LoadError::InvalidUrl {
                        url: Arc::from(url),
                        reason: "unknown query parameter (only block=)",
                    });
                }
            }
        }
        Ok(Self::with_block(endpoint, pin, limits))
    }

    /// A source for the node at `endpoint` reading at `pin`.
    pub fn with_block(endpoint: &str, pin: BlockPin, limits: HttpLimits) -> Self {
        Self {
            http: HttpClient::new(Arc::from(endpoint), limits),
            endpoint: endpoint.to_owned(),
            pin,
            resolved: OnceLock::new(),
            next_id: AtomicU64::new(1),
        }
    }

    /// The pinned block, resolving `latest` to a hash on first use.
    pub fn block(&self) -> Result<BlockPin, LoadError> {
        if self.pin != BlockPin::Latest {
            return Ok(self.pin);
        }
        if let Some(pin) = self.resolved.get() {
            return Ok(*pin);
        }
        let block = self.call("eth_getBlockByNumber", json!(["latest", false]))?;
        let hash = block
            .get("hash")
            .and_then(|h| serde_json::from_value::<B256>(h.clone()).ok())
            .ok_or_else(|| self.malformed("block without a hash"))?;
        Ok(*self.resolved.get_or_init(|| BlockPin::Hash(hash)))
    }

    /// Calls one method (retrying on rate limits) and returns its `result`.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, LoadError> {
        let mut out = self.batch(&[(method, params)], false)?;
        out.pop().unwrap_or_else(|| Err(self.malformed("empty answer")))
    }

    /// Calls several methods in one batch request (retrying rate-limited calls), answers in
    /// the order of `calls`. The outer error fails the whole request; inner ones are per call.
    /// This is the small JSON-RPC client that state readers (evm-vm's `RpcDb`) build on.
    pub fn call_batch(
        &self,
        calls: &[(&str, Value)],
    ) -> Result<Vec<Result<Value, LoadError>>, LoadError> {
        self.batch(calls, true)
    }

    /// The node endpoint (the URL without its `?block=` query).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The code at `address` at the pinned block.
    pub fn get_code(&self, address: Address) -> Result<Bytes, LoadError> {
        let block = self.block()?.param();
        let value = self.call("eth_getCode", json!([address, block]))?;
        self.parse_code(value)
    }

    /// The code of many addresses in batches of up to 100 calls, answers matched by id.
    /// The outer error is a failure of a whole request; inner ones are per address.
    pub fn get_codes(
        &self,
        addresses: &[Address],
    ) -> Result<Vec<Result<Bytes, LoadError>>, LoadError> {
        let block = self.block()?.param();
        let mut out = Vec::with_capacity(addresses.len());
        for chunk in addresses.chunks(MAX_BATCH) {
            let calls: Vec<(&str, Value)> =
                chunk.iter().map(|a| ("eth_getCode", json!([a, block]))).collect();
            for answer in self.batch(&calls, true)? {
                out.push(answer.and_then(|v| self.parse_code(v)));
            }
        }
        Ok(out)
    }

    /// The account proof of `address` at the pinned block (`eth_getProof`).
    pub fn get_proof(&self, address: Address) -> Result<AccountProof, LoadError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            nonce: U64,
            balance: U256,
            storage_hash: B256,
            code_hash: B256,
            account_proof: Vec<Bytes>,
        }
        let block = self.block()?.param();
        let value = self.call("eth_getProof", json!([address, [], block]))?;
        let raw: Raw =
            serde_json::from_value(value).map_err(|_| self.malformed("bad eth_getProof result"))?;
        Ok(AccountProof {
            nonce: raw.nonce.to(),
            balance: raw.balance,
            storage_hash: raw.storage_hash,
            code_hash: raw.code_hash,
            account_proof: raw.account_proof,
        })
    }

    fn parse_code(&self, value: Value) -> Result<Bytes, LoadError> {
        let text = value.as_str().ok_or_else(|| self.malformed("code is not a string"))?;
        let hex = text.strip_prefix("0x").ok_or_else(|| self.malformed("code lacks 0x"))?;
        hex::decode(hex).map(Bytes::from).map_err(|_| self.malformed("code is not hex"))
    }

    fn malformed(&self, reason: &'static str) -> LoadError {
        LoadError::MalformedResponse { url: self.http.url.clone(), reason }
    }

    /// Sends `calls` (as an array when `as_batch`), retrying the rate-limited ones.
    fn batch(
        &self,
        calls: &[(&str, Value)],
        as_batch: bool,
    ) -> Result<Vec<Result<Value, LoadError>>, LoadError> {
        let mut results: Vec<Option<Result<Value, LoadError>>> = vec![None; calls.len()];
        let mut pending: Vec<usize> = (0..calls.len()).collect();
        let mut attempt = 0;
        while !pending.is_empty() {
            let ids: HashMap<u64, usize> =
                pending.iter().map(|&i| (self.next_id.fetch_add(1, Relaxed), i)).collect();
            let requests: Vec<Value> = ids
                .iter()
                .map(|(id, &i)| {
                    json!({ "jsonrpc": "2.0", "id": id, "method": calls[i].0, "params": calls[i].1 })
                })
                .collect();
            let body = if as_batch || requests.len() > 1 {
                Value::Array(requests)
            } else {
                requests.into_iter().next().unwrap_or(Value::Null)
            };
            let body =
                serde_json::to_vec(&body).map_err(|_| self.malformed("unencodable request"))?;
            let bytes = match self.http.request(&self.endpoint, Some(&body))? {
                Answer::Body(b) => b,
                Answer::NotFound => {
                    return Err(LoadError::HttpStatus { url: self.http.url.clone(), status: 404 });
                }
            };
            let answer: Value = serde_json::from_slice(&bytes)
                .map_err(|_| self.malformed("response is not json"))?;
            let answers = match answer {
                Value::Array(items) => items,
                // A lone error object answers the whole batch (for example a rate limit).
                single => vec![single],
            };
            let mut retry = Vec::new();
            for item in answers {
                let index = match item.get("id") {
                    Some(Value::Number(n)) => n.as_u64().and_then(|id| ids.get(&id)).copied(),
                    _ => None,
                };
                let index = match index {
                    Some(i) => i,
                    None if ids.len() == 1 && item.get("id").is_some_and(Value::is_null) => {
                        // A JSON-RPC error about the request itself carries a null id.
                        *ids.values().next().expect("one id")
                    }
                    None => {
                        return Err(LoadError::ResponseIdMismatch { url: self.http.url.clone() });
                    }
                };
                if results[index].is_some() {
                    return Err(LoadError::ResponseIdMismatch { url: self.http.url.clone() });
                }
                match self.parse_answer(item) {
                    Err(LoadError::Rpc { code, .. })
                        if RATE_LIMIT_CODES.contains(&code)
                            && attempt < self.http.limits.max_retries =>
                    {
                        retry.push(index);
                    }
                    Err(LoadError::Rpc { code, .. }) if RATE_LIMIT_CODES.contains(&code) => {
                        results[index] = Some(Err(LoadError::RateLimited {
                            url: self.http.url.clone(),
                            attempts: attempt + 1,
                        }));
                    }
                    other => results[index] = Some(other),
                }
            }
            // Requests the server did not answer failed; they are not retried.
            for &i in ids.values() {
                if results[i].is_none() && !retry.contains(&i) {
                    results[i] =
                        Some(Err(LoadError::ResponseIdMismatch { url: self.http.url.clone() }));
                }
            }
            if !retry.is_empty() {
                std::thread::sleep(self.http.limits.backoff(attempt, None));
                attempt += 1;
            }
            pending = retry;
        }
        Ok(results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(LoadError::ResponseIdMismatch { url: self.http.url.clone() })
                })
            })
            .collect())
    }

    fn parse_answer(&self, item: Value) -> Result<Value, LoadError> {
        let Value::Object(mut obj) = item else {
            return Err(self.malformed("answer is not an object"));
        };
        if let Some(err) = obj.remove("error") {
            let code = err.get("code").and_then(Value::as_i64).unwrap_or(0);
            let message = err.get("message").and_then(Value::as_str).unwrap_or("");
            return Err(LoadError::Rpc {
                url: self.http.url.clone(),
                code,
                message: Arc::from(truncate(message, 200)),
            });
        }
        obj.remove("result").ok_or_else(|| self.malformed("answer has neither result nor error"))
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl Loader for RpcSource {
    fn url(&self) -> &Arc<str> {
        &self.http.url
    }

    /// A node cannot look code up by hash.
    fn load(&self, _hash: B256) -> Result<Option<Bytes>, LoadError> {
        Ok(None)
    }

    fn load_by_address(&self, address: Address) -> Result<Option<(B256, Bytes)>, LoadError> {
        let code = self.get_code(address)?;
        Ok(Some((keccak256(&code), code)))
    }

    fn load_many_by_address(
        &self,
        addresses: &[Address],
    ) -> Result<Vec<Result<Option<(B256, Bytes)>, LoadError>>, LoadError> {
        let codes = self.get_codes(addresses)?;
        Ok(codes.into_iter().map(|c| c.map(|code| Some((keccak256(&code), code)))).collect())
    }

    fn account_proof(&self, address: Address) -> Result<Option<AccountProof>, LoadError> {
        self.get_proof(address).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_pins_parse() {
        assert_eq!(BlockPin::parse("latest"), Some(BlockPin::Latest));
        assert_eq!(BlockPin::parse("17"), Some(BlockPin::Number(17)));
        assert_eq!(BlockPin::parse("0x11"), Some(BlockPin::Number(17)));
        assert_eq!(
            BlockPin::parse(&format!("0x{}", "ab".repeat(32))),
            Some(BlockPin::Hash(B256::repeat_byte(0xab)))
        );
        assert_eq!(BlockPin::parse("soon"), None);
        assert_eq!(BlockPin::Number(17).param(), json!("0x11"));
    }

    #[test]
    fn urls_with_bad_queries_are_typed_errors() {
        let err = RpcSource::open("http://127.0.0.1:1/?block=soon", HttpLimits::default());
        assert!(matches!(err, Err(LoadError::InvalidUrl { .. })));
        let err = RpcSource::open("http://127.0.0.1:1/?key=x", HttpLimits::default());
        assert!(matches!(err, Err(LoadError::InvalidUrl { .. })));
    }
}
