//! ID tokens (OpenID Connect Core 1.0 §2): the claims, the hash claims that bind them to the
//! other artifacts of the response (§3.1.3.6 `at_hash`, §3.3.2.11 `c_hash`, FAPI 1.0 Advanced
//! §5.1 `s_hash`), and the signature with the client's registered algorithm.

use authcore_jose::crypto::CryptoProvider;
use authcore_jose::{AlgorithmFamily, JwsAlgorithm, SigningKey, UnixTime, jwt};
use serde_json::{Map, Value};

use crate::error::{OAuthError, ServerError};
use crate::model::{ClientRecord, StoredSecret};
use crate::step::{Answer, Context, Need, Supplied};

/// The client metadata naming the ID token signature algorithm (OpenID Connect Registration
/// §2).
pub const SIGNED_RESPONSE_ALG: &str = "id_token_signed_response_alg";
/// The client metadata naming the ID token key management algorithm (Registration §2).
pub const ENCRYPTED_RESPONSE_ALG: &str = "id_token_encrypted_response_alg";

/// What an ID token says, besides what the server fills in (`iss`, `iat`, `exp`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdTokenContent {
    /// `sub`: the subject as this client sees it (public or pairwise).
    pub subject: String,
    /// `aud` and `azp`: the client.
    pub client_id: String,
    /// `nonce` of the authentication request, echoed unchanged (§3.1.2.1).
    pub nonce: Option<String>,
    /// `auth_time`.
    pub auth_time: Option<UnixTime>,
    /// `acr`.
    pub acr: Option<String>,
    /// `amr`.
    pub amr: Vec<String>,
    /// `sid` (Front-Channel Logout §3, Back-Channel Logout §2.4).
    pub sid: Option<String>,
    /// The access token issued with the ID token: `at_hash` covers it (§3.1.3.6, §3.2.2.9).
    pub access_token: Option<String>,
    /// The code issued with the ID token: `c_hash` covers it (§3.3.2.11).
    pub code: Option<String>,
    /// The `state` of the request: `s_hash` covers it (FAPI 1.0 Advanced §5.1).
    pub state: Option<String>,
    /// Further claims (from the `claims` parameter or scopes, §5.4, §5.5).
    pub extra: Map<String, Value>,
}

/// The left-most half of the hash of `value` with the hash function of `alg`, base64url:
/// `at_hash`, `c_hash` and `s_hash` (Core §3.1.3.6). The relying party checks these with
/// the same function of authcore-oidc, so the two sides cannot drift apart.
pub fn token_hash(alg: JwsAlgorithm, value: &str, ctx: &Context<'_>) -> String {
    authcore_oidc::token_hash(alg, value, ctx.keys.provider)
}

/// The algorithm the client registered for its ID tokens (Registration §2: RS256 when it
/// registered none). `none` is never used: Core §3.1.3.7 lets a client accept unsigned ID
/// tokens only from the token endpoint, and this provider always signs.
pub fn signing_algorithm(client: &ClientRecord) -> Result<JwsAlgorithm, OAuthError> {
    Ok(registered_signing_algorithm(client, SIGNED_RESPONSE_ALG)?.unwrap_or(JwsAlgorithm::RS256))
}

/// The JWS algorithm a client registered under the metadata member `member`
/// (`id_token_signed_response_alg`, `userinfo_signed_response_alg`), `None` when it
/// registered none. `none` is refused: this provider always signs what it signs.
pub fn registered_signing_algorithm(
    client: &ClientRecord,
    member: &str,
) -> Result<Option<JwsAlgorithm>, OAuthError> {
    match client.extra.get(member) {
        None => Ok(None),
        Some(Value::String(name)) => name.parse::<JwsAlgorithm>().map(Some).map_err(|_| {
            OAuthError::server_error(ServerError::Config(
                "the client's registered signing algorithm is not a supported JWS algorithm",
            ))
        }),
        Some(_) => Err(OAuthError::server_error(ServerError::Config(
            "the client's registered signing algorithm is not a string",
        ))),
    }
}

