//! The heap pass end to end, in this process: blocks go through
//! [`allocator`] and the counters exactly as the host's allocation functions
//! send them. dhat runs one profiler per process, so tests take turns.

use super::*;
use std::alloc::Layout;
use std::hint::black_box;
use std::sync::{Mutex, MutexGuard, PoisonError};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A plugin block, allocated the way `host_alloc` does it.
struct Block(*mut u8, Layout);

fn alloc(size: usize) -> Block {
    let layout = Layout::from_size_align(size, 8).unwrap();
    // SAFETY: the layout is valid and non-zero.
    let ptr = unsafe { allocator().alloc(layout) };
    assert!(!ptr.is_null());
    allocated(size);
    Block(ptr, layout)
}

fn free(block: Block) {
    // SAFETY: the block came from `allocator()` with this layout; either
    // allocator frees the other's blocks.
    unsafe { allocator().dealloc(block.0, block.1) };
    freed(block.1.size());
}

/// Every site's leaf is where `alloc` was called from, since `alloc` is
/// inlined or not depending on the build: the site is found by either.
fn site<'a>(data: &'a HeapData, function: &str) -> &'a HeapSite {
    let matching: Vec<&HeapSite> = data
        .sites
        .iter()
        .filter(|s| s.frames.iter().any(|f| f.function.ends_with(&format!("::{function}"))))
        .collect();
    assert_eq!(matching.len(), 1, "one site in `{function}`: {:#?}", data.sites);
    matching[0]
}

#[inline(never)]
fn keep_hundred_kilobyte_blocks() -> Vec<Block> {
    // `black_box` keeps the call from becoming a tail call without a frame.
    black_box((0..100).map(|_| alloc(1000)).collect())
}

#[inline(never)]
fn churn_fifty_small_blocks() {
    let blocks: Vec<Block> = (0..50).map(|_| alloc(64)).collect();
    blocks.into_iter().for_each(free);
}

#[test]
fn sites_totals_peak_and_leaks_are_exact() {
    let _turn = turn();
    let profiler = start(&HeapOptions::default()).unwrap();
    let kept = keep_hundred_kilobyte_blocks();
    churn_fifty_small_blocks();
    let data = profiler.stop().unwrap();
    kept.into_iter().for_each(free);

    let keep = site(&data, "keep_hundred_kilobyte_blocks");
    assert_eq!((keep.total_bytes, keep.total_blocks), (100_000, 100));
    assert_eq!((keep.bytes_at_end, keep.blocks_at_end), (100_000, 100));
    assert_eq!((keep.bytes_at_peak, keep.blocks_at_peak, keep.max_bytes), (100_000, 100, 100_000));
    assert_eq!(keep.max_blocks, 100);
    let churn = site(&data, "churn_fifty_small_blocks");
    assert_eq!((churn.total_bytes, churn.total_blocks), (3_200, 50));
    assert_eq!((churn.bytes_at_end, churn.blocks_at_end), (0, 0));
    assert_eq!((churn.bytes_at_peak, churn.blocks_at_peak, churn.max_bytes), (3_200, 50, 3_200));
    assert_eq!(churn.max_blocks, 50);

    assert_eq!((data.total_bytes, data.total_blocks), (103_200, 150));
    assert_eq!((data.peak_bytes, data.end_bytes, data.end_blocks), (103_200, 100_000, 100));
    // The counters and dhat saw the same blocks.
    let sum = |f: fn(&HeapSite) -> u64| data.sites.iter().map(f).sum::<u64>();
    assert_eq!(sum(|s| s.total_bytes), data.total_bytes);
    assert_eq!(sum(|s| s.total_blocks), data.total_blocks);
    assert_eq!(sum(|s| s.bytes_at_peak), data.peak_bytes);
    assert_eq!(sum(|s| s.bytes_at_end), data.end_bytes);
    assert_eq!(sum(|s| s.blocks_at_end), data.end_blocks);

    let live: Vec<u64> = data.timeline.iter().map(|p| p.live_bytes).collect();
    assert!(data.timeline.len() >= 3, "start, peak and stop: {:?}", data.timeline);
    assert_eq!(live.iter().max(), Some(&data.peak_bytes));
    assert_eq!(live.last(), Some(&data.end_bytes));
    assert!(data.timeline.windows(2).all(|w| w[0].time_ns <= w[1].time_ns));
    assert!(data.timeline.contains(&MemoryPoint { time_ns: data.peak_time_ns, live_bytes: data.peak_bytes }));
}

