//! How long the process' threads waited for a CPU while they were ready to
//! run: the kernel's `run_delay`, the second figure of
//! `/proc/self/task/TID/schedstat` (CONFIG_SCHED_INFO).
//!
//! The sampler is driven by the kernel tick: on a machine so busy that the
//! worker is switched in and out between ticks, the samples stop being
//! spread evenly over its CPU time (measured: the calibrate workload's 25%
//! share came out 21.4% to 24.4% with three busy threads on two cores). The
//! report keeps the wait so that a reader can tell a quiet run from a
//! starved one.

use std::collections::HashMap;

/// Each live thread's run-queue wait so far, in nanoseconds, by thread id;
/// `None` where the kernel does not keep it.
pub(super) fn per_thread_ns() -> Option<HashMap<u64, u64>> {
    let mut waits = HashMap::new();
    for entry in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let Some(tid) = entry.file_name().to_str().and_then(|n| n.parse::<u64>().ok()) else {
            continue;
        };
        // A thread that ended since the listing has no file any more.
        if let Some(wait) =
            std::fs::read_to_string(entry.path().join("schedstat")).ok().as_deref().and_then(run_delay_ns)
        {
            waits.insert(tid, wait);
        }
    }
    (!waits.is_empty()).then_some(waits)
}

/// The wait between two readings: threads born since the first count from
/// zero; threads that ended take theirs with them.
pub(super) fn between(start: &HashMap<u64, u64>, stop: &HashMap<u64, u64>) -> u64 {
    stop.iter().map(|(tid, &ns)| ns.saturating_sub(start.get(tid).copied().unwrap_or(0))).sum()
}

/// `run_delay` out of a schedstat line: "cpu_ns run_delay_ns timeslices".
fn run_delay_ns(schedstat: &str) -> Option<u64> {
    let mut fields = schedstat.split_whitespace();
    let _on_cpu = fields.next()?;
    let delay = fields.next()?.parse().ok()?;
    fields.next()?.parse::<u64>().ok()?;
    Some(delay)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_delay_is_the_second_field() {
        assert_eq!(run_delay_ns("340785747 435989 28\n"), Some(435_989));
        assert_eq!(run_delay_ns("340785747 435989"), None);
        assert_eq!(run_delay_ns("1 x 2"), None);
        assert_eq!(run_delay_ns(""), None);
    }

    #[test]
    fn threads_born_late_count_from_zero_and_ended_ones_are_gone() {
        let start = HashMap::from([(1, 100), (2, 50)]);
        let stop = HashMap::from([(1, 400), (3, 70)]);
        assert_eq!(between(&start, &stop), 300 + 70);
    }

    #[test]
    fn this_process_has_a_reading_for_the_calling_thread() {
        let waits = per_thread_ns().expect("schedstat: the kernel keeps run delays here");
        let tid = u64::try_from(nix::unistd::gettid().as_raw()).unwrap_or(0);
        assert!(waits.contains_key(&tid), "{tid} not in {waits:?}");
    }
}
