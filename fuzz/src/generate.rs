//! The structure-aware case generator: pre-state, contract code, transaction and fork from an
//! [`Rng`].
//!
//! Contract code is assembled from short stack-balanced fragments (operands pushed, opcode,
//! result stored or popped) that aim at the places where VMs differ: gas of memory expansion and
//! storage refunds, calls and creations with value and gas variations, precompiles, return data,
//! jumps, self-destruction and logs. It knows nothing of either VM.

use alloy_primitives::uint;
use alloy_primitives::{Address, B256, Bytes, U256};
use evm_bytecode::OPCODE_INFO;
use evm_bytecode::opcode::opcode as op;
use evm_vm::statetest::address_from_secret;
use evm_vm::{AccessListItem, Authorization, Fork, Tx};

use crate::case::{CHAIN_ID, Case, Env, FORKS, PreAccount};
use crate::rng::Rng;

/// The funded sender of every generated transaction.
pub const SENDER: Address = Address::new([
    0xa9, 0x4f, 0x53, 0x74, 0xfc, 0xe5, 0xed, 0xbc, 0x8e, 0x2a, 0x86, 0x97, 0xc1, 0x53, 0x31, 0x67,
    0x7e, 0x6e, 0xbf, 0x0b,
]);

/// The default block fee recipient.
pub const COINBASE: Address = Address::new([
    0x2a, 0xdc, 0x25, 0x66, 0x50, 0x18, 0xaa, 0x1f, 0xe0, 0xe6, 0xbc, 0x66, 0x6d, 0xac, 0x8f, 0xc2,
    0x69, 0x7f, 0xf9, 0xba,
]);

/// An address with no account in any pre-state.
pub const NOBODY: Address =
    Address::new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xde, 0xad]);

/// The secp256k1 group order.
const SECP256K1N: U256 =
    uint!(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256);

/// The sender's private key (the state tests' well-known key).
const SENDER_KEY: [u8; 32] = [
    0x45, 0xa9, 0x15, 0xe4, 0xd0, 0x60, 0x14, 0x9e, 0xb4, 0x36, 0x59, 0x60, 0xe6, 0xa7, 0xa4, 0x5f,
    0x33, 0x43, 0x93, 0x09, 0x30, 0x61, 0x11, 0x6b, 0x19, 0x7e, 0x32, 0x40, 0x06, 0x5f, 0xf2, 0xd8,
];

/// The addresses of the four EIP-7702 authority keys (the sender's first).
fn authorities() -> &'static [Address; 4] {
    static AUTHORITIES: std::sync::OnceLock<[Address; 4]> = std::sync::OnceLock::new();
    AUTHORITIES.get_or_init(|| {
        std::array::from_fn(|i| {
            address_from_secret(&B256::from(authority_key(i as u8))).unwrap_or(NOBODY)
        })
    })
}

/// Key `i` of the EIP-7702 authorities: the sender's for 0, small fixed scalars otherwise.
fn authority_key(i: u8) -> [u8; 32] {
    if i == 0 {
        return SENDER_KEY;
    }
    let mut key = [0u8; 32];
    key[0] = 0x11;
    key[31] = i;
    key
}

/// Signs `auth` with `key` (low-s, as EIP-2 requires).
fn sign(key: &[u8; 32], auth: &mut Authorization) {
    let Ok(signer) = k256::ecdsa::SigningKey::from_slice(key) else { return };
    let hash = evm_vm::auth::authorization_hash(auth);
    let (signature, recovery) = signer.sign_prehash_recoverable(hash.as_slice());
    let bytes = signature.to_bytes();
    let r = U256::from_be_slice(&bytes[..32]);
    let mut s = U256::from_be_slice(&bytes[32..]);
    let mut parity = u64::from(recovery.is_y_odd());
    if s > SECP256K1N >> 1 {
        s = SECP256K1N - s;
        parity ^= 1;
    }
    auth.y_parity = U256::from(parity);
    auth.r = r;
    auth.s = s;
}

/// The address of generated contract `i`.
pub fn contract_address(i: usize) -> Address {
    let mut a = [0u8; 20];
    a[16] = 0xc0;
    a[17] = 0xde;
    a[19] = i as u8;
    Address::new(a)
}

/// A precompile address: 0x01..=0x11 or 0x100.
pub fn precompile_address(rng: &mut Rng) -> Address {
    if rng.one_in(18) {
        let mut a = [0u8; 20];
        a[18] = 1;
        return Address::new(a);
    }
    Address::with_last_byte(rng.range(1, 0x11) as u8)
}

/// Generates one case from `rng`.
pub fn case(rng: &mut Rng) -> Case {
    let fork =
        if rng.chance(40) { *rng.pick(&FORKS[FORKS.len() - 4..]) } else { *rng.pick(&FORKS) };
    let mut g = Gen { rng, fork, contracts: Vec::new() };
    g.case()
}

/// A generated case from a fuzzer input (see [`Rng::from_bytes`]).
pub fn case_from_bytes(data: &[u8]) -> Case {
    case(&mut Rng::from_bytes(data))
}

struct Gen<'a> {
    rng: &'a mut Rng,
    fork: Fork,
    contracts: Vec<Address>,
}

/// One element of code being assembled.
enum Item {
    Byte(u8),
    Label(usize),
    PushLabel(usize),
}

/// Code under construction: bytes, labels (JUMPDESTs) and PUSH2s of labels, with an estimate
/// of the stack height.
struct Asm {
    items: Vec<Item>,
    labels: usize,
    height: usize,
    push0: bool,
}

