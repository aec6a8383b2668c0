//! Which claims a request asks for: the scope values of OpenID Connect Core §5.4 and the
//! `claims` request parameter of §5.5.

use serde_json::{Map, Value};

/// The claims each standard scope value asks for (Core §5.4).
pub fn claims_for_scope(scope: &str) -> &'static [&'static str] {
    match scope {
        "profile" => &[
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
        ],
        "email" => &["email", "email_verified"],
        "address" => &["address"],
        "phone" => &["phone_number", "phone_number_verified"],
        _ => &[],
    }
}

/// The claims `scopes` ask for, in scope order, without repeats.
pub fn claims_for_scopes<S: AsRef<str>>(scopes: &[S]) -> Vec<&'static str> {
    let mut out = Vec::new();
    for s in scopes {
        for c in claims_for_scope(s.as_ref()) {
            if !out.contains(c) {
                out.push(*c);
            }
        }
    }
    out
}

/// One requested claim of the `claims` parameter (§5.5.1): `null`, or an object with
/// `essential`, `value` or `values`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct ClaimRequest {
    /// `essential`.
    pub essential: bool,
    /// `value`: the one value asked for.
    pub value: Option<Value>,
    /// `values`: the values asked for, in order of preference.
    pub values: Vec<Value>,
}

/// The `claims` request parameter (§5.5): the claims asked for in the ID token and at the
/// UserInfo endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct ClaimsRequest {
    /// The `id_token` member.
    pub id_token: Vec<(String, ClaimRequest)>,
    /// The `userinfo` member.
    pub userinfo: Vec<(String, ClaimRequest)>,
}

/// Why a `claims` parameter was refused (answered `invalid_request`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidClaimsRequest(pub &'static str);

impl core::fmt::Display for InvalidClaimsRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for InvalidClaimsRequest {}

/// The longest `claims` parameter read.
pub const MAX_CLAIMS_REQUEST_BYTES: usize = 16 * 1024;

impl ClaimsRequest {
    /// Parses the parameter's JSON text strictly (§5.5): an object whose `id_token` and
    /// `userinfo` members, when present, are objects of claim requests (`null` or an object
    /// with a boolean `essential`, any `value`, an array `values`). Other top-level members
    /// are ignored, as §5.5 allows for extensions. Never panics.
    pub fn parse(text: &str) -> Result<Self, InvalidClaimsRequest> {
        if text.len() > MAX_CLAIMS_REQUEST_BYTES {
            return Err(InvalidClaimsRequest("the claims parameter is too large"));
        }
        let Ok(Value::Object(top)) = serde_json::from_str::<Value>(text) else {
            return Err(InvalidClaimsRequest(
                "the claims parameter is not a JSON object",
            ));
        };
        Ok(ClaimsRequest {
            id_token: members(&top, "id_token")?,
            userinfo: members(&top, "userinfo")?,
        })
    }

    /// The form a grant keeps the request's `claims` parameter in
    /// ([`GrantRecord::claims_request`](crate::model::GrantRecord::claims_request)): its JSON
    /// text, `None` without one.
    pub fn grant_text(claims: Option<&Map<String, Value>>) -> Option<String> {
        claims.map(|m| Value::Object(m.clone()).to_string())
    }

    /// The `claims` request a grant kept ([`Self::grant_text`]), `None` without one. A text
    /// that no longer parses asks for nothing beyond the scopes: releasing less is the safe
    /// reading.
    pub fn from_grant(grant: &crate::model::GrantRecord) -> Option<Self> {
        grant
            .claims_request
            .as_deref()
            .and_then(|t| Self::parse(t).ok())
    }

    /// The essential `acr` values asked for the ID token (§5.5.1.1), if any.
    pub fn essential_acr_values(&self) -> Vec<&str> {
        let Some((_, r)) = self.id_token.iter().find(|(n, _)| n == "acr") else {
            return Vec::new();
        };
        if !r.essential {
            return Vec::new();
        }
        r.value
            .iter()
            .chain(r.values.iter())
            .filter_map(Value::as_str)
            .collect()
    }
}

