//! `Extension`: a named, versioned bundle of hooks, custom opcodes and precompiles, with the
//! capabilities it declares.

use evmkit_plugin::abi::caps;

use crate::hook::Hook;
use crate::opcode::CustomOpcode;
use crate::precompile::CustomPrecompile;

/// The id the registry gives an extension; ids are never reused within one registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct ExtensionId(pub u32);

impl core::fmt::Display for ExtensionId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What an extension declares it does; the same bits as the plugin ABI's `caps`. Under
/// `Strict` security and above, the registry refuses what was not declared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Capabilities(pub u64);

impl Capabilities {
    /// Nothing.
    pub const NONE: Self = Self(0);
    /// Read state (balances, storage).
    pub const STATE_READ: Self = Self(caps::STATE_READ);
    /// Write state (storage, balance transfers, logs).
    pub const STATE_WRITE: Self = Self(caps::STATE_WRITE);
    /// Change a frame's gas from a hook.
    pub const GAS_MODIFY: Self = Self(caps::GAS_MODIFY);
    /// Change stack items from a hook.
    pub const STACK_MODIFY: Self = Self(caps::STACK_MODIFY);
    /// Write memory from a hook.
    pub const MEMORY_MODIFY: Self = Self(caps::MEMORY_MODIFY);
    /// Register custom opcodes.
    pub const OPCODES: Self = Self(caps::OPCODES);
    /// Register precompiles.
    pub const PRECOMPILES: Self = Self(caps::PRECOMPILES);
    /// Register hooks.
    pub const HOOKS: Self = Self(caps::HOOKS);
    /// Replace call results (mocks).
    pub const CALL_REPLACE: Self = Self(caps::CALL_REPLACE);
    /// Everything.
    pub const ALL: Self = Self(caps::ALL);

    /// Whether every bit of `other` is set.
    #[inline]
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The names of the set bits, in bit order.
    pub fn names(self) -> Vec<&'static str> {
        NAMES.iter().filter(|(bit, _)| self.0 & bit != 0).map(|(_, name)| *name).collect()
    }

    /// The name of a single capability.
    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(bit, _)| *bit == self.0).map_or("unknown", |(_, name)| name)
    }
}

const NAMES: [(u64, &str); 9] = [
    (caps::STATE_READ, "state-read"),
    (caps::STATE_WRITE, "state-write"),
    (caps::GAS_MODIFY, "gas-modify"),
    (caps::STACK_MODIFY, "stack-modify"),
    (caps::MEMORY_MODIFY, "memory-modify"),
    (caps::OPCODES, "opcodes"),
    (caps::PRECOMPILES, "precompiles"),
    (caps::HOOKS, "hooks"),
    (caps::CALL_REPLACE, "call-replace"),
];

impl core::ops::BitOr for Capabilities {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// An extension: build it, then hand it to `Extensions::register`.
///
/// ```
/// use evm_extensions::{Capabilities, CustomOpcode, Extension};
/// use evm_interp::Fork;
/// let ext = Extension::new("answer", "1.0.0")
///     .capabilities(Capabilities::OPCODES)
///     .opcode(CustomOpcode::new(0x0c, "ANSWER", 2, 0, 1, Fork::Frontier, |ctx| {
///         ctx.push(alloy_primitives::U256::from(42))
///     }));
/// assert_eq!(ext.name(), "answer");
/// ```
#[derive(Debug)]
pub struct Extension {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) capabilities: Capabilities,
    pub(crate) hooks: Vec<Hook>,
    pub(crate) opcodes: Vec<CustomOpcode>,
    pub(crate) precompiles: Vec<CustomPrecompile>,
}

impl Extension {
    /// An empty extension.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            capabilities: Capabilities::NONE,
            hooks: Vec::new(),
            opcodes: Vec::new(),
            precompiles: Vec::new(),
        }
    }

    /// Declares capabilities (added to those declared before).
    pub fn capabilities(mut self, caps: Capabilities) -> Self {
        self.capabilities = self.capabilities | caps;
        self
    }

    /// Adds a hook.
    pub fn hook(mut self, hook: Hook) -> Self {
        self.hooks.push(hook);
        self
    }

    /// Adds a custom opcode.
    pub fn opcode(mut self, opcode: CustomOpcode) -> Self {
        self.opcodes.push(opcode);
        self
    }

    /// Adds a precompile.
    pub fn precompile(mut self, precompile: CustomPrecompile) -> Self {
        self.precompiles.push(precompile);
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The declared capabilities.
    pub fn declared(&self) -> Capabilities {
        self.capabilities
    }
}
