//! Every ID token check of OpenID Connect Core 1.0 §3.1.3.7, §3.2.2.11, §3.3.2.12 and §12.2,
//! each with a token that passes and one that fails it.

mod common;

use authcore_jose::{JwsAlgorithm, JwsHeader, SigningKey, UnixTime, crypto};
use authcore_oauth2::ClientSecret;
use authcore_oidc::{
    Error, IdTokenExpectations, IdTokenVerifier, ResponseType, TokenError, token_hash,
};
use common::*;
use serde_json::{Value, json};

const ALGS: [JwsAlgorithm; 3] = [
    JwsAlgorithm::RS256,
    JwsAlgorithm::ES256,
    JwsAlgorithm::EdDSA,
];

fn code_flow() -> IdTokenExpectations<'static> {
    IdTokenExpectations::token_endpoint().nonce("n-0S6_WzA2Mj")
}

fn check(
    op: &Op,
    alg: JwsAlgorithm,
    claims: &Value,
    e: &IdTokenExpectations<'_>,
) -> Result<(), Error> {
    let token = op.sign(alg, claims);
    verifier()
        .validate(&token, &op.keys(), e, now())
        .map(|_| ())
}

fn token_err(r: Result<(), Error>) -> TokenError {
    match r {
        Err(Error::Token(t)) => t,
        other => panic!("expected a token error, got {other:?}"),
    }
}

