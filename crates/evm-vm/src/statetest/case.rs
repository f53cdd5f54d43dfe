//! Executing one state-test case: build the pre-state, block and transaction, run the VM,
//! compare the post-state root and logs hash.

use std::sync::OnceLock;

use alloy_primitives::{Address, B256, U256, keccak256};
use evm_interp::BlockEnv;

use super::json::{PostEntry, TestUnit, TxTemplate, TxValue};
use crate::root::{logs_hash, state_root};
use crate::{
    AccessListItem, Authorization, Error, Fork, InMemoryDb, Interrupt, Status, Tx, VmBuilder,
};

/// The failure message of a case its interrupt stopped; the runner words it as a timeout.
pub(crate) const INTERRUPTED: &str = "interrupted";

/// Chain id of every state test.
const CHAIN_ID: u64 = 1;

/// How many block hashes BLOCKHASH can see.
const BLOCKHASH_WINDOW: u64 = 256;

/// Why a case failed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) error: String,
    pub(crate) expected: Option<String>,
    pub(crate) got: Option<String>,
}

impl Failure {
    fn msg(error: impl Into<String>) -> Self {
        Self { error: error.into(), ..Self::default() }
    }
}

/// A test unit with its pre-state built once and shared by all its cases.
#[derive(Debug)]
pub(crate) struct PreparedUnit {
    pub(crate) unit: TestUnit,
    pre: InMemoryDb,
    pre_root: OnceLock<B256>,
}

/// The hash state tests use for block `number`: keccak256 of its decimal text, as the
/// reference fillers (geth's test harness) and runners (revm's empty database) do.
pub fn test_block_hash(number: u64) -> B256 {
    keccak256(number.to_string().as_bytes())
}

impl PreparedUnit {
    pub(crate) fn new(unit: TestUnit) -> Self {
        let mut pre = InMemoryDb::default();
        for (address, account) in &unit.pre {
            pre.insert_account(
                address.0,
                account.balance.0,
                account.nonce.saturating_u64(),
                account.code.0.clone(),
                account.storage.iter().map(|(k, v)| (k.0, v.0)),
            );
        }
        let number = unit.env.current_number.saturating_u64();
        for n in number.saturating_sub(BLOCKHASH_WINDOW)..number {
            pre.block_hashes.insert(n, test_block_hash(n));
        }
        Self { unit, pre, pre_root: OnceLock::new() }
    }

    fn pre_root(&self) -> B256 {
        *self.pre_root.get_or_init(|| state_root(&self.pre))
    }

    /// The root after a rejected transaction: the pre-state with the coinbase touched.
    fn rejected_root(&self, fork: Fork) -> B256 {
        let coinbase = self.unit.env.current_coinbase.0;
        if !touch_changes(&self.pre, coinbase, fork) {
            return self.pre_root();
        }
        let mut db = self.pre.clone();
        touch_coinbase(&mut db, coinbase, fork);
        state_root(&db)
    }

    /// The block environment for `fork`.
    fn block(&self, fork: Fork) -> BlockEnv {
        let env = &self.unit.env;
        let random = env.current_random.map(|r| r.to_b256()).unwrap_or_default();
        let difficulty = env.current_difficulty.map(|d| d.0).unwrap_or_default();
        BlockEnv {
            number: env.current_number.0,
            coinbase: env.current_coinbase.0,
            timestamp: env.current_timestamp.0,
            gas_limit: env.current_gas_limit.0,
            basefee: if fork >= Fork::London {
                env.current_base_fee.map(|b| b.0).unwrap_or_default()
            } else {
                U256::ZERO
            },
            difficulty: if fork >= Fork::Paris { U256::ZERO } else { difficulty },
            prevrandao: random,
            blob_basefee: U256::ZERO,
            chain_id: U256::from(CHAIN_ID),
        }
    }

    fn excess_blob_gas(&self, fork: Fork) -> Option<u64> {
        (fork >= Fork::Cancun)
            .then(|| self.unit.env.current_excess_blob_gas.map_or(0, |e| e.saturating_u64()))
    }

