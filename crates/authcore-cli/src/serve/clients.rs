//! Clients in the store: the configured ones upserted at start, and `authcore client add`.

use authcore_hyper::{Provider, ProviderStore};
use authcore_jose::{SecretBytes, SecureRandom, UnixTime};
use authcore_server::model::ClientRecord;
use authcore_server::registration::RegistrationEndpoint;
use authcore_server::{Answer, Context, Need, ServerConfig};
use serde_json::{Map, Value};

use super::config::{self, ClientSection, ConfiguredClient, SecretSource};
use super::users::store_failure;
use crate::Failure;
use crate::serve::args::ClientAddArgs;

/// The stored record of `client_id`, if any.
async fn stored(
    store: &dyn ProviderStore,
    client_id: &str,
    now: UnixTime,
) -> Result<Option<ClientRecord>, Failure> {
    match store
        .answer(Need::Client(client_id.to_owned()), now)
        .await
        .map_err(store_failure)?
    {
        Answer::Client(c) => Ok(c),
        _ => Ok(None),
    }
}

/// A new secret for `record`'s method, with what to store for it (see
/// [`RegistrationEndpoint::issue_secret`]), hashed under the provider's stored keys.
async fn issue_secret(
    store: &dyn ProviderStore,
    server: &ServerConfig,
    record: &ClientRecord,
    rng: &dyn SecureRandom,
    now: UnixTime,
) -> Result<Option<(SecretBytes, authcore_server::model::StoredSecret)>, Failure> {
    let (document, _) = authcore_hyper::keys::load_or_init(store, rng, now)
        .await
        .map_err(|e| Failure::usage(format!("the provider's keys: {e}")))?;
    let keys = document
        .server_keys(authcore_jose::crypto::default_provider(), server, now)
        .map_err(|e| Failure::usage(format!("the provider's keys: {e}")))?;
    let ctx = Context::new(server, &keys, now, rng);
    let keep_plain = authcore_server::registration::keys_with_secret(record);
    RegistrationEndpoint::issue_secret(record.auth_method, keep_plain, &ctx)
        .map_err(|e| Failure::usage(format!("cannot generate a client secret: {e}")))
}

/// Stores the configured clients through the provider: a configured hash is stored as is; a
/// client whose secret is generated keeps the one stored on an earlier start, or gets a new
/// one, returned here to be shown once.
pub async fn upsert_configured(
    provider: &Provider,
    clients: &[ConfiguredClient],
    now: UnixTime,
) -> Result<Vec<(String, SecretBytes)>, Failure> {
    let store = provider.store().as_ref();
    let rng = authcore_jose::crypto::default_provider().system_random();
    let server = &provider.settings().server;
    let mut generated = Vec::new();
    for c in clients {
        let mut record = c.record.clone();
        match &c.secret {
            SecretSource::NotNeeded => {}
            SecretSource::Hashed(h) => record.secret = Some(h.clone()),
            SecretSource::Generate => {
                let previous = stored(store, &record.client_id, now)
                    .await?
                    .and_then(|r| r.secret.filter(|_| r.auth_method == record.auth_method));
                match previous {
                    Some(s) => record.secret = Some(s),
                    None => {
                        if let Some((secret, kept)) =
                            issue_secret(store, server, &record, rng, now).await?
                        {
                            record.secret = Some(kept);
                            generated.push((record.client_id.clone(), secret));
                        }
                    }
                }
            }
        }
        upsert(provider, record).await?;
    }
    Ok(generated)
}

/// Stores one configured client. Another instance starting on the same store may insert it
/// between this one's lookup and its insert; the second attempt then replaces it.
async fn upsert(provider: &Provider, record: ClientRecord) -> Result<(), Failure> {
    let mut attempt = provider.upsert_client(record.clone()).await;
    if let Err(authcore_hyper::ProviderError::ClientConflict(_)) = attempt {
        attempt = provider.upsert_client(record).await;
    }
    attempt.map_err(|e| Failure::usage(format!("storing the configured clients: {e}")))
}

/// `authcore client add`: the arguments as a configured client (the same validation as the
/// configuration file and the registration endpoint), stored with a generated id and secret.
/// Returns the client information to print: `client_id` and the secret, once.
pub async fn add(
    store: &dyn ProviderStore,
    a: &ClientAddArgs,
    rng: &dyn SecureRandom,
    now: UnixTime,
) -> Result<Map<String, Value>, Failure> {
    let client_id = match &a.client_id {
        Some(id) => id.clone(),
        None => super::users::new_subject(rng)?,
    };
    let auth_method = if a.public {
        Some("none".to_owned())
    } else {
        a.auth_method.clone()
    };
    let grant_types = if a.grant_types.is_empty() {
        let mut g = vec!["authorization_code".to_owned()];
        // OpenID Connect Core §11: refresh tokens for the grants that asked offline_access.
        g.push("refresh_token".to_owned());
        g
    } else {
        a.grant_types.clone()
    };
    let section = ClientSection {
        client_id: client_id.clone(),
        client_name: a.name.clone(),
        token_endpoint_auth_method: auth_method,
        redirect_uris: (!a.redirect_uris.is_empty()).then(|| a.redirect_uris.clone()),
        post_logout_redirect_uris: (!a.post_logout_redirect_uris.is_empty())
            .then(|| a.post_logout_redirect_uris.clone()),
        grant_types: Some(grant_types),
        scope: Some(
            a.scope
                .clone()
                .unwrap_or_else(|| "openid profile email offline_access".to_owned()),
        ),
        application_type: a.public.then(|| "native".to_owned()),
        dpop_bound_access_tokens: a.dpop_bound.then_some(true),
        ..ClientSection::default()
    };
    // The rules of the provider's defaults: a client added here is one `serve` accepts.
    let defaults = config::validate(
        config::ConfigFile::default(),
        &config::Overrides {
            dev: true,
            ..config::Overrides::default()
        },
    )
    .map_err(|e| Failure::usage(e.to_string()))?;
    let configured = config::client(0, &section, &defaults.server).map_err(|e| {
        Failure::usage(format!(
            "{}: {}",
            e.path.replace("clients[0].", ""),
            e.reason
        ))
    })?;
    if stored(store, &client_id, now).await?.is_some() {
        return Err(Failure::usage(format!(
            "a client with client_id {client_id} exists already"
        )));
    }
    let mut record = configured.record;
    let secret = match configured.secret {
        SecretSource::NotNeeded => None,
        // `client add` always generates: a secret typed on a command line would be in the
        // shell's history.
        SecretSource::Hashed(_) | SecretSource::Generate => {
            issue_secret(store, &defaults.server, &record, rng, now).await?
        }
    };
    let mut out = Map::new();
    out.insert("client_id".into(), Value::String(client_id));
    if let Some((secret, kept)) = secret {
        record.secret = Some(kept);
        out.insert(
            "client_secret".into(),
            Value::String(String::from_utf8_lossy(secret.expose()).into_owned()),
        );
    }
    out.insert(
        "token_endpoint_auth_method".into(),
        Value::String(record.auth_method.as_str().to_owned()),
    );
    let outcomes = store
        .apply(vec![authcore_server::Write::InsertClient(record)], now)
        .await
        .map_err(store_failure)?;
    if outcomes.as_slice() != [authcore_server::WriteOutcome::Applied] {
        return Err(Failure::usage(
            "the client could not be stored (its client_id was taken meanwhile)",
        ));
    }
    Ok(out)
}
