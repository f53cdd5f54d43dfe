//! Network sources: JSON-RPC against a real anvil node, hostile tiny servers (bad hash, huge
//! body, malformed JSON, wrong ids, slow drip, rate limits), and the CAS and IPFS stores.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, KECCAK256_EMPTY, keccak256};
use common::{TinyServer, contract, jsonrpc_answer, respond, rpc, start_anvil};
use ed25519_dalek::SigningKey;
use evm_codecache::{
    BlockPin, CasSource, Chain, CodeCache, HttpLimits, LoadError, Loader, RpcSource,
    SignatureSource, VerificationLevel, Verifier, cid_for_hash, hash_hex, open_source, sign_code,
};
use serde_json::{Value, json};

fn limits() -> HttpLimits {
    HttpLimits {
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(3),
        total_timeout: Duration::from_secs(4),
        max_body: 1 << 20,
        max_retries: 3,
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(300),
    }
}

fn rpc_cache(url: &str) -> CodeCache {
    let source = RpcSource::with_block(url, BlockPin::Number(1), limits());
    CodeCache::new(Chain::new(vec![Box::new(source)]))
}

fn code_hex(code: &[u8]) -> String {
    format!("0x{}", hex::encode(code))
}

#[derive(Debug, Default)]
struct Signatures(HashMap<B256, [u8; 64]>);

impl SignatureSource for Signatures {
    fn signature(&self, hash: B256) -> Result<Option<[u8; 64]>, LoadError> {
        Ok(self.0.get(&hash).copied())
    }
}

#[test]
fn anvil_serves_code_by_address_batches_and_proofs() {
    let anvil = start_anvil();
    let url = format!("http://127.0.0.1:{}", anvil.port);
    let addresses: Vec<Address> = (1..=3u8).map(Address::repeat_byte).collect();
    for (i, a) in addresses.iter().enumerate() {
        rpc(&url, "anvil_setCode", json!([a, code_hex(&contract(i as u64, 20))])).unwrap();
    }
    rpc(&url, "evm_mine", json!([])).unwrap();

    let source = Arc::new(RpcSource::open(&url, limits()).unwrap());
    let pin = source.block().unwrap();
    assert!(matches!(pin, BlockPin::Hash(_)), "latest is pinned by hash: {pin:?}");
    let cache = CodeCache::new(Chain::new(vec![Box::new(source.clone())]));
    for (i, a) in addresses.iter().enumerate() {
        let code = cache.get_by_address(*a).unwrap();
        assert_eq!(code.original().as_ref(), &contract(i as u64, 20)[..]);
        // Cached by hash too.
        assert!(cache.get_cached(code.hash()).is_some());
    }
    let want = keccak256(contract(1, 20));
    assert_eq!(cache.get_account(addresses[1], want).unwrap().hash(), want);

    // A batch, with an address that has no code.
    let mut batch = addresses.clone();
    batch.push(Address::repeat_byte(0x77));
    let codes = source.get_codes(&batch).unwrap();
    assert_eq!(codes.len(), 4);
    for (i, c) in codes[..3].iter().enumerate() {
        assert_eq!(c.as_ref().unwrap().as_ref(), &contract(i as u64, 20)[..]);
    }
    assert!(codes[3].as_ref().unwrap().is_empty());
    assert_eq!(cache.get_by_address(batch[3]).unwrap().hash(), KECCAK256_EMPTY);

    // Paranoid: the account proof must verify against the trusted state root.
    let BlockPin::Hash(block_hash) = pin else { unreachable!() };
    let block = rpc(&url, "eth_getBlockByHash", json!([block_hash, false])).unwrap();
    let root: B256 = serde_json::from_value(block["stateRoot"].clone()).unwrap();
    let key = SigningKey::from_bytes(&[1u8; 32]);
    let mut sigs = Signatures::default();
    for i in 0..3 {
        let h = keccak256(contract(i, 20));
        sigs.0.insert(h, sign_code(&key, 31337, h));
    }
    let sigs = Arc::new(sigs);
    let paranoid = Verifier::new(VerificationLevel::Paranoid)
        .with_chain_id(31337)
        .with_publisher(key.verifying_key())
        .with_signatures(sigs.clone());
    let cache = CodeCache::builder(Chain::new(vec![Box::new(source.clone())]))
        .verifier(paranoid.clone().with_state_root(root))
        .build();
    assert_eq!(cache.get_by_address(addresses[0]).unwrap().hash(), keccak256(contract(0, 20)));

    let cache = CodeCache::builder(Chain::new(vec![Box::new(source.clone())]))
        .verifier(paranoid.clone().with_state_root(B256::repeat_byte(1)))
        .build();
    let err = cache.get_by_address(addresses[0]).unwrap_err();
    assert!(matches!(err, LoadError::BadProof { .. }), "{err:?}");

    let cache = CodeCache::builder(Chain::new(vec![Box::new(source)])).verifier(paranoid).build();
    let err = cache.get_by_address(addresses[0]).unwrap_err();
    assert!(matches!(err, LoadError::Unsupported { .. }), "{err:?}");
}

