//! OAuth 2.0 client work: authcore-oauth2 against oauth2-rs (the `oauth2` crate, version 5,
//! without HTTP client features) doing the same work in the same run.
//!
//! | group / id                          | what runs                                                       |
//! |-------------------------------------|-----------------------------------------------------------------|
//! | `authorization_url/authcore`        | `AuthorizationRequest::new(redirect).scope(..).build_url(..)` with the provider's system RNG: 256-bit `state`, PKCE S256 verifier (32 bytes) and challenge, URL |
//! | `authorization_url/authcore-fixed-rng` | the same with a deterministic RNG, to show what the OS RNG costs |
//! | `authorization_url/oauth2-rs`       | `client.authorize_url(..).add_scope(..).set_pkce_challenge(..).url()` with a 256-bit `CsrfToken` and `PkceCodeChallenge::new_random_sha256()` (thread-local RNG) |
//! | `token_response/authcore`           | `parse_token_response(&resp, &TokenResponseOptions::new())`     |
//! | `token_response/oauth2-rs`          | `serde_json::from_slice::<BasicTokenResponse>(body)`            |
//! | `token_response/oauth2-rs+id_token` | the same into a `StandardTokenResponse` whose extra fields keep `id_token` |
//!
//! Both sides build the client and server configuration once, outside the timed loop. The
//! work differs in these ways (see `benches/README.md`):
//!
//! - authcore checks the redirect URI and the scope tokens on every request (oauth2-rs parses
//!   its `RedirectUrl` once, when the client is configured, and does not check scopes) and
//!   returns a `PendingAuthorization` holding state, verifier and redirect URI; oauth2-rs
//!   returns the URL and the `CsrfToken`, and the caller keeps the verifier.
//! - authcore draws its random values from the caller's RNG in one call (with the system RNG,
//!   one system call per URL); oauth2-rs uses `rand`'s thread-local user-space generator.
//! - authcore's token response parsing also checks the HTTP response (status, `Content-Type`,
//!   body size), rejects duplicate JSON members, looks for an `error` member, keeps `id_token`
//!   and every unknown member, and refuses unusable `token_type`s. `BasicTokenResponse` only
//!   deserializes the body and drops `id_token`.
//!
//! For a machine too busy for wall-clock ratios, `OAUTH2_CALLGRIND="<id> <n>"` runs one of the
//! benchmarks above `n` times and exits, for instruction counts under callgrind (see
//! [`callgrind`]).

use std::hint::black_box;
use std::time::Duration;

use authcore_oauth2::jose::{InsecureTestRandom, crypto};
use authcore_oauth2::{
    AuthorizationRequest, AuthorizationServer, Client, ClientAuthentication, ClientSecret,
    SecureRandom, TokenResponseOptions, parse_token_response,
};
use criterion::{Criterion, criterion_group};
use oauth2::basic::{BasicClient, BasicTokenResponse, BasicTokenType};
use oauth2::{
    AuthUrl, ClientId, CsrfToken, ExtraTokenFields, PkceCodeChallenge, RedirectUrl, Scope,
    StandardTokenResponse, TokenResponse as _, TokenUrl,
};
use serde::{Deserialize, Serialize};

const ISSUER: &str = "https://server.example.com";
const AUTHORIZE: &str = "https://server.example.com/authorize";
const TOKEN: &str = "https://server.example.com/token";
const REDIRECT: &str = "https://client.example.org/cb";
const CLIENT_ID: &str = "s6BhdRkqt3";
const SCOPES: [&str; 3] = ["openid", "profile", "email"];

/// A typical token response: the RFC 6749 §5.1 example plus `scope` and an OpenID Connect
/// `id_token` (a compact JWS, not verified by either side here).
const TOKEN_RESPONSE: &str = concat!(
    r#"{"access_token":"2YotnFZFEjr1zCsicMWpAA.bXlfYWNjZXNzX3Rva2VuX3dpdGhfc29tZV9sZW5ndGg","#,
    r#""token_type":"Bearer","expires_in":3600,"#,
    r#""refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","#,
    r#""scope":"openid profile email","#,
    r#""id_token":"eyJhbGciOiJSUzI1NiIsImtpZCI6IjFlOWdkazcifQ.eyJpc3MiOiJodHRwczovL3NlcnZlci5leGFtcGxlLmNvbSIsInN1YiI6IjI0ODI4OTc2MTAwMSIsImF1ZCI6InM2QmhkUmtxdDMiLCJub25jZSI6Im4tMFM2X1d6QTJNaiIsImV4cCI6MTMxMTI4MTk3MCwiaWF0IjoxMzExMjgwOTcwfQ.ggW8hZ1EuVLuxNuuIJKX_V8a_OMXzR0EHR9R6jgdqrOOF4daGU96Sr_P6qJp6IcmD3HP99Obi1PRs-cwh3LO-p146waJ8IhehcwL7F09JdijmBqkvPeB2T9CJNqeGpe-gccMg4vfKjkM8FcGvnzZUN4_KSP0aAp1tOJ1zZwgjxqGByKHiOtX7TpdQyHE5lcMiKPXfEIQILVq0pc_E2DzL7emopWoaoZTF_m0_N0YzFC6g6EJbOEoRoSK5hoDalrcvRYLSrQAZZKflyuVCyixEoV9GfNQC3_osjzw2PAithfubEEBLuVVk4XUVrWOLrLl0nx7RkKU8NXNHq-rvKMzqg""#,
    "}"
);

