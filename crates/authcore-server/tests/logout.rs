//! Logout at the provider, checked by authcore-oidc's relying party: the RP builds the
//! RP-initiated logout URL, the provider decides it, and the RP validates the logout tokens
//! and parses the front-channel URLs the provider produces.

use authcore_jose::{InsecureTestRandom, Jwk, JwsAlgorithm, UnixTime};
use authcore_oauth2::IdToken;
use authcore_oidc::{
    IdTokenVerifier, LogoutRequest, parse_frontchannel_logout_query, parse_logout_request_body,
};
use authcore_server::model::{ClientAuthMethod, ClientRecord};
use authcore_server::oidc::OpSession;
use authcore_server::oidc::logout::{
    BACKCHANNEL_LOGOUT_EVENT, EndSession, EndSessionDecision, RetryPolicy, mint_logout_token,
    parse_end_session_request, session_logout_notices, verify_logout_id_token_hint,
};
use authcore_server::signing_keys::SigningKeySet;
use authcore_server::store::MemoryStore;
use authcore_server::{Context, ServerConfig, ServerKeys, Store, Write, apply_batch};
use serde_json::json;
use std::sync::Arc;

const ISSUER: &str = "https://op.example";
const T0: u64 = 1_800_000_000;
const AFTER: &str = "https://rp.example/logged-out";

struct Op {
    config: ServerConfig,
    keys: ServerKeys,
    id_keys: Arc<SigningKeySet>,
    rng: InsecureTestRandom,
}

impl Op {
    fn new() -> Self {
        let rng = InsecureTestRandom::new(9);
        let provider = authcore_jose::crypto::default_provider();
        let mut config = ServerConfig::new(ISSUER).unwrap();
        config.endpoints.end_session = Some(config.endpoint("logout").unwrap());
        config.logout.backchannel = true;
        config.logout.frontchannel = true;
        let mut id_keys = SigningKeySet::new(3600);
        let mut jwk = Jwk::generate(JwsAlgorithm::ES256, provider, &rng).unwrap();
        jwk.kid = Some("op-1".into());
        id_keys.add_key(&jwk, None, provider).unwrap();
        let id_keys = Arc::new(id_keys);
        let keys = ServerKeys::generate(provider, &rng)
            .unwrap()
            .with_id_token_signing(id_keys.clone());
        Op {
            config,
            keys,
            id_keys,
            rng,
        }
    }

    fn ctx(&self, now: u64) -> Context<'_> {
        Context::new(
            &self.config,
            &self.keys,
            UnixTime::from_secs(now),
            &self.rng,
        )
    }

    /// An ID token as the provider issues them (signed by its ID token keys).
    fn id_token(&self, client_id: &str, sub: &str, sid: &str, iat: u64) -> IdToken {
        let claims = json!({
            "iss": ISSUER, "aud": client_id, "sub": sub, "sid": sid,
            "iat": iat, "exp": iat + 300,
        });
        IdToken::new(self.id_keys.sign_jwt("JWT", &claims).unwrap())
    }

    fn verifier(&self, client_id: &str) -> IdTokenVerifier {
        IdTokenVerifier::new(ISSUER, client_id)
            .id_token_signed_response_alg(JwsAlgorithm::ES256)
            .unwrap()
    }
}

fn rp(id: &str) -> ClientRecord {
    let mut c = ClientRecord::new(id, ClientAuthMethod::None);
    c.post_logout_redirect_uris = vec![AFTER.into()];
    c.backchannel_logout_uri = Some(format!("https://{id}.example/bc-logout"));
    c.frontchannel_logout_uri = Some(format!("https://{id}.example/fc-logout"));
    c
}

fn session(op: &Op, clients: &[&str]) -> OpSession {
    let mut s = OpSession::start("alice", UnixTime::from_secs(T0), &op.rng).unwrap();
    for c in clients {
        s.add_client(c);
    }
    s
}

fn get(url: &url::Url) -> http::Request<Vec<u8>> {
    http::Request::get(url.as_str()).body(Vec::new()).unwrap()
}

