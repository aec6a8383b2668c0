//! authcore-hyper's provider on the SQLite store, restarted: the signing keys document, the
//! registered client and the issued tokens come back from the file, so tokens issued before
//! a restart are still introspected (and revoked ones stay revoked).

mod common;

use std::sync::Arc;

use authcore_hyper::{PeerInfo, Provider, ProviderSettings, ProviderStore, RateLimitSettings};
use authcore_jose::InsecureTestRandom;
use authcore_server::ServerConfig;
use authcore_server::model::{ClientAuthMethod, ClientRecord};
use authcore_store_sqlite::SqliteStore;
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::BodyExt as _;

const ISSUER: &str = "https://op.example";
const SECRET: &str = "a client secret long enough to be chosen by a person";

async fn start(db: &std::path::Path) -> Provider {
    let mut config = ServerConfig::new(ISSUER).unwrap();
    let at = config.clone();
    config.endpoints.jwks = Some(at.endpoint("jwks").unwrap());
    config.endpoints.revocation = Some(at.endpoint("revoke").unwrap());
    config.endpoints.introspection = Some(at.endpoint("introspect").unwrap());
    // The client is also the resource server that may introspect (RFC 7662 §2.1).
    let mut api = authcore_server::config::ResourceServer::new("https://api.example");
    api.introspection_client_id = Some("service".into());
    config.resource_servers.push(api);
    config.scopes_supported = vec!["read".into()];
    let mut settings = ProviderSettings::new(config);
    settings.rate_limits = RateLimitSettings::off();
    settings.sweep_interval = None;
    let store: Arc<dyn ProviderStore> = Arc::new(SqliteStore::open(db).unwrap());
    Provider::new(settings, store).await.unwrap()
}

async fn call(provider: &Provider, path: &str, body: Option<String>) -> (u16, serde_json::Value) {
    let uri = format!("{ISSUER}{path}");
    let request = match body {
        None => http::Request::get(uri).body(Bytes::new()),
        Some(form) => http::Request::post(uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .header(
                "authorization",
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!("service:{SECRET}"))
                ),
            )
            .body(Bytes::from(form)),
    }
    .unwrap();
    let response = provider.handle(request, &PeerInfo::new(None)).await;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_clients_and_tokens_survive_a_provider_restart() {
    let dir = common::TempDir::new("provider-restart");
    let db = dir.db();
    let (jwks, access, revoked) = {
        let provider = start(&db).await;
        let mut service = ClientRecord::new("service", ClientAuthMethod::ClientSecretBasic);
        service.secret = Some(
            authcore_server::client_auth::hash_chosen_secret(SECRET, &InsecureTestRandom::new(7))
                .unwrap(),
        );
        service.grant_types = vec!["client_credentials".into()];
        service.allowed_scopes = vec!["read".into()];
        provider.upsert_client(service).await.unwrap();
        let (status, jwks) = call(&provider, "/jwks", None).await;
        assert_eq!(status, 200, "{jwks}");
        assert!(!jwks["keys"].as_array().unwrap().is_empty());
        let grant = || Some("grant_type=client_credentials&scope=read".to_owned());
        let (status, first) = call(&provider, "/token", grant()).await;
        assert_eq!(status, 200, "{first}");
        let (status, second) = call(&provider, "/token", grant()).await;
        assert_eq!(status, 200, "{second}");
        let access = first["access_token"].as_str().unwrap().to_owned();
        let revoked = second["access_token"].as_str().unwrap().to_owned();
        let (status, _) = call(&provider, "/revoke", Some(format!("token={revoked}"))).await;
        assert_eq!(status, 200);
        (jwks, access, revoked)
    };

    // A new provider on the same file: the same keys, the client, the tokens.
    let provider = start(&db).await;
    let (status, again) = call(&provider, "/jwks", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        again, jwks,
        "the keys document was kept, not generated again"
    );
    let (status, live) = call(&provider, "/introspect", Some(format!("token={access}"))).await;
    assert_eq!(status, 200, "{live}");
    assert_eq!(live["active"], true, "{live}");
    assert_eq!(live["client_id"], "service");
    let (_, dead) = call(&provider, "/introspect", Some(format!("token={revoked}"))).await;
    assert_eq!(dead["active"], false, "a revoked token stays revoked");
}
