//! The local and shared stores (file, SQLite, a real redis-server) and the chain over them:
//! layout, atomic writes, back-fill, degradation, corruption and publisher signatures.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use alloy_primitives::{Address, B256, keccak256};
use common::{Counting, contract, start_redis};
use ed25519_dalek::SigningKey;
use evm_codecache::{
    Chain, CodeCache, FileStore, LoadError, Loader, MemoryStore, RedisStore, SqliteStore,
    VerificationLevel, Verifier, hash_hex, open_source, sign_code,
};

#[test]
fn file_store_layout_and_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_source(&format!("file://{}", dir.path().display())).unwrap();
    let code = contract(1, 10);
    let h = keccak256(&code);
    assert_eq!(store.load(h).unwrap(), None);
    store.store(h, &code).unwrap();
    let hex = hash_hex(&h);
    assert_eq!(hex.len(), 64);
    let path = dir.path().join(&hex[..2]).join(&hex[2..4]).join(&hex);
    assert_eq!(std::fs::read(&path).unwrap(), code);
    assert_eq!(store.load(h).unwrap().unwrap().as_ref(), &code[..]);
    // No temporary files are left beside the code.
    assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);

    let a = Address::repeat_byte(0x12);
    store.store_address(a, &code).unwrap();
    assert!(dir.path().join("by-address").join("12".repeat(20)).exists());
    assert_eq!(store.load_by_address(a).unwrap(), Some((h, code.into())));
}

#[test]
fn file_store_refuses_huge_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path(), 1000).unwrap();
    let code = vec![0u8; 2000];
    let h = keccak256(&code);
    store.store(h, &code).unwrap();
    assert!(matches!(store.load(h), Err(LoadError::TooLarge { what: "file", .. })));
}

#[test]
fn urls_pick_sources_or_fail_typed() {
    assert!(matches!(open_source("ftp://x"), Err(LoadError::UnsupportedScheme { .. })));
    assert!(matches!(open_source("no-scheme"), Err(LoadError::InvalidUrl { .. })));
    assert!(matches!(open_source("file://relative"), Err(LoadError::InvalidUrl { .. })));
    assert!(matches!(open_source("https://node"), Err(LoadError::TlsNotCompiled { .. })));
    assert!(matches!(open_source("cas+https://node/x"), Err(LoadError::TlsNotCompiled { .. })));
    assert!(matches!(open_source("redis://"), Err(LoadError::Redis { .. }) | Ok(_)));
}

#[test]
fn chain_backfills_faster_levels_and_verifies_first() {
    let dir = tempfile::tempdir().unwrap();
    let file = Arc::new(FileStore::open(dir.path(), 1 << 20).unwrap());
    let db = tempfile::tempdir().unwrap();
    let sqlite = Arc::new(SqliteStore::open(db.path().join("code.db")).unwrap());
    let origin = MemoryStore::new("mem://origin");
    let good = origin.insert(contract(1, 0));
    let bad = keccak256(b"claimed");
    origin.insert_raw(bad, contract(2, 0));
    let cache = CodeCache::new(Chain::new(vec![
        Box::new(file.clone()),
        Box::new(sqlite.clone()),
        Box::new(origin),
    ]));
    cache.get(good).unwrap();
    assert!(file.load(good).unwrap().is_some());
    assert!(sqlite.load(good).unwrap().is_some());
    let m = cache.metrics();
    assert_eq!(m.sources[&**file.url()].backfills, 1);
    assert_eq!(m.sources["mem://origin"].loads, 1);

    // Unverified code reaches no level.
    assert!(matches!(cache.get(bad), Err(LoadError::HashMismatch { .. })));
    assert!(file.load(bad).unwrap().is_none());
    assert!(sqlite.load(bad).unwrap().is_none());

    // A new process: the file level answers, the origin is not asked.
    let origin = Arc::new(Counting::new(MemoryStore::new("mem://origin"), Duration::ZERO));
    let cache = CodeCache::new(Chain::new(vec![Box::new(file.clone()), Box::new(origin.clone())]));
    cache.get(good).unwrap();
    assert_eq!(origin.loads.load(Ordering::SeqCst), 0);
}

#[test]
fn a_corrupt_shared_entry_falls_through_to_the_next_level() {
    let shared = MemoryStore::new("mem://shared");
    let origin = MemoryStore::new("mem://origin");
    let h = origin.insert(contract(5, 0));
    shared.insert_raw(h, contract(6, 0));
    let cache = CodeCache::new(Chain::new(vec![Box::new(shared), Box::new(origin)]));
    assert_eq!(cache.get(h).unwrap().hash(), h);
    let m = cache.metrics();
    assert_eq!(m.verification_failures, 1);
    assert_eq!(m.sources["mem://shared"].verification_failures, 1);
    assert_eq!(m.sources["mem://origin"].loads, 1);
}

#[test]
fn sqlite_round_trip_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("code.db");
    let url = format!("sqlite://{}", path.display());
    let code = contract(7, 100);
    let h = keccak256(&code);
    {
        let store = open_source(&url).unwrap();
        assert_eq!(store.load(h).unwrap(), None);
        store.store(h, &code).unwrap();
        store.store(h, &code).unwrap();
    }
    let store = open_source(&url).unwrap();
    assert_eq!(store.load(h).unwrap().unwrap().as_ref(), &code[..]);
}

