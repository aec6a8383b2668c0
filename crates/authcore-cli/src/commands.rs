//! The commands.

use std::path::Path;

use authcore_jose::crypto::{self, AgreementCurve, CryptoProvider, EncryptionKeyOptions};
use authcore_jose::jwe::{self, JweBuilder, JweOptions};
use authcore_jose::jws::{self, JwsJson, SignatureSpec};
use authcore_jose::{
    Algorithm, DigestAlgorithm, Error, Jwk, JwsAlgorithm, JwsHeader, JwsOptions, JwsSigner,
    KeyType, UnixTime, b64, json, jwt,
};
use serde_json::{Map, Value};

use crate::Failure;
use crate::cli::{
    ClaimsArgs, Cli, Command, DecryptKeyArgs, JweCommand, JweDecryptArgs, JweEncryptArgs,
    JwkCommand, JwkFileArgs, JwkFromPemArgs, JwkGenerateArgs, JwkThumbprintArgs, JwsCommand,
    JwsSignArgs, JwsVerifyArgs, JwtCommand, JwtDecodeArgs, JwtDecryptArgs, JwtSignArgs,
    JwtVerifyArgs, ThumbprintHash,
};
use crate::io::{print_line, read_input, read_stdin, read_token, write_stdout};
use crate::keys::{self, KeyFile};
use crate::oauth::{self, OAuthCommand};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<(), Failure> {
    // No `--provider`: the default provider, which picks the faster backend per algorithm
    // when both are compiled in.
    let provider = match cli.provider {
        None => crypto::default_provider(),
        Some(name) => crypto::provider_by_name(name.library_name())
            .map_err(|e| Failure::usage(e.to_string()))?,
    };
    match cli.command {
        Command::Jws(JwsCommand::Verify(a)) => jws_verify(a, provider),
        Command::Jws(JwsCommand::Sign(a)) => jws_sign(a, provider),
        Command::Jwe(JweCommand::Decrypt(a)) => jwe_decrypt(a, provider),
        Command::Jwe(JweCommand::Encrypt(a)) => jwe_encrypt(a, provider),
        Command::Jwt(JwtCommand::Decode(a)) => jwt_decode(a),
        Command::Jwt(JwtCommand::Verify(a)) => jwt_verify(a, provider),
        Command::Jwt(JwtCommand::Sign(a)) => jwt_sign(a, provider),
        Command::Jwt(JwtCommand::Decrypt(a)) => jwt_decrypt(a, provider),
        Command::Jwk(JwkCommand::Generate(a)) => jwk_generate(a, provider),
        Command::Jwk(JwkCommand::Public(a)) => jwk_public(a),
        Command::Jwk(JwkCommand::Thumbprint(a)) => jwk_thumbprint(a, provider),
        Command::Jwk(JwkCommand::FromPem(a)) => jwk_from_pem(a),
        Command::Oauth2(c) => oauth::run(OAuthCommand::OAuth2(c), provider),
        Command::Oidc(c) => oauth::run(OAuthCommand::Oidc(c), provider),
        Command::Login(a) => oauth::run(OAuthCommand::Login(Box::new(a)), provider),
        Command::Oauth1(c) => crate::oauth1::run(c, provider),
        Command::Serve(a) => crate::serve::run::serve(a),
        Command::User(c) => crate::serve::user(c),
        Command::Client(c) => crate::serve::client(c),
        Command::Keys(c) => crate::serve::keys(c),
        Command::Migrate(a) => crate::serve::migrate(a),
        Command::Demo(a) => crate::serve::demo::demo(a),
    }
}

/// A token that failed: exit status 1 with the library's reason.
fn reject(e: Error) -> Failure {
    Failure::rejected(e.to_string())
}

/// Stdin can feed only one input per command.
fn at_most_one_stdin(inputs: &[(&str, bool)]) -> Result<(), Failure> {
    let names: Vec<&str> = inputs
        .iter()
        .filter(|(_, is)| *is)
        .map(|(n, _)| *n)
        .collect();
    if names.len() > 1 {
        return Err(Failure::usage(format!(
            "only one input can be read from stdin (`-`), not {}",
            names.join(" and ")
        )));
    }
    Ok(())
}

