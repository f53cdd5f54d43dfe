//! The GeneralStateTest JSON format, as filled by retesteth and execution-spec-tests.
//!
//! Numbers are hex strings that may carry leading zeros or exceed 64 bits; values that must fit
//! a `u64` (nonces, gas limits) saturate, so an oversized value is rejected by the VM rather than
//! by the parser. A transaction value beyond 256 bits (written `0x:bigint 0x...`) parses as
//! [`TxValue::Overflow`]: such a transaction cannot be encoded, so it is invalid. This module only parses: it knows nothing of execution.

use std::collections::BTreeMap;

use alloy_primitives::map::HashMap;
use alloy_primitives::{Address, B256, Bytes, U256, hex};
use serde::{Deserialize, Deserializer, de::Error as _};

/// A fixture file: test name → test.
pub type TestFile = BTreeMap<String, TestUnit>;

/// One named state test.
#[derive(Debug, Deserialize)]
pub struct TestUnit {
    /// The block environment.
    pub env: Env,
    /// Accounts before the transaction.
    pub pre: HashMap<HexAddress, PreAccount>,
    /// The transaction template: lists indexed by `post[..].indexes`.
    pub transaction: TxTemplate,
    /// Fork name → expected outcomes.
    pub post: BTreeMap<String, Vec<PostEntry>>,
}

/// The block environment of a test.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Env {
    /// Fee recipient.
    pub current_coinbase: HexAddress,
    /// Difficulty (pre-Paris).
    #[serde(default)]
    pub current_difficulty: Option<HexU256>,
    /// Block gas limit.
    pub current_gas_limit: HexU256,
    /// Block number.
    pub current_number: HexU256,
    /// Block timestamp.
    pub current_timestamp: HexU256,
    /// EIP-1559 base fee.
    #[serde(default)]
    pub current_base_fee: Option<HexU256>,
    /// Post-merge randomness.
    #[serde(default)]
    pub current_random: Option<HexU256>,
    /// EIP-4844 excess blob gas.
    #[serde(default)]
    pub current_excess_blob_gas: Option<HexU256>,
}

/// An account of the pre-state.
#[derive(Debug, Deserialize)]
pub struct PreAccount {
    /// Balance.
    pub balance: HexU256,
    /// Nonce.
    pub nonce: HexU256,
    /// Code.
    pub code: HexBytes,
    /// Storage.
    #[serde(default)]
    pub storage: HashMap<HexU256, HexU256>,
}

/// One EIP-2930 access-list entry.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessListEntry {
    /// The address.
    pub address: HexAddress,
    /// Its storage keys.
    #[serde(default)]
    pub storage_keys: Vec<HexU256>,
}

/// One EIP-7702 authorization tuple.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationEntry {
    /// Chain id.
    pub chain_id: HexU256,
    /// Delegation target.
    pub address: HexAddress,
    /// Authority nonce.
    pub nonce: HexU256,
    /// Signature v (y parity), under either name.
    #[serde(default)]
    pub v: Option<HexU256>,
    /// Signature y parity.
    #[serde(default)]
    pub y_parity: Option<HexU256>,
    /// Signature r.
    pub r: HexU256,
    /// Signature s.
    pub s: HexU256,
}

/// The transaction template of a test.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxTemplate {
    /// Call data or init code, by `indexes.data`.
    pub data: Vec<HexBytes>,
    /// Gas limits, by `indexes.gas`.
    pub gas_limit: Vec<HexU256>,
    /// Values, by `indexes.value`.
    pub value: Vec<TxValue>,
    /// Access lists, by `indexes.data`; `null` entries mean none.
    #[serde(default)]
    pub access_lists: Option<Vec<Option<Vec<AccessListEntry>>>>,
    /// Sender nonce.
    pub nonce: HexU256,
    /// Legacy gas price.
    #[serde(default)]
    pub gas_price: Option<HexU256>,
    /// EIP-1559 fee cap.
    #[serde(default)]
    pub max_fee_per_gas: Option<HexU256>,
    /// EIP-1559 tip cap.
    #[serde(default)]
    pub max_priority_fee_per_gas: Option<HexU256>,
    /// Recipient; empty for creation.
    #[serde(default)]
    pub to: OptAddress,
    /// Sender; derived from `secret_key` when absent.
    #[serde(default)]
    pub sender: Option<HexAddress>,
    /// The sender's private key.
    #[serde(default)]
    pub secret_key: Option<HexU256>,
    /// EIP-4844 blob hashes.
    #[serde(default)]
    pub blob_versioned_hashes: Option<Vec<HexU256>>,
    /// EIP-4844 blob fee cap.
    #[serde(default)]
    pub max_fee_per_blob_gas: Option<HexU256>,
    /// EIP-7702 authorizations.
    #[serde(default)]
    pub authorization_list: Option<Vec<AuthorizationEntry>>,
}

/// Which template entries one post entry uses.
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct Indexes {
    /// Index into `data` (and `accessLists`).
    pub data: usize,
    /// Index into `gasLimit`.
    pub gas: usize,
    /// Index into `value`.
    pub value: usize,
}

