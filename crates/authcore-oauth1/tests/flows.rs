//! The three-legged flow (RFC 5849 §2) between this crate's client and its server, in memory,
//! with the negative cases of each step.

use std::collections::{HashMap, HashSet};

use authcore_jose::{InsecureTestRandom, UnixTime};
use authcore_oauth1::flow::{
    self, Callback, TemporaryCredentialsRecord, authorize, issue_temporary_credentials,
    issue_token_credentials, parse_authorization_request,
};
use authcore_oauth1::{
    ClientVerificationKey, Credentials, Error, Secret, SignedRequest, Signer, VerificationPolicy,
    VerifiedRequest,
};
use url::Url;

const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

/// The server's storage: clients, temporary credentials, token credentials, used nonces.
#[derive(Default)]
struct Store {
    clients: HashMap<String, Secret>,
    temporary: HashMap<String, TemporaryCredentialsRecord>,
    tokens: HashMap<String, (String, Secret)>,
    nonces: HashSet<authcore_oauth1::NonceCheck>,
}

impl Store {
    /// Parses, looks up, verifies and checks the nonce; `temporary` says which token table the
    /// request's token is looked up in.
    fn verify(
        &mut self,
        req: &http::Request<Vec<u8>>,
        temporary: bool,
    ) -> Result<VerifiedRequest, Error> {
        let signed = SignedRequest::from_http(req, "https")?;
        let client = self
            .clients
            .get(signed.consumer_key())
            .cloned()
            .ok_or(Error::InvalidConsumerKey)?;
        let token_secret = match signed.token() {
            None => None,
            Some(t) if temporary => Some(
                self.temporary
                    .get(t)
                    .ok_or(Error::InvalidToken)?
                    .credentials
                    .secret
                    .clone(),
            ),
            Some(t) => Some(self.tokens.get(t).ok_or(Error::InvalidToken)?.1.clone()),
        };
        let pending = signed.verify(
            &ClientVerificationKey::Secret(client),
            token_secret.as_ref(),
            &VerificationPolicy::default(),
            NOW,
        )?;
        let inserted = self.nonces.insert(pending.nonce_check().clone());
        pending.complete(inserted)
    }

    fn temporary_endpoint(
        &mut self,
        req: &http::Request<Vec<u8>>,
        rng: &InsecureTestRandom,
    ) -> http::Response<Vec<u8>> {
        let r = self
            .verify(req, true)
            .and_then(|v| issue_temporary_credentials(&v, rng));
        match r {
            Ok((record, resp)) => {
                self.temporary
                    .insert(record.credentials.token.clone(), record);
                resp
            }
            Err(e) => e.to_response(),
        }
    }

    fn authorize_endpoint(
        &mut self,
        url: &Url,
        rng: &InsecureTestRandom,
    ) -> Result<flow::Authorization, Error> {
        let token = parse_authorization_request(url)?;
        let record = self
            .temporary
            .get(&token)
            .cloned()
            .ok_or(Error::InvalidToken)?;
        let a = authorize(record, rng)?;
        self.temporary.insert(token, a.record.clone());
        Ok(a)
    }

    fn token_endpoint(
        &mut self,
        req: &http::Request<Vec<u8>>,
        rng: &InsecureTestRandom,
    ) -> http::Response<Vec<u8>> {
        let r = self.verify(req, true).and_then(|v| {
            let token = v.token().ok_or(Error::MissingParameter("oauth_token"))?;
            let record = self.temporary.get(token).ok_or(Error::InvalidToken)?;
            issue_token_credentials(&v, record, rng)
        });
        match r {
            Ok(issued) => {
                // The conditional delete: a lost race is the replay it is.
                if self.temporary.remove(&issued.consume.token).is_none() {
                    return Error::InvalidToken.to_response();
                }
                self.tokens.insert(
                    issued.credentials.token.clone(),
                    (
                        issued.consumer_key.clone(),
                        issued.credentials.secret.clone(),
                    ),
                );
                issued.response
            }
            Err(e) => e.to_response(),
        }
    }
}