    /// Runs one case.
    /// `interrupt` stops a case that runs too long (see [`crate::VmBuilder::interrupt`]).
    pub(crate) fn run(
        &self,
        fork: Fork,
        post: &PostEntry,
        interrupt: Option<&Interrupt>,
    ) -> Result<(), Failure> {
        let tx = match build_tx(&self.unit.transaction, post)? {
            Ok(tx) => tx,
            Err(reason) => return self.check_rejected(fork, post, &reason),
        };
        let mut builder = VmBuilder::new(self.pre.clone())
            .fork(fork)
            .block(self.block(fork))
            .excess_blob_gas(self.excess_blob_gas(fork));
        if let Some(interrupt) = interrupt {
            builder = builder.interrupt(interrupt.clone());
        }
        let mut vm = builder.build();
        let expected_root = post.hash.to_b256();
        let expected_logs = post.logs.to_b256();
        match vm.transact(&tx) {
            Err(Error::Interrupted) => Err(Failure::msg(INTERRUPTED)),
            Err(err) => self.check_rejected(fork, post, &err.to_string()),
            Ok(outcome) => {
                if let Some(expected) = &post.expect_exception {
                    return Err(Failure {
                        error: "transaction was valid, expected an exception".into(),
                        expected: Some(expected.clone()),
                        got: Some(describe(&outcome.result.status, outcome.result.gas_used)),
                    });
                }
                let logs = logs_hash(&outcome.result.logs);
                let summary = describe(&outcome.result.status, outcome.result.gas_used);
                vm.commit(outcome.state);
                touch_coinbase(vm.db_mut(), self.unit.env.current_coinbase.0, fork);
                let root = state_root(vm.db());
                if root != expected_root {
                    return Err(Failure {
                        error: format!("state root mismatch ({summary})"),
                        expected: Some(expected_root.to_string()),
                        got: Some(root.to_string()),
                    });
                }
                if logs != expected_logs {
                    return Err(Failure {
                        error: format!("logs hash mismatch ({summary})"),
                        expected: Some(expected_logs.to_string()),
                        got: Some(logs.to_string()),
                    });
                }
                Ok(())
            }
        }
    }
}

impl PreparedUnit {
    /// The transaction was rejected (`reason`): right only if the fixture expects an exception
    /// and its root is the unchanged pre-state root.
    fn check_rejected(&self, fork: Fork, post: &PostEntry, reason: &str) -> Result<(), Failure> {
        let Some(expected) = &post.expect_exception else {
            return Err(Failure::msg(format!("unexpected invalid transaction: {reason}")));
        };
        let root = self.rejected_root(fork);
        let expected_root = post.hash.to_b256();
        if root != expected_root {
            return Err(Failure {
                error: format!(
                    "rejected as expected ({expected}: {reason}), but the pre-state root differs"
                ),
                expected: Some(expected_root.to_string()),
                got: Some(root.to_string()),
            });
        }
        Ok(())
    }
}

/// Whether [`touch_coinbase`] would change `db`.
fn touch_changes(db: &InMemoryDb, coinbase: Address, fork: Fork) -> bool {
    match db.accounts.get(&coinbase) {
        None => fork < Fork::SpuriousDragon,
        Some(account) => fork >= Fork::SpuriousDragon && account.info.is_empty(),
    }
}

/// The state-test convention of the fillers (geth's state-test harness): after the transaction,
/// valid or not, the coinbase receives a zero-value reward. Before Spurious Dragon that touch
/// creates it as an empty account; from Spurious Dragon on (EIP-161) a touched empty account is
/// deleted.
fn touch_coinbase(db: &mut InMemoryDb, coinbase: Address, fork: Fork) {
    if !touch_changes(db, coinbase, fork) {
        return;
    }
    if fork < Fork::SpuriousDragon {
        db.insert_account(coinbase, U256::ZERO, 0, alloy_primitives::Bytes::new(), []);
    } else {
        db.accounts.remove(&coinbase);
    }
}

fn describe(status: &Status, gas_used: u64) -> String {
    format!("status {status:?}, gas used {gas_used}")
}

fn pick<'a, T>(list: &'a [T], index: usize, what: &str) -> Result<&'a T, Failure> {
    list.get(index).ok_or_else(|| {
        Failure::msg(format!("{what} index {index} out of range ({} entries)", list.len()))
    })
}

/// The transaction a post entry selects from the template: `Err` for a malformed fixture,
/// `Ok(Err(reason))` for a transaction that cannot even be encoded (so it is invalid).
pub(crate) fn build_tx(t: &TxTemplate, post: &PostEntry) -> Result<Result<Tx, String>, Failure> {
    let ix = post.indexes;
    let data = pick(&t.data, ix.data, "data")?.0.clone();
    let gas_limit = pick(&t.gas_limit, ix.gas, "gas")?.saturating_u64();
    let value = match pick(&t.value, ix.value, "value")? {
        TxValue::Value(value) => *value,
        TxValue::Overflow(text) => return Ok(Err(format!("value {text} exceeds 256 bits"))),
    };
    let caller = match (&t.sender, &t.secret_key) {
        (Some(sender), _) => sender.0,
        (None, Some(key)) => {
            address_from_secret(&key.to_b256()).ok_or_else(|| Failure::msg("invalid secretKey"))?
        }
        (None, None) => return Err(Failure::msg("transaction has neither sender nor secretKey")),
    };
    let access_list = match &t.access_lists {
        Some(lists) => lists.get(ix.data).and_then(Option::as_ref).map(|list| {
            list.iter()
                .map(|e| AccessListItem {
                    address: e.address.0,
                    storage_keys: e.storage_keys.iter().map(|k| k.to_b256()).collect(),
                })
                .collect()
        }),
        None => None,
    };
    let authorization_list = t.authorization_list.as_ref().map(|list| {
        list.iter()
            .map(|a| Authorization {
                chain_id: a.chain_id.0,
                address: a.address.0,
                nonce: a.nonce.0,
                y_parity: a.y_parity.or(a.v).map(|v| v.0).unwrap_or_default(),
                r: a.r.0,
                s: a.s.0,
            })
            .collect()
    });
    let max_fee_per_gas = t.max_fee_per_gas.map(|v| v.0);
    Ok(Ok(Tx {
        caller,
        to: t.to.0,
        value,
        data,
        gas_limit,
        nonce: t.nonce.saturating_u64(),
        gas_price: t.gas_price.map(|v| v.0).or(max_fee_per_gas).unwrap_or_default(),
        max_fee_per_gas,
        max_priority_fee_per_gas: t.max_priority_fee_per_gas.map(|v| v.0),
        access_list,
        blob_hashes: t
            .blob_versioned_hashes
            .as_ref()
            .map(|hashes| hashes.iter().map(|h| h.to_b256()).collect()),
        max_fee_per_blob_gas: t.max_fee_per_blob_gas.map(|v| v.0),
        authorization_list,
        chain_id: Some(U256::from(CHAIN_ID)),
    }))
}

