//! Whole flows on a virtual clock: authcore-oauth2's client against the token, revocation and
//! introspection endpoints and the resource server, with the in-memory store.

use std::sync::Arc;

use authcore_jose::crypto::{self, CryptoProvider};
use authcore_jose::{InsecureTestRandom, Jwk, JwsAlgorithm, SigningKey, UnixTime};
use authcore_oauth2::{
    AccessToken, AuthorizationServer, Client, ClientAuthentication, ClientSecret, DpopExchange,
    DpopKey, DpopStep, ErrorCode, RevocationOutcome, TokenRequest, TokenResponse,
    TokenResponseOptions, TokenType, TokenTypeHint, authorize_bearer, build_introspection_request,
    build_jwt_introspection_request, build_revocation_request, parse_introspection_response,
    parse_jwt_introspection_response, parse_revocation_response, parse_token_response,
    parse_www_authenticate_headers,
};
use authcore_server::client_auth::{ClientCertificate, generate_secret};
use authcore_server::config::{AccessTokenFormat, ResourceServer};
use authcore_server::dpop::DpopNonces;
use authcore_server::model::{ClientAuthMethod, ClientRecord};
use authcore_server::resource::{
    AuthorizedAccess, OpaqueTokens, ResourceRequest, ResourceServerConfig, ResourceStep,
    TokenLocations, TokenScheme, TokenSource,
};
use authcore_server::signing_keys::SigningKeySet;
use authcore_server::store::MemoryStore;
use authcore_server::{
    Answer, Context, IntrospectionEndpoint, Need, RevocationEndpoint, ServerConfig, ServerKeys,
    Store, Supplied, TokenEndpoint, apply_batch, drive,
};
use http::{Method, Request, Response, StatusCode};

const ISS: &str = "https://as.example";
const RS: &str = "https://rs.example";
const API: &str = "https://api.example";
const PHOTOS: &str = "https://rs.example/photos";
const API_DATA: &str = "https://api.example/data";

fn provider() -> &'static CryptoProvider {
    crypto::default_provider()
}

struct World {
    config: ServerConfig,
    keys: ServerKeys,
    signing: Arc<SigningKeySet>,
    store: MemoryStore,
    rng: InsecureTestRandom,
    now: UnixTime,
    server: AuthorizationServer,
    app: Client,
    other: Client,
    rs: Client,
    dpop_app: Client,
    mtls_app: Client,
}

impl World {
    fn new() -> World {
        let rng = InsecureTestRandom::new(42);
        let mut signing = SigningKeySet::new(3600);
        let mut k = Jwk::generate(JwsAlgorithm::EdDSA, provider(), &rng).unwrap();
        k.kid = Some("as-1".into());
        signing.add_key(&k, None, provider()).unwrap();
        let signing = Arc::new(signing);
        let keys = ServerKeys::generate(provider(), &rng)
            .unwrap()
            .with_jwt_access_tokens(signing.clone());
        let mut config = ServerConfig::new(ISS).unwrap();
        config.endpoints.revocation = Some(config.endpoint("revoke").unwrap());
        config.endpoints.introspection = Some(config.endpoint("introspect").unwrap());
        let mut rs = ResourceServer::new(RS);
        rs.introspection_client_id = Some("rs".into());
        let mut api = ResourceServer::new(API);
        api.access_token_format = AccessTokenFormat::Jwt;
        api.introspection_client_id = Some("api".into());
        config.resource_servers = vec![rs, api];
        let now = UnixTime::from_secs(1_700_000_000);
        let store = MemoryStore::new();
        let mut secrets = Vec::new();
        {
            let ctx = Context::new(&config, &keys, now, &rng);
            for (id, method, dpop, mtls) in [
                ("app", ClientAuthMethod::ClientSecretBasic, false, false),
                ("other", ClientAuthMethod::ClientSecretBasic, false, false),
                ("rs", ClientAuthMethod::ClientSecretPost, false, false),
                ("api", ClientAuthMethod::ClientSecretPost, false, false),
                ("dpop-app", ClientAuthMethod::ClientSecretBasic, true, false),
                ("mtls-app", ClientAuthMethod::ClientSecretBasic, false, true),
            ] {
                let (secret, stored) = generate_secret(&ctx).unwrap();
                let mut c = ClientRecord::new(id, method);
                c.secret = Some(stored);
                c.grant_types = vec!["client_credentials".into()];
                c.allowed_scopes = vec!["read".into(), "write".into()];
                c.allowed_resources = vec![RS.into(), API.into()];
                c.dpop_bound_access_tokens = dpop;
                c.tls_client_certificate_bound_access_tokens = mtls;
                store.put_client(c);
                secrets.push(String::from_utf8(secret.expose().to_vec()).unwrap());
            }
        }
        let basic = |id: &str, s: &str| {
            Client::new(
                id,
                ClientAuthentication::ClientSecretBasic(ClientSecret::new(s)),
            )
        };
        let server = AuthorizationServer::new(ISS)
            .with_token_endpoint(&format!("{ISS}/token"))
            .unwrap()
            .with_revocation_endpoint(&format!("{ISS}/revoke"))
            .unwrap()
            .with_introspection_endpoint(&format!("{ISS}/introspect"))
            .unwrap();
        World {
            app: basic("app", &secrets[0]),
            other: basic("other", &secrets[1]),
            rs: Client::new(
                "rs",
                ClientAuthentication::ClientSecretPost(ClientSecret::new(secrets[2].clone())),
            ),
            dpop_app: basic("dpop-app", &secrets[4]),
            mtls_app: basic("mtls-app", &secrets[5]),
            config,
            keys,
            signing,
            store,
            rng,
            now,
            server,
        }
    }

