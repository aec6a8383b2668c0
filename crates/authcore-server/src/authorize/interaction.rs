//! User interaction as a value: what the authorization endpoint asks of the application
//! ([`Interaction`]) and what the application answers ([`InteractionResult`]).
//!
//! The ticket is a stored record, not a sealed value: the validated request is kept as an
//! [`InteractionRecord`](crate::model::InteractionRecord) under the keyed hash of a random
//! ticket ([`Write::InsertInteraction`](crate::Write::InsertInteraction)), and resuming
//! removes it with a conditional write
//! ([`Write::RemoveInteractionIfPresent`](crate::Write::RemoveInteractionIfPresent)), so a
//! ticket is good for one decision, expires with its record, and carries nothing readable
//! (no encryption key to manage, nothing to decrypt on the way back).

use core::fmt;

use authcore_jose::UnixTime;
use authcore_oauth2::wire::ErrorCode;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Response};
use serde_json::{Value, json};

/// What the application must do before the authorization endpoint can answer: authenticate
/// the user and obtain consent, its own way, then resume the endpoint with the ticket and an
/// [`InteractionResult`].
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Interaction {
    /// The ticket to resume with (a credential: keep it in the user agent's session, bound
    /// to it as a CSRF token is, and resume only for that session, so that nobody can make
    /// another user answer an authorization request they started; `Debug` redacts it).
    pub ticket: String,
    /// The client asking.
    pub client_id: String,
    /// What to ask the user, in order.
    pub prompts: Vec<Prompt>,
    /// `false` for `prompt=none` (OpenID Connect Core §3.1.2.1): the application must not
    /// show any page; it answers from its session, or fails with `login_required`,
    /// `consent_required`, `interaction_required` or `account_selection_required`.
    pub ui_allowed: bool,
    /// When the ticket expires.
    pub expires_at: UnixTime,
    /// `ui_locales` (OpenID Connect Core §3.1.2.1): the end-user's preferred languages for
    /// the pages, as BCP 47 tags in order of preference. A hint: the pages may use another.
    pub ui_locales: Vec<String>,
    /// `display` (Core §3.1.2.1): how the pages should be shown.
    pub display: Option<Display>,
}

impl Interaction {
    /// An interaction with no OpenID Connect page hints (`ui_locales`, `display`).
    pub(crate) fn new(
        ticket: String,
        client_id: String,
        prompts: Vec<Prompt>,
        ui_allowed: bool,
        expires_at: UnixTime,
    ) -> Self {
        Interaction {
            ticket,
            client_id,
            prompts,
            ui_allowed,
            expires_at,
            ui_locales: Vec::new(),
            display: None,
        }
    }
}

/// How the authentication and consent pages should be shown (OpenID Connect Core
/// §3.1.2.1 `display`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Display {
    /// `page`: a full user-agent page (the default).
    Page,
    /// `popup`: a popup window.
    Popup,
    /// `touch`: a device with a touch interface.
    Touch,
    /// `wap`: a "feature phone" type display.
    Wap,
}

impl Display {
    /// Every value Core §3.1.2.1 defines.
    pub const ALL: [Display; 4] = [Display::Page, Display::Popup, Display::Touch, Display::Wap];

    /// The parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            Display::Page => "page",
            Display::Popup => "popup",
            Display::Touch => "touch",
            Display::Wap => "wap",
        }
    }

    /// Parses a parameter value; `None` for anything Core §3.1.2.1 does not define.
    pub fn parse(s: &str) -> Option<Self> {
        Display::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

impl fmt::Debug for Interaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interaction")
            .field("ticket", &"[REDACTED]")
            .field("client_id", &self.client_id)
            .field("prompts", &self.prompts)
            .field("ui_allowed", &self.ui_allowed)
            .field("expires_at", &self.expires_at)
            .field("ui_locales", &self.ui_locales)
            .field("display", &self.display)
            .finish()
    }
}

