//! Instruction functions and the default instruction table.
//!
//! Every instruction has the signature [`Instr`]. The dispatch loop has already checked that
//! the opcode exists, that the stack holds what it needs and has room, and charged static gas.

use evm_bytecode::opcode::opcode as op;

use crate::frame::Frame;
use crate::host::Host;
use crate::interpreter::Exit;

pub mod arithmetic;
pub mod bitwise;
pub mod control;
pub mod host;
pub mod memory;
pub mod stack;
pub mod system;

/// An instruction: runs one opcode on a frame.
pub type Instr<H> = fn(&mut Frame<'_, H>) -> Result<(), Exit>;

/// Halts with [`Exit::InvalidOpcode`] (0xFE and every unassigned byte).
pub fn invalid<H: Host>(_f: &mut Frame<'_, H>) -> Result<(), Exit> {
    Err(Exit::InvalidOpcode)
}

/// A custom opcode: runs the standard instruction before the fork the custom one starts in
/// (an override of a defined opcode), otherwise [`crate::Hooks::custom_opcode`].
pub fn custom<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    use crate::Hooks;
    let op = f.bytes[f.pc - 1];
    let fork = f.fork;
    let routed = f.host.hooks().custom_opcodes().is_some_and(|c| c.is_routed_in(op, fork));
    if !routed {
        return (const { instruction_table::<H>() })[op as usize](f);
    }
    <H::Hooks as Hooks>::custom_opcode(f)
}

