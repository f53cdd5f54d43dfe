//! Strict lint, opt-in: a separate pass over analysed code that reports what legacy analysis
//! accepts silently. It is meant as a code-cache security policy; execution never needs it.
//!
//! [`lint_with`] reads an [`OpcodeTable`], so custom opcodes count as defined from their fork
//! on, and a byte a custom opcode replaced loses its standard meaning (a custom opcode at 0x56
//! is not a JUMP).

use core::fmt;

use crate::analysis::{AnalyzedCode, Instruction};
use crate::fork::Fork;
use crate::opcode::{self, OPCODE_INFO, OpInfo, opcode as op};
use crate::table::{OpcodeTable, is_standard_row};

/// What a lint finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LintKind {
    /// A byte that no fork (or not the chosen fork) defines, at an instruction start.
    UndefinedOpcode {
        /// The opcode byte.
        opcode: u8,
    },
    /// A PUSH whose immediate runs past the end of the code.
    TruncatedPush {
        /// The PUSH opcode.
        opcode: u8,
        /// Immediate bytes present in the code.
        present: u8,
    },
    /// `PUSHn target; JUMP/JUMPI` where `target` is not a valid JUMPDEST.
    /// The finding's pc is the jump's; `target` is `None` when it does not fit in `usize`.
    StaticJumpToNonJumpdest {
        /// Where the PUSH of the target is.
        push_pc: usize,
        /// The pushed target.
        target: Option<usize>,
    },
}

impl LintKind {
    /// A short snake_case name, stable for JSON output.
    pub const fn name(&self) -> &'static str {
        match self {
            LintKind::UndefinedOpcode { .. } => "undefined_opcode",
            LintKind::TruncatedPush { .. } => "truncated_push",
            LintKind::StaticJumpToNonJumpdest { .. } => "static_jump_to_non_jumpdest",
        }
    }
}

/// One lint finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LintIssue {
    /// Offset of the offending instruction.
    pub pc: usize,
    /// What is wrong.
    pub kind: LintKind,
}

impl fmt::Display for LintIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.pc)?;
        match self.kind {
            LintKind::UndefinedOpcode { opcode } => write!(f, "undefined opcode 0x{opcode:02x}"),
            LintKind::TruncatedPush { opcode, present } => write!(
                f,
                "{} has {present} of {} immediate bytes",
                opcode::info(opcode).name,
                opcode::info(opcode).immediate
            ),
            LintKind::StaticJumpToNonJumpdest { push_pc, target: Some(t) } => {
                write!(f, "static jump to {t} (pushed at {push_pc}) is not a JUMPDEST")
            }
            LintKind::StaticJumpToNonJumpdest { push_pc, target: None } => {
                write!(f, "static jump to an out-of-range target (pushed at {push_pc})")
            }
        }
    }
}

/// Interprets a PUSH immediate as a jump target (`None` when it does not fit in `usize`).
pub(crate) fn push_target(immediate: &[u8]) -> Option<usize> {
    let significant = immediate.iter().position(|&b| b != 0).map_or(&[][..], |i| &immediate[i..]);
    if significant.len() > size_of::<usize>() {
        return None;
    }
    Some(significant.iter().fold(0usize, |acc, &b| acc << 8 | usize::from(b)))
}

/// Whether `inst` is a complete PUSH0..PUSH32 (a static value) in `rows`.
pub(crate) fn is_static_push(rows: &[OpInfo; 256], inst: &Instruction<'_>) -> bool {
    (op::PUSH0..=op::PUSH32).contains(&inst.opcode)
        && !inst.is_truncated()
        && is_standard_row(rows, inst.opcode)
}

/// Whether `inst` is a standard JUMP or JUMPI in `rows`.
pub(crate) fn is_jump(rows: &[OpInfo; 256], inst: &Instruction<'_>) -> bool {
    matches!(inst.opcode, op::JUMP | op::JUMPI) && is_standard_row(rows, inst.opcode)
}

/// Lints `code` against every fork: only bytes no fork defines count as undefined.
pub fn lint(code: &AnalyzedCode) -> Vec<LintIssue> {
    lint_in(code, &OPCODE_INFO, OpInfo::is_defined)
}

/// Lints `code` for `fork`: opcodes introduced after `fork` count as undefined.
pub fn lint_for_fork(code: &AnalyzedCode, fork: Fork) -> Vec<LintIssue> {
    lint_in(code, &OPCODE_INFO, |info| info.is_enabled_in(fork))
}

/// Lints `code` for `fork` with the opcodes of `table`: an opcode counts as undefined unless
/// its row in `table` (custom or standard) is enabled in `fork`.
pub fn lint_with(code: &AnalyzedCode, fork: Fork, table: &OpcodeTable) -> Vec<LintIssue> {
    lint_in(code, table.as_array(), |info| info.is_enabled_in(fork))
}

