//! Crash durability: a child process (this test binary run again, with
//! `AUTHCORE_SQLITE_CRASH_CHILD` naming the database) issues codes and tokens and consumes the
//! codes, reporting each batch on stdout once the store says it is applied; the parent kills
//! it with SIGKILL at a pseudo-random point, reopens the database and checks that every write
//! reported applied is there and that every consumed code stays consumed.
//!
//! Runs without the test harness (`harness = false`) so that the binary's `main` can be the
//! child as well as the parent.

// The store takes time as an argument; the clock is read only to bound each round's wait for
// the child (a deadline, never an assertion on timing).
#![allow(clippy::disallowed_methods)]

mod common;

use std::io::{BufRead, BufReader, Write as _};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use authcore_hyper::ProviderStore;
use authcore_server::model::{GrantId, TokenKind};
use authcore_server::{Answer, Need, Write, WriteOutcome};
use authcore_store_sqlite::SqliteStore;
use common::{NOW, TempDir, code, grant, h, token};

const CHILD_ENV: &str = "AUTHCORE_SQLITE_CRASH_CHILD";
/// Kill rounds; each starts a child on a fresh database.
const ROUNDS: u64 = 6;
/// The most batches a child writes before it stops on its own.
const CHILD_BATCHES: u64 = 2_000;
/// The longest a round may take before the test fails instead of hanging.
const ROUND_DEADLINE: Duration = Duration::from_secs(120);

fn main() {
    match std::env::var_os(CHILD_ENV) {
        Some(path) => child(std::path::Path::new(&path)),
        None => {
            for round in 0..ROUNDS {
                parent_round(round);
            }
            println!("crash: {ROUNDS} rounds of SIGKILL, every reported write kept: ok");
        }
    }
}

/// The child: issue (grant, code, token) in one batch, then consume the code, reporting each
/// after the store answered.
fn child(path: &std::path::Path) {
    let store = SqliteStore::open(path).expect("the child opens the database");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let mut out = std::io::stdout().lock();
    for i in 0..CHILD_BATCHES {
        let issued = rt
            .block_on(store.apply(
                vec![
                    Write::InsertGrant(grant(&format!("g{i}"), NOW)),
                    Write::InsertCode(code(
                        &format!("c{i}"),
                        &format!("g{i}"),
                        NOW.saturating_add(600),
                    )),
                    Write::InsertToken(token(
                        &format!("t{i}"),
                        TokenKind::Access,
                        &format!("g{i}"),
                        Some(NOW.saturating_add(3600)),
                    )),
                ],
                NOW,
            ))
            .expect("the issuing batch");
        assert_eq!(issued, vec![WriteOutcome::Applied; 3]);
        writeln!(out, "issued {i}")
            .and_then(|()| out.flush())
            .expect("stdout");
        let consumed = rt
            .block_on(store.apply(vec![Write::ConsumeCodeIfUnused(h(&format!("c{i}")))], NOW))
            .expect("the consuming batch");
        assert_eq!(consumed, vec![WriteOutcome::Applied]);
        writeln!(out, "consumed {i}")
            .and_then(|()| out.flush())
            .expect("stdout");
    }
}

/// Kills the child when dropped, so a failing round leaves no process behind.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A small deterministic generator (SplitMix64): the kill points differ per round and are the
/// same on every run, so a failure can be reproduced.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn parent_round(round: u64) {
    let dir = TempDir::new("crash");
    let db = dir.db();
    let r = splitmix(round);
    // Kill after 1..=120 reported lines, then after a pause of 0..3 ms, so the signal lands
    // anywhere in a batch: before, inside or after a commit.
    let kill_after = 1 + r % 120;
    let pause = Duration::from_micros((r >> 16) % 3_000);
    let exe = std::env::current_exe().expect("the test binary");
    let child = Command::new(exe)
        .env(CHILD_ENV, &db)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the child");
    let mut child = ChildGuard(child);
    let stdout = child.0.stdout.take().expect("the child's stdout");
    let (tx, lines) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + ROUND_DEADLINE;
    let mut reported = Vec::new();
    while (reported.len() as u64) < kill_after {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => reported.push(line),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("round {round}: the child is stuck"),
        }
    }
    std::thread::sleep(pause);
    // Child::kill sends SIGKILL on Unix: no destructor, no flush, no orderly close.
    child.0.kill().expect("kill the child");
    let _ = child.0.wait();
    // Lines already in the pipe were reported before the kill: they count too.
    reader.join().expect("the reader thread");
    reported.extend(lines.try_iter());
    assert!(
        !reported.is_empty(),
        "round {round}: the child reported nothing"
    );

    let store = SqliteStore::open(&db).expect("the database opens after a crash");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let ask = |need: Need| {
        rt.block_on(ProviderStore::answer(&store, need, NOW))
            .expect("a readable record")
    };
    for line in &reported {
        let (what, i) = line.split_once(' ').expect("a report line");
        match what {
            "issued" => {
                assert!(
                    matches!(
                        ask(Need::Grant(GrantId(format!("g{i}")))),
                        Answer::Grant(Some(_))
                    ),
                    "round {round}: grant {i} was reported applied"
                );
                assert!(
                    matches!(ask(Need::Code(h(&format!("c{i}")))), Answer::Code(Some(_))),
                    "round {round}: code {i} was reported applied"
                );
                assert!(
                    matches!(
                        ask(Need::AccessToken(h(&format!("t{i}")))),
                        Answer::Token(Some(_))
                    ),
                    "round {round}: token {i} was reported applied"
                );
            }
            "consumed" => {
                let Answer::Code(Some(c)) = ask(Need::Code(h(&format!("c{i}")))) else {
                    panic!("round {round}: consumed code {i} is missing");
                };
                assert!(
                    c.used,
                    "round {round}: code {i} was consumed and must stay used"
                );
                let again = rt
                    .block_on(
                        store.apply(vec![Write::ConsumeCodeIfUnused(h(&format!("c{i}")))], NOW),
                    )
                    .expect("a write");
                assert_eq!(
                    again,
                    vec![WriteOutcome::Conflict],
                    "round {round}: a consumed code cannot be used again"
                );
            }
            other => panic!("round {round}: unexpected report {other:?}"),
        }
    }
    let check: String = rusqlite::Connection::open(&db)
        .and_then(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
        .expect("an integrity check");
    assert_eq!(check, "ok", "round {round}");
    println!(
        "crash round {round}: killed after {} reports, all present",
        reported.len()
    );
}
