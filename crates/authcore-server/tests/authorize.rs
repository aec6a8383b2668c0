//! The authorization endpoint, whole flows on a virtual clock: authcore-oauth2's client builds
//! the requests and checks the responses; authcore-server answers with the in-memory store.

use authcore_jose::{InsecureTestRandom, Jwk, JwkSet, JwsAlgorithm, SigningKey, UnixTime, crypto};
use authcore_oauth2::wire::{AuthorizationResponseParams, ErrorCode, ResponseMode};
use authcore_oauth2::{
    AuthorizationRequest, AuthorizationResponse, AuthorizationServer, Client, ClientAuthentication,
    Error as ClientError, PendingAuthorization, SecurityError, authorization_url_with_request_uri,
    parse_callback_request,
};
use authcore_server::authorize::{
    Approval, AuthorizationEndpoint, FORM_POST_SCRIPT_HASH, Interaction, InteractionResult, Prompt,
};
use authcore_server::config::ResourceServer;
use authcore_server::model::{ApplicationType, ClientAuthMethod, ClientRecord};
use authcore_server::store::MemoryStore;
use authcore_server::tokens::CredentialKind;
use authcore_server::{
    Answer, Context, Finished, Need, ServerConfig, ServerKeys, Store, drive_to_finish,
};
use http::StatusCode;
use http::header::{CONTENT_SECURITY_POLICY, LOCATION};
use url::Url;

const ISSUER: &str = "https://as.example";
const REDIRECT: &str = "https://app.example/cb";
const RESOURCE: &str = "https://api.example/";
const T0: u64 = 1_700_000_000;

struct Server {
    config: ServerConfig,
    keys: ServerKeys,
    store: MemoryStore,
    rng: InsecureTestRandom,
    now: UnixTime,
    /// What a `request_uri` fetch returns.
    hosted: Vec<(String, Vec<u8>)>,
}

impl Server {
    fn new() -> Self {
        let rng = InsecureTestRandom::new(42);
        let mut config = ServerConfig::new(ISSUER).unwrap();
        config.resource_servers.push(ResourceServer::new(RESOURCE));
        let keys = ServerKeys::generate(crypto::default_provider(), &rng).unwrap();
        let store = MemoryStore::new();
        store.put_client(web_client());
        Server {
            config,
            keys,
            store,
            rng,
            now: UnixTime::from_secs(T0),
            hosted: Vec::new(),
        }
    }

    fn run(&self, mut endpoint: AuthorizationEndpoint) -> Finished {
        let ctx = Context::new(&self.config, &self.keys, self.now, &self.rng);
        let fetch = |url: &str| {
            self.hosted
                .iter()
                .find(|(u, _)| u == url)
                .map(|(_, b)| b.clone())
        };
        drive_to_finish(&mut endpoint, &ctx, &self.store, &fetch)
    }

    fn get(&self, url: &Url) -> Finished {
        self.run(AuthorizationEndpoint::new(
            http::Request::get(url.as_str()).body(Vec::new()).unwrap(),
        ))
    }

    fn resume(&self, ticket: &str, result: InteractionResult) -> Finished {
        self.run(AuthorizationEndpoint::resume(ticket, result))
    }

    fn advance(&mut self, secs: u64) {
        self.now = self.now.saturating_add(secs);
    }
}

fn web_client() -> ClientRecord {
    let mut c = ClientRecord::new("app", ClientAuthMethod::None);
    c.redirect_uris = vec![REDIRECT.into()];
    c.response_types = vec!["code".into()];
    c.grant_types = vec!["authorization_code".into()];
    c.allowed_scopes = vec!["read".into(), "write".into()];
    c.allowed_resources = vec![RESOURCE.into()];
    c
}

fn as_client() -> (Client, AuthorizationServer) {
    let client = Client::new("app", ClientAuthentication::None);
    let server = AuthorizationServer::new(ISSUER)
        .with_authorization_endpoint("https://as.example/authorize")
        .unwrap()
        .with_par_endpoint("https://as.example/par")
        .unwrap()
        .with_iss_parameter_supported(true);
    (client, server)
}

fn interaction(f: Finished) -> Interaction {
    match f {
        Finished::Interact(i) => i,
        Finished::Respond(r) => panic!(
            "expected an interaction, got {} {:?} {}",
            r.status(),
            r.headers().get(LOCATION),
            String::from_utf8_lossy(r.body())
        ),
    }
}

