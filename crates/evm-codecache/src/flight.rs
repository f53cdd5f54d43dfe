//! Single flight: concurrent misses on one key share one load; the others wait for its result.
//! A leader that panics still wakes its waiters (with `LoadError::LoaderPanicked`).

use std::sync::{Arc, Condvar, Mutex};

use dashmap::DashMap;
use dashmap::mapref::entry::Entry;

use evm_bytecode::AnalyzedCode;

use crate::{Key, LoadError};

type Outcome = Result<Arc<AnalyzedCode>, LoadError>;

#[derive(Debug, Default)]
struct Flight {
    outcome: Mutex<Option<Outcome>>,
    done: Condvar,
}

/// Loads in progress, by key (sharded, so misses on different keys rarely contend).
#[derive(Debug, Default)]
pub(crate) struct Flights {
    in_flight: DashMap<Key, Arc<Flight>>,
}

/// The caller's part in a load: do it, or wait for it.
pub(crate) enum Role<'a> {
    Leader(Leader<'a>),
    Waiter(Waiter),
}

/// The one caller that runs the load. Dropping it without `finish` reports a panic.
pub(crate) struct Leader<'a> {
    flights: &'a Flights,
    key: Key,
    flight: Arc<Flight>,
    finished: bool,
}

/// A caller that waits for the leader.
pub(crate) struct Waiter(Arc<Flight>);

impl Flights {
    pub(crate) fn join(&self, key: Key) -> Role<'_> {
        match self.in_flight.entry(key) {
            Entry::Occupied(e) => Role::Waiter(Waiter(e.get().clone())),
            Entry::Vacant(e) => {
                let flight = Arc::new(Flight::default());
                e.insert(flight.clone());
                Role::Leader(Leader { flights: self, key, flight, finished: false })
            }
        }
    }
}

impl Leader<'_> {
    /// Publishes the outcome to the waiters and ends the flight.
    /// Callers insert a successful result into the cache before this, so a late caller finds
    /// either the flight or the cached entry.
    pub(crate) fn finish(mut self, outcome: Outcome) -> Outcome {
        self.publish(outcome.clone());
        self.finished = true;
        outcome
    }

    fn publish(&self, outcome: Outcome) {
        *self.flight.outcome.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
        self.flights.in_flight.remove(&self.key);
        self.flight.done.notify_all();
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.publish(Err(LoadError::LoaderPanicked { key: self.key }));
        }
    }
}

impl Waiter {
    pub(crate) fn wait(self) -> Outcome {
        let mut outcome = self.0.outcome.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(o) = outcome.as_ref() {
                return o.clone();
            }
            outcome = self.0.done.wait(outcome).unwrap_or_else(|e| e.into_inner());
        }
    }
}
