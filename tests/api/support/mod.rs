//! Test harness: the real app over a real SQLite file (or a PostgreSQL database of its own) in
//! a fresh temporary data dir, with a small county and one user of every role, called in process
//! through actix's test service; `server` starts the real binary and talks to it over TCP, `raw`
//! sends what no client would.

mod raw;
mod s3;
mod server;

pub use raw::RawRequest;
pub use s3::{S3Server, sha256_file};
pub use server::{Answer, get_bytes, http, run_cli, run_cli_env, send, start_server, start_server_env};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::test;
use serde_json::{Value, json};
use village_ledger::api::{State, build_app, load_state};
use village_ledger::auth::tokens::issue_access_token;
use village_ledger::auth::users::{NewUser, add_user};
use village_ledger::auth::{Caller, Role};
use village_ledger::config::Settings;
use village_ledger::db::DbConn;

/// Township 1 with villages 1A and 1B; township 2 with village 2A.
pub const T1: &str = "331022102000";
pub const T2: &str = "331022002000";
pub const V1A: &str = "331022102201";
pub const V1B: &str = "331022102202";
pub const V2A: &str = "331022002201";

pub const PASSWORD: &str = "test-password-2026";

/// A user every test app is seeded with, signed in with [`PASSWORD`].
pub struct SeededUser {
    pub username: &'static str,
    pub role: Role,
    /// A clerk's township.
    pub township: Option<&'static str>,
    /// A villager's village.
    pub village: Option<&'static str>,
    /// An inspector's home township (recused from inspecting it).
    pub home_township: Option<&'static str>,
    /// The body a discipline user works for (one of [`ADDRESSEES`]).
    pub addressee: Option<&'static str>,
}

/// The bodies every test app is seeded with: (id, name, kind, township).
pub const ADDRESSEES: [(&str, &str, &str, Option<&str>); 4] = [
    ("ad_t1_discipline", "珠岙镇纪委", "township_discipline", Some(T1)),
    ("ad_t1_station", "珠岙镇财务站", "station", Some(T1)),
    ("ad_county", "县纪委监委", "county_discipline", None),
    ("ad_police", "县公安局", "police", None),
];

/// One user of every role: an admin, a clerk of each township, a villager of 1A, an
/// inspector from township 2, and discipline users of township 1's office and of the county's
/// commission.
pub const SEEDED_USERS: [SeededUser; 7] = [
    seeded("admin", Role::Admin, None, None, None),
    seeded("clerk1", Role::Clerk, Some(T1), None, None),
    seeded("clerk2", Role::Clerk, Some(T2), None, None),
    seeded("villager1a", Role::Villager, None, Some(V1A), None),
    seeded("inspector", Role::Inspector, None, None, Some(T2)),
    discipline("discipline1", Some(T1), "ad_t1_discipline"),
    discipline("discipline-county", None, "ad_county"),
];

const fn discipline(username: &'static str, township: Option<&'static str>, addressee: &'static str) -> SeededUser {
    SeededUser {
        username,
        role: Role::Discipline,
        township,
        village: None,
        home_township: None,
        addressee: Some(addressee),
    }
}

const fn seeded(
    username: &'static str,
    role: Role,
    township: Option<&'static str>,
    village: Option<&'static str>,
    home_township: Option<&'static str>,
) -> SeededUser {
    SeededUser {
        username,
        role,
        township,
        village,
        home_township,
        addressee: None,
    }
}

pub struct TestApp {
    pub dir: tempfile::TempDir,
    pub state: State,
    /// The PostgreSQL database made for this test, dropped with it.
    pg_database: Option<String>,
}