/// oauth2-rs extra fields keeping `id_token`, so that both sides extract the same members.
#[derive(Debug, Deserialize, Serialize)]
struct IdTokenFields {
    id_token: Option<String>,
}
impl ExtraTokenFields for IdTokenFields {}
type IdTokenResponse = StandardTokenResponse<IdTokenFields, BasicTokenType>;

fn authorization_url(c: &mut Criterion) {
    let server = AuthorizationServer::new(ISSUER)
        .with_authorization_endpoint(AUTHORIZE)
        .unwrap()
        .with_token_endpoint(TOKEN)
        .unwrap();
    let client = Client::new(
        CLIENT_ID,
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("gX1fBat3bV")),
    );
    let system_rng = crypto::default_provider().system_random();
    let fixed_rng = InsecureTestRandom::new(7);

    let peer = BasicClient::new(ClientId::new(CLIENT_ID.to_owned()))
        .set_auth_uri(AuthUrl::new(AUTHORIZE.to_owned()).unwrap())
        .set_token_uri(TokenUrl::new(TOKEN.to_owned()).unwrap())
        .set_redirect_uri(RedirectUrl::new(REDIRECT.to_owned()).unwrap());

    let authcore = |rng: &dyn SecureRandom| {
        AuthorizationRequest::new(REDIRECT)
            .scopes(SCOPES)
            .build_url(&client, &server, rng)
            .unwrap()
    };
    let oauth2_rs = || {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = peer
            // 256 bits, as authcore's `state` (oauth2-rs's default is 128).
            .authorize_url(|| CsrfToken::new_random_len(32))
            .add_scopes(SCOPES.map(|s| Scope::new(s.to_owned())))
            .set_pkce_challenge(challenge)
            .url();
        (url, state, verifier)
    };

    // Both produce the same parameters (values aside) before anything is timed.
    let names = |u: &url::Url| {
        let mut n: Vec<String> = u.query_pairs().map(|(k, _)| k.into_owned()).collect();
        n.sort();
        n
    };
    let (a, _) = authcore(system_rng);
    let (b, _, _) = oauth2_rs();
    assert_eq!(names(&a), names(&b));
    fn get(u: &url::Url, k: &str) -> String {
        u.query_pairs()
            .find(|(n, _)| n == k)
            .unwrap()
            .1
            .into_owned()
    }
    assert_eq!(get(&a, "scope"), get(&b, "scope"));
    assert_eq!(get(&a, "state").len(), get(&b, "state").len());
    assert_eq!(get(&b, "code_challenge_method"), "S256");

    let mut g = c.benchmark_group("authorization_url");
    g.bench_function("authcore", |b| b.iter(|| black_box(authcore(system_rng))));
    g.bench_function("authcore-fixed-rng", |b| {
        b.iter(|| black_box(authcore(&fixed_rng)))
    });
    g.bench_function("oauth2-rs", |b| b.iter(|| black_box(oauth2_rs())));
    g.finish();
}

