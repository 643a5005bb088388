//! The Markdown tables the bench prints for BENCHMARKS.md.

use crate::round::{CpuFigures, Round};
use crate::stats::{median, minimum, spread};
use crate::{CASES, Measured, TaylorPair};
use std::process::Command;

/// Prints every table.
pub fn print(measured: &Measured) {
    println!("{}", machine());
    println!();
    println!(
        "`cargo bench -p proftui-tests --bench overhead`, {} rounds; median (min – max) over rounds.",
        measured.rounds
    );
    println!();
    let load_after = load_average();
    println!("Load average (1, 5, 15 min) before the rounds: {}; after: {load_after}.", measured.load_before);
    let busiest = [&measured.load_before, &load_after]
        .iter()
        .filter_map(|load| load.split(", ").next().and_then(|one| one.parse::<f64>().ok()))
        .fold(0.0, f64::max);
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    if busiest > cpus / 2.0 {
        println!(
            "**Other work kept the machine busy** (load {busiest} on {cpus} CPUs): wall figures are \
             disturbed; the fastest-run and CPU-time figures the least."
        );
    }
    println!();
    ratios(measured);
    fastest_ratios(measured);
    cpu_detail(measured);
    per_event(measured);
    bare_figures(measured);
}

/// `median (min – max)` over rounds of one figure of a round.
fn column(rounds: &[Round], pick: fn(&Round) -> f64, decimals: usize) -> String {
    spread(&rounds.iter().map(pick).collect::<Vec<_>>(), decimals)
}

/// The fastest of one figure over all rounds.
fn fastest(rounds: &[Round], pick: fn(&Round) -> f64) -> f64 {
    minimum(rounds.iter().map(pick))
}

fn ratios(measured: &Measured) {
    println!("Wall time per run of each pass over the bare run (1.000 = no overhead):");
    println!();
    println!(
        "| workload | stresses | bare wall | probed calls / run | allocated blocks / run | cpu pass, perf | \
         cpu pass, timer | calls pass | heap pass |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (case, rounds) in CASES.iter().zip(&measured.per_case) {
        println!(
            "| {} | {} | {:.1} ms | {} | {} | {} | {} | {} | {} |",
            case.label(),
            case.stresses,
            median(rounds.iter().map(|r| r.bare_warm_wall_s)) * 1e3,
            rounds[0].calls,
            rounds[0].blocks,
            column(rounds, |r| r.cpu.wall_ratio, 3),
            column(rounds, |r| r.cpu_timer.wall_ratio, 3),
            column(rounds, |r| r.calls_ratio, 3),
            column(rounds, |r| r.heap_ratio, 3),
        );
    }
    println!();
}

fn fastest_ratios(measured: &Measured) {
    println!(
        "The same ratios from the fastest runs of all rounds (the runs least disturbed by other \
         processes; cpu: later runs against later bare runs; calls: its one run, after a warm-up, \
         against later bare runs; heap: its one cold run against first bare runs):"
    );
    println!();
    println!("| workload | cpu pass, perf | cpu pass, timer | calls pass | heap pass |");
    println!("|---|---|---|---|---|");
    for (case, rounds) in CASES.iter().zip(&measured.per_case) {
        let warm = fastest(rounds, |r| r.fastest_warm_bare_s);
        let cold = fastest(rounds, |r| r.fastest_cold_bare_s);
        println!(
            "| {} | {:.3} | {:.3} | {:.3} | {:.3} |",
            case.label(),
            fastest(rounds, |r| r.cpu.fastest_s) / warm,
            fastest(rounds, |r| r.cpu_timer.fastest_s) / warm,
            fastest(rounds, |r| r.calls_wall_s) / warm,
            fastest(rounds, |r| r.heap_wall_s) / cold,
        );
    }
    println!();
}

/// One clock's cpu figures of a round.
type CpuOf = fn(&Round) -> &CpuFigures;

fn cpu_detail(measured: &Measured) {
    println!("The cpu pass in detail (later runs of its worker against later bare runs):");
    println!();
    println!(
        "| workload | clock | achieved Hz | samples per run | wall ratio of medians | wall ratio of minima | \
         CPU-time ratio of minima | CPU µs per sample | first bare run / later bare runs |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (case, rounds) in CASES.iter().zip(&measured.per_case) {
        let clocks: [(&str, CpuOf); 2] = [("perf", |r| &r.cpu), ("timer", |r| &r.cpu_timer)];
        for (clock, of) in clocks {
            let pick = |f: fn(&CpuFigures) -> f64| rounds.iter().map(|r| f(of(r))).collect::<Vec<_>>();
            println!(
                "| {} | {clock} | {:.0} | {:.1} | {} | {} | {} | {} | {} |",
                case.label(),
                median(pick(|f| f.achieved_hz).into_iter()),
                median(pick(|f| f.samples_per_run).into_iter()),
                spread(&pick(|f| f.wall_ratio), 3),
                spread(&pick(|f| f.min_wall_ratio), 3),
                spread(&pick(|f| f.min_time_ratio), 3),
                spread(&pick(|f| f.us_per_sample), 1),
                column(rounds, |r| r.cold_over_warm, 3),
            );
        }
    }
    println!();
}

