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
#[derive(Debug, Clone, PartialEq, Default)]
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
#[derive(Debug, Clone, PartialEq, Default)]
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

    proptest::proptest! {
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
