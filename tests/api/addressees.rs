//! The bodies referral tickets go to, and the people who work for them: admins record bodies
//! (a township's needs its township, the county commission takes none, names are unique);
//! staff read them, villagers do not; a discipline user names their body and reads the villages
//! of its township (every village for a county-wide body), and never writes the ledger. On
//! both backends.

use crate::support::*;
use serde_json::{Value, json};

fn body(name: &str, kind: &str, township: Option<&str>) -> Value {
    match township {
        Some(t) => json!({"name": name, "kind": kind, "township": t}),
        None => json!({"name": name, "kind": kind}),
    }
}

async fn admins_record_bodies_and_staff_read_them(app: TestApp) {
    let res = app
        .post(
            "admin",
            "/api/v1/addressees",
            body("海润街道纪工委", "township_discipline", Some(T2)),
        )
        .await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    let created = res.json();
    assert_eq!(created["name"], "海润街道纪工委");
    assert_eq!(created["kind"], "township_discipline");
    assert_eq!(created["township"], T2);
    assert!(created["id"].as_str().unwrap().starts_with("ad_"), "{created}");

    for user in ["admin", "clerk1", "inspector", "discipline1"] {
        let list = app.get(user, "/api/v1/addressees").await;
        assert_eq!(list.status.as_u16(), 200, "{user}: {}", list.text());
        let names: Vec<String> = list
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names.len(), ADDRESSEES.len() + 1, "{user}: {names:?}");
        assert!(names.contains(&"海润街道纪工委".to_owned()), "{names:?}");
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "listed by name");
    }
    app.get("villager1a", "/api/v1/addressees").await.assert_problem(403);
    app.post("clerk1", "/api/v1/addressees", body("某局", "department", None))
        .await
        .assert_problem(403);
    app.post(
        "discipline-county",
        "/api/v1/addressees",
        body("某局", "department", None),
    )
    .await
    .assert_problem(403);
}

async fn bad_bodies_are_refused_and_nothing_is_written(app: TestApp) {
    let before = app.count("addressees");
    let cases = [
        (body("珠岙镇财务站二", "station", None), 422, "township"),
        (body("某镇纪委", "township_discipline", None), 422, "township"),
        (body("县纪委监委二", "county_discipline", Some(T1)), 422, "county"),
        (
            body("某镇纪委", "township_discipline", Some("331022999000")),
            422,
            "331022999000",
        ),
        (body("某镇纪委", "township_discipline", Some("33102")), 422, "33102"),
        (body("县纪委监委", "county_discipline", None), 409, "县纪委监委"),
        (body("", "police", None), 422, "name"),
        (body(&"局".repeat(101), "police", None), 422, "100"),
    ];
    for (request, status, says) in cases {
        let p = app
            .post("admin", "/api/v1/addressees", request.clone())
            .await
            .assert_problem(status);
        assert!(p["detail"].as_str().unwrap().contains(says), "{request}: {p}");
    }
    let p = app
        .post("admin", "/api/v1/addressees", json!({"name": "某局", "kind": "court"}))
        .await
        .assert_problem(400);
    assert!(p["detail"].as_str().unwrap().contains("kind"), "{p}");
    app.post(
        "admin",
        "/api/v1/addressees",
        json!({"name": "某局", "kind": "police", "extra": 1}),
    )
    .await
    .assert_problem(400);
    assert_eq!(app.count("addressees"), before);
}

async fn a_discipline_user_names_their_body(app: TestApp) {
    let user = |username: &str, addressee: Option<&str>, township: Option<&str>| {
        let mut b = json!({"username": username, "role": "discipline"});
        if let Some(a) = addressee {
            b["addressee"] = json!(a);
        }
        if let Some(t) = township {
            b["township"] = json!(t);
        }
        b
    };
    let res = app
        .post(
            "admin",
            "/api/v1/users",
            user("jiwei-zhou", Some("ad_t1_discipline"), None),
        )
        .await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    let created = res.json();
    assert_eq!(created["user"]["role"], "discipline");
    assert_eq!(created["user"]["addressee"], "ad_t1_discipline");
    assert_eq!(
        created["user"]["township"], T1,
        "the body's township is the user's scope"
    );

    let p = app
        .post("admin", "/api/v1/users", user("jiwei-a", None, None))
        .await
        .assert_problem(422);
    assert!(p["detail"].as_str().unwrap().contains("addressee"), "{p}");
    let p = app
        .post("admin", "/api/v1/users", user("jiwei-b", Some("ad_nowhere"), None))
        .await
        .assert_problem(422);
    assert!(p["detail"].as_str().unwrap().contains("ad_nowhere"), "{p}");
    app.post("admin", "/api/v1/users", user("jiwei-c", Some("ad_county"), Some(T1)))
        .await
        .assert_problem(422);
    // Only discipline users name a body.
    app.post(
        "admin",
        "/api/v1/users",
        json!({"username": "clerk-x", "role": "clerk", "township": T1, "addressee": "ad_t1_station"}),
    )
    .await
    .assert_problem(422);
    assert!(
        app.get("admin", "/api/v1/users")
            .await
            .json()
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["username"] != "jiwei-a"
                && u["username"] != "jiwei-b"
                && u["username"] != "jiwei-c"
                && u["username"] != "clerk-x")
    );
}

