//! Whole OpenID Connect flows on a virtual clock: authcore-oidc's relying party against the
//! provider of authcore-server. The relying party's own validation (OpenID Connect Core
//! §3.1.3.7) is the check: every ID token the provider issues must pass it, and a
//! deliberately broken one must not.

mod common;

use std::sync::Arc;

use authcore_jose::{Jwk, JwsAlgorithm, UnixTime};
use authcore_oauth2::{
    AuthorizationResponse, ClientAuthentication, TokenResponseOptions, parse_token_response,
};
use authcore_oidc::{AuthenticationRequest, IdTokenVerifier, ProviderMetadata};
use authcore_server::authorize::{Approval, Interaction};
use authcore_server::model::{ClientAuthMethod, StoredSecret};
use authcore_server::oidc::{self, OpSession, discovery, id_token};
use authcore_server::signing_keys::SigningKeySet;
use common::oidc::{
    approve_with, code_exchange, code_flow_with, compact_part, id_token_verifying_keys, location,
    openid_provider, openid_public_client, redeem, redeem_and_validate, start_authentication,
};
use common::{ISSUER, REDIRECT, TestServer, client, error_code, get, interaction, resume};
use serde_json::Value;

const HS_SECRET: &str = "a-shared-secret-of-at-least-sixty-four-bytes-for-hs512-0123456789abcdef";

/// The user authenticated with a password (the `acr` every approval here carries).
fn with_password_acr(a: Approval) -> Approval {
    a.with_acr("urn:example:acr:pwd")
}

/// A code flow's authentication request with `read` (and `max_age` if given).
fn request(max_age: Option<u64>) -> AuthenticationRequest {
    let req = AuthenticationRequest::new(REDIRECT).scope("read");
    match max_age {
        Some(m) => req.max_age(m),
        None => req,
    }
}

/// A code flow with `openid` up to the token endpoint's response.
fn code_flow_to_token_response(
    s: &TestServer,
    rp: &authcore_oauth2::Client,
    max_age: Option<u64>,
) -> (http::Response<Vec<u8>>, authcore_oidc::CodeExchange) {
    let (i, pending) = start_authentication(s, rp, request(max_age));
    let exchange = code_exchange(pending, &location(approve_with(s, &i, with_password_acr)));
    (redeem(s, rp, &exchange, &|_| None), exchange)
}

/// A code flow with `openid` from the authentication request to the validated ID token.
fn code_flow(
    s: &TestServer,
    rp: &authcore_oauth2::Client,
    verifier: &IdTokenVerifier,
    max_age: Option<u64>,
) -> Result<authcore_oidc::Authentication, authcore_oidc::Error> {
    code_flow_with(
        s,
        rp,
        request(max_age),
        with_password_acr,
        verifier,
        &|_| None,
    )
}

fn oidc_public_client(s: &TestServer, id: &str) -> authcore_oauth2::Client {
    openid_public_client(s, id, |_| {})
}

#[test]
fn code_flow_id_token_passes_the_relying_party_checks_with_rs256_by_default() {
    let s = openid_provider(&[JwsAlgorithm::RS256]);
    let rp = oidc_public_client(&s, "rp");
    let verifier = IdTokenVerifier::new(ISSUER, "rp").require_auth_time();
    let auth = code_flow(&s, &rp, &verifier, Some(600)).unwrap();
    let c = &auth.claims;
    assert_eq!(c.sub, "alice");
    assert_eq!(c.azp.as_deref(), Some("rp"));
    assert_eq!(c.acr.as_deref(), Some("urn:example:acr:pwd"));
    assert_eq!(c.auth_time, Some(s.now.as_secs()));
    assert_eq!(c.exp, s.now.as_secs() + s.config.lifetimes.id_token);
    assert!(c.at_hash.is_some());
    assert!(c.nonce.is_some());
    let header = compact_part(auth.id_token.secret(), 0);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], "k0");
}

