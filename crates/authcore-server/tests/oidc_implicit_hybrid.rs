//! The implicit and hybrid flows (OpenID Connect Core 1.0 §3.2, §3.3) and the OpenID Connect
//! request parameters of the authorization endpoint (§3.1.2.1, §5.5, §11), whole, on a
//! virtual clock: authcore-oidc's relying party against the provider of authcore-server. The
//! relying party's validation (§3.2.2.11, §3.3.2.12, §3.1.3.7) is the check.

mod common;

use authcore_jose::{JwsAlgorithm, UnixTime};
use authcore_oauth2::wire::ResponseMode;
use authcore_oauth2::{
    AuthorizationResponse, ClientAuthentication, ClientSecret, IdToken, ResponseType,
};
use authcore_oidc::{
    AuthenticationRequest, CallbackOutcome, IdTokenVerifier, PendingAuthentication,
};
use authcore_server::Finished;
use authcore_server::authorize::{Approval, Display, Interaction, InteractionResult, Prompt};
use authcore_server::model::{ClientAuthMethod, ClientRecord, StoredSecret};
use authcore_server::oidc::{self, OpSession, discovery, id_token};
use common::oidc::{
    approve_with, compact_part, consent_requested, id_token_verifying_keys, location,
    openid_provider, redeem_and_validate, registered_client, start_authentication,
};
use common::{ISSUER, REDIRECT, TestServer, authorize, client, interaction, resume};
use http::header::LOCATION;
use serde_json::{Value, json};

const HS_SECRET: &str = "a-shared-secret-of-at-least-sixty-four-bytes-for-hs512-0123456789abcdef";

const FRONT_CHANNEL_TYPES: [ResponseType; 5] = [
    ResponseType::IdToken,
    ResponseType::IdTokenToken,
    ResponseType::CodeIdToken,
    ResponseType::CodeToken,
    ResponseType::CodeIdTokenToken,
];

/// A provider with ID token keys for RS256, ES256 and EdDSA, and the legacy implicit setting
/// that the response types returning an access token in the front channel need.
fn provider() -> TestServer {
    let mut s = openid_provider(&[
        JwsAlgorithm::RS256,
        JwsAlgorithm::ES256,
        JwsAlgorithm::EdDSA,
    ]);
    s.config.legacy.implicit_grant = true;
    s
}

/// A relying party registered for `types`, its ID tokens signed with `alg` (HS256: a
/// confidential client whose secret keys them, Core §10.1); the client and its verifier.
fn relying_party(
    s: &TestServer,
    id: &str,
    types: &[ResponseType],
    alg: JwsAlgorithm,
) -> (authcore_oauth2::Client, IdTokenVerifier) {
    let hmac = alg == JwsAlgorithm::HS256;
    let mut record = ClientRecord::new(
        id,
        if hmac {
            ClientAuthMethod::ClientSecretPost
        } else {
            ClientAuthMethod::None
        },
    );
    if hmac {
        record.secret = Some(StoredSecret::Plain(authcore_jose::SecretBytes::new(
            HS_SECRET.as_bytes().to_vec(),
        )));
    }
    record.grant_types = vec![
        "authorization_code".into(),
        "implicit".into(),
        "refresh_token".into(),
    ];
    record.redirect_uris = vec![REDIRECT.into()];
    record.response_types = types.iter().map(|t| t.as_str().to_owned()).collect();
    record.allowed_scopes = vec!["openid".into(), "read".into(), "offline_access".into()];
    record.extra.insert(
        id_token::SIGNED_RESPONSE_ALG.into(),
        Value::String(alg.name().into()),
    );
    s.store.put_client(record);
    let mut verifier = IdTokenVerifier::new(ISSUER, id)
        .id_token_signed_response_alg(alg)
        .unwrap();
    let rp = if hmac {
        let secret = ClientSecret::new(HS_SECRET);
        verifier = verifier.client_secret(&secret).unwrap();
        client(id, ClientAuthentication::ClientSecretPost(secret))
    } else {
        client(id, ClientAuthentication::None)
    };
    (rp, verifier)
}

fn start(s: &TestServer, url: &str) -> Finished {
    authorize(s, http::Request::get(url).body(vec![]).unwrap())
}

fn login(i: &Interaction) -> &Prompt {
    i.prompts
        .iter()
        .find(|p| matches!(p, Prompt::Login { .. }))
        .expect("a login prompt")
}

/// alice approves everything `i` asks, with a password (`acr`), as `adjust` shapes the
/// approval.
fn approve(s: &TestServer, i: &Interaction, adjust: impl FnOnce(Approval) -> Approval) -> Finished {
    approve_with(s, i, |a| adjust(a.with_acr("urn:example:acr:pwd")))
}

fn fragment_response(location: &str) -> AuthorizationResponse {
    assert!(!location.contains('?'), "never in the query: {location}");
    AuthorizationResponse::from_redirect_uri_fragment(location).unwrap()
}

