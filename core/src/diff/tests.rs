//! The engine on small synthetic reports whose every figure is worked out
//! by hand below.
//!
//! ```text
//! base: 40 samples, cpu_s 0.4, 2 runs: 0.005 s per sample per run
//!   run → work   30 samples     run → old   10 samples
//!   calls: work 4 calls (2 per run); heap: run → work 1000 B, peak 600 B
//! new:  64 samples, cpu_s 0.64, 2 runs: 0.005 s per sample per run
//!   run → work   60 samples     run → fresh  4 samples
//!   calls: work 6 calls (3 per run); heap: run → work 1500 B, peak 600 B
//! ```

use super::*;
use crate::report::build::ReportBuilder;
use crate::report::*;

const RUN: &str = "app::run";
const WORK: &str = "app::work";
const OLD: &str = "app::old";
const FRESH: &str = "app::fresh";

struct Spec<'a> {
    /// (callee under run, samples) per round; one entry = one round.
    rounds: Vec<Vec<(&'a str, u64)>>,
    cpu_s: f64,
    repeats: u32,
    work_calls: u64,
    work_bytes: u64,
}

fn report(spec: &Spec) -> Report {
    let mut b = ReportBuilder::new(crate::report::build::tests::run_info());
    let thread = b.thread(PassKind::Cpu, 1, "main");
    let calls_thread = b.thread(PassKind::Calls, 2, "main");
    let run = b.function(RUN, None, None);
    let run_node = b.node(ROOT, run, 1);
    let node_of = |b: &mut ReportBuilder, name: &str| {
        let f = b.function(name, None, None);
        b.node(run_node, f, 2)
    };
    let mut samples = Vec::new();
    let mut rounds = Vec::new();
    let per_round_s = spec.cpu_s / spec.rounds.len() as f64;
    for round in &spec.rounds {
        let mut count = 0;
        for &(name, n) in round {
            let node = node_of(&mut b, name);
            count += n;
            samples.extend((0..n).map(|i| Sample { node, thread, time_ns: i, weight: 1 }));
        }
        rounds.push(CpuRound {
            samples: count as u32,
            repeats: spec.repeats / spec.rounds.len() as u32,
            cpu_s: per_round_s,
        });
    }
    let work = node_of(&mut b, WORK);
    b.set_cpu(CpuProfile {
        clock: crate::collect::cpu::SampleClock::ItimerProf,
        unsampled_s: None,
        requested_hz: 997.0,
        achieved_hz: 250.0,
        cpu_s: spec.cpu_s,
        wall_s: spec.cpu_s,
        wait_s: None,
        repeats: spec.repeats,
        dropped: 0,
        samples,
        rounds: if spec.rounds.len() > 1 { rounds } else { Vec::new() },
    });
    b.set_calls(CallProfile {
        repeats: 2,
        stats: vec![CallStat {
            node: work,
            thread: calls_thread,
            calls: spec.work_calls,
            inclusive_ns: 1000,
            self_ns: 1000,
        }],
        unmatched_exits: 0,
    });
    b.set_heap(HeapProfile {
        sites: vec![HeapSite {
            node: work,
            total_bytes: spec.work_bytes,
            total_blocks: 1,
            bytes_at_peak: 600,
            blocks_at_peak: 1,
            bytes_at_end: 0,
            blocks_at_end: 0,
            max_bytes: 600,
            max_blocks: 1,
            lifetimes_us: None,
        }],
        total_bytes: spec.work_bytes,
        total_blocks: 1,
        peak_bytes: 600,
        peak_time_ns: 1,
        end_bytes: 0,
        end_blocks: 0,
        timeline: Vec::new(),
    });
    b.finish()
}

fn base() -> Report {
    report(&Spec {
        rounds: vec![vec![(WORK, 30), (OLD, 10)]],
        cpu_s: 0.4,
        repeats: 2,
        work_calls: 4,
        work_bytes: 1000,
    })
}

fn new() -> Report {
    report(&Spec {
        rounds: vec![vec![(WORK, 60), (FRESH, 4)]],
        cpu_s: 0.64,
        repeats: 2,
        work_calls: 6,
        work_bytes: 1500,
    })
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} vs {b}");
}

