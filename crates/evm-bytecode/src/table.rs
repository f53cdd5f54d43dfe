//! The opcode table overlay: a copy of [`OPCODE_INFO`] in which extensions register custom
//! opcodes, read by the disassembler, the lint and the statistics (`*_with` functions).
//!
//! This module checks what keeps analysis sound (no immediates, well-formed unique names).
//! It does not decide whether a standard opcode may be replaced: that policy is the caller's.
//! Jumpdest analysis never reads the overlay, because custom opcodes never take immediates.

use crate::error::BytecodeError;
use crate::fork::Fork;
use crate::opcode::{ALIASES, OPCODE_INFO, OpInfo, find_name, intern_name};

/// All 256 opcode rows: [`OPCODE_INFO`] plus any custom opcodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpcodeTable {
    rows: Box<[OpInfo; 256]>,
}

impl Default for OpcodeTable {
    fn default() -> Self {
        Self::standard()
    }
}

impl OpcodeTable {
    /// A copy of the standard table, [`OPCODE_INFO`].
    pub fn standard() -> Self {
        Self { rows: Box::new(OPCODE_INFO) }
    }

    /// Facts about `op` in this table.
    #[inline]
    pub fn info(&self, op: u8) -> &OpInfo {
        &self.rows[usize::from(op)]
    }

    /// All rows, indexed by opcode.
    #[inline]
    pub fn as_array(&self) -> &[OpInfo; 256] {
        &self.rows
    }

    /// Makes `op` a custom opcode named `name` that needs `pops` stack items, leaves `pushes`
    /// (counted as in [`OpInfo`]), exists from fork `since` on and takes no immediates.
    ///
    /// Any byte without immediates may be set, including a standard opcode: whether replacing
    /// one is allowed is the caller's policy (see [`OpcodeTable::is_standard_defined_from`]).
    /// Setting the same byte again replaces the earlier custom row.
    /// Analysis does not read the table: a custom opcode at 0x5b (JUMPDEST) would still be a
    /// valid jump destination, which is one more reason for callers to guard standard bytes.
    ///
    /// # Errors
    ///
    /// [`BytecodeError::CustomOpcodeHasImmediates`] for PUSH1..PUSH32;
    /// [`BytecodeError::EmptyOpcodeName`], [`BytecodeError::InvalidOpcodeName`] unless `name`
    /// is ASCII uppercase letters, digits and underscores;
    /// [`BytecodeError::ReservedOpcodeName`] for `UNDEFINED`, `SHA3` and `DIFFICULTY`;
    /// [`BytecodeError::DuplicateOpcodeName`] when another byte of this table has the name.
    /// The table is unchanged on error.
    pub fn with_custom(
        &mut self,
        op: u8,
        name: &str,
        pops: u8,
        pushes: u8,
        since: Fork,
    ) -> Result<(), BytecodeError> {
        if OPCODE_INFO[usize::from(op)].immediate != 0 {
            return Err(BytecodeError::CustomOpcodeHasImmediates { opcode: op });
        }
        if name.is_empty() {
            return Err(BytecodeError::EmptyOpcodeName { opcode: op });
        }
        if let Some(found) =
            name.chars().find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_'))
        {
            return Err(BytecodeError::InvalidOpcodeName { opcode: op, found });
        }
        if name == OpInfo::UNDEFINED.name || ALIASES.iter().any(|(alias, _)| *alias == name) {
            return Err(BytecodeError::ReservedOpcodeName { opcode: op });
        }
        if let Some(existing) = self.opcode_by_name(name).filter(|&existing| existing != op) {
            return Err(BytecodeError::DuplicateOpcodeName { opcode: op, existing });
        }
        self.rows[usize::from(op)] =
            OpInfo { name: intern_name(name), immediate: 0, pops, pushes, introduced: Some(since) };
        Ok(())
    }

    /// Whether the standard table defines `op` in some fork at or after `since`.
    ///
    /// Forks are ordered and opcodes are never removed, so this is whether the standard table
    /// defines `op` at all ([`OpInfo::is_defined`]); `since` cannot change the answer.
    /// Callers use it to decide whether a custom opcode from `since` on would replace a
    /// standard one.
    pub fn is_standard_defined_from(op: u8, since: Fork) -> bool {
        OPCODE_INFO[usize::from(op)].is_enabled_in(since.max(Fork::LATEST))
    }

    /// Whether row `op` differs from the standard table (a custom opcode).
    #[inline]
    pub fn is_custom(&self, op: u8) -> bool {
        !is_standard_row(&self.rows, op)
    }

    /// Looks an opcode up by mnemonic, as [`opcode::from_name`](crate::opcode::from_name) does,
    /// custom names included.
    pub fn opcode_by_name(&self, name: &str) -> Option<u8> {
        find_name(&self.rows, name)
    }
}