fn is_stdin(p: &Path) -> bool {
    p.as_os_str() == "-"
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

fn jws_verify(a: JwsVerifyArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    at_most_one_stdin(&[
        ("the key", is_stdin(&a.keys.key)),
        ("the token", a.token == "-"),
        (
            "the detached payload",
            a.detached.as_deref().is_some_and(is_stdin),
        ),
    ])?;
    let keys = keys::verifying_keys(keys::load(&a.keys.key)?, &a.keys.algs, provider)?;
    let detached = a
        .detached
        .as_deref()
        .map(|p| read_input(p, "payload file"))
        .transpose()?;
    let token = read_token(&a.token)?;
    let options = JwsOptions::default();
    let payload = if token.starts_with('{') {
        let parsed = JwsJson::parse(token.as_bytes(), &options).map_err(reject)?;
        match (&parsed.payload, detached) {
            (None, None) => {
                return Err(Failure::usage(
                    "the JWS has no `payload` member: give the payload with --detached FILE",
                ));
            }
            (_, Some(p)) => {
                parsed
                    .verify_detached(&p, &keys, &options)
                    .map_err(reject)?
                    .payload
            }
            (Some(_), None) => parsed.verify(&keys, &options).map_err(reject)?.payload,
        }
    } else {
        match detached {
            Some(p) => {
                jws::verify_detached(&token, &p, &keys, &options).map_err(reject)?;
                p
            }
            None => {
                jws::verify_compact(&token, &keys, &options)
                    .map_err(reject)?
                    .payload
            }
        }
    };
    write_stdout(&payload)
}

/// Builds the protected header: `--header` members, then `alg`, `kid` and `typ`, which must not
/// contradict members `--header` already set.
fn build_header(
    alg: JwsAlgorithm,
    extra: Option<&str>,
    kid: Option<&str>,
    typ: Option<&str>,
    default_typ: Option<&str>,
) -> Result<JwsHeader, Failure> {
    let mut map = match extra {
        Some(text) => json::parse_object(text.as_bytes())
            .map_err(|e| Failure::usage(format!("--header: {e}")))?,
        None => Map::new(),
    };
    for (name, value) in [("alg", Some(alg.name())), ("kid", kid), ("typ", typ)] {
        let Some(value) = value else { continue };
        match map.get(name) {
            Some(Value::String(s)) if s == value => {}
            Some(other) => {
                return Err(Failure::usage(format!(
                    "--header sets `{name}` to {other}, which contradicts `{value}`"
                )));
            }
            None => {
                map.insert(name.to_owned(), value.into());
            }
        }
    }
    if let Some(t) = default_typ {
        map.entry("typ").or_insert_with(|| t.into());
    }
    JwsHeader::from_map(map).map_err(|e| Failure::usage(format!("--header: {e}")))
}

fn jws_sign(a: JwsSignArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    let k = &a.key;
    at_most_one_stdin(&[("the key", is_stdin(&k.key)), ("the payload", true)])?;
    let key = keys::signing_key(&k.key, k.alg, k.kid.as_deref(), provider)?;
    let alg = JwsSigner::algorithm(&key);
    let header = build_header(alg, k.header.as_deref(), k.kid.as_deref(), None, None)?;
    let payload = read_stdin("payload from")?;
    let unencoded = !header.payload_is_encoded();
    let signed = if a.json {
        if unencoded {
            return Err(Failure::usage(
                "`b64: false` is supported with compact --detached output only",
            ));
        }
        let spec = SignatureSpec {
            protected: header,
            unprotected: Map::new(),
            signer: &key,
        };
        jws::sign_json(&payload, &[spec], true, a.detached).map(|v| v.to_string())
    } else if a.detached {
        jws::sign_compact_detached(&header, &payload, &key, unencoded)
    } else {
        if unencoded {
            return Err(Failure::usage("`b64: false` needs --detached"));
        }
        jws::sign_compact(&header, &payload, &key)
    };
    print_line(&signed.map_err(|e| Failure::usage(format!("cannot sign: {e}")))?)
}

fn jwt_decode(a: JwtDecodeArgs) -> Result<(), Failure> {
    let token = read_token(&a.token)?;
    // Deliberately not the library's header parser: decoding is for looking at tokens the
    // verifier would refuse too (`alg: none`, unknown algorithms), so only the JSON and
    // base64url layers are checked.
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err(Failure::rejected(format!(
            "a compact JWT has 3 dot-separated parts, this has {}",
            parts.len()
        )));
    };
    let object = |part: &str, what: &str| {
        let bytes = b64::decode(part).map_err(|e| Failure::rejected(format!("{what}: {e}")))?;
        json::parse_object(&bytes).map_err(|e| Failure::rejected(format!("{what}: {e}")))
    };
    let header = object(header, "header")?;
    let claims = object(payload, "claims")?;
    b64::decode(signature).map_err(|e| Failure::rejected(format!("signature: {e}")))?;
    let indent = |v: Map<String, Value>| pretty(&Value::Object(v)).replace('\n', "\n  ");
    let out = format!(
        "{{\n  \"header\": {},\n  \"claims\": {},\n  \"verified\": false\n}}",
        indent(header),
        indent(claims)
    );
    eprintln!("authcore: warning: decoded only; the signature and the claims were NOT verified");
    print_line(&out)
}