fn setup() -> (Store, Signer, InsecureTestRandom) {
    let mut store = Store::default();
    store
        .clients
        .insert("printer".into(), Secret::new("printer secret"));
    (
        store,
        Signer::new("printer", Secret::new("printer secret")),
        InsecureTestRandom::new(5849),
    )
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

#[test]
fn three_legged_flow_with_callback_then_protected_resource() {
    let (mut store, signer, rng) = setup();
    let cb = Callback::Uri(url("https://printer.example.com/ready?x=1"));
    let (req, pending) = flow::request_temporary_credentials(
        &signer,
        &url("https://photos.example.net/initiate"),
        &cb,
        NOW,
        &rng,
    )
    .unwrap();
    let resp = store.temporary_endpoint(&req, &rng);
    assert_eq!(
        resp.status(),
        200,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    let temp = pending.handle_response(&resp).unwrap();
    let auth_url = temp.authorization_url(&url("https://photos.example.net/authorize"));
    let a = store.authorize_endpoint(&auth_url, &rng).unwrap();
    let redirect = a.redirect.clone().unwrap();
    assert!(
        redirect
            .as_str()
            .starts_with("https://printer.example.com/ready?x=1&oauth_token=")
    );
    let authorized = temp.handle_callback(&redirect).unwrap();
    let (req, pending) = authorized
        .token_request(signer, &url("https://photos.example.net/token"), NOW, &rng)
        .unwrap();
    let resp = store.token_endpoint(&req, &rng);
    assert_eq!(
        resp.status(),
        200,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    let creds = pending.handle_response(&resp).unwrap();
    // The token credentials sign a resource request that the server accepts.
    let s = Signer::new("printer", Secret::new("printer secret")).with_credentials(creds.clone());
    let mut r = http::Request::get("https://photos.example.net/photos?file=vacation.jpg")
        .body(Vec::new())
        .unwrap();
    s.sign(&mut r, NOW, &rng).unwrap();
    let v = store.verify(&r, false).unwrap();
    assert_eq!(v.token(), Some(creds.token.as_str()));
    assert_eq!(
        v.parameters().collect::<Vec<_>>(),
        [("file", "vacation.jpg")]
    );
    // The token request again (a replay with the same nonce, then a fresh one): refused.
    assert_eq!(store.token_endpoint(&req, &rng).status(), 401);
}

#[test]
fn out_of_band_flow() {
    let (mut store, signer, rng) = setup();
    let (req, pending) = flow::request_temporary_credentials(
        &signer,
        &url("https://photos.example.net/initiate"),
        &Callback::OutOfBand,
        NOW,
        &rng,
    )
    .unwrap();
    let temp = pending
        .handle_response(&store.temporary_endpoint(&req, &rng))
        .unwrap();
    let a = store
        .authorize_endpoint(
            &temp.authorization_url(&url("https://photos.example.net/authorize")),
            &rng,
        )
        .unwrap();
    assert!(a.redirect.is_none());
    let verifier = a.verifier().to_owned();
    let (req, pending) = temp
        .with_verifier(verifier)
        .token_request(signer, &url("https://photos.example.net/token"), NOW, &rng)
        .unwrap();
    pending
        .handle_response(&store.token_endpoint(&req, &rng))
        .unwrap();
}

#[test]
fn wrong_verifier_unauthorized_token_and_wrong_client_are_refused() {
    let (mut store, signer, rng) = setup();
    store
        .clients
        .insert("other".into(), Secret::new("other secret"));
    let (req, pending) = flow::request_temporary_credentials(
        &signer,
        &url("https://photos.example.net/initiate"),
        &Callback::OutOfBand,
        NOW,
        &rng,
    )
    .unwrap();
    let temp = pending
        .handle_response(&store.temporary_endpoint(&req, &rng))
        .unwrap();
    let endpoint = url("https://photos.example.net/token");
    // Not yet authorized: no verifier was issued.
    let (req, _) = temp
        .clone()
        .with_verifier("guess")
        .token_request(
            Signer::new("printer", Secret::new("printer secret")),
            &endpoint,
            NOW,
            &rng,
        )
        .unwrap();
    assert_eq!(store.token_endpoint(&req, &rng).status(), 401);
    store
        .authorize_endpoint(
            &temp.authorization_url(&url("https://photos.example.net/authorize")),
            &rng,
        )
        .unwrap();
    // Authorizing twice is refused.
    assert_eq!(
        store
            .authorize_endpoint(
                &temp.authorization_url(&url("https://photos.example.net/authorize")),
                &rng
            )
            .unwrap_err(),
        Error::InvalidToken
    );
    // Wrong verifier.
    let (req, pending) = temp
        .clone()
        .with_verifier("wrong")
        .token_request(
            Signer::new("printer", Secret::new("printer secret")),
            &endpoint,
            NOW,
            &rng,
        )
        .unwrap();
    let resp = store.token_endpoint(&req, &rng);
    assert_eq!(resp.status(), 401);
    assert!(matches!(
        pending.handle_response(&resp),
        Err(Error::ErrorResponse { status: 401, .. })
    ));
    // Another client presenting these temporary credentials.
    let verifier = store.temporary[&temp.credentials.token]
        .verifier
        .clone()
        .unwrap();
    let (req, _) = temp
        .clone()
        .with_verifier(verifier.expose())
        .token_request(
            Signer::new("other", Secret::new("other secret")),
            &endpoint,
            NOW,
            &rng,
        )
        .unwrap();
    assert_eq!(store.token_endpoint(&req, &rng).status(), 401);
    // The callback naming another token.
    let cb = url(&format!(
        "https://printer.example.com/?oauth_token=zzz&oauth_verifier={}",
        verifier.expose()
    ));
    assert_eq!(
        temp.clone().handle_callback(&cb).unwrap_err(),
        Error::InvalidToken
    );
    let cb = url(&format!(
        "https://printer.example.com/?oauth_token={}",
        temp.credentials.token
    ));
    assert_eq!(
        temp.handle_callback(&cb).unwrap_err(),
        Error::MissingParameter("oauth_verifier")
    );
}

#[test]
fn temporary_request_needs_a_callback_and_no_token() {
    let (mut store, signer, rng) = setup();
    let mut req = http::Request::post("https://photos.example.net/initiate")
        .body(Vec::new())
        .unwrap();
    signer.sign(&mut req, NOW, &rng).unwrap();
    assert_eq!(store.temporary_endpoint(&req, &rng).status(), 400);
    let mut req = http::Request::post("https://photos.example.net/initiate")
        .body(Vec::new())
        .unwrap();
    signer
        .sign_with(&mut req, &[("oauth_callback", "not a uri")], NOW, &rng)
        .unwrap();
    assert_eq!(store.temporary_endpoint(&req, &rng).status(), 400);
}

#[test]
fn client_checks_credentials_responses() {
    let resp = |body: &str| {
        http::Response::builder()
            .status(200)
            .body(body.as_bytes().to_vec())
            .unwrap()
    };
    let pending = || {
        let (_, signer, rng) = setup();
        flow::request_temporary_credentials(
            &signer,
            &url("https://photos.example.net/initiate"),
            &Callback::OutOfBand,
            NOW,
            &rng,
        )
        .unwrap()
        .1
    };
    // RFC 5849 §2.1: oauth_callback_confirmed must be present and true.
    assert_eq!(
        pending()
            .handle_response(&resp("oauth_token=a&oauth_token_secret=b"))
            .unwrap_err(),
        Error::Protocol("oauth_callback_confirmed")
    );
    assert!(matches!(
        pending().handle_response(&resp(
            "oauth_token=a&oauth_token_secret=b&oauth_callback_confirmed=false"
        )),
        Err(Error::Protocol(_))
    ));
    assert!(matches!(
        pending().handle_response(&resp(
            "oauth_token=a&oauth_token=c&oauth_token_secret=b&oauth_callback_confirmed=true"
        )),
        Err(Error::Protocol(_))
    ));
    assert!(matches!(
        pending().handle_response(&resp("oauth_token_secret=b&oauth_callback_confirmed=true")),
        Err(Error::Protocol("oauth_token"))
    ));
    let t = pending()
        .handle_response(&resp(
            "oauth_token=a&oauth_token_secret=b%26c&oauth_callback_confirmed=true",
        ))
        .unwrap();
    assert_eq!(t.credentials, Credentials::new("a", "b&c"));
    let err = http::Response::builder()
        .status(401)
        .body(b"nope".to_vec())
        .unwrap();
    assert!(matches!(
        pending().handle_response(&err),
        Err(Error::ErrorResponse { status: 401, .. })
    ));
}