/// Whether row `op` of `rows` is the standard one, so the byte keeps its standard meaning
/// (consumers test this before giving JUMP, PUSH and the like their semantics).
#[inline]
pub(crate) fn is_standard_row(rows: &[OpInfo; 256], op: u8) -> bool {
    core::ptr::eq(rows, &OPCODE_INFO) || rows[usize::from(op)] == OPCODE_INFO[usize::from(op)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opcode::opcode as op;

    #[track_caller]
    fn check(op: u8, name: &str, expected: Result<(), BytecodeError>) {
        let mut table = OpcodeTable::standard();
        assert_eq!(table.with_custom(op, name, 1, 1, Fork::Cancun), expected, "{op:#04x} {name}");
        if expected.is_ok() {
            assert_eq!(table.info(op).name, name);
            assert_eq!(table.info(op).immediate, 0);
            assert_eq!(table.info(op).introduced, Some(Fork::Cancun));
            assert!(table.is_custom(op));
            assert_eq!(table.opcode_by_name(name), Some(op));
        } else {
            assert_eq!(table, OpcodeTable::standard(), "a refused custom opcode changed the table");
        }
    }

    #[test]
    fn standard_table_equals_opcode_info() {
        let table = OpcodeTable::default();
        assert_eq!(table.as_array(), &OPCODE_INFO);
        assert_eq!(table, OpcodeTable::standard());
        assert!((0..=255u8).all(|o| !table.is_custom(o)));
        assert_eq!(table.opcode_by_name("sha3"), Some(op::KECCAK256));
        assert_eq!(table.opcode_by_name("ISQRT"), None);
    }

    #[test]
    fn custom_opcode_is_registered() {
        check(0x0c, "ISQRT", Ok(()));
        check(0xef, "MY_OP_2", Ok(()));
        // Replacing a standard opcode is the caller's decision, not the table's.
        check(op::ADD, "ADD2", Ok(()));
        check(op::PUSH0, "PUSH0_CUSTOM", Ok(()));
        let mut table = OpcodeTable::standard();
        assert_eq!(table.with_custom(0x0c, "ISQRT", 1, 1, Fork::Cancun), Ok(()));
        assert_eq!(table.opcode_by_name("isqrt"), Some(0x0c));
        assert_eq!(table.info(0x0c).stack_delta(), 0);
        assert!(table.info(0x0c).is_enabled_in(Fork::Cancun));
        assert!(!table.info(0x0c).is_enabled_in(Fork::Shanghai));
        // Setting the same byte again replaces the row, under the same name or another.
        assert_eq!(table.with_custom(0x0c, "ISQRT", 2, 1, Fork::Prague), Ok(()));
        assert_eq!(table.info(0x0c).pops, 2);
        assert_eq!(table.with_custom(0x0c, "SQRT", 1, 1, Fork::Cancun), Ok(()));
        assert_eq!(table.opcode_by_name("ISQRT"), None);
    }

    #[test]
    fn custom_opcode_with_immediates_is_refused() {
        for push in op::PUSH1..=op::PUSH32 {
            check(push, "ISQRT", Err(BytecodeError::CustomOpcodeHasImmediates { opcode: push }));
        }
    }

    #[test]
    fn bad_names_are_refused() {
        check(0x0c, "", Err(BytecodeError::EmptyOpcodeName { opcode: 0x0c }));
        check(0x0c, "isqrt", Err(BytecodeError::InvalidOpcodeName { opcode: 0x0c, found: 'i' }));
        check(0x0c, "IS QRT", Err(BytecodeError::InvalidOpcodeName { opcode: 0x0c, found: ' ' }));
        check(0x0c, "ISQRT-2", Err(BytecodeError::InvalidOpcodeName { opcode: 0x0c, found: '-' }));
        check(0x0c, "ÍSQRT", Err(BytecodeError::InvalidOpcodeName { opcode: 0x0c, found: 'Í' }));
        check(0x0c, "UNDEFINED", Err(BytecodeError::ReservedOpcodeName { opcode: 0x0c }));
        check(0x0c, "SHA3", Err(BytecodeError::ReservedOpcodeName { opcode: 0x0c }));
        check(0x0c, "ADD", Err(BytecodeError::DuplicateOpcodeName { opcode: 0x0c, existing: 1 }));
        // A standard opcode may keep its own name with other facts.
        check(op::ADD, "ADD", Ok(()));
    }

    #[test]
    fn error_messages() {
        let err = BytecodeError::CustomOpcodeHasImmediates { opcode: op::PUSH1 };
        assert_eq!(
            err.to_string(),
            "opcode 0x60 takes immediate bytes and cannot become a custom opcode"
        );
        let err = BytecodeError::InvalidOpcodeName { opcode: 0x0c, found: 'a' };
        assert_eq!(
            err.to_string(),
            "custom opcode 0x0c name contains 'a'; \
             names are ASCII uppercase letters, digits and underscores"
        );
    }

    #[test]
    fn standard_definition_ignores_the_fork() {
        for since in Fork::ALL {
            assert!(OpcodeTable::is_standard_defined_from(op::PUSH0, since));
            assert!(OpcodeTable::is_standard_defined_from(op::CLZ, since));
            assert!(!OpcodeTable::is_standard_defined_from(0x0c, since));
            assert!(!OpcodeTable::is_standard_defined_from(0xef, since));
        }
        for o in 0..=255u8 {
            let defined = OPCODE_INFO[usize::from(o)].is_defined();
            assert_eq!(OpcodeTable::is_standard_defined_from(o, Fork::Frontier), defined);
        }
    }
}
