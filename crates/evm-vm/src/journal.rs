//! Journaled state of one transaction: the accounts and slots it touched, warm sets, transient
//! storage, logs, and an undo log so every call frame can be reverted.
//!
//! It reads through to a [`Database`] and never writes to it: [`Journal::finish`] turns the
//! cached accounts into [`StateChanges`] for the caller to commit.
//!
//! Database errors are sticky: the first one is kept ([`Journal::take_error`]), every read
//! after it returns a default without asking the database, and `Vm::transact` turns it into
//! `Error::Database`. The host's methods return plain values, so this is how a failed load
//! leaves the interpreter.

use std::sync::Arc;

use alloy_primitives::map::{HashMap, HashSet};
use alloy_primitives::{Address, B256, KECCAK256_EMPTY, Log, U256};
use evm_bytecode::AnalyzedCode;

use crate::vm::{AccountChange, StateChanges};
use crate::{AccountInfo, Database, Fork};

/// The RIPEMD-160 precompile, whose touch survives reverts (mainnet block 2675119 quirk).
pub(crate) const RIPEMD160: Address = Address::with_last_byte(3);

/// EIP-7702 delegation designator prefix.
pub(crate) const DELEGATION_PREFIX: [u8; 3] = [0xef, 0x01, 0x00];

/// The delegate of an EIP-7702 designator `0xef0100 || address`, if `code` is one.
pub(crate) fn delegation_target(code: &[u8]) -> Option<Address> {
    if code.len() == 23 && code[..3] == DELEGATION_PREFIX {
        Some(Address::from_slice(&code[3..]))
    } else {
        None
    }
}

/// One storage slot: its value at the start of the transaction and now.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Slot {
    /// Value when first loaded in this transaction.
    pub(crate) original: U256,
    /// Current value.
    pub(crate) present: U256,
    /// Accessed in this transaction (EIP-2929): kept here, so an SLOAD is one account lookup
    /// and one slot lookup, not a third in a separate warm set.
    warm: bool,
}

/// A cached account.
#[derive(Clone, Debug)]
pub(crate) struct Account {
    pub(crate) info: AccountInfo,
    /// The account was in the database when loaded.
    pub(crate) loaded_exists: bool,
    /// Touched (EIP-161) or modified in this transaction.
    pub(crate) touched: bool,
    /// Created by CREATE/CREATE2 (or the creation tx) in this transaction.
    pub(crate) created: bool,
    /// Scheduled for deletion by SELFDESTRUCT.
    pub(crate) destroyed: bool,
    /// Slots read or written in this transaction.
    pub(crate) storage: HashMap<U256, Slot, KeyHash>,
}

impl Account {
    /// Loads `address` from `db` (an empty, non-existing account when absent or when the
    /// database has failed).
    fn load<DB: Database>(db: &mut DB, error: &mut Option<DB::Error>, address: Address) -> Self {
        let info = read(error, |db| db.basic(address), db).flatten();
        Self {
            loaded_exists: info.is_some(),
            info: info.unwrap_or_default(),
            touched: false,
            created: false,
            destroyed: false,
            storage: HashMap::default(),
        }
    }

    /// Exists in the state (pre-EIP-161 meaning): loaded from the database or touched since.
    pub(crate) fn exists(&self) -> bool {
        self.loaded_exists || self.touched
    }

    /// EIP-161 empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.info.is_empty()
    }
}

/// One SLOAD (`write` is `None`) or SSTORE of a loaded slot of `address`.
struct SlotAccess {
    address: Address,
    key: U256,
    /// The account was created in this transaction (its original storage reads as empty).
    created: bool,
    write: Option<U256>,
}

