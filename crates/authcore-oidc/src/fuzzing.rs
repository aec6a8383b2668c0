//! Entry points for fuzz targets: each takes arbitrary bytes, runs one parser (and the checks
//! behind it), and must never panic (a fast path that disagrees with its strict path panics on
//! purpose).
#![doc(hidden)]

use authcore_jose::{JwsAlgorithm, UnixTime};
use authcore_oauth2::ClientSecret;
use http::Response;

use crate::{
    AuthenticationRequest, DiscoveryOptions, IdTokenClaims, IdTokenExpectations, IdTokenVerifier,
    JwksAction, JwksCache, ProviderMetadata, ResponseType, parse_logout_request_body,
    parse_userinfo_json, parse_userinfo_response,
};

const ISSUER: &str = "https://op.example";
const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

fn verifier() -> Option<IdTokenVerifier> {
    IdTokenVerifier::new(ISSUER, "client")
        .allowed_algorithms([JwsAlgorithm::HS256, JwsAlgorithm::RS256])
        .ok()?
        .client_secret(&ClientSecret::new("a-client-secret-of-32-bytes-long"))
        .ok()
}

/// Discovery document parsing: exact issuer and with a templated issuer accepted; the strict
/// wire parse, whose accepted documents must parse again after writing (a panic if not).
pub fn fuzz_discovery(data: &[u8]) {
    if let Ok(m) = ProviderMetadata::parse_json(data) {
        assert!(
            ProviderMetadata::parse_json(&m.to_json()).is_ok(),
            "a parsed provider metadata document does not parse after writing"
        );
    }
    if let Ok(m) = ProviderMetadata::from_json(data, ISSUER) {
        let _ = m.authorization_server();
        let _ = m.id_token_signing_algorithms();
        let _ = m.jwks_cache(&[JwsAlgorithm::RS256]);
    }
    let _ = ProviderMetadata::from_json_with(
        data,
        ISSUER,
        &DiscoveryOptions::new().insecure_accept_issuer_template("https://op.example/{tenantid}"),
    );
}

/// ID token validation of arbitrary input, with an HMAC client secret (so structurally valid
/// tokens reach the claim checks only when signed), under several expectations; also as a
/// logout token.
pub fn fuzz_id_token(data: &[u8]) {
    let Some(v) = verifier() else { return };
    let token = String::from_utf8_lossy(data);
    let keys = authcore_jose::VerifyingKeys::new();
    for e in [
        IdTokenExpectations::token_endpoint(),
        IdTokenExpectations::token_endpoint().nonce("n").max_age(60),
        IdTokenExpectations::authorization_endpoint(ResponseType::CodeIdTokenToken)
            .nonce("n")
            .code("c")
            .access_token("a")
            .state("s"),
    ] {
        let _ = v.validate(&token, &keys, &e, NOW);
    }
    let _ = v.validate_logout_token(&token, &keys, NOW);
    id_token_claims(data);
}

/// The input as a verified payload: the claims fast path must decline or agree with the
/// strict path.
fn id_token_claims(payload: &[u8]) {
    let strict = || IdTokenClaims::from_claims(authcore_jose::jwt::Claims::from_json(payload)?);
    if let Some(fast) = IdTokenClaims::read_plain_json(payload) {
        assert_eq!(
            Ok(fast),
            strict(),
            "the fast path accepted what the strict path did not"
        );
    }
}

