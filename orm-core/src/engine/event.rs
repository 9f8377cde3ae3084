//! Statement events: every statement a connection runs, with its parameters and duration, for
//! logging, metrics and tests that count statements.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::value::Value;

/// One statement that ran.
#[derive(Debug)]
#[non_exhaustive]
pub struct StatementEvent<'a> {
    /// The SQL text.
    pub sql: &'a str,
    /// The bound parameters.
    pub params: &'a [Value],
    /// How long the database took, the driver included.
    pub duration: Duration,
    /// Whether it succeeded.
    pub succeeded: bool,
}

/// A statement listener.
pub(crate) type Listener = Arc<dyn Fn(&StatementEvent<'_>) + Send + Sync>;

/// Identifies a listener registered with [`crate::Engine::on_statement`], to remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId(pub(crate) u64);

/// A recorded statement.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedStatement {
    /// The SQL text.
    pub sql: String,
    /// The bound parameters.
    pub params: Vec<Value>,
    /// How long it took.
    pub duration: Duration,
}

/// The statements run through an engine since [`crate::Engine::record_statements`]; stops recording when
/// dropped.
pub struct StatementLog {
    pub(crate) entries: Arc<Mutex<Vec<RecordedStatement>>>,
    /// The engine listener that fills an engine-wide or thread log; a session's log is filled by
    /// the session's connections instead.
    pub(crate) listener: Option<(crate::Engine, ListenerId)>,
}

/// Where a session's connections record into its logs (dropped logs are skipped).
pub(crate) type LogSink = std::sync::Weak<Mutex<Vec<RecordedStatement>>>;

impl StatementLog {
    /// How many statements ran.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// The statements' SQL, in order.
    pub fn sql(&self) -> Vec<String> {
        self.lock().iter().map(|s| s.sql.clone()).collect()
    }

    /// Every recorded statement, in order.
    pub fn statements(&self) -> Vec<RecordedStatement> {
        self.lock().clone()
    }

    /// Forgets what was recorded so far.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RecordedStatement>> {
        // A listener that panicked cannot leave the list half-written; keep using it.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl fmt::Debug for StatementLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatementLog")
            .field("count", &self.count())
            .finish()
    }
}

impl Drop for StatementLog {
    fn drop(&mut self) {
        if let Some((engine, id)) = &self.listener {
            engine.remove_listener(*id);
        }
    }
}

/// Renders parameters for the echo log: `[1, "john"]`.
pub(crate) struct DisplayParams<'a>(pub(crate) &'a [Value]);

impl fmt::Display for DisplayParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{v}")?;
        }
        f.write_str("]")
    }
}