#[test]
fn rp_initiated_logout_with_an_expired_hint_ends_the_session_and_notifies_every_client() {
    let op = Op::new();
    let store = MemoryStore::new();
    let sess = session(&op, &["rp1", "rp2", "gone"]);
    let hint = op.id_token("rp1", "alice", &sess.sid, T0);
    // An hour later, the ID token has expired: the provider still accepts it as a hint.
    let now = T0 + 3600;
    let url = LogoutRequest::new()
        .id_token_hint(&hint)
        .post_logout_redirect_uri(AFTER)
        .state("st-1")
        .build_url(&format!("{ISSUER}/logout"))
        .unwrap();
    let request = parse_end_session_request(&get(&url)).unwrap();
    let ctx = op.ctx(now);
    let end = EndSession::new(request, &ctx).unwrap();
    assert_eq!(end.client_id(), Some("rp1"));
    let client = rp("rp1");
    let EndSessionDecision::Logout(logout) =
        end.decide(&ctx, Some(&client), Some(&sess), false).unwrap()
    else {
        panic!("a hint of the current session needs no confirmation");
    };
    assert_eq!(logout.writes(), [Write::EndSession(sess.sid.clone())]);
    apply_batch(&store, &logout.writes(), ctx.now);
    assert!(store.session_ended(&sess.sid));
    let to = logout.redirect.clone().unwrap();
    assert_eq!(to.as_str(), format!("{AFTER}?state=st-1"));

    // Notifications for the clients of the session ("gone" has no record any more).
    let notices =
        session_logout_notices(&ctx, &sess, &[rp("rp1"), rp("rp2"), rp("other")]).unwrap();
    assert_eq!(notices.back_channel.len(), 2);
    assert_eq!(notices.front_channel.len(), 2);
    for delivery in &notices.back_channel {
        assert_eq!(delivery.request.method(), http::Method::POST);
        assert_eq!(
            delivery.request.uri().to_string(),
            format!("https://{}.example/bc-logout", delivery.client_id)
        );
        assert_eq!(delivery.retry, RetryPolicy::default());
        // The RP's own back-channel validation is the check.
        let token = parse_logout_request_body(delivery.request.body()).unwrap();
        let validated = op
            .verifier(&delivery.client_id)
            .validate_logout_token(&token, op.id_keys.verifying_keys_at(ctx.now), ctx.now)
            .unwrap();
        assert_eq!(validated.sid.as_deref(), Some(sess.sid.as_str()));
        assert_eq!(validated.sub.as_deref(), Some("alice"));
        assert!(validated.events.contains_key(BACKCHANNEL_LOGOUT_EVENT));
        // Another client does not accept it.
        assert!(
            op.verifier("rp3")
                .validate_logout_token(&token, op.id_keys.verifying_keys_at(ctx.now), ctx.now)
                .is_err()
        );
    }
    let jtis: Vec<String> = notices
        .back_channel
        .iter()
        .map(|d| {
            let t = parse_logout_request_body(d.request.body()).unwrap();
            op.verifier(&d.client_id)
                .validate_logout_token(&t, op.id_keys.verifying_keys_at(ctx.now), ctx.now)
                .unwrap()
                .jti
        })
        .collect();
    assert_ne!(jtis[0], jtis[1]);
    // The RP's front-channel parser accepts each iframe URL, with the session required.
    for url in &notices.front_channel {
        let fc = parse_frontchannel_logout_query(url.query().unwrap(), ISSUER, true).unwrap();
        assert_eq!(fc.sid.as_deref(), Some(sess.sid.as_str()));
    }
    // With iframes to load, the answer is the page, which goes on to the redirect.
    let page = logout.response(&notices.front_channel);
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = String::from_utf8(page.into_body()).unwrap();
    assert_eq!(html.matches("<iframe").count(), 2);
    assert!(html.contains("url=https://rp.example/logged-out?state=st-1"));
    // Without, a redirect.
    let r = logout.response(&[]);
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], to.as_str());
}

