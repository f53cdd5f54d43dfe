//! [`Ctx`]: the safe view of the host table a callback receives, one method per host function.
#![expect(unsafe_code, reason = "calls the host's extern \"C\" function table")]

use core::ffi::c_void;

use crate::abi::HostApi;
use crate::error::Error;
use crate::word::{Address, Word};

/// The host as one callback sees it: the [`HostApi`] table and the opaque context it belongs to.
///
/// The SDK's trampolines build one per call; it cannot outlive the callback. Plain getters
/// return zero where they do not apply; the other methods return [`Error::Unsupported`] outside
/// their contexts (see `docs/PLUGINS.md` for which host function works where).
#[derive(Debug)]
pub struct Ctx<'a> {
    host: &'a HostApi,
    raw: *mut c_void,
}

impl<'a> Ctx<'a> {
    /// Wraps a host table and context.
    ///
    /// # Safety
    /// `host` and `raw` are the table and context passed to the callback now running, and the
    /// `Ctx` is dropped before that callback returns. The SDK's trampolines do this for you.
    pub unsafe fn from_raw(host: &'a HostApi, raw: *mut c_void) -> Self {
        Self { host, raw }
    }

    /// The raw host table, e.g. to read `struct_size` or `abi_minor`.
    pub fn host(&self) -> &'a HostApi {
        self.host
    }

    /// The hook point of this callback ([`point`](crate::point)), or `u32::MAX` for opcodes and
    /// precompiles.
    pub fn point(&self) -> u32 {
        // SAFETY: `from_raw`'s contract: the table and context belong to the running callback.
        unsafe { (self.host.point)(self.raw) }
    }

    /// The program counter (opcode points and opcodes).
    pub fn pc(&self) -> u64 {
        // SAFETY: `from_raw`'s contract: the table and context belong to the running callback.
        unsafe { (self.host.pc)(self.raw) }
    }

    /// The opcode byte (opcode points and opcodes).
    pub fn opcode(&self) -> u8 {
        // SAFETY: `from_raw`'s contract: the table and context belong to the running callback.
        let op = unsafe { (self.host.opcode)(self.raw) };
        (op & 0xff) as u8
    }

    /// The call depth (0 for the transaction's frame).
    pub fn depth(&self) -> u64 {
        // SAFETY: `from_raw`'s contract: the table and context belong to the running callback.
        unsafe { (self.host.depth)(self.raw) }
    }

    /// Gas left.
    pub fn gas_left(&self) -> u64 {
        // SAFETY: `from_raw`'s contract: the table and context belong to the running callback.
        unsafe { (self.host.gas_left)(self.raw) }
    }

    /// The fork, as `Fork as u32` (0 is Frontier).
    pub fn fork(&self) -> u32 {
        // SAFETY: `from_raw`'s contract: the table and context belong to the running callback.
        unsafe { (self.host.fork)(self.raw) }
    }

    /// Whether the frame is static (inside `STATICCALL`): state writes are refused.
    pub fn is_static(&self) -> bool {
        // SAFETY: `from_raw`'s contract: the table and context belong to the running callback.
        unsafe { (self.host.is_static)(self.raw) != 0 }
    }

    /// The running address (a precompile's own address, a call's target, a transaction's `to`).
    pub fn address(&self) -> Result<Address, Error> {
        let mut out = [0; 20];
        // SAFETY: `from_raw`'s contract; `out` is a writable 20-byte buffer.
        let status = unsafe { (self.host.address)(self.raw, &mut out) };
        Error::check(status).map(|_| out)
    }

    /// The caller.
    pub fn caller(&self) -> Result<Address, Error> {
        let mut out = [0; 20];
        // SAFETY: `from_raw`'s contract; `out` is a writable 20-byte buffer.
        let status = unsafe { (self.host.caller)(self.raw, &mut out) };
        Error::check(status).map(|_| out)
    }

    /// The call value.
    pub fn value(&self) -> Result<Word, Error> {
        let mut out = [0; 32];
        // SAFETY: `from_raw`'s contract; `out` is a writable 32-byte buffer.
        let status = unsafe { (self.host.value)(self.raw, &mut out) };
        Error::check(status).map(|_| out)
    }

    /// The number of stack items.
    pub fn stack_len(&self) -> u64 {
        // SAFETY: `from_raw`'s contract: the table and context belong to the running callback.
        unsafe { (self.host.stack_len)(self.raw) }
    }

    /// The stack item `depth` from the top (0 is the top).
    pub fn peek(&self, depth: u64) -> Result<Word, Error> {
        let mut out = [0; 32];
        // SAFETY: `from_raw`'s contract; `out` is a writable 32-byte buffer.
        let status = unsafe { (self.host.stack_peek)(self.raw, depth, &mut out) };
        Error::check(status).map(|_| out)
    }

    /// Pops the top item (opcodes only).
    pub fn pop(&mut self) -> Result<Word, Error> {
        let mut out = [0; 32];
        // SAFETY: `from_raw`'s contract; `out` is a writable 32-byte buffer.
        let status = unsafe { (self.host.stack_pop)(self.raw, &mut out) };
        Error::check(status).map(|_| out)
    }

    /// Pushes an item (opcodes only).
    pub fn push(&mut self, value: &Word) -> Result<(), Error> {
        // SAFETY: `from_raw`'s contract; `value` is a readable 32-byte buffer.
        let status = unsafe { (self.host.stack_push)(self.raw, value) };
        Error::check(status).map(drop)
    }

    /// Replaces the item `depth` from the top (opcodes; hooks need `STACK_MODIFY`).
    pub fn set_stack(&mut self, depth: u64, value: &Word) -> Result<(), Error> {
        // SAFETY: `from_raw`'s contract; `value` is a readable 32-byte buffer.
        let status = unsafe { (self.host.stack_set)(self.raw, depth, value) };
        Error::check(status).map(drop)
    }

    /// The memory size in bytes.
    pub fn memory_len(&self) -> u64 {
        // SAFETY: `from_raw`'s contract: the table and context belong to the running callback.
        unsafe { (self.host.memory_len)(self.raw) }
    }

    /// Copies memory at `offset` into `out` (zero-filled past the end of memory).
    pub fn memory_read_into(&self, offset: u64, out: &mut [u8]) -> Result<(), Error> {
        let len = out.len() as u64;
        // SAFETY: `from_raw`'s contract; `out` is writable for `len` bytes.
        let status = unsafe { (self.host.memory_read)(self.raw, offset, len, out.as_mut_ptr()) };
        Error::check(status).map(drop)
    }

    /// Reads `len` bytes of memory at `offset` (zero-filled past the end); allocates `len`.
    pub fn memory_read(&self, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
        let mut out = vec![0; usize::try_from(len).map_err(|_| Error::Memory)?];
        self.memory_read_into(offset, &mut out)?;
        Ok(out)
    }

    /// Writes `data` at `offset`: opcodes expand memory and pay for it; hooks need
    /// `MEMORY_MODIFY` and stay within the current size.
    pub fn memory_write(&mut self, offset: u64, data: &[u8]) -> Result<(), Error> {
        let len = data.len() as u64;
        // SAFETY: `from_raw`'s contract; `data` is readable for `len` bytes.
        let status = unsafe { (self.host.memory_write)(self.raw, offset, data.as_ptr(), len) };
        Error::check(status).map(drop)
    }

    /// Charges gas (opcodes and precompiles); [`Error::OutOfGas`] when there is not enough.
    pub fn charge_gas(&mut self, gas: u64) -> Result<(), Error> {
        // SAFETY: `from_raw`'s contract: the table and context belong to the running callback.
        let status = unsafe { (self.host.charge_gas)(self.raw, gas) };
        Error::check(status).map(drop)
    }

    /// Sets gas left (hooks with `GAS_MODIFY`).
    pub fn set_gas_left(&mut self, gas: u64) -> Result<(), Error> {
        // SAFETY: `from_raw`'s contract: the table and context belong to the running callback.
        let status = unsafe { (self.host.set_gas_left)(self.raw, gas) };
        Error::check(status).map(drop)
    }

    /// The length of the input (precompile input, call input, transaction data).
    pub fn input_len(&self) -> u64 {
        // SAFETY: `from_raw`'s contract: the table and context belong to the running callback.
        unsafe { (self.host.input_len)(self.raw) }
    }

    /// Copies input bytes from `offset` into `out` (zero-filled past the end of the input).
    pub fn input_read(&self, offset: u64, out: &mut [u8]) -> Result<(), Error> {
        let len = out.len() as u64;
        // SAFETY: `from_raw`'s contract; `out` is writable for `len` bytes.
        let status = unsafe { (self.host.input_read)(self.raw, offset, len, out.as_mut_ptr()) };
        Error::check(status).map(drop)
    }

    /// The whole input.
    pub fn input(&self) -> Result<Vec<u8>, Error> {
        let mut out = vec![0; usize::try_from(self.input_len()).map_err(|_| Error::Invalid)?];
        self.input_read(0, &mut out)?;
        Ok(out)
    }

    /// Sets the output (precompiles; call-enter hooks returning [`Action::Replace`]).
    ///
    /// [`Action::Replace`]: crate::Action::Replace
    pub fn set_output(&mut self, data: &[u8]) -> Result<(), Error> {
        let len = data.len() as u64;
        // SAFETY: `from_raw`'s contract; `data` is readable for `len` bytes.
        let status = unsafe { (self.host.set_output)(self.raw, data.as_ptr(), len) };
        Error::check(status).map(drop)
    }

    /// Sets the code an abort carries; [`Action::Abort`] calls it for you.
    ///
    /// [`Action::Abort`]: crate::Action::Abort
    pub fn set_abort_code(&mut self, code: u32) -> Result<(), Error> {
        // SAFETY: `from_raw`'s contract: the table and context belong to the running callback.
        let status = unsafe { (self.host.set_abort_code)(self.raw, code) };
        Error::check(status).map(drop)
    }

    /// Reads a storage slot of the running address (`STATE_READ`).
    pub fn sload(&self, key: &Word) -> Result<Word, Error> {
        let mut out = [0; 32];
        // SAFETY: `from_raw`'s contract; `key` is readable and `out` writable, 32 bytes each.
        let status = unsafe { (self.host.sload)(self.raw, key, &mut out) };
        Error::check(status).map(|_| out)
    }

    /// Writes a storage slot of the running address through the journal (`STATE_WRITE`;
    /// [`Error::Refused`] in a static context).
    pub fn sstore(&mut self, key: &Word, value: &Word) -> Result<(), Error> {
        // SAFETY: `from_raw`'s contract; `key` and `value` are readable 32-byte buffers.
        let status = unsafe { (self.host.sstore)(self.raw, key, value) };
        Error::check(status).map(drop)
    }

    /// An account's balance (`STATE_READ`).
    pub fn balance(&self, address: &Address) -> Result<Word, Error> {
        let mut out = [0; 32];
        // SAFETY: `from_raw`'s contract; `address` is readable (20 bytes), `out` writable (32).
        let status = unsafe { (self.host.balance)(self.raw, address, &mut out) };
        Error::check(status).map(|_| out)
    }

    /// Field `index` of the hook event (ABI 1.1; see `HostApi::event_word` for the fields of
    /// each point). `Unsupported` from a loader older than 1.1 or outside hook events.
    pub fn event_word(&self, index: u32) -> Result<Word, Error> {
        let needed = core::mem::offset_of!(HostApi, event_word) + size_of::<usize>();
        if (self.host.struct_size as usize) < needed {
            return Err(Error::Unsupported);
        }
        let mut out = [0u8; 32];
        // SAFETY: `from_raw`'s contract; the host table is long enough to hold `event_word`.
        let status = unsafe { (self.host.event_word)(self.raw, index, &mut out) };
        Error::check(status).map(|_| out)
    }

    /// Emits a log from the running address (`STATE_WRITE`; [`Error::Refused`] in a static
    /// context). The EVM allows at most four topics.
    pub fn emit_log(&mut self, topics: &[Word], data: &[u8]) -> Result<(), Error> {
        let count = u32::try_from(topics.len()).map_err(|_| Error::Invalid)?;
        let len = data.len() as u64;
        let (topics, data) = (topics.as_ptr(), data.as_ptr());
        // SAFETY: `from_raw`'s contract; `topics` holds `count` words, `data` `len` bytes.
        let status = unsafe { (self.host.emit_log)(self.raw, topics, count, data, len) };
        Error::check(status).map(drop)
    }
}