fn response(f: Finished) -> http::Response<Vec<u8>> {
    match f {
        Finished::Respond(r) => r,
        Finished::Interact(i) => panic!("expected a response, got {i:?}"),
    }
}

fn location(r: &http::Response<Vec<u8>>) -> String {
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r);
    r.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// The response is a page for the user, never a redirect (RFC 6749 §4.1.2.1).
fn assert_page(r: &http::Response<Vec<u8>>) {
    assert!(r.status().is_client_error() || r.status().is_server_error());
    assert!(r.headers().get(LOCATION).is_none(), "redirected: {r:?}");
}

/// The application's approval of everything the interaction asks consent for.
fn approve(i: &Interaction, auth_time: UnixTime) -> InteractionResult {
    let (scopes, resources) = i
        .prompts
        .iter()
        .find_map(|p| match p {
            Prompt::Consent {
                scopes, resources, ..
            } => Some((scopes.clone(), resources.clone())),
            _ => None,
        })
        .unwrap();
    InteractionResult::Approved(Approval::new("alice", auth_time, scopes, resources))
}

fn start(server: &Server, req: AuthorizationRequest) -> (Interaction, PendingAuthorization) {
    let (client, as_) = as_client();
    let (url, pending) = req.build_url(&client, &as_, &server.rng).unwrap();
    (interaction(server.get(&url)), pending)
}

#[test]
fn code_flow_with_pkce_from_request_to_code() {
    let server = Server::new();
    let req = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .resource(RESOURCE)
        .login_hint("alice@example.com");
    let (i, pending) = start(&server, req);
    assert!(i.ui_allowed);
    assert_eq!(i.client_id, "app");
    assert!(
        matches!(
            &i.prompts[0],
            Prompt::Login {
                required: false,
                max_age: None,
                login_hint: Some(hint),
                id_token_hint_subject: None,
                acr_values,
                essential_acr,
                ..
            } if hint == "alice@example.com" && acr_values.is_empty() && essential_acr.is_empty()
        ),
        "{:?}",
        i.prompts[0]
    );
    assert!(
        matches!(&i.prompts[1], Prompt::Consent { scopes, resources, .. }
        if scopes == &["read"] && resources == &[RESOURCE])
    );

    let r = response(server.resume(&i.ticket, approve(&i, server.now)));
    let loc = location(&r);
    assert!(loc.starts_with("https://app.example/cb?code=acac_"));
    // The client's own checks: state, iss (RFC 9207), response mode.
    let grant = pending
        .handle_callback(&AuthorizationResponse::from_redirect_uri(&loc).unwrap())
        .unwrap();
    // The code is stored only as its keyed hash, bound to everything of the request.
    let hash = server
        .keys
        .token_hashing
        .hash_presented(CredentialKind::AuthorizationCode, grant.code().secret())
        .unwrap();
    let Answer::Code(Some(code)) = server.store.answer(&Need::Code(hash), server.now) else {
        panic!("code not stored");
    };
    assert_eq!(code.client_id, "app");
    assert_eq!(code.redirect_uri.as_deref(), Some(REDIRECT));
    assert_eq!(code.scopes, ["read"]);
    assert_eq!(code.resources, [RESOURCE]);
    assert_eq!(
        code.code_challenge.as_ref().unwrap().method,
        authcore_oauth2::PkceMethod::S256
    );
    assert_eq!(code.expires_at.as_secs(), T0 + 60);
    assert!(!code.used);
    let Answer::Grant(Some(g)) = server
        .store
        .answer(&Need::Grant(code.grant_id.clone()), server.now)
    else {
        panic!("grant not stored");
    };
    assert_eq!(g.subject, "alice");
    assert_eq!(g.auth_time, Some(server.now));
}

#[test]
fn the_ticket_is_good_for_one_answer_and_expires() {
    let mut server = Server::new();
    let (i, _) = start(&server, AuthorizationRequest::new(REDIRECT).scope("read"));
    let first = response(server.resume(&i.ticket, InteractionResult::Denied));
    assert!(location(&first).contains("error=access_denied"));
    // A replayed ticket is refused, and to the user, not the client.
    let again = response(server.resume(&i.ticket, approve(&i, server.now)));
    assert_page(&again);

    let (i, _) = start(&server, AuthorizationRequest::new(REDIRECT).scope("read"));
    server.advance(server.config.lifetimes.interaction);
    assert_page(&response(server.resume(&i.ticket, approve(&i, server.now))));
    // A ticket that was never issued.
    assert_page(&response(server.resume(
        "acit_t1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        approve(&i, server.now),
    )));
    assert_page(&response(
        server.resume("not a ticket", approve(&i, server.now)),
    ));
}