    fn ctx(&self) -> Context<'_> {
        Context::new(&self.config, &self.keys, self.now, &self.rng)
    }

    fn tick(&mut self, secs: u64) {
        self.now = self.now.saturating_add(secs);
    }

    /// A client-credentials token for `resource`, DPoP-bound with `dpop`, certificate-bound
    /// with `cert`.
    fn token(
        &self,
        client: &Client,
        resource: &str,
        dpop: Option<&DpopKey>,
        cert: Option<&ClientCertificate>,
    ) -> Result<TokenResponse, authcore_oauth2::Error> {
        let mut req = TokenRequest::client_credentials()
            .scope("read")
            .resource(resource)
            .build_token_request(client, &self.server, self.now, &self.rng)
            .unwrap();
        if let Some(key) = dpop {
            key.attach_proof(&mut req, None, None, self.now, &self.rng)
                .unwrap();
        }
        // The token endpoint verifies the proof itself.
        let mut endpoint = TokenEndpoint::new(&req, cert);
        let resp = drive(&mut endpoint, &self.ctx(), &self.store, &|_| None);
        let options = match dpop {
            Some(_) => TokenResponseOptions::new().dpop(),
            None => TokenResponseOptions::new(),
        };
        parse_token_response(&resp, &options)
    }

    fn introspect(&self, req: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        let mut endpoint = IntrospectionEndpoint::new(req, None, Some(&self.signing));
        drive(&mut endpoint, &self.ctx(), &self.store, &|_| None)
    }

    fn revoke(&self, client: &Client, token: &str) -> Response<Vec<u8>> {
        let req = build_revocation_request(
            client,
            &self.server,
            token,
            Some(TokenTypeHint::AccessToken),
            self.now,
            &self.rng,
        )
        .unwrap();
        let mut endpoint = RevocationEndpoint::new(&req, None);
        drive(&mut endpoint, &self.ctx(), &self.store, &|_| None)
    }

    /// Runs the resource check to its end: store lookups from the store, introspection
    /// through the introspection endpoint with the "rs" client.
    fn access(
        &self,
        rs: &ResourceServerConfig,
        req: &Request<Vec<u8>>,
        uri: &str,
        cert: Option<&ClientCertificate>,
        scopes: &[&str],
    ) -> Result<AuthorizedAccess, Response<Vec<u8>>> {
        let keys = self.signing.verifying_keys_at(self.now);
        let mut check = ResourceRequest::new(rs, keys, req, uri, cert, scopes);
        let mut supplied = Supplied::new();
        loop {
            match check.step(&supplied, self.now, provider()) {
                ResourceStep::Need(needs) => {
                    for need in needs {
                        let answer = match &need {
                            Need::Introspect(token) => {
                                let ireq = build_introspection_request(
                                    &self.rs,
                                    &self.server,
                                    token.secret(),
                                    Some(TokenTypeHint::AccessToken),
                                    self.now,
                                    &self.rng,
                                )
                                .unwrap();
                                Answer::Introspected(
                                    parse_introspection_response(&self.introspect(&ireq)).ok(),
                                )
                            }
                            other => self.store.answer(other, self.now),
                        };
                        supplied.answer(need, answer);
                    }
                }
                ResourceStep::Write(writes) => {
                    supplied.record_outcomes(apply_batch(&self.store, &writes, self.now));
                }
                ResourceStep::Allow(a) => return Ok(a),
                ResourceStep::Deny(r) => return Err(r),
            }
        }
    }

    fn stored_rs(&self) -> ResourceServerConfig {
        ResourceServerConfig::new(
            RS,
            ISS,
            OpaqueTokens::Stored(self.keys.token_hashing.clone()),
        )
    }
}