/// One thing the application asks the user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Prompt {
    /// Authenticate the user. Without `required`, an existing session whose authentication is
    /// recent enough for `max_age` (and of the user `id_token_hint_subject` names, if set)
    /// will do.
    #[non_exhaustive]
    Login {
        /// `prompt=login`: authenticate again even with a session (OpenID Connect Core
        /// §3.1.2.1); the approval's `auth_time` must then be later than the request.
        required: bool,
        /// `max_age`, seconds: the authentication must be at most this old.
        max_age: Option<u64>,
        /// `login_hint`: who the client thinks the user is.
        login_hint: Option<String>,
        /// The `sub` of a verified `id_token_hint`, as the client sees it (public or pairwise;
        /// compare a session's user with
        /// [`hint_matches_session`](crate::oidc::hint::hint_matches_session)): the approval
        /// must be for this end-user, else the request ends in `login_required` (Core
        /// §3.1.2.1). A session of another user does not do: log the hinted user in.
        id_token_hint_subject: Option<String>,
        /// `acr_values`, in order of preference (Core §3.1.2.1): voluntary.
        acr_values: Vec<String>,
        /// The essential `acr` values of the `claims` parameter (Core §5.5.1.1): the
        /// approval's `acr` must be one of them, else the request ends in
        /// `unmet_authentication_requirements`.
        essential_acr: Vec<String>,
    },
    /// `prompt=select_account`: let the user choose among accounts.
    SelectAccount,
    /// Obtain the user's consent to the client's access.
    Consent {
        /// `prompt=consent`: ask again even if consent was given before.
        required: bool,
        /// The scope tokens requested (the user may grant fewer).
        scopes: Vec<String>,
        /// The resources requested (RFC 8707; the user may grant fewer).
        resources: Vec<String>,
    },
}

/// The error of a request whose essential `acr` (OpenID Connect Core §5.5.1.1) the
/// authentication did not reach (OpenID Connect Core Error Code
/// unmet_authentication_requirements 1.0 §2).
pub const UNMET_AUTHENTICATION_REQUIREMENTS: &str = "unmet_authentication_requirements";

/// The application's answer to an [`Interaction`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InteractionResult {
    /// The user is authenticated and granted access.
    Approved(Approval),
    /// The user refused: `access_denied` (RFC 6749 §4.1.2.1).
    Denied,
    /// The interaction could not happen (with `prompt=none`, say): one of `login_required`,
    /// `consent_required`, `interaction_required`, `account_selection_required` (OpenID
    /// Connect Core §3.1.2.6), sent to the client as the error.
    Failed(ErrorCode),
}

/// A user's authentication and consent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Approval {
    /// The authenticated user (`sub`).
    pub subject: String,
    /// When the user last authenticated (checked against `max_age` and `prompt=login`).
    pub auth_time: UnixTime,
    /// The authentication context class reached, when known.
    pub acr: Option<String>,
    /// The authentication methods used (`amr`).
    pub amr: Vec<String>,
    /// The provider login session's `sid`, when the user is signed in to one.
    pub sid: Option<String>,
    /// The scope tokens granted: the requested ones or fewer.
    pub scopes: Vec<String>,
    /// The resources granted: the requested ones or fewer.
    pub resources: Vec<String>,
    /// Whether the user consented in this interaction or an earlier consent covered the
    /// request (the adapter keeps consents and says which).
    pub consent: ConsentSource,
}

/// Where the consent of an [`Approval`] comes from. It decides two rules of OpenID Connect
/// Core: `prompt=consent` needs a consent given now (§3.1.2.1), and `offline_access` is
/// granted only with `prompt=consent` or an existing consent (§11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConsentSource {
    /// The user answered the consent page in this interaction (the default).
    #[default]
    GivenNow,
    /// The application skipped the consent page because a stored consent of this user to
    /// this client covers what is asked.
    Existing,
}

