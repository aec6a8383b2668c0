//! The UserInfo endpoint and the claims of ID tokens, whole flows on a virtual clock:
//! authcore-oidc's relying party signs in at the provider, then asks the UserInfo endpoint;
//! the relying party's own checks (OpenID Connect Core §3.1.3.7, §5.3.2) decide, including
//! the decryption of encrypted ID tokens and UserInfo responses.

mod common;

use std::sync::Arc;

use authcore_jose::{Jwk, JwkSet, JwsAlgorithm, UnixTime};
use authcore_oauth2::{
    AccessToken, ClientAuthentication, TokenResponseOptions, parse_token_response,
};
use authcore_oidc::{
    AuthenticationRequest, IdTokenVerifier, build_userinfo_request, parse_userinfo_response,
};
use authcore_server::authorize::Prompt;
use authcore_server::model::{ClientAuthMethod, ClientRecord, StoredSecret};
use authcore_server::oidc::claims::ClaimsRequest;
use authcore_server::oidc::discovery;
use authcore_server::{Answer, Finished, Need, UserInfoEndpoint, Write, drive};
use common::oidc::{code_flow_with, id_token_verifying_keys, openid_provider};
use common::{ISSUER, REDIRECT, TestServer, client, interaction, json_with_status};
use http::header::{LOCATION, WWW_AUTHENTICATE};
use serde_json::{Map, Value, json};

const USERINFO: &str = "https://as.example/userinfo";
const SECRET: &str = "a-shared-secret-of-at-least-thirty-two-bytes";

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// A provider with RS256 ID token keys, a JWK Set and the UserInfo endpoint, and alice's
/// claims in the store.
fn provider() -> TestServer {
    let mut s = openid_provider(&[JwsAlgorithm::RS256]);
    s.config
        .scopes_supported
        .extend(["email", "profile", "phone"].iter().map(|x| x.to_string()));
    s.config.endpoints.userinfo = Some(s.config.endpoint("userinfo").unwrap());
    s.store.put_claims(
        "alice",
        obj(json!({
            "name": "Alice Liddell", "email": "alice@example.com", "email_verified": true,
            "phone_number": "+64 555 0100", "groups": ["readers"],
            "sub": "spoofed", "iss": "spoofed",
        })),
    );
    s
}

/// A confidential client that keeps its secret in plain form (so HS* and symmetric
/// encryption can be keyed with it), registered for `openid email profile`.
fn rp_record(s: &TestServer, id: &str) -> ClientRecord {
    let mut c = ClientRecord::new(id, ClientAuthMethod::ClientSecretBasic);
    c.secret = Some(StoredSecret::Plain(authcore_jose::SecretBytes::new(
        SECRET.as_bytes().to_vec(),
    )));
    c.grant_types = vec!["authorization_code".into()];
    c.response_types = vec!["code".into()];
    c.redirect_uris = vec![REDIRECT.into()];
    c.allowed_scopes = ["openid", "email", "profile", "phone", "read"]
        .iter()
        .map(|x| x.to_string())
        .collect();
    s.store.put_client(c.clone());
    c
}

fn rp(id: &str) -> authcore_oauth2::Client {
    client(
        id,
        ClientAuthentication::ClientSecretBasic(authcore_oauth2::ClientSecret::new(SECRET)),
    )
}

