//! Records for testing a [`ProviderStore`](crate::ProviderStore) implementation (feature
//! `test-support`): one fixture of each record the core and this adapter store, keyed by a
//! short name, so that every store's tests write the same records.
//!
//! Every record is for the client `client` and the subject `alice` with the scope `openid`,
//! issued at [`NOW`], and fills its optional members (a PKCE challenge, a nonce, a DPoP
//! binding, a resource) so that a store which drops one of them fails its read-back
//! comparison. Tests change a field where they need another value: the records are plain
//! structs.

use authcore_jose::UnixTime;
use authcore_server::model::{
    AuthorizationCodeRecord, CodeChallenge, Confirmation, DeviceCodeRecord, DeviceCodeStatus,
    GrantId, GrantRecord, InteractionRecord, PushedRequestRecord, TokenHash, TokenKind,
    TokenRecord,
};
use authcore_server::oidc::OpSession;

use crate::{AccountRecord, SessionRecord};

/// The time the fixtures are issued at (a fixed instant, as the core never reads a clock).
pub const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);

/// `secs` seconds after [`NOW`].
pub fn later(secs: u64) -> UnixTime {
    NOW.saturating_add(secs)
}

/// The stored handle of the credential `name`: `k1.` (the hashing key id) and the name, the
/// form a store keeps and looks up.
pub fn handle(name: &str) -> TokenHash {
    TokenHash::from_stored(format!("k1.{name}"))
}

/// The grant `id`, created at `created_at`.
pub fn grant(id: &str, created_at: UnixTime) -> GrantRecord {
    GrantRecord::new(
        GrantId(id.into()),
        "client",
        "alice",
        vec!["openid".into()],
        vec![],
        created_at,
    )
}

/// An unused authorization code `name` of `grant`, with an S256 challenge (RFC 7636
/// Appendix B's) and a nonce, expiring at `expires_at`.
pub fn code(name: &str, grant: &str, expires_at: UnixTime) -> AuthorizationCodeRecord {
    AuthorizationCodeRecord {
        handle: handle(name),
        grant_id: GrantId(grant.into()),
        client_id: "client".into(),
        redirect_uri: Some("https://app.example/cb".into()),
        code_challenge: Some(CodeChallenge {
            challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            method: authcore_oauth2::PkceMethod::S256,
        }),
        scopes: vec!["openid".into()],
        resources: vec![],
        dpop_jkt: None,
        nonce: Some("n".into()),
        issued_at: NOW,
        expires_at,
        used: false,
    }
}

/// A live token `name` of `kind` in `grant`, for a resource server and bound to a DPoP key,
/// expiring at `expires_at` (`None`: never).
pub fn token(
    name: &str,
    kind: TokenKind,
    grant: &str,
    expires_at: Option<UnixTime>,
) -> TokenRecord {
    TokenRecord {
        handle: handle(name),
        kind,
        grant_id: GrantId(grant.into()),
        client_id: "client".into(),
        subject: "alice".into(),
        scopes: vec!["openid".into()],
        resources: vec!["https://rs.example".into()],
        cnf: Some(Confirmation {
            jkt: Some("jkt".into()),
            x5t_s256: None,
        }),
        issued_at: NOW,
        expires_at,
        rotated: false,
        revoked: false,
        act: None,
    }
}

/// A pending device code `name` of the client `tv`, whose user code's handle is that of
/// `user-{name}`, expiring at `expires_at`.
pub fn device_code(name: &str, expires_at: UnixTime) -> DeviceCodeRecord {
    DeviceCodeRecord {
        handle: handle(name),
        user_code_handle: handle(&format!("user-{name}")),
        client_id: "tv".into(),
        scopes: vec!["openid".into()],
        resources: vec![],
        issued_at: NOW,
        expires_at,
        interval: 5,
        last_polled_at: None,
        failed_attempts: 0,
        status: DeviceCodeStatus::Pending,
    }
}

/// An unused pushed authorization request `name`, expiring at `expires_at`.
pub fn pushed(name: &str, expires_at: UnixTime) -> PushedRequestRecord {
    PushedRequestRecord {
        handle: handle(name),
        client_id: "client".into(),
        params: vec![("response_type".into(), "code".into())],
        expires_at,
        used: false,
    }
}

/// An interaction `name` waiting for the application, expiring at `expires_at`.
pub fn interaction(name: &str, expires_at: UnixTime) -> InteractionRecord {
    InteractionRecord {
        handle: handle(name),
        client_id: "client".into(),
        params: vec![("scope".into(), "openid".into())],
        created_at: NOW,
        expires_at,
        extra: serde_json::Map::new(),
    }
}

/// alice's login session under the cookie hash `id` with the OpenID session id `sid`,
/// authenticated at [`NOW`] with a password, ending at `expires_at`.
pub fn session(id: &str, sid: &str, expires_at: UnixTime) -> SessionRecord {
    SessionRecord {
        id: id.into(),
        session: OpSession {
            sid: sid.into(),
            subject: "alice".into(),
            auth_time: NOW,
            acr: None,
            amr: vec!["pwd".into()],
            clients: vec!["client".into()],
        },
        expires_at: expires_at.as_secs(),
    }
}

/// The account `subject` signing in as `username`, with an (unverifiable) Argon2id hash and
/// the claim `email` `{username}@example.com`.
pub fn account(subject: &str, username: &str) -> AccountRecord {
    let mut claims = serde_json::Map::new();
    claims.insert("email".into(), format!("{username}@example.com").into());
    AccountRecord {
        subject: subject.into(),
        username: username.into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        claims,
    }
}