#[test]
fn the_client_registered_signing_algorithm_is_used() {
    for alg in [
        JwsAlgorithm::ES256,
        JwsAlgorithm::PS256,
        JwsAlgorithm::EdDSA,
    ] {
        let s = openid_provider(&[JwsAlgorithm::RS256, alg]);
        let rp = openid_public_client(&s, "rp", |record| {
            record.extra.insert(
                id_token::SIGNED_RESPONSE_ALG.into(),
                Value::String(alg.name().into()),
            );
        });
        let verifier = IdTokenVerifier::new(ISSUER, "rp")
            .id_token_signed_response_alg(alg)
            .unwrap();
        code_flow(&s, &rp, &verifier, None).unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        // The default algorithm would not pass this relying party's allow-list.
        let rs_only = IdTokenVerifier::new(ISSUER, "rp");
        assert!(code_flow(&s, &rp, &rs_only, None).is_err(), "{alg:?}");
    }
}

#[test]
fn hs256_id_tokens_are_keyed_with_the_client_secret() {
    let s = openid_provider(&[JwsAlgorithm::RS256]);
    let mut record =
        authcore_server::model::ClientRecord::new("conf", ClientAuthMethod::ClientSecretPost);
    record.secret = Some(StoredSecret::Plain(authcore_jose::SecretBytes::new(
        HS_SECRET.as_bytes().to_vec(),
    )));
    record.grant_types = vec!["authorization_code".into()];
    record.redirect_uris = vec![REDIRECT.into()];
    record.response_types = vec!["code".into()];
    record.allowed_scopes = vec!["read".into(), "openid".into()];
    record
        .extra
        .insert(id_token::SIGNED_RESPONSE_ALG.into(), "HS256".into());
    s.store.put_client(record);
    let secret = authcore_oauth2::ClientSecret::new(HS_SECRET);
    let rp = client(
        "conf",
        ClientAuthentication::ClientSecretPost(secret.clone()),
    );
    let verifier = IdTokenVerifier::new(ISSUER, "conf")
        .id_token_signed_response_alg(JwsAlgorithm::HS256)
        .unwrap()
        .client_secret(&secret)
        .unwrap();
    code_flow(&s, &rp, &verifier, None).unwrap();
    // Another secret does not verify it.
    let wrong = IdTokenVerifier::new(ISSUER, "conf")
        .id_token_signed_response_alg(JwsAlgorithm::HS256)
        .unwrap()
        .client_secret(&authcore_oauth2::ClientSecret::new(
            "another-secret-of-at-least-thirty-two-bytes-long",
        ))
        .unwrap();
    assert!(code_flow(&s, &rp, &wrong, None).is_err());
}

#[test]
fn max_age_exceeded_at_the_provider_asks_for_login_again() {
    let mut s = openid_provider(&[JwsAlgorithm::RS256]);
    let rp = oidc_public_client(&s, "rp");
    let (i, _pending) =
        start_authentication(&s, &rp, AuthenticationRequest::new(REDIRECT).max_age(60));
    let old_login = s.now;
    s.advance(120);
    // The user's authentication is older than max_age: the endpoint does not issue a code.
    let location = location(approve_with(&s, &i, |mut a| {
        a.auth_time = old_login;
        a
    }));
    assert!(!location.contains("code="), "{location}");
    assert!(location.contains("error=login_required"), "{location}");

    // A fresh authentication within max_age passes, and its auth_time reaches the RP.
    let verifier = IdTokenVerifier::new(ISSUER, "rp").require_auth_time();
    let auth = code_flow(&s, &rp, &verifier, Some(60)).unwrap();
    assert_eq!(auth.claims.auth_time, Some(s.now.as_secs()));
}

