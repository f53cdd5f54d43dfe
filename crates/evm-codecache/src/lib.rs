//! External contract code, loaded on demand, verified, analysed once and shared.
//!
//! Code that lives elsewhere (files, a JSON-RPC node, SQLite, a content-addressed HTTP store,
//! IPFS, Redis) is loaded by hash or by address through a [`Chain`] of [`Loader`] levels,
//! checked by a [`Verifier`], analysed into an [`evm_bytecode::AnalyzedCode`] and kept in a
//! bounded [`CodeCache`] that every VM in the process shares.
//! This crate depends on `evm-bytecode` only and never names the interpreter.
//!
//! Reading order:
//! - [`cache`]: [`CodeCache`], [`CachePolicy`], preload and the single-flight miss path.
//! - [`chain`]: [`Chain`], levels fastest first, back-fill on a hit in a slower level.
//! - [`loader`]: the [`Loader`] trait and [`open_source`], which picks a source by URL scheme.
//! - [`sources`]: file, SQLite, Redis, JSON-RPC, CAS and IPFS sources.
//! - [`verify`]: [`VerificationLevel`] and [`Verifier`] (hash, size, signatures, proofs).
//! - [`proof`]: account proofs against a trusted state root.
//! - [`metrics`]: counters and the serialisable [`MetricsSnapshot`].
//! - [`error`]: the [`LoadError`] enum.
//!
//! ```no_run
//! use evm_codecache::{CachePolicy, Chain, CodeCache, VerificationLevel, Verifier};
//! # fn main() -> Result<(), evm_codecache::LoadError> {
//! let chain = Chain::open(&["file:///var/cache/evmkit", "http://127.0.0.1:8545/?block=latest"])?;
//! let cache = CodeCache::builder(chain)
//!     .policy(CachePolicy::Adaptive)
//!     .max_bytes(256 << 20)
//!     .verifier(Verifier::new(VerificationLevel::Standard))
//!     .build();
//! let code = cache.get_by_address(alloy_primitives::Address::ZERO)?;
//! # let _ = code; Ok(()) }
//! ```

pub mod cache;
pub mod chain;
pub mod error;
mod flight;
mod key;
pub mod loader;
pub mod metrics;
pub mod proof;
pub mod sources;
mod store;
pub mod verify;

pub use cache::{CachePolicy, CodeCache, CodeCacheBuilder, PreloadReport, Progress, UnknownPolicy};
pub use chain::{Chain, Fetched};
pub use error::LoadError;
pub use key::{Key, address_hex, hash_hex};
pub use loader::{Loader, SourceOptions, open_source, open_source_with};
pub use metrics::{Metrics, MetricsSnapshot, SourceSnapshot};
pub use proof::AccountProof;
pub use sources::{
    BlockPin, CasSource, FileStore, HttpLimits, IpfsSource, MemoryStore, RedisStore, RpcSource,
    SqliteStore, cid_for_hash,
};
pub use store::analysed_bytes;
pub use verify::{
    SignatureSource, UnknownLevel, VerificationLevel, Verifier, sign_code, signing_message,
};