#[test]
fn functions_are_matched_by_name_and_sorted_by_the_largest_change() {
    let diff = Diff::new(&base(), &new());
    assert_eq!(diff.time_source, TimeSource::Samples);
    let names: Vec<&str> = diff.functions.iter().map(|f| f.name.as_str()).collect();
    // |Δ incl|: work 0.15, run 0.12, old 0.05, fresh 0.02.
    assert_eq!(names, [WORK, RUN, OLD, FRESH]);

    let work = diff.function(WORK).expect("work");
    assert_eq!(work.presence, Presence::Both);
    let incl = work.changes.inclusive_time.as_ref().expect("sampled");
    // 30 and 60 samples of 0.005 s; errors 0.005·sqrt(30), 0.005·sqrt(60),
    // combined 0.005·sqrt(90) = 0.04743, 3× = 0.1423 < 0.15.
    close(incl.base, 0.15);
    close(incl.new, 0.30);
    close(incl.delta, 0.15);
    close(incl.ratio.expect("base is not 0"), 2.0);
    close(incl.base_sd, 0.005 * 30f64.sqrt());
    assert_eq!((incl.base_samples, incl.new_samples), (Some(30), Some(60)));
    assert_eq!(incl.verdict, Verdict::Significant);
    let calls = work.changes.calls.as_ref().expect("probed");
    assert_eq!((calls.base, calls.new, calls.verdict.clone()), (2.0, 3.0, Verdict::Significant));
    let bytes = work.changes.bytes.as_ref().expect("heap pass");
    assert_eq!((bytes.base, bytes.new, bytes.delta), (1000.0, 1500.0, 500.0));
    let peak = work.changes.peak_bytes.as_ref().expect("heap pass");
    assert_eq!(peak.verdict, Verdict::Unchanged);

    // run: 40 → 64 samples, Δ 0.12 ≤ 3 × 0.005·sqrt(104) = 0.153: noise.
    let run = diff.function(RUN).expect("run");
    assert_eq!(run.changes.inclusive_time.as_ref().map(|c| c.verdict.clone()), Some(Verdict::Noise));
    assert_eq!(run.changes.calls, None, "run is not probed on either side");
}

#[test]
fn a_function_on_one_side_is_added_or_removed() {
    let diff = Diff::new(&base(), &new());
    let old = diff.function(OLD).expect("old");
    assert_eq!(old.presence, Presence::Removed);
    let incl = old.changes.inclusive_time.as_ref().expect("sampled");
    // 10 samples → 0: Δ 0.05 > 3 × 0.005·sqrt(10) = 0.0474.
    assert_eq!((incl.new, incl.ratio, incl.verdict.clone()), (0.0, Some(0.0), Verdict::Significant));
    let fresh = diff.function(FRESH).expect("fresh");
    assert_eq!(fresh.presence, Presence::Added);
    let incl = fresh.changes.inclusive_time.as_ref().expect("sampled");
    // 0 → 4 samples: Δ 0.02 ≤ 3 × 0.005·2 = 0.03.
    assert_eq!((incl.base, incl.ratio, incl.verdict.clone()), (0.0, None, Verdict::Noise));
    assert_eq!(fresh.changes.calls, None, "not probed");
    assert_eq!(fresh.changes.bytes.as_ref().map(|c| (c.base, c.new)), Some((0.0, 0.0)));
}

#[test]
fn paths_are_matched_by_their_names() {
    let diff = Diff::new(&base(), &new());
    let work = diff.path(&[RUN, WORK]).expect("run → work");
    assert_eq!((work.depth, work.presence), (2, Presence::Both));
    assert_eq!(diff.path_names(work.id), [RUN, WORK]);
    close(work.changes.inclusive_time.as_ref().expect("sampled").delta, 0.15);
    assert_eq!(diff.path(&[RUN, OLD]).map(|p| p.presence), Some(Presence::Removed));
    assert_eq!(diff.path(&[RUN, FRESH]).map(|p| p.presence), Some(Presence::Added));
    assert!(diff.path(&[WORK]).is_none());
    let order: Vec<Vec<&str>> = diff.paths.iter().map(|p| diff.path_names(p.id)).collect();
    assert_eq!(order, [vec![RUN, WORK], vec![RUN], vec![RUN, OLD], vec![RUN, FRESH]]);
    let totals = diff.totals.cpu_time.as_ref().expect("cpu on both");
    assert_eq!((totals.base, totals.new), (0.2, 0.32));
}

#[test]
fn a_report_against_itself_changes_nothing() {
    let diff = Diff::new(&base(), &base());
    let all = diff.functions.iter().map(|f| &f.changes).chain(diff.paths.iter().map(|p| &p.changes));
    for changes in all {
        for key in [DiffKey::Inclusive, DiffKey::SelfTime, DiffKey::Calls, DiffKey::Bytes, DiffKey::Peak] {
            if let Some(c) = changes.get(key) {
                assert_eq!((c.delta, c.verdict.clone()), (0.0, Verdict::Unchanged), "{key:?}");
            }
        }
    }
    assert!(diff.functions.iter().all(|f| f.presence == Presence::Both));
}

