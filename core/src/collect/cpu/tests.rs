//! The sampler on workloads of known shape: shares, a deep recursion, two
//! hot lines, named threads. Tests run one at a time (one sampler per
//! process) and budget their work in thread CPU time, which is what both
//! clocks count. Most run on the automatic clock (perf events here); the
//! shares and the rates are checked on both.

use super::*;
use std::hint::black_box;
use std::sync::{Mutex, MutexGuard};

const HERE: &str = module_path!();
const SOURCE: &str = include_str!("tests.rs");

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn thread_cpu_ns() -> u64 {
    let mut time = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `time` is a valid timespec to write into.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    time.tv_sec as u64 * 1_000_000_000 + time.tv_nsec as u64
}

/// The line holding `// line: {marker}` in this file.
fn marker_line(marker: &str) -> u32 {
    let needle = format!("// line: {marker}");
    let index = SOURCE.lines().position(|line| line.ends_with(&needle)).expect("marker in tests.rs");
    index as u32 + 1
}

fn function(name: &str) -> String {
    format!("{HERE}::{name}")
}

fn has(sample: &CpuSample, name: &str) -> bool {
    let name = function(name);
    sample.frames.iter().any(|frame| frame.function == name)
}

/// Runs `work` under a sampler with default options and checks what every
/// sample must satisfy.
fn sample(work: impl FnOnce()) -> CpuData {
    try_sample_on(ClockChoice::Auto, work).expect("the automatic clock falls back, never fails")
}

/// Whether this machine may lack perf events: the tests that need them are
/// strict unless `PROFTUI_NO_PERF_EVENTS=1` says so (CI has them).
fn perf_events_optional() -> bool {
    std::env::var_os("PROFTUI_NO_PERF_EVENTS").is_some_and(|v| v == "1")
}

/// [`sample`] with the clock `clock`; `None` when that is the perf clock
/// and the machine has none (and may lack it).
fn try_sample_on(clock: ClockChoice, work: impl FnOnce()) -> Option<CpuData> {
    // 997 Hz: more samples in the same time than the default asks.
    let options = CpuOptions { clock, frequency_hz: 997, ..CpuOptions::default() };
    let sampler = match Sampler::start(&options) {
        Err(CpuError::Perf(error)) if perf_events_optional() => {
            eprintln!("no perf events here ({error}); PROFTUI_NO_PERF_EVENTS=1 lets that pass");
            return None;
        }
        started => started.expect("sampler starts"),
    };
    let expected =
        if clock == ClockChoice::Timer { SampleClock::ItimerProf } else { SampleClock::PerfTaskClock };
    if clock != ClockChoice::Auto || !perf_events_optional() {
        assert_eq!(sampler.clock(), expected);
    }
    Some(check(sampler, work))
}

fn check(sampler: Sampler, work: impl FnOnce()) -> CpuData {
    work();
    let data = sampler.stop();
    // Other tests of this process run on other threads at the same time
    // (the heap tests capture backtraces, for one): only the samples of
    // this test's own code are checked.
    for sample in data.samples.iter().filter(|s| s.frames.iter().any(|f| f.function.starts_with(HERE))) {
        assert!(!sample.frames.is_empty(), "empty stack");
        for frame in &sample.frames {
            assert!(!frame.function.starts_with("0x"), "a bare address in {:?}", sample.frames);
            let own = [
                "collect::cpu::signal",
                "collect::cpu::Sampler",
                "backtrace::backtrace",
                "_Unwind_",
                "__restore_rt",
            ];
            assert!(
                !own.iter().any(|own| frame.function.contains(own)),
                "sampler frame {} in {:?}",
                frame.function,
                sample.frames
            );
        }
        // Start-up code is stripped from the root end; it stays only as the
        // interrupted function (a thread sampled as it starts).
        let start_up = ["_start", "main", "__libc_start_main", "std::rt::lang_start_internal", "clone3"];
        let callers = &sample.frames[..sample.frames.len() - 1];
        assert!(
            callers.iter().all(|frame| !start_up.contains(&frame.function.as_str())),
            "start-up frame in {:#?}",
            sample.frames
        );
    }
    data
}