#[test]
fn valid_tokens_of_every_algorithm() {
    let op = Op::new();
    for alg in ALGS {
        let token = op.sign(alg, &claims());
        let c = verifier()
            .validate(&token, &op.keys(), &code_flow(), now())
            .unwrap();
        assert_eq!(c.sub, SUB);
        assert_eq!(c.iss, ISSUER);
        assert_eq!(c.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
    }
}

#[test]
fn issuer_exact() {
    let op = Op::new();
    for bad in [
        "https://op.example/",
        "https://OP.example",
        "http://op.example",
        "",
    ] {
        let e = token_err(check(
            &op,
            JwsAlgorithm::RS256,
            &with(claims(), "iss", json!(bad)),
            &code_flow(),
        ));
        assert!(matches!(e, TokenError::Issuer { .. }), "{bad}: {e:?}");
    }
    let e = token_err(check(
        &op,
        JwsAlgorithm::RS256,
        &without(claims(), "iss"),
        &code_flow(),
    ));
    assert_eq!(e, TokenError::MissingClaim("iss"));
}

#[test]
fn issuer_template_is_an_explicit_opt_in() {
    let op = Op::new();
    let template = "https://login.example/{tenantid}/v2.0";
    let v = verifier().insecure_issuer_template(template, "{tenantid}", "tid");
    let good = with(
        with(
            claims(),
            "iss",
            json!("https://login.example/9188040d-6c67/v2.0"),
        ),
        "tid",
        json!("9188040d-6c67"),
    );
    let t = op.sign(JwsAlgorithm::RS256, &good);
    assert!(v.validate(&t, &op.keys(), &code_flow(), now()).is_ok());
    for bad in [
        with(good.clone(), "tid", json!("other")),
        without(good.clone(), "tid"),
        with(good.clone(), "tid", json!("a/b")),
        with(good.clone(), "iss", json!(template)),
    ] {
        let t = op.sign(JwsAlgorithm::RS256, &bad);
        assert!(matches!(
            v.validate(&t, &op.keys(), &code_flow(), now()),
            Err(Error::Token(TokenError::Issuer { .. }))
        ));
    }
    // Without the opt-in the templated issuer is just another issuer.
    let t = op.sign(JwsAlgorithm::RS256, &good);
    assert!(
        verifier()
            .validate(&t, &op.keys(), &code_flow(), now())
            .is_err()
    );
}

#[test]
fn audience_and_azp() {
    let op = Op::new();
    let c = |aud: Value, azp: Option<&str>| {
        let mut x = with(claims(), "aud", aud);
        if let Some(a) = azp {
            x = with(x, "azp", json!(a));
        }
        x
    };
    let rs = JwsAlgorithm::RS256;
    assert!(check(&op, rs, &c(json!([CLIENT]), None), &code_flow()).is_ok());
    assert!(check(&op, rs, &c(json!(CLIENT), Some(CLIENT)), &code_flow()).is_ok());
    assert_eq!(
        token_err(check(&op, rs, &c(json!("other"), None), &code_flow())),
        TokenError::AudienceMissingClient {
            client_id: CLIENT.into()
        }
    );
    assert_eq!(
        token_err(check(
            &op,
            rs,
            &c(json!([CLIENT, "api"]), Some(CLIENT)),
            &code_flow()
        )),
        TokenError::UntrustedAudience("api".into())
    );
    // A trusted extra audience is accepted, with azp.
    let trusting = verifier().trust_audience("api");
    let t = op.sign(rs, &c(json!([CLIENT, "api"]), Some(CLIENT)));
    assert!(
        trusting
            .validate(&t, &op.keys(), &code_flow(), now())
            .is_ok()
    );
    // ... but several audiences need azp.
    let t = op.sign(rs, &c(json!([CLIENT, "api"]), None));
    assert!(matches!(
        trusting.validate(&t, &op.keys(), &code_flow(), now()),
        Err(Error::Token(TokenError::AzpRequired))
    ));
    assert_eq!(
        token_err(check(
            &op,
            rs,
            &c(json!(CLIENT), Some("other")),
            &code_flow()
        )),
        TokenError::AzpMismatch {
            received: "other".into()
        }
    );
    assert_eq!(
        token_err(check(&op, rs, &without(claims(), "aud"), &code_flow())),
        TokenError::MissingClaim("aud")
    );
}

#[test]
fn algorithm_allow_list() {
    let op = Op::new();
    // Default: RS256 only.
    let rs_only = IdTokenVerifier::new(ISSUER, CLIENT);
    let es = op.sign(JwsAlgorithm::ES256, &claims());
    let refused = rs_only
        .validate(&es, &op.keys(), &code_flow(), now())
        .unwrap_err();
    assert_eq!(
        refused,
        Error::Token(TokenError::AlgorithmNotAllowed {
            alg: "ES256".into(),
            allowed: vec![JwsAlgorithm::RS256],
        })
    );
    // The message names what was expected and the setting that decides it.
    assert_eq!(
        refused.to_string(),
        "token rejected: algorithm `ES256` not allowed: expected RS256, the client's \
         `id_token_signed_response_alg` (RS256 unless set with \
         `IdTokenVerifier::id_token_signed_response_alg` or `allowed_algorithms`)"
    );
    let rs = op.sign(JwsAlgorithm::RS256, &claims());
    assert!(
        rs_only
            .validate(&rs, &op.keys(), &code_flow(), now())
            .is_ok()
    );
    // The registered algorithm replaces the default.
    let es_only = IdTokenVerifier::new(ISSUER, CLIENT)
        .id_token_signed_response_alg(JwsAlgorithm::ES256)
        .unwrap();
    assert!(
        es_only
            .validate(&es, &op.keys(), &code_flow(), now())
            .is_ok()
    );
    assert!(
        es_only
            .validate(&rs, &op.keys(), &code_flow(), now())
            .is_err()
    );
    assert!(
        IdTokenVerifier::new(ISSUER, CLIENT)
            .allowed_algorithms([])
            .is_err()
    );
    // `none` is not a JWS algorithm at all.
    let none = format!(
        "{}.{}.",
        authcore_jose::b64::encode(br#"{"alg":"none"}"#),
        authcore_jose::b64::encode(claims().to_string())
    );
    assert!(
        verifier()
            .validate(&none, &op.keys(), &code_flow(), now())
            .is_err()
    );
}

#[test]
fn hmac_with_the_client_secret() {
    let op = Op::new();
    let secret = ClientSecret::new("a-client-secret-of-at-least-48-bytes-for-hs384-keys");
    let v = verifier()
        .allowed_algorithms([JwsAlgorithm::RS256, JwsAlgorithm::HS256])
        .unwrap()
        .client_secret(&secret)
        .unwrap();
    let p = crypto::default_provider();
    let signer = SigningKey::hmac(JwsAlgorithm::HS256, secret.secret().as_bytes(), p).unwrap();
    let t = authcore_jose::jwt::encode(&JwsHeader::new(JwsAlgorithm::HS256), &claims(), &signer)
        .unwrap();
    assert!(v.validate(&t, &op.keys(), &code_flow(), now()).is_ok());
    // Another secret: invalid signature.
    let wrong = SigningKey::hmac(
        JwsAlgorithm::HS256,
        b"another-secret-of-at-least-32-bytes",
        p,
    )
    .unwrap();
    let t2 = authcore_jose::jwt::encode(&JwsHeader::new(JwsAlgorithm::HS256), &claims(), &wrong)
        .unwrap();
    assert_eq!(
        v.validate(&t2, &op.keys(), &code_flow(), now())
            .unwrap_err(),
        Error::Jose(authcore_jose::Error::InvalidSignature)
    );
    // HS256 not allowed: rejected although the secret would verify it.
    assert!(matches!(
        verifier()
            .client_secret(&secret)
            .unwrap()
            .validate(&t, &op.keys(), &code_flow(), now()),
        Err(Error::Token(TokenError::AlgorithmNotAllowed { .. }))
    ));
    // HS384 allowed but the token is HS256.
    let v384 = verifier()
        .allowed_algorithms([JwsAlgorithm::HS384])
        .unwrap()
        .client_secret(&secret)
        .unwrap();
    assert!(v384.validate(&t, &op.keys(), &code_flow(), now()).is_err());
}

#[test]
fn signature_and_key_selection() {
    let op = Op::new();
    let t = op.sign(JwsAlgorithm::ES256, &claims());
    let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
    let mut sig = authcore_jose::b64::decode(&parts[2]).unwrap();
    sig[5] ^= 1;
    parts[2] = authcore_jose::b64::encode(&sig);
    assert_eq!(
        verifier()
            .validate(&parts.join("."), &op.keys(), &code_flow(), now())
            .unwrap_err(),
        Error::Jose(authcore_jose::Error::InvalidSignature)
    );
    // Payload swapped under a valid signature.
    let other = op.sign(
        JwsAlgorithm::ES256,
        &with(claims(), "sub", json!("mallory")),
    );
    let swapped = format!(
        "{}.{}.{}",
        t.split('.').next().unwrap(),
        other.split('.').nth(1).unwrap(),
        t.split('.').nth(2).unwrap()
    );
    assert!(
        verifier()
            .validate(&swapped, &op.keys(), &code_flow(), now())
            .is_err()
    );
    // An unknown kid is reported as such (the JWKS may have rotated).
    let unknown = op.sign_with_header(
        JwsHeader::new(JwsAlgorithm::EdDSA).with_kid("rotated"),
        &claims(),
    );
    assert_eq!(
        verifier()
            .validate(&unknown, &op.keys(), &code_flow(), now())
            .unwrap_err(),
        Error::Token(TokenError::UnknownKeyId("rotated".into()))
    );
    // Explicitly typed tokens of other kinds are not ID tokens.
    for typ in ["logout+jwt", "at+jwt", "dpop+jwt"] {
        let t = op.sign_with_header(
            JwsHeader::new(JwsAlgorithm::EdDSA)
                .with_kid("ed1")
                .with_typ(typ),
            &claims(),
        );
        assert_eq!(
            verifier()
                .validate(&t, &op.keys(), &code_flow(), now())
                .unwrap_err(),
            Error::Token(TokenError::Type(typ.into()))
        );
    }
    let t = op.sign_with_header(
        JwsHeader::new(JwsAlgorithm::EdDSA)
            .with_kid("ed1")
            .with_typ("JWT"),
        &claims(),
    );
    assert!(
        verifier()
            .validate(&t, &op.keys(), &code_flow(), now())
            .is_ok()
    );
    // Garbage and JWE-shaped input.
    for bad in ["", "a.b", "a.b.c", "a.b.c.d.e", "..."] {
        assert!(
            verifier()
                .validate(bad, &op.keys(), &code_flow(), now())
                .is_err()
        );
    }
}

#[test]
fn time_claims() {
    let op = Op::new();
    let rs = JwsAlgorithm::EdDSA;
    assert!(matches!(
        token_err(check(&op, rs, &with(claims(), "exp", json!(NOW)), &code_flow())),
        TokenError::Expired { exp, .. } if exp == NOW
    ));
    assert!(
        check(
            &op,
            rs,
            &with(claims(), "exp", json!(NOW + 1)),
            &code_flow()
        )
        .is_ok()
    );
    assert_eq!(
        token_err(check(&op, rs, &without(claims(), "exp"), &code_flow())),
        TokenError::MissingClaim("exp")
    );
    assert!(matches!(
        token_err(check(
            &op,
            rs,
            &with(claims(), "iat", json!(NOW + 10)),
            &code_flow()
        )),
        TokenError::IssuedInFuture { .. }
    ));
    assert!(matches!(
        token_err(check(
            &op,
            rs,
            &with(claims(), "iat", json!(NOW - 601)),
            &code_flow()
        )),
        TokenError::IssuedTooLongAgo { window: 600, .. }
    ));
    assert!(
        check(
            &op,
            rs,
            &with(claims(), "iat", json!(NOW - 600)),
            &code_flow()
        )
        .is_ok()
    );
    assert_eq!(
        token_err(check(&op, rs, &without(claims(), "iat"), &code_flow())),
        TokenError::MissingClaim("iat")
    );
    assert!(matches!(
        token_err(check(
            &op,
            rs,
            &with(claims(), "nbf", json!(NOW + 10)),
            &code_flow()
        )),
        TokenError::NotYetValid { .. }
    ));
    // Configurable window and leeway.
    let old = op.sign(rs, &with(claims(), "iat", json!(NOW - 3000)));
    assert!(
        verifier()
            .iat_window(3600)
            .validate(&old, &op.keys(), &code_flow(), now())
            .is_ok()
    );
    let expired = op.sign(rs, &with(claims(), "exp", json!(NOW - 20)));
    assert!(
        verifier()
            .leeway(30)
            .validate(&expired, &op.keys(), &code_flow(), now())
            .is_ok()
    );
    assert!(
        verifier()
            .leeway(10)
            .validate(&expired, &op.keys(), &code_flow(), now())
            .is_err()
    );
    // A string date is a wrong type, not absent.
    assert!(
        check(
            &op,
            rs,
            &with(claims(), "exp", json!("1700000300")),
            &code_flow()
        )
        .is_err()
    );
}

#[test]
fn nonce() {
    let op = Op::new();
    let rs = JwsAlgorithm::ES256;
    let other = IdTokenExpectations::token_endpoint().nonce("another-nonce");
    assert_eq!(
        token_err(check(&op, rs, &claims(), &other)),
        TokenError::NonceMismatch
    );
    assert_eq!(
        token_err(check(&op, rs, &without(claims(), "nonce"), &code_flow())),
        TokenError::MissingClaim("nonce")
    );
    // Same length, one character off.
    let near = IdTokenExpectations::token_endpoint().nonce("n-0S6_WzA2Mk");
    assert_eq!(
        token_err(check(&op, rs, &claims(), &near)),
        TokenError::NonceMismatch
    );
    // No nonce sent (code flow): not checked.
    assert!(
        check(
            &op,
            rs,
            &without(claims(), "nonce"),
            &IdTokenExpectations::token_endpoint()
        )
        .is_ok()
    );
    // Implicit and hybrid: a nonce must have been sent.
    for rt in [ResponseType::IdToken, ResponseType::CodeIdToken] {
        let e = IdTokenExpectations::authorization_endpoint(rt).code("c");
        assert_eq!(
            token_err(check(&op, rs, &claims(), &e)),
            TokenError::NonceRequired
        );
    }
    assert_eq!(
        token_err(check(
            &op,
            rs,
            &with(claims(), "nonce", json!(5)),
            &code_flow()
        )),
        TokenError::WrongType("nonce")
    );
}

#[test]
fn essential_acr() {
    let op = Op::new();
    let rs = JwsAlgorithm::RS256;
    let wanted = vec![
        "urn:mace:incommon:iap:silver".to_owned(),
        "loa-3".to_owned(),
    ];
    let e = code_flow().essential_acr_values(&wanted);
    assert!(check(&op, rs, &with(claims(), "acr", json!("loa-3")), &e).is_ok());
    assert!(matches!(
        token_err(check(&op, rs, &with(claims(), "acr", json!("loa-1")), &e)),
        TokenError::AcrNotSatisfied { received: Some(r), .. } if r == "loa-1"
    ));
    assert!(matches!(
        token_err(check(&op, rs, &claims(), &e)),
        TokenError::AcrNotSatisfied { received: None, .. }
    ));
    // Not requested: any acr is fine.
    assert!(
        check(
            &op,
            rs,
            &with(claims(), "acr", json!("loa-1")),
            &code_flow()
        )
        .is_ok()
    );
}

#[test]
fn max_age_and_auth_time() {
    let op = Op::new();
    let rs = JwsAlgorithm::RS256;
    let e = code_flow().max_age(60);
    assert!(
        check(&op, rs, &claims(), &e).is_ok(),
        "auth_time = now - 60"
    );
    assert!(matches!(
        token_err(check(&op, rs, &with(claims(), "auth_time", json!(NOW - 61)), &e)),
        TokenError::AuthenticationTooOld { max_age: 60, auth_time, .. } if auth_time == NOW - 61
    ));
    assert_eq!(
        token_err(check(&op, rs, &without(claims(), "auth_time"), &e)),
        TokenError::MissingClaim("auth_time")
    );
    assert!(matches!(
        token_err(check(
            &op,
            rs,
            &with(claims(), "auth_time", json!(NOW + 100)),
            &e
        )),
        TokenError::IssuedInFuture { .. }
    ));
    // max_age=0 works: authentication must be "now".
    let zero = code_flow().max_age(0);
    assert!(check(&op, rs, &with(claims(), "auth_time", json!(NOW)), &zero).is_ok());
    assert!(check(&op, rs, &claims(), &zero).is_err());
    // require_auth_time without max_age.
    let t = op.sign(rs, &without(claims(), "auth_time"));
    assert!(
        verifier()
            .validate(&t, &op.keys(), &code_flow(), now())
            .is_ok()
    );
    assert!(matches!(
        verifier()
            .require_auth_time()
            .validate(&t, &op.keys(), &code_flow(), now()),
        Err(Error::Token(TokenError::MissingClaim("auth_time")))
    ));
    assert_eq!(
        token_err(check(
            &op,
            rs,
            &with(claims(), "auth_time", json!("1")),
            &code_flow()
        )),
        TokenError::WrongType("auth_time")
    );
}

#[test]
fn hash_claims_follow_the_algorithm() {
    let p = crypto::default_provider();
    // EdDSA uses SHA-512 (OpenID Connect Core errata for Ed25519), RS256/ES256 SHA-256.
    let value = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
    for (alg, digest) in [
        (JwsAlgorithm::RS256, authcore_jose::DigestAlgorithm::Sha256),
        (JwsAlgorithm::ES384, authcore_jose::DigestAlgorithm::Sha384),
        (JwsAlgorithm::EdDSA, authcore_jose::DigestAlgorithm::Sha512),
        (
            JwsAlgorithm::Ed25519,
            authcore_jose::DigestAlgorithm::Sha512,
        ),
        (JwsAlgorithm::HS512, authcore_jose::DigestAlgorithm::Sha512),
    ] {
        let d = p.digest(digest, value.as_bytes());
        assert_eq!(
            token_hash(alg, value, p),
            authcore_jose::b64::encode(&d[..d.len() / 2]),
            "{alg}"
        );
    }
    assert_eq!(
        token_hash(JwsAlgorithm::RS256, value, p),
        "77QmUPtjPfzWtF2AnpK9RQ"
    );
}

#[test]
fn hash_claims_required_by_response_type() {
    let op = Op::new();
    let p = crypto::default_provider();
    let (at, code, state) = ("SlAV32hkKG", "Qcb0Orv1zh30vL1MPRsbm", "af0ifjsldkj");
    for alg in ALGS {
        let h = |v: &str| json!(token_hash(alg, v, p));
        let full = with(
            with(with(claims(), "at_hash", h(at)), "c_hash", h(code)),
            "s_hash",
            h(state),
        );
        let front = |rt| {
            IdTokenExpectations::authorization_endpoint(rt)
                .nonce("n-0S6_WzA2Mj")
                .access_token(at)
                .code(code)
                .state(state)
        };
        for rt in [
            ResponseType::IdToken,
            ResponseType::IdTokenToken,
            ResponseType::CodeIdToken,
            ResponseType::CodeIdTokenToken,
        ] {
            assert!(check(&op, alg, &full, &front(rt)).is_ok(), "{alg} {rt}");
        }
        // Required at_hash (id_token token, code id_token token).
        for rt in [ResponseType::IdTokenToken, ResponseType::CodeIdTokenToken] {
            assert_eq!(
                token_err(check(
                    &op,
                    alg,
                    &without(full.clone(), "at_hash"),
                    &front(rt)
                )),
                TokenError::MissingClaim("at_hash"),
                "{alg} {rt}"
            );
        }
        // Required c_hash (code id_token, code id_token token).
        for rt in [ResponseType::CodeIdToken, ResponseType::CodeIdTokenToken] {
            assert_eq!(
                token_err(check(
                    &op,
                    alg,
                    &without(full.clone(), "c_hash"),
                    &front(rt)
                )),
                TokenError::MissingClaim("c_hash"),
                "{alg} {rt}"
            );
        }
        // Not required for id_token alone.
        let bare = without(without(full.clone(), "at_hash"), "c_hash");
        assert!(check(&op, alg, &bare, &front(ResponseType::IdToken)).is_ok());
        // Wrong values are mismatches wherever they are checked.
        for name in ["at_hash", "c_hash", "s_hash"] {
            let wrong = with(full.clone(), name, h("something else"));
            assert_eq!(
                token_err(check(
                    &op,
                    alg,
                    &wrong,
                    &front(ResponseType::CodeIdTokenToken)
                )),
                TokenError::HashMismatch(match name {
                    "at_hash" => "at_hash",
                    "c_hash" => "c_hash",
                    _ => "s_hash",
                })
            );
        }
        // Token endpoint: at_hash optional, checked when present.
        let te = code_flow().access_token(at);
        assert!(check(&op, alg, &bare, &te).is_ok());
        assert_eq!(
            token_err(check(&op, alg, &with(bare.clone(), "at_hash", h("x")), &te)),
            TokenError::HashMismatch("at_hash")
        );
        // s_hash required only on request.
        let fapi = front(ResponseType::CodeIdToken).require_s_hash();
        assert_eq!(
            token_err(check(&op, alg, &without(full.clone(), "s_hash"), &fapi)),
            TokenError::MissingClaim("s_hash")
        );
    }
    // An EdDSA token whose at_hash was computed with SHA-256 is rejected.
    let d = p.digest(authcore_jose::DigestAlgorithm::Sha256, at.as_bytes());
    let sha256_half = authcore_jose::b64::encode(&d[..16]);
    let t = with(claims(), "at_hash", json!(sha256_half));
    assert_eq!(
        token_err(check(
            &op,
            JwsAlgorithm::EdDSA,
            &t,
            &code_flow().access_token(at)
        )),
        TokenError::HashMismatch("at_hash")
    );
}

#[test]
fn refreshed_id_token() {
    let op = Op::new();
    let v = verifier();
    let keys = op.keys();
    let original = v
        .validate(
            &op.sign(JwsAlgorithm::RS256, &claims()),
            &keys,
            &code_flow(),
            now(),
        )
        .unwrap();
    let later = UnixTime::from_secs(NOW + 3600);
    let fresh = |c: Value| with(with(c, "iat", json!(NOW + 3590)), "exp", json!(NOW + 7200));
    let refresh = |c: Value| {
        let t = op.sign(JwsAlgorithm::RS256, &fresh(c));
        v.validate_refreshed(&t, &keys, &original, None, later)
    };
    // No nonce required; same nonce accepted; auth_time unchanged.
    assert!(refresh(without(claims(), "nonce")).is_ok());
    assert!(refresh(claims()).is_ok());
    assert!(refresh(without(claims(), "auth_time")).is_ok());
    let changed = |r: Result<authcore_oidc::IdTokenClaims, Error>| match r {
        Err(Error::Token(TokenError::ChangedClaim(c))) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        changed(refresh(with(claims(), "sub", json!("other")))),
        "sub"
    );
    assert_eq!(
        changed(refresh(with(claims(), "auth_time", json!(NOW + 3000)))),
        "auth_time"
    );
    assert_eq!(
        changed(refresh(with(claims(), "nonce", json!("replayed")))),
        "nonce"
    );
    let trusting = verifier().trust_audience("api");
    let t = op.sign(
        JwsAlgorithm::RS256,
        &fresh(with(
            with(claims(), "aud", json!([CLIENT, "api"])),
            "azp",
            json!(CLIENT),
        )),
    );
    assert!(matches!(
        trusting.validate_refreshed(&t, &keys, &original, None, later),
        Err(Error::Token(TokenError::ChangedClaim("aud")))
    ));
    // The common checks still apply.
    assert!(matches!(
        refresh(with(claims(), "iss", json!("https://evil.example"))),
        Err(Error::Token(TokenError::Issuer { .. }))
    ));
    let t = op.sign(
        JwsAlgorithm::RS256,
        &with(claims(), "exp", json!(NOW + 7200)),
    );
    assert!(matches!(
        v.validate_refreshed(&t, &keys, &original, None, later),
        Err(Error::Token(TokenError::IssuedTooLongAgo { .. }))
    ));
    // at_hash checked when present.
    let p = crypto::default_provider();
    let t = op.sign(
        JwsAlgorithm::RS256,
        &fresh(with(
            claims(),
            "at_hash",
            json!(token_hash(JwsAlgorithm::RS256, "new-at", p)),
        )),
    );
    assert!(
        v.validate_refreshed(&t, &keys, &original, Some("new-at"), later)
            .is_ok()
    );
    assert!(
        v.validate_refreshed(&t, &keys, &original, Some("other-at"), later)
            .is_err()
    );
}

#[test]
fn hybrid_token_endpoint_id_token_matches_the_front_channel_one() {
    let op = Op::new();
    let v = verifier();
    let keys = op.keys();
    let front = v
        .validate(
            &op.sign(JwsAlgorithm::ES256, &claims()),
            &keys,
            &code_flow(),
            now(),
        )
        .unwrap();
    let same = op.sign(JwsAlgorithm::ES256, &claims());
    assert!(
        v.validate_hybrid_token_endpoint(&same, &keys, &code_flow(), &front, now())
            .is_ok()
    );
    let other = op.sign(JwsAlgorithm::ES256, &with(claims(), "sub", json!("other")));
    assert!(matches!(
        v.validate_hybrid_token_endpoint(&other, &keys, &code_flow(), &front, now()),
        Err(Error::Token(TokenError::ChangedClaim("sub")))
    ));
}

#[test]
fn debug_output_hides_secrets() {
    let v = verifier()
        .client_secret(&ClientSecret::new("super-secret-value-of-32-bytes!!"))
        .unwrap();
    assert!(!format!("{v:?}").contains("super-secret"));
    let e = code_flow();
    assert!(!format!("{e:?}").contains("n-0S6_WzA2Mj"));
}

/// RFC 7519 §2 allows fractional NumericDates: `exp` 1000.5 has not passed at `now` 1000.
/// ID tokens and logout tokens get the same answer as `authcore_jose::jwt::verify` with the
/// same rules, for every time claim, whole or fractional, at and around the boundaries.
#[test]
fn time_claims_get_the_same_answer_as_jwt_verify() {
    use authcore_jose::jwt;
    let op = Op::new();
    let alg = JwsAlgorithm::EdDSA;
    let n = NOW as f64;
    for leeway in [0u64, 5] {
        let oidc = verifier().leeway(leeway);
        let validation = jwt::Validation::new()
            .issuer(ISSUER)
            .audience(CLIENT)
            .max_age(600)
            .leeway(leeway);
        let mut accepted = 0;
        for (name, values) in [
            ("exp", [n - 5.5, n - 5.0, n - 0.5, n, n + 0.5, n + 1.0]),
            (
                "iat",
                [n - 605.5, n - 605.0, n - 600.5, n, n + 0.5, n + 5.5],
            ),
            ("nbf", [n - 1.0, n, n + 0.5, n + 5.0, n + 5.5, n + 6.0]),
        ] {
            for v in values {
                let c = with(claims(), name, json!(v));
                let token = op.sign(alg, &c);
                let jose = jwt::verify(&token, &op.keys(), &validation, now()).is_ok();
                let id = oidc
                    .validate(&token, &op.keys(), &code_flow(), now())
                    .is_ok();
                assert_eq!(id, jose, "{name} {v} leeway {leeway}");
                accepted += usize::from(id);
            }
        }
        // Both answers occur, so the comparison says something.
        assert!(accepted > 3 && accepted < 15, "{accepted}");
    }
    // The case that used to differ, and its logout token twin.
    let frac = op.sign(alg, &with(claims(), "exp", json!(n + 0.5)));
    let c = verifier()
        .validate(&frac, &op.keys(), &code_flow(), now())
        .unwrap();
    assert_eq!(c.exp, NOW, "the typed field keeps whole seconds");
    let frac = op.sign(alg, &with(claims(), "exp", json!(n - 0.5)));
    assert!(matches!(
        token_err(
            verifier()
                .validate(&frac, &op.keys(), &code_flow(), now())
                .map(|_| ())
        ),
        TokenError::Expired { exp, .. } if exp == NOW - 1
    ));
}
