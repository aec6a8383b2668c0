//! The OpenID provider as authcore-oidc's relying party meets it: a provider with ID token
//! keys, registered relying parties, the front channel driven to its redirect, and the code
//! redeemed and validated (OpenID Connect Core §3.1.3.7).

use std::sync::Arc;

use authcore_jose::{Jwk, JwsAlgorithm, VerifyingKey};
use authcore_oauth2::{
    AuthorizationResponse, ClientAuthentication, TokenResponseOptions, parse_token_response,
};
use authcore_oidc::{
    Authentication, AuthenticationRequest, AuthenticationResponse, CodeExchange, IdTokenVerifier,
    PendingAuthentication,
};
use authcore_server::Finished;
use authcore_server::authorize::{Approval, Interaction, InteractionResult, Prompt};
use authcore_server::model::ClientRecord;
use authcore_server::signing_keys::SigningKeySet;
use authcore_server::{Answer, Need, TokenEndpoint, drive};
use serde_json::Value;

use super::{TestServer, client, get, interaction, resume};

/// A key set signing ID tokens with each of `algs`, with key ids `k0`, `k1`, … in that
/// order (the first signs by default).
pub fn id_token_keys(s: &TestServer, algs: &[JwsAlgorithm]) -> SigningKeySet {
    let provider = authcore_jose::crypto::default_provider();
    let mut set = SigningKeySet::new(3600);
    for (i, alg) in algs.iter().enumerate() {
        let mut k = Jwk::generate(*alg, provider, &s.rng).unwrap();
        k.kid = Some(format!("k{i}"));
        set.add_key(&k, Some(*alg), provider).unwrap();
    }
    set
}

/// An OpenID provider: the test server with `openid` among its scopes, a JWK Set endpoint,
/// and ID token keys for `algs`.
pub fn openid_provider(algs: &[JwsAlgorithm]) -> TestServer {
    let mut s = TestServer::new();
    s.config.scopes_supported.push("openid".into());
    s.config.endpoints.jwks = Some(s.config.endpoint("jwks").unwrap());
    let set = id_token_keys(&s, algs);
    s.keys = s.keys.clone().with_id_token_signing(Arc::new(set));
    s
}

/// The keys a relying party verifies the provider's ID tokens with now (none when the server
/// has no ID token keys).
pub fn id_token_verifying_keys(s: &TestServer) -> &[VerifyingKey] {
    s.keys
        .id_token_signing
        .as_deref()
        .map_or(&[][..], |k| k.verifying_keys_at(s.now))
}

/// A public client registered for the code flow with `openid` (beside the test server's
/// `read` and `write`), after `adjust` had its say; the relying party's view of it.
pub fn openid_public_client(
    s: &TestServer,
    id: &str,
    adjust: impl FnOnce(&mut ClientRecord),
) -> authcore_oauth2::Client {
    let mut record = s.public_client(id);
    record.response_types = vec!["code".into()];
    record.allowed_scopes.push("openid".into());
    adjust(&mut record);
    s.store.put_client(record);
    client(id, ClientAuthentication::None)
}

/// The stored registration of the client `id`.
pub fn registered_client(s: &TestServer, id: &str) -> ClientRecord {
    let Answer::Client(Some(record)) = s.answer(Need::Client(id.into())) else {
        panic!("{id} is not registered")
    };
    record
}

/// The scopes and resources the consent prompt of `i` asks for.
pub fn consent_requested(i: &Interaction) -> (Vec<String>, Vec<String>) {
    i.prompts
        .iter()
        .find_map(|p| match p {
            Prompt::Consent {
                scopes, resources, ..
            } => Some((scopes.clone(), resources.clone())),
            _ => None,
        })
        .expect("a consent prompt")
}

/// alice, authenticated now, approves everything `i` asks, as `adjust` shapes the approval;
/// what the endpoint finishes with.
pub fn approve_with(
    s: &TestServer,
    i: &Interaction,
    adjust: impl FnOnce(Approval) -> Approval,
) -> Finished {
    let (scopes, resources) = consent_requested(i);
    let approval = adjust(Approval::new("alice", s.now, scopes, resources));
    resume(s, i, InteractionResult::Approved(approval))
}

/// The redirect a finished authorization request answers with.
pub fn location(f: Finished) -> String {
    match f {
        Finished::Respond(r) => r.headers()[http::header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned(),
        Finished::Interact(i) => panic!("{i:?}"),
    }
}

/// Sends `request` from `rp` to the authorization endpoint; the interaction it asks for and
/// the relying party's pending state.
pub fn start_authentication(
    s: &TestServer,
    rp: &authcore_oauth2::Client,
    request: AuthenticationRequest,
) -> (Interaction, PendingAuthentication) {
    let (url, pending) = request
        .build_url(rp, &s.as_seen_by_client(), &s.rng)
        .unwrap();
    (interaction(get(s, &url)), pending)
}

/// The relying party's reading of a redirect to the client in the query: a code to exchange.
pub fn code_exchange(pending: PendingAuthentication, location: &str) -> CodeExchange {
    let AuthenticationResponse::Code(exchange) = pending
        .handle_callback(&AuthorizationResponse::from_redirect_uri(location).unwrap())
        .unwrap()
    else {
        panic!("a code response: {location}")
    };
    exchange
}

/// The token endpoint's response to `rp`'s redemption of `exchange`; `fetch` answers the
/// provider's outbound requests (a client's `jwks_uri`).
pub fn redeem(
    s: &TestServer,
    rp: &authcore_oauth2::Client,
    exchange: &CodeExchange,
    fetch: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> http::Response<Vec<u8>> {
    let req = exchange
        .build_token_request(rp, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    let mut ep = TokenEndpoint::new(&req, None);
    drive(&mut ep, &s.ctx(), &s.store, fetch)
}

/// Redeems `exchange` (which must succeed) and has the relying party validate the token
/// response with `verifier` against the provider's current keys.
pub fn redeem_and_validate(
    s: &TestServer,
    rp: &authcore_oauth2::Client,
    exchange: CodeExchange,
    verifier: &IdTokenVerifier,
    fetch: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Result<Authentication, authcore_oidc::Error> {
    let resp = redeem(s, rp, &exchange, fetch);
    assert_eq!(
        resp.status(),
        200,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    let tokens = parse_token_response(&resp, &TokenResponseOptions::new()).unwrap();
    exchange.validate_token_response(tokens, verifier, id_token_verifying_keys(s), s.now)
}

/// A whole code flow of `request` from `rp`: alice approves (as `adjust` shapes it), the
/// code is redeemed and the relying party validates the result with `verifier`.
pub fn code_flow_with(
    s: &TestServer,
    rp: &authcore_oauth2::Client,
    request: AuthenticationRequest,
    adjust: impl FnOnce(Approval) -> Approval,
    verifier: &IdTokenVerifier,
    fetch: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Result<Authentication, authcore_oidc::Error> {
    let (i, pending) = start_authentication(s, rp, request);
    let location = location(approve_with(s, &i, adjust));
    let exchange = code_exchange(pending, &location);
    redeem_and_validate(s, rp, exchange, verifier, fetch)
}

/// The JSON of the part `index` of a compact JWS (0: the JOSE header, 1: the claims).
pub fn compact_part(token: &str, index: usize) -> Value {
    use base64::Engine as _;
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}