impl SlotAccess {
    /// Warms `slot`, and for a write touches the account and sets the value, journaling each
    /// change: the slot as it was before, and whether it was cold.
    #[inline(always)]
    fn apply(self, slot: &mut Slot, touched: &mut bool, entries: &mut Vec<Entry>) -> (Slot, bool) {
        let Self { address, key, created, write } = self;
        let before = if created { Slot { original: U256::ZERO, ..*slot } } else { *slot };
        let cold = !slot.warm;
        if cold {
            slot.warm = true;
            entries.push(Entry::WarmSlot(address, key));
        }
        if let Some(value) = write {
            slot.present = value;
            if !*touched {
                *touched = true;
                entries.push(Entry::Touch(address));
            }
            entries.push(Entry::Storage(address, key, before.present));
        }
        (before, cold)
    }
}

/// The hasher of the journal's maps, whose keys are addresses and storage words: their
/// derived `Hash` writes one length and one byte slice (20 or 32 bytes), which this folds 16
/// bytes at a time with a 64x64-bit multiply (high half xor low half), seeded once per process
/// so colliding keys cannot be chosen in advance. Inlined, it is a few multiplies per key,
/// where a general byte hasher walks its long-input path.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct KeyHash;

/// The per-process seed of [`KeyHash`].
static KEY_SEED: std::sync::LazyLock<[u64; 3]> = std::sync::LazyLock::new(|| {
    let state = std::hash::RandomState::new();
    [0u64, 1, 2].map(|i| std::hash::BuildHasher::hash_one(&state, i) | 1)
});

impl std::hash::BuildHasher for KeyHash {
    type Hasher = KeyHasher;
    #[inline]
    fn build_hasher(&self) -> KeyHasher {
        let seed = *KEY_SEED;
        KeyHasher { acc: seed[0], seed }
    }
}

/// The state of one [`KeyHash`] hash.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyHasher {
    acc: u64,
    seed: [u64; 3],
}

/// The folded multiply: the high and low halves of the 128-bit product, xored.
#[inline(always)]
fn fold(x: u64, y: u64) -> u64 {
    let p = u128::from(x) * u128::from(y);
    (p as u64) ^ ((p >> 64) as u64)
}

impl std::hash::Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(16);
        for c in &mut chunks {
            let (a, b) = c.split_at(8);
            let a = u64::from_le_bytes(a.try_into().unwrap_or_default());
            let b = u64::from_le_bytes(b.try_into().unwrap_or_default());
            self.acc = fold(a ^ self.acc, b ^ self.seed[1]);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut tail = [0u8; 16];
            tail[..rest.len()].copy_from_slice(rest);
            let (a, b) = tail.split_at(8);
            let a = u64::from_le_bytes(a.try_into().unwrap_or_default());
            let b = u64::from_le_bytes(b.try_into().unwrap_or_default());
            self.acc = fold(a ^ self.acc, b ^ self.seed[2]);
        }
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.acc = self.acc.wrapping_add(n as u64);
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.acc = fold(n ^ self.acc, self.seed[1]);
    }

    #[inline]
    fn finish(&self) -> u64 {
        fold(self.acc, self.seed[2])
    }
}

/// Reads from `db` unless an earlier read failed; a failure is kept in `error` (the first
/// one only) and reads as `None`.
fn read<DB: Database, T>(
    error: &mut Option<DB::Error>,
    f: impl FnOnce(&mut DB) -> Result<T, DB::Error>,
    db: &mut DB,
) -> Option<T> {
    if error.is_some() {
        return None;
    }
    match f(db) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::debug!(error = %e, "database read failed; aborting the transaction");
            *error = Some(e);
            None
        }
    }
}

/// One undo record.
#[derive(Debug)]
enum Entry {
    Warm(Address),
    WarmSlot(Address, U256),
    Touch(Address),
    Balance(Address, U256),
    Nonce(Address, u64),
    Code(Address, B256, Option<Arc<AnalyzedCode>>),
    Storage(Address, U256, U256),
    Transient(Address, U256, U256),
    Created(Address),
    Destroyed(Address),
}

/// A point to revert to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Checkpoint {
    journal: usize,
    logs: usize,
}