/// Spins until this thread has used `cpu_ns` more CPU time.
#[inline(never)]
fn burn_quarter(cpu_ns: u64) -> u64 {
    let deadline = thread_cpu_ns() + cpu_ns;
    let mut x = 1u64;
    while thread_cpu_ns() < deadline {
        x = (0..1000u64).fold(x, |x, i| black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i)));
    }
    x
}

/// Like [`burn_quarter`], with a different body: LLVM merges functions
/// whose bodies are the same, and the samples would go to one of them.
#[inline(never)]
fn burn_three_quarters(cpu_ns: u64) -> u64 {
    let deadline = thread_cpu_ns() + cpu_ns;
    let mut x = 7u64;
    while thread_cpu_ns() < deadline {
        x = (0..1000u64).fold(x, |x, i| black_box(x ^ (x << 13) ^ (x >> 7) ^ i));
    }
    x
}

#[test]
fn samples_split_as_the_work_does_on_the_perf_clock() {
    samples_split_as_the_work_does(ClockChoice::Perf, 600.0);
}

#[test]
fn samples_split_as_the_work_does_on_the_profiling_timer() {
    samples_split_as_the_work_does(ClockChoice::Timer, 150.0);
}

/// At least `least` samples in the burn functions: 1.5 s of CPU is about
/// 375 samples at 250 Hz, and (less the kernel's share of the time, which
/// perf events do not sample) about 1400 at 997 Hz.
fn samples_split_as_the_work_does(clock: ClockChoice, least: f64) {
    let _serial = serial();
    let mut random = 0x2545_f491_4f6c_dd1d_u64;
    let Some(data) = try_sample_on(clock, || {
        let deadline = thread_cpu_ns() + 1_500_000_000;
        while thread_cpu_ns() < deadline {
            // Rounds of random length (1 to 19 ms): fixed rounds would beat
            // with the kernel tick the samples are taken on.
            random ^= random << 13;
            random ^= random >> 7;
            random ^= random << 17;
            let round_ns = 1_000_000 + random % 18_000_000;
            black_box(burn_quarter(round_ns / 4));
            black_box(burn_three_quarters(round_ns / 4 * 3));
        }
    }) else {
        return;
    };
    let quarter = data.samples.iter().filter(|s| has(s, "burn_quarter")).count();
    let three_quarters = data.samples.iter().filter(|s| has(s, "burn_three_quarters")).count();
    let n = (quarter + three_quarters) as f64;
    // The binomial spread of a 25% share over n samples is
    // sqrt(0.25 * 0.75 / n): 2.2 points at 375, 3.5 at 150. The tolerance is
    // 4 sigma of the samples actually taken, so a correct sampler fails
    // about once in 15 000 runs.
    assert!(n >= least, "only {n} samples of the burn functions on {:?}", data.clock);
    let share = quarter as f64 / n;
    let tolerance = 4.0 * (0.25 * 0.75 / n).sqrt();
    assert!(
        (share - 0.25).abs() <= tolerance,
        "share {share:.3} of {n} samples, expected 0.25 ± {tolerance:.3}"
    );
}

#[inline(never)]
fn deep_root(cpu_ns: u64) -> u64 {
    let mut out = 0;
    recurse(600, cpu_ns, &mut out);
    out
}

/// Recurses `depth` levels, then burns.
#[inline(never)]
fn recurse(depth: u32, cpu_ns: u64, out: &mut u64) {
    *out ^= u64::from(depth);
    if depth == 0 {
        *out ^= burn_quarter(cpu_ns); // line: recursion-bottom
    } else {
        recurse(depth - 1, cpu_ns, out); // line: recursion-call
        // A call without arguments: the instruction at the return address
        // of the call above is this line's, not that one's.
        returned();
    }
}

/// Opaque to the optimiser, so that the recursion stays a recursion.
#[inline(never)]
fn returned() {
    black_box(());
}