/// The claims checks and the time to check them at.
fn validation(c: ClaimsArgs) -> Result<(jwt::Validation, UnixTime), Failure> {
    let now = crate::io::now(c.now)?;
    let mut validation = jwt::Validation::new().leeway(c.leeway);
    for iss in c.issuers {
        validation = validation.issuer(iss);
    }
    for aud in c.audiences {
        validation = validation.audience(aud);
    }
    if let Some(sub) = c.sub {
        validation = validation.subject(sub);
    }
    if let Some(typ) = c.typ {
        validation = validation.typ(typ);
    }
    if let Some(max_age) = c.max_age {
        validation = validation.max_age(max_age);
    }
    Ok((validation, now))
}

fn jwt_verify(a: JwtVerifyArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    at_most_one_stdin(&[
        ("the key", is_stdin(&a.keys.key)),
        ("the token", a.token == "-"),
    ])?;
    let keys = keys::verifying_keys(keys::load(&a.keys.key)?, &a.keys.algs, provider)?;
    let token = read_token(&a.token)?;
    let (validation, now) = validation(a.claims)?;
    let verified = jwt::verify(&token, &keys, &validation, now).map_err(reject)?;
    let claims = json::parse_value(&verified.payload).map_err(reject)?;
    print_line(&pretty(&claims))
}

/// The decryption options the command line asks for.
fn jwe_options(k: &DecryptKeyArgs) -> JweOptions {
    if k.legacy_rsa1_5 {
        JweOptions::default().with_legacy_rsa1_5()
    } else {
        JweOptions::default()
    }
}

fn jwe_decrypt(a: JweDecryptArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    at_most_one_stdin(&[
        ("the key", is_stdin(&a.keys.key)),
        ("the token", a.token == "-"),
    ])?;
    let keys = keys::decryption_keys(
        keys::load(&a.keys.key)?,
        &a.keys.algs,
        &a.keys.encs,
        provider,
    )?;
    let token = read_token(&a.token)?;
    let decrypted = jwe::decrypt(&token, &keys, &jwe_options(&a.keys)).map_err(reject)?;
    write_stdout(&decrypted.plaintext)
}