/// The transaction's state view over a database.
/// Addresses below this many (`0x00..=0x13f`: the precompiles 0x01..0x11 and 0x100) are kept
/// warm in a bitmap when the transaction's preamble warms them.
const LOW_WARM: usize = 320;

/// The analysed empty code, shared by every transaction (and `InMemoryDb`'s unknown hashes).
pub(crate) static EMPTY_CODE: std::sync::LazyLock<Arc<AnalyzedCode>> =
    std::sync::LazyLock::new(|| Arc::new(AnalyzedCode::new(alloy_primitives::Bytes::new())));

/// The index of a low address (see [`LOW_WARM`]), `None` for any other.
#[inline]
fn low_index(address: &Address) -> Option<usize> {
    let b = &address.0.0;
    // The 18 high bytes as two wide compares, not a byte loop.
    let head = u128::from_ne_bytes([
        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
        b[14], b[15],
    ]);
    if head != 0 || b[16] | b[17] != 0 {
        return None;
    }
    let i = usize::from(u16::from_be_bytes([b[18], b[19]]));
    (i < LOW_WARM).then_some(i)
}

/// Addresses warm from the start of every transaction (the precompiles), in the journal's
/// shape: a bitmap of the low ones and a list of the rest. The VM builds it once per
/// precompile set, so a transaction's preamble ORs five words instead of warming each address.
#[derive(Clone, Debug, Default)]
pub(crate) struct WarmSet {
    low: [u64; LOW_WARM / 64],
    other: Vec<Address>,
}

impl WarmSet {
    /// The set of `addresses`.
    pub(crate) fn of(addresses: impl IntoIterator<Item = Address>) -> Self {
        let mut set = Self::default();
        for address in addresses {
            match low_index(&address) {
                Some(i) => set.low[i / 64] |= 1 << (i % 64),
                None => set.other.push(address),
            }
        }
        set
    }
}

/// The journal's collections, kept by the VM between transactions so their capacity is
/// reused: a transaction starts with empty collections that need not grow from nothing.
#[derive(Debug, Default)]
pub(crate) struct JournalBuffers {
    accounts: HashMap<Address, Account, KeyHash>,
    warm: HashSet<Address, KeyHash>,
    prewarmed_slots: HashSet<(Address, U256)>,
    transient: HashMap<(Address, U256), U256>,
    entries: Vec<Entry>,
}

/// Collections above this many slots are dropped, not kept: one huge transaction should not
/// make every later one clear (and hold) its tables.
const KEEP_CAPACITY: usize = 4096;

impl JournalBuffers {
    /// Empties every collection, keeping the capacity of those that are not too large.
    fn recycle(&mut self) {
        fn reuse<T: Default>(c: &mut T, capacity: usize, clear: impl FnOnce(&mut T)) {
            if capacity > KEEP_CAPACITY { *c = T::default() } else { clear(c) }
        }
        let Self { accounts, warm, prewarmed_slots, transient, entries } = self;
        // `finish` drained the accounts already: only the capacity check is left.
        reuse(accounts, accounts.capacity(), |_| {});
        reuse(warm, warm.capacity(), HashSet::clear);
        reuse(prewarmed_slots, prewarmed_slots.capacity(), HashSet::clear);
        reuse(transient, transient.capacity(), HashMap::clear);
        reuse(entries, entries.capacity(), Vec::clear);
    }
}

#[derive(Debug)]
pub(crate) struct Journal<'a, DB: Database> {
    db: &'a mut DB,
    /// The first database error; reads after it return defaults.
    error: Option<DB::Error>,
    pub(crate) fork: Fork,
    accounts: HashMap<Address, Account, KeyHash>,
    warm: HashSet<Address, KeyHash>,
    /// Addresses below [`LOW_WARM`] (the precompiles) warmed by the preamble: a bitmap, so
    /// the preamble of every transaction does not insert them into `warm` one by one.
    low_warm: [u64; LOW_WARM / 64],
    /// Slots of the access list (warm before they are loaded); consulted only when a slot is
    /// first loaded, and only when not empty.
    prewarmed_slots: HashSet<(Address, U256)>,
    transient: HashMap<(Address, U256), U256>,
    entries: Vec<Entry>,
    pub(crate) logs: Vec<Log>,
    empty_code: Arc<AnalyzedCode>,
}