#[test]
fn deep_stacks_keep_their_root() {
    let _serial = serial();
    let data = sample(|| {
        black_box(deep_root(600_000_000));
    });
    let deep: Vec<_> = data.samples.iter().filter(|s| has(s, "recurse") && has(s, "burn_quarter")).collect();
    assert!(deep.len() >= 50, "only {} samples at the bottom of the recursion", deep.len());
    let (root, recursive) = (function("deep_root"), function("recurse"));
    let (call_line, bottom_line) = (marker_line("recursion-call"), marker_line("recursion-bottom"));
    for sample in deep {
        assert!(!sample.truncated);
        let root_at = sample.frames.iter().position(|f| f.function == root).expect("the root is kept");
        let levels: Vec<_> =
            sample.frames[root_at + 1..].iter().take_while(|f| f.function == recursive).collect();
        assert_eq!(levels.len(), 601, "one frame per level, 600 to 0");
        // A caller's line is the line of its call, not of the statement
        // after it: the return address is looked up one byte back.
        let (bottom, callers) = levels.split_last().expect("levels");
        assert!(callers.iter().all(|f| f.line == Some(call_line)), "caller lines {:?}", callers[0].line);
        assert_eq!(bottom.line, Some(bottom_line));
    }
}

#[inline(never)]
fn two_hot_lines(cpu_ns: u64) -> u64 {
    let deadline = thread_cpu_ns() + cpu_ns;
    let (mut a, mut b) = (1u64, 2u64);
    while thread_cpu_ns() < deadline {
        a = (0..300u64).fold(a, |a, i| black_box(a.rotate_left(5) ^ i)); // line: hot-a
        b = (0..900u64).fold(b, |b, i| black_box(b ^ (b << 7) ^ i)); // line: hot-b
    }
    a ^ b
}

#[test]
fn each_hot_line_gets_its_samples() {
    let _serial = serial();
    let data = sample(|| {
        black_box(two_hot_lines(1_000_000_000));
    });
    let name = function("two_hot_lines");
    let (line_a, line_b) = (marker_line("hot-a"), marker_line("hot-b"));
    let lines: Vec<_> = data
        .samples
        .iter()
        .filter_map(|s| s.frames.iter().find(|f| f.function == name).and_then(|f| f.line))
        .collect();
    let at = |line| lines.iter().filter(|&&l| l == line).count();
    // About 250 samples, a quarter to three quarters between the lines.
    assert!(
        at(line_a) >= 10 && at(line_b) >= 10,
        "line {line_a}: {}, line {line_b}: {}",
        at(line_a),
        at(line_b)
    );
    assert!(at(line_a) < at(line_b));
}

/// A thread that already runs when sampling starts gets an event of its
/// own (perf events are per thread; the timer is process-wide anyway).
#[test]
fn a_thread_started_before_the_sampler_is_sampled_too() {
    let _serial = serial();
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let early = std::thread::spawn(move || {
        wait.recv().expect("the test says go");
        black_box(burn_quarter(300_000_000));
        nix::unistd::gettid().as_raw() as u64
    });
    let mut thread_id = 0;
    let data = sample(|| {
        go.send(()).expect("the thread waits");
        thread_id = early.join().expect("the thread finishes");
    });
    let own = data.samples.iter().filter(|s| s.thread_id == thread_id).count();
    // 0.3 s of CPU: about 300 samples at the 997 Hz these tests ask, 75 at
    // the timer's 250 Hz.
    assert!(own >= 40, "only {own} samples of the thread started before the sampler ({:?})", data.clock);
}

#[test]
fn samples_name_their_threads() {
    let _serial = serial();
    let mut threads = Vec::new();
    let data = sample(|| {
        let handles: Vec<_> = ["cpu-test-left", "cpu-test-right"]
            .into_iter()
            .map(|name| {
                let thread = std::thread::Builder::new().name(name.to_owned());
                let spawned = thread.spawn(|| {
                    black_box(burn_quarter(300_000_000));
                    nix::unistd::gettid().as_raw() as u64
                });
                (name, spawned.expect("thread spawns"))
            })
            .collect();
        for (name, handle) in handles {
            threads.push((name, handle.join().expect("thread finishes")));
        }
    });
    for (name, thread_id) in threads {
        let own: Vec<_> = data.samples.iter().filter(|s| s.thread_id == thread_id).collect();
        assert!(own.len() >= 20, "only {} samples of thread {name}", own.len());
        assert!(own.iter().all(|s| s.thread_name == name && has(s, "burn_quarter")));
        // The thread's start-up is stripped: its stack starts at its closure.
        assert!(
            own.iter().all(|s| s.frames[0].function.starts_with(&function("samples_name_their_threads")))
        );
    }
}