/// Signs alice in with `scope` and the `claims` parameter, through to the token response,
/// validated by the relying party's `verifier` (ID token decryption and checks included).
fn sign_in(
    s: &TestServer,
    id: &str,
    scope: &str,
    claims: Option<Value>,
    verifier: &IdTokenVerifier,
    fetch: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> authcore_oidc::Authentication {
    let rp = rp(id);
    let mut req = AuthenticationRequest::new(REDIRECT);
    for sc in scope.split(' ') {
        req = req.scope(sc);
    }
    if let Some(c) = claims {
        req = req.claims(obj(c));
    }
    code_flow_with(s, &rp, req, |a| a, verifier, fetch)
        .expect("the relying party accepts the ID token")
}

fn userinfo_with(
    s: &TestServer,
    req: &http::Request<Vec<u8>>,
    fetch: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> http::Response<Vec<u8>> {
    let mut ep = UserInfoEndpoint::new(req, None);
    drive(&mut ep, &s.ctx(), &s.store, fetch)
}

fn userinfo(s: &TestServer, req: &http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    userinfo_with(s, req, &|_| None)
}

fn challenge(resp: &http::Response<Vec<u8>>) -> String {
    resp.headers()
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn access_token(a: &authcore_oidc::Authentication) -> AccessToken {
    AccessToken::new(a.tokens.as_ref().unwrap().access_token.secret())
}

#[test]
fn userinfo_releases_what_the_scopes_and_the_claims_request_ask_and_nothing_more() {
    let s = provider();
    rp_record(&s, "rp");
    let verifier = IdTokenVerifier::new(ISSUER, "rp");
    let claims = json!({"userinfo": {"groups": null}, "id_token": {"name": {"essential": true}}});
    let auth = sign_in(&s, "rp", "openid email", Some(claims), &verifier, &|_| None);
    // Core §5.4: with a code flow the scope claims go to UserInfo; the ID token carries
    // what the claims parameter asked for it.
    assert_eq!(auth.claims.sub, "alice");
    assert_eq!(auth.claims.standard.name.as_deref(), Some("Alice Liddell"));
    assert!(auth.claims.standard.email.is_none());
    assert!(auth.claims.extra.get("groups").is_none());
    let req = build_userinfo_request(USERINFO, &access_token(&auth)).unwrap();
    let resp = userinfo(&s, &req);
    assert_eq!(
        resp.status(),
        200,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let info = parse_userinfo_response(&resp, &auth.claims.sub).unwrap();
    let body: Value = serde_json::from_slice(resp.body()).unwrap();
    assert_eq!(
        body,
        json!({"sub": "alice", "email": "alice@example.com", "email_verified": true,
               "groups": ["readers"]})
    );
    assert_eq!(info.sub, "alice");
    // POST with the token in the form body (RFC 6750 §2.2) answers the same.
    let post = http::Request::post(USERINFO)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            format!(
                "access_token={}",
                auth.tokens.as_ref().unwrap().access_token.secret()
            )
            .into_bytes(),
        )
        .unwrap();
    let resp = userinfo(&s, &post);
    assert_eq!(resp.status(), 200);
    assert_eq!(serde_json::from_slice::<Value>(resp.body()).unwrap(), body);
}

#[test]
fn userinfo_refusals_follow_rfc_6750() {
    let mut s = provider();
    rp_record(&s, "rp");
    let verifier = IdTokenVerifier::new(ISSUER, "rp");
    let auth = sign_in(&s, "rp", "openid email", None, &verifier, &|_| None);
    let token = access_token(&auth).secret().to_owned();

    // No token: 401 with a challenge and no error code (RFC 6750 §3.1).
    let resp = userinfo(&s, &http::Request::get(USERINFO).body(vec![]).unwrap());
    assert_eq!(resp.status(), 401);
    assert!(
        challenge(&resp).starts_with("Bearer"),
        "{}",
        challenge(&resp)
    );
    assert!(!challenge(&resp).contains("error="));

    // The query is not a token method unless configured (RFC 9700 §4.3.2).
    let in_query = http::Request::get(format!("{USERINFO}?access_token={token}"))
        .body(vec![])
        .unwrap();
    assert_eq!(userinfo(&s, &in_query).status(), 401);
    let mut with_query = provider();
    with_query.config.userinfo.query_token = true;
    rp_record(&with_query, "rp");
    let a2 = sign_in(&with_query, "rp", "openid", None, &verifier, &|_| None);
    let q = http::Request::get(format!(
        "{USERINFO}?access_token={}",
        a2.tokens.as_ref().unwrap().access_token.secret()
    ))
    .body(vec![])
    .unwrap();
    assert_eq!(userinfo(&with_query, &q).status(), 200);

    // An unknown token.
    let bogus = build_userinfo_request(USERINFO, &AccessToken::new("acat_t1.nope")).unwrap();
    let resp = userinfo(&s, &bogus);
    assert_eq!(resp.status(), 401);
    assert!(challenge(&resp).contains("error=\"invalid_token\""));

    // Another method: 405 with Allow.
    let put = http::Request::put(USERINFO)
        .header("authorization", format!("Bearer {token}"))
        .body(vec![])
        .unwrap();
    let resp = userinfo(&s, &put);
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "GET, POST");

    // A token without `openid` (§5.3.1): 403 insufficient_scope naming it.
    let no_openid = sign_in_plain_oauth(&s);
    let resp = userinfo(
        &s,
        &build_userinfo_request(USERINFO, &AccessToken::new(&no_openid)).unwrap(),
    );
    assert_eq!(resp.status(), 403);
    assert!(challenge(&resp).contains("error=\"insufficient_scope\""));
    assert!(challenge(&resp).contains("scope=\"openid\""));

    // The end-user is gone: invalid_token, no claims of anyone else.
    s.store.put_claims("alice", Map::new());
    let req = build_userinfo_request(USERINFO, &AccessToken::new(&token)).unwrap();
    let resp = userinfo(&s, &req);
    assert_eq!(resp.status(), 200, "an empty account still has its sub");
    assert_eq!(
        serde_json::from_slice::<Value>(resp.body()).unwrap(),
        json!({"sub": "alice"})
    );
    let empty_store = NoAccounts(&s.store);
    let mut ep = UserInfoEndpoint::new(&req, None);
    let resp = drive(&mut ep, &s.ctx(), &empty_store, &|_| None);
    assert_eq!(resp.status(), 401);
    assert!(challenge(&resp).contains("error=\"invalid_token\""));

    // A revoked grant revokes the token.
    let h = s
        .keys
        .token_hashing
        .hash_presented(authcore_server::tokens::CredentialKind::AccessToken, &token)
        .unwrap();
    let Answer::Token(Some(rec)) = s.answer(Need::AccessToken(h)) else {
        panic!()
    };
    s.apply(Write::RevokeGrant(rec.grant_id.clone()));
    assert_eq!(userinfo(&s, &req).status(), 401);

    // Expired (the virtual clock moves past the access token's lifetime).
    let a3 = sign_in(&s, "rp", "openid", None, &verifier, &|_| None);
    let req = build_userinfo_request(USERINFO, &access_token(&a3)).unwrap();
    assert_eq!(userinfo(&s, &req).status(), 200);
    s.advance(s.config.lifetimes.access_token + 1);
    let resp = userinfo(&s, &req);
    assert_eq!(resp.status(), 401);
    assert!(challenge(&resp).contains("error=\"invalid_token\""));

    // Not enabled: no UserInfo endpoint.
    s.config.endpoints.userinfo = None;
    assert_eq!(userinfo(&s, &req).status(), 404);
}

/// A store whose application holds no accounts: every `Need::Claims` is `None`.
struct NoAccounts<'a>(&'a authcore_server::store::MemoryStore);

impl authcore_server::Store for NoAccounts<'_> {
    fn answer(&self, need: &Need, now: UnixTime) -> Answer {
        match need {
            Need::Claims { .. } => Answer::Claims(None),
            n => self.0.answer(n, now),
        }
    }

    fn apply_batch(&self, writes: &[Write], now: UnixTime) -> Vec<authcore_server::WriteOutcome> {
        self.0.apply_batch(writes, now)
    }
}

