//! The UserInfo endpoint (OpenID Connect Core 1.0 §5.3): the claims about the end-user an
//! access token was granted, as JSON, or as a signed and/or encrypted JWT when the client
//! registered that (§5.3.2, Registration §2 `userinfo_signed_response_alg`,
//! `userinfo_encrypted_response_alg/enc`).
//!
//! The access token is checked by the resource-server module ([`crate::resource`]): taken
//! from the `Authorization` header (`Bearer`, or `DPoP` with its proof, nonce included when
//! the server demands nonces), from the form body of a POST (RFC 6750 §2.2), from the query
//! only when [`UserInfoSettings::query_token`](crate::config::UserInfoSettings) allows it; it
//! must be one of this server's stored access tokens, active, not restricted to other
//! resource servers (RFC 8707), and grant `openid` (§5.3.1). Refusals are RFC 6750 §3
//! responses with `WWW-Authenticate`.
//!
//! Then, in the crate's Need shape: the client ([`Need::Client`]) and the grant
//! ([`Need::Grant`], for the `claims` request it carries), the end-user's claims
//! ([`Need::Claims`], released by the scopes and the `claims` request's `userinfo` member,
//! [`ClaimsRelease::for_userinfo`]), and the client's `jwks_uri` when the response is
//! encrypted to one of its keys. `sub` is the subject as the client sees it, pairwise when
//! it registered so (§8); §5.3.2 requires it to be the ID token's.

use authcore_jose::JwsAlgorithm;
use http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use http::{Method, Request, Response, StatusCode};
use serde_json::{Map, Value};

use crate::client_auth::ClientCertificate;
use crate::config::{ServerConfig, ServerKeys};
use crate::error::{OAuthError, ServerError};
use crate::model::{ClientRecord, GrantRecord};
use crate::oidc::OPENID_SCOPE;
use crate::oidc::claims::{ClaimsRelease, ClaimsRequest};
use crate::oidc::encryption::{self, EncryptedArtifact};
use crate::resource::{
    AuthorizedAccess, OpaqueTokens, ResourceRequest, ResourceServerConfig, ResourceStep,
    TokenLocations,
};
use crate::step::{Answer, Context, Endpoint, Need, Step, Supplied};

/// The client metadata naming the UserInfo signature algorithm (Registration §2).
pub const SIGNED_RESPONSE_ALG: &str = "userinfo_signed_response_alg";

/// The media type of a signed or encrypted UserInfo response (Core §5.3.2).
pub const JWT_MEDIA_TYPE: &str = "application/jwt";

/// Whether the UserInfo endpoint is offered: configured, at an OpenID provider.
pub fn is_enabled(config: &ServerConfig, keys: &ServerKeys) -> bool {
    config.endpoints.userinfo.is_some() && keys.id_token_signing.is_some()
}

/// The UserInfo endpoint for one request. Drive it like any endpoint ([`Endpoint::step`],
/// [`crate::drive`]).
#[derive(Debug)]
pub struct UserInfoEndpoint<'r> {
    request: &'r Request<Vec<u8>>,
    client_certificate: Option<&'r ClientCertificate>,
}

impl<'r> UserInfoEndpoint<'r> {
    /// The endpoint for `request`, with the client certificate of a mutual-TLS connection
    /// (for certificate-bound tokens, RFC 8705 §3), if any.
    pub fn new(
        request: &'r Request<Vec<u8>>,
        client_certificate: Option<&'r ClientCertificate>,
    ) -> Self {
        UserInfoEndpoint {
            request,
            client_certificate,
        }
    }

    /// The resource-server view of the endpoint: this server's stored tokens, its DPoP
    /// settings and nonces, the token methods the configuration allows.
    fn resource_config(ctx: &Context<'_>, identifier: &str) -> ResourceServerConfig {
        let mut rs = ResourceServerConfig::new(
            identifier,
            ctx.config.issuer.clone(),
            OpaqueTokens::Stored(ctx.keys.token_hashing.clone()),
        );
        // Only this server's own (stored) access tokens: JWT access tokens are issued for
        // the resource servers they name, not for the provider.
        rs.jwt = None;
        rs.locations = TokenLocations {
            form_body: true,
            uri_query: ctx.config.userinfo.query_token,
        };
        rs.dpop = ctx.config.dpop.clone();
        rs.dpop_nonces = ctx.keys.dpop_nonces.clone();
        rs
    }