#[test]
fn a_logout_token_is_caught_by_the_rp_when_it_is_expired_or_of_another_issuer() {
    let op = Op::new();
    let ctx = op.ctx(T0);
    let token = mint_logout_token(&ctx, "rp1", "sid-1", None).unwrap();
    let keys = op.id_keys.verifying_keys_at(ctx.now);
    let ok = op
        .verifier("rp1")
        .validate_logout_token(&token, keys, ctx.now)
        .unwrap();
    assert_eq!(ok.sub, None);
    assert_eq!(ok.exp, Some(T0 + op.config.logout.logout_token_lifetime));
    assert!(!ok.extra.contains_key("nonce"));
    let late = UnixTime::from_secs(T0 + op.config.logout.logout_token_lifetime + 1);
    assert!(
        op.verifier("rp1")
            .validate_logout_token(&token, keys, late)
            .is_err()
    );
    let other = IdTokenVerifier::new("https://other.example", "rp1")
        .id_token_signed_response_alg(JwsAlgorithm::ES256)
        .unwrap();
    assert!(other.validate_logout_token(&token, keys, ctx.now).is_err());
    // The header carries the explicit type.
    let (header, _) = authcore_jose::jwt::decode_unverified(&token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"));
}

#[test]
fn without_a_hint_of_the_current_session_the_user_is_asked_first() {
    let op = Op::new();
    let ctx = op.ctx(T0);
    let sess = session(&op, &["rp1"]);
    let client = rp("rp1");
    // client_id only, with a logout_hint: confirmation, carrying the hint.
    let q = format!("client_id=rp1&logout_hint=alice%40example&post_logout_redirect_uri={AFTER}");
    let url = url::Url::parse(&format!("{ISSUER}/logout?{q}")).unwrap();
    let end = EndSession::new(parse_end_session_request(&get(&url)).unwrap(), &ctx).unwrap();
    let EndSessionDecision::Confirm(c) =
        end.decide(&ctx, Some(&client), Some(&sess), false).unwrap()
    else {
        panic!("no hint: the user must confirm");
    };
    assert_eq!(c.logout_hint.as_deref(), Some("alice@example"));
    assert_eq!(c.client_id.as_deref(), Some("rp1"));
    let EndSessionDecision::Logout(l) = end.decide(&ctx, Some(&client), Some(&sess), true).unwrap()
    else {
        panic!("confirmed");
    };
    assert_eq!(l.writes(), [Write::EndSession(sess.sid.clone())]);
    assert_eq!(l.redirect.unwrap().as_str(), AFTER);

    // A hint of another session: confirmation too.
    let old = op.id_token("rp1", "alice", "an-older-session", T0 - 10);
    let body = format!("id_token_hint={}", old.secret());
    let post = http::Request::post(format!("{ISSUER}/logout"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.into_bytes())
        .unwrap();
    let end = EndSession::new(parse_end_session_request(&post).unwrap(), &ctx).unwrap();
    assert!(matches!(
        end.decide(&ctx, Some(&client), Some(&sess), false).unwrap(),
        EndSessionDecision::Confirm(_)
    ));
    // No session at all: nothing to end, nothing to ask.
    let EndSessionDecision::Logout(l) = end.decide(&ctx, Some(&client), None, false).unwrap()
    else {
        panic!("no session");
    };
    assert!(l.writes().is_empty());
    assert_eq!(l.redirect, None);
}

#[test]
fn unregistered_redirects_and_foreign_hints_are_refused() {
    let op = Op::new();
    let ctx = op.ctx(T0);
    let sess = session(&op, &["rp1"]);
    let client = rp("rp1");
    let decide = |q: &str, client: Option<&ClientRecord>| {
        let url = url::Url::parse(&format!("{ISSUER}/logout?{q}")).unwrap();
        let req = parse_end_session_request(&get(&url))?;
        EndSession::new(req, &ctx)?.decide(&ctx, client, Some(&sess), true)
    };
    // An unregistered post_logout_redirect_uri (exact match: a prefix or another path fails).
    for bad in [
        "https://evil.example/",
        "https://rp.example/logged-out/",
        "https://rp.example/logged-out?x=1",
        "https://rp.example/logged-ou",
    ] {
        let q = format!("client_id=rp1&post_logout_redirect_uri={}", urlenc(bad));
        assert!(decide(&q, Some(&client)).is_err(), "{bad}");
    }
    // A redirect URI without any way to know the client.
    assert!(decide(&format!("post_logout_redirect_uri={AFTER}"), None).is_err());
    // An unknown client.
    assert!(decide("client_id=nobody", None).is_err());
    // The hint of another client than client_id.
    let hint = op.id_token("rp2", "alice", &sess.sid, T0);
    let q = format!("id_token_hint={}&client_id=rp1", hint.secret());
    assert!(decide(&q, Some(&client)).is_err());
    // The hint's client record answered for another client.
    let q = format!("id_token_hint={}", hint.secret());
    assert!(decide(&q, Some(&client)).is_err());
    // A hint from another issuer, signed with the provider's own key.
    let foreign = json!({"iss": "https://other.example", "aud": "rp1", "sub": "alice",
        "iat": T0, "exp": T0 + 300});
    let t = op.id_keys.sign_jwt("JWT", &foreign).unwrap();
    assert!(verify_logout_id_token_hint(&t, &ctx).is_err());
    // A hint signed by a key that is not the provider's.
    let mut stranger = SigningKeySet::new(0);
    let jwk = Jwk::generate(
        JwsAlgorithm::ES256,
        authcore_jose::crypto::default_provider(),
        &op.rng,
    )
    .unwrap();
    stranger
        .add_key(&jwk, None, authcore_jose::crypto::default_provider())
        .unwrap();
    let t = stranger
        .sign_jwt(
            "JWT",
            &json!({"iss": ISSUER, "aud": "rp1", "sub": "alice", "iat": T0}),
        )
        .unwrap();
    assert!(verify_logout_id_token_hint(&t, &ctx).is_err());
    // Several audiences without azp, and a non-string sid.
    for claims in [
        json!({"iss": ISSUER, "aud": ["rp1", "rp2"], "sub": "alice", "iat": T0}),
        json!({"iss": ISSUER, "aud": "rp1", "sub": "alice", "sid": 7, "iat": T0}),
        json!({"iss": ISSUER, "aud": "rp1", "iat": T0}),
    ] {
        let t = op.id_keys.sign_jwt("JWT", &claims).unwrap();
        assert!(verify_logout_id_token_hint(&t, &ctx).is_err(), "{claims}");
    }
    // Several audiences with azp name the client.
    let t = op
        .id_keys
        .sign_jwt(
            "JWT",
            &json!({"iss": ISSUER, "aud": ["rp1", "api"], "azp": "rp1", "sub": "alice", "iat": T0}),
        )
        .unwrap();
    assert_eq!(
        verify_logout_id_token_hint(&t, &ctx).unwrap().client_id,
        "rp1"
    );
    // A garbage hint.
    assert!(decide("id_token_hint=not.a.jwt", Some(&client)).is_err());
}

#[test]
fn the_request_parser_is_strict() {
    let r = |m: &str, uri: &str, ct: Option<&str>, body: &str| {
        let mut b = http::Request::builder().method(m).uri(uri);
        if let Some(ct) = ct {
            b = b.header("content-type", ct);
        }
        parse_end_session_request(&b.body(body.as_bytes().to_vec()).unwrap())
    };
    let form = Some("application/x-www-form-urlencoded");
    assert!(r("GET", "https://op.example/logout?state=a&state=b", None, "").is_err());
    assert!(
        r(
            "POST",
            "https://op.example/logout",
            Some("application/json"),
            "{}"
        )
        .is_err()
    );
    assert!(r("POST", "https://op.example/logout", None, "state=a").is_err());
    let put = r("PUT", "https://op.example/logout", form, "state=a").unwrap_err();
    assert_eq!(put.status, http::StatusCode::METHOD_NOT_ALLOWED);
    let big = format!("state={}", "a".repeat(20_000));
    assert!(r("POST", "https://op.example/logout", form, &big).is_err());
    let ok = r(
        "POST",
        "https://op.example/logout",
        form,
        "state=a&ui_locales=fr%20en",
    )
    .unwrap();
    assert_eq!(ok.state.as_deref(), Some("a"));
    assert_eq!(ok.ui_locales.as_deref(), Some("fr en"));
    let empty = r("GET", "https://op.example/logout", None, "").unwrap();
    assert_eq!(empty.client_id, None);
}

#[test]
fn notifications_follow_the_settings_and_registrations() {
    let mut op = Op::new();
    let sess = session(&op, &["rp1", "quiet"]);
    let quiet = ClientRecord::new("quiet", ClientAuthMethod::None);
    let n = session_logout_notices(&op.ctx(T0), &sess, &[rp("rp1"), quiet.clone()]).unwrap();
    assert_eq!((n.back_channel.len(), n.front_channel.len()), (1, 1));
    op.config.logout.backchannel = false;
    op.config.logout.frontchannel = false;
    let n = session_logout_notices(&op.ctx(T0), &sess, &[rp("rp1"), quiet]).unwrap();
    assert!(n.back_channel.is_empty() && n.front_channel.is_empty());
}

#[test]
fn retries_are_bounded_and_back_off() {
    let p = RetryPolicy::default();
    assert_eq!(p.delay_after(0), None);
    assert_eq!(p.delay_after(1), Some(2));
    assert_eq!(p.delay_after(2), Some(4));
    assert_eq!(p.delay_after(3), None);
    let mut long = p;
    long.max_attempts = 100;
    assert_eq!(long.delay_after(5), Some(30));
    assert_eq!(long.delay_after(99), Some(30));
    assert_eq!(long.delay_after(100), None);
}

#[test]
fn the_logout_page_escapes_what_it_embeds() {
    // The URL parser percent-encodes quotes and angle brackets; `&` is left to the page.
    let u = url::Url::parse("https://rp.example/fc?a=\"><script>&b=2").unwrap();
    let page = authcore_server::oidc::logout::frontchannel_logout_page(&[u], None);
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert_eq!(
        page.headers()["content-security-policy"],
        "default-src 'none'; frame-src https://rp.example; frame-ancestors 'none'; base-uri 'none'"
    );
    let html = String::from_utf8(page.into_body()).unwrap();
    assert!(!html.contains("<script>"));
    assert!(html.contains("&amp;b=2"));
    assert!(!html.contains("&b=2"));
}

fn urlenc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[test]
fn the_memory_store_records_ended_sessions() {
    let store = MemoryStore::new();
    assert!(!store.session_ended("s1"));
    assert_eq!(
        store.apply(&Write::EndSession("s1".into()), UnixTime::from_secs(T0)),
        authcore_server::WriteOutcome::Applied
    );
    assert!(store.session_ended("s1"));
    assert!(!store.session_ended("s2"));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn param() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("id_token_hint".to_owned()),
            Just("client_id".to_owned()),
            Just("post_logout_redirect_uri".to_owned()),
            Just("state".to_owned()),
            Just("logout_hint".to_owned()),
            Just("ui_locales".to_owned()),
            "[a-z_]{0,12}",
        ]
    }

    proptest! {
        /// The parser and the decision never panic on any body, GET or POST, and what they
        /// accept never redirects anywhere but to a registered URI.
        #[test]
        fn end_session_requests_never_panic(
            body in proptest::collection::vec(any::<u8>(), 0..512),
            post in any::<bool>(),
        ) {
            let req = if post {
                http::Request::post(format!("{ISSUER}/logout"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body.clone())
                    .unwrap()
            } else {
                let q: String = url::form_urlencoded::byte_serialize(&body).collect();
                http::Request::get(format!("{ISSUER}/logout?{q}")).body(Vec::new()).unwrap()
            };
            let _ = parse_end_session_request(&req);
            let _ = authcore_server::oidc::logout::EndSessionRequest::from_params(&body);
        }

        #[test]
        fn form_shaped_requests_redirect_only_to_registered_uris(
            pairs in proptest::collection::vec(
                (param(), prop_oneof![
                    Just(AFTER.to_owned()),
                    Just("rp1".to_owned()),
                    Just("https://evil.example/".to_owned()),
                    ".{0,16}",
                ]),
                0..6,
            ),
            confirmed in any::<bool>(),
            with_session in any::<bool>(),
        ) {
            let op = Op::new();
            let ctx = op.ctx(T0);
            let sess = session(&op, &["rp1"]);
            let client = rp("rp1");
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter())
                .finish();
            let Ok(parsed) = authcore_server::oidc::logout::EndSessionRequest::from_params(
                body.as_bytes(),
            ) else {
                return Ok(());
            };
            let Ok(end) = EndSession::new(parsed, &ctx) else {
                return Ok(());
            };
            let found = (end.client_id() == Some("rp1")).then_some(&client);
            if let Ok(EndSessionDecision::Logout(l)) =
                end.decide(&ctx, found, with_session.then_some(&sess), confirmed)
            {
                if let Some(to) = &l.redirect {
                    prop_assert!(to.as_str().starts_with(AFTER));
                }
                let _ = l.response(&[]);
            }
        }
    }
}