impl<'a, DB: Database> Journal<'a, DB> {
    /// An empty journal over `db`, in `buffers` (emptied by [`Journal::finish`]; a journal
    /// dropped before that drops them).
    pub(crate) fn new(db: &'a mut DB, fork: Fork, buffers: JournalBuffers) -> Self {
        let JournalBuffers { accounts, warm, prewarmed_slots, transient, entries } = buffers;
        debug_assert!(accounts.is_empty() && warm.is_empty() && entries.is_empty());
        Self {
            db,
            error: None,
            fork,
            accounts,
            warm,
            low_warm: [0; LOW_WARM / 64],
            prewarmed_slots,
            transient,
            entries,
            logs: Vec::new(),
            empty_code: Arc::clone(&EMPTY_CODE),
        }
    }

    /// Whether a database read has failed in this transaction.
    pub(crate) fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// The first database error of this transaction, if any.
    pub(crate) fn take_error(&mut self) -> Option<DB::Error> {
        self.error.take()
    }

    /// The account, loaded from the database on first use.
    pub(crate) fn account(&mut self, address: Address) -> &mut Account {
        let (db, error) = (&mut *self.db, &mut self.error);
        self.accounts.entry(address).or_insert_with(|| Account::load(db, error, address))
    }

    /// The account's code (loaded by hash on first use).
    pub(crate) fn code(&mut self, address: Address) -> Arc<AnalyzedCode> {
        let empty = self.empty_code.clone();
        let (db, error) = (&mut *self.db, &mut self.error);
        let acc = self.accounts.entry(address).or_insert_with(|| Account::load(db, error, address));
        if let Some(code) = &acc.info.code {
            return code.clone();
        }
        if acc.info.code_hash == KECCAK256_EMPTY {
            return empty;
        }
        let hash = acc.info.code_hash;
        match read(error, |db| db.code_by_hash(hash), db) {
            Some(code) => {
                acc.info.code = Some(code.clone());
                code
            }
            // Not cached on the account: the transaction is aborted anyway.
            None => empty,
        }
    }

    /// Hash of block `number` from the database (zero after a failure).
    pub(crate) fn block_hash(&mut self, number: u64) -> B256 {
        read(&mut self.error, |db| db.block_hash(number), self.db).unwrap_or_default()
    }

    /// Marks `address` warm; returns whether it was cold.
    pub(crate) fn warm(&mut self, address: Address) -> bool {
        if let Some(i) = low_index(&address)
            && self.low_warm[i / 64] >> (i % 64) & 1 == 1
        {
            return false;
        }
        let cold = self.warm.insert(address);
        if cold {
            self.entries.push(Entry::Warm(address));
        }
        cold
    }

    /// Marks `address` warm without journaling (transaction preamble).
    pub(crate) fn prewarm(&mut self, address: Address) {
        match low_index(&address) {
            Some(i) => self.low_warm[i / 64] |= 1 << (i % 64),
            None => {
                self.warm.insert(address);
            }
        }
    }

    /// Marks every address of `set` warm without journaling (transaction preamble).
    pub(crate) fn prewarm_set(&mut self, set: &WarmSet) {
        for (word, bits) in self.low_warm.iter_mut().zip(set.low) {
            *word |= bits;
        }
        for &address in &set.other {
            self.warm.insert(address);
        }
    }

    /// Marks a slot warm without journaling (transaction preamble).
    pub(crate) fn prewarm_slot(&mut self, address: Address, key: U256) {
        if let Some(slot) = self.accounts.get_mut(&address).and_then(|a| a.storage.get_mut(&key)) {
            slot.warm = true;
        }
        self.prewarmed_slots.insert((address, key));
    }

