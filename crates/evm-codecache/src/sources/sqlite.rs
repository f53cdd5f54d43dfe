//! `SqliteStore` (`sqlite:///PATH`): table `code (hash BLOB PRIMARY KEY, code BLOB)`,
//! written through. A corrupt or truncated file is `LoadError::CorruptStore`, never a panic.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy_primitives::{B256, Bytes};
use rusqlite::{Connection, ErrorCode, OptionalExtension};

use crate::error::LoadError;
use crate::loader::Loader;

/// A SQLite database of code by hash.
#[derive(Debug)]
pub struct SqliteStore {
    url: Arc<str>,
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and its table.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, LoadError> {
        let path = path.as_ref();
        let url: Arc<str> = Arc::from(format!("sqlite://{}", path.display()));
        let conn = Connection::open(path).map_err(|e| sqlite_error(&url, e))?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(|e| sqlite_error(&url, e))?;
        // WAL with synchronous=NORMAL: a commit is atomic and never torn, without an fsync
        // per row (a lost tail after a power cut only costs a reload).
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS code (hash BLOB PRIMARY KEY, code BLOB NOT NULL) WITHOUT ROWID;",
        )
        .map_err(|e| sqlite_error(&url, e))?;
        Ok(Self { url, conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn sqlite_error(url: &Arc<str>, e: rusqlite::Error) -> LoadError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            LoadError::CorruptStore { url: url.clone(), source: Arc::new(e) }
        }
        _ => LoadError::Sqlite { url: url.clone(), source: Arc::new(e) },
    }
}

impl Loader for SqliteStore {
    fn url(&self) -> &Arc<str> {
        &self.url
    }

    fn load(&self, hash: B256) -> Result<Option<Bytes>, LoadError> {
        self.conn()
            .query_row("SELECT code FROM code WHERE hash = ?1", [hash.as_slice()], |row| {
                row.get::<_, Vec<u8>>(0)
            })
            .optional()
            .map(|code| code.map(Bytes::from))
            .map_err(|e| sqlite_error(&self.url, e))
    }

    fn is_writable(&self) -> bool {
        true
    }

    fn store(&self, hash: B256, code: &[u8]) -> Result<(), LoadError> {
        // One statement is one transaction: readers see the row whole or not at all.
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO code (hash, code) VALUES (?1, ?2)",
                rusqlite::params![hash.as_slice(), code],
            )
            .map(drop)
            .map_err(|e| sqlite_error(&self.url, e))
    }
}