/// The address of a secp256k1 private key: the last 20 bytes of keccak256 of the public key.
pub fn address_from_secret(key: &B256) -> Option<Address> {
    use k256::elliptic_curve::sec1::ToSec1Point;
    let secret = k256::SecretKey::from_slice(key.as_slice()).ok()?;
    let point = secret.public_key().to_sec1_point(false);
    let bytes = point.as_bytes();
    // Uncompressed SEC1: 0x04 || x || y.
    let hash = keccak256(bytes.get(1..)?);
    Some(Address::from_slice(&hash[12..]))
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, b256};

    use super::*;

    #[test]
    fn secret_key_to_address() {
        // The well-known state-test sender key.
        let key = b256!("45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8");
        assert_eq!(
            address_from_secret(&key),
            Some(address!("a94f5374fce5edbc8e2a8697c15331677e6ebf0b"))
        );
        assert_eq!(address_from_secret(&B256::ZERO), None);
    }

    #[track_caller]
    fn check_tx(template: &str, indexes: (usize, usize, usize)) -> Tx {
        let t: TxTemplate = serde_json::from_str(template).unwrap();
        let post: PostEntry = serde_json::from_value(serde_json::json!({
            "hash": "0x00", "logs": "0x00",
            "indexes": {"data": indexes.0, "gas": indexes.1, "value": indexes.2},
        }))
        .unwrap();
        build_tx(&t, &post).unwrap().unwrap()
    }

    #[test]
    fn tx_from_template() {
        let tx = check_tx(
            r#"{
                "data": ["0x", "0x0102"], "gasLimit": ["0x5208", "0x010000000000000000"],
                "value": ["0x00", "0x0a"], "nonce": "0x01", "to": "",
                "maxFeePerGas": "0x0a", "maxPriorityFeePerGas": "0x01",
                "accessLists": [null, [{"address": "0x00000000000000000000000000000000000000aa",
                                        "storageKeys": ["0x01"]}]],
                "secretKey": "0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8",
                "authorizationList": [{"chainId": "0x01", "address": "0x00000000000000000000000000000000000000bb",
                                       "nonce": "0x00", "v": "0x01", "r": "0x02", "s": "0x03"}]
            }"#,
            (1, 1, 1),
        );
        assert_eq!(tx.caller, address!("a94f5374fce5edbc8e2a8697c15331677e6ebf0b"));
        assert_eq!(tx.to, None);
        assert_eq!(tx.data.as_ref(), &[1, 2]);
        assert_eq!(tx.gas_limit, u64::MAX, "oversized gas limits saturate");
        assert_eq!(tx.value, U256::from(10));
        assert_eq!(tx.gas_price, U256::from(10), "gas price defaults to the fee cap");
        let list = tx.access_list.as_ref().unwrap();
        assert_eq!(list[0].storage_keys, vec![B256::with_last_byte(1)]);
        let auth = &tx.authorization_list.as_ref().unwrap()[0];
        assert_eq!((auth.y_parity, auth.r, auth.s), (U256::from(1), U256::from(2), U256::from(3)));
        assert_eq!(tx.chain_id, Some(U256::from(1)));

        let tx = check_tx(
            r#"{"data": ["0x"], "gasLimit": ["0x5208"], "value": ["0x00"], "nonce": "0x00",
                "gasPrice": "0x0a", "to": "0x00000000000000000000000000000000000000cc",
                "sender": "0x00000000000000000000000000000000000000dd",
                "accessLists": [null]}"#,
            (0, 0, 0),
        );
        assert_eq!(tx.caller, Address::with_last_byte(0xdd));
        assert_eq!(tx.to, Some(Address::with_last_byte(0xcc)));
        assert_eq!(tx.access_list, None, "a null access list means none");
        assert_eq!(tx.max_fee_per_gas, None);
    }

    #[test]
    fn block_hash_convention() {
        assert_eq!(
            test_block_hash(0),
            b256!("044852b2a670ade5407e78fb2863c51de9fcb96542a07186fe3aeda6bb8a116d")
        );
    }
}