/// The whole flow of `req` for `rp`: the callback validated, and for a code the token
/// response validated too. The validated authentication.
fn run_flow(
    s: &TestServer,
    rp: &authcore_oauth2::Client,
    verifier: &IdTokenVerifier,
    req: AuthenticationRequest,
) -> Result<authcore_oidc::Authentication, authcore_oidc::Error> {
    let (url, pending) = req.build_url(rp, &s.as_seen_by_client(), &s.rng).unwrap();
    let i = interaction(start(s, url.as_str()));
    let loc = location(approve(s, &i, |a| a));
    finish_flow(s, rp, verifier, pending, &fragment_response(&loc))
}

fn finish_flow(
    s: &TestServer,
    rp: &authcore_oauth2::Client,
    verifier: &IdTokenVerifier,
    pending: PendingAuthentication,
    response: &AuthorizationResponse,
) -> Result<authcore_oidc::Authentication, authcore_oidc::Error> {
    let outcome =
        pending
            .handle_callback(response)?
            .validate(verifier, id_token_verifying_keys(s), s.now)?;
    match outcome {
        CallbackOutcome::Authenticated(auth) => Ok(auth),
        CallbackOutcome::CodeExchange(exchange) => {
            redeem_and_validate(s, rp, exchange, verifier, &|_| None)
        }
    }
}

fn header_alg(token: &str) -> String {
    compact_part(token, 0)["alg"].as_str().unwrap().to_owned()
}

#[test]
fn every_implicit_and_hybrid_type_passes_the_relying_party_with_each_algorithm_family() {
    let s = provider();
    for alg in [
        JwsAlgorithm::RS256,
        JwsAlgorithm::ES256,
        JwsAlgorithm::EdDSA,
        JwsAlgorithm::HS256,
    ] {
        for rt in FRONT_CHANNEL_TYPES {
            let id = format!("rp-{}-{}", alg.name(), rt.as_str().replace(' ', "-"));
            let (rp, verifier) = relying_party(&s, &id, &[rt], alg);
            // The front channel of a request of this type: the relying party's pending
            // state and the response in the fragment.
            let front_channel = || {
                let (i, pending) = start_authentication(
                    &s,
                    &rp,
                    AuthenticationRequest::new(REDIRECT)
                        .response_type(rt)
                        .scope("read"),
                );
                (
                    pending,
                    fragment_response(&location(approve(&s, &i, |a| a))),
                )
            };
            let (pending, response) = front_channel();
            // The front-channel ID token, signed with the client's algorithm, with the
            // hashes of what came with it.
            let front = pending.handle_callback(&response).unwrap();
            if let Some(t) = front.id_token() {
                assert_eq!(header_alg(t), alg.name(), "{id}");
                let c = compact_part(t, 1);
                assert_eq!(c["c_hash"].is_string(), rt.returns_code(), "{id}");
                assert_eq!(c["at_hash"].is_string(), rt.returns_access_token(), "{id}");
                assert!(c.get("s_hash").is_none(), "{id}: not configured");
                assert_eq!(c["sub"], "alice");
            }
            // Again from the start, through the relying party's own validation.
            let (pending, response) = front_channel();
            let nonce = pending.nonce().secret().to_owned();
            let auth = finish_flow(&s, &rp, &verifier, pending, &response)
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(auth.claims.sub, "alice", "{id}");
            assert_eq!(auth.claims.nonce.as_deref(), Some(nonce.as_str()), "{id}");
            assert_eq!(auth.claims.auth_time, Some(s.now.as_secs()), "{id}");
            assert_eq!(auth.claims.acr.as_deref(), Some("urn:example:acr:pwd"));
            // A code of a hybrid flow redeems at the token endpoint; the implicit flow has
            // no token response.
            assert_eq!(auth.tokens.is_some(), rt.returns_code(), "{id}");
            assert_eq!(
                auth.front_channel_access_token.is_some(),
                rt.returns_access_token(),
                "{id}"
            );
        }
    }
}

#[test]
fn hybrid_code_redeems_with_an_id_token_of_the_same_subject_nonce_and_session() {
    let s = provider();
    let (rp, verifier) = relying_party(&s, "rp", &[ResponseType::CodeIdToken], JwsAlgorithm::ES256);
    let session = OpSession::start("alice", s.now, &s.rng)
        .unwrap()
        .with_amr(["pwd"]);
    let (i, pending) = start_authentication(
        &s,
        &rp,
        AuthenticationRequest::new(REDIRECT).response_type(ResponseType::CodeIdToken),
    );
    let (scopes, resources) = consent_requested(&i);
    let loc = location(resume(
        &s,
        &i,
        InteractionResult::Approved(Approval::from_session(&session, scopes, resources)),
    ));
    let CallbackOutcome::CodeExchange(exchange) = pending
        .handle_callback(&fragment_response(&loc))
        .unwrap()
        .validate(&verifier, id_token_verifying_keys(&s), s.now)
        .unwrap()
    else {
        panic!("a hybrid response has a code")
    };
    let front = exchange.front_channel_claims().unwrap().clone();
    let back = redeem_and_validate(&s, &rp, exchange, &verifier, &|_| None)
        .unwrap()
        .claims;
    for (a, b) in [(&front.sub, &back.sub), (&front.iss, &back.iss)] {
        assert_eq!(a, b);
    }
    assert_eq!(front.nonce, back.nonce);
    assert_eq!(front.sid.as_deref(), Some(session.sid.as_str()));
    assert_eq!(front.sid, back.sid);
    assert_eq!(front.auth_time, back.auth_time);
    assert_eq!(front.amr, back.amr);
}

