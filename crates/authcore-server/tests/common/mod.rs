//! A server on a virtual clock with the in-memory store, and helpers to drive it with
//! authcore-oauth2's client types.

#![allow(dead_code)]

pub mod oidc;

use std::sync::Arc;

use authcore_jose::{InsecureTestRandom, Jwk, JwsAlgorithm, SigningKey, UnixTime};
use authcore_oauth2::{AuthorizationServer, Client, ClientAuthentication, ClientSecret};
use authcore_server::Finished;
use authcore_server::authorize::{
    Approval, AuthorizationEndpoint, Interaction, InteractionResult, Prompt,
};
use authcore_server::client_auth::ClientCertificate;
use authcore_server::model::{
    AuthorizationCodeRecord, ClientAuthMethod, ClientRecord, CodeChallenge, GrantId, GrantRecord,
    StoredSecret,
};
use authcore_server::store::MemoryStore;
use authcore_server::tokens::CredentialKind;
use authcore_server::{
    Answer, Context, Need, ServerConfig, ServerKeys, Store, TokenEndpoint, Write, WriteOutcome,
    drive, drive_to_finish,
};
use http::header::LOCATION;

pub const ISSUER: &str = "https://as.example";
pub const T0: u64 = 1_800_000_000;
pub const REDIRECT: &str = "https://app.example/cb";

pub struct TestServer {
    pub config: ServerConfig,
    pub keys: ServerKeys,
    pub store: MemoryStore,
    pub rng: InsecureTestRandom,
    pub now: UnixTime,
}

impl TestServer {
    pub fn new() -> Self {
        let rng = InsecureTestRandom::new(42);
        let provider = authcore_jose::crypto::default_provider();
        let mut config = ServerConfig::new(ISSUER).unwrap();
        config.scopes_supported = vec!["read".into(), "write".into(), "admin".into()];
        TestServer {
            keys: ServerKeys::generate(provider, &rng).unwrap(),
            config,
            store: MemoryStore::new(),
            rng,
            now: UnixTime::from_secs(T0),
        }
    }

    pub fn ctx(&self) -> Context<'_> {
        Context::new(&self.config, &self.keys, self.now, &self.rng)
    }

    pub fn advance(&mut self, secs: u64) {
        self.now = self.now.saturating_add(secs);
    }

    /// The client library's view of this server, from the server's own metadata.
    pub fn as_seen_by_client(&self) -> AuthorizationServer {
        AuthorizationServer::from_metadata(&authcore_server::metadata::metadata(&self.config))
            .unwrap()
    }

    pub fn token(&self, req: &http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
        self.token_with_cert(req, None)
    }

    pub fn token_with_cert(
        &self,
        req: &http::Request<Vec<u8>>,
        cert: Option<&ClientCertificate>,
    ) -> http::Response<Vec<u8>> {
        let mut ep = TokenEndpoint::new(req, cert);
        drive(&mut ep, &self.ctx(), &self.store, &|_| None)
    }

    pub fn apply(&self, w: Write) -> WriteOutcome {
        self.store.apply(&w, self.now)
    }

    pub fn answer(&self, need: Need) -> Answer {
        self.store.answer(&need, self.now)
    }

    /// A confidential client with a generated secret and the given method.
    pub fn secret_client(&self, id: &str, method: ClientAuthMethod) -> (ClientRecord, String) {
        let (secret, stored) = if method == ClientAuthMethod::ClientSecretJwt {
            let s = "a-shared-secret-of-at-least-thirty-two-bytes".to_owned();
            (
                s.clone(),
                StoredSecret::Plain(authcore_jose::SecretBytes::new(s.into_bytes())),
            )
        } else {
            let (s, stored) = authcore_server::client_auth::generate_secret(&self.ctx()).unwrap();
            (String::from_utf8(s.expose().to_vec()).unwrap(), stored)
        };
        let mut c = ClientRecord::new(id, method);
        c.secret = Some(stored);
        c.grant_types = vec![
            "authorization_code".into(),
            "refresh_token".into(),
            "client_credentials".into(),
        ];
        c.redirect_uris = vec![REDIRECT.into()];
        c.allowed_scopes = vec!["read".into(), "write".into()];
        self.store.put_client(c.clone());
        (c, secret)
    }

    pub fn public_client(&self, id: &str) -> ClientRecord {
        let mut c = ClientRecord::new(id, ClientAuthMethod::None);
        c.grant_types = vec!["authorization_code".into(), "refresh_token".into()];
        c.redirect_uris = vec![REDIRECT.into()];
        c.allowed_scopes = vec!["read".into(), "write".into()];
        self.store.put_client(c.clone());
        c
    }

    /// A grant and an authorization code for it, as the authorization endpoint would store
    /// them; the code's wire form.
    pub fn issue_code(
        &self,
        client_id: &str,
        challenge: Option<CodeChallenge>,
        scopes: &[&str],
    ) -> (String, GrantId) {
        let ctx = self.ctx();
        let grant_id = GrantId(format!("g-{}", self.store.token_count()));
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let mut grant = GrantRecord::new(
            grant_id.clone(),
            client_id,
            "alice",
            scopes.clone(),
            vec![],
            self.now,
        );
        grant.auth_time = Some(self.now);
        assert_eq!(self.apply(Write::InsertGrant(grant)), WriteOutcome::Applied);
        let (code, handle) = ctx
            .keys
            .token_hashing
            .mint(CredentialKind::AuthorizationCode, ctx.rng)
            .unwrap();
        let record = code_record(
            handle,
            grant_id.clone(),
            client_id,
            challenge,
            scopes,
            self.now,
            self.config.lifetimes.authorization_code,
        );
        assert_eq!(self.apply(Write::InsertCode(record)), WriteOutcome::Applied);
        (code, grant_id)
    }
}

