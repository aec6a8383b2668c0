//! Running the cases against a started target: workers, bounds, latencies.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::client::Client;
use crate::report::{CaseReport, TargetReport};
use crate::targets::RunningTarget;

/// One measured exchange (see the crate docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// (a) Client credentials, opaque access token.
    ClientCredentialsOpaque,
    /// (b) Client credentials, JWT access token (ES256).
    ClientCredentialsJwt,
    /// (c) Authorization request with PKCE in a session, then the code exchange.
    AuthorizationCode,
    /// (d) Introspection of an opaque token.
    Introspection,
    /// (e) UserInfo.
    UserInfo,
}

impl Case {
    /// Every case, in report order.
    pub const ALL: [Case; 5] = [
        Case::ClientCredentialsOpaque,
        Case::ClientCredentialsJwt,
        Case::AuthorizationCode,
        Case::Introspection,
        Case::UserInfo,
    ];

    /// The case's name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Case::ClientCredentialsOpaque => "cc-opaque",
            Case::ClientCredentialsJwt => "cc-jwt",
            Case::AuthorizationCode => "code",
            Case::Introspection => "introspect",
            Case::UserInfo => "userinfo",
        }
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Case {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Case::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown case `{s}`: one of {}",
                    Case::ALL.map(Case::name).join(", ")
                )
            })
    }
}

/// The bounds of a run, the same for every target and case.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Concurrent workers.
    pub workers: usize,
    /// How long each case is measured, at most.
    pub duration: Duration,
    /// How many exchanges each case makes, at most (all workers together).
    pub max_exchanges: u64,
    /// How long each case runs unmeasured first (connections opened, caches and JIT warm).
    pub warmup: Duration,
    /// The cases.
    pub cases: Vec<Case>,
    /// How many times each case runs on each target (at least once), the targets taking
    /// turns case by case, so a busy spell of the machine hits them alike.
    pub rounds: usize,
}

/// The token the introspection or UserInfo case presents, made just before the case (a
/// provider whose store is a bounded cache may have dropped one made earlier).
struct Prepared {
    token: String,
}

/// Runs every case of `settings` against `target` and reports them with the target's
/// memory use after the run (see [`run_targets`]).
pub async fn run_target(
    target: &RunningTarget,
    settings: &Settings,
) -> Result<TargetReport, String> {
    let mut reports = run_targets(std::slice::from_ref(target), settings, |_, _| {}).await?;
    reports
        .pop()
        .ok_or_else(|| "no report for the target".to_owned())
}

/// Runs every case of `settings` against every target, `settings.rounds` times: round by
/// round, case by case, the targets in turn. Each target's report has, per case, the
/// median round ([`CaseReport::median_round`]) and its memory use after the run;
/// `on_case` hears of every round as it ends. Fails only when a case cannot be prepared (a
/// worker cannot sign in, no token to introspect); failed exchanges are counted in the
/// report.
pub async fn run_targets(
    targets: &[RunningTarget],
    settings: &Settings,
    mut on_case: impl FnMut(&str, &CaseReport),
) -> Result<Vec<TargetReport>, String> {
    let profiles: Vec<_> = targets
        .iter()
        .map(|t| Arc::new(t.profile.clone()))
        .collect();
    // rounds[target][case]: every round's report.
    let mut rounds: Vec<Vec<Vec<CaseReport>>> =
        vec![vec![Vec::new(); settings.cases.len()]; targets.len()];
    for _ in 0..settings.rounds.max(1) {
        for (c, &case) in settings.cases.iter().enumerate() {
            for (t, target) in targets.iter().enumerate() {
                let report = run_case(target, settings, case, &profiles[t]).await?;
                on_case(&target.name, &report);
                rounds[t][c].push(report);
            }
        }
    }
    Ok(targets
        .iter()
        .zip(rounds)
        .map(|(target, per_case)| TargetReport {
            target: target.name.clone(),
            instances: target.addrs.len(),
            cases: per_case
                .into_iter()
                .filter_map(CaseReport::median_round)
                .collect(),
            memory: target.memory(),
        })
        .collect())
}

/// What one worker measured.
#[derive(Default)]
struct WorkerResult {
    latencies_us: Vec<u64>,
    failures: u64,
    first_failure: Option<String>,
}