/// The claims the provider sets itself, never taken from the application's answer to
/// [`Need::Claims`](crate::Need::Claims): the ID token's protocol claims (Core §2), the hash
/// claims (§3.1.3.6, §3.3.2.11, FAPI 1.0 Advanced §5.1), the logout claims and the JWT
/// registered claims (RFC 7519 §4.1). A `claims` request naming one of them does not make
/// the application's value released: `acr` and `auth_time` come from the grant.
pub const PROVIDER_SET_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "jti",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "sid",
    "at_hash",
    "c_hash",
    "s_hash",
    "cnf",
    "events",
];

/// What one response (an ID token or a UserInfo response) asks for: the claims the scope
/// values name (§5.4) when they go to this response, and the members of the `claims`
/// parameter for it (§5.5). It decides what is released of the end-user's claims, never
/// more than asked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClaimsRelease {
    by_scope: Vec<&'static str>,
    requested: Vec<(String, ClaimRequest)>,
}

impl ClaimsRelease {
    /// The UserInfo response's release (§5.3.2): the scopes' claims and the `userinfo`
    /// member of the `claims` request.
    pub fn for_userinfo<S: AsRef<str>>(
        scopes: &[S],
        claims_request: Option<&ClaimsRequest>,
    ) -> Self {
        ClaimsRelease {
            by_scope: claims_for_scopes(scopes),
            requested: claims_request
                .map(|r| r.userinfo.clone())
                .unwrap_or_default(),
        }
    }

    /// An ID token's release: the `id_token` member of the `claims` request, and the scopes'
    /// claims only when no access token is issued with the ID token (§5.4: "when no Access
    /// Token is issued (which is the case for the response_type value id_token), the
    /// resulting Claims are returned in the ID Token"; otherwise they are UserInfo's).
    pub fn for_id_token<S: AsRef<str>>(
        scopes: &[S],
        claims_request: Option<&ClaimsRequest>,
        access_token_issued: bool,
    ) -> Self {
        ClaimsRelease {
            by_scope: if access_token_issued {
                Vec::new()
            } else {
                claims_for_scopes(scopes)
            },
            requested: claims_request
                .map(|r| r.id_token.clone())
                .unwrap_or_default(),
        }
    }

    /// Whether nothing the application holds could be released: then the provider does
    /// not ask it ([`Need::Claims`](crate::Need::Claims)) at all.
    pub fn is_empty(&self) -> bool {
        self.by_scope.is_empty()
            && self
                .requested
                .iter()
                .all(|(name, _)| PROVIDER_SET_CLAIMS.contains(&name.as_str()))
    }

    /// The claims of `available` (the application's answer) this response releases: a claim
    /// a scope names, or one the `claims` request names, provided its value is the one
    /// asked when the request has `value` or `values` (§5.5.1: the client asks for the
    /// claim with that value; another value is not what it asked for). The claims the
    /// provider sets itself ([`PROVIDER_SET_CLAIMS`]) are never taken from `available`.
    pub fn release(&self, available: &Map<String, Value>) -> Map<String, Value> {
        let mut out = Map::new();
        for (name, value) in available {
            if PROVIDER_SET_CLAIMS.contains(&name.as_str()) {
                continue;
            }
            let by_scope = self.by_scope.contains(&name.as_str());
            let by_request = self
                .requested
                .iter()
                .any(|(n, r)| n == name && r.admits(value));
            if by_scope || by_request {
                out.insert(name.clone(), value.clone());
            }
        }
        out
    }
}

impl ClaimRequest {
    /// Whether `value` is one this request asks for: any value without `value`/`values`,
    /// else one of them (§5.5.1).
    pub fn admits(&self, value: &Value) -> bool {
        if self.value.is_none() && self.values.is_empty() {
            return true;
        }
        self.value.as_ref() == Some(value) || self.values.contains(value)
    }
}

