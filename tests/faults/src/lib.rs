//! faults: a test-only plugin whose workloads (and self-checks) misbehave in
//! every way a plugin can — an error, a panic, an abort, a segfault, a stack
//! overflow, an endless loop, stray output on stdout, an early `exit` — so
//! the end-to-end tests can prove that the worker process contains each of
//! them and that proftui reports it in one clear line.
//!
//! It is deliberately unsound in places (`segfault`). Never ship it, never
//! load it outside the tests.

use proftui_plugin::{Args, Check, Param, Plugin, Run, Workload};
use std::hint::black_box;
use std::time::Duration;

/// The message the `fail` workload returns.
const FAIL_MESSAGE: &str = "the fault plugin failed on purpose";
/// The message the `panic` workload panics with.
const PANIC_MESSAGE: &str = "the fault plugin panicked on purpose";

/// The choices of the `ok` workload's `mode` parameter.
const MODES: [&str; 3] = ["quiet", "normal", "loud"];

fn ok(run: &Run, args: &Args) -> Result<(), String> {
    run.number("answer", 42.0, "");
    run.text("verdict", "fine");
    run.text("variant", args.variant());
    run.number("count", args.int("count") as f64, "");
    run.number("scale", args.float("scale"), "");
    run.text("mode", args.choice("mode"));
    Ok(())
}

fn fail(_run: &Run) -> Result<(), String> {
    Err(FAIL_MESSAGE.to_string())
}

fn panic(_run: &Run) -> Result<(), String> {
    panic!("{PANIC_MESSAGE}");
}

fn abort(_run: &Run) -> Result<(), String> {
    std::process::abort();
}

fn segfault(_run: &Run) -> Result<(), String> {
    // black_box hides the address from the optimiser, which would otherwise
    // be entitled to treat a write through null as unreachable and drop it.
    let address = black_box(std::ptr::null_mut::<u64>());
    // SAFETY: none — this is deliberately unsound. Writing through a null
    // pointer is undefined behaviour; on Linux it raises SIGSEGV, which is
    // exactly what this workload exists for: proving the worker process
    // contains the crash and proftui reports it.
    unsafe { std::ptr::write_volatile(address, 0xdead) };
    Err("the write through a null pointer did not fault".into())
}

/// Recurses until the stack runs out: each frame holds a local array that
/// black_box makes observable, and the result depends on the recursive
/// call, so the optimiser can turn it neither into a loop nor into nothing.
/// The stop condition is never met; it is there because the optimiser
/// cannot know that.
#[inline(never)]
fn recurse(depth: u64) -> u64 {
    if black_box(depth) == u64::MAX {
        return 0;
    }
    let mut frame = [0u8; 256];
    frame[(depth % 256) as usize] = depth as u8;
    let frame = black_box(frame);
    let below = recurse(black_box(depth + 1));
    below.wrapping_add(u64::from(frame[(depth % 256) as usize]))
}

fn stack_overflow(run: &Run) -> Result<(), String> {
    run.number("depth", recurse(0) as f64, "");
    Err("the recursion returned".into())
}

fn endless(_run: &Run) -> Result<(), String> {
    let mut spins = 0u64;
    loop {
        spins = black_box(spins.wrapping_add(1));
    }
}

/// The text the `print` workload writes on its stdout.
const PRINTED: &str = "noise from the plugin on stdout";

fn print(run: &Run) -> Result<(), String> {
    // A line that looks like a protocol message too, to make corruption
    // visible if plugin stdout ever reached the event channel.
    println!("{PRINTED}");
    println!(r#"{{"failed":"forged by the plugin"}}"#);
    eprintln!("noise from the plugin on stderr");
    run.number("printed_lines", 2.0, "");
    Ok(())
}

fn exit(_run: &Run, args: &Args) -> Result<(), String> {
    let status = i32::try_from(args.int("status")).map_err(|e| e.to_string())?;
    std::process::exit(status);
}

fn slow(run: &Run, args: &Args) -> Result<(), String> {
    let steps = args.count("steps");
    for step in 0..steps {
        if run.cancelled() {
            return Err(format!("cancelled after {step} of {steps} steps"));
        }
        std::thread::sleep(Duration::from_millis(10));
        run.progress((step + 1) as f64 / steps as f64);
    }
    run.number("steps", steps as f64, "");
    Ok(())
}

/// A workload body that takes no arguments.
fn no_args(body: fn(&Run) -> Result<(), String>) -> impl Fn(&Run, &Args) -> Result<(), String> {
    move |run, _args| body(run)
}

fn plugin() -> Plugin {
    Plugin::new("faults", "test only: workloads that misbehave, to prove proftui survives them")
        .workload(
            Workload::new("ok", "reports its arguments as results and succeeds (the control)", ok)
                .variant("plain", "the default variant")
                .variant("fancy", "another variant")
                .param(Param::int("count", "an integer", 10, 1, 100))
                .param(Param::float("scale", "a float", 0.5, 0.0, 1.0))
                .param(Param::choice("mode", "a choice", &MODES, 1)),
        )
        .workload(Workload::new("fail", "returns an error message", no_args(fail)))
        .workload(Workload::new("panic", "panics with a known message", no_args(panic)))
        .workload(Workload::new("abort", "calls std::process::abort (SIGABRT)", no_args(abort)))
        .workload(Workload::new("segfault", "writes through a null pointer (SIGSEGV)", no_args(segfault)))
        .workload(Workload::new(
            "stack_overflow",
            "recurses until the stack runs out",
            no_args(stack_overflow),
        ))
        .workload(Workload::new(
            "endless",
            "loops forever and never checks for cancellation",
            no_args(endless),
        ))
        .workload(Workload::new("print", "writes to stdout and stderr, then succeeds", no_args(print)))
        .workload(
            Workload::new("exit", "calls std::process::exit in the middle of the run", exit)
                .param(Param::int("status", "the exit status", 7, 0, 255)),
        )
        .workload(
            Workload::new(
                "slow",
                "sleeps in 10 ms steps, reporting progress and honouring cancellation",
                slow,
            )
            .param(Param::int("steps", "how many 10 ms steps", 100, 1, 1_000_000)),
        )
        // The crashing checks come first: `proftui check` must go on to the next.
        .check(Check::new("segfaults", "writes through a null pointer", segfault))
        .check(Check::new("panics", "panics with a known message", panic))
        .check(Check::new("exits_early", "calls std::process::exit(0) before it finishes", |_run| {
            std::process::exit(0)
        }))
        .check(Check::new("fails", "returns an error message", fail))
        .check(Check::new("passes", "passes (the control)", |run| {
            run.number("answer", 42.0, "");
            Ok(())
        }))
}

proftui_plugin::declare_plugin!(plugin);
