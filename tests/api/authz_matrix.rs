//! The authorization matrix: every (method, path) of the app's own OpenAPI document, run for
//! every role with an in-scope and an out-of-scope object, against the status the table expects.
//! A route in the document that the table does not know fails the test, so no new route can
//! escape it; so does a table row for a route the document no longer has. Runs over SQLite and
//! over PostgreSQL.

use std::cell::Cell;
use std::collections::BTreeSet;

use crate::support::*;
use actix_web::http::Method;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use village_ledger::api::today;
use village_ledger::auth::tokens::issue_access_token;
use village_ledger::auth::users::{NewUser, add_user, disable_user};
use village_ledger::auth::{Caller, Role};

/// Who calls. The last three carry no valid identity and are expected to answer alike.
#[derive(Clone, Copy, Debug)]
enum Who {
    Admin,
    Clerk1,
    Villager1a,
    /// Assigned to an open round over T1 (home township T2).
    Inspector,
    /// Works for township 1's discipline office.
    Discipline1,
    Anonymous,
    /// An unsigned `alg: none` token claiming to be an admin.
    Forged,
    /// A clerk of T1 whose account was disabled after the token was issued.
    Disabled,
}

const EVERYONE: [Who; 8] = [
    Who::Admin,
    Who::Clerk1,
    Who::Villager1a,
    Who::Inspector,
    Who::Discipline1,
    Who::Anonymous,
    Who::Forged,
    Who::Disabled,
];

/// What the setup created, and a counter for unique request bodies.
struct Fx {
    app: TestApp,
    entry_v1a: String,
    entry_v2a: String,
    reversible_v1a: String,
    reversible_v2a: String,
    own_round: String,
    other_round: String,
    /// The size of the transparency log's latest signed checkpoint.
    checkpoint_size: u64,
    receipt_v1a: String,
    receipt_v2a: String,
    forged: String,
    disabled: String,
    serial: Cell<u32>,
    // -- Part T (referral tickets): tickets on the findings of Part F (own round in V1A, other
    // round in V2A): one to read (V1A, township 1's discipline office), one issued and one
    // received for that office to receive and conclude, and one to the police (V2A).
    finding_v1a: String,
    finding_v2a: String,
    ticket_v1a: String,
    ticket_v2a: String,
    ticket_to_receive: String,
    ticket_to_conclude: String,
    // -- questions and reports (part Q): questions of villager1a in V1A (one with a photo,
    // one answered by clerk1, one open) and one of clerk2 in V2A with a photo --
    question_v1a: String,
    answered_v1a: String,
    open_v1a: String,
    question_v2a: String,
    // -- Part F (checklists, findings): a finding of each round, a follow-up round of each --
    finding_own: String,
    finding_other: String,
    follow_own: String,
    follow_other: String,
}

impl Fx {
    fn next(&self) -> u32 {
        let n = self.serial.get() + 1;
        self.serial.set(n);
        n
    }

    fn token(&self, who: Who) -> Option<String> {
        match who {
            Who::Admin => Some(self.app.token("admin")),
            Who::Clerk1 => Some(self.app.token("clerk1")),
            Who::Villager1a => Some(self.app.token("villager1a")),
            Who::Inspector => Some(self.app.token("inspector")),
            Who::Discipline1 => Some(self.app.token("discipline1")),
            Who::Anonymous => None,
            Who::Forged => Some(self.forged.clone()),
            Who::Disabled => Some(self.disabled.clone()),
        }
    }
}

/// One request: the URI with its path parameters filled in, and the JSON body or a raw
/// multipart body, if any.
struct Call {
    uri: String,
    body: Option<Value>,
    upload: Option<Vec<u8>>,
}

fn call(uri: impl Into<String>) -> Call {
    Call {
        uri: uri.into(),
        body: None,
        upload: None,
    }
}

fn call_with(uri: impl Into<String>, body: Value) -> Call {
    Call {
        uri: uri.into(),
        body: Some(body),
        upload: None,
    }
}

const BOUNDARY: &str = "matrix-boundary";

/// A multipart upload of a receipt fixture as the part `file`.
fn call_upload(uri: impl Into<String>, fixture: &str) -> Call {
    let bytes = std::fs::read(format!("{}/receipts-fixtures/{fixture}", env!("CARGO_MANIFEST_DIR"))).expect("fixture");
    let mut body =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{fixture}\"\r\n\r\n")
            .into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Call {
        uri: uri.into(),
        body: None,
        upload: Some(body),
    }
}

// import and export (issue 19)
/// A multipart upload of a one-row CSV of books as the part `file`.
fn call_import(uri: impl Into<String>) -> Call {
    let csv =
        "凭证号,日期,方向,科目,结算科目,金额,对方单位,摘要\n矩阵-1,2024-04-10,支出,513,101,10.00,王小平,付人工费\n";
    let mut body =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"books.csv\"\r\n\r\n")
            .into_bytes();
    body.extend_from_slice(csv.as_bytes());
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Call {
        uri: uri.into(),
        body: None,
        upload: Some(body),
    }
}

/// Expected statuses, (in scope, out of scope), for admin, clerk1, villager1a, inspector,
/// discipline1, and for the callers without a valid identity (anonymous, forged token,
/// disabled account).
struct Expect {
    admin: (u16, u16),
    clerk: (u16, u16),
    villager: (u16, u16),
    inspector: (u16, u16),
    discipline: (u16, u16),
    nobody: (u16, u16),
}

impl Expect {
    fn of(&self, who: Who) -> (u16, u16) {
        match who {
            Who::Admin => self.admin,
            Who::Clerk1 => self.clerk,
            Who::Villager1a => self.villager,
            Who::Inspector => self.inspector,
            Who::Discipline1 => self.discipline,
            Who::Anonymous | Who::Forged | Who::Disabled => self.nobody,
        }
    }
}

/// Every caller gets the same answer.
const fn all(in_scope: u16, out_of_scope: u16) -> Expect {
    Expect {
        admin: (in_scope, out_of_scope),
        clerk: (in_scope, out_of_scope),
        villager: (in_scope, out_of_scope),
        inspector: (in_scope, out_of_scope),
        discipline: (in_scope, out_of_scope),
        nobody: (in_scope, out_of_scope),
    }
}

/// A scoped read: admins see both objects, the others the in-scope one only.
const SCOPED_READ: Expect = Expect {
    admin: (200, 200),
    clerk: (200, 404),
    villager: (200, 404),
    inspector: (200, 404),
    discipline: (200, 404),
    nobody: (401, 401),
};

/// A ledger write: clerks of the township only; every other role lacks the function.
const fn ledger_write(created: u16) -> Expect {
    Expect {
        admin: (403, 403),
        clerk: (created, 404),
        villager: (403, 403),
        inspector: (403, 403),
        discipline: (403, 403),
        nobody: (401, 401),
    }
}

/// Admins only, with their own answer for the two objects.
const fn admin_only(admin: (u16, u16)) -> Expect {
    Expect {
        admin,
        clerk: (403, 403),
        villager: (403, 403),
        inspector: (403, 403),
        discipline: (403, 403),
        nobody: (401, 401),
    }
}

