//! External bytecode: loaders (filesystem, JSON-RPC, SQLite, HTTP) and a verified shared cache.
//!
//! Not built yet: a later issue fills this crate. It will depend on `evm-bytecode` only and
//! never name `evm-interp`.
