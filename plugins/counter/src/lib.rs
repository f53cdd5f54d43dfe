//! evmkit example plugin: counts executed opcodes per running address with an unfiltered
//! `OPCODE_BEFORE` hook, and exports C functions for hosts to read the counts:
//! `evmkit_counter_total() -> u64`, `evmkit_counter_count(address: *const [u8; 20]) -> u64` and
//! `evmkit_counter_reset()`.
//!
//! The per-opcode path asks the host for the address, compares it with the last one this thread
//! saw, and does one relaxed atomic add on that address's counter; the map (behind a mutex) is
//! touched only when the address changes. Each counter is leaked once per distinct address so
//! the thread-local cache can hold a `&'static` without a destructor (a plugin is never
//! unloaded, and thread-local destructors in a loaded library are best avoided).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use evmkit_plugin::{Action, Address, Ctx, Error, HookSpec, Registrar, export_plugin, point};

/// One counter per address seen; counters are never removed, only zeroed.
static COUNTERS: Mutex<BTreeMap<Address, &'static AtomicU64>> = Mutex::new(BTreeMap::new());

thread_local! {
    /// The last address this thread counted for, and its counter.
    static LAST: Cell<Option<(Address, &'static AtomicU64)>> = const { Cell::new(None) };
}

/// The counter map; a poisoned lock is still usable (counts are plain integers).
fn counters() -> MutexGuard<'static, BTreeMap<Address, &'static AtomicU64>> {
    COUNTERS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The counter of `address`, created at zero on first use.
fn counter_for(address: Address) -> &'static AtomicU64 {
    counters().entry(address).or_insert_with(|| Box::leak(Box::new(AtomicU64::new(0))))
}

/// The hook: one count for the running address.
fn count_opcode(ctx: &mut Ctx<'_>) -> Result<Action, Error> {
    let address = ctx.address()?;
    let counter = LAST.with(|last| match last.get() {
        Some((seen, counter)) if seen == address => counter,
        _ => {
            let counter = counter_for(address);
            last.set(Some((address, counter)));
            counter
        }
    });
    counter.fetch_add(1, Ordering::Relaxed);
    Ok(Action::Continue)
}

fn init(registrar: &mut Registrar<'_>) -> Result<(), Error> {
    registrar
        .hook(HookSpec { point: point::OPCODE_BEFORE, priority: 0, opcodes: None }, count_opcode)
}

export_plugin! {
    name: "counter",
    version: env!("CARGO_PKG_VERSION"),
    capabilities: caps::HOOKS,
    init: init,
}

/// Opcodes counted over every address since the last reset.
#[expect(unsafe_code, reason = "an unmangled C symbol hosts look up")]
#[unsafe(no_mangle)]
pub extern "C" fn evmkit_counter_total() -> u64 {
    counters().values().fold(0, |sum, c| sum.wrapping_add(c.load(Ordering::Relaxed)))
}

/// Opcodes counted at `address` since the last reset; 0 for a null pointer.
///
/// From C this is `uint64_t evmkit_counter_count(const uint8_t (*address)[20])`: an
/// `Option<&[u8; 20]>` has the ABI of a nullable pointer.
#[expect(unsafe_code, reason = "an unmangled C symbol hosts look up")]
#[unsafe(no_mangle)]
pub extern "C" fn evmkit_counter_count(address: Option<&[u8; 20]>) -> u64 {
    let Some(address) = address else { return 0 };
    counters().get(address).map_or(0, |c| c.load(Ordering::Relaxed))
}

/// Sets every count to zero.
#[expect(unsafe_code, reason = "an unmangled C symbol hosts look up")]
#[unsafe(no_mangle)]
pub extern "C" fn evmkit_counter_reset() {
    for counter in counters().values() {
        counter.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use evmkit_plugin::action;
    use evmkit_plugin::testing::{MockHost, Registration, register};

    use super::*;

    #[test]
    fn registers_one_unfiltered_opcode_before_hook() {
        let registered = register(init).expect("init succeeds");
        assert_eq!(registered.len(), 1);
        assert_eq!(
            registered[0].registration,
            Registration::Hook { point: point::OPCODE_BEFORE, priority: 0, filter: None }
        );
    }

    // One test owns the global counters, so parallel tests cannot disturb the totals.
    #[test]
    fn counts_per_address_across_switches_and_threads_and_resets() {
        let registered = register(init).expect("init succeeds");
        let hook = &registered[0];
        let (a, b) = ([0xa1; 20], [0xb2; 20]);
        let mut host = MockHost::new();
        host.point = point::OPCODE_BEFORE;
        for address in [a, a, a, b, b, a] {
            host.address = address;
            assert_eq!(host.call(hook), action::CONTINUE);
        }
        assert_eq!(evmkit_counter_count(Some(&a)), 4);
        assert_eq!(evmkit_counter_count(Some(&b)), 2);
        assert_eq!(evmkit_counter_count(Some(&[0; 20])), 0);
        assert_eq!(evmkit_counter_count(None), 0);
        assert_eq!(evmkit_counter_total(), 6);

        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let registered = register(init).expect("init succeeds");
                    let hook = &registered[0];
                    let mut host = MockHost::new();
                    host.address = b;
                    for _ in 0..100 {
                        assert_eq!(host.call(hook), action::CONTINUE);
                    }
                });
            }
        });
        assert_eq!(evmkit_counter_count(Some(&b)), 402);
        assert_eq!(evmkit_counter_total(), 406);

        evmkit_counter_reset();
        assert_eq!(evmkit_counter_total(), 0);
        assert_eq!(evmkit_counter_count(Some(&a)), 0);
        // The thread's cached counter for `a` stays the one the map reads.
        host.address = a;
        assert_eq!(host.call(hook), action::CONTINUE);
        assert_eq!(evmkit_counter_count(Some(&a)), 1);
        assert_eq!(evmkit_counter_total(), 1);
    }
}
