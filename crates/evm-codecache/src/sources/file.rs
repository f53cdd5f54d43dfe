//! `FileStore` (`file:///DIR`): content-addressed files `DIR/ab/cd/<hash>`, signature sidecars
//! `DIR/ab/cd/<hash>.sig` (128 hex digits) and code by address `DIR/by-address/<address>`.
//! Writes go to a temporary file in the target directory and are renamed into place.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use alloy_primitives::{Address, B256, Bytes, keccak256};

use crate::error::LoadError;
use crate::key::{address_hex, hash_hex};
use crate::loader::Loader;
use crate::verify::parse_signature_hex;

/// A directory of code files.
#[derive(Debug)]
pub struct FileStore {
    url: Arc<str>,
    dir: PathBuf,
    max_blob: u64,
}

impl FileStore {
    /// Opens (creating if needed) the store rooted at `dir`; files over `max_blob` bytes are
    /// refused.
    pub fn open(dir: impl AsRef<Path>, max_blob: u64) -> Result<Self, LoadError> {
        let dir = dir.as_ref().to_path_buf();
        let url: Arc<str> = Arc::from(format!("file://{}", dir.display()));
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&url, &dir, e))?;
        Ok(Self { url, dir, max_blob })
    }

    /// The path of the code file for `hash`.
    pub fn path_for(&self, hash: B256) -> PathBuf {
        let hex = hash_hex(&hash);
        self.dir.join(&hex[0..2]).join(&hex[2..4]).join(hex)
    }

    /// The path of the code file for `address`.
    pub fn address_path(&self, address: Address) -> PathBuf {
        self.dir.join("by-address").join(address_hex(&address))
    }

    fn sig_path(&self, hash: B256) -> PathBuf {
        self.path_for(hash).with_extension("sig")
    }

    fn read(&self, path: &Path) -> Result<Option<Vec<u8>>, LoadError> {
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(&self.url, path, e)),
        };
        let mut buf = Vec::new();
        file.take(self.max_blob + 1)
            .read_to_end(&mut buf)
            .map_err(|e| io_error(&self.url, path, e))?;
        if buf.len() as u64 > self.max_blob {
            return Err(LoadError::TooLarge {
                url: self.url.clone(),
                what: "file",
                size: buf.len() as u64,
                limit: self.max_blob,
            });
        }
        Ok(Some(buf))
    }

    /// Writes `data` to `path` atomically: temp file in the same directory, then rename.
    fn write_atomic(&self, path: &Path, data: &[u8]) -> Result<(), LoadError> {
        let parent = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent).map_err(|e| io_error(&self.url, parent, e))?;
        let mut tmp =
            tempfile::NamedTempFile::new_in(parent).map_err(|e| io_error(&self.url, parent, e))?;
        tmp.write_all(data).map_err(|e| io_error(&self.url, tmp.path(), e))?;
        tmp.as_file().sync_data().map_err(|e| io_error(&self.url, tmp.path(), e))?;
        tmp.persist(path).map_err(|e| io_error(&self.url, path, e.error))?;
        Ok(())
    }
}

fn io_error(url: &Arc<str>, path: &Path, e: io::Error) -> LoadError {
    LoadError::Io { url: url.clone(), path: path.to_path_buf(), source: Arc::new(e) }
}

impl Loader for FileStore {
    fn url(&self) -> &Arc<str> {
        &self.url
    }

    fn load(&self, hash: B256) -> Result<Option<Bytes>, LoadError> {
        Ok(self.read(&self.path_for(hash))?.map(Bytes::from))
    }

    fn load_by_address(&self, address: Address) -> Result<Option<(B256, Bytes)>, LoadError> {
        Ok(self
            .read(&self.address_path(address))?
            .map(|code| (keccak256(&code), Bytes::from(code))))
    }

    fn is_writable(&self) -> bool {
        true
    }

    fn store(&self, hash: B256, code: &[u8]) -> Result<(), LoadError> {
        self.write_atomic(&self.path_for(hash), code)
    }

    fn store_address(&self, address: Address, code: &[u8]) -> Result<(), LoadError> {
        self.write_atomic(&self.address_path(address), code)
    }

    fn signature(&self, hash: B256) -> Result<Option<[u8; 64]>, LoadError> {
        match self.read(&self.sig_path(hash))? {
            None => Ok(None),
            Some(text) => parse_signature_hex(&text)
                .map(Some)
                .ok_or_else(|| LoadError::BadSignature { url: self.url.clone(), hash }),
        }
    }

    fn store_signature(&self, hash: B256, signature: &[u8; 64]) -> Result<(), LoadError> {
        self.write_atomic(&self.sig_path(hash), hex::encode(signature).as_bytes())
    }
}