#[test]
fn form_post_carries_the_hybrid_response() {
    let s = provider();
    let (rp, verifier) = relying_party(
        &s,
        "rp",
        &[ResponseType::CodeIdTokenToken],
        JwsAlgorithm::RS256,
    );
    let (i, pending) = start_authentication(
        &s,
        &rp,
        AuthenticationRequest::new(REDIRECT)
            .response_type(ResponseType::CodeIdTokenToken)
            .response_mode(ResponseMode::FormPost),
    );
    let Finished::Respond(page) = approve(&s, &i, |a| a) else {
        panic!("a page")
    };
    assert_eq!(page.status(), 200);
    assert!(page.headers().get(LOCATION).is_none());
    let html = String::from_utf8(page.body().clone()).unwrap();
    // The user agent posts the hidden fields.
    let mut fields = Vec::new();
    for input in html.split("<input type=\"hidden\" ").skip(1) {
        let attr = |name: &str| {
            let start = input.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            let end = start + input[start..].find('"').unwrap();
            input[start..end]
                .replace("&amp;", "&")
                .replace("&#39;", "'")
        };
        fields.push((attr("name"), attr("value")));
    }
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    for n in ["code", "access_token", "id_token", "state", "iss"] {
        assert!(names.contains(&n), "{names:?}");
    }
    let body = authcore_oauth2::encode_form(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let auth = finish_flow(
        &s,
        &rp,
        &verifier,
        pending,
        &AuthorizationResponse::from_form_post(body.as_bytes()).unwrap(),
    )
    .unwrap();
    assert!(auth.claims.at_hash.is_some());
}

#[test]
fn s_hash_only_when_configured_and_then_checked_by_the_relying_party() {
    let mut s = provider();
    s.config.openid.state_hash = true;
    let (rp, verifier) = relying_party(&s, "rp", &[ResponseType::CodeIdToken], JwsAlgorithm::RS256);
    let (i, pending) = start_authentication(
        &s,
        &rp,
        AuthenticationRequest::new(REDIRECT).response_type(ResponseType::CodeIdToken),
    );
    let loc = location(approve(&s, &i, |a| a));
    let response = fragment_response(&loc);
    let front = pending.handle_callback(&response).unwrap();
    let claims = compact_part(front.id_token().unwrap(), 1);
    let state = response
        .get("state")
        .expect("the response carries the state")
        .to_owned();
    let alg: JwsAlgorithm = "RS256".parse().unwrap();
    assert_eq!(
        claims["s_hash"],
        authcore_oidc::token_hash(alg, &state, s.keys.provider)
    );
    assert!(
        front
            .validate(&verifier, id_token_verifying_keys(&s), s.now)
            .is_ok()
    );
}

/// An authorization request written by hand (the relying party's builder refuses some of
/// these): the redirect's error code, read from the fragment or the query.
fn refused(s: &TestServer, query: &str) -> (String, String) {
    let loc = location(start(s, &format!("{ISSUER}/authorize?{query}")));
    let where_ = if url::Url::parse(&loc).unwrap().fragment().is_some() {
        "fragment"
    } else {
        "query"
    };
    (error_of(&loc), where_.to_owned())
}

const CB: &str = "redirect_uri=https%3A%2F%2Fapp.example%2Fcb";
/// The PKCE challenge of a hand-written request (RFC 7636 Appendix B).
const CHALLENGE: &str =
    "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";

#[test]
fn implicit_and_hybrid_requests_are_refused_without_their_requirements() {
    let mut s = provider();
    relying_party(&s, "rp", &FRONT_CHANNEL_TYPES, JwsAlgorithm::RS256);
    relying_party(&s, "code-only", &[ResponseType::Code], JwsAlgorithm::RS256);
    for rt in [
        "id_token",
        "id_token+token",
        "code+id_token",
        "code+token",
        "code+id_token+token",
    ] {
        let base = format!("response_type={rt}&client_id=rp&{CB}&state=s&{CHALLENGE}");
        // Core §3.2.2.1 / §3.3.2.11: nonce required.
        assert_eq!(
            refused(&s, &format!("{base}&scope=openid")),
            ("invalid_request".into(), "fragment".into()),
            "{rt}"
        );
        // An OpenID Connect response type needs the openid scope.
        assert_eq!(
            refused(&s, &format!("{base}&scope=read&nonce=n")).0,
            "invalid_request",
            "{rt}"
        );
        // Multiple Response Types §5 / Core §5: never in the query; the error is not put
        // there either.
        assert_eq!(
            refused(
                &s,
                &format!("{base}&scope=openid&nonce=n&response_mode=query")
            ),
            ("invalid_request".into(), "fragment".into()),
            "{rt}"
        );
        // Not registered by the client.
        let other = base.replace("client_id=rp", "client_id=code-only");
        assert_eq!(
            refused(&s, &format!("{other}&scope=openid&nonce=n")).0,
            "unauthorized_client",
            "{rt}"
        );
    }
    // Without the legacy setting, only id_token and code id_token remain.
    s.config.legacy.implicit_grant = false;
    for rt in ["id_token+token", "code+token", "code+id_token+token"] {
        let q = format!(
            "response_type={rt}&client_id=rp&{CB}&state=s&scope=openid&nonce=n&{CHALLENGE}"
        );
        assert_eq!(refused(&s, &q).0, "unsupported_response_type", "{rt}");
    }
    for rt in ["id_token", "code+id_token"] {
        let q = format!(
            "response_type={rt}&client_id=rp&{CB}&state=s&scope=openid&nonce=n&{CHALLENGE}"
        );
        interaction(start(&s, &format!("{ISSUER}/authorize?{q}")));
    }
    // Without ID token keys the server is no provider: no OpenID Connect response type.
    let mut plain = provider();
    plain.keys.id_token_signing = None;
    relying_party(&plain, "rp", &FRONT_CHANNEL_TYPES, JwsAlgorithm::RS256);
    let q = format!(
        "response_type=code+id_token&client_id=rp&{CB}&state=s&scope=openid&nonce=n&{CHALLENGE}"
    );
    assert_eq!(refused(&plain, &q).0, "unsupported_response_type");
}

#[test]
fn discovery_lists_exactly_the_response_types_the_endpoint_runs() {
    let mut s = provider();
    let types = |s: &TestServer| -> Value {
        let doc = discovery::discovery_response(&s.config, &s.keys);
        let doc: Value = serde_json::from_slice(doc.body()).unwrap();
        assert!(
            doc["grant_types_supported"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g == "implicit")
        );
        assert_eq!(
            doc["response_modes_supported"],
            json!(["query", "fragment", "form_post"])
        );
        doc["response_types_supported"].clone()
    };
    assert_eq!(
        types(&s),
        json!([
            "code",
            "token",
            "id_token",
            "id_token token",
            "code id_token",
            "code token",
            "code id_token token"
        ])
    );
    s.config.legacy.implicit_grant = false;
    assert_eq!(types(&s), json!(["code", "id_token", "code id_token"]));
    // The OAuth 2.0 metadata of the same server knows no ID tokens.
    let m = authcore_server::metadata::metadata(&s.config);
    assert_eq!(m.response_types_supported, Some(vec!["code".to_owned()]));
}

// The OpenID Connect request parameters (Core §3.1.2.1, §5.5, §11).

fn code_rp(s: &TestServer) -> (authcore_oauth2::Client, IdTokenVerifier) {
    relying_party(
        s,
        "rp",
        &[ResponseType::Code, ResponseType::IdToken],
        JwsAlgorithm::RS256,
    )
}

fn error_of(loc: &str) -> String {
    let url = url::Url::parse(loc).unwrap();
    let part = url
        .fragment()
        .or(url.query())
        .unwrap_or_default()
        .to_owned();
    url::form_urlencoded::parse(part.as_bytes())
        .find(|(k, _)| k == "error")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no error: {loc}"))
}

#[test]
fn prompt_none_with_another_value_and_unknown_display_are_invalid_requests() {
    let s = provider();
    code_rp(&s);
    let base = format!("response_type=code&client_id=rp&{CB}&scope=openid&{CHALLENGE}");
    for extra in [
        "prompt=none+login",
        "prompt=none+consent",
        "prompt=none+select_account",
        "display=fullscreen",
        "prompt=later",
    ] {
        assert_eq!(
            refused(&s, &format!("{base}&{extra}")),
            ("invalid_request".into(), "query".into()),
            "{extra}"
        );
    }
    // A malformed claims parameter.
    assert_eq!(
        refused(&s, &format!("{base}&claims=%7B%22id_token%22%3A1%7D")).0,
        "invalid_request"
    );
}

#[test]
fn the_interaction_carries_every_hint_of_the_request() {
    let s = provider();
    let (rp, _) = code_rp(&s);
    let (i, _) = start_authentication(
        &s,
        &rp,
        AuthenticationRequest::new(REDIRECT)
            .prompt("login")
            .prompt("select_account")
            .prompt("consent")
            .max_age(300)
            .login_hint("alice@example.com")
            .acr_value("urn:example:acr:pwd")
            .essential_acr(["urn:example:acr:mfa"])
            .ui_locale("fr-CA")
            .ui_locale("en")
            .display("popup"),
    );
    assert!(i.ui_allowed);
    assert_eq!(i.ui_locales, ["fr-CA", "en"]);
    assert_eq!(i.display, Some(Display::Popup));
    let Prompt::Login {
        required,
        max_age,
        login_hint,
        acr_values,
        essential_acr,
        id_token_hint_subject,
        ..
    } = login(&i)
    else {
        unreachable!()
    };
    assert!(*required);
    assert_eq!(*max_age, Some(300));
    assert_eq!(login_hint.as_deref(), Some("alice@example.com"));
    assert_eq!(acr_values, &["urn:example:acr:pwd"]);
    assert_eq!(essential_acr, &["urn:example:acr:mfa"]);
    assert_eq!(*id_token_hint_subject, None);
    assert!(i.prompts.contains(&Prompt::SelectAccount));
    assert!(
        i.prompts
            .iter()
            .any(|p| matches!(p, Prompt::Consent { required: true, .. }))
    );
    let doc: Value = serde_json::from_slice(i.to_http_response().body()).unwrap();
    assert_eq!(doc["display"], "popup");
    assert_eq!(
        doc["prompts"][0]["essential_acr"],
        json!(["urn:example:acr:mfa"])
    );
}

#[test]
fn prompt_login_needs_an_authentication_after_the_request() {
    let mut s = provider();
    let (rp, verifier) = code_rp(&s);
    let earlier = s.now;
    s.advance(5);
    let (i, pending) = start_authentication(
        &s,
        &rp,
        AuthenticationRequest::new(REDIRECT).prompt("login"),
    );
    // The application reused its session (authenticated before the request).
    let loc = location(approve(&s, &i, |mut a| {
        a.auth_time = earlier;
        a
    }));
    assert_eq!(error_of(&loc), "login_required");
    assert!(!loc.contains("code="));
    drop(pending);
    // A fresh login passes.
    let auth = run_flow_query(
        &s,
        &rp,
        &verifier,
        AuthenticationRequest::new(REDIRECT).prompt("login"),
    );
    assert_eq!(auth.claims.auth_time, Some(s.now.as_secs()));
}

/// [`run_flow`] for the code flow (the response in the query).
fn run_flow_query(
    s: &TestServer,
    rp: &authcore_oauth2::Client,
    verifier: &IdTokenVerifier,
    req: AuthenticationRequest,
) -> authcore_oidc::Authentication {
    let (url, pending) = req.build_url(rp, &s.as_seen_by_client(), &s.rng).unwrap();
    let i = interaction(start(s, url.as_str()));
    let loc = location(approve(s, &i, |a| a));
    finish_flow(
        s,
        rp,
        verifier,
        pending,
        &AuthorizationResponse::from_redirect_uri(&loc).unwrap(),
    )
    .unwrap()
}

#[test]
fn prompt_consent_needs_consent_given_now() {
    let s = provider();
    let (rp, _) = code_rp(&s);
    let (i, _) = start_authentication(
        &s,
        &rp,
        AuthenticationRequest::new(REDIRECT).prompt("consent"),
    );
    let loc = location(approve(&s, &i, Approval::with_existing_consent));
    assert_eq!(error_of(&loc), "consent_required");
}

#[test]
fn max_age_and_require_auth_time_put_auth_time_in_front_channel_id_tokens() {
    let mut s = provider();
    let (rp, verifier) = relying_party(&s, "rp", &[ResponseType::IdToken], JwsAlgorithm::RS256);
    let verifier = verifier.require_auth_time();
    let mut record = registered_client(&s, "rp");
    record
        .extra
        .insert("require_auth_time".into(), Value::Bool(true));
    s.store.put_client(record);
    let auth = run_flow(
        &s,
        &rp,
        &verifier,
        AuthenticationRequest::new(REDIRECT).response_type(ResponseType::IdToken),
    )
    .unwrap();
    assert_eq!(auth.claims.auth_time, Some(s.now.as_secs()));
    // max_age exceeded: the application must re-authenticate; an old authentication is
    // refused.
    let (i, _) = start_authentication(
        &s,
        &rp,
        AuthenticationRequest::new(REDIRECT)
            .response_type(ResponseType::IdToken)
            .max_age(60),
    );
    let old = s.now;
    s.advance(61);
    let loc = location(approve(&s, &i, |mut a| {
        a.auth_time = old;
        a
    }));
    assert_eq!(error_of(&loc), "login_required");
    assert!(!loc.contains("id_token="));
    let auth = run_flow(
        &s,
        &rp,
        &verifier,
        AuthenticationRequest::new(REDIRECT)
            .response_type(ResponseType::IdToken)
            .max_age(60),
    )
    .unwrap();
    assert_eq!(auth.claims.auth_time, Some(s.now.as_secs()));
}

#[test]
fn id_token_hint_names_the_only_user_who_may_be_signed_in() {
    let s = provider();
    let (rp, verifier) = code_rp(&s);
    relying_party(&s, "other", &[ResponseType::Code], JwsAlgorithm::RS256);
    let first = run_flow_query(&s, &rp, &verifier, AuthenticationRequest::new(REDIRECT));
    let hint = first.id_token.clone();

    // The interaction names the hinted subject.
    let (i, _) = start_authentication(
        &s,
        &rp,
        AuthenticationRequest::new(REDIRECT).id_token_hint(&hint),
    );
    assert!(matches!(
        login(&i),
        Prompt::Login { id_token_hint_subject: Some(sub), .. } if sub == "alice"
    ));
    // Someone else logs in: login_required.
    let loc = location(approve(&s, &i, |mut a| {
        a.subject = "bob".into();
        a
    }));
    assert_eq!(error_of(&loc), "login_required");
    // The hinted user passes.
    let auth = run_flow_query(
        &s,
        &rp,
        &verifier,
        AuthenticationRequest::new(REDIRECT).id_token_hint(&hint),
    );
    assert_eq!(auth.claims.sub, "alice");

    // prompt=none with the session of another user: login_required without UI.
    let (i, _) = start_authentication(
        &s,
        &rp,
        AuthenticationRequest::new(REDIRECT)
            .prompt("none")
            .id_token_hint(&hint),
    );
    let bob = OpSession::start("bob", s.now, &s.rng).unwrap();
    let result = oidc::answer_without_ui(&i, Some(&bob), true, s.now).unwrap();
    let loc = location(resume(&s, &i, result));
    assert_eq!(error_of(&loc), "login_required");
    // ... and with the hinted user's session it signs in silently.
    let (i, pending) = start_authentication(
        &s,
        &rp,
        AuthenticationRequest::new(REDIRECT)
            .prompt("none")
            .id_token_hint(&hint),
    );
    let alice = OpSession::start("alice", s.now, &s.rng).unwrap();
    let result = oidc::answer_without_ui(&i, Some(&alice), true, s.now).unwrap();
    let loc = location(resume(&s, &i, result));
    let auth = finish_flow(
        &s,
        &rp,
        &verifier,
        pending,
        &AuthorizationResponse::from_redirect_uri(&loc).unwrap(),
    )
    .unwrap();
    assert_eq!(auth.claims.sid.as_deref(), Some(alice.sid.as_str()));

    // A hint issued to another client, or a tampered one, is refused before any page.
    let other = client("other", ClientAuthentication::None);
    let (url, _) = AuthenticationRequest::new(REDIRECT)
        .id_token_hint(&hint)
        .build_url(&other, &s.as_seen_by_client(), &s.rng)
        .unwrap();
    assert_eq!(
        error_of(&location(start(&s, url.as_str()))),
        "invalid_request"
    );
    let mut tampered = hint.secret().to_owned();
    tampered.pop();
    let (url, _) = AuthenticationRequest::new(REDIRECT)
        .id_token_hint(&IdToken::new(tampered))
        .build_url(&rp, &s.as_seen_by_client(), &s.rng)
        .unwrap();
    assert_eq!(
        error_of(&location(start(&s, url.as_str()))),
        "invalid_request"
    );
}

#[test]
fn an_essential_acr_must_be_met() {
    let s = provider();
    let (rp, verifier) = code_rp(&s);
    let req = || {
        AuthenticationRequest::new(REDIRECT)
            .response_type(ResponseType::IdToken)
            .essential_acr(["urn:example:acr:mfa"])
    };
    let (i, _) = start_authentication(&s, &rp, req());
    // The application reached only a password login.
    let loc = location(approve(&s, &i, |a| a));
    assert_eq!(error_of(&loc), "unmet_authentication_requirements");
    // It reached the essential one: the relying party's own essential-acr check passes.
    let (i, pending) = start_authentication(&s, &rp, req());
    let loc = location(approve(&s, &i, |a| a.with_acr("urn:example:acr:mfa")));
    let auth = finish_flow(&s, &rp, &verifier, pending, &fragment_response(&loc)).unwrap();
    assert_eq!(auth.claims.acr.as_deref(), Some("urn:example:acr:mfa"));
    // The application may also say it cannot meet it.
    let (i, _) = start_authentication(&s, &rp, req());
    let loc = location(resume(
        &s,
        &i,
        InteractionResult::Failed(authcore_oauth2::ErrorCode::parse(
            authcore_server::authorize::UNMET_AUTHENTICATION_REQUIREMENTS,
        )),
    ));
    assert_eq!(error_of(&loc), "unmet_authentication_requirements");
}

#[test]
fn offline_access_gives_a_refresh_token_with_prompt_consent_or_an_existing_consent() {
    let s = provider();
    let (rp, verifier) = code_rp(&s);
    for (prompt, existing, refresh) in [
        (false, false, false),
        (true, false, true),
        (false, true, true),
    ] {
        let mut req = AuthenticationRequest::new(REDIRECT).scope("offline_access");
        if prompt {
            req = req.prompt("consent");
        }
        let (url, pending) = req.build_url(&rp, &s.as_seen_by_client(), &s.rng).unwrap();
        let i = interaction(start(&s, url.as_str()));
        // The consent page shows offline_access (the decision is made on the approval).
        assert!(
            consent_requested(&i)
                .0
                .iter()
                .any(|s| s == "offline_access")
        );
        let loc = location(approve(&s, &i, |a| {
            if existing {
                a.with_existing_consent()
            } else {
                a
            }
        }));
        let auth = finish_flow(
            &s,
            &rp,
            &verifier,
            pending,
            &AuthorizationResponse::from_redirect_uri(&loc).unwrap(),
        )
        .unwrap();
        let tokens = auth.tokens.unwrap();
        assert_eq!(
            tokens.refresh_token.is_some(),
            refresh,
            "prompt=consent {prompt}, existing {existing}"
        );
    }
    // An implicit request can never lead to a refresh token: not even asked.
    let (i, _) = start_authentication(
        &s,
        &rp,
        AuthenticationRequest::new(REDIRECT)
            .response_type(ResponseType::IdToken)
            .scope("offline_access")
            .prompt("consent"),
    );
    assert!(
        !consent_requested(&i)
            .0
            .iter()
            .any(|s| s == "offline_access")
    );
}

#[test]
fn a_front_channel_id_token_expires_on_the_virtual_clock() {
    // The virtual clock: a front-channel ID token expires with the provider's lifetime.
    let mut s = provider();
    let (rp, verifier) = relying_party(&s, "rp", &[ResponseType::IdToken], JwsAlgorithm::EdDSA);
    let (i, pending) = start_authentication(
        &s,
        &rp,
        AuthenticationRequest::new(REDIRECT).response_type(ResponseType::IdToken),
    );
    let loc = location(approve(&s, &i, |a| a));
    s.now = UnixTime::from_secs(s.now.as_secs() + s.config.lifetimes.id_token + 3600);
    assert!(finish_flow(&s, &rp, &verifier, pending, &fragment_response(&loc)).is_err());
}

#[test]
fn the_adapter_can_tell_whether_its_session_answers_the_login_prompt() {
    let mut s = provider();
    let (rp, verifier) = code_rp(&s);
    let record = registered_client(&s, "rp");
    let hint = run_flow_query(&s, &rp, &verifier, AuthenticationRequest::new(REDIRECT)).id_token;
    let alice = OpSession::start("alice", s.now, &s.rng)
        .unwrap()
        .with_acr("urn:example:acr:pwd");
    let bob = OpSession::start("bob", s.now, &s.rng).unwrap();
    s.advance(100);
    let ask = |req: AuthenticationRequest| {
        let (url, _) = req.build_url(&rp, &s.as_seen_by_client(), &s.rng).unwrap();
        interaction(start(&s, url.as_str()))
    };
    let fits = |i: &Interaction, session: &OpSession| {
        oidc::session_satisfies_login(i, session, &record, &s.ctx())
    };
    let plain = ask(AuthenticationRequest::new(REDIRECT));
    assert!(fits(&plain, &alice) && fits(&plain, &bob));
    let login = ask(AuthenticationRequest::new(REDIRECT).prompt("login"));
    assert!(!fits(&login, &alice));
    let recent = ask(AuthenticationRequest::new(REDIRECT).max_age(60));
    assert!(!fits(&recent, &alice));
    let hinted = ask(AuthenticationRequest::new(REDIRECT).id_token_hint(&hint));
    assert!(fits(&hinted, &alice) && !fits(&hinted, &bob));
    let mfa = ask(AuthenticationRequest::new(REDIRECT).essential_acr(["urn:example:acr:mfa"]));
    assert!(!fits(&mfa, &alice));
    let pwd = ask(AuthenticationRequest::new(REDIRECT).essential_acr(["urn:example:acr:pwd"]));
    assert!(fits(&pwd, &alice) && !fits(&pwd, &bob));
}

/// Whatever mix of response type, response mode, prompt, display and nonce a request has,
/// the endpoint answers (never panics), and a response type that returns a token is never
/// answered in the query (Multiple Response Types §5). One provider for every case: its keys
/// are slow to make.
#[test]
fn no_request_puts_a_token_response_in_the_query() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let s = provider();
    relying_party(&s, "rp", &FRONT_CHANNEL_TYPES, JwsAlgorithm::ES256);
    let strategy = (
        proptest::sample::select(vec![
            "code",
            "token",
            "id_token",
            "id_token+token",
            "code+id_token",
            "code+token",
            "code+id_token+token",
            "token+code",
            "id_token+code",
            "code+code",
            "none",
        ]),
        proptest::sample::select(vec![
            "",
            "query",
            "fragment",
            "form_post",
            "jwt",
            "query.jwt",
        ]),
        proptest::sample::select(vec![
            "",
            "none",
            "login",
            "consent",
            "none+login",
            "select_account",
        ]),
        proptest::sample::select(vec!["", "page", "popup", "touch", "wap", "tv"]),
        any::<bool>(),
        any::<bool>(),
    );
    let mut runner = TestRunner::new(Config {
        cases: 128,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |(rt, mode, prompt, display, nonce, openid)| {
            let mut q = format!(
                "response_type={rt}&client_id=rp&{CB}&state=s&{CHALLENGE}&scope={}",
                if openid { "openid" } else { "read" }
            );
            for (name, value) in [
                ("response_mode", mode),
                ("prompt", prompt),
                ("display", display),
            ] {
                if !value.is_empty() {
                    q.push_str(&format!("&{name}={value}"));
                }
            }
            if nonce {
                q.push_str("&nonce=n");
            }
            let returns_tokens = ResponseType::parse(&rt.replace('+', " "))
                .is_some_and(ResponseType::returns_tokens);
            let finished = match start(&s, &format!("{ISSUER}/authorize?{q}")) {
                Finished::Interact(i) => approve(&s, &i, |a| a),
                f => f,
            };
            let Finished::Respond(r) = finished else {
                panic!("a resumed interaction responds")
            };
            if let Some(loc) = r.headers().get(LOCATION) {
                let loc = loc.to_str().unwrap();
                if returns_tokens {
                    prop_assert!(!loc.contains('?'), "{q} -> {loc}");
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn scope_claims_go_into_the_id_token_only_when_no_access_token_comes_with_it() {
    let s = provider();
    let (rp, verifier) = relying_party(
        &s,
        "rp",
        &[ResponseType::IdToken, ResponseType::IdTokenToken],
        JwsAlgorithm::ES256,
    );
    let mut record = registered_client(&s, "rp");
    record.allowed_scopes.push("email".into());
    s.store.put_client(record);
    let claims = json!({"email": "alice@example.com", "email_verified": true, "name": "Alice"});
    let Value::Object(claims) = claims else {
        unreachable!()
    };
    s.store.put_claims("alice", claims);
    // Core §5.4: with response_type=id_token there is no access token for UserInfo, so the
    // scope's claims are in the ID token (asked of the application with Need::Claims).
    let auth = run_flow(
        &s,
        &rp,
        &verifier,
        AuthenticationRequest::new(REDIRECT)
            .response_type(ResponseType::IdToken)
            .scope("email"),
    )
    .unwrap();
    assert_eq!(
        auth.claims.standard.email.as_deref(),
        Some("alice@example.com")
    );
    assert_eq!(auth.claims.standard.email_verified, Some(true));
    assert!(auth.claims.standard.name.is_none(), "not asked for");
    // With an access token, they are for UserInfo, not the ID token.
    let auth = run_flow(
        &s,
        &rp,
        &verifier,
        AuthenticationRequest::new(REDIRECT)
            .response_type(ResponseType::IdTokenToken)
            .scope("email"),
    )
    .unwrap();
    assert!(auth.claims.standard.email.is_none());
}

/// Core §10.2: a client that registered ID token encryption gets its front-channel ID
/// tokens encrypted too (`dir` with A256GCM keyed from the client secret), and the relying
/// party checks the hashes of the token inside.
#[test]
fn front_channel_id_tokens_are_encrypted_when_the_client_registered_it() {
    use authcore_jose::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Kma};
    let s = provider();
    let (rp, verifier) = relying_party(
        &s,
        "rp",
        &[ResponseType::CodeIdTokenToken],
        JwsAlgorithm::HS256,
    );
    let mut record = registered_client(&s, "rp");
    record
        .extra
        .insert("id_token_encrypted_response_alg".into(), "dir".into());
    record
        .extra
        .insert("id_token_encrypted_response_enc".into(), "A256GCM".into());
    s.store.put_client(record);
    let key = authcore_oidc::client_secret_key(
        &ClientSecret::new(HS_SECRET),
        Kma::Dir,
        Enc::A256Gcm,
        s.keys.provider,
    )
    .unwrap();
    let verifier = verifier
        .decryption_keys(
            authcore_jose::jwe::DecryptionKey::symmetric(Kma::Dir, key.expose(), s.keys.provider)
                .unwrap(),
        )
        .id_token_encrypted_response(authcore_oidc::JweAlgorithms::new(Kma::Dir, Enc::A256Gcm));
    let (i, pending) = start_authentication(
        &s,
        &rp,
        AuthenticationRequest::new(REDIRECT).response_type(ResponseType::CodeIdTokenToken),
    );
    let loc = location(approve(&s, &i, |a| a));
    let response = fragment_response(&loc);
    // Five parts: a JWE, not a JWS.
    assert_eq!(response.get("id_token").unwrap().split('.').count(), 5);
    // The front-channel token (c_hash, at_hash checked) and the token endpoint's, both
    // encrypted, both opened and validated.
    let auth = finish_flow(&s, &rp, &verifier, pending, &response).unwrap();
    assert_eq!(auth.id_token.secret().split('.').count(), 5);
    assert_eq!(auth.claims.sub, "alice");
}