/// An access token granted `read` only, by the client credentials of a plain OAuth client.
fn sign_in_plain_oauth(s: &TestServer) -> String {
    let (_, secret) = s.secret_client("svc", ClientAuthMethod::ClientSecretBasic);
    let req = authcore_oauth2::TokenRequest::client_credentials()
        .scope("read")
        .build_token_request(
            &client("svc", common::basic(&secret)),
            &s.as_seen_by_client(),
            s.now,
            &s.rng,
        )
        .unwrap();
    let t = parse_token_response(&s.token(&req), &TokenResponseOptions::new()).unwrap();
    t.access_token.secret().to_owned()
}

fn dpop_key(s: &TestServer) -> authcore_oauth2::DpopKey {
    let p = s.keys.provider;
    let jwk = Jwk::generate(JwsAlgorithm::EdDSA, p, &s.rng).unwrap();
    authcore_oauth2::DpopKey::new(
        authcore_jose::SigningKey::from_jwk(&jwk, None, p).unwrap(),
        p,
    )
    .unwrap()
}

#[test]
fn dpop_bound_tokens_need_their_proof_and_the_servers_nonce() {
    let mut s = provider();
    let nonces = authcore_server::dpop::DpopNonces::new(&[9u8; 32], 300, s.keys.provider).unwrap();
    s.keys = s.keys.clone().with_dpop_nonces(Arc::new(nonces));
    rp_record(&s, "rp");
    let verifier = IdTokenVerifier::new(ISSUER, "rp");
    let auth = sign_in(&s, "rp", "openid email", None, &verifier, &|_| None);
    // Bind the token to a DPoP key, as the token endpoint does for a DPoP token request.
    let key = dpop_key(&s);
    let token = access_token(&auth).secret().to_owned();
    let h = s
        .keys
        .token_hashing
        .hash_presented(authcore_server::tokens::CredentialKind::AccessToken, &token)
        .unwrap();
    let Answer::Token(Some(mut rec)) = s.answer(Need::AccessToken(h)) else {
        panic!()
    };
    rec.cnf = Some(authcore_server::model::Confirmation {
        jkt: Some(key.jkt().to_owned()),
        x5t_s256: None,
    });
    s.apply(Write::InsertToken(rec));
    let at = AccessToken::new(&token);

    // As a bearer token: refused (RFC 9449 §7.2).
    let resp = userinfo(&s, &build_userinfo_request(USERINFO, &at).unwrap());
    assert_eq!(resp.status(), 401);
    assert!(challenge(&resp).contains("DPoP"), "{}", challenge(&resp));
    // The DPoP scheme without a proof.
    let no_proof = http::Request::get(USERINFO)
        .header("authorization", format!("DPoP {token}"))
        .body(vec![])
        .unwrap();
    let resp = userinfo(&s, &no_proof);
    assert_eq!(resp.status(), 401);
    assert!(
        challenge(&resp).contains("invalid_dpop_proof"),
        "{}",
        challenge(&resp)
    );
    // A proof without the server's nonce: use_dpop_nonce with DPoP-Nonce (RFC 9449 §9).
    let req = authcore_oidc::build_userinfo_request_dpop(USERINFO, &at, &key, None, s.now, &s.rng)
        .unwrap();
    let resp = userinfo(&s, &req);
    assert_eq!(resp.status(), 401);
    assert!(
        challenge(&resp).contains("use_dpop_nonce"),
        "{}",
        challenge(&resp)
    );
    let nonce = resp.headers()[authcore_oauth2::DPOP_NONCE]
        .to_str()
        .unwrap()
        .to_owned();
    // With it: the claims.
    let req = authcore_oidc::build_userinfo_request_dpop(
        USERINFO,
        &at,
        &key,
        Some(&nonce),
        s.now,
        &s.rng,
    )
    .unwrap();
    let resp = userinfo(&s, &req);
    assert_eq!(resp.status(), 200, "{}", challenge(&resp));
    let info = parse_userinfo_response(&resp, "alice").unwrap();
    assert_eq!(info.standard.email.as_deref(), Some("alice@example.com"));
    // The same proof twice: a replay (RFC 9449 §11.1).
    assert_eq!(userinfo(&s, &req).status(), 401);
    // A proof made with another key.
    let other = dpop_key(&s);
    let req = authcore_oidc::build_userinfo_request_dpop(
        USERINFO,
        &at,
        &other,
        Some(&nonce),
        s.now,
        &s.rng,
    )
    .unwrap();
    assert_eq!(userinfo(&s, &req).status(), 401);
}