#[test]
fn a_truncated_sqlite_file_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("code.db");
    let hashes: Vec<B256> = {
        let store = SqliteStore::open(&path).unwrap();
        (0..100)
            .map(|i| {
                let code = contract(i, 3000);
                let h = keccak256(&code);
                store.store(h, &code).unwrap();
                h
            })
            .collect()
    };
    let len = std::fs::metadata(&path).unwrap().len();
    assert!(len > 100_000, "{len}");
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(len / 3).unwrap();
    drop(file);
    let outcome = SqliteStore::open(&path)
        .and_then(|store| hashes.iter().try_for_each(|h| store.load(*h).map(drop)));
    let err = outcome.unwrap_err();
    assert!(matches!(err, LoadError::CorruptStore { .. }), "{err:?}");

    // Garbage from the first byte: not a database.
    std::fs::write(&path, vec![0x42; 8192]).unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(matches!(err, LoadError::CorruptStore { .. }), "{err:?}");
}

#[test]
fn strict_verification_needs_a_trusted_signature() {
    let key = SigningKey::from_bytes(&[3u8; 32]);
    let verifier = Verifier::new(VerificationLevel::Strict)
        .with_publisher(key.verifying_key())
        .with_chain_id(31337);
    let dir = tempfile::tempdir().unwrap();
    let file = Arc::new(FileStore::open(dir.path(), 1 << 20).unwrap());
    let signed = contract(1, 0);
    let unsigned = contract(2, 0);
    let forged = contract(3, 0);
    let (hs, hu, hf) = (keccak256(&signed), keccak256(&unsigned), keccak256(&forged));
    for (h, c) in [(hs, &signed), (hu, &unsigned), (hf, &forged)] {
        file.store(h, c).unwrap();
    }
    file.store_signature(hs, &sign_code(&key, 31337, hs)).unwrap();
    let other = SigningKey::from_bytes(&[4u8; 32]);
    file.store_signature(hf, &sign_code(&other, 31337, hf)).unwrap();
    let sig_path = file.path_for(hs).with_extension("sig");
    assert_eq!(std::fs::read_to_string(sig_path).unwrap().len(), 128);

    let cache =
        CodeCache::builder(Chain::new(vec![Box::new(file.clone())])).verifier(verifier).build();
    assert_eq!(cache.get(hs).unwrap().hash(), hs);
    assert!(matches!(cache.get(hu), Err(LoadError::MissingSignature { hash }) if hash == hu));
    assert!(matches!(cache.get(hf), Err(LoadError::BadSignature { hash, .. }) if hash == hf));
    assert_eq!(cache.metrics().verification_failures, 2);
}

#[test]
fn strict_backfill_carries_the_signature() {
    let key = SigningKey::from_bytes(&[5u8; 32]);
    let verifier = Verifier::new(VerificationLevel::Strict).with_publisher(key.verifying_key());
    let origin_dir = tempfile::tempdir().unwrap();
    let origin = FileStore::open(origin_dir.path(), 1 << 20).unwrap();
    let code = contract(9, 0);
    let h = keccak256(&code);
    origin.store(h, &code).unwrap();
    origin.store_signature(h, &sign_code(&key, 1, h)).unwrap();
    let near_dir = tempfile::tempdir().unwrap();
    let near = Arc::new(FileStore::open(near_dir.path(), 1 << 20).unwrap());
    let cache = CodeCache::builder(Chain::new(vec![Box::new(near.clone()), Box::new(origin)]))
        .verifier(verifier.clone())
        .build();
    cache.get(h).unwrap();
    // The near level alone now passes strict verification.
    let cache = CodeCache::builder(Chain::new(vec![Box::new(near)])).verifier(verifier).build();
    assert_eq!(cache.get(h).unwrap().hash(), h);
}

#[test]
fn redis_shares_code_and_a_dead_server_degrades_to_the_next_level() {
    let mut server = start_redis();
    let url = format!("redis://127.0.0.1:{}/", server.port);
    let redis = Arc::new(RedisStore::open(&url, Duration::from_secs(2), 1 << 20).unwrap());
    let origin = Arc::new(Counting::new(MemoryStore::new("mem://origin"), Duration::ZERO));
    let hashes: Vec<B256> = (0..3).map(|i| origin.inner.insert(contract(i, 0))).collect();
    let cache = CodeCache::new(Chain::new(vec![Box::new(redis.clone()), Box::new(origin.clone())]));

    // First load: origin, then back-filled into Redis under evmkit:code:<hash>.
    cache.get(hashes[0]).unwrap();
    assert_eq!(origin.loads.load(Ordering::SeqCst), 1);
    assert_eq!(RedisStore::key(hashes[0]), format!("evmkit:code:{}", hash_hex(&hashes[0])));
    assert_eq!(redis.load(hashes[0]).unwrap().unwrap().as_ref(), &contract(0, 0)[..]);

    // Another process shares it through Redis, re-verifying on read.
    let other = CodeCache::new(Chain::new(vec![
        Box::new(RedisStore::open(&url, Duration::from_secs(2), 1 << 20).unwrap()),
        Box::new(origin.clone()),
    ]));
    other.get(hashes[0]).unwrap();
    assert_eq!(origin.loads.load(Ordering::SeqCst), 1);

    // A poisoned Redis entry is refused and the origin answers.
    redis.store(hashes[1], b"not the code").unwrap();
    assert_eq!(other.get(hashes[1]).unwrap().hash(), hashes[1]);
    assert_eq!(other.metrics().sources[&*url].verification_failures, 1);

    // Kill Redis mid-run: the next load still succeeds from the origin, the failure counted.
    server.kill();
    let before = cache.metrics().level_failures;
    assert_eq!(cache.get(hashes[2]).unwrap().hash(), hashes[2]);
    let m = cache.metrics();
    assert!(m.level_failures > before);
    assert!(m.sources[&*url].failures >= 1);
    assert!(matches!(
        redis.load(hashes[2]),
        Err(LoadError::Redis { .. } | LoadError::Timeout { .. })
    ));
}
