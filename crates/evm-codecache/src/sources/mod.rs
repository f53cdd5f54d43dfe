//! The sources behind `open_source`, one file each, plus the HTTP client they share.

mod cas;
mod file;
mod http;
mod memory;
mod redis;
mod rpc;
mod sqlite;

pub use cas::{CasSource, IpfsSource, cid_for_hash};
pub use file::FileStore;
pub use http::HttpLimits;
pub use memory::MemoryStore;
pub use redis::{REDIS_KEY_PREFIX, RedisStore};
pub use rpc::{BlockPin, RpcSource};
pub use sqlite::SqliteStore;