    fn decide(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Step {
        let Some(url) = ctx
            .config
            .endpoints
            .userinfo
            .as_ref()
            .filter(|_| is_enabled(ctx.config, ctx.keys))
        else {
            return Step::Respond(status_only(StatusCode::NOT_FOUND));
        };
        // Core §5.3.1: GET and POST.
        if self.request.method() != Method::GET && self.request.method() != Method::POST {
            let mut r = status_only(StatusCode::METHOD_NOT_ALLOWED);
            r.headers_mut()
                .insert(ALLOW, http::HeaderValue::from_static("GET, POST"));
            return Step::Respond(r);
        }
        let rs = Self::resource_config(ctx, url.as_str());
        let required = [OPENID_SCOPE];
        let mut check = ResourceRequest::new(
            &rs,
            &[],
            self.request,
            url.as_str(),
            self.client_certificate,
            &required,
        );
        let access = match check.step(supplied, ctx.now, ctx.keys.provider) {
            ResourceStep::Need(needs) => return Step::Need(needs),
            ResourceStep::Write(writes) => return Step::Write(writes),
            ResourceStep::Deny(response) => return Step::Respond(response),
            ResourceStep::Allow(access) => access,
        };
        let invalid = |description| {
            Step::Respond(check.invalid_token_response(access.scheme, description, ctx.now))
        };
        let (Some(subject), Some(client_id), Some(grant_id)) = (
            access.subject.clone(),
            access.client_id.clone(),
            access.grant_id.clone(),
        ) else {
            return invalid("the access token is invalid");
        };
        let client_need = Need::Client(client_id);
        let (client, grant) = match (
            supplied.get(&client_need),
            supplied.grant_in_force(&grant_id),
        ) {
            (Some(Answer::Client(c)), Ok(g)) => (c, g),
            (_, grant) => {
                return Step::Need(std::iter::once(client_need).chain(grant.err()).collect());
            }
        };
        let (Some(client), Some(grant)) = (client, grant) else {
            return invalid("the access token's grant or client is gone");
        };
        match respond(&access, &subject, client, grant, ctx, supplied) {
            Ok(Ok(response)) => Step::Respond(response),
            Ok(Err(Missing::Needs(needs))) => Step::Need(needs),
            Ok(Err(Missing::Account)) => invalid("the end-user is gone"),
            Err(e) => Step::Respond(e.to_http_response(&ctx.config.issuer)),
        }
    }
}

impl Endpoint for UserInfoEndpoint<'_> {
    fn step(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Step {
        self.decide(ctx, supplied)
    }
}

/// What the response still waits for.
enum Missing {
    Needs(Vec<Need>),
    /// The application has no end-user of the token's subject.
    Account,
}

/// The UserInfo response for an allowed request whose client and grant are known.
fn respond(
    access: &AuthorizedAccess,
    local_subject: &str,
    client: &ClientRecord,
    grant: &GrantRecord,
    ctx: &Context<'_>,
    supplied: &Supplied,
) -> Result<Result<Response<Vec<u8>>, Missing>, OAuthError> {
    let claims_request = ClaimsRequest::from_grant(grant);
    let release = ClaimsRelease::for_userinfo(&access.scopes, claims_request.as_ref());
    let claims_need = Need::Claims {
        subject: local_subject.to_owned(),
        scopes: access.scopes.clone(),
        claims_request,
    };
    let encryption_algs = encryption::registered(client, EncryptedArtifact::UserInfo, ctx)?;
    let mut needs = Vec::new();
    let released = match supplied.get(&claims_need) {
        None => {
            needs.push(claims_need);
            Map::new()
        }
        Some(Answer::Claims(Some(available))) => release.release(available),
        Some(_) => return Ok(Err(Missing::Account)),
    };
    if let Some(need) = encryption::key_need(client, encryption_algs, supplied)? {
        needs.push(need);
    }
    if !needs.is_empty() {
        return Ok(Err(Missing::Needs(needs)));
    }
    // Core §5.3.2: `sub` is always returned, and is the ID token's (public or pairwise).
    let sub = crate::oidc::subject::subject_for(client, local_subject, ctx).map_err(|_| {
        OAuthError::server_error(ServerError::Config(
            "the client's subject identifier cannot be determined",
        ))
    })?;
    let mut body = released;
    body.insert("sub".into(), Value::String(sub));
    let signing = crate::oidc::id_token::registered_signing_algorithm(client, SIGNED_RESPONSE_ALG)?;
    let jwks = encryption::client_keys(client, supplied)?.unwrap_or(None);
    Ok(Ok(response_body(
        body,
        signing,
        client,
        jwks.as_ref(),
        ctx,
    )?))
}

/// The response: JSON (§5.3.2), a JWT signed with `signing` (with `iss` and `aud`, as §5.3.2
/// asks of signed responses), then encrypted when the client registered encryption (nested,
/// `cty` `JWT`), or the JSON encrypted alone when it registered encryption without signing.
fn response_body(
    mut claims: Map<String, Value>,
    signing: Option<JwsAlgorithm>,
    client: &ClientRecord,
    jwks: Option<&authcore_jose::JwkSet>,
    ctx: &Context<'_>,
) -> Result<Response<Vec<u8>>, OAuthError> {
    let (payload, nested) = match signing {
        Some(alg) => {
            claims.insert("iss".into(), ctx.config.issuer.clone().into());
            claims.insert("aud".into(), client.client_id.clone().into());
            let signed = crate::oidc::id_token::sign_for_client(&claims, alg, client, ctx)?;
            (signed.into_bytes(), true)
        }
        None => (Value::Object(claims).to_string().into_bytes(), false),
    };
    let encrypted = encryption::encrypt_for_client(
        &payload,
        nested,
        client,
        EncryptedArtifact::UserInfo,
        jwks,
        ctx,
    )?;
    let (body, media_type) = match encrypted {
        Some(jwe) => (jwe.into_bytes(), JWT_MEDIA_TYPE),
        None if nested => (payload, JWT_MEDIA_TYPE),
        None => (payload, "application/json"),
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(CONTENT_TYPE, media_type)
        // The claims are personal data: no shared cache keeps them (RFC 6750 §5.3 for
        // token-protected responses; RFC 9111 §5.2.2.5).
        .header(CACHE_CONTROL, "no-store")
        .body(body)
        .map_err(|_| OAuthError::server_error(ServerError::Crypto))
}

fn status_only(status: StatusCode) -> Response<Vec<u8>> {
    let mut r = Response::new(Vec::new());
    *r.status_mut() = status;
    r
}

/// The UserInfo members of the discovery document (Discovery §3): `userinfo_endpoint`, the
/// signing algorithms (the provider's active ID token keys, and HS* when clients have
/// secrets, as for ID tokens), the encryption algorithms the crypto provider has, all only
/// when the endpoint is enabled.
pub fn set_userinfo_metadata(
    config: &ServerConfig,
    keys: &ServerKeys,
    metadata: &mut authcore_oidc::ProviderMetadata,
    signing_algs: &[String],
) {
    if !is_enabled(config, keys) {
        return;
    }
    metadata.userinfo_endpoint = config.endpoints.userinfo.as_ref().map(|u| u.to_string());
    metadata.userinfo_signing_alg_values_supported = Some(signing_algs.to_vec());
    let (algs, encs) = encryption::encryption_values(keys.provider);
    metadata.userinfo_encryption_alg_values_supported = Some(algs);
    metadata.userinfo_encryption_enc_values_supported = Some(encs);
}
