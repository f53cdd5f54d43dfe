//! Disassembly into `pc: MNEMONIC [immediate]` lines, read from the one opcode table or from an
//! [`OpcodeTable`] with custom opcodes (the `*_with` functions), which print their custom names.

use core::fmt::{self, Write};

use crate::analysis::{Instruction, instructions};
use crate::opcode::{OPCODE_INFO, OpInfo};
use crate::table::OpcodeTable;

/// The mnemonic of `op`, or `UNDEFINED(0x..)` for bytes no fork defines.
pub fn mnemonic(op: u8) -> String {
    mnemonic_of(&OPCODE_INFO[usize::from(op)], op)
}

/// The mnemonic of `op` in `table` (custom names included), or `UNDEFINED(0x..)`.
pub fn mnemonic_with(op: u8, table: &OpcodeTable) -> String {
    mnemonic_of(table.info(op), op)
}

/// The mnemonic of byte `op`, whose row is `info`.
pub(crate) fn mnemonic_of(info: &OpInfo, op: u8) -> String {
    if info.is_defined() { info.name.to_owned() } else { format!("UNDEFINED(0x{op:02x})") }
}

/// Writes one instruction as `pc: MNEMONIC [0ximmediate]`, without a newline.
///
/// A truncated PUSH shows the bytes it has and says how many were declared.
pub fn write_instruction(out: &mut impl Write, inst: &Instruction<'_>) -> fmt::Result {
    write_instruction_in(out, inst, &OPCODE_INFO)
}

/// Writes one instruction as [`write_instruction`] does, naming opcodes from `table`.
pub fn write_instruction_with(
    out: &mut impl Write,
    inst: &Instruction<'_>,
    table: &OpcodeTable,
) -> fmt::Result {
    write_instruction_in(out, inst, table.as_array())
}

fn write_instruction_in(
    out: &mut impl Write,
    inst: &Instruction<'_>,
    rows: &[OpInfo; 256],
) -> fmt::Result {
    let info = &rows[usize::from(inst.opcode)];
    write!(out, "{}: ", inst.pc)?;
    if info.is_defined() {
        out.write_str(info.name)?;
    } else {
        write!(out, "UNDEFINED(0x{:02x})", inst.opcode)?;
    }
    if !inst.immediate.is_empty() {
        out.write_str(" 0x")?;
        for b in inst.immediate {
            write!(out, "{b:02x}")?;
        }
    }
    if inst.is_truncated() {
        write!(out, " (truncated: {} of {} bytes)", inst.immediate.len(), info.immediate)?;
    }
    Ok(())
}

/// Writes the disassembly of `code`, one instruction per line.
pub fn write_disassembly(out: &mut impl Write, code: &[u8]) -> fmt::Result {
    write_disassembly_in(out, code, &OPCODE_INFO)
}

/// Writes the disassembly of `code` as [`write_disassembly`] does, naming opcodes from `table`.
pub fn write_disassembly_with(
    out: &mut impl Write,
    code: &[u8],
    table: &OpcodeTable,
) -> fmt::Result {
    write_disassembly_in(out, code, table.as_array())
}

fn write_disassembly_in(out: &mut impl Write, code: &[u8], rows: &[OpInfo; 256]) -> fmt::Result {
    // Instruction boundaries come from the standard immediates, which no table can change.
    for inst in instructions(code) {
        write_instruction_in(out, &inst, rows)?;
        out.write_char('\n')?;
    }
    Ok(())
}

/// The disassembly of `code`, one instruction per line.
pub fn disassemble(code: &[u8]) -> String {
    disassemble_in(code, &OPCODE_INFO)
}

/// The disassembly of `code` as [`disassemble`] gives it, naming opcodes from `table`.
pub fn disassemble_with(code: &[u8], table: &OpcodeTable) -> String {
    disassemble_in(code, table.as_array())
}

fn disassemble_in(code: &[u8], rows: &[OpInfo; 256]) -> String {
    let mut out = String::with_capacity(code.len() * 8);
    // Writing to a String cannot fail.
    let _ = write_disassembly_in(&mut out, code, rows);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(code_hex: &str, expected: &str) {
        let code = hex::decode(code_hex).expect("test hex");
        assert_eq!(disassemble(&code), expected, "code {code_hex}");
        assert_eq!(disassemble_with(&code, &OpcodeTable::standard()), expected, "code {code_hex}");
    }

    #[track_caller]
    fn check_with(table: &OpcodeTable, code_hex: &str, expected: &str) {
        let code = hex::decode(code_hex).expect("test hex");
        assert_eq!(disassemble_with(&code, table), expected, "code {code_hex}");
    }

    fn isqrt_table() -> OpcodeTable {
        let mut table = OpcodeTable::standard();
        assert_eq!(table.with_custom(0x0c, "ISQRT", 1, 1, crate::Fork::Cancun), Ok(()));
        table
    }

    #[test]
    fn push_and_jumpdest() {
        check("605b5b00", "0: PUSH1 0x5b\n2: JUMPDEST\n3: STOP\n");
    }

    #[test]
    fn truncated_push_shows_its_bytes() {
        check("00610a", "0: STOP\n1: PUSH2 0x0a (truncated: 1 of 2 bytes)\n");
        check("7f", "0: PUSH32 (truncated: 0 of 32 bytes)\n");
    }

    #[test]
    fn undefined_bytes() {
        check("0c5f", "0: UNDEFINED(0x0c)\n1: PUSH0\n");
        assert_eq!(mnemonic(0xfe), "INVALID");
        assert_eq!(mnemonic(0xef), "UNDEFINED(0xef)");
    }

    #[test]
    fn custom_opcode_prints_its_name() {
        let table = isqrt_table();
        check_with(&table, "60100c", "0: PUSH1 0x10\n2: ISQRT\n");
        // Inside push data it is still data.
        check_with(&table, "610c0c00", "0: PUSH2 0x0c0c\n3: STOP\n");
        check_with(&table, "0d", "0: UNDEFINED(0x0d)\n");
        check("60100c", "0: PUSH1 0x10\n2: UNDEFINED(0x0c)\n");
        assert_eq!(mnemonic_with(0x0c, &table), "ISQRT");
        assert_eq!(mnemonic_with(0x0d, &table), "UNDEFINED(0x0d)");
        assert_eq!(mnemonic_with(0x01, &table), "ADD");
        let inst = instructions(&[0x0c]).next().expect("one instruction");
        let mut line = String::new();
        assert_eq!(write_instruction_with(&mut line, &inst, &table), Ok(()));
        assert_eq!(line, "0: ISQRT");
    }

    #[test]
    fn empty() {
        check("", "");
    }
}
