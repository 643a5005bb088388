//! The memory timeline: a thread that samples the live-bytes counter at a
//! fixed interval while the heap profile runs.

use super::MemoryPoint;
use super::counters;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// A running sampler; [`Sampler::finish`] stops it and hands its points over.
pub(super) struct Sampler {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<Series>,
}

impl Sampler {
    /// Starts sampling every `interval` from `started`, keeping at most
    /// `max_points` points (see [`Series`]).
    pub(super) fn start(started: Instant, interval: Duration, max_points: usize) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel();
        let mut series = Series::new(interval, max_points);
        // The counters were zeroed at `started`.
        series.push(MemoryPoint { time_ns: 0, live_bytes: 0 });
        let thread = thread::Builder::new()
            .name("proftui-heap-timeline".into())
            .spawn(move || sample(series, started, &stopped))?;
        Ok(Self { stop, thread })
    }

    /// Stops the thread and returns its points, oldest first.
    pub(super) fn finish(self) -> Vec<MemoryPoint> {
        drop(self.stop);
        // The thread only sleeps and pushes; a panic there lost its points.
        self.thread.join().map(|series| series.points).unwrap_or_default()
    }
}

fn sample(mut series: Series, started: Instant, stopped: &mpsc::Receiver<()>) -> Series {
    let mut next = started + series.interval;
    loop {
        let wait = next.saturating_duration_since(Instant::now());
        if !matches!(stopped.recv_timeout(wait), Err(RecvTimeoutError::Timeout)) {
            return series;
        }
        let now = Instant::now();
        series.push(MemoryPoint { time_ns: elapsed_ns(started, now), live_bytes: counters::live_bytes() });
        // A late wake-up skips the ticks it missed rather than bunching them.
        next = (next + series.interval).max(now);
    }
}

/// Nanoseconds from `started` to `at`.
pub(super) fn elapsed_ns(started: Instant, at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(started).as_nanos()).unwrap_or(u64::MAX)
}

/// Points at a fixed interval, bounded: when full, neighbours are merged
/// pairwise, keeping the higher of the two, and the interval doubles. A long
/// run keeps its shape and its highs at a coarser step.
pub(super) struct Series {
    points: Vec<MemoryPoint>,
    interval: Duration,
    max_points: usize,
}

impl Series {
    pub(super) fn new(interval: Duration, max_points: usize) -> Self {
        Self { points: Vec::new(), interval, max_points: max_points.max(2) }
    }

    pub(super) fn push(&mut self, point: MemoryPoint) {
        if self.points.len() >= self.max_points {
            self.points = self
                .points
                .chunks(2)
                .filter_map(|pair| {
                    pair.iter().copied().reduce(|a, b| if b.live_bytes > a.live_bytes { b } else { a })
                })
                .collect();
            self.interval = self.interval.saturating_mul(2);
        }
        self.points.push(point);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_series_halves_and_keeps_its_highs() {
        let mut series = Series::new(Duration::from_millis(1), 4);
        let live = [5, 1, 2, 9, 3, 4, 0, 7, 6, 8];
        for (i, &live_bytes) in live.iter().enumerate() {
            series.push(MemoryPoint { time_ns: i as u64, live_bytes });
        }
        assert!(series.points.len() <= 4);
        assert_eq!(series.points.iter().map(|p| p.live_bytes).max(), Some(9));
        assert!(series.points.windows(2).all(|w| w[0].time_ns < w[1].time_ns));
        assert_eq!(series.points.last().map(|p| p.time_ns), Some(9));
        assert!(series.interval > Duration::from_millis(1));
    }
}