fn jwe_encrypt(a: JweEncryptArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    at_most_one_stdin(&[("the key", is_stdin(&a.key)), ("the plaintext", true)])?;
    let key = keys::encryption_key(&a.key, a.alg, a.kid.as_deref(), provider)?;
    let mut plaintext = read_stdin("plaintext from")?;
    let mut builder = JweBuilder::new(a.enc).recipient(&key);
    if let Some(cty) = a.cty {
        if cty.eq_ignore_ascii_case("JWT") {
            // A compact JWT has no whitespace (RFC 7515 §7.1): the newline `jwt sign` ends its
            // line with is not part of the nested token.
            plaintext = plaintext.trim_ascii().to_vec();
        }
        builder = builder.cty(cty);
    }
    if a.zip {
        builder = builder.compress();
    }
    let rng = provider.system_random();
    let token = if a.json {
        builder.encrypt_flattened(&plaintext, rng)
    } else {
        builder.encrypt_compact(&plaintext, rng)
    };
    print_line(
        &token.map_err(|e| {
            Failure::usage(format!("cannot encrypt: {e}{}", keys::hint(&e, provider)))
        })?,
    )
}

fn jwt_decrypt(a: JwtDecryptArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    at_most_one_stdin(&[
        ("the key", is_stdin(&a.keys.key)),
        (
            "the verification key",
            a.verify_key.as_deref().is_some_and(is_stdin),
        ),
        ("the token", a.token == "-"),
    ])?;
    let keys = keys::decryption_keys(
        keys::load(&a.keys.key)?,
        &a.keys.algs,
        &a.keys.encs,
        provider,
    )?;
    let verifying = match &a.verify_key {
        Some(path) => Some(keys::verifying_keys(
            keys::load(path)?,
            &a.verify_algs,
            provider,
        )?),
        None => None,
    };
    let token = read_token(&a.token)?;
    let options = jwe_options(&a.keys);
    let Some(verifying) = verifying else {
        // RFC 7519 §5.2: a nested JWT says so with `cty`; checked here as `decrypt_and_verify`
        // does, so both paths accept the same tokens.
        let decrypted = jwe::decrypt_compact(&token, &keys, &options).map_err(reject)?;
        if !decrypted.header.cty_is_jwt() {
            return Err(Failure::rejected(
                "the JWE header has no `cty: JWT`: it does not hold a nested JWT (RFC 7519 §5.2)",
            ));
        }
        let inner = String::from_utf8(decrypted.plaintext)
            .map_err(|_| Failure::rejected("the nested JWT is not UTF-8"))?;
        eprintln!("authcore: warning: decrypted only; the inner JWT was NOT verified");
        return print_line(inner.trim());
    };
    let (validation, now) = validation(a.claims)?;
    let verified = jwt::decrypt_and_verify(&token, &keys, &options, &verifying, &validation, now)
        .map_err(reject)?;
    let claims = json::parse_value(&verified.inner.payload).map_err(reject)?;
    print_line(&pretty(&claims))
}

fn jwt_sign(a: JwtSignArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    let k = &a.key;
    at_most_one_stdin(&[("the key", is_stdin(&k.key)), ("the claims", true)])?;
    let key = keys::signing_key(&k.key, k.alg, k.kid.as_deref(), provider)?;
    let alg = JwsSigner::algorithm(&key);
    let header = build_header(
        alg,
        k.header.as_deref(),
        k.kid.as_deref(),
        a.typ.as_deref(),
        Some("JWT"),
    )?;
    let input = read_stdin("claims from")?;
    let bad_claims = |e: Error| Failure::usage(format!("claims on stdin: {e}"));
    let mut claims = json::parse_object(&input).map_err(bad_claims)?;
    // Registered claims of the wrong type would make a token every verifier rejects.
    jwt::Claims::from_json(&input).map_err(bad_claims)?;
    if let Some(secs) = a.exp_in {
        let now = crate::io::now(a.now)?;
        claims.insert("iat".into(), now.as_secs().into());
        claims.insert("exp".into(), now.saturating_add(secs).as_secs().into());
    }
    let token = jwt::encode(&header, &Value::Object(claims), &key)
        .map_err(|e| Failure::usage(format!("cannot sign: {e}")))?;
    print_line(&token)
}