fn token_response(c: &mut Criterion) {
    let resp = http::Response::builder()
        .status(200)
        .header("content-type", "application/json;charset=UTF-8")
        .header("cache-control", "no-store")
        .body(TOKEN_RESPONSE.as_bytes().to_vec())
        .unwrap();
    let body = resp.body().as_slice();
    let options = TokenResponseOptions::new();

    let t = parse_token_response(&resp, &options).unwrap();
    assert_eq!(t.expires_in, Some(3600));
    assert!(t.id_token.is_some());
    let p: BasicTokenResponse = serde_json::from_slice(body).unwrap();
    assert_eq!(p.access_token().secret(), t.access_token.secret());
    assert_eq!(p.scopes().map(Vec::len), Some(3));
    let p: IdTokenResponse = serde_json::from_slice(body).unwrap();
    assert!(p.extra_fields().id_token.is_some());

    let mut g = c.benchmark_group("token_response");
    g.bench_function("authcore", |b| {
        b.iter(|| black_box(parse_token_response(black_box(&resp), &options).unwrap()))
    });
    g.bench_function("oauth2-rs", |b| {
        b.iter(|| black_box(serde_json::from_slice::<BasicTokenResponse>(black_box(body)).unwrap()))
    });
    g.bench_function("oauth2-rs+id_token", |b| {
        b.iter(|| black_box(serde_json::from_slice::<IdTokenResponse>(black_box(body)).unwrap()))
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_millis(2500))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = authorization_url, token_response
}

/// Runs `f` `n` times; the only function whose instructions the callgrind mode counts.
#[inline(never)]
fn measured_loop(n: u64, f: &mut dyn FnMut()) {
    for _ in 0..n {
        f();
    }
}

/// Instruction-count mode for a machine too busy for wall-clock ratios:
/// `OAUTH2_CALLGRIND="<id> <n>"` (id: `authorization_url/authcore`,
/// `authorization_url/authcore-fixed-rng`, `authorization_url/oauth2-rs`,
/// `token_response/authcore`, `token_response/oauth2-rs`, `token_response/oauth2-rs+id_token`)
/// runs that work `n` times and exits; run it under
/// `valgrind --tool=callgrind --toggle-collect='*measured_loop*'` and divide by `n`.
fn callgrind(spec: &str) {
    let mut it = spec.split_whitespace();
    let (Some(id), Some(n)) = (it.next(), it.next()) else {
        panic!("OAUTH2_CALLGRIND is \"<id> <n>\"")
    };
    let n: u64 = n.parse().expect("iterations");
    let server = AuthorizationServer::new(ISSUER)
        .with_authorization_endpoint(AUTHORIZE)
        .unwrap()
        .with_token_endpoint(TOKEN)
        .unwrap();
    let client = Client::new(
        CLIENT_ID,
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("gX1fBat3bV")),
    );
    let peer = BasicClient::new(ClientId::new(CLIENT_ID.to_owned()))
        .set_auth_uri(AuthUrl::new(AUTHORIZE.to_owned()).unwrap())
        .set_token_uri(TokenUrl::new(TOKEN.to_owned()).unwrap())
        .set_redirect_uri(RedirectUrl::new(REDIRECT.to_owned()).unwrap());
    let resp = http::Response::builder()
        .status(200)
        .header("content-type", "application/json;charset=UTF-8")
        .header("cache-control", "no-store")
        .body(TOKEN_RESPONSE.as_bytes().to_vec())
        .unwrap();
    let body = resp.body().as_slice();
    let options = TokenResponseOptions::new();
    let fixed_rng = InsecureTestRandom::new(7);
    let authcore = |rng: &dyn SecureRandom| {
        AuthorizationRequest::new(REDIRECT)
            .scopes(SCOPES)
            .build_url(&client, &server, rng)
            .unwrap()
    };
    match id {
        "authorization_url/authcore" => {
            let rng = crypto::default_provider().system_random();
            measured_loop(n, &mut || drop(black_box(authcore(rng))));
        }
        "authorization_url/authcore-fixed-rng" => {
            measured_loop(n, &mut || drop(black_box(authcore(&fixed_rng))));
        }
        "authorization_url/oauth2-rs" => measured_loop(n, &mut || {
            let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
            let r = peer
                .authorize_url(|| CsrfToken::new_random_len(32))
                .add_scopes(SCOPES.map(|s| Scope::new(s.to_owned())))
                .set_pkce_challenge(challenge)
                .url();
            drop(black_box((r, verifier)));
        }),
        "token_response/authcore" => measured_loop(n, &mut || {
            drop(black_box(
                parse_token_response(black_box(&resp), &options).unwrap(),
            ))
        }),
        "token_response/oauth2-rs" => measured_loop(n, &mut || {
            drop(black_box(
                serde_json::from_slice::<BasicTokenResponse>(black_box(body)).unwrap(),
            ))
        }),
        "token_response/oauth2-rs+id_token" => measured_loop(n, &mut || {
            drop(black_box(
                serde_json::from_slice::<IdTokenResponse>(black_box(body)).unwrap(),
            ))
        }),
        other => panic!("unknown id {other}"),
    }
}

fn main() {
    if let Ok(spec) = std::env::var("OAUTH2_CALLGRIND") {
        callgrind(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
