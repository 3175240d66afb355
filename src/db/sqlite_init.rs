//! What SQLite is told once per process, before its first connection: multi-thread mode, and
//! the query planner stability guarantee on every connection it opens.

use std::ffi::{c_char, c_int};

use libsqlite3_sys as ffi;

/// Puts SQLite in multi-thread mode before its first connection: each connection is used by one
/// thread at a time (a pooled connection is lent to one request; a statement never outlives its
/// connection's turn), so the per-call mutexes of the default serialized mode only cost time
/// (~9 % of loading a county's books). Once SQLite is initialised the mode cannot change; a
/// process that opened a connection some other way first keeps the serialized mode, which is
/// equally correct.
///
/// It also registers [`plan_stability`] for every connection opened from then on.
pub fn sqlite_multithread() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: `sqlite3_config` is called before any other SQLite function of this process
        // that goes through here, from one thread (the `Once`); when SQLite was initialised
        // already it answers SQLITE_MISUSE and changes nothing. `plan_stability` has the
        // signature SQLite calls an automatic extension with.
        unsafe {
            ffi::sqlite3_config(ffi::SQLITE_CONFIG_MULTITHREAD);
            ffi::sqlite3_auto_extension(Some(plan_stability));
        }
    });
}

/// Turns on the query planner stability guarantee (`SQLITE_DBCONFIG_ENABLE_QPSG`) of a new
/// connection. Without it SQLite 3.53 marks a statement as expired whenever the value bound to
/// its `LIMIT ?` (or a `LIKE ?` pattern) is bound again, and re-prepares it on the next step:
/// every diesel query with `.limit()` or `.first()` was compiled again on every execution (8 %
/// of the CPU of listing month pages). The plans no longer depend on the bound values, which
/// none of our queries needs (no `ANALYZE` statistics on SQLite).
unsafe extern "C" fn plan_stability(
    db: *mut ffi::sqlite3,
    _error: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: SQLite calls this with the connection it is opening; QPSG takes an int and an
    // optional out-pointer.
    unsafe {
        ffi::sqlite3_db_config(
            db,
            ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as c_int,
            std::ptr::null_mut::<c_int>(),
        );
    }
    ffi::SQLITE_OK
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;

    /// Runs `SELECT … LIMIT ?` twice with different limits on a fresh raw connection, after
    /// setting QPSG to `qpsg`, and answers how often SQLite re-prepared the statement.
    fn reprepares_of_a_rebound_limit(qpsg: c_int) -> c_int {
        sqlite_multithread();
        let path = CString::new(":memory:").unwrap();
        let sql = CString::new("SELECT 1 UNION ALL SELECT 2 LIMIT ?").unwrap();
        // SAFETY: a private connection and statement, finalized and closed before returning.
        unsafe {
            let mut db = std::ptr::null_mut();
            assert_eq!(ffi::sqlite3_open(path.as_ptr(), &mut db), ffi::SQLITE_OK);
            let mut on: c_int = -1;
            ffi::sqlite3_db_config(db, ffi::SQLITE_DBCONFIG_ENABLE_QPSG, -1 as c_int, &mut on);
            assert_eq!(on, 1, "every new connection starts with the guarantee on");
            ffi::sqlite3_db_config(
                db,
                ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
                qpsg,
                std::ptr::null_mut::<c_int>(),
            );
            let mut stmt = std::ptr::null_mut();
            let rc = ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut());
            assert_eq!(rc, ffi::SQLITE_OK);
            for limit in [1, 2] {
                ffi::sqlite3_reset(stmt);
                ffi::sqlite3_bind_int(stmt, 1, limit);
                while ffi::sqlite3_step(stmt) == ffi::SQLITE_ROW {}
            }
            let reprepares = ffi::sqlite3_stmt_status(stmt, ffi::SQLITE_STMTSTATUS_REPREPARE, 0);
            ffi::sqlite3_finalize(stmt);
            ffi::sqlite3_close(db);
            reprepares
        }
    }

    #[test]
    fn a_rebound_limit_does_not_recompile_the_statement() {
        assert_eq!(reprepares_of_a_rebound_limit(1), 0);
        // The reason for the setting: without it, each execution (each binding of the limit)
        // compiles the statement again.
        assert_eq!(reprepares_of_a_rebound_limit(0), 2);
    }
}