#[test]
fn pairwise_clients_see_their_pairwise_sub_at_userinfo_too() {
    let mut s = provider();
    s.keys = s
        .keys
        .clone()
        .with_pairwise_salt(authcore_jose::SecretBytes::new(vec![3u8; 32]));
    let mut c = rp_record(&s, "rp");
    c.extra.insert("subject_type".into(), "pairwise".into());
    s.store.put_client(c);
    let verifier = IdTokenVerifier::new(ISSUER, "rp");
    let auth = sign_in(&s, "rp", "openid email", None, &verifier, &|_| None);
    assert_ne!(auth.claims.sub, "alice");
    let req = build_userinfo_request(USERINFO, &access_token(&auth)).unwrap();
    // §5.3.2: the relying party checks the UserInfo sub against the ID token's.
    let info = parse_userinfo_response(&userinfo(&s, &req), &auth.claims.sub).unwrap();
    assert_eq!(info.sub, auth.claims.sub);
}

#[test]
fn signed_userinfo_responses_verify_at_the_relying_party() {
    let s = provider();
    let mut c = rp_record(&s, "rp");
    c.extra
        .insert("userinfo_signed_response_alg".into(), "RS256".into());
    s.store.put_client(c.clone());
    let verifier = IdTokenVerifier::new(ISSUER, "rp");
    let auth = sign_in(&s, "rp", "openid email", None, &verifier, &|_| None);
    let req = build_userinfo_request(USERINFO, &access_token(&auth)).unwrap();
    let resp = userinfo(&s, &req);
    assert_eq!(resp.headers()["content-type"], "application/jwt");
    let keys = id_token_verifying_keys(&s);
    let info =
        authcore_oidc::parse_signed_userinfo_response(&resp, &auth.claims.sub, &verifier, keys)
            .unwrap();
    assert!(info.signed);
    assert_eq!(info.extra["iss"], ISSUER);
    assert_eq!(info.extra["aud"], "rp");
    assert_eq!(info.standard.email.as_deref(), Some("alice@example.com"));
    // HS256 with the client secret (Core §10.1).
    c.extra
        .insert("userinfo_signed_response_alg".into(), "HS256".into());
    s.store.put_client(c);
    let resp = userinfo(&s, &req);
    let hmac =
        authcore_jose::VerifyingKey::hmac(JwsAlgorithm::HS256, SECRET.as_bytes(), s.keys.provider)
            .unwrap();
    let hs_verifier = IdTokenVerifier::new(ISSUER, "rp")
        .allowed_algorithms([JwsAlgorithm::HS256])
        .unwrap();
    let info =
        authcore_oidc::parse_signed_userinfo_response(&resp, &auth.claims.sub, &hs_verifier, &hmac)
            .unwrap();
    assert!(info.signed);
    // The RS256 verifier of before refuses it: the registration decides the algorithm.
    assert!(
        authcore_oidc::parse_signed_userinfo_response(&resp, &auth.claims.sub, &verifier, keys)
            .is_err()
    );
}