fn jwk_generate(a: JwkGenerateArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    let rng = provider.system_random();
    let generated = match a.alg {
        Algorithm::KeyManagement(alg) => {
            let mut options = EncryptionKeyOptions::default();
            if let Some(crv) = &a.crv {
                options = options.with_curve(agreement_curve(crv)?);
            }
            if let Some(enc) = a.enc {
                options = options.with_enc(enc);
            }
            Jwk::generate_for_encryption(alg, &options, provider, rng)
        }
        alg => {
            if a.crv.is_some() || a.enc.is_some() {
                return Err(Failure::usage(format!(
                    "--crv and --enc are for JWE key management algorithms, not {}",
                    alg.name()
                )));
            }
            Jwk::generate(alg, provider, rng)
        }
    };
    let mut jwk = generated.map_err(|e| {
        Failure::usage(format!(
            "cannot generate a {} key: {e}{}",
            a.alg.name(),
            keys::hint(&e, provider)
        ))
    })?;
    jwk.kid = Some(a.kid.unwrap_or_else(|| jwk.thumbprint_sha256(provider)));
    print_line(&pretty(&Value::Object(jwk.to_map())))
}

/// The ECDH-ES curve named by `--crv` (its registered `crv` name).
fn agreement_curve(name: &str) -> Result<AgreementCurve, Failure> {
    use AgreementCurve::*;
    let curves = [P256, P384, P521, X25519, X448];
    curves
        .into_iter()
        .find(|c| c.name() == name)
        .ok_or_else(|| {
            let names: Vec<&str> = curves.iter().map(|c| c.name()).collect();
            Failure::usage(format!(
                "unknown curve `{name}` (expected one of {})",
                names.join(", ")
            ))
        })
}

fn public_jwk(jwk: &Jwk, which: &str) -> Result<Jwk, Failure> {
    if jwk.key_type() == KeyType::Oct {
        return Err(Failure::usage(format!(
            "{which} is symmetric (oct) and has no public part"
        )));
    }
    jwk.to_public()
        .map_err(|e| Failure::usage(format!("{which}: {e}")))
}

fn jwk_public(a: JwkFileArgs) -> Result<(), Failure> {
    let out = match keys::load(&a.file)? {
        KeyFile::Single(jwk) => Value::Object(public_jwk(&jwk, "the key")?.to_map()),
        KeyFile::Set(set) => {
            if set.skipped > 0 {
                eprintln!(
                    "authcore: warning: {} key(s) of an unsupported type were left out",
                    set.skipped
                );
            }
            let mut keys = Vec::with_capacity(set.keys.len());
            for (i, jwk) in set.keys.iter().enumerate() {
                keys.push(Value::Object(
                    public_jwk(jwk, &format!("key #{i} of the set"))?.to_map(),
                ));
            }
            let mut m = set.extra;
            m.insert("keys".into(), Value::Array(keys));
            Value::Object(m)
        }
    };
    print_line(&pretty(&out))
}

fn jwk_thumbprint(a: JwkThumbprintArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    let jwk = keys::load_single(&a.file)?;
    let hash = match a.hash {
        ThumbprintHash::Sha256 => DigestAlgorithm::Sha256,
        ThumbprintHash::Sha384 => DigestAlgorithm::Sha384,
        ThumbprintHash::Sha512 => DigestAlgorithm::Sha512,
    };
    print_line(&b64::encode(jwk.thumbprint(provider, hash)))
}

fn jwk_from_pem(a: JwkFromPemArgs) -> Result<(), Failure> {
    let bytes = read_input(&a.file, "PEM file")?;
    let text = std::str::from_utf8(&bytes)
        .ok()
        .filter(|t| t.trim_start().starts_with("-----BEGIN"))
        .ok_or_else(|| Failure::usage(format!("{} is not a PEM file", a.file.display())))?;
    let mut jwk = keys::from_pem(text)
        .map_err(|e| Failure::usage(format!("PEM file {}: {e}", a.file.display())))?;
    if let Some(alg) = a.alg {
        jwk.check_fits(alg)
            .map_err(|e| Failure::usage(e.to_string()))?;
        jwk.alg = Some(alg.name().to_owned());
    }
    if let Some(kid) = a.kid {
        jwk.kid = Some(kid);
    }
    print_line(&pretty(&Value::Object(jwk.to_map())))
}
