//! The checks of an authorization request that need the client's registration and the
//! server's settings but no other data. Each returns the RFC 6749 §4.1.2.1 error to redirect
//! with when it fails.

use authcore_oauth2::PkceMethod;
use authcore_oauth2::wire::{ErrorCode, ResponseMode, ResponseType};

use crate::model::CodeChallenge;

/// A check that failed: the error code and a description for `error_description`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The error code.
    pub error: ErrorCode,
    /// What is wrong, for `error_description`.
    pub description: &'static str,
}

pub(crate) fn refuse(error: ErrorCode, description: &'static str) -> Refusal {
    Refusal { error, description }
}

/// Whether the server runs `response_type` at all: `code` always; `token` (the implicit
/// grant, which RFC 9700 §2.1.2 says not to use) only behind the legacy setting; the OpenID
/// Connect ones only on an OpenID provider (`provider`: it has ID token keys), `id_token` and
/// `code id_token` always there, and those that return an access token in the front channel
/// (`id_token token`, `code token`, `code id_token token`) only behind the same legacy
/// setting as `token`, since they carry its risk (RFC 9700 §2.1.2). The one rule for the
/// endpoint, the metadata and discovery.
pub(crate) fn response_type_supported(
    response_type: ResponseType,
    legacy_implicit_enabled: bool,
    provider: bool,
) -> bool {
    match response_type {
        ResponseType::Code => true,
        ResponseType::Token => legacy_implicit_enabled,
        ResponseType::IdToken | ResponseType::CodeIdToken => provider,
        ResponseType::IdTokenToken | ResponseType::CodeToken | ResponseType::CodeIdTokenToken => {
            provider && legacy_implicit_enabled
        }
        // A response type this server does not know yet.
        _ => false,
    }
}

/// Every response type the authorization endpoint of `config` runs, in
/// [`ResponseType::ALL`] order (for `response_types_supported`, RFC 8414 §2 and Discovery
/// §3); `provider`: the server has ID token keys.
pub(crate) fn supported_response_types(
    config: &crate::config::ServerConfig,
    provider: bool,
) -> Vec<ResponseType> {
    ResponseType::ALL
        .into_iter()
        .filter(|rt| response_type_supported(*rt, config.legacy.implicit_grant, provider))
        .collect()
}

/// `response_type`: one the server runs ([`response_type_supported`]) and the client
/// registered.
pub(crate) fn check_response_type(
    response_type: ResponseType,
    client_allows: bool,
    legacy_implicit_enabled: bool,
    provider: bool,
) -> Result<(), Refusal> {
    if !response_type_supported(response_type, legacy_implicit_enabled, provider) {
        return Err(refuse(
            ErrorCode::UnsupportedResponseType,
            "response_type not supported",
        ));
    }
    if !client_allows {
        return Err(refuse(
            ErrorCode::UnauthorizedClient,
            "response_type not registered for this client",
        ));
    }
    Ok(())
}

/// The response modes the authorization endpoint answers in (`response_modes_supported`,
/// RFC 8414 §2): the one list the check below and the metadata both read.
pub(crate) const RESPONSE_MODES: [ResponseMode; 3] = [
    ResponseMode::Query,
    ResponseMode::Fragment,
    ResponseMode::FormPost,
];

/// The response mode of a response: the requested one if it is one of [`RESPONSE_MODES`],
/// else the response type's default. Tokens never go in a query (OAuth 2.0
/// Multiple Response Type Encoding Practices §2.1).
pub(crate) fn choose_response_mode(
    response_type: ResponseType,
    requested: Option<&ResponseMode>,
) -> Result<ResponseMode, Refusal> {
    match requested {
        None => Ok(response_type.default_response_mode()),
        Some(ResponseMode::Query) if response_type.returns_tokens() => Err(refuse(
            ErrorCode::InvalidRequest,
            "tokens are never returned in the query",
        )),
        Some(m) if RESPONSE_MODES.contains(m) => Ok(m.clone()),
        Some(_) => Err(refuse(
            ErrorCode::InvalidRequest,
            "response_mode not supported",
        )),
    }
}

/// The response mode to send an error in before the request is fully understood: the
/// requested mode when it is one this endpoint supports, else the default of the requested
/// response type (`query` when that is unknown too). A `query` request for tokens gets
/// `fragment`, so that no error path puts the response where a success could not go.
pub(crate) fn error_response_mode(
    response_type: Option<&str>,
    response_mode: Option<&str>,
) -> ResponseMode {
    let rt = response_type
        .and_then(ResponseType::parse)
        .unwrap_or(ResponseType::Code);
    let requested = response_mode.map(ResponseMode::parse);
    choose_response_mode(rt, requested.as_ref()).unwrap_or_else(|_| rt.default_response_mode())
}

