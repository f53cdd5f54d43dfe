//! `VmHooks`: the transaction-level hook points the VM calls, on top of the interpreter's
//! [`Hooks`], and their implementation for the extension registry.
//!
//! Every method has an empty default, so a `Hooks` type becomes a `VmHooks` with
//! `impl VmHooks for MyHooks {}`; with [`NoHooks`] the VM compiles without any of them.

use alloy_primitives::Address;
use evm_extensions::{
    AccountDiff, BlockInfo, Extensions, HookPoint, PrecompileCall, PrecompileFailure,
    PrecompileOutput, PrecompileState, TxInfo, TxResultInfo, TxStatus,
};
use evm_interp::{AbortReason, Hooks, NoHooks};

use crate::vm::{ResultAndState, Status};
use crate::{Fork, Tx};

/// Hook points of transactions and blocks, and the VM side of custom precompiles.
pub trait VmHooks: Hooks {
    /// A transaction point before execution; `Err` rejects the transaction.
    #[inline]
    fn tx_point(&mut self, _point: HookPoint, _tx: &Tx) -> Result<(), AbortReason> {
        Ok(())
    }
    /// After execution, with the result and the state changes.
    #[inline]
    fn tx_end(&mut self, _tx: &Tx, _out: &ResultAndState) {}
    /// A block point; `Err` at `BlockStart` rejects the block.
    #[inline]
    fn block_point(&mut self, _point: HookPoint, _info: &BlockInfo) -> Result<(), AbortReason> {
        Ok(())
    }
    /// Calls `f` with every custom precompile address active in `fork` (warmed like the
    /// standard ones, EIP-2929).
    #[inline]
    fn custom_precompiles(&self, _fork: Fork, _f: &mut dyn FnMut(Address)) {}
    /// Runs a custom precompile at `call.address`, if one applies.
    #[inline]
    fn run_precompile(
        &mut self,
        _call: PrecompileCall<'_>,
        _state: &mut dyn PrecompileState,
        _standard_exists: bool,
    ) -> Option<Result<PrecompileOutput, PrecompileFailure>> {
        None
    }
    /// The reason of the last extension abort, taken.
    #[inline]
    fn take_abort(&mut self) -> Option<AbortReason> {
        None
    }
}

impl VmHooks for NoHooks {}

fn tx_info(tx: &Tx) -> TxInfo<'_> {
    TxInfo {
        caller: tx.caller,
        to: tx.to,
        value: tx.value,
        gas_limit: tx.gas_limit,
        nonce: tx.nonce,
        data: &tx.data,
    }
}

impl VmHooks for Extensions {
    fn tx_point(&mut self, point: HookPoint, tx: &Tx) -> Result<(), AbortReason> {
        if !self.has_hooks(point) {
            return Ok(());
        }
        Extensions::tx_point(self, point, &tx_info(tx))
    }

    fn tx_end(&mut self, tx: &Tx, out: &ResultAndState) {
        if !self.has_hooks(HookPoint::TxAfterExecution) {
            return;
        }
        let changes: Vec<AccountDiff> = out
            .state
            .iter()
            .map(|(address, change)| AccountDiff {
                address: *address,
                balance: change.info.balance,
                nonce: change.info.nonce,
                storage: change.storage.iter().map(|(k, v)| (*k, *v)).collect(),
                created: change.created,
                deleted: change.deleted,
            })
            .collect();
        let status = match out.result.status {
            Status::Success => TxStatus::Success,
            Status::Revert => TxStatus::Revert,
            Status::Halt(_) => TxStatus::Halt,
        };
        let result = TxResultInfo {
            status,
            gas_used: out.result.gas_used,
            output: &out.result.output,
            logs: &out.result.logs,
            changes: &changes,
        };
        Extensions::tx_end(self, &tx_info(tx), &result);
    }

    fn block_point(&mut self, point: HookPoint, info: &BlockInfo) -> Result<(), AbortReason> {
        Extensions::block_point(self, point, info)
    }

    fn custom_precompiles(&self, fork: Fork, f: &mut dyn FnMut(Address)) {
        for address in self.precompile_addresses(fork) {
            f(address);
        }
    }

    fn run_precompile(
        &mut self,
        call: PrecompileCall<'_>,
        state: &mut dyn PrecompileState,
        standard_exists: bool,
    ) -> Option<Result<PrecompileOutput, PrecompileFailure>> {
        Extensions::run_precompile(self, call, state, standard_exists)
    }

    fn take_abort(&mut self) -> Option<AbortReason> {
        Extensions::take_abort(self)
    }
}
