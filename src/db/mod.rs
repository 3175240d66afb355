//! Database access: one connection type over SQLite and PostgreSQL, its pool, the per-connection
//! SQLite settings, the embedded migrations, and the write transaction every write goes through.
//!
//! The backend is chosen from the database URL: `postgres://…` or `postgresql://…` selects
//! PostgreSQL; `sqlite://PATH`, `file:PATH` or a plain path selects SQLite.

pub mod changes;
pub mod copy;
pub mod raw;
pub mod recent;
pub mod schema;
mod sqlite_init;
pub mod types;

pub use sqlite_init::sqlite_multithread;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// How long a SQLite connection waits for the write lock before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;

/// One database connection, SQLite or PostgreSQL.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// Which backend a URL names, and how to reach it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(String),
    Postgres(String),
}

impl DbUrl {
    pub fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DbUrl::Postgres(url.to_owned())
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            DbUrl::Sqlite(path.to_owned())
        } else {
            DbUrl::Sqlite(url.to_owned())
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DbUrl::Sqlite(_))
    }
}

/// Opens connections of the backend its URL names, with the settings that backend needs.
#[derive(Clone, Debug)]
pub struct DbManager {
    url: DbUrl,
}

impl ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match &self.url {
            DbUrl::Sqlite(path) => {
                sqlite_multithread();
                let mut conn = SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
            DbUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Pg)
                .map_err(r2d2::Error::ConnectionError),
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.is_broken()
    }
}

pub type DbPool = r2d2::Pool<DbManager>;
pub type PooledConn = r2d2::PooledConnection<DbManager>;

/// Opens a pool on `url` and applies pending migrations.
pub fn connect(url: &DbUrl, size: u32) -> Result<DbPool, StartupError> {
    let pool = r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        // A SQLite connection (a file) is not tried with a query each time it is lent; a
        // PostgreSQL one is, since one whose server went away would otherwise stay in the pool.
        .test_on_check_out(!url.is_sqlite())
        .connection_timeout(Duration::from_secs(10))
        .build(DbManager { url: url.clone() })
        .map_err(StartupError::Open)?;
    let mut conn = pool.get().map_err(StartupError::Open)?;
    migrate(&mut conn)?;
    Ok(pool)
}

/// One connection to `url` as the database is, without applying migrations (a backup reads a
/// live database that its server migrated).
pub fn open_unmigrated(url: &DbUrl) -> Result<DbConn, r2d2::Error> {
    DbManager { url: url.clone() }.connect()
}

/// A SQLite connection to `url` that can only read (`PRAGMA query_only`), for the short reads
/// answered on the HTTP worker threads, told `pragmas` besides.
pub fn open_reader(url: &DbUrl, pragmas: &str) -> Result<DbConn, r2d2::Error> {
    let mut conn = DbManager { url: url.clone() }.connect()?;
    conn.batch_execute(&format!("PRAGMA query_only = ON; {pragmas}"))
        .map_err(r2d2::Error::QueryError)?;
    Ok(conn)
}

/// Applies every pending migration of the connection's backend.
pub fn migrate(conn: &mut DbConn) -> Result<usize, StartupError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
    };
    applied.map_err(StartupError::Migrate)
}

/// Whether every embedded migration has been applied.
pub fn migrations_applied(conn: &mut DbConn) -> bool {
    let pending = match conn {
        DbConn::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
        DbConn::Pg(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
    };
    matches!(pending, Ok(false))
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    // The cause is part of the text (callers above show only the text), not a source.
    #[error("cannot open the database: {0}")]
    Open(r2d2::PoolError),
    #[error("cannot apply migrations: {0}")]
    Migrate(Box<dyn std::error::Error + Send + Sync>),
}

/// Runs `f` in a write transaction: `BEGIN IMMEDIATE` on SQLite, so the one writer lock is
/// taken before the first read and a transaction never fails half-way on a lock upgrade.
/// Commits when `f` returns `Ok`, rolls back otherwise.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    type Tm = <DbConn as Connection>::TransactionManager;
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(_) => Tm::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => {
            Tm::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            // The caller's error is the one worth reporting; a failed rollback marks the
            // connection broken and the pool discards it.
            let _ = Tm::rollback_transaction(conn);
            Err(e)
        }
    }
}

/// `Some(constraint name)` when `e` is a unique-index violation (SQLite names no constraint):
/// the services turn it into their typed unique-violation error, the retry signal of a write
/// that raced another.
pub fn unique_violation(e: &diesel::result::Error) -> Option<Option<String>> {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            Some(info.constraint_name().map(str::to_owned))
        }
        _ => None,
    }
}
