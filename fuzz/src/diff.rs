//! The comparator: runs a case on both VMs and reports every difference in validity, status,
//! gas, refund, output, logs and post-state, with the first differing trace step.
//!
//! The only tolerated difference is a documented halt-label one ([`known_label_difference`]):
//! the same halt, named more coarsely by evmkit. It is counted, never hidden as a pass of
//! something else.

use std::fmt;

use alloy_primitives::{Address, Bytes};

use crate::case::Case;
use crate::outcome::{AccountState, Executed, Halt, Observed, Status};
use crate::trace::{EvmkitTracer, Step, first_difference};
use crate::{exec_evmkit, exec_revm};

/// One difference between the two VMs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Difference {
    /// One accepted the transaction, the other rejected it.
    #[error("validity: evmkit {evmkit}, revm {revm}")]
    Validity {
        /// evmkit's verdict.
        evmkit: String,
        /// revm's verdict.
        revm: String,
    },
    /// Different status (or halt reason, beyond the known label differences).
    #[error("status: evmkit {evmkit:?}, revm {revm:?}")]
    Status {
        /// evmkit's.
        evmkit: Status,
        /// revm's.
        revm: Status,
    },
    /// Different gas used.
    #[error("gas used: evmkit {evmkit}, revm {revm}")]
    GasUsed {
        /// evmkit's.
        evmkit: u64,
        /// revm's.
        revm: u64,
    },
    /// Different refund.
    #[error("refund: evmkit {evmkit}, revm {revm}")]
    Refund {
        /// evmkit's.
        evmkit: u64,
        /// revm's.
        revm: u64,
    },
    /// Different output.
    #[error("output: evmkit {evmkit}, revm {revm}")]
    Output {
        /// evmkit's.
        evmkit: Bytes,
        /// revm's.
        revm: Bytes,
    },
    /// Different logs.
    #[error("logs: evmkit {evmkit:?}, revm {revm:?}")]
    Logs {
        /// evmkit's.
        evmkit: Vec<alloy_primitives::Log>,
        /// revm's.
        revm: Vec<alloy_primitives::Log>,
    },
    /// An account differs after the transaction.
    #[error("account {address} {field}: evmkit {evmkit}, revm {revm}")]
    Account {
        /// The account.
        address: Address,
        /// Which part: exists, balance, nonce, code, storage.
        field: &'static str,
        /// evmkit's value.
        evmkit: String,
        /// revm's value.
        revm: String,
    },
    /// Same outcome, but the step traces differ (a difference an outcome can mask, such as an
    /// inner frame's gas when the frame runs out of gas either way).
    #[error("traces differ at step {index}")]
    Trace {
        /// The first differing step.
        index: usize,
    },
    /// revm could not run the case at all.
    #[error("revm could not run the case: {0}")]
    Harness(String),
}

/// The first step where the two traces differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceDifference {
    /// Index of the step.
    pub index: usize,
    /// evmkit's step (`None`: its trace ended).
    pub evmkit: Option<Step>,
    /// revm's step.
    pub revm: Option<Step>,
    /// The step before, where both agreed.
    pub previous: Option<Step>,
}

impl fmt::Display for TraceDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.evmkit.is_none() && self.revm.is_none() {
            write!(f, "the traces agree ({} steps)", self.index)?;
            if let Some(p) = &self.previous {
                write!(f, "; last step: {p}")?;
            }
            return Ok(());
        }
        writeln!(f, "first differing step #{}:", self.index)?;
        if let Some(p) = &self.previous {
            writeln!(f, "  both  : {p}")?;
        }
        match &self.evmkit {
            Some(s) => writeln!(f, "  evmkit: {s}")?,
            None => writeln!(f, "  evmkit: (trace ended)")?,
        }
        match &self.revm {
            Some(s) => write!(f, "  revm  : {s}"),
            None => write!(f, "  revm  : (trace ended)"),
        }
    }
}

/// The two VMs disagree on a case.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.differences, .trace.as_deref()))]
pub struct Divergence {
    /// Every difference found.
    pub differences: Vec<Difference>,
    /// The first differing trace step (or the last step, when the traces agree).
    pub trace: Option<Box<TraceDifference>>,
}

fn render(differences: &[Difference], trace: Option<&TraceDifference>) -> String {
    let mut out = String::new();
    for (i, d) in differences.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&d.to_string());
    }
    if let Some(t) = trace {
        out.push('\n');
        out.push_str(&t.to_string());
    }
    out
}

/// A halt that both VMs report, named differently in a known, documented way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LabelDifference {
    /// evmkit's label.
    pub evmkit: Halt,
    /// revm's label.
    pub revm: Halt,
}

