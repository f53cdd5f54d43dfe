//! `RedisStore` (`redis://HOST:PORT`): raw code shared between processes under
//! `evmkit:code:<hash>`; the chain re-verifies it on every read. A lost connection is an
//! error (the chain falls through) and is re-opened on the next call. Idle connections are
//! kept in a small pool, so parallel loads do not queue on one socket.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy_primitives::{B256, Bytes};

use crate::error::LoadError;
use crate::key::hash_hex;
use crate::loader::Loader;

/// Idle connections kept for reuse.
const MAX_IDLE: usize = 8;

/// The Redis key prefix; the key of a contract is this followed by its hash in hex.
pub const REDIS_KEY_PREFIX: &str = "evmkit:code:";

/// A Redis server shared by many processes.
pub struct RedisStore {
    url: Arc<str>,
    client: redis::Client,
    idle: Mutex<Vec<redis::Connection>>,
    timeout: Duration,
    max_blob: u64,
}

impl RedisStore {
    /// Prepares a client for `url`; the connection is made on first use.
    pub fn open(url: &str, timeout: Duration, max_blob: u64) -> Result<Self, LoadError> {
        let url: Arc<str> = Arc::from(url);
        let client = redis::Client::open(&*url).map_err(|e| redis_error(&url, e))?;
        Ok(Self { url, client, idle: Mutex::new(Vec::new()), timeout, max_blob })
    }

    /// The key of `hash`.
    pub fn key(hash: B256) -> String {
        format!("{REDIS_KEY_PREFIX}{}", hash_hex(&hash))
    }

    fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, LoadError> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut conn = match idle {
            Some(conn) => conn,
            None => self
                .client
                .get_connection_with_timeout(self.timeout)
                .and_then(|c| {
                    c.set_read_timeout(Some(self.timeout))?;
                    c.set_write_timeout(Some(self.timeout))?;
                    Ok(c)
                })
                .map_err(|e| redis_error(&self.url, e))?,
        };
        // A connection that failed is dropped; the next call opens a new one.
        let value = f(&mut conn).map_err(|e| redis_error(&self.url, e))?;
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        Ok(value)
    }
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").field("url", &self.url).finish_non_exhaustive()
    }
}

fn redis_error(url: &Arc<str>, e: redis::RedisError) -> LoadError {
    if e.is_timeout() {
        return LoadError::Timeout { url: url.clone() };
    }
    LoadError::Redis { url: url.clone(), source: Arc::new(e) }
}

impl Loader for RedisStore {
    fn url(&self) -> &Arc<str> {
        &self.url
    }

    fn load(&self, hash: B256) -> Result<Option<Bytes>, LoadError> {
        let key = Self::key(hash);
        let limit = self.max_blob;
        let len: u64 = self.with_conn(|c| redis::cmd("STRLEN").arg(&key).query(c))?;
        if len > limit {
            return Err(LoadError::TooLarge {
                url: self.url.clone(),
                what: "value",
                size: len,
                limit,
            });
        }
        let code: Option<Vec<u8>> = self.with_conn(|c| redis::cmd("GET").arg(&key).query(c))?;
        Ok(code.map(Bytes::from))
    }

    fn is_writable(&self) -> bool {
        true
    }

    fn store(&self, hash: B256, code: &[u8]) -> Result<(), LoadError> {
        self.with_conn(|c| redis::cmd("SET").arg(Self::key(hash)).arg(code).query::<()>(c))
    }
}
