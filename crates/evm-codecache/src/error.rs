//! `LoadError`: every way loading, verifying or storing external code can fail.
//! Errors are `Clone` so that one failed load can be handed to every thread that waited on it.

use std::sync::Arc;

use alloy_primitives::{Address, B256};

/// Why code could not be loaded, verified or stored.
///
/// Every variant that concerns one source names its URL (`url`), so a hash mismatch or a
/// timeout points at the level that produced it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// No level of the chain has code for this hash.
    #[error("code {hash} not found in any source")]
    NotFound {
        /// The requested code hash.
        hash: B256,
    },
    /// No level of the chain can give the code of this address.
    #[error("no source knows the code of address {address}")]
    AddressNotFound {
        /// The requested address.
        address: Address,
    },
    /// The bytes a source returned do not hash to the requested code hash.
    #[error("{url}: code hash mismatch: expected {expected}, got {actual}")]
    HashMismatch {
        /// The source that returned the bytes.
        url: Arc<str>,
        /// The requested hash.
        expected: B256,
        /// keccak256 of the bytes returned.
        actual: B256,
    },
    /// Code or a response is larger than the configured limit.
    #[error("{url}: {what} of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The source.
        url: Arc<str>,
        /// What was too large (`code`, `response body`, `file`).
        what: &'static str,
        /// The size seen (for a streamed body: the limit plus what was read past it).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A filesystem operation failed.
    #[error("{url}: i/o error on {path}")]
    Io {
        /// The source.
        url: Arc<str>,
        /// The file or directory.
        path: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: Arc<std::io::Error>,
    },
    /// The SQLite file is truncated, corrupt or not a database.
    #[error("{url}: sqlite database is corrupt or not a database")]
    CorruptStore {
        /// The source.
        url: Arc<str>,
        /// The underlying error.
        #[source]
        source: Arc<rusqlite::Error>,
    },
    /// Any other SQLite failure.
    #[error("{url}: sqlite error")]
    Sqlite {
        /// The source.
        url: Arc<str>,
        /// The underlying error.
        #[source]
        source: Arc<rusqlite::Error>,
    },
    /// A Redis command or connection failed (server down, timeout, protocol error).
    #[error("{url}: redis error")]
    Redis {
        /// The source.
        url: Arc<str>,
        /// The underlying error.
        #[source]
        source: Arc<redis::RedisError>,
    },
    /// The HTTP transport failed (connection refused, reset, protocol error).
    #[error("{url}: http transport error")]
    Http {
        /// The source.
        url: Arc<str>,
        /// The underlying error.
        #[source]
        source: Arc<ureq::Error>,
    },
    /// A connect, read or total timeout expired.
    #[error("{url}: timed out")]
    Timeout {
        /// The source.
        url: Arc<str>,
    },
    /// The server answered with an HTTP status that is not success, not found or rate limited.
    #[error("{url}: http status {status}")]
    HttpStatus {
        /// The source.
        url: Arc<str>,
        /// The status code.
        status: u16,
    },
    /// The server kept rate limiting (HTTP 429, JSON-RPC -32005/-32016) after every retry.
    #[error("{url}: rate limited after {attempts} attempts")]
    RateLimited {
        /// The source.
        url: Arc<str>,
        /// Attempts made.
        attempts: u32,
    },
    /// The JSON-RPC server returned an error object.
    #[error("{url}: json-rpc error {code}: {message}")]
    Rpc {
        /// The source.
        url: Arc<str>,
        /// The JSON-RPC error code.
        code: i64,
        /// The server's message, as sent.
        message: Arc<str>,
    },
    /// A response body is not the JSON that was expected.
    #[error("{url}: malformed response: {reason}")]
    MalformedResponse {
        /// The source.
        url: Arc<str>,
        /// What was wrong.
        reason: &'static str,
    },
    /// A JSON-RPC response carried an id that matches no request in flight.
    #[error("{url}: json-rpc response id does not match any request")]
    ResponseIdMismatch {
        /// The source.
        url: Arc<str>,
    },
    /// The URL scheme names no known source.
    #[error("unsupported source url scheme in {url}")]
    UnsupportedScheme {
        /// The URL as given.
        url: Arc<str>,
    },
    /// The URL could not be parsed.
    #[error("invalid source url {url}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: Arc<str>,
        /// What was wrong.
        reason: &'static str,
    },
    /// `https` was asked for but this build has no TLS.
    #[error("{url}: tls is not compiled in (ureq built without a tls feature)")]
    TlsNotCompiled {
        /// The URL as given.
        url: Arc<str>,
    },
    /// Strict verification found no signature for this code hash.
    #[error("no publisher signature for code {hash}")]
    MissingSignature {
        /// The code hash.
        hash: B256,
    },
    /// A signature is malformed or was not made by any trusted publisher.
    #[error("{url}: signature for code {hash} is not from a trusted publisher")]
    BadSignature {
        /// The source of the signature.
        url: Arc<str>,
        /// The code hash.
        hash: B256,
    },
    /// An account proof does not verify against the trusted state root.
    #[error("{url}: account proof for {address} does not verify: {reason}")]
    BadProof {
        /// The source of the proof.
        url: Arc<str>,
        /// The account.
        address: Address,
        /// What failed.
        reason: &'static str,
    },
    /// The operation is not supported by this source or configuration.
    #[error("{url}: unsupported: {what}")]
    Unsupported {
        /// The source, or `cache` for configuration errors.
        url: Arc<str>,
        /// What is not supported.
        what: &'static str,
    },
    /// The loader panicked while this caller waited for it.
    #[error("the loader of {key} panicked")]
    LoaderPanicked {
        /// The key being loaded.
        key: crate::Key,
    },
}

impl LoadError {
    /// Whether this error says the source itself is unreachable or overloaded (the chain then
    /// skips it for its cool-down), as opposed to a problem with one piece of code.
    pub fn is_source_down(&self) -> bool {
        matches!(
            self,
            Self::Redis { .. }
                | Self::Http { .. }
                | Self::Timeout { .. }
                | Self::RateLimited { .. }
                | Self::CorruptStore { .. }
        ) || matches!(self, Self::HttpStatus { status, .. } if *status >= 500)
    }

    /// Whether this error says the code failed verification (as opposed to a source failing).
    pub fn is_verification_failure(&self) -> bool {
        matches!(
            self,
            Self::HashMismatch { .. }
                | Self::TooLarge { what: "code", .. }
                | Self::MissingSignature { .. }
                | Self::BadSignature { .. }
                | Self::BadProof { .. }
        )
    }
}
