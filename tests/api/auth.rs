//! Identity and access (issue 3): sign-in, access-token attacks, key rotation, refresh tokens,
//! disabled users, lockout, inspection rounds with recusal and windows, the audit log, and the
//! `user add` / `keys rotate` commands. Each runs over SQLite and over PostgreSQL (the command
//! test over SQLite only).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::*;
use actix_web::http::{Method, StatusCode, header};
use actix_web::test;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use village_ledger::api::{State, build_app, load_state, today};
use village_ledger::config::Settings;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const ISS: &str = "village-ledger";
const AUD: &str = "village-ledger-api";

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64_json(part: &str) -> Value {
    let bytes = URL_SAFE_NO_PAD.decode(part).expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON")
}

fn keyring(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("keyring.json")).expect("keyring.json")).expect("keyring JSON")
}

/// The active key of a keys dir: its id and its private key.
fn active_key(dir: &Path) -> (String, SigningKey) {
    let ring = keyring(dir);
    let kid = ring["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .rev()
        .find(|k| k["retired_at"].is_null())
        .and_then(|k| k["kid"].as_str())
        .expect("an active key")
        .to_owned();
    let key = load_key(dir, &kid);
    (kid, key)
}

fn load_key(dir: &Path, kid: &str) -> SigningKey {
    let pem = std::fs::read_to_string(dir.join(format!("{kid}.pem"))).expect("key file");
    SigningKey::from_pkcs8_pem(&pem).expect("PKCS#8 Ed25519 key")
}

fn keys_dir(app: &TestApp) -> std::path::PathBuf {
    app.dir.path().join("keys")
}

/// A JWT with exactly this header and these claims, signed with Ed25519 by `key`.
fn sign_raw(header: &Value, claims: &Value, key: &SigningKey) -> String {
    let input = format!(
        "{}.{}",
        b64(&serde_json::to_vec(header).expect("header")),
        b64(&serde_json::to_vec(claims).expect("claims"))
    );
    let signature = key.sign(input.as_bytes());
    format!("{input}.{}", b64(&signature.to_bytes()))
}

fn eddsa_header(kid: &str) -> Value {
    json!({"alg": "EdDSA", "typ": "JWT", "kid": kid})
}

/// The claims the server itself would put into villager1a's token.
fn villager_claims() -> Value {
    let now = Utc::now().timestamp();
    json!({
        "sub": "villager1a",
        "role": "villager",
        "village": V1A,
        "iss": ISS,
        "aud": AUD,
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
    })
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().expect("object").remove(key);
    claims
}

async fn get_with_token(app: &TestApp, token: &str, uri: &str) -> Resp {
    app.call(test::TestRequest::get().uri(uri).insert_header(bearer(token)))
        .await
}

fn village_uri(code: &str) -> String {
    format!("/api/v1/villages/{code}")
}

/// A 401 problem document with `WWW-Authenticate: Bearer`.
fn assert_unauthorized(res: &Resp, case: &str) -> Value {
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{case}: {}", res.text());
    let p = res.assert_problem(401);
    assert_eq!(res.header("www-authenticate").as_deref(), Some("Bearer"), "{case}");
    assert_eq!(p["type"], "urn:village-ledger:problem:unauthorized", "{case}: {p}");
    p
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> Resp {
    app.call(
        test::TestRequest::post()
            .uri("/api/v1/auth/token")
            .set_json(json!({"username": username, "password": password})),
    )
    .await
}

async fn refresh(app: &TestApp, token: &str) -> Resp {
    app.call(
        test::TestRequest::post()
            .uri("/api/v1/auth/refresh")
            .set_json(json!({"refresh_token": token})),
    )
    .await
}

/// Signs in and returns (access token, refresh token).
async fn tokens_of(app: &TestApp, username: &str) -> (String, String) {
    let res = sign_in(app, username, PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let body = res.json();
    (
        body["access_token"].as_str().expect("access_token").to_owned(),
        body["refresh_token"].as_str().expect("refresh_token").to_owned(),
    )
}

fn round(inspectors: &[&str], townships: &[&str], villages: &[&str], starts: i64, ends: i64) -> Value {
    let day = today();
    json!({
        "name": "2026年第一轮交叉巡察",
        "inspectors": inspectors,
        "townships": townships,
        "villages": villages,
        "starts_on": (day + Duration::days(starts)).to_string(),
        "ends_on": (day + Duration::days(ends)).to_string(),
    })
}

// ---------------------------------------------------------------------------------------------
// Sign-in
// ---------------------------------------------------------------------------------------------

async fn sign_in_returns_an_eddsa_access_token_that_works_and_a_refresh_token(app: TestApp) {
    let (kid, _) = active_key(&keys_dir(&app));

    let res = sign_in(&app, "villager1a", PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    let body = res.json();
    assert_eq!(body["token_type"], "Bearer", "{body}");
    assert_eq!(body["expires_in"], 3600, "{body}");
    let refresh_token = body["refresh_token"].as_str().expect("refresh_token");
    assert!(refresh_token.len() >= 32, "{body}");

    let access = body["access_token"].as_str().expect("access_token");
    let parts: Vec<&str> = access.split('.').collect();
    assert_eq!(parts.len(), 3, "{access}");
    let jwt_header = unb64_json(parts[0]);
    assert_eq!(jwt_header["alg"], "EdDSA", "{jwt_header}");
    assert_eq!(jwt_header["kid"], kid.as_str(), "{jwt_header}");
    let claims = unb64_json(parts[1]);
    assert_eq!(claims["sub"], "villager1a", "{claims}");
    assert_eq!(claims["role"], "villager", "{claims}");
    assert_eq!(claims["iss"], ISS, "{claims}");
    assert_eq!(claims["aud"], AUD, "{claims}");
    assert_eq!(
        claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat"),
        3600
    );
    // The refresh token never appears in the access token.
    assert!(!access.contains(refresh_token));

    let res = get_with_token(&app, access, &village_uri(V1A)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["code"], V1A);
    // The villager's token reaches their village only.
    get_with_token(&app, access, &village_uri(V2A))
        .await
        .assert_problem(404);
}

async fn wrong_password_and_unknown_username_get_the_same_401(app: TestApp) {
    let wrong = sign_in(&app, "villager1a", "not-the-password").await;
    let wrong_body = assert_unauthorized(&wrong, "wrong password");
    assert!(!wrong.text().contains("not-the-password"));
    assert!(wrong.json().get("access_token").is_none());

    let unknown = sign_in(&app, "nobody-here", "not-the-password").await;
    let unknown_body = assert_unauthorized(&unknown, "unknown username");
    assert_eq!(wrong_body, unknown_body, "the two failures must be indistinguishable");
    // Neither echoes the username back.
    assert!(!unknown.text().contains("nobody-here"), "{}", unknown.text());
}

// ---------------------------------------------------------------------------------------------
// Access-token attacks
// ---------------------------------------------------------------------------------------------

async fn a_token_crafted_like_the_servers_own_is_accepted(app: TestApp) {
    // The baseline for the attacks below: this crafting works, so their 401s come from the
    // attack, not from the crafting.
    let (kid, key) = active_key(&keys_dir(&app));
    let token = sign_raw(&eddsa_header(&kid), &villager_claims(), &key);
    let res = get_with_token(&app, &token, &village_uri(V1A)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["code"], V1A);
}

async fn missing_or_garbage_authorization_gets_401(app: TestApp) {
    let uri = village_uri(V1A);
    let res = app.call(test::TestRequest::get().uri(&uri)).await;
    assert_unauthorized(&res, "no header");

    let good = app.token("villager1a");
    let cases = [
        ("garbage", "Bearer garbage".to_owned()),
        ("empty bearer", "Bearer ".to_owned()),
        ("three garbage parts", "Bearer a.b.c".to_owned()),
        ("no scheme", good.clone()),
        ("basic scheme", format!("Basic {good}")),
        ("two tokens", format!("Bearer {good} {good}")),
    ];
    for (case, value) in cases {
        let res = app
            .call(
                test::TestRequest::get()
                    .uri(&uri)
                    .insert_header((header::AUTHORIZATION, value)),
            )
            .await;
        assert_unauthorized(&res, case);
    }
}

async fn unsigned_alg_none_tokens_get_401_in_any_case(app: TestApp) {
    let (kid, key) = active_key(&keys_dir(&app));
    let claims = with(villager_claims(), "role", json!("admin"));
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": kid});
        let unsigned = format!(
            "{}.{}.",
            b64(&serde_json::to_vec(&header).expect("header")),
            b64(&serde_json::to_vec(&claims).expect("claims"))
        );
        let res = get_with_token(&app, &unsigned, &village_uri(V2A)).await;
        assert_unauthorized(&res, &format!("alg {alg}, unsigned"));
        // Signed, but still claiming alg none.
        let signed = sign_raw(&header, &claims, &key);
        let res = get_with_token(&app, &signed, &village_uri(V2A)).await;
        assert_unauthorized(&res, &format!("alg {alg}, signed"));
    }
}

async fn hs256_signed_with_the_public_key_gets_401(app: TestApp) {
    let (kid, key) = active_key(&keys_dir(&app));
    let public = key.verifying_key();
    let public_pem = public.to_public_key_pem(LineEnding::LF).expect("public PEM");
    let public_der = public.to_public_key_der().expect("public DER");
    let secrets: [(&str, &[u8]); 3] = [
        ("raw public key", public.as_bytes()),
        ("public key PEM", public_pem.as_bytes()),
        ("public key DER", public_der.as_bytes()),
    ];
    for (what, secret) in secrets {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some(kid.clone());
        let token = jsonwebtoken::encode(
            &header,
            &villager_claims(),
            &jsonwebtoken::EncodingKey::from_secret(secret),
        )
        .expect("HS256 token");
        let res = get_with_token(&app, &token, &village_uri(V1A)).await;
        assert_unauthorized(&res, &format!("HS256 with the {what}"));
    }
}

async fn tokens_with_bad_claims_get_401(app: TestApp) {
    let (kid, key) = active_key(&keys_dir(&app));
    let now = Utc::now().timestamp();
    let good = villager_claims();
    let cases = [
        (
            "expired beyond the leeway",
            with(
                with(with(good.clone(), "exp", json!(now - 120)), "iat", json!(now - 3720)),
                "nbf",
                json!(now - 3720),
            ),
        ),
        (
            "exp as a string",
            with(good.clone(), "exp", json!((now + 3600).to_string())),
        ),
        ("nbf as a string", with(good.clone(), "nbf", json!(now.to_string()))),
        ("missing exp", without(good.clone(), "exp")),
        ("missing aud", without(good.clone(), "aud")),
        ("missing iss", without(good.clone(), "iss")),
        ("missing sub", without(good.clone(), "sub")),
        ("empty sub", with(good.clone(), "sub", json!(""))),
        ("wrong aud", with(good.clone(), "aud", json!("some-other-api"))),
        ("wrong iss", with(good.clone(), "iss", json!("someone-else"))),
        ("nbf in the future", with(good.clone(), "nbf", json!(now + 600))),
        ("unknown role", with(good.clone(), "role", json!("superuser"))),
    ];
    for (case, claims) in cases {
        let token = sign_raw(&eddsa_header(&kid), &claims, &key);
        let res = get_with_token(&app, &token, &village_uri(V1A)).await;
        assert_unauthorized(&res, case);
    }
}

async fn unknown_and_path_like_key_ids_get_401(app: TestApp) {
    let (kid, key) = active_key(&keys_dir(&app));
    let stranger = SigningKey::from_bytes(&[7u8; 32]);
    let cases = [
        (
            "unknown kid, real key",
            sign_raw(&eddsa_header("0123456789abcdef"), &villager_claims(), &key),
        ),
        (
            "unknown kid, foreign key",
            sign_raw(&eddsa_header("0123456789abcdef"), &villager_claims(), &stranger),
        ),
        (
            "known kid, foreign key",
            sign_raw(&eddsa_header(&kid), &villager_claims(), &stranger),
        ),
        (
            "path kid",
            sign_raw(&eddsa_header("../../etc/passwd"), &villager_claims(), &key),
        ),
        (
            "path kid to the real key file",
            sign_raw(&eddsa_header(&format!("../keys/{kid}")), &villager_claims(), &key),
        ),
        (
            "no kid",
            sign_raw(&json!({"alg": "EdDSA", "typ": "JWT"}), &villager_claims(), &key),
        ),
    ];
    for (case, token) in cases {
        let res = get_with_token(&app, &token, &village_uri(V1A)).await;
        assert_unauthorized(&res, case);
    }
}

async fn a_tampered_payload_gets_401(app: TestApp) {
    let token = app.token("villager1a");
    // Untampered, the token reads V1A and not V2A.
    assert_eq!(
        get_with_token(&app, &token, &village_uri(V1A)).await.status,
        StatusCode::OK
    );
    get_with_token(&app, &token, &village_uri(V2A))
        .await
        .assert_problem(404);

    let parts: Vec<&str> = token.split('.').collect();
    let claims = with(unb64_json(parts[1]), "role", json!("admin"));
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(&serde_json::to_vec(&claims).expect("claims")),
        parts[2]
    );
    let res = get_with_token(&app, &tampered, &village_uri(V2A)).await;
    assert_unauthorized(&res, "role changed to admin");
}

async fn a_100_kb_token_gets_401_even_when_properly_signed(app: TestApp) {
    let (kid, key) = active_key(&keys_dir(&app));
    let claims = with(villager_claims(), "padding", json!("x".repeat(100 * 1024)));
    let token = sign_raw(&eddsa_header(&kid), &claims, &key);
    assert!(token.len() > 100 * 1024);
    let res = get_with_token(&app, &token, &village_uri(V1A)).await;
    assert_unauthorized(&res, "100 KB token");
}

async fn after_rotation_old_tokens_verify_within_grace_and_not_after(app: TestApp) {
    let dir = keys_dir(&app);
    let (old_kid, old_key) = active_key(&dir);
    let old_token = sign_raw(&eddsa_header(&old_kid), &villager_claims(), &old_key);
    assert_eq!(
        get_with_token(&app, &old_token, &village_uri(V1A)).await.status,
        StatusCode::OK
    );

    let new_kid = village_ledger::auth::keys::rotate(&dir).expect("rotate");
    assert_ne!(new_kid, old_kid);

    // New tokens carry the new kid, minted directly and through sign-in.
    let minted = app.token("villager1a");
    assert_eq!(
        unb64_json(minted.split('.').next().expect("header"))["kid"],
        new_kid.as_str()
    );
    let signed_in = sign_in(&app, "villager1a", PASSWORD).await.json();
    let access = signed_in["access_token"].as_str().expect("access_token");
    assert_eq!(
        unb64_json(access.split('.').next().expect("header"))["kid"],
        new_kid.as_str()
    );
    assert_eq!(
        get_with_token(&app, access, &village_uri(V1A)).await.status,
        StatusCode::OK
    );

    // Private keys are readable by the owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [
            format!("{old_kid}.pem"),
            format!("{new_kid}.pem"),
            "keyring.json".into(),
        ] {
            let mode = std::fs::metadata(dir.join(&file))
                .expect("key file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}: {mode:o}");
        }
    }

    // The old key is retired now, but its tokens still verify within the grace.
    let fresh_old = sign_raw(&eddsa_header(&old_kid), &villager_claims(), &old_key);
    let res = get_with_token(&app, &fresh_old, &village_uri(V1A)).await;
    assert_eq!(res.status, StatusCode::OK, "old key within grace: {}", res.text());

    // Push the old key's retirement two hours into the past: beyond one token lifetime plus
    // 60 s. The server picks the change up from the file.
    let mut ring = keyring(&dir);
    let mut found = false;
    for record in ring["keys"].as_array_mut().expect("keys") {
        if record["kid"] == old_kid.as_str() {
            record["retired_at"] = json!((Utc::now() - Duration::hours(2)).to_rfc3339());
            found = true;
        }
    }
    assert!(found);
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(
        dir.join("keyring.json"),
        serde_json::to_vec_pretty(&ring).expect("ring"),
    )
    .expect("write ring");

    let past_grace = sign_raw(&eddsa_header(&old_kid), &villager_claims(), &old_key);
    let res = get_with_token(&app, &past_grace, &village_uri(V1A)).await;
    assert_unauthorized(&res, "old key past its grace");
    // The new key keeps working.
    let res = get_with_token(&app, &app.token("villager1a"), &village_uri(V1A)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

// ---------------------------------------------------------------------------------------------
// Refresh tokens and disabled users
// ---------------------------------------------------------------------------------------------

async fn a_refresh_token_works_once_and_its_reuse_revokes_the_successor(app: TestApp) {
    let (_, first) = tokens_of(&app, "clerk1").await;

    let res = refresh(&app, &first).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    let body = res.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let second = body["refresh_token"].as_str().expect("refresh_token").to_owned();
    assert_ne!(second, first);
    let access = body["access_token"].as_str().expect("access_token");
    let claims = unb64_json(access.split('.').nth(1).expect("claims"));
    assert_eq!(claims["sub"], "clerk1");
    assert_eq!(claims["township"], T1);
    let res = get_with_token(&app, access, &format!("/api/v1/villages/{V1B}/entries")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());

    // Reuse of the first: refused, and the whole family is revoked.
    assert_unauthorized(&refresh(&app, &first).await, "reused refresh token");
    assert_unauthorized(&refresh(&app, &second).await, "successor after reuse");
    assert_unauthorized(&refresh(&app, "rt_not-a-refresh-token").await, "unknown refresh token");
}

async fn a_refresh_token_sent_twice_at_once_is_honoured_at_most_once(app: TestApp) {
    // Two clients racing with one stolen token must not both get a new token family.
    let (_, token) = tokens_of(&app, "clerk1").await;
    let answers = join_all((0..6).map(|_| refresh(&app, &token)).collect()).await;
    let granted: Vec<String> = answers
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .map(|r| r.json()["refresh_token"].as_str().expect("refresh_token").to_owned())
        .collect();
    for res in answers.iter().filter(|r| r.status != StatusCode::OK) {
        assert_unauthorized(res, "concurrent reuse");
    }
    assert!(granted.len() <= 1, "{} refreshes honoured one token", granted.len());
    // The reuse revoked whatever was granted.
    for next in granted {
        assert_unauthorized(&refresh(&app, &next).await, "successor after concurrent reuse");
    }
}

async fn racing_threads_cannot_both_trade_one_refresh_token(app: TestApp) {
    // The same race below HTTP, where nothing staggers the requests: threads released together,
    // each on its own connection (all taken before any thread starts, so none waits for one).
    let (_, token) = tokens_of(&app, "clerk1").await;
    let conns: Vec<_> = (0..app.state.pool.max_size()).map(|_| app.conn()).collect();
    let barrier = std::sync::Barrier::new(conns.len());
    let granted = std::thread::scope(|scope| {
        let handles: Vec<_> = conns
            .into_iter()
            .map(|mut conn| {
                let (barrier, token) = (&barrier, &token);
                scope.spawn(move || {
                    barrier.wait();
                    village_ledger::auth::login::refresh(&mut conn, token).is_ok()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(false))
            .filter(|ok| *ok)
            .count()
    });
    assert!(granted <= 1, "{granted} threads traded the same refresh token");
}

async fn an_unused_successor_refreshes_again_when_nothing_was_reused(app: TestApp) {
    // The near miss of the reuse test: a clean chain keeps working.
    let (_, first) = tokens_of(&app, "clerk1").await;
    let second = refresh(&app, &first).await.json()["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_owned();
    let res = refresh(&app, &second).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

async fn disabling_a_user_stops_their_tokens_and_sign_in(app: TestApp) {
    let entry = app.post_entry(V1A, expense("2024-001", "2024-03-12", 95000)).await;
    let entry_uri = format!("/api/v1/entries/{}", entry["id"].as_str().expect("id"));
    let (access, refresh_token) = tokens_of(&app, "villager1a").await;
    assert_eq!(
        get_with_token(&app, &access, &village_uri(V1A)).await.status,
        StatusCode::OK
    );
    assert_eq!(get_with_token(&app, &access, &entry_uri).await.status, StatusCode::OK);

    // Only admins disable.
    app.post("clerk1", "/api/v1/users/villager1a/disable", json!({}))
        .await
        .assert_problem(403);
    let res = app.post("admin", "/api/v1/users/villager1a/disable", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let body = res.json();
    assert_eq!(body["username"], "villager1a");
    assert_eq!(body["disabled"], true);
    assert!(body.get("password_hash").is_none(), "{body}");

    for uri in [
        village_uri(V1A),
        format!("/api/v1/villages/{V1A}/entries"),
        format!("/api/v1/villages/{V1A}/summary?year=2024"),
        entry_uri.clone(),
        "/api/v1/townships".to_owned(),
        "/api/v1/accounts?year=2024".to_owned(),
    ] {
        let res = get_with_token(&app, &access, &uri).await;
        assert_unauthorized(&res, &format!("disabled user's access token on {uri}"));
    }
    // Also where the handler would refuse the role first (a villager posting: 403 otherwise).
    let res = app
        .call(
            test::TestRequest::post()
                .uri(&format!("/api/v1/villages/{V1A}/entries"))
                .insert_header(bearer(&access))
                .set_json(expense("2024-002", "2024-03-12", 100)),
        )
        .await;
    assert_unauthorized(&res, "disabled villager posting an entry");
    assert_unauthorized(&refresh(&app, &refresh_token).await, "disabled user's refresh token");
    let res = sign_in(&app, "villager1a", PASSWORD).await;
    assert_unauthorized(&res, "disabled user signing in with the right password");
    assert!(res.json().get("access_token").is_none());

    // Disabling someone who does not exist.
    app.post("admin", "/api/v1/users/nobody-here/disable", json!({}))
        .await
        .assert_problem(404);
}

// ---------------------------------------------------------------------------------------------
// Lockout
// ---------------------------------------------------------------------------------------------

/// The limit of the app under test: 3 over SQLite (set below), the default over PostgreSQL.
fn max_failures(app: &TestApp) -> usize {
    app.state.login_policy.max_failures as usize
}

async fn wrong_guesses(app: &TestApp, username: &str, n: usize) -> Vec<Resp> {
    let mut answers = Vec::new();
    for _ in 0..n {
        answers.push(sign_in(app, username, "wrong-password-1").await);
    }
    answers
}

/// Awaits every future together (the test crate has no `futures` dependency).
async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    use std::task::Poll;
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending { Poll::Pending } else { Poll::Ready(()) }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("every future finished")).collect()
}

async fn repeated_wrong_passwords_lock_the_username(app: TestApp) {
    let max = max_failures(&app);
    // One failure short of the limit, then the right password: fine, and the count starts over.
    for res in wrong_guesses(&app, "clerk1", max - 1).await {
        assert_unauthorized(&res, "wrong password");
    }
    assert_eq!(sign_in(&app, "clerk1", PASSWORD).await.status, StatusCode::OK);

    for res in wrong_guesses(&app, "clerk1", max).await {
        assert_unauthorized(&res, "wrong password");
    }
    let res = sign_in(&app, "clerk1", PASSWORD).await;
    let p = res.assert_problem(429);
    assert!(p["type"].as_str().is_some_and(|t| t.ends_with("account-locked")), "{p}");
    assert!(res.json().get("access_token").is_none());
    // Other usernames are not affected.
    assert_eq!(sign_in(&app, "clerk2", PASSWORD).await.status, StatusCode::OK);
}

async fn concurrent_wrong_passwords_all_count_towards_the_lock(app: TestApp) {
    // Guesses sent in parallel must not slip past the limit by racing on the failure count.
    let max = max_failures(&app);
    let guesses = (0..2 * max)
        .map(|_| sign_in(&app, "clerk1", "wrong-password-1"))
        .collect();
    for res in join_all(guesses).await {
        assert!(
            matches!(res.status.as_u16(), 401 | 429),
            "{}: {}",
            res.status,
            res.text()
        );
    }
    let res = sign_in(&app, "clerk1", PASSWORD).await;
    let p = res.assert_problem(429);
    assert!(p["type"].as_str().is_some_and(|t| t.ends_with("account-locked")), "{p}");
}

async fn unknown_usernames_lock_the_same_way(app: TestApp) {
    let max = max_failures(&app);
    wrong_guesses(&app, "clerk1", max).await;
    let known_body = sign_in(&app, "clerk1", "wrong-password-1").await.assert_problem(429);

    for res in wrong_guesses(&app, "ghost-user", max).await {
        assert_unauthorized(&res, "unknown user");
    }
    let unknown_body = sign_in(&app, "ghost-user", "wrong-password-1")
        .await
        .assert_problem(429);
    assert_eq!(
        known_body, unknown_body,
        "a locked unknown username looks like a locked known one"
    );
}

async fn parallel_guesses_test_no_more_passwords_than_the_limit(app: TestApp) {
    // Each attempt is counted before its password is checked: of many guesses sent at once,
    // at most the limit get a real answer; the rest find the username locked.
    let max = max_failures(&app);
    let guesses = (0..3 * max)
        .map(|n| {
            sign_in(
                &app,
                "clerk2",
                if n == 3 * max - 1 { PASSWORD } else { "wrong-password-2" },
            )
        })
        .collect();
    let answers = join_all(guesses).await;
    let tested = answers.iter().filter(|r| r.status.as_u16() != 429).count();
    assert!(
        tested <= max,
        "{tested} of {} parallel guesses were checked; the limit is {max}",
        answers.len()
    );
    for res in &answers {
        assert!(
            matches!(res.status.as_u16(), 200 | 401 | 429),
            "{}: {}",
            res.status,
            res.text()
        );
    }
}

async fn a_wrong_password_and_an_unknown_username_take_the_same_time(app: TestApp) {
    // Both failures are answered at their arrival plus the same delay, whatever each cost
    // (a password hash and a database write for a known username, a dummy hash for an unknown
    // one): the time to the answer cannot tell whether the username exists.
    let floor = village_ledger::auth::login::failure_delay(1);
    // Each username's first failure (so each is answered after the same delay); the fastest of
    // five of each kind, so a test thread descheduled once does not decide the comparison.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for user in SEEDED_USERS.iter().map(|u| u.username) {
        let started = std::time::Instant::now();
        assert_unauthorized(&sign_in(&app, user, "wrong-password-3").await, "wrong password");
        known.push(started.elapsed());
        let started = std::time::Instant::now();
        let ghost = format!("ghost-{user}");
        assert_unauthorized(&sign_in(&app, &ghost, "wrong-password-3").await, "unknown user");
        unknown.push(started.elapsed());
    }
    let (known, unknown) = (*known.iter().min().unwrap(), *unknown.iter().min().unwrap());
    assert!(
        known >= floor && unknown >= floor,
        "{known:?} / {unknown:?} below {floor:?}"
    );
    let gap = known.abs_diff(unknown);
    assert!(
        gap < std::time::Duration::from_millis(100),
        "known {known:?}, unknown {unknown:?}: {gap:?} apart"
    );
}

/// The lockout tests over SQLite with a small limit (failed attempts are slowed down by 250 ms
/// per failure), and over PostgreSQL with the default one.
macro_rules! lockout_on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod lockout_sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    let app = crate::support::TestApp::with_settings(|s| {
                        s.login_max_failures = 3;
                        s.login_lock_seconds = 60;
                    })
                    .await;
                    super::$name(app).await
                }
            )*
        }
        mod lockout_postgres {
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

lockout_on_both_backends!(
    parallel_guesses_test_no_more_passwords_than_the_limit,
    a_wrong_password_and_an_unknown_username_take_the_same_time,
    repeated_wrong_passwords_lock_the_username,
    concurrent_wrong_passwords_all_count_towards_the_lock,
    unknown_usernames_lock_the_same_way,
);

// ---------------------------------------------------------------------------------------------
// Inspection rounds
// ---------------------------------------------------------------------------------------------

async fn an_open_round_lets_its_inspector_read_its_villages_only(app: TestApp) {
    let v1a_entries = format!("/api/v1/villages/{V1A}/entries");
    // No round yet: nothing to see.
    app.get("inspector", &v1a_entries).await.assert_problem(404);

    let res = app
        .post("admin", "/api/v1/inspections", round(&["inspector"], &[T1], &[], -1, 1))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let created = res.json();
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(res.header("location"), Some(format!("/api/v1/inspections/{id}")));
    assert_eq!(created["inspectors"], json!(["inspector"]));
    assert_eq!(created["townships"], json!([T1]));
    assert_eq!(created["villages"], json!([]));
    assert_eq!(created["open"], true);
    assert_eq!(created["created_by"], "admin");

    let res = app.get("inspector", &v1a_entries).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert!(res.json()["items"].is_array());
    let res = app
        .get("inspector", &format!("/api/v1/villages/{V1A}/summary?year=2024"))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["year"], 2024);
    app.get("inspector", &format!("/api/v1/villages/{V2A}/entries"))
        .await
        .assert_problem(404);
    app.get("inspector", &format!("/api/v1/villages/{V2A}/summary?year=2024"))
        .await
        .assert_problem(404);
    // Inspectors write nothing.
    app.post("inspector", &v1a_entries, expense("2024-001", "2024-03-12", 95000))
        .await
        .assert_problem(403);

    for user in ["inspector", "admin"] {
        let res = app.get(user, "/api/v1/inspections").await;
        assert_eq!(res.status, StatusCode::OK, "{user}: {}", res.text());
        let ids: Vec<Value> = res
            .json()
            .as_array()
            .expect("list")
            .iter()
            .map(|r| r["id"].clone())
            .collect();
        assert_eq!(ids, vec![json!(id)], "{user}");
        let res = app.get(user, &format!("/api/v1/inspections/{id}")).await;
        assert_eq!(res.status, StatusCode::OK, "{user}: {}", res.text());
        assert_eq!(res.json()["id"], id.as_str());
    }
    for user in ["villager1a", "clerk1"] {
        app.get(user, "/api/v1/inspections").await.assert_problem(403);
        app.get(user, &format!("/api/v1/inspections/{id}"))
            .await
            .assert_problem(403);
    }
    // Only admins create rounds.
    app.post(
        "inspector",
        "/api/v1/inspections",
        round(&["inspector"], &[T1], &[], -1, 1),
    )
    .await
    .assert_problem(403);
}

async fn a_round_over_the_inspectors_home_is_refused_and_creates_nothing(app: TestApp) {
    for (case, body) in [
        ("home township", round(&["inspector"], &[T2], &[], -1, 1)),
        (
            "village of the home township",
            round(&["inspector"], &[], &[V2A], -1, 1),
        ),
        (
            "home township among others",
            round(&["inspector"], &[T1, T2], &[], -1, 1),
        ),
    ] {
        let res = app.post("admin", "/api/v1/inspections", body).await;
        let p = res.assert_problem(409);
        let detail = p["detail"].as_str().expect("detail");
        assert!(detail.contains("inspector"), "{case}: {detail}");
        assert!(detail.contains(T2), "{case}: {detail}");
        assert!(detail.contains("recusal"), "{case}: {detail}");
    }
    let res = app.get("admin", "/api/v1/inspections").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json(), json!([]));
    assert_eq!(app.count("inspections"), 0);
    assert_eq!(app.count("inspection_inspectors"), 0);
    assert_eq!(app.count("inspection_targets"), 0);
    // Nothing was granted either.
    app.get("inspector", &village_uri(V2A)).await.assert_problem(404);
}

async fn a_round_over_an_inspectors_home_village_is_refused(app: TestApp) {
    {
        let mut conn = app.conn();
        village_ledger::auth::users::add_user(
            &mut conn,
            village_ledger::auth::users::NewUser {
                username: "inspector-mashan".into(),
                role: village_ledger::auth::Role::Inspector,
                township: None,
                village: None,
                home_township: None,
                home_village: Some(V1B.into()),
                addressee: None,
            },
            PASSWORD,
        )
        .expect("inspector with a home village");
    }
    for body in [
        round(&["inspector-mashan"], &[T1], &[], -1, 1),
        round(&["inspector-mashan"], &[], &[V1B], -1, 1),
        round(&["inspector", "inspector-mashan"], &[], &[V1A, V1B], -1, 1),
    ] {
        let p = app.post("admin", "/api/v1/inspections", body).await.assert_problem(409);
        let detail = p["detail"].as_str().expect("detail");
        assert!(detail.contains("inspector-mashan") && detail.contains(V1B), "{detail}");
    }
    assert_eq!(app.count("inspections"), 0);
    // The near miss: a neighbouring village of the same township is fine.
    let res = app
        .post(
            "admin",
            "/api/v1/inspections",
            round(&["inspector-mashan"], &[], &[V1A], -1, 1),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
}

async fn a_round_outside_its_window_grants_nothing(app: TestApp) {
    let uri = format!("/api/v1/villages/{V1A}/entries");
    for (case, starts, ends) in [("ended yesterday", -10, -1), ("starts tomorrow", 1, 10)] {
        let res = app
            .post(
                "admin",
                "/api/v1/inspections",
                round(&["inspector"], &[T1], &[], starts, ends),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{case}: {}", res.text());
        assert_eq!(res.json()["open"], false, "{case}");
        app.get("inspector", &uri).await.assert_problem(404);
        app.get("inspector", &village_uri(V1A)).await.assert_problem(404);
    }
    // A round of today only does grant.
    let res = app
        .post("admin", "/api/v1/inspections", round(&["inspector"], &[T1], &[], 0, 0))
        .await;
    assert_eq!(res.json()["open"], true);
    let res = app.get("inspector", &uri).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

// ---------------------------------------------------------------------------------------------
// Audit log
// ---------------------------------------------------------------------------------------------

fn find(items: &[Value], pred: impl Fn(&Value) -> bool) -> Option<&Value> {
    items.iter().find(|r| pred(r))
}

async fn sign_ins_and_writes_are_audited_and_shown_by_scope(app: TestApp) {
    let from = |ip: &str| ip.parse::<std::net::SocketAddr>().expect("addr");
    let res = app
        .call(
            test::TestRequest::post()
                .uri("/api/v1/auth/token")
                .peer_addr(from("10.1.2.3:40000"))
                .set_json(json!({"username": "clerk1", "password": "wrong-password-1"})),
        )
        .await;
    assert_unauthorized(&res, "wrong password");
    let res = app
        .call(
            test::TestRequest::post()
                .uri("/api/v1/auth/token")
                .peer_addr(from("10.1.2.4:40000"))
                .set_json(json!({"username": "clerk1", "password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    // Even an absurd username is a failed sign-in worth recording.
    let long_name = "x".repeat(100);
    assert_unauthorized(&sign_in(&app, &long_name, "wrong-password-1").await, "long username");
    let entry = app.post_entry(V1A, expense("2024-001", "2024-03-12", 95000)).await;
    let entry_id = entry["id"].as_str().expect("id");
    let res = app
        .post(
            "clerk2",
            &format!("/api/v1/villages/{V2A}/entries"),
            expense("2024-001", "2024-03-12", 5000),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    // A refused write is audited too.
    app.post(
        "clerk1",
        &format!("/api/v1/villages/{V2A}/entries"),
        expense("2024-002", "2024-03-12", 5000),
    )
    .await
    .assert_problem(404);

    let res = app.get("admin", "/api/v1/audit").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert!(!res.text().contains(PASSWORD) && !res.text().contains("wrong-password-1"));
    let page = res.json();
    let items = page["items"].as_array().expect("items").clone();
    let failed = find(&items, |r| r["action"] == "auth.token" && r["outcome"] == "401").expect("failed sign-in");
    assert_eq!(failed["actor"], "clerk1");
    assert_eq!(failed["source"], "10.1.2.3");
    let ok = find(&items, |r| r["action"] == "auth.token" && r["outcome"] == "ok").expect("sign-in");
    assert_eq!(ok["actor"], "clerk1");
    assert_eq!(ok["source"], "10.1.2.4");
    let post = find(&items, |r| r["action"] == "entry.post" && r["object"] == entry_id).expect("entry post");
    assert_eq!(post["actor"], "clerk1");
    assert_eq!(post["outcome"], "ok");
    assert_eq!(post["village_code"], V1A);
    assert_eq!(post["township_code"], T1);
    assert!(post["at"].is_string() && post["seq"].is_i64());
    let long = find(&items, |r| {
        r["action"] == "auth.token" && r["actor"].as_str().is_some_and(|a| a.starts_with("xxx"))
    })
    .expect("sign-in with a long username");
    assert_eq!(long["outcome"], "401");
    let refused = find(&items, |r| r["action"] == "entry.post" && r["outcome"] == "404").expect("refused post");
    assert_eq!(refused["actor"], "clerk1");
    assert!(find(&items, |r| r["village_code"] == V2A && r["outcome"] == "ok").is_some());
    // Oldest first.
    let seqs: Vec<i64> = items.iter().map(|r| r["seq"].as_i64().expect("seq")).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");

    // An inspector sees their scope only: the V1A post, nothing of T2, no sign-ins.
    let res = app.get("inspector", "/api/v1/audit").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["items"], json!([]), "no open round, no records");
    let res = app
        .post("admin", "/api/v1/inspections", round(&["inspector"], &[T1], &[], 0, 3))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let res = app.get("inspector", "/api/v1/audit").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let items = res.json()["items"].as_array().expect("items").clone();
    assert!(find(&items, |r| r["action"] == "entry.post" && r["object"] == entry_id).is_some());
    for r in &items {
        assert_ne!(r["village_code"], V2A, "{r}");
        assert_ne!(r["township_code"], T2, "{r}");
        assert_ne!(r["action"], "auth.token", "{r}");
    }

    for user in ["clerk1", "villager1a"] {
        app.get(user, "/api/v1/audit").await.assert_problem(403);
    }
    assert_unauthorized(
        &app.call(test::TestRequest::get().uri("/api/v1/audit")).await,
        "anonymous audit",
    );
}

async fn the_audit_log_pages_with_after(app: TestApp) {
    for i in 1..=3 {
        app.post_entry(V1A, expense(&format!("2024-00{i}"), "2024-03-12", 1000 * i))
            .await;
    }
    let first = app.get("admin", "/api/v1/audit?limit=2").await.json();
    assert_eq!(first["items"].as_array().expect("items").len(), 2, "{first}");
    let after = first["next_after"].as_i64().expect("next_after");
    let second = app
        .get("admin", &format!("/api/v1/audit?limit=2&after={after}"))
        .await
        .json();
    let items = second["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{second}");
    assert!(items[0]["seq"].as_i64().expect("seq") > after);
    assert!(second["next_after"].is_null());
    app.get("admin", "/api/v1/audit?limit=0").await.assert_problem(422);
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

fn cli(data_dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_village-ledger"));
    for (name, _) in std::env::vars() {
        if name.starts_with("VL_") {
            command.env_remove(name);
        }
    }
    let mut child = command
        .env("VL_LANG", "en")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run village-ledger");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("village-ledger output")
}

async fn call_state(state: &State, req: test::TestRequest) -> Resp {
    use actix_web::dev::Service;
    let app = test::init_service(build_app(state.clone())).await;
    Resp::read(app.call(req.to_request()).await.expect("service call")).await
}

#[actix_web::test]
async fn the_user_add_and_keys_rotate_commands_work_on_a_data_dir() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let state = load_state(Settings::for_data_dir(dir.path())).expect("state");
        let mut conn = state.pool.get().expect("conn");
        use diesel::connection::SimpleConnection;
        let c: &mut village_ledger::db::DbConn = &mut conn;
        c.batch_execute(&format!(
            "INSERT INTO townships (code, name) VALUES ('{T1}', '珠岙镇');"
        ))
        .expect("township");
    }
    let out = cli(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "clerk-zhuao",
            "--role",
            "clerk",
            "--township",
            T1,
        ],
        "cli-password-2026\n",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("created clerk-zhuao (clerk)"), "{stdout}");
    assert!(
        !stdout.contains("cli-password-2026"),
        "the password read from stdin is never printed"
    );

    // A clerk without a township is refused.
    let out = cli(
        dir.path(),
        &["user", "add", "--username", "clerk-none", "--role", "clerk"],
        "cli-password-2026\n",
    );
    assert!(!out.status.success());

    let (old_kid, _) = active_key(&dir.path().join("keys"));
    let out = cli(dir.path(), &["keys", "rotate"], "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let new_kid = stdout
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| w.len() == 16 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(|| panic!("no key id in {stdout}"))
        .to_owned();
    assert_ne!(new_kid, old_kid);
    let (active, _) = active_key(&dir.path().join("keys"));
    assert_eq!(active, new_kid);

    let state = load_state(Settings::for_data_dir(dir.path())).expect("state");
    let res = call_state(
        &state,
        test::TestRequest::post()
            .uri("/api/v1/auth/token")
            .set_json(json!({"username": "clerk-zhuao", "password": "cli-password-2026"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let access = res.json()["access_token"].as_str().expect("access_token").to_owned();
    assert_eq!(
        unb64_json(access.split('.').next().expect("header"))["kid"],
        new_kid.as_str()
    );
    let res = call_state(
        &state,
        test::TestRequest::default()
            .method(Method::GET)
            .uri(&format!("/api/v1/townships/{T1}/villages"))
            .insert_header(bearer(&access)),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json(), json!([]));
}

on_both_backends!(
    sign_in_returns_an_eddsa_access_token_that_works_and_a_refresh_token,
    wrong_password_and_unknown_username_get_the_same_401,
    a_token_crafted_like_the_servers_own_is_accepted,
    missing_or_garbage_authorization_gets_401,
    unsigned_alg_none_tokens_get_401_in_any_case,
    hs256_signed_with_the_public_key_gets_401,
    tokens_with_bad_claims_get_401,
    unknown_and_path_like_key_ids_get_401,
    a_tampered_payload_gets_401,
    a_100_kb_token_gets_401_even_when_properly_signed,
    after_rotation_old_tokens_verify_within_grace_and_not_after,
    a_refresh_token_works_once_and_its_reuse_revokes_the_successor,
    a_refresh_token_sent_twice_at_once_is_honoured_at_most_once,
    racing_threads_cannot_both_trade_one_refresh_token,
    an_unused_successor_refreshes_again_when_nothing_was_reused,
    disabling_a_user_stops_their_tokens_and_sign_in,
    an_open_round_lets_its_inspector_read_its_villages_only,
    a_round_over_the_inspectors_home_is_refused_and_creates_nothing,
    a_round_over_an_inspectors_home_village_is_refused,
    a_round_outside_its_window_grants_nothing,
    sign_ins_and_writes_are_audited_and_shown_by_scope,
    the_audit_log_pages_with_after,
);