impl Asm {
    fn new(fork: Fork) -> Self {
        Self { items: Vec::new(), labels: 0, height: 0, push0: fork >= Fork::Shanghai }
    }

    fn op(&mut self, byte: u8) {
        self.items.push(Item::Byte(byte));
        let info = &OPCODE_INFO[usize::from(byte)];
        self.height = self.height.saturating_sub(usize::from(info.pops)) + usize::from(info.pushes);
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.items.extend(bytes.iter().map(|&b| Item::Byte(b)));
    }

    fn push(&mut self, value: U256) {
        if value.is_zero() && self.push0 {
            self.op(op::PUSH0);
            return;
        }
        let bytes = value.to_be_bytes::<32>();
        let skip = bytes.iter().take_while(|&&b| b == 0).count().min(31);
        let n = 32 - skip;
        self.op(op::PUSH1 + n as u8 - 1);
        self.raw(&bytes[skip..]);
    }

    fn push_u64(&mut self, value: u64) {
        self.push(U256::from(value));
    }

    fn push_addr(&mut self, address: Address) {
        self.push(U256::from_be_slice(address.as_slice()));
    }

    fn new_label(&mut self) -> usize {
        self.labels += 1;
        self.labels - 1
    }

    fn place(&mut self, label: usize) {
        self.items.push(Item::Label(label));
    }

    fn push_label(&mut self, label: usize) {
        self.items.push(Item::PushLabel(label));
        self.height += 1;
    }

    fn len(&self) -> usize {
        self.items.iter().map(|i| if matches!(i, Item::PushLabel(_)) { 3 } else { 1 }).sum()
    }

    fn assemble(&self) -> Vec<u8> {
        let mut offsets = vec![0usize; self.labels];
        let mut pc = 0;
        for item in &self.items {
            match item {
                Item::Label(l) => {
                    offsets[*l] = pc;
                    pc += 1;
                }
                Item::Byte(_) => pc += 1,
                Item::PushLabel(_) => pc += 3,
            }
        }
        let mut out = Vec::with_capacity(pc);
        for item in &self.items {
            match item {
                Item::Byte(b) => out.push(*b),
                Item::Label(_) => out.push(op::JUMPDEST),
                Item::PushLabel(l) => {
                    let [hi, lo] = (offsets[*l] as u16).to_be_bytes();
                    out.extend([op::PUSH2, hi, lo]);
                }
            }
        }
        out
    }
}

const BINARY: [u8; 22] = [
    op::ADD,
    op::MUL,
    op::SUB,
    op::DIV,
    op::SDIV,
    op::MOD,
    op::SMOD,
    op::EXP,
    op::SIGNEXTEND,
    op::LT,
    op::GT,
    op::SLT,
    op::SGT,
    op::EQ,
    op::AND,
    op::OR,
    op::XOR,
    op::BYTE,
    op::SHL,
    op::SHR,
    op::SAR,
    op::KECCAK256,
];

const NULLARY: [u8; 20] = [
    op::ADDRESS,
    op::ORIGIN,
    op::CALLER,
    op::CALLVALUE,
    op::CALLDATASIZE,
    op::CODESIZE,
    op::GASPRICE,
    op::RETURNDATASIZE,
    op::COINBASE,
    op::TIMESTAMP,
    op::NUMBER,
    op::PREVRANDAO,
    op::GASLIMIT,
    op::CHAINID,
    op::SELFBALANCE,
    op::BASEFEE,
    op::BLOBBASEFEE,
    op::MSIZE,
    op::PC,
    op::GAS,
];

