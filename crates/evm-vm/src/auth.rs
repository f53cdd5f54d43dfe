//! EIP-7702 authorizations: authority recovery and delegation designators.
//!
//! Invalid tuples are skipped, never errors: wrong chain id, nonce overflow or mismatch, a
//! malleable or unrecoverable signature, or an authority whose code is not a delegation.

use std::sync::Arc;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256, uint};
use alloy_rlp::Encodable;
use evm_bytecode::AnalyzedCode;

use crate::Database;
use crate::gas::{PER_AUTH_BASE_COST, PER_EMPTY_ACCOUNT_COST};
use crate::journal::{DELEGATION_PREFIX, Journal, delegation_target};
use crate::tx::Authorization;

/// The secp256k1 group order.
const SECP256K1N: U256 =
    uint!(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256);

/// Magic byte prefixed to the RLP of an authorization before hashing.
const MAGIC: u8 = 0x05;

/// The signing hash of an authorization: keccak256(0x05 || rlp([chain_id, address, nonce])).
pub fn authorization_hash(auth: &Authorization) -> B256 {
    let payload_length = auth.chain_id.length() + auth.address.length() + auth.nonce.length();
    let mut buf = Vec::with_capacity(payload_length + 8);
    buf.push(MAGIC);
    alloy_rlp::Header { list: true, payload_length }.encode(&mut buf);
    auth.chain_id.encode(&mut buf);
    auth.address.encode(&mut buf);
    auth.nonce.encode(&mut buf);
    keccak256(&buf)
}

/// The authority that signed `auth`, or `None` for an invalid signature.
pub fn recover_authority(auth: &Authorization) -> Option<Address> {
    let v = match auth.y_parity {
        p if p == U256::ZERO => 0,
        p if p == U256::from(1) => 1,
        _ => return None,
    };
    if auth.r.is_zero() || auth.r >= SECP256K1N || auth.s.is_zero() || auth.s > SECP256K1N >> 1 {
        return None;
    }
    let hash = authorization_hash(auth);
    evm_precompiles::recover_address(
        &hash.0,
        v,
        &auth.r.to_be_bytes::<32>(),
        &auth.s.to_be_bytes::<32>(),
    )
}

/// Applies the valid tuples in order; returns the refund for authorities that already existed.
pub(crate) fn apply_authorizations<DB: Database>(
    journal: &mut Journal<'_, DB>,
    auths: &[Authorization],
    chain_id: U256,
) -> i64 {
    let mut refund = 0;
    for auth in auths {
        if !auth.chain_id.is_zero() && auth.chain_id != chain_id {
            continue;
        }
        let Ok(nonce) = u64::try_from(auth.nonce) else { continue };
        if nonce == u64::MAX {
            continue;
        }
        let Some(authority) = recover_authority(auth) else { continue };
        journal.prewarm(authority);
        let code = journal.code(authority);
        if !code.is_empty() && delegation_target(code.original()).is_none() {
            continue;
        }
        let account = journal.account(authority);
        if account.info.nonce != nonce {
            continue;
        }
        if account.exists() {
            refund += (PER_EMPTY_ACCOUNT_COST - PER_AUTH_BASE_COST) as i64;
        }
        let code = if auth.address.is_zero() {
            Bytes::new()
        } else {
            let mut designator = Vec::with_capacity(23);
            designator.extend_from_slice(&DELEGATION_PREFIX);
            designator.extend_from_slice(auth.address.as_slice());
            Bytes::from(designator)
        };
        journal.set_code(authority, Arc::new(AnalyzedCode::new(code)));
        journal.inc_nonce(authority);
    }
    refund
}
