//! Solidity metadata on real solc output (see `tests/data/README.md`).

use evm_bytecode::metadata::{Metadata, SolcVersion, strip_metadata};
use evm_bytecode::{AnalyzedCode, lint};

fn load(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("test data file");
    alloy_primitives::hex::decode(text.trim()).expect("test data hex")
}

fn release(major: u8, minor: u8, patch: u8) -> Option<SolcVersion> {
    Some(SolcVersion::Release { major, minor, patch })
}

#[test]
fn counter_0_8_28() {
    let code = load("counter_0.8.28.runtime.hex");
    let meta = Metadata::parse(&code).expect("trailer");
    assert_eq!(meta.ipfs_cid().as_deref(), Some("QmdcfufVbWsmyRsRT6d9xJ4rprLL2EPt2mNZ9XMie4VWyp"));
    assert_eq!(meta.solc, release(0, 8, 28));
    assert_eq!((meta.bzzr0, meta.bzzr1, meta.experimental), (None, None, None));
    assert_eq!(strip_metadata(&code).len(), code.len() - 53);
    // The init code ends with the runtime code it deploys, so it carries the same trailer.
    let init = load("counter_0.8.28.init.hex");
    assert_eq!(Metadata::parse(&init), Some(meta));
}

#[test]
fn store_0_8_37_ipfs() {
    let meta = Metadata::parse(&load("store_0.8.37_ipfs.runtime.hex")).expect("trailer");
    assert_eq!(meta.ipfs_cid().as_deref(), Some("QmUcmfoqUkxTGrjyCkNRioiEqJkcFyGWkoVyeN7aku5ATr"));
    assert_eq!(meta.solc, release(0, 8, 37));
    assert_eq!(meta.solc.map(|v| v.to_string()).as_deref(), Some("0.8.37"));
}

#[test]
fn store_0_8_37_bzzr1() {
    let meta = Metadata::parse(&load("store_0.8.37_bzzr1.runtime.hex")).expect("trailer");
    assert_eq!(meta.ipfs, None);
    assert_eq!(
        meta.bzzr1.map(|h| h.to_string()).as_deref(),
        Some("0xc3dd7b6bae9cd1b8cfb6fb7ea91ca14d64366e1eaa4b37fe374808a7fe094a4a")
    );
    assert_eq!(meta.solc, release(0, 8, 37));
    assert_eq!(meta.cbor_length, 0x32);
}

#[test]
fn store_0_8_37_without_hash() {
    let code = load("store_0.8.37_nohash.runtime.hex");
    let meta = Metadata::parse(&code).expect("trailer");
    assert_eq!((&meta.ipfs, meta.bzzr0, meta.bzzr1), (&None, None, None));
    assert_eq!(meta.solc, release(0, 8, 37));
    assert_eq!(meta.trailer_len(), 12);
}

#[test]
fn experimental_0_5_17() {
    let meta = Metadata::parse(&load("experimental_0.5.17.runtime.hex")).expect("trailer");
    assert_eq!(meta.experimental, Some(true));
    assert_eq!(meta.solc, release(0, 5, 17));
    assert!(meta.bzzr1.is_some());
}

#[test]
fn store_0_4_26_bzzr0() {
    let meta = Metadata::parse(&load("store_0.4.26.runtime.hex")).expect("trailer");
    assert_eq!(
        meta.bzzr0.map(|h| h.to_string()).as_deref(),
        Some("0x955368b455caeceaae72ee6f9fbc8764643ecf389727c4a24258bcae6d0a7ac1")
    );
    assert_eq!((meta.solc, meta.experimental), (None, None));
}

#[test]
fn real_runtime_code_lints_clean_without_trailer() {
    // The trailer is data, so only the code before it is linted.
    for name in ["counter_0.8.28.runtime.hex", "store_0.8.37_ipfs.runtime.hex"] {
        let code = load(name);
        let runtime = AnalyzedCode::new(strip_metadata(&code).to_vec());
        let issues = lint(&runtime);
        assert!(issues.is_empty(), "{name}: {issues:?}");
    }
}
