//! `RpcDb` against a real anvil (started on a free port; a missing binary fails the test and
//! names `.ci/setup.sh`): a call through `Vm::transact` returns what the node's own
//! `eth_call` returns, accounts are read once per address even from many threads, and code
//! comes through the code cache.
#![cfg(feature = "codecache")]

#[path = "../../evm-codecache/tests/common/mod.rs"]
mod common;

use std::sync::Arc;

use common::{rpc, start_anvil};
use evm_vm::{Address, BlockEnv, Bytes, Database, Error, Fork, RpcDb, Status, Tx, U256, VmBuilder};
use serde_json::json;

/// SLOAD(0) + CALLDATALOAD(0), returned as one word.
const ADD_SLOT0: &str = "0x5f545f35015f5260205ff3";
/// Reverts with the word 0xdead.
const REVERTS: &str = "0x61dead5f5260205ffd";
/// anvil's first dev account (10 000 ether).
const DEV: Address = alloy_primitives::address!("f39fd6e51aad88f6f4ce6ab8827279cfffb92266");
const ADDER: Address = Address::repeat_byte(0xad);
const REVERTER: Address = Address::repeat_byte(0xee);

fn word(n: u64) -> String {
    format!("0x{}", hex::encode(U256::from(n).to_be_bytes::<32>()))
}

#[test]
fn rpc_db_runs_calls_like_the_nodes_eth_call() {
    let anvil = start_anvil();
    let url = format!("http://127.0.0.1:{}", anvil.port);
    rpc(&url, "anvil_setCode", json!([ADDER, ADD_SLOT0])).unwrap();
    rpc(&url, "anvil_setStorageAt", json!([ADDER, "0x0", word(40)])).unwrap();
    rpc(&url, "anvil_setCode", json!([REVERTER, REVERTS])).unwrap();
    rpc(&url, "evm_mine", json!([])).unwrap();

    let db = RpcDb::open(&url, None).unwrap();
    let block = db.block().unwrap();
    assert_eq!(block.env.chain_id, U256::from(31337));
    let number = rpc(&url, "eth_blockNumber", json!([])).unwrap();
    assert_eq!(json!(format!("{:#x}", block.env.number)), number);

    let nonce = db.clone().basic(DEV).unwrap().unwrap().nonce;
    let mut vm = VmBuilder::new(db.clone())
        .fork(Fork::LATEST)
        .block(block.env.clone())
        .excess_blob_gas(block.excess_blob_gas)
        .build();
    let call = |to: Address, input: u64| Tx {
        caller: DEV,
        to: Some(to),
        nonce,
        data: Bytes::from(U256::from(input).to_be_bytes::<32>().to_vec()),
        gas_limit: 1_000_000,
        gas_price: block.env.basefee,
        ..Tx::default()
    };
    let tag = json!(format!("{:#x}", block.env.number));
    for input in [2u64, 7] {
        let ours = vm.transact(&call(ADDER, input)).unwrap().result;
        let theirs = rpc(
            &url,
            "eth_call",
            json!([{"from": DEV, "to": ADDER, "data": word(input)}, tag.clone()]),
        )
        .unwrap();
        assert_eq!(ours.status, Status::Success);
        assert_eq!(json!(ours.output.to_string()), theirs);
        assert_eq!(ours.output.to_string(), word(40 + input));
    }
    let ours = vm.transact(&call(REVERTER, 0)).unwrap().result;
    assert_eq!(ours.status, Status::Revert);
    let theirs = rpc(&url, "eth_call", json!([{"from": DEV, "to": REVERTER}, tag])).unwrap_err();
    assert!(theirs.contains(&word(0xdead)[2..]), "{theirs}");
    assert_eq!(ours.output.to_string(), word(0xdead));

    // Code came through the cache: one load per contract for three transactions.
    let metrics = db.cache().metrics();
    assert_eq!((metrics.loads, metrics.misses), (2, 2), "{metrics:?}");
}

