//! The serial variant: one generator, one loop, one thread.

use crate::{count_hits, generator, progress_stride};
use proftui_plugin::probe;

/// Hits among `samples` points drawn from the stream of `seed`.
#[inline(never)]
pub fn hits(samples: u64, seed: u64, report: &(dyn Fn(f64) + Sync)) -> u64 {
    probe!();
    let mut rng = generator(seed);
    let stride = progress_stride(samples);
    let (mut done, mut hits) = (0, 0);
    while done < samples {
        let run = stride.min(samples - done);
        hits += count_hits(&mut rng, run);
        done += run;
        report(done as f64 / samples as f64);
    }
    hits
}
