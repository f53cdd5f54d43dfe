//! Code statistics: opcode histogram, jumpdests, static and backward jumps, and candidates for
//! superinstruction fusion, each with its pc.
//!
//! [`CodeStats::with_table`] reads an [`OpcodeTable`]: custom opcodes are counted under their
//! names, and a byte a custom opcode replaced takes part in no jump or fusion pattern.

use crate::analysis::{AnalyzedCode, Instruction};
use crate::disasm::mnemonic_of;
use crate::lint::{is_jump, is_static_push, push_target};
use crate::opcode::{OPCODE_INFO, OpInfo, opcode as op};
use crate::table::{OpcodeTable, is_standard_row};

/// A `PUSHn target; JUMP/JUMPI` pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StaticJump {
    /// Offset of the PUSH.
    pub push_pc: usize,
    /// Offset of the JUMP or JUMPI.
    pub jump_pc: usize,
    /// The pushed target, `None` when it does not fit in `usize`.
    pub target: Option<usize>,
    /// JUMPI rather than JUMP.
    pub conditional: bool,
    /// Whether the target is a valid JUMPDEST.
    pub valid: bool,
}

impl StaticJump {
    /// Whether the jump goes backwards (to or before the PUSH): a loop edge.
    pub fn is_backward(&self) -> bool {
        self.target.is_some_and(|t| t <= self.push_pc)
    }
}

/// Kinds of instruction sequences an interpreter could fuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FusionKind {
    /// `PUSHn; JUMP`.
    PushJump,
    /// `PUSHn; JUMPI`.
    PushJumpi,
    /// `PUSHn; ADD|SUB|MUL|AND|OR`.
    PushArith,
    /// `DUPn; SWAPm`.
    DupSwap,
    /// `ISZERO; PUSHn; JUMPI`.
    IszeroPushJumpi,
}

impl FusionKind {
    /// A short snake_case name, stable for JSON output.
    pub const fn name(self) -> &'static str {
        match self {
            FusionKind::PushJump => "push_jump",
            FusionKind::PushJumpi => "push_jumpi",
            FusionKind::PushArith => "push_arith",
            FusionKind::DupSwap => "dup_swap",
            FusionKind::IszeroPushJumpi => "iszero_push_jumpi",
        }
    }
}

/// One fusion candidate, starting at `pc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FusionCandidate {
    /// Offset of the first instruction of the sequence.
    pub pc: usize,
    /// The sequence.
    pub kind: FusionKind,
}

/// Statistics of one piece of code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeStats {
    /// Instruction count per opcode byte.
    pub opcode_counts: [u32; 256],
    /// Number of instructions.
    pub instructions: usize,
    /// Valid JUMPDEST offsets, ascending.
    pub jumpdests: Vec<usize>,
    /// `PUSH; JUMP/JUMPI` pairs, in code order.
    pub static_jumps: Vec<StaticJump>,
    /// Fusion candidates, in code order (overlapping sequences are all listed).
    pub fusion_candidates: Vec<FusionCandidate>,
    /// Rows of the table that differ from [`OPCODE_INFO`] and occur in the code, by opcode.
    custom_rows: Vec<(u8, OpInfo)>,
}

impl CodeStats {
    /// Computes the statistics of `code`.
    pub fn new(code: &AnalyzedCode) -> Self {
        Self::compute(code, &OPCODE_INFO)
    }

    /// Computes the statistics of `code` with the opcodes of `table` (custom names included).
    pub fn with_table(code: &AnalyzedCode, table: &OpcodeTable) -> Self {
        Self::compute(code, table.as_array())
    }

