//! Ethereum state-test runner (STUB).
