//! `authcore serve`: the provider on its store (a data directory's SQLite database, or a
//! PostgreSQL database shared with other instances), until SIGTERM or SIGINT.

use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use authcore_hyper::{Provider, ProviderSettings, ProviderStore};
use authcore_jose::SecretBytes;

use super::args::ServeArgs;
use super::config::{self, Overrides, ServeConfig};
use super::data::DataDir;
use super::store::{self, StoreLocation};
use super::users::{self, DEV_PASSWORD, DEV_USERNAME};
use crate::Failure;

/// How long a DPoP server nonce is good for (it is accepted in its window and the next, RFC
/// 9449 §8 leaves the lifetime to the server).
const DPOP_NONCE_WINDOW: Duration = Duration::from_secs(120);

/// The current time: the CLI owns the clock.
pub fn now() -> Result<authcore_jose::UnixTime, Failure> {
    crate::io::system_time()
}

/// A provider started on a bound listener, not serving yet.
pub struct Started {
    /// The provider.
    pub provider: Provider,
    /// The listener.
    pub listener: tokio::net::TcpListener,
    /// The bound address.
    pub addr: SocketAddr,
    /// The issuer.
    pub issuer: String,
    /// Secrets generated for configured clients on this start, to show once.
    pub generated_secrets: Vec<(String, SecretBytes)>,
    /// Whether the listener is served with TLS.
    pub https: bool,
}

/// Binds the listen address and builds the provider on `store`: keys loaded or made,
/// configured clients stored, and with `--dev` the user alice.
pub async fn start(
    config: &ServeConfig,
    store: Arc<dyn ProviderStore>,
    https: bool,
) -> Result<Started, Failure> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| Failure::usage(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::usage(format!("cannot listen on {}: {e}", config.listen)))?;
    let scheme = if https { "https" } else { "http" };
    let issuer = config
        .issuer
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{addr}"));
    let server = config
        .for_issuer(&issuer)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let mut settings = ProviderSettings::new(server);
    settings.dev = config.dev;
    settings.rate_limits = config.rate_limits;
    if config.dpop_nonces {
        settings.dpop_nonce_window = Some(DPOP_NONCE_WINDOW.as_secs());
    }
    let provider = Provider::new(settings, store)
        .await
        .map_err(|e| Failure::usage(format!("starting the provider: {e}")))?;
    let t = now()?;
    let generated_secrets =
        super::clients::upsert_configured(&provider, &config.clients, t).await?;
    if config.dev {
        let store = provider.store().as_ref();
        let existing = store
            .account_by_username(DEV_USERNAME.to_owned())
            .await
            .map_err(users::store_failure)?;
        if existing.is_none() {
            let rng = authcore_jose::crypto::default_provider().system_random();
            let added = users::add_user(
                store,
                DEV_USERNAME,
                DEV_PASSWORD,
                users::dev_claims(),
                None,
                rng,
            )
            .await;
            if let Err(e) = added {
                // Another instance starting on the same store may have added her meanwhile
                // (the store refuses a second subject for the username): hers is kept.
                let there = store
                    .account_by_username(DEV_USERNAME.to_owned())
                    .await
                    .map_err(users::store_failure)?;
                if there.is_none() {
                    return Err(e);
                }
            }
        }
    }
    Ok(Started {
        provider,
        listener,
        addr,
        issuer,
        generated_secrets,
        https,
    })
}

/// Reads the stored keys again every `every` (the configuration's `keys.reload_interval`),
/// until the task is aborted, so a rotation done by `authcore keys rotate` or by another
/// instance on the same store is picked up within one interval. Until then this instance
/// still signs with the key just retired, which every instance keeps accepting for the
/// retention time, and it already accepts the key that took over, since a rotation promotes
/// the `next` key every instance has held and published since the rotation before.
pub fn spawn_key_reload(provider: Provider, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is immediate; the start has just loaded the keys.
        interval.tick().await;
        loop {
            interval.tick().await;
            if let Err(e) = provider.reload_keys().await {
                eprintln!("authcore: reloading the keys failed: {e}");
            }
        }
    })
}

