//! The `plugin-load` target: files a user might hand `Extensions::load_plugin` (random bytes, a
//! real library cut short inside a segment, a real ELF header followed by garbage) give a typed
//! error, never a panic or a crash.
//!
//! Only inputs that the loader or `dlopen` refuse before any library code runs are generated: a
//! loaded library is never unloaded (by design), so a target that loaded real plugins would grow
//! without bound, and a library whose code bytes were changed may crash in its own initialisers,
//! which no check can prevent (the loader's contract is that the library is trusted).
#![expect(unsafe_code, reason = "Extensions::load_plugin on files refused before their code runs")]

use std::path::PathBuf;
use std::sync::OnceLock;

use evm_vm::Extensions;

/// The math example plugin's bytes (built in release on first use).
fn math_plugin() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let path = evm_vm::evm_extensions::test_support::example_plugin("math");
        std::fs::read(&path).unwrap_or_default()
    })
}

/// The file that `data` stands for: byte 0 picks the kind, the rest shapes it.
pub fn file_bytes(data: &[u8]) -> Vec<u8> {
    let Some((&kind, rest)) = data.split_first() else { return Vec::new() };
    let lib = math_plugin();
    match kind % 3 {
        0 => rest.to_vec(),
        1 => {
            // Cut inside the first half, where the loadable segments are.
            let at = rest.iter().take(4).fold(0usize, |n, b| n << 8 | usize::from(*b));
            lib[..at % (lib.len() / 2).max(1)].to_vec()
        }
        _ => {
            let mut bytes = lib[..lib.len().min(64)].to_vec();
            bytes.extend_from_slice(rest);
            bytes
        }
    }
}

/// This thread's scratch file.
fn scratch() -> PathBuf {
    let thread = format!("{:?}", std::thread::current().id());
    let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
    std::env::temp_dir().join(format!("evm-fuzz-plugin-{}-{thread}.so", std::process::id()))
}

/// Writes the file for `data` and loads it under the development configuration. `Err` only
/// when a file that should have been refused was loaded (the library is then kept, as always).
pub fn plugin_load(data: &[u8]) -> Result<(), String> {
    let bytes = file_bytes(data);
    let path = scratch();
    if std::fs::write(&path, &bytes).is_err() {
        return Ok(());
    }
    let mut ext = Extensions::development();
    // SAFETY: every generated file is refused by the loader's ELF check or by `dlopen` before
    // any of its code runs (the module comment); a success is reported, not relied on.
    let loaded = unsafe { ext.load_plugin(&path) };
    let _ = std::fs::remove_file(&path);
    match loaded {
        Ok(_) => Err(format!("a damaged library of {} bytes was loaded", bytes.len())),
        Err(err) => {
            std::hint::black_box(err.to_string());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_damaged_file_is_refused() {
        let mut rng = crate::rng::Rng::from_seed(7);
        for kind in 0..3u8 {
            for len in [0usize, 3, 63, 64, 700, 5_000] {
                let mut data = vec![kind];
                data.extend(rng.bytes(len));
                assert_eq!(plugin_load(&data), Ok(()), "kind {kind}, {len} bytes");
            }
        }
        assert!(!scratch().exists(), "the scratch file is removed");
    }
}
