//! Disassembly into `pc: MNEMONIC [immediate]` lines, read from the one opcode table.

use core::fmt::{self, Write};

use crate::analysis::{Instruction, instructions};
use crate::opcode;

/// The mnemonic of `op`, or `UNDEFINED(0x..)` for bytes no fork defines.
pub fn mnemonic(op: u8) -> String {
    let info = opcode::info(op);
    if info.is_defined() { info.name.to_owned() } else { format!("UNDEFINED(0x{op:02x})") }
}

/// Writes one instruction as `pc: MNEMONIC [0ximmediate]`, without a newline.
///
/// A truncated PUSH shows the bytes it has and says how many were declared.
pub fn write_instruction(out: &mut impl Write, inst: &Instruction<'_>) -> fmt::Result {
    let info = opcode::info(inst.opcode);
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
    for inst in instructions(code) {
        write_instruction(out, &inst)?;
        out.write_char('\n')?;
    }
    Ok(())
}

/// The disassembly of `code`, one instruction per line.
pub fn disassemble(code: &[u8]) -> String {
    let mut out = String::with_capacity(code.len() * 8);
    // Writing to a String cannot fail.
    let _ = write_disassembly(&mut out, code);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(code_hex: &str, expected: &str) {
        let code = hex::decode(code_hex).expect("test hex");
        assert_eq!(disassemble(&code), expected, "code {code_hex}");
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
    fn empty() {
        check("", "");
    }
}
