//! `authcore serve`: the provider on the data directory's database, until SIGTERM or SIGINT.

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
use super::users::{self, DEV_PASSWORD, DEV_USERNAME};
use crate::Failure;

/// How often the keys document is read again, so a rotation by `authcore keys rotate` or
/// by another instance on the same database is picked up. (The provider sweeps expired
/// records itself, every `ProviderSettings::sweep_interval`.)
const KEY_RELOAD_INTERVAL: Duration = Duration::from_secs(60);

/// How long a DPoP server nonce is good for (it is accepted in its window and the next, RFC
/// 9449 §8 leaves the lifetime to the server).
const DPOP_NONCE_WINDOW: Duration = Duration::from_secs(120);

/// Opens the data directory's database.
pub async fn open_store(data: &DataDir) -> Result<Arc<dyn ProviderStore>, Failure> {
    let path = data.database();
    let store = authcore_store_sqlite::SqliteStore::open(&path)
        .map_err(|e| Failure::usage(format!("database {}: {e}", path.display())))?;
    Ok(Arc::new(store))
}

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
            users::add_user(
                store,
                DEV_USERNAME,
                DEV_PASSWORD,
                users::dev_claims(),
                None,
                rng,
            )
            .await?;
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

/// Reloads the keys every [`KEY_RELOAD_INTERVAL`], until the task is aborted.
pub fn spawn_key_reload(provider: Provider) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(KEY_RELOAD_INTERVAL);
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
    let rng = authcore_jose::crypto::default_provider().system_random();
    let data = match (&a.data, a.dev) {
        (Some(dir), _) => DataDir::open(dir)?,
        (None, true) => DataDir::temporary(rng)?,
        (None, false) => {
            return Err(Failure::usage(
                "--data DIR is required (only --dev may run on a temporary directory)",
            ));
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start the runtime: {e}")))?;
    let result = runtime.block_on(async {
        let store = open_store(&data).await?;
        let started = start(&config, store, tls.is_some()).await?;
        announce(&started, &config, &data);
        let key_reload = spawn_key_reload(started.provider.clone());
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
    // The runtime's blocking tasks (password hashing) end before the data directory goes.
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
fn announce(started: &Started, config: &ServeConfig, data: &DataDir) {
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
        if data.is_temporary() {
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
    eprintln!("authcore: issuer {}", started.issuer);
    let scheme = if started.https { "https" } else { "http" };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {scheme}://{}", started.addr);
    let _ = out.flush();
}
