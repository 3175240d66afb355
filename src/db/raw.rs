//! Bulk reads of a SQLite database straight through SQLite's C interface, for the one place
//! where decoding rows is the work: the cross-check's books, a county's every entry read at
//! once. diesel's row decoding (a `String` per text column, moved through a row struct) was a
//! fifth of the CPU of computing a county's flags; here a row's text is borrowed from SQLite
//! in place and copied once, into what the caller keeps.
//!
//! A [`RawReader`] is its own read-only connection (`PRAGMA query_only`) to the database file
//! the pool uses; it is opened per bulk read and used by one thread at a time (SQLite is in
//! multi-thread mode, [`super::sqlite_init`]). Only UTF-8 text and 64-bit integers are read, so
//! a text borrowed from a row stays valid until the statement steps again, which the borrow
//! checker enforces: a [`Row`] borrows its [`Statement`] mutably.

use std::ffi::{CStr, CString, c_int};
use std::marker::PhantomData;

use diesel::result::{DatabaseErrorKind, Error};
use libsqlite3_sys as ffi;

use super::sqlite_init::sqlite_multithread;

/// How long a bulk read waits for a lock (only a checkpoint in progress holds one against a
/// reader in WAL mode).
const BUSY_TIMEOUT_MS: c_int = 10_000;

fn failure(what: String) -> Error {
    Error::DatabaseError(DatabaseErrorKind::Unknown, Box::new(what))
}

/// A read-only connection of its own to a SQLite database file.
pub struct RawReader {
    db: *mut ffi::sqlite3,
}

impl RawReader {
    /// Opens `path` (a file name or a `file:` URI, as the pool opens it) for reading.
    pub fn open(path: &str) -> Result<Self, Error> {
        sqlite_multithread();
        let name = CString::new(path).map_err(|_| failure("a database path holds a NUL byte".into()))?;
        let mut db = std::ptr::null_mut();
        // SAFETY: `name` is a NUL-terminated string that outlives the call; `db` receives a
        // handle that is closed by `Drop` whatever `open` answers (SQLite hands one back on most
        // failures too).
        let rc = unsafe {
            ffi::sqlite3_open_v2(
                name.as_ptr(),
                &mut db,
                ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_URI,
                std::ptr::null(),
            )
        };
        let reader = RawReader { db };
        if rc != ffi::SQLITE_OK {
            return Err(reader.error("open"));
        }
        // SAFETY: an open connection.
        unsafe { ffi::sqlite3_busy_timeout(reader.db, BUSY_TIMEOUT_MS) };
        reader.execute("PRAGMA query_only = ON")?;
        Ok(reader)
    }

    /// The connection's last error, for `what`.
    fn error(&self, what: &str) -> Error {
        if self.db.is_null() {
            return failure(format!("{what}: SQLite is out of memory"));
        }
        // SAFETY: an open connection; the message is copied before anything else runs on it.
        let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.db)) };
        failure(format!("{what}: {}", message.to_string_lossy()))
    }

    fn execute(&self, sql: &str) -> Result<(), Error> {
        let mut statement = self.prepare(sql)?;
        while statement.step()?.is_some() {}
        Ok(())
    }

    /// Compiles one SQL statement.
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>, Error> {
        let mut stmt = std::ptr::null_mut();
        // SAFETY: `sql` and its length describe valid UTF-8 bytes for the call's duration;
        // `stmt` receives a statement finalized by `Statement`'s `Drop`.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(
                self.db,
                sql.as_ptr().cast(),
                sql.len() as c_int,
                &mut stmt,
                std::ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK || stmt.is_null() {
            return Err(self.error("prepare"));
        }
        Ok(Statement { stmt, reader: self })
    }
}

impl Drop for RawReader {
    fn drop(&mut self) {
        // SAFETY: every statement borrowed the reader and so was finalized before this runs;
        // closing a null handle is a no-op.
        unsafe { ffi::sqlite3_close(self.db) };
    }
}

/// A compiled statement of a [`RawReader`].
pub struct Statement<'r> {
    stmt: *mut ffi::sqlite3_stmt,
    reader: &'r RawReader,
}

