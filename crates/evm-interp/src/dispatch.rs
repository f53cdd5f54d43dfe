//! The register-resident dispatch loops, used for a frame without opcode hooks and without
//! custom opcodes (the common case; the other loop is `Interpreter::dispatch`): [`run_blocks`]
//! checks block opcodes once per basic block ([`crate::blocks`]), [`run`] checks every opcode.
//! Both are one function, `run_loop`, instantiated twice.
//!
//! The program counter and the gas left live in locals, and the stack is a pointer one past
//! its top item, so they stay in registers; the hot opcodes (PUSH, DUP, SWAP, POP, jumps,
//! arithmetic, comparisons, bit logic, MLOAD/MSTORE, MSIZE, GAS, PC) are arms of one `match`,
//! inlined. Every other opcode goes through the instruction table: the locals are written to
//! the [`Frame`] before the call and read back after it, so table instructions see exactly the
//! state they would see in the other loop.
//!
//! Invariants: before an opcode runs, a check that dominates it (the fork's [`OpEntry`] for
//! the opcode, or the block's summary in the same shape) has ensured that the opcode exists,
//! that the stack holds its inputs and has room for its outputs, and charged its static gas.
//! So the arms touch the stack without checks of their own (`slot!`, the one `unsafe` access,
//! asserts it in debug builds). The code is padded (33 zero bytes past the end), so PUSH
//! immediates and the byte after the last instruction (a STOP) are in bounds.

#![expect(unsafe_code, reason = "the stack as a pointer past its top, checked per block")]

use alloy_primitives::U256;
use evm_bytecode::opcode::opcode as op;

use crate::blocks::{self, Blocks};
use crate::frame::{Frame, grow_memory, to_u64};
use crate::host::Host;
use crate::instructions::Instr;
use crate::instructions::arithmetic::{div_word, i256_div, i256_mod, rem_word, signextend_word};
use crate::instructions::bitwise::{byte_word, flag, sar_word, shift_amount, slt_word};
use crate::interpreter::Exit;
use crate::spec::OpEntry;
use crate::stack::limbs;

/// The `N`-byte immediate at `at`, big-endian, read without bounds checks: the dispatch
/// loops' twin of [`crate::instructions::stack::immediate`] (a test compares the two).
/// `at` is the byte after an instruction that starts inside the code, so `at <= len`, and
/// `bytes` is padded with 33 zero bytes, so `at + N <= len + 32 < bytes.len()` for `N <= 32`.
#[inline(always)]
fn immediate<const N: usize>(bytes: &[u8], at: usize) -> U256 {
    debug_assert!(at + N <= bytes.len());
    if N == 1 {
        // SAFETY: `at < bytes.len()` (see above).
        return U256::from(unsafe { *bytes.get_unchecked(at) });
    }
    let mut word = [0u8; 32];
    // SAFETY: `at + N <= bytes.len()` (see above).
    word[32 - N..].copy_from_slice(unsafe { bytes.get_unchecked(at..at + N) });
    U256::from_be_bytes(word)
}

/// The byte at `at` of the padded code, read without a bounds check: `at` is at most 32 bytes
/// past the start of an instruction inside the code, so below `bytes.len()` (33 bytes of
/// padding).
#[inline(always)]
fn byte_at(bytes: &[u8], at: usize) -> u8 {
    debug_assert!(at < bytes.len());
    // SAFETY: `at < bytes.len()` (see above).
    unsafe { *bytes.get_unchecked(at) }
}

/// Runs `f` to its end with the default instruction `table` and the fork's `ops`, checking
/// every instruction.
#[inline(never)]
pub(crate) fn run<H: Host>(
    table: &[Instr<H>; 256],
    ops: &[OpEntry; 256],
    f: &mut Frame<'_, H>,
) -> Exit {
    // Without blocks there is no block check to fail.
    run_loop::<H, false>(table, ops, f, &Blocks::NONE).unwrap_or(Exit::OutOfGas)
}

