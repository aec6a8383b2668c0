//! `authcore serve --dev` on 127.0.0.1 for the interop, browser, scale-out and fault tests
//! (`tests/serve_interop.rs`, `tests/serve_browser.rs`, `tests/serve_scaleout.rs`,
//! `tests/serve_faults.rs`: the last kills servers and starts them again on their address),
//! the relying-party scripts of `tests/interop/serve/` run against it, and their reports of
//! named checks.
//!
//! The server is the workspace's own `authcore` binary (crate authcore-cli), found beside the
//! test executable in the target directory (or named by `AUTHCORE_BIN`): the README's test
//! command builds it with the rest of the workspace. A test process cannot build it itself,
//! since cargo holds the target directory's lock while tests run.
//!
//! Every wait is bounded in count and time; the server and every script are killed when
//! their guards drop, on failure too.

// Bounded waits measure elapsed time; reading the clock is the test harness's job here.
#![allow(clippy::disallowed_methods)]

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::peers::{self, PEER_LIMIT};

/// Longest wait for the server to say it is listening.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// `--listen` when the server picks a free port itself.
const LOOPBACK_ANY_PORT: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);
/// Lines of the server's output kept for the failure message.
const LOG_LINES: usize = 200;
/// The login driver of `tests/interop/serve/user_agent.mjs` for `authcore serve`'s pages.
pub const DRIVER: &str = "authcore";
/// The resource server's introspection client of `tests/interop/serve/serve.toml`
/// (`private_key_jwt` with `introspector.jwk.json`); the scripts learn it from the
/// environment variable `AUTHCORE_INTROSPECTOR`.
pub const INTROSPECTOR: &str = "rs-introspector";

/// The `authcore` binary under test: `AUTHCORE_BIN`, else `authcore` in the target
/// directory this test executable was built into. Panics with what to do when it is missing
/// or older than a source file of the crates it is built from.
pub fn authcore_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("AUTHCORE_BIN") {
        return PathBuf::from(bin);
    }
    let bin = in_profile_dir(&format!("authcore{}", std::env::consts::EXE_SUFFIX));
    check_current(
        &bin,
        "authcore-cli",
        "build it with `cargo build -p authcore-cli` (the README's test command, `cargo test \
         --all-features`, builds it with the workspace), or name a binary in AUTHCORE_BIN",
    );
    bin
}

/// `path` in the target directory's profile directory this test executable was built into
/// (`target/<profile>/deps/<test executable>` -> `target/<profile>/PATH`): where cargo puts
/// the workspace's binaries and examples.
pub fn in_profile_dir(path: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable sits in <target>/<profile>/deps");
    profile_dir.join(path)
}

/// A fresh path `authcore-NAME-<pid>-<nanos>` under the system's temporary directory (not
/// created): one per test run and call.
pub fn unique_temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "authcore-{name}-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ))
}

/// The names of the screenshots (`*.png`) in `dir`, sorted: the pages a browser test went
/// through, in order.
pub fn screenshots(dir: &Path) -> Vec<String> {
    let mut shots: Vec<String> = std::fs::read_dir(dir)
        .expect("the output directory")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect();
    shots.sort();
    shots
}

/// Registers a client at `issuer` (RFC 7591 §3) with `metadata`, at the registration
/// endpoint its metadata names (OpenID Connect Discovery); the registration response. A
/// response other than `2xx` with JSON is an error.
pub async fn register_client(
    issuer: &str,
    metadata: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    use authcore_reqwest::reqwest;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let config = http
        .get(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await
        .map_err(|e| format!("discovery: {e}"))?
        .bytes()
        .await
        .map_err(|e| format!("discovery: {e}"))?;
    let config: serde_json::Value =
        serde_json::from_slice(&config).map_err(|e| format!("discovery: {e}"))?;
    let endpoint = config["registration_endpoint"]
        .as_str()
        .ok_or("no registration_endpoint")?;
    let resp = http
        .post(endpoint)
        .header("content-type", "application/json")
        .body(metadata.to_string())
        .send()
        .await
        .map_err(|e| format!("registration: {e}"))?;
    let status = resp.status();
    let body = resp
        .bytes()
        .await
        .map_err(|e| format!("registration: {e}"))?;
    let body: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| format!("registration answered {status} without JSON ({e})"))?;
    if !status.is_success() {
        return Err(format!("registration answered {status}: {body}"));
    }
    Ok(body)
}