async fn run_case(
    target: &RunningTarget,
    settings: &Settings,
    case: Case,
    profile: &Arc<crate::Profile>,
) -> Result<CaseReport, String> {
    let mut setup = Client::new(&target.addrs, 0);
    let token = match case {
        Case::Introspection => setup
            .client_credentials(profile, &profile.opaque_resource, false)
            .await
            .map_err(|e| format!("{}: preparing the token to introspect: {e}", target.name))?,
        Case::UserInfo => setup
            .sign_in(profile)
            .await
            .map_err(|e| format!("{}: preparing the UserInfo token: {e}", target.name))?,
        _ => String::new(),
    };
    let prepared = &Arc::new(Prepared { token });
    // Workers sign in (the code flow's session and consent) before anything is timed.
    let mut clients = Vec::with_capacity(settings.workers);
    for w in 0..settings.workers.max(1) {
        let mut c = Client::new(&target.addrs, w);
        if case == Case::AuthorizationCode {
            c.sign_in(profile)
                .await
                .map_err(|e| format!("{}: worker {w} could not sign in: {e}", target.name))?;
        }
        clients.push(c);
    }
    // Warm-up: every worker runs unmeasured until the warm-up ends.
    let warm_until = Instant::now() + settings.warmup;
    let mut tasks = Vec::new();
    for mut c in clients {
        let (p, prep) = (Arc::clone(profile), Arc::clone(prepared));
        tasks.push(tokio::spawn(async move {
            while Instant::now() < warm_until {
                let _ = exchange(&mut c, case, &p, &prep).await;
            }
            c
        }));
    }
    let mut clients = Vec::with_capacity(tasks.len());
    for t in tasks {
        clients.push(t.await.map_err(|e| format!("a worker failed: {e}"))?);
    }

    let started = Instant::now();
    let deadline = started + settings.duration;
    let issued = Arc::new(AtomicU64::new(0));
    let max = settings.max_exchanges;
    let mut tasks = Vec::new();
    for mut c in clients {
        let (p, prep, issued) = (
            Arc::clone(profile),
            Arc::clone(prepared),
            Arc::clone(&issued),
        );
        tasks.push(tokio::spawn(async move {
            let mut r = WorkerResult::default();
            // Bounded twice: by the shared count and by the deadline.
            while Instant::now() < deadline && issued.fetch_add(1, Ordering::Relaxed) < max {
                let t0 = Instant::now();
                match exchange(&mut c, case, &p, &prep).await {
                    Ok(()) => r
                        .latencies_us
                        .push(u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX)),
                    Err(e) => {
                        r.failures += 1;
                        r.first_failure.get_or_insert(e);
                    }
                }
            }
            r
        }));
    }
    let mut latencies = Vec::new();
    let (mut failures, mut first_failure) = (0, None);
    for t in tasks {
        let r = t.await.map_err(|e| format!("a worker failed: {e}"))?;
        latencies.extend(r.latencies_us);
        failures += r.failures;
        if first_failure.is_none() {
            first_failure = r.first_failure;
        }
    }
    let elapsed = started.elapsed();
    Ok(CaseReport::new(
        case,
        latencies,
        failures,
        first_failure,
        elapsed,
    ))
}

async fn exchange(
    c: &mut Client,
    case: Case,
    p: &crate::Profile,
    prep: &Prepared,
) -> Result<(), String> {
    match case {
        Case::ClientCredentialsOpaque => c
            .client_credentials(p, &p.opaque_resource, false)
            .await
            .map(drop),
        Case::ClientCredentialsJwt => c
            .client_credentials(p, &p.jwt_resource, true)
            .await
            .map(drop),
        Case::AuthorizationCode => c.code_exchange(p).await.map(drop),
        Case::Introspection => c.introspect(p, &prep.token).await,
        Case::UserInfo => c.userinfo(p, &prep.token).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_names_round_trip_and_unknown_ones_are_refused() {
        for c in Case::ALL {
            assert_eq!(c.name().parse::<Case>(), Ok(c));
        }
        let e = "cc".parse::<Case>().unwrap_err();
        assert!(
            e.contains("cc-opaque, cc-jwt, code, introspect, userinfo"),
            "{e}"
        );
    }
}