#[inline(never)]
fn hold_one_block_for(time: std::time::Duration) {
    let block = alloc(256);
    std::thread::sleep(time);
    free(block);
}

#[test]
fn block_lifetimes_run_from_allocation_to_free_or_to_the_stop() {
    let _turn = turn();
    let started = std::time::Instant::now();
    let profiler = start(&HeapOptions::default()).unwrap();
    hold_one_block_for(std::time::Duration::from_millis(30));
    let kept = keep_hundred_kilobyte_blocks();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let data = profiler.stop().unwrap();
    let elapsed_us = started.elapsed().as_micros() as u64;
    kept.into_iter().for_each(free);

    let held = site(&data, "hold_one_block_for").lifetimes_us.expect("dhat writes lifetimes");
    assert!((30_000..=elapsed_us).contains(&held), "held {held} µs of {elapsed_us}");
    // The hundred blocks still live at the stop count until the stop: at
    // least the 20 ms slept before it, each.
    let kept = site(&data, "keep_hundred_kilobyte_blocks").lifetimes_us.expect("dhat writes lifetimes");
    assert!((100 * 20_000..=100 * elapsed_us).contains(&kept), "kept {kept} µs, {elapsed_us} µs elapsed");
}

#[test]
fn frames_are_root_first_without_hashes_or_allocator_plumbing() {
    let _turn = turn();
    let profiler = start(&HeapOptions::default()).unwrap();
    let kept = keep_hundred_kilobyte_blocks();
    let data = profiler.stop().unwrap();
    kept.into_iter().for_each(free);

    let frames = &site(&data, "keep_hundred_kilobyte_blocks").frames;
    let names: Vec<&str> = frames.iter().map(|f| f.function.as_str()).collect();
    let test = names
        .iter()
        .position(|n| n.ends_with("::frames_are_root_first_without_hashes_or_allocator_plumbing"));
    let keep =
        names.iter().position(|n| *n == "proftui_core::collect::heap::tests::keep_hundred_kilobyte_blocks");
    assert_eq!(test, Some(0), "the test is the root: {names:#?}");
    assert!(keep.is_some(), "{names:#?}");
    assert_eq!(
        names.last(),
        Some(&"proftui_core::collect::heap::tests::alloc"),
        "the leaf is the allocating call"
    );
    assert!(
        names.iter().all(|n| !has_hash(n) && !n.contains("dhat::") && !n.contains("backtrace::")),
        "{names:#?}"
    );
    let here = &frames[keep.unwrap()];
    assert!(here.file.as_deref().is_some_and(|f| f.ends_with("core/src/collect/heap/tests.rs")), "{here:?}");
    assert!(here.line.is_some());
}