impl Gen<'_> {
    fn case(&mut self) -> Case {
        let fork = self.fork;
        let n = self.rng.range(2, 4) as usize;
        self.contracts = (0..n).map(contract_address).collect();
        let sender_nonce = match self.rng.below(60) {
            0 => u64::MAX - self.rng.below(2),
            1..=15 => self.rng.range(1, 3),
            _ => 0,
        };
        let sender_balance = match self.rng.below(60) {
            0 => U256::from(self.rng.below(2_000_000)),
            1 => U256::ZERO,
            _ => U256::from(10u64).pow(U256::from(self.rng.range(18, 30))),
        };
        let mut pre = vec![PreAccount {
            address: SENDER,
            balance: sender_balance,
            nonce: sender_nonce,
            code: Bytes::new(),
            storage: Vec::new(),
        }];
        for i in 0..n {
            let code = self.contract_code(2);
            let storage = (0..self.rng.below(4))
                .map(|_| (U256::from(self.rng.below(5)), U256::from(self.rng.range(1, 3))))
                .collect::<std::collections::BTreeMap<_, _>>()
                .into_iter()
                .collect();
            pre.push(PreAccount {
                address: self.contracts[i],
                balance: self.balance(),
                nonce: self.rng.below(2),
                code: code.into(),
                storage,
            });
        }
        // Sometimes an account where a creation will land (EIP-684 collisions), or an empty
        // account (EIP-161 touches).
        if self.rng.one_in(8) {
            let creator = self.rng.index(pre.len());
            let target = pre[creator].address.create(pre[creator].nonce);
            if !pre.iter().any(|a| a.address == target) {
                let (nonce, code) = match self.rng.below(3) {
                    0 => (1, Bytes::new()),
                    1 => (0, Bytes::from_static(&[op::STOP])),
                    _ => (0, Bytes::new()),
                };
                // Storage only beside a nonce or code: an account with storage alone is an
                // EIP-7610 collision, which revm 43 does not implement.
                let storage = if self.rng.one_in(3) && (nonce > 0 || !code.is_empty()) {
                    vec![(U256::from(1), U256::from(1))]
                } else {
                    Vec::new()
                };
                pre.push(PreAccount {
                    address: target,
                    balance: U256::from(self.rng.below(3)),
                    nonce,
                    code,
                    storage,
                });
            }
        }
        if self.rng.one_in(6) {
            pre.push(PreAccount {
                address: NOBODY,
                balance: U256::ZERO,
                nonce: 0,
                code: Bytes::new(),
                storage: Vec::new(),
            });
        }
        let coinbase = match self.rng.below(20) {
            0 => self.contracts[0],
            1 => SENDER,
            2 => precompile_address(self.rng),
            3 => NOBODY,
            _ => COINBASE,
        };
        let basefee = if fork >= Fork::London { self.rng.below(12) } else { 0 };
        let env = Env {
            number: self.rng.range(1, 1000),
            coinbase,
            timestamp: self.rng.range(1, 1 << 32),
            gas_limit: if self.rng.one_in(10) { 1 << 24 } else { 30_000_000 },
            basefee,
            difficulty: U256::from(self.rng.next_u64()),
            prevrandao: B256::from(U256::from(self.rng.next_u64())),
        };
        let tx = self.tx(&mut pre, basefee);
        Case { fork, env, pre, tx }
    }

    fn balance(&mut self) -> U256 {
        match self.rng.below(4) {
            0 => U256::ZERO,
            1 => U256::from(self.rng.range(1, 1000)),
            _ => U256::from(10u64).pow(U256::from(18)),
        }
    }

    fn tx(&mut self, pre: &mut Vec<PreAccount>, basefee: u64) -> Tx {
        let fork = self.fork;
        let sender_nonce = pre[0].nonce;
        let to = match self.rng.below(100) {
            0..=54 => Some(self.contracts[0]),
            55..=72 => Some(*self.rng.pick(&self.contracts.clone())),
            73..=79 => Some(precompile_address(self.rng)),
            80..=81 => Some(if self.rng.one_in(2) { NOBODY } else { SENDER }),
            82..=84 if fork >= Fork::Prague => Some(authorities()[self.rng.index(4)]),
            _ => None,
        };
        let data: Bytes = match to {
            // Sometimes init code at or just over the EIP-3860 limit.
            None if self.rng.one_in(100) => {
                let mut code = self.init_code(1);
                code.resize(0xc000 + self.rng.below(2) as usize, 0);
                code.into()
            }
            None => self.init_code(2).into(),
            Some(a) if a.as_slice()[..18].iter().all(|&b| b == 0) => {
                self.precompile_input(a).into()
            }
            Some(_) => {
                // Mostly short calldata; sometimes long, for the EIP-7623 floor.
                let len =
                    if self.rng.one_in(30) { self.rng.below(4096) } else { self.rng.below(70) };
                self.rng.bytes(len as usize).into()
            }
        };
        let value = match self.rng.below(30) {
            0..=17 => U256::ZERO,
            18..=28 => U256::from(self.rng.range(1, 1_000_000)),
            _ => U256::from(10u64).pow(U256::from(self.rng.range(18, 31))),
        };
        let gas_limit = match self.rng.below(40) {
            0 => self.rng.range(20_000, 60_000),
            1 => (1 << 24) + self.rng.below(3),
            2 => self.rng.range(1_000_000, 8_000_000),
            3..=12 => self.rng.range(21_000, 150_000),
            _ => self.rng.range(100_000, 2_000_000),
        };
        let nonce = if self.rng.one_in(30) { sender_nonce.wrapping_add(1) } else { sender_nonce };
        let price = basefee + self.rng.below(6);
        let price = if self.rng.one_in(25) { price.saturating_sub(basefee + 1) } else { price };
        let mut tx = Tx {
            caller: SENDER,
            to,
            value,
            data,
            gas_limit,
            nonce,
            gas_price: U256::from(price),
            chain_id: Some(U256::from(CHAIN_ID)),
            ..Tx::default()
        };
        // The type: mostly one the fork allows, sometimes one it does not.
        let max_type = match fork {
            f if f >= Fork::Prague => 4,
            f if f >= Fork::Cancun => 3,
            f if f >= Fork::London => 2,
            f if f >= Fork::Berlin => 1,
            _ => 0,
        };
        let ty = if self.rng.one_in(30) { self.rng.below(5) } else { self.rng.below(max_type + 1) };
        if ty >= 1 {
            let entries = self.rng.below(3);
            let list = (0..entries)
                .map(|_| AccessListItem {
                    address: self.call_target(),
                    storage_keys: (0..self.rng.below(3))
                        .map(|_| B256::from(U256::from(self.rng.below(5))))
                        .collect(),
                })
                .collect();
            tx.access_list = Some(list);
        }
        if ty >= 2 {
            let tip = self.rng.below(4);
            tx.max_priority_fee_per_gas = Some(U256::from(tip));
            let cap = if self.rng.one_in(20) { tip.saturating_sub(1) } else { price.max(tip) };
            tx.max_fee_per_gas = Some(U256::from(cap));
            tx.gas_price = U256::from(cap);
        }
        if ty == 3 {
            let count = if self.rng.one_in(20) { 0 } else { self.rng.range(1, 7) };
            let hashes = (0..count)
                .map(|_| {
                    let mut h = [0u8; 32];
                    h[0] = if self.rng.one_in(30) { 2 } else { 1 };
                    h[31] = self.rng.byte();
                    B256::from(h)
                })
                .collect();
            tx.blob_hashes = Some(hashes);
            tx.max_fee_per_blob_gas = Some(U256::from(self.rng.below(4)));
            // A blob transaction always has a recipient: its envelope cannot encode a
            // creation, so revm (which trusts the decoder) does not check it.
            if tx.to.is_none() {
                tx.to = Some(self.contracts[0]);
            }
        }
        if ty == 4 {
            tx.authorization_list = Some(self.authorizations(pre, tx.nonce));
            // Like a blob transaction's, a set-code envelope always has a recipient.
            if tx.to.is_none() {
                tx.to = Some(self.contracts[0]);
            }
        }
        tx
    }

    /// EIP-7702 authorizations, signed by a few fixed keys (the sender's among them), with
    /// their authorities sometimes in the pre-state, and some invalid tuples.
    fn authorizations(&mut self, pre: &mut Vec<PreAccount>, tx_nonce: u64) -> Vec<Authorization> {
        let count = if self.rng.one_in(25) { 0 } else { self.rng.range(1, 3) };
        let mut out = Vec::new();
        for _ in 0..count {
            let i = self.rng.below(4) as u8;
            let key = authority_key(i);
            let authority = authorities()[usize::from(i)];
            let existing = pre.iter().position(|a| a.address == authority);
            let nonce = match existing {
                Some(i) => pre[i].nonce,
                None if self.rng.one_in(2) => {
                    let nonce = self.rng.below(3);
                    let code = match self.rng.below(4) {
                        0 => {
                            let mut code = vec![0xef, 0x01, 0x00];
                            code.extend_from_slice(self.contracts[0].as_slice());
                            Bytes::from(code)
                        }
                        1 => Bytes::from_static(&[op::STOP]),
                        _ => Bytes::new(),
                    };
                    let balance = self.balance();
                    pre.push(PreAccount {
                        address: authority,
                        balance,
                        nonce,
                        code,
                        storage: vec![],
                    });
                    nonce
                }
                None => 0,
            };
            // The sender's own authorization sees its nonce after the transaction's bump.
            let nonce = if authority == SENDER { tx_nonce.wrapping_add(1) } else { nonce };
            let nonce = if self.rng.one_in(10) { nonce.wrapping_add(1) } else { nonce };
            let address = match self.rng.below(9) {
                0 => Address::ZERO,
                1 => precompile_address(self.rng),
                2 => NOBODY,
                // A delegation to a (possibly delegated) authority: chains are not followed.
                3 => authorities()[self.rng.index(4)],
                _ => *self.rng.pick(&self.contracts.clone()),
            };
            let chain_id = match self.rng.below(10) {
                0 => U256::ZERO,
                1 => U256::from(2),
                _ => U256::from(CHAIN_ID),
            };
            let mut auth =
                Authorization { chain_id, address, nonce: U256::from(nonce), ..Default::default() };
            sign(&key, &mut auth);
            match self.rng.below(20) {
                0 => auth.y_parity = U256::from(2),
                1 => auth.s = SECP256K1N - auth.s,
                2 => auth.r = U256::from(self.rng.next_u64()),
                _ => {}
            }
            out.push(auth);
        }
        out
    }

    /// A value likely to hit edge cases.
    fn value(&mut self) -> U256 {
        match self.rng.below(16) {
            0..=3 => U256::from(self.rng.below(4)),
            4..=5 => U256::from(self.rng.byte()),
            6 => U256::from(*self.rng.pick(&[31u64, 32, 33, 63, 64, 255, 256, 0xffff_ffff])),
            7 => U256::ONE << self.rng.below(256) as usize,
            8 => (U256::ONE << self.rng.below(256) as usize) - U256::ONE,
            9 => U256::MAX - U256::from(self.rng.below(2)),
            10 => U256::ONE << 255usize,
            11 => (U256::ONE << 255usize) - U256::ONE,
            12 => U256::from_be_bytes::<32>(self.rng.bytes(32).try_into().unwrap_or([0; 32])),
            13 => U256::from_be_slice(self.call_target().as_slice()),
            _ => U256::from(self.rng.next_u64()),
        }
    }

    fn mem_offset(&mut self) -> U256 {
        match self.rng.below(200) {
            0..=4 => U256::from(self.rng.range(1 << 10, 1 << 16)),
            5 => U256::from(*self.rng.pick(&[1u64 << 32, u64::MAX, 0xffff_ffe0, 1 << 20])),
            6 => U256::MAX,
            _ => U256::from(self.rng.below(200)),
        }
    }

    fn mem_len(&mut self) -> U256 {
        match self.rng.below(200) {
            0..=4 => U256::from(self.rng.range(1 << 10, 1 << 15)),
            5 => U256::from(*self.rng.pick(&[1u64 << 32, u64::MAX])),
            6..=25 => U256::ZERO,
            _ => U256::from(self.rng.below(100)),
        }
    }

    /// Zero half the time, else below 40: offsets and sizes inside short return data.
    fn small_or_zero(&mut self) -> U256 {
        if self.rng.one_in(2) { U256::ZERO } else { U256::from(self.rng.below(40)) }
    }

    fn key(&mut self) -> U256 {
        if self.rng.one_in(8) { self.value() } else { U256::from(self.rng.below(5)) }
    }

    fn call_target(&mut self) -> Address {
        match self.rng.below(12) {
            0 if self.fork >= Fork::Prague => authorities()[self.rng.index(4)],
            0..=5 => *self.rng.pick(&self.contracts.clone()),
            6..=8 => precompile_address(self.rng),
            9 => SENDER,
            10 => NOBODY,
            _ => Address::with_last_byte(self.rng.range(0x12, 0xff) as u8),
        }
    }

    /// Leaves or consumes the value on top of the stack.
    fn sink(&mut self, asm: &mut Asm) {
        match self.rng.below(10) {
            0..=2 => asm.op(op::POP),
            3 => {}
            4..=7 => {
                let key = self.key();
                asm.push(key);
                asm.op(op::SSTORE);
            }
            _ => {
                asm.push_u64(self.rng.below(8) * 32);
                asm.op(op::MSTORE);
            }
        }
    }

    /// `opcode`, or mostly `older` when the fork does not define `opcode`.
    fn or_older(&mut self, opcode: u8, older: u8) -> u8 {
        if OPCODE_INFO[usize::from(opcode)].is_enabled_in(self.fork) || self.rng.one_in(10) {
            opcode
        } else {
            older
        }
    }

    /// One of `ops`, mostly one the fork defines.
    fn pick_op(&mut self, ops: &[u8]) -> u8 {
        for _ in 0..8 {
            let b = *self.rng.pick(ops);
            if OPCODE_INFO[usize::from(b)].is_enabled_in(self.fork) || self.rng.one_in(10) {
                return b;
            }
        }
        ops[0]
    }

    /// A random opcode, mostly one the fork defines.
    fn some_opcode(&mut self) -> u8 {
        loop {
            let b = self.rng.byte();
            let info = &OPCODE_INFO[usize::from(b)];
            if info.is_enabled_in(self.fork) || self.rng.one_in(6) {
                return b;
            }
        }
    }

    fn contract_code(&mut self, depth: u32) -> Vec<u8> {
        if self.rng.one_in(8)
            && let Some(code) = self.fixture_code()
        {
            return code;
        }
        let mut asm = Asm::new(self.fork);
        let count = self.rng.range(1, if depth > 1 { 24 } else { 8 });
        for _ in 0..count {
            self.fragment(&mut asm, depth);
        }
        self.terminator(&mut asm);
        let mut code = asm.assemble();
        if self.rng.one_in(40) {
            let at = self.rng.index(code.len() + 1);
            let n = self.rng.range(1, 8) as usize;
            let junk = self.rng.bytes(n);
            code.splice(at..at, junk);
        }
        code
    }

    /// A contract of the state-test fixtures ([`crate::corpus`]) with up to three byte
    /// mutations (replace, insert, delete); `None` without fixtures.
    fn fixture_code(&mut self) -> Option<Vec<u8>> {
        let codes = crate::corpus::codes();
        if codes.is_empty() {
            return None;
        }
        let mut code = codes[self.rng.index(codes.len())].clone();
        for _ in 0..self.rng.below(4) {
            let at = self.rng.index(code.len() + 1);
            match self.rng.below(3) {
                0 if at < code.len() => code[at] = self.rng.byte(),
                1 => code.insert(at, self.rng.byte()),
                _ if at < code.len() => {
                    code.remove(at);
                }
                _ => {}
            }
        }
        // Code starting with 0xEF cannot be deployed from London on, and revm's pre-state
        // loader panics on a damaged EIP-7702 designator (0xEF01...): leave such code out.
        if code.first() == Some(&0xef) {
            return None;
        }
        Some(code)
    }

    fn terminator(&mut self, asm: &mut Asm) {
        match self.rng.below(30) {
            0..=4 => asm.op(op::STOP),
            5..=14 => {
                let (len, off) = (self.mem_len(), self.mem_offset());
                asm.push(if self.rng.chance(70) { U256::from(self.rng.below(96)) } else { len });
                asm.push(if self.rng.chance(70) { U256::from(self.rng.below(64)) } else { off });
                asm.op(op::RETURN);
            }
            15..=19 => {
                asm.push_u64(self.rng.below(64));
                asm.push_u64(self.rng.below(64));
                asm.op(if self.fork >= Fork::Byzantium || self.rng.one_in(4) {
                    op::REVERT
                } else {
                    op::RETURN
                });
            }
            20 => asm.op(op::INVALID),
            21..=22 => {
                let target = self.call_target();
                asm.push_addr(target);
                asm.op(op::SELFDESTRUCT);
            }
            23 => {
                let b = self.some_opcode();
                asm.op(b);
            }
            _ => {}
        }
    }

    fn fragment(&mut self, asm: &mut Asm, depth: u32) {
        match self.rng.below(100) {
            0..=11 => {
                // Binary arithmetic, comparison, bit ops.
                let b = self.value();
                let a = self.value();
                let opcode = self.pick_op(&BINARY);
                if opcode == op::KECCAK256 {
                    asm.push(self.mem_len());
                    asm.push(self.mem_offset());
                } else {
                    asm.push(b);
                    asm.push(a);
                }
                asm.op(opcode);
                self.sink(asm);
            }
            12..=14 => {
                let (n, b, a) = (self.value(), self.value(), self.value());
                asm.push(n);
                asm.push(b);
                asm.push(a);
                asm.op(if self.rng.one_in(2) { op::ADDMOD } else { op::MULMOD });
                self.sink(asm);
            }
            15..=16 => {
                let a = self.value();
                asm.push(a);
                asm.op(self.pick_op(&[op::ISZERO, op::NOT, op::CLZ]));
                self.sink(asm);
            }
            17..=22 => {
                asm.op(self.pick_op(&NULLARY));
                self.sink(asm);
            }
            23..=28 => {
                // One-argument environment and state reads.
                let (opcode, arg) = match self.rng.below(9) {
                    0 => (op::BALANCE, U256::from_be_slice(self.call_target().as_slice())),
                    1 => (op::EXTCODESIZE, U256::from_be_slice(self.call_target().as_slice())),
                    2 => (op::EXTCODEHASH, U256::from_be_slice(self.call_target().as_slice())),
                    3 => (op::BLOCKHASH, U256::from(self.rng.below(1100))),
                    4 => (op::CALLDATALOAD, self.mem_offset()),
                    5 => (op::BLOBHASH, U256::from(self.rng.below(8))),
                    6 => (op::SLOAD, self.key()),
                    7 => (op::TLOAD, self.key()),
                    _ => (op::MLOAD, self.mem_offset()),
                };
                let opcode = self.or_older(opcode, op::SLOAD);
                asm.push(arg);
                asm.op(opcode);
                self.sink(asm);
            }
            29..=33 => {
                // Copies into memory.
                let opcode = *self.rng.pick(&[
                    op::CALLDATACOPY,
                    op::CODECOPY,
                    op::RETURNDATACOPY,
                    op::RETURNDATACOPY,
                    op::MCOPY,
                    op::EXTCODECOPY,
                ]);
                let opcode = self.or_older(opcode, op::CODECOPY);
                let len = self.mem_len();
                let src = if opcode == op::RETURNDATACOPY && self.rng.chance(80) {
                    self.small_or_zero()
                } else {
                    self.mem_offset()
                };
                asm.push(if opcode == op::RETURNDATACOPY && self.rng.chance(80) {
                    self.small_or_zero()
                } else {
                    len
                });
                asm.push(src);
                asm.push(self.mem_offset());
                if opcode == op::EXTCODECOPY {
                    asm.push_addr(self.call_target());
                }
                asm.op(opcode);
            }
            34..=43 => {
                // Stores, with keys and values chosen to hit the refund rules.
                let (opcode, key) = match self.rng.below(6) {
                    0 => (op::MSTORE, self.mem_offset()),
                    1 => (op::MSTORE8, self.mem_offset()),
                    2 => (op::TSTORE, self.key()),
                    _ => (op::SSTORE, self.key()),
                };
                let opcode = self.or_older(opcode, op::SSTORE);
                let v =
                    if self.rng.chance(60) { U256::from(self.rng.below(3)) } else { self.value() };
                asm.push(v);
                asm.push(key);
                asm.op(opcode);
            }
            44..=47 => {
                let topics = self.rng.below(5) as u8;
                for _ in 0..topics {
                    asm.push(self.value());
                }
                asm.push(self.mem_len());
                asm.push(self.mem_offset());
                asm.op(op::LOG0 + topics);
            }
            48..=63 => self.call(asm, depth),
            64..=69 if depth > 0 => self.create(asm, depth),
            70..=75 => self.jump(asm, depth),
            76..=80 => {
                // DUP/SWAP, mostly with enough items.
                let n = self.rng.range(1, 16) as usize;
                if asm.height < n + 1 && !self.rng.one_in(10) {
                    for _ in 0..=n {
                        asm.push(self.value());
                    }
                }
                asm.op(if self.rng.one_in(2) { op::DUP1 } else { op::SWAP1 } + n as u8 - 1);
            }
            81..=83 => {
                if asm.height > 0 || self.rng.one_in(8) {
                    asm.op(op::POP);
                }
            }
            84..=85 if self.fork >= Fork::Byzantium || self.rng.one_in(10) => {
                // Return data of the last call.
                asm.op(op::RETURNDATASIZE);
                asm.push_u64(0);
                asm.push_u64(self.rng.below(64));
                asm.op(op::RETURNDATACOPY);
            }
            86 => {
                let opcode = self.some_opcode();
                asm.op(opcode);
            }
            87 if self.rng.one_in(3) => {
                // Self-destruct behind a calldata-dependent branch.
                let skip = asm.new_label();
                asm.push_u64(self.rng.below(4));
                asm.op(op::CALLDATALOAD);
                asm.push_label(skip);
                asm.op(op::JUMPI);
                asm.push_addr(self.call_target());
                asm.op(op::SELFDESTRUCT);
                asm.place(skip);
            }
            _ => {
                let opcode = *self.rng.pick(&[op::SLOAD, op::TLOAD]);
                let opcode = self.or_older(opcode, op::SLOAD);
                let key = self.key();
                asm.push(key);
                asm.op(opcode);
                asm.push_u64(1);
                asm.op(op::ADD);
                asm.push(key);
                asm.op(if opcode == op::SLOAD { op::SSTORE } else { op::TSTORE });
            }
        }
    }

    fn jump(&mut self, asm: &mut Asm, depth: u32) {
        match self.rng.below(10) {
            0..=4 => {
                // Forward conditional jump over a few fragments.
                let label = asm.new_label();
                if self.rng.one_in(2) {
                    asm.push_u64(self.rng.below(2));
                } else {
                    asm.push_u64(self.rng.below(64));
                    asm.op(op::CALLDATALOAD);
                }
                asm.push_label(label);
                asm.op(op::JUMPI);
                for _ in 0..self.rng.range(1, 3) {
                    self.fragment(asm, depth.saturating_sub(1));
                }
                asm.place(label);
            }
            5..=6 => {
                let label = asm.new_label();
                asm.push_label(label);
                asm.op(op::JUMP);
                let n = self.rng.below(4) as usize;
                let junk = self.rng.bytes(n);
                asm.raw(&junk);
                asm.place(label);
            }
            7 => {
                // A bounded loop: a counter in memory slot 0x200.
                let top = asm.new_label();
                let done = asm.new_label();
                asm.place(top);
                asm.push_u64(0x200);
                asm.op(op::MLOAD);
                asm.push_u64(1);
                asm.op(op::ADD);
                asm.op(op::DUP1);
                asm.push_u64(0x200);
                asm.op(op::MSTORE);
                asm.push_u64(self.rng.range(2, 40));
                asm.op(op::LT);
                asm.push_label(done);
                asm.op(op::JUMPI);
                self.fragment(asm, 0);
                asm.push_label(top);
                asm.op(op::JUMP);
                asm.place(done);
            }
            _ => {
                // An invalid destination (or a lucky valid one).
                let dest = if self.rng.one_in(2) {
                    U256::from(self.rng.below(asm.len() as u64 + 8))
                } else {
                    self.value()
                };
                asm.push_u64(1);
                asm.push(dest);
                asm.op(if self.rng.one_in(2) { op::JUMP } else { op::JUMPI });
            }
        }
    }

    fn call(&mut self, asm: &mut Asm, _depth: u32) {
        let target = self.call_target();
        let is_precompile = target.as_slice()[..18].iter().all(|&b| b == 0);
        let arg_off = if self.rng.chance(85) { U256::from(0x100) } else { self.mem_offset() };
        let arg_len = if is_precompile && arg_off == U256::from(0x100) {
            let input = self.precompile_input(target);
            self.write_memory(asm, 0x100, &input);
            U256::from(input.len())
        } else if self.rng.chance(80) {
            U256::from(self.rng.below(68))
        } else {
            self.mem_len()
        };
        let ret_off =
            if self.rng.chance(85) { U256::from(self.rng.below(64)) } else { self.mem_offset() };
        let ret_len =
            if self.rng.chance(85) { U256::from(self.rng.below(96)) } else { self.mem_len() };
        let opcode = *self.rng.pick(&[
            op::CALL,
            op::CALL,
            op::CALL,
            op::CALLCODE,
            op::DELEGATECALL,
            op::STATICCALL,
        ]);
        let opcode = self.or_older(opcode, op::CALL);
        asm.push(ret_len);
        asm.push(ret_off);
        asm.push(arg_len);
        asm.push(arg_off);
        if opcode == op::CALL || opcode == op::CALLCODE {
            let value = match self.rng.below(10) {
                0..=5 => U256::ZERO,
                6..=8 => U256::from(self.rng.range(1, 3)),
                _ => self.value(),
            };
            asm.push(value);
        }
        asm.push_addr(target);
        match self.rng.below(10) {
            // Before Tangerine Whistle a call cannot ask for more gas than is left.
            0..=3 if self.fork < Fork::Tangerine => asm.push_u64(self.rng.below(30_000)),
            0..=3 => asm.op(op::GAS),
            4..=7 => asm.push_u64(*self.rng.pick(&[0u64, 1, 2300, 2600, 3000, 10_000, 60_000])),
            8 => asm.push_u64(self.rng.below(200_000)),
            _ => asm.push(self.value()),
        }
        asm.op(opcode);
        if self.rng.chance(40) && self.fork >= Fork::Byzantium {
            asm.op(op::RETURNDATASIZE);
            asm.push_u64(0x300);
            asm.op(op::MSTORE);
        }
        self.sink(asm);
    }

    /// Code that writes `data` to memory at `offset` with PUSH32/MSTORE pairs.
    fn write_memory(&mut self, asm: &mut Asm, offset: u64, data: &[u8]) {
        for (i, chunk) in data.chunks(32).enumerate() {
            let mut word = [0u8; 32];
            word[..chunk.len()].copy_from_slice(chunk);
            asm.push(U256::from_be_bytes(word));
            asm.push_u64(offset + 32 * i as u64);
            asm.op(op::MSTORE);
        }
    }

    fn create(&mut self, asm: &mut Asm, depth: u32) {
        let init = self.init_code(depth - 1);
        self.write_memory(asm, 0x400, &init);
        let create2 = self.fork >= Fork::Petersburg && self.rng.one_in(2);
        if create2 {
            asm.push_u64(self.rng.below(3));
        }
        let len = if self.rng.one_in(20) { self.mem_len() } else { U256::from(init.len()) };
        asm.push(len);
        asm.push_u64(0x400);
        let value = match self.rng.below(6) {
            0..=3 => U256::ZERO,
            4 => U256::from(self.rng.range(1, 3)),
            _ => self.value(),
        };
        asm.push(value);
        asm.op(if create2 { op::CREATE2 } else { op::CREATE });
        if self.rng.chance(40) {
            // Call the new contract.
            asm.op(op::DUP1);
            asm.push_u64(0);
            asm.op(op::SWAP1);
            asm.push_u64(0);
            asm.op(op::SWAP1);
            asm.push_u64(0);
            asm.op(op::SWAP1);
            asm.push_u64(0);
            asm.op(op::SWAP1);
            asm.push_u64(0);
            asm.op(op::SWAP1);
            asm.op(op::GAS);
            asm.op(op::CALL);
            asm.op(op::POP);
        }
        self.sink(asm);
    }

    /// Init code: deploys generated runtime code, or fails in one of the ways a creation can.
    fn init_code(&mut self, depth: u32) -> Vec<u8> {
        let mut asm = Asm::new(self.fork);
        for _ in 0..self.rng.below(4) {
            self.fragment(&mut asm, depth.min(1));
        }
        match self.rng.below(12) {
            0..=6 => {
                let runtime = if self.rng.one_in(8) {
                    let mut r = vec![0xef];
                    let n = self.rng.below(4) as usize;
                    r.extend(self.rng.bytes(n));
                    r
                } else {
                    self.contract_code(depth.min(1))
                };
                let body = asm.assemble();
                let offset = body.len() + 14;
                let mut code = body;
                let len = runtime.len() as u16;
                let [lh, ll] = len.to_be_bytes();
                let [oh, ol] = (offset as u16).to_be_bytes();
                code.extend([
                    op::PUSH2,
                    lh,
                    ll,
                    op::DUP1,
                    op::PUSH2,
                    oh,
                    ol,
                    op::PUSH1,
                    0,
                    op::CODECOPY,
                    op::PUSH1,
                    0,
                    op::RETURN,
                    op::INVALID,
                ]);
                code.extend(runtime);
                return code;
            }
            7 => {
                // Too large a deposit (EIP-170), or exactly the limit.
                asm.push_u64(0x6000 + self.rng.below(2));
                asm.push_u64(0);
                asm.op(op::RETURN);
            }
            8 => {
                asm.push_u64(self.rng.below(40));
                asm.push_u64(0);
                asm.op(op::REVERT);
            }
            9 => {
                asm.push_addr(self.call_target());
                asm.op(op::SELFDESTRUCT);
            }
            10 => asm.op(op::INVALID),
            _ => {}
        }
        asm.assemble()
    }

    fn precompile_input(&mut self, address: Address) -> Vec<u8> {
        precompile_input(self.rng, address)
    }
}

