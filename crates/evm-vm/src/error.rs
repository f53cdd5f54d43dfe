//! Errors: transaction validation failures and the crate error.
//!
//! Halting is not an error: a transaction that runs out of gas or reverts is valid and is
//! reported through [`crate::ExecResult::status`]. Only transactions that cannot be included in
//! a block at all are errors, and none of their state is applied. A database that fails to
//! load is an error too ([`Error::Database`]): the transaction is aborted.

use alloy_primitives::U256;

use crate::Fork;
use crate::tx::TxType;

/// Why a transaction is invalid; nothing of its state is applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidTx {
    /// Nonce does not match the sender's (kept for compatibility; the VM reports
    /// [`InvalidTx::NonceTooHigh`] or [`InvalidTx::NonceTooLow`]).
    #[error("nonce {tx} does not match account nonce {account}")]
    NonceMismatch {
        /// Tx nonce.
        tx: u64,
        /// Account nonce.
        account: u64,
    },
    /// The transaction nonce is above the sender's.
    #[error("nonce {tx} too high, account nonce is {account}")]
    NonceTooHigh {
        /// Tx nonce.
        tx: u64,
        /// Account nonce.
        account: u64,
    },
    /// The transaction nonce is below the sender's.
    #[error("nonce {tx} too low, account nonce is {account}")]
    NonceTooLow {
        /// Tx nonce.
        tx: u64,
        /// Account nonce.
        account: u64,
    },
    /// The nonce is 2^64-1, which cannot be incremented (EIP-2681).
    #[error("nonce is at its maximum value")]
    NonceMaxValue,
    /// The sender has code that is not an EIP-7702 delegation (EIP-3607).
    #[error("sender has deployed code")]
    SenderNotEoa,
    /// The sender cannot pay for the gas, the value and the blob gas up front.
    #[error("insufficient funds: balance {balance}, required {required}")]
    InsufficientFunds {
        /// Sender balance.
        balance: U256,
        /// Up-front cost (saturated at 2^256-1).
        required: U256,
    },
    /// The gas limit is below the intrinsic gas or the EIP-7623 calldata floor.
    #[error("gas limit {gas_limit} below intrinsic gas {intrinsic}")]
    IntrinsicGasTooLow {
        /// Tx gas limit.
        gas_limit: u64,
        /// Required: max(intrinsic, floor).
        intrinsic: u64,
    },
    /// The gas limit exceeds the block's.
    #[error("gas limit {gas_limit} exceeds block gas limit {block_gas_limit}")]
    GasLimitExceedsBlock {
        /// Tx gas limit.
        gas_limit: u64,
        /// Block gas limit.
        block_gas_limit: U256,
    },
    /// The gas limit exceeds the EIP-7825 transaction cap (Osaka).
    #[error("gas limit {gas_limit} exceeds the transaction gas cap {cap}")]
    GasLimitCapExceeded {
        /// Tx gas limit.
        gas_limit: u64,
        /// The cap.
        cap: u64,
    },
    /// Init code is longer than the EIP-3860 limit.
    #[error("init code size {size} exceeds {max}")]
    InitcodeTooLarge {
        /// Init code size.
        size: usize,
        /// Limit.
        max: usize,
    },
    /// The fee cap (or legacy gas price) is below the block base fee.
    #[error("fee cap {fee_cap} below base fee {basefee}")]
    FeeCapTooLow {
        /// max_fee_per_gas or gas_price.
        fee_cap: U256,
        /// Block base fee.
        basefee: U256,
    },
    /// max_priority_fee_per_gas exceeds max_fee_per_gas.
    #[error("priority fee {priority} exceeds fee cap {fee_cap}")]
    PriorityFeeTooHigh {
        /// Tip cap.
        priority: U256,
        /// Fee cap.
        fee_cap: U256,
    },
    /// The transaction is signed for another chain (EIP-155, EIP-2718 types).
    #[error("transaction chain id {tx} does not match the chain id {chain}")]
    ChainIdMismatch {
        /// The transaction's chain id.
        tx: U256,
        /// The block's chain id.
        chain: U256,
    },
    /// The transaction type is not active in this fork.
    #[error("transaction type {tx_type:?} not supported in {fork}")]
    TypeNotSupported {
        /// The type.
        tx_type: TxType,
        /// The fork.
        fork: Fork,
    },
    /// A blob or set-code transaction without a recipient.
    #[error("{0:?} transaction cannot create a contract")]
    CreateNotAllowed(TxType),
    /// A blob transaction without blobs.
    #[error("blob transaction has no blobs")]
    EmptyBlobs,
    /// A versioned hash does not start with the KZG version byte 0x01.
    #[error("blob versioned hash has an unsupported version")]
    InvalidBlobVersionedHash,
    /// Too many blobs in one transaction.
    #[error("{count} blobs exceed the maximum {max}")]
    TooManyBlobs {
        /// Blobs in the tx.
        count: usize,
        /// Limit.
        max: usize,
    },
    /// max_fee_per_blob_gas is below the block's blob base fee.
    #[error("blob fee cap {fee_cap} below blob base fee {blob_basefee}")]
    BlobFeeCapTooLow {
        /// max_fee_per_blob_gas.
        fee_cap: U256,
        /// Blob base fee.
        blob_basefee: U256,
    },
    /// A set-code transaction with an empty authorization list.
    #[error("empty authorization list")]
    EmptyAuthorizationList,
}

/// Any evm-vm error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transaction is invalid.
    #[error(transparent)]
    InvalidTx(#[from] InvalidTx),
    /// A transaction or block hook of an extension rejected it (`HookOutcome::Abort`).
    #[error("rejected by extension {} with code {}", .0.source, .0.code)]
    Rejected(evm_interp::AbortReason),
    /// The database failed to load an account, a slot, code or a block hash; the
    /// transaction was aborted and none of its state is returned.
    #[error("database read failed")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// The VM's [`crate::Interrupt`] was set (a time limit, a user's request) while the
    /// transaction ran; it was stopped and none of its state is returned.
    #[error("transaction interrupted")]
    Interrupted,
}

impl Error {
    /// The database error behind [`Error::Database`], downcast to the database's own type.
    pub fn database_error<E: std::error::Error + 'static>(&self) -> Option<&E> {
        match self {
            Self::Database(source) => source.downcast_ref(),
            _ => None,
        }
    }
}