#[test]
fn rounds_give_per_round_errors() {
    // Two rounds of 20 samples, 0.2 s and one run each: work has 4 and 20
    // samples, 0.04 and 0.20 s per run; sample sd 0.1131, standard error
    // 0.08; over the whole pass 24 samples × 0.005 = 0.12 s with a
    // sampling error of 0.005·sqrt(24) = 0.0245, below 0.08.
    let rounds = report(&Spec {
        rounds: vec![vec![(WORK, 4), (OLD, 16)], vec![(WORK, 20)]],
        cpu_s: 0.4,
        repeats: 2,
        work_calls: 4,
        work_bytes: 1000,
    });
    let diff = Diff::new(&rounds, &new());
    assert_eq!(diff.base.cpu.as_ref().map(|c| c.rounds), Some(2));
    let incl = diff.function(WORK).and_then(|f| f.changes.inclusive_time.clone()).expect("sampled");
    close(incl.base, 0.12);
    close(incl.base_sd, 0.08);
    // Δ 0.18 ≤ 3 × sqrt(0.08² + (0.005·sqrt(60))²) = 0.2614: noise.
    assert_eq!(incl.verdict, Verdict::Noise);
    let path = diff.path(&[RUN, WORK]).and_then(|p| p.changes.inclusive_time.clone()).expect("sampled");
    close(path.base_sd, 0.08);
    // The whole run: rounds of 0.2 s each, no spread; sampling error rules.
    let total = diff.totals.cpu_time.as_ref().expect("cpu");
    close(total.base_sd, 0.005 * 40f64.sqrt());
}

#[test]
fn pairs_compare_differently_named_functions() {
    let options = DiffOptions { pairs: vec![(OLD.to_string(), FRESH.to_string())], ..DiffOptions::default() };
    let diff = Diff::with_options(&base(), &new(), &options);
    let paired = diff.function(FRESH).expect("paired");
    assert_eq!((paired.presence, paired.base_name.as_deref()), (Presence::Both, Some(OLD)));
    assert!(diff.function(OLD).is_some_and(|f| f.name == FRESH), "found by its base name too");
    let incl = paired.changes.inclusive_time.as_ref().expect("sampled");
    assert_eq!((incl.base_samples, incl.new_samples), (Some(10), Some(4)));
    assert_eq!(diff.path(&[RUN, FRESH]).map(|p| p.presence), Some(Presence::Both));
    // Lookups follow the rows when they are sorted again.
    let mut diff = diff;
    diff.sort(DiffKey::Name);
    assert!(diff.function(FRESH).is_some_and(|f| f.base_name.as_deref() == Some(OLD)));
    assert!(diff.function(OLD).is_some_and(|f| f.name == FRESH));
    assert!(diff.function("no::such").is_none());
}

#[test]
fn the_gate_counts_noise_as_no_change() {
    let (b, n) = (base(), new());
    let diff = Diff::new(&b, &n);
    let gate = |text: &str| {
        let condition = parse_condition(text).expect("parses");
        evaluate(&diff, &b, &n, &[condition]).map(|r| r[0].clone())
    };
    let work = gate("incl(work) > +50%").expect("checks");
    assert!(work.fails && !work.within_noise);
    close(work.measured, 1.0);
    assert!(!gate("incl(work) > +150%").expect("checks").fails);
    assert!(gate("incl(work) > +100ms").expect("checks").fails, "Δ 150 ms");
    // run's +60% is noise: counted as 0, so a regression gate passes and an
    // improvement gate fails.
    let run = gate("incl(app::run) > +10%").expect("checks");
    assert!(run.within_noise && !run.fails);
    assert!(gate("incl(app::run) > -10%").expect("checks").fails);
    assert!(gate("calls(work) > +0").expect("checks").fails, "exact: 2 → 3");
    assert!(!gate("calls(work) > +1").expect("checks").fails);
    assert!(gate("bytes(work) > +400B").expect("checks").fails);
    assert!(!gate("peak > 0").expect("checks").fails, "600 B on both sides");
    assert!(gate("incl(fresh) > +1000%").expect("checks").within_noise);
    // An unknown function names the near ones; an unprobed one is not measured.
    match gate("incl(wrok) > 1%") {
        Err(GateError::Lookup {
            source: crate::analysis::LookupError::NoFunction { similar, .. }, ..
        }) => {
            assert_eq!(similar, [WORK]);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(gate("calls(app::run) > 1"), Err(GateError::NotMeasured { .. })));
}

#[test]
fn a_variant_module_is_swapped_when_matching() {
    assert_eq!(super::variant_renamed("simul::naive::evolve", "naive", "tuned"), "simul::tuned::evolve");
    assert_eq!(super::variant_renamed("simul::naive_helper", "naive", "tuned"), "simul::naive_helper");
    // Segments inside a qualified path are swapped too.
    assert_eq!(
        super::variant_renamed("<simul::naive::P as Clone>::clone", "naive", "soa"),
        "<simul::soa::P as Clone>::clone"
    );
}
