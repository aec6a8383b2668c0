//! The arguments of `serve`, `user`, `client`, `keys`, `migrate` and `demo`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};

/// Arguments of `authcore serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The issuer identifier: an `https` URL (`http` on a loopback host with `--dev`). With
    /// `--dev` it may be omitted: it is then `http://` and the bound address. Overrides
    /// `issuer` in the configuration file.
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,

    /// The address to listen on (default 127.0.0.1:8080; port 0 picks a free one, printed in
    /// the `listening on` line). Overrides `listen` in the configuration file.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// The data directory: the SQLite database (`authcore.db`) with the accounts, clients,
    /// tokens and signing keys. Created if missing. Required unless `--dev` or a store is
    /// named (`--store`, `AUTHCORE_STORE` or `store` in the configuration file).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// The store: a PostgreSQL URL (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB`), which
    /// several instances with the same issuer share and so act as one provider, or a data
    /// directory (a path, or `sqlite:PATH`) as with `--data`. Overrides `store` in the
    /// configuration file. Prefer the environment variable to keep a password out of the
    /// process list.
    #[arg(
        long,
        value_name = "STORE",
        env = "AUTHCORE_STORE",
        hide_env_values = true
    )]
    pub store: Option<String>,

    /// The configuration file (TOML; see `samples/serve.toml`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Development mode: a temporary data directory when `--data` is omitted (removed at
    /// exit), the user `alice` with password `wonderland`, open dynamic registration, `http`
    /// issuers on loopback. Never for production.
    #[arg(long)]
    pub dev: bool,

    /// A PEM file with the server's certificate chain: serve HTTPS (with `--tls-key`).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// A PEM file with the server's private key (with `--tls-cert`).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

/// The store of an offline administration command: `--data DIR` or `--store STORE`.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// The data directory of `authcore serve` (its SQLite database).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// The store of `authcore serve`: a PostgreSQL URL or a data directory (see `authcore
    /// serve --help`).
    #[arg(
        long,
        value_name = "STORE",
        env = "AUTHCORE_STORE",
        hide_env_values = true
    )]
    pub store: Option<String>,
}

impl DataArgs {
    /// The store these arguments name (exactly one of `--data` and `--store`).
    pub fn location(&self) -> Result<super::store::StoreLocation, crate::Failure> {
        super::store::chosen(self.data.as_deref(), self.store.as_deref())
    }
}

/// `authcore user ...`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an end-user account, or change an existing one's password (and its claims, when
    /// `--claim` is given): the password is read from standard input (one line) and stored
    /// as an Argon2id hash.
    Add(UserAddArgs),
}

/// Arguments of `user add`.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Where.
    #[command(flatten)]
    pub data: DataArgs,

    /// The login name.
    pub username: String,

    /// A claim of the account, `NAME=VALUE` (repeatable): `name=Alice`,
    /// `email=alice@example.com`, `email_verified=true`. A value that is JSON (`true`,
    /// `42`, `{"country":"NL"}`) is stored as that JSON value, any other as a string.
    #[arg(long = "claim", value_name = "NAME=VALUE")]
    pub claims: Vec<String>,

    /// The subject identifier (`sub`); default: a random one for a new account, the
    /// existing one for an existing username.
    #[arg(long, value_name = "SUB")]
    pub subject: Option<String>,
}

/// `authcore client ...`
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client in the data directory: prints its `client_id` and, for a
    /// confidential client, the generated secret, once (only a hash is stored).
    Add(ClientAddArgs),
}

/// Arguments of `client add`.
#[derive(Debug, Args)]
pub struct ClientAddArgs {
    /// Where.
    #[command(flatten)]
    pub data: DataArgs,

    /// The `client_id` (default: a random one).
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// A redirect URI (repeatable; required for the authorization code grant).
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uris: Vec<String>,

    /// A post-logout redirect URI (repeatable).
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    pub post_logout_redirect_uris: Vec<String>,

    /// `client_name`, shown on the consent page.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// A public client (`token_endpoint_auth_method` `none`, a native application): no
    /// secret, PKCE required.
    #[arg(long, conflicts_with = "auth_method")]
    pub public: bool,

    /// `token_endpoint_auth_method` (default `client_secret_basic`).
    #[arg(long, value_name = "METHOD")]
    pub auth_method: Option<String>,

    /// A grant type (repeatable; default `authorization_code` and `refresh_token`).
    #[arg(long = "grant-type", value_name = "GRANT")]
    pub grant_types: Vec<String>,

    /// The scope the client may be granted, space-separated (default `openid profile email
    /// offline_access`).
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,

    /// Every access token of this client is DPoP-bound (RFC 9449 §5.2).
    #[arg(long)]
    pub dpop_bound: bool,
}

/// `authcore keys ...`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add the next signing keys and retire the current ones (they stay published until
    /// the tokens they signed have expired); a running server picks the change up.
    Rotate(DataArgs),
    /// List the signing keys: id, algorithm and state.
    List(DataArgs),
}

/// Arguments of `authcore migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Where.
    #[command(flatten)]
    pub data: DataArgs,
}

/// Arguments of `authcore demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Sign in at this running provider (one with open dynamic registration, such as
    /// `authcore serve --dev`) instead of starting one.
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,

    /// The user to sign in as, with the password read from standard input (the first line);
    /// default: alice with her `--dev` password.
    #[arg(long, value_name = "USERNAME", requires = "issuer")]
    pub username: Option<String>,

    /// Timeout of each HTTP exchange, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub http_timeout: u64,
}
