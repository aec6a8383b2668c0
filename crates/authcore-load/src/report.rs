//! The report: per target and case, throughput and latency percentiles; memory per
//! instance; ratios against a reference target; Markdown and JSON.

use std::time::Duration;

use serde_json::{Value, json};

use crate::run::Case;

/// What one case measured on one target.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseReport {
    /// The case.
    pub case: Case,
    /// Successful exchanges.
    pub ok: u64,
    /// Failed exchanges (an error status, a malformed response, a transport error).
    pub failures: u64,
    /// The first failure's description.
    pub first_failure: Option<String>,
    /// How long the measured part took.
    pub elapsed: Duration,
    /// Successful exchanges per second.
    pub throughput: f64,
    /// Median latency of the successful exchanges, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency, in milliseconds.
    pub p99_ms: f64,
    /// Every round's throughput and p99, in run order (one entry for a single round); the
    /// other fields are the median round's ([`CaseReport::median_round`]).
    pub rounds: Vec<RoundMeasure>,
}

/// One round of a case on one target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundMeasure {
    /// Successful exchanges per second.
    pub throughput: f64,
    /// 99th percentile latency, in milliseconds.
    pub p99_ms: f64,
}

impl CaseReport {
    /// The report of `latencies_us` (one per successful exchange) measured over `elapsed`.
    pub fn new(
        case: Case,
        mut latencies_us: Vec<u64>,
        failures: u64,
        first_failure: Option<String>,
        elapsed: Duration,
    ) -> CaseReport {
        latencies_us.sort_unstable();
        let ok = latencies_us.len() as u64;
        let secs = elapsed.as_secs_f64();
        let throughput = if secs > 0.0 { ok as f64 / secs } else { 0.0 };
        let p99_ms = percentile(&latencies_us, 99) / 1000.0;
        CaseReport {
            case,
            ok,
            failures,
            first_failure,
            elapsed,
            throughput,
            p50_ms: percentile(&latencies_us, 50) / 1000.0,
            p99_ms,
            rounds: vec![RoundMeasure { throughput, p99_ms }],
        }
    }

    /// The rounds of one case on one target as one report: the round of median throughput
    /// (the lower of the two middle ones for an even count), with every round's failures
    /// counted and every round's measures kept in [`CaseReport::rounds`]. `None` for no
    /// rounds.
    pub fn median_round(rounds: Vec<CaseReport>) -> Option<CaseReport> {
        let measures: Vec<RoundMeasure> = rounds.iter().flat_map(|r| r.rounds.clone()).collect();
        let failures = rounds.iter().map(|r| r.failures).sum();
        let first_failure = rounds.iter().find_map(|r| r.first_failure.clone());
        let mut by_throughput = rounds;
        by_throughput.sort_by(|a, b| a.throughput.total_cmp(&b.throughput));
        let middle = by_throughput.len().checked_sub(1)? / 2;
        let mut median = by_throughput.swap_remove(middle);
        median.failures = failures;
        median.first_failure = first_failure;
        median.rounds = measures;
        Some(median)
    }
}

/// `c` against the reference `r`, round by round (the rounds of one run alternate the
/// targets, so each pair was measured minutes apart at most): the median throughput ratio,
/// its lowest and highest, and the median p99 ratio. `None` without a round to compare.
fn round_ratios(c: &CaseReport, r: &CaseReport) -> Option<(f64, f64, f64, f64)> {
    let pairs: Vec<(f64, f64)> = c
        .rounds
        .iter()
        .zip(&r.rounds)
        .filter(|(_, r)| r.throughput > 0.0 && r.p99_ms > 0.0)
        .map(|(c, r)| (c.throughput / r.throughput, c.p99_ms / r.p99_ms))
        .collect();
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len().checked_sub(1)? / 2).copied()
    };
    let throughput: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let low = throughput.iter().copied().reduce(f64::min)?;
    let high = throughput.iter().copied().reduce(f64::max)?;
    Some((
        median(throughput)?,
        low,
        high,
        median(pairs.iter().map(|p| p.1).collect())?,
    ))
}

/// The nearest-rank percentile `p` of sorted samples (0 when there are none).
fn percentile(sorted: &[u64], p: usize) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    // Nearest rank: the smallest sample with at least p % of the samples at or below it.
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1] as f64
}

/// Resident memory of one target process, from `/proc/PID/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryReport {
    /// The process id.
    pub pid: u32,
    /// `VmHWM`: the peak resident set, in KiB.
    pub peak_kib: Option<u64>,
    /// `VmRSS`: the resident set after the run, in KiB.
    pub after_kib: Option<u64>,
}

impl MemoryReport {
    /// Reads `VmHWM` and `VmRSS` of `pid` (`None` where unavailable).
    pub fn of(pid: u32) -> MemoryReport {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        MemoryReport {
            pid,
            peak_kib: status_kib(&status, "VmHWM:"),
            after_kib: status_kib(&status, "VmRSS:"),
        }
    }
}

