//! The flush: inserts (parents first, many rows per statement, generated keys read back), updates
//! (changed columns only, version-checked), deletes (children first), ordered by the foreign-key graph
//! of the tables involved.

mod cascade;
mod delete;
mod insert;
mod run;
mod update;

pub(super) use run::flush;
use run::{entry, find_stale, key_indexes, link_value, object, stale_key, MAX_ROWS_PER_STATEMENT};
