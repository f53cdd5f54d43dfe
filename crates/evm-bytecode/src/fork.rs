//! Ethereum protocol upgrades ("forks"), in activation order.
//!
//! The opcode table records which fork introduced each opcode, so the fork names live here,
//! at the bottom of the workspace. This module holds names and order only: gas rules and
//! other per-fork behaviour belong to `evm-interp` and `evm-vm`.

use core::fmt;
use core::str::FromStr;

/// An Ethereum execution-layer fork, ordered by activation.
///
/// `Constantinople` is the never-activated original Constantinople with EIP-1283 net gas
/// metering; `Petersburg` ("ConstantinopleFix") is what activated on mainnet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Fork {
    /// Frontier (2015).
    Frontier,
    /// Homestead (EIP-2, EIP-7, EIP-8).
    Homestead,
    /// Tangerine Whistle (EIP-150).
    Tangerine,
    /// Spurious Dragon (EIP-155, EIP-158/161, EIP-170).
    SpuriousDragon,
    /// Byzantium.
    Byzantium,
    /// Original Constantinople, with EIP-1283 (never activated on mainnet).
    Constantinople,
    /// Petersburg (Constantinople without EIP-1283).
    Petersburg,
    /// Istanbul.
    Istanbul,
    /// Berlin.
    Berlin,
    /// London.
    London,
    /// Paris (the Merge).
    Paris,
    /// Shanghai.
    Shanghai,
    /// Cancun.
    Cancun,
    /// Prague.
    Prague,
    /// Osaka.
    Osaka,
}

impl Fork {
    /// Number of forks.
    pub const COUNT: usize = 15;
    /// All forks in activation order.
    pub const ALL: [Fork; Fork::COUNT] = [
        Fork::Frontier,
        Fork::Homestead,
        Fork::Tangerine,
        Fork::SpuriousDragon,
        Fork::Byzantium,
        Fork::Constantinople,
        Fork::Petersburg,
        Fork::Istanbul,
        Fork::Berlin,
        Fork::London,
        Fork::Paris,
        Fork::Shanghai,
        Fork::Cancun,
        Fork::Prague,
        Fork::Osaka,
    ];
    /// The newest fork.
    pub const LATEST: Fork = Fork::Osaka;

    /// The canonical name, as used in state-test fixtures where one exists.
    pub const fn name(self) -> &'static str {
        match self {
            Fork::Frontier => "Frontier",
            Fork::Homestead => "Homestead",
            Fork::Tangerine => "EIP150",
            Fork::SpuriousDragon => "EIP158",
            Fork::Byzantium => "Byzantium",
            Fork::Constantinople => "Constantinople",
            Fork::Petersburg => "ConstantinopleFix",
            Fork::Istanbul => "Istanbul",
            Fork::Berlin => "Berlin",
            Fork::London => "London",
            Fork::Paris => "Paris",
            Fork::Shanghai => "Shanghai",
            Fork::Cancun => "Cancun",
            Fork::Prague => "Prague",
            Fork::Osaka => "Osaka",
        }
    }
}

impl fmt::Display for Fork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The fork name was not recognised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fork {0:?}")]
pub struct UnknownFork(pub String);

impl FromStr for Fork {
    type Err = UnknownFork;

    /// Accepts fixture names and common aliases, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fork = match s.to_ascii_lowercase().as_str() {
            "frontier" => Fork::Frontier,
            "homestead" => Fork::Homestead,
            "eip150" | "tangerine" | "tangerinewhistle" => Fork::Tangerine,
            "eip158" | "spuriousdragon" => Fork::SpuriousDragon,
            "byzantium" => Fork::Byzantium,
            "constantinople" => Fork::Constantinople,
            "constantinoplefix" | "petersburg" => Fork::Petersburg,
            "istanbul" => Fork::Istanbul,
            "berlin" => Fork::Berlin,
            "london" => Fork::London,
            "paris" | "merge" => Fork::Paris,
            "shanghai" => Fork::Shanghai,
            "cancun" => Fork::Cancun,
            "prague" => Fork::Prague,
            "osaka" => Fork::Osaka,
            _ => return Err(UnknownFork(s.to_owned())),
        };
        Ok(fork)
    }
}