async fn discipline_users_read_their_body_s_township_and_never_write(app: TestApp) {
    let entry = app.post_entry(V1A, expense("V-001", "2024-03-12", 6_490)).await;
    let id = entry["id"].as_str().unwrap();
    // Township 1's office: township 1's villages, not township 2's.
    assert_eq!(
        app.get("discipline1", &format!("/api/v1/villages/{V1A}"))
            .await
            .status
            .as_u16(),
        200
    );
    assert_eq!(
        app.get("discipline1", &format!("/api/v1/entries/{id}"))
            .await
            .status
            .as_u16(),
        200
    );
    app.get("discipline1", &format!("/api/v1/villages/{V2A}"))
        .await
        .assert_problem(404);
    let townships = app.get("discipline1", "/api/v1/townships").await.json();
    assert_eq!(townships.as_array().unwrap().len(), 1, "{townships}");
    assert_eq!(townships[0]["code"], T1);
    app.get("discipline1", &format!("/api/v1/townships/{T2}/villages"))
        .await
        .assert_problem(404);
    // The county's commission: every village.
    for v in [V1A, V1B, V2A] {
        assert_eq!(
            app.get("discipline-county", &format!("/api/v1/villages/{v}"))
                .await
                .status
                .as_u16(),
            200
        );
    }
    assert_eq!(
        app.get("discipline-county", "/api/v1/townships")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Never a ledger write.
    for user in ["discipline1", "discipline-county"] {
        app.post(
            user,
            &format!("/api/v1/villages/{V1A}/entries"),
            expense("V-002", "2024-03-13", 100),
        )
        .await
        .assert_problem(403);
    }
}

on_both_backends!(
    admins_record_bodies_and_staff_read_them,
    bad_bodies_are_refused_and_nothing_is_written,
    a_discipline_user_names_their_body,
    discipline_users_read_their_body_s_township_and_never_write,
);

/// A county kept before the discipline role existed upgrades in place: SQLite rebuilds its
/// users table (a CHECK constraint cannot change there), and every user, session and round
/// member is still there, still bound by its foreign keys.
#[actix_web::test]
async fn sqlite_upgrade_keeps_users_sessions_and_round_members() {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, SqliteConnection};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    {
        let mut conn = SqliteConnection::establish(db.to_str().unwrap()).unwrap();
        conn.batch_execute(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE __diesel_schema_migrations (
                 version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);",
        )
        .unwrap();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        let mut names: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.as_str() < "2026-11-30-000003")
            .collect();
        names.sort();
        assert_eq!(names.len(), 8, "{names:?}");
        for name in names {
            conn.batch_execute(&std::fs::read_to_string(root.join(&name).join("up.sql")).unwrap())
                .unwrap();
            let version: String = name.split('_').next().unwrap().replace('-', "");
            conn.batch_execute(&format!(
                "INSERT INTO __diesel_schema_migrations (version) VALUES ('{version}')"
            ))
            .unwrap();
        }
        conn.batch_execute(&format!(
            "INSERT INTO townships (code, name) VALUES ('{T1}', '珠岙镇');
             INSERT INTO users (username, password_hash, role, township_code, created_at)
                 VALUES ('clerk-old', 'x', 'clerk', '{T1}', '2025-01-01 00:00:00'),
                        ('inspector-old', 'x', 'inspector', NULL, '2025-01-01 00:00:00');
             INSERT INTO refresh_tokens (token_hash, username, issued_at, expires_at, revoked)
                 VALUES ('h1', 'clerk-old', '2025-01-01 00:00:00', '2099-01-01 00:00:00', FALSE);
             INSERT INTO inspections (id, name, starts_on, ends_on, created_by, created_at)
                 VALUES ('in_old', '旧轮次', '2025-01-01', '2025-02-01', 'admin', '2025-01-01 00:00:00');
             INSERT INTO inspection_inspectors (inspection_id, username) VALUES ('in_old', 'inspector-old');"
        ))
        .unwrap();
    }
    let state = village_ledger::api::load_state(village_ledger::config::Settings::for_data_dir(dir.path())).unwrap();
    let mut conn = state.pool.get().unwrap();
    let c: &mut village_ledger::db::DbConn = &mut conn;
    use diesel::prelude::*;
    use village_ledger::db::schema::{inspection_inspectors, refresh_tokens, users};
    let names: Vec<(String, String)> = users::table
        .order(users::username)
        .select((users::username, users::role))
        .load(c)
        .unwrap();
    assert_eq!(
        names,
        [
            ("clerk-old".into(), "clerk".into()),
            ("inspector-old".into(), "inspector".into())
        ]
    );
    assert_eq!(refresh_tokens::table.count().get_result::<i64>(c).unwrap(), 1);
    assert_eq!(inspection_inspectors::table.count().get_result::<i64>(c).unwrap(), 1);
    // Still bound: a session of nobody is refused, and so is a role outside the five.
    assert!(
        c.batch_execute(
            "INSERT INTO refresh_tokens (token_hash, username, issued_at, expires_at, revoked)
             VALUES ('h2', 'nobody', '2025-01-01 00:00:00', '2099-01-01 00:00:00', FALSE)"
        )
        .is_err()
    );
    assert!(
        c.batch_execute(
            "INSERT INTO users (username, password_hash, role, created_at) VALUES ('x', 'x', 'mayor', '2025-01-01 00:00:00')"
        )
        .is_err()
    );
    c.batch_execute(
        "INSERT INTO addressees (id, name, kind, created_by, created_at)
             VALUES ('ad_1', '县纪委监委', 'county_discipline', 'admin', '2025-01-01 00:00:00');
         INSERT INTO users (username, password_hash, role, created_at, addressee_id)
             VALUES ('jiwei', 'x', 'discipline', '2025-01-01 00:00:00', 'ad_1')",
    )
    .unwrap();
}