fn get(uri: &str, token: Option<&AccessToken>) -> Request<Vec<u8>> {
    let mut r = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .body(Vec::new())
        .unwrap();
    if let Some(t) = token {
        authorize_bearer(&mut r, t).unwrap();
    }
    r
}

fn challenge_error(resp: &Response<Vec<u8>>, scheme: &str) -> Option<ErrorCode> {
    parse_www_authenticate_headers(resp.headers())
        .unwrap()
        .into_iter()
        .find(|c| c.is_scheme(scheme))
        .and_then(|c| c.error())
}

#[test]
fn opaque_bearer_token_from_the_store() {
    let w = World::new();
    let t = w.token(&w.app, RS, None, None).unwrap();
    assert_eq!(t.token_type, TokenType::Bearer);
    let rs = w.stored_rs();
    let a = w
        .access(
            &rs,
            &get(PHOTOS, Some(&t.access_token)),
            PHOTOS,
            None,
            &["read"],
        )
        .unwrap();
    assert_eq!(a.subject.as_deref(), Some("app"));
    assert_eq!(a.client_id.as_deref(), Some("app"));
    assert_eq!(a.scopes, ["read"]);
    assert_eq!(a.source, TokenSource::Stored);
    assert_eq!(a.scheme, TokenScheme::Bearer);

    // A scope the token lacks: 403 insufficient_scope naming the scope needed.
    let r = w
        .access(
            &rs,
            &get(PHOTOS, Some(&t.access_token)),
            PHOTOS,
            None,
            &["write"],
        )
        .unwrap_err();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let cs = parse_www_authenticate_headers(r.headers()).unwrap();
    let bearer = cs.iter().find(|c| c.is_scheme("Bearer")).unwrap();
    assert_eq!(bearer.error(), Some(ErrorCode::InsufficientScope));
    assert_eq!(bearer.scope(), Some(vec!["write".to_owned()]));

    // A token for another resource server.
    let mut elsewhere = w.stored_rs();
    elsewhere.identifier = "https://elsewhere.example".into();
    let r = w
        .access(
            &elsewhere,
            &get(PHOTOS, Some(&t.access_token)),
            PHOTOS,
            None,
            &[],
        )
        .unwrap_err();
    assert_eq!(challenge_error(&r, "Bearer"), Some(ErrorCode::InvalidToken));

    // A made-up token and an expired one.
    let fake = AccessToken::new("acat_t1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let r = w
        .access(&rs, &get(PHOTOS, Some(&fake)), PHOTOS, None, &[])
        .unwrap_err();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(challenge_error(&r, "Bearer"), Some(ErrorCode::InvalidToken));
    let mut later = World::new();
    let t2 = later.token(&later.app, RS, None, None).unwrap();
    later.tick(3600);
    let rs2 = later.stored_rs();
    assert!(
        later
            .access(
                &rs2,
                &get(PHOTOS, Some(&t2.access_token)),
                PHOTOS,
                None,
                &[]
            )
            .is_err()
    );
}

#[test]
fn rfc6750_presentation_rules() {
    let w = World::new();
    let t = w.token(&w.app, RS, None, None).unwrap();
    let mut rs = w.stored_rs();
    rs.realm = Some("photos".into());

    // No token: 401, a challenge per accepted scheme, no error code (RFC 6750 §3.1), DPoP
    // with its algorithms (RFC 9449 §7.1).
    let r = w
        .access(&rs, &get(PHOTOS, None), PHOTOS, None, &[])
        .unwrap_err();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let cs = parse_www_authenticate_headers(r.headers()).unwrap();
    assert_eq!(cs.len(), 2);
    assert!(cs.iter().all(|c| c.error().is_none()));
    assert_eq!(cs[0].realm(), Some("photos"));
    let dpop = cs.iter().find(|c| c.is_scheme("DPoP")).unwrap();
    assert!(dpop.algs().contains(&"ES256".to_owned()));

    // The query method is ignored unless enabled; then it works, and two methods at once
    // are refused with 400 invalid_request.
    let q = format!("{PHOTOS}?access_token={}", t.access_token.secret());
    assert!(w.access(&rs, &get(&q, None), &q, None, &[]).is_err());
    rs.locations = {
        let mut l = TokenLocations::default();
        l.uri_query = true;
        l.form_body = true;
        l
    };
    let a = w.access(&rs, &get(&q, None), &q, None, &[]).unwrap();
    assert_eq!(
        a.location,
        authcore_server::resource::TokenLocation::UriQuery
    );
    let r = w
        .access(&rs, &get(&q, Some(&t.access_token)), &q, None, &[])
        .unwrap_err();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        challenge_error(&r, "Bearer"),
        Some(ErrorCode::InvalidRequest)
    );

    // The form body method (RFC 6750 §2.2), only for a form body on a method with one.
    let mut post = Request::builder()
        .method(Method::POST)
        .uri(PHOTOS)
        .body(Vec::new())
        .unwrap();
    authcore_oauth2::authorize_bearer_in_form_body(&mut post, &t.access_token).unwrap();
    let a = w.access(&rs, &post, PHOTOS, None, &[]).unwrap();
    assert_eq!(
        a.location,
        authcore_server::resource::TokenLocation::FormBody
    );

    // A malformed Authorization header.
    let mut bad = get(PHOTOS, None);
    bad.headers_mut().insert(
        http::header::AUTHORIZATION,
        http::HeaderValue::from_static("Bearer a b"),
    );
    let r = w.access(&rs, &bad, PHOTOS, None, &[]).unwrap_err();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[test]
fn revocation_revokes_and_other_clients_cannot() {
    let w = World::new();
    let t = w.token(&w.app, RS, None, None).unwrap();
    let rs = w.stored_rs();
    // Another client's revocation is answered 200 and changes nothing (RFC 7009 §2.1).
    let r = w.revoke(&w.other, t.access_token.secret());
    assert_eq!(
        parse_revocation_response(&r).unwrap(),
        RevocationOutcome::Revoked
    );
    assert!(
        w.access(&rs, &get(PHOTOS, Some(&t.access_token)), PHOTOS, None, &[])
            .is_ok()
    );
    // The owner's revocation works; the resource server refuses the token from then on.
    let r = w.revoke(&w.app, t.access_token.secret());
    assert_eq!(
        parse_revocation_response(&r).unwrap(),
        RevocationOutcome::Revoked
    );
    let r = w
        .access(&rs, &get(PHOTOS, Some(&t.access_token)), PHOTOS, None, &[])
        .unwrap_err();
    assert_eq!(challenge_error(&r, "Bearer"), Some(ErrorCode::InvalidToken));
    // An unknown token: still 200 (RFC 7009 §2.2).
    let r = w.revoke(&w.app, "whatever");
    assert_eq!(
        parse_revocation_response(&r).unwrap(),
        RevocationOutcome::Revoked
    );
    // A wrong client secret: 401 invalid_client with a Basic challenge.
    let wrong = Client::new(
        "app",
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("nope")),
    );
    let r = w.revoke(&wrong, t.access_token.secret());
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().contains_key(http::header::WWW_AUTHENTICATE));
}