    /// Touches an account (EIP-161): it exists from now on and is reported in the changes.
    pub(crate) fn touch(&mut self, address: Address) {
        self.touched(address);
    }

    /// The account at `address`, touched (one lookup).
    fn touched(&mut self, address: Address) -> &mut Account {
        let Self { db, error, accounts, entries, .. } = self;
        let acc =
            accounts.entry(address).or_insert_with(|| Account::load(&mut **db, error, address));
        if !acc.touched {
            acc.touched = true;
            entries.push(Entry::Touch(address));
        }
        acc
    }

    /// The account at `address`, touched, for a change no frame's revert reaches: the
    /// transaction's preamble (gas bought, nonce bumped) and its fee payments come before the
    /// first checkpoint or after the last frame, so they are not journaled.
    pub(crate) fn touched_outside_frames(&mut self, address: Address) -> &mut AccountInfo {
        let acc = self.account(address);
        acc.touched = true;
        &mut acc.info
    }

    /// Sets the balance (touches).
    pub(crate) fn set_balance(&mut self, address: Address, balance: U256) {
        self.update_balance(address, |_| balance);
    }

    /// Adds to the balance, saturating (touches).
    pub(crate) fn add_balance(&mut self, address: Address, amount: U256) {
        self.update_balance(address, |old| old.saturating_add(amount));
    }

    /// Sets the balance to `new(old)`, touching the account and journaling the old one.
    fn update_balance(&mut self, address: Address, new: impl FnOnce(U256) -> U256) {
        let acc = self.touched(address);
        let old = acc.info.balance;
        acc.info.balance = new(old);
        self.entries.push(Entry::Balance(address, old));
    }

    /// Moves `value` from `from` to `to`; `false` (and nothing done) if `from` cannot pay.
    pub(crate) fn transfer(&mut self, from: Address, to: Address, value: U256) -> bool {
        let from_balance = self.account(from).info.balance;
        let Some(rest) = from_balance.checked_sub(value) else { return false };
        self.set_balance(from, rest);
        self.add_balance(to, value);
        true
    }

    /// Sets the nonce (touches).
    pub(crate) fn set_nonce(&mut self, address: Address, nonce: u64) {
        let acc = self.touched(address);
        let old = std::mem::replace(&mut acc.info.nonce, nonce);
        self.entries.push(Entry::Nonce(address, old));
    }

    /// Increments the nonce, saturating (touches).
    pub(crate) fn inc_nonce(&mut self, address: Address) {
        let nonce = self.account(address).info.nonce.saturating_add(1);
        self.set_nonce(address, nonce);
    }

    /// Replaces the code (touches).
    pub(crate) fn set_code(&mut self, address: Address, code: Arc<AnalyzedCode>) {
        self.touch(address);
        let acc = self.account(address);
        let (hash, code) =
            if code.is_empty() { (KECCAK256_EMPTY, None) } else { (code.hash(), Some(code)) };
        let old_hash = std::mem::replace(&mut acc.info.code_hash, hash);
        let old_code = std::mem::replace(&mut acc.info.code, code);
        self.entries.push(Entry::Code(address, old_hash, old_code));
    }

    /// Marks the account created in this transaction (its previous storage is gone).
    pub(crate) fn mark_created(&mut self, address: Address) {
        let acc = self.account(address);
        if !acc.created {
            acc.created = true;
            self.entries.push(Entry::Created(address));
        }
    }

    /// Schedules the account for deletion; returns whether it already was.
    pub(crate) fn mark_destroyed(&mut self, address: Address) -> bool {
        let acc = self.account(address);
        if acc.destroyed {
            return true;
        }
        acc.destroyed = true;
        self.entries.push(Entry::Destroyed(address));
        false
    }