/// Where the PostgreSQL tests connect to create their databases.
fn postgres_admin_url() -> String {
    std::env::var("VL_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestApp {
    /// The app over a fresh SQLite file.
    pub async fn new() -> Self {
        Self::with_settings(|_| {}).await
    }

    pub async fn with_settings(adjust: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::for_data_dir(dir.path());
        adjust(&mut settings);
        let state = load_state(settings).expect("state");
        let app = TestApp {
            dir,
            state,
            pg_database: None,
        };
        app.seed();
        app
    }

    /// The app over a fresh PostgreSQL database of its own, or `None` (reported as skipped)
    /// when no server is reachable. Under `CI=true` an unreachable server fails the test.
    pub async fn postgres() -> Option<Self> {
        let app = Self::postgres_empty().await?;
        app.seed();
        Some(app)
    }

    /// [`TestApp::postgres`] with `adjust` applied to the settings.
    pub async fn postgres_with(adjust: impl FnOnce(&mut Settings)) -> Option<Self> {
        let app = Self::postgres_empty_with(adjust).await?;
        app.seed();
        Some(app)
    }

    /// Like [`TestApp::postgres`], without the seeded county and users.
    pub async fn postgres_empty() -> Option<Self> {
        Self::postgres_empty_with(|_| {}).await
    }

    async fn postgres_empty_with(adjust: impl FnOnce(&mut Settings)) -> Option<Self> {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let admin_url = postgres_admin_url();
        let mut admin = match diesel::PgConnection::establish(&admin_url) {
            Ok(conn) => conn,
            Err(e) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("CI=true but PostgreSQL at {admin_url} is unreachable: {e}");
                }
                eprintln!("SKIPPED: PostgreSQL at {admin_url} is unreachable ({e})");
                return None;
            }
        };
        let name = format!(
            "vl_test_{}",
            village_ledger::domain::ids::new_id("db").trim_start_matches("db_")
        );
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let url = match admin_url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("VL_TEST_POSTGRES_URL must end in /DATABASE"),
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::for_data_dir(dir.path());
        settings.database_url = Some(url);
        settings.pool_size = 4;
        adjust(&mut settings);
        let state = load_state(settings).expect("state");
        Some(TestApp {
            dir,
            state,
            pg_database: Some(name),
        })
    }

    pub fn conn(&self) -> village_ledger::db::PooledConn {
        self.state.pool.get().expect("connection")
    }

    fn seed(&self) {
        let mut conn = self.conn();
        let c: &mut DbConn = &mut conn;
        use diesel::connection::SimpleConnection;
        c.batch_execute(&format!(
            "INSERT INTO townships (code, name) VALUES ('{T1}', '珠岙镇'), ('{T2}', '海润街道');
             INSERT INTO villages (code, township_code, name, opening_date, opening_cash_fen, opening_bank_fen, ledger_version) VALUES
               ('{V1A}', '{T1}', '坎头村', '2022-01-01', 1000000, 50000000, 0),
               ('{V1B}', '{T1}', '马山村', '2022-01-01', 200000, 10000000, 0),
               ('{V2A}', '{T2}', '头岙村', '2022-01-01', 300000, 20000000, 0);"
        ))
        .expect("seed county");
        for (id, name, kind, township) in ADDRESSEES {
            let township = township.map_or("NULL".to_owned(), |t| format!("'{t}'"));
            c.batch_execute(&format!(
                "INSERT INTO addressees (id, name, kind, township_code, created_by, created_at)
                 VALUES ('{id}', '{name}', '{kind}', {township}, 'admin', '2024-01-01 00:00:00')"
            ))
            .expect("seed addressee");
        }
        for user in &SEEDED_USERS {
            add_user(
                c,
                NewUser {
                    username: user.username.into(),
                    role: user.role,
                    // A discipline user's township comes from their body.
                    township: user.township.filter(|_| user.role != Role::Discipline).map(Into::into),
                    village: user.village.map(Into::into),
                    home_township: user.home_township.map(Into::into),
                    home_village: None,
                    addressee: user.addressee.map(Into::into),
                },
                PASSWORD,
            )
            .expect("seed user");
        }
    }

    /// A valid access token for a seeded user, signed by the app's own keyring.
    pub fn token(&self, username: &str) -> String {
        let user = SEEDED_USERS
            .iter()
            .find(|u| u.username == username)
            .unwrap_or_else(|| panic!("no seeded user {username}"));
        let caller = Caller {
            username: username.into(),
            role: user.role,
            village: user.village.map(Into::into),
            township: user.township.map(Into::into),
        };
        issue_access_token(&self.state.keys, &self.state.tokens, &caller).expect("token")
    }

    /// Calls the app; the tests read the English texts unless a request names its language
    /// (`language::` checks both, and the Chinese default).
    pub async fn call(&self, req: test::TestRequest) -> Resp {
        use actix_web::HttpMessage;
        let mut req = req.to_request();
        if !req.headers().contains_key(header::ACCEPT_LANGUAGE) {
            req.headers_mut()
                .insert(header::ACCEPT_LANGUAGE, header::HeaderValue::from_static("en"));
        }
        let app = test::init_service(build_app(self.state.clone())).await;
        Resp::read(app.call(req).await.expect("service call")).await
    }

    /// Calls the app with the request exactly as built (no language added).
    pub async fn call_as_is(&self, req: test::TestRequest) -> Resp {
        let app = test::init_service(build_app(self.state.clone())).await;
        Resp::read(app.call(req.to_request()).await.expect("service call")).await
    }

    pub async fn get(&self, user: &str, uri: &str) -> Resp {
        self.call(
            test::TestRequest::get()
                .uri(uri)
                .insert_header(bearer(&self.token(user))),
        )
        .await
    }

    pub async fn post(&self, user: &str, uri: &str, body: Value) -> Resp {
        self.call(
            test::TestRequest::post()
                .uri(uri)
                .insert_header(bearer(&self.token(user)))
                .set_json(body),
        )
        .await
    }

    pub async fn request(&self, method: Method, user: Option<&str>, uri: &str, body: Option<Value>) -> Resp {
        let mut req = test::TestRequest::default().method(method).uri(uri);
        if let Some(user) = user {
            req = req.insert_header(bearer(&self.token(user)));
        }
        if let Some(body) = body {
            req = req.set_json(body);
        }
        self.call(req).await
    }

    /// Posts an entry as clerk1 into `village`; panics unless it was created.
    pub async fn post_entry(&self, village: &str, body: Value) -> Value {
        let res = self
            .post("clerk1", &format!("/api/v1/villages/{village}/entries"), body)
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        res.json()
    }

    pub fn count(&self, table: &str) -> i64 {
        use diesel::prelude::*;
        use diesel::sql_types::BigInt;
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let mut conn = self.conn();
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<N>(&mut *conn)
            .expect("count")
            .n
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        if let Some(name) = self.pg_database.take()
            && let Ok(mut admin) = diesel::PgConnection::establish(&postgres_admin_url())
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Runs each listed `async fn NAME(app: TestApp)` once over SQLite (`sqlite::NAME`) and once
/// over PostgreSQL (`postgres::NAME`), from the same source.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name(crate::support::TestApp::new().await).await
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    if let Some(app) = crate::support::TestApp::postgres().await {
                        super::$name(app).await
                    }
                }
            )*
        }
    };
}