impl Approval {
    /// The user `subject`, authenticated at `auth_time`, granting `scopes` and `resources`.
    pub fn new(
        subject: impl Into<String>,
        auth_time: UnixTime,
        scopes: Vec<String>,
        resources: Vec<String>,
    ) -> Self {
        Approval {
            subject: subject.into(),
            auth_time,
            acr: None,
            amr: Vec::new(),
            sid: None,
            scopes,
            resources,
            consent: ConsentSource::GivenNow,
        }
    }

    /// The user of the provider login `session` granting `scopes` and `resources`: the
    /// session's subject, `auth_time`, `acr`, `amr` and `sid` (OpenID Connect Core §2) go
    /// into the grant and the ID tokens issued under it.
    pub fn from_session(
        session: &crate::oidc::OpSession,
        scopes: Vec<String>,
        resources: Vec<String>,
    ) -> Self {
        Approval {
            subject: session.subject.clone(),
            auth_time: session.auth_time,
            acr: session.acr.clone(),
            amr: session.amr.clone(),
            sid: Some(session.sid.clone()),
            scopes,
            resources,
            consent: ConsentSource::GivenNow,
        }
    }

    /// With the authentication context class reached.
    pub fn with_acr(mut self, acr: impl Into<String>) -> Self {
        self.acr = Some(acr.into());
        self
    }

    /// With the authentication methods used (`amr`, RFC 8176 values).
    pub fn with_amr<I: IntoIterator<Item = S>, S: Into<String>>(mut self, amr: I) -> Self {
        self.amr = amr.into_iter().map(Into::into).collect();
        self
    }

    /// Says that no consent page was shown: a stored consent covered the request
    /// ([`ConsentSource::Existing`]).
    pub fn with_existing_consent(mut self) -> Self {
        self.consent = ConsentSource::Existing;
        self
    }
}