/// `dir` with A256GCM keyed from the client secret (Core §10.2): the algorithms every crypto
/// provider has.
#[test]
fn id_tokens_and_userinfo_encrypted_with_the_client_secret_open_at_the_relying_party() {
    use authcore_jose::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Kma};
    let s = provider();
    let mut c = rp_record(&s, "rp");
    for prefix in ["id_token", "userinfo"] {
        c.extra
            .insert(format!("{prefix}_encrypted_response_alg"), "dir".into());
        c.extra
            .insert(format!("{prefix}_encrypted_response_enc"), "A256GCM".into());
    }
    s.store.put_client(c);
    let algs = authcore_oidc::JweAlgorithms::new(Kma::Dir, Enc::A256Gcm);
    let key = authcore_oidc::client_secret_key(
        &authcore_oauth2::ClientSecret::new(SECRET),
        Kma::Dir,
        Enc::A256Gcm,
        s.keys.provider,
    )
    .unwrap();
    let verifier = IdTokenVerifier::new(ISSUER, "rp")
        .decryption_keys(
            authcore_jose::jwe::DecryptionKey::symmetric(Kma::Dir, key.expose(), s.keys.provider)
                .unwrap(),
        )
        .id_token_encrypted_response(algs)
        .userinfo_encrypted_response(algs);
    let auth = sign_in(&s, "rp", "openid email", None, &verifier, &|_| None);
    assert_eq!(auth.claims.sub, "alice");
    let req = build_userinfo_request(USERINFO, &access_token(&auth)).unwrap();
    let resp = userinfo(&s, &req);
    assert_eq!(resp.headers()["content-type"], "application/jwt");
    // Encrypted only (no signing algorithm registered): the claims themselves inside.
    let info = authcore_oidc::parse_encrypted_userinfo_response(&resp, &auth.claims.sub, &verifier)
        .unwrap();
    assert!(info.encrypted && !info.signed);
    assert_eq!(info.standard.email.as_deref(), Some("alice@example.com"));
    // Nothing in clear: the plain JSON reader refuses the response.
    assert!(parse_userinfo_response(&resp, &auth.claims.sub).is_err());
    assert!(!String::from_utf8_lossy(resp.body()).contains("alice@example.com"));
}

/// A client's public encryption key from its `jwks` or its `jwks_uri`; nested (signed, then
/// encrypted) UserInfo responses.
#[cfg(feature = "aws-lc-rs")]
#[test]
fn encryption_to_the_clients_public_key_from_jwks_or_jwks_uri() {
    use authcore_jose::jwe::{DecryptionKey, DecryptionKeys};
    use authcore_jose::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Kma};
    let s = provider();
    let p = s.keys.provider;
    // The client's keys: a signing key (use sig, which must not be picked) and an
    // encryption key (use enc).
    let mut sig = Jwk::generate(JwsAlgorithm::ES256, p, &s.rng).unwrap();
    sig.kid = Some("sig".into());
    sig.key_use = Some("sig".into());
    let mut enc = Jwk::generate(JwsAlgorithm::RS256, p, &s.rng).unwrap();
    enc.kid = Some("enc".into());
    enc.key_use = Some("enc".into());
    enc.alg = None;
    let public = JwkSet::new(vec![sig.to_public().unwrap(), enc.to_public().unwrap()]);
    let mut c = rp_record(&s, "rp");
    c.jwks = Some(public.clone());
    c.extra.insert(
        "id_token_encrypted_response_alg".into(),
        "RSA-OAEP-256".into(),
    );
    c.extra.insert(
        "userinfo_encrypted_response_alg".into(),
        "RSA-OAEP-256".into(),
    );
    c.extra
        .insert("userinfo_signed_response_alg".into(), "RS256".into());
    s.store.put_client(c.clone());
    let algs = authcore_oidc::JweAlgorithms::with_default_enc(Kma::RsaOaep256);
    let mut keys = DecryptionKeys::new();
    keys.push(DecryptionKey::from_jwk(&enc, Some(Kma::RsaOaep256), p).unwrap());
    let verifier = IdTokenVerifier::new(ISSUER, "rp")
        .decryption_keys(keys)
        .id_token_encrypted_response(algs)
        .userinfo_encrypted_response(algs);
    let auth = sign_in(&s, "rp", "openid email", None, &verifier, &|_| None);
    let req = build_userinfo_request(USERINFO, &access_token(&auth)).unwrap();
    let resp = userinfo(&s, &req);
    let signing = id_token_verifying_keys(&s);
    let info =
        authcore_oidc::parse_signed_userinfo_response(&resp, &auth.claims.sub, &verifier, signing)
            .unwrap();
    assert!(info.signed && info.encrypted);
    // Registration §2: the enc default is A128CBC-HS256.
    assert_eq!(algs.enc(), Enc::A128CbcHs256);

    // By reference: the same keys fetched from the registered jwks_uri (Need::Fetch).
    c.jwks = None;
    c.extra
        .insert("jwks_uri".into(), "https://app.example/jwks".into());
    s.store.put_client(c.clone());
    let doc = public.to_json().into_bytes();
    let fetch = move |url: &str| (url == "https://app.example/jwks").then(|| doc.clone());
    let auth = sign_in(&s, "rp", "openid email", None, &verifier, &fetch);
    let req = build_userinfo_request(USERINFO, &access_token(&auth)).unwrap();
    let resp = userinfo_with(&s, &req, &fetch);
    authcore_oidc::parse_signed_userinfo_response(&resp, &auth.claims.sub, &verifier, signing)
        .unwrap();
    // A jwks_uri that cannot be fetched: a server error, never a response in clear.
    let resp = userinfo_with(&s, &req, &|_| None);
    assert_eq!(resp.status(), 500);
    // A key set without an encryption key for the algorithm.
    c.extra.remove("jwks_uri");
    c.jwks = Some(JwkSet::new(vec![sig.to_public().unwrap()]));
    s.store.put_client(c);
    assert_eq!(userinfo(&s, &req).status(), 500);
}

