//! `authcore serve` and the commands around it: the OpenID provider over HTTP on the
//! embedded SQLite store or on PostgreSQL, its configuration file, users, clients, keys,
//! migrations, and the demo.

pub mod agent;
pub mod args;
pub mod clients;
pub mod config;
pub mod data;
pub mod demo;
pub mod keys;
pub mod run;
pub mod store;
pub mod tls;
pub mod users;

use args::{ClientCommand, DataArgs, KeysCommand, MigrateArgs, UserCommand};

use crate::Failure;
use crate::oauth::print_json;

/// Runs an administration command on the store `--data` or `--store` names, on a runtime
/// of its own.
fn offline<T>(
    args: &DataArgs,
    f: impl AsyncFnOnce(&dyn authcore_hyper::ProviderStore) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let location = args.location()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let opened = store::open(&location).await?;
        f(opened.store.as_ref()).await
    })
}

/// `authcore user ...`.
pub fn user(c: UserCommand) -> Result<(), Failure> {
    match c {
        UserCommand::Add(a) => {
            let claims = users::parse_claims(&a.claims)?;
            let password = users::read_password(std::io::stdin().lock())?;
            let rng = authcore_jose::crypto::default_provider().system_random();
            let account = offline(&a.data, async |store| {
                users::add_user(
                    store,
                    &a.username,
                    &password,
                    claims,
                    a.subject.clone(),
                    rng,
                )
                .await
            })?;
            let mut out = serde_json::Map::new();
            out.insert("username".into(), account.username.into());
            out.insert("sub".into(), account.subject.into());
            out.insert("claims".into(), serde_json::Value::Object(account.claims));
            print_json(out)
        }
    }
}

/// `authcore client ...`.
pub fn client(c: ClientCommand) -> Result<(), Failure> {
    match c {
        ClientCommand::Add(a) => {
            let rng = authcore_jose::crypto::default_provider().system_random();
            let out = offline(&a.data, async |store| {
                clients::add(store, &a, rng, run::now()?).await
            })?;
            print_json(out)
        }
    }
}

/// `authcore keys ...`.
pub fn keys(c: KeysCommand) -> Result<(), Failure> {
    let (dir, rotate) = match &c {
        KeysCommand::Rotate(d) => (d, true),
        KeysCommand::List(d) => (d, false),
    };
    let out = offline(dir, async |store| {
        if rotate {
            keys::rotate(store).await
        } else {
            keys::list(store).await
        }
    })?;
    match out {
        serde_json::Value::Object(m) => print_json(m),
        other => Err(Failure::usage(format!("unexpected output {other}"))),
    }
}

/// `authcore migrate`: applies the store's missing schema migrations (`serve` applies them
/// too at start) and prints the schema version.
pub fn migrate(a: MigrateArgs) -> Result<(), Failure> {
    let location = a.data.location()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start the runtime: {e}")))?;
    match runtime.block_on(store::migrate(&location))? {
        serde_json::Value::Object(m) => print_json(m),
        other => Err(Failure::usage(format!("unexpected output {other}"))),
    }
}