fn members(
    top: &Map<String, Value>,
    name: &str,
) -> Result<Vec<(String, ClaimRequest)>, InvalidClaimsRequest> {
    let Some(v) = top.get(name) else {
        return Ok(Vec::new());
    };
    let Value::Object(m) = v else {
        return Err(InvalidClaimsRequest(
            "id_token and userinfo must be objects",
        ));
    };
    let mut out = Vec::with_capacity(m.len());
    for (claim, req) in m {
        let r = match req {
            Value::Null => ClaimRequest::default(),
            Value::Object(o) => ClaimRequest {
                essential: match o.get("essential") {
                    None => false,
                    Some(Value::Bool(b)) => *b,
                    Some(_) => return Err(InvalidClaimsRequest("essential must be a boolean")),
                },
                value: o.get("value").cloned(),
                values: match o.get("values") {
                    None => Vec::new(),
                    Some(Value::Array(a)) => a.clone(),
                    Some(_) => return Err(InvalidClaimsRequest("values must be an array")),
                },
            },
            _ => {
                return Err(InvalidClaimsRequest(
                    "a claim request must be null or an object",
                ));
            }
        };
        out.push((claim.clone(), r));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_map_to_the_standard_claims() {
        assert_eq!(
            claims_for_scopes(&["openid", "email", "phone", "email"]),
            [
                "email",
                "email_verified",
                "phone_number",
                "phone_number_verified"
            ]
        );
        assert_eq!(claims_for_scopes(&["address"]), ["address"]);
        assert_eq!(claims_for_scopes(&["profile"]).len(), 14);
        assert!(claims_for_scopes(&["read"]).is_empty());
    }

    #[test]
    fn the_claims_parameter_of_core_5_5_parses() {
        // Core §5.5's example.
        let r = ClaimsRequest::parse(
            r#"{"userinfo":{"given_name":{"essential":true},"nickname":null,
                "email":{"essential":true},"email_verified":{"essential":true},
                "picture":null,"http://example.info/claims/groups":null},
                "id_token":{"auth_time":{"essential":true},
                "acr":{"essential":true,"values":["urn:mace:incommon:iap:silver"]}}}"#,
        )
        .unwrap();
        assert_eq!(r.userinfo.len(), 6);
        assert_eq!(r.id_token.len(), 2);
        assert_eq!(r.essential_acr_values(), ["urn:mace:incommon:iap:silver"]);
        let nick = r.userinfo.iter().find(|(n, _)| n == "nickname").unwrap();
        assert!(!nick.1.essential);
    }

    #[test]
    fn malformed_claims_parameters_are_refused() {
        for bad in [
            "",
            "[]",
            "null",
            r#"{"id_token":[]}"#,
            r#"{"userinfo":{"email":true}}"#,
            r#"{"userinfo":{"email":{"essential":"yes"}}}"#,
            r#"{"id_token":{"acr":{"values":"x"}}}"#,
        ] {
            assert!(ClaimsRequest::parse(bad).is_err(), "{bad}");
        }
        let big = format!(r#"{{"x":"{}"}}"#, "a".repeat(MAX_CLAIMS_REQUEST_BYTES));
        assert!(ClaimsRequest::parse(&big).is_err());
        // A non-essential acr is no essential acr request.
        let r = ClaimsRequest::parse(r#"{"id_token":{"acr":{"values":["a"]}}}"#).unwrap();
        assert!(r.essential_acr_values().is_empty());
    }

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!("an object literal"),
        }
    }

    fn account() -> Map<String, Value> {
        obj(serde_json::json!({
            "name": "Jane Doe", "email": "jane@example.com", "email_verified": true,
            "phone_number": "+1 555", "address": {"country": "NZ"},
            "groups": ["admin"], "sub": "spoofed", "acr": "spoofed", "iss": "spoofed",
        }))
    }

    #[test]
    fn userinfo_releases_the_scopes_and_the_userinfo_member_only() {
        let req = ClaimsRequest::parse(
            r#"{"userinfo":{"groups":null,"sub":null},"id_token":{"phone_number":null}}"#,
        )
        .unwrap();
        let r = ClaimsRelease::for_userinfo(&["openid", "email"], Some(&req));
        assert_eq!(
            r.release(&account()),
            obj(serde_json::json!({
                "email": "jane@example.com", "email_verified": true, "groups": ["admin"],
            }))
        );
        // No scope claims, no request: nothing (and no reason to ask the application).
        let none = ClaimsRelease::for_userinfo(&["openid"], None);
        assert!(none.is_empty());
        assert!(none.release(&account()).is_empty());
        // Asking only for provider-set claims asks the application nothing.
        let req = ClaimsRequest::parse(r#"{"userinfo":{"sub":null,"acr":null}}"#).unwrap();
        assert!(ClaimsRelease::for_userinfo(&["openid"], Some(&req)).is_empty());
    }

    #[test]
    fn id_tokens_carry_scope_claims_only_without_an_access_token() {
        let req = ClaimsRequest::parse(r#"{"id_token":{"name":{"essential":true}}}"#).unwrap();
        let with_token = ClaimsRelease::for_id_token(&["openid", "email"], Some(&req), true);
        assert_eq!(
            with_token.release(&account()),
            obj(serde_json::json!({"name": "Jane Doe"}))
        );
        let without = ClaimsRelease::for_id_token(&["openid", "email"], Some(&req), false);
        assert_eq!(
            without.release(&account()),
            obj(serde_json::json!({
                "name": "Jane Doe", "email": "jane@example.com", "email_verified": true,
            }))
        );
        assert!(ClaimsRelease::for_id_token(&["openid", "email"], None, true).is_empty());
    }

    #[test]
    fn a_value_request_releases_only_a_matching_value() {
        let req = ClaimsRequest::parse(
            r#"{"userinfo":{"email":{"value":"other@example.com"},
                "name":{"values":["X","Jane Doe"]}}}"#,
        )
        .unwrap();
        let r = ClaimsRelease::for_userinfo(&["openid"], Some(&req));
        assert_eq!(
            r.release(&account()),
            obj(serde_json::json!({"name": "Jane Doe"}))
        );
    }

    proptest::proptest! {
        /// Whatever the request and the application's answer, the release is a subset of
        /// the answer, holds no provider-set claim, and each member is asked by a scope or
        /// by name.
        #[test]
        fn the_release_never_exceeds_what_is_asked(
            scopes in proptest::collection::vec("(openid|email|profile|phone|address|read)", 0..4),
            asked in proptest::collection::vec("(email|name|groups|sub|acr|nonce|x)", 0..4),
            held in proptest::collection::vec(("(email|name|groups|sub|acr|nonce|x|phone_number)", 0u8..3), 0..8),
            to_id_token in proptest::bool::ANY,
        ) {
            let mut member = Map::new();
            for a in &asked {
                member.insert(a.clone(), Value::Null);
            }
            let mut top = Map::new();
            top.insert(if to_id_token { "id_token" } else { "userinfo" }.into(), Value::Object(member));
            let request = ClaimsRequest::parse(&Value::Object(top).to_string()).unwrap();
            let release = if to_id_token {
                ClaimsRelease::for_id_token(&scopes, Some(&request), false)
            } else {
                ClaimsRelease::for_userinfo(&scopes, Some(&request))
            };
            let available: Map<String, Value> =
                held.into_iter().map(|(k, v)| (k, Value::from(v))).collect();
            let out = release.release(&available);
            for (k, v) in &out {
                proptest::prop_assert_eq!(available.get(k), Some(v));
                proptest::prop_assert!(!PROVIDER_SET_CLAIMS.contains(&k.as_str()));
                proptest::prop_assert!(
                    asked.contains(k) || claims_for_scopes(&scopes).contains(&k.as_str())
                );
            }
        }

        #[test]
        fn the_claims_parser_never_panics(s in ".{0,200}") {
            let _ = ClaimsRequest::parse(&s);
        }

        #[test]
        fn claims_parser_handles_json_shapes(s in r#"\{("(id_token|userinfo)":\{("[a-z]{1,4}":(null|\{"essential":(true|false|1)\}|\[\]|\{"values":\[("x"|1)?\]\}),?){0,3}\},?){0,2}\}"#) {
            let _ = ClaimsRequest::parse(&s);
        }
    }
}