/// The expected outcome of one (fork, indexes) case.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostEntry {
    /// Post-state root.
    pub hash: HexU256,
    /// Logs hash.
    pub logs: HexU256,
    /// Template indexes.
    pub indexes: Indexes,
    /// Set when the transaction is invalid.
    #[serde(default)]
    pub expect_exception: Option<String>,
}

/// Parses a fixture file.
pub fn parse_file(bytes: &[u8]) -> Result<TestFile, serde_json::Error> {
    serde_json::from_slice(bytes)
}

fn strip_hex(s: &str) -> Option<&str> {
    s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))
}

/// Parses a hex (`0x`, any length, leading zeros allowed) or decimal number.
pub fn parse_u256(s: &str) -> Result<U256, String> {
    let s = s.trim();
    let (digits, radix) = match strip_hex(s) {
        Some(rest) => (rest.trim_start_matches('0'), 16),
        None => (s, 10),
    };
    if digits.is_empty() {
        return Ok(U256::ZERO);
    }
    U256::from_str_radix(digits, radix).map_err(|e| format!("bad number {s:?}: {e}"))
}

/// Parses hex bytes with an optional `0x`.
pub fn parse_bytes(s: &str) -> Result<Bytes, String> {
    let s = s.trim();
    let digits = strip_hex(s).unwrap_or(s);
    hex::decode(digits).map(Bytes::from).map_err(|e| format!("bad hex {s:?}: {e}"))
}

/// Parses a 20-byte address with an optional `0x`.
pub fn parse_address(s: &str) -> Result<Address, String> {
    let bytes = parse_bytes(s)?;
    if bytes.len() != 20 {
        return Err(format!("bad address {s:?}: {} bytes", bytes.len()));
    }
    Ok(Address::from_slice(&bytes))
}

macro_rules! hex_newtype {
    ($(#[$doc:meta])* $name:ident($ty:ty) = $parse:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name(pub $ty);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                let parse: fn(&str) -> Result<$ty, String> = $parse;
                parse(&s).map($name).map_err(D::Error::custom)
            }
        }
    };
}

hex_newtype!(
    /// A number in hex (or decimal) text.
    HexU256(U256) = parse_u256
);
hex_newtype!(
    /// An address in hex text.
    HexAddress(Address) = parse_address
);
hex_newtype!(
    /// An optional address: empty text means none (contract creation).
    OptAddress(Option<Address>) = |s| {
        if s.trim().is_empty() { Ok(None) } else { parse_address(s).map(Some) }
    }
);

/// A transaction value; fixtures test values that do not fit 256 bits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxValue {
    /// A representable value.
    Value(U256),
    /// The text, for a value wider than 256 bits.
    Overflow(String),
}

impl<'de> Deserialize<'de> for TxValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let text = s.trim();
        let (number, bigint) = match text.strip_prefix("0x:bigint ") {
            Some(rest) => (rest, true),
            None => (text, false),
        };
        match parse_u256(number) {
            Ok(value) => Ok(Self::Value(value)),
            Err(_) if bigint => Ok(Self::Overflow(s)),
            Err(err) => Err(D::Error::custom(err)),
        }
    }
}

/// Bytes in hex text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HexBytes(pub Bytes);

impl<'de> Deserialize<'de> for HexBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_bytes(&s).map(HexBytes).map_err(D::Error::custom)
    }
}

impl HexU256 {
    /// The value, saturated to `u64`.
    pub fn saturating_u64(self) -> u64 {
        self.0.saturating_to()
    }

    /// The value as a 32-byte word.
    pub fn to_b256(self) -> B256 {
        B256::from(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_leading_zeros_and_big_values() {
        assert_eq!(parse_u256("0x00000001"), Ok(U256::from(1)));
        assert_eq!(parse_u256("0x"), Ok(U256::ZERO));
        assert_eq!(parse_u256("12"), Ok(U256::from(12)));
        let big = format!("0x{}", "0".repeat(10) + &"f".repeat(64));
        assert_eq!(parse_u256(&big), Ok(U256::MAX));
        assert!(parse_u256(&format!("0x1{}", "0".repeat(64))).is_err());
        assert_eq!(HexU256(U256::MAX).saturating_u64(), u64::MAX);
    }

    #[test]
    fn oversized_values() {
        let v: TxValue = serde_json::from_str("\"0x:bigint 0x05\"").unwrap();
        assert_eq!(v, TxValue::Value(U256::from(5)));
        let wide = format!("\"0x:bigint 0x1{}\"", "0".repeat(64));
        let v: TxValue = serde_json::from_str(&wide).unwrap();
        assert!(matches!(v, TxValue::Overflow(_)));
        assert!(serde_json::from_str::<TxValue>(&format!("\"0x1{}\"", "0".repeat(64))).is_err());
    }

    #[test]
    fn empty_to_is_creation() {
        let to: OptAddress = serde_json::from_str("\"\"").unwrap();
        assert_eq!(to.0, None);
        let to: OptAddress =
            serde_json::from_str("\"0x00000000000000000000000000000000000000aa\"").unwrap();
        assert_eq!(to.0, Some(Address::with_last_byte(0xaa)));
    }

    #[test]
    fn bad_hex_is_an_error() {
        assert!(parse_bytes("0xzz").is_err());
        assert!(parse_address("0x1234").is_err());
    }
}