fn per_event(measured: &Measured) {
    println!(
        "Per-event costs: the extra wall time per run over the events counted in that run; per \
         round (median of rounds, min – max) and from the fastest runs of all rounds:"
    );
    println!();
    println!("| cost | measured on | events per run | per event, per round | per event, fastest runs |");
    println!("|---|---|---|---|---|");
    for (case, rounds) in CASES.iter().zip(&measured.per_case) {
        let (warm, cold) =
            (fastest(rounds, |r| r.fastest_warm_bare_s), fastest(rounds, |r| r.fastest_cold_bare_s));
        let calls = rounds[0].calls;
        if calls >= 1_000_000 {
            println!(
                "| active probe: (calls pass − bare) / calls | {} | {calls} calls | {} ns | {:.1} ns |",
                case.label(),
                column(rounds, |r| r.calls_ns_per_call, 1),
                (fastest(rounds, |r| r.calls_wall_s) - warm) / calls as f64 * 1e9
            );
        }
        let blocks = rounds[0].blocks;
        if blocks >= 10_000 {
            println!(
                "| heap pass: (heap pass − bare) / allocated block | {} | {blocks} blocks | \
                 {} µs | {:.2} µs |",
                case.label(),
                column(rounds, |r| r.heap_us_per_block, 2),
                (fastest(rounds, |r| r.heap_wall_s) - cold) / blocks as f64 * 1e6
            );
        }
    }
    let taylor = &CASES[measured.taylor];
    let calls = measured.per_case[measured.taylor][0].calls as f64;
    let inactive = &measured.inactive;
    let per_round: Vec<f64> = inactive
        .iter()
        .map(|pair| {
            (median(pair.with_probes.iter().copied()) - median(pair.without_probes.iter().copied())) / calls
                * 1e9
        })
        .collect();
    let fastest_probed = minimum(inactive.iter().flat_map(|pair| pair.with_probes.iter().copied()));
    let fastest_unprobed = minimum(inactive.iter().flat_map(|pair| pair.without_probes.iter().copied()));
    println!(
        "| inactive probe: (bare taylor − bare taylor without probes) / calls | {} | {calls} calls | \
         {} ns | {:.2} ns |",
        taylor.label(),
        spread(&per_round, 2),
        (fastest_probed - fastest_unprobed) / calls * 1e9
    );
    let python = &measured.python;
    if !python.is_empty() {
        let per_round: Vec<f64> = python.iter().map(|(bare, profiled)| profiled - bare).collect();
        let fastest_bare = minimum(python.iter().map(|p| p.0));
        let fastest_profiled = minimum(python.iter().map(|p| p.1));
        println!(
            "| CPython cProfile: (profiled − bare) per call | recursive factorial(99) × 10 000 in \
             CPython | 1000000 calls | {} ns | {:.1} ns |",
            spread(&per_round, 1),
            fastest_profiled - fastest_bare
        );
    }
    println!();
}

/// The bare figures the probe costs rest on.
fn bare_figures(measured: &Measured) {
    let taylor = CASES[measured.taylor].label();
    let medians = |pick: fn(&TaylorPair) -> &Vec<f64>| -> Vec<f64> {
        measured.inactive.iter().map(|pair| median(pick(pair).iter().copied()) * 1e3).collect()
    };
    println!(
        "{taylor}, bare wall per run: {} ms with probes, {} ms without probes",
        spread(&medians(|pair| &pair.with_probes), 1),
        spread(&medians(|pair| &pair.without_probes), 1)
    );
    let python = &measured.python;
    if !python.is_empty() {
        let bare: Vec<f64> = python.iter().map(|p| p.0).collect();
        let profiled: Vec<f64> = python.iter().map(|p| p.1).collect();
        println!(
            "CPython factorial: {} ns per call bare, {} ns under cProfile",
            spread(&bare, 1),
            spread(&profiled, 1)
        );
    }
}

/// The machine, the date and the Python the figures come from.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let python = first_line("python3", &["--version"]);
    format!(
        "{} · {cpus} CPUs (nproc) · {model} · Linux {} · {}",
        first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        kernel.trim(),
        if python.is_empty() { "no python3".into() } else { python }
    )
}

/// The 1, 5 and 15 minute load averages from `/proc/loadavg`.
pub fn load_average() -> String {
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    loadavg.split_whitespace().take(3).collect::<Vec<_>>().join(", ")
}

/// The first line `command` prints, or nothing when it cannot run.
fn first_line(command: &str, args: &[&str]) -> String {
    Command::new(command)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or("").to_string())
        .unwrap_or_default()
}