fn lint_in(
    code: &AnalyzedCode,
    rows: &[OpInfo; 256],
    defined: impl Fn(&OpInfo) -> bool,
) -> Vec<LintIssue> {
    let mut issues = Vec::new();
    let mut prev: Option<Instruction<'_>> = None;
    for inst in code.instructions() {
        let pc = inst.pc;
        if !defined(&rows[usize::from(inst.opcode)]) {
            issues.push(LintIssue { pc, kind: LintKind::UndefinedOpcode { opcode: inst.opcode } });
        }
        if inst.is_truncated() {
            let present = inst.immediate.len() as u8;
            issues.push(LintIssue {
                pc,
                kind: LintKind::TruncatedPush { opcode: inst.opcode, present },
            });
        }
        if is_jump(rows, &inst)
            && let Some(push) = prev.filter(|p| is_static_push(rows, p))
        {
            let target = push_target(push.immediate);
            if !target.is_some_and(|t| code.is_valid_jump(t)) {
                issues.push(LintIssue {
                    pc,
                    kind: LintKind::StaticJumpToNonJumpdest { push_pc: push.pc, target },
                });
            }
        }
        prev = Some(inst);
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(code_hex: &str, expected: &[(usize, &str)]) {
        let code = AnalyzedCode::new(hex::decode(code_hex).expect("test hex"));
        let found: Vec<(usize, &str)> = lint(&code).iter().map(|i| (i.pc, i.kind.name())).collect();
        assert_eq!(found, expected, "code {code_hex}");
        let standard = lint_with(&code, Fork::LATEST, &OpcodeTable::standard());
        assert_eq!(standard, lint(&code), "code {code_hex}");
    }

    #[track_caller]
    fn check_with(table: &OpcodeTable, fork: Fork, code_hex: &str, expected: &[LintIssue]) {
        let code = AnalyzedCode::new(hex::decode(code_hex).expect("test hex"));
        assert_eq!(lint_with(&code, fork, table), expected, "code {code_hex} for {fork}");
    }

    fn custom(op: u8, name: &str) -> OpcodeTable {
        let mut table = OpcodeTable::standard();
        assert_eq!(table.with_custom(op, name, 1, 1, Fork::Cancun), Ok(()));
        table
    }

    #[test]
    fn clean_code() {
        check("6003565b00", &[]);
    }

    #[test]
    fn undefined_opcode() {
        check("0c00", &[(0, "undefined_opcode")]);
        // 0x0c inside push data is not an instruction.
        check("600c00", &[]);
    }

    #[test]
    fn truncated_push() {
        check("006101", &[(1, "truncated_push")]);
        let code = AnalyzedCode::new(vec![0x7f, 1, 2]);
        assert_eq!(lint(&code)[0].kind, LintKind::TruncatedPush { opcode: op::PUSH32, present: 2 });
    }

    #[test]
    fn static_jump_to_non_jumpdest() {
        check("600356005b", &[(2, "static_jump_to_non_jumpdest")]);
        check("6001600557005b", &[(4, "static_jump_to_non_jumpdest")]);
        check("5f56", &[(1, "static_jump_to_non_jumpdest")]);
        check("5b5f56", &[]);
        // A PUSH2 target past the end of the code.
        check("610006565b", &[(3, "static_jump_to_non_jumpdest")]);
        let code = AnalyzedCode::new(
            hex::decode("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff56")
                .expect("hex"),
        );
        assert_eq!(
            lint(&code),
            [LintIssue {
                pc: 33,
                kind: LintKind::StaticJumpToNonJumpdest { push_pc: 0, target: None }
            }]
        );
    }

    #[test]
    fn fork_specific_lint() {
        // PUSH0 is undefined before Shanghai.
        let code = AnalyzedCode::new(vec![op::PUSH0, op::STOP]);
        assert!(lint(&code).is_empty());
        assert_eq!(lint_for_fork(&code, Fork::Shanghai), []);
        assert_eq!(
            lint_for_fork(&code, Fork::London),
            [LintIssue { pc: 0, kind: LintKind::UndefinedOpcode { opcode: op::PUSH0 } }]
        );
    }

    #[test]
    fn custom_opcode_is_defined_from_its_fork() {
        let table = custom(0x0c, "ISQRT");
        check_with(&table, Fork::Cancun, "60100c", &[]);
        check_with(&table, Fork::Osaka, "60100c", &[]);
        check_with(
            &table,
            Fork::Shanghai,
            "60100c",
            &[LintIssue { pc: 2, kind: LintKind::UndefinedOpcode { opcode: 0x0c } }],
        );
        // Other undefined bytes stay undefined.
        check_with(
            &table,
            Fork::Cancun,
            "0d",
            &[LintIssue { pc: 0, kind: LintKind::UndefinedOpcode { opcode: 0x0d } }],
        );
        let code = AnalyzedCode::new(vec![0x60, 0x10, 0x0c]);
        assert_eq!(lint_for_fork(&code, Fork::Cancun).len(), 1);
    }

    #[test]
    fn replaced_jump_is_not_a_jump() {
        // PUSH1 3; JUMP; STOP: the target is not a JUMPDEST, unless 0x56 is no longer JUMP.
        let jump = [LintIssue {
            pc: 2,
            kind: LintKind::StaticJumpToNonJumpdest { push_pc: 0, target: Some(3) },
        }];
        check_with(&OpcodeTable::standard(), Fork::Cancun, "60035600", &jump);
        check_with(&custom(op::JUMP, "MYJUMP"), Fork::Cancun, "60035600", &[]);
        // PUSH0; JUMP with PUSH0 replaced: the pushed value is no longer static.
        check_with(&custom(op::PUSH0, "MYPUSH"), Fork::Cancun, "5f56", &[]);
    }

    #[test]
    fn push_targets() {
        assert_eq!(push_target(&[]), Some(0));
        assert_eq!(push_target(&[0, 0, 1, 2]), Some(0x102));
        assert_eq!(push_target(&[1; 9]), None);
        assert_eq!(push_target(&[0; 32]), Some(0));
    }
}