#[test]
fn denial_and_failed_interactions_reach_the_client_with_state_and_iss() {
    let server = Server::new();
    let (i, pending) = start(&server, AuthorizationRequest::new(REDIRECT).scope("read"));
    let r = response(server.resume(
        &i.ticket,
        InteractionResult::Failed(ErrorCode::parse("login_required")),
    ));
    let err = pending
        .handle_callback(&AuthorizationResponse::from_redirect_uri(&location(&r)).unwrap())
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Server(e) if e.error.as_str() == "login_required"),
        "{err:?}"
    );
}

#[test]
fn unknown_client_and_unregistered_redirect_uri_are_never_redirected_to() {
    let server = Server::new();
    // An unknown client.
    let mut url = Url::parse("https://as.example/authorize").unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", "nobody")
        .append_pair("redirect_uri", "https://evil.example/cb");
    assert_page(&response(server.get(&url)));
    // Open redirector (RFC 9700 §4.11): an error in a request whose redirect URI is not
    // registered is shown, not sent to that URI.
    for redirect in [
        "https://evil.example/cb",
        "https://app.example/cb/../../evil",
        "https://app.example/cb?next=https://evil.example",
        "https://app.example/cbx",
        "http://app.example/cb",
    ] {
        let mut url = Url::parse("https://as.example/authorize").unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", "app")
            .append_pair("scope", "admin")
            .append_pair("redirect_uri", redirect);
        assert_page(&response(server.get(&url)));
    }
    // Two redirect URIs: ambiguous, shown.
    let url = Url::parse(
        "https://as.example/authorize?response_type=code&client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&redirect_uri=https%3A%2F%2Fevil.example%2F",
    )
    .unwrap();
    assert_page(&response(server.get(&url)));
    // No client_id at all.
    let url = Url::parse("https://as.example/authorize?response_type=code").unwrap();
    assert_page(&response(server.get(&url)));
}

#[test]
fn other_errors_are_redirected_with_error_state_and_iss() {
    let server = Server::new();
    let (client, as_) = as_client();
    let cases: Vec<(AuthorizationRequest, &str)> = vec![
        (
            AuthorizationRequest::new(REDIRECT).scope("admin"),
            "invalid_scope",
        ),
        (
            AuthorizationRequest::new(REDIRECT).resource("https://unknown.example/"),
            "invalid_target",
        ),
        (
            AuthorizationRequest::new(REDIRECT)
                .prompt("none")
                .prompt("login"),
            "invalid_request",
        ),
        (
            AuthorizationRequest::new(REDIRECT).response_mode(ResponseMode::Other("jwt".into())),
            "invalid_request",
        ),
    ];
    for (req, expected) in cases {
        let (url, pending) = req.build_url(&client, &as_, &server.rng).unwrap();
        let r = response(server.get(&url));
        let loc = location(&r);
        let parsed = Url::parse(&loc).unwrap();
        let q: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert!(q.iter().any(|(k, v)| k == "iss" && v == ISSUER), "{loc}");
        assert!(q.iter().any(|(k, _)| k == "state"), "{loc}");
        assert!(q.iter().any(|(k, _)| k == "error_description"), "{loc}");
        let err = pending
            .handle_callback(&AuthorizationResponse::from_redirect_uri(&loc).unwrap())
            .unwrap_err();
        assert!(
            matches!(&err, ClientError::Server(e) if e.error.as_str() == expected),
            "{expected}: {err:?}"
        );
    }
    // A repeated parameter (RFC 6749 §3.1): redirected as invalid_request, state dropped
    // because it is the repeated one.
    let url = Url::parse(
        "https://as.example/authorize?response_type=code&client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=a&state=b",
    )
    .unwrap();
    let loc = location(&response(server.get(&url)));
    assert!(loc.contains("error=invalid_request"), "{loc}");
    assert!(!loc.contains("state="), "{loc}");
}