#[test]
fn discovery_advertises_logout_only_when_enabled() {
    let mut op = Op::new();
    op.config.endpoints.jwks = Some(op.config.endpoint("jwks").unwrap());
    let m = authcore_server::oidc::discovery::provider_metadata(&op.config, &op.keys).unwrap();
    assert_eq!(
        m.end_session_endpoint.as_deref(),
        Some("https://op.example/logout")
    );
    assert!(m.backchannel_logout_supported && m.backchannel_logout_session_supported);
    assert!(m.frontchannel_logout_supported && m.frontchannel_logout_session_supported);
    // The RP reads it back.
    let back = authcore_oidc::ProviderMetadata::from_json(&m.to_json(), ISSUER).unwrap();
    assert_eq!(back.end_session_endpoint, m.end_session_endpoint);
    assert!(back.backchannel_logout_supported);

    op.config.endpoints.end_session = None;
    op.config.logout.backchannel = false;
    op.config.logout.frontchannel = false;
    let m = authcore_server::oidc::discovery::provider_metadata(&op.config, &op.keys).unwrap();
    assert_eq!(m.end_session_endpoint, None);
    assert!(!m.backchannel_logout_supported && !m.frontchannel_logout_supported);
    let json: serde_json::Value = serde_json::from_slice(&m.to_json()).unwrap();
    assert!(json.get("backchannel_logout_supported").is_none());
}