pub fn bearer(token: &str) -> (header::HeaderName, String) {
    (header::AUTHORIZATION, format!("Bearer {token}"))
}

/// A response read into memory.
pub struct Resp {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub async fn read<B: MessageBody>(res: ServiceResponse<B>) -> Self {
        let status = res.status();
        let headers = res.headers().clone();
        let body = test::read_body(res).await.to_vec();
        Resp { status, headers, body }
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    /// Asserts an RFC 9457 problem document with `status` and returns it.
    pub fn assert_problem(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{}",
            self.text()
        );
        let p = self.json();
        assert!(
            p["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("urn:village-ledger:problem:")),
            "{p}"
        );
        assert!(p["title"].is_string(), "{p}");
        assert_eq!(p["status"], json!(status), "{p}");
        assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()), "{p}");
        p
    }
}

/// A valid expense entry body for 2024 (2023 chart: 513 管理费用, paid in cash).
pub fn expense(voucher: &str, date: &str, fen: i64) -> Value {
    json!({
        "voucher_no": voucher,
        "occurred_on": date,
        "direction": "expense",
        "amount_fen": fen,
        "account_code": "513",
        "settlement_account_code": "101",
        "counterparty": "王小平",
        "description": "付村祠堂传送瓦片人工费",
        "project": "祠堂翻修工程"
    })
}

/// A valid income entry body for 2024 (503 补助收入, into the bank).
pub fn income(voucher: &str, date: &str, fen: i64) -> Value {
    json!({
        "voucher_no": voucher,
        "occurred_on": date,
        "direction": "income",
        "amount_fen": fen,
        "account_code": "503",
        "settlement_account_code": "102",
        "counterparty": "珠岙镇财政所",
        "description": "收村级组织运转经费补助",
        "fund_source": "村级组织运转经费"
    })
}

impl TestApp {
    /// The database URL of this test's app, for starting server processes on it.
    pub fn database_url(&self) -> String {
        let settings = &self.state.settings;
        settings
            .database_url
            .clone()
            .unwrap_or_else(|| settings.data_dir.join("ledger.db").display().to_string())
    }
}

/// The boundary of the multipart bodies the tests send.
pub const BOUNDARY: &str = "----village-ledger-test-boundary";

/// A multipart body with one part `file` holding `bytes`.
pub fn multipart(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Uploads `bytes` as a receipt scan of `entry`, as `user`.
pub async fn upload_receipt(app: &TestApp, user: &str, entry: &str, name: &str, bytes: &[u8]) -> Resp {
    app.call(
        test::TestRequest::post()
            .uri(&format!("/api/v1/entries/{entry}/receipts"))
            .insert_header(bearer(&app.token(user)))
            .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
            .set_payload(multipart(name, bytes)),
    )
    .await
}
