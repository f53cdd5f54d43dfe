//! A cooperative stop signal: a VM that must stop (a time limit, a user's Ctrl-C) triggers it,
//! and the long-running precompiles poll it (BLAKE2F's rounds), so one precompile call does not
//! hold the thread for its whole gas budget. The signal of the running transaction is kept per
//! thread by [`with_interrupt`]; the precompile functions keep their plain signature.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// A stop signal, triggered by hand ([`Interrupt::trigger`], from any thread) or once its
/// deadline passes. Clones share the flag.
#[derive(Clone, Debug, Default)]
pub struct Interrupt {
    flag: Arc<AtomicBool>,
    deadline: Option<Instant>,
}

impl Interrupt {
    /// A signal that only [`Interrupt::trigger`] sets.
    pub fn new() -> Self {
        Self::default()
    }

    /// A signal that is set once `deadline` has passed (or when triggered).
    pub fn with_deadline(deadline: Instant) -> Self {
        Self { flag: Arc::default(), deadline: Some(deadline) }
    }

    /// Asks every VM and precompile that polls this signal to stop.
    pub fn trigger(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// Whether the signal was triggered or its deadline passed.
    #[inline]
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::Relaxed) || self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Interrupt>> = const { RefCell::new(None) };
}

/// Runs `f` with `interrupt` as this thread's signal for the precompiles it calls; the previous
/// signal is restored afterwards, also when `f` panics.
pub fn with_interrupt<R>(interrupt: Option<&Interrupt>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Interrupt>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = previous);
        }
    }
    let previous = CURRENT.with(|c| c.replace(interrupt.cloned()));
    let _restore = Restore(previous);
    f()
}

/// Whether this thread's signal is set (false when there is none).
pub(crate) fn interrupted() -> bool {
    CURRENT.with(|c| c.borrow().as_ref().is_some_and(Interrupt::is_set))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn trigger_and_deadline_set_the_signal() {
        let i = Interrupt::new();
        assert!(!i.is_set());
        i.clone().trigger();
        assert!(i.is_set());
        assert!(Interrupt::with_deadline(Instant::now()).is_set());
        assert!(!Interrupt::with_deadline(Instant::now() + Duration::from_secs(60)).is_set());
    }

    #[test]
    fn with_interrupt_scopes_the_thread_signal() {
        let i = Interrupt::new();
        i.trigger();
        assert!(!interrupted());
        assert!(with_interrupt(Some(&i), interrupted));
        assert!(!interrupted());
        let caught = std::panic::catch_unwind(|| with_interrupt(Some(&i), || panic!("inside")));
        assert!(caught.is_err());
        assert!(!interrupted(), "restored after a panic");
    }
}