/// Ends in a legacy-mangling hash, `::h` and 16 hex digits.
fn has_hash(name: &str) -> bool {
    name.rsplit_once("::h").is_some_and(|(_, h)| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[inline(never)]
fn recurse_then_allocate(depth: u32) -> Block {
    if depth == 0 { alloc(24) } else { black_box(recurse_then_allocate(depth - 1)) }
}

#[test]
fn deep_recursion_keeps_its_root() {
    let _turn = turn();
    let profiler = start(&HeapOptions::default()).unwrap();
    let block = recurse_then_allocate(200);
    let data = profiler.stop().unwrap();
    free(block);

    let frames = &site(&data, "recurse_then_allocate").frames;
    let depth = frames.iter().filter(|f| f.function.ends_with("::recurse_then_allocate")).count();
    assert_eq!(depth, 201);
    assert!(frames[0].function.ends_with("::deep_recursion_keeps_its_root"), "{:#?}", frames[0]);
}

#[inline(never)]
fn allocate_to_grow() -> Block {
    black_box(alloc(100))
}

#[test]
fn a_realloc_is_a_new_block_charged_to_the_first_site() {
    let _turn = turn();
    let profiler = start(&HeapOptions::default()).unwrap();
    let Block(ptr, layout) = allocate_to_grow();
    // SAFETY: `ptr` came from `allocator()` with `layout`; 300 is non-zero.
    let grown = unsafe { allocator().realloc(ptr, layout, 300) };
    assert!(!grown.is_null());
    freed(100);
    allocated(300);
    let data = profiler.stop().unwrap();
    free(Block(grown, Layout::from_size_align(300, 8).unwrap()));

    let grow = site(&data, "allocate_to_grow");
    assert_eq!(
        (grow.total_bytes, grow.total_blocks, grow.bytes_at_end, grow.blocks_at_end),
        (400, 2, 300, 1)
    );
    assert_eq!(data.sites.len(), 1, "{:#?}", data.sites);
    assert_eq!((data.total_bytes, data.total_blocks, data.end_bytes, data.end_blocks), (400, 2, 300, 1));
    assert_eq!(data.peak_bytes, 300);
}

#[test]
fn a_short_profile_has_a_start_and_a_stop() {
    let _turn = turn();
    let data = start(&HeapOptions { interval: Duration::from_secs(60), ..HeapOptions::default() })
        .unwrap()
        .stop()
        .unwrap();
    assert_eq!(data.sites, []);
    assert_eq!((data.total_blocks, data.peak_bytes, data.end_bytes), (0, 0, 0));
    assert!(data.timeline.len() >= 2, "{:?}", data.timeline);
    assert_eq!(data.timeline[0], MemoryPoint { time_ns: 0, live_bytes: 0 });
}

#[test]
fn the_timeline_samples_while_the_workload_runs() {
    let _turn = turn();
    let profiler =
        start(&HeapOptions { interval: Duration::from_millis(1), ..HeapOptions::default() }).unwrap();
    let block = alloc(5000);
    std::thread::sleep(Duration::from_millis(30));
    free(block);
    let data = profiler.stop().unwrap();

    let held = data.timeline.iter().filter(|p| p.live_bytes == 5000).count();
    assert!(held >= 3, "samples while 5000 bytes were live: {:?}", data.timeline);
    assert!(data.peak_time_ns < 10_000_000, "the peak came first: {}", data.peak_time_ns);
    assert_eq!(data.timeline.last().map(|p| p.live_bytes), Some(0));
    assert!(data.timeline.last().is_some_and(|p| p.time_ns >= 30_000_000));
}

#[test]
fn one_profile_at_a_time_and_the_system_allocator_between() {
    let _turn = turn();
    let idle = alloc(10);
    let profiler = start(&HeapOptions::default()).unwrap();
    assert!(matches!(start(&HeapOptions::default()), Err(HeapError::AlreadyRunning)));
    drop(profiler);
    let between = alloc(10);
    let data = start(&HeapOptions::default()).unwrap().stop().unwrap();
    assert_eq!(data.total_blocks, 0, "blocks outside a profile are not counted");
    free(idle);
    free(between);
    assert!(matches!(
        start(&HeapOptions { interval: Duration::ZERO, ..HeapOptions::default() }),
        Err(HeapError::ZeroInterval)
    ));
    assert!(matches!(
        start(&HeapOptions { max_points: 1, ..HeapOptions::default() }),
        Err(HeapError::TooFewPoints(1))
    ));
}
