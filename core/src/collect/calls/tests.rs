//! The collector end to end, with probe events sent straight to
//! [`enter`]/[`exit`]. Registering a site takes the host table's
//! `extern "C"` function, which only a plugin reaches, so these tests use
//! site ids 1..n without names and name them where a view needs it.

use super::*;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

/// The collector is process-wide: one test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

fn site(function: &str) -> ProbeSite {
    ProbeSite { function: function.to_owned(), file: "test.rs".to_owned(), line: 1 }
}

/// The calling thread's tree, if it recorded anything.
fn this_thread(data: &CallsData) -> Option<&ThreadCalls> {
    let id = u64::try_from(nix::unistd::gettid().as_raw()).expect("thread ids are positive");
    data.threads.iter().find(|t| t.thread_id == id)
}

/// The calling thread's per-function view, sites named `names[id - 1]`.
fn functions_here(data: &CallsData, names: &[&str]) -> Vec<FunctionCalls> {
    let sites: Vec<ProbeSite> = names.iter().map(|name| site(name)).collect();
    per_function_of_thread(this_thread(data).expect("this thread recorded calls"), &sites)
}

fn function<'a>(rows: &'a [FunctionCalls], name: &str) -> &'a FunctionCalls {
    rows.iter().find(|r| r.function == name).expect("the function was called")
}

fn spin(duration: Duration) {
    let start = Instant::now();
    while start.elapsed() < duration {
        std::hint::spin_loop();
    }
}

const ROOT: u32 = 1;
const RECURSIVE: u32 = 2;

fn recurse(depth: u32) {
    enter(RECURSIVE);
    spin(Duration::from_micros(20));
    if depth > 1 {
        recurse(depth - 1);
    }
    exit(RECURSIVE);
}

#[test]
fn recursion_counts_primitive_calls_and_outermost_time_only() {
    let _serial = serial();
    let collector = start().expect("no other collector runs");
    let wall = Instant::now();
    for _ in 0..3 {
        enter(ROOT);
        recurse(5);
        exit(ROOT);
    }
    let wall_ns = wall.elapsed().as_nanos() as u64;
    let data = collector.stop();

    let rows = functions_here(&data, &["root", "recursive"]);
    let (root, recursive) = (function(&rows, "root"), function(&rows, "recursive"));
    assert_eq!((root.total_calls, root.primitive_calls), (3, 3));
    assert_eq!((recursive.total_calls, recursive.primitive_calls), (15, 3));
    // Counting every frame would give about three times the wall time.
    assert!(recursive.inclusive_ns >= 15 * 20_000, "{recursive:?}");
    assert!(recursive.inclusive_ns <= root.inclusive_ns, "{recursive:?} {root:?}");
    assert!(root.inclusive_ns <= wall_ns + wall_ns / 100, "{root:?} wall {wall_ns} ns");
    assert_eq!(recursive.self_ns, recursive.inclusive_ns);
    assert_eq!(root.self_ns + recursive.inclusive_ns, root.inclusive_ns);

    let nodes = &this_thread(&data).expect("recorded").nodes;
    let path: Vec<_> = nodes.iter().map(|n| (n.parent, n.site, n.calls)).collect();
    assert_eq!(path, vec![(0, 0, 0), (0, 1, 3), (1, 2, 3), (2, 2, 3), (3, 2, 3), (4, 2, 3), (5, 2, 3)]);
    assert_eq!((data.unmatched_exits, data.still_open, data.threads_missed), (0, 0, 0));
}

#[test]
fn taylor_shape_counts_triangular_calls_with_n_primitive() {
    const EXP: u32 = 1;
    const FACT: u32 = 2;
    fn fact(i: u64) -> u64 {
        enter(FACT);
        let value = if i == 0 { 1 } else { i * fact(i - 1) };
        exit(FACT);
        value
    }
    let n = 20;
    let _serial = serial();
    let collector = start().expect("no other collector runs");
    enter(EXP);
    let sum: u64 = (0..n).map(fact).fold(0, u64::wrapping_add);
    exit(EXP);
    let data = collector.stop();
    assert_ne!(sum, 0);

    let rows = functions_here(&data, &["exp", "fact"]);
    let (exp, fact) = (function(&rows, "exp"), function(&rows, "fact"));
    assert_eq!((exp.total_calls, exp.primitive_calls), (1, 1));
    assert_eq!((fact.total_calls, fact.primitive_calls), (n * (n + 1) / 2, n));
    assert!(fact.inclusive_ns <= exp.inclusive_ns, "{fact:?} {exp:?}");
}

