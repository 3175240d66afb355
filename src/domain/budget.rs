//! What one request may spend: time ([`Budget`]: a deadline plus a cancellation flag the
//! request's handler sets when it is dropped) and a place among the requests running the same
//! expensive work at once ([`Gate`]).
//!
//! Heavy work runs on the blocking pool, where dropping the handler's future stops nothing: the
//! thread keeps computing for an answer nobody will read. So the handler holds a
//! [`BudgetGuard`]; when actix drops the handler (the request timeout fired, the client went
//! away) or the handler returns, the guard sets the flag, and the work, which calls
//! [`Budget::check`] inside its loops, stops at its next check.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Seconds a client is told to wait (`Retry-After`) before retrying work refused as busy or
/// cut by its budget.
pub const RETRY_AFTER_SECONDS: u64 = 2;

/// The work ran out of its request's time, or its request is gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BudgetExceeded {
    #[error("the work took longer than its request may run; retry later or narrow the request")]
    Deadline,
    #[error("the request was abandoned before the work finished")]
    Cancelled,
}

/// A deadline and a cancellation flag, shared by the handler and the work it started; cheap
/// to clone and to check.
#[derive(Clone, Debug)]
pub struct Budget {
    deadline: Instant,
    cancelled: Arc<AtomicBool>,
}

/// Held by the async handler; dropping it cancels the [`Budget`] it came with.
#[derive(Debug)]
pub struct BudgetGuard {
    cancelled: Arc<AtomicBool>,
}

impl Drop for BudgetGuard {
    fn drop(&mut self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

impl Budget {
    /// A budget ending `time` from now, and the guard that cancels it when dropped.
    pub fn start(time: Duration) -> (Budget, BudgetGuard) {
        let cancelled = Arc::new(AtomicBool::new(false));
        let now = Instant::now();
        let budget = Budget {
            // A deadline past what `Instant` can hold is no deadline.
            deadline: now.checked_add(time).unwrap_or(now + Duration::from_secs(86_400 * 365)),
            cancelled: cancelled.clone(),
        };
        (budget, BudgetGuard { cancelled })
    }

    /// A budget that never runs out (command-line tools, benchmarks, tests of the services).
    pub fn unlimited() -> Budget {
        let (budget, guard) = Budget::start(Duration::from_secs(86_400 * 365));
        // Nobody holds the guard: forget it so dropping it does not cancel.
        std::mem::forget(guard);
        budget
    }

    /// `Err` once the deadline has passed or the request is gone. A relaxed load and a clock
    /// read: call it every few thousand steps of a loop, or once per finding.
    pub fn check(&self) -> Result<(), BudgetExceeded> {
        if self.cancelled.load(Ordering::Relaxed) {
            return Err(BudgetExceeded::Cancelled);
        }
        if Instant::now() >= self.deadline {
            return Err(BudgetExceeded::Deadline);
        }
        Ok(())
    }

    /// Whether [`check`](Self::check) fails: for loops that cannot return an error and stop
    /// early instead, leaving the caller to check once more.
    pub fn exhausted(&self) -> bool {
        self.check().is_err()
    }
}

/// Counts steps of a loop and checks the budget every `every` of them.
pub struct Meter<'a> {
    budget: &'a Budget,
    every: u32,
    steps: u32,
}

impl<'a> Meter<'a> {
    pub fn new(budget: &'a Budget, every: u32) -> Self {
        Meter {
            budget,
            every: every.max(1),
            steps: 0,
        }
    }

    /// One step; checks the budget on every `every`-th.
    pub fn step(&mut self) -> Result<(), BudgetExceeded> {
        self.steps += 1;
        if self.steps >= self.every {
            self.steps = 0;
            return self.budget.check();
        }
        Ok(())
    }
}

/// At most `limit` requests of one kind of expensive work at once; one more is refused at
/// once (the caller answers 503 with `Retry-After`) instead of queueing behind the others.
#[derive(Clone, Debug)]
pub struct Gate {
    name: &'static str,
    limit: usize,
    permits: Arc<tokio::sync::Semaphore>,
}

/// A place taken in a [`Gate`], given back when dropped.
#[derive(Debug)]
pub struct GatePass {
    _permit: tokio::sync::OwnedSemaphorePermit,
}

/// A [`Gate`] was full.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{limit} {name} requests are already running; retry in a moment")]
pub struct GateFull {
    pub name: &'static str,
    pub limit: usize,
}

impl Gate {
    /// A gate letting `limit` requests through at once (at least one).
    pub fn new(name: &'static str, limit: usize) -> Self {
        let limit = limit.max(1);
        Gate {
            name,
            limit,
            permits: Arc::new(tokio::sync::Semaphore::new(limit)),
        }
    }

    /// A place, or [`GateFull`] at once.
    pub fn enter(&self) -> Result<GatePass, GateFull> {
        self.permits
            .clone()
            .try_acquire_owned()
            .map(|permit| GatePass { _permit: permit })
            .map_err(|_| GateFull {
                name: self.name,
                limit: self.limit,
            })
    }

    /// Places free now.
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }
}

/// The gates of the expensive routes, sized by the settings.
#[derive(Clone, Debug)]
pub struct Gates {
    pub reconcile: Gate,
    pub flags: Gate,
    pub rendition: Gate,
    pub upload: Gate,
}

impl Gates {
    pub fn new(reconcile: usize, flags: usize, rendition: usize, upload: usize) -> Self {
        Gates {
            reconcile: Gate::new("reconciliation", reconcile),
            flags: Gate::new("red-flag", flags),
            rendition: Gate::new("full-size rendition", rendition),
            upload: Gate::new("receipt upload", upload),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropping_the_guard_cancels_the_budget() {
        let (budget, guard) = Budget::start(Duration::from_secs(60));
        assert_eq!(budget.check(), Ok(()));
        let work = budget.clone();
        drop(guard);
        assert_eq!(work.check(), Err(BudgetExceeded::Cancelled));
    }

    #[test]
    fn a_passed_deadline_fails_the_check() {
        let (budget, _guard) = Budget::start(Duration::ZERO);
        assert_eq!(budget.check(), Err(BudgetExceeded::Deadline));
        assert!(Budget::unlimited().check().is_ok());
    }

    #[test]
    fn a_meter_checks_every_nth_step() {
        let (budget, guard) = Budget::start(Duration::from_secs(60));
        drop(guard);
        let mut meter = Meter::new(&budget, 3);
        assert!(meter.step().is_ok());
        assert!(meter.step().is_ok());
        assert!(meter.step().is_err());
    }

    #[test]
    fn a_full_gate_refuses_at_once_and_reopens() {
        let gate = Gate::new("test", 1);
        let pass = gate.enter().expect("first place");
        assert!(gate.enter().is_err());
        drop(pass);
        assert!(gate.enter().is_ok());
    }
}