/// Panics, saying to `build`, when `bin` is missing or older than a source file of
/// `crate_name` or of a workspace crate it depends on: a test must not run a stale build of
/// what it tests.
pub fn check_current(bin: &Path, crate_name: &str, build: &str) {
    let built = std::fs::metadata(bin)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| panic!("{} is missing: {build}", bin.display()));
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    if let Some(newer) = newest_source_after(&crates, crate_name, built) {
        panic!(
            "{} is older than {}: {build}",
            bin.display(),
            newer.display()
        );
    }
}

/// A `.rs` file under the `src/` of `root` or of a workspace crate it depends on
/// (`crates/<name>`, the closure of the `authcore-*` entries of their `[dependencies]`)
/// modified after `time`, if any (for `root` its `examples/` too). Crates the binary is not
/// built from do not count, so editing one does not make the binary look stale.
fn newest_source_after(crates: &Path, root: &str, time: SystemTime) -> Option<PathBuf> {
    let mut todo = vec![root.to_owned()];
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![crates.join(root).join("examples")];
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let dir = crates.join(&name);
        stack.push(dir.join("src"));
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
        todo.extend(workspace_dependencies(&manifest));
    }
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|m| m > time)
            {
                return Some(path);
            }
        }
    }
    None
}

/// The `authcore-*` crates a manifest's `[dependencies]` name (as `authcore-x = ...` lines or
/// `[dependencies.authcore-x]` tables); dev- and build-dependencies are not the binary's.
fn workspace_dependencies(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_dependencies = false;
    for line in manifest.lines().map(str::trim) {
        if let Some(table) = line.strip_prefix('[') {
            let table = table.trim_end_matches(']');
            in_dependencies = table == "dependencies";
            if let Some(name) = table.strip_prefix("dependencies.") {
                if name.starts_with("authcore-") {
                    out.push(name.to_owned());
                }
            }
            continue;
        }
        if in_dependencies && line.starts_with("authcore-") {
            // `authcore-x = { ... }` or `authcore-x.workspace = true`.
            let key = line.split('=').next().unwrap_or_default().trim();
            out.push(key.split('.').next().unwrap_or(key).to_owned());
        }
    }
    out
}

/// `tests/interop/serve/`, where the relying-party scripts live.
pub fn scripts_dir() -> PathBuf {
    peers::interop_dir().join("serve")
}

/// The test's output directory `target/<name>/` (screenshots, logs), made empty.
pub fn output_dir(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    // target/<profile>/deps/<exe> -> target/
    let target = exe
        .ancestors()
        .nth(3)
        .expect("the test executable sits in <target>/<profile>/deps");
    let dir = target.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the output directory");
    dir
}

/// A running `authcore serve`; killed (and its data directory, if it made one, removed)
/// when dropped.
pub struct Serve {
    daemon: Daemon,
    /// The address it listens on, `http://127.0.0.1:PORT` (from the `listening on` line); the
    /// issuer too unless the arguments named another.
    pub issuer: String,
    /// The data directory (SQLite database, signing keys) made for this server, if any.
    pub data: Option<PathBuf>,
}

impl Serve {
    /// Starts `authcore serve --dev --config tests/interop/serve/serve.toml --data <fresh
    /// dir> --listen 127.0.0.1:0` and waits (bounded) for its `listening on http://ADDR`
    /// line: the server binds a free port itself and, in `--dev`, takes `http://ADDR` as its
    /// issuer. `--dev` creates the user `alice` (password `wonderland`) and opens dynamic
    /// registration; the file adds DPoP nonces, the device flow and the introspecting
    /// resource server.
    pub fn start() -> Serve {
        let data = unique_temp_path("serve");
        let started = std::fs::create_dir_all(&data)
            .map_err(|e| format!("create {}: {e}", data.display()))
            .and_then(|()| {
                let args = [
                    OsString::from("--dev"),
                    "--config".into(),
                    scripts_dir().join("serve.toml").into(),
                    "--data".into(),
                    data.clone().into(),
                ];
                Serve::spawn(
                    &authcore_bin(),
                    &args,
                    LOOPBACK_ANY_PORT,
                    Some(data.clone()),
                )
            });
        started.unwrap_or_else(|why| panic!("authcore serve did not start: {why}"))
    }

    /// Starts `authcore serve ARGS --listen 127.0.0.1:0` (`ARGS` name the store, the issuer,
    /// the configuration) and waits (bounded) for its `listening on` line.
    pub fn start_with(args: &[OsString]) -> Result<Serve, String> {
        Serve::spawn(&authcore_bin(), args, LOOPBACK_ANY_PORT, None)
    }

