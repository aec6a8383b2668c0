//! Encrypted ID tokens, logout tokens and UserInfo responses (OpenID Connect Core 1.0 §10.2,
//! §3.1.3.7 step 1, §5.3.2; Back-Channel Logout 1.0 §2.6 step 1): tokens are signed by the stub
//! provider, then encrypted here to the client's key, each check with a token that passes and
//! one that fails it.

mod common;

use authcore_jose::jwe::{DecryptionKey, DecryptionKeys, EncryptionKey, JweBuilder};
use authcore_jose::{
    ContentEncryptionAlgorithm as Enc, Jwk, JwkSet, JwsAlgorithm, KeyManagementAlgorithm as Kma,
    crypto, jwt,
};
use authcore_oauth2::JweAlgorithms;
use authcore_oidc::{
    BACKCHANNEL_LOGOUT_EVENT, Error, IdTokenExpectations, IdTokenVerifier, TokenError,
    UserInfoError, parse_encrypted_userinfo_response, parse_signed_userinfo_response,
};
use common::*;
use http::Response;
use serde_json::{Value, json};

/// The client's symmetric key (A256GCMKW works on every provider).
const SECRET: [u8; 32] = [0x42; 32];
const REGISTERED: JweAlgorithms = JweAlgorithms::new(Kma::A256GcmKw, Enc::A256Gcm);

fn client_key() -> DecryptionKey {
    DecryptionKey::symmetric(Kma::A256GcmKw, &SECRET, crypto::default_provider()).unwrap()
}

fn to_client(alg: Kma) -> EncryptionKey {
    EncryptionKey::symmetric(alg, &SECRET, crypto::default_provider()).unwrap()
}

/// `plaintext` encrypted to the client with `alg`/`enc` and, if given, `cty`.
fn encrypt(key: &EncryptionKey, enc: Enc, cty: Option<&str>, plaintext: &str) -> String {
    let mut b = JweBuilder::new(enc).recipient(key);
    if let Some(c) = cty {
        b = b.cty(c);
    }
    b.encrypt_compact(plaintext.as_bytes(), &rng()).unwrap()
}

/// A signed ID token, then encrypted as the provider does (Core §10.2: sign, then encrypt).
fn nested(op: &Op, claims: &Value) -> String {
    encrypt(
        &to_client(Kma::A256GcmKw),
        Enc::A256Gcm,
        Some("JWT"),
        &op.sign(JwsAlgorithm::ES256, claims),
    )
}

fn encrypting_verifier() -> IdTokenVerifier {
    verifier()
        .decryption_keys(client_key())
        .id_token_encrypted_response(REGISTERED)
}

fn expect() -> IdTokenExpectations<'static> {
    IdTokenExpectations::token_endpoint().nonce("n-0S6_WzA2Mj")
}

fn token_err(r: Result<impl std::fmt::Debug, Error>) -> TokenError {
    match r {
        Err(Error::Token(t)) => t,
        other => panic!("expected a token error, got {other:?}"),
    }
}

#[test]
fn an_encrypted_id_token_decrypts_and_verifies() {
    let op = Op::new();
    let v = encrypting_verifier();
    assert_eq!(v.id_token_encryption(), Some(&REGISTERED));
    let c = v
        .validate(&nested(&op, &claims()), &op.keys(), &expect(), now())
        .unwrap();
    assert_eq!(c.sub, SUB);
    // The `jwt::sign_and_encrypt` form of the same nesting is accepted too.
    let token = jwt::sign_and_encrypt(
        &authcore_jose::JwsHeader::new(JwsAlgorithm::EdDSA).with_kid(key_kid(JwsAlgorithm::EdDSA)),
        &claims(),
        op.key(JwsAlgorithm::EdDSA),
        &JweBuilder::new(Enc::A256Gcm).recipient(&to_client(Kma::A256GcmKw)),
        &rng(),
    )
    .unwrap();
    assert_eq!(
        v.validate(&token, &op.keys(), &expect(), now())
            .unwrap()
            .sub,
        SUB
    );
}