#[test]
fn pkce_is_required_and_cannot_be_downgraded() {
    let server = Server::new();
    let base = |extra: &[(&str, &str)]| {
        let mut url = Url::parse("https://as.example/authorize").unwrap();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", "app")
                .append_pair("redirect_uri", REDIRECT)
                .append_pair("state", "s1");
            for (k, v) in extra {
                q.append_pair(k, v);
            }
        }
        url
    };
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    for extra in [
        vec![],
        vec![("code_challenge", challenge)],
        vec![
            ("code_challenge", challenge),
            ("code_challenge_method", "plain"),
        ],
        vec![
            ("code_challenge", "too-short"),
            ("code_challenge_method", "S256"),
        ],
        vec![
            ("code_challenge", challenge),
            ("code_challenge_method", "S512"),
        ],
    ] {
        let loc = location(&response(server.get(&base(&extra))));
        assert!(loc.contains("error=invalid_request"), "{extra:?}: {loc}");
        assert!(loc.contains("state=s1"), "{loc}");
    }
    // The client's own plain opt-in is refused too unless the server allows plain.
    let (client, as_) = as_client();
    let (url, _) = AuthorizationRequest::new(REDIRECT)
        .insecure_pkce_plain()
        .build_url(&client, &as_, &server.rng)
        .unwrap();
    assert!(location(&response(server.get(&url))).contains("error=invalid_request"));
    let mut lax = Server::new();
    lax.config.pkce.allow_plain = true;
    let (url, _) = AuthorizationRequest::new(REDIRECT)
        .insecure_pkce_plain()
        .build_url(&client, &as_, &lax.rng)
        .unwrap();
    interaction(lax.get(&url));
    // A confidential client without PKCE only when the server allows it.
    let mut lax = Server::new();
    lax.config.pkce.required_for_confidential_clients = false;
    let mut confidential = web_client();
    confidential.client_id = "conf".into();
    confidential.auth_method = ClientAuthMethod::ClientSecretBasic;
    lax.store.put_client(confidential);
    let mut url = base(&[]);
    url.set_query(Some(
        &url.query()
            .unwrap()
            .replace("client_id=app", "client_id=conf"),
    ));
    interaction(lax.get(&url));
    // ...but never a public one.
    assert!(location(&response(lax.get(&base(&[])))).contains("error=invalid_request"));
}

#[test]
fn mix_up_defense_the_client_rejects_another_issuers_response() {
    let server = Server::new();
    // The client believes it talks to another server: our `iss` gives the mix-up away
    // (RFC 9700 §4.4, RFC 9207).
    let client = Client::new("app", ClientAuthentication::None);
    let other = AuthorizationServer::new("https://honest.example")
        .with_authorization_endpoint("https://as.example/authorize")
        .unwrap();
    let (url, pending) = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_url(&client, &other, &server.rng)
        .unwrap();
    let i = interaction(server.get(&url));
    let loc = location(&response(server.resume(&i.ticket, approve(&i, server.now))));
    let err = pending
        .handle_callback(&AuthorizationResponse::from_redirect_uri(&loc).unwrap())
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Security(SecurityError::IssuerMismatch { .. })
        ),
        "{err:?}"
    );
}

#[test]
fn max_age_and_prompt_login_need_a_fresh_authentication() {
    let mut server = Server::new();
    let (i, _) = start(
        &server,
        AuthorizationRequest::new(REDIRECT)
            .scope("read")
            .max_age(60),
    );
    let old = UnixTime::from_secs(T0 - 61);
    let loc = location(&response(server.resume(&i.ticket, approve(&i, old))));
    assert!(loc.contains("error=login_required"), "{loc}");

    let (i, _) = start(
        &server,
        AuthorizationRequest::new(REDIRECT)
            .scope("read")
            .prompt("login"),
    );
    assert!(matches!(i.prompts[0], Prompt::Login { required: true, .. }));
    let before = server.now.saturating_sub(1);
    server.advance(5);
    let loc = location(&response(server.resume(&i.ticket, approve(&i, before))));
    assert!(loc.contains("error=login_required"), "{loc}");

    let (i, _) = start(
        &server,
        AuthorizationRequest::new(REDIRECT)
            .scope("read")
            .prompt("none"),
    );
    assert!(!i.ui_allowed);
}

#[test]
fn an_approval_cannot_grant_more_than_was_asked() {
    let server = Server::new();
    let (i, _) = start(&server, AuthorizationRequest::new(REDIRECT).scope("read"));
    let greedy = InteractionResult::Approved(Approval::new(
        "alice",
        server.now,
        vec!["read".into(), "write".into()],
        vec![],
    ));
    assert_page(&response(server.resume(&i.ticket, greedy)));
}