/// Readable by every signed-in caller, the same for both objects.
const SIGNED_IN: Expect = Expect {
    admin: (200, 200),
    clerk: (200, 200),
    villager: (200, 200),
    inspector: (200, 200),
    discipline: (200, 200),
    nobody: (401, 401),
};

/// Acts of an item's asker (villager1a in V1A): readers who did not ask are refused 403,
/// callers who cannot read the item get 404.
const ASKER_ONLY: Expect = Expect {
    admin: (403, 403),
    clerk: (403, 404),
    villager: (200, 404),
    inspector: (403, 404),
    discipline: (403, 404),
    nobody: (401, 401),
};

/// Admins and inspectors.
const fn oversight(inspector: (u16, u16)) -> Expect {
    Expect {
        admin: (200, 200),
        clerk: (403, 403),
        villager: (403, 403),
        inspector,
        discipline: (403, 403),
        nobody: (401, 401),
    }
}

// -- Part F (checklists, findings): expectations --

/// The work of a round's inspectors: theirs in scope, another round missing; admins get
/// `admin`; every other role lacks the function.
const fn round_inspectors_only(inspector: (u16, u16), admin: (u16, u16)) -> Expect {
    Expect {
        admin,
        clerk: (403, 403),
        villager: (403, 403),
        inspector,
        discipline: (403, 403),
        nobody: (401, 401),
    }
}

/// A finding: admins, its round's inspectors, staff whose scope reads its village; villagers
/// only once it is published (neither is).
const FINDING_READ: Expect = Expect {
    admin: (200, 200),
    clerk: (200, 404),
    villager: (404, 404),
    inspector: (200, 404),
    discipline: (200, 404),
    nobody: (401, 401),
};

/// Accepting or reopening rectification: admins and the round's inspectors.
const RECTIFICATION_JUDGE: Expect = Expect {
    admin: (200, 200),
    clerk: (403, 403),
    villager: (403, 403),
    inspector: (409, 404),
    discipline: (403, 403),
    nobody: (401, 401),
};

fn matrix_finding(village: &str) -> Value {
    json!({
        "village": village,
        "checklist_item": "A-01",
        "description": "矩阵问题",
        "amount_fen": 100,
        "requires_rectification": true,
        "rectify_by": (today() + chrono::Duration::days(30)).to_string(),
    })
}

/// Part T: reading a referral ticket (villagers never; clerks act for their station only).
const TICKET_READ: Expect = Expect {
    admin: (200, 200),
    clerk: (404, 404),
    villager: (403, 403),
    inspector: (200, 404),
    discipline: (200, 404),
    nobody: (401, 401),
};

/// Part T: receiving and concluding, by who acts for the addressee only.
const TICKET_ACT: Expect = Expect {
    admin: (403, 403),
    clerk: (404, 404),
    villager: (403, 403),
    inspector: (403, 403),
    discipline: (200, 404),
    nobody: (401, 401),
};

struct Row {
    method: Method,
    path: &'static str,
    /// The request for an in-scope (`true`) or out-of-scope (`false`) object.
    fill: fn(&Fx, bool) -> Call,
    expect: Expect,
}

/// The cross-check: everyone who checks the books, inside their scope; villagers never.
const CROSSCHECK: Expect = Expect {
    admin: (200, 200),
    clerk: (200, 404),
    villager: (403, 403),
    inspector: (200, 404),
    discipline: (200, 404),
    nobody: (401, 401),
};

fn village(inside: bool) -> &'static str {
    if inside { V1A } else { V2A }
}

fn round_body(inspector: &str, township: &str) -> Value {
    let day = today();
    json!({
        "name": "矩阵巡察",
        "inspectors": [inspector],
        "townships": [township],
        "starts_on": (day - chrono::Duration::days(1)).to_string(),
        "ends_on": (day + chrono::Duration::days(30)).to_string(),
    })
}