#[test]
fn the_checks_inside_still_apply() {
    let op = Op::new();
    let v = encrypting_verifier();
    let wrong_nonce = nested(&op, &with(claims(), "nonce", json!("other")));
    assert_eq!(
        token_err(v.validate(&wrong_nonce, &op.keys(), &expect(), now())),
        TokenError::NonceMismatch
    );
    let expired = nested(&op, &with(claims(), "exp", json!(NOW - 1)));
    assert!(matches!(
        token_err(v.validate(&expired, &op.keys(), &expect(), now())),
        TokenError::Expired { .. }
    ));
    // Signed by a key the provider does not have, inside a good encryption.
    let rogue = Jwk::generate(JwsAlgorithm::EdDSA, crypto::default_provider(), &rng()).unwrap();
    let rogue =
        authcore_jose::SigningKey::from_jwk(&rogue, None, crypto::default_provider()).unwrap();
    let forged = jwt::encode(
        &authcore_jose::JwsHeader::new(JwsAlgorithm::EdDSA).with_kid("ed1"),
        &claims(),
        &rogue,
    )
    .unwrap();
    let forged = encrypt(
        &to_client(Kma::A256GcmKw),
        Enc::A256Gcm,
        Some("JWT"),
        &forged,
    );
    assert!(v.validate(&forged, &op.keys(), &expect(), now()).is_err());
}

#[test]
fn encryption_registered_means_encryption_required() {
    let op = Op::new();
    let signed_only = op.sign(JwsAlgorithm::ES256, &claims());
    assert_eq!(
        token_err(encrypting_verifier().validate(&signed_only, &op.keys(), &expect(), now())),
        TokenError::EncryptionRequired
    );
    // And the reverse: a JWE the client did not register for.
    assert_eq!(
        token_err(verifier().decryption_keys(client_key()).validate(
            &nested(&op, &claims()),
            &op.keys(),
            &expect(),
            now()
        )),
        TokenError::UnexpectedEncryption
    );
}

#[test]
fn only_the_registered_algorithms_are_accepted() {
    let op = Op::new();
    let inner = op.sign(JwsAlgorithm::ES256, &claims());
    // The key would decrypt all of these; the registration names A256GCMKW with A256GCM.
    let keys = DecryptionKeys::from_jwk_set(
        &JwkSet::new(vec![Jwk::symmetric(SECRET.to_vec())]),
        &[Kma::A256GcmKw, Kma::Dir],
        &[Enc::A256Gcm, Enc::A128Gcm],
        crypto::default_provider(),
    )
    .unwrap();
    let v = verifier()
        .decryption_keys(keys)
        .id_token_encrypted_response(REGISTERED);
    let other_enc = encrypt(
        &to_client(Kma::A256GcmKw),
        Enc::A128Gcm,
        Some("JWT"),
        &inner,
    );
    let other_alg = encrypt(&to_client(Kma::Dir), Enc::A256Gcm, Some("JWT"), &inner);
    for (token, named) in [(other_enc, "A128GCM"), (other_alg, "dir")] {
        match v.validate(&token, &op.keys(), &expect(), now()) {
            Err(Error::Jose(authcore_jose::Error::EncryptionAlgorithmNotAllowed {
                alg, ..
            })) => {
                assert_eq!(alg, named)
            }
            other => panic!("{named}: {other:?}"),
        }
    }
}

