//! Authorization server metadata (RFC 8414 §2, §3), generated from the [`ServerConfig`], so
//! it advertises exactly what the endpoints do: an endpoint that is not configured is absent,
//! a grant that is off is not listed.

use authcore_oauth2::wire::AuthorizationServerMetadata;

use crate::client_auth::assertion_algorithms;
use crate::config::ServerConfig;
use crate::dpop::DpopVerifier;
use crate::model::ClientAuthMethod;
use crate::token::grants::supported_grant_types;

fn strings<I: IntoIterator<Item = S>, S: Into<String>>(it: I) -> Option<Vec<String>> {
    let v: Vec<String> = it.into_iter().map(Into::into).collect();
    (!v.is_empty()).then_some(v)
}

/// The metadata document for `config`.
pub fn metadata(config: &ServerConfig) -> AuthorizationServerMetadata {
    let e = &config.endpoints;
    let url = |u: &Option<url::Url>| u.as_ref().map(|u| u.as_str().to_owned());
    let mut m = AuthorizationServerMetadata::new(config.issuer.clone());
    m.authorization_endpoint = url(&e.authorization);
    m.token_endpoint = Some(e.token.as_str().to_owned());
    m.jwks_uri = url(&e.jwks);
    m.revocation_endpoint = url(&e.revocation);
    m.introspection_endpoint = url(&e.introspection);
    m.device_authorization_endpoint = url(&e.device_authorization);
    m.pushed_authorization_request_endpoint = url(&e.pushed_authorization_request);
    // RFC 8414 §2: advertised only when dynamic registration (RFC 7591) is offered.
    m.registration_endpoint = url(&e.registration);
    m.require_pushed_authorization_requests =
        e.pushed_authorization_request.is_some() && config.require_pushed_authorization_requests;
    m.scopes_supported = strings(config.scopes_supported.iter().cloned());
    if e.authorization.is_some() {
        // The OpenID Connect response types are added by the provider's discovery document,
        // which knows whether there are ID token keys.
        m.response_types_supported = strings(
            crate::authorize::supported_response_types(config, false)
                .into_iter()
                .map(|rt| rt.as_str()),
        );
        m.response_modes_supported = strings(
            crate::authorize::RESPONSE_MODES
                .iter()
                .map(|m| m.as_str().to_owned()),
        );
        // RFC 9207: every authorization response carries `iss`.
        m.authorization_response_iss_parameter_supported = true;
        // RFC 9101 §10.5: the authorization endpoint verifies signed request objects.
        m.request_object_signing_alg_values_supported = strings(
            crate::jar::request_object_algorithms(config)
                .iter()
                .map(|a| a.name()),
        );
        m.code_challenge_methods_supported = strings(config.pkce.methods().map(|m| m.as_str()));
    }
    let mut grants = supported_grant_types(config);
    if e.authorization.is_none() {
        grants.retain(|g| *g != "authorization_code");
    }
    if e.authorization.is_some() && config.legacy.implicit_grant {
        grants.push("implicit");
    }
    m.grant_types_supported = strings(grants);
    m.token_endpoint_auth_methods_supported = strings(
        ClientAuthMethod::ALL
            .into_iter()
            .filter(|a| config.client_auth_methods.contains(a))
            .map(ClientAuthMethod::as_str),
    );
    // What the token endpoint verifies client assertions with, for the enabled methods only.
    m.token_endpoint_auth_signing_alg_values_supported = strings(
        config
            .client_assertion_algorithms
            .iter()
            .filter(|a| {
                config
                    .client_auth_methods
                    .iter()
                    .any(|method| assertion_algorithms(config, *method).any(|x| x == **a))
            })
            .map(|a| a.name()),
    );
    // RFC 9449 §5.1: the proof algorithms the verifier accepts, from the verifier itself.
    m.dpop_signing_alg_values_supported = strings(
        DpopVerifier::new(&config.dpop)
            .announced_algs()
            .map(|a| a.name()),
    );
    m.tls_client_certificate_bound_access_tokens = true;
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TokenExchangeRule;
    use authcore_jose::JwsAlgorithm;

    #[test]
    fn metadata_follows_the_configuration() {
        let mut c = ServerConfig::new("https://as.example").unwrap();
        let m = metadata(&c);
        assert_eq!(m.issuer, "https://as.example");
        assert_eq!(
            m.token_endpoint.as_deref(),
            Some("https://as.example/token")
        );
        assert_eq!(m.revocation_endpoint, None);
        assert_eq!(m.device_authorization_endpoint, None);
        assert_eq!(m.registration_endpoint, None);
        assert_eq!(m.response_types_supported, Some(vec!["code".to_owned()]));
        assert_eq!(
            m.code_challenge_methods_supported,
            Some(vec!["S256".to_owned()])
        );
        let grants = m.grant_types_supported.unwrap();
        assert_eq!(
            grants,
            ["authorization_code", "refresh_token", "client_credentials"]
        );
        assert!(!m.require_pushed_authorization_requests);

        c.legacy.password_grant = true;
        c.legacy.implicit_grant = true;
        c.pkce.allow_plain = true;
        c.endpoints.device_authorization = Some(c.endpoint("device").unwrap());
        c.endpoints.pushed_authorization_request = Some(c.endpoint("par").unwrap());
        c.endpoints.registration = Some(c.endpoint("register").unwrap());
        c.require_pushed_authorization_requests = true;
        c.token_exchange
            .rules
            .push(TokenExchangeRule::new("c", vec![], vec![]));
        c.client_auth_methods = vec![ClientAuthMethod::ClientSecretBasic];
        let m = metadata(&c);
        let grants = m.grant_types_supported.unwrap();
        for g in [
            "password",
            "implicit",
            "urn:ietf:params:oauth:grant-type:device_code",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ] {
            assert!(grants.iter().any(|x| x == g), "{g}");
        }
        assert!(!grants.iter().any(|x| x.ends_with("jwt-bearer")));
        assert_eq!(
            m.response_types_supported,
            Some(vec!["code".to_owned(), "token".to_owned()])
        );
        assert!(m.require_pushed_authorization_requests);
        assert_eq!(
            m.registration_endpoint.as_deref(),
            Some("https://as.example/register")
        );
        assert_eq!(
            m.token_endpoint_auth_methods_supported,
            Some(vec!["client_secret_basic".to_owned()])
        );
        assert_eq!(m.token_endpoint_auth_signing_alg_values_supported, None);

        c.endpoints.authorization = None;
        let m = metadata(&c);
        assert_eq!(m.response_types_supported, None);
        assert!(
            !m.grant_types_supported
                .unwrap()
                .iter()
                .any(|g| g == "authorization_code" || g == "implicit")
        );
    }

    #[test]
    fn dpop_algorithms_are_the_verifiers_announced_ones() {
        let mut c = ServerConfig::new("https://as.example").unwrap();
        c.dpop.algorithms = vec![
            JwsAlgorithm::HS256,
            JwsAlgorithm::ES256,
            JwsAlgorithm::EdDSA,
        ];
        let m = metadata(&c);
        // HS256 is never a proof algorithm (RFC 9449 §4.2: asymmetric only), so it is not
        // advertised even when configured.
        assert_eq!(
            m.dpop_signing_alg_values_supported,
            Some(vec!["ES256".to_owned(), "EdDSA".to_owned()])
        );
        let announced: Vec<String> = DpopVerifier::new(&c.dpop)
            .announced_algs()
            .map(|a| a.name().to_owned())
            .collect();
        assert_eq!(m.dpop_signing_alg_values_supported, Some(announced));
        c.dpop.algorithms = vec![JwsAlgorithm::HS256];
        assert_eq!(metadata(&c).dpop_signing_alg_values_supported, None);
    }

    #[test]
    fn assertion_algorithms_follow_the_enabled_methods() {
        let mut c = ServerConfig::new("https://as.example").unwrap();
        c.client_assertion_algorithms = vec![JwsAlgorithm::HS256, JwsAlgorithm::ES256];
        let advertised =
            |c: &ServerConfig| metadata(c).token_endpoint_auth_signing_alg_values_supported;
        assert_eq!(
            advertised(&c),
            Some(vec!["HS256".to_owned(), "ES256".to_owned()])
        );
        // private_key_jwt only: HMAC assertions would be refused, so HS256 is not offered.
        c.client_auth_methods = vec![ClientAuthMethod::PrivateKeyJwt];
        assert_eq!(advertised(&c), Some(vec!["ES256".to_owned()]));
        c.client_auth_methods = vec![ClientAuthMethod::ClientSecretJwt];
        assert_eq!(advertised(&c), Some(vec!["HS256".to_owned()]));
        c.client_auth_methods = vec![ClientAuthMethod::ClientSecretBasic];
        assert_eq!(advertised(&c), None);
    }

    #[test]
    fn response_modes_and_pkce_methods_are_the_enforced_ones() {
        let mut c = ServerConfig::new("https://as.example").unwrap();
        let m = metadata(&c);
        assert_eq!(
            m.response_modes_supported,
            Some(vec![
                "query".to_owned(),
                "fragment".to_owned(),
                "form_post".to_owned()
            ])
        );
        assert_eq!(
            m.code_challenge_methods_supported,
            Some(vec!["S256".to_owned()])
        );
        assert!(!c.pkce.allows(authcore_oauth2::PkceMethod::Plain));
        c.pkce.allow_plain = true;
        assert!(c.pkce.allows(authcore_oauth2::PkceMethod::Plain));
        assert_eq!(
            metadata(&c).code_challenge_methods_supported,
            Some(vec!["S256".to_owned(), "plain".to_owned()])
        );
    }
}