    fn compute(code: &AnalyzedCode, rows: &[OpInfo; 256]) -> Self {
        let mut stats = CodeStats {
            opcode_counts: [0; 256],
            instructions: 0,
            jumpdests: code.jumpdests().iter_ones().collect(),
            static_jumps: Vec::new(),
            fusion_candidates: Vec::new(),
            custom_rows: Vec::new(),
        };
        let mut prev2: Option<Instruction<'_>> = None;
        let mut prev: Option<Instruction<'_>> = None;
        for inst in code.instructions() {
            stats.instructions += 1;
            stats.opcode_counts[usize::from(inst.opcode)] += 1;
            if let Some(p) = prev {
                stats.pair(code, rows, p, inst);
                if let Some(p2) = prev2
                    && p2.opcode == op::ISZERO
                    && is_standard_row(rows, p2.opcode)
                    && is_static_push(rows, &p)
                    && inst.opcode == op::JUMPI
                    && is_jump(rows, &inst)
                {
                    stats.fuse(p2.pc, FusionKind::IszeroPushJumpi);
                }
            }
            prev2 = prev;
            prev = Some(inst);
        }
        stats.custom_rows = (0..=255u8)
            .filter(|&o| stats.opcode_counts[usize::from(o)] > 0 && !is_standard_row(rows, o))
            .map(|o| (o, rows[usize::from(o)]))
            .collect();
        stats
    }

    fn fuse(&mut self, pc: usize, kind: FusionKind) {
        self.fusion_candidates.push(FusionCandidate { pc, kind });
    }

    fn pair(
        &mut self,
        code: &AnalyzedCode,
        rows: &[OpInfo; 256],
        first: Instruction<'_>,
        second: Instruction<'_>,
    ) {
        if !is_standard_row(rows, second.opcode) {
            return;
        }
        if is_static_push(rows, &first) {
            match second.opcode {
                op::JUMP | op::JUMPI => {
                    let target = push_target(first.immediate);
                    self.static_jumps.push(StaticJump {
                        push_pc: first.pc,
                        jump_pc: second.pc,
                        target,
                        conditional: second.opcode == op::JUMPI,
                        valid: target.is_some_and(|t| code.is_valid_jump(t)),
                    });
                    let kind = if second.opcode == op::JUMP {
                        FusionKind::PushJump
                    } else {
                        FusionKind::PushJumpi
                    };
                    self.fuse(first.pc, kind);
                }
                op::ADD | op::SUB | op::MUL | op::AND | op::OR => {
                    self.fuse(first.pc, FusionKind::PushArith);
                }
                _ => {}
            }
        } else if (op::DUP1..=op::DUP16).contains(&first.opcode)
            && is_standard_row(rows, first.opcode)
            && (op::SWAP1..=op::SWAP16).contains(&second.opcode)
        {
            self.fuse(first.pc, FusionKind::DupSwap);
        }
    }

    /// Static jumps that go backwards: loop edges.
    pub fn backward_jumps(&self) -> impl Iterator<Item = &StaticJump> {
        self.static_jumps.iter().filter(|j| j.is_backward())
    }

    /// `(mnemonic, count)` for every opcode that occurs, in opcode order, named from the table
    /// the statistics were computed with; undefined bytes are named `UNDEFINED(0x..)`.
    pub fn named_counts(&self) -> Vec<(String, u32)> {
        (0..=255u8)
            .filter(|&o| self.opcode_counts[usize::from(o)] > 0)
            .map(|o| (self.mnemonic(o), self.opcode_counts[usize::from(o)]))
            .collect()
    }