#[test]
fn a_wrong_key_or_tampering_is_one_opaque_failure() {
    let op = Op::new();
    let v = encrypting_verifier();
    let other =
        EncryptionKey::symmetric(Kma::A256GcmKw, &[7u8; 32], crypto::default_provider()).unwrap();
    let to_other = encrypt(
        &other,
        Enc::A256Gcm,
        Some("JWT"),
        &op.sign(JwsAlgorithm::ES256, &claims()),
    );
    assert_eq!(
        v.validate(&to_other, &op.keys(), &expect(), now())
            .unwrap_err(),
        Error::Jose(authcore_jose::Error::Decryption)
    );
    // Each part of a good token changed in turn (the header's change breaks its JSON or the
    // AAD; the others the unwrap, the IV, the ciphertext or the tag).
    let good = nested(&op, &claims());
    let parts: Vec<&str> = good.split('.').collect();
    for i in 0..5 {
        let mut p: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
        let last = p[i].pop().unwrap();
        p[i].push(if last == 'A' { 'Q' } else { 'A' });
        assert!(
            v.validate(&p.join("."), &op.keys(), &expect(), now())
                .is_err(),
            "part {i}"
        );
    }
}

#[test]
fn the_jwe_must_say_it_holds_a_jwt() {
    let op = Op::new();
    let inner = op.sign(JwsAlgorithm::ES256, &claims());
    for cty in [None, Some("json")] {
        let token = encrypt(&to_client(Kma::A256GcmKw), Enc::A256Gcm, cty, &inner);
        assert_eq!(
            token_err(encrypting_verifier().validate(&token, &op.keys(), &expect(), now())),
            TokenError::NestedContentType(cty.map(str::to_owned))
        );
    }
    // `cty` compares as a media type: case-insensitively (RFC 7515 §4.1.10).
    let token = encrypt(
        &to_client(Kma::A256GcmKw),
        Enc::A256Gcm,
        Some("jwt"),
        &inner,
    );
    assert!(
        encrypting_verifier()
            .validate(&token, &op.keys(), &expect(), now())
            .is_ok()
    );
}

#[test]
fn registered_encryption_without_keys_is_a_misuse() {
    let op = Op::new();
    let v = verifier().id_token_encrypted_response(REGISTERED);
    assert!(matches!(
        v.validate(&nested(&op, &claims()), &op.keys(), &expect(), now()),
        Err(Error::Misuse(_))
    ));
}

/// The asymmetric algorithms a provider uses in practice (RSA-OAEP and static ECDH, which
/// ring lacks, so the aws-lc-rs backend): the client's private key decrypts what was
/// encrypted to its public JWK.
#[cfg(feature = "aws-lc-rs")]
#[test]
fn asymmetric_client_keys() {
    let op = Op::new();
    let provider = &crypto::aws_lc::PROVIDER;
    let mut ran = 0;
    for (signing, alg, enc) in [
        (JwsAlgorithm::RS256, Kma::RsaOaep256, Enc::A128CbcHs256),
        (JwsAlgorithm::ES256, Kma::EcdhEs, Enc::A256Gcm),
        (JwsAlgorithm::ES256, Kma::EcdhEsA128Kw, Enc::A128CbcHs256),
    ] {
        let mut private = Jwk::generate(signing, provider, &rng()).unwrap();
        private.alg = None;
        let public = private.to_public().unwrap();
        let to = EncryptionKey::from_jwk(&public, Some(alg), provider).unwrap();
        let token = encrypt(
            &to,
            enc,
            Some("JWT"),
            &op.sign(JwsAlgorithm::EdDSA, &claims()),
        );
        let keys =
            DecryptionKeys::from_jwk_set(&JwkSet::new(vec![private]), &[alg], &[enc], provider)
                .unwrap();
        let v = verifier()
            .decryption_keys(keys)
            .id_token_encrypted_response(JweAlgorithms::new(alg, enc));
        let c = v.validate(&token, &op.keys(), &expect(), now()).unwrap();
        assert_eq!(c.sub, SUB, "{alg} {enc}");
        ran += 1;
    }
    assert_eq!(ran, 3);
}

fn logout_claims() -> Value {
    json!({
        "iss": ISSUER, "aud": CLIENT, "iat": NOW - 5, "jti": "bWJq", "sid": "08a5019c",
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
    })
}