#[test]
fn discovery_lists_userinfo_and_encryption_only_as_enabled() {
    let mut s = provider();
    let m = discovery::provider_metadata(&s.config, &s.keys).unwrap();
    assert_eq!(m.userinfo_endpoint.as_deref(), Some(USERINFO));
    assert!(m.userinfo_signing_alg_values_supported.is_some());
    let id_algs = m.id_token_encryption_alg_values_supported.clone().unwrap();
    let ui_algs = m.userinfo_encryption_alg_values_supported.clone().unwrap();
    assert_eq!(id_algs, ui_algs);
    assert!(id_algs.iter().any(|a| a == "dir"));
    assert!(
        !id_algs
            .iter()
            .any(|a| a == "RSA1_5" || a.starts_with("PBES2"))
    );
    for a in &id_algs {
        assert!(
            s.keys
                .provider
                .supports(a.parse::<authcore_jose::KeyManagementAlgorithm>().unwrap())
        );
    }
    assert!(m.request_object_encryption_alg_values_supported.is_none());
    s.config.endpoints.userinfo = None;
    let m = discovery::provider_metadata(&s.config, &s.keys).unwrap();
    assert!(m.userinfo_endpoint.is_none());
    assert!(m.userinfo_signing_alg_values_supported.is_none());
    assert!(m.userinfo_encryption_alg_values_supported.is_none());
}

