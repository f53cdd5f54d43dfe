//! Builds the workspace's plugin crates for tests, in the same run, into their own target
//! directory (so a test does not wait on the lock of the build that runs it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Serialises plugin builds within one test process.
static BUILD: Mutex<()> = Mutex::new(());

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds package `package` (e.g. `evmkit-plugin-math`) in release mode with `features`, into
/// `target/plugin-tests/<tag>`, and returns the path of `lib<lib_name>.so`. Panics with cargo's
/// output when the build fails: a test that needs a plugin cannot go on without it.
pub fn build_plugin(package: &str, lib_name: &str, features: &[&str], tag: &str) -> PathBuf {
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let root = workspace_root();
    let target = root.join("target/plugin-tests").join(tag);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&root)
        .args(["build", "--release", "--quiet", "-p", package, "--target-dir"])
        .arg(&target);
    if !features.is_empty() {
        cmd.args(["--features", &features.join(",")]);
    }
    let out = cmd.output().expect("cargo runs");
    assert!(
        out.status.success(),
        "building {package} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    target.join("release").join(format!("lib{lib_name}.so"))
}

/// Builds one of the example plugins (`math`, `counter`, `kvstore`).
pub fn example_plugin(name: &str) -> PathBuf {
    build_plugin(
        &format!("evmkit-plugin-{name}"),
        &format!("evmkit_plugin_{name}"),
        &[],
        "examples",
    )
}
