//! The `Loader` trait that every source implements, and `open_source`, which picks a source
//! by URL scheme.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::{Address, B256, Bytes};

use crate::error::LoadError;
use crate::proof::AccountProof;
use crate::sources::{
    CasSource, FileStore, HttpLimits, IpfsSource, RedisStore, RpcSource, SqliteStore,
};

/// A source of contract code: one level of a [`crate::Chain`].
///
/// Sources return raw bytes; the chain verifies them before anything is cached or written
/// to another level. `Ok(None)` means "not here" (the chain moves on quietly), `Err` means
/// the source failed (the chain counts it and moves on).
pub trait Loader: Send + Sync + fmt::Debug {
    /// The URL naming this source in errors and metrics.
    fn url(&self) -> &Arc<str>;

    /// The code whose keccak256 is `hash`, if this source has it.
    fn load(&self, hash: B256) -> Result<Option<Bytes>, LoadError>;

    /// The code at `address` and its hash, if this source can look code up by address.
    fn load_by_address(&self, _address: Address) -> Result<Option<(B256, Bytes)>, LoadError> {
        Ok(None)
    }

    /// The code of many addresses, in order. The outer error fails the whole request; the
    /// default asks [`Loader::load_by_address`] for each.
    #[expect(clippy::type_complexity, reason = "one result per address inside one for the request")]
    fn load_many_by_address(
        &self,
        addresses: &[Address],
    ) -> Result<Vec<Result<Option<(B256, Bytes)>, LoadError>>, LoadError> {
        Ok(addresses.iter().map(|a| self.load_by_address(*a)).collect())
    }

    /// Whether [`Loader::store`] keeps what it is given (used to back-fill this level).
    fn is_writable(&self) -> bool {
        false
    }

    /// Stores verified code, atomically: a reader never sees a partial write.
    fn store(&self, _hash: B256, _code: &[u8]) -> Result<(), LoadError> {
        Ok(())
    }

    /// Stores the code of an address (for address lookups), atomically.
    fn store_address(&self, _address: Address, _code: &[u8]) -> Result<(), LoadError> {
        Ok(())
    }

    /// A publisher signature over `hash` kept beside the code, if any.
    fn signature(&self, _hash: B256) -> Result<Option<[u8; 64]>, LoadError> {
        Ok(None)
    }

    /// Stores a verified signature beside the code.
    fn store_signature(&self, _hash: B256, _signature: &[u8; 64]) -> Result<(), LoadError> {
        Ok(())
    }

    /// An account proof for `address` at this source's pinned block, if it can give one.
    fn account_proof(&self, _address: Address) -> Result<Option<AccountProof>, LoadError> {
        Ok(None)
    }
}

/// A shared level: the same source can sit in several chains, or be inspected by its owner.
impl<L: Loader + ?Sized> Loader for Arc<L> {
    fn url(&self) -> &Arc<str> {
        (**self).url()
    }

    fn load(&self, hash: B256) -> Result<Option<Bytes>, LoadError> {
        (**self).load(hash)
    }

    fn load_by_address(&self, address: Address) -> Result<Option<(B256, Bytes)>, LoadError> {
        (**self).load_by_address(address)
    }

    fn load_many_by_address(
        &self,
        addresses: &[Address],
    ) -> Result<Vec<Result<Option<(B256, Bytes)>, LoadError>>, LoadError> {
        (**self).load_many_by_address(addresses)
    }

    fn is_writable(&self) -> bool {
        (**self).is_writable()
    }

    fn store(&self, hash: B256, code: &[u8]) -> Result<(), LoadError> {
        (**self).store(hash, code)
    }

    fn store_address(&self, address: Address, code: &[u8]) -> Result<(), LoadError> {
        (**self).store_address(address, code)
    }

    fn signature(&self, hash: B256) -> Result<Option<[u8; 64]>, LoadError> {
        (**self).signature(hash)
    }

    fn store_signature(&self, hash: B256, signature: &[u8; 64]) -> Result<(), LoadError> {
        (**self).store_signature(hash, signature)
    }

    fn account_proof(&self, address: Address) -> Result<Option<AccountProof>, LoadError> {
        (**self).account_proof(address)
    }
}

/// Timeouts and limits shared by the network sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceOptions {
    /// HTTP limits: timeouts, body cap, retries.
    pub http: HttpLimits,
    /// Redis connect and command timeout.
    pub redis_timeout: Duration,
    /// Largest file or blob a store will read.
    pub max_blob: u64,
}

impl Default for SourceOptions {
    fn default() -> Self {
        Self {
            http: HttpLimits::default(),
            redis_timeout: Duration::from_secs(2),
            max_blob: 4 * 1024 * 1024,
        }
    }
}

/// Opens a source by URL scheme with default options. See [`open_source_with`].
pub fn open_source(url: &str) -> Result<Box<dyn Loader>, LoadError> {
    open_source_with(url, &SourceOptions::default())
}

/// Opens a source by URL scheme:
///
/// | URL | source |
/// |---|---|
/// | `file:///DIR` | [`FileStore`]: `DIR/ab/cd/<hash>`, `DIR/by-address/<address>` |
/// | `sqlite:///PATH` | [`SqliteStore`]: table `code(hash, code)` |
/// | `redis://HOST:PORT` | [`RedisStore`]: key `evmkit:code:<hash>` |
/// | `http://HOST[:PORT]/PATH[?block=N\|0xHASH\|latest]` | [`RpcSource`]: `eth_getCode` at a pinned block |
/// | `cas+http://HOST/PREFIX` | [`CasSource`]: `GET PREFIX/<hash>` |
/// | `ipfs+http://GATEWAY` | [`IpfsSource`]: `GET /ipfs/<cid>?format=raw` |
///
/// `https` variants give [`LoadError::TlsNotCompiled`]: this build has no TLS.
pub fn open_source_with(url: &str, options: &SourceOptions) -> Result<Box<dyn Loader>, LoadError> {
    let invalid = |reason| LoadError::InvalidUrl { url: Arc::from(url), reason };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(invalid("missing `://`"));
    };
    match scheme {
        "file" => {
            if !rest.starts_with('/') {
                return Err(invalid("file urls need an absolute path (file:///DIR)"));
            }
            Ok(Box::new(FileStore::open(rest, options.max_blob)?))
        }
        "sqlite" => {
            if rest.is_empty() {
                return Err(invalid("sqlite urls need a path (sqlite:///PATH)"));
            }
            Ok(Box::new(SqliteStore::open(rest)?))
        }
        "redis" => Ok(Box::new(RedisStore::open(url, options.redis_timeout, options.max_blob)?)),
        "http" => Ok(Box::new(RpcSource::open(url, options.http)?)),
        "cas+http" => Ok(Box::new(CasSource::open(&url["cas+".len()..], options.http)?)),
        "ipfs+http" => Ok(Box::new(IpfsSource::open(&url["ipfs+".len()..], options.http)?)),
        "https" | "cas+https" | "ipfs+https" | "rediss" => {
            Err(LoadError::TlsNotCompiled { url: Arc::from(url) })
        }
        _ => Err(LoadError::UnsupportedScheme { url: Arc::from(url) }),
    }
}