#[test]
fn logout_tokens_may_be_encrypted_as_id_tokens_are() {
    let op = Op::new();
    let signed = op.sign_with_header(
        authcore_jose::JwsHeader::new(JwsAlgorithm::ES256)
            .with_kid(key_kid(JwsAlgorithm::ES256))
            .with_typ("logout+jwt"),
        &logout_claims(),
    );
    let encrypted = encrypt(
        &to_client(Kma::A256GcmKw),
        Enc::A256Gcm,
        Some("JWT"),
        &signed,
    );
    let v = encrypting_verifier();
    // Back-Channel Logout 1.0 §2.6 step 1: "if the Logout Token is encrypted".
    for token in [&encrypted, &signed] {
        let t = v.validate_logout_token(token, &op.keys(), now()).unwrap();
        assert_eq!(t.sid.as_deref(), Some("08a5019c"));
    }
    assert_eq!(
        verifier()
            .decryption_keys(client_key())
            .validate_logout_token(&encrypted, &op.keys(), now())
            .unwrap_err(),
        Error::Token(TokenError::UnexpectedEncryption)
    );
    let other = encrypt(
        &to_client(Kma::A256GcmKw),
        Enc::A128Gcm,
        Some("JWT"),
        &signed,
    );
    assert!(matches!(
        v.validate_logout_token(&other, &op.keys(), now()),
        Err(Error::Jose(
            authcore_jose::Error::EncryptionAlgorithmNotAllowed { .. }
        ))
    ));
}