/// The claims of the ID token, as a JSON object (Core §2), at `now`.
pub fn claims(
    content: &IdTokenContent,
    alg: JwsAlgorithm,
    ctx: &Context<'_>,
) -> Map<String, Value> {
    let mut c = content.extra.clone();
    let now = ctx.now;
    c.insert("iss".into(), ctx.config.issuer.clone().into());
    c.insert("sub".into(), content.subject.clone().into());
    c.insert("aud".into(), content.client_id.clone().into());
    // §2: azp is the party the token was issued to; with one audience it repeats it, which
    // every relying party accepts and keeps the check of §3.1.3.7 item 5 simple.
    c.insert("azp".into(), content.client_id.clone().into());
    c.insert("iat".into(), now.as_secs().into());
    c.insert(
        "exp".into(),
        now.saturating_add(ctx.config.lifetimes.id_token)
            .as_secs()
            .into(),
    );
    if let Some(t) = content.auth_time {
        c.insert("auth_time".into(), t.as_secs().into());
    }
    if let Some(n) = &content.nonce {
        c.insert("nonce".into(), n.clone().into());
    }
    if let Some(a) = &content.acr {
        c.insert("acr".into(), a.clone().into());
    }
    if !content.amr.is_empty() {
        c.insert("amr".into(), content.amr.clone().into());
    }
    if let Some(s) = &content.sid {
        c.insert("sid".into(), s.clone().into());
    }
    for (name, value) in [
        ("at_hash", &content.access_token),
        ("c_hash", &content.code),
        ("s_hash", &content.state),
    ] {
        if let Some(v) = value {
            c.insert(name.into(), token_hash(alg, v, ctx).into());
        }
    }
    c
}

/// The HMAC algorithms (HS256, HS384, HS512) ID tokens and signed UserInfo responses are
/// signed with for a client that registered one, with its secret as the key (Core §10.1):
/// those the crypto `provider` computes, and only while a client authentication method that
/// gives clients a secret is enabled (without one no client holds a secret to key them
/// with). Discovery advertises exactly these beside the signing keys' algorithms
/// (`id_token_signing_alg_values_supported`, `userinfo_signing_alg_values_supported`), and
/// [`sign_for_client`] signs with no other HMAC algorithm.
pub fn secret_signing_algorithms<'a>(
    config: &'a crate::ServerConfig,
    provider: &'a CryptoProvider,
) -> impl Iterator<Item = JwsAlgorithm> + 'a {
    let secrets = config
        .client_auth_methods
        .iter()
        .any(|m| m.uses_client_secret());
    JwsAlgorithm::ALL
        .into_iter()
        .filter(move |a| secrets && a.family() == AlgorithmFamily::Hmac && provider.supports(*a))
}

/// Signs `claims` for `client` with `alg`: by the provider's key for an asymmetric algorithm
/// and with the client secret for HS* (Core §10.1: the octets of the secret are the key, so
/// the server must hold it in plain form; only the [`secret_signing_algorithms`]). The one
/// signing rule of ID tokens and signed UserInfo responses (§5.3.2).
pub fn sign_for_client(
    claims: &Map<String, Value>,
    alg: JwsAlgorithm,
    client: &ClientRecord,
    ctx: &Context<'_>,
) -> Result<String, OAuthError> {
    if alg.family() == AlgorithmFamily::Hmac {
        if !secret_signing_algorithms(ctx.config, ctx.keys.provider).any(|a| a == alg) {
            return Err(OAuthError::server_error(ServerError::Config(
                "the client's HS* algorithm is not one this provider signs with",
            )));
        }
        let Some(StoredSecret::Plain(secret)) = &client.secret else {
            return Err(OAuthError::server_error(ServerError::Config(
                "an HS* signature for a client needs its secret in plain form",
            )));
        };
        let key = SigningKey::hmac(alg, secret.expose(), ctx.keys.provider)
            .map_err(|_| OAuthError::server_error(ServerError::Crypto))?;
        let header = authcore_jose::JwsHeader::new(alg);
        return jwt::encode(&header, claims, &key)
            .map_err(|_| OAuthError::server_error(ServerError::Crypto));
    }
    let keys = ctx
        .keys
        .id_token_signing
        .as_ref()
        .ok_or(OAuthError::server_error(ServerError::Config(
            "no ID token signing keys are configured",
        )))?;
    keys.sign_jwt_with(alg, None, claims)
        .map_err(|_| OAuthError::server_error(ServerError::Crypto))
}