    /// Starts `authcore serve ARGS --listen LISTEN`, as [`Serve::start_with`] does, on a
    /// given address: a server started again after [`Serve::kill`] keeps its address (and so
    /// the issuer its clients know).
    pub fn start_at(args: &[OsString], listen: SocketAddr) -> Result<Serve, String> {
        Serve::spawn(&authcore_bin(), args, listen, None)
    }

    fn spawn(
        bin: &Path,
        args: &[OsString],
        listen: SocketAddr,
        data: Option<PathBuf>,
    ) -> Result<Serve, String> {
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .args(args)
            .arg("--listen")
            .arg(listen.to_string())
            // The store is the one the arguments name, never one from the environment.
            .env_remove("AUTHCORE_STORE")
            .env("RUST_LOG", "info");
        let (daemon, url) = Daemon::start(cmd, STARTUP_TIMEOUT)?;
        Ok(Serve {
            daemon,
            issuer: url,
            data,
        })
    }

    /// The operating system's id of the server process.
    pub fn id(&self) -> u32 {
        self.daemon.id()
    }

    /// Kills the server with SIGKILL (`kill -9`: no shutdown, no flush, requests in flight
    /// cut off) and reaps it. A data directory it made stays until the guard is dropped.
    pub fn kill(&mut self) {
        self.daemon.kill();
    }

    /// The server's last output lines.
    pub fn log_text(&self) -> String {
        self.daemon.log_text()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill();
        if let Some(data) = &self.data {
            let _ = std::fs::remove_dir_all(data);
        }
    }
}

/// One named check of a relying party and what it found.
#[derive(Debug, Clone)]
pub struct Check {
    /// `<relying party>: <flow>`.
    pub name: String,
    /// Whether the flow passed.
    pub ok: bool,
    /// Why not.
    pub error: Option<String>,
}

impl Check {
    /// A check that passed when `result` is `Ok`.
    pub fn from_result(name: impl Into<String>, result: Result<(), String>) -> Check {
        let name = name.into();
        match result {
            Ok(()) => Check {
                name,
                ok: true,
                error: None,
            },
            Err(e) => Check {
                name,
                ok: false,
                error: Some(e),
            },
        }
    }
}

/// The node that runs the scripts (the PATH's), in the scripts' directory, told the
/// introspecting resource server.
pub fn node() -> Command {
    let mut cmd = Command::new("node");
    cmd.current_dir(scripts_dir())
        .env("AUTHCORE_INTROSPECTOR", INTROSPECTOR);
    cmd
}

/// Runs a relying-party script (bounded by [`PEER_LIMIT`]) and reads its report: a JSON
/// array of `{name, ok, error}`. A script that fails to run or report is one failed check.
pub fn run_script(cmd: Command, what: &str) -> Vec<Check> {
    let out = match peers::try_run(cmd, b"", PEER_LIMIT, what) {
        Ok(out) => out,
        Err(why) => return vec![Check::from_result(what, Err(why))],
    };
    let report: Vec<serde_json::Value> = match serde_json::from_slice(&out) {
        Ok(report) => report,
        Err(e) => {
            return vec![Check::from_result(
                what,
                Err(format!(
                    "the report is not a JSON array ({e}): {}",
                    String::from_utf8_lossy(&out)
                )),
            )];
        }
    };
    if report.is_empty() {
        return vec![Check::from_result(what, Err("ran no check".into()))];
    }
    report
        .iter()
        .map(|c| Check {
            name: c["name"].as_str().unwrap_or("?").to_owned(),
            ok: c["ok"].as_bool() == Some(true),
            error: c["error"].as_str().map(str::to_owned),
        })
        .collect()
}

