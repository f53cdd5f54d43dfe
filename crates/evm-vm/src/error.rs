//! Errors: transaction validation failures and the crate error.

/// Why a transaction is invalid; nothing of its state is applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidTx {
    /// Nonce does not match the sender's.
    #[error("nonce {tx} does not match account nonce {account}")]
    NonceMismatch {
        /// Tx nonce.
        tx: u64,
        /// Account nonce.
        account: u64,
    },
}

/// Any evm-vm error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transaction is invalid.
    #[error(transparent)]
    InvalidTx(#[from] InvalidTx),
}