    /// EIP-7610 collision: code, a non-zero nonce, or non-empty storage.
    pub(crate) fn has_collision(&mut self, address: Address) -> bool {
        let acc = self.account(address);
        if acc.info.code_hash != KECCAK256_EMPTY || acc.info.nonce != 0 {
            return true;
        }
        if acc.storage.values().any(|s| !s.present.is_zero()) {
            return true;
        }
        let created = acc.created;
        !created && read(&mut self.error, |db| db.has_storage(address), self.db).unwrap_or_default()
    }

    /// A slot's present value, loaded on first use, and whether the access was cold (warms
    /// it). The common case, a warm slot already loaded, is two lookups and no copy of the
    /// slot (an SLOAD needs neither its original value nor the account's flags).
    #[inline]
    pub(crate) fn sload(&mut self, address: Address, key: U256) -> (U256, bool) {
        if let Some(acc) = self.accounts.get_mut(&address)
            && let Some(slot) = acc.storage.get_mut(&key)
            && slot.warm
        {
            return (slot.present, false);
        }
        let (slot, cold) = self.access_slot(address, key, None);
        (slot.present, cold)
    }

    /// Writes a slot; returns (original, present before the write, is_cold).
    pub(crate) fn sstore(&mut self, address: Address, key: U256, value: U256) -> (Slot, bool) {
        self.access_slot(address, key, Some(value))
    }

    /// SLOAD (`write` is `None`) and SSTORE: one account lookup and one slot lookup. Loads the
    /// slot on first use, warms it, and for a write touches the account and sets the value;
    /// every change is journaled. Returns the slot as it was before, and whether it was cold.
    #[inline]
    fn access_slot(&mut self, address: Address, key: U256, write: Option<U256>) -> (Slot, bool) {
        // The common case, a slot already loaded: two lookups, no entry built.
        if let Some(acc) = self.accounts.get_mut(&address)
            && let Some(slot) = acc.storage.get_mut(&key)
        {
            let access = SlotAccess { address, key, created: acc.created, write };
            return access.apply(slot, &mut acc.touched, &mut self.entries);
        }
        self.load_slot(address, key, write)
    }

    /// [`access_slot`](Self::access_slot) for a slot not loaded yet (or an account not
    /// loaded yet).
    #[inline(never)]
    fn load_slot(&mut self, address: Address, key: U256, write: Option<U256>) -> (Slot, bool) {
        let Self { db, error, accounts, prewarmed_slots, entries, .. } = self;
        let acc =
            accounts.entry(address).or_insert_with(|| Account::load(&mut **db, error, address));
        let (created, loaded_exists) = (acc.created, acc.loaded_exists);
        let slot = acc.storage.entry(key).or_insert_with(|| {
            let value = if created || !loaded_exists {
                U256::ZERO
            } else {
                read(error, |db| db.storage(address, key), &mut **db).unwrap_or_default()
            };
            let warm = !prewarmed_slots.is_empty() && prewarmed_slots.contains(&(address, key));
            Slot { original: value, present: value, warm }
        });
        SlotAccess { address, key, created, write }.apply(slot, &mut acc.touched, entries)
    }

    /// TLOAD.
    pub(crate) fn tload(&self, address: Address, key: U256) -> U256 {
        self.transient.get(&(address, key)).copied().unwrap_or_default()
    }

    /// TSTORE.
    pub(crate) fn tstore(&mut self, address: Address, key: U256, value: U256) {
        let old = if value.is_zero() {
            self.transient.remove(&(address, key))
        } else {
            self.transient.insert((address, key), value)
        };
        let old = old.unwrap_or_default();
        if old != value {
            self.entries.push(Entry::Transient(address, key, old));
        }
    }

    /// Adds a log.
    pub(crate) fn log(&mut self, log: Log) {
        self.logs.push(log);
    }

    /// A point to revert to.
    pub(crate) fn checkpoint(&self) -> Checkpoint {
        Checkpoint { journal: self.entries.len(), logs: self.logs.len() }
    }

