//! The OpenID Connect parameters of an authorization request (OpenID Connect Core 1.0
//! §3.1.2.1, §3.2.2.1, §3.3.2.1, §5.5, §11): checked with the rest of the request, and
//! enforced on the application's approval when the interaction resumes.

use authcore_jose::UnixTime;
use authcore_oauth2::wire::{AuthorizationRequestParams, ErrorCode, ResponseType};
use serde_json::Value;

use super::checks::{Refusal, refuse};
use super::interaction::{Approval, ConsentSource, Display, UNMET_AUTHENTICATION_REQUIREMENTS};
use crate::model::ClientRecord;
use crate::oidc::claims::ClaimsRequest;
use crate::oidc::{OPENID_SCOPE, apply_offline_access_rule};
use crate::step::Context;

/// The member of [`InteractionRecord::extra`](crate::model::InteractionRecord::extra)
/// keeping the `sub` of the request's verified `id_token_hint` until the interaction
/// resumes (the hint itself may expire meanwhile).
pub(crate) const HINT_SUBJECT: &str = "id_token_hint_sub";

/// What the OpenID Connect parameters of a checked request ask of the interaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OpenIdRequest {
    /// `display`.
    pub(crate) display: Option<Display>,
    /// The essential `acr` values of the `claims` parameter (§5.5.1.1).
    pub(crate) essential_acr: Vec<String>,
}

/// Checks the OpenID Connect parameters that need no data: a response type that returns an
/// ID token or belongs to the hybrid flow is an OpenID Connect request, so `scope` must hold
/// `openid` (Core §3.2.2.1, §3.3.2.1) and `nonce` is required (§3.2.2.1 for the implicit
/// flow; §3.3.2.11 makes its ID token claim required in the hybrid flow, so the request
/// must carry one); `display` is one of the four values of §3.1.2.1; `claims` is a valid
/// §5.5 request.
pub(crate) fn check_openid_parameters(
    params: &AuthorizationRequestParams,
    scopes: &[String],
) -> Result<OpenIdRequest, Refusal> {
    let rt = params.response_type;
    if !matches!(rt, ResponseType::Code | ResponseType::Token) {
        if !scopes.iter().any(|s| s == OPENID_SCOPE) {
            return Err(refuse(
                ErrorCode::InvalidRequest,
                "this response_type is OpenID Connect's: scope must include openid",
            ));
        }
        if params.nonce.is_none() {
            return Err(refuse(
                ErrorCode::InvalidRequest,
                "nonce is required in the implicit and hybrid flows",
            ));
        }
    }
    let display = match params.display.as_deref() {
        None => None,
        Some(d) => Some(Display::parse(d).ok_or_else(|| {
            refuse(
                ErrorCode::InvalidRequest,
                "display must be page, popup, touch or wap",
            )
        })?),
    };
    let essential_acr = match &params.claims {
        None => Vec::new(),
        Some(claims) => {
            let text = Value::Object(claims.clone()).to_string();
            let request =
                ClaimsRequest::parse(&text).map_err(|e| refuse(ErrorCode::InvalidRequest, e.0))?;
            request
                .essential_acr_values()
                .into_iter()
                .map(str::to_owned)
                .collect()
        }
    };
    Ok(OpenIdRequest {
        display,
        essential_acr,
    })
}

/// What the resumed interaction knows besides the approval: when the request came in and the
/// subject of its `id_token_hint`.
pub(crate) struct Resumed<'a> {
    pub(crate) params: &'a AuthorizationRequestParams,
    pub(crate) openid: &'a OpenIdRequest,
    pub(crate) requested_at: UnixTime,
    pub(crate) hint_subject: Option<&'a str>,
    pub(crate) client: &'a ClientRecord,
}

