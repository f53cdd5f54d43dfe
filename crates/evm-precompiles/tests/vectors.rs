//! Official test vectors (see `tests/data/README.md` for sources) run against every precompile.

use evm_precompiles::{
    Fork, Precompile, PrecompileError, bls12_g1add, bls12_g1msm, bls12_g2add, bls12_g2msm,
    bls12_map_fp_to_g1, bls12_map_fp2_to_g2, bls12_pairing, bn254_add, bn254_mul, bn254_pairing,
    modexp, p256verify, point_evaluation,
};
use serde_json::Value;
use std::path::PathBuf;

/// Loads `tests/data/<name>` as a JSON array.
fn load(name: &str) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match serde_json::from_str(&text) {
        Ok(Value::Array(cases)) => cases,
        other => panic!("{name}: not a JSON array: {other:?}"),
    }
}

/// A string field of a test case.
fn field<'a>(case: &'a Value, key: &str) -> &'a str {
    case.get(key).and_then(Value::as_str).unwrap_or_else(|| panic!("missing {key} in {case}"))
}

/// Runs every success case of `file` through `p`, checking output, gas and the out-of-gas edge.
#[track_caller]
fn check_file(file: &str, p: Precompile, default_fork: Fork) -> usize {
    let cases = load(file);
    for case in &cases {
        let name = field(case, "Name");
        let input = hex::decode(field(case, "Input")).expect("hex input");
        let expected = field(case, "Expected").to_lowercase();
        let gas = case.get("Gas").and_then(Value::as_u64).expect("gas");
        let fork = case.get("Fork").and_then(Value::as_str).map_or(default_fork, |f| {
            f.parse().unwrap_or_else(|_| panic!("{file} {name}: unknown fork {f}"))
        });
        let out = p(&input, gas, fork).unwrap_or_else(|e| panic!("{file} {name}: {e:?}"));
        assert_eq!(hex::encode(&out.output), expected, "{file} {name}: output");
        assert_eq!(out.gas_used, gas, "{file} {name}: gas");
        if gas > 0 {
            assert_eq!(p(&input, gas - 1, fork), Err(PrecompileError::OutOfGas), "{file} {name}");
        }
    }
    cases.len()
}

#[test]
fn bn254_vectors() {
    assert_eq!(check_file("bn254_add.json", bn254_add, Fork::Istanbul), 12);
    assert_eq!(check_file("bn254_mul.json", bn254_mul, Fork::Istanbul), 12);
    assert_eq!(check_file("bn254_pairing.json", bn254_pairing, Fork::Istanbul), 7);
}

#[test]
fn modexp_vectors() {
    assert_eq!(check_file("modexp.json", modexp, Fork::Osaka), 9);
}

#[test]
fn point_evaluation_vectors() {
    assert_eq!(check_file("point_evaluation.json", point_evaluation, Fork::Cancun), 1);
}

#[test]
fn p256verify_vectors() {
    assert_eq!(check_file("p256verify.json", p256verify, Fork::Osaka), 12);
}

#[test]
fn bls12_381_vectors() {
    assert_eq!(check_file("bls_g1add.json", bls12_g1add, Fork::Prague), 8);
    assert_eq!(check_file("bls_g2add.json", bls12_g2add, Fork::Prague), 7);
    assert_eq!(check_file("bls_g1msm.json", bls12_g1msm, Fork::Prague), 10);
    assert_eq!(check_file("bls_g2msm.json", bls12_g2msm, Fork::Prague), 6);
    assert_eq!(check_file("bls_pairing.json", bls12_pairing, Fork::Prague), 8);
    assert_eq!(check_file("bls_map_fp_to_g1.json", bls12_map_fp_to_g1, Fork::Prague), 5);
    assert_eq!(check_file("bls_map_fp2_to_g2.json", bls12_map_fp2_to_g2, Fork::Prague), 5);
}

#[test]
fn bls12_381_failures() {
    let cases = load("bls_fail.json");
    for case in &cases {
        let name = field(case, "Name");
        let p: Precompile = match field(case, "Precompile") {
            "g1add" => bls12_g1add,
            "g1msm" => bls12_g1msm,
            "g2add" => bls12_g2add,
            "g2msm" => bls12_g2msm,
            "pairing" => bls12_pairing,
            "map_fp_to_g1" => bls12_map_fp_to_g1,
            "map_fp2_to_g2" => bls12_map_fp2_to_g2,
            other => panic!("{name}: unknown precompile {other}"),
        };
        let input = hex::decode(field(case, "Input")).expect("hex input");
        let err = p(&input, u64::MAX, Fork::Prague).expect_err(name);
        assert_eq!(format!("{err:?}"), field(case, "ExpectedError"), "{name}");
    }
    assert_eq!(cases.len(), 19);
}
