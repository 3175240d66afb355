//! Acknowledged writes survive a `kill -9` of the real server binary, and the SQLite settings
//! that make that true are in force.

use crate::support::{PASSWORD, TestApp, V1A, expense, http, start_server};
use serde_json::json;

#[actix_web::test]
async fn acknowledged_entries_survive_kill_9() {
    let app = TestApp::new().await;
    {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Pragma {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            synchronous: i32,
        }
        let p: Pragma = diesel::sql_query("PRAGMA synchronous")
            .get_result(&mut *app.conn())
            .expect("pragma");
        assert_eq!(p.synchronous, 2, "synchronous=FULL");
    }

    let (mut server, addr) = start_server(app.dir.path(), &[]);
    let (status, tokens) = http(
        &addr,
        "POST",
        "/api/v1/auth/token",
        None,
        Some(&json!({"username": "clerk1", "password": PASSWORD})),
    );
    assert_eq!(status, 200, "{tokens}");
    let token = tokens["access_token"].as_str().expect("token").to_owned();
    let mut acknowledged = Vec::new();
    for i in 0..25 {
        let body = expense(&format!("K-{i:03}"), "2024-03-12", 100 + i);
        let (status, entry) = http(
            &addr,
            "POST",
            &format!("/api/v1/villages/{}/entries", V1A),
            Some(&token),
            Some(&body),
        );
        assert_eq!(status, 201, "{entry}");
        acknowledged.push(entry["id"].as_str().expect("id").to_owned());
    }
    server.kill().expect("kill -9");
    server.wait().expect("reap");

    let (mut server, addr) = start_server(app.dir.path(), &[]);
    let (status, page) = http(
        &addr,
        "GET",
        &format!("/api/v1/villages/{}/entries?limit=200", V1A),
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