/// PKCE (RFC 7636; RFC 9700 §2.1.1): required when `required` (the server's default, always
/// for public clients); `S256` only unless `plain` is explicitly allowed, so an attacker
/// cannot downgrade to a challenge equal to the verifier. An absent method means `plain`
/// (RFC 7636 §4.3). The challenge's syntax was checked by the parser.
pub(crate) fn check_pkce(
    challenge: Option<&str>,
    method: Option<PkceMethod>,
    required: bool,
    plain_allowed: bool,
) -> Result<Option<CodeChallenge>, Refusal> {
    let Some(challenge) = challenge else {
        return if required {
            Err(refuse(ErrorCode::InvalidRequest, "code_challenge required"))
        } else {
            Ok(None)
        };
    };
    let method = method.unwrap_or(PkceMethod::Plain);
    if method == PkceMethod::Plain && !plain_allowed {
        return Err(refuse(
            ErrorCode::InvalidRequest,
            "code_challenge_method must be S256",
        ));
    }
    Ok(Some(CodeChallenge {
        challenge: challenge.to_owned(),
        method,
    }))
}

/// `scope` (RFC 6749 §3.3): every requested scope must be one the client may ask for. An empty
/// request gets the client's default scopes.
pub(crate) fn check_scope(
    requested: &[String],
    allowed: &[String],
    default: &[String],
) -> Result<Vec<String>, Refusal> {
    if requested.is_empty() {
        return Ok(default.to_vec());
    }
    if requested.iter().all(|s| allowed.contains(s)) {
        let mut out: Vec<String> = Vec::with_capacity(requested.len());
        for s in requested {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
        Ok(out)
    } else {
        Err(refuse(
            ErrorCode::InvalidScope,
            "scope not allowed for this client",
        ))
    }
}

/// `resource` (RFC 8707 §2): each indicator must name a resource server this server knows and
/// the client may use; anything else is `invalid_target`.
pub(crate) fn check_resources(
    requested: &[String],
    known: impl Fn(&str) -> bool,
    client_allows: impl Fn(&str) -> bool,
) -> Result<Vec<String>, Refusal> {
    for r in requested {
        if !known(r) || !client_allows(r) {
            return Err(refuse(
                ErrorCode::InvalidTarget,
                "resource not known or not allowed for this client",
            ));
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(requested.len());
    for r in requested {
        if !out.contains(r) {
            out.push(r.clone());
        }
    }
    Ok(out)
}

/// `prompt` (OpenID Connect Core §3.1.2.1): the registered values, and `none` alone.
pub(crate) fn check_prompt(prompt: &[String]) -> Result<(), Refusal> {
    for p in prompt {
        if !matches!(
            p.as_str(),
            "none" | "login" | "consent" | "select_account" | "create"
        ) {
            return Err(refuse(ErrorCode::InvalidRequest, "prompt value unknown"));
        }
    }
    if prompt.len() > 1 && prompt.iter().any(|p| p == "none") {
        return Err(refuse(
            ErrorCode::InvalidRequest,
            "prompt none with other values",
        ));
    }
    Ok(())
}

/// `dpop_jkt` (RFC 9449 §10): a base64url SHA-256 JWK thumbprint, 43 characters.
pub(crate) fn check_dpop_jkt(jkt: Option<&str>) -> Result<(), Refusal> {
    match jkt {
        Some(j)
            if j.len() != 43
                || !j
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Err(refuse(
                ErrorCode::InvalidRequest,
                "dpop_jkt is not a SHA-256 JWK thumbprint",
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(list: &[&str]) -> Vec<String> {
        list.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn response_type_code_only_unless_legacy() {
        assert!(check_response_type(ResponseType::Code, true, false, false).is_ok());
        assert_eq!(
            check_response_type(ResponseType::Token, true, false, false)
                .unwrap_err()
                .error,
            ErrorCode::UnsupportedResponseType
        );
        assert!(check_response_type(ResponseType::Token, true, true, false).is_ok());
        assert_eq!(
            check_response_type(ResponseType::Token, false, true, false)
                .unwrap_err()
                .error,
            ErrorCode::UnauthorizedClient
        );
        assert_eq!(
            check_response_type(ResponseType::CodeIdToken, true, true, false)
                .unwrap_err()
                .error,
            ErrorCode::UnsupportedResponseType
        );
    }

    #[test]
    fn openid_response_types_need_a_provider_and_front_channel_tokens_the_legacy_setting() {
        for rt in [ResponseType::IdToken, ResponseType::CodeIdToken] {
            assert!(!response_type_supported(rt, true, false), "{rt}");
            assert!(response_type_supported(rt, false, true), "{rt}");
            assert_eq!(
                check_response_type(rt, false, false, true)
                    .unwrap_err()
                    .error,
                ErrorCode::UnauthorizedClient
            );
        }
        for rt in [
            ResponseType::IdTokenToken,
            ResponseType::CodeToken,
            ResponseType::CodeIdTokenToken,
        ] {
            assert!(!response_type_supported(rt, false, true), "{rt}");
            assert!(!response_type_supported(rt, true, false), "{rt}");
            assert!(response_type_supported(rt, true, true), "{rt}");
            assert_eq!(
                check_response_type(rt, true, false, true)
                    .unwrap_err()
                    .error,
                ErrorCode::UnsupportedResponseType
            );
        }
        // Core §5 / Multiple Response Types §5: never a query for any of them.
        for rt in ResponseType::ALL
            .into_iter()
            .filter(|rt| *rt != ResponseType::Code)
        {
            assert!(
                choose_response_mode(rt, Some(&ResponseMode::Query)).is_err(),
                "{rt}"
            );
            assert_eq!(choose_response_mode(rt, None), Ok(ResponseMode::Fragment));
            assert_eq!(
                choose_response_mode(rt, Some(&ResponseMode::FormPost)),
                Ok(ResponseMode::FormPost)
            );
        }
    }

    #[test]
    fn response_modes() {
        assert_eq!(
            choose_response_mode(ResponseType::Code, None),
            Ok(ResponseMode::Query)
        );
        assert_eq!(
            choose_response_mode(ResponseType::Token, None),
            Ok(ResponseMode::Fragment)
        );
        assert_eq!(
            choose_response_mode(ResponseType::Code, Some(&ResponseMode::FormPost)),
            Ok(ResponseMode::FormPost)
        );
        assert!(choose_response_mode(ResponseType::Token, Some(&ResponseMode::Query)).is_err());
        assert!(
            choose_response_mode(ResponseType::Code, Some(&ResponseMode::Other("jwt".into())))
                .is_err()
        );
        assert_eq!(
            error_response_mode(Some("token"), Some("query")),
            ResponseMode::Fragment
        );
        assert_eq!(
            error_response_mode(Some("nonsense"), Some("bogus")),
            ResponseMode::Query
        );
        assert_eq!(
            error_response_mode(None, Some("form_post")),
            ResponseMode::FormPost
        );
    }

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn pkce_required_and_no_downgrade() {
        assert_eq!(
            check_pkce(None, None, true, false).unwrap_err().description,
            "code_challenge required"
        );
        assert_eq!(check_pkce(None, None, false, false), Ok(None));
        // RFC 9700 §4.8: plain (explicit or by omission) only when allowed.
        assert!(check_pkce(Some(CHALLENGE), None, true, false).is_err());
        assert!(check_pkce(Some(CHALLENGE), Some(PkceMethod::Plain), true, false).is_err());
        assert_eq!(
            check_pkce(Some(CHALLENGE), None, true, true)
                .unwrap()
                .unwrap()
                .method,
            PkceMethod::Plain
        );
        assert_eq!(
            check_pkce(Some(CHALLENGE), Some(PkceMethod::S256), true, false)
                .unwrap()
                .unwrap()
                .method,
            PkceMethod::S256
        );
    }

    #[test]
    fn scopes_and_resources() {
        let allowed = s(&["read", "write"]);
        assert_eq!(
            check_scope(&s(&["read", "read"]), &allowed, &[]),
            Ok(s(&["read"]))
        );
        assert_eq!(check_scope(&[], &allowed, &s(&["read"])), Ok(s(&["read"])));
        assert_eq!(
            check_scope(&s(&["read", "admin"]), &allowed, &[])
                .unwrap_err()
                .error,
            ErrorCode::InvalidScope
        );
        let known = |r: &str| r == "https://rs.example/" || r == "https://other.example/";
        let client = |r: &str| r == "https://rs.example/";
        assert_eq!(
            check_resources(&s(&["https://rs.example/"]), known, client),
            Ok(s(&["https://rs.example/"]))
        );
        for bad in ["https://other.example/", "https://unknown.example/"] {
            assert_eq!(
                check_resources(&s(&[bad]), known, client)
                    .unwrap_err()
                    .error,
                ErrorCode::InvalidTarget
            );
        }
    }

    #[test]
    fn prompt_and_dpop_jkt() {
        assert!(check_prompt(&s(&["login", "consent"])).is_ok());
        assert!(check_prompt(&s(&["none"])).is_ok());
        assert!(check_prompt(&s(&["none", "login"])).is_err());
        assert!(check_prompt(&s(&["maybe"])).is_err());
        assert!(check_dpop_jkt(None).is_ok());
        assert!(check_dpop_jkt(Some(CHALLENGE)).is_ok());
        assert!(check_dpop_jkt(Some("short")).is_err());
        assert!(check_dpop_jkt(Some(&CHALLENGE.replace('-', "+"))).is_err());
    }
}