/// A `NAME:   1234 kB` line of `/proc/PID/status`, in KiB.
fn status_kib(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|n| n.trim().parse().ok())
}

/// Every case on one target, and the memory of its processes after them.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetReport {
    /// The target's name (`authcore-sqlite-1`, `oidc-provider`, ...).
    pub target: String,
    /// How many instances served the requests.
    pub instances: usize,
    /// The cases, in run order.
    pub cases: Vec<CaseReport>,
    /// One entry per process.
    pub memory: Vec<MemoryReport>,
}

impl TargetReport {
    /// The report of `case`, if it ran.
    pub fn case(&self, case: Case) -> Option<&CaseReport> {
        self.cases.iter().find(|c| c.case == case)
    }
}

/// A whole run: the targets, the bounds, and which target the ratios are taken against.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The targets, in run order.
    pub targets: Vec<TargetReport>,
    /// Workers per case.
    pub workers: usize,
    /// Measured duration per case (at most).
    pub duration: Duration,
    /// The target the ratios compare to (`oidc-provider`), when it ran.
    pub reference: Option<String>,
}

impl Report {
    fn reference_case(&self, case: Case) -> Option<&CaseReport> {
        let name = self.reference.as_deref()?;
        self.targets.iter().find(|t| t.target == name)?.case(case)
    }

    /// Whether every exchange of every case succeeded and every case made at least one.
    pub fn all_succeeded(&self) -> bool {
        self.targets
            .iter()
            .flat_map(|t| &t.cases)
            .all(|c| c.failures == 0 && c.ok > 0)
    }