impl Interaction {
    /// The interaction as a JSON document (`200`, `Cache-Control: no-store`) for an
    /// application whose login and consent pages fetch it: `ticket`, `client_id`, `prompts`,
    /// `ui_allowed`, `expires_at`, `ui_locales`, `display`.
    pub fn to_http_response(&self) -> Response<Vec<u8>> {
        let prompts: Vec<Value> = self
            .prompts
            .iter()
            .map(|p| match p {
                Prompt::Login {
                    required,
                    max_age,
                    login_hint,
                    id_token_hint_subject,
                    acr_values,
                    essential_acr,
                } => json!({
                    "type": "login", "required": required,
                    "max_age": max_age, "login_hint": login_hint,
                    "id_token_hint_subject": id_token_hint_subject,
                    "acr_values": acr_values, "essential_acr": essential_acr,
                }),
                Prompt::SelectAccount => json!({"type": "select_account"}),
                Prompt::Consent {
                    required,
                    scopes,
                    resources,
                } => json!({
                    "type": "consent", "required": required,
                    "scopes": scopes, "resources": resources,
                }),
            })
            .collect();
        let body = json!({
            "ticket": self.ticket,
            "client_id": self.client_id,
            "prompts": prompts,
            "ui_allowed": self.ui_allowed,
            "expires_at": self.expires_at.as_secs(),
            "ui_locales": self.ui_locales,
            "display": self.display.map(Display::as_str),
        });
        let mut resp = Response::new(body.to_string().into_bytes());
        resp.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        resp.headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

/// What the login prompt of a request carries besides `prompt=login` (OpenID Connect Core
/// §3.1.2.1, §5.5.1.1).
#[derive(Debug, Clone, Default)]
pub(crate) struct LoginDetails {
    pub(crate) max_age: Option<u64>,
    pub(crate) login_hint: Option<String>,
    pub(crate) id_token_hint_subject: Option<String>,
    pub(crate) acr_values: Vec<String>,
    pub(crate) essential_acr: Vec<String>,
}

/// The prompts for a validated request: always a login (the server does not know the
/// application's sessions), an account choice when asked, and consent for what was requested.
pub(crate) fn prompts_for(
    prompt: &[String],
    login: LoginDetails,
    scopes: &[String],
    resources: &[String],
) -> Vec<Prompt> {
    let has = |v: &str| prompt.iter().any(|p| p == v);
    let mut out = vec![Prompt::Login {
        required: has("login"),
        max_age: login.max_age,
        login_hint: login.login_hint,
        id_token_hint_subject: login.id_token_hint_subject,
        acr_values: login.acr_values,
        essential_acr: login.essential_acr,
    }];
    if has("select_account") {
        out.push(Prompt::SelectAccount);
    }
    out.push(Prompt::Consent {
        required: has("consent"),
        scopes: scopes.to_vec(),
        resources: resources.to_vec(),
    });
    out
}

/// Whether `code` is one an interaction may fail with (OpenID Connect Core §3.1.2.6; and
/// `unmet_authentication_requirements` of OpenID Connect Core Error Code
/// unmet_authentication_requirements 1.0, for an application that cannot reach the
/// essential `acr` asked for).
pub(crate) fn is_interaction_error(code: &ErrorCode) -> bool {
    matches!(
        code.as_str(),
        "login_required"
            | "consent_required"
            | "interaction_required"
            | "account_selection_required"
            | UNMET_AUTHENTICATION_REQUIREMENTS
    ) || *code == ErrorCode::AccessDenied
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_follow_the_request() {
        let p = prompts_for(
            &["login".into(), "select_account".into()],
            LoginDetails {
                max_age: Some(60),
                login_hint: Some("alice".into()),
                ..LoginDetails::default()
            },
            &["read".into()],
            &[],
        );
        assert_eq!(p.len(), 3);
        assert_eq!(
            p[0],
            Prompt::Login {
                required: true,
                max_age: Some(60),
                login_hint: Some("alice".into()),
                id_token_hint_subject: None,
                acr_values: vec![],
                essential_acr: vec![],
            }
        );
        assert_eq!(p[1], Prompt::SelectAccount);
        assert!(
            matches!(&p[2], Prompt::Consent { required: false, scopes, .. } if scopes == &["read"])
        );
    }

    #[test]
    fn debug_redacts_the_ticket_and_json_carries_it() {
        let mut i = Interaction::new(
            "acit_t1.secret".into(),
            "c".into(),
            prompts_for(&[], LoginDetails::default(), &[], &[]),
            true,
            UnixTime::from_secs(10),
        );
        i.display = Some(Display::Popup);
        i.ui_locales = vec!["fr-CA".into(), "en".into()];
        assert!(!format!("{i:?}").contains("secret"));
        let resp = i.to_http_response();
        let v: Value = serde_json::from_slice(resp.body()).unwrap();
        assert_eq!(v["ticket"], "acit_t1.secret");
        assert_eq!(v["prompts"][0]["type"], "login");
        assert_eq!(v["display"], "popup");
        assert_eq!(v["ui_locales"], json!(["fr-CA", "en"]));
        assert_eq!(resp.headers()[CACHE_CONTROL], "no-store");
    }

    #[test]
    fn display_values_are_the_four_of_core() {
        for d in Display::ALL {
            assert_eq!(Display::parse(d.as_str()), Some(d));
        }
        for bad in ["", "Page", "mobile", "page "] {
            assert_eq!(Display::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn only_interaction_errors_may_end_an_interaction() {
        assert!(is_interaction_error(&ErrorCode::parse("login_required")));
        assert!(is_interaction_error(&ErrorCode::AccessDenied));
        assert!(is_interaction_error(&ErrorCode::parse(
            UNMET_AUTHENTICATION_REQUIREMENTS
        )));
        assert!(!is_interaction_error(&ErrorCode::InvalidClient));
        assert!(!is_interaction_error(&ErrorCode::ServerError));
    }
}
