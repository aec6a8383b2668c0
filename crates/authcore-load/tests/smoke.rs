//! A short run of the load generator against `authcore serve --dev` on SQLite: every case, a
//! small bounded count, two workers, two rounds; every exchange must succeed and the report must be
//! well-formed. It measures nothing (the numbers of a debug build on a shared machine say
//! nothing); it keeps the generator and the configuration it starts the server with working.

use std::time::Duration;

use authcore_load::{Case, Report, Settings, TargetSpec, run_target, start_target};

/// Exchanges per case.
const COUNT: u64 = 12;

#[test]
fn every_case_succeeds_against_authcore_serve_on_sqlite() {
    let spec = TargetSpec::Authcore {
        bin: authcore_tests::serve::authcore_bin(),
        instances: 1,
        store: None,
    };
    let settings = Settings {
        workers: 2,
        // The count ends each case; the deadline is only the bound a stuck server would hit.
        duration: Duration::from_secs(300),
        max_exchanges: COUNT,
        warmup: Duration::ZERO,
        cases: Case::ALL.to_vec(),
        // Two rounds: the second runs on the state the first left.
        rounds: 2,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let target_report = runtime.block_on(async {
        let target = start_target(&spec)
            .await
            .unwrap_or_else(|e| panic!("authcore serve did not start: {e}"));
        assert_eq!(target.name, "authcore-sqlite-1");
        run_target(&target, &settings)
            .await
            .unwrap_or_else(|e| panic!("the run failed: {e}"))
    });

    assert_eq!(target_report.instances, 1);
    assert_eq!(
        target_report
            .cases
            .iter()
            .map(|c| c.case)
            .collect::<Vec<_>>(),
        Case::ALL
    );
    for c in &target_report.cases {
        assert_eq!(c.rounds.len(), 2, "{}", c.case);
        assert_eq!(
            (c.ok, c.failures),
            (COUNT, 0),
            "{}: {:?}",
            c.case,
            c.first_failure
        );
        assert!(c.throughput > 0.0, "{}", c.case);
        assert!(
            0.0 < c.p50_ms && c.p50_ms <= c.p99_ms,
            "{}: p50 {} p99 {}",
            c.case,
            c.p50_ms,
            c.p99_ms
        );
    }
    let memory = &target_report.memory;
    assert_eq!(memory.len(), 1);
    let (peak, after) = (memory[0].peak_kib.unwrap(), memory[0].after_kib.unwrap());
    assert!(
        0 < after && after <= peak,
        "RSS {after} KiB, peak {peak} KiB"
    );

    let report = Report {
        targets: vec![target_report],
        workers: settings.workers,
        duration: settings.duration,
        reference: None,
    };
    assert!(report.all_succeeded());
    let md = report.markdown();
    for case in Case::ALL {
        assert!(
            md.contains(&format!("| authcore-sqlite-1 | {case} | {COUNT} | 0 |")),
            "{md}"
        );
    }
    let json = report.json();
    assert_eq!(json["targets"][0]["cases"].as_array().unwrap().len(), 5);
    assert_eq!(json["targets"][0]["cases"][2]["case"], "code");
    assert_eq!(json["targets"][0]["cases"][2]["ok"], COUNT);
}
