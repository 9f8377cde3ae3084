//! Read replicas: an engine with one primary and any number of replicas.
//!
//! A session reads from a replica until it writes or is pinned ([`crate::Session::on_primary`]);
//! from then on it reads and writes on the primary, to its end, so that it always sees its own
//! writes (no waiting for a replica to replay them). A replica is checked before use when its last
//! check is older than the check interval: one that cannot be reached, or whose replay lags the
//! WAL it received by more than the allowed lag, is skipped with a warning until a later check finds
//! it well, and reads go to another replica or the primary. A replica connection found dead on its
//! first statement is replaced by a primary connection on the spot.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Engine;
use crate::error::Result;

/// How long a session waits for a replica's connection before reading from the primary instead.
const REPLICA_CHECKOUT: Duration = Duration::from_millis(500);

/// One replica: its own pool and what the last check found.
pub(crate) struct Replica {
    pub(crate) engine: Engine,
    state: Mutex<State>,
}

impl std::fmt::Debug for Replica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replica")
            .field("url", &self.engine.url())
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct State {
    healthy: bool,
    /// When the replica was last checked; `None`: never (check before first use).
    checked: Option<Instant>,
    /// A thread is checking it now (the others go by the last verdict meanwhile).
    checking: bool,
}

impl Replica {
    pub(crate) fn new(engine: Engine, reachable: bool) -> Replica {
        Replica {
            engine,
            state: Mutex::new(State {
                healthy: reachable,
                checked: None,
                checking: false,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether reads may go here now, checking the replica first when the last check is older than
    /// `interval`. One thread checks, without holding the state while it talks to the replica; the
    /// others go by the last verdict meanwhile.
    pub(crate) fn usable(&self, max_lag: Duration, interval: Duration) -> bool {
        {
            let mut state = self.state();
            let fresh = state.checked.is_some_and(|at| at.elapsed() < interval);
            if fresh || state.checking {
                return state.healthy && state.checked.is_some();
            }
            state.checking = true;
        }
        let verdict = self.check(max_lag);
        let mut state = self.state();
        state.checking = false;
        match verdict {
            Ok(()) => {
                if !state.healthy {
                    tracing::warn!(target: "orm::replica", "replica {} is back in use", self.engine.url());
                }
                state.healthy = true;
                state.checked = Some(Instant::now());
            }
            Err(reason) => self.set_down(&mut state, &reason),
        }
        state.healthy
    }

    /// Takes the replica out of use until its next check.
    pub(crate) fn mark_down(&self, reason: &str) {
        let mut state = self.state();
        self.set_down(&mut state, reason);
    }

    fn set_down(&self, state: &mut State, reason: &str) {
        if state.healthy {
            tracing::warn!(
                target: "orm::replica",
                "replica {} skipped, reads go elsewhere: {reason}",
                self.engine.url()
            );
        }
        state.healthy = false;
        state.checked = Some(Instant::now());
    }

    /// Reachable, a replica, and replaying within `max_lag`: everything received is replayed, or the
    /// last replayed transaction is at most `max_lag` old.
    fn check(&self, max_lag: Duration) -> std::result::Result<(), String> {
        let pooled = self.pooled().map_err(|e| format!("unreachable: {e}"))?;
        // Never sent twice: a dead replica connection must fail the check, not wait for another.
        let mut conn = super::Connection::new(pooled, self.engine.shared.clone()).without_resend();
        // A replica whose WAL receiver stopped (the primary unreachable from it) has replayed all
        // it received and so looks current: it must also be streaming. (The receiver's row is
        // visible to every role; its columns are not, hence EXISTS.)
        let sql = "SELECT pg_is_in_recovery()::int, CASE \
                   WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 \
                   ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) \
                   END::float8, \
                   (EXISTS (SELECT 1 FROM pg_stat_wal_receiver))::int";
        let mut found: Option<(bool, f64, bool)> = None;
        conn.query_rows(sql, &[], |row| {
            let bad = |e: crate::value::ValueError| crate::Error::InvalidValue(e.to_string());
            let recovering = row.get_i64(0).map_err(bad)?.unwrap_or(0) == 1;
            let lag = row.get_f64(1).map_err(bad)?.unwrap_or(0.0);
            let streaming = row.get_i64(2).map_err(bad)?.unwrap_or(0) == 1;
            found = Some((recovering, lag, streaming));
            Ok(false)
        })
        .map_err(|e| format!("the check failed: {e}"))?;
        match found {
            Some((false, _, _)) => Err("not in recovery: it is no replica".to_owned()),
            Some((true, _, false)) => {
                Err("its WAL receiver is not running: it may be far behind the primary".to_owned())
            }
            Some((true, lag, _)) if lag > max_lag.as_secs_f64() => Err(format!(
                "replay lags by {lag:.1} s, more than the {:.1} s allowed",
                max_lag.as_secs_f64()
            )),
            Some(_) => Ok(()),
            None => Err("the check returned nothing".to_owned()),
        }
    }

    /// A connection of this replica's pool, waiting briefly.
    pub(crate) fn pooled(&self) -> Result<r2d2::PooledConnection<super::pool::Manager>> {
        let pool = &self.engine.shared.pool;
        match pool.try_get() {
            Some(c) => Ok(c),
            None => pool
                .get_timeout(REPLICA_CHECKOUT)
                .map_err(|e| crate::Error::Pool(format!("replica {}: {e}", self.engine.url()))),
        }
    }
}
