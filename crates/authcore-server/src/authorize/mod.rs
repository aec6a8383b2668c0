//! The authorization endpoint (RFC 6749 §3.1, §4.1; RFC 9700 §2.1, §4.1–§4.5, §4.11): the
//! front channel of the authorization server.
//!
//! [`AuthorizationEndpoint`] reads the request (query or form; repeated parameters refused;
//! a request object, RFC 9101, or a pushed request, RFC 9126, in place of the parameters),
//! asks for the client, and checks it: the redirect URI by exact string match (loopback port
//! flexibility for native clients only, RFC 8252 §7.3), `response_type` (`code`; `token` only
//! behind [`LegacySettings::implicit_grant`](crate::config::LegacySettings); on an OpenID
//! provider the implicit and hybrid ones, below), `response_mode` (`query`, `fragment`,
//! `form_post`; never `query` for a response that carries a token), PKCE (required; `S256`
//! unless `plain` is allowed), `scope`, `resource` (RFC 8707), `prompt`, `dpop_jkt`. An
//! invalid client or redirect URI is shown to the user ([`error_page`]); every other error is
//! redirected with `error`, `error_description`, `state` and `iss` (RFC 9207).
//!
//! On an OpenID provider (ID token keys set), for clients that registered them:
//! - the implicit flow (`id_token`, `id_token token`, OpenID Connect Core §3.2) and the hybrid
//!   flow (`code id_token`, `code token`, `code id_token token`, §3.3). Those that return an
//!   access token in the front channel also need the legacy implicit setting: it is the one
//!   switch for front-channel access tokens (RFC 9700 §2.1.2). `openid` and `nonce` are
//!   required; the response goes in the fragment by default, or `form_post`. The ID token
//!   carries `at_hash`, `c_hash` and (with
//!   [`OpenIdSettings::state_hash`](crate::config::OpenIdSettings)) `s_hash`; a hybrid code
//!   redeems at the token endpoint for an ID token of the same `sub`, `nonce` and session;
//! - the OpenID Connect request parameters (§3.1.2.1, §5.5, §11): `display` (one of `page`,
//!   `popup`, `touch`, `wap`) and `ui_locales` go to the [`Interaction`]; [`Prompt::Login`]
//!   carries `max_age`, `login_hint`, `acr_values`, the essential `acr` of `claims` and the
//!   subject of a verified `id_token_hint` (a hint of another client is refused); the
//!   approval must then meet them: a recent enough authentication (`max_age`), one after the
//!   request (`prompt=login`), the hinted end-user (else `login_required`), an essential
//!   `acr` (else [`UNMET_AUTHENTICATION_REQUIREMENTS`]), a consent given now for
//!   `prompt=consent` (else `consent_required`; [`Approval::consent`] says where the consent
//!   came from), and `offline_access` is granted only with `prompt=consent` or an existing
//!   consent.
//!
//! A valid request becomes an [`Interaction`]: the application logs the user in and asks
//! for consent its own way, then resumes with an [`InteractionResult`]. The interaction is
//! a stored record under a random ticket (not a sealed value: nothing to decrypt, and the
//! conditional [`Write::RemoveInteractionIfPresent`](crate::Write::RemoveInteractionIfPresent)
//! makes a ticket good for one answer). Approval issues the grant and the authorization code
//! (256 bits, stored as its keyed hash, single use, `lifetimes.authorization_code`, bound to
//! the client, redirect URI, PKCE challenge, scope, resources, `dpop_jkt` and grant).
//!
//! ```
//! use authcore_jose::{InsecureTestRandom, UnixTime, crypto};
//! use authcore_server::authorize::{Approval, AuthorizationEndpoint, InteractionResult};
//! use authcore_server::model::{ClientAuthMethod, ClientRecord};
//! use authcore_server::store::MemoryStore;
//! use authcore_server::{Context, Finished, ServerConfig, ServerKeys, drive_to_finish};
//!
//! let rng = InsecureTestRandom::new(7); // an application passes its system RNG
//! let config = ServerConfig::new("https://as.example")?;
//! let keys = ServerKeys::generate(crypto::default_provider(), &rng)?;
//! let store = MemoryStore::new();
//! let mut app = ClientRecord::new("app", ClientAuthMethod::None);
//! app.redirect_uris = vec!["https://app.example/cb".into()];
//! app.response_types = vec!["code".into()];
//! app.allowed_scopes = vec!["read".into()];
//! store.put_client(app);
//! let now = UnixTime::from_secs(1_700_000_000); // an application reads its clock
//! let ctx = Context::new(&config, &keys, now, &rng);
//!
//! // The user agent arrives with the client's authorization request.
//! let request = http::Request::get(
//!     "https://as.example/authorize?response_type=code&client_id=app\
//!      &redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=read&state=xyz\
//!      &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
//! )
//! .body(Vec::new())?;
//! let mut endpoint = AuthorizationEndpoint::new(request);
//! let Finished::Interact(interaction) = drive_to_finish(&mut endpoint, &ctx, &store, &|_| None)
//! else {
//!     panic!("the request is valid");
//! };
//!
//! // The application logs the user in and asks for consent, then resumes.
//! let approval = Approval::new("alice", now, vec!["read".into()], vec![]);
//! let mut endpoint =
//!     AuthorizationEndpoint::resume(interaction.ticket, InteractionResult::Approved(approval));
//! let Finished::Respond(redirect) = drive_to_finish(&mut endpoint, &ctx, &store, &|_| None)
//! else {
//!     panic!("an approval ends in a redirect");
//! };
//! let location = redirect.headers()["location"].to_str()?;
//! assert!(location.starts_with("https://app.example/cb?code=acac_"));
//! assert!(location.ends_with("&state=xyz&iss=https%3A%2F%2Fas.example"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(test)]
mod broken_issuance_tests;
mod checks;
pub(crate) use checks::RESPONSE_MODES;
mod endpoint;
mod interaction;
mod openid;
mod redirect_uri;
mod request;
pub(crate) mod response;

pub(crate) use checks::supported_response_types;
pub use endpoint::AuthorizationEndpoint;
pub(crate) use endpoint::check_request;
pub use interaction::{
    Approval, ConsentSource, Display, Interaction, InteractionResult, Prompt,
    UNMET_AUTHENTICATION_REQUIREMENTS,
};
pub(crate) use interaction::{LoginDetails, prompts_for};
pub use redirect_uri::match_redirect_uri;
pub(crate) use request::describe;
pub use request::{
    FrontChannelRequest, UnreadableRequest, parse_front_channel, read_front_channel_request,
};
pub use response::{FORM_POST_SCRIPT, FORM_POST_SCRIPT_HASH, ResponseTarget, error_page};