/// Runs `f` checking whole blocks at their leaders (see [`crate::blocks`]); only for forks
/// from [`blocks::FIRST_FORK`] on, with `blocks` built from `f.code`. `None` when a block's
/// check failed: then `f` stands at that block's leader, its gas not charged, for [`run`] to
/// go on instruction by instruction (the caller calls it, so the two loops' frames are not
/// nested on the native stack).
#[inline(never)]
pub(crate) fn run_blocks<H: Host>(
    table: &[Instr<H>; 256],
    ops: &[OpEntry; 256],
    f: &mut Frame<'_, H>,
    blocks: &Blocks,
) -> Option<Exit> {
    debug_assert!(f.fork >= blocks::FIRST_FORK);
    run_loop::<H, true>(table, ops, f, blocks)
}

/// The loop of both: with `BLOCKS`, block opcodes are checked per block and every other
/// opcode one by one; without it, every opcode one by one. `None`: a block check failed
/// (see [`run_blocks`]).
#[inline(always)]
fn run_loop<H: Host, const BLOCKS: bool>(
    table: &[Instr<H>; 256],
    ops: &[OpEntry; 256],
    f: &mut Frame<'_, H>,
    blocks: &Blocks,
) -> Option<Exit> {
    let bytes = f.bytes;
    // What the loop dispatches on: the code itself, or in the block loop the code with its
    // runs fused (`blocks::fused`; same length, same pcs).
    let ops_code: &[u8] = if BLOCKS { &blocks.ops } else { bytes };
    debug_assert_eq!(ops_code.len(), bytes.len());
    let code = f.code;
    let mut pc = f.pc;
    let mut gas = f.gas_left;
    // The stack as a pointer one past its top item: `base + len`. Set again from `f.stack`
    // after every table instruction (which takes `f`).
    let mut base = f.stack.words_mut().as_mut_ptr();
    let mut sp = base.wrapping_add(f.stack.len());
    macro_rules! len {
        () => {
            (sp.addr() - base.addr()) / size_of::<U256>()
        };
    }
    // The item `$k` from the top (1 is the top; 0 is the free slot above it).
    macro_rules! slot {
        ($k:expr) => {{
            let k: usize = $k;
            debug_assert!(len!().checked_sub(k).is_some_and(|i| i < crate::stack::STACK_LIMIT));
            // SAFETY: the check that dominates every arm (the opcode's own in `check!`, or its
            // block's in `enter_block!`) ensured the stack holds the items the instruction
            // reads and has room for those it pushes, so `sp - $k` is a slot of the 1024-word
            // buffer (initialised when read, as items below the top always are).
            unsafe { &mut *sp.wrapping_sub(k) }
        }};
    }

    // The item `$k` from the top, read limb by limb (see `limbs`): the arm before has usually
    // just stored it that way, and a wider load of it would wait for the stores to retire.
    macro_rules! word {
        ($k:expr) => {
            U256::from_limbs(limbs(slot!($k)))
        };
    }

    // The arms below, as macros so they can name the locals.
    macro_rules! push_word {
        ($value:expr) => {{
            let value = $value;
            *slot!(0) = value;
            sp = sp.wrapping_add(1);
        }};
    }
    macro_rules! push {
        ($n:literal) => {{
            push_word!(immediate::<$n>(bytes, pc));
            pc += $n;
        }};
    }
    macro_rules! dup {
        ($n:literal) => {{
            let word = limbs(slot!($n));
            *slot!(0) = U256::from_limbs(word);
            sp = sp.wrapping_add(1);
        }};
    }
    macro_rules! swap {
        ($n:literal) => {{
            let (a, b) = (limbs(slot!(1)), limbs(slot!(1 + $n)));
            *slot!(1) = U256::from_limbs(b);
            *slot!(1 + $n) = U256::from_limbs(a);
        }};
    }
    // `a` is the top item (popped), `b` the one below it (replaced by the result).
    // Operands are read with `limbs` (8-byte loads; see there), as the previous arm has
    // usually just stored them limb by limb.
    macro_rules! binop {
        (|$a:ident, $b:ident| $e:expr) => {{
            let $a = word!(1);
            let $b = word!(2);
            *slot!(2) = $e;
            sp = sp.wrapping_sub(1);
        }};
    }
    // `a` on top, then `b`, then `n` (replaced by the result).
    macro_rules! triop {
        (|$a:ident, $b:ident, $n:ident| $e:expr) => {{
            let $a = word!(1);
            let $b = word!(2);
            let $n = word!(3);
            *slot!(3) = $e;
            sp = sp.wrapping_sub(2);
        }};
    }
    macro_rules! unop {
        (|$a:ident| $e:expr) => {{
            let $a = word!(1);
            *slot!(1) = $e;
        }};
    }
    // In the block loop, after a jump to `dest` (a JUMPDEST): enters its block and steps past
    // the JUMPDEST (paid for in the block; its arm does nothing).
    macro_rules! land {
        ($dest:expr) => {{
            let dest: usize = $dest;
            enter_block!(dest);
            pc = dest + 1;
        }};
    }
    // The immediate of a PUSH1 (or with `wide`, a PUSH2) fused with what follows it, `pc` at
    // the immediate.
    macro_rules! fused_immediate {
        ($wide:expr) => {
            if $wide {
                usize::from(u16::from_be_bytes([byte_at(bytes, pc), byte_at(bytes, pc + 1)]))
            } else {
                usize::from(byte_at(bytes, pc))
            }
        };
    }
    // A static jump fused with its PUSH2: the destination, checked when the fused code was
    // built.
    macro_rules! fused_target {
        () => {
            fused_immediate!(true)
        };
    }
    // A jump to `dest`, or the end of the frame.
    macro_rules! jump {
        ($dest:expr) => {
            match to_u64($dest) {
                Some(d) if code.is_valid_jump(d as usize) => pc = d as usize,
                _ => {
                    core::hint::cold_path();
                    break Exit::InvalidJump;
                }
            }
        };
    }
    // Memory for `size` bytes at the word `offset` (expanded and paid for): the byte offset.
    // The common case, an offset inside the current memory, is two compares.
    macro_rules! memory_at {
        ($offset:expr, $size:literal) => {{
            let Some(offset) = Frame::<H>::fixed_range::<$size>($offset) else {
                break Exit::OutOfGas;
            };
            if offset + $size > f.memory.len() {
                if let Err(exit) = grow_memory(f.memory, &mut gas, offset + $size) {
                    break exit;
                }
            }
            offset
        }};
    }

    // One opcode's own check: its stack bounds and static gas.
    macro_rules! check {
        ($opcode:expr) => {
            let entry = ops[$opcode as usize];
            let len = len!();
            if len.wrapping_sub(entry.stack_min as usize) > entry.stack_span as usize {
                core::hint::cold_path();
                break entry.stack_failure(len);
            }
            gas = match gas.checked_sub(entry.gas as u64) {
                Some(left) => left,
                None => {
                    core::hint::cold_path();
                    break Exit::OutOfGas;
                }
            };
        };
    }
    // Enters the block whose leader is `leader`: checks its stack bounds and charges its gas,
    // or, when that fails, runs the rest of the frame from the leader one instruction at a
    // time (the frame ends in this block then, with the halt the per-instruction check finds).
    macro_rules! enter_block {
        ($leader:expr) => {
            let leader = $leader;
            let entry = blocks.at(leader);
            let len = len!();
            if len.wrapping_sub(entry.stack_min as usize) > entry.stack_span as usize
                || gas < u64::from(entry.gas)
            {
                core::hint::cold_path();
                f.pc = leader;
                f.gas_left = gas;
                f.stack.set_len(len!());
                return None;
            }
            gas -= u64::from(entry.gas);
        };
    }
    // At a leader reached by falling through (after JUMPI, GAS, another opcode, or at the
    // start): enters its block, unless it is another opcode (checked by itself).
    macro_rules! enter_next {
        () => {
            if BLOCKS {
                let next = byte_at(bytes, pc);
                if blocks::is_block_opcode(next) {
                    enter_block!(pc);
                }
            }
        };
    }

    // Any other opcode: checked by itself (in the block loop; the other loop has checked it
    // already), then run from the instruction table with the locals written back to `f`.
    macro_rules! table_op {
        ($opcode:expr) => {{
            if BLOCKS {
                check!($opcode);
            }
            f.pc = pc;
            f.gas_left = gas;
            f.stack.set_len(len!());
            let result = table[$opcode as usize](f);
            pc = f.pc;
            gas = f.gas_left;
            base = f.stack.words_mut().as_mut_ptr();
            sp = base.wrapping_add(f.stack.len());
            if let Err(exit) = result {
                break exit;
            }
            enter_next!();
        }};
    }

    // The frame's first instruction is a leader.
    enter_next!();
    let exit = loop {
        debug_assert!(pc < bytes.len());
        // SAFETY: `pc` is always below `bytes.len()`: it is an instruction's start inside the
        // code, a jump destination (checked), or at most 32 bytes past the code's end (after
        // a truncated PUSH), and the code is followed by 33 zero bytes (`AnalyzedCode::padded`),
        // so the byte there is a STOP that ends the frame. Table instructions do not move `pc`.
        let opcode = unsafe { *ops_code.get_unchecked(pc) };
        if !BLOCKS {
            check!(opcode);
        }
        pc += 1;
        match opcode {
            op::STOP => break Exit::Stop,
            op::ADD => binop!(|a, b| a.wrapping_add(b)),
            op::MUL => binop!(|a, b| a.wrapping_mul(b)),
            op::SUB => binop!(|a, b| a.wrapping_sub(b)),
            op::DIV => binop!(|a, b| div_word(a, b)),
            op::SDIV => binop!(|a, b| i256_div(a, b)),
            op::MOD => binop!(|a, b| rem_word(a, b)),
            op::SMOD => binop!(|a, b| i256_mod(a, b)),
            op::ADDMOD => triop!(|a, b, n| a.add_mod(b, n)),
            op::MULMOD => triop!(|a, b, n| a.mul_mod(b, n)),
            op::SIGNEXTEND => binop!(|a, b| signextend_word(a, b)),
            op::LT => binop!(|a, b| flag(a < b)),
            op::GT => binop!(|a, b| flag(a > b)),
            op::SLT => binop!(|a, b| flag(slt_word(a, b))),
            op::SGT => binop!(|a, b| flag(slt_word(b, a))),
            op::EQ => binop!(|a, b| flag(a == b)),
            op::ISZERO => unop!(|a| flag(a.is_zero())),
            op::AND => binop!(|a, b| a & b),
            op::OR => binop!(|a, b| a | b),
            op::XOR => binop!(|a, b| a ^ b),
            op::NOT => unop!(|a| !a),
            op::BYTE => binop!(|a, b| byte_word(a, b)),
            op::SHL => binop!(|a, b| shift_amount(a).map_or(U256::ZERO, |s| b << s)),
            op::SHR => binop!(|a, b| shift_amount(a).map_or(U256::ZERO, |s| b >> s)),
            op::SAR => binop!(|a, b| sar_word(a, b)),
            op::POP => sp = sp.wrapping_sub(1),
            op::MLOAD => {
                let offset = memory_at!(word!(1), 32);
                *slot!(1) = U256::from_be_bytes(f.memory.word(offset));
            }
            op::MSTORE => {
                let (offset, value) = (word!(1), word!(2));
                sp = sp.wrapping_sub(2);
                let offset = memory_at!(offset, 32);
                f.memory.set(offset, &value.to_be_bytes::<32>());
            }
            op::MSTORE8 => {
                let (offset, value) = (word!(1), word!(2));
                sp = sp.wrapping_sub(2);
                let offset = memory_at!(offset, 1);
                f.memory.set(offset, &[value.byte(0)]);
            }
            op::JUMP => {
                let dest = word!(1);
                sp = sp.wrapping_sub(1);
                jump!(dest);
                if BLOCKS {
                    land!(pc);
                }
            }
            op::JUMPI => {
                let (dest, cond) = (word!(1), word!(2));
                sp = sp.wrapping_sub(2);
                if !cond.is_zero() {
                    jump!(dest);
                    if BLOCKS {
                        land!(pc);
                    }
                } else {
                    enter_next!();
                }
            }
            // In the block loop, paid with the block it falls through from or jumps into, as
            // are the JUMPDESTs right after it (stepped over here; the padding ends the run).
            op::JUMPDEST => {
                if BLOCKS {
                    while byte_at(ops_code, pc) == op::JUMPDEST {
                        pc += 1;
                    }
                }
            }
            op::PC => push_word!(U256::from(pc - 1)),
            op::MSIZE => push_word!(U256::from(f.memory.len())),
            op::GAS => {
                push_word!(U256::from(gas));
                enter_next!();
            }
            op::PUSH0 => push_word!(U256::ZERO),
            op::PUSH1 => push!(1),
            op::PUSH2 => push!(2),
            op::PUSH3 => push!(3),
            op::PUSH4 => push!(4),
            op::PUSH5 => push!(5),
            op::PUSH6 => push!(6),
            op::PUSH7 => push!(7),
            op::PUSH8 => push!(8),
            op::PUSH9 => push!(9),
            op::PUSH10 => push!(10),
            op::PUSH11 => push!(11),
            op::PUSH12 => push!(12),
            op::PUSH13 => push!(13),
            op::PUSH14 => push!(14),
            op::PUSH15 => push!(15),
            op::PUSH16 => push!(16),
            op::PUSH17 => push!(17),
            op::PUSH18 => push!(18),
            op::PUSH19 => push!(19),
            op::PUSH20 => push!(20),
            op::PUSH21 => push!(21),
            op::PUSH22 => push!(22),
            op::PUSH23 => push!(23),
            op::PUSH24 => push!(24),
            op::PUSH25 => push!(25),
            op::PUSH26 => push!(26),
            op::PUSH27 => push!(27),
            op::PUSH28 => push!(28),
            op::PUSH29 => push!(29),
            op::PUSH30 => push!(30),
            op::PUSH31 => push!(31),
            op::PUSH32 => push!(32),
            op::DUP1 => dup!(1),
            op::DUP2 => dup!(2),
            op::DUP3 => dup!(3),
            op::DUP4 => dup!(4),
            op::DUP5 => dup!(5),
            op::DUP6 => dup!(6),
            op::DUP7 => dup!(7),
            op::DUP8 => dup!(8),
            op::DUP9 => dup!(9),
            op::DUP10 => dup!(10),
            op::DUP11 => dup!(11),
            op::DUP12 => dup!(12),
            op::DUP13 => dup!(13),
            op::DUP14 => dup!(14),
            op::DUP15 => dup!(15),
            op::DUP16 => dup!(16),
            op::SWAP1 => swap!(1),
            op::SWAP2 => swap!(2),
            op::SWAP3 => swap!(3),
            op::SWAP4 => swap!(4),
            op::SWAP5 => swap!(5),
            op::SWAP6 => swap!(6),
            op::SWAP7 => swap!(7),
            op::SWAP8 => swap!(8),
            op::SWAP9 => swap!(9),
            op::SWAP10 => swap!(10),
            op::SWAP11 => swap!(11),
            op::SWAP12 => swap!(12),
            op::SWAP13 => swap!(13),
            op::SWAP14 => swap!(14),
            op::SWAP15 => swap!(15),
            op::SWAP16 => swap!(16),
            // The fused runs (only in the block loop's code; see `blocks::fused`).
            blocks::fused::PUSH2_JUMP if BLOCKS => land!(fused_target!()),
            blocks::fused::PUSH2_JUMPI if BLOCKS => {
                let cond = word!(1);
                sp = sp.wrapping_sub(1);
                if cond.is_zero() {
                    pc += 3;
                    enter_next!();
                } else {
                    land!(fused_target!());
                }
            }
            blocks::fused::ISZERO_PUSH2_JUMPI if BLOCKS => {
                let cond = word!(1);
                sp = sp.wrapping_sub(1);
                if cond.is_zero() {
                    pc += 1;
                    land!(fused_target!());
                } else {
                    pc += 4;
                    enter_next!();
                }
            }
            blocks::fused::DUP2_PUSH2_JUMPI if BLOCKS => {
                if word!(2).is_zero() {
                    pc += 4;
                    enter_next!();
                } else {
                    pc += 1;
                    land!(fused_target!());
                }
            }
            blocks::fused::PUSH1_DUP2 if BLOCKS => {
                let (n, a) = (U256::from(fused_immediate!(false)), word!(1));
                push_word!(n);
                push_word!(a);
                pc += 2;
            }
            blocks::fused::ADD_MLOAD if BLOCKS => {
                let at = word!(1).wrapping_add(word!(2));
                sp = sp.wrapping_sub(1);
                pc += 1;
                let offset = memory_at!(at, 32);
                *slot!(1) = U256::from_be_bytes(f.memory.word(offset));
            }
            blocks::fused::DUP2_MSTORE if BLOCKS => {
                let (value, at) = (word!(1), word!(2));
                sp = sp.wrapping_sub(1);
                pc += 1;
                let offset = memory_at!(at, 32);
                f.memory.set(offset, &value.to_be_bytes::<32>());
            }
            blocks::fused::MUL_ADD if BLOCKS => {
                triop!(|a, b, c| a.wrapping_mul(b).wrapping_add(c));
                pc += 1;
            }
            blocks::fused::DUP2_ADD if BLOCKS => {
                let b = word!(2);
                unop!(|a| a.wrapping_add(b));
                pc += 1;
            }
            blocks::fused::POP_PUSH1 if BLOCKS => {
                pc += 1;
                *slot!(1) = U256::from(fused_immediate!(false));
                pc += 1;
            }
            blocks::fused::MLOAD_POP if BLOCKS => {
                let at = word!(1);
                sp = sp.wrapping_sub(1);
                pc += 1;
                memory_at!(at, 32);
            }
            blocks::fused::DUP1_MSTORE if BLOCKS => {
                let value = word!(1);
                sp = sp.wrapping_sub(1);
                pc += 1;
                let offset = memory_at!(value, 32);
                f.memory.set(offset, &value.to_be_bytes::<32>());
            }
            blocks::fused::SDIV_SWAP1_POP if BLOCKS => {
                let (a, b) = (word!(1), word!(2));
                *slot!(3) = i256_div(a, b);
                sp = sp.wrapping_sub(2);
                pc += 2;
            }
            blocks::fused::SLT_ISZERO_PUSH2_JUMPI if BLOCKS => {
                let (a, b) = (word!(1), word!(2));
                sp = sp.wrapping_sub(2);
                if slt_word(a, b) {
                    pc += 5;
                    enter_next!();
                } else {
                    pc += 2;
                    land!(fused_target!());
                }
            }
            blocks::fused::PUSH1_ADD_MLOAD if BLOCKS => {
                let n = U256::from(fused_immediate!(false));
                pc += 3;
                let offset = memory_at!(word!(1).wrapping_add(n), 32);
                *slot!(1) = U256::from_be_bytes(f.memory.word(offset));
            }
            blocks::fused::DUP2_DUP2 if BLOCKS => {
                let (y, x) = (word!(1), word!(2));
                push_word!(x);
                push_word!(y);
                pc += 1;
            }
            blocks::fused::SWAP1_POP if BLOCKS => {
                *slot!(2) = word!(1);
                sp = sp.wrapping_sub(1);
                pc += 1;
            }
            blocks::fused::SWAP2_POP if BLOCKS => {
                *slot!(3) = word!(1);
                sp = sp.wrapping_sub(1);
                pc += 1;
            }
            blocks::fused::PUSH1_ADD if BLOCKS => {
                let n = U256::from(fused_immediate!(false));
                unop!(|a| a.wrapping_add(n));
                pc += 2;
            }
            blocks::fused::POP_POP if BLOCKS => {
                sp = sp.wrapping_sub(2);
                pc += 1;
            }
            blocks::fused::PUSH1_SHL if BLOCKS => {
                let shift = fused_immediate!(false);
                unop!(|a| a << shift);
                pc += 2;
            }
            blocks::fused::PUSH1_SHR if BLOCKS => {
                let shift = fused_immediate!(false);
                unop!(|a| a >> shift);
                pc += 2;
            }
            blocks::fused::PUSH1_MLOAD | blocks::fused::PUSH2_MLOAD if BLOCKS => {
                let wide = opcode == blocks::fused::PUSH2_MLOAD;
                let at = fused_immediate!(wide);
                pc += 2 + usize::from(wide);
                let offset = memory_at!(U256::from(at), 32);
                push_word!(U256::from_be_bytes(f.memory.word(offset)));
            }
            blocks::fused::PUSH1_MSTORE | blocks::fused::PUSH2_MSTORE if BLOCKS => {
                let wide = opcode == blocks::fused::PUSH2_MSTORE;
                let at = fused_immediate!(wide);
                pc += 2 + usize::from(wide);
                let value = word!(1);
                sp = sp.wrapping_sub(1);
                let offset = memory_at!(U256::from(at), 32);
                f.memory.set(offset, &value.to_be_bytes::<32>());
            }
            _ => table_op!(opcode),
        }
    };
    f.pc = pc;
    f.gas_left = gas;
    f.stack.set_len(len!());
    Some(exit)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, Bytes};
    use evm_bytecode::Fork;

    use crate::instructions::invalid;
    use crate::test_host::MockHost;
    use crate::{Interpreter, SharedMemory};

    /// Opcodes the fast loop inlines, with a few table ones between them, and undefined ones
    /// that share a value with the block loop's fused opcodes.
    const OPS: &[u8] = &[
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13,
        0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x20, 0x50, 0x51, 0x52, 0x53,
        0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5f, 0x80, 0x81, 0x83, 0x8f, 0x90, 0x91,
        0x93, 0x9f, 0xf3, 0xfd, 0xfe, 0x0c, 0xb0, 0xb3, 0xb5, 0xb9, 0xbc, 0xbd, 0xbe, 0xc1, 0xc3,
        0xc6, 0xc9,
    ];

    /// The unchecked immediate and byte reads agree with the checked ones at every position
    /// the loops may read them: up to 32 bytes past each instruction start of a padded code.
    #[test]
    fn unchecked_reads_agree_with_checked_ones() {
        let code: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
        let code = evm_bytecode::AnalyzedCode::new(Bytes::from(code));
        let bytes = code.padded();
        macro_rules! each {
            ($($n:literal)*) => {$(
                for at in 0..=code.len() {
                    assert_eq!(
                        super::immediate::<$n>(bytes, at),
                        crate::instructions::stack::immediate::<$n>(bytes, at),
                        "PUSH{} at {at}", $n
                    );
                }
            )*};
        }
        each!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32);
        for at in 0..code.len() + 32 {
            assert_eq!(super::byte_at(bytes, at), bytes[at]);
        }
    }

    /// The same random programs through both loops: the register-resident one (default table)
    /// and the table loop (forced by a custom instruction on an opcode no program uses).
    #[test]
    fn fast_loop_agrees_with_the_table_loop() {
        let fast = Interpreter::<MockHost>::new();
        let mut slow = Interpreter::<MockHost>::new();
        slow.insert_instruction(0x0c, invalid::<MockHost>, 0, 0, 0, Fork::Frontier);
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for fork in [Fork::Frontier, Fork::Byzantium, Fork::Cancun, Fork::Osaka] {
            for _ in 0..1500 {
                let mut code = Vec::new();
                for _ in 0..(next() % 96) {
                    let r = next();
                    if r % 3 == 0 {
                        // A push of a small value (jump targets, offsets, shift amounts).
                        let n = 1 + (r >> 8) as usize % 3;
                        code.push(0x5f + n as u8);
                        code.extend((0..n).map(|i| (r >> (16 + 8 * i)) as u8 % 64));
                    } else if r % 11 == 2 {
                        // A static jump (fused in the block loop when it hits a JUMPDEST).
                        if r >> 40 & 1 == 1 {
                            code.push(0x15);
                        }
                        code.extend([0x61, 0x00, (r >> 8) as u8 % 96, 0x56 + (r >> 16) as u8 % 2]);
                    } else if r % 7 == 1 {
                        let n = 1 + (r >> 8) as usize % 32;
                        code.push(0x5f + n as u8);
                        code.extend((0..n).map(|i| (r >> (i % 8 * 8)) as u8));
                    } else {
                        code.push(OPS[(r >> 8) as usize % OPS.len()]);
                    }
                }
                let code = Bytes::from(code);
                let gas = 30 + next() % 3000;
                let [a, b] = [&fast, &slow].map(|interp| {
                    let mut host = MockHost::new(fork);
                    let mut input = host.frame(code.clone(), Address::ZERO, gas);
                    input.fork = fork;
                    interp.run(input, &mut host, &mut SharedMemory::new())
                });
                assert_eq!(a, b, "fork {fork:?}, code {code}, gas {gas}");
            }
        }
    }
}