impl Statement<'_> {
    /// Starts the statement over with no values bound.
    pub fn reset(&mut self) {
        // SAFETY: a live statement.
        unsafe {
            ffi::sqlite3_reset(self.stmt);
            ffi::sqlite3_clear_bindings(self.stmt);
        }
    }

    fn bound(&self, rc: c_int) -> Result<(), Error> {
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(self.reader.error("bind"))
        }
    }

    /// Binds the `index`th parameter (from 1) to a copy of `text`.
    pub fn bind_text(&mut self, index: c_int, text: &str) -> Result<(), Error> {
        // SAFETY: a live statement; SQLITE_TRANSIENT makes SQLite copy the bytes before the call
        // returns.
        let rc = unsafe {
            ffi::sqlite3_bind_text(
                self.stmt,
                index,
                text.as_ptr().cast(),
                text.len() as c_int,
                ffi::SQLITE_TRANSIENT(),
            )
        };
        self.bound(rc)
    }

    /// Binds the `index`th parameter (from 1) to `value`.
    pub fn bind_i64(&mut self, index: c_int, value: i64) -> Result<(), Error> {
        // SAFETY: a live statement.
        let rc = unsafe { ffi::sqlite3_bind_int64(self.stmt, index, value) };
        self.bound(rc)
    }

    /// The next row, or `None` once every row was read.
    pub fn step(&mut self) -> Result<Option<Row<'_>>, Error> {
        // SAFETY: a live statement, stepped by one thread (`&mut self`).
        match unsafe { ffi::sqlite3_step(self.stmt) } {
            ffi::SQLITE_ROW => Ok(Some(Row {
                stmt: self.stmt,
                _statement: PhantomData,
            })),
            ffi::SQLITE_DONE => Ok(None),
            _ => Err(self.reader.error("step")),
        }
    }
}

impl Drop for Statement<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement is finalized once, here.
        unsafe { ffi::sqlite3_finalize(self.stmt) };
    }
}

/// The current row of a [`Statement`]; what it lends is valid until the statement steps again.
pub struct Row<'s> {
    stmt: *mut ffi::sqlite3_stmt,
    _statement: PhantomData<&'s mut ()>,
}

impl Row<'_> {
    /// The `index`th column (from 0) as an integer (NULL reads as 0).
    pub fn i64(&self, index: c_int) -> i64 {
        // SAFETY: a statement positioned on a row; an index out of range answers 0.
        unsafe { ffi::sqlite3_column_int64(self.stmt, index) }
    }

    /// The `index`th column (from 0) as UTF-8 text, `None` when NULL; an error when its bytes
    /// are not UTF-8.
    #[inline]
    pub fn text(&self, index: c_int) -> Result<Option<&str>, Error> {
        // SAFETY: a statement positioned on a row. The text is asked for before its length, as
        // SQLite documents; the pointer stays valid until the statement steps, resets or is
        // finalized (each needs the `&mut Statement` this row borrows), since no column is ever
        // read here as UTF-16 or as a blob, the conversions that would free it.
        unsafe {
            let ptr = ffi::sqlite3_column_text(self.stmt, index);
            if ptr.is_null() {
                // NULL, unless SQLite ran out of memory converting the value.
                if ffi::sqlite3_errcode(ffi::sqlite3_db_handle(self.stmt)) == ffi::SQLITE_NOMEM {
                    return Err(failure(format!("column {index}: SQLite is out of memory")));
                }
                return Ok(None);
            }
            let len = ffi::sqlite3_column_bytes(self.stmt, index);
            let bytes = std::slice::from_raw_parts(ptr, len.max(0) as usize);
            std::str::from_utf8(bytes)
                .map(Some)
                .map_err(|_| failure(format!("column {index} holds text that is not UTF-8")))
        }
    }

    /// The `index`th column as text, an error when NULL.
    #[inline]
    pub fn str(&self, index: c_int) -> Result<&str, Error> {
        self.text(index)?
            .ok_or_else(|| failure(format!("column {index} is NULL")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_with_their_text_nulls_and_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        let path = path.to_str().unwrap();
        {
            use diesel::{Connection, RunQueryDsl, SqliteConnection, sql_query};
            let mut conn = SqliteConnection::establish(path).unwrap();
            sql_query("CREATE TABLE t (n INTEGER, s TEXT, o TEXT)")
                .execute(&mut conn)
                .unwrap();
            sql_query("INSERT INTO t VALUES (1, '祠堂', NULL), (2, 'b', 'x'), (3, '', 'y')")
                .execute(&mut conn)
                .unwrap();
        }
        let reader = RawReader::open(path).unwrap();
        let mut statement = reader
            .prepare("SELECT n, s, o FROM t WHERE n >= ?1 ORDER BY n")
            .unwrap();
        for from in [1, 2] {
            statement.reset();
            statement.bind_i64(1, from).unwrap();
            let mut seen = Vec::new();
            while let Some(row) = statement.step().unwrap() {
                seen.push((
                    row.i64(0),
                    row.str(1).unwrap().to_owned(),
                    row.text(2).unwrap().map(str::to_owned),
                ));
            }
            let all = [
                (1, "祠堂".to_owned(), None),
                (2, "b".to_owned(), Some("x".to_owned())),
                (3, String::new(), Some("y".to_owned())),
            ];
            assert_eq!(seen, all[(from - 1) as usize..]);
        }
        assert!(reader.prepare("SELECT nothing FROM nowhere").is_err());
        // A reader cannot write.
        assert!(reader.execute("INSERT INTO t VALUES (4, 'd', NULL)").is_err());
    }
}