fn jwt_response(body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(200)
        .header("content-type", "application/jwt")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn userinfo_claims() -> Value {
    json!({"sub": SUB, "email": "janedoe@example.com", "iss": ISSUER, "aud": CLIENT})
}

fn userinfo_verifier() -> IdTokenVerifier {
    verifier()
        .decryption_keys(client_key())
        .userinfo_encrypted_response(REGISTERED)
}

#[test]
fn signed_then_encrypted_userinfo() {
    let op = Op::new();
    let signed = op.sign(JwsAlgorithm::ES256, &userinfo_claims());
    let token = encrypt(
        &to_client(Kma::A256GcmKw),
        Enc::A256Gcm,
        Some("JWT"),
        &signed,
    );
    let v = userinfo_verifier();
    assert_eq!(v.userinfo_encryption(), Some(&REGISTERED));
    let u = parse_signed_userinfo_response(&jwt_response(&token), SUB, &v, &op.keys()).unwrap();
    assert!(u.signed && u.encrypted);
    assert_eq!(u.standard.email.as_deref(), Some("janedoe@example.com"));
    // Registered encryption: a signed-only response is refused.
    assert_eq!(
        parse_signed_userinfo_response(&jwt_response(&signed), SUB, &v, &op.keys()).unwrap_err(),
        Error::Token(TokenError::EncryptionRequired)
    );
    // Not registered: the JWE is refused as before.
    assert_eq!(
        parse_signed_userinfo_response(
            &jwt_response(&token),
            SUB,
            &verifier().decryption_keys(client_key()),
            &op.keys()
        )
        .unwrap_err(),
        Error::UserInfo(UserInfoError::Encrypted)
    );
    // Another subject inside a good encryption.
    let other = encrypt(
        &to_client(Kma::A256GcmKw),
        Enc::A256Gcm,
        Some("JWT"),
        &op.sign(
            JwsAlgorithm::ES256,
            &with(userinfo_claims(), "sub", json!("x")),
        ),
    );
    assert!(matches!(
        parse_signed_userinfo_response(&jwt_response(&other), SUB, &v, &op.keys()),
        Err(Error::UserInfo(UserInfoError::SubjectMismatch { .. }))
    ));
}

#[test]
fn encrypted_only_userinfo() {
    let op = Op::new();
    let v = userinfo_verifier();
    let body = json!({"sub": SUB, "email": "janedoe@example.com"}).to_string();
    let token = encrypt(&to_client(Kma::A256GcmKw), Enc::A256Gcm, None, &body);
    let u = parse_encrypted_userinfo_response(&jwt_response(&token), SUB, &v).unwrap();
    assert!(u.encrypted && !u.signed);
    assert_eq!(u.standard.email.as_deref(), Some("janedoe@example.com"));
    // `sub` bound to the ID token's (Core §5.3.2).
    assert!(matches!(
        parse_encrypted_userinfo_response(&jwt_response(&token), "someone-else", &v),
        Err(Error::UserInfo(UserInfoError::SubjectMismatch { .. }))
    ));
    // A nested JWT is the signed parser's; a plain JWS is not encrypted; JSON is the wrong
    // media type; the registered `enc` decides; duplicate members are refused.
    let signed = op.sign(JwsAlgorithm::ES256, &userinfo_claims());
    let nested = encrypt(
        &to_client(Kma::A256GcmKw),
        Enc::A256Gcm,
        Some("JWT"),
        &signed,
    );
    assert_eq!(
        parse_encrypted_userinfo_response(&jwt_response(&nested), SUB, &v).unwrap_err(),
        Error::Token(TokenError::NestedContentType(Some("JWT".into())))
    );
    assert_eq!(
        parse_encrypted_userinfo_response(&jwt_response(&signed), SUB, &v).unwrap_err(),
        Error::Token(TokenError::EncryptionRequired)
    );
    assert!(matches!(
        parse_encrypted_userinfo_response(&json_response(200, &body), SUB, &v),
        Err(Error::UserInfo(UserInfoError::UnexpectedFormat(_)))
    ));
    let a128 = encrypt(&to_client(Kma::A256GcmKw), Enc::A128Gcm, None, &body);
    assert!(matches!(
        parse_encrypted_userinfo_response(&jwt_response(&a128), SUB, &v),
        Err(Error::Jose(
            authcore_jose::Error::EncryptionAlgorithmNotAllowed { .. }
        ))
    ));
    let duplicate = format!(r#"{{"sub":"{SUB}","sub":"{SUB}"}}"#);
    let duplicate = encrypt(&to_client(Kma::A256GcmKw), Enc::A256Gcm, None, &duplicate);
    assert!(parse_encrypted_userinfo_response(&jwt_response(&duplicate), SUB, &v).is_err());
    // Without a registration there is nothing to decrypt with.
    assert!(matches!(
        parse_encrypted_userinfo_response(&jwt_response(&token), SUB, &verifier()),
        Err(Error::Misuse(_))
    ));
}

fn client() -> authcore_oauth2::Client {
    authcore_oauth2::Client::new(
        CLIENT,
        authcore_oauth2::ClientAuthentication::ClientSecretBasic(
            authcore_oauth2::ClientSecret::new("7Fjfp0ZBr1KtDRbnfVdmIw"),
        ),
    )
}

fn server() -> authcore_oauth2::AuthorizationServer {
    authcore_oauth2::AuthorizationServer::new(ISSUER)
        .with_authorization_endpoint("https://op.example/authorize")
        .unwrap()
        .with_token_endpoint("https://op.example/token")
        .unwrap()
        .with_par_endpoint("https://op.example/par")
        .unwrap()
}

/// What the provider does with an encrypted request object: decrypt with its key (the
/// registered pair only), require `cty` JWT, verify the client's signature.
fn provider_opens(jwe: &str, provider_key: &DecryptionKey) -> serde_json::Map<String, Value> {
    let header = authcore_jose::jwe::decode_header_unverified(jwe).unwrap();
    assert_eq!((header.alg, header.enc), (Kma::A256GcmKw, Enc::A256Gcm));
    assert_eq!(header.kid.as_deref(), Some("op-enc"));
    let v = jwt::Validation::new()
        .issuer(CLIENT)
        .audience(ISSUER)
        .typ("oauth-authz-req+jwt");
    let ok = jwt::decrypt_and_verify(
        jwe,
        provider_key,
        &Default::default(),
        &Op::new().keys(),
        &v,
        now(),
    )
    .unwrap();
    serde_json::from_slice(&ok.inner.payload).unwrap()
}

/// The provider's JWK Set: a signing key (skipped) and its encryption key.
fn provider_jwks() -> JwkSet {
    let mut sig = Jwk::symmetric(vec![1u8; 32]);
    sig.key_use = Some("sig".into());
    let mut enc = Jwk::symmetric(SECRET.to_vec());
    enc.key_use = Some("enc".into());
    enc.kid = Some("op-enc".into());
    JwkSet::new(vec![sig, enc])
}

#[test]
fn request_objects_are_signed_then_encrypted_to_the_provider() {
    let op = Op::new();
    let signer = op.key(JwsAlgorithm::ES256);
    let encryption = authcore_oidc::RequestObjectEncryption::from_provider_jwks(
        &provider_jwks(),
        None,
        REGISTERED,
        crypto::default_provider(),
    )
    .unwrap();
    assert_eq!(encryption.algorithms(), REGISTERED);
    let provider_key = client_key(); // the same symmetric secret, as the provider holds it

    // By value: client_id, response_type and scope outside (Core §6.1), the rest sealed.
    let (url, pending) = authcore_oidc::AuthenticationRequest::new("https://client.example/cb")
        .scope("email")
        .build_encrypted_url(&client(), &server(), signer, &encryption, now(), &rng())
        .unwrap();
    let q: std::collections::BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(
        q.keys().map(String::as_str).collect::<Vec<_>>(),
        ["client_id", "request", "response_type", "scope"]
    );
    let jwe = &q["request"];
    assert_eq!(jwe.split('.').count(), 5);
    let c = provider_opens(jwe, &provider_key);
    assert_eq!(c["state"], pending.state().secret());
    assert_eq!(c["nonce"], pending.nonce().secret());

    // Pushed: client authentication and the sealed object.
    let (par, pushed) = authcore_oidc::AuthenticationRequest::new("https://client.example/cb")
        .max_age(60)
        .build_encrypted_par_request(&client(), &server(), signer, &encryption, now(), &rng())
        .unwrap();
    let form: std::collections::BTreeMap<String, String> = url::form_urlencoded::parse(par.body())
        .into_owned()
        .collect();
    assert_eq!(
        form.keys().map(String::as_str).collect::<Vec<_>>(),
        ["client_id", "request"]
    );
    let c = provider_opens(&form["request"], &provider_key);
    assert_eq!(c["max_age"], 60);
    let (_, pending) = pushed
        .handle_par_response(&json_response(
            201,
            r#"{"request_uri":"urn:ietf:params:oauth:request_uri:x","expires_in":60}"#,
        ))
        .unwrap();
    assert_eq!(c["state"], pending.state().secret());

    // By reference: the same sealed object, to be hosted.
    let (object, _) = authcore_oidc::AuthenticationRequest::new("https://client.example/cb")
        .build_encrypted_request_object(&client(), &server(), signer, &encryption, now(), &rng())
        .unwrap();
    assert!(provider_opens(&object, &provider_key).contains_key("redirect_uri"));
    // Only the provider's key opens it.
    let other =
        DecryptionKey::symmetric(Kma::A256GcmKw, &[3u8; 32], crypto::default_provider()).unwrap();
    assert_eq!(
        authcore_jose::jwe::decrypt_compact(&object, &other, &Default::default()).unwrap_err(),
        authcore_jose::Error::Decryption
    );
}

#[test]
fn a_provider_without_an_encryption_key_for_the_algorithm_is_refused() {
    let mut sig_only = provider_jwks();
    sig_only.keys.pop();
    assert_eq!(
        authcore_oidc::RequestObjectEncryption::from_provider_jwks(
            &sig_only,
            None,
            REGISTERED,
            crypto::default_provider()
        )
        .unwrap_err(),
        Error::Jose(authcore_jose::Error::NoMatchingKey)
    );
}

/// OpenID Connect Core §10.2: symmetric keys are the left-truncated SHA-2 hash of the client
/// secret (the digests of "abc" are FIPS 180-2's examples).
#[test]
fn symmetric_keys_derive_from_the_client_secret() {
    use authcore_oidc::client_secret_key;
    let secret = authcore_oauth2::ClientSecret::new("abc");
    let p = crypto::default_provider();
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let key = |alg, enc| hex(client_secret_key(&secret, alg, enc, p).unwrap().expose());
    let sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let sha384 = "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
                  8086072ba1e7cc2358baeca134c825a7";
    let sha512 = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
                  2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
    assert_eq!(key(Kma::A128Kw, Enc::A256Gcm), sha256[..32]);
    assert_eq!(key(Kma::A192GcmKw, Enc::A256Gcm), sha256[..48]);
    assert_eq!(key(Kma::A256GcmKw, Enc::A128Gcm), sha256);
    assert_eq!(key(Kma::Dir, Enc::A128Gcm), sha256[..32]);
    assert_eq!(key(Kma::Dir, Enc::A192CbcHs384), sha384);
    assert_eq!(key(Kma::Dir, Enc::A256CbcHs512), sha512);
    for alg in [Kma::RsaOaep256, Kma::EcdhEs, Kma::Pbes2Hs256A128Kw] {
        assert!(matches!(
            client_secret_key(&secret, alg, Enc::A256Gcm, p),
            Err(Error::Misuse(_))
        ));
    }
    // A provider that encrypts with the derived key; the client decrypts with the same.
    let op = Op::new();
    let derived = client_secret_key(&secret, Kma::A256GcmKw, Enc::A256Gcm, p).unwrap();
    let to = EncryptionKey::symmetric(Kma::A256GcmKw, derived.expose(), p).unwrap();
    let token = encrypt(
        &to,
        Enc::A256Gcm,
        Some("JWT"),
        &op.sign(JwsAlgorithm::ES256, &claims()),
    );
    let v = verifier()
        .decryption_keys(DecryptionKey::symmetric(Kma::A256GcmKw, derived.expose(), p).unwrap())
        .id_token_encrypted_response(REGISTERED);
    assert_eq!(
        v.validate(&token, &op.keys(), &expect(), now())
            .unwrap()
            .sub,
        SUB
    );
}

/// Core §3.1.2.1: the hint is the signed ID token inside the encrypted one.
#[test]
fn the_id_token_hint_is_the_signed_token_inside() {
    let op = Op::new();
    let signed = op.sign(JwsAlgorithm::ES256, &claims());
    let encrypted = encrypt(
        &to_client(Kma::A256GcmKw),
        Enc::A256Gcm,
        Some("JWT"),
        &signed,
    );
    let v = encrypting_verifier();
    let hint = v
        .id_token_hint(&authcore_oauth2::IdToken::new(encrypted.clone()))
        .unwrap();
    assert_eq!(hint.secret(), signed);
    // A signed token is its own hint; a JWE to another key is refused.
    let same = v
        .id_token_hint(&authcore_oauth2::IdToken::new(signed.clone()))
        .unwrap();
    assert_eq!(same.secret(), signed);
    let other =
        EncryptionKey::symmetric(Kma::A256GcmKw, &[8u8; 32], crypto::default_provider()).unwrap();
    let to_other = encrypt(&other, Enc::A256Gcm, Some("JWT"), &signed);
    assert_eq!(
        v.id_token_hint(&authcore_oauth2::IdToken::new(to_other))
            .unwrap_err(),
        Error::Jose(authcore_jose::Error::Decryption)
    );
    assert_eq!(
        verifier()
            .id_token_hint(&authcore_oauth2::IdToken::new(encrypted))
            .unwrap_err(),
        Error::Token(TokenError::UnexpectedEncryption)
    );
}