    /// The report as Markdown tables: one row per target and case (throughput, p50, p99,
    /// failures, ratios against the reference), then memory per process.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let reference = self.reference.as_deref().unwrap_or("-");
        // With several rounds, a row is the median round, and the ratios are the medians of
        // the rounds' ratios (lowest–highest in brackets).
        out.push_str(&format!(
            "| target | case | exchanges | failed | per second | p50 ms | p99 ms | throughput × {reference} | p99 ÷ {reference} |\n"
        ));
        out.push_str("|---|---|---|---|---|---|---|---|---|\n");
        for t in &self.targets {
            for c in &t.cases {
                let (ratio, p99_ratio) =
                    match self.reference_case(c.case).and_then(|r| round_ratios(c, r)) {
                        Some((median, low, high, p99)) if c.rounds.len() > 1 => (
                            format!("{median:.2}× ({low:.2}–{high:.2})"),
                            format!("{p99:.2}"),
                        ),
                        Some((median, _, _, p99)) => (format!("{median:.2}×"), format!("{p99:.2}")),
                        None => ("-".to_owned(), "-".to_owned()),
                    };
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {ratio} | {p99_ratio} |\n",
                    t.target, c.case, c.ok, c.failures, c.throughput, c.p50_ms, c.p99_ms
                ));
            }
        }
        out.push_str("\n| target | process | peak RSS MiB | RSS after MiB |\n|---|---|---|---|\n");
        let mib =
            |k: Option<u64>| k.map_or("-".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0));
        for t in &self.targets {
            for (i, m) in t.memory.iter().enumerate() {
                out.push_str(&format!(
                    "| {} | {} (pid {}) | {} | {} |\n",
                    t.target,
                    i + 1,
                    m.pid,
                    mib(m.peak_kib),
                    mib(m.after_kib)
                ));
            }
        }
        let failed: Vec<String> = self
            .targets
            .iter()
            .flat_map(|t| {
                t.cases.iter().filter_map(move |c| {
                    c.first_failure
                        .as_ref()
                        .map(|f| format!("- {} {}: {f}", t.target, c.case))
                })
            })
            .collect();
        if !failed.is_empty() {
            out.push_str("\nFirst failure per case:\n");
            out.push_str(&failed.join("\n"));
            out.push('\n');
        }
        out
    }

    /// The report as JSON.
    pub fn json(&self) -> Value {
        json!({
            "workers": self.workers,
            "duration_secs": self.duration.as_secs_f64(),
            "reference": self.reference,
            "targets": self.targets.iter().map(|t| json!({
                "target": t.target,
                "instances": t.instances,
                "cases": t.cases.iter().map(|c| json!({
                    "case": c.case.name(),
                    "ok": c.ok,
                    "failures": c.failures,
                    "first_failure": c.first_failure,
                    "elapsed_secs": c.elapsed.as_secs_f64(),
                    "per_second": c.throughput,
                    "p50_ms": c.p50_ms,
                    "p99_ms": c.p99_ms,
                    "rounds": c.rounds.iter().map(|r| json!({
                        "per_second": r.throughput,
                        "p99_ms": r.p99_ms,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "memory": t.memory.iter().map(|m| json!({
                    "pid": m.pid,
                    "peak_kib": m.peak_kib,
                    "after_kib": m.after_kib,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(percentile(&[], 50), 0.0);
        assert_eq!(percentile(&[7], 99), 7.0);
        let hundred: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&hundred, 50), 50.0);
        assert_eq!(percentile(&hundred, 99), 99.0);
        let ten: Vec<u64> = (1..=10).collect();
        assert_eq!(percentile(&ten, 50), 5.0);
        assert_eq!(percentile(&ten, 99), 10.0);
    }

    #[test]
    fn status_lines_in_kib() {
        let s = "Name:\tauthcore\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(status_kib(s, "VmHWM:"), Some(20480));
        assert_eq!(status_kib(s, "VmRSS:"), Some(10240));
        assert_eq!(status_kib(s, "VmSwap:"), None);
        assert_eq!(status_kib("VmRSS: lots", "VmRSS:"), None);
    }

    fn measured(throughput: f64, p99_ms: f64, failures: u64) -> CaseReport {
        CaseReport {
            case: Case::AuthorizationCode,
            ok: throughput as u64,
            failures,
            first_failure: (failures > 0).then(|| format!("failed at {throughput}/s")),
            elapsed: Duration::from_secs(1),
            throughput,
            p50_ms: p99_ms / 2.0,
            p99_ms,
            rounds: vec![RoundMeasure { throughput, p99_ms }],
        }
    }

    #[test]
    fn the_median_round_stands_for_the_rounds_and_keeps_every_failure() {
        assert_eq!(CaseReport::median_round(Vec::new()), None);
        let merged = CaseReport::median_round(vec![
            measured(300.0, 10.0, 0),
            measured(100.0, 30.0, 2),
            measured(200.0, 20.0, 1),
        ])
        .unwrap();
        assert_eq!(merged.throughput, 200.0);
        assert_eq!(merged.p99_ms, 20.0);
        assert_eq!(merged.failures, 3);
        assert_eq!(merged.first_failure.as_deref(), Some("failed at 100/s"));
        let order: Vec<f64> = merged.rounds.iter().map(|r| r.throughput).collect();
        assert_eq!(order, [300.0, 100.0, 200.0], "rounds keep their run order");
        // Even counts take the lower middle round.
        let two = CaseReport::median_round(vec![measured(5.0, 1.0, 0), measured(1.0, 1.0, 0)]);
        assert_eq!(two.unwrap().throughput, 1.0);
    }

    #[test]
    fn ratios_over_rounds_pair_each_round_with_the_references_same_round() {
        let target = |name: &str, rounds: &[(f64, f64)]| TargetReport {
            target: name.into(),
            instances: 1,
            cases: vec![
                CaseReport::median_round(rounds.iter().map(|&(t, p)| measured(t, p, 0)).collect())
                    .unwrap(),
            ],
            memory: Vec::new(),
        };
        // The target is 2x, 3x and 4x the reference in its rounds: the median of the ratios
        // is 3x, while the ratio of the medians would be 400/200 = 2x.
        let report = Report {
            targets: vec![
                target("fast", &[(200.0, 10.0), (600.0, 10.0), (400.0, 10.0)]),
                target(
                    "oidc-provider",
                    &[(100.0, 20.0), (200.0, 40.0), (100.0, 10.0)],
                ),
            ],
            workers: 1,
            duration: Duration::from_secs(1),
            reference: Some("oidc-provider".into()),
        };
        let md = report.markdown();
        assert!(md.contains("| 3.00× (2.00–4.00) | 0.50 |"), "{md}");
        assert!(
            md.contains("| oidc-provider | code | 100 | 0 | 100 |"),
            "{md}"
        );
        assert!(md.contains("| 1.00× (1.00–1.00) | 1.00 |"), "{md}");
        let json = report.json();
        assert_eq!(
            json["targets"][0]["cases"][0]["rounds"][1]["per_second"],
            600.0
        );
    }

    #[test]
    fn ratios_are_against_the_reference() {
        let case = |target: &str, latencies: Vec<u64>| TargetReport {
            target: target.into(),
            instances: 1,
            cases: vec![CaseReport::new(
                Case::ClientCredentialsOpaque,
                latencies,
                0,
                None,
                Duration::from_secs(1),
            )],
            memory: vec![MemoryReport {
                pid: 1,
                peak_kib: Some(2048),
                after_kib: None,
            }],
        };
        let report = Report {
            targets: vec![
                case("fast", vec![1000; 300]),
                case("oidc-provider", vec![4000; 100]),
            ],
            workers: 1,
            duration: Duration::from_secs(1),
            reference: Some("oidc-provider".into()),
        };
        let md = report.markdown();
        assert!(
            md.contains("| fast | cc-opaque | 300 | 0 | 300 | 1.00 | 1.00 | 3.00× | 0.25 |"),
            "{md}"
        );
        assert!(md.contains("| fast | 1 (pid 1) | 2.0 | - |"), "{md}");
        assert!(report.all_succeeded());
        let json = report.json();
        assert_eq!(json["targets"][0]["cases"][0]["ok"], 300);
    }
}
