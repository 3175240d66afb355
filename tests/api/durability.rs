//! Acknowledged writes survive a `kill -9` of the real server binary, and the SQLite settings
//! that make that true are in force.

use crate::support::{http, start_server};
use serde_json::json;
use village_ledger::api::load_state;
use village_ledger::auth::Role;
use village_ledger::auth::users::{NewUser, add_user};
use village_ledger::config::Settings;
use village_ledger::ledger::villages::{NewTownship, NewVillage, create_township, create_village};

#[test]
fn acknowledged_entries_survive_kill_9() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let state = load_state(Settings::for_data_dir(dir.path())).expect("state");
        let mut conn = state.pool.get().expect("conn");
        create_township(
            &mut conn,
            NewTownship {
                code: crate::support::T1.into(),
                name: "珠岙镇".into(),
            },
        )
        .expect("township");
        create_village(
            &mut conn,
            NewVillage {
                code: crate::support::V1A.into(),
                township_code: crate::support::T1.into(),
                name: "坎头村".into(),
                opening_date: "2024-01-01".parse().expect("date"),
                opening_cash_fen: 0,
                opening_bank_fen: 0,
            },
        )
        .expect("village");
        let clerk = NewUser {
            username: "clerk1".into(),
            role: Role::Clerk,
            township: Some(crate::support::T1.into()),
            village: None,
            home_township: None,
            home_village: None,
        };
        add_user(&mut conn, clerk, crate::support::PASSWORD).expect("clerk");
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Pragma {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            synchronous: i32,
        }
        let p: Pragma = diesel::sql_query("PRAGMA synchronous")
            .get_result(&mut *conn)
            .expect("pragma");
        assert_eq!(p.synchronous, 2, "synchronous=FULL");
    }

    let (mut server, addr) = start_server(dir.path(), &[]);
    let (status, tokens) = http(
        &addr,
        "POST",
        "/api/v1/auth/token",
        None,
        Some(&json!({"username": "clerk1", "password": crate::support::PASSWORD})),
    );
    assert_eq!(status, 200, "{tokens}");
    let token = tokens["access_token"].as_str().expect("token").to_owned();
    let mut acknowledged = Vec::new();
    for i in 0..25 {
        let body = crate::support::expense(&format!("K-{i:03}"), "2024-03-12", 100 + i);
        let (status, entry) = http(
            &addr,
            "POST",
            &format!("/api/v1/villages/{}/entries", crate::support::V1A),
            Some(&token),
            Some(&body),
        );
        assert_eq!(status, 201, "{entry}");
        acknowledged.push(entry["id"].as_str().expect("id").to_owned());
    }
    server.kill().expect("kill -9");
    server.wait().expect("reap");

    let (mut server, addr) = start_server(dir.path(), &[]);
    let (status, page) = http(
        &addr,
        "GET",
        &format!("/api/v1/villages/{}/entries?limit=200", crate::support::V1A),
        Some(&token),
        None,
    );
    server.kill().expect("stop");
    let _ = server.wait();
    assert_eq!(status, 200, "{page}");
    let found: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    for id in &acknowledged {
        assert!(found.contains(&id.as_str()), "acknowledged entry {id} was lost");
    }
    assert_eq!(found.len(), acknowledged.len());
}