#[test]
fn sampler_frames_never_appear() {
    let _serial = serial();
    // System calls put the interrupted frame in libc and the kernel;
    // `sample` checks every frame of every sample.
    let data = sample(|| {
        let deadline = thread_cpu_ns() + 300_000_000;
        while thread_cpu_ns() < deadline {
            black_box(std::fs::metadata("/proc/self/stat").is_ok());
            black_box(burn_quarter(100_000));
        }
    });
    assert!(data.samples.iter().filter(|s| has(s, "sampler_frames_never_appear")).count() >= 20);
}

/// The timer delivers at most one signal per tick of each CPU: some of the
/// 997 Hz asked, never more.
#[test]
fn the_profiling_timer_delivers_at_most_the_rate_asked() {
    let _serial = serial();
    let data = try_sample_on(ClockChoice::Timer, || {
        black_box(burn_three_quarters(500_000_000));
    })
    .expect("the timer always starts");
    assert_eq!(
        (data.clock, data.requested_hz, data.unsampled_seconds),
        (SampleClock::ItimerProf, 997.0, None)
    );
    assert!(data.achieved_hz > 0.0 && data.achieved_hz <= data.requested_hz, "{} Hz", data.achieved_hz);
    assert!(data.cpu_seconds >= 0.5, "{} s", data.cpu_seconds);
}

/// Perf events deliver the rate asked per second of user CPU time; the
/// achieved rate rests on the kernel's split of user and system time,
/// which it keeps by the tick: within 10%.
#[test]
fn the_perf_clock_delivers_the_rate_asked() {
    let _serial = serial();
    let Some(data) = try_sample_on(ClockChoice::Perf, || {
        black_box(burn_three_quarters(500_000_000));
    }) else {
        return;
    };
    assert_eq!((data.clock, data.requested_hz), (SampleClock::PerfTaskClock, 997.0));
    assert!((data.achieved_hz / 997.0 - 1.0).abs() < 0.1, "{} Hz", data.achieved_hz);
    let unsampled = data.unsampled_seconds.expect("the kernel's time is measured");
    assert!(data.cpu_seconds + unsampled >= 0.5, "{} s + {unsampled} s", data.cpu_seconds);
}

#[test]
fn achieved_rate_and_times_are_measured() {
    let _serial = serial();
    let data = sample(|| {
        black_box(burn_three_quarters(500_000_000));
    });
    assert!(data.achieved_hz > 0.0, "{} Hz", data.achieved_hz);
    assert!(data.cpu_seconds > 0.0 && data.wall_seconds > 0.0);
    let wall_ns = (data.wall_seconds * 1e9) as u64;
    assert!(data.samples.iter().all(|s| s.time_ns <= wall_ns));
    let thread_id = nix::unistd::gettid().as_raw() as u64;
    let times: Vec<_> = data.samples.iter().filter(|s| s.thread_id == thread_id).map(|s| s.time_ns).collect();
    assert!(times.is_sorted(), "one thread's samples come in time order");
}

#[test]
fn a_full_buffer_counts_what_it_drops() {
    let _serial = serial();
    let options = CpuOptions { capacity: 10, ..CpuOptions::default() };
    let sampler = Sampler::start(&options).expect("sampler starts");
    black_box(burn_quarter(200_000_000));
    let data = sampler.stop();
    assert_eq!(data.samples.len(), 10);
    assert!(data.dropped > 0);
}

#[test]
fn only_one_sampler_runs_at_a_time() {
    let _serial = serial();
    let first = Sampler::start(&CpuOptions::default()).expect("first sampler starts");
    assert!(matches!(Sampler::start(&CpuOptions::default()), Err(CpuError::AlreadyRunning)));
    let timer = CpuOptions { clock: ClockChoice::Timer, ..CpuOptions::default() };
    assert!(matches!(Sampler::start(&timer), Err(CpuError::AlreadyRunning)), "whatever the clock");
    drop(first);
    Sampler::start(&CpuOptions::default()).expect("a sampler starts once the first is dropped").stop();
}

#[test]
fn bad_options_are_refused() {
    let _serial = serial();
    let slow = CpuOptions { frequency_hz: 0, ..CpuOptions::default() };
    assert!(matches!(Sampler::start(&slow), Err(CpuError::Frequency(0))));
    let empty = CpuOptions { capacity: 0, ..CpuOptions::default() };
    assert!(matches!(Sampler::start(&empty), Err(CpuError::Capacity { .. })));
    Sampler::start(&CpuOptions::default()).expect("a refused start leaves nothing running").stop();
}
