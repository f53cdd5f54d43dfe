//! Reproducers: a case as a GeneralStateTest JSON file, with the post-state root and logs hash
//! evmkit computes, so that `evmkit statetest FILE` replays it (and passes while evmkit's
//! behaviour is unchanged).

use alloy_primitives::{Address, B256, Bytes, U256};
use evm_vm::root::{logs_hash, state_root};
use evm_vm::{Fork, InMemoryDb};
use serde_json::{Map, Value, json};

use crate::case::Case;
use crate::exec_evmkit;

fn hex_u256(v: U256) -> Value {
    Value::String(format!("{v:#x}"))
}

fn hex_u64(v: u64) -> Value {
    Value::String(format!("{v:#x}"))
}

fn hex_bytes(b: &Bytes) -> Value {
    Value::String(b.to_string())
}

fn addr(a: Address) -> Value {
    Value::String(format!("{a:#x}"))
}

/// Whether the state tests' zero-value coinbase touch changes `db` (as the runner decides it).
fn touch_changes(db: &InMemoryDb, coinbase: Address, fork: Fork) -> bool {
    match db.accounts.get(&coinbase) {
        None => fork < Fork::SpuriousDragon,
        Some(account) => fork >= Fork::SpuriousDragon && account.info.is_empty(),
    }
}

/// The state-test convention: after the transaction the coinbase gets a zero-value touch.
fn touch_coinbase(db: &mut InMemoryDb, coinbase: Address, fork: Fork) {
    if !touch_changes(db, coinbase, fork) {
        return;
    }
    if fork < Fork::SpuriousDragon {
        db.insert_account(coinbase, U256::ZERO, 0, Bytes::new(), []);
    } else {
        db.accounts.remove(&coinbase);
    }
}

/// The expected post entry fields of `case` as evmkit computes them: root, logs hash and the
/// rejection reason when evmkit rejects the transaction.
pub fn expectation(case: &Case) -> (B256, B256, Option<String>) {
    let coinbase = case.env.coinbase;
    let mut vm = exec_evmkit::vm(case, evm_vm::NoHooks);
    match vm.transact(&case.tx) {
        Err(err) => {
            let mut db = exec_evmkit::pre_db(case);
            touch_coinbase(&mut db, coinbase, case.fork);
            (state_root(&db), logs_hash(&[]), Some(err.to_string()))
        }
        Ok(out) => {
            let logs = logs_hash(&out.result.logs);
            vm.commit(out.state);
            touch_coinbase(vm.db_mut(), coinbase, case.fork);
            (state_root(vm.db()), logs, None)
        }
    }
}

/// The state-test JSON of `case` under the test name `name`, expecting what evmkit does.
pub fn to_json(case: &Case, name: &str, comment: &str) -> Value {
    document(case, name, comment, expectation(case))
}

/// The state-test JSON of `case` with the given expected root, logs hash and rejection.
pub fn document(
    case: &Case,
    name: &str,
    comment: &str,
    (root, logs, rejected): (B256, B256, Option<String>),
) -> Value {
    let env = json!({
        "currentCoinbase": addr(case.env.coinbase),
        "currentGasLimit": hex_u64(case.env.gas_limit),
        "currentNumber": hex_u64(case.env.number),
        "currentTimestamp": hex_u64(case.env.timestamp),
        "currentDifficulty": hex_u256(case.env.difficulty),
        "currentBaseFee": hex_u64(case.env.basefee),
        "currentRandom": Value::String(case.env.prevrandao.to_string()),
        "currentExcessBlobGas": "0x00",
    });
    let mut pre = Map::new();
    for a in &case.pre {
        let storage: Map<String, Value> =
            a.storage.iter().map(|(k, v)| (format!("{k:#x}"), hex_u256(*v))).collect();
        pre.insert(
            format!("{:#x}", a.address),
            json!({
                "balance": hex_u256(a.balance),
                "nonce": hex_u64(a.nonce),
                "code": hex_bytes(&a.code),
                "storage": storage,
            }),
        );
    }
    let t = &case.tx;
    let mut tx = Map::new();
    tx.insert("data".into(), json!([hex_bytes(&t.data)]));
    tx.insert("gasLimit".into(), json!([hex_u64(t.gas_limit)]));
    tx.insert("value".into(), json!([hex_u256(t.value)]));
    tx.insert("nonce".into(), hex_u64(t.nonce));
    tx.insert("to".into(), t.to.map_or(Value::String(String::new()), addr));
    tx.insert("sender".into(), addr(t.caller));
    match (t.max_fee_per_gas, t.max_priority_fee_per_gas) {
        (Some(cap), tip) => {
            tx.insert("maxFeePerGas".into(), hex_u256(cap));
            tx.insert("maxPriorityFeePerGas".into(), hex_u256(tip.unwrap_or_default()));
        }
        (None, _) => {
            tx.insert("gasPrice".into(), hex_u256(t.gas_price));
        }
    }
    if let Some(list) = &t.access_list {
        let list: Vec<Value> = list
            .iter()
            .map(|item| {
                json!({
                    "address": addr(item.address),
                    "storageKeys": item.storage_keys.iter().map(|k| Value::String(k.to_string())).collect::<Vec<_>>(),
                })
            })
            .collect();
        tx.insert("accessLists".into(), json!([list]));
    }
    if let Some(hashes) = &t.blob_hashes {
        let hashes: Vec<Value> = hashes.iter().map(|h| Value::String(h.to_string())).collect();
        tx.insert("blobVersionedHashes".into(), Value::Array(hashes));
        tx.insert("maxFeePerBlobGas".into(), hex_u256(t.max_fee_per_blob_gas.unwrap_or_default()));
    }
    if let Some(list) = &t.authorization_list {
        let list: Vec<Value> = list
            .iter()
            .map(|a| {
                json!({
                    "chainId": hex_u256(a.chain_id),
                    "address": addr(a.address),
                    "nonce": hex_u256(a.nonce),
                    "v": hex_u256(a.y_parity),
                    "r": hex_u256(a.r),
                    "s": hex_u256(a.s),
                })
            })
            .collect();
        tx.insert("authorizationList".into(), Value::Array(list));
    }
    let mut post = json!({
        "hash": Value::String(root.to_string()),
        "logs": Value::String(logs.to_string()),
        "indexes": {"data": 0, "gas": 0, "value": 0},
    });
    if let Some(reason) = rejected {
        post["expectException"] = Value::String(format!("TR_Fuzz: {reason}"));
    }
    let mut posts = Map::new();
    posts.insert(case.fork.to_string(), json!([post]));
    json!({
        name: {
            "_info": {"comment": comment},
            "env": env,
            "pre": pre,
            "transaction": tx,
            "post": posts,
        }
    })
}