pub fn code_record(
    handle: authcore_server::model::TokenHash,
    grant_id: GrantId,
    client_id: &str,
    challenge: Option<CodeChallenge>,
    scopes: Vec<String>,
    now: UnixTime,
    lifetime: u64,
) -> AuthorizationCodeRecord {
    AuthorizationCodeRecord {
        handle,
        grant_id,
        client_id: client_id.to_owned(),
        redirect_uri: Some(REDIRECT.to_owned()),
        code_challenge: challenge,
        scopes,
        resources: vec![],
        dpop_jkt: None,
        nonce: None,
        issued_at: now,
        expires_at: now.saturating_add(lifetime),
        used: false,
    }
}

pub fn s256(verifier: &str) -> CodeChallenge {
    CodeChallenge {
        challenge: authcore_oauth2::PkceCodeVerifier::new(verifier).challenge(
            authcore_oauth2::PkceMethod::S256,
            authcore_jose::crypto::default_provider(),
        ),
        method: authcore_oauth2::PkceMethod::S256,
    }
}

pub fn client(id: &str, auth: ClientAuthentication) -> Client {
    Client::new(id, auth)
}

pub fn basic(secret: &str) -> ClientAuthentication {
    ClientAuthentication::ClientSecretBasic(ClientSecret::new(secret))
}

pub fn post(secret: &str) -> ClientAuthentication {
    ClientAuthentication::ClientSecretPost(ClientSecret::new(secret))
}

/// An Ed25519 key pair: the signer and the public JWK.
pub fn ed25519(rng: &InsecureTestRandom, kid: &str) -> (Arc<SigningKey>, Jwk) {
    let provider = authcore_jose::crypto::default_provider();
    let mut private = Jwk::generate(JwsAlgorithm::EdDSA, provider, rng).unwrap();
    private.kid = Some(kid.into());
    let signer = SigningKey::from_jwk(&private, None, provider).unwrap();
    (Arc::new(signer), private.to_public().unwrap())
}

pub fn error_code(resp: &http::Response<Vec<u8>>) -> String {
    let v: serde_json::Value = serde_json::from_slice(resp.body()).unwrap();
    v["error"].as_str().unwrap_or_default().to_owned()
}

/// The JSON body of `resp`, which must have `status` (the body is shown when not).
pub fn json_with_status(resp: &http::Response<Vec<u8>>, status: u16) -> serde_json::Value {
    assert_eq!(
        resp.status(),
        status,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    serde_json::from_slice(resp.body()).unwrap()
}

pub fn assert_no_store(resp: &http::Response<Vec<u8>>) {
    assert_eq!(
        resp.headers().get(http::header::CACHE_CONTROL).unwrap(),
        "no-store"
    );
}

// The front channel as a user agent and a consenting user drive it.

pub fn authorize(s: &TestServer, req: http::Request<Vec<u8>>) -> Finished {
    let mut ep = AuthorizationEndpoint::new(req);
    drive_to_finish(&mut ep, &s.ctx(), &s.store, &|_| None)
}

pub fn get(s: &TestServer, url: &url::Url) -> Finished {
    authorize(
        s,
        http::Request::get(url.as_str()).body(Vec::new()).unwrap(),
    )
}

pub fn interaction(f: Finished) -> Interaction {
    match f {
        Finished::Interact(i) => i,
        Finished::Respond(r) => panic!(
            "{} {:?} {}",
            r.status(),
            r.headers().get(LOCATION),
            String::from_utf8_lossy(r.body())
        ),
    }
}

/// alice's approval of everything `i` asks consent for, signed in now.
pub fn approval(s: &TestServer, i: &Interaction) -> InteractionResult {
    let Some(Prompt::Consent {
        scopes, resources, ..
    }) = i
        .prompts
        .iter()
        .find(|p| matches!(p, Prompt::Consent { .. }))
    else {
        panic!("no consent prompt")
    };
    InteractionResult::Approved(Approval::new(
        "alice",
        s.now,
        scopes.clone(),
        resources.clone(),
    ))
}

/// The user approves everything asked; the redirect the user agent follows.
pub fn approve(s: &TestServer, i: &Interaction) -> String {
    let result = approval(s, i);
    match resume(s, i, result) {
        Finished::Respond(r) => r.headers()[LOCATION].to_str().unwrap().to_owned(),
        Finished::Interact(i) => panic!("{i:?}"),
    }
}

/// Resumes the interaction `i` with the application's `result`; what the endpoint finishes
/// with.
pub fn resume(s: &TestServer, i: &Interaction, result: InteractionResult) -> Finished {
    let mut ep = AuthorizationEndpoint::resume(i.ticket.clone(), result);
    drive_to_finish(&mut ep, &s.ctx(), &s.store, &|_| None)
}