/// Prints every check (`ok`/`FAIL`, then a count line) and panics naming the failed ones;
/// `server_log` is shown when something failed.
pub fn assert_all_passed(checks: &[Check], server_log: &str) {
    let failed: Vec<&Check> = checks.iter().filter(|c| !c.ok).collect();
    for c in checks {
        if c.ok {
            eprintln!("ok   {}", c.name);
        } else {
            eprintln!("FAIL {}: {}", c.name, c.error.as_deref().unwrap_or(""));
        }
    }
    eprintln!(
        "checks: {} passed, {} failed",
        checks.len() - failed.len(),
        failed.len()
    );
    assert!(!checks.is_empty(), "no check ran");
    if !failed.is_empty() {
        panic!(
            "{} of {} checks failed: {}\n\nthe server's last output:\n{server_log}",
            failed.len(),
            checks.len(),
            failed
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
}

/// Plays the user through `authcore serve`'s pages from authorization request `url` (with
/// `user_agent.mjs`, the one user agent of every relying party, its cookies kept in `jar`
/// so the provider's session is reused as in one browser); returns the URL the provider
/// sent the user agent to, starting with `stop_prefix`. With `deliver`, the user agent also
/// requests that URL (a native client's loopback listener).
pub fn sign_in(jar: &Path, url: &str, stop_prefix: &str, deliver: bool) -> Result<String, String> {
    let mut cmd = node();
    cmd.args(["user_agent.mjs", "authorize", DRIVER, url, stop_prefix]);
    if deliver {
        cmd.arg("--deliver");
    }
    cmd.arg("--jar").arg(jar);
    user_agent(cmd)
}

/// Approves a device authorization (RFC 8628 §3.3) through `authcore serve`'s pages, with
/// the cookies of `jar`.
pub fn approve_device(jar: &Path, verification_uri: &str, user_code: &str) -> Result<(), String> {
    let mut cmd = node();
    cmd.args([
        "user_agent.mjs",
        "approve-device",
        DRIVER,
        verification_uri,
        user_code,
    ]);
    cmd.arg("--jar").arg(jar);
    user_agent(cmd).map(drop)
}

fn user_agent(cmd: Command) -> Result<String, String> {
    peers::try_run(cmd, b"", PEER_LIMIT, "user_agent.mjs")
        .map(|out| String::from_utf8_lossy(&out).trim().to_owned())
}

/// A server process started by a test (`authcore serve` in [`Serve`], the login layer's
/// example application in `tests/login_browser.rs`): its output drained (so it never blocks on a full
/// pipe) with the last lines kept for failure messages; killed when dropped.
pub struct Daemon {
    child: Child,
    log: Arc<Mutex<VecDeque<String>>>,
}

impl Daemon {
    /// Starts `cmd` and waits (bounded by `timeout`) for a line of its output containing
    /// `listening on URL`; returns the guard and `URL` without a trailing `/`. Fails, with the
    /// output so far, when the process exits first or says nothing in time.
    pub fn start(mut cmd: Command, timeout: Duration) -> Result<(Daemon, String), String> {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let (tx, ready) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let log = Arc::clone(&log);
            let tx = tx.clone();
            // Keeps draining (so the server never blocks on a full pipe) and keeps the last
            // lines for the failure message.
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(at) = line.find("listening on ") {
                        let url = line[at + "listening on ".len()..].trim().to_owned();
                        let _ = tx.send(url);
                    }
                    let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                    if log.len() == LOG_LINES {
                        log.pop_front();
                    }
                    log.push_back(line);
                }
            });
        }
        drop(tx);
        let mut daemon = Daemon { child, log };
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match ready.recv_timeout(left.min(Duration::from_millis(200))) {
                Ok(url) => return Ok((daemon, url.trim_end_matches('/').to_owned())),
                Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                    if let Ok(Some(status)) = daemon.child.try_wait() {
                        return Err(format!("exited with {status}:\n{}", daemon.log_text()));
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // Both output streams closed: the process is gone.
                    let status = daemon.child.wait().map_err(|e| e.to_string())?;
                    return Err(format!("exited with {status}:\n{}", daemon.log_text()));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(format!(
                        "no `listening on` within {timeout:?}:\n{}",
                        daemon.log_text()
                    ));
                }
            }
        }
    }

    /// The process's last output lines.
    pub fn log_text(&self) -> String {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// The operating system's id of the process.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process (SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::workspace_dependencies;

    #[test]
    fn workspace_dependencies_are_the_authcore_entries_of_dependencies_only() {
        let manifest = r#"
[package]
name = "authcore-cli"

[dependencies]
authcore-oidc = { workspace = true }
authcore-jose.workspace = true
serde.workspace = true

[dev-dependencies]
authcore-tests.workspace = true

[dependencies.authcore-reqwest]
workspace = true

[build-dependencies.authcore-build]
workspace = true
"#;
        assert_eq!(
            workspace_dependencies(manifest),
            ["authcore-oidc", "authcore-jose", "authcore-reqwest"]
        );
    }
}