    fn mnemonic(&self, o: u8) -> String {
        let custom = self.custom_rows.iter().find(|(c, _)| *c == o).map(|(_, info)| info);
        mnemonic_of(custom.unwrap_or(&OPCODE_INFO[usize::from(o)]), o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(code_hex: &str) -> CodeStats {
        let code = AnalyzedCode::new(hex::decode(code_hex).expect("test hex"));
        let stats = CodeStats::new(&code);
        assert_eq!(CodeStats::with_table(&code, &OpcodeTable::standard()), stats, "{code_hex}");
        stats
    }

    fn stats_with(table: &OpcodeTable, code_hex: &str) -> CodeStats {
        CodeStats::with_table(&AnalyzedCode::new(hex::decode(code_hex).expect("test hex")), table)
    }

    fn custom(op: u8, name: &str) -> OpcodeTable {
        let mut table = OpcodeTable::standard();
        assert_eq!(table.with_custom(op, name, 1, 1, crate::Fork::Cancun), Ok(()));
        table
    }

    #[test]
    fn custom_opcode_is_counted_by_name() {
        let s = stats_with(&custom(0x0c, "ISQRT"), "60100c0c0d");
        assert_eq!(s.instructions, 4);
        assert_eq!(s.opcode_counts[0x0c], 2);
        assert_eq!(
            s.named_counts(),
            [("ISQRT".to_owned(), 2), ("UNDEFINED(0x0d)".to_owned(), 1), ("PUSH1".to_owned(), 1)]
        );
        assert_eq!(stats("60100c").named_counts()[0], ("UNDEFINED(0x0c)".to_owned(), 1));
    }

    #[test]
    fn replaced_opcodes_form_no_patterns() {
        // PUSH1 0; JUMP, then ISZERO PUSH1 6 JUMPI, DUP1 SWAP1.
        let code = "5b6000561560065780905b";
        let standard = stats(code);
        assert_eq!(standard.static_jumps.len(), 2);
        assert_eq!(standard.fusion_candidates.len(), 4);
        let s = stats_with(&custom(op::JUMP, "MYJUMP"), code);
        assert_eq!(s.static_jumps.len(), 1);
        assert_eq!(s.named_counts().iter().filter(|(n, _)| n == "MYJUMP").count(), 1);
        let kinds = |s: &CodeStats| s.fusion_candidates.iter().map(|f| f.kind).collect::<Vec<_>>();
        assert_eq!(
            kinds(&stats_with(&custom(op::ISZERO, "MYZERO"), code)),
            [FusionKind::PushJump, FusionKind::PushJumpi, FusionKind::DupSwap]
        );
        assert_eq!(
            kinds(&stats_with(&custom(op::DUP1, "MYDUP"), code)),
            [FusionKind::PushJump, FusionKind::PushJumpi, FusionKind::IszeroPushJumpi]
        );
    }

    #[test]
    fn histogram_and_jumpdests() {
        let s = stats("615b005b6001600101");
        assert_eq!(s.instructions, 5);
        assert_eq!(s.opcode_counts[usize::from(op::PUSH1)], 2);
        assert_eq!(s.opcode_counts[usize::from(op::PUSH2)], 1);
        assert_eq!(s.jumpdests, [3]);
        assert_eq!(
            s.named_counts(),
            [
                ("ADD".to_owned(), 1),
                ("JUMPDEST".to_owned(), 1),
                ("PUSH1".to_owned(), 2),
                ("PUSH2".to_owned(), 1)
            ]
        );
        assert_eq!(s.fusion_candidates, [FusionCandidate { pc: 6, kind: FusionKind::PushArith }]);
    }

    #[test]
    fn loop_is_a_backward_jump() {
        // 0: JUMPDEST, 1: PUSH1 0, 3: JUMP
        let s = stats("5b600056");
        assert_eq!(
            s.static_jumps,
            [StaticJump {
                push_pc: 1,
                jump_pc: 3,
                target: Some(0),
                conditional: false,
                valid: true
            }]
        );
        assert_eq!(s.backward_jumps().count(), 1);
        assert_eq!(s.fusion_candidates, [FusionCandidate { pc: 1, kind: FusionKind::PushJump }]);
    }

    #[test]
    fn fusion_patterns() {
        // ISZERO PUSH1 6 JUMPI, DUP1 SWAP1, JUMPDEST
        let s = stats("1560065780905b");
        let kinds: Vec<(usize, FusionKind)> =
            s.fusion_candidates.iter().map(|f| (f.pc, f.kind)).collect();
        assert_eq!(
            kinds,
            [
                (1, FusionKind::PushJumpi),
                (0, FusionKind::IszeroPushJumpi),
                (4, FusionKind::DupSwap)
            ]
        );
        assert_eq!(s.static_jumps.len(), 1);
        assert!(s.static_jumps[0].valid && s.static_jumps[0].conditional);
        assert_eq!(s.backward_jumps().count(), 0);
    }
}