/// The default table: every opcode of every fork (forks gate them through `ForkTable::defined`).
pub const fn instruction_table<H: Host>() -> [Instr<H>; 256] {
    let mut t: [Instr<H>; 256] = [invalid::<H>; 256];
    t[op::STOP as usize] = control::stop::<H>;
    t[op::ADD as usize] = arithmetic::add::<H>;
    t[op::MUL as usize] = arithmetic::mul::<H>;
    t[op::SUB as usize] = arithmetic::sub::<H>;
    t[op::DIV as usize] = arithmetic::div::<H>;
    t[op::SDIV as usize] = arithmetic::sdiv::<H>;
    t[op::MOD as usize] = arithmetic::rem::<H>;
    t[op::SMOD as usize] = arithmetic::smod::<H>;
    t[op::ADDMOD as usize] = arithmetic::addmod::<H>;
    t[op::MULMOD as usize] = arithmetic::mulmod::<H>;
    t[op::EXP as usize] = arithmetic::exp::<H>;
    t[op::SIGNEXTEND as usize] = arithmetic::signextend::<H>;
    t[op::LT as usize] = bitwise::lt::<H>;
    t[op::GT as usize] = bitwise::gt::<H>;
    t[op::SLT as usize] = bitwise::slt::<H>;
    t[op::SGT as usize] = bitwise::sgt::<H>;
    t[op::EQ as usize] = bitwise::eq::<H>;
    t[op::ISZERO as usize] = bitwise::iszero::<H>;
    t[op::AND as usize] = bitwise::and::<H>;
    t[op::OR as usize] = bitwise::or::<H>;
    t[op::XOR as usize] = bitwise::xor::<H>;
    t[op::NOT as usize] = bitwise::not::<H>;
    t[op::BYTE as usize] = bitwise::byte::<H>;
    t[op::SHL as usize] = bitwise::shl::<H>;
    t[op::SHR as usize] = bitwise::shr::<H>;
    t[op::SAR as usize] = bitwise::sar::<H>;
    t[op::CLZ as usize] = bitwise::clz::<H>;
    t[op::KECCAK256 as usize] = system::keccak256::<H>;
    t[op::ADDRESS as usize] = system::address::<H>;
    t[op::BALANCE as usize] = host::balance::<H>;
    t[op::ORIGIN as usize] = host::origin::<H>;
    t[op::CALLER as usize] = system::caller::<H>;
    t[op::CALLVALUE as usize] = system::callvalue::<H>;
    t[op::CALLDATALOAD as usize] = system::calldataload::<H>;
    t[op::CALLDATASIZE as usize] = system::calldatasize::<H>;
    t[op::CALLDATACOPY as usize] = system::calldatacopy::<H>;
    t[op::CODESIZE as usize] = system::codesize::<H>;
    t[op::CODECOPY as usize] = system::codecopy::<H>;
    t[op::GASPRICE as usize] = host::gasprice::<H>;
    t[op::EXTCODESIZE as usize] = host::extcodesize::<H>;
    t[op::EXTCODECOPY as usize] = host::extcodecopy::<H>;
    t[op::RETURNDATASIZE as usize] = system::returndatasize::<H>;
    t[op::RETURNDATACOPY as usize] = system::returndatacopy::<H>;
    t[op::EXTCODEHASH as usize] = host::extcodehash::<H>;
    t[op::BLOCKHASH as usize] = host::blockhash::<H>;
    t[op::COINBASE as usize] = host::coinbase::<H>;
    t[op::TIMESTAMP as usize] = host::timestamp::<H>;
    t[op::NUMBER as usize] = host::number::<H>;
    t[op::PREVRANDAO as usize] = host::prevrandao::<H>;
    t[op::GASLIMIT as usize] = host::gaslimit::<H>;
    t[op::CHAINID as usize] = host::chainid::<H>;
    t[op::SELFBALANCE as usize] = host::selfbalance::<H>;
    t[op::BASEFEE as usize] = host::basefee::<H>;
    t[op::BLOBHASH as usize] = host::blobhash::<H>;
    t[op::BLOBBASEFEE as usize] = host::blobbasefee::<H>;
    t[op::POP as usize] = stack::pop::<H>;
    t[op::MLOAD as usize] = memory::mload::<H>;
    t[op::MSTORE as usize] = memory::mstore::<H>;
    t[op::MSTORE8 as usize] = memory::mstore8::<H>;
    t[op::SLOAD as usize] = host::sload::<H>;
    t[op::SSTORE as usize] = host::sstore::<H>;
    t[op::JUMP as usize] = control::jump::<H>;
    t[op::JUMPI as usize] = control::jumpi::<H>;
    t[op::PC as usize] = control::pc::<H>;
    t[op::MSIZE as usize] = memory::msize::<H>;
    t[op::GAS as usize] = control::gas::<H>;
    t[op::JUMPDEST as usize] = control::jumpdest::<H>;
    t[op::TLOAD as usize] = host::tload::<H>;
    t[op::TSTORE as usize] = host::tstore::<H>;
    t[op::MCOPY as usize] = memory::mcopy::<H>;
    t[op::PUSH0 as usize] = stack::push0::<H>;
    t[op::PUSH1 as usize] = stack::push::<1, H>;
    t[op::PUSH2 as usize] = stack::push::<2, H>;
    t[op::PUSH3 as usize] = stack::push::<3, H>;
    t[op::PUSH4 as usize] = stack::push::<4, H>;
    t[op::PUSH5 as usize] = stack::push::<5, H>;
    t[op::PUSH6 as usize] = stack::push::<6, H>;
    t[op::PUSH7 as usize] = stack::push::<7, H>;
    t[op::PUSH8 as usize] = stack::push::<8, H>;
    t[op::PUSH9 as usize] = stack::push::<9, H>;
    t[op::PUSH10 as usize] = stack::push::<10, H>;
    t[op::PUSH11 as usize] = stack::push::<11, H>;
    t[op::PUSH12 as usize] = stack::push::<12, H>;
    t[op::PUSH13 as usize] = stack::push::<13, H>;
    t[op::PUSH14 as usize] = stack::push::<14, H>;
    t[op::PUSH15 as usize] = stack::push::<15, H>;
    t[op::PUSH16 as usize] = stack::push::<16, H>;
    t[op::PUSH17 as usize] = stack::push::<17, H>;
    t[op::PUSH18 as usize] = stack::push::<18, H>;
    t[op::PUSH19 as usize] = stack::push::<19, H>;
    t[op::PUSH20 as usize] = stack::push::<20, H>;
    t[op::PUSH21 as usize] = stack::push::<21, H>;
    t[op::PUSH22 as usize] = stack::push::<22, H>;
    t[op::PUSH23 as usize] = stack::push::<23, H>;
    t[op::PUSH24 as usize] = stack::push::<24, H>;
    t[op::PUSH25 as usize] = stack::push::<25, H>;
    t[op::PUSH26 as usize] = stack::push::<26, H>;
    t[op::PUSH27 as usize] = stack::push::<27, H>;
    t[op::PUSH28 as usize] = stack::push::<28, H>;
    t[op::PUSH29 as usize] = stack::push::<29, H>;
    t[op::PUSH30 as usize] = stack::push::<30, H>;
    t[op::PUSH31 as usize] = stack::push::<31, H>;
    t[op::PUSH32 as usize] = stack::push::<32, H>;
    t[op::DUP1 as usize] = stack::dup::<1, H>;
    t[op::DUP2 as usize] = stack::dup::<2, H>;
    t[op::DUP3 as usize] = stack::dup::<3, H>;
    t[op::DUP4 as usize] = stack::dup::<4, H>;
    t[op::DUP5 as usize] = stack::dup::<5, H>;
    t[op::DUP6 as usize] = stack::dup::<6, H>;
    t[op::DUP7 as usize] = stack::dup::<7, H>;
    t[op::DUP8 as usize] = stack::dup::<8, H>;
    t[op::DUP9 as usize] = stack::dup::<9, H>;
    t[op::DUP10 as usize] = stack::dup::<10, H>;
    t[op::DUP11 as usize] = stack::dup::<11, H>;
    t[op::DUP12 as usize] = stack::dup::<12, H>;
    t[op::DUP13 as usize] = stack::dup::<13, H>;
    t[op::DUP14 as usize] = stack::dup::<14, H>;
    t[op::DUP15 as usize] = stack::dup::<15, H>;
    t[op::DUP16 as usize] = stack::dup::<16, H>;
    t[op::SWAP1 as usize] = stack::swap::<1, H>;
    t[op::SWAP2 as usize] = stack::swap::<2, H>;
    t[op::SWAP3 as usize] = stack::swap::<3, H>;
    t[op::SWAP4 as usize] = stack::swap::<4, H>;
    t[op::SWAP5 as usize] = stack::swap::<5, H>;
    t[op::SWAP6 as usize] = stack::swap::<6, H>;
    t[op::SWAP7 as usize] = stack::swap::<7, H>;
    t[op::SWAP8 as usize] = stack::swap::<8, H>;
    t[op::SWAP9 as usize] = stack::swap::<9, H>;
    t[op::SWAP10 as usize] = stack::swap::<10, H>;
    t[op::SWAP11 as usize] = stack::swap::<11, H>;
    t[op::SWAP12 as usize] = stack::swap::<12, H>;
    t[op::SWAP13 as usize] = stack::swap::<13, H>;
    t[op::SWAP14 as usize] = stack::swap::<14, H>;
    t[op::SWAP15 as usize] = stack::swap::<15, H>;
    t[op::SWAP16 as usize] = stack::swap::<16, H>;
    t[op::LOG0 as usize] = host::log::<0, H>;
    t[op::LOG1 as usize] = host::log::<1, H>;
    t[op::LOG2 as usize] = host::log::<2, H>;
    t[op::LOG3 as usize] = host::log::<3, H>;
    t[op::LOG4 as usize] = host::log::<4, H>;
    t[op::CREATE as usize] = system::create::<false, H>;
    t[op::CALL as usize] = system::call::<H>;
    t[op::CALLCODE as usize] = system::callcode::<H>;
    t[op::RETURN as usize] = control::ret::<H>;
    t[op::DELEGATECALL as usize] = system::delegatecall::<H>;
    t[op::CREATE2 as usize] = system::create::<true, H>;
    t[op::STATICCALL as usize] = system::staticcall::<H>;
    t[op::REVERT as usize] = control::revert::<H>;
    t[op::INVALID as usize] = invalid::<H>;
    t[op::SELFDESTRUCT as usize] = host::selfdestruct::<H>;
    t
}
