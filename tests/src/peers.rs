//! Running the interop peers of `tests/interop/` (node `jose`, jwcrypto, PyJWT, Authlib,
//! joserfc): the one-time setup and a bounded run of a peer script with input on stdin.

// Bounded waits measure elapsed time; reading the clock is the test harness's job here.
#![allow(clippy::disallowed_methods)]

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Longest the one-time setup may run before the test gives up on it.
pub const SETUP_LIMIT: Duration = Duration::from_secs(600);
/// Longest one peer run may take before the test gives up on it.
pub const PEER_LIMIT: Duration = Duration::from_secs(180);

/// `tests/interop/`, where the peer scripts and their installs are.
pub fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop")
}

/// The Python of the peers' virtual environment.
pub fn python() -> PathBuf {
    interop_dir().join(".venv/bin/python")
}

/// Runs `cmd` with `input` on stdin; returns stdout, or panics with stderr when it fails or
/// outlives `limit` (the child is killed then).
pub fn run(cmd: Command, input: &[u8], limit: Duration, what: &str) -> Vec<u8> {
    try_run(cmd, input, limit, what).unwrap_or_else(|e| panic!("{e}"))
}

/// [`run`], with the failure (could not start, non-zero exit with its stderr, outlived
/// `limit` and was killed) returned instead of panicking.
pub fn try_run(
    mut cmd: Command,
    input: &[u8],
    limit: Duration,
    what: &str,
) -> Result<Vec<u8>, String> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{what}: cannot start: {e}"))?;
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        stdout.read_to_end(&mut v).map(|_| v)
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        stderr.read_to_end(&mut v).map(|_| v)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{what}: still running after {limit:?}; killed"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    writer
        .join()
        .expect("writer")
        .map_err(|e| format!("{what}: write stdin: {e}"))?;
    let out = out_reader
        .join()
        .expect("reader")
        .map_err(|e| format!("{what}: read stdout: {e}"))?;
    let err = err_reader
        .join()
        .expect("reader")
        .map_err(|e| format!("{what}: read stderr: {e}"))?;
    if !status.success() {
        return Err(format!(
            "{what}: exit {status}\n{}",
            String::from_utf8_lossy(&err)
        ));
    }
    Ok(out)
}

/// Installs the peers once per test process (the script itself skips what is current).
pub fn setup() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let mut cmd = Command::new("bash");
        cmd.arg(interop_dir().join("setup.sh"));
        run(cmd, b"", SETUP_LIMIT, "tests/interop/setup.sh");
    });
}

/// Feeds `cases` (a JSON array, each with a `name`) to a peer script and returns its results,
/// one JSON object per case in input order (`name`, `ok`, `error`, and whatever else the
/// script reports); panics when the output is not that.
pub fn peer_results(
    mut cmd: Command,
    cases: &[serde_json::Value],
    what: &str,
) -> Vec<serde_json::Value> {
    let input = serde_json::Value::Array(cases.to_vec()).to_string();
    cmd.current_dir(interop_dir());
    let out = run(cmd, input.as_bytes(), PEER_LIMIT, what);
    let results: Vec<serde_json::Value> = serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("{what}: output is not a JSON array: {e}"));
    assert_eq!(results.len(), cases.len(), "{what}: one result per case");
    for (r, c) in results.iter().zip(cases) {
        assert_eq!(r["name"], c["name"], "{what}: order");
    }
    results
}
