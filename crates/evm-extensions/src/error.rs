//! `ExtensionError`: everything registration and plugin loading can refuse.

use std::path::PathBuf;

use alloy_primitives::Address;

/// Why a registration, a plugin load or a reload was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtensionError {
    /// The file could not be read.
    #[error("cannot read plugin {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The dynamic loader refused the file (not a shared library, truncated, wrong machine).
    #[error("cannot load plugin {path}: {source}")]
    Load {
        /// The file.
        path: PathBuf,
        /// The loader's error.
        #[source]
        source: libloading::Error,
    },
    /// The file is an ELF library cut short or corrupt (`dlopen` would crash the process).
    #[error("cannot load plugin {path}: truncated or corrupt ELF file ({problem})")]
    CorruptLibrary {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// The library does not export the descriptor function.
    #[error("{path} is not an evmkit plugin: no symbol {symbol}")]
    MissingSymbol {
        /// The file.
        path: PathBuf,
        /// The symbol looked for.
        symbol: &'static str,
    },
    /// The descriptor is null, has the wrong magic or is shorter than the ABI's.
    #[error("{path}: invalid plugin descriptor ({reason})")]
    BadDescriptor {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: &'static str,
    },
    /// The plugin was built for another ABI.
    #[error(
        "plugin ABI v{found_major}.{found_minor}, this loader supports v{expected_major}.0 to v{expected_major}.{expected_minor}"
    )]
    AbiMismatch {
        /// The loader's major version.
        expected_major: u32,
        /// The loader's minor version.
        expected_minor: u32,
        /// The plugin's major version.
        found_major: u32,
        /// The plugin's minor version.
        found_minor: u32,
    },
    /// The plugin's `init` returned an error status or panicked.
    #[error("plugin {name} failed to initialise (status {status})")]
    InitFailed {
        /// The plugin's name.
        name: String,
        /// The status code it returned.
        status: i32,
    },
    /// Loading plugins at runtime is disabled by the configuration (`production()`), or the
    /// security level is `Paranoid`.
    #[error("runtime plugin loading is disabled ({reason})")]
    LoadingDisabled {
        /// Why.
        reason: &'static str,
    },
    /// Reloading is disabled by the configuration.
    #[error("plugin reload is disabled by the configuration")]
    ReloadDisabled,
    /// `Strict` security: no signature file next to the plugin.
    #[error("{path}: no signature ({sig} is missing)")]
    MissingSignature {
        /// The plugin.
        path: PathBuf,
        /// The signature file looked for.
        sig: PathBuf,
    },
    /// `Strict` security: the signature does not verify with any trusted key.
    #[error("{path}: signature does not verify with any trusted key")]
    BadSignature {
        /// The plugin.
        path: PathBuf,
    },
    /// Too many extensions.
    #[error("too many extensions (limit {limit})")]
    TooManyExtensions {
        /// The configured limit.
        limit: usize,
    },
    /// Too many hooks at one point.
    #[error("too many hooks at {point} (limit {limit})")]
    TooManyHooks {
        /// The point's name.
        point: &'static str,
        /// The configured limit.
        limit: usize,
    },
    /// The opcode is defined by the fork and the extension did not ask to override it.
    #[error(
        "opcode {opcode:#04x} ({name}) is already defined; register it with override to replace it"
    )]
    OpcodeDefined {
        /// The byte.
        opcode: u8,
        /// Its standard mnemonic.
        name: &'static str,
    },
    /// Another extension already registered this opcode.
    #[error("opcode {opcode:#04x} is already registered by extension {owner}")]
    OpcodeTaken {
        /// The byte.
        opcode: u8,
        /// The owning extension's name.
        owner: String,
    },
    /// The opcode cannot be custom (PUSH bytes, JUMPDEST: jump analysis is consensus) or its
    /// name is invalid.
    #[error("invalid custom opcode {opcode:#04x}: {source}")]
    InvalidOpcode {
        /// The byte.
        opcode: u8,
        /// Why.
        #[source]
        source: evm_bytecode::BytecodeError,
    },
    /// JUMPDEST cannot be replaced: jump-destination analysis is consensus.
    #[error("opcode 0x5b (JUMPDEST) cannot be replaced: jump-destination analysis is consensus")]
    JumpdestOverride,
    /// A precompile already lives at the address and the extension did not ask to replace it.
    #[error("precompile {address} is already defined; register it with replace to override it")]
    PrecompileDefined {
        /// The address.
        address: Address,
    },
    /// The extension lacks a capability its registrations need.
    #[error("extension {name} needs the {capability} capability")]
    MissingCapability {
        /// The extension's name.
        name: String,
        /// The capability.
        capability: &'static str,
    },
    /// A plugin passed an invalid definition (bad fork number, bad point, null callback).
    #[error("plugin {name}: invalid {what} definition")]
    InvalidDefinition {
        /// The plugin's name.
        name: String,
        /// Which kind of definition.
        what: &'static str,
    },
    /// No extension with this id.
    #[error("no extension with id {0}")]
    UnknownExtension(u32),
    /// The extension was compiled in: it has no file to reload.
    #[error("extension {0} is not a plugin")]
    NotAPlugin(u32),
}