#[test]
fn form_post_and_fragment_response_modes() {
    let server = Server::new();
    let (i, pending) = start(
        &server,
        AuthorizationRequest::new(REDIRECT)
            .scope("read")
            .response_mode(ResponseMode::FormPost),
    );
    let r = response(server.resume(&i.ticket, approve(&i, server.now)));
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains(FORM_POST_SCRIPT_HASH));
    // What the browser would POST: the hidden fields of the page.
    let body = String::from_utf8(r.body().clone()).unwrap();
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for field in body.split("<input type=\"hidden\" ").skip(1) {
        let name = field
            .split("name=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let value = field
            .split("value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        form.append_pair(name, &value.replace("&amp;", "&"));
    }
    let post = http::Request::post(REDIRECT)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.finish().into_bytes())
        .unwrap();
    let _code = pending
        .handle_callback(&parse_callback_request(&post).unwrap())
        .unwrap();

    let (i, pending) = start(
        &server,
        AuthorizationRequest::new(REDIRECT)
            .scope("read")
            .response_mode(ResponseMode::Fragment),
    );
    let loc = location(&response(server.resume(&i.ticket, approve(&i, server.now))));
    assert!(loc.starts_with("https://app.example/cb#code="));
    let _code = pending
        .handle_callback(&AuthorizationResponse::from_redirect_uri_fragment(&loc).unwrap())
        .unwrap();
}

#[test]
#[allow(deprecated)] // the implicit grant is what is tested
fn implicit_grant_only_behind_the_legacy_setting() {
    let mut server = Server::new();
    let mut c = web_client();
    c.response_types.push("token".into());
    server.store.put_client(c);
    let (client, as_) = as_client();
    let (url, _) = AuthorizationRequest::implicit(REDIRECT)
        .scope("read")
        .build_url(&client, &as_, &server.rng)
        .unwrap();
    let loc = location(&response(server.get(&url)));
    assert!(loc.contains("#error=unsupported_response_type"), "{loc}");

    server.config.legacy.implicit_grant = true;
    let i = interaction(server.get(&url));
    let loc = location(&response(server.resume(&i.ticket, approve(&i, server.now))));
    let fragment = Url::parse(&loc).unwrap().fragment().unwrap().to_owned();
    let AuthorizationResponseParams::Success(s) =
        AuthorizationResponseParams::parse(fragment.as_bytes()).unwrap()
    else {
        panic!("{loc}");
    };
    assert!(s.access_token.unwrap().secret().starts_with("acat_"));
    assert!(s.code.is_none());
    assert_eq!(server.store.token_count(), 1);
}

#[test]
fn native_clients_get_loopback_port_flexibility_web_clients_do_not() {
    let server = Server::new();
    let mut native = web_client();
    native.client_id = "cli".into();
    native.application_type = ApplicationType::Native;
    native.redirect_uris = vec!["http://127.0.0.1/callback".into()];
    server.store.put_client(native);
    let mut web = web_client();
    web.client_id = "web-loopback".into();
    web.redirect_uris = vec!["http://127.0.0.1/callback".into()];
    server.store.put_client(web);
    let as_ = as_client().1;
    for (client_id, ok) in [("cli", true), ("web-loopback", false)] {
        let client = Client::new(client_id, ClientAuthentication::None);
        let (url, _) = AuthorizationRequest::new("http://127.0.0.1:49152/callback")
            .scope("read")
            .build_url(&client, &as_, &server.rng)
            .unwrap();
        match server.get(&url) {
            Finished::Interact(_) => assert!(ok, "{client_id}"),
            Finished::Respond(r) => {
                assert!(!ok, "{client_id}");
                assert_page(&r);
            }
        }
    }
}

fn jar_client(server: &Server) -> (SigningKey, Client) {
    let provider = crypto::default_provider();
    let private =
        Jwk::generate(JwsAlgorithm::ES256, provider, &InsecureTestRandom::new(5)).unwrap();
    let signer = SigningKey::from_jwk(&private, None, provider).unwrap();
    let mut c = web_client();
    c.client_id = "jar".into();
    c.jwks = Some(JwkSet::new(vec![private.to_public().unwrap()]));
    c.extra.insert(
        "request_uris".into(),
        serde_json::json!(["https://app.example/ro/1"]),
    );
    server.store.put_client(c);
    (signer, Client::new("jar", ClientAuthentication::None))
}