fn table() -> Vec<Row> {
    vec![
        // import and export (issue 19)
        Row {
            method: Method::POST,
            path: "/api/v1/villages/{code}/imports",
            fill: |_, inside| call_import(format!("/api/v1/villages/{}/imports?dry_run=true", village(inside))),
            expect: ledger_write(200),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/villages/{code}/export",
            fill: |_, inside| call(format!("/api/v1/villages/{}/export?format=csv", village(inside))),
            expect: SCOPED_READ,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/townships/{code}/export",
            fill: |_, inside| {
                call(format!(
                    "/api/v1/townships/{}/export?format=csv",
                    if inside { T1 } else { T2 }
                ))
            },
            expect: SCOPED_READ,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/export",
            fill: |_, _| call("/api/v1/export?format=journal"),
            expect: Expect {
                nobody: (401, 401),
                ..all(200, 200)
            },
        },
        Row {
            method: Method::GET,
            path: "/healthz",
            fill: |_, _| call("/healthz"),
            expect: all(200, 200),
        },
        // Counters only, but not for the public: admins on this address; Prometheus scrapes
        // the operators' address (VL_METRICS_BIND) instead.
        Row {
            method: Method::GET,
            path: "/metrics",
            fill: |_, _| call("/metrics"),
            expect: admin_only((200, 200)),
        },
        Row {
            method: Method::GET,
            path: "/readyz",
            fill: |_, _| call("/readyz"),
            expect: all(200, 200),
        },
        // Sign-in needs no token: a right password signs in, a malformed body is a 400.
        Row {
            method: Method::POST,
            path: "/api/v1/auth/token",
            fill: |_, inside| {
                if inside {
                    call_with(
                        "/api/v1/auth/token",
                        json!({"username": "villager1a", "password": PASSWORD}),
                    )
                } else {
                    call_with("/api/v1/auth/token", json!({"username": "villager1a"}))
                }
            },
            expect: all(200, 400),
        },
        // A fresh refresh token works for anyone holding it; an unknown one is a 401.
        Row {
            method: Method::POST,
            path: "/api/v1/auth/refresh",
            fill: |fx, inside| {
                if inside {
                    call_with(
                        "/api/v1/auth/refresh",
                        json!({"refresh_token": fresh_refresh_token(fx)}),
                    )
                } else {
                    call_with("/api/v1/auth/refresh", json!({"refresh_token": "rt_unknown-token"}))
                }
            },
            expect: all(200, 401),
        },
        // web: signing out needs no access token (a phone away for weeks still signs out); a
        // live refresh token is revoked (204), a malformed body is a 400.
        Row {
            method: Method::POST,
            path: "/api/v1/auth/logout",
            fill: |fx, inside| {
                if inside {
                    call_with("/api/v1/auth/logout", json!({"refresh_token": fresh_refresh_token(fx)}))
                } else {
                    call_with("/api/v1/auth/logout", json!({"token": "rt_unknown-token"}))
                }
            },
            expect: all(204, 400),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/townships",
            fill: |_, _| call("/api/v1/townships"),
            expect: SIGNED_IN,
        },
        // Creating townships and villages: admins only; for them the "out of scope" body names
        // one that exists already.
        Row {
            method: Method::POST,
            path: "/api/v1/townships",
            fill: |fx, inside| {
                let body = if inside {
                    let n = fx.next();
                    json!({"code": format!("331022{:03}000", 300 + n), "name": format!("新设镇{n}")})
                } else {
                    json!({"code": T1, "name": "珠岙镇"})
                };
                call_with("/api/v1/townships", body)
            },
            expect: admin_only((201, 409)),
        },
        Row {
            method: Method::POST,
            path: "/api/v1/villages",
            fill: |fx, inside| {
                let code = if inside {
                    format!("331022102{:03}", 300 + fx.next())
                } else {
                    V1B.to_owned()
                };
                call_with(
                    "/api/v1/villages",
                    json!({
                        "code": code, "township_code": T1, "name": "新设村",
                        "opening_date": "2024-01-01", "opening_cash_fen": 0, "opening_bank_fen": 0
                    }),
                )
            },
            expect: admin_only((201, 409)),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/townships/{code}/villages",
            fill: |_, inside| call(format!("/api/v1/townships/{}/villages", if inside { T1 } else { T2 })),
            expect: SCOPED_READ,
        },
        // Summaries of a township and of the caller's whole scope (monthly aggregates).
        Row {
            method: Method::GET,
            path: "/api/v1/townships/{code}/summary",
            fill: |_, inside| {
                call(format!(
                    "/api/v1/townships/{}/summary?year=2024",
                    if inside { T1 } else { T2 }
                ))
            },
            expect: SCOPED_READ,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/summary",
            fill: |_, _| call("/api/v1/summary?year=2024"),
            expect: SIGNED_IN,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/villages/{code}",
            fill: |_, inside| call(format!("/api/v1/villages/{}", village(inside))),
            expect: SCOPED_READ,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/villages/{code}/summary",
            fill: |_, inside| call(format!("/api/v1/villages/{}/summary?year=2024", village(inside))),
            expect: SCOPED_READ,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/villages/{code}/entries",
            fill: |_, inside| call(format!("/api/v1/villages/{}/entries", village(inside))),
            expect: SCOPED_READ,
        },
        Row {
            method: Method::POST,
            path: "/api/v1/villages/{code}/entries",
            fill: |fx, inside| {
                let n = fx.next();
                call_with(
                    format!("/api/v1/villages/{}/entries", village(inside)),
                    expense(&format!("M-{n:04}"), "2024-04-10", 1000 + i64::from(n)),
                )
            },
            expect: ledger_write(201),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/villages/{code}/tenders",
            fill: |_, inside| call(format!("/api/v1/villages/{}/tenders", village(inside))),
            expect: SCOPED_READ,
        },
        Row {
            method: Method::POST,
            path: "/api/v1/villages/{code}/tenders",
            fill: |fx, inside| {
                let n = fx.next();
                call_with(
                    format!("/api/v1/villages/{}/tenders", village(inside)),
                    json!({
                        "reference": format!("SMZB-M-{n:04}"), "project": "村道硬化工程",
                        "winner": "三门县路桥建设有限公司", "amount_fen": 9_800_000, "awarded_on": "2024-06-20"
                    }),
                )
            },
            expect: ledger_write(201),
        },
        Row {
            method: Method::POST,
            path: "/api/v1/villages/{code}/periods/{period}/close",
            fill: |_, inside| call(format!("/api/v1/villages/{}/periods/2024-02/close", village(inside))),
            expect: ledger_write(201),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/entries/{id}",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/entries/{}",
                    if inside { &fx.entry_v1a } else { &fx.entry_v2a }
                ))
            },
            expect: SCOPED_READ,
        },
        Row {
            method: Method::POST,
            path: "/api/v1/entries/{id}/reversal",
            fill: |fx, inside| {
                call_with(
                    format!(
                        "/api/v1/entries/{}/reversal",
                        if inside { &fx.reversible_v1a } else { &fx.reversible_v2a }
                    ),
                    json!({"reason": "记错科目,红字冲销"}),
                )
            },
            expect: ledger_write(201),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/accounts",
            fill: |_, _| call("/api/v1/accounts?year=2024"),
            expect: SIGNED_IN,
        },
        // Creating rounds: admins only; for them the "out of scope" body is a recusal conflict.
        Row {
            method: Method::POST,
            path: "/api/v1/inspections",
            fill: |_, inside| {
                call_with(
                    "/api/v1/inspections",
                    round_body("inspector", if inside { T1 } else { T2 }),
                )
            },
            expect: admin_only((201, 409)),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/inspections",
            fill: |_, _| call("/api/v1/inspections"),
            expect: oversight((200, 200)),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/inspections/{id}",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/inspections/{}",
                    if inside { &fx.own_round } else { &fx.other_round }
                ))
            },
            expect: oversight((200, 404)),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/users",
            fill: |_, _| call("/api/v1/users"),
            expect: admin_only((200, 200)),
        },
        // For admins the "out of scope" user is one that exists already.
        Row {
            method: Method::POST,
            path: "/api/v1/users",
            fill: |fx, inside| {
                let username = if inside {
                    format!("clerk-new-{}", fx.next())
                } else {
                    "clerk2".into()
                };
                call_with(
                    "/api/v1/users",
                    json!({"username": username, "role": "clerk", "township": T1}),
                )
            },
            expect: admin_only((201, 409)),
        },
        // For admins the "out of scope" user is one that does not exist.
        Row {
            method: Method::POST,
            path: "/api/v1/users/{username}/disable",
            fill: |_, inside| {
                call(format!(
                    "/api/v1/users/{}/disable",
                    if inside { "villager-victim" } else { "nobody-at-all" }
                ))
            },
            expect: admin_only((200, 404)),
        },
        // The transparency log: checkpoints, the verifier key and consistency proofs are public
        // (they name no village); inclusion proofs and closed months follow the scope.
        Row {
            method: Method::GET,
            path: "/api/v1/log/checkpoint",
            fill: |_, _| call("/api/v1/log/checkpoint"),
            expect: all(200, 200),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/log/key",
            fill: |_, _| call("/api/v1/log/key"),
            expect: all(200, 200),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/log/consistency",
            fill: |_, inside| call(format!("/api/v1/log/consistency?from={}", if inside { 1 } else { 0 })),
            expect: all(200, 422),
        },
        Row {
            method: Method::POST,
            path: "/api/v1/entries/{id}/receipts",
            fill: |fx, inside| {
                call_upload(
                    format!(
                        "/api/v1/entries/{}/receipts",
                        if inside { &fx.entry_v1a } else { &fx.entry_v2a }
                    ),
                    "scan.tiff",
                )
            },
            expect: ledger_write(201),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/receipts/{id}",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/receipts/{}",
                    if inside { &fx.receipt_v1a } else { &fx.receipt_v2a }
                ))
            },
            expect: SCOPED_READ,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/receipts/{id}/image",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/receipts/{}/image?size=thumb",
                    if inside { &fx.receipt_v1a } else { &fx.receipt_v2a }
                ))
            },
            expect: SCOPED_READ,
        },
        // Villagers never receive originals (a phone photo's EXIF can carry its location).
        Row {
            method: Method::GET,
            path: "/api/v1/receipts/{id}/original",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/receipts/{}/original",
                    if inside { &fx.receipt_v1a } else { &fx.receipt_v2a }
                ))
            },
            expect: Expect {
                admin: (200, 200),
                clerk: (200, 404),
                villager: (403, 403),
                inspector: (200, 404),
                discipline: (200, 404),
                nobody: (401, 401),
            },
        },
        Row {
            method: Method::POST,
            path: "/api/v1/receipts/{id}/withdrawal",
            fill: |fx, inside| {
                call_with(
                    format!(
                        "/api/v1/receipts/{}/withdrawal",
                        if inside { &fx.receipt_v1a } else { &fx.receipt_v2a }
                    ),
                    json!({"reason": "矩阵测试撤回"}),
                )
            },
            expect: ledger_write(201),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/entries/{id}/proof",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/entries/{}/proof",
                    if inside { &fx.entry_v1a } else { &fx.entry_v2a }
                ))
            },
            expect: SCOPED_READ,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/villages/{code}/periods",
            fill: |_, inside| call(format!("/api/v1/villages/{}/periods", village(inside))),
            expect: SCOPED_READ,
        },
        // Recording the checkpoint a round compared against: the round's inspectors and admins.
        // Admins run first, so the inspector's identical record is a retry (200).
        Row {
            method: Method::POST,
            path: "/api/v1/inspections/{id}/checkpoints",
            fill: |fx, inside| {
                call_with(
                    format!(
                        "/api/v1/inspections/{}/checkpoints",
                        if inside { &fx.own_round } else { &fx.other_round }
                    ),
                    json!({"size": fx.checkpoint_size}),
                )
            },
            expect: Expect {
                admin: (201, 201),
                clerk: (403, 403),
                villager: (403, 403),
                inspector: (200, 404),
                discipline: (403, 403),
                nobody: (401, 401),
            },
        },
        Row {
            method: Method::GET,
            path: "/api/v1/inspections/{id}/checkpoints",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/inspections/{}/checkpoints",
                    if inside { &fx.own_round } else { &fx.other_round }
                ))
            },
            expect: oversight((200, 404)),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/audit",
            fill: |_, _| call("/api/v1/audit"),
            expect: oversight((200, 200)),
        },
        // The cross-check: inspectors in their rounds, clerks in their township, admins; never
        // villagers.
        Row {
            method: Method::GET,
            path: "/api/v1/crosscheck/flags",
            fill: |_, inside| call(format!("/api/v1/crosscheck/flags?village={}", village(inside))),
            expect: CROSSCHECK,
        },
        Row {
            method: Method::POST,
            path: "/api/v1/crosscheck/reconcile",
            fill: |_, inside| {
                call_with(
                    "/api/v1/crosscheck/reconcile",
                    json!({"village": village(inside),
                           "findings": [{"ref": "m", "date": "2024-03-12", "amount_fen": 6_490}]}),
                )
            },
            expect: CROSSCHECK,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/crosscheck/rules",
            fill: |_, _| call("/api/v1/crosscheck/rules"),
            expect: Expect {
                admin: (200, 200),
                clerk: (200, 200),
                villager: (403, 403),
                inspector: (200, 200),
                discipline: (200, 200),
                nobody: (401, 401),
            },
        },
        // The bodies tickets go to: staff read them (an inspector picks one for a ticket),
        // admins record them; the "out of scope" body names one that exists already.
        Row {
            method: Method::GET,
            path: "/api/v1/addressees",
            fill: |_, _| call("/api/v1/addressees"),
            expect: Expect {
                admin: (200, 200),
                clerk: (200, 200),
                villager: (403, 403),
                inspector: (200, 200),
                discipline: (200, 200),
                nobody: (401, 401),
            },
        },
        Row {
            method: Method::POST,
            path: "/api/v1/addressees",
            fill: |fx, inside| {
                let name = if inside {
                    format!("矩阵民政局{}", fx.next())
                } else {
                    "县纪委监委".to_owned()
                };
                call_with("/api/v1/addressees", json!({"name": name, "kind": "department"}))
            },
            expect: admin_only((201, 409)),
        },
        // -- questions and reports: rows here --
        // Whoever reads the entry's village files (villagers of it, clerks of its township,
        // inspectors of an open round over it, discipline users of its township, admins).
        Row {
            method: Method::POST,
            path: "/api/v1/entries/{id}/questions",
            fill: |fx, inside| {
                let entry = if inside { &fx.entry_v1a } else { &fx.entry_v2a };
                call_with(
                    format!("/api/v1/entries/{entry}/questions"),
                    json!({"kind": "question", "text": format!("矩阵质疑{}", fx.next())}),
                )
            },
            expect: Expect {
                admin: (201, 201),
                clerk: (201, 404),
                villager: (201, 404),
                inspector: (201, 404),
                discipline: (201, 404),
                nobody: (401, 401),
            },
        },
        Row {
            method: Method::GET,
            path: "/api/v1/questions",
            fill: |_, inside| {
                call(if inside {
                    "/api/v1/questions"
                } else {
                    "/api/v1/questions?mine=true"
                })
            },
            expect: SIGNED_IN,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/questions/{id}",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/questions/{}",
                    if inside { &fx.question_v1a } else { &fx.question_v2a }
                ))
            },
            expect: SCOPED_READ,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/questions/{id}/photo",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/questions/{}/photo",
                    if inside { &fx.question_v1a } else { &fx.question_v2a }
                ))
            },
            expect: SCOPED_READ,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/villages/{code}/questions",
            fill: |_, inside| call(format!("/api/v1/villages/{}/questions", village(inside))),
            expect: SCOPED_READ,
        },
        // Clerks of the township answer questions; the other roles lack the function.
        Row {
            method: Method::POST,
            path: "/api/v1/questions/{id}/answer",
            fill: |fx, inside| {
                call_with(
                    format!(
                        "/api/v1/questions/{}/answer",
                        if inside { &fx.question_v1a } else { &fx.question_v2a }
                    ),
                    json!({"text": "矩阵答复"}),
                )
            },
            expect: ledger_write(200),
        },
        // The asker accepts and escalates; readers who did not ask are refused 403, the
        // others cannot see the item (404).
        Row {
            method: Method::POST,
            path: "/api/v1/questions/{id}/accept",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/questions/{}/accept",
                    if inside { &fx.answered_v1a } else { &fx.question_v2a }
                ))
            },
            expect: ASKER_ONLY,
        },
        Row {
            method: Method::POST,
            path: "/api/v1/questions/{id}/escalate",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/questions/{}/escalate",
                    if inside { &fx.open_v1a } else { &fx.question_v2a }
                ))
            },
            // Once villager1a escalated it, the question is a report: the inspector of the
            // round over T1 still reads it (403), township 1's discipline office no more (404).
            expect: Expect {
                discipline: (404, 404),
                ..ASKER_ONLY
            },
        },
        // -- checklists, findings, rectification, publication: rows here --
        Row {
            method: Method::GET,
            path: "/api/v1/checklists",
            fill: |_, _| call("/api/v1/checklists"),
            expect: Expect {
                admin: (200, 200),
                clerk: (200, 200),
                villager: (403, 403),
                inspector: (200, 200),
                discipline: (200, 200),
                nobody: (401, 401),
            },
        },
        Row {
            method: Method::POST,
            path: "/api/v1/checklists",
            fill: |fx, inside| {
                let name = if inside {
                    format!("矩阵清单{}", fx.next())
                } else {
                    "矩阵清单".to_owned()
                };
                call_with(
                    "/api/v1/checklists",
                    json!({"name": name, "kind": "common", "items": [{"code": "A-01", "title": "资金", "category": "assets"}]}),
                )
            },
            expect: admin_only((201, 409)),
        },
        Row {
            method: Method::PUT,
            path: "/api/v1/inspections/{id}/villages/{code}/checklist/{item}",
            fill: |fx, inside| {
                let round = if inside { &fx.own_round } else { &fx.other_round };
                call_with(
                    format!(
                        "/api/v1/inspections/{round}/villages/{}/checklist/A-01",
                        village(inside)
                    ),
                    json!({"mark": "no_problem"}),
                )
            },
            expect: round_inspectors_only((200, 404), (403, 403)),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/inspections/{id}/progress",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/inspections/{}/progress",
                    if inside { &fx.own_round } else { &fx.other_round }
                ))
            },
            expect: round_inspectors_only((200, 404), (200, 200)),
        },
        Row {
            method: Method::POST,
            path: "/api/v1/inspections/{id}/findings",
            fill: |fx, inside| {
                let round = if inside { &fx.own_round } else { &fx.other_round };
                call_with(
                    format!("/api/v1/inspections/{round}/findings"),
                    matrix_finding(village(inside)),
                )
            },
            expect: round_inspectors_only((201, 404), (403, 403)),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/inspections/{id}/findings",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/inspections/{}/findings",
                    if inside { &fx.own_round } else { &fx.other_round }
                ))
            },
            expect: round_inspectors_only((200, 404), (200, 200)),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/inspections/{id}/follow-up",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/inspections/{}/follow-up",
                    if inside { &fx.follow_own } else { &fx.follow_other }
                ))
            },
            expect: round_inspectors_only((200, 404), (200, 200)),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/findings/{id}",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/findings/{}",
                    if inside { &fx.finding_own } else { &fx.finding_other }
                ))
            },
            expect: FINDING_READ,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/findings/{id}/proof",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/findings/{}/proof",
                    if inside { &fx.finding_own } else { &fx.finding_other }
                ))
            },
            expect: FINDING_READ,
        },
        // The three rectification rows run in this order over the same two findings: clerk1
        // submits its own (the other one was submitted in the setup), the admin accepts both,
        // then reopens both; the inspector comes second each time and finds it done (409).
        Row {
            method: Method::POST,
            path: "/api/v1/findings/{id}/rectification",
            fill: |fx, inside| {
                call_with(
                    format!(
                        "/api/v1/findings/{}/rectification",
                        if inside { &fx.finding_own } else { &fx.finding_other }
                    ),
                    json!({"text": "已整改"}),
                )
            },
            expect: ledger_write(201),
        },
        Row {
            method: Method::POST,
            path: "/api/v1/findings/{id}/rectification/accept",
            fill: |fx, inside| {
                call_with(
                    format!(
                        "/api/v1/findings/{}/rectification/accept",
                        if inside { &fx.finding_own } else { &fx.finding_other }
                    ),
                    json!({}),
                )
            },
            expect: RECTIFICATION_JUDGE,
        },
        Row {
            method: Method::POST,
            path: "/api/v1/findings/{id}/rectification/reopen",
            fill: |fx, inside| {
                call_with(
                    format!(
                        "/api/v1/findings/{}/rectification/reopen",
                        if inside { &fx.finding_own } else { &fx.finding_other }
                    ),
                    json!({"reason": "未到位"}),
                )
            },
            expect: RECTIFICATION_JUDGE,
        },
        // Both rounds are open: the admin passes the role check and is refused for the window.
        Row {
            method: Method::POST,
            path: "/api/v1/findings/{id}/publication",
            fill: |fx, inside| {
                call_with(
                    format!(
                        "/api/v1/findings/{}/publication",
                        if inside { &fx.finding_own } else { &fx.finding_other }
                    ),
                    json!({"text": "已整改", "status": "rectified"}),
                )
            },
            expect: admin_only((409, 409)),
        },
        Row {
            method: Method::GET,
            path: "/api/v1/villages/{code}/findings",
            fill: |_, inside| call(format!("/api/v1/villages/{}/findings", village(inside))),
            expect: SCOPED_READ,
        },
        // -- referral tickets and figures: rows here --
        // Issuing: the round's inspectors and admins; the "out of scope" finding is the other
        // round's.
        Row {
            method: Method::POST,
            path: "/api/v1/findings/{id}/tickets",
            fill: |fx, inside| {
                let (finding, addressee) = if inside {
                    (&fx.finding_v1a, "ad_t1_discipline")
                } else {
                    (&fx.finding_v2a, "ad_police")
                };
                call_with(
                    format!("/api/v1/findings/{finding}/tickets"),
                    json!({"colour": "yellow", "addressee": addressee}),
                )
            },
            expect: Expect {
                admin: (201, 201),
                clerk: (403, 403),
                villager: (403, 403),
                inspector: (201, 404),
                discipline: (403, 403),
                nobody: (401, 401),
            },
        },
        Row {
            method: Method::GET,
            path: "/api/v1/tickets",
            fill: |_, inside| call(format!("/api/v1/tickets?township={}", if inside { T1 } else { T2 })),
            expect: Expect {
                admin: (200, 200),
                clerk: (200, 200),
                villager: (403, 403),
                inspector: (200, 200),
                discipline: (200, 200),
                nobody: (401, 401),
            },
        },
        // Reading a ticket: the in-scope one goes to township 1's discipline office (so its
        // clerks, who act for the station only, do not read it), the other to the police.
        Row {
            method: Method::GET,
            path: "/api/v1/tickets/{id}",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/tickets/{}",
                    if inside { &fx.ticket_v1a } else { &fx.ticket_v2a }
                ))
            },
            expect: TICKET_READ,
        },
        Row {
            method: Method::GET,
            path: "/api/v1/tickets/{id}/print",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/tickets/{}/print",
                    if inside { &fx.ticket_v1a } else { &fx.ticket_v2a }
                ))
            },
            expect: TICKET_READ,
        },
        Row {
            method: Method::POST,
            path: "/api/v1/tickets/{id}/receive",
            fill: |fx, inside| {
                call(format!(
                    "/api/v1/tickets/{}/receive",
                    if inside { &fx.ticket_to_receive } else { &fx.ticket_v2a }
                ))
            },
            expect: TICKET_ACT,
        },
        Row {
            method: Method::POST,
            path: "/api/v1/tickets/{id}/conclude",
            fill: |fx, inside| {
                call_with(
                    format!(
                        "/api/v1/tickets/{}/conclude",
                        if inside { &fx.ticket_to_conclude } else { &fx.ticket_v2a }
                    ),
                    json!({"response": "已整改到位", "outcome": "rectification"}),
                )
            },
            expect: TICKET_ACT,
        },
        // The county's figures: admins and the county discipline commission (discipline1 works
        // for a township's office).
        Row {
            method: Method::GET,
            path: "/api/v1/stats",
            fill: |_, inside| {
                call(if inside {
                    "/api/v1/stats"
                } else {
                    "/api/v1/stats?from=2024-01-01&to=2024-12-31"
                })
            },
            expect: admin_only((200, 200)),
        },
    ]
}

