//! `authcore-load`: starts the targets, runs the cases against each in turn, prints the
//! report (Markdown on stdout, optionally JSON to a file). Exit status 1 when a target could
//! not be run or an exchange failed.

#![allow(clippy::disallowed_methods)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use authcore_load::{Case, Report, Settings, TargetSpec, run_targets, start_target};
use authcore_store_postgres::test_cluster::TestCluster;
use clap::Parser;

/// Load generator: `authcore serve` (SQLite; PostgreSQL with --postgres) with one and two
/// instances, and npm oidc-provider, each doing the same cases, on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(name = "authcore-load")]
struct Args {
    /// The `authcore` binary (default: `authcore` beside this program).
    #[arg(long, value_name = "PATH")]
    authcore: Option<PathBuf>,
    /// Targets, in run order: `sqlite-1`, `sqlite-2`, `postgres-1`, `postgres-2`,
    /// `oidc-provider`.
    #[arg(
        long = "target",
        value_name = "NAME",
        default_values_t = ["sqlite-1".to_owned(), "sqlite-2".to_owned(), "oidc-provider".to_owned()]
    )]
    targets: Vec<String>,
    /// A PostgreSQL URL for the `postgres-*` targets: an empty database, for one target
    /// (the configured clients' secrets are printed only when they are first stored).
    /// Without it, a throwaway cluster (tests/postgres/cluster.sh) is started on 127.0.0.1
    /// and each target gets a fresh database in it.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Cases: `cc-opaque`, `cc-jwt`, `code`, `introspect`, `userinfo` (default: all).
    #[arg(long = "case", value_name = "CASE")]
    cases: Vec<Case>,
    /// Concurrent workers per case.
    #[arg(long, default_value_t = 16)]
    workers: usize,
    /// Measured seconds per case, at most.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Exchanges per case, at most.
    #[arg(long, default_value_t = 1_000_000)]
    max_exchanges: u64,
    /// Unmeasured seconds before each case.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Rounds: every case runs this many times on every target, the targets taking turns
    /// case by case; the report gives each case's median round and the median of the
    /// rounds' ratios (a busy spell of a shared machine then hits every target alike).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    rounds: u32,
    /// `tests/oidc-provider` (default: the one of this source tree).
    #[arg(long, value_name = "DIR")]
    oidc_provider_dir: Option<PathBuf>,
    /// Also write the report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

fn spec(args: &Args, name: &str) -> Result<TargetSpec, String> {
    let bin = match &args.authcore {
        Some(b) => b.clone(),
        None => std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name(format!("authcore{}", std::env::consts::EXE_SUFFIX)),
    };
    let authcore = |instances: usize, store: Option<String>| TargetSpec::Authcore {
        bin: bin.clone(),
        instances,
        store,
    };
    // The URL is filled in when the target starts (a fresh database per target).
    let postgres = || Some(args.postgres.clone().unwrap_or_default());
    Ok(match name {
        "sqlite-1" => authcore(1, None),
        "sqlite-2" => authcore(2, None),
        "postgres-1" => authcore(1, postgres()),
        "postgres-2" => authcore(2, postgres()),
        "oidc-provider" => TargetSpec::OidcProvider {
            dir: args.oidc_provider_dir.clone().unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc-provider")
            }),
        },
        other => return Err(format!("unknown target `{other}`")),
    })
}

fn seconds(s: f64, what: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(s).map_err(|e| format!("--{what} {s}: {e}"))
}

async fn run(args: Args) -> Result<bool, String> {
    let settings = Settings {
        workers: args.workers.max(1),
        duration: seconds(args.seconds, "seconds")?,
        max_exchanges: args.max_exchanges,
        warmup: seconds(args.warmup, "warmup")?,
        cases: if args.cases.is_empty() {
            Case::ALL.to_vec()
        } else {
            args.cases.clone()
        },
        rounds: args.rounds as usize,
    };
    let specs = args
        .targets
        .iter()
        .map(|t| spec(&args, t))
        .collect::<Result<Vec<_>, _>>()?;
    let mut report = Report {
        targets: Vec::new(),
        workers: settings.workers,
        duration: settings.duration,
        reference: specs
            .iter()
            .any(|s| matches!(s, TargetSpec::OidcProvider { .. }))
            .then(|| "oidc-provider".to_owned()),
    };
    // Started once, for every postgres target without a URL; stopped (and removed) at the
    // end, also on failure, by its guard.
    let mut cluster: Option<TestCluster> = None;
    // Every target is started first and kept running: the rounds take turns between them.
    let mut targets = Vec::with_capacity(specs.len());
    for s in &specs {
        eprintln!("authcore-load: starting {}", s.name());
        let mut s = s.clone();
        if let TargetSpec::Authcore {
            store: Some(url), ..
        } = &mut s
        {
            if url.is_empty() {
                if cluster.is_none() {
                    cluster = Some(TestCluster::start()?);
                }
                let c = cluster.as_ref().expect("started above");
                *url = c.create_database("load").await?;
            }
        }
        let target = start_target(&s).await?;
        eprintln!("authcore-load: {} on {:?}", target.name, target.addrs);
        targets.push(target);
    }
    eprintln!(
        "authcore-load: {} workers, {:?} per case, {} round(s)",
        settings.workers, settings.duration, settings.rounds
    );
    report.targets = run_targets(&targets, &settings, |target, c| {
        eprintln!(
            "authcore-load: {target} {}: {} ok, {} failed, {:.0}/s, p50 {:.2} ms, p99 {:.2} ms",
            c.case, c.ok, c.failures, c.throughput, c.p50_ms, c.p99_ms
        );
    })
    .await?;
    drop(targets);
    print!("{}", report.markdown());
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report.json()).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(report.all_succeeded())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("authcore-load: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("authcore-load: some exchanges failed (see the report)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("authcore-load: {e}");
            ExitCode::FAILURE
        }
    }
}