#[test]
fn a_node_returning_other_code_is_a_hash_mismatch_naming_it() {
    let server = TinyServer::start(|req, s| {
        let body = jsonrpc_answer(
            &req.body,
            |id, _, _| json!({"jsonrpc": "2.0", "id": id, "result": code_hex(&contract(2, 0))}),
        );
        respond(s, "200 OK", &[("content-type", "application/json")], &body);
    });
    let cache = rpc_cache(&server.url);
    let want = keccak256(contract(1, 0));
    let err = cache.get_account(Address::repeat_byte(1), want).unwrap_err();
    match err {
        LoadError::HashMismatch { url, expected, actual } => {
            assert_eq!(&*url, server.url.as_str());
            assert_eq!((expected, actual), (want, keccak256(contract(2, 0))));
        }
        e => panic!("{e:?}"),
    }
    assert!(cache.get_cached(keccak256(contract(2, 0))).is_none());
}

#[test]
fn a_huge_body_is_cut_at_the_limit() {
    let server = TinyServer::start(|_, s| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100000000\r\n\r\n");
        let chunk = vec![b' '; 64 * 1024];
        for _ in 0..40 {
            if s.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let err = rpc_cache(&server.url).get_by_address(Address::ZERO).unwrap_err();
    assert!(matches!(err, LoadError::TooLarge { what: "response body", .. }), "{err:?}");
}

#[test]
fn malformed_json_is_a_typed_error() {
    for body in [&b"{not json"[..], b"[1,2,3]", b"{\"jsonrpc\":\"2.0\",\"id\":1}", b"\"0x00\""] {
        let body = body.to_vec();
        let server = TinyServer::start(move |_, s| respond(s, "200 OK", &[], &body));
        let err = rpc_cache(&server.url).get_by_address(Address::ZERO).unwrap_err();
        assert!(
            matches!(
                err,
                LoadError::MalformedResponse { .. } | LoadError::ResponseIdMismatch { .. }
            ),
            "{err:?}"
        );
    }
    let server = TinyServer::start(|req, s| {
        let body = jsonrpc_answer(&req.body, |id, _, _| json!({"id": id, "result": "0xzz"}));
        respond(s, "200 OK", &[], &body);
    });
    let err = rpc_cache(&server.url).get_by_address(Address::ZERO).unwrap_err();
    assert!(
        matches!(err, LoadError::MalformedResponse { reason: "code is not hex", .. }),
        "{err:?}"
    );
}

#[test]
fn wrong_response_ids_are_refused_and_batches_match_by_id() {
    let server = TinyServer::start(|req, s| {
        let body = jsonrpc_answer(
            &req.body,
            |id, _, _| json!({"jsonrpc": "2.0", "id": id.as_u64().unwrap() + 1000, "result": "0x00"}),
        );
        respond(s, "200 OK", &[], &body);
    });
    let err = rpc_cache(&server.url).get_by_address(Address::ZERO).unwrap_err();
    assert!(matches!(err, LoadError::ResponseIdMismatch { .. }), "{err:?}");

    // Answers in reverse order, one per address, each naming its own code.
    let server = TinyServer::start(|req, s| {
        let req_json: Value = serde_json::from_slice(&req.body).unwrap();
        let mut answers: Vec<Value> = req_json
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let a: Address = serde_json::from_value(r["params"][0].clone()).unwrap();
                json!({"jsonrpc": "2.0", "id": r["id"], "result": code_hex(&contract(u64::from(a[19]), 0))})
            })
            .collect();
        answers.reverse();
        respond(s, "200 OK", &[], &serde_json::to_vec(&answers).unwrap());
    });
    let source = RpcSource::with_block(&server.url, BlockPin::Number(1), limits());
    let addresses: Vec<Address> = (0..5u8).map(Address::with_last_byte).collect();
    let codes = source.get_codes(&addresses).unwrap();
    for (i, c) in codes.iter().enumerate() {
        assert_eq!(c.as_ref().unwrap().as_ref(), &contract(i as u64, 0)[..]);
    }
    let sent: Value = serde_json::from_slice(&server.requests.lock().unwrap()[0].body).unwrap();
    assert_eq!(sent[0]["params"][1], "0x1", "the block is pinned");
}