fn fresh_refresh_token(fx: &Fx) -> String {
    let mut conn = fx.app.conn();
    match village_ledger::auth::login::sign_in(
        &mut conn,
        &fx.app.state.unknown_users,
        fx.app.state.login_policy,
        "villager1a",
        PASSWORD,
    ) {
        Ok(village_ledger::auth::login::LoginOutcome::Success { refresh_token, .. }) => refresh_token,
        _ => panic!("villager1a cannot sign in"),
    }
}

/// The routes of the app's own OpenAPI document, as (METHOD, path).
fn documented_routes() -> BTreeSet<(String, String)> {
    let doc = serde_json::to_value(village_ledger::api::openapi()).expect("OpenAPI as JSON");
    let paths = doc["paths"].as_object().expect("paths");
    let mut routes = BTreeSet::new();
    for (path, item) in paths {
        for method in ["get", "put", "post", "delete", "patch", "head", "options", "trace"] {
            if item.get(method).is_some() {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

async fn setup(app: TestApp) -> Fx {
    let entry_v1a = app.post_entry(V1A, expense("2024-001", "2024-03-12", 95000)).await;
    let reversible_v1a = app.post_entry(V1A, income("2024-002", "2024-03-13", 500000)).await;
    let mut in_v2a = Vec::new();
    for (voucher, body) in [
        ("2024-001", expense("2024-001", "2024-03-12", 12000)),
        ("2024-002", income("2024-002", "2024-03-13", 300000)),
    ] {
        let res = app
            .post("clerk2", &format!("/api/v1/villages/{V2A}/entries"), body)
            .await;
        assert_eq!(res.status.as_u16(), 201, "{voucher}: {}", res.text());
        in_v2a.push(res.json()["id"].as_str().expect("id").to_owned());
    }
    let (forged, disabled) = {
        let mut conn = app.conn();
        for (username, role, township, village, home) in [
            ("inspector2", Role::Inspector, None, None, Some(T1)),
            ("villager-victim", Role::Villager, None, Some(V1B), None),
            ("clerk-gone", Role::Clerk, Some(T1), None, None),
        ] {
            add_user(
                &mut conn,
                NewUser {
                    username: username.into(),
                    role,
                    township: township.map(Into::into),
                    village: village.map(Into::into),
                    home_township: home.map(Into::into),
                    home_village: None,
                    addressee: None,
                },
                PASSWORD,
            )
            .expect("user");
        }
        let gone = Caller {
            username: "clerk-gone".into(),
            role: Role::Clerk,
            village: None,
            township: Some(T1.into()),
        };
        let disabled = issue_access_token(&app.state.keys, &app.state.tokens, &gone).expect("token");
        disable_user(&mut conn, "clerk-gone").expect("disable");
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let now = chrono::Utc::now().timestamp();
        let claims = json!({
            "sub": "admin", "role": "admin", "iss": "village-ledger", "aud": "village-ledger-api",
            "iat": now, "nbf": now, "exp": now + 3600,
        });
        let claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("claims"));
        (format!("{header}.{claims}."), disabled)
    };
    // -- Part F: the common checklist every round below gets --
    let list = app
        .post(
            "admin",
            "/api/v1/checklists",
            json!({"name": "矩阵清单", "kind": "common", "items": [{"code": "A-01", "title": "资金", "category": "assets"}]}),
        )
        .await;
    assert_eq!(list.status.as_u16(), 201, "{}", list.text());
    let own = app
        .post("admin", "/api/v1/inspections", round_body("inspector", T1))
        .await;
    assert_eq!(own.status.as_u16(), 201, "{}", own.text());
    let other = app
        .post("admin", "/api/v1/inspections", round_body("inspector2", T2))
        .await;
    assert_eq!(other.status.as_u16(), 201, "{}", other.text());
    // -- Part F: a finding of each round (the other one's rectification submitted), and a
    // follow-up round of each --
    let (finding_own, finding_other, follow_own, follow_other) = {
        let round_id = |r: &Resp| r.json()["id"].as_str().expect("id").to_owned();
        let (own_id, other_id) = (round_id(&own), round_id(&other));
        let as_user = |username: &str, role: Role, township: Option<&str>| {
            let caller = Caller {
                username: username.into(),
                role,
                village: None,
                township: township.map(Into::into),
            };
            issue_access_token(&app.state.keys, &app.state.tokens, &caller).expect("token")
        };
        let mut ids = Vec::new();
        for (who, round, code) in [("inspector", &own_id, V1A), ("inspector2", &other_id, V2A)] {
            let res = app
                .call(
                    actix_web::test::TestRequest::post()
                        .uri(&format!("/api/v1/inspections/{round}/findings"))
                        .insert_header(bearer(&as_user(who, Role::Inspector, None)))
                        .set_json(matrix_finding(code)),
                )
                .await;
            assert_eq!(res.status.as_u16(), 201, "{}", res.text());
            ids.push(res.json()["id"].as_str().expect("id").to_owned());
        }
        let res = app
            .post(
                "clerk2",
                &format!("/api/v1/findings/{}/rectification", ids[1]),
                json!({"text": "已整改"}),
            )
            .await;
        assert_eq!(res.status.as_u16(), 201, "{}", res.text());
        let mut follow = Vec::new();
        for (who, township, of) in [("inspector", T1, &own_id), ("inspector2", T2, &other_id)] {
            let mut body = round_body(who, township);
            body["follow_up_of"] = json!(of);
            let res = app.post("admin", "/api/v1/inspections", body).await;
            assert_eq!(res.status.as_u16(), 201, "{}", res.text());
            follow.push(round_id(&res));
        }
        (ids[0].clone(), ids[1].clone(), follow[0].clone(), follow[1].clone())
    };
    // Closing a month signs a checkpoint of the transparency log over everything so far.
    for (clerk, code) in [("clerk1", V1A), ("clerk2", V2A)] {
        let res = app
            .post(
                clerk,
                &format!("/api/v1/villages/{code}/periods/2024-01/close"),
                json!({}),
            )
            .await;
        assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    }
    let note = app.request(Method::GET, None, "/api/v1/log/checkpoint", None).await;
    assert_eq!(note.status.as_u16(), 200, "{}", note.text());
    let checkpoint_size = note
        .text()
        .lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .expect("the checkpoint's second line is its size");
    let id = |v: Value| v["id"].as_str().expect("id").to_owned();
    let mut receipts = Vec::new();
    for (clerk, entry) in [("clerk1", id(entry_v1a.clone())), ("clerk2", in_v2a[0].clone())] {
        let upload = call_upload(format!("/api/v1/entries/{entry}/receipts"), "scan-flatbed.png");
        let res = app
            .call(
                actix_web::test::TestRequest::post()
                    .uri(&upload.uri)
                    .insert_header(bearer(&app.token(clerk)))
                    .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
                    .set_payload(upload.upload.expect("body")),
            )
            .await;
        assert_eq!(res.status.as_u16(), 201, "{}", res.text());
        receipts.push(id(res.json()));
    }
    // -- questions and reports (part Q) --
    let mut filed = Vec::new();
    for (user, entry, photo) in [
        ("villager1a", id(entry_v1a.clone()), true),
        ("villager1a", id(entry_v1a.clone()), false),
        ("villager1a", id(entry_v1a.clone()), false),
        ("clerk2", in_v2a[0].clone(), true),
    ] {
        let mut body = Vec::new();
        for (name, bytes) in [("kind", b"question".to_vec()), ("text", "矩阵质疑".as_bytes().to_vec())]
            .into_iter()
            .chain(photo.then(|| {
                let png = std::fs::read(format!(
                    "{}/receipts-fixtures/scan-flatbed.png",
                    env!("CARGO_MANIFEST_DIR")
                ));
                ("photo", png.expect("fixture"))
            }))
        {
            let file = if name == "photo" {
                "; filename=\"photo.png\""
            } else {
                ""
            };
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(&bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let res = app
            .call(
                actix_web::test::TestRequest::post()
                    .uri(&format!("/api/v1/entries/{entry}/questions"))
                    .insert_header(bearer(&app.token(user)))
                    .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
                    .set_payload(body),
            )
            .await;
        assert_eq!(res.status.as_u16(), 201, "{}", res.text());
        filed.push(id(res.json()));
    }
    let res = app
        .post(
            "clerk1",
            &format!("/api/v1/questions/{}/answer", filed[1]),
            json!({"text": "矩阵答复"}),
        )
        .await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    // -- Part T (referral tickets): tickets issued through the API on Part F's findings.
    let (finding_v1a, finding_v2a) = (finding_own.clone(), finding_other.clone());
    let mut tickets = Vec::new();
    for (finding, addressee) in [
        (&finding_v1a, "ad_t1_discipline"),
        (&finding_v2a, "ad_police"),
        (&finding_v1a, "ad_t1_discipline"),
        (&finding_v1a, "ad_t1_discipline"),
    ] {
        let res = app
            .post(
                "admin",
                &format!("/api/v1/findings/{finding}/tickets"),
                json!({"colour": "red", "addressee": addressee}),
            )
            .await;
        assert_eq!(res.status.as_u16(), 201, "{}", res.text());
        tickets.push(id(res.json()));
    }
    let res = app
        .post(
            "discipline1",
            &format!("/api/v1/tickets/{}/receive", tickets[3]),
            json!({}),
        )
        .await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    Fx {
        finding_v1a,
        finding_v2a,
        ticket_v1a: tickets[0].clone(),
        ticket_v2a: tickets[1].clone(),
        ticket_to_receive: tickets[2].clone(),
        ticket_to_conclude: tickets[3].clone(),
        question_v1a: filed[0].clone(),
        answered_v1a: filed[1].clone(),
        open_v1a: filed[2].clone(),
        question_v2a: filed[3].clone(),
        checkpoint_size,
        receipt_v1a: receipts[0].clone(),
        receipt_v2a: receipts[1].clone(),
        entry_v1a: id(entry_v1a),
        reversible_v1a: id(reversible_v1a),
        entry_v2a: in_v2a[0].clone(),
        reversible_v2a: in_v2a[1].clone(),
        own_round: id(own.json()),
        other_round: id(other.json()),
        forged,
        disabled,
        serial: Cell::new(0),
        finding_own,
        finding_other,
        follow_own,
        follow_other,
        app,
    }
}

/// What a response must look like beyond its status: a problem document for every error (with
/// `WWW-Authenticate: Bearer` on 401s), JSON for every success, and for object reads the object
/// that was asked for.
fn check_body(row: &Row, call: &Call, res: &Resp) -> Result<(), String> {
    let status = res.status.as_u16();
    if status >= 400 {
        if res.header("content-type").as_deref() != Some("application/problem+json") {
            return Err(format!("{status} is not a problem document: {}", res.text()));
        }
        let p: Value = serde_json::from_slice(&res.body).map_err(|e| format!("problem not JSON: {e}"))?;
        if p["status"] != json!(status) || p["detail"].as_str().is_none_or(str::is_empty) {
            return Err(format!("bad problem document {p}"));
        }
        if status == 401 && res.header("www-authenticate").as_deref() != Some("Bearer") {
            return Err("401 without WWW-Authenticate: Bearer".into());
        }
        return Ok(());
    }
    if res.header("content-type").is_some_and(|t| t.starts_with("image/")) {
        return if res.body.len() > 100 {
            Ok(())
        } else {
            Err("an image too small to be one".into())
        };
    }
    // web: signing out answers 204 with no body.
    if status == 204 && row.path == "/api/v1/auth/logout" {
        return if res.body.is_empty() {
            Ok(())
        } else {
            Err(format!("a 204 with a body: {}", res.text()))
        };
    }
    // Part T: a ticket's printable page.
    if res.header("content-type").is_some_and(|t| t.starts_with("text/html")) {
        return if res.text().starts_with("<!DOCTYPE html>") && res.header("content-security-policy").is_some() {
            Ok(())
        } else {
            Err("not a printable page with its CSP".into())
        };
    }
    if res.header("content-type").is_some_and(|t| t.starts_with("text/plain")) && row.path != "/metrics" {
        return if res.body.is_empty() {
            Err("empty text body".into())
        } else {
            Ok(())
        };
    }
    // import and export (issue 19): exports are CSV (with a BOM) or a journal, not JSON.
    if row.path.ends_with("/export") {
        let csv = res.header("content-type").as_deref() == Some("text/csv; charset=utf-8")
            && res.body.starts_with(b"\xEF\xBB\xBF");
        let journal = res.header("content-type").as_deref() == Some("text/plain; charset=utf-8")
            && res.text().contains("commodity 1000.00 CNY");
        return if csv || journal {
            Ok(())
        } else {
            Err(format!("not an export: {}", res.text()))
        };
    }
    if row.path == "/metrics" {
        let text = res.text();
        return if res.header("content-type").is_some_and(|t| t.starts_with("text/plain")) && text.contains("# TYPE") {
            Ok(())
        } else {
            Err(format!("not Prometheus text: {text}"))
        };
    }
    let body: Value = serde_json::from_slice(&res.body).map_err(|e| format!("success body not JSON: {e}"))?;
    let requested = call.uri.trim_start_matches('/').split(['/', '?']).collect::<Vec<_>>();
    let ok = match (row.method.as_str(), row.path) {
        ("GET", "/api/v1/villages/{code}") => body["code"] == requested[3],
        ("GET", "/api/v1/villages/{code}/entries") => body["items"]
            .as_array()
            .is_some_and(|items| !items.is_empty() && items.iter().all(|e| e["village_code"] == requested[3])),
        ("GET", "/api/v1/villages/{code}/summary") => body["year"] == 2024,
        ("GET", "/api/v1/townships/{code}/summary") => {
            body["township_code"] == requested[3]
                && body["villages"].as_array().is_some_and(|vs| {
                    !vs.is_empty()
                        && vs
                            .iter()
                            .all(|v| v["code"].as_str().is_some_and(|c| c[..9] == requested[3][..9]))
                })
        }
        ("GET", "/api/v1/summary") => body["year"] == 2024 && body["villages"].is_array(),
        ("GET", "/api/v1/townships/{code}/villages") => body
            .as_array()
            .is_some_and(|vs| !vs.is_empty() && vs.iter().all(|v| v["township_code"] == requested[3])),
        ("GET", "/api/v1/entries/{id}") | ("GET", "/api/v1/inspections/{id}") => body["id"] == requested[3],
        ("POST", "/api/v1/villages/{code}/entries") => body["village_code"] == requested[3],
        ("POST", "/api/v1/entries/{id}/reversal") => body["reverses"] == requested[3],
        ("GET", "/api/v1/entries/{id}/proof") => body["tree_size"].is_u64() && body["proof"].is_array(),
        ("GET", "/api/v1/villages/{code}/periods") => body
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["period"] == "2024-01")),
        ("POST", "/api/v1/auth/token") | ("POST", "/api/v1/auth/refresh") => {
            body["token_type"] == "Bearer" && body["access_token"].is_string()
        }
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("the body does not show the requested object: {body}"))
    }
}

/// Listings show exactly the caller's scope.
async fn check_listings(fx: &Fx, failures: &mut Vec<String>) {
    let expect_townships = [
        (Who::Admin, json!([T2, T1])),
        (Who::Clerk1, json!([T1])),
        (Who::Villager1a, json!([T1])),
        (Who::Inspector, json!([T1])),
        (Who::Discipline1, json!([T1])),
    ];
    for (who, expected) in expect_townships {
        let token = fx.token(who).expect("token");
        let res = fx
            .app
            .call(
                actix_web::test::TestRequest::get()
                    .uri("/api/v1/townships")
                    .insert_header(bearer(&token)),
            )
            .await;
        let mut codes: Vec<Value> = res
            .json()
            .as_array()
            .map(|a| a.iter().map(|t| t["code"].clone()).collect())
            .unwrap_or_default();
        // The matrix may have added townships (admins see them too).
        codes.retain(|c| c == T1 || c == T2);
        if json!(codes) != expected {
            failures.push(format!(
                "GET /api/v1/townships as {who:?}: {codes:?}, expected {expected}"
            ));
        }
    }
    // A villager sees only their own village of the township.
    let res = fx
        .app
        .get("villager1a", &format!("/api/v1/townships/{T1}/villages"))
        .await;
    let codes: Vec<Value> = res
        .json()
        .as_array()
        .map(|a| a.iter().map(|v| v["code"].clone()).collect())
        .unwrap_or_default();
    if codes != vec![json!(V1A)] {
        failures.push(format!("villager1a lists the villages of T1 as {codes:?}"));
    }
    // An inspector lists their own rounds only.
    let res = fx.app.get("inspector", "/api/v1/inspections").await;
    let rounds = res.json();
    let ids: Vec<&str> = rounds
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["id"].as_str()).collect())
        .unwrap_or_default();
    if ids.contains(&fx.other_round.as_str()) || !ids.contains(&fx.own_round.as_str()) {
        failures.push(format!("the inspector lists rounds {ids:?}"));
    }
}

