//! Repository hygiene checks, run as a `#[test]`: every `.rs` opens with `//!`,
//! no `should_panic` attributes, and internal path dependencies carry a `version`.

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::{Path, PathBuf};

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if name == "target" || name == "node_modules" || name.to_string_lossy().starts_with('.')
            {
                continue;
            }
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    fn workspace_files() -> Vec<PathBuf> {
        let root = crate::root();
        let mut files = Vec::new();
        for dir in ["crates", "xtask", "benches", "fuzz"] {
            rust_files(&root.join(dir), &mut files);
        }
        files
    }

    #[test]
    fn every_rust_file_opens_with_module_docs() {
        let missing: Vec<_> = workspace_files()
            .into_iter()
            .filter(|p| {
                let text = fs::read_to_string(p).unwrap_or_default();
                !text.trim_start().starts_with("//!")
            })
            .collect();
        assert!(missing.is_empty(), "files without a `//!` header: {missing:?}");
    }

    #[test]
    fn no_should_panic() {
        let needle = ["#[should", "_panic"].concat();
        let offenders: Vec<_> = workspace_files()
            .into_iter()
            .filter(|p| fs::read_to_string(p).unwrap_or_default().contains(&needle))
            .collect();
        assert!(offenders.is_empty(), "assert on values instead of panics: {offenders:?}");
    }

    #[test]
    fn internal_path_dependencies_carry_a_version() {
        let text = fs::read_to_string(crate::root().join("Cargo.toml")).unwrap();
        for line in text.lines().filter(|l| l.contains("path = \"crates/")) {
            assert!(line.contains("version = "), "internal dependency without version: {line}");
        }
    }
}