#[test]
fn introspection_for_resource_servers_only() {
    let w = World::new();
    let t = w.token(&w.app, RS, None, None).unwrap();
    let ask = |client: &Client, token: &str| {
        let req =
            build_introspection_request(client, &w.server, token, None, w.now, &w.rng).unwrap();
        w.introspect(&req)
    };
    let r = parse_introspection_response(&ask(&w.rs, t.access_token.secret())).unwrap();
    assert!(r.active);
    assert_eq!(r.client_id.as_deref(), Some("app"));
    assert_eq!(r.scope, Some(vec!["read".to_owned()]));
    assert_eq!(r.aud, Some(vec![RS.to_owned()]));
    assert_eq!(r.token_type.as_deref(), Some("Bearer"));
    assert_eq!(r.iss.as_deref(), Some(ISS));
    // A client that is not a resource server may not introspect.
    let resp = ask(&w.app, t.access_token.secret());
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Unknown and revoked tokens are inactive, and say nothing more.
    let r = parse_introspection_response(&ask(&w.rs, "acat_t1.nothing")).unwrap();
    assert_eq!(r, authcore_oauth2::IntrospectionResponse::new(false));
    w.revoke(&w.app, t.access_token.secret());
    let r = parse_introspection_response(&ask(&w.rs, t.access_token.secret())).unwrap();
    assert!(!r.active);

    // The resource server resolving opaque tokens by introspection.
    let t = w.token(&w.app, RS, None, None).unwrap();
    let remote = ResourceServerConfig::new(RS, ISS, OpaqueTokens::Introspection);
    let a = w
        .access(
            &remote,
            &get(PHOTOS, Some(&t.access_token)),
            PHOTOS,
            None,
            &["read"],
        )
        .unwrap();
    assert_eq!(a.source, TokenSource::Introspected);
    assert_eq!(a.subject.as_deref(), Some("app"));
}

