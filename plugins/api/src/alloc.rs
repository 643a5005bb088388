//! The forwarding global allocator: plugin allocations go to the host.
//!
//! A `cdylib` gets its own global allocator that the host never sees, so
//! without this the heap pass would miss everything a plugin allocates.

use crate::host;
use std::alloc::{GlobalAlloc, Layout, System};

/// Forwards every allocation to the host's allocation functions.
///
/// Before the host table is installed (nothing in a plugin normally
/// allocates that early) it falls back to the system allocator; proftui's
/// allocation functions are the system allocator underneath, so blocks may
/// move between the two.
#[derive(Debug, Clone, Copy, Default)]
pub struct ForwardingAllocator;

// SAFETY: every method forwards to an allocator that upholds the
// `GlobalAlloc` contract (the host's functions have `GlobalAlloc` semantics
// by the ABI; `System` does by definition) with the same layout.
unsafe impl GlobalAlloc for ForwardingAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match host::get() {
            // SAFETY: the host's `alloc` has `GlobalAlloc::alloc` semantics.
            Some(h) => unsafe { (h.alloc)(layout.size(), layout.align()).cast() },
            // SAFETY: forwarded with the caller's valid layout.
            None => unsafe { System.alloc(layout) },
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match host::get() {
            // SAFETY: as `alloc`, zero-filled.
            Some(h) => unsafe { (h.alloc_zeroed)(layout.size(), layout.align()).cast() },
            // SAFETY: forwarded with the caller's valid layout.
            None => unsafe { System.alloc_zeroed(layout) },
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match host::get() {
            // SAFETY: `ptr` came from this allocator with `layout`.
            Some(h) => unsafe { (h.dealloc)(ptr.cast(), layout.size(), layout.align()) },
            // SAFETY: `ptr` came from this allocator with `layout`.
            None => unsafe { System.dealloc(ptr, layout) },
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match host::get() {
            // SAFETY: `ptr` came from this allocator with `layout`.
            Some(h) => unsafe { (h.realloc)(ptr.cast(), layout.size(), layout.align(), new_size).cast() },
            // SAFETY: `ptr` came from this allocator with `layout`.
            None => unsafe { System.realloc(ptr, layout, new_size) },
        }
    }
}