#[test]
fn a_slow_drip_response_times_out() {
    let server = TinyServer::start(|_, s| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n");
        for _ in 0..100 {
            if s.write_all(b" ").and_then(|()| s.flush()).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let start = Instant::now();
    let err = rpc_cache(&server.url).get_by_address(Address::ZERO).unwrap_err();
    assert!(matches!(err, LoadError::Timeout { .. }), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(10), "{:?}", start.elapsed());
}

#[test]
fn http_429_is_retried_after_retry_after() {
    let seen = Arc::new(AtomicUsize::new(0));
    let seen2 = seen.clone();
    let server = TinyServer::start(move |req, s| {
        if seen2.fetch_add(1, Ordering::SeqCst) == 0 {
            respond(s, "429 Too Many Requests", &[("retry-after", "1")], b"slow down");
        } else {
            let body = jsonrpc_answer(
                &req.body,
                |id, _, _| json!({"jsonrpc": "2.0", "id": id, "result": code_hex(&contract(4, 0))}),
            );
            respond(s, "200 OK", &[], &body);
        }
    });
    let mut l = limits();
    l.max_backoff = Duration::from_secs(2);
    let source = RpcSource::with_block(&server.url, BlockPin::Number(1), l);
    let start = Instant::now();
    assert_eq!(source.get_code(Address::ZERO).unwrap().as_ref(), &contract(4, 0)[..]);
    assert!(start.elapsed() >= Duration::from_millis(900), "{:?}", start.elapsed());
    assert_eq!(server.request_count(), 2);

    // A huge Retry-After is capped, and a server that never relents ends in RateLimited.
    let server = TinyServer::start(|_, s| {
        respond(s, "429 Too Many Requests", &[("retry-after", "3600")], b"")
    });
    let start = Instant::now();
    let err = rpc_cache(&server.url).get_by_address(Address::ZERO).unwrap_err();
    assert!(matches!(err, LoadError::RateLimited { attempts: 4, .. }), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
}

#[test]
fn json_rpc_rate_limit_errors_are_retried() {
    let seen = Arc::new(AtomicUsize::new(0));
    let seen2 = seen.clone();
    let server = TinyServer::start(move |req, s| {
        let n = seen2.fetch_add(1, Ordering::SeqCst);
        let body = jsonrpc_answer(&req.body, |id, _, _| match n {
            0 => json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32005, "message": "limit"}}),
            1 => json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32016, "message": "limit"}}),
            _ => json!({"jsonrpc": "2.0", "id": id, "result": code_hex(&contract(5, 0))}),
        });
        respond(s, "200 OK", &[], &body);
    });
    let cache = rpc_cache(&server.url);
    assert_eq!(cache.get_by_address(Address::ZERO).unwrap().hash(), keccak256(contract(5, 0)));
    assert_eq!(server.request_count(), 3);

    // Other JSON-RPC errors are not retried.
    let server = TinyServer::start(|req, s| {
        let body = jsonrpc_answer(
            &req.body,
            |id, _, _| json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32000, "message": "header not found"}}),
        );
        respond(s, "200 OK", &[], &body);
    });
    let err = rpc_cache(&server.url).get_by_address(Address::ZERO).unwrap_err();
    assert!(matches!(err, LoadError::Rpc { code: -32000, .. }), "{err:?}");
    assert_eq!(server.request_count(), 1);
}

#[test]
fn a_dead_node_is_a_transport_error() {
    let port = common::free_port();
    let err = rpc_cache(&format!("http://127.0.0.1:{port}")).get_by_address(Address::ZERO);
    assert!(matches!(err, Err(LoadError::Http { .. } | LoadError::Timeout { .. })), "{err:?}");
}