#[test]
fn jwt_access_tokens_and_signed_introspection() {
    let mut w = World::new();
    let t = w.token(&w.app, API, None, None).unwrap();
    assert_eq!(t.access_token.secret().split('.').count(), 3);
    let rs = ResourceServerConfig::new(API, ISS, OpaqueTokens::Refuse);
    let a = w
        .access(
            &rs,
            &get(API_DATA, Some(&t.access_token)),
            API_DATA,
            None,
            &["read"],
        )
        .unwrap();
    assert_eq!(a.source, TokenSource::Jwt);
    assert_eq!(a.audience, [API]);
    assert_eq!(a.client_id.as_deref(), Some("app"));

    // RFC 9701: the "api" resource server asks for a signed answer.
    let api_secret = {
        // The "api" client registered with a generated secret: re-register with a known one.
        let ctx = w.ctx();
        let (secret, stored) = generate_secret(&ctx).unwrap();
        let mut c = ClientRecord::new("api", ClientAuthMethod::ClientSecretPost);
        c.secret = Some(stored);
        w.store.put_client(c);
        String::from_utf8(secret.expose().to_vec()).unwrap()
    };
    let api = Client::new(
        "api",
        ClientAuthentication::ClientSecretPost(ClientSecret::new(api_secret)),
    );
    let req = build_jwt_introspection_request(
        &api,
        &w.server,
        t.access_token.secret(),
        None,
        w.now,
        &w.rng,
    )
    .unwrap();
    let resp = w.introspect(&req);
    let r = parse_jwt_introspection_response(
        &resp,
        w.signing.verifying_keys_at(w.now),
        &api,
        &w.server,
        w.now,
    )
    .unwrap();
    assert!(r.active);
    assert_eq!(r.sub.as_deref(), Some("app"));
    // The opaque-token resource server "rs" is not the token's audience: inactive for it.
    let req = build_introspection_request(
        &w.rs,
        &w.server,
        t.access_token.secret(),
        None,
        w.now,
        &w.rng,
    )
    .unwrap();
    assert!(
        !parse_introspection_response(&w.introspect(&req))
            .unwrap()
            .active
    );

    // Expired JWT: refused by the resource server.
    w.tick(3600);
    let r = w
        .access(
            &rs,
            &get(API_DATA, Some(&t.access_token)),
            API_DATA,
            None,
            &[],
        )
        .unwrap_err();
    assert_eq!(challenge_error(&r, "Bearer"), Some(ErrorCode::InvalidToken));
    // A resource server without JWT validation refuses JWTs.
    let mut no_jwt = ResourceServerConfig::new(API, ISS, OpaqueTokens::Refuse);
    no_jwt.jwt = None;
    w.tick(0);
    let t = w.token(&w.app, API, None, None).unwrap();
    assert!(
        w.access(
            &no_jwt,
            &get(API_DATA, Some(&t.access_token)),
            API_DATA,
            None,
            &[]
        )
        .is_err()
    );
}