#[test]
fn no_openid_scope_or_no_provider_keys_means_no_id_token() {
    let s = openid_provider(&[JwsAlgorithm::RS256]);
    let rp = oidc_public_client(&s, "rp");
    let (url, pending) = authcore_oauth2::AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_url(&rp, &s.as_seen_by_client(), &s.rng)
        .unwrap();
    let i = interaction(get(&s, &url));
    let location = location(approve_with(&s, &i, with_password_acr));
    let grant = pending
        .handle_callback(&AuthorizationResponse::from_redirect_uri(&location).unwrap())
        .unwrap();
    let req = grant
        .build_token_request(&rp, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    let tokens = parse_token_response(&s.token(&req), &TokenResponseOptions::new()).unwrap();
    assert!(tokens.id_token.is_none());

    // A server without ID token keys is no provider: `openid` is a plain scope.
    let mut plain = TestServer::new();
    plain.config.scopes_supported.push("openid".into());
    let rp = oidc_public_client(&plain, "rp");
    let verifier = IdTokenVerifier::new(ISSUER, "rp");
    assert!(code_flow(&plain, &rp, &verifier, None).is_err());
}

#[test]
fn a_client_that_registered_id_token_encryption_is_refused_not_sent_plaintext() {
    let s = openid_provider(&[JwsAlgorithm::RS256]);
    let rp = openid_public_client(&s, "rp", |record| {
        record.extra.insert(
            id_token::ENCRYPTED_RESPONSE_ALG.into(),
            "RSA-OAEP-256".into(),
        );
    });
    let (i, pending) = start_authentication(&s, &rp, AuthenticationRequest::new(REDIRECT));
    let exchange = code_exchange(pending, &location(approve_with(&s, &i, with_password_acr)));
    let resp = redeem(&s, &rp, &exchange, &|_| None);
    assert_eq!(resp.status(), 500);
    assert_eq!(error_code(&resp), "server_error");
}

#[test]
fn an_unknown_registered_algorithm_is_a_server_error() {
    let s = openid_provider(&[JwsAlgorithm::RS256]);
    let mut record = s.public_client("rp");
    record.allowed_scopes.push("openid".into());
    record
        .extra
        .insert(id_token::SIGNED_RESPONSE_ALG.into(), "XS999".into());
    assert!(id_token::signing_algorithm(&record).is_err());
    record
        .extra
        .insert(id_token::SIGNED_RESPONSE_ALG.into(), Value::Bool(true));
    assert!(id_token::signing_algorithm(&record).is_err());
    // A registered algorithm the provider has no key for cannot be signed.
    record
        .extra
        .insert(id_token::SIGNED_RESPONSE_ALG.into(), "ES384".into());
    let content = id_token::IdTokenContent::default();
    assert!(id_token::issue(&content, &record, &s.ctx()).is_err());
}

/// Deliberately broken issuance: ID tokens the provider's own issuing function signs, but
/// with one claim wrong each time; the relying party must reject every one.
#[test]
fn broken_id_tokens_are_caught_by_the_relying_party() {
    let mut s = openid_provider(&[JwsAlgorithm::RS256]);
    let record = s.public_client("rp");
    let base = {
        let mut c = id_token::IdTokenContent::default();
        c.subject = "alice".into();
        c.client_id = "rp".into();
        c.nonce = Some("n-0S6_WzA2Mj".into());
        c.access_token = Some("at".into());
        c
    };
    let verifier = IdTokenVerifier::new(ISSUER, "rp");
    let expect = authcore_oidc::IdTokenExpectations::token_endpoint()
        .nonce("n-0S6_WzA2Mj")
        .access_token("at");
    let good = id_token::issue(&base, &record, &s.ctx()).unwrap();
    verifier
        .validate(&good, id_token_verifying_keys(&s), &expect, s.now)
        .unwrap();

    let mut wrong_nonce = base.clone();
    wrong_nonce.nonce = Some("other".into());
    let mut wrong_aud = base.clone();
    wrong_aud.client_id = "another-client".into();
    let mut wrong_at = base.clone();
    wrong_at.access_token = Some("another access token".into());
    for broken in [wrong_nonce, wrong_aud, wrong_at] {
        let t = id_token::issue(&broken, &record, &s.ctx()).unwrap();
        assert!(
            verifier
                .validate(&t, id_token_verifying_keys(&s), &expect, s.now)
                .is_err(),
            "{broken:?}"
        );
    }
    // Expired: issued, then the clock passes its exp.
    s.advance(s.config.lifetimes.id_token + 1);
    assert!(
        verifier
            .validate(&good, id_token_verifying_keys(&s), &expect, s.now)
            .is_err()
    );
}

#[test]
fn discovery_is_true_to_the_configuration_and_parses_at_the_relying_party() {
    let s = openid_provider(&[JwsAlgorithm::RS256, JwsAlgorithm::ES256]);
    let resp = discovery::discovery_response(&s.config, &s.keys);
    assert_eq!(resp.status(), 200);
    let m = ProviderMetadata::from_json(resp.body(), ISSUER).unwrap();
    assert_eq!(m.jwks_uri(), "https://as.example/jwks");
    let algs: Vec<&str> = m
        .id_token_signing_algorithms()
        .iter()
        .map(|a| a.name())
        .collect();
    assert!(
        algs.contains(&"RS256") && algs.contains(&"ES256"),
        "{algs:?}"
    );
    assert!(!algs.contains(&"PS256"));
    let doc: Value = serde_json::from_slice(resp.body()).unwrap();
    assert_eq!(
        doc["subject_types_supported"],
        serde_json::json!(["public"])
    );
    assert!(
        doc["scopes_supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "openid")
    );
    // Without the legacy implicit setting: the code flow and the OpenID Connect response
    // types that return no access token in the front channel (Core §3.2, §3.3).
    assert_eq!(
        doc["response_types_supported"],
        serde_json::json!(["code", "id_token", "code id_token"])
    );
    // claims_supported only when configured (Discovery §3: RECOMMENDED, never empty).
    assert!(doc.get("claims_supported").is_none());
    let mut with_claims = openid_provider(&[JwsAlgorithm::RS256]);
    with_claims.config.claims_supported = vec!["sub".into(), "email".into()];
    let resp = discovery::discovery_response(&with_claims.config, &with_claims.keys);
    let doc: Value = serde_json::from_slice(resp.body()).unwrap();
    assert_eq!(doc["claims_supported"], serde_json::json!(["sub", "email"]));

    // Not a provider: no document (no keys, or no jwks_uri to publish them).
    let plain = TestServer::new();
    assert_eq!(
        discovery::discovery_response(&plain.config, &plain.keys).status(),
        404
    );
    let mut no_jwks = openid_provider(&[JwsAlgorithm::RS256]);
    no_jwks.config.endpoints.jwks = None;
    assert!(discovery::provider_metadata(&no_jwks.config, &no_jwks.keys).is_none());
    assert_eq!(
        discovery::jwks_response(&plain.keys, plain.now).status(),
        404
    );
}

#[test]
fn jwks_publishes_the_next_key_before_use_and_keeps_retired_keys_while_tokens_live() {
    let mut s = openid_provider(&[]);
    let p = authcore_jose::crypto::default_provider();
    let mut first = Jwk::generate(JwsAlgorithm::RS256, p, &s.rng).unwrap();
    first.kid = Some("k0".into());
    let mut next = Jwk::generate(JwsAlgorithm::RS256, p, &s.rng).unwrap();
    next.kid = Some("next".into());
    let mut set = SigningKeySet::new(3600);
    set.add_key(&first, None, p).unwrap();
    set.add_key(&next, None, p).unwrap();
    s.keys = s.keys.clone().with_id_token_signing(Arc::new(set));
    let kids = |s: &TestServer, at: UnixTime| -> Vec<String> {
        let resp = discovery::jwks_response(&s.keys, at);
        assert_eq!(resp.headers()["content-type"], "application/jwk-set+json");
        let set = authcore_jose::JwkSet::from_json(resp.body()).unwrap();
        assert!(set.keys.iter().all(|k| !k.is_private()));
        set.keys.iter().map(|k| k.kid.clone().unwrap()).collect()
    };
    // Published ahead of its use; k0 still signs.
    assert_eq!(kids(&s, s.now), ["k0", "next"]);
    let record = s.public_client("rp");
    let mut content = id_token::IdTokenContent::default();
    content.subject = "alice".into();
    content.client_id = "rp".into();
    let old_token = id_token::issue(&content, &record, &s.ctx()).unwrap();
    assert!(old_token.starts_with(&header_prefix("k0")));

    // Rotate: "next" signs; k0 stays published for the retention, covering old tokens.
    let mut set = SigningKeySet::new(3600);
    set.add_key(&first, None, p).unwrap();
    set.add_key(&next, None, p).unwrap();
    set.rotate_to("next", s.now).unwrap();
    s.keys = s.keys.clone().with_id_token_signing(Arc::new(set));
    assert_eq!(kids(&s, s.now), ["next", "k0"]);
    let verifier = IdTokenVerifier::new(ISSUER, "rp");
    verifier
        .validate(
            &old_token,
            id_token_verifying_keys(&s),
            &authcore_oidc::IdTokenExpectations::token_endpoint(),
            s.now,
        )
        .unwrap();
    let new_token = id_token::issue(&content, &record, &s.ctx()).unwrap();
    assert!(new_token.starts_with(&header_prefix("next")));
    // After the retention, the retired key is gone.
    assert_eq!(kids(&s, s.now.saturating_add(3600)), ["next"]);
}

/// The base64url of the JOSE header the provider writes for `kid` with RS256.
fn header_prefix(kid: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!(r#"{{"alg":"RS256","kid":"{kid}"}}"#))
}

/// Starts an authentication request with `prompt=none` (and `max_age` if given); the
/// interaction and the RP's pending state.
fn silent_request(
    s: &TestServer,
    rp: &authcore_oauth2::Client,
    max_age: Option<u64>,
) -> (Interaction, authcore_oidc::PendingAuthentication) {
    let mut req = AuthenticationRequest::new(REDIRECT).prompt("none");
    if let Some(m) = max_age {
        req = req.max_age(m);
    }
    let (i, pending) = start_authentication(s, rp, req);
    assert!(!i.ui_allowed);
    (i, pending)
}

#[test]
fn prompt_none_with_a_session_signs_in_silently_with_the_session_facts() {
    let mut s = openid_provider(&[JwsAlgorithm::RS256]);
    let rp = oidc_public_client(&s, "rp");
    let session = OpSession::start("alice", s.now, &s.rng)
        .unwrap()
        .with_acr("urn:example:acr:mfa")
        .with_amr(["pwd", "otp"]);
    s.advance(30);
    let (i, pending) = silent_request(&s, &rp, Some(300));
    let result = oidc::answer_without_ui(&i, Some(&session), true, s.now).unwrap();
    let location = location(resume(&s, &i, result));
    let verifier = IdTokenVerifier::new(ISSUER, "rp").require_auth_time();
    let auth = redeem_and_validate(
        &s,
        &rp,
        code_exchange(pending, &location),
        &verifier,
        &|_| None,
    )
    .unwrap();
    assert_eq!(auth.claims.sid.as_deref(), Some(session.sid.as_str()));
    assert_eq!(auth.claims.auth_time, Some(session.auth_time.as_secs()));
    assert_eq!(auth.claims.acr.as_deref(), Some("urn:example:acr:mfa"));
    assert_eq!(
        auth.claims.amr.as_deref(),
        Some(&["pwd".to_owned(), "otp".to_owned()][..])
    );
}

#[test]
fn prompt_none_without_a_session_or_consent_or_within_max_age_fails_without_ui() {
    let mut s = openid_provider(&[JwsAlgorithm::RS256]);
    let rp = oidc_public_client(&s, "rp");
    let session = OpSession::start("alice", s.now, &s.rng).unwrap();
    s.advance(600);
    for (session, consented, max_age, expected) in [
        (None, true, None, "login_required"),
        (Some(&session), true, Some(60), "login_required"),
        (Some(&session), false, None, "consent_required"),
    ] {
        let (i, _pending) = silent_request(&s, &rp, max_age);
        let result = oidc::answer_without_ui(&i, session, consented, s.now).unwrap();
        let location = location(resume(&s, &i, result));
        assert!(
            location.contains(&format!("error={expected}")),
            "{location}"
        );
        assert!(!location.contains("code="), "{location}");
    }
    // With UI allowed, the application shows its pages: no silent answer.
    let (i, _) = start_authentication(&s, &rp, AuthenticationRequest::new(REDIRECT));
    assert!(oidc::answer_without_ui(&i, Some(&session), true, s.now).is_none());
}

/// Registers the client for pairwise subjects (Core §8).
fn pairwise(record: &mut authcore_server::model::ClientRecord) {
    record
        .extra
        .insert(oidc::subject::SUBJECT_TYPE.into(), "pairwise".into());
}

#[test]
fn pairwise_subjects_reach_the_relying_party_per_sector() {
    let mut s = openid_provider(&[JwsAlgorithm::RS256]);
    s.keys = s
        .keys
        .clone()
        .with_pairwise_salt(authcore_jose::SecretBytes::new(b"provider-salt".to_vec()));
    let a = openid_public_client(&s, "a", pairwise);
    let a_sub = code_flow(&s, &a, &IdTokenVerifier::new(ISSUER, "a"), None)
        .unwrap()
        .claims
        .sub;
    assert_ne!(a_sub, "alice");
    // Stable for the same client and sector.
    let again = code_flow(&s, &a, &IdTokenVerifier::new(ISSUER, "a"), None)
        .unwrap()
        .claims
        .sub;
    assert_eq!(a_sub, again);
    // A public client sees the local subject.
    let public = oidc_public_client(&s, "p");
    let p_sub = code_flow(&s, &public, &IdTokenVerifier::new(ISSUER, "p"), None)
        .unwrap()
        .claims
        .sub;
    assert_eq!(p_sub, "alice");
    let doc = discovery::discovery_response(&s.config, &s.keys);
    let doc: Value = serde_json::from_slice(doc.body()).unwrap();
    assert_eq!(
        doc["subject_types_supported"],
        serde_json::json!(["public", "pairwise"])
    );
    // Without the salt, a pairwise client gets no ID token with a guessable subject.
    let mut unsalted = openid_provider(&[JwsAlgorithm::RS256]);
    unsalted.keys.pairwise_salt = None;
    openid_public_client(&unsalted, "a", pairwise);
    let (resp, _) = code_flow_to_token_response(&unsalted, &a, None);
    assert_eq!(resp.status(), 500);
    assert_eq!(error_code(&resp), "server_error");
}

#[test]
fn refresh_tokens_for_openid_grants_only_with_offline_access_and_prompt_consent() {
    let s = openid_provider(&[JwsAlgorithm::RS256]);
    let rp = openid_public_client(&s, "rp", |record| {
        record.allowed_scopes.push("offline_access".into());
    });
    let verifier = IdTokenVerifier::new(ISSUER, "rp");
    for (prompt, refresh) in [(None, false), (Some("consent"), true)] {
        let mut req = AuthenticationRequest::new(REDIRECT).scope("offline_access");
        if let Some(p) = prompt {
            req = req.prompt(p);
        }
        let auth = code_flow_with(&s, &rp, req, with_password_acr, &verifier, &|_| None).unwrap();
        let tokens = auth.tokens.as_ref().unwrap();
        assert_eq!(tokens.refresh_token.is_some(), refresh, "{prompt:?}");
    }
}

#[test]
fn id_token_hints_are_verified_and_bound_to_the_client() {
    let mut s = openid_provider(&[JwsAlgorithm::RS256]);
    let other = s.public_client("other");
    let record = s.public_client("rp");
    let rp = oidc_public_client(&s, "rp");
    let auth = code_flow(&s, &rp, &IdTokenVerifier::new(ISSUER, "rp"), None).unwrap();
    let hint = auth.id_token.secret();
    assert_eq!(
        oidc::hint::verify_id_token_hint(hint, &record, &s.ctx()).unwrap(),
        "alice"
    );
    let session = OpSession::start("alice", s.now, &s.rng).unwrap();
    assert!(oidc::hint::hint_matches_session(
        "alice",
        &session,
        &record,
        &s.ctx()
    ));
    let bob = OpSession::start("bob", s.now, &s.rng).unwrap();
    assert!(!oidc::hint::hint_matches_session(
        "alice",
        &bob,
        &record,
        &s.ctx()
    ));
    // Another client's hint, a tampered one, one from other keys, an expired one: refused.
    assert!(oidc::hint::verify_id_token_hint(hint, &other, &s.ctx()).is_err());
    let mut tampered = hint.to_owned();
    tampered.pop();
    assert!(oidc::hint::verify_id_token_hint(&tampered, &record, &s.ctx()).is_err());
    let foreign = openid_provider(&[JwsAlgorithm::RS256]);
    let foreign_token = id_token::issue(
        &{
            let mut c = id_token::IdTokenContent::default();
            c.subject = "alice".into();
            c.client_id = "rp".into();
            c
        },
        &record,
        &foreign.ctx(),
    )
    .unwrap();
    assert!(oidc::hint::verify_id_token_hint(&foreign_token, &record, &s.ctx()).is_err());
    s.advance(s.config.lifetimes.id_token + s.config.lifetimes.leeway + 1);
    assert!(oidc::hint::verify_id_token_hint(hint, &record, &s.ctx()).is_err());
}