#[test]
fn spawned_threads_hand_over_exact_counts() {
    let _serial = serial();
    let collector = start().expect("no other collector runs");
    // Scoped threads may still run their thread-local destructors, where
    // they hand over, after the scope returns: stop() must wait for them.
    std::thread::scope(|scope| {
        for name in ["calls-test-a", "calls-test-b"] {
            std::thread::Builder::new()
                .name(name.to_owned())
                .spawn_scoped(scope, || {
                    for _ in 0..1000 {
                        enter(1);
                        exit(1);
                    }
                })
                .expect("a thread can be spawned");
        }
    });
    let data = collector.stop();

    let mut ids = Vec::new();
    for name in ["calls-test-a", "calls-test-b"] {
        let thread = data.threads.iter().find(|t| t.thread_name == name).expect("the thread handed over");
        let counts: Vec<_> = thread.nodes.iter().map(|n| (n.site, n.calls)).collect();
        assert_eq!(counts, vec![(0, 0), (1, 1000)], "{name}");
        ids.push(thread.thread_id);
    }
    assert_ne!(ids[0], ids[1]);
    assert!(this_thread(&data).is_none(), "this thread made no calls");
    assert_eq!(data.threads_missed, 0);
}

#[test]
fn mismatched_exits_are_counted_without_corrupting_the_tree() {
    let _serial = serial();
    let collector = start().expect("no other collector runs");
    exit(9); // nothing open
    enter(1);
    enter(2);
    enter(3);
    exit(1); // 3 and 2 missed their exits
    exit(3); // late, nothing open
    enter(1);
    exit(7); // not open: ignored
    exit(1);
    let data = collector.stop();

    assert_eq!((data.unmatched_exits, data.still_open), (4, 0));
    let nodes = &this_thread(&data).expect("recorded").nodes;
    let shape: Vec<_> = nodes.iter().map(|n| (n.parent, n.site, n.calls)).collect();
    assert_eq!(shape, vec![(0, 0, 0), (0, 1, 2), (1, 2, 1), (2, 3, 1)]);
    assert!(nodes[1].inclusive_ns >= nodes[2].inclusive_ns && nodes[2].inclusive_ns >= nodes[3].inclusive_ns);
}

#[test]
fn calls_open_at_stop_are_ended_and_counted() {
    let _serial = serial();
    let collector = start().expect("no other collector runs");
    enter(1);
    enter(2);
    spin(Duration::from_micros(50));
    let data = collector.stop();
    exit(2); // the probes' guards drop after the pass: ignored
    exit(1);

    assert_eq!(data.still_open, 2);
    let nodes = &this_thread(&data).expect("recorded").nodes;
    assert_eq!(nodes.iter().map(|n| n.calls).collect::<Vec<_>>(), vec![0, 1, 1]);
    assert!(nodes[2].inclusive_ns >= 50_000, "{:?}", nodes[2]);
}

#[test]
fn only_one_collector_runs_at_a_time() {
    let _serial = serial();
    let first = start().expect("no other collector runs");
    assert!(matches!(start(), Err(CallsError::AlreadyRunning)));
    drop(first);
    let second = start().expect("a dropped collector is gone");
    second.stop();
    start().expect("a stopped collector is gone").stop();
}

#[test]
fn events_outside_a_pass_are_ignored() {
    let _serial = serial();
    enter(1);
    exit(1);
    let collector = start().expect("no other collector runs");
    enter(2);
    drop(collector); // discards the pass
    exit(2);

    let data = start().expect("no other collector runs").stop();
    assert!(this_thread(&data).is_none(), "{data:?}");
    assert_eq!((data.unmatched_exits, data.still_open), (0, 0));
}

#[test]
fn stop_names_sites_from_the_host_registry() {
    let _serial = serial();
    let data = start().expect("no other collector runs").stop();
    assert_eq!(data.sites, probe_sites());
}

#[test]
fn data_round_trips_through_json() {
    let _serial = serial();
    let collector = start().expect("no other collector runs");
    enter(1);
    exit(1);
    let mut data = collector.stop();
    data.sites = vec![site("f")];
    let json = serde_json::to_string(&data).expect("plain data serialises");
    assert_eq!(serde_json::from_str::<CallsData>(&json).expect("it reads back"), data);
}
