//! Configuration presets and plugin security levels.

/// How much a plugin must prove before its code runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum SecurityLevel {
    /// Load any plugin whose descriptor can be read (magic and ABI major are still checked:
    /// without them calling the plugin is undefined behaviour). Development only.
    None,
    /// Descriptor, ABI version and symbol checks.
    Basic,
    /// Basic, plus an ed25519 signature of the file by a trusted key (checked on the bytes that
    /// are then loaded), and declared capabilities enforced for every extension.
    Strict,
    /// No native plugin code runs: only extensions compiled into the program are accepted.
    Paranoid,
}

impl SecurityLevel {
    /// Lowercase name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Basic => "basic",
            Self::Strict => "strict",
            Self::Paranoid => "paranoid",
        }
    }
}

/// Registry configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Whether `load_plugin` may load `.so` files.
    pub allow_runtime_loading: bool,
    /// Whether `reload_plugin` may swap a plugin for a new build.
    pub allow_reload: bool,
    /// The security level.
    pub security: SecurityLevel,
    /// Maximum number of registered extensions.
    pub max_extensions: usize,
    /// Maximum number of hooks at one point.
    pub max_hooks_per_point: usize,
    /// Time every hook call (calls and errors are always counted).
    pub metrics: bool,
    /// ed25519 public keys whose plugin signatures `Strict` accepts.
    pub trusted_keys: Vec<[u8; 32]>,
}

impl Config {
    /// No runtime loading, `Strict`, no timing.
    pub fn production() -> Self {
        Self {
            allow_runtime_loading: false,
            allow_reload: false,
            security: SecurityLevel::Strict,
            max_extensions: 64,
            max_hooks_per_point: 16,
            metrics: false,
            trusted_keys: Vec::new(),
        }
    }

    /// Runtime loading and reload, `Basic`, timing on.
    pub fn development() -> Self {
        Self {
            allow_runtime_loading: true,
            allow_reload: true,
            security: SecurityLevel::Basic,
            max_extensions: 256,
            max_hooks_per_point: 64,
            metrics: true,
            trusted_keys: Vec::new(),
        }
    }

    /// Like `development`, with security `None` and generous limits.
    pub fn testing() -> Self {
        Self { security: SecurityLevel::None, max_extensions: 1024, ..Self::development() }
    }

    /// Whether declared capabilities are enforced.
    pub fn enforces_capabilities(&self) -> bool {
        self.security >= SecurityLevel::Strict
    }
}