#[test]
fn without_id_token_keys_hints_and_logout_tokens_are_refused() {
    let op = Op::new();
    let plain = ServerKeys::generate(authcore_jose::crypto::default_provider(), &op.rng).unwrap();
    let ctx = Context::new(&op.config, &plain, UnixTime::from_secs(T0), &op.rng);
    let hint = op.id_token("rp1", "alice", "s", T0);
    assert!(verify_logout_id_token_hint(hint.secret(), &ctx).is_err());
    assert!(mint_logout_token(&ctx, "rp1", "s", None).is_err());
}

#[test]
fn pairwise_clients_get_their_own_sub_in_logout_tokens_and_hints() {
    let mut op = Op::new();
    op.keys = op
        .keys
        .clone()
        .with_pairwise_salt(authcore_jose::SecretBytes::new(vec![7u8; 32]));
    let mut pw = rp("rp1");
    pw.redirect_uris = vec!["https://rp1.example/cb".into()];
    pw.extra.insert(
        authcore_server::oidc::subject::SUBJECT_TYPE.into(),
        "pairwise".into(),
    );
    let ctx = op.ctx(T0);
    let sess = session(&op, &["rp1"]);
    let pairwise = authcore_server::oidc::subject::subject_for(&pw, "alice", &ctx).unwrap();
    assert_ne!(pairwise, "alice");
    let n = session_logout_notices(&ctx, &sess, std::slice::from_ref(&pw)).unwrap();
    let token = parse_logout_request_body(n.back_channel[0].request.body()).unwrap();
    let validated = op
        .verifier("rp1")
        .validate_logout_token(&token, op.id_keys.verifying_keys_at(ctx.now), ctx.now)
        .unwrap();
    assert_eq!(validated.sub.as_deref(), Some(pairwise.as_str()));
    // A hint without sid, for the pairwise subject, belongs to the session; the local
    // subject does not (the client never saw it).
    for (sub, belongs) in [(pairwise.as_str(), true), ("alice", false)] {
        let claims = json!({"iss": ISSUER, "aud": "rp1", "sub": sub, "iat": T0});
        let hint = op.id_keys.sign_jwt("JWT", &claims).unwrap();
        let url = url::Url::parse(&format!("{ISSUER}/logout?id_token_hint={hint}")).unwrap();
        let end = EndSession::new(parse_end_session_request(&get(&url)).unwrap(), &ctx).unwrap();
        let d = end.decide(&ctx, Some(&pw), Some(&sess), false).unwrap();
        assert_eq!(matches!(d, EndSessionDecision::Logout(_)), belongs, "{sub}");
    }
}
