//! `authcore keys rotate` and `authcore keys list`: the provider's signing keys in the data
//! directory's database.

use authcore_hyper::ProviderStore;
use authcore_hyper::keys::{KeysDocument, SigningKeyState};
use serde_json::{Map, Value};

use super::users::store_failure;
use crate::Failure;

/// The signing keys of `document`, one JSON object each: `kid`, `alg`, `state` and, for a
/// retired key, `retired_at`.
pub fn describe(document: &KeysDocument) -> Value {
    let keys = document
        .signing
        .iter()
        .map(|e| {
            let mut m = Map::new();
            m.insert("kid".into(), Value::from(e.kid()));
            m.insert(
                "alg".into(),
                e.algorithm().map_or(Value::Null, |a| Value::from(a.name())),
            );
            let state = match e.state {
                SigningKeyState::Current => "current",
                SigningKeyState::Active => "active",
                SigningKeyState::Next => "next",
                SigningKeyState::Retired { retired_at } => {
                    m.insert("retired_at".into(), Value::from(retired_at));
                    "retired"
                }
            };
            m.insert("state".into(), Value::from(state));
            m.insert("created_at".into(), Value::from(e.created_at));
            Value::Object(m)
        })
        .collect();
    Value::Array(keys)
}

/// `keys list`: the stored keys, or a usage error when the provider never started on this
/// directory.
pub async fn list(store: &dyn ProviderStore) -> Result<Value, Failure> {
    let stored = store.keys().await.map_err(store_failure)?.ok_or_else(|| {
        Failure::usage("no keys in this data directory yet: they are made at the first start of `authcore serve` (or by `keys rotate`)")
    })?;
    let document = KeysDocument::parse(&stored.document)
        .map_err(|e| Failure::usage(format!("the stored keys: {e}")))?;
    let mut out = Map::new();
    out.insert("version".into(), Value::from(stored.version));
    out.insert("signing_keys".into(), describe(&document));
    Ok(Value::Object(out))
}

/// `keys rotate`: the next keys take over, the current ones are retired (published until
/// their tokens expire), through the store's compare-and-set.
pub async fn rotate(store: &dyn ProviderStore) -> Result<Value, Failure> {
    let rng = authcore_jose::crypto::default_provider().system_random();
    let now = super::run::now()?;
    let (document, version) = authcore_hyper::keys::rotate_stored(store, rng, now)
        .await
        .map_err(|e| Failure::usage(format!("rotating the keys: {e}")))?;
    let mut out = Map::new();
    out.insert("version".into(), Value::from(version));
    out.insert(
        "current".into(),
        document.current_kid().map_or(Value::Null, Value::from),
    );
    out.insert("signing_keys".into(), describe(&document));
    Ok(Value::Object(out))
}