#[test]
fn concurrent_reads_of_one_account_send_one_request() {
    let anvil = start_anvil();
    let url = format!("http://127.0.0.1:{}", anvil.port);
    let db = RpcDb::open(&url, Some(0)).unwrap();
    let before = db.requests();
    let barrier = Arc::new(std::sync::Barrier::new(8));
    std::thread::scope(|s| {
        for _ in 0..8 {
            let (mut db, barrier) = (db.clone(), barrier.clone());
            s.spawn(move || {
                barrier.wait();
                let info = db.basic(DEV).unwrap().unwrap();
                assert_eq!(
                    info.balance,
                    U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18))
                );
            });
        }
    });
    assert_eq!(db.requests() - before, 1);
    assert_eq!(db.clone().storage(DEV, U256::ZERO).unwrap(), U256::ZERO);
    assert_eq!(db.clone().basic(Address::repeat_byte(0x42)).unwrap(), None);
}

#[test]
fn a_dead_node_is_a_database_error() {
    let port = common::free_port();
    let url = format!("http://127.0.0.1:{port}");
    // Latest is resolved on open: a dead node fails right there.
    assert!(RpcDb::open(&url, None).is_err());
    // A pinned number opens without asking; the transaction then fails with a typed error.
    let db = RpcDb::open(&url, Some(1)).unwrap();
    let block = BlockEnv { gas_limit: U256::from(30_000_000), ..BlockEnv::default() };
    let mut vm = VmBuilder::new(db).block(block).build();
    let err = vm.transact(&Tx { caller: DEV, gas_limit: 100_000, ..Tx::default() }).unwrap_err();
    assert!(matches!(err, Error::Database(_)), "{err:?}");
    assert!(err.database_error::<evm_codecache::LoadError>().is_some());
}

#[test]
fn nodes_without_proofs_are_read_with_plain_calls() {
    use common::{TinyServer, jsonrpc_answer, respond};
    let server = TinyServer::start(|req, s| {
        let body = jsonrpc_answer(&req.body, |id, method, params| {
            let adder = params[0] == json!(ADDER);
            let result = match method {
                "eth_getProof" => {
                    return json!({"jsonrpc": "2.0", "id": id,
                        "error": {"code": -32601, "message": "method not found"}});
                }
                "eth_getBalance" if adder => json!("0x5"),
                "eth_getBalance" => json!("0xde0b6b3a7640000"),
                "eth_getTransactionCount" => json!("0x1"),
                "eth_getCode" if adder => json!(ADD_SLOT0),
                "eth_getCode" => json!("0x"),
                "eth_getStorageAt" => json!(word(40)),
                other => panic!("unexpected {other}"),
            };
            assert_eq!(params.as_array().unwrap().last().unwrap(), &json!("0x7"), "pinned");
            json!({"jsonrpc": "2.0", "id": id, "result": result})
        });
        respond(s, "200 OK", &[], &body);
    });
    let db = RpcDb::open(&server.url, Some(7)).unwrap();
    let info = db.clone().basic(ADDER).unwrap().unwrap();
    assert_eq!((info.balance, info.nonce), (U256::from(5), 1));
    assert_eq!(info.code.unwrap().original().to_string(), ADD_SLOT0, "code attached");
    assert_eq!(db.cache().metrics().cached_entries, 1, "and cached");

    let block = BlockEnv { gas_limit: U256::from(30_000_000), ..BlockEnv::default() };
    let mut vm = VmBuilder::new(db.clone()).block(block).build();
    let tx = Tx {
        caller: DEV,
        to: Some(ADDER),
        nonce: 1,
        data: Bytes::from(U256::from(2).to_be_bytes::<32>().to_vec()),
        gas_limit: 100_000,
        ..Tx::default()
    };
    let out = vm.transact(&tx).unwrap().result;
    assert_eq!(out.output.to_string(), word(42));
}