fn dpop_key(seed: u64) -> DpopKey {
    let rng = InsecureTestRandom::new(seed);
    let jwk = Jwk::generate(JwsAlgorithm::EdDSA, provider(), &rng).unwrap();
    DpopKey::new(
        SigningKey::from_jwk(&jwk, None, provider()).unwrap(),
        provider(),
    )
    .unwrap()
}

#[test]
fn dpop_bound_tokens_with_server_nonces() {
    let w = World::new();
    let key = dpop_key(7);
    // The DPoP-bound client must present a proof at the token endpoint.
    assert!(w.token(&w.dpop_app, API, None, None).is_err());
    let t = w.token(&w.dpop_app, API, Some(&key), None).unwrap();
    assert_eq!(t.token_type, TokenType::DPoP);
    let mut rs = ResourceServerConfig::new(API, ISS, OpaqueTokens::Refuse);
    rs.dpop_nonces = Some(Arc::new(
        DpopNonces::new(&[5u8; 32], 300, provider()).unwrap(),
    ));

    // The client's DPoP exchange: a nonce demand, then the retry succeeds.
    let base = get(API_DATA, None);
    let exchange = DpopExchange::new(
        key.clone(),
        base,
        Some(AccessToken::new(t.access_token.secret())),
        None,
    );
    let first = exchange.request(w.now, &w.rng).unwrap();
    let denied = w.access(&rs, &first, API_DATA, None, &[]).unwrap_err();
    assert_eq!(denied.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenge_error(&denied, "DPoP"),
        Some(ErrorCode::UseDpopNonce)
    );
    let DpopStep::Retry(retry) = exchange.handle_response(denied) else {
        panic!("expected a retry with the nonce");
    };
    let second = retry.request(w.now, &w.rng).unwrap();
    let a = w.access(&rs, &second, API_DATA, None, &["read"]).unwrap();
    assert_eq!(a.scheme, TokenScheme::Dpop);
    assert_eq!(
        a.cnf.as_ref().and_then(|c| c.jkt.as_deref()),
        Some(key.jkt())
    );

    // The same proof again: a replay.
    let r = w.access(&rs, &second, API_DATA, None, &[]).unwrap_err();
    assert_eq!(
        challenge_error(&r, "DPoP"),
        Some(ErrorCode::InvalidDpopProof)
    );

    // The bound token as a bearer token: refused (RFC 9449 §7.2).
    let r = w
        .access(
            &rs,
            &get(API_DATA, Some(&t.access_token)),
            API_DATA,
            None,
            &[],
        )
        .unwrap_err();
    assert_eq!(challenge_error(&r, "DPoP"), Some(ErrorCode::InvalidToken));

    // A proof by another key, and a proof for another URI.
    let nonce = rs.dpop_nonces.as_ref().unwrap().issue(w.now);
    let token = AccessToken::new(t.access_token.secret());
    let mut by_other = get(API_DATA, None);
    dpop_key(8)
        .attach_proof(&mut by_other, Some(&token), Some(&nonce), w.now, &w.rng)
        .unwrap();
    let r = w.access(&rs, &by_other, API_DATA, None, &[]).unwrap_err();
    assert_eq!(challenge_error(&r, "DPoP"), Some(ErrorCode::InvalidToken));
    let mut wrong_uri = get("https://api.example/other", None);
    key.attach_proof(&mut wrong_uri, Some(&token), Some(&nonce), w.now, &w.rng)
        .unwrap();
    let r = w.access(&rs, &wrong_uri, API_DATA, None, &[]).unwrap_err();
    assert_eq!(
        challenge_error(&r, "DPoP"),
        Some(ErrorCode::InvalidDpopProof)
    );

    // A resource server that requires DPoP refuses plain bearer tokens.
    let mut strict =
        ResourceServerConfig::new(RS, ISS, OpaqueTokens::Stored(w.keys.token_hashing.clone()));
    strict.require_dpop = true;
    let plain = w.token(&w.app, RS, None, None).unwrap();
    let r = w
        .access(
            &strict,
            &get(PHOTOS, Some(&plain.access_token)),
            PHOTOS,
            None,
            &[],
        )
        .unwrap_err();
    let cs = parse_www_authenticate_headers(r.headers()).unwrap();
    assert!(cs.iter().all(|c| c.is_scheme("DPoP")));
}