/// Completes at the first SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `authcore serve`.
pub fn serve(a: ServeArgs) -> Result<(), Failure> {
    let overrides = Overrides {
        issuer: a.issuer.clone(),
        listen: a.listen,
        dev: a.dev,
    };
    // Everything the server can be told wrong is checked before it binds.
    let config =
        config::load(a.config.as_deref(), &overrides).map_err(|e| Failure::usage(e.to_string()))?;
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(c), Some(k)) => Some(super::tls::server_config(c, k)?),
        _ => None,
    };
    let location = match (&a.data, &a.store) {
        (Some(_), Some(_)) => {
            return Err(Failure::usage(format!(
                "give --data DIR or --store STORE ({}), not both",
                store::STORE_ENV
            )));
        }
        (Some(dir), None) => Some(StoreLocation::Sqlite(dir.clone())),
        (None, Some(s)) => Some(StoreLocation::parse(s).map_err(Failure::usage)?),
        (None, None) => config.store.clone(),
    };
    if location.is_none() && !a.dev {
        return Err(Failure::usage(
            "--data DIR or --store STORE is required (only --dev may run on a temporary \
             directory)",
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start the runtime: {e}")))?;
    // The data directory outlives the runtime: a temporary one goes only after the blocking
    // tasks (password hashing) have ended.
    let mut data: Option<DataDir> = None;
    let result = runtime.block_on(async {
        let opened = match &location {
            Some(l) => store::open(l).await?,
            None => {
                let rng = authcore_jose::crypto::default_provider().system_random();
                let dir = DataDir::temporary(rng)?;
                store::OpenStore {
                    store: store::open_sqlite(&dir)?,
                    data: Some(dir),
                }
            }
        };
        data = opened.data;
        let started = start(&config, opened.store, tls.is_some()).await?;
        announce(&started, &config, location.as_ref(), data.as_ref());
        let key_reload = spawn_key_reload(started.provider.clone(), config.key_reload_interval);
        let served = run_until(
            started.provider.clone(),
            started.listener,
            tls,
            shutdown_signal(),
        )
        .await;
        key_reload.abort();
        served
    });
    runtime.shutdown_timeout(Duration::from_secs(5));
    drop(data);
    result
}

/// Serves until `shutdown` completes; requests in flight then finish.
pub async fn run_until(
    provider: Provider,
    listener: tokio::net::TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Failure> {
    let served = match tls {
        Some(tls) => provider.serve_tls(listener, (*tls).clone(), shutdown).await,
        None => provider.serve(listener, shutdown).await,
    };
    served.map_err(|e| Failure::usage(format!("serving: {e}")))
}

/// The start-up lines: the `--dev` banner and the generated secrets on stderr, then the one
/// `listening on` line on stdout that scripts and tests wait for.
fn announce(
    started: &Started,
    config: &ServeConfig,
    location: Option<&StoreLocation>,
    data: Option<&DataDir>,
) {
    if config.dev {
        let registration = match &started.provider.settings().server.endpoints.registration {
            Some(_)
                if started
                    .provider
                    .settings()
                    .server
                    .registration
                    .initial_access_token
                    .is_none() =>
            {
                "open dynamic registration, "
            }
            _ => "",
        };
        eprintln!(
            "authcore: DEVELOPMENT MODE (--dev): user {DEV_USERNAME} / {DEV_PASSWORD}, \
             {registration}http on loopback allowed. Never use it in production."
        );
        if let Some(data) = data.filter(|d| d.is_temporary()) {
            eprintln!(
                "authcore: temporary data directory {} (removed at exit)",
                data.path().display()
            );
        }
    }
    for (client_id, secret) in &started.generated_secrets {
        eprintln!(
            "authcore: client {client_id}: generated client_secret (shown once, only its hash is \
             stored): {}",
            String::from_utf8_lossy(secret.expose())
        );
    }
    if let Some(location) = location {
        eprintln!("authcore: store {}", location.describe());
    }
    eprintln!("authcore: issuer {}", started.issuer);
    let scheme = if started.https { "https" } else { "http" };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {scheme}://{}", started.addr);
    let _ = out.flush();
}