/// UserInfo parsing, as a body (with its aggregated and distributed claim references) and as
/// responses of both content types.
pub fn fuzz_userinfo(data: &[u8]) {
    if let Ok(info) = parse_userinfo_json(data, "248289761001") {
        // Aggregated and distributed claim references, and what is built from them.
        for source in crate::claim_sources(&info.extra).unwrap_or_default() {
            let _ = crate::build_distributed_claims_request(&source, None);
            let _ = source.verify_aggregated(
                &authcore_jose::VerifyingKeys::new(),
                Some(ISSUER),
                "client",
                NOW,
            );
        }
    }
    for ct in ["application/json", "application/jwt"] {
        if let Ok(resp) = Response::builder()
            .status(200)
            .header("content-type", ct)
            .body(data.to_vec())
        {
            let _ = parse_userinfo_response(&resp, "248289761001");
            if let Some(v) = verifier() {
                let _ = crate::parse_signed_userinfo_response(
                    &resp,
                    "248289761001",
                    &v,
                    &authcore_jose::VerifyingKeys::new(),
                );
            }
        }
    }
}

/// Back-channel logout request body parsing, then logout token validation of the token; the
/// bytes as a front-channel logout query.
pub fn fuzz_logout_token(data: &[u8]) {
    let Some(v) = verifier() else { return };
    let keys = authcore_jose::VerifyingKeys::new();
    if let Ok(token) = parse_logout_request_body(data) {
        let _ = v.validate_logout_token(&token, &keys, NOW);
    }
    let _ = v.validate_logout_token(&String::from_utf8_lossy(data), &keys, NOW);
    // The bytes as a front-channel logout query.
    let query = String::from_utf8_lossy(data);
    for session_required in [false, true] {
        let _ = crate::parse_frontchannel_logout_query(&query, ISSUER, session_required);
    }
}

/// JWK Set response handling by the cache machine, with `Cache-Control` from the first line.
pub fn fuzz_jwks_response(data: &[u8]) {
    let Ok(mut cache) = JwksCache::new(
        "https://op.example/jwks",
        &[
            JwsAlgorithm::RS256,
            JwsAlgorithm::ES256,
            JwsAlgorithm::EdDSA,
        ],
    ) else {
        return;
    };
    let (cc, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b""[..], data),
    };
    if let JwksAction::Fetch(_) = cache.poll(NOW) {
        let mut b = Response::builder().status(200);
        if let Ok(v) = http::HeaderValue::from_bytes(cc) {
            b = b.header(http::header::CACHE_CONTROL, v);
        }
        if let Ok(resp) = b.body(body.to_vec()) {
            let _ = cache.handle_response(&resp, NOW);
        }
    }
    let _ = cache.poll_for_token(&String::from_utf8_lossy(body), NOW.saturating_add(1));
    let _ = cache.keys();
}

/// Authentication response handling: the bytes as a fragment and as a `form_post` body,
/// handled by a pending request of every response type (state, `iss`, error, required
/// parameters), then validated.
pub fn fuzz_authentication_response(data: &[u8]) {
    use authcore_oauth2::{
        AuthorizationResponse, AuthorizationServer, Client, ClientAuthentication,
    };
    let Some(v) = verifier() else { return };
    let rng = authcore_jose::InsecureTestRandom::new(1);
    let Ok(server) = AuthorizationServer::new(ISSUER)
        .with_iss_parameter_supported(true)
        .with_authorization_endpoint("https://op.example/authorize")
    else {
        return;
    };
    let client = Client::new("client", ClientAuthentication::None);
    let keys = authcore_jose::VerifyingKeys::new();
    for parsed in [
        AuthorizationResponse::from_form_post(data),
        AuthorizationResponse::from_query(&String::from_utf8_lossy(data)),
    ]
    .into_iter()
    .flatten()
    {
        for rt in [
            ResponseType::Code,
            ResponseType::IdToken,
            ResponseType::IdTokenToken,
            ResponseType::CodeIdToken,
            ResponseType::CodeToken,
            ResponseType::CodeIdTokenToken,
        ] {
            let Ok((_, pending)) = AuthenticationRequest::new("https://client.example/cb")
                .response_type(rt)
                .max_age(60)
                .build_url(&client, &server, &rng)
            else {
                continue;
            };
            if let Ok(resp) = pending.handle_callback(&parsed) {
                let _ = resp.validate(&v, &keys, NOW);
            }
        }
    }
}