async fn every_documented_route_answers_every_role_as_the_matrix_says(app: TestApp) {
    let documented = documented_routes();
    let table = table();
    let tabled: BTreeSet<(String, String)> = table
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_owned()))
        .collect();
    assert_eq!(tabled.len(), table.len(), "a route appears twice in the matrix");
    let missing: Vec<String> = documented
        .difference(&tabled)
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes in the OpenAPI document but missing from the authorization matrix: {}",
        missing.join(", ")
    );
    let stale: Vec<String> = tabled
        .difference(&documented)
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        stale.is_empty(),
        "matrix rows for routes the OpenAPI document does not have: {}",
        stale.join(", ")
    );

    let fx = setup(app).await;
    let mut failures = Vec::new();
    let mut ran = 0;
    for row in &table {
        for who in EVERYONE {
            for inside in [true, false] {
                let (want_in, want_out) = row.expect.of(who);
                let want = if inside { want_in } else { want_out };
                let request = (row.fill)(&fx, inside);
                let mut req = actix_web::test::TestRequest::default()
                    .method(row.method.clone())
                    .uri(&request.uri);
                if let Some(token) = fx.token(who) {
                    req = req.insert_header(bearer(&token));
                }
                if let Some(body) = &request.body {
                    req = req.set_json(body);
                }
                if let Some(upload) = &request.upload {
                    req = req
                        .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
                        .set_payload(upload.clone());
                }
                let res = fx.app.call(req).await;
                ran += 1;
                let scope = if inside { "in scope" } else { "out of scope" };
                let got = res.status.as_u16();
                if got != want {
                    failures.push(format!(
                        "{} {} ({}) as {who:?}, {scope}: got {got}, expected {want}: {}",
                        row.method,
                        row.path,
                        request.uri,
                        res.text()
                    ));
                } else if let Err(why) = check_body(row, &request, &res) {
                    failures.push(format!(
                        "{} {} ({}) as {who:?}, {scope}: {why}",
                        row.method, row.path, request.uri
                    ));
                }
            }
        }
    }
    assert_eq!(ran, table.len() * EVERYONE.len() * 2);
    check_listings(&fx, &mut failures).await;
    assert!(
        failures.is_empty(),
        "{} of {ran} matrix cells failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[actix_web::test]
async fn a_route_missing_from_the_matrix_is_named() {
    // The completeness check itself can fail: drop one row and it names the route.
    let documented = documented_routes();
    let tabled: BTreeSet<(String, String)> = table()
        .iter()
        .filter(|r| r.path != "/api/v1/audit")
        .map(|r| (r.method.to_string(), r.path.to_owned()))
        .collect();
    let missing: Vec<_> = documented.difference(&tabled).collect();
    assert_eq!(missing, vec![&("GET".to_owned(), "/api/v1/audit".to_owned())]);
    assert!(documented.len() >= 21, "{documented:?}");
}

on_both_backends!(every_documented_route_answers_every_role_as_the_matrix_says);