#[test]
fn cas_store_serves_by_hash_with_signature_sidecars() {
    let key = SigningKey::from_bytes(&[9u8; 32]);
    let code = contract(1, 0);
    let h = keccak256(&code);
    let wrong = keccak256(contract(2, 0));
    let sig = hex::encode(sign_code(&key, 1, h));
    let (code2, sig2) = (code.clone(), sig.clone());
    let server = TinyServer::start(move |req, s| {
        let path = req.path.as_str();
        if path == format!("/code/{}", hash_hex(&h)) {
            respond(s, "200 OK", &[], &code2);
        } else if path == format!("/code/{}.sig", hash_hex(&h)) {
            respond(s, "200 OK", &[], sig2.as_bytes());
        } else if path == format!("/code/{}", hash_hex(&wrong)) {
            respond(s, "200 OK", &[], b"\x00\x01");
        } else {
            respond(s, "404 Not Found", &[], b"");
        }
    });
    let url = format!("cas+{}/code", server.url);
    let cache = CodeCache::new(Chain::new(vec![open_source(&url).unwrap()]));
    assert_eq!(cache.get(h).unwrap().original().as_ref(), &code[..]);
    assert!(matches!(cache.get(B256::repeat_byte(3)), Err(LoadError::NotFound { .. })));
    match cache.get(wrong) {
        Err(LoadError::HashMismatch { url: u, .. }) => assert_eq!(&*u, url.as_str()),
        other => panic!("{other:?}"),
    }

    let strict = Verifier::new(VerificationLevel::Strict).with_publisher(key.verifying_key());
    let source = CasSource::open(&format!("{}/code", server.url), limits()).unwrap();
    assert_eq!(source.signature(h).unwrap().map(hex::encode), Some(sig));
    let cache = CodeCache::builder(Chain::new(vec![Box::new(source)])).verifier(strict).build();
    assert_eq!(cache.get(h).unwrap().hash(), h);
}

#[test]
fn ipfs_gateway_is_asked_for_the_raw_keccak_cid() {
    assert_eq!(
        cid_for_hash(KECCAK256_EMPTY),
        "bafkrwigf2jdadbxxem6je7t5wlomoa6a4ualmu6kqittw6723acf3bneoa"
    );
    let code = contract(8, 0);
    let h = keccak256(&code);
    let expected_path = format!("/ipfs/{}?format=raw", cid_for_hash(h));
    let code2 = code.clone();
    let server = TinyServer::start(move |req, s| {
        if req.path == expected_path {
            respond(s, "200 OK", &[("content-type", "application/vnd.ipld.raw")], &code2);
        } else {
            respond(s, "404 Not Found", &[], b"");
        }
    });
    let cache =
        CodeCache::new(Chain::new(vec![open_source(&format!("ipfs+{}", server.url)).unwrap()]));
    assert_eq!(cache.get(h).unwrap().original().as_ref(), &code[..]);
    assert!(matches!(cache.get(B256::repeat_byte(4)), Err(LoadError::NotFound { .. })));
    assert_eq!(server.request_count(), 2);
    assert_eq!(server.requests.lock().unwrap()[0].method, "GET");
}

#[test]
fn preload_batches_address_lookups() {
    let server = TinyServer::start(|req, s| {
        let body = jsonrpc_answer(&req.body, |id, method, params| {
            assert_eq!(method, "eth_getCode");
            let a: Address = serde_json::from_value(params[0].clone()).unwrap();
            let i = u64::from(u16::from_be_bytes([a[18], a[19]]));
            json!({"jsonrpc": "2.0", "id": id, "result": code_hex(&contract(i, 0))})
        });
        respond(s, "200 OK", &[], &body);
    });
    let cache = rpc_cache(&server.url);
    let keys: Vec<evm_codecache::Key> = (0..250u16)
        .map(|i| {
            let mut a = [0u8; 20];
            a[18..].copy_from_slice(&i.to_be_bytes());
            evm_codecache::Key::Address(Address::from(a))
        })
        .collect();
    let report = cache.preload(&keys, 2, |_| {});
    assert_eq!((report.loaded, report.failed.len()), (250, 0));
    assert_eq!(server.request_count(), 3, "250 addresses in batches of 100");
    for (i, k) in keys.iter().enumerate() {
        let evm_codecache::Key::Address(a) = k else { unreachable!() };
        assert_eq!(
            cache.get_by_address(*a).unwrap().original().as_ref(),
            &contract(i as u64, 0)[..]
        );
    }
    assert_eq!(server.request_count(), 3, "all served from memory afterwards");
    assert_eq!(cache.metrics().loads, 250);
}