/// Input for a precompile: structured enough to pass the length and format checks sometimes.
pub fn precompile_input(rng: &mut Rng, address: Address) -> Vec<u8> {
    let id = if address.as_slice()[18] == 1 { 0x100 } else { u32::from(address.as_slice()[19]) };
    if rng.chance(30) {
        let len = rng.below(300) as usize;
        return rng.bytes(len);
    }
    let word = |v: u64| U256::from(v).to_be_bytes::<32>().to_vec();
    match id {
        1 => {
            let mut out = rng.bytes(32);
            out.extend(word(27 + rng.below(2)));
            out.extend(rng.bytes(64));
            out
        }
        5 => {
            let (b, e, m) = (rng.below(40), rng.below(40), rng.below(40));
            let mut out = word(b);
            out.extend(word(e));
            out.extend(word(m));
            out.extend(rng.bytes((b + e + m) as usize));
            out
        }
        6 | 7 => {
            // The BN254 generator (1, 2) and a scalar or a second point.
            let mut out = word(1);
            out.extend(word(2));
            if id == 6 {
                out.extend(word(1));
                out.extend(word(2));
            } else {
                out.extend(rng.bytes(32));
            }
            out
        }
        8 => {
            let pairs = rng.below(2) as usize;
            rng.bytes(pairs * 192)
        }
        9 => {
            let mut out = (rng.below(20) as u32).to_be_bytes().to_vec();
            out.extend(rng.bytes(208));
            out.push(rng.below(3) as u8);
            out
        }
        0x0a => {
            if rng.one_in(2) {
                return rng.bytes(192);
            }
            // A valid proof: commitment and proof at infinity, y = 0, any small z.
            let mut commitment = [0u8; 48];
            commitment[0] = 0xc0;
            let mut hash = evm_precompiles::sha256(&commitment, u64::MAX, Fork::Cancun)
                .map(|o| o.output.to_vec())
                .unwrap_or_else(|_| vec![0; 32]);
            hash[0] = 1;
            let mut out = hash;
            out.extend(word(rng.below(1000)));
            out.extend(word(0));
            out.extend(commitment);
            out.extend(commitment);
            out
        }
        0x0b..=0x11 => {
            // EIP-2537 sizes per unit: G1ADD, G1MSM (k), G2ADD, G2MSM (k), PAIRING (k),
            // MAP_FP_TO_G1, MAP_FP2_TO_G2.
            let sizes = [256usize, 160, 512, 288, 384, 64, 128];
            let unit = sizes[(id - 0x0b) as usize];
            let k = if matches!(id, 0x0c | 0x0e | 0x0f) { rng.range(1, 3) as usize } else { 1 };
            match rng.below(3) {
                // Points at infinity (all zeros) are valid inputs everywhere.
                0 => vec![0; unit * k],
                // Field elements: 16 zero bytes, then 48 bytes below the modulus.
                1 => {
                    let mut out = Vec::with_capacity(unit * k);
                    while out.len() < unit * k {
                        out.extend([0u8; 16]);
                        out.push(rng.below(0x1a) as u8);
                        out.extend(rng.bytes(47));
                    }
                    out.truncate(unit * k);
                    out
                }
                _ => rng.bytes(unit * k),
            }
        }
        _ => {
            let len = rng.below(160) as usize;
            rng.bytes(len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_resolve_to_jumpdests() {
        let mut asm = Asm::new(Fork::Cancun);
        let l = asm.new_label();
        asm.push_label(l);
        asm.op(op::JUMP);
        asm.place(l);
        assert_eq!(asm.assemble(), vec![op::PUSH2, 0, 4, op::JUMP, op::JUMPDEST]);
    }

    #[test]
    fn generation_is_deterministic() {
        for seed in 0..50 {
            assert_eq!(case(&mut Rng::from_seed(seed)), case(&mut Rng::from_seed(seed)));
        }
    }
}