/// Issues the ID token of `content` for `client`: signed with the client's registered
/// algorithm ([`sign_for_client`]), then, when the client registered
/// `id_token_encrypted_response_alg/enc`, encrypted to it as a nested JWT (Core §10.2: sign,
/// then encrypt; `cty` `JWT`), to its key in `client.jwks` (the registered set, or the
/// `jwks_uri` document [`complete`] fetched into it) or with the key derived from its secret
/// for the symmetric algorithms.
pub fn issue(
    content: &IdTokenContent,
    client: &ClientRecord,
    ctx: &Context<'_>,
) -> Result<String, OAuthError> {
    let alg = signing_algorithm(client)?;
    let claims = claims(content, alg, ctx);
    let signed = sign_for_client(&claims, alg, client, ctx)?;
    let encrypted = super::encryption::encrypt_for_client(
        signed.as_bytes(),
        true,
        client,
        super::encryption::EncryptedArtifact::IdToken,
        client.jwks.as_ref(),
        ctx,
    )?;
    Ok(encrypted.unwrap_or(signed))
}

/// Completes an ID token before [`issue`]: the end-user's claims the request asks for in the
/// ID token ([`ClaimsRelease::for_id_token`](super::claims::ClaimsRelease::for_id_token):
/// the `claims` parameter's `id_token` member, and the scope claims of §5.4 only when no
/// access token is issued with it, as with `response_type=id_token`), asked of the
/// application with [`Need::Claims`] for the grant's subject; and, for a client that
/// registered asymmetric ID token encryption with a `jwks_uri`, its keys
/// ([`Need::Fetch`]), set into the returned client's `jwks`.
///
/// The one hook every place that mints ID tokens calls (the token endpoint, and the
/// authorization endpoint's implicit and hybrid responses): `Err(needs)` until the needs are
/// supplied, then the content and client to [`issue`] with. A subject without claims
/// (`Answer::Claims(None)`) gets an ID token without them.
pub fn complete(
    mut content: IdTokenContent,
    client: &ClientRecord,
    grant: &crate::model::GrantRecord,
    scopes: &[String],
    access_token_issued: bool,
    supplied: &Supplied,
    ctx: &Context<'_>,
) -> Result<Result<(IdTokenContent, ClientRecord), Vec<Need>>, OAuthError> {
    use super::claims::{ClaimsRelease, ClaimsRequest};
    let mut needs = Vec::new();
    let claims_request = ClaimsRequest::from_grant(grant);
    let release = ClaimsRelease::for_id_token(scopes, claims_request.as_ref(), access_token_issued);
    if !release.is_empty() {
        let need = Need::Claims {
            subject: grant.subject.clone(),
            scopes: scopes.to_vec(),
            claims_request,
        };
        match supplied.get(&need) {
            None => needs.push(need),
            Some(Answer::Claims(Some(available))) => {
                content.extra.extend(release.release(available));
            }
            Some(_) => {}
        }
    }
    let mut client = client.clone();
    let encryption =
        super::encryption::registered(&client, super::encryption::EncryptedArtifact::IdToken, ctx)?;
    if let Some(need) = super::encryption::key_need(&client, encryption, supplied)? {
        needs.push(need);
    } else if encryption.is_some() && client.jwks.is_none() {
        client.jwks = super::encryption::client_keys(&client, supplied)?.unwrap_or(None);
    }
    if needs.is_empty() {
        Ok(Ok((content, client)))
    } else {
        Ok(Err(needs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClientAuthMethod, GrantId, GrantRecord};
    use authcore_jose::InsecureTestRandom;

    fn setup() -> (crate::ServerConfig, crate::ServerKeys, InsecureTestRandom) {
        let rng = InsecureTestRandom::new(4);
        let provider = authcore_jose::crypto::default_provider();
        let config = crate::ServerConfig::new("https://op.example").unwrap();
        let keys = crate::ServerKeys::generate(provider, &rng).unwrap();
        (config, keys, rng)
    }

    fn grant(claims_request: Option<&str>) -> GrantRecord {
        let mut g = GrantRecord::new(
            GrantId("g".into()),
            "rp",
            "alice",
            vec!["openid".into(), "email".into()],
            vec![],
            UnixTime::from_secs(0),
        );
        g.claims_request = claims_request.map(str::to_owned);
        g
    }

    fn claims_of_alice() -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("email".into(), "alice@example.com".into());
        m.insert("name".into(), "Alice".into());
        m.insert("nonce".into(), "spoofed".into());
        m
    }

    /// The hook of the implicit `id_token` response (no access token): the scope claims go
    /// into the ID token (Core §5.4), asked of the application first.
    #[test]
    fn without_an_access_token_the_scope_claims_go_into_the_id_token() {
        let (config, keys, rng) = setup();
        let ctx = Context::new(&config, &keys, UnixTime::from_secs(100), &rng);
        let client = ClientRecord::new("rp", ClientAuthMethod::None);
        let g = grant(None);
        let content = IdTokenContent {
            subject: "alice".into(),
            client_id: "rp".into(),
            ..Default::default()
        };
        let mut supplied = Supplied::new();
        let Ok(Err(needs)) = complete(
            content.clone(),
            &client,
            &g,
            &g.scopes,
            false,
            &supplied,
            &ctx,
        ) else {
            panic!("the claims are asked for first")
        };
        assert_eq!(needs.len(), 1);
        supplied.answer(needs[0].clone(), Answer::Claims(Some(claims_of_alice())));
        let Ok(Ok((done, _))) = complete(
            content.clone(),
            &client,
            &g,
            &g.scopes,
            false,
            &supplied,
            &ctx,
        ) else {
            panic!("complete once supplied")
        };
        assert_eq!(
            done.extra.get("email"),
            Some(&Value::from("alice@example.com"))
        );
        assert!(!done.extra.contains_key("name"), "profile was not asked");
        assert!(
            !done.extra.contains_key("nonce"),
            "provider-set claims are the provider's"
        );
        // With an access token issued, the same scopes ask nothing for the ID token.
        let Ok(Ok((done, _))) = complete(
            content.clone(),
            &client,
            &g,
            &g.scopes,
            true,
            &Supplied::new(),
            &ctx,
        ) else {
            panic!("nothing to ask")
        };
        assert!(done.extra.is_empty());
        // An unknown end-user: an ID token without claims rather than a failure.
        let mut supplied = Supplied::new();
        supplied.answer(needs[0].clone(), Answer::Claims(None));
        let Ok(Ok((done, _))) = complete(content, &client, &g, &g.scopes, false, &supplied, &ctx)
        else {
            panic!("complete without claims")
        };
        assert!(done.extra.is_empty());
    }

    #[test]
    fn a_client_with_asymmetric_encryption_and_a_jwks_uri_has_its_keys_fetched() {
        let (config, keys, rng) = setup();
        let ctx = Context::new(&config, &keys, UnixTime::from_secs(100), &rng);
        let mut client = ClientRecord::new("rp", ClientAuthMethod::None);
        client
            .extra
            .insert("id_token_encrypted_response_alg".into(), "ECDH-ES".into());
        client
            .extra
            .insert("jwks_uri".into(), "https://rp.example/jwks".into());
        let g = grant(None);
        let content = IdTokenContent::default();
        if !super::super::encryption::encrypts_with(
            authcore_jose::KeyManagementAlgorithm::EcdhEs,
            ctx.keys.provider,
        ) {
            // The provider cannot encrypt with it: a configuration error, never plaintext.
            assert!(complete(content, &client, &g, &[], true, &Supplied::new(), &ctx).is_err());
            return;
        }
        let Ok(Err(needs)) = complete(
            content.clone(),
            &client,
            &g,
            &[],
            true,
            &Supplied::new(),
            &ctx,
        ) else {
            panic!("the jwks_uri is fetched first")
        };
        assert_eq!(needs, [Need::Fetch("https://rp.example/jwks".into())]);
        let mut supplied = Supplied::new();
        supplied.answer(
            needs[0].clone(),
            Answer::Fetched(Some(br#"{"keys":[]}"#.to_vec())),
        );
        let Ok(Ok((_, with_keys))) =
            complete(content.clone(), &client, &g, &[], true, &supplied, &ctx)
        else {
            panic!("complete once fetched")
        };
        assert_eq!(with_keys.jwks.map(|k| k.keys.len()), Some(0));
        // A failed fetch or a body that is no JWK Set: a server error.
        for body in [None, Some(b"nope".to_vec())] {
            let mut supplied = Supplied::new();
            supplied.answer(needs[0].clone(), Answer::Fetched(body));
            assert!(complete(content.clone(), &client, &g, &[], true, &supplied, &ctx).is_err());
        }
    }
}
