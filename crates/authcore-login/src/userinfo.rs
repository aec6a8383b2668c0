//! UserInfo claims (OpenID Connect Core §5.3) as JSON, for merging with the ID token's.

use authcore_oidc::{StandardClaims, UserInfo};
use serde_json::{Map, Value};

/// The UserInfo response's claims as a JSON object: `sub`, the standard claims present,
/// every other claim.
pub(crate) fn userinfo_claims(info: &UserInfo) -> Map<String, Value> {
    let mut m = info.extra.clone();
    m.insert("sub".into(), Value::String(info.sub.clone()));
    standard_claims(&info.standard, &mut m);
    m
}

/// Writes the standard claims that are present into `m` (Core §5.1 names).
fn standard_claims(s: &StandardClaims, m: &mut Map<String, Value>) {
    let strings = [
        ("name", &s.name),
        ("given_name", &s.given_name),
        ("family_name", &s.family_name),
        ("middle_name", &s.middle_name),
        ("nickname", &s.nickname),
        ("preferred_username", &s.preferred_username),
        ("profile", &s.profile),
        ("picture", &s.picture),
        ("website", &s.website),
        ("email", &s.email),
        ("gender", &s.gender),
        ("birthdate", &s.birthdate),
        ("zoneinfo", &s.zoneinfo),
        ("locale", &s.locale),
        ("phone_number", &s.phone_number),
    ];
    for (name, value) in strings {
        if let Some(v) = value {
            m.insert(name.into(), Value::String(v.clone()));
        }
    }
    for (name, value) in [
        ("email_verified", s.email_verified),
        ("phone_number_verified", s.phone_number_verified),
    ] {
        if let Some(v) = value {
            m.insert(name.into(), Value::Bool(v));
        }
    }
    if let Some(t) = s.updated_at {
        m.insert("updated_at".into(), Value::from(t));
    }
    if let Some(a) = &s.address {
        let mut address = a.extra.clone();
        for (name, value) in [
            ("formatted", &a.formatted),
            ("street_address", &a.street_address),
            ("locality", &a.locality),
            ("region", &a.region),
            ("postal_code", &a.postal_code),
            ("country", &a.country),
        ] {
            if let Some(v) = value {
                address.insert(name.into(), Value::String(v.clone()));
            }
        }
        m.insert("address".into(), Value::Object(address));
    }
}

/// The claims handlers see: the ID token's, plus UserInfo claims the ID token does not have
/// (the ID token's own values win: they are the signed, validated ones).
pub(crate) fn merged(
    id_token: Map<String, Value>,
    userinfo: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    let mut claims = id_token;
    if let Some(u) = userinfo {
        for (k, v) in u {
            claims.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    claims
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_token_claims_win() {
        let id: Map<String, Value> =
            serde_json::from_str(r#"{"sub":"a","name":"From ID token"}"#).unwrap();
        let ui: Map<String, Value> =
            serde_json::from_str(r#"{"sub":"a","name":"Other","email":"e@x"}"#).unwrap();
        let m = merged(id, Some(&ui));
        assert_eq!(m["name"], "From ID token");
        assert_eq!(m["email"], "e@x");
    }
}