#[test]
fn certificate_bound_tokens() {
    let w = World::new();
    let cert = ClientCertificate::new(b"the client's certificate".to_vec());
    let other = ClientCertificate::new(b"another certificate".to_vec());
    // The bound client must present its certificate at the token endpoint.
    assert!(w.token(&w.mtls_app, RS, None, None).is_err());
    let t = w.token(&w.mtls_app, RS, None, Some(&cert)).unwrap();
    let rs = w.stored_rs();
    let req = get(PHOTOS, Some(&t.access_token));
    let a = w.access(&rs, &req, PHOTOS, Some(&cert), &[]).unwrap();
    assert_eq!(
        a.cnf.and_then(|c| c.x5t_s256),
        Some(cert.thumbprint_s256(provider()))
    );
    for presented in [None, Some(&other)] {
        let r = w.access(&rs, &req, PHOTOS, presented, &[]).unwrap_err();
        assert_eq!(challenge_error(&r, "Bearer"), Some(ErrorCode::InvalidToken));
    }
}

#[test]
fn client_assertions_for_the_token_endpoint_are_accepted_at_introspection() {
    // RFC 7523 §3: the token endpoint URL identifies the authorization server, and it is the
    // `aud` clients put in assertions by default, wherever they send them.
    let w = World::new();
    let rng = InsecureTestRandom::new(78);
    let mut private = Jwk::generate(JwsAlgorithm::EdDSA, provider(), &rng).unwrap();
    private.kid = Some("rs-key".into());
    let mut record = ClientRecord::new("rs", ClientAuthMethod::PrivateKeyJwt);
    record.jwks = Some(authcore_jose::JwkSet::new(vec![
        private.to_public().unwrap(),
    ]));
    w.store.put_client(record);
    let signer = SigningKey::from_jwk(&private, None, provider())
        .unwrap()
        .with_kid("rs-key");
    let rs = Client::new("rs", ClientAuthentication::PrivateKeyJwt(Arc::new(signer)))
        .with_assertion_audience(authcore_oauth2::AssertionAudience::TokenEndpoint);
    let t = w.token(&w.app, RS, None, None).unwrap();
    let req =
        build_introspection_request(&rs, &w.server, t.access_token.secret(), None, w.now, &w.rng)
            .unwrap();
    assert!(
        parse_introspection_response(&w.introspect(&req))
            .unwrap()
            .active
    );
}

#[test]
fn replayed_client_assertions_are_refused_at_revocation_and_introspection() {
    let w = World::new();
    let rng = InsecureTestRandom::new(77);
    let mut private = Jwk::generate(JwsAlgorithm::EdDSA, provider(), &rng).unwrap();
    private.kid = Some("rs-key".into());
    let mut record = ClientRecord::new("rs", ClientAuthMethod::PrivateKeyJwt);
    record.jwks = Some(authcore_jose::JwkSet::new(vec![
        private.to_public().unwrap(),
    ]));
    w.store.put_client(record);
    let signer = SigningKey::from_jwk(&private, None, provider())
        .unwrap()
        .with_kid("rs-key");
    let rs = Client::new("rs", ClientAuthentication::PrivateKeyJwt(Arc::new(signer)))
        .with_assertion_audience(authcore_oauth2::AssertionAudience::Issuer);
    let t = w.token(&w.app, RS, None, None).unwrap();

    let req =
        build_introspection_request(&rs, &w.server, t.access_token.secret(), None, w.now, &w.rng)
            .unwrap();
    assert!(
        parse_introspection_response(&w.introspect(&req))
            .unwrap()
            .active
    );
    // The same request, the same assertion `jti`: refused (RFC 7523 §3).
    let replay = w.introspect(&req);
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);

    let req = build_revocation_request(&rs, &w.server, "unknown", None, w.now, &w.rng).unwrap();
    let mut e = RevocationEndpoint::new(&req, None);
    assert_eq!(
        drive(&mut e, &w.ctx(), &w.store, &|_| None).status(),
        StatusCode::OK
    );
    let mut e = RevocationEndpoint::new(&req, None);
    assert_eq!(
        drive(&mut e, &w.ctx(), &w.store, &|_| None).status(),
        StatusCode::UNAUTHORIZED
    );
}
