//! Token attacks, which all get the seed's invalid-token 401, and the native token routes:
//! refresh and logout-all.

use canvass::protocol::paths;
use jsonwebtoken::Algorithm;
use serde_json::json;

use crate::harness::seed::{expired_token, invalid_token};
use crate::harness::server::{PASSWORD, TEST_SECRET, TestServer};
use crate::harness::survey::seed_survey;
use crate::harness::token::{self, decode_parts, encode_segment, fresh_claims, mint, mint_with};

const ANN: &str = "ann@example.com";
const BOB: &str = "bob@example.com";

/// Asserts `jwt` is refused with the invalid-token body on a guarded write and on
/// `/api/me/`, and that the write made nothing.
#[track_caller]
fn assert_refused(server: &TestServer, jwt: &str, what: &str) {
    let create = server.axios("POST", paths::SURVEYS, &seed_survey(what), Some(jwt));
    assert_eq!(
        create.error(401),
        invalid_token(),
        "{what}: POST /api/surveys/"
    );
    let me = server.get_as(paths::ME, jwt);
    assert_eq!(me.error(401), invalid_token(), "{what}: GET /api/me/");
    assert_eq!(server.get(paths::SURVEYS).expect(200), json!([]), "{what}");
}

#[test]
fn an_alg_none_token_is_refused() {
    let server = TestServer::start();
    server.user(ANN);
    let header = encode_segment(&json!({"alg": "none", "typ": "JWT"}));
    let payload = encode_segment(&fresh_claims(ANN));
    assert_refused(&server, &format!("{header}.{payload}."), "alg none");
    let header = encode_segment(&json!({"alg": "None", "typ": "JWT"}));
    assert_refused(&server, &format!("{header}.{payload}."), "alg None");
}

#[test]
fn a_payload_swapped_to_another_user_keeping_the_signature_is_refused() {
    let server = TestServer::start();
    let ann = server.user(ANN);
    server.user(BOB);
    let (_, mut payload) = decode_parts(&ann);
    payload["sub"] = json!(BOB);
    let parts: Vec<&str> = ann.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], encode_segment(&payload), parts[2]);
    assert_refused(&server, &tampered, "tampered payload");
}

#[test]
fn a_token_signed_with_another_key_is_refused() {
    let server = TestServer::start();
    server.user(ANN);
    let forged = mint_with(
        Algorithm::HS256,
        b"not the server's secret",
        &fresh_claims(ANN),
    );
    assert_refused(&server, &forged, "wrong key");
    let empty_key = mint_with(Algorithm::HS256, b"", &fresh_claims(ANN));
    assert_refused(&server, &empty_key, "empty key");
}

#[test]
fn a_token_without_exp_is_refused() {
    let server = TestServer::start();
    server.user(ANN);
    let forever = mint(&json!({"sub": ANN, "iat": token::now()}));
    assert_refused(&server, &forever, "no exp");
    let text_exp = mint(&json!({"sub": ANN, "iat": token::now(), "exp": "never"}));
    assert_refused(&server, &text_exp, "exp as text");
}

#[test]
fn a_token_signed_hs512_with_the_right_secret_is_refused() {
    let server = TestServer::start();
    server.user(ANN);
    let hs512 = mint_with(Algorithm::HS512, TEST_SECRET.as_bytes(), &fresh_claims(ANN));
    assert_refused(&server, &hs512, "HS512");
    let hs384 = mint_with(Algorithm::HS384, TEST_SECRET.as_bytes(), &fresh_claims(ANN));
    assert_refused(&server, &hs384, "HS384");
}

#[test]
fn garbage_and_empty_tokens_are_refused() {
    let server = TestServer::start();
    let ann = server.user(ANN);
    let truncated = &ann[..ann.len() - 3];
    for garbage in ["garbage!!", "a.b.c", "..", "e30.e30.e30", truncated] {
        assert_refused(&server, garbage, garbage);
    }
    let reply = server.request("GET", paths::ME, &[("Authorization", "Bearer ")], b"");
    assert_eq!(reply.error(401), invalid_token(), "an empty bearer token");
}

#[test]
fn a_token_minted_with_the_test_secret_is_accepted() {
    // The attacks above are only meaningful if a correctly minted token does work.
    let server = TestServer::start();
    let user = server.register(ANN, PASSWORD);
    let minted = mint(&fresh_claims(ANN));
    let me = server.get_as(paths::ME, &minted).expect(200);
    assert_eq!(me["id"], user["id"], "{me}");
}

#[test]
fn an_expired_token_answers_the_expired_body_everywhere() {
    let server = TestServer::start();
    server.user(ANN);
    let expired = token::expired(ANN);
    let create = server.axios("POST", paths::SURVEYS, &seed_survey("x"), Some(&expired));
    assert_eq!(create.error(401), expired_token());
    assert_eq!(
        server.get_as(paths::ME, &expired).error(401),
        expired_token()
    );
    let refresh = server.post(paths::TOKEN_REFRESH, Some(&expired));
    assert_eq!(refresh.error(401), expired_token());
}

#[test]
fn a_refreshed_token_works_for_the_same_user() {
    let server = TestServer::start();
    let user = server.register(ANN, PASSWORD);
    let first = server.login(ANN, PASSWORD);
    let refreshed = server.post(paths::TOKEN_REFRESH, Some(&first)).expect(200);
    let fresh = refreshed["token"]
        .as_str()
        .unwrap_or_else(|| panic!("refresh answered no token: {refreshed}"));
    let (_, old_claims) = decode_parts(&first);
    let (header, claims) = decode_parts(fresh);
    assert_eq!(header["alg"], "HS256");
    assert_eq!(claims["sub"], ANN);
    assert!(
        claims["exp"].as_i64() >= old_claims["exp"].as_i64(),
        "{claims} vs {old_claims}"
    );
    let me = server.get_as(paths::ME, fresh).expect(200);
    assert_eq!(me["id"], user["id"]);
    server
        .axios(
            "POST",
            paths::SURVEYS,
            &seed_survey("after refresh"),
            Some(fresh),
        )
        .expect(201);
    server.post(paths::TOKEN_REFRESH, None).error(401);
}

#[test]
fn logout_all_revokes_every_earlier_token_while_a_new_login_works() {
    let server = TestServer::start();
    server.register(ANN, PASSWORD);
    let bob = server.user(BOB);
    let older = server.login(ANN, PASSWORD);
    let newer = server.login(ANN, PASSWORD);
    let refreshed = server.post(paths::TOKEN_REFRESH, Some(&older)).expect(200);
    let refreshed = refreshed["token"].as_str().unwrap().to_owned();

    let reply = server.post(paths::LOGOUT_ALL, Some(&newer)).expect(200);
    assert!(reply["message"].is_string(), "{reply}");

    for revoked in [&older, &newer, &refreshed] {
        assert_eq!(
            server.get_as(paths::ME, revoked).error(401),
            invalid_token()
        );
        let create = server.axios("POST", paths::SURVEYS, &seed_survey("x"), Some(revoked));
        assert_eq!(create.error(401), invalid_token());
        server.post(paths::TOKEN_REFRESH, Some(revoked)).error(401);
    }
    let again = server.login(ANN, PASSWORD);
    server.get_as(paths::ME, &again).expect(200);
    server
        .axios("POST", paths::SURVEYS, &seed_survey("again"), Some(&again))
        .expect(201);
    // Another user's tokens are untouched.
    server.get_as(paths::ME, &bob).expect(200);
    server.post(paths::LOGOUT_ALL, None).error(401);
}