/// Enforces the request's OpenID Connect parameters on `approval`; the scopes to grant.
///
/// - `max_age` (Core §3.1.2.1): an authentication older than that is refused
///   (`login_required`): the application must have re-authenticated the end-user;
/// - `prompt=login` (§3.1.2.1): the authentication must be later than the request;
/// - `id_token_hint` (§3.1.2.1): the approval must be for the end-user the hint names,
///   else `login_required` (with `prompt=none`, the session's user is another one; with UI,
///   the application logged in someone else);
/// - an essential `acr` (§5.5.1.1): the approval's `acr` must be one of the values asked,
///   else the authentication failed: `unmet_authentication_requirements` (OpenID Connect
///   Core Error Code unmet_authentication_requirements 1.0 §2);
/// - `prompt=consent` (§3.1.2.1): the user must have consented now, not by an earlier
///   consent (`consent_required`);
/// - `offline_access` (§11): kept only with `prompt=consent` or an existing consent.
pub(crate) fn enforce_on_approval(
    resumed: &Resumed<'_>,
    approval: &Approval,
    ctx: &Context<'_>,
) -> Result<Vec<String>, Refusal> {
    let params = resumed.params;
    let login_required = || ErrorCode::Extension("login_required".into());
    let has_prompt = |v: &str| params.prompt.iter().any(|p| p == v);
    if let Some(max_age) = params.max_age {
        if approval.auth_time.saturating_add(max_age) < ctx.now {
            return Err(refuse(
                login_required(),
                "the authentication is older than max_age",
            ));
        }
    }
    if has_prompt("login") && approval.auth_time < resumed.requested_at {
        return Err(refuse(
            login_required(),
            "prompt=login needs an authentication after the request",
        ));
    }
    if let Some(expected) = resumed.hint_subject {
        let matches = crate::oidc::subject::subject_for(resumed.client, &approval.subject, ctx)
            .is_ok_and(|s| s == expected);
        if !matches {
            return Err(refuse(
                login_required(),
                "the end-user is not the one id_token_hint names",
            ));
        }
    }
    let essential = &resumed.openid.essential_acr;
    if !essential.is_empty()
        && !approval
            .acr
            .as_ref()
            .is_some_and(|acr| essential.iter().any(|e| e == acr))
    {
        return Err(refuse(
            ErrorCode::Extension(UNMET_AUTHENTICATION_REQUIREMENTS.into()),
            "the authentication did not reach an essential acr value",
        ));
    }
    if has_prompt("consent") && approval.consent == ConsentSource::Existing {
        return Err(refuse(
            ErrorCode::Extension("consent_required".into()),
            "prompt=consent needs the user's consent in this interaction",
        ));
    }
    let mut scopes = approval.scopes.clone();
    apply_offline_access_rule(
        &mut scopes,
        &params.prompt,
        params.response_type.returns_code(),
        Some(approval.consent),
    );
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ServerConfig, ServerKeys};
    use authcore_jose::InsecureTestRandom;

    fn params(query: &str) -> AuthorizationRequestParams {
        AuthorizationRequestParams::parse(query.as_bytes()).unwrap()
    }

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn implicit_and_hybrid_requests_need_openid_and_a_nonce() {
        for rt in [
            "id_token",
            "id_token%20token",
            "code%20id_token",
            "code%20token",
        ] {
            let ok = params(&format!("response_type={rt}&client_id=c&nonce=n"));
            assert!(
                check_openid_parameters(&ok, &v(&["openid"])).is_ok(),
                "{rt}"
            );
            let e = check_openid_parameters(&ok, &v(&["read"])).unwrap_err();
            assert_eq!(e.error, ErrorCode::InvalidRequest, "{rt}");
            let no_nonce = params(&format!("response_type={rt}&client_id=c"));
            let e = check_openid_parameters(&no_nonce, &v(&["openid"])).unwrap_err();
            assert_eq!(
                e.description,
                "nonce is required in the implicit and hybrid flows"
            );
        }
        // The code flow: nonce optional (§3.1.2.1).
        assert!(
            check_openid_parameters(&params("response_type=code&client_id=c"), &v(&["openid"]))
                .is_ok()
        );
    }

    #[test]
    fn display_and_claims_are_validated() {
        let p = params("response_type=code&client_id=c&display=popup");
        assert_eq!(
            check_openid_parameters(&p, &[]).unwrap().display,
            Some(Display::Popup)
        );
        let bad = params("response_type=code&client_id=c&display=fullscreen");
        assert_eq!(
            check_openid_parameters(&bad, &[]).unwrap_err().error,
            ErrorCode::InvalidRequest
        );
        let claims = params(
            "response_type=code&client_id=c&claims=%7B%22id_token%22%3A%7B%22acr%22%3A%7B%22essential%22%3Atrue%2C%22values%22%3A%5B%22urn%3Ax%3Amfa%22%5D%7D%7D%7D",
        );
        assert_eq!(
            check_openid_parameters(&claims, &[]).unwrap().essential_acr,
            ["urn:x:mfa"]
        );
        let bad_claims =
            params("response_type=code&client_id=c&claims=%7B%22id_token%22%3A%5B%5D%7D");
        assert_eq!(
            check_openid_parameters(&bad_claims, &[]).unwrap_err().error,
            ErrorCode::InvalidRequest
        );
    }

    struct Fixture {
        config: ServerConfig,
        keys: ServerKeys,
        rng: InsecureTestRandom,
        client: ClientRecord,
    }

    fn fixture() -> Fixture {
        let rng = InsecureTestRandom::new(5);
        Fixture {
            config: ServerConfig::new("https://op.example").unwrap(),
            keys: ServerKeys::generate(authcore_jose::crypto::default_provider(), &rng).unwrap(),
            rng,
            client: ClientRecord::new("c", crate::model::ClientAuthMethod::None),
        }
    }

    const T: u64 = 1_000_000;

    fn enforce(
        f: &Fixture,
        query: &str,
        openid: &OpenIdRequest,
        hint: Option<&str>,
        approval: &Approval,
    ) -> Result<Vec<String>, Refusal> {
        let p = params(query);
        let ctx = Context::new(&f.config, &f.keys, UnixTime::from_secs(T), &f.rng);
        enforce_on_approval(
            &Resumed {
                params: &p,
                openid,
                requested_at: UnixTime::from_secs(T - 10),
                hint_subject: hint,
                client: &f.client,
            },
            approval,
            &ctx,
        )
    }

    fn approval(auth_time: u64) -> Approval {
        Approval::new(
            "alice",
            UnixTime::from_secs(auth_time),
            v(&["openid", "offline_access"]),
            vec![],
        )
    }

    fn error(r: Result<Vec<String>, Refusal>) -> String {
        r.unwrap_err().error.as_str().to_owned()
    }

    #[test]
    fn each_openid_parameter_is_enforced_on_the_approval() {
        let f = fixture();
        let none = OpenIdRequest::default();
        let q = "response_type=code&client_id=c";
        // max_age: 60 s, authenticated 100 s ago.
        assert_eq!(
            error(enforce(
                &f,
                &format!("{q}&max_age=60"),
                &none,
                None,
                &approval(T - 100)
            )),
            "login_required"
        );
        assert!(
            enforce(
                &f,
                &format!("{q}&max_age=60"),
                &none,
                None,
                &approval(T - 60)
            )
            .is_ok()
        );
        // prompt=login: the authentication must follow the request.
        assert_eq!(
            error(enforce(
                &f,
                &format!("{q}&prompt=login"),
                &none,
                None,
                &approval(T - 11)
            )),
            "login_required"
        );
        assert!(
            enforce(
                &f,
                &format!("{q}&prompt=login"),
                &none,
                None,
                &approval(T - 5)
            )
            .is_ok()
        );
        // id_token_hint: the hinted user only.
        assert_eq!(
            error(enforce(&f, q, &none, Some("bob"), &approval(T))),
            "login_required"
        );
        assert!(enforce(&f, q, &none, Some("alice"), &approval(T)).is_ok());
        // Essential acr.
        let mfa = OpenIdRequest {
            essential_acr: v(&["urn:x:mfa"]),
            ..OpenIdRequest::default()
        };
        assert_eq!(
            error(enforce(&f, q, &mfa, None, &approval(T))),
            UNMET_AUTHENTICATION_REQUIREMENTS
        );
        assert_eq!(
            error(enforce(
                &f,
                q,
                &mfa,
                None,
                &approval(T).with_acr("urn:x:pwd")
            )),
            UNMET_AUTHENTICATION_REQUIREMENTS
        );
        assert!(enforce(&f, q, &mfa, None, &approval(T).with_acr("urn:x:mfa")).is_ok());
        // prompt=consent: not by an earlier consent.
        let consent = format!("{q}&prompt=consent");
        assert_eq!(
            error(enforce(
                &f,
                &consent,
                &none,
                None,
                &approval(T).with_existing_consent()
            )),
            "consent_required"
        );
        assert_eq!(
            enforce(&f, &consent, &none, None, &approval(T)).unwrap(),
            v(&["openid", "offline_access"])
        );
    }

    #[test]
    fn offline_access_needs_prompt_consent_or_an_existing_consent() {
        let f = fixture();
        let none = OpenIdRequest::default();
        let q = "response_type=code&client_id=c";
        assert_eq!(
            enforce(&f, q, &none, None, &approval(T)).unwrap(),
            v(&["openid"])
        );
        assert_eq!(
            enforce(&f, q, &none, None, &approval(T).with_existing_consent()).unwrap(),
            v(&["openid", "offline_access"])
        );
    }
}