#[test]
fn signed_request_objects_by_value_and_by_reference() {
    let mut server = Server::new();
    let (signer, client) = jar_client(&server);
    let as_ = as_client().1;
    let (url, pending) = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_signed_url(&client, &as_, &signer, server.now, &server.rng)
        .unwrap();
    let i = interaction(server.get(&url));
    let loc = location(&response(server.resume(&i.ticket, approve(&i, server.now))));
    let _code = pending
        .handle_callback(&AuthorizationResponse::from_redirect_uri(&loc).unwrap())
        .unwrap();

    // By reference: the server fetches it (Need::Fetch) from a registered request_uri.
    let (object, pending) = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_request_object(&client, &as_, &signer, server.now, &server.rng)
        .unwrap();
    server
        .hosted
        .push(("https://app.example/ro/1".into(), object.into_bytes()));
    let url =
        authorization_url_with_request_uri(&client, &as_, "https://app.example/ro/1").unwrap();
    let i = interaction(server.get(&url));
    let loc = location(&response(server.resume(&i.ticket, approve(&i, server.now))));
    let _code = pending
        .handle_callback(&AuthorizationResponse::from_redirect_uri(&loc).unwrap())
        .unwrap();

    // An unregistered request_uri is never fetched.
    let url = authorization_url_with_request_uri(&client, &as_, "https://evil.example/ro").unwrap();
    let loc = location(&response(server.get(&url)));
    assert!(loc.contains("error=invalid_request_uri"), "{loc}");
}

#[test]
fn request_object_parameters_alone_count_and_bad_objects_are_refused() {
    let mut server = Server::new();
    let (signer, client) = jar_client(&server);
    let as_ = as_client().1;
    let (url, _) = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_signed_url(&client, &as_, &signer, server.now, &server.rng)
        .unwrap();
    // Outer parameters are ignored (RFC 9101 §5): an outer scope the object lacks is not
    // granted.
    let mut outer = url.clone();
    outer.query_pairs_mut().append_pair("scope", "write");
    let i = interaction(server.get(&outer));
    assert!(matches!(&i.prompts[1], Prompt::Consent { scopes, .. } if scopes == &["read"]));

    // Signed by another key.
    let stranger = SigningKey::from_jwk(
        &Jwk::generate(
            JwsAlgorithm::ES256,
            crypto::default_provider(),
            &InsecureTestRandom::new(99),
        )
        .unwrap(),
        None,
        crypto::default_provider(),
    )
    .unwrap();
    let (url, _) = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_signed_url(&client, &as_, &stranger, server.now, &server.rng)
        .unwrap();
    let loc = location(&response(server.get(&url)));
    assert!(loc.contains("error=invalid_request_object"), "{loc}");

    // Expired.
    let (url, _) = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_signed_url(&client, &as_, &signer, server.now, &server.rng)
        .unwrap();
    server.advance(300 + server.config.lifetimes.leeway + 1);
    let loc = location(&response(server.get(&url)));
    assert!(loc.contains("error=invalid_request_object"), "{loc}");
    assert!(signer.public_jwk().is_some());
}

#[test]
fn pushed_requests_required_by_server_or_client() {
    let mut server = Server::new();
    let (client, as_) = as_client();
    let url = |server: &Server| {
        AuthorizationRequest::new(REDIRECT)
            .scope("read")
            .build_url(&client, &as_, &server.rng)
            .unwrap()
            .0
    };
    server.config.require_pushed_authorization_requests = true;
    let loc = location(&response(server.get(&url(&server))));
    assert!(loc.contains("error=invalid_request"), "{loc}");
    server.config.require_pushed_authorization_requests = false;
    let mut c = web_client();
    c.require_pushed_authorization_requests = true;
    server.store.put_client(c);
    let loc = location(&response(server.get(&url(&server))));
    assert!(loc.contains("error=invalid_request"), "{loc}");
    // A request_uri that was never pushed.
    let bogus = authorization_url_with_request_uri(
        &client,
        &as_,
        "urn:ietf:params:oauth:request_uri:acru_t1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    )
    .unwrap();
    let loc = location(&response(server.get(&bogus)));
    assert!(loc.contains("error=invalid_request_uri"), "{loc}");
}

#[test]
fn post_requests_and_other_methods() {
    let server = Server::new();
    let (client, as_) = as_client();
    let (url, _) = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_url(&client, &as_, &server.rng)
        .unwrap();
    let post = http::Request::post("https://as.example/authorize")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(url.query().unwrap().as_bytes().to_vec())
        .unwrap();
    interaction(server.run(AuthorizationEndpoint::new(post)));
    let delete = http::Request::delete(url.as_str())
        .body(Vec::new())
        .unwrap();
    assert_page(&response(server.run(AuthorizationEndpoint::new(delete))));
    // A server configured without an authorization endpoint answers none.
    let mut off = Server::new();
    off.config.endpoints.authorization = None;
    let r = response(off.get(&url));
    assert_page(&r);
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