/// Whether evmkit's halt `ours` and revm's `theirs` are the same exceptional halt under a
/// known, documented pair of names (both consume the frame's gas, so nothing else differs):
///
/// - evmkit `OutOfGas` for revm's `CreateCollision`, `PrecompileFailure`, `CodeSizeLimit` and
///   `CodePrefix`: evmkit versions before the finer exits named all of them out of gas; today
///   the pair that remains is `CodeSizeLimit` (10M-execution run: 32,556 of them): code over
///   24,576 bytes whose deposit gas cannot be paid either. evmkit charges the deposit first and
///   reports `CodeDepositOutOfGas` (shown as `OutOfGas`), as the specification does (its
///   `process_create_message` charges the deposit, then raises out of gas for the size); revm
///   checks the size first. The outcome is the same halt with all gas consumed;
/// - evmkit `OutOfGas` for revm's `InitCodeTooLarge`: CREATE/CREATE2 with a huge length, where
///   evmkit charges the memory expansion first and revm checks the EIP-3860 size first (the
///   specification raises an out-of-gas error for oversized init code anyway);
/// - evmkit `StackUnderflow` for revm's `StackOverflow`: revm's DUPn reports any stack failure
///   as an overflow, also when the stack has fewer than n items;
/// - evmkit `StackUnderflow` for revm's `InitCodeTooLarge`: CREATE2 with three stack items and
///   a huge length; revm pops the salt only after the EIP-3860 size check;
/// - evmkit `InvalidOpcode` or `StackUnderflow` for revm's `OutOfGas`: an opcode the fork does
///   not define, or one without enough stack items, with too little gas for its static cost;
///   revm charges the static gas first, evmkit (like the specification, which raises invalid
///   opcode at dispatch and pops before charging) reports the opcode or the stack;
/// - evmkit `ReturnDataOutOfBounds` for revm's `OutOfGas`: RETURNDATACOPY past the return data
///   with a size whose memory cannot be paid for; the specification charges the gas first
///   (revm's label), evmkit checks the bounds first;
/// - evmkit `PrecompileFailure` for revm's `OutOfGas`: MODEXP from Osaka with an operand length
///   over 1024 bytes; the specification (EIP-7823, execution-specs' `modexp`) refuses the
///   lengths before it prices the call (evmkit's label), revm prices it first.
pub fn known_label_difference(ours: Halt, theirs: Halt) -> bool {
    match (ours, theirs) {
        (
            Halt::InvalidOpcode
            | Halt::StackUnderflow
            | Halt::ReturnDataOutOfBounds
            | Halt::PrecompileFailure,
            Halt::OutOfGas,
        ) => true,
        (Halt::OutOfGas, t) => matches!(
            t,
            Halt::CreateCollision
                | Halt::PrecompileFailure
                | Halt::CodeSizeLimit
                | Halt::CodePrefix
                | Halt::InitCodeTooLarge
        ),
        (Halt::StackUnderflow, Halt::StackOverflow | Halt::InitCodeTooLarge) => true,
        _ => false,
    }
}

/// The result of comparing one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// Whether evmkit accepted the transaction.
    pub valid: bool,
    /// evmkit's status, for a valid transaction.
    pub status: Option<Status>,
    /// A tolerated halt-label difference.
    pub label: Option<LabelDifference>,
    /// The verdict.
    pub result: Result<(), Divergence>,
}

fn world_differences(a: &Executed, b: &Executed, out: &mut Vec<Difference>) {
    let addresses: std::collections::BTreeSet<_> = a.world.keys().chain(b.world.keys()).collect();
    for address in addresses {
        let (x, y) = (a.world.get(address), b.world.get(address));
        let mut push = |field, evmkit: String, revm: String| {
            out.push(Difference::Account { address: *address, field, evmkit, revm });
        };
        match (x, y) {
            (Some(x), Some(y)) => account_differences(x, y, &mut push),
            (x, y) => push("exists", describe(x), describe(y)),
        }
    }
}

fn describe(a: Option<&AccountState>) -> String {
    match a {
        None => "absent".into(),
        Some(a) => format!(
            "balance {} nonce {} code {} bytes, {} slots",
            a.balance,
            a.nonce,
            a.code.len(),
            a.storage.len()
        ),
    }
}