    /// Undoes everything since `cp`.
    pub(crate) fn revert(&mut self, cp: Checkpoint) {
        self.logs.truncate(cp.logs);
        while self.entries.len() > cp.journal {
            let Some(entry) = self.entries.pop() else { break };
            match entry {
                Entry::Warm(a) => {
                    self.warm.remove(&a);
                }
                Entry::WarmSlot(a, k) => {
                    if let Some(s) =
                        self.accounts.get_mut(&a).and_then(|acc| acc.storage.get_mut(&k))
                    {
                        s.warm = false;
                    }
                }
                Entry::Touch(a) => {
                    if a == RIPEMD160 && self.fork >= Fork::SpuriousDragon {
                        continue;
                    }
                    if let Some(acc) = self.accounts.get_mut(&a) {
                        acc.touched = false;
                    }
                }
                Entry::Balance(a, v) => {
                    if let Some(acc) = self.accounts.get_mut(&a) {
                        acc.info.balance = v;
                    }
                }
                Entry::Nonce(a, v) => {
                    if let Some(acc) = self.accounts.get_mut(&a) {
                        acc.info.nonce = v;
                    }
                }
                Entry::Code(a, h, c) => {
                    if let Some(acc) = self.accounts.get_mut(&a) {
                        acc.info.code_hash = h;
                        acc.info.code = c;
                    }
                }
                Entry::Storage(a, k, v) => {
                    if let Some(s) =
                        self.accounts.get_mut(&a).and_then(|acc| acc.storage.get_mut(&k))
                    {
                        s.present = v;
                    }
                }
                Entry::Transient(a, k, v) => {
                    if v.is_zero() {
                        self.transient.remove(&(a, k));
                    } else {
                        self.transient.insert((a, k), v);
                    }
                }
                Entry::Created(a) => {
                    if let Some(acc) = self.accounts.get_mut(&a) {
                        acc.created = false;
                    }
                }
                Entry::Destroyed(a) => {
                    if let Some(acc) = self.accounts.get_mut(&a) {
                        acc.destroyed = false;
                    }
                }
            }
        }
    }

    /// Drops undo records older than `cp` is not needed: records are kept until the
    /// transaction ends. Returns the collected state changes and logs.
    /// The emptied collections come back for the next transaction.
    pub(crate) fn finish(mut self) -> (StateChanges, Vec<Log>, JournalBuffers) {
        let clear_empty = self.fork >= Fork::SpuriousDragon;
        let mut changes = StateChanges::default();
        for (address, acc) in self.accounts.drain() {
            if !acc.touched {
                continue;
            }
            let deleted = acc.destroyed || (clear_empty && acc.is_empty());
            let storage = if deleted {
                HashMap::default()
            } else {
                acc.storage
                    .iter()
                    .filter(|(_, s)| acc.created || s.present != s.original)
                    .map(|(k, s)| (*k, s.present))
                    .collect()
            };
            changes.insert(
                address,
                AccountChange { info: acc.info, storage, created: acc.created, deleted },
            );
        }
        let Self { accounts, warm, prewarmed_slots, transient, entries, logs, .. } = self;
        let mut buffers = JournalBuffers { accounts, warm, prewarmed_slots, transient, entries };
        buffers.recycle();
        (changes, logs, buffers)
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::Address;

    use super::{LOW_WARM, low_index};

    #[test]
    fn low_index_is_the_value_of_a_low_address() {
        for i in [0usize, 1, 0x11, 0x100, LOW_WARM - 1] {
            let mut a = [0u8; 20];
            a[18..].copy_from_slice(&(i as u16).to_be_bytes());
            assert_eq!(low_index(&Address::from(a)), Some(i));
        }
        let mut a = [0u8; 20];
        a[18..].copy_from_slice(&(LOW_WARM as u16).to_be_bytes());
        assert_eq!(low_index(&Address::from(a)), None);
        for byte in 0..18 {
            let mut a = [0u8; 20];
            a[byte] = 1;
            a[19] = 1;
            assert_eq!(low_index(&Address::from(a)), None, "byte {byte}");
        }
    }
}