#[test]
fn a_claims_request_kept_by_the_grant_reads_back() {
    let r = ClaimsRequest::parse(r#"{"userinfo":{"groups":null}}"#).unwrap();
    let mut g = authcore_server::model::GrantRecord::new(
        authcore_server::model::GrantId("g".into()),
        "rp",
        "alice",
        vec![],
        vec![],
        UnixTime::from_secs(0),
    );
    assert_eq!(ClaimsRequest::from_grant(&g), None);
    g.claims_request = Some(r#"{"userinfo":{"groups":null}}"#.into());
    assert_eq!(ClaimsRequest::from_grant(&g), Some(r));
    // A kept text that no longer parses asks for nothing.
    g.claims_request = Some("[".into());
    assert_eq!(ClaimsRequest::from_grant(&g), None);
}

fn register(s: &TestServer, metadata: Value) -> http::Response<Vec<u8>> {
    let m =
        authcore_oauth2::wire::ClientMetadata::from_json(metadata.to_string().as_bytes()).unwrap();
    let req = m
        .build_registration_request("https://as.example/register", None)
        .unwrap();
    let mut ep = authcore_server::registration::RegistrationEndpoint::new(&req);
    drive(&mut ep, &s.ctx(), &s.store, &|_| None)
}

fn registration_error(resp: &http::Response<Vec<u8>>) -> String {
    let v = json_with_status(resp, 400);
    assert_eq!(v["error"], "invalid_client_metadata");
    v["error_description"].as_str().unwrap().to_owned()
}

/// Registration §2: encryption is accepted when this provider can honour it, with
/// `A128CBC-HS256` registered as the default `enc`; the secret of a client that keys
/// something with it is kept (not hashed); everything else is refused naming the member.
#[test]
fn encryption_registrations_are_validated_against_the_provider() {
    let mut s = provider();
    s.config.endpoints.registration = Some(s.config.endpoint("register").unwrap());
    let base = json!({"redirect_uris": [REDIRECT], "scope": "openid email"});
    let with = |extra: Value| {
        let mut m = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            m[k] = v.clone();
        }
        m
    };

    // Only `alg`: the default `enc` A128CBC-HS256 applies, and is registered explicitly when
    // the crypto provider has AES-CBC (ring alone has not: then the default is refused).
    let resp = register(&s, with(json!({"userinfo_encrypted_response_alg": "dir"})));
    if s.keys
        .provider
        .supports(authcore_jose::ContentEncryptionAlgorithm::A128CbcHs256)
    {
        let info = json_with_status(&resp, 201);
        assert_eq!(info["userinfo_encrypted_response_enc"], "A128CBC-HS256");
    } else {
        let why = registration_error(&resp);
        assert!(why.contains("userinfo_encrypted_response_enc"), "{why}");
    }
    let resp = register(
        &s,
        with(json!({"userinfo_encrypted_response_alg": "dir",
                    "userinfo_encrypted_response_enc": "A256GCM"})),
    );
    let info = json_with_status(&resp, 201);
    assert_eq!(info["userinfo_encrypted_response_enc"], "A256GCM");
    let Answer::Client(Some(record)) =
        s.answer(Need::Client(info["client_id"].as_str().unwrap().into()))
    else {
        panic!("not stored")
    };
    assert!(matches!(record.secret, Some(StoredSecret::Plain(_))));
    // Without any symmetric key or HS* signature the secret is kept only as its hash.
    let resp = register(&s, base.clone());
    let info: Value = serde_json::from_slice(resp.body()).unwrap();
    let Answer::Client(Some(record)) =
        s.answer(Need::Client(info["client_id"].as_str().unwrap().into()))
    else {
        panic!("not stored")
    };
    assert!(matches!(record.secret, Some(StoredSecret::Keyed(_))));

    // RFC 7592 update: a client registered with a hashed secret cannot add a symmetric
    // encryption later (its secret can no longer be had); with a kept secret it can.
    let hashed = authcore_oauth2::parse_registration_response(&register(&s, base.clone())).unwrap();
    let mut m = authcore_oauth2::wire::ClientMetadata::from_json(
        with(json!({"userinfo_encrypted_response_alg": "A256GCMKW",
                    "userinfo_encrypted_response_enc": "A256GCM"}))
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    let update = |info: &authcore_oauth2::wire::ClientInformationResponse,
                  m: &authcore_oauth2::wire::ClientMetadata| {
        let req = info.build_update_request(m).unwrap();
        let mut ep = authcore_server::registration::RegistrationEndpoint::new(&req);
        drive(&mut ep, &s.ctx(), &s.store, &|_| None)
    };
    let why = registration_error(&update(&hashed, &m));
    assert!(why.contains("symmetric encryption"), "{why}");
    let kept = authcore_oauth2::parse_registration_response(&register(
        &s,
        with(json!({"id_token_signed_response_alg": "HS256"})),
    ))
    .unwrap();
    m.extra
        .insert("id_token_signed_response_alg".into(), "HS256".into());
    let resp = update(&kept, &m);
    assert_eq!(
        resp.status(),
        200,
        "{}",
        String::from_utf8_lossy(resp.body())
    );

    for (extra, names) in [
        (
            json!({"id_token_encrypted_response_alg": "XYZ"}),
            "id_token_encrypted_response_alg",
        ),
        (
            json!({"id_token_encrypted_response_alg": "RSA1_5"}),
            "id_token_encrypted_response_alg",
        ),
        (
            json!({"userinfo_encrypted_response_alg": "PBES2-HS256+A128KW"}),
            "userinfo_encrypted_response_alg",
        ),
        (
            json!({"userinfo_encrypted_response_alg": "dir",
                   "userinfo_encrypted_response_enc": "A999GCM"}),
            "userinfo_encrypted_response_enc",
        ),
        (
            json!({"userinfo_encrypted_response_enc": "A128GCM"}),
            "userinfo_encrypted_response_enc",
        ),
        (
            json!({"id_token_encrypted_response_alg": 5}),
            "id_token_encrypted_response_alg",
        ),
        // Asymmetric encryption to a client that registered no keys.
        (
            json!({"id_token_encrypted_response_alg": "ECDH-ES"}),
            "id_token_encrypted_response_alg",
        ),
        // A symmetric key without a client secret (Core §10.2).
        (
            json!({"userinfo_encrypted_response_alg": "A128KW",
                   "token_endpoint_auth_method": "none",
                   "grant_types": ["authorization_code"]}),
            "userinfo_encrypted_response_alg",
        ),
        // No request object decryption keys: no encrypted request objects.
        (
            json!({"request_object_encryption_alg": "RSA-OAEP-256",
                   "jwks": {"keys": []}}),
            "request_object_encryption_alg",
        ),
        // JARM is not offered.
        (
            json!({"authorization_encrypted_response_alg": "dir"}),
            "authorization_encrypted_response",
        ),
    ] {
        let why = registration_error(&register(&s, with(extra.clone())));
        assert!(why.contains(names), "{extra}: {why}");
    }
}

/// The provider's request object decryption keys: a private key set whose public halves are
/// published with `use` `enc`; encrypted request objects (Core §6.1, signed then encrypted)
/// decrypt with them and verify as signed ones do; one encrypted to another key is refused.
#[cfg(feature = "aws-lc-rs")]
#[test]
fn encrypted_request_objects_decrypt_with_the_providers_key() {
    use authcore_jose::KeyManagementAlgorithm as Kma;
    use authcore_server::jar::RequestObjectDecryptionKeys;
    let mut s = provider();
    let p = s.keys.provider;
    let mut private = Jwk::generate(JwsAlgorithm::RS256, p, &s.rng).unwrap();
    private.kid = Some("ro-enc".into());
    private.alg = None;
    let keys =
        RequestObjectDecryptionKeys::from_private_jwks(&JwkSet::new(vec![private]), p).unwrap();
    s.keys = s
        .keys
        .clone()
        .with_request_object_decryption(Arc::new(keys));
    // Published with use enc, beside the signing keys, and advertised.
    let jwks = discovery::jwks(&s.keys, s.now).unwrap();
    let enc_key = jwks
        .keys
        .iter()
        .find(|k| k.kid.as_deref() == Some("ro-enc"))
        .unwrap();
    assert_eq!(enc_key.key_use.as_deref(), Some("enc"));
    assert!(!enc_key.is_private());
    let m = discovery::provider_metadata(&s.config, &s.keys).unwrap();
    assert!(
        m.request_object_encryption_alg_values_supported
            .as_ref()
            .unwrap()
            .iter()
            .any(|a| a == "RSA-OAEP-256")
    );

    let (signer, public) = common::ed25519(&s.rng, "ro-sig");
    let mut c = rp_record(&s, "rp");
    c.jwks = Some(JwkSet::new(vec![public]));
    s.store.put_client(c);
    let algs = authcore_oidc::JweAlgorithms::new(
        Kma::RsaOaep256,
        authcore_jose::ContentEncryptionAlgorithm::A256Gcm,
    );
    let encryption =
        authcore_oidc::RequestObjectEncryption::from_provider_jwks(&jwks, None, algs, p).unwrap();
    let (url, _pending) = AuthenticationRequest::new(REDIRECT)
        .scope("email")
        .build_encrypted_url(
            &rp("rp"),
            &s.as_seen_by_client(),
            signer.as_ref(),
            &encryption,
            s.now,
            &s.rng,
        )
        .unwrap();
    let i = interaction(common::get(&s, &url));
    assert!(
        i.prompts
            .iter()
            .any(|p| matches!(p, Prompt::Consent { .. }))
    );

    // Encrypted to a key the provider does not hold.
    let mut stranger = Jwk::generate(JwsAlgorithm::RS256, p, &s.rng).unwrap();
    stranger.kid = Some("ro-enc".into());
    stranger.alg = None;
    let stranger_set = JwkSet::new(vec![stranger.to_public().unwrap()]);
    let wrong =
        authcore_oidc::RequestObjectEncryption::from_provider_jwks(&stranger_set, None, algs, p)
            .unwrap();
    let (url, _) = AuthenticationRequest::new(REDIRECT)
        .scope("email")
        .build_encrypted_url(
            &rp("rp"),
            &s.as_seen_by_client(),
            signer.as_ref(),
            &wrong,
            s.now,
            &s.rng,
        )
        .unwrap();
    match common::get(&s, &url) {
        Finished::Respond(r) => {
            let loc = r.headers()[LOCATION].to_str().unwrap().to_owned();
            assert!(loc.contains("error=invalid_request_object"), "{loc}");
        }
        Finished::Interact(_) => panic!("a request object for another key was accepted"),
    }

    // A provider without decryption keys refuses encrypted request objects.
    s.keys.request_object_decryption = None;
    match common::get(&s, &url) {
        Finished::Respond(r) => {
            let loc = r.headers()[LOCATION].to_str().unwrap().to_owned();
            assert!(loc.contains("error=invalid_request_object"), "{loc}");
        }
        Finished::Interact(_) => panic!("accepted without decryption keys"),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any request to the UserInfo endpoint gets an answer, never a panic: arbitrary
    /// methods, `Authorization` and `DPoP` headers, queries and bodies, against a store that
    /// holds a live token (whose value the request may carry).
    #[test]
    fn any_userinfo_request_is_answered(
        method in "(GET|POST|PUT|DELETE)",
        scheme in "(Bearer|DPoP|bearer|Basic|)",
        use_live_token in proptest::bool::ANY,
        junk in "[ -~]{0,60}",
        dpop in proptest::option::of("[ -~]{0,120}"),
        query in "[a-z_=&%0-9.]{0,40}",
        body in proptest::collection::vec(proptest::num::u8::ANY, 0..120),
    ) {
        let s = fixture_with_token();
        let token = if use_live_token { s.1.clone() } else { junk.clone() };
        let mut req = http::Request::builder()
            .method(method.as_str())
            .uri(format!("{USERINFO}?{query}"))
            .header("content-type", "application/x-www-form-urlencoded");
        if let Ok(v) = http::HeaderValue::try_from(format!("{scheme} {token}")) {
            req = req.header("authorization", v);
        }
        if let Some(d) = dpop {
            if let Ok(v) = http::HeaderValue::try_from(d) {
                req = req.header("dpop", v);
            }
        }
        let req = req.body(body).unwrap();
        let resp = userinfo(&s.0, &req);
        let status = resp.status().as_u16();
        proptest::prop_assert!(matches!(status, 200 | 400 | 401 | 403 | 405), "{status}");
        if status == 200 {
            proptest::prop_assert!(use_live_token && (method == "GET" || method == "POST"));
        }
    }
}

/// The provider with one signed-in session's access token (for the property test).
fn fixture_with_token() -> &'static (TestServer, String) {
    static F: std::sync::OnceLock<(TestServer, String)> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let s = provider();
        rp_record(&s, "rp");
        let verifier = IdTokenVerifier::new(ISSUER, "rp");
        let auth = sign_in(&s, "rp", "openid email", None, &verifier, &|_| None);
        let token = auth
            .tokens
            .as_ref()
            .unwrap()
            .access_token
            .secret()
            .to_owned();
        (s, token)
    })
}