fn account_differences(
    x: &AccountState,
    y: &AccountState,
    push: &mut impl FnMut(&'static str, String, String),
) {
    if x.balance != y.balance {
        push("balance", x.balance.to_string(), y.balance.to_string());
    }
    if x.nonce != y.nonce {
        push("nonce", x.nonce.to_string(), y.nonce.to_string());
    }
    if x.code_hash != y.code_hash || x.code != y.code {
        push("code", x.code.to_string(), y.code.to_string());
    }
    if x.storage != y.storage {
        let keys: std::collections::BTreeSet<_> =
            x.storage.keys().chain(y.storage.keys()).collect();
        for k in keys {
            let (a, b) = (x.storage.get(k), y.storage.get(k));
            if a != b {
                let show = |v: Option<&alloy_primitives::U256>| {
                    v.map_or_else(|| "0".to_string(), |v| format!("{v:#x}"))
                };
                push(
                    "storage",
                    format!("[{k:#x}] = {}", show(a)),
                    format!("[{k:#x}] = {}", show(b)),
                );
            }
        }
    }
}

/// Every difference between two observations, and a tolerated label difference if any.
pub fn differences(
    ours: &Observed,
    theirs: &Observed,
) -> (Vec<Difference>, Option<LabelDifference>) {
    let mut out = Vec::new();
    let mut label = None;
    match (ours, theirs) {
        (Err(_), Err(_)) => {}
        (Ok(_), Err(e)) => out
            .push(Difference::Validity { evmkit: "valid".into(), revm: format!("invalid ({e})") }),
        (Err(e), Ok(_)) => out
            .push(Difference::Validity { evmkit: format!("invalid ({e})"), revm: "valid".into() }),
        (Ok(a), Ok(b)) => {
            match (a.status, b.status) {
                (x, y) if x == y => {}
                (Status::Halt(x), Status::Halt(y)) if known_label_difference(x, y) => {
                    label = Some(LabelDifference { evmkit: x, revm: y });
                }
                (x, y) => out.push(Difference::Status { evmkit: x, revm: y }),
            }
            if a.gas_used != b.gas_used {
                out.push(Difference::GasUsed { evmkit: a.gas_used, revm: b.gas_used });
            }
            if a.refund != b.refund {
                out.push(Difference::Refund { evmkit: a.refund, revm: b.refund });
            }
            if a.output != b.output {
                out.push(Difference::Output { evmkit: a.output.clone(), revm: b.output.clone() });
            }
            if a.logs != b.logs {
                out.push(Difference::Logs { evmkit: a.logs.clone(), revm: b.logs.clone() });
            }
            world_differences(a, b, &mut out);
        }
    }
    (out, label)
}

/// Traces both VMs on `case` and finds the first differing step.
pub fn trace_difference(case: &Case) -> Option<TraceDifference> {
    let mut vm = exec_evmkit::vm(case, EvmkitTracer::default());
    let _ = exec_evmkit::run_on(case, &mut vm);
    let mut ours = std::mem::take(&mut vm.hooks_mut().steps);
    let (_, mut theirs) = exec_revm::run_traced(case).ok()?;
    // A trace cut at MAX_STEPS is compared only as far as both go: the cut falls at a
    // different step on each side once STOP steps are left out.
    let cut = ours.len() >= crate::trace::MAX_STEPS || theirs.len() >= crate::trace::MAX_STEPS;
    // STOP steps are left out: revm steps an implicit STOP for empty code (a creation
    // with empty init code), evmkit runs nothing there.
    ours.retain(|s| s.op != 0x00);
    theirs.retain(|s| s.op != 0x00);
    if cut {
        let both = ours.len().min(theirs.len());
        ours.truncate(both);
        theirs.truncate(both);
    }
    let Some((index, a, b)) = first_difference(&ours, &theirs) else {
        return Some(TraceDifference {
            index: ours.len(),
            evmkit: None,
            revm: None,
            previous: ours.last().cloned(),
        });
    };
    Some(TraceDifference {
        index,
        evmkit: a.cloned(),
        revm: b.cloned(),
        previous: index.checked_sub(1).and_then(|i| ours.get(i)).cloned(),
    })
}

/// Compares evmkit's observation `ours` with revm's on `case`.
///
/// `ours` may come from an instrumented evmkit (tests inject differences this way).
pub fn compare_with(case: &Case, ours: &Observed) -> Comparison {
    let valid = ours.is_ok();
    let status = ours.as_ref().ok().map(|e| e.status);
    let theirs = match exec_revm::run(case) {
        Ok(theirs) => theirs,
        Err(e) => {
            let d = Divergence { differences: vec![Difference::Harness(e)], trace: None };
            return Comparison { valid, status, label: None, result: Err(d) };
        }
    };
    let (differences, label) = differences(ours, &theirs);
    let result = if differences.is_empty() {
        Ok(())
    } else {
        Err(Divergence { differences, trace: trace_difference(case).map(Box::new) })
    };
    Comparison { valid, status, label, result }
}

/// Runs `case` on both VMs and compares.
pub fn compare(case: &Case) -> Comparison {
    compare_with(case, &exec_evmkit::run(case))
}

/// Like [`compare`], and when the outcomes agree, the two step traces must agree too.
pub fn compare_traced(case: &Case) -> Comparison {
    let mut c = compare(case);
    if c.result.is_ok()
        && let Some(t) = trace_difference(case)
        && (t.evmkit.is_some() || t.revm.is_some())
    {
        let differences = vec![Difference::Trace { index: t.index }];
        c.result = Err(Divergence { differences, trace: Some(Box::new(t)) });
    }
    c
}

/// Runs `case` on evmkit and revm 43 from the same pre-state; `Err` on any divergence.
pub fn run_both(case: &Case) -> Result<(), Divergence> {
    compare(case).result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_documented_label_pairs_are_tolerated() {
        assert!(known_label_difference(Halt::OutOfGas, Halt::PrecompileFailure));
        assert!(known_label_difference(Halt::StackUnderflow, Halt::StackOverflow));
        assert!(!known_label_difference(Halt::OutOfGas, Halt::InvalidJump));
        assert!(!known_label_difference(Halt::StackOverflow, Halt::StackUnderflow));
        assert!(!known_label_difference(Halt::InvalidJump, Halt::OutOfGas));
    }
}
